"""Importing a long transcript in the window (issue 13 item 12), offscreen.

    .venv/bin/python bench/bench_import.py [--cues 100000]

Writes an SRT of N cues (one every 100 ms) for the 3-hour video of bench_open.py, opens that video in the window
and imports the file twice in fresh projects: through Transcript ▸ Import (parsed in a job, stored by the session
in one transaction, read back in a job) and, as the baseline in the same run, the old way
(``Session.import_transcript``, everything on the GUI thread). For each: the time until the transcript is
shown and the longest stall of the event loop (a 5 ms QTimer heartbeat).
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
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

CHILD = r"""
import json, os, sys, time
from pathlib import Path
os.environ["QT_QPA_PLATFORM"] = "offscreen"
from PySide6.QtCore import QSettings, QTimer
from PySide6.QtWidgets import QApplication

media, srt, folder, how = sys.argv[1], Path(sys.argv[2]), sys.argv[3], sys.argv[4]
app = QApplication([])
from app.gui.main_window import MainWindow
settings = QSettings(os.path.join(folder, "settings.ini"), QSettings.Format.IniFormat)
settings.setValue("annotator", "Ana")
window = MainWindow(settings)
window.resize(1600, 1000)
window.show()
session = window.session
session.open(media, Path(folder) / "import.salient")
while not session.is_open or session.opening_path:
    app.processEvents()
    time.sleep(0.001)
ticks = []
timer = QTimer()
timer.setInterval(5)
timer.timeout.connect(lambda: ticks.append(time.perf_counter()))
timer.start()
for _ in range(20):
    app.processEvents()
    time.sleep(0.005)
outcome = []
started = time.perf_counter()
ticks.append(started)
if how == "job":
    window.transcript.import_path(srt)
else:
    outcome.append(session.import_transcript(srt, "Ana"))
returned = time.perf_counter() - started
while len(window.transcript.view.segments()) < int(sys.argv[5]):
    app.processEvents()
    time.sleep(0.001)
done = time.perf_counter()
timer.stop()
gaps = [b - a for a, b in zip(ticks, ticks[1:]) if b >= started] + [done - ticks[-1]]
print(json.dumps({"how": how, "returned_s": returned, "shown_s": done - started, "longest_stall_s": max(gaps),
                  "segments": len(session.transcript)}))
window.close()
"""


def write_srt(path: Path, cues: int) -> None:
    def clock(ms: int) -> str:
        return f"{ms // 3_600_000:02d}:{ms // 60_000 % 60:02d}:{ms // 1000 % 60:02d},{ms % 1000:03d}"

    with path.open("w", encoding="utf-8") as out:
        for index in range(cues):
            start = index * 100
            out.write(f"{index + 1}\n{clock(start)} --> {clock(start + 90)}\nword {index} and a few more words\n\n")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--cues", type=int, default=100_000)
    args = parser.parse_args()
    from bench_open import make_media

    media = make_media(3.0)
    results = []
    with tempfile.TemporaryDirectory() as shared:
        srt = Path(shared) / "long.srt"
        write_srt(srt, args.cues)
        for how in ("job", "sync"):
            with tempfile.TemporaryDirectory() as folder:
                child = subprocess.run(
                    [sys.executable, "-c", CHILD, str(media), str(srt), folder, how, str(args.cues)],
                    capture_output=True,
                    text=True,
                    cwd=ROOT,
                    env={**os.environ, "XDG_DATA_HOME": folder},
                )
            if child.returncode != 0:
                sys.exit(child.stderr)
            results.append(json.loads(child.stdout.strip().splitlines()[-1]))
    for result in results:
        how = "Transcript ▸ Import (a job)" if result["how"] == "job" else "on the GUI thread (before)"
        print(
            f"{args.cues} cues, {how}: call returned after {result['returned_s']:.2f} s, shown after "
            f"{result['shown_s']:.1f} s, longest stall of the event loop {result['longest_stall_s']:.2f} s"
        )


if __name__ == "__main__":
    main()
