"""The transcript editor end to end on a 3-hour transcript (3,000 segments, ~30,000 words) in a project.

    QT_QPA_PLATFORM=offscreen .venv/bin/python bench/bench_transcript_edit.py

Prints, in the same run:
  * opening: the project's transcript read from SQLite into the transcript book, shown in the view and
    painted once (what the user waits for when a project opens);
  * a text edit: TranscriptBook.edit_text (the undo command, the SQLite commit with synchronous=FULL, the
    view's row update and repaint) — mean / p95 / max over 50 edits, against the bare SQLite commit of the
    same row measured alone;
  * undo of an edit, and a split, the same way.
The alignment that follows an edit runs in a background thread and is not part of the commit (it has no
audio here, so none is requested).
"""

from __future__ import annotations

import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from PySide6.QtGui import QUndoStack  # noqa: E402
from PySide6.QtWidgets import QApplication  # noqa: E402

from analysis.media import MediaInfo  # noqa: E402
from app.gui.books.transcript import TranscriptBook  # noqa: E402
from app.project.store import Store  # noqa: E402

sys.path.insert(0, str(ROOT / "bench"))
from bench_transcript_view import synthetic_transcript  # noqa: E402

from widgets.transcript.transcript_view import TranscriptView  # noqa: E402


def stats(values: list[float]) -> str:
    values = sorted(values)
    p95 = values[min(len(values) - 1, round(0.95 * (len(values) - 1)))]
    return f"mean {statistics.mean(values):.1f} ms, p95 {p95:.1f} ms, max {values[-1]:.1f} ms"


def main() -> None:
    app = QApplication([])
    segments = synthetic_transcript(3000, 3.0)
    with tempfile.TemporaryDirectory() as folder:
        project = Path(folder) / "long.salient"
        store = Store.open(project)
        info = MediaInfo(
            path=str(Path(folder) / "long.mp4"),
            container="mp4",
            size_bytes=1,
            duration_ms=3 * 3_600_000,
            video=None,
            audio=None,
        )
        media = store.add_media(info, "bench")
        store.import_transcript(media.id, {"model": ""}, {}, segments, [], "bench")
        words = sum(len(s.words) for s in segments)
        print(f"transcript: {len(segments)} segments, {words} words, 3 h")

        view = TranscriptView()
        view.resize(700, 900)
        view.show()
        book = TranscriptBook(QUndoStack())
        book.reset.connect(lambda: view.set_segments(book.segments))
        book.segment_changed.connect(view.update_segment)
        book.segment_inserted.connect(view.insert_segment)
        book.segment_removed.connect(view.remove_segment)
        start = time.perf_counter()
        book.attach(store, media.id)
        loaded = time.perf_counter()
        view.grab()
        app.processEvents()
        shown = time.perf_counter()
        print(
            f"open: {(shown - start) * 1000:.0f} ms (read from SQLite {(loaded - start) * 1000:.0f} ms, "
            f"view + first paint {(shown - loaded) * 1000:.0f} ms)"
        )

        edits, bare, undos = [], [], []
        for i in range(50):
            index = 60 * i + 7
            view.list_view.scrollTo(view.list_view.model().index(index, 0))
            app.processEvents()
            text = book.segment(index).text + " corrected"
            start = time.perf_counter()
            book.edit_text(index, text)
            view.list_view.viewport().repaint()
            edits.append((time.perf_counter() - start) * 1000)
            segment = book.segment(index)
            start = time.perf_counter()
            store.update_transcript_segment(segment)
            bare.append((time.perf_counter() - start) * 1000)
            start = time.perf_counter()
            book.undo_stack.undo()
            view.list_view.viewport().repaint()
            undos.append((time.perf_counter() - start) * 1000)
        print(f"text edit committed and shown: {stats(edits)}")
        print(f"  the bare SQLite commit of that row: {stats(bare)}")
        print(f"undo of an edit: {stats(undos)}")
        splits = []
        for i in range(20):
            index = 100 * i + 3
            start = time.perf_counter()
            book.split(index, 2)
            view.list_view.viewport().repaint()
            splits.append((time.perf_counter() - start) * 1000)
        print(f"split: {stats(splits)}")
        store.close()
    del app


if __name__ == "__main__":
    main()
