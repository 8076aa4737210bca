"""Background jobs: analyses run in worker threads, report progress, and stop on cancel.

A job is a function ``fn(progress) -> result`` that checks ``progress.cancelled`` between chunks (every
analysis in ``analysis/`` does). The worker only computes; results reach the main thread through
queued signals, where the session stores them. Closing the window cancels every job and waits for them
with a time limit.
"""

from __future__ import annotations

import itertools
import logging
import threading
import time
import traceback
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, QThread, Signal

from analysis.errors import SalientError
from analysis.progress import Cancelled

log = logging.getLogger(__name__)

_REPORT_INTERVAL_S = 0.05
"""Progress reports are thinned to 20 per second: the GUI needs no more, and signals cost."""


class JobProgress:
    """The progress object a job's function receives: thread-safe cancel, throttled reports."""

    def __init__(self, job: Job) -> None:
        self._job = job
        self._cancel = threading.Event()
        self._last_report = 0.0

    def update(self, fraction: float, message: str = "") -> None:
        now = time.monotonic()
        if fraction >= 1.0 or now - self._last_report >= _REPORT_INTERVAL_S:
            self._last_report = now
            self._job._report(min(max(fraction, 0.0), 1.0), message)

    @property
    def cancelled(self) -> bool:
        return self._cancel.is_set()

    def emit(self, item: Any) -> None:
        """Hand a partial result to the GUI thread now (e.g. a transcript segment as soon as it exists)."""
        self._job.partial.emit(item)

    def cancel(self) -> None:
        self._cancel.set()


class _Worker(QThread):
    def __init__(self, job: Job, fn: Callable[[JobProgress], Any]) -> None:
        super().__init__()
        self._job = job
        self._fn = fn
        self.setObjectName(f"job-{job.id}")

    def run(self) -> None:
        job = self._job
        try:
            result = self._fn(job.progress)
        except Cancelled:
            job._finish("cancelled", None, "cancelled", "")
        except SalientError as exc:
            job._finish("failed", None, str(exc), traceback.format_exc())
        except Exception as exc:  # any failure becomes a message; the window keeps working
            log.exception("job %r failed", job.title)
            job._finish("failed", None, f"{type(exc).__name__}: {exc}", traceback.format_exc())
        else:
            if job.progress.cancelled:
                job._finish("cancelled", None, "cancelled", "")
            else:
                job._finish("done", result, "", "")


class Job(QObject):
    """One background computation. Signals arrive in the thread that created the job (the GUI thread)."""

    progressed = Signal(float, str)
    """fraction 0–1, message"""
    partial = Signal(object)
    """a piece of the result, sent by the job with ``progress.emit`` while it runs"""
    succeeded = Signal(object)
    failed = Signal(str, str)
    """message for the user, details (traceback)"""
    cancelled = Signal()
    finished = Signal()
    """after succeeded, failed or cancelled"""

    _ids = itertools.count(1)

    def __init__(self, title: str, fn: Callable[[JobProgress], Any], parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.id = next(self._ids)
        self.title = title
        self.progress = JobProgress(self)
        self.state = "running"
        self.fraction = 0.0
        self.message = ""
        self.error = ""
        self.details = ""
        self.started = time.monotonic()
        self.ended: float | None = None
        self._worker = _Worker(self, fn)
        self._outcome: tuple[str, Any, str, str] = ("failed", None, "the job stopped unexpectedly", "")
        self._worker.finished.connect(self._on_worker_finished)

    def start(self) -> None:
        self.started = time.monotonic()
        self._worker.start()

    def cancel(self) -> None:
        """Ask the job to stop; it does at its next progress check (well within a second)."""
        self.progress.cancel()

    def wait(self, timeout_ms: int) -> bool:
        return self._worker.wait(timeout_ms)

    @property
    def running(self) -> bool:
        return self.state == "running"

    @property
    def elapsed_s(self) -> float:
        return (self.ended or time.monotonic()) - self.started

    @property
    def remaining_s(self) -> float | None:
        """Estimated from the progress so far; None until there is enough to estimate from."""
        if not self.running or self.fraction < 0.02:
            return None
        return self.elapsed_s * (1 - self.fraction) / self.fraction

    # called in the worker thread
    def _report(self, fraction: float, message: str) -> None:
        self.progressed.emit(fraction, message)

    def _finish(self, state: str, result: Any, error: str, details: str) -> None:
        self._outcome = (state, result, error, details)

    # back in the GUI thread, once the thread has ended
    def _on_worker_finished(self) -> None:
        state, result, error, details = self._outcome
        self.state, self.error, self.details, self.ended = state, error, details, time.monotonic()
        if state == "done":
            self.fraction = 1.0
            self.succeeded.emit(result)
        elif state == "failed":
            self.failed.emit(error, details)
        else:
            self.cancelled.emit()
        self.finished.emit()


class JobRunner(QObject):
    """Starts jobs and keeps track of the running ones."""

    job_started = Signal(object)
    job_finished = Signal(object)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._jobs: dict[int, Job] = {}

    def submit(self, title: str, fn: Callable[[JobProgress], Any]) -> Job:
        """Run ``fn(progress)`` in a worker thread. Connect to the job's signals before control returns."""
        job = Job(title, fn, self)
        job.progressed.connect(lambda fraction, message, job=job: self._on_job_progressed(job, fraction, message))
        job.finished.connect(lambda job=job: self._on_job_finished(job))
        self._jobs[job.id] = job
        job.start()
        self.job_started.emit(job)
        return job

    def running_jobs(self) -> list[Job]:
        return [job for job in self._jobs.values() if job.running]

    def job(self, job_id: int) -> Job | None:
        return self._jobs.get(job_id)

    def cancel_all(self) -> None:
        for job in self.running_jobs():
            job.cancel()

    def shutdown(self, timeout_ms: int = 1500) -> bool:
        """Cancel every job and wait for the threads, at most ``timeout_ms`` in all. True if all stopped."""
        self.cancel_all()
        deadline = time.monotonic() + timeout_ms / 1000
        stopped = True
        for job in list(self._jobs.values()):
            left = max(0, int((deadline - time.monotonic()) * 1000))
            if not job.wait(left):
                log.warning("job %r did not stop within %d ms", job.title, timeout_ms)
                stopped = False
        return stopped

    def _on_job_progressed(self, job: Job, fraction: float, message: str) -> None:
        job.fraction, job.message = fraction, message

    def _on_job_finished(self, job: Job) -> None:
        self.job_finished.emit(job)
