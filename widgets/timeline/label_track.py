"""The labels track: every label a coloured range; click one to move or resize it, right-click to delete.

All labels are painted by one item (only those in view, text only where it fits), so the track stays as
fast with 5,000 labels as with five. Overlapping labels (two annotators' labels on the same moment) go to
separate lanes, one above the other, so no two labels' texts are drawn over each other: each text is elided
to its own rectangle. The label being edited gets the one draggable region. The I/O selection shows here too:
a line at its start (I) and at its end (O), the range between them shaded once both are set.
"""

from __future__ import annotations

import bisect
import heapq
from collections import defaultdict
from dataclasses import dataclass
from typing import Any

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QObject, QPointF, QRectF, Qt, Signal
from PySide6.QtGui import QBrush, QColor, QFont, QFontMetricsF, QPainter, QPen
from PySide6.QtWidgets import QMenu

from widgets.timeline.timeline_view import Track

_MAX_TEXTS = 300
"""Above this many labels in view their names are left out: they would not be readable anyway."""
_MIN_TEXT_PX = 8
"""The smallest text a lane shows; a lane lower than that shows none."""
_MIN_TEXT_WIDTH = 24
"""A label narrower than this many pixels shows no text."""


@dataclass(frozen=True, slots=True)
class LabelMark:
    """What the track shows of one label."""

    id: int
    start_ms: int
    end_ms: int
    text: str
    color: str
    owner: str = ""
    """the annotator's name when the label is another annotator's (empty: the user's own)"""


class LabelTrackSignals(QObject):
    label_moved = Signal(int, int, int)
    """label id, new start ms, new end ms"""
    label_delete_requested = Signal(int)


class _LabelsItem(pg.GraphicsObject):
    """Paints the labels in the visible range; clicks on a label activate it, elsewhere they seek."""

    _TOP, _BOTTOM = 0.9, 0.1
    _LANE_GAP = 0.04
    """the empty part of a lane's height between it and the lane below"""

    def __init__(self, track: LabelTrack) -> None:
        super().__init__()
        self._track = track
        self._extent = 1.0
        self._styles: dict[str, tuple[QPen, QBrush]] = {}
        self.lanes_shown = 1
        """how many lanes the last paint divided the track into (clicks pick a label by its lane)"""

    def _style(self, color: str) -> tuple[QPen, QBrush]:
        """One pen and brush per colour, made once (there are as many colours as vocabulary values)."""
        style = self._styles.get(color)
        if style is None:
            fill = QColor(color)
            fill.setAlpha(120)
            pen = QPen(QColor(color))
            pen.setCosmetic(True)
            style = self._styles[color] = (pen, QBrush(fill))
        return style

    def boundingRect(self) -> QRectF:  # Qt's name
        return QRectF(0.0, 0.0, max(self._extent, 1e-3), 1.0)

    def changed(self) -> None:
        ends = [mark.end_ms for mark in self._track._marks.values()]
        self.prepareGeometryChange()
        self._extent = max(ends, default=1000) / 1000
        self.update()

    def lane_band(self, lane: int, lanes: int) -> tuple[float, float]:
        """(bottom, top) of lane ``lane`` of ``lanes`` in the item's 0–1 height; lane 0 is the top one."""
        height = (self._TOP - self._BOTTOM) / lanes
        top = self._TOP - lane * height
        return top - height + (self._LANE_GAP if lanes > 1 and lane < lanes - 1 else 0.0), top

    def lane_at(self, y: float) -> int:
        """The lane at height ``y`` (0–1) as last painted."""
        height = (self._TOP - self._BOTTOM) / self.lanes_shown
        return min(max(int((self._TOP - y) / height), 0), self.lanes_shown - 1)

    def paint(self, painter: QPainter, *args: Any) -> None:
        view = self.getViewBox()
        if view is None:
            return
        (x0, x1), _ = view.viewRange()
        marks = self._track.marks_between(int(x0 * 1000), int(x1 * 1000) + 1)
        lanes = [self._track.lane(mark.id) for mark in marks]
        self.lanes_shown = count = max(lanes, default=0) + 1
        pixel = self.pixelWidth() or 1e-3
        painter.setRenderHint(QPainter.RenderHint.Antialiasing, False)
        by_style: dict[tuple[str, int], list[tuple[int, int]]] = defaultdict(list)
        for mark, lane in zip(marks, lanes, strict=True):
            by_style[mark.color, lane].append((mark.start_ms, mark.end_ms))
        for (color, lane), spans in by_style.items():
            pen, brush = self._style(color)
            painter.setPen(pen)
            painter.setBrush(brush)
            bottom, top = self.lane_band(lane, count)
            painter.drawRects(
                [QRectF(start, bottom, end - start, top - bottom) for start, end in _merged(spans, pixel)]
            )
        if len(marks) > _MAX_TEXTS:
            return
        painter.save()
        transform = painter.transform()
        painter.resetTransform()
        painter.setPen(QColor(235, 235, 235))
        texts = self.texts(marks, lanes, count, transform, painter.font())
        if texts:
            painter.setFont(texts[0][2])
        for box, text, _font in texts:
            painter.drawText(box, Qt.AlignmentFlag.AlignVCenter | Qt.AlignmentFlag.AlignLeft, text)
        painter.restore()

    def texts(
        self, marks: list[LabelMark], lanes: list[int], count: int, transform: Any, font: QFont
    ) -> list[tuple[QRectF, str, QFont]]:
        """Where each label's text goes, in pixels, elided to its own lane's rectangle (so no two overlap),
        and the font, made smaller when the lanes are low; none where it would not be readable."""
        if not marks:
            return []
        bottom, top = self.lane_band(0, count)
        lane_px = abs(transform.map(QPointF(0, bottom)).y() - transform.map(QPointF(0, top)).y())
        font = QFont(font)
        metrics = QFontMetricsF(font)
        if metrics.height() > lane_px:
            if lane_px < _MIN_TEXT_PX + 1:
                return []
            font.setPixelSize(max(_MIN_TEXT_PX, int(lane_px) - 1))
            metrics = QFontMetricsF(font)
        out = []
        for mark, lane in zip(marks, lanes, strict=True):
            bottom, top = self.lane_band(lane, count)
            top_left = transform.map(QPointF(mark.start_ms / 1000, top))
            bottom_right = transform.map(QPointF(mark.end_ms / 1000, bottom))
            box = QRectF(top_left, bottom_right).normalized().adjusted(3, 0, -2, 0)
            if box.width() <= _MIN_TEXT_WIDTH:
                continue
            text = metrics.elidedText(mark.text, Qt.TextElideMode.ElideRight, box.width())
            if text and text != "…":
                width = min(box.width(), metrics.horizontalAdvance(text))
                out.append((QRectF(box.left(), box.top(), width, box.height()), text, font))
        return out

    def mouseClickEvent(self, ev: Any) -> None:  # pyqtgraph's name
        mark = self._track.mark_at(round(ev.pos().x() * 1000), self.lane_at(ev.pos().y()))
        if mark is None:
            ev.ignore()
            return
        ev.accept()
        if ev.button() == Qt.MouseButton.RightButton:
            self._track.context_menu(mark).exec(ev.screenPos().toPoint())
            return
        self._track.activate(mark.id)


class LabelTrack(Track):
    key = "labels"
    title = "Labels"
    default_height = 40

    def __init__(self) -> None:
        super().__init__()
        self.signals = LabelTrackSignals()
        self._marks: dict[int, LabelMark] = {}
        self._order: list[tuple[int, int]] = []
        """(start_ms, id) sorted, for range queries"""
        self._longest_ms = 0
        self._lanes: dict[int, int] | None = None
        """label id → lane, made again on the first paint after a change"""
        self._item = _LabelsItem(self)
        self._active: int | None = None
        self.active_region = pg.LinearRegionItem(
            values=(0, 0), brush=pg.mkBrush(255, 255, 255, 50), pen=pg.mkPen(255, 255, 255, 220, width=2)
        )
        self.active_region.setZValue(20)
        self.active_region.hide()
        self.active_region.sigRegionChangeFinished.connect(self._on_active_region_changed)
        self.selection = pg.LinearRegionItem(
            values=(0, 0), brush=pg.mkBrush(255, 255, 255, 40), pen=pg.mkPen(255, 255, 255, 160), movable=False
        )
        self.selection.hide()
        self.selection_in = _selection_line("I")
        self.selection_out = _selection_line("O")

    def attach(self, plot: pg.PlotItem) -> None:
        super().attach(plot)
        for item in (self._item, self.selection, self.selection_in, self.selection_out, self.active_region):
            plot.addItem(item, ignoreBounds=True)

    # -- data --------------------------------------------------------------------------------------

    def set_labels(self, marks: list[LabelMark]) -> None:
        self._marks = {mark.id: mark for mark in marks}
        self._order = sorted((mark.start_ms, mark.id) for mark in marks)
        self._longest_ms = max((mark.end_ms - mark.start_ms for mark in marks), default=0)
        self._lanes = None
        self._deactivate_if_gone()
        self._item.changed()

    def put(self, mark: LabelMark) -> None:
        """Add or replace one label."""
        old = self._marks.get(mark.id)
        if old is not None:
            self._order.remove((old.start_ms, old.id))
        self._marks[mark.id] = mark
        bisect.insort(self._order, (mark.start_ms, mark.id))
        self._longest_ms = max(self._longest_ms, mark.end_ms - mark.start_ms)
        self._lanes = None
        if self._active == mark.id:
            self._show_active(mark)
        self._item.changed()

    def remove(self, label_id: int) -> None:
        old = self._marks.pop(label_id, None)
        if old is None:
            return
        self._order.remove((old.start_ms, old.id))
        self._lanes = None
        self._deactivate_if_gone()
        self._item.changed()

    def clear(self) -> None:
        self.set_labels([])
        self.set_selection(None, None)

    @property
    def label_count(self) -> int:
        return len(self._marks)

    def marks_between(self, start_ms: int, end_ms: int) -> list[LabelMark]:
        """Labels overlapping [start, end), in start order."""
        first = bisect.bisect_left(self._order, (start_ms - self._longest_ms, -1))
        last = bisect.bisect_left(self._order, (end_ms, -1))
        marks = (self._marks[label_id] for _, label_id in self._order[first:last])
        return [mark for mark in marks if mark.end_ms > start_ms]

    def mark_at(self, ms: int, lane: int | None = None) -> LabelMark | None:
        """The label under ``ms`` in lane ``lane``, else the shortest one under ``ms`` (the most specific one
        when labels overlap)."""
        under = self.marks_between(ms, ms + 1)
        in_lane = [mark for mark in under if self.lane(mark.id) == lane]
        return min(in_lane or under, key=lambda mark: mark.end_ms - mark.start_ms) if under else None

    def lane(self, label_id: int) -> int:
        """The lane of a label: 0 (the top one) unless it overlaps labels that started before it."""
        if self._lanes is None:
            self._lanes = _lanes((mark.start_ms, mark.end_ms, label_id) for label_id, mark in self._ordered())
        return self._lanes[label_id]

    def _ordered(self) -> list[tuple[int, LabelMark]]:
        return [(label_id, self._marks[label_id]) for _, label_id in self._order]

    # -- editing -----------------------------------------------------------------------------------

    def context_menu(self, mark: LabelMark) -> QMenu:
        """The right-click menu of a label; another annotator's label says whose it is (the window asks
        before deleting it)."""
        menu = QMenu()
        if mark.owner:
            action = menu.addAction(f"Delete {mark.owner}'s label {mark.text}…")
        else:
            action = menu.addAction(f"Delete label {mark.text}")
        action.triggered.connect(lambda: self.signals.label_delete_requested.emit(mark.id))
        return menu

    def activate(self, label_id: int | None) -> None:
        """Give one label the draggable region (None: none)."""
        self._active = label_id if label_id in self._marks else None
        if self._active is None:
            self.active_region.hide()
        else:
            self._show_active(self._marks[self._active])

    @property
    def active(self) -> int | None:
        return self._active

    def _show_active(self, mark: LabelMark) -> None:
        self.active_region.blockSignals(True)
        self.active_region.setRegion((mark.start_ms / 1000, mark.end_ms / 1000))
        self.active_region.blockSignals(False)
        self.active_region.show()

    def _deactivate_if_gone(self) -> None:
        if self._active is not None and self._active not in self._marks:
            self.activate(None)

    def _on_active_region_changed(self) -> None:
        if self._active is None:
            return
        mark = self._marks[self._active]
        start, end = self.active_region.getRegion()
        start_ms, end_ms = round(start * 1000), round(end * 1000)
        if (start_ms, end_ms) != (mark.start_ms, mark.end_ms) and end_ms > start_ms:
            self.signals.label_moved.emit(mark.id, start_ms, end_ms)

    def set_selection(self, start_ms: int | None, end_ms: int | None) -> None:
        """Show the selection's start and end lines (either may be unset) and the range once both are set."""
        for line, ms in ((self.selection_in, start_ms), (self.selection_out, end_ms)):
            line.setVisible(ms is not None)
            if ms is not None:
                line.setValue(ms / 1000)
        if start_ms is None or end_ms is None or end_ms <= start_ms:
            self.selection.hide()
            return
        self.selection.setRegion((start_ms / 1000, end_ms / 1000))
        self.selection.show()


def _selection_line(name: str) -> pg.InfiniteLine:
    """A fixed vertical line named I or O at the top of the track."""
    line = pg.InfiniteLine(
        angle=90,
        movable=False,
        pen=pg.mkPen(255, 235, 120, 230, width=2),
        label=name,
        labelOpts={"position": 0.8, "color": (20, 20, 20), "fill": (255, 235, 120, 230)},
    )
    line.setZValue(15)
    line.hide()
    return line


def _lanes(spans: Any) -> dict[int, int]:
    """Lanes for (start, end, id) spans in start order: each goes to the lowest lane free at its start, so
    spans in one lane never overlap and there are as many lanes as spans overlap at one moment."""
    lanes: dict[int, int] = {}
    busy: list[tuple[int, int]] = []
    """(end, lane) of the lanes in use"""
    free: list[int] = []
    for start, end, label_id in spans:
        while busy and busy[0][0] <= start:
            heapq.heappush(free, heapq.heappop(busy)[1])
        lane = heapq.heappop(free) if free else len(busy)
        lanes[label_id] = lane
        heapq.heappush(busy, (max(end, start + 1), lane))
    return lanes


def _merged(spans: list[tuple[int, int]], pixel_s: float) -> list[tuple[float, float]]:
    """Spans in seconds, each at least a pixel wide, with same-colour spans closer than a pixel merged:
    at most about one rectangle per pixel column, however many labels are in view."""
    times = np.asarray(spans, dtype=np.float64) / 1000
    times = times[np.argsort(times[:, 0], kind="stable")]
    starts, ends = times[:, 0], np.maximum(times[:, 1], times[:, 0] + pixel_s)
    reach = np.maximum.accumulate(ends)
    first = np.ones(len(starts), dtype=bool)
    first[1:] = starts[1:] > reach[:-1] + pixel_s
    heads = np.flatnonzero(first)
    return list(zip(starts[heads].tolist(), np.maximum.reduceat(ends, heads).tolist(), strict=True))
