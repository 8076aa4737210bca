"""A timeline row of time spans (pauses, shots, labels…): thousands of them drawn as one item."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QRectF, Qt
from PySide6.QtGui import QBrush, QColor, QPainter

from app.timecode import format_seconds
from widgets.timeline.timeline_view import Track


class SpanItem(pg.GraphicsObject):
    """All spans of a track as one item: merged to whole pixels for the visible range, painted as rectangles.

    At a zoom where spans are narrower than a pixel they are widened to one pixel (a 200 ms span stays
    visible on a 3-hour view) and neighbours closer than a pixel are merged, so at most about one
    rectangle per two pixels is painted whatever the number of spans.
    """

    _TOP, _BOTTOM = 0.85, 0.15

    def __init__(self, color: QColor) -> None:
        super().__init__()
        self._brush = QBrush(color)
        self._starts = np.zeros(0, dtype=np.float64)
        self._ends = np.zeros(0, dtype=np.float64)
        self._reach = np.zeros(0, dtype=np.float64)
        self._rects: list[QRectF] = []
        self._pixel_s = 0.0
        self._bounds = QRectF()
        self.setAcceptHoverEvents(True)

    @property
    def rect_count(self) -> int:
        """Rectangles painted for the current view."""
        return len(self._rects)

    def set_spans(self, starts_s: np.ndarray, ends_s: np.ndarray) -> None:
        order = np.argsort(starts_s, kind="stable")
        self._starts = starts_s[order]
        self._ends = ends_s[order]
        self._reach = np.maximum.accumulate(self._ends) if self._ends.size else self._ends
        self.prepareGeometryChange()
        if self._starts.size:
            left, right = float(self._starts[0]), float(self._reach[-1])
            self._bounds = QRectF(left, self._BOTTOM, max(right - left, 1e-9), self._TOP - self._BOTTOM)
        else:
            self._bounds = QRectF()

    def set_view(self, start_s: float, end_s: float, width_px: int) -> None:
        """Merge the spans visible in [start_s, end_s] to whole pixels of a ``width_px``-wide plot."""
        pixel = (end_s - start_s) / max(width_px, 1)
        self._pixel_s = pixel
        lo = int(np.searchsorted(self._reach, start_s - pixel, "left"))
        hi = int(np.searchsorted(self._starts, end_s + pixel, "right"))
        starts = self._starts[lo:hi]
        ends = np.maximum(self._ends[lo:hi], starts + pixel)
        if starts.size:
            reach = np.maximum.accumulate(ends)
            breaks = np.flatnonzero(starts[1:] > reach[:-1] + pixel) + 1
            firsts = np.concatenate(([0], breaks))
            lasts = np.concatenate((breaks - 1, [starts.size - 1]))
            merged = zip(starts[firsts].tolist(), reach[lasts].tolist(), strict=True)
        else:
            merged = iter(())
        height = self._TOP - self._BOTTOM
        self._rects = [QRectF(a, self._BOTTOM, b - a, height) for a, b in merged]
        self.update()

    def spans_at(self, x_s: float) -> np.ndarray:
        """Indices (in time order) of the spans under ``x_s``, within half a pixel."""
        tolerance = self._pixel_s / 2
        lo = int(np.searchsorted(self._reach, x_s - tolerance, "left"))
        hi = int(np.searchsorted(self._starts, x_s + tolerance, "right"))
        return lo + np.flatnonzero(self._ends[lo:hi] >= x_s - tolerance)

    def span(self, index: int) -> tuple[float, float]:
        return float(self._starts[index]), float(self._ends[index])

    def boundingRect(self) -> QRectF:
        return self._bounds

    def paint(self, painter: QPainter, *args: Any) -> None:
        if self._rects:
            painter.setPen(Qt.PenStyle.NoPen)
            painter.setBrush(self._brush)
            painter.drawRects(self._rects)

    def hoverEvent(self, ev: Any) -> None:
        """Tooltip with the hovered span's start, end and duration."""
        if ev.isExit():
            self.setToolTip("")
            return
        y = ev.pos().y()
        hits = self.spans_at(ev.pos().x()) if self._BOTTOM <= y <= self._TOP else ()
        if len(hits) == 0:
            self.setToolTip("")
            return
        start, end = self.span(int(hits[0]))
        text = f"{format_seconds(start)} – {format_seconds(end)} ({end - start:.3f} s)"
        if len(hits) > 1:
            text += f"\n(+{len(hits) - 1} more here; zoom in)"
        self.setToolTip(text)


class SpanTrack(Track):
    """Coloured bars for time spans (pauses, shots, labels…), thousands drawn as one item."""

    def __init__(self, key: str, title: str, color: str | QColor, height: int = 36) -> None:
        super().__init__()
        self.key = key
        self.title = title
        self.default_height = height
        self._item = SpanItem(QColor(color))
        self._count = 0

    @property
    def span_item(self) -> SpanItem:
        return self._item

    @property
    def span_count(self) -> int:
        return self._count

    def attach(self, plot: pg.PlotItem) -> None:
        super().attach(plot)
        plot.addItem(self._item, ignoreBounds=True)

    def set_spans(self, spans: Sequence[tuple[int, int]]) -> None:
        """Show these (start_ms, end_ms) spans, replacing the previous ones."""
        array = np.asarray(spans, dtype=np.float64).reshape(-1, 2) / 1000
        self._count = int(array.shape[0])
        self._item.set_spans(array[:, 0], array[:, 1])
        self._redraw()

    def view_changed(self, start_ms: int, end_ms: int, width_px: int) -> None:
        super().view_changed(start_ms, end_ms, width_px)
        self._redraw()

    def clear(self) -> None:
        self.set_spans([])

    def _redraw(self) -> None:
        if self._view is not None:
            start_ms, end_ms, width_px = self._view
            self._item.set_view(start_ms / 1000, end_ms / 1000, width_px)
