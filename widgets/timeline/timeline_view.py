"""The synchronized timeline: one row per track (waveform, envelope, spans, …) on one shared time axis.

A :class:`Track` is one small class that adds its graphics items to the row's plot and, if it draws at a
level of detail, redraws in :meth:`Track.view_changed`. :class:`TimelineView` stacks the rows, keeps their
X ranges identical (it owns the visible range and applies it to every row, so there is one source of
truth), moves one playhead line per row, turns clicks and drags into throttled ``seek_requested`` intents
and never changes a row's Y range on mouse input.
"""

from __future__ import annotations

import logging
import math
import time
from dataclasses import dataclass
from functools import partial
from typing import Any

import pyqtgraph as pg
from PySide6.QtCore import QPoint, QPointF, QSignalBlocker, QSize, Qt, QTimer, Signal
from PySide6.QtGui import QAction, QActionGroup, QColor, QPalette
from PySide6.QtWidgets import QGraphicsSceneWheelEvent, QMenu, QScrollArea, QVBoxLayout, QWidget

from app.timecode import format_seconds
from widgets.style import BACKGROUND, FOREGROUND, GRID, PLAYHEAD

NOTE_COLOR = "#a0a0a0"
"""The grey of a row's note saying why it is empty."""

log = logging.getLogger(__name__)

HOUR_MS = 3_600_000
SCRUB_INTERVAL_MS = 40
"""Dragging on a track emits at most one seek per this interval (the release position always)."""
MIN_SPAN_MS = 10
"""The narrowest visible range: 160 samples at 16 kHz."""
EMPTY_SPAN_MS = 10_000
"""The visible range before a duration is known."""
MIN_TRACK_HEIGHT = 24
MAX_TRACK_HEIGHT = 600
TRACK_HEIGHTS = {"small": 40, "medium": 80, "large": 160}
"""Heights offered by a track's context menu."""
WHEEL_ZOOM_PER_NOTCH = 2**0.5
WHEEL_PAN_PER_NOTCH = 0.1
"""Fraction of the visible width that one wheel notch pans (shift+wheel)."""
TITLE_WIDTH = 104
VALUE_AXIS_WIDTH = 46
TIME_AXIS_HEIGHT = 26

_TOP_MARGIN = 2
_RIGHT_MARGIN = 8


class TimeAxisItem(pg.AxisItem):
    """A time axis in seconds labelled ``mm:ss`` (``h:mm:ss`` when ``show_hours``), at clock-friendly steps."""

    _STEPS = (0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1, 2, 5, 10, 15, 30, 60, 120, 300, 600)
    _STEPS += (900, 1800, 3600, 7200, 10800, 21600)
    _LABEL_PX = 84
    """Room for one label at the widest format (h:mm:ss.fff) with a gap."""

    def __init__(self, orientation: str = "bottom") -> None:
        super().__init__(orientation)
        self.enableAutoSIPrefix(False)
        # Labels on major ticks only: pyqtgraph measures every label of a level it may draw, and the minor
        # level has up to six times as many (a third of a redraw's time went into measuring them).
        self.setStyle(maxTextLevel=0)
        self.show_hours = False

    def set_show_hours(self, show: bool) -> None:
        """Label ticks h:mm:ss (media of an hour or more) rather than mm:ss."""
        if show != self.show_hours:
            self.show_hours = show
            self.picture = None
            self.update()

    def tickSpacing(self, minVal: float, maxVal: float, size: float) -> list[tuple[float, float]]:
        """Major ticks at the smallest clock step leaving room for the labels; minor ones at a divisor of it."""
        span = abs(maxVal - minVal)
        if span == 0 or size <= 0:
            return []
        most = max(2.0, size / self._LABEL_PX)
        longest = self._STEPS[-1]
        major = next((step for step in self._STEPS if span / step <= most), longest * math.ceil(span / most / longest))
        divisors = [step for step in self._STEPS if step < major and _divides(step, major) and major / step <= 6]
        levels = [(float(major), 0.0)]
        if divisors:
            levels.append((float(divisors[0]), 0.0))
        return levels

    def tickStrings(self, values: list[float], scale: float, spacing: float) -> list[str]:
        """Clock labels with as many decimals as the tick spacing needs."""
        decimals = next((digits for digits in range(3) if spacing >= 10**-digits - 1e-9), 3)
        return [format_seconds(value * scale, decimals, self.show_hours) for value in values]


def _divides(step: float, major: float) -> bool:
    ratio = major / step
    return abs(ratio - round(ratio)) < 1e-6


class Track:
    """One row of the timeline. Subclasses set ``key``, ``title`` and ``default_height`` and draw in ``attach``.

    A track makes its graphics items up front, so its setters work before and after it is attached;
    :meth:`attach` adds them to the row's plot. The timeline calls :meth:`view_changed` after the visible
    range or the row's width changes: a level-of-detail track redraws there.
    """

    key: str = ""
    title: str = ""
    default_height: int = 60
    y_range: tuple[float, float] = (0.0, 1.0)
    shows_values: bool = False
    """Whether the row's left axis labels Y values (else it is a blank gutter of the same width)."""

    def __init__(self) -> None:
        self._plot: pg.PlotItem | None = None
        self._view: tuple[int, int, int] | None = None
        self._note = pg.TextItem("", color=NOTE_COLOR, anchor=(0.5, 0.5))
        self._note.setZValue(900)
        self._note.hide()
        self._note_text = ""

    @property
    def plot(self) -> pg.PlotItem | None:
        """The plot the track draws into, once attached."""
        return self._plot

    @property
    def note(self) -> str:
        """Why the row is empty, as shown across it ("" when it shows data)."""
        return self._note_text

    def set_note(self, text: str) -> None:
        """Say across the row why it is empty ("no audio track", "not analysed yet: …"); "" hides it."""
        self._note_text = text
        self._note.setText(text)
        self._note.setVisible(bool(text))
        self._place_note()

    def attach(self, plot: pg.PlotItem) -> None:
        """Take the row's plot and set its fixed Y range; subclasses then add their items."""
        self._plot = plot
        plot.setYRange(*self.y_range, padding=0)
        self._note.setParentItem(plot.vb)
        plot.vb.sigResized.connect(lambda _vb: self._place_note())
        self._place_note()

    def _place_note(self) -> None:
        if self._plot is not None:
            rect = self._plot.vb.rect()
            self._note.setPos(rect.center())

    def set_y_range(self, low: float, high: float) -> None:
        """Fix the Y range of the row (the mouse never changes it)."""
        if not high > low:
            low, high = low - 0.5, low + 0.5
        self.y_range = (float(low), float(high))
        if self._plot is not None:
            self._plot.setYRange(low, high, padding=0)

    def view_changed(self, start_ms: int, end_ms: int, width_px: int) -> None:
        """Remember the visible range and the plot's width; level-of-detail subclasses redraw here."""
        self._view = (start_ms, end_ms, width_px)

    def clear(self) -> None:
        """Forget the track's data and draw nothing."""
        raise NotImplementedError


class _TrackViewBox(pg.ViewBox):
    """A row's view box: hands wheel, click and drag to the timeline instead of panning or zooming itself."""

    def __init__(self, timeline: TimelineView, key: str) -> None:
        super().__init__(enableMenu=False, defaultPadding=0.0)
        self._timeline = timeline
        self._key = key
        self.setMouseEnabled(x=False, y=False)
        self.disableAutoRange()

    def _inside_x(self, scene_pos: QPointF) -> bool:
        rect = self.sceneBoundingRect()
        return rect.left() <= scene_pos.x() <= rect.right()

    def wheelEvent(self, ev: QGraphicsSceneWheelEvent, axis: int | None = None) -> None:
        if axis == 1:
            ev.ignore()
            return
        ev.accept()
        horizontal = ev.orientation() == Qt.Orientation.Horizontal
        pan = horizontal or bool(ev.modifiers() & Qt.KeyboardModifier.ShiftModifier)
        self._timeline._on_viewbox_wheeled(self.mapSceneToView(ev.scenePos()).x(), ev.delta(), pan)

    def mouseClickEvent(self, ev: Any) -> None:
        if ev.button() == Qt.MouseButton.LeftButton and self._inside_x(ev.scenePos()):
            ev.accept()
            self._timeline._on_viewbox_clicked(self.mapSceneToView(ev.scenePos()).x())
        elif ev.button() == Qt.MouseButton.RightButton:
            ev.accept()
            self._timeline._on_viewbox_menu_requested(self._key, ev.screenPos().toPoint())
        else:
            ev.ignore()

    def mouseDragEvent(self, ev: Any, axis: int | None = None) -> None:
        if axis == 1 or ev.button() != Qt.MouseButton.LeftButton:
            ev.ignore()
            return
        ev.accept()
        if ev.modifiers() & Qt.KeyboardModifier.ShiftModifier:
            start = self.mapSceneToView(ev.buttonDownScenePos()).x()
            end = self.mapSceneToView(ev.scenePos()).x()
            self._timeline._on_viewbox_range_dragged(start, end)
            return
        self._timeline._on_viewbox_dragged(self.mapSceneToView(ev.scenePos()).x(), ev.isFinish())


@dataclass(slots=True, eq=False)
class _Row:
    """A track, the items the timeline made for it and its layout (mutable: visibility and height change)."""

    track: Track
    plot: pg.PlotItem
    title: pg.LabelItem
    playhead: pg.InfiniteLine
    action: QAction
    height: int
    visible: bool = True


class TimelineView(QWidget):
    """Tracks stacked on one time axis: wheel zooms at the cursor, shift+wheel pans, click or drag seeks."""

    seek_requested = Signal(int)
    """Milliseconds under the cursor: on a click, and throttled while dragging (the release position always)."""
    range_changed = Signal(int, int)
    """The visible start and end (ms) after a zoom, pan or fit."""
    selection_requested = Signal(int, int)
    """Start and end (ms) of a range swept with Shift+drag, in time order, while it is swept."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._graphics = pg.GraphicsLayoutWidget()
        self._graphics.setBackground(BACKGROUND)
        self._graphics.ci.setContentsMargins(0, _TOP_MARGIN, _RIGHT_MARGIN, 0)
        self._graphics.ci.setSpacing(0)
        self._graphics.ci.layout.setColumnFixedWidth(0, TITLE_WIDTH)
        self._scroll = QScrollArea(self)
        self._scroll.setWidget(self._graphics)
        self._scroll.setWidgetResizable(True)
        self._scroll.setFrameShape(QScrollArea.Shape.NoFrame)
        self._scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self._scroll.setAlignment(Qt.AlignmentFlag.AlignTop)
        palette = self._scroll.viewport().palette()
        palette.setColor(QPalette.ColorRole.Window, QColor(BACKGROUND))
        self._scroll.viewport().setPalette(palette)
        self._scroll.viewport().setAutoFillBackground(True)
        self._ruler = pg.GraphicsLayoutWidget()
        self._ruler.setBackground(BACKGROUND)
        self._ruler.ci.setContentsMargins(0, 0, _RIGHT_MARGIN, 0)
        self._ruler.ci.setSpacing(0)
        self._ruler.ci.layout.setColumnFixedWidth(0, TITLE_WIDTH + VALUE_AXIS_WIDTH)
        self._ruler.setFixedHeight(TIME_AXIS_HEIGHT)
        self._ruler.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self._ruler.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self._ruler_axis = TimeAxisItem("top")
        self._ruler_axis.setHeight(TIME_AXIS_HEIGHT)
        self._ruler_axis.setPen(pg.mkPen(GRID))
        self._ruler_axis.setTextPen(pg.mkPen(FOREGROUND))
        self._ruler.ci.addItem(pg.LabelItem(""), row=0, col=0)
        self._ruler.ci.addItem(self._ruler_axis, row=0, col=1)
        self._ruler_axis.setRange(0.0, EMPTY_SPAN_MS / 1000)
        self._scroll.verticalScrollBar().rangeChanged.connect(self._on_scroll_range_changed)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        layout.addWidget(self._ruler)
        layout.addWidget(self._scroll)
        self._rows: dict[str, _Row] = {}
        self._pending_layout: dict[str, dict[str, Any]] = {}
        self._duration_ms = 0
        self._start_s = 0.0
        self._end_s = EMPTY_SPAN_MS / 1000
        self._playhead_s = 0.0
        self.follow_playhead = True
        """Page the view when the playhead leaves it; False lets the user browse elsewhere during playback."""
        self._scrub_timer = QTimer(self)
        self._scrub_timer.setSingleShot(True)
        self._scrub_timer.setTimerType(Qt.TimerType.PreciseTimer)
        self._scrub_timer.timeout.connect(self._on_scrub_timer_timeout)
        self._scrub_pending: int | None = None
        self._scrub_last_emit = -math.inf
        self._relayout()

    # Tracks -----------------------------------------------------------------------------------------------

    @property
    def ruler(self) -> pg.GraphicsLayoutWidget:
        """The time ruler above the rows: outside their scroll area, so it stays in view at any scroll position."""
        return self._ruler

    @property
    def ruler_axis(self) -> TimeAxisItem:
        """The ruler's axis, spanning exactly the rows' plot width and showing their visible range."""
        return self._ruler_axis

    @property
    def graphics_view(self) -> pg.GraphicsLayoutWidget:
        """The graphics view all rows are drawn in."""
        return self._graphics

    def add_track(self, track: Track) -> None:
        """Append a row for ``track`` below the others, at the current range and playhead."""
        if not track.key:
            raise ValueError(f"{type(track).__name__} has no key")
        if track.key in self._rows:
            raise ValueError(f"the timeline already has a track with key {track.key!r}")
        axis = TimeAxisItem("bottom")
        axis.set_show_hours(self._duration_ms >= HOUR_MS)
        axis.setHeight(TIME_AXIS_HEIGHT)
        plot = pg.PlotItem(viewBox=_TrackViewBox(self, track.key), axisItems={"bottom": axis})
        plot.hideButtons()
        plot.setMenuEnabled(False)
        plot.layout.setContentsMargins(0, 1, 0, 1)
        plot.vb.setBorder(pg.mkPen(GRID))
        left = plot.getAxis("left")
        left.setWidth(VALUE_AXIS_WIDTH)
        left.setStyle(showValues=track.shows_values, tickLength=-4 if track.shows_values else 0)
        for name in ("left", "bottom"):
            plot.getAxis(name).setPen(pg.mkPen(GRID))
            plot.getAxis(name).setTextPen(pg.mkPen(FOREGROUND))
        plot.setXRange(self._start_s, self._end_s, padding=0)
        title = pg.LabelItem(track.title, justify="right", color=FOREGROUND)
        row_index = len(self._rows)
        self._graphics.ci.addItem(title, row=row_index, col=0)
        self._graphics.ci.addItem(plot, row=row_index, col=1)
        playhead = pg.InfiniteLine(self._playhead_s, angle=90, pen=pg.mkPen(PLAYHEAD, width=1), movable=False)
        playhead.setZValue(1000)
        plot.addItem(playhead, ignoreBounds=True)
        action = QAction(track.title, self)
        action.setCheckable(True)
        action.setChecked(True)
        action.toggled.connect(partial(self.set_track_visible, track.key))
        track.attach(plot)
        self._rows[track.key] = _Row(track, plot, title, playhead, action, track.default_height)
        plot.vb.sigResized.connect(partial(self._on_viewbox_resized, track.key))
        pending = self._pending_layout.pop(track.key, None)
        if pending is not None:
            self._apply_row_layout(self._rows[track.key], pending)
        self._relayout()
        self._notify(self._rows[track.key])

    def track(self, key: str) -> Track:
        return self._row(key).track

    def tracks(self) -> list[Track]:
        """All tracks, top to bottom."""
        return [row.track for row in self._rows.values()]

    def plot(self, key: str) -> pg.PlotItem:
        """The plot of a track's row (for tests, screenshots and coordinate mapping)."""
        return self._row(key).plot

    def set_track_visible(self, key: str, visible: bool) -> None:
        row = self._row(key)
        self._apply_row_layout(row, {"visible": visible})
        self._relayout()
        if row.visible:
            self._notify(row)

    def is_track_visible(self, key: str) -> bool:
        return self._row(key).visible

    def set_track_height(self, key: str, px: int) -> None:
        """Height of a track's row in pixels, its 1 px borders included (clamped to 24–600)."""
        self._row(key).height = min(max(int(px), MIN_TRACK_HEIGHT), MAX_TRACK_HEIGHT)
        self._relayout()

    def track_height(self, key: str) -> int:
        return self._row(key).height

    def visibility_actions(self) -> list[QAction]:
        """One checkable action per track, in track order, for a View ▸ Tracks menu."""
        return [row.action for row in self._rows.values()]

    def save_layout(self) -> dict[str, Any]:
        """Visibility and height of each track by key, for QSettings."""
        return {"tracks": {key: {"visible": row.visible, "height": row.height} for key, row in self._rows.items()}}

    def restore_layout(self, layout: dict[str, Any]) -> None:
        """Apply a :meth:`save_layout` result; entries for tracks not added yet apply when they are added.

        Values read back from an INI-backed QSettings arrive as strings ("true", "80"); both forms work.
        """
        for key, entry in dict(layout.get("tracks") or {}).items():
            if key in self._rows:
                self._apply_row_layout(self._rows[key], entry)
            else:
                self._pending_layout[key] = dict(entry)
        self._relayout()
        for row in self._rows.values():
            if row.visible:
                self._notify(row)

    def track_menu(self, key: str) -> QMenu:
        """The context menu of a track: hide it, pick its height, fit the whole duration."""
        row = self._row(key)
        menu = QMenu(self)
        menu.addAction("Hide track").triggered.connect(partial(self.set_track_visible, key, False))
        menu.addSeparator()
        group = QActionGroup(menu)
        for name, px in TRACK_HEIGHTS.items():
            action = menu.addAction(f"Height: {name}")
            action.setCheckable(True)
            action.setChecked(row.height == px)
            group.addAction(action)
            action.triggered.connect(partial(self.set_track_height, key, px))
        menu.addSeparator()
        menu.addAction("Zoom to fit").triggered.connect(self.fit_all)
        return menu

    # Time range -------------------------------------------------------------------------------------------

    @property
    def duration_ms(self) -> int:
        return self._duration_ms

    def set_duration(self, ms: int) -> None:
        """Length of the media: the view never pans beyond [0, ms]. A view showing everything keeps doing so."""
        fitted = self._is_fitted()
        self._duration_ms = max(0, int(ms))
        for axis in self._time_axes():
            axis.set_show_hours(self._duration_ms >= HOUR_MS)
        if fitted:
            self.fit_all()
        else:
            self._set_range(self._start_s, self._end_s)

    def visible_range(self) -> tuple[int, int]:
        return round(self._start_s * 1000), round(self._end_s * 1000)

    def set_visible_range(self, start_ms: int, end_ms: int) -> None:
        """Show [start_ms, end_ms], clamped to the duration and to at least 10 ms."""
        if end_ms <= start_ms:
            raise ValueError(f"the end ({end_ms} ms) must come after the start ({start_ms} ms)")
        self._set_range(start_ms / 1000, end_ms / 1000)

    def zoom(self, factor: float, center_ms: int | None = None) -> None:
        """Magnify by ``factor`` (2 shows half as much time), keeping ``center_ms`` (default: the middle) in place."""
        if factor <= 0:
            raise ValueError(f"the zoom factor must be positive (got {factor})")
        center = (self._start_s + self._end_s) / 2 if center_ms is None else center_ms / 1000
        self._zoom_about(center, factor)

    def fit_all(self) -> None:
        """Show the whole duration."""
        self._set_range(0.0, self._full_span_s())

    def pan(self, fraction_of_visible_width: float) -> None:
        """Move the view by a fraction of its width (positive: later)."""
        shift = fraction_of_visible_width * (self._end_s - self._start_s)
        self._set_range(self._start_s + shift, self._end_s + shift)

    def set_playhead(self, ms: int) -> None:
        """Move every row's playhead line; with ``follow_playhead``, page the view to keep it visible."""
        x = ms / 1000
        self._playhead_s = x
        if self.follow_playhead and not self._start_s <= x <= self._end_s:
            span = self._end_s - self._start_s
            start = self._start_s + math.floor((x - self._start_s) / span) * span
            self._set_range(start, start + span)
        for row in self._rows.values():
            row.playhead.setPos(x)

    def clear(self) -> None:
        """Nothing open: every track emptied (its Y scale and note reset), no duration, the playhead at 0."""
        for row in self._rows.values():
            row.track.clear()
            row.track.set_note("")
        self._duration_ms = 0
        for axis in self._time_axes():
            axis.set_show_hours(False)
        self.set_playhead(0)
        self.fit_all()

    # Internals --------------------------------------------------------------------------------------------

    def sizeHint(self) -> QSize:
        return QSize(800, TIME_AXIS_HEIGHT + self._graphics.minimumHeight() + 2)

    def _time_axes(self) -> list[TimeAxisItem]:
        return [self._ruler_axis, *(row.plot.getAxis("bottom") for row in self._rows.values())]

    def _on_scroll_range_changed(self, _low: int, high: int) -> None:
        """Keep the ruler as wide as the rows: leave room on its right for the rows' vertical scroll bar."""
        bar = self._scroll.verticalScrollBar()
        extra = bar.sizeHint().width() if high > 0 else 0
        self._ruler.ci.setContentsMargins(0, 0, _RIGHT_MARGIN + extra, 0)

    def _row(self, key: str) -> _Row:
        try:
            return self._rows[key]
        except KeyError:
            raise KeyError(f"the timeline has no track {key!r}") from None

    def _full_span_s(self) -> float:
        return (self._duration_ms or EMPTY_SPAN_MS) / 1000

    def _is_fitted(self) -> bool:
        return self._start_s <= 0 and self._end_s - self._start_s >= self._full_span_s() - 1e-9

    def _zoom_about(self, center_s: float, factor: float) -> None:
        span = self._end_s - self._start_s
        new_span = min(max(span / factor, MIN_SPAN_MS / 1000), self._full_span_s())
        start = center_s - (center_s - self._start_s) * new_span / span
        self._set_range(start, start + new_span)

    def _set_range(self, start_s: float, end_s: float) -> None:
        """Clamp to [0, duration] and apply to every row: the single place the X range changes."""
        full = self._full_span_s()
        span = min(max(end_s - start_s, MIN_SPAN_MS / 1000), full)
        start = min(max(start_s, 0.0), full - span)
        end = start + span
        changed = (start, end) != (self._start_s, self._end_s)
        self._start_s, self._end_s = start, end
        for row in self._rows.values():
            row.plot.setXRange(start, end, padding=0)
        self._ruler_axis.setRange(start, end)
        if changed:
            self.range_changed.emit(*self.visible_range())
        for row in self._rows.values():
            if row.visible:
                self._notify(row)

    def _notify(self, row: _Row) -> None:
        width = max(1, round(row.plot.vb.width()))
        row.track.view_changed(math.floor(self._start_s * 1000), math.ceil(self._end_s * 1000), width)

    def _relayout(self) -> None:
        """Show the time axis under the lowest visible row only and size the rows to their heights."""
        visible = [row for row in self._rows.values() if row.visible]
        total = _TOP_MARGIN
        for row in self._rows.values():
            bottom = row is (visible[-1] if visible else None)
            row.plot.showAxis("bottom", bottom)
            height = row.height + (TIME_AXIS_HEIGHT if bottom else 0)
            row.plot.setMinimumHeight(height)
            row.plot.setMaximumHeight(height)
            if row.visible:
                total += height
        self._graphics.setFixedHeight(total)
        self.updateGeometry()

    @staticmethod
    def _apply_row_layout(row: _Row, entry: dict[str, Any]) -> None:
        if "visible" in entry:
            row.visible = _as_bool(entry["visible"])
            row.plot.setVisible(row.visible)
            row.title.setVisible(row.visible)
            with QSignalBlocker(row.action):
                row.action.setChecked(row.visible)
        if "height" in entry:
            try:
                row.height = min(max(int(entry["height"]), MIN_TRACK_HEIGHT), MAX_TRACK_HEIGHT)
            except (TypeError, ValueError):
                log.warning("ignoring saved height %r of track %r", entry["height"], row.track.key)

    def _clamp_ms(self, x_s: float) -> int:
        ms = max(0, round(x_s * 1000))
        return min(ms, self._duration_ms) if self._duration_ms else ms

    def _emit_scrub(self, ms: int) -> None:
        self._scrub_last_emit = time.monotonic()
        self._scrub_pending = None
        self.seek_requested.emit(ms)

    def _on_viewbox_clicked(self, x_s: float) -> None:
        self._scrub_timer.stop()
        self._scrub_pending = None
        self.seek_requested.emit(self._clamp_ms(x_s))

    def _on_viewbox_range_dragged(self, start_s: float, end_s: float) -> None:
        low, high = sorted((start_s, end_s))
        limit = self._full_span_s()
        self.selection_requested.emit(round(max(0.0, low) * 1000), round(min(high, limit) * 1000))

    def _on_viewbox_dragged(self, x_s: float, finished: bool) -> None:
        ms = self._clamp_ms(x_s)
        waited_ms = (time.monotonic() - self._scrub_last_emit) * 1000
        if finished or waited_ms >= SCRUB_INTERVAL_MS:
            self._scrub_timer.stop()
            self._emit_scrub(ms)
            return
        self._scrub_pending = ms
        if not self._scrub_timer.isActive():
            self._scrub_timer.start(math.ceil(SCRUB_INTERVAL_MS - waited_ms))

    def _on_scrub_timer_timeout(self) -> None:
        if self._scrub_pending is None:
            return
        waited_ms = (time.monotonic() - self._scrub_last_emit) * 1000
        if waited_ms < SCRUB_INTERVAL_MS:
            self._scrub_timer.start(math.ceil(SCRUB_INTERVAL_MS - waited_ms))
            return
        self._emit_scrub(self._scrub_pending)

    def _on_viewbox_wheeled(self, x_s: float, delta: int, pan: bool) -> None:
        notches = delta / 120
        if pan:
            self.pan(-notches * WHEEL_PAN_PER_NOTCH)
        else:
            self._zoom_about(x_s, WHEEL_ZOOM_PER_NOTCH**notches)

    def _on_viewbox_menu_requested(self, key: str, screen_pos: QPoint) -> None:
        menu = self.track_menu(key)
        menu.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        menu.popup(screen_pos)

    def _on_viewbox_resized(self, key: str, _viewbox: pg.ViewBox) -> None:
        row = self._rows[key]
        if row.visible:
            self._notify(row)


def _as_bool(value: object) -> bool:
    """A bool from QSettings, which returns "true"/"false" strings from INI files."""
    if isinstance(value, str):
        return value.strip().lower() in ("true", "1", "yes")
    return bool(value)
