"""Kill the application in the middle of labelling: every confirmed label is in the project afterwards."""

from __future__ import annotations

import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from app.project.store import Store
from tests.helpers.opening import open_and_wait

ROOT = Path(__file__).resolve().parents[2]


def labels_lost(stored: dict[str, str], steps: list[tuple[str, str]]) -> list[str]:
    """The segments whose last confirmed label (``steps``: segment key, value, in the order the labelling child
    printed them) the project does not hold (``stored``: key → value). The child commits a label, then prints it:
    a kill may fall in between, so the segment after the last printed one may already hold a newer value (it
    must still hold a label); every other segment holds exactly its last value."""
    last_confirmed = dict(steps)
    cycle = list(dict.fromkeys(key for key, _ in steps))
    unprinted = cycle[(cycle.index(steps[-1][0]) + 1) % len(cycle)]
    return [
        key for key, value in last_confirmed.items() if key not in stored or (key != unprinted and stored[key] != value)
    ]


LABELLER = r"""
import itertools, os, sys, time
os.environ["QT_QPA_PLATFORM"] = "offscreen"
from PySide6.QtCore import QSettings
from PySide6.QtWidgets import QApplication
app = QApplication([])
from app.gui.main_window import MainWindow
settings = QSettings(sys.argv[2], QSettings.Format.IniFormat)
settings.setValue("annotator", "Ana")
window = MainWindow(settings)
window.show()
done = []
window.session.pauses_changed.connect(done.append)
window.open_path(sys.argv[1])
while not (done and window.session.outliers is not None):
    app.processEvents()
    time.sleep(0.005)
window.peak_controls.slider.setValue(5)
panel = window.review_panel
book = window.session.labels
values = [entry for entry in book.vocabulary if entry.kind == "label"]
rows = panel.rows()
for step in itertools.count():
    row = rows[step % len(rows)]
    entry = values[step % len(values)]
    panel.select(row.key)
    panel.label_requested.emit(row.key, entry.id)
    app.processEvents()
    print(f"CONFIRMED {row.key} {entry.name}", flush=True)
"""


@pytest.mark.slow
def test_sigkill_while_labelling_loses_no_confirmed_label(tmp_path: Path, talk_video: Path) -> None:
    talk = Path(shutil.copy(talk_video, tmp_path / "talk.mp4"))
    child = subprocess.Popen(
        [sys.executable, "-c", LABELLER, str(talk), str(tmp_path / "settings.ini")],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
        env={**os.environ, "XDG_DATA_HOME": str(tmp_path)},
    )
    steps: list[tuple[str, str]] = []
    deadline = time.monotonic() + 120
    try:
        while len(steps) < 40 and time.monotonic() < deadline:
            line = child.stdout.readline()
            if not line:
                break
            _, key, value = line.rstrip("\n").split(" ", 2)
            steps.append((key, value))
        assert len(steps) >= 40, "the labelling child stopped before the kill"
        os.kill(child.pid, signal.SIGKILL)
        child.wait(10)
        # Lines the child printed between our last read and the kill were confirmed too.
        steps += [tuple(line.split(" ", 2)[1:]) for line in child.stdout.read().splitlines()]
    finally:
        if child.poll() is None:
            child.kill()
    assert child.returncode == -signal.SIGKILL
    project = talk.with_suffix(".salient")
    with Store.open(project) as store:
        assert store.integrity_check() == ["ok"]
        stored = {label.segment_key: label.value for label in store.labels()}
    assert labels_lost(stored, steps) == []
    db = sqlite3.connect(project)
    assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    db.close()


K_CHANGER = r"""
import os, sys, time
os.environ["QT_QPA_PLATFORM"] = "offscreen"
from PySide6.QtCore import QSettings
from PySide6.QtWidgets import QApplication
app = QApplication([])
from app.gui.main_window import MainWindow
settings = QSettings(sys.argv[2], QSettings.Format.IniFormat)
settings.setValue("annotator", "Ana")  # else the window asks for a name, in a dialog nobody answers
window = MainWindow(settings)
window.show()
done = []
window.session.pauses_changed.connect(done.append)
window.open_path(sys.argv[1])
while not (done and window.session.outliers is not None):
    app.processEvents()
    time.sleep(0.005)
window.peak_controls.slider.setValue(int(sys.argv[3]))
print(f"K {window.session.options.k}", flush=True)
time.sleep(600)  # killed here: the event loop never runs again, so nothing that waits for it is saved
"""


@pytest.mark.slow
def test_a_k_changed_just_before_a_kill_is_kept(qtbot, tmp_path: Path, talk_video: Path) -> None:
    from app.gui.jobs import JobRunner
    from app.gui.session import Session

    talk = Path(shutil.copy(talk_video, tmp_path / "talk.mp4"))
    child = subprocess.Popen(
        [sys.executable, "-c", K_CHANGER, str(talk), str(tmp_path / "settings.ini"), "35"],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
        env={**os.environ, "XDG_DATA_HOME": str(tmp_path)},
    )
    try:
        line = child.stdout.readline()
        assert line.startswith("K "), "the child stopped before changing k"
        os.kill(child.pid, signal.SIGKILL)
        child.wait(10)
    finally:
        if child.poll() is None:
            child.kill()
    chosen = float(line.split()[1])
    assert chosen == 3.5
    runner = JobRunner()
    session = Session(runner)
    try:
        with qtbot.waitSignal(session.peaks_changed, timeout=30_000) as shown:
            open_and_wait(qtbot, session, talk.with_suffix(".salient"))
            assert session.options.k == chosen
        assert shown.args[0].stats.k == chosen  # the peaks on screen are those of the k chosen before the kill
    finally:
        session.close()
        runner.shutdown()
