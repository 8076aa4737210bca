"""Analyze ▸ Motion…: the options of a motion pass."""

from __future__ import annotations

from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QDoubleSpinBox,
    QFormLayout,
    QLabel,
    QSpinBox,
    QWidget,
)

from analysis.faces import FaceOptions
from analysis.motion import FlowMethod, MotionOptions


class MotionDialog(QDialog):
    """Analyze ▸ Motion…: sampling, analysis width, the flow method, and faces in the same pass."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Analyze motion")
        form = QFormLayout(self)
        self.fps = QDoubleSpinBox(self)
        self.fps.setRange(0.5, 25.0)
        self.fps.setValue(5.0)
        self.fps.setSuffix(" pairs/s")
        form.addRow("Sampling:", self.fps)
        self.width = QSpinBox(self)
        self.width.setRange(80, 1280)
        self.width.setSingleStep(80)
        self.width.setValue(320)
        self.width.setSuffix(" px")
        form.addRow("Analysis width:", self.width)
        self.method = QComboBox(self)
        self.method.addItem("DIS (fast)", FlowMethod.DIS.value)
        self.method.addItem("Farneback (the original project's parameters)", FlowMethod.FARNEBACK.value)
        form.addRow("Optical flow:", self.method)
        detector = FaceOptions().detector.value
        self.faces = QCheckBox(f"Faces and emotions too, in the same pass (2 frames/s, {detector} detector)", self)
        form.addRow("", self.faces)
        note = QLabel(
            "One pass over the whole video: motion magnitude, motion peaks (μ + kσ with the audio's k), "
            "shot changes (cuts, fades, dissolves, zooms, pans). Peaks at a shot change are marked not significant "
            "(Analyze ▸ Not Significant Near…).",
            self,
        )
        note.setWordWrap(True)
        note.setStyleSheet("color: #b0b0b0;")
        form.addRow(note)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel, self)
        buttons.button(QDialogButtonBox.StandardButton.Ok).setText("Analyze")
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        form.addRow(buttons)

    def options(self) -> MotionOptions:
        """The motion options chosen."""
        return MotionOptions(fps=self.fps.value(), width=self.width.value(), method=self.method.currentData())
