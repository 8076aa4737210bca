"""The video view: paints decoded frames itself so overlays can be drawn on top and screenshots show them."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
from PySide6.QtCore import QRectF, Qt
from PySide6.QtGui import QColor, QImage, QPainter, QPaintEvent
from PySide6.QtWidgets import QSizePolicy, QWidget

Overlay = Callable[[QPainter, QRectF], None]
"""Draws over the frame; receives the painter and the rectangle the frame occupies on screen."""


class VideoView(QWidget):
    """Shows an RGB frame scaled to fit (aspect kept), a placeholder text when there is none."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.setMinimumSize(160, 90)
        self.setAttribute(Qt.WidgetAttribute.WA_OpaquePaintEvent)
        self._image: QImage | None = None
        self._pixels: np.ndarray | None = None
        self._placeholder = "Open a video (Ctrl+O), drop one here, or try Help ▸ Open demo"
        self._overlays: list[Overlay] = []

    def set_frame(self, rgb: np.ndarray | None) -> None:
        """Show an H×W×3 uint8 RGB image (kept alive while shown: the QImage shares its memory)."""
        if rgb is None:
            self._image = self._pixels = None
        else:
            self._pixels = np.ascontiguousarray(rgb)
            height, width, _ = self._pixels.shape
            self._image = QImage(self._pixels.data, width, height, 3 * width, QImage.Format.Format_RGB888)
        self.update()

    def set_placeholder(self, text: str) -> None:
        self._placeholder = text
        self.update()

    def add_overlay(self, overlay: Overlay) -> None:
        self._overlays.append(overlay)
        self.update()

    def remove_overlay(self, overlay: Overlay) -> None:
        self._overlays.remove(overlay)
        self.update()

    def frame_rect(self) -> QRectF:
        """Where the frame is drawn: as large as fits, centred, aspect ratio kept."""
        if self._image is None:
            return QRectF()
        scale = min(self.width() / self._image.width(), self.height() / self._image.height())
        width, height = self._image.width() * scale, self._image.height() * scale
        return QRectF((self.width() - width) / 2, (self.height() - height) / 2, width, height)

    def paintEvent(self, event: QPaintEvent) -> None:  # Qt's name
        painter = QPainter(self)
        painter.fillRect(self.rect(), QColor(18, 18, 20))
        if self._image is None:
            painter.setPen(QColor(170, 170, 175))
            painter.drawText(self.rect(), Qt.AlignmentFlag.AlignCenter | Qt.TextFlag.TextWordWrap, self._placeholder)
            return
        target = self.frame_rect()
        painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform)
        painter.drawImage(target, self._image)
        for overlay in self._overlays:
            overlay(painter, target)
