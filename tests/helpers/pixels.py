"""Reading what a widget drew: a pixel's colour in a grabbed picture."""

from __future__ import annotations

from PySide6.QtCore import QPoint
from PySide6.QtGui import QImage


def pixel_color(image: QImage, point: QPoint) -> str:
    """The colour at ``point`` as ``#rrggbb``, to compare with the style's colour names."""
    return image.pixelColor(point).name()


def count_on_row(image: QImage, y: int, color: str, x0: int = 0, x1: int | None = None) -> int:
    """How many pixels of row ``y`` between ``x0`` and ``x1`` (exclusive; default: the right edge) are ``color``."""
    end = image.width() if x1 is None else x1
    return sum(image.pixelColor(x, y).name() == color for x in range(x0, end))
