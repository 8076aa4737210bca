"""The labels track: each label a coloured range that can be moved, resized and deleted with the mouse,
plus the current selection (mark in/out) that can be labelled like a flagged segment."""

from __future__ import annotations

from dataclasses import dataclass

import pyqtgraph as pg
from PySide6.QtCore import QObject, Signal
from PySide6.QtGui import QColor
from PySide6.QtWidgets import QMenu

from widgets.timeline_view import Track


@dataclass(frozen=True, slots=True)
class LabelMark:
    """What the track shows of one label."""

    id: int
    start_ms: int
    end_ms: int
    text: str
    color: str


class _LabelRegion(pg.LinearRegionItem):
    def __init__(self, track: LabelTrack, mark: LabelMark) -> None:
        color = QColor(mark.color)
        fill = QColor(color)
        fill.setAlpha(110)
        hover = QColor(color)
        hover.setAlpha(170)
        super().__init__(
            values=(mark.start_ms / 1000, mark.end_ms / 1000),
            brush=pg.mkBrush(fill),
            hoverBrush=pg.mkBrush(hover),
            pen=pg.mkPen(color, width=1),
            movable=True,
            swapMode="block",
        )
        self.track, self.mark = track, mark
        self.text = pg.TextItem(mark.text, color=(235, 235, 235), anchor=(0, 0.5))
        self.text.setParentItem(self)
        self._place_text()
        self.setToolTip(
            f"{mark.text}\n{mark.start_ms / 1000:.3f}–{mark.end_ms / 1000:.3f} s · drag to move, "
            "drag an edge to resize, right-click to delete"
        )
        self.sigRegionChangeFinished.connect(self._on_changed)
        self.sigRegionChanged.connect(self._place_text)

    def _place_text(self) -> None:
        start, _ = self.getRegion()
        self.text.setPos(start, 0.5)

    def _on_changed(self) -> None:
        start, end = self.getRegion()
        start_ms, end_ms = round(start * 1000), round(end * 1000)
        if (start_ms, end_ms) != (self.mark.start_ms, self.mark.end_ms):
            self.track.signals.label_moved.emit(self.mark.id, start_ms, end_ms)

    def mouseClickEvent(self, ev) -> None:  # noqa: ANN001, N802 - pyqtgraph's name
        if ev.button() == pg.QtCore.Qt.MouseButton.RightButton:
            ev.accept()
            menu = QMenu()
            delete = menu.addAction(f"Delete label {self.mark.text}")
            if menu.exec(ev.screenPos().toPoint()) is delete:
                self.track.signals.label_delete_requested.emit(self.mark.id)
            return
        super().mouseClickEvent(ev)


class LabelTrackSignals(QObject):
    label_moved = Signal(int, int, int)
    """label id, new start ms, new end ms"""
    label_delete_requested = Signal(int)


class LabelTrack(Track):
    """Labels as movable ranges; changing one item at a time keeps it fast with thousands of labels."""

    key = "labels"
    title = "Labels"
    default_height = 40

    def __init__(self) -> None:
        super().__init__()
        self.signals = LabelTrackSignals()
        self._regions: dict[int, _LabelRegion] = {}
        self.selection = pg.LinearRegionItem(
            values=(0, 0), brush=pg.mkBrush(255, 255, 255, 40), pen=pg.mkPen(255, 255, 255, 160), movable=False
        )
        self.selection.hide()

    def attach(self, plot: pg.PlotItem) -> None:
        super().attach(plot)
        plot.addItem(self.selection, ignoreBounds=True)
        for region in self._regions.values():
            plot.addItem(region, ignoreBounds=True)

    def set_labels(self, marks: list[LabelMark]) -> None:
        self.clear()
        for mark in marks:
            self.put(mark)

    def put(self, mark: LabelMark) -> None:
        """Add or replace one label."""
        self.remove(mark.id)
        region = _LabelRegion(self, mark)
        self._regions[mark.id] = region
        if self._plot is not None:
            self._plot.addItem(region, ignoreBounds=True)

    def remove(self, label_id: int) -> None:
        region = self._regions.pop(label_id, None)
        if region is not None and self._plot is not None:
            self._plot.removeItem(region)

    def set_selection(self, start_ms: int | None, end_ms: int | None) -> None:
        if start_ms is None or end_ms is None or end_ms <= start_ms:
            self.selection.hide()
            return
        self.selection.setRegion((start_ms / 1000, end_ms / 1000))
        self.selection.show()

    @property
    def label_count(self) -> int:
        return len(self._regions)

    def region(self, label_id: int) -> pg.LinearRegionItem:
        return self._regions[label_id]

    def clear(self) -> None:
        for label_id in list(self._regions):
            self.remove(label_id)
        self.selection.hide()
