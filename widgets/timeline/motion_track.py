"""The motion row of the timeline: flow magnitude over time, its μ ± kσ band, motion peaks and shot changes.

The curve is redrawn for the visible range within a budget of two points per pixel (a min/max zigzag when
more samples are visible, so a one-sample burst stays visible on a 3-hour view). Band and markers follow
the envelope row's look. Shot changes are painted by one item: cuts as thin vertical lines, zooms as
shaded spans, merged to whole pixels, so thousands of them cost no more than a few.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QLineF, QRectF, Qt
from PySide6.QtGui import QBrush, QColor, QPainter, QPen

from analysis.motion import REFERENCE_WIDTH, MotionPeak, ShotChange
from app.timecode import format_seconds
from widgets.style import FOREGROUND
from widgets.timeline.waveform_view import PEAK_COLOR, BandTrack

MOTION_COLOR = "#81c784"
MOTION_FILL = (129, 199, 132, 55)
CUT_COLOR = (206, 147, 216, 230)
CUT_LEGEND = "#ce93d8"
ZOOM_BRUSH = (77, 208, 225, 50)
ZOOM_LEGEND = "#4dd0e1"


def motion_points(
    times_s: np.ndarray, values: np.ndarray, start_s: float, end_s: float, max_points: int
) -> tuple[np.ndarray, np.ndarray]:
    """X (seconds) and Y of a polyline drawing the samples in [start_s, end_s] within a point budget.

    ``times_s`` is sorted. When at most ``max_points`` samples are visible (counting one more on each side,
    so the line reaches the edges), they are returned as they are. Otherwise samples are merged in groups
    aligned on the sample index (so panning does not make the drawing shimmer) and each group is drawn as
    its minimum then its maximum at the group's middle time; NaNs are ignored. At most ``max_points + 4``.
    """
    if max_points < 2:
        raise ValueError(f"max_points must be at least 2 (got {max_points})")
    n = int(times_s.shape[0])
    lo = max(0, int(np.searchsorted(times_s, start_s, "left")) - 1)
    hi = min(n, int(np.searchsorted(times_s, end_s, "right")) + 1)
    if hi <= lo:
        return np.zeros(0, dtype=np.float64), np.zeros(0, dtype=np.float32)
    if hi - lo <= max_points:
        return np.asarray(times_s[lo:hi], dtype=np.float64), np.asarray(values[lo:hi], dtype=np.float32)
    group = math.ceil((hi - lo) / (max_points // 2))
    first, stop = lo // group * group, min(n, ((hi - 1) // group + 1) * group)
    chunk = np.asarray(values[first:stop], dtype=np.float32)
    starts = np.arange(0, stop - first, group)
    ends = np.minimum(starts + group, stop - first) - 1
    times = np.asarray(times_s[first:stop], dtype=np.float64)
    centers = (times[starts] + times[ends]) / 2
    y = np.empty(2 * starts.shape[0], dtype=np.float32)
    y[0::2] = np.fmin.reduceat(chunk, starts)
    y[1::2] = np.fmax.reduceat(chunk, starts)
    return np.repeat(centers, 2), y


class ShotsItem(pg.GraphicsObject):
    """Cuts (thin vertical lines) and zooms (shaded spans) over the row's whole height, merged to pixels."""

    def __init__(self) -> None:
        super().__init__()
        self._cut_pen = QPen(QColor(*CUT_COLOR))
        self._cut_pen.setCosmetic(True)
        self._cut_pen.setWidth(1)
        self._zoom_brush = QBrush(QColor(*ZOOM_BRUSH))
        self._cuts = np.zeros(0, dtype=np.float64)
        self._zoom_starts = np.zeros(0, dtype=np.float64)
        self._zoom_ends = np.zeros(0, dtype=np.float64)
        self._zoom_reach = np.zeros(0, dtype=np.float64)
        self._y = (0.0, 1.0)
        self._view: tuple[float, float, int] | None = None
        self._lines = np.zeros(0, dtype=np.float64)
        self._rects: list[tuple[float, float]] = []
        self._pixel_s = 0.0
        self._bounds = QRectF()
        self.setAcceptHoverEvents(True)

    @property
    def line_count(self) -> int:
        """Cut lines painted for the current view."""
        return int(self._lines.shape[0])

    @property
    def lines(self) -> np.ndarray:
        """X (seconds) of the cut lines painted for the current view."""
        return self._lines

    @property
    def rect_count(self) -> int:
        """Zoom spans painted for the current view."""
        return len(self._rects)

    @property
    def rects(self) -> list[tuple[float, float]]:
        """(start_s, end_s) of the zoom spans painted for the current view."""
        return list(self._rects)

    def set_shots(self, cuts_s: np.ndarray, zoom_starts_s: np.ndarray, zoom_ends_s: np.ndarray) -> None:
        self._cuts = np.sort(np.asarray(cuts_s, dtype=np.float64))
        order = np.argsort(zoom_starts_s, kind="stable")
        self._zoom_starts = np.asarray(zoom_starts_s, dtype=np.float64)[order]
        self._zoom_ends = np.asarray(zoom_ends_s, dtype=np.float64)[order]
        self._zoom_reach = np.maximum.accumulate(self._zoom_ends) if self._zoom_ends.size else self._zoom_ends
        self._update_bounds()
        self._merge()

    def set_y(self, low: float, high: float) -> None:
        """The row's Y range: lines and spans run from its bottom to its top."""
        self._y = (low, high)
        self._update_bounds()
        self.update()

    def set_view(self, start_s: float, end_s: float, width_px: int) -> None:
        self._view = (start_s, end_s, max(1, width_px))
        self._merge()

    def shots_at(self, x_s: float) -> tuple[list[float], list[tuple[float, float]]]:
        """Cuts within two pixels of ``x_s`` and zooms under it (within half a pixel)."""
        near = 2 * self._pixel_s
        a, b = np.searchsorted(self._cuts, [x_s - near, x_s + near])
        cuts = self._cuts[a:b].tolist()
        half = self._pixel_s / 2
        lo = int(np.searchsorted(self._zoom_reach, x_s - half, "left"))
        hi = int(np.searchsorted(self._zoom_starts, x_s + half, "right"))
        hits = lo + np.flatnonzero(self._zoom_ends[lo:hi] >= x_s - half)
        return cuts, [(float(self._zoom_starts[i]), float(self._zoom_ends[i])) for i in hits]

    def boundingRect(self) -> QRectF:  # Qt's name
        return self._bounds

    def paint(self, painter: QPainter, *args: Any) -> None:
        painter.setRenderHint(QPainter.RenderHint.Antialiasing, False)
        low, high = self._y
        if self._rects:
            painter.setPen(Qt.PenStyle.NoPen)
            painter.setBrush(self._zoom_brush)
            painter.drawRects([QRectF(a, low, b - a, high - low) for a, b in self._rects])
        if self._lines.size:
            painter.setPen(self._cut_pen)
            painter.drawLines([QLineF(x, low, x, high) for x in self._lines.tolist()])

    def hoverEvent(self, ev: Any) -> None:  # pyqtgraph's name
        """Tooltip naming the cut or zoom under the cursor."""
        if ev.isExit():
            self.setToolTip("")
            return
        cuts, zooms = self.shots_at(ev.pos().x())
        lines = [f"Cut at {format_seconds(x)}" for x in cuts[:3]]
        lines += [f"Zoom {format_seconds(a)} – {format_seconds(b)} ({b - a:.1f} s)" for a, b in zooms[:3]]
        self.setToolTip("\n".join(lines))

    def _update_bounds(self) -> None:
        self.prepareGeometryChange()
        xs = [self._cuts[:1], self._cuts[-1:], self._zoom_starts[:1], self._zoom_reach[-1:]]
        edges = np.concatenate(xs)
        if edges.size:
            left, right = float(edges.min()), float(edges.max())
            low, high = self._y
            self._bounds = QRectF(left, low, max(right - left, 1e-9), high - low)
        else:
            self._bounds = QRectF()

    def _merge(self) -> None:
        """The lines and spans to paint for the view: cuts one per pixel, zooms at least a pixel wide and
        merged with neighbours less than a pixel away."""
        if self._view is None:
            self._lines, self._rects = np.zeros(0), []
            self.update()
            return
        start, end, width = self._view
        pixel = (end - start) / width
        self._pixel_s = pixel
        a, b = np.searchsorted(self._cuts, [start - pixel, end + pixel])
        visible = self._cuts[a:b]
        if visible.size:
            columns = np.floor((visible - start) / pixel)
            _, first = np.unique(columns, return_index=True)
            visible = visible[first]
        self._lines = visible
        lo = int(np.searchsorted(self._zoom_reach, start - pixel, "left"))
        hi = int(np.searchsorted(self._zoom_starts, end + pixel, "right"))
        starts = self._zoom_starts[lo:hi]
        ends = np.maximum(self._zoom_ends[lo:hi], starts + pixel)
        rects: list[tuple[float, float]] = []
        if starts.size:
            reach = np.maximum.accumulate(ends)
            breaks = np.flatnonzero(starts[1:] > reach[:-1] + pixel) + 1
            firsts = np.concatenate(([0], breaks))
            lasts = np.concatenate((breaks - 1, [starts.size - 1]))
            rects = list(zip(starts[firsts].tolist(), reach[lasts].tolist(), strict=True))
        self._rects = rects
        self.update()


class MotionTrack(BandTrack):
    """Mean flow magnitude (reference px/s), μ ± kσ band, peak markers, cuts and zooms."""

    key = "motion"
    title = "Motion"
    default_height = 120

    def __init__(self) -> None:
        super().__init__(
            pg.PlotCurveItem(
                pen=pg.mkPen(MOTION_COLOR, width=1), brush=pg.mkBrush(*MOTION_FILL), fillLevel=0.0, antialias=False
            )
        )
        self._shots = ShotsItem()
        self._shots.setZValue(-20)
        self._caption.setZValue(30)
        self._times = np.zeros(0, dtype=np.float64)
        self._peaks: tuple[MotionPeak, ...] = ()
        self._cut_count = 0
        self._zoom_count = 0
        self._span_kinds: tuple[str, ...] = ()
        self._show_caption()

    @property
    def shots_item(self) -> ShotsItem:
        return self._shots

    @property
    def cut_count(self) -> int:
        """Cuts set (whether or not in view)."""
        return self._cut_count

    @property
    def zoom_count(self) -> int:
        """Zooms set (whether or not in view)."""
        return self._zoom_count

    def _items(self) -> tuple[pg.GraphicsObject, ...]:
        return (self._shots, *super()._items())

    def attach(self, plot: pg.PlotItem) -> None:
        super().attach(plot)
        self._shots.set_y(*self.y_range)

    def set_y_range(self, low: float, high: float) -> None:
        super().set_y_range(low, high)
        self._shots.set_y(*self.y_range)

    def set_series(self, times_s: np.ndarray, values: np.ndarray) -> None:
        """Magnitudes (reference px/s) at sorted times (s); fits Y to them and to the next band set."""
        times = np.asarray(times_s, dtype=np.float64).ravel()
        values = np.asarray(values, dtype=np.float32).ravel()
        if times.shape != values.shape:
            raise ValueError(f"{times.shape[0]} times for {values.shape[0]} values")
        if times.size > 1 and np.any(np.diff(times) < 0):
            raise ValueError("the motion series' times must be sorted")
        self._times = times
        self._set_values(values)

    def set_peaks(self, peaks: Sequence[MotionPeak]) -> None:
        """One red marker per peak at (its peak time, value), replacing the previous ones."""
        self._peaks = tuple(peaks)
        count = len(self._peaks)
        x = np.fromiter((peak.peak_ms / 1000 for peak in self._peaks), dtype=np.float64, count=count)
        y = np.fromiter((peak.value for peak in self._peaks), dtype=np.float64, count=count)
        self._set_markers(x, y)

    def set_shots(self, shots: Sequence[ShotChange]) -> None:
        """Cuts as vertical lines at their time; every other kind (fade, dissolve, zoom, pan) as one shaded span."""
        cuts = np.array([shot.start_ms for shot in shots if shot.kind == "cut"], dtype=np.float64) / 1000
        zooms = np.array([(s.start_ms, s.end_ms) for s in shots if s.kind != "cut"], dtype=np.float64) / 1000
        zooms = zooms.reshape(-1, 2)
        self._cut_count = int(cuts.size)
        self._zoom_count = sum(1 for shot in shots if shot.kind == "zoom")
        self._span_kinds = tuple(dict.fromkeys(shot.kind for shot in shots if shot.kind != "cut"))
        self._shots.set_shots(cuts, zooms[:, 0], zooms[:, 1])
        self._show_caption()

    def marker_tooltip(self, index: int) -> str:
        """What hovering marker ``index`` shows: "02:13.480 (133.480 s) — z = +2.63"."""
        peak = self._peaks[index]
        return f"{format_seconds(peak.peak_ms / 1000)} ({peak.peak_ms / 1000:.3f} s) — z = {peak.z:+.2f}"

    def view_changed(self, start_ms: int, end_ms: int, width_px: int) -> None:
        self._shots.set_view(start_ms / 1000, end_ms / 1000, width_px)
        super().view_changed(start_ms, end_ms, width_px)

    def clear(self) -> None:
        super().clear()
        self._times = np.zeros(0, dtype=np.float64)
        self._peaks = ()
        self._cut_count = self._zoom_count = 0
        self._span_kinds = ()
        self._shots.set_shots(np.zeros(0), np.zeros(0), np.zeros(0))
        self._show_caption()

    def _show_caption(self) -> None:
        """Units, then a key to the marks drawn (cuts and zooms only when there are some)."""
        parts = [f'<span style="color:{FOREGROUND}">px/s at {REFERENCE_WIDTH} px wide</span>']
        parts.append(f'<span style="color:{PEAK_COLOR}">● peak</span>')
        if self._cut_count:
            parts.append(f'<span style="color:{CUT_LEGEND}">│ cut</span>')
        if self._span_kinds:
            parts.append(f'<span style="color:{ZOOM_LEGEND}">▮ {" · ".join(sorted(self._span_kinds))}</span>')
        self._caption.setHtml(f'<span style="font-size:8pt">{"&nbsp;&nbsp;".join(parts)}</span>')

    def _fit_y(self) -> None:
        if self._values is None or self._values.size == 0 or not np.isfinite(self._values).any():
            return
        low, high = min(0.0, float(np.nanmin(self._values))), float(np.nanmax(self._values))
        if self._band_values is not None and not self._fit_with_next_band:
            high = max(high, self._band_values[1])
        margin = (high - low) * 0.06 or 0.5
        # Room at the top for the caption, which sits over the plot.
        self.set_y_range(low - margin * 0.5, high + 3 * margin)

    def _redraw(self) -> None:
        if self._values is None or self._view is None or self._view == self._drawn_view:
            return
        start_ms, end_ms, width_px = self._view
        x, y = motion_points(self._times, self._values, start_ms / 1000, end_ms / 1000, 2 * width_px)
        self._curve.setData(x, y, skipFiniteCheck=True)
        self._drawn_view = self._view
