"""Background jobs: results, failures, progress and cancel arrive in the GUI thread."""

from __future__ import annotations

import time

import pytest

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
