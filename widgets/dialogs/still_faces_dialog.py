"""A still image with the faces found on it: a box per face, named with its person and dominant emotion, and the
same faces listed underneath (as ``salient analyze --faces IMAGE`` prints them). A still has no timeline, so it
is shown here rather than opened as a project."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from PySide6.QtCore import QRectF, Qt
from PySide6.QtGui import QColor, QImage, QPainter, QPen, QPixmap
from PySide6.QtWidgets import QDialog, QDialogButtonBox, QLabel, QListWidget, QVBoxLayout, QWidget

from analysis.faces.confidence import emotion_caption
from widgets.style import UNCERTAIN, emotion_color

MAX_SIDE_PX = 900
"""The picture is scaled down to fit this square on screen."""


@dataclass(frozen=True, slots=True)
class StillFace:
    box: tuple[int, int, int, int]
    """x, y, width, height in the image's pixels"""
    person: str
    emotion: str
    probability: float
    uncertain: bool = False
    """the dominant emotion does not count (analysis.faces.confidence): drawn grey, captioned uncertain (…)"""

    @property
    def caption(self) -> str:
        return f"{self.person}: {emotion_caption(self.emotion, self.probability, self.uncertain)}"


class StillFacesDialog(QDialog):
    def __init__(self, title: str, image_rgb: np.ndarray, faces: list[StillFace], parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("still_faces_dialog")
        self.setWindowTitle(f"Faces in {title}")
        self.faces = list(faces)
        layout = QVBoxLayout(self)
        self.picture = QLabel()
        self.picture.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.picture.setPixmap(_drawn(image_rgb, self.faces))
        layout.addWidget(self.picture)
        count = len(self.faces)
        self.summary = QLabel(
            f"{count} face{'s' if count != 1 else ''} found."
            + ("" if count else " The picture may be too small, too dark, or show faces turned away.")
        )
        layout.addWidget(self.summary)
        self.list = QListWidget()
        self.list.addItems([face.caption for face in self.faces])
        self.list.setVisible(bool(count))
        self.list.setMaximumHeight(120)
        layout.addWidget(self.list)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)


def _drawn(image_rgb: np.ndarray, faces: list[StillFace]) -> QPixmap:
    rows, cols = image_rgb.shape[:2]
    data = np.ascontiguousarray(image_rgb)
    image = QImage(data.data, cols, rows, 3 * cols, QImage.Format.Format_RGB888).copy()
    pixmap = QPixmap.fromImage(image)
    scale = min(1.0, MAX_SIDE_PX / max(rows, cols))
    if scale < 1.0:
        pixmap = pixmap.scaled(
            round(cols * scale),
            round(rows * scale),
            Qt.AspectRatioMode.KeepAspectRatio,
            Qt.TransformationMode.SmoothTransformation,
        )
    painter = QPainter(pixmap)
    try:
        for face in faces:
            x, y, w, h = (v * scale for v in face.box)
            color = QColor(emotion_color(UNCERTAIN if face.uncertain else face.emotion))
            painter.setPen(QPen(color, 3))
            painter.drawRect(QRectF(x, y, w, h))
            text_width = painter.fontMetrics().horizontalAdvance(face.caption) + 8.0  # the whole caption
            text_rect = QRectF(x, max(0.0, y - 20), max(w, text_width), 18)
            painter.fillRect(text_rect, QColor(0, 0, 0, 170))
            painter.setPen(QColor("white"))
            painter.drawText(text_rect.adjusted(4, 0, 0, 0), Qt.AlignmentFlag.AlignVCenter, face.caption)
    finally:
        painter.end()
    return pixmap
