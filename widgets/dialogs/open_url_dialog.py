"""Open URL: the video's address, an optional cookies file for private videos, and where the project goes."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLineEdit,
    QPushButton,
    QWidget,
)


class OpenUrlDialog(QDialog):
    """URL, optional cookies file, and where the project goes."""

    def __init__(self, default_folder: Path, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Open URL")
        self.setMinimumWidth(560)
        form = QFormLayout(self)
        self.url = QLineEdit(self)
        self.url.setPlaceholderText("https://www.youtube.com/watch?v=…")
        form.addRow("Video URL:", self.url)
        self.cookies = QLineEdit(self)
        self.cookies.setPlaceholderText("optional: a Netscape cookies.txt for private or age-restricted videos")
        browse = QPushButton("Browse…", self)
        browse.clicked.connect(self._on_browse_clicked)
        row = QHBoxLayout()
        row.addWidget(self.cookies)
        row.addWidget(browse)
        form.addRow("Cookies file:", row)
        self.folder = QLineEdit(str(default_folder), self)
        form.addRow("Project folder:", self.folder)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel, self)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        form.addRow(buttons)

    def _on_browse_clicked(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, "Cookies file", "", "Cookies (*.txt);;All files (*)")
        if path:
            self.cookies.setText(path)
