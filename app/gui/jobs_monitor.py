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
    """Shows every job the runner starts. A failure never opens the dock by itself: the status bar's jobs button
    says which job failed and offers "Details…", which opens the dock (where the row has the traceback)."""

    def __init__(
        self, runner: JobRunner, panel: JobsPanel, dock: QDockWidget, status: QPushButton, parent: QObject | None = None
    ) -> None:
        super().__init__(parent)
        self.runner, self.panel, self.dock, self.status = runner, panel, dock, status
        self.failed_titles: list[str] = []
        """failures not looked at yet; the jobs button names them until it is clicked"""
        status.clicked.connect(self._on_status_clicked)
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
        if job.state == "failed":
            self.failed_titles.append(job.title)
        self._update_status()

    def _on_status_clicked(self) -> None:
        """With a failure to look at, open the dock on it; otherwise show or hide the dock."""
        if self.failed_titles:
            self.failed_titles.clear()
            self.dock.show()
            self.dock.raise_()
        else:
            self.dock.setVisible(not self.dock.isVisible())
        self._update_status()

    def _on_panel_cancel_requested(self, job_id: int) -> None:
        job = self.runner.job(job_id)
        if job is not None:
            job.cancel()

    def _on_clock_timeout(self) -> None:
        for job in self.runner.running_jobs():
            self.panel.update_job(job.id, job.fraction, "", job.elapsed_s, job.remaining_s)
        self._update_status()

    def _update_status(self) -> None:
        self.status.setText(self.status_text())
        tip = "Open the Jobs panel on the failure" if self.failed_titles else "Show or hide the Jobs panel"
        self.status.setToolTip(tip)

    def status_text(self) -> str:
        running = self.runner.running_jobs()
        if not running:
            text = "No jobs running"
        elif len(running) == 1:
            text = f"{running[0].title} — {running[0].fraction:.0%}"
        else:
            text = f"{len(running)} jobs running"
        if not self.failed_titles:
            return text
        failed = self.failed_titles[0] if len(self.failed_titles) == 1 else f"{len(self.failed_titles)} jobs"
        return f"⚠ {failed} failed · Details…" + (f" · {text}" if running else "")
