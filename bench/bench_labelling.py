"""Labelling latency with 5,000 labels in the project (issue 4), offscreen.

    .venv/bin/python bench/bench_labelling.py [--labels 5000]

Uses bench/out/talk-10min-720p.mp4 (made by bench_audio.py). Builds a project, stores N labels from
three annotators spread over the video, opens the window with k = 1 (hundreds of flagged segments), then
times a number key in the review queue until the label is committed to the project file, on the labels
track and in the queue, and the views have repainted. Baseline in the same run: the same key press with
an empty project.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "bench" / "out"

CHILD = r"""
import json, os, random, statistics, sys, time
os.environ["QT_QPA_PLATFORM"] = "offscreen"
from PySide6.QtCore import QSettings, Qt
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import QApplication
from app.pipelines.analyze import analyze_audio
from app.pipelines.audio import AudioOptions
from app.project.store import Store
from app.model.records import NewLabel  # noqa: E402

video, folder, count = sys.argv[1], sys.argv[2], int(sys.argv[3])
project = os.path.join(folder, "bench.salient")
analyze_audio(video, project, AudioOptions(k=1.0))
with Store.open(project) as store:
    media_id = store.all_media()[0].id
    entries = [e.id for e in store.vocabulary()]
    rng = random.Random(3)
    duration = store.all_media()[0].info.duration_ms
    for index in range(count):
        start = rng.randrange(0, duration - 3000)
        label = NewLabel(start, start + rng.randrange(500, 3000), rng.choice(entries), "selection",
                         segment_key=f"selection:{start}:{index}")
        store.add_label(media_id, label, ("Ana", "Bea", "Cem")[index % 3])

app = QApplication([])
from app.gui.main_window import MainWindow
settings = QSettings(os.path.join(folder, "settings.ini"), QSettings.Format.IniFormat)
settings.setValue("annotator", "Dan")
window = MainWindow(settings)
window.resize(1600, 1000)
window.show()
done = []
window.session.peaks_changed.connect(done.append)
window.open_path(project)
while not done:
    app.processEvents()
    time.sleep(0.001)
app.processEvents()
panel = window.review_panel
flagged = [row for row in panel.rows() if row.key.startswith("audio_peak")]
panel.table.setFocus()
times = []
for row in flagged[:60]:
    panel.select(row.key)
    window.player.pause()
    app.processEvents()
    begin = time.perf_counter()
    for kind in (QKeyEvent.Type.KeyPress, QKeyEvent.Type.KeyRelease):
        QApplication.sendEvent(panel.table, QKeyEvent(kind, Qt.Key.Key_1, Qt.KeyboardModifier.NoModifier, "1"))
    # The key is handled synchronously (label committed, views updated); then paint once, as the event
    # loop would.
    window.timeline.graphics_view.viewport().repaint()
    panel.table.viewport().repaint()
    times.append((time.perf_counter() - begin) * 1000)
with Store.open(project) as store:
    stored = sum(1 for label in store.labels() if label.annotator == "Dan")
queue_rows = len(panel.rows())
window.close()
print(json.dumps({"labels": count, "rows": queue_rows, "stored": stored, "pressed": len(times),
                  "median_ms": statistics.median(times), "p90_ms": sorted(times)[int(0.9 * len(times))],
                  "max_ms": max(times)}))
"""


def run(video: Path, labels: int) -> dict:
    with tempfile.TemporaryDirectory() as folder:
        child = subprocess.run(
            [sys.executable, "-c", CHILD, str(video), folder, str(labels)],
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
    parser.add_argument("--labels", type=int, default=5000)
    args = parser.parse_args()
    video = OUT / "talk-10min-720p.mp4"
    if not video.exists():
        sys.exit(f"missing {video}: run bench/bench_audio.py first")
    loaded = run(video, args.labels)
    empty = run(video, 0)
    for name, result in (("with labels", loaded), ("empty project", empty)):
        print(
            f"{name}: {result['labels']} labels in the project, {result['rows']} rows in the queue; key → stored "
            f"and shown: median {result['median_ms']:.1f} ms, p90 {result['p90_ms']:.1f} ms, max "
            f"{result['max_ms']:.1f} ms ({result['stored']} of {result['pressed']} presses stored)"
        )
    print(f"ratio with/without labels (median): {loaded['median_ms'] / empty['median_ms']:.2f} (target ≤ 50 ms)")


if __name__ == "__main__":
    main()
