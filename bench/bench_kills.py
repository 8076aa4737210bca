"""SIGKILL while labelling, again and again, on one project (issue 13: "the core holds and must keep holding").

    .venv/bin/python bench/bench_kills.py [--kills 30] [--seed 1]

Each round starts the window (offscreen) in a child process on the same project, waits for the review queue,
then labels row after row (a label is printed once the session committed it) and is killed with SIGKILL after a
random number of confirmed labels (1 to 80). After each kill the project is opened here and checked: SQLite's
integrity check, and every confirmed label holds its last confirmed value (the row after the last printed one
may already hold a newer value: the kill can fall between the commit and the print). The next round reopens the
killed project, so reopening after a kill is exercised too. Prints the rounds, the confirmed labels and how many
were lost (the answer must be 0).
"""

from __future__ import annotations

import argparse
import os
import random
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from app.demo.synth import write_media  # noqa: E402
from app.project.store import Store  # noqa: E402
from tests.app.test_crash_safety import LABELLER, labels_lost  # noqa: E402
from tests.helpers.media import build_talk_scene  # noqa: E402


def one_round(talk: Path, settings: Path, stop_after: int) -> tuple[list[tuple[str, str]], float]:
    """Run the labelling child until ``stop_after`` labels are confirmed, kill it; the confirmed steps."""
    child = subprocess.Popen(
        [sys.executable, "-c", LABELLER, str(talk), str(settings)],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
        env={**os.environ, "QT_QPA_PLATFORM": "offscreen", "XDG_DATA_HOME": str(settings.parent)},
    )
    steps: list[tuple[str, str]] = []
    started = time.monotonic()
    try:
        while len(steps) < stop_after:
            line = child.stdout.readline()
            if not line:
                raise SystemExit("the labelling child stopped before the kill")
            _, key, value = line.rstrip("\n").split(" ", 2)
            steps.append((key, value))
        os.kill(child.pid, signal.SIGKILL)
        child.wait(10)
        steps += [tuple(line.split(" ", 2)[1:]) for line in child.stdout.read().splitlines()]
    finally:
        if child.poll() is None:
            child.kill()
    return steps, time.monotonic() - started


def lost_labels(project: Path, steps: list[tuple[str, str]]) -> tuple[int, bool]:
    """How many confirmed labels the project does not hold with their last value, and whether it is intact."""
    with Store.open(project) as store:
        intact = store.integrity_check() == ["ok"]
        stored = {label.segment_key: label.value for label in store.labels()}
    return len(labels_lost(stored, steps)), intact


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--kills", type=int, default=30)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    rng = random.Random(args.seed)
    with tempfile.TemporaryDirectory() as folder:
        folder = Path(folder)
        scene = build_talk_scene()
        talk = write_media(folder / "talk.mp4", scene.samples(), scene.sample_rate, motion=scene.of_kind("motion"))
        settings = folder / "settings.ini"
        confirmed = lost = 0
        started = time.monotonic()
        for kill in range(1, args.kills + 1):
            steps, seconds = one_round(talk, settings, rng.randint(1, 80))
            missing, intact = lost_labels(talk.with_suffix(".salient"), steps)
            confirmed, lost = confirmed + len(steps), lost + missing
            print(
                f"kill {kill:3d}: {len(steps):3d} labels confirmed in {seconds:5.1f} s, "
                f"{missing} lost, integrity {'ok' if intact else 'FAILED'}",
                flush=True,
            )
            if not intact:
                shutil.copy(talk.with_suffix(".salient"), ROOT / "bench" / "out" / "killed.salient")
                raise SystemExit("the project is damaged after a kill (copied to bench/out/killed.salient)")
        print(
            f"{args.kills} SIGKILLs while labelling, {confirmed} labels confirmed, {lost} lost "
            f"({time.monotonic() - started:.0f} s)"
        )


if __name__ == "__main__":
    main()
