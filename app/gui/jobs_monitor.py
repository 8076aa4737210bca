"""The Jobs dock and the status bar's jobs button follow the job runner: progress, time left, failures shown,
cancel on request. Kept out of main_window.py, which only lays the views out."""

from __future__ import annotations

from PySide6.QtCore import QObject, QTimer
from PySide6.QtWidgets import QDockWidget, QPushButton

from app.gui.jobs import Job, JobRunner
from widgets.panels.jobs_panel import JobsPanel

CLOCK_MS = 500
"""How often the elapsed and remaining times of running jobs are redrawn."""


class JobsMonitor(QObject):
    """Shows every job the runner starts; a failed job opens the dock so its details are one click away."""

    def __init__(
        self, runner: JobRunner, panel: JobsPanel, dock: QDockWidget, status: QPushButton, parent: QObject | None = None
    ) -> None:
        super().__init__(parent)
        self.runner, self.panel, self.dock, self.status = runner, panel, dock, status
        status.clicked.connect(lambda: dock.setVisible(not dock.isVisible()))
        runner.job_started.connect(self._on_runner_job_started)
        panel.cancel_requested.connect(self._on_panel_cancel_requested)
        self._clock = QTimer(self)
        self._clock.setInterval(CLOCK_MS)
        self._clock.timeout.connect(self._on_clock_timeout)
        self._clock.start()

    def _on_runner_job_started(self, job: Job) -> None:
        self.panel.add_job(job.id, job.title)
        job.progressed.connect(
            lambda fraction, message, job=job: self.panel.update_job(
                job.id, fraction, message, job.elapsed_s, job.remaining_s
            )
        )
        job.finished.connect(lambda job=job: self._on_job_finished(job))
        self._update_status()

    def _on_job_finished(self, job: Job) -> None:
        self.panel.finish_job(job.id, job.state, job.error, job.details, job.elapsed_s)
        self._update_status()
        if job.state == "failed":
            self.dock.show()

    def _on_panel_cancel_requested(self, job_id: int) -> None:
        job = self.runner.job(job_id)
        if job is not None:
            job.cancel()

    def _on_clock_timeout(self) -> None:
        for job in self.runner.running_jobs():
            self.panel.update_job(job.id, job.fraction, "", job.elapsed_s, job.remaining_s)
        self._update_status()

    def _update_status(self) -> None:
        running = self.runner.running_jobs()
        if not running:
            self.status.setText("No jobs running")
        elif len(running) == 1:
            self.status.setText(f"{running[0].title} — {running[0].fraction:.0%}")
        else:
            self.status.setText(f"{len(running)} jobs running")
