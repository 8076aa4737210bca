"""Background jobs: results, failures, progress and cancel arrive in the GUI thread."""

from __future__ import annotations

import threading
import time

import pytest
from PySide6.QtCore import Qt

from analysis.errors import MediaError
from analysis.progress import check
from app.gui.jobs import JobRunner


@pytest.fixture
def runner(qtbot) -> JobRunner:
    runner = JobRunner()
    yield runner
    assert runner.shutdown(2000)


def test_a_job_returns_its_result_with_progress(qtbot, runner: JobRunner) -> None:
    seen: list[float] = []

    def work(progress) -> int:
        for step in range(5):
            progress.update(step / 4, f"step {step}")
            time.sleep(0.06)
        return 42

    job = runner.submit("counting", work)
    job.progressed.connect(lambda fraction, message: seen.append(fraction))
    with qtbot.waitSignal(job.succeeded, timeout=5000) as blocker:
        pass
    assert blocker.args == [42]
    qtbot.waitUntil(lambda: job.state == "done")
    assert seen and seen == sorted(seen) and seen[-1] == 1.0
    assert runner.running_jobs() == []


def test_a_failure_carries_a_readable_message_and_details(qtbot, runner: JobRunner) -> None:
    def work(progress) -> None:
        raise MediaError("talk.mp4: the file is empty (0 bytes)")

    job = runner.submit("failing", work)
    with qtbot.waitSignal(job.failed, timeout=5000) as blocker:
        pass
    message, details = blocker.args
    assert message == "talk.mp4: the file is empty (0 bytes)"
    assert "Traceback" in details and "MediaError" in details


def test_cancel_takes_effect_within_a_second(qtbot, runner: JobRunner) -> None:
    def work(progress) -> None:
        while True:
            check(progress)
            time.sleep(0.05)

    job = runner.submit("endless", work)
    qtbot.wait(200)
    asked = time.monotonic()
    job.cancel()
    with qtbot.waitSignal(job.cancelled, timeout=1000):
        pass
    assert time.monotonic() - asked < 1.0
    assert job.state == "cancelled"


def test_shutdown_stops_every_running_job(qtbot) -> None:
    runner = JobRunner()

    def work(progress) -> None:
        while True:
            check(progress)
            time.sleep(0.02)

    jobs = [runner.submit(f"job {i}", work) for i in range(3)]
    qtbot.wait(100)
    start = time.monotonic()
    assert runner.shutdown(1500)
    assert time.monotonic() - start < 1.5
    qtbot.waitUntil(lambda: all(job.state == "cancelled" for job in jobs), timeout=2000)


def test_remaining_time_is_estimated_from_progress(qtbot, runner: JobRunner) -> None:
    def work(progress) -> None:
        progress.update(0.5, "half")
        time.sleep(0.3)

    job = runner.submit("half", work)
    qtbot.waitUntil(lambda: job.fraction == 0.5, timeout=2000)
    remaining = job.remaining_s
    assert remaining is not None and remaining == pytest.approx(job.elapsed_s, rel=0.5)
    with qtbot.waitSignal(job.finished, timeout=3000):
        pass
    assert job.remaining_s is None


@pytest.fixture
def monitored(qtbot, runner: JobRunner):
    """The runner watched by a jobs panel in a hidden dock and a status button, as in the window."""
    from PySide6.QtWidgets import QDockWidget, QMainWindow, QPushButton

    from app.gui.jobs_monitor import JobsMonitor
    from widgets.panels.jobs_panel import JobsPanel

    window = QMainWindow()
    qtbot.addWidget(window)
    panel, dock, status = JobsPanel(), QDockWidget("Jobs", window), QPushButton(window)
    dock.setWidget(panel)
    window.setCentralWidget(status)
    window.addDockWidget(Qt.DockWidgetArea.BottomDockWidgetArea, dock)
    dock.hide()
    window.show()
    qtbot.waitExposed(window)
    yield JobsMonitor(runner, panel, dock, status, window)  # the generator keeps the window alive


def test_a_failure_shows_in_the_status_bar_and_details_open_the_dock(qtbot, runner: JobRunner, monitored) -> None:
    def broken(progress) -> None:
        raise MediaError("talk.mp4: the file is empty (0 bytes)")

    job = runner.submit("Pauses: talk.mp4", broken)
    with qtbot.waitSignal(job.finished, timeout=5000):
        pass
    assert not monitored.dock.isVisible()  # the dock no longer opens by itself
    assert monitored.status.text() == "⚠ Pauses: talk.mp4 failed · Details…"
    qtbot.mouseClick(monitored.status, Qt.MouseButton.LeftButton)
    assert monitored.dock.isVisible()
    assert monitored.status.text() == "No jobs running"
    row = monitored.panel.row(job.id)
    assert row.message.text() == "<span style='color:#c03030'>failed: talk.mp4: the file is empty (0 bytes)</span>"
    qtbot.mouseClick(monitored.status, Qt.MouseButton.LeftButton)  # without a failure it toggles the dock
    assert not monitored.dock.isVisible()


def test_two_failures_are_counted_and_a_running_job_still_shows(qtbot, runner: JobRunner, monitored) -> None:
    def broken(progress) -> None:
        raise MediaError("no")

    release = threading.Event()

    def waiting(progress) -> None:
        release.wait(5)

    for title in ("one", "two"):
        job = runner.submit(title, broken)
        with qtbot.waitSignal(job.finished, timeout=5000):
            pass
    slow = runner.submit("Motion", waiting)
    assert monitored.status.text() == "⚠ 2 jobs failed · Details… · Motion — 0%"
    release.set()
    with qtbot.waitSignal(slow.finished, timeout=5000):
        pass
    assert monitored.status.text() == "⚠ 2 jobs failed · Details…"
    assert not monitored.dock.isVisible()


def test_a_job_of_seconds_says_how_long_it_took(qtbot, runner: JobRunner, monitored) -> None:
    def work(progress) -> int:
        for step in range(12):
            progress.update(step / 12)
            time.sleep(0.1)
        return 1

    job = runner.submit("counting", work)
    with qtbot.waitSignal(job.finished, timeout=5000):
        pass
    took = monitored.panel.row(job.id).times.text()
    assert took.startswith("took ") and took.endswith(" s")
    assert 1.2 <= float(took.removeprefix("took ").removesuffix(" s")) < 3.0
    assert float(took.removeprefix("took ").removesuffix(" s")) == round(job.elapsed_s, 1)
