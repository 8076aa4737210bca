"""Benchmarks of the transcript editor on a 3-hour talk (3,000 segments, ~30,000 words).

    QT_QPA_PLATFORM=offscreen .venv/bin/python bench/bench_transcript_view.py [--segments 3000] [--hours 3]

Builds a synthetic transcript (segments of 6–14 timed words, three speakers, 5 % low-probability words, a
tenth reviewed) and prints, measured in the same run:
  * set_segments + first paint of a 700 × 900 view (a grab()), the first time (word widths not yet cached)
    and again; against two stock Qt ways of showing the same text: a QListWidget with word wrap (Qt lays out
    the text of every row) and a QTextEdit holding every segment as a paragraph;
  * set_position over 60 s of playback at 30 Hz: the call plus a synchronous repaint of the rows it marked
    (all of the viewport when following playback scrolled), mean / p95 / max and the share of 33 ms frames it
    would overrun; against the same highlight moved through the model's dataChanged, which makes QListView
    lay out all rows again;
  * update_segment: a word fixed (same row height: that row repainted) and a sentence added (taller row:
    every row laid out again), each with its repaint;
  * append_segments while transcribing: 10 segments at a time into a view kept at the end.
Only ratios within one run mean much on a noisy machine.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from PySide6.QtCore import QRect  # noqa: E402
from PySide6.QtWidgets import QApplication, QListWidget, QTextEdit  # noqa: E402

from app.model.transcript import TranscriptSegment, Word  # noqa: E402
from widgets.transcript.transcript_view import TranscriptView  # noqa: E402

WIDTH, HEIGHT = 700, 900
FRAME_MS = 1000 / 30
VOCABULARY = (
    "the a and of to in we that is it you this for on with as was be at so they but have what not are can "
    "about there one all would when if just like people really think know time very because more some "
    "moment speech video frame attention voice laughter audience question answer example problem "
    "important different actually research salient annotation emotion gesture peak pause"
).split()


def synthetic_transcript(segments: int, hours: float, seed: int = 3) -> list[TranscriptSegment]:
    """``segments`` segments evenly over ``hours``, each 6–14 words with times, a pause of 0.2 s between them."""
    rng = random.Random(seed)
    span = round(hours * 3_600_000 / segments)
    out = []
    for index in range(segments):
        start, end = index * span, (index + 1) * span - 200
        count = rng.randint(6, 14)
        step = (end - start) // count
        words = tuple(
            Word(
                rng.choice(VOCABULARY) + ("." if i == count - 1 else ""),
                start + i * step,
                start + (i + 1) * step - 30,
                rng.uniform(0.1, 0.49) if rng.random() < 0.05 else rng.uniform(0.6, 1.0),
            )
            for i in range(count)
        )
        text = " ".join(word.text for word in words)
        speaker = ("Ana", "Bob", "Chen")[(index // 7) % 3]
        out.append(TranscriptSegment(start, end, text, words, speaker, reviewed=rng.random() < 0.1))
    return out


def timed(function: Callable[[], object]) -> float:
    start = time.perf_counter()
    function()
    return (time.perf_counter() - start) * 1000


def summary(times: list[float]) -> str:
    ordered = sorted(times)
    p95 = ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]
    return f"mean {statistics.fmean(times):.2f} ms, p95 {p95:.2f} ms, max {max(times):.1f} ms"


def shown_view(app: QApplication) -> TranscriptView:
    view = TranscriptView()
    view.resize(WIDTH, HEIGHT)
    view.show()
    app.processEvents()
    return view


def bench_open(app: QApplication, segments: list[TranscriptSegment]) -> float:
    view = shown_view(app)

    def run() -> None:
        view.set_segments(segments)
        app.processEvents()
        view.grab()

    first = timed(run)
    again = statistics.median(timed(run) for _ in range(3))
    rows = view.list_view.model().rowCount()
    print(
        f"set_segments + first paint, {rows:,} segments / {sum(len(s.words) for s in segments):,} words: "
        f"{first:.0f} ms the first time, {again:.0f} ms again"
    )
    view.close()
    app.processEvents()
    return first


def bench_open_baselines(app: QApplication, segments: list[TranscriptSegment], ours_ms: float) -> None:
    def list_widget() -> None:
        widget = QListWidget()
        widget.setWordWrap(True)
        widget.resize(WIDTH, HEIGHT)
        widget.show()
        widget.addItems([f"{s.speaker}  {s.start_ms / 1000:.1f}\n{s.text}" for s in segments])
        app.processEvents()
        widget.grab()
        widget.close()

    def text_edit() -> None:
        widget = QTextEdit()
        widget.resize(WIDTH, HEIGHT)
        widget.show()
        widget.setHtml("".join(f"<p><b>{s.speaker}</b> {s.start_ms / 1000:.1f}<br>{s.text}</p>" for s in segments))
        app.processEvents()
        widget.grab()
        widget.close()

    for name, function in (("QListWidget with word wrap", list_widget), ("QTextEdit, one paragraph each", text_edit)):
        ms = timed(function)
        app.processEvents()
        print(f"  baseline, {name}: {ms:.0f} ms → ours {ms / ours_ms:.1f}× faster")


def _dirty_rect(view: TranscriptView, rows: set[int | None]) -> QRect:
    rect = QRect()
    for row in rows:
        if row is not None:
            rect = rect.united(view.list_view.visualRect(view.list_view.model().index(row)))
    return rect


def bench_playback(app: QApplication, segments: list[TranscriptSegment]) -> None:
    view = shown_view(app)
    view.set_segments(segments)
    app.processEvents()
    viewport = view.list_view.viewport()
    bar = view.list_view.verticalScrollBar()
    start_ms = segments[len(segments) // 3].start_ms
    positions = [start_ms + round(frame * FRAME_MS) for frame in range(60 * 30)]

    def frames(move: Callable[[int], None]) -> tuple[list[float], int]:
        times, scrolled = [], 0
        for ms in positions:
            before, value = view.current()[0], bar.value()
            t0 = time.perf_counter()
            move(ms)
            if bar.value() != value:
                scrolled += 1
                viewport.repaint()
            else:
                rect = _dirty_rect(view, {before, view.current()[0]})
                if rect.isValid():
                    viewport.repaint(rect)
            times.append((time.perf_counter() - t0) * 1000)
            app.processEvents()
        return times, scrolled

    view.set_position(0)
    ours, scrolled = frames(view.set_position)
    dropped = sum(1 for t in ours if t > FRAME_MS) / len(ours)
    print(
        f"set_position + repaint, 60 s of playback at 30 Hz ({len(positions)} calls, {scrolled} follow scrolls): "
        f"{summary(ours)}; {dropped:.1%} of frames over 33 ms"
    )

    model = view.list_view.model()

    def through_model(ms: int) -> None:
        old = view.current()[0]
        view.set_position(ms)
        for row in {old, view.current()[0]} - {None}:
            model.dataChanged.emit(model.index(row), model.index(row))
        app.processEvents()  # the delayed relayout of every row

    view.set_position(0)
    bar.setValue(0)
    positions = positions[:300]
    naive, _ = frames(through_model)
    print(
        f"  baseline, the same highlight through dataChanged (QListView lays out all {model.rowCount():,} rows), "
        f"first 10 s: {summary(naive)} → ours {statistics.fmean(naive) / statistics.fmean(ours[:300]):.0f}× faster"
    )
    view.close()
    app.processEvents()


def bench_updates(app: QApplication, segments: list[TranscriptSegment]) -> None:
    view = shown_view(app)
    view.set_segments(segments)
    app.processEvents()
    viewport = view.list_view.viewport()
    rows = range(len(segments) // 2, len(segments) // 2 + 50)
    view.select(rows[0])
    app.processEvents()

    def fix_word(row: int) -> None:
        segment = view.segments()[row]
        view.update_segment(row, segment.with_text(segment.text.replace(" ", "  ", 1)))
        viewport.repaint()

    def add_sentence(row: int) -> None:
        segment = view.segments()[row]
        view.update_segment(row, segment.with_text(segment.text + " and then a whole new sentence was added here."))
        app.processEvents()
        viewport.repaint()

    same = [timed(lambda row=row: fix_word(row)) for row in rows]
    taller = [timed(lambda row=row: add_sentence(row)) for row in rows]
    print(f"update_segment, same height (no relayout) + repaint of the viewport: {summary(same)}")
    print(f"update_segment, taller row (all rows laid out again from cached heights) + repaint: {summary(taller)}")
    view.close()
    app.processEvents()


def bench_streaming(app: QApplication, segments: list[TranscriptSegment]) -> None:
    view = shown_view(app)
    view.set_segments([])
    times = []
    for first in range(0, len(segments), 10):
        times.append(
            timed(lambda first=first: (view.append_segments(segments[first : first + 10]), app.processEvents()))
        )
    bar = view.list_view.verticalScrollBar()
    print(
        f"append_segments, 10 at a time up to {len(segments):,} (+ processEvents): {summary(times)}; "
        f"last 10 appends mean {statistics.fmean(times[-10:]):.1f} ms; still at the end: {bar.value() == bar.maximum()}"
    )
    view.close()
    app.processEvents()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--segments", type=int, default=3000)
    parser.add_argument("--hours", type=float, default=3.0)
    args = parser.parse_args()
    app = QApplication.instance() or QApplication([])
    segments = synthetic_transcript(args.segments, args.hours)
    ours = bench_open(app, segments)
    bench_open_baselines(app, segments, ours)
    bench_playback(app, segments)
    bench_updates(app, segments)
    bench_streaming(app, segments)


if __name__ == "__main__":
    main()
