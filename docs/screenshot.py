"""Regenerates docs/window.png (the demo video loaded, k = 1.2, five segments labelled, at a peak, with the
review queue) and docs/transcript.png (the same moment, transcribed, with the transcript dock in front).

QT_QPA_PLATFORM=offscreen .venv/bin/python docs/screenshot.py
"""

from __future__ import annotations

import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtCore import QSettings  # noqa: E402
from PySide6.QtWidgets import QApplication  # noqa: E402


def main() -> None:
    app = QApplication([])
    from app.gui.main_window import MainWindow

    with tempfile.TemporaryDirectory() as folder:
        os.environ["XDG_DATA_HOME"] = folder
        settings = QSettings(str(Path(folder) / "settings.ini"), QSettings.Format.IniFormat)
        settings.setValue("annotator", "Ana")
        window = MainWindow(settings)
        window.resize(1600, 1000)
        window.show()
        done = []
        window.session.pauses_changed.connect(done.append)
        window.open_demo()
        deadline = time.monotonic() + 120
        while not done and time.monotonic() < deadline:
            app.processEvents()
            time.sleep(0.01)
        window.peak_controls.slider.setValue(12)
        vocabulary = {entry.name: entry.id for entry in window.session.labels.vocabulary}
        rows = window.review_panel.rows()
        for row, value in zip(rows, ("irritation", "emphasis", "not significant", "irony", "enthusiasm"), strict=False):
            window.review_panel.label_requested.emit(row.key, vocabulary[value])
        window.review_panel.select(rows[1].key)
        peak = sorted(p.peak_ms for p in window.session.outliers.peaks)[1]
        window.timeline.set_visible_range(max(0, peak - 12_000), peak + 12_000)
        window.player.seek(peak)
        end = time.monotonic() + 1.5
        while time.monotonic() < end:
            app.processEvents()
            time.sleep(0.01)
        window.grab().save(str(ROOT / "docs" / "window.png"))

        from analysis.transcribe import TranscribeOptions

        job = window.transcript.start(TranscribeOptions())
        deadline = time.monotonic() + 180
        while job.running and time.monotonic() < deadline:
            app.processEvents()
            time.sleep(0.01)
        window.transcript.book.set_speaker(list(range(len(window.transcript.book))), "Speaker 1")
        window.review_panel.select(rows[1].key)
        window.transcript.dock.raise_()
        window.player.seek(peak)
        end = time.monotonic() + 1.5
        while time.monotonic() < end:
            app.processEvents()
            time.sleep(0.01)
        window.grab().save(str(ROOT / "docs" / "transcript.png"))
        window.review_dock.raise_()
        end = time.monotonic() + 0.5
        while time.monotonic() < end:
            app.processEvents()
            time.sleep(0.01)
        window.grab().save(str(ROOT / "docs" / "peak_context.png"))
        window.close()


if __name__ == "__main__":
    main()
