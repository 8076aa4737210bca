"""One timeline row per person: the emotion their face shows over time.

Two looks, switched with :meth:`EmotionTrack.set_mode`:

* ``"ribbon"`` (default): the dominant emotion of each sample as a coloured span ``step_s`` wide, runs of the
  same emotion merged into one span, the emotion's name written where it fits; samples whose dominant emotion
  does not count (:mod:`analysis.faces.confidence`) are grey spans named "uncertain";
* ``"stacked"``: the probabilities stacked from 0 to 1, one coloured band per emotion.

The emotion names come with the samples: the run's classifier decides them (FER2013's seven by default, a
user's own model may have three). Their colours come from :mod:`widgets.style`.

A sample at ``t`` stands for ``[t, t + step_s)``. Where the person is not on screen there are no samples and
the row stays empty. Both looks are recomputed for the visible range: while a sample is at least a pixel wide
the samples are drawn as they are; when they are narrower, they are gathered into pixel columns (aligned on
absolute time, so panning does not shimmer) — the ribbon shows each column's most frequent dominant emotion,
the stacked view each column's mean probabilities. A redraw's cost thus follows the row's width, not the
length of the video.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pyqtgraph as pg
from pyqtgraph import functions as fn
from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QBrush, QColor, QPainter, QPolygonF
from PySide6.QtWidgets import QWidget

from analysis.faces.confidence import UNCERTAIN, uncertain_rows
from analysis.fer_model import EMOTIONS
from app.timecode import format_seconds
from widgets.style import emotion_color, emotion_colors, text_color_on
from widgets.timeline.timeline_view import TimelineView, Track

RIBBON, STACKED = "ribbon", "stacked"
MODES = (RIBBON, STACKED)
GAP_FACTOR = 1.5
"""Consecutive samples further apart than this many steps leave a gap (the person was off screen)."""
_MAX_TEXTS = 200
"""Above this many spans in view their names are left out."""


def probability_rows(values: np.ndarray, labels: Sequence[str]) -> np.ndarray:
    """``values`` as rows of one probability per label (a flat array is cut into such rows)."""
    if len(labels) == 0:
        raise ValueError("no emotion labels")
    array = np.asarray(values)
    if array.ndim == 2 and array.shape[1] != len(labels):
        raise ValueError(f"{array.shape[1]} columns of probabilities for {len(labels)} emotion labels")
    return array.reshape(-1, len(labels))


def dominant_spans(
    times_s: np.ndarray, dominant: np.ndarray, step_s: float
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Runs of equal dominant emotion as (starts, ends, label index), each sample covering [t, t + step).

    A run ends where the emotion changes or where the next sample comes more than ``GAP_FACTOR`` steps
    later; a run followed directly by another ends where the next one starts, so spans never overlap.
    """
    n = int(times_s.shape[0])
    if n == 0:
        empty = np.zeros(0, dtype=np.float64)
        return empty, empty.copy(), np.zeros(0, dtype=np.int16)
    gaps = np.diff(times_s) > GAP_FACTOR * step_s
    changes = dominant[1:] != dominant[:-1]
    breaks = np.flatnonzero(gaps | changes) + 1
    firsts = np.concatenate(([0], breaks))
    lasts = np.concatenate((breaks - 1, [n - 1]))
    starts = times_s[firsts]
    ends = times_s[lasts] + step_s
    follows = np.concatenate((~gaps[breaks - 1], [False]))
    ends[follows] = np.minimum(ends[follows], times_s[breaks][follows[:-1]])
    return starts, ends, dominant[firsts].astype(np.int16)


def close_gaps(x0: np.ndarray, x1: np.ndarray, values: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Columns [x0, x1) with an all-zero column inserted wherever one column ends before the next starts, so
    that stacked bands drawn from them step down to nothing in the gaps instead of bridging them."""
    where = np.flatnonzero(x0[1:] > x1[:-1]) + 1
    if where.size == 0:
        return x0, x1, values
    return (
        np.insert(x0, where, x1[where - 1]),
        np.insert(x1, where, x0[where]),
        np.insert(values, where, 0.0, axis=0),
    )


def stack_levels(values: np.ndarray) -> np.ndarray:
    """Cumulative levels [M, L + 1] of probabilities [M, L]: emotion e's band runs from column e to e + 1."""
    levels = np.zeros((values.shape[0], values.shape[1] + 1), dtype=np.float64)
    np.cumsum(values, axis=1, out=levels[:, 1:])
    return levels


def stacked_polygons(x0: np.ndarray, x1: np.ndarray, levels: np.ndarray) -> list[QPolygonF]:
    """One polygon per emotion for contiguous columns: its top edge as steps along the columns, then its
    bottom edge back. One shape per emotion (rather than a rectangle per column) leaves no seams between
    columns when drawn antialiased, as an SVG viewer does."""
    m = x0.shape[0]
    polygons = []
    for emotion in range(levels.shape[1] - 1):
        polygon = fn.create_qpolygonf(4 * m)
        points = fn.ndarray_from_qpolygonf(polygon)
        points[0 : 2 * m : 2, 0] = x0
        points[1 : 2 * m : 2, 0] = x1
        points[0 : 2 * m, 1] = np.repeat(levels[:, emotion + 1], 2)
        points[2 * m :: 2, 0] = x1[::-1]
        points[2 * m + 1 :: 2, 0] = x0[::-1]
        points[2 * m :, 1] = np.repeat(levels[::-1, emotion], 2)
        polygons.append(polygon)
    return polygons


def _brushes(labels: Sequence[str]) -> list[QBrush]:
    return [QBrush(QColor(color)) for color in emotion_colors(labels)]


class StackedAreasItem(pg.GraphicsObject):
    """Probabilities stacked from 0 to 1 over columns of time, one polygon per emotion (the panel's chart)."""

    def __init__(self) -> None:
        super().__init__()
        self._brushes = _brushes(EMOTIONS)
        self._polygons: list[QPolygonF] = []
        self._levels = np.zeros((0, len(EMOTIONS) + 1))
        self._bounds = QRectF()

    @property
    def levels(self) -> np.ndarray:
        """The cumulative levels drawn [M, L + 1], gap columns included."""
        return self._levels

    def set_columns(self, x0: np.ndarray, x1: np.ndarray, values: np.ndarray, labels: Sequence[str] = EMOTIONS) -> None:
        """Columns [x0, x1) (sorted, not overlapping) with probabilities [M, L], one column per label."""
        values = probability_rows(values, labels)
        self._brushes = _brushes(labels)
        x0, x1, values = close_gaps(np.asarray(x0, float), np.asarray(x1, float), np.asarray(values, float))
        self._levels = stack_levels(values)
        self._polygons = stacked_polygons(x0, x1, self._levels) if x0.size else []
        self.prepareGeometryChange()
        self._bounds = QRectF(float(x0[0]), 0.0, float(x1[-1] - x0[0]), 1.0) if x0.size else QRectF()
        self.update()

    def boundingRect(self) -> QRectF:  # Qt's name
        return self._bounds

    def paint(self, painter: QPainter, *args: Any) -> None:
        painter.setPen(Qt.PenStyle.NoPen)
        for brush, polygon in zip(self._brushes, self._polygons, strict=False):
            painter.setBrush(brush)
            painter.drawPolygon(polygon, Qt.FillRule.OddEvenFill)


def _runs(codes: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """First and last index of each run of equal values in ``codes``."""
    breaks = np.flatnonzero(codes[1:] != codes[:-1]) + 1
    return np.concatenate(([0], breaks)), np.concatenate((breaks - 1, [codes.shape[0] - 1]))


class EmotionItem(pg.GraphicsObject):
    """Paints one person's emotions (ribbon or stacked) for the visible range; hovering describes them."""

    _TOP, _BOTTOM = 0.9, 0.1
    """The ribbon's vertical extent; the stacked bands fill 0…1."""

    def __init__(self, track: EmotionTrack) -> None:
        super().__init__()
        self._track = track
        self._labels: tuple[str, ...] = ()
        self._names: tuple[str, ...] = ()
        """the ribbon's names by code: the labels, then 'uncertain'"""
        self._brushes: list[QBrush] = []
        self._text_colors: list[QColor] = []
        self._use_labels(EMOTIONS)
        self._times = np.zeros(0, dtype=np.float64)
        self._probabilities = np.zeros((0, len(EMOTIONS)), dtype=np.float32)
        self._dominant = np.zeros(0, dtype=np.int16)
        self._step = 1.0
        self._span_starts = np.zeros(0, dtype=np.float64)
        self._span_ends = np.zeros(0, dtype=np.float64)
        self._span_codes = np.zeros(0, dtype=np.int16)
        self._mode = RIBBON
        self._view: tuple[float, float, int] | None = None
        self._pixel_s = 0.0
        self._ribbon: tuple[np.ndarray, np.ndarray, np.ndarray] = (self._span_starts, self._span_ends, self._span_codes)
        self._rects: list[list[QRectF]] = [[] for _ in self._names]
        self._bins: tuple[np.ndarray, np.ndarray, np.ndarray] = (
            np.zeros(0),
            np.zeros(0),
            np.zeros((0, len(self._labels) + 1), dtype=np.float32),
        )
        self._bounds = QRectF()
        self.setAcceptHoverEvents(True)

    # Data -------------------------------------------------------------------------------------------------

    def set_samples(self, times_s: np.ndarray, probabilities: np.ndarray, step_s: float, labels: Sequence[str]) -> None:
        self._use_labels(labels)
        self._times, self._probabilities, self._step = times_s, probabilities, step_s
        if times_s.size:
            codes = np.where(uncertain_rows(probabilities), len(self._labels), np.argmax(probabilities, axis=1))
            self._dominant = codes.astype(np.int16)
        else:
            self._dominant = np.zeros(0, dtype=np.int16)
        self._span_starts, self._span_ends, self._span_codes = dominant_spans(times_s, self._dominant, step_s)
        self.prepareGeometryChange()
        if times_s.size:
            left, right = float(times_s[0]), float(times_s[-1] + step_s)
            self._bounds = QRectF(left, 0.0, max(right - left, 1e-9), 1.0)
        else:
            self._bounds = QRectF()
        self._rebuild()

    def set_mode(self, mode: str) -> None:
        self._mode = mode
        self._rebuild()

    def set_view(self, start_s: float, end_s: float, width_px: int) -> None:
        self._view = (start_s, end_s, max(1, width_px))
        self._rebuild()

    @property
    def sample_count(self) -> int:
        return int(self._times.shape[0])

    @property
    def labels(self) -> tuple[str, ...]:
        """The emotion of each probability column, in order."""
        return self._labels

    @property
    def merged_span_count(self) -> int:
        """Runs of one dominant emotion over the whole series (what the ribbon draws when zoomed in enough)."""
        return int(self._span_starts.shape[0])

    def drawn_spans(self) -> list[tuple[float, float, str]]:
        """(start_s, end_s, emotion or "uncertain") of the ribbon spans painted for the current view, in time
        order."""
        starts, ends, codes = self._ribbon
        labels = self._names
        return [(a, b, labels[c]) for a, b, c in zip(starts.tolist(), ends.tolist(), codes.tolist(), strict=True)]

    def stacked_bins(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """The stacked view's columns for the current view: starts, ends and the cumulative levels [M, L + 1]
        (column k's band of emotion e runs from ``levels[k, e]`` to ``levels[k, e + 1]``; empty columns are
        all zeros)."""
        return self._bins

    def _use_labels(self, labels: Sequence[str]) -> None:
        """The emotion names of the probability columns, and with them the colours to paint."""
        labels = tuple(labels)
        if labels == self._labels:
            return
        self._labels = labels
        self._names = (*labels, UNCERTAIN)
        colors = [QColor(color) for color in (*emotion_colors(labels), emotion_color(UNCERTAIN))]
        self._brushes = [QBrush(color) for color in colors]
        self._text_colors = [text_color_on(color) for color in colors]

    # Level of detail --------------------------------------------------------------------------------------

    def _rebuild(self) -> None:
        empty = np.zeros(0, dtype=np.float64)
        self._ribbon = (empty, empty, np.zeros(0, dtype=np.int16))
        self._rects = [[] for _ in self._names]
        self._bins = (empty, empty, np.zeros((0, len(self._labels) + 1), dtype=np.float32))
        if self._view is not None and self._times.size:
            start, end, width = self._view
            self._pixel_s = (end - start) / width
            if self._mode == RIBBON:
                self._build_ribbon(start, end)
            else:
                self._build_stacked(start, end)
        self.update()

    def _visible_samples(self, start: float, end: float) -> tuple[int, int]:
        """Index range of the samples overlapping [start, end] widened by a pixel on each side."""
        pixel = self._pixel_s
        lo = int(np.searchsorted(self._times, start - pixel - self._step, "right"))
        hi = int(np.searchsorted(self._times, end + pixel, "right"))
        return lo, hi

    def _columns(self, lo: int, hi: int) -> tuple[int, np.ndarray, np.ndarray]:
        """Pixel columns (multiples of the pixel width in absolute time) covered by samples lo…hi.

        Returns the first column, the column of each (sample, column) pair and the sample of each pair: a
        sample narrower than a pixel touches one or two columns, and counts in each, so samples spaced a
        little more than a pixel apart leave no false gaps.
        """
        pixel = self._pixel_s
        times = self._times[lo:hi]
        first_col = np.floor(times / pixel).astype(np.int64)
        last_col = np.floor((times + self._step) / pixel - 1e-9).astype(np.int64)
        samples = np.arange(lo, hi)
        second = last_col != first_col
        cols = np.concatenate((first_col, last_col[second]))
        owners = np.concatenate((samples, samples[second]))
        base = int(first_col[0])
        return base, cols - base, owners

    def _build_ribbon(self, start: float, end: float) -> None:
        pixel = self._pixel_s
        if self._step >= pixel:
            lo = int(np.searchsorted(self._span_ends, start - pixel, "left"))
            hi = int(np.searchsorted(self._span_starts, end + pixel, "right"))
            starts, ends = self._span_starts[lo:hi], self._span_ends[lo:hi]
            codes = self._span_codes[lo:hi]
        else:
            lo, hi = self._visible_samples(start, end)
            if hi <= lo:
                return
            base, cols, owners = self._columns(lo, hi)
            count = len(self._names)
            ncols = int(cols.max()) + 1
            votes = np.bincount(cols * count + self._dominant[owners], minlength=ncols * count).reshape(ncols, count)
            present = votes.sum(axis=1) > 0
            column_codes = np.where(present, votes.argmax(axis=1), -1)
            firsts, lasts = _runs(column_codes)
            keep = column_codes[firsts] >= 0
            firsts, lasts = firsts[keep], lasts[keep]
            starts = (base + firsts) * pixel
            ends = (base + lasts + 1) * pixel
            codes = column_codes[firsts].astype(np.int16)
        self._ribbon = (starts, ends, codes)
        height = self._TOP - self._BOTTOM
        for a, b, code in zip(starts.tolist(), ends.tolist(), codes.tolist(), strict=True):
            self._rects[code].append(QRectF(a, self._BOTTOM, b - a, height))

    def _build_stacked(self, start: float, end: float) -> None:
        pixel = self._pixel_s
        lo, hi = self._visible_samples(start, end)
        if hi <= lo:
            return
        count = len(self._labels)
        if self._step >= pixel:
            times = self._times[lo:hi]
            ends = times + self._step
            follows = np.diff(times) <= GAP_FACTOR * self._step
            ends[:-1] = np.where(follows, np.minimum(ends[:-1], times[1:]), ends[:-1])
            x0, x1, values = close_gaps(times, ends, np.asarray(self._probabilities[lo:hi], dtype=np.float64))
        else:
            base, cols, owners = self._columns(lo, hi)
            ncols = int(cols.max()) + 1
            sums = np.zeros((ncols, count), dtype=np.float64)
            np.add.at(sums, cols, self._probabilities[owners])
            counts = np.bincount(cols, minlength=ncols)
            values = sums / np.maximum(counts, 1)[:, None]
            x0 = (base + np.arange(ncols)) * pixel
            x1 = x0 + pixel
        levels = stack_levels(values)
        self._bins = (x0, x1, levels)
        # Rectangles rather than one polygon per band: Qt fills thousands of rectangles far faster than a
        # polygon with thousands of steps (5 ms against 70 ms for a 850-pixel row).
        widths = (x1 - x0).tolist()
        for emotion in range(count):
            bottoms, heights = levels[:, emotion], values[:, emotion]
            filled = np.flatnonzero(heights > 0)
            self._rects[emotion] = [
                QRectF(x, y, widths[i], h)
                for i, x, y, h in zip(
                    filled.tolist(),
                    x0[filled].tolist(),
                    bottoms[filled].tolist(),
                    heights[filled].tolist(),
                    strict=True,
                )
            ]

    # Painting and hovering --------------------------------------------------------------------------------

    def boundingRect(self) -> QRectF:  # Qt's name
        return self._bounds

    def paint(self, painter: QPainter, *args: Any) -> None:
        painter.setRenderHint(QPainter.RenderHint.Antialiasing, False)
        painter.setPen(Qt.PenStyle.NoPen)
        for brush, rects in zip(self._brushes, self._rects, strict=True):
            if rects:
                painter.setBrush(brush)
                painter.drawRects(rects)
        if self._mode == RIBBON:
            self._paint_names(painter)

    def _paint_names(self, painter: QPainter) -> None:
        starts, ends, codes = self._ribbon
        if not 0 < starts.shape[0] <= _MAX_TEXTS or self._view is None:
            return
        # Names go in the visible part of a span, so one reaching in from the left keeps its name whole.
        view_start, view_end, _width = self._view
        starts, ends = np.maximum(starts, view_start), np.minimum(ends, view_end)
        metrics = painter.fontMetrics()
        needed_px = np.array([metrics.horizontalAdvance(name) + 6 for name in self._names], dtype=np.float64)
        wide = np.flatnonzero(ends - starts >= needed_px[codes] * self._pixel_s)
        if wide.size == 0:
            return
        painter.save()
        transform = painter.transform()
        painter.resetTransform()
        for index in wide.tolist():
            top_left = transform.map(QPointF(float(starts[index]), self._TOP))
            bottom_right = transform.map(QPointF(float(ends[index]), self._BOTTOM))
            box = QRectF(top_left, bottom_right).normalized().adjusted(3, 0, -2, 0)
            align = Qt.AlignmentFlag.AlignVCenter | Qt.AlignmentFlag.AlignLeft
            painter.setPen(self._text_colors[int(codes[index])])
            painter.drawText(box, align, self._names[int(codes[index])])
        painter.restore()

    def describe(self, x_s: float) -> str:
        """What hovering at ``x_s`` shows: the time and the probabilities of the sample there, or their mean
        over the samples under the pixel when a pixel holds several; "" where the person is not on screen."""
        if not self._times.size:
            return ""
        half = self._pixel_s / 2
        lo = int(np.searchsorted(self._times, x_s - half - self._step, "right"))
        hi = int(np.searchsorted(self._times, x_s + half, "right"))
        if hi <= lo:
            return ""
        mean = np.asarray(self._probabilities[lo:hi], dtype=np.float64).mean(axis=0)
        order = np.argsort(-mean, kind="stable")
        if hi - lo == 1:
            head = f"{format_seconds(float(self._times[lo]))} · {self._track.title}"
        else:
            first, last = float(self._times[lo]), float(self._times[hi - 1] + self._step)
            head = (
                f"{format_seconds(first, 1)} – {format_seconds(last, 1)} · {self._track.title} "
                f"(mean of {hi - lo} samples)"
            )
        lines = [f"{self._labels[i]} {mean[i]:.2f}" for i in order.tolist()]
        return "\n".join([head, *lines])

    def hoverEvent(self, ev: Any) -> None:  # pyqtgraph's name
        if ev.isExit():
            self.setToolTip("")
            return
        self.setToolTip(self.describe(ev.pos().x()))


class EmotionTrack(Track):
    """The emotions of one person (key ``emotion_<id>``, titled with the person's name)."""

    default_height = 40

    def __init__(self, person_id: int, name: str, mode: str = RIBBON) -> None:
        super().__init__()
        if mode not in MODES:
            raise ValueError(f"unknown emotion track mode {mode!r} (expected one of {MODES})")
        self.person_id = person_id
        self.key = f"emotion_{person_id}"
        self.title = name
        self._mode = mode
        self._item = EmotionItem(self)
        self._item.set_mode(mode)

    @property
    def item(self) -> EmotionItem:
        return self._item

    @property
    def mode(self) -> str:
        return self._mode

    def attach(self, plot: pg.PlotItem) -> None:
        super().attach(plot)
        plot.addItem(self._item, ignoreBounds=True)

    def set_samples(
        self, times_s: np.ndarray, probabilities: np.ndarray, step_s: float, labels: Sequence[str] = EMOTIONS
    ) -> None:
        """Probabilities [N, L] at sorted times (s), one sample every ``step_s`` seconds while the person is on
        screen; ``labels`` names the L columns in order (the run's classifier's emotions, FER2013's seven when
        not given)."""
        times = np.asarray(times_s, dtype=np.float64).ravel()
        values = np.asarray(probability_rows(probabilities, labels), dtype=np.float32)
        if times.shape[0] != values.shape[0]:
            raise ValueError(f"{times.shape[0]} times for {values.shape[0]} rows of probabilities")
        if not step_s > 0:
            raise ValueError(f"the step must be positive (got {step_s})")
        if times.size > 1 and np.any(np.diff(times) < 0):
            raise ValueError("the emotion samples' times must be sorted")
        keep = np.isfinite(values).all(axis=1)
        if not keep.all():
            times, values = times[keep], values[keep]
        self._item.set_samples(times, values, float(step_s), labels)

    def set_mode(self, mode: str) -> None:
        """``"ribbon"`` (dominant emotion as coloured spans) or ``"stacked"`` (probabilities stacked 0…1)."""
        if mode not in MODES:
            raise ValueError(f"unknown emotion track mode {mode!r} (expected one of {MODES})")
        self._mode = mode
        self._item.set_mode(mode)

    def set_title(self, name: str) -> None:
        """Rename the row: its title and, once in a timeline, its entry in the timeline's track menu."""
        self.title = name
        if self._plot is None:
            return
        layout = self._plot.parentItem()
        cells = getattr(layout, "items", {}).get(self._plot, ())
        for row, _column in cells:
            label = layout.getItem(row, 0)
            if isinstance(label, pg.LabelItem):
                label.setText(name)
        timeline = _timeline_of(self._plot)
        if timeline is not None:
            for track, action in zip(timeline.tracks(), timeline.visibility_actions(), strict=True):
                if track is self:
                    action.setText(name)

    def view_changed(self, start_ms: int, end_ms: int, width_px: int) -> None:
        super().view_changed(start_ms, end_ms, width_px)
        self._item.set_view(start_ms / 1000, end_ms / 1000, width_px)

    @property
    def labels(self) -> tuple[str, ...]:
        """The emotion names of the samples shown, in column order."""
        return self._item.labels

    def clear(self) -> None:
        labels = self._item.labels
        self._item.set_samples(np.zeros(0), np.zeros((0, len(labels)), dtype=np.float32), 1.0, labels)

    def tooltip_at(self, x_s: float) -> str:
        """The hover text at ``x_s`` (see :meth:`EmotionItem.describe`)."""
        return self._item.describe(x_s)


def _timeline_of(plot: pg.PlotItem) -> TimelineView | None:
    """The timeline whose graphics view shows ``plot`` (None when it is in none)."""
    scene = plot.scene()
    for view in scene.views() if scene is not None else ():
        widget: QWidget | None = view
        while widget is not None and not isinstance(widget, TimelineView):
            widget = widget.parentWidget()
        if widget is not None:
            return widget
    return None
