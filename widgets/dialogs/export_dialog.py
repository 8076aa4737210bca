"""Options of an export: where to, how much context, labelled segments only, split, overwrite."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtWidgets import (
    QCheckBox,
    QDialog,
    QDialogButtonBox,
    QDoubleSpinBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLineEdit,
    QPushButton,
    QSpinBox,
    QWidget,
)

from app.model.formats import ExportRequest, export_kind


class ExportDialog(QDialog):
    def __init__(self, kind: str, folder: Path, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.kind = kind
        self.setWindowTitle(f"Export: {export_kind(kind).title}")
        self.setMinimumWidth(520)
        form = QFormLayout(self)
        self.folder = QLineEdit(str(folder), self)
        browse = QPushButton("Browse…", self)
        browse.clicked.connect(self._on_browse_clicked)
        row = QHBoxLayout()
        row.addWidget(self.folder)
        row.addWidget(browse)
        form.addRow("Into folder:", row)
        self.context = QDoubleSpinBox(self)
        self.context.setRange(0, 60)
        self.context.setSuffix(" s")
        self.context.setToolTip(
            "Extra time kept before and after each segment; also how much of the transcript around it is exported"
            " (10 s when 0)"
        )
        form.addRow("Context:", self.context)
        self.labels_only = QCheckBox("Only labelled segments (else every flagged one, unlabelled ones empty)", self)
        self.labels_only.setToolTip('Clips and datasets always leave out what is labelled "not significant"')
        form.addRow(self.labels_only)
        self.split = QCheckBox("Split into train / validation / test (80/10/10, no video in two splits)", self)
        self.seed = QSpinBox(self)
        self.seed.setRange(0, 1_000_000)
        self.stream_copy = QCheckBox("Fast: cut at keyframes without re-encoding (first frame not exact)", self)
        self.original_rate = QCheckBox("WAV at the original sample rate too", self)
        self.force = QCheckBox("Overwrite files that exist", self)
        if kind == "dataset":
            form.addRow(self.split)
            form.addRow("Split seed:", self.seed)
        else:
            self.split.hide()  # children outside the layout would be drawn at the top-left corner
            self.seed.hide()
        if kind in ("clips", "dataset"):
            form.addRow(self.stream_copy)
            form.addRow(self.original_rate)
        else:
            self.stream_copy.hide()
            self.original_rate.hide()
        if kind in ("csv", "json"):
            self.context.setEnabled(False)
        form.addRow(self.force)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel, self)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        form.addRow(buttons)

    def _on_browse_clicked(self) -> None:
        folder = QFileDialog.getExistingDirectory(self, "Export into", self.folder.text())
        if folder:
            self.folder.setText(folder)

    def request(self) -> ExportRequest:
        return ExportRequest(
            kind=self.kind,
            out_dir=Path(self.folder.text()).expanduser(),
            context_ms=round(self.context.value() * 1000),
            labels_only=self.labels_only.isChecked(),
            split=(0.8, 0.1, 0.1) if self.split.isChecked() else None,
            seed=self.seed.value(),
            stream_copy=self.stream_copy.isChecked(),
            original_rate=self.original_rate.isChecked(),
            force=self.force.isChecked(),
        )
