"""Opening a big project in the window (issue 12, item 40), offscreen.

    .venv/bin/python bench/bench_open.py [--labels 50000] [--baseline-labels 6000] [--hours 3] [--sync]

Writes bench/out/open-3h-96px.mp4 (a demo-like moving square, 1 fps, video only, so no audio job competes
with the opening), then for each label count builds a project through the Store API: that media, N labels
from three annotators (two to a segment, as when annotators review the same segments), a transcript of the
whole length (a segment every 4 s, ten timed words each) and a stored pauses run (a pause between segments).
A fresh process opens it in the window and times open_path → every label on the labels track, every segment in
the review queue and every transcript segment in the Transcript panel ("shown"), and the longest time the
event loop was blocked meanwhile, measured by a 5 ms QTimer heartbeat (the longest gap between two ticks: how
long the window did not answer). The baselines in the same run: the smaller project, a bare
``Store.labels()`` read, and (``--sync``) the same open done the old way, on the GUI thread (the job's
function called directly, then its result shown), which is what the window did before it opened in the
background.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "bench" / "out"
sys.path.insert(0, str(ROOT))

CHILD = r"""
import json, os, sys, time
os.environ["QT_QPA_PLATFORM"] = "offscreen"
from PySide6.QtCore import QSettings, QTimer
from PySide6.QtWidgets import QApplication
from app.project.store import Store

project, folder, count, sync = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4] == "sync"
begin = time.perf_counter()
with Store.open(project, create=False) as store:
    media_id = store.all_media()[0].id
    read = len(store.labels(media_id))
    segments = len(store.transcript_segments(store.transcript_run(media_id).id))
store_read_s = time.perf_counter() - begin

app = QApplication([])
from app.gui.main_window import MainWindow
settings = QSettings(os.path.join(folder, "settings.ini"), QSettings.Format.IniFormat)
settings.setValue("annotator", "Ana")
window = MainWindow(settings)
window.resize(1600, 1000)
window.show()
app.processEvents()
ticks = [time.perf_counter()]
timer = QTimer()
timer.setInterval(5)
timer.timeout.connect(lambda: ticks.append(time.perf_counter()))
timer.start()


def shown():
    return (window.label_track.label_count == count and len(window.review_panel.rows()) >= count // 2
            and len(window.transcript.view.segments()) == segments)

if sync:  # the old way: read the project on the GUI thread, then show it
    from analysis.progress import NullProgress
    from app.gui.opening import load_project

    def open_path(path):
        session, job = window.session, object()  # stands for the job whose result this is
        loaded = load_project(path, None, None, NullProgress())
        session._open_job = job
        session._on_project_loaded(loaded, job)
else:
    open_path = window.open_path

started = time.perf_counter()
ticks.append(started)
open_path(project)
returned = time.perf_counter() - started
deadline = started + 3600
while not shown():
    if time.perf_counter() > deadline:
        sys.exit("timed out")
    app.processEvents()
    time.sleep(0.001)
window.timeline.graphics_view.viewport().repaint()
window.review_panel.table.viewport().repaint()
done = time.perf_counter()
timer.stop()
gaps = [b - a for a, b in zip(ticks, ticks[1:]) if b >= started]
gaps.append(done - ticks[-1])
print(json.dumps({"labels": count, "read": read, "store_read_s": store_read_s, "open_returned_s": returned,
                  "shown_s": done - started, "longest_block_s": max(gaps),
                  "rows": len(window.review_panel.rows()), "transcript": len(window.session.transcript.segments),
                  "sync": sync}))
window.close()
"""


def make_media(hours: float) -> Path:
    from app.demo.synth import Event, write_media

    path = OUT / f"open-{hours:g}h-96px.mp4"
    if not path.exists():
        OUT.mkdir(parents=True, exist_ok=True)
        duration = round(hours * 3_600_000)
        motion = [Event("motion", start, start + 2000) for start in range(30_000, duration, 60_000)]
        write_media(path, None, duration_ms=duration, video_size=(96, 64), fps=1, motion=motion)
    return path


def make_project(media: Path, project: Path, labels: int) -> None:
    from analysis import media as media_probe
    from analysis.pauses import PauseMetrics, PauseResult, Span
    from app.model.records import NewLabel
    from app.model.transcript import TranscriptSegment, Word
    from app.pipelines.audio import RUN_PAUSES, AudioOptions, record_pauses
    from app.project.store import Store

    info = media_probe.probe(media)
    rng = random.Random(12)
    with Store.open(project) as store:
        record = store.add_media(info, media_probe.fingerprint(media))
        duration = info.duration_ms
        segments = []
        for start in range(0, duration - 4000, 4000):
            words = tuple(Word(f"word{i}", start + i * 350, start + i * 350 + 300, 0.9) for i in range(10))
            segments.append(TranscriptSegment(start, start + 3600, " ".join(w.text for w in words), words, "S1"))
        store.import_transcript(record.id, {"source": "bench"}, {}, segments, [], "bench")
        speech = tuple(Span(segment.start_ms, segment.end_ms) for segment in segments)
        gaps = tuple(Span(segment.end_ms, segment.end_ms + 400) for segment in segments)
        metrics = PauseMetrics(len(gaps), 400 * len(gaps), 400.0, 400.0, 400, 15.0, 0.9)
        run_id = store.start_run(record.id, RUN_PAUSES, AudioOptions().pause_params(), {})
        record_pauses(store, run_id, PauseResult("bench", speech, gaps, metrics), 0)
        entries = [entry.id for entry in store.vocabulary()]
        store._db.execute("PRAGMA synchronous = OFF")  # a benchmark's throwaway project: no fsync per label
        for index in range(0, labels, 2):
            start = rng.randrange(0, duration - 5000)
            end = start + rng.randrange(500, 5000)
            key = f"selection:{start}:{end}"
            for offset in range(min(2, labels - index)):
                label = NewLabel(start, end, rng.choice(entries), "selection", segment_key=key)
                store.add_label(record.id, label, ("Ana", "Bea", "Cem")[(index + offset) % 3])


def run(media: Path, labels: int, sync: bool = False) -> dict:
    with tempfile.TemporaryDirectory() as folder:
        project = Path(folder) / "bench.salient"
        make_project(media, project, labels)
        child = subprocess.run(
            [sys.executable, "-c", CHILD, str(project), folder, str(labels), "sync" if sync else "job"],
            capture_output=True,
            text=True,
            cwd=ROOT,
            env={**os.environ, "XDG_DATA_HOME": folder},
        )
    if child.returncode != 0:
        sys.exit(child.stderr)
    return json.loads(child.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--labels", type=int, default=50_000)
    parser.add_argument("--baseline-labels", type=int, default=6_000)
    parser.add_argument("--hours", type=float, default=3.0)
    parser.add_argument("--sync", action="store_true", help="also open the big project on the GUI thread (before)")
    args = parser.parse_args()
    media = make_media(args.hours)
    runs = [(args.baseline_labels, False), (args.labels, False)] + ([(args.labels, True)] if args.sync else [])
    results = [run(media, count, sync) for count, sync in runs]
    for result in results:
        how = "on the GUI thread" if result["sync"] else "in the background"
        print(
            f"{result['labels']:>6} labels ({how}), {result['rows']} queue rows, {result['transcript']} transcript "
            f"segments: open_path returned after {result['open_returned_s'] * 1000:.0f} ms, all shown after "
            f"{result['shown_s'] * 1000:.0f} ms, longest stall of the event loop {result['longest_block_s'] * 1000:.0f}"
            f" ms; bare Store.labels() read {result['store_read_s'] * 1000:.0f} ms"
        )
    small, big = results[:2]
    print(
        f"ratio {big['labels']}/{small['labels']} labels: {big['shown_s'] / small['shown_s']:.1f}× the time for "
        f"{big['labels'] / small['labels']:.1f}× the labels; at {big['labels']}: shown after {big['shown_s']:.2f} s, "
        f"longest stall {big['longest_block_s']:.2f} s (target: both ≤ 3 s)"
    )
    if args.sync:
        before = results[2]
        print(
            f"on the GUI thread (before): stall {before['longest_block_s']:.2f} s; in the background: stall "
            f"{big['longest_block_s']:.2f} s ({before['longest_block_s'] / big['longest_block_s']:.1f}× shorter)"
        )


if __name__ == "__main__":
    main()
