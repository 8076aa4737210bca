"""The jobs panel: every background analysis with its progress, elapsed and remaining time, and cancel."""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QMessageBox,
    QProgressBar,
    QPushButton,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)


def format_duration(seconds: float | None) -> str:
    """m:ss (h:mm:ss from an hour), for a clock that ticks: elapsed and time left while a job runs."""
    if seconds is None:
        return "—"
    seconds = int(round(seconds))
    minutes, seconds = divmod(seconds, 60)
    hours, minutes = divmod(minutes, 60)
    return f"{hours}:{minutes:02d}:{seconds:02d}" if hours else f"{minutes}:{seconds:02d}"


def format_took(seconds: float) -> str:
    """How long a finished job took: tenths of a second under a minute ("0.4 s", "12.3 s"), since a job of
    less than half a second would otherwise read "0:00", as if it had not run; m:ss from a minute."""
    return f"{seconds:.1f} s" if seconds < 59.95 else format_duration(seconds)


class JobRow(QWidget):
    """One job: title, message, progress bar, times, and Cancel (or Details once it failed)."""

    cancel_clicked = Signal()

    def __init__(self, title: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(4, 2, 4, 2)
        text = QVBoxLayout()
        self.title = QLabel(f"<b>{title}</b>", self)
        self.message = QLabel("starting…", self)
        self.message.setWordWrap(True)
        text.addWidget(self.title)
        text.addWidget(self.message)
        layout.addLayout(text, 3)
        self.bar = QProgressBar(self)
        self.bar.setRange(0, 1000)
        layout.addWidget(self.bar, 2)
        self.times = QLabel("", self)
        self.times.setMinimumWidth(150)
        layout.addWidget(self.times)
        self.button = QPushButton("Cancel", self)
        self.button.clicked.connect(self.cancel_clicked)
        layout.addWidget(self.button)
        self.details = ""


class JobsPanel(QWidget):
    """Fed by the main window with setters; emits ``cancel_requested(job_id)``."""

    cancel_requested = Signal(int)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        scroll = QScrollArea(self)
        scroll.setWidgetResizable(True)
        body = QWidget(scroll)
        self._rows_layout = QVBoxLayout(body)
        self._rows_layout.addStretch(1)
        scroll.setWidget(body)
        outer.addWidget(scroll)
        self._rows: dict[int, JobRow] = {}
        self._empty = QLabel("No background jobs.", body)
        self._rows_layout.insertWidget(0, self._empty)

    def add_job(self, job_id: int, title: str) -> None:
        row = JobRow(title, self)
        row.cancel_clicked.connect(lambda: self._on_row_button(job_id))
        self._rows[job_id] = row
        self._rows_layout.insertWidget(0, row)
        self._empty.hide()

    def update_job(
        self, job_id: int, fraction: float, message: str, elapsed_s: float, remaining_s: float | None
    ) -> None:
        row = self._rows.get(job_id)
        if row is None:
            return
        row.bar.setValue(round(fraction * 1000))
        if message:
            row.message.setText(message)
        row.times.setText(f"elapsed {format_duration(elapsed_s)} · left {format_duration(remaining_s)}")

    def finish_job(self, job_id: int, state: str, message: str, details: str, elapsed_s: float) -> None:
        """Mark a job done, cancelled or failed; a failure keeps a Details button for the traceback."""
        row = self._rows.get(job_id)
        if row is None:
            return
        row.times.setText(f"took {format_took(elapsed_s)}")
        if state == "done":
            row.bar.setValue(1000)
            row.message.setText("done")
            row.button.hide()
        elif state == "cancelled":
            row.message.setText("cancelled")
            row.button.hide()
        else:
            row.message.setText(f"<span style='color:#c03030'>failed: {message}</span>")
            row.details = details
            row.button.setText("Details…")
            row.button.show()

    def row(self, job_id: int) -> JobRow | None:
        return self._rows.get(job_id)

    def _on_row_button(self, job_id: int) -> None:
        row = self._rows[job_id]
        if row.details:
            box = QMessageBox(QMessageBox.Icon.Warning, "Job failed", row.message.text(), parent=self)
            box.setDetailedText(row.details)
            box.open()
        else:
            row.button.setEnabled(False)
            row.message.setText("cancelling…")
            self.cancel_requested.emit(job_id)
