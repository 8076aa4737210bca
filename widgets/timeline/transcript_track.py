"""The transcript on the timeline: one bar per segment in its speaker's colour, its text inside when there is room.

One item paints the segments in view (a binary search finds them), so 3,000 segments cost what the visible
ones cost. Pressing within a few pixels of a segment's left or right edge and dragging moves that edge; on
release the track emits ``bounds_changed`` (clamped between the neighbours). A drag anywhere else, or with
Shift held, is left to the timeline: it scrubs or sweeps a selection as on every other row.
"""

from __future__ import annotations

import bisect
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import pyqtgraph as pg
from PySide6.QtCore import QObject, QPointF, QRectF, Qt, Signal
from PySide6.QtGui import QBrush, QColor, QFontMetrics, QPainter, QPen

from app.model.transcript import TranscriptSegment
from app.timecode import format_ms
from widgets.style import NO_SPEAKER_COLOR, PLAYHEAD, speaker_colors
from widgets.timeline.timeline_view import Track

EDGE_GRAB_PX = 5
"""A press this close to a segment's edge drags the edge instead of scrubbing."""
MAX_TEXTS = 300
"""Above this many segments in view their texts are left out (they could not be read anyway)."""
MIN_TEXT_PX = 24
"""Narrower boxes get no text."""
TEXT_COLOR = QColor(235, 235, 235)


class TranscriptTrackSignals(QObject):
    bounds_changed = Signal(int, int, int)
    """segment index, new start ms, new end ms (after an edge drag)"""


@dataclass(slots=True)
class _EdgeDrag:
    index: int
    edge: str
    """"start" or "end\""""
    start_ms: int
    end_ms: int
    """the segment's bounds as dragged so far"""


class _SegmentsItem(pg.GraphicsObject):
    """Paints the segments in view and turns drags near their edges into edge moves."""

    TOP, BOTTOM = 0.9, 0.1

    def __init__(self, track: TranscriptTrack) -> None:
        super().__init__()
        self._track = track
        self._extent = 1.0
        self._styles: dict[str, tuple[QBrush, QBrush]] = {}
        self.setAcceptHoverEvents(True)

    def changed(self) -> None:
        self.prepareGeometryChange()
        self._extent = max(self._track.extent_ms(), 1000) / 1000
        self._styles.clear()
        self.update()

    def boundingRect(self) -> QRectF:  # Qt's name
        return QRectF(0.0, 0.0, self._extent, 1.0)

    def _style(self, speaker: str) -> tuple[QBrush, QBrush]:
        """(normal, current) fills of a speaker's colour, made once per colour."""
        style = self._styles.get(speaker)
        if style is None:
            color = QColor(self._track.speaker_color(speaker))
            normal, current = QColor(color), QColor(color)
            normal.setAlpha(105)
            current.setAlpha(200)
            style = self._styles[speaker] = (QBrush(normal), QBrush(current))
        return style

    def paint(self, painter: QPainter, *args: Any) -> None:
        track = self._track
        indices = track.visible_indices()
        if indices is None:
            view = self.getViewBox()
            if view is None:
                return
            (x0, x1), _ = view.viewRange()
            indices = track.indices_between(int(x0 * 1000), int(x1 * 1000) + 1)
        pixel = self.pixelWidth() or 1e-3
        height = self.TOP - self.BOTTOM
        painter.setRenderHint(QPainter.RenderHint.Antialiasing, False)
        painter.setPen(Qt.PenStyle.NoPen)
        by_speaker: dict[str, list[QRectF]] = defaultdict(list)
        for index in indices:
            start, end = track.shown_bounds(index)
            by_speaker[track.segment(index).speaker].append(
                QRectF(start / 1000, self.BOTTOM, max((end - start) / 1000, pixel), height)
            )
        for speaker, rects in by_speaker.items():
            painter.setBrush(self._style(speaker)[0])
            painter.drawRects(rects)
        current = track.current
        if current is not None and current in indices:
            start, end = track.shown_bounds(current)
            painter.setBrush(self._style(track.segment(current).speaker)[1])
            pen = QPen(QColor(PLAYHEAD), 2)
            pen.setCosmetic(True)
            painter.setPen(pen)
            painter.drawRect(QRectF(start / 1000, self.BOTTOM, max((end - start) / 1000, pixel), height))
        if len(indices) > MAX_TEXTS:
            return  # too many to read: bars only
        painter.save()
        transform = painter.transform()
        painter.resetTransform()
        painter.setPen(TEXT_COLOR)
        metrics = QFontMetrics(painter.font())
        for index in indices:
            start, end = track.shown_bounds(index)
            top_left = transform.map(QPointF(start / 1000, self.TOP))
            bottom_right = transform.map(QPointF(end / 1000, self.BOTTOM))
            box = QRectF(top_left, bottom_right).normalized().adjusted(3, 0, -2, 0)
            if box.width() > MIN_TEXT_PX:
                text = metrics.elidedText(track.segment(index).text, Qt.TextElideMode.ElideRight, int(box.width()))
                painter.drawText(box, Qt.AlignmentFlag.AlignVCenter | Qt.AlignmentFlag.AlignLeft, text)
        painter.restore()

    def hoverEvent(self, ev: Any) -> None:  # pyqtgraph's name
        """A resize cursor near an edge; the segment's times and text as a tooltip."""
        if ev.isExit():
            self.unsetCursor()
            self.setToolTip("")
            return
        x_ms = ev.pos().x() * 1000
        if self._track.edge_at(x_ms, self.pixelWidth() * 1000 * EDGE_GRAB_PX) is not None:
            self.setCursor(Qt.CursorShape.SizeHorCursor)
        else:
            self.unsetCursor()
        under = self._track.indices_between(int(x_ms), int(x_ms) + 1)
        if under:
            segment = self._track.segment(under[-1])
            who = f"{segment.speaker}: " if segment.speaker else ""
            self.setToolTip(f"{format_ms(segment.start_ms, 1)} – {format_ms(segment.end_ms, 1)}\n{who}{segment.text}")
        else:
            self.setToolTip("")

    def mouseDragEvent(self, ev: Any) -> None:  # pyqtgraph's name
        """Take the drag only when it starts near an edge without Shift; otherwise the view box gets it."""
        track = self._track
        if ev.button() != Qt.MouseButton.LeftButton:
            ev.ignore()
            return
        if ev.isStart():
            if ev.modifiers() & Qt.KeyboardModifier.ShiftModifier:
                ev.ignore()
                return
            tolerance_ms = self.pixelWidth() * 1000 * EDGE_GRAB_PX
            if not track.begin_drag(ev.buttonDownPos().x() * 1000, tolerance_ms):
                ev.ignore()
                return
        elif not track.dragging:
            ev.ignore()
            return
        ev.accept()
        track.drag_to(ev.pos().x() * 1000)
        if ev.isFinish():
            track.end_drag()


class TranscriptTrack(Track):
    """The transcript segments as spans; edge drags move a segment's start or end."""

    key = "transcript"
    title = "Transcript"
    default_height = 44

    def __init__(self) -> None:
        super().__init__()
        self.signals = TranscriptTrackSignals()
        self._segments: list[TranscriptSegment] = []
        self._starts: list[int] = []
        self._longest_ms = 0
        self._extent_ms = 0
        self._current: int | None = None
        self._drag: _EdgeDrag | None = None
        self._colors: dict[str, QColor] = {}
        self._visible: list[int] | None = None
        self._item = _SegmentsItem(self)

    @property
    def item(self) -> pg.GraphicsObject:
        """The graphics item that paints the segments (for tests and coordinate mapping)."""
        return self._item

    def attach(self, plot: pg.PlotItem) -> None:
        super().attach(plot)
        plot.addItem(self._item, ignoreBounds=True)

    # -- data --------------------------------------------------------------------------------------

    def set_segments(self, segments: Sequence[TranscriptSegment]) -> None:
        """Show these segments (sorted by start), replacing the previous ones."""
        self._segments = list(segments)
        self._starts = [segment.start_ms for segment in self._segments]
        self._longest_ms = max((segment.end_ms - segment.start_ms for segment in self._segments), default=0)
        self._extent_ms = max((segment.end_ms for segment in self._segments), default=0)
        self._colors = speaker_colors(segment.speaker for segment in self._segments)
        if self._current is not None and self._current >= len(self._segments):
            self._current = None
        self._drag = None
        self._find_visible()
        self._item.changed()

    def update_segment(self, index: int, segment: TranscriptSegment) -> None:
        """Show the new version of segment ``index`` (its start must keep the segments in order)."""
        old = self._segments[index]
        self._segments[index] = segment
        self._starts[index] = segment.start_ms
        self._longest_ms = max(self._longest_ms, segment.end_ms - segment.start_ms)
        self._extent_ms = max(self._extent_ms, segment.end_ms)
        if segment.speaker != old.speaker:
            self._colors = speaker_colors(s.speaker for s in self._segments)
        self._find_visible()
        self._item.changed()

    def set_current(self, index: int | None) -> None:
        """Highlight the segment being played (None: none)."""
        if index is not None and not 0 <= index < len(self._segments):
            index = None
        if index != self._current:
            self._current = index
            self._item.update()

    def clear(self) -> None:
        self.set_segments([])

    @property
    def current(self) -> int | None:
        return self._current

    @property
    def segment_count(self) -> int:
        return len(self._segments)

    def segment(self, index: int) -> TranscriptSegment:
        return self._segments[index]

    def extent_ms(self) -> int:
        """The latest end of any segment."""
        return self._extent_ms

    def speaker_color(self, speaker: str) -> QColor:
        return self._colors.get(speaker) or QColor(NO_SPEAKER_COLOR)

    def indices_between(self, start_ms: int, end_ms: int) -> list[int]:
        """Segments overlapping [start, end), in order."""
        first = bisect.bisect_left(self._starts, start_ms - self._longest_ms)
        last = bisect.bisect_left(self._starts, end_ms)
        return [i for i in range(first, last) if self._segments[i].end_ms > start_ms]

    def shown_bounds(self, index: int) -> tuple[int, int]:
        """The bounds painted for a segment: while its edge is dragged, the dragged ones."""
        if self._drag is not None and self._drag.index == index:
            return self._drag.start_ms, self._drag.end_ms
        segment = self._segments[index]
        return segment.start_ms, segment.end_ms

    def view_changed(self, start_ms: int, end_ms: int, width_px: int) -> None:
        """Find the segments in view once per range change (paint uses them; texts only when few enough)."""
        super().view_changed(start_ms, end_ms, width_px)
        self._find_visible()
        self._item.update()

    def visible_indices(self) -> list[int] | None:
        """The segments in the visible range, None before the timeline has told the track its range."""
        return self._visible

    @property
    def shows_text(self) -> bool:
        """Whether segment texts are drawn at the current zoom (few enough segments in view)."""
        return self._visible is not None and len(self._visible) <= MAX_TEXTS

    def _find_visible(self) -> None:
        if self._view is not None:
            start_ms, end_ms, _ = self._view
            self._visible = self.indices_between(start_ms, end_ms + 1)

    # -- edge drags --------------------------------------------------------------------------------

    def edge_at(self, x_ms: float, tolerance_ms: float) -> tuple[int, str] | None:
        """(segment index, "start" | "end") of the edge nearest ``x_ms`` within ``tolerance_ms``; where two
        segments touch, the one the pointer is inside."""
        best: tuple[float, int, int, str] | None = None
        for index in self.indices_between(int(x_ms - tolerance_ms), int(x_ms + tolerance_ms) + 1):
            segment = self._segments[index]
            for edge, at, inside in (
                ("start", segment.start_ms, x_ms >= segment.start_ms),
                ("end", segment.end_ms, x_ms <= segment.end_ms),
            ):
                distance = abs(x_ms - at)
                if distance <= tolerance_ms:
                    candidate = (distance, 0 if inside else 1, index, edge)
                    if best is None or candidate[:2] < best[:2]:
                        best = candidate
        return None if best is None else (best[2], best[3])

    def clamped(self, index: int, edge: str, ms: int) -> int:
        """Where an edge may go: start before end, and neither across the neighbouring segment."""
        segment = self._segments[index]
        if edge == "start":
            low = min(self._segments[index - 1].end_ms, segment.start_ms) if index > 0 else 0
            return min(max(ms, low), segment.end_ms - 1)
        high = max(self._segments[index + 1].start_ms, segment.end_ms) if index + 1 < len(self._segments) else ms
        return max(min(ms, high), segment.start_ms + 1)

    @property
    def dragging(self) -> bool:
        return self._drag is not None

    def begin_drag(self, x_ms: float, tolerance_ms: float) -> bool:
        """Start dragging the edge near ``x_ms``, if there is one."""
        hit = self.edge_at(x_ms, tolerance_ms)
        if hit is None:
            return False
        segment = self._segments[hit[0]]
        self._drag = _EdgeDrag(hit[0], hit[1], segment.start_ms, segment.end_ms)
        return True

    def drag_to(self, x_ms: float) -> None:
        drag = self._drag
        if drag is None:
            return
        ms = self.clamped(drag.index, drag.edge, round(x_ms))
        if drag.edge == "start":
            drag.start_ms = ms
        else:
            drag.end_ms = ms
        self._item.update()

    def end_drag(self) -> None:
        """Finish the drag: emit the new bounds if they changed (the owner then calls update_segment)."""
        drag, self._drag = self._drag, None
        if drag is None:
            return
        self._item.update()
        segment = self._segments[drag.index]
        if (drag.start_ms, drag.end_ms) != (segment.start_ms, segment.end_ms):
            self.signals.bounds_changed.emit(drag.index, drag.start_ms, drag.end_ms)
