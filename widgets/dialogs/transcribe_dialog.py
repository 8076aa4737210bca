"""Transcribe: the model (bundled, from the hub, or a local folder), the language, batched mode; says when a
stopped transcription will resume instead of starting over."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QLabel,
    QWidget,
)

from analysis.transcribe import BUNDLED, HUB_MODELS, TranscribeOptions
from app.timecode import format_ms

LANGUAGES = (
    ("Detect", None),
    ("English", "en"),
    ("French", "fr"),
    ("German", "de"),
    ("Spanish", "es"),
    ("Italian", "it"),
    ("Portuguese", "pt"),
    ("Dutch", "nl"),
    ("Japanese", "ja"),
    ("Chinese", "zh"),
    ("Arabic", "ar"),
    ("Russian", "ru"),
)


class TranscribeDialog(QDialog):
    """Model, language, batched mode; says when a stopped transcription will resume."""

    def __init__(self, resume_from_ms: int | None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Transcribe")
        form = QFormLayout(self)
        self.model = QComboBox(self)
        self.model.addItem("tiny.en — bundled, offline, English only", BUNDLED)
        for name in HUB_MODELS:
            self.model.addItem(f"{name} — downloaded once from the Hugging Face hub", name)
        self.model.addItem("Local CTranslate2 model folder…", "")
        self.model.activated.connect(self._on_model_activated)
        form.addRow("Model:", self.model)
        self.language = QComboBox(self)
        for title, code in LANGUAGES:
            self.language.addItem(title, code)
        form.addRow("Language:", self.language)
        self.batched = QCheckBox("Batched inference (faster, uses more memory)", self)
        form.addRow("", self.batched)
        self.note = QLabel(self)
        self.note.setWordWrap(True)
        self.note.setStyleSheet("color: #b0b0b0;")
        form.addRow(self.note)
        self.fresh = QCheckBox(self)
        if resume_from_ms is not None:
            self.fresh.setText(f"Start over (otherwise it resumes at {format_ms(resume_from_ms)})")
            form.addRow("", self.fresh)
        else:
            self.fresh.hide()  # a child outside the layout would be drawn at the top-left corner
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel, self)
        buttons.button(QDialogButtonBox.StandardButton.Ok).setText("Transcribe")
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        form.addRow(buttons)
        self.model.currentIndexChanged.connect(self._update_note)
        self.language.currentIndexChanged.connect(self._update_note)
        self._update_note()

    def _on_model_activated(self, index: int) -> None:
        if self.model.itemData(index) == "":
            folder = QFileDialog.getExistingDirectory(self, "CTranslate2 Whisper model folder")
            if folder:
                self.model.insertItem(index, Path(folder).name + " — local folder", folder)
                self.model.setCurrentIndex(index)
            else:
                self.model.setCurrentIndex(0)

    def _update_note(self) -> None:
        model = self.model.currentData() or ""
        english_only = model == BUNDLED or str(model).endswith(".en")
        language = self.language.currentData()
        if english_only and language not in (None, "en"):
            self.note.setText("This model is English-only: choose a multilingual model for this language.")
        elif model == BUNDLED:
            self.note.setText(
                "The bundled tiny.en works offline. It is English-only and the least accurate model; "
                "larger models are downloaded once when you have internet."
            )
        else:
            self.note.setText("")

    def options(self) -> TranscribeOptions:
        return TranscribeOptions(
            model=self.model.currentData() or BUNDLED,
            language=self.language.currentData(),
            batched=self.batched.isChecked(),
        )
