"""Reading what a widget drew: a pixel's colour in a grabbed picture."""

from __future__ import annotations

from PySide6.QtCore import QPoint
from PySide6.QtGui import QImage


def pixel_color(image: QImage, point: QPoint) -> str:
    """The colour at ``point`` as ``#rrggbb``, to compare with the style's colour names."""
    return image.pixelColor(point).name()
