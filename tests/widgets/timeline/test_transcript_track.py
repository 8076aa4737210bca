"""The transcript track: a drag starting at a segment's edge moves that edge (clamped between the neighbours);
a drag anywhere else still scrubs, and Shift+drag still sweeps a selection."""

from __future__ import annotations

from dataclasses import replace

import pytest
from PySide6.QtCore import QPoint, QPointF, Qt
from PySide6.QtGui import QMouseEvent
from PySide6.QtWidgets import QApplication, QWidget

from app.model.transcript import TranscriptSegment
from widgets.timeline.timeline_view import TimelineView
from widgets.timeline.transcript_track import EDGE_GRAB_PX, MAX_TEXTS, TranscriptTrack

SEGMENTS = [
    TranscriptSegment(1000, 4000, "first segment", speaker="Ana"),
    TranscriptSegment(4000, 7000, "touches the first", speaker="Bob"),
    TranscriptSegment(9000, 12000, "after a pause", speaker="Ana"),
]


@pytest.fixture
def timeline(qtbot) -> TimelineView:
    view = TimelineView()
    qtbot.addWidget(view)
    track = TranscriptTrack()
    view.add_track(track)
    view.resize(1000, 200)
    view.show()
    qtbot.waitExposed(view)
    view.set_duration(60_000)
    view.set_visible_range(0, 20_000)
    track.set_segments(SEGMENTS)
    return view


def track_of(view: TimelineView) -> TranscriptTrack:
    return view.track("transcript")


def pixel_at(view: TimelineView, ms: float) -> QPoint:
    box = view.plot("transcript").vb
    return view.graphics_view.mapFromScene(box.mapViewToScene(QPointF(ms / 1000, 0.5)))


def time_at(view: TimelineView, pixel: QPoint) -> int:
    """The milliseconds the track reads under a viewport pixel (it rounds the item's x)."""
    return round(view.plot("transcript").vb.mapSceneToView(view.graphics_view.mapToScene(pixel)).x() * 1000)


def ms_per_pixel(view: TimelineView) -> float:
    start, end = view.visible_range()
    return (end - start) / view.plot("transcript").vb.width()


def send_mouse(widget: QWidget, kind: QMouseEvent.Type, pixel: QPoint, held: Qt.MouseButton, modifiers=None) -> None:
    button = Qt.MouseButton.NoButton if kind == QMouseEvent.Type.MouseMove else Qt.MouseButton.LeftButton
    position = QPointF(pixel)
    modifiers = modifiers or Qt.KeyboardModifier.NoModifier
    event = QMouseEvent(kind, position, widget.mapToGlobal(position), button, held, modifiers)
    QApplication.sendEvent(widget, event)


def drag(qtbot, view: TimelineView, from_ms: float, to_ms: float, modifiers=None) -> QPoint:
    """Press at ``from_ms``, move in steps to ``to_ms`` and release there; returns the release pixel."""
    viewport = view.graphics_view.viewport()
    left = Qt.MouseButton.LeftButton
    start, end = pixel_at(view, from_ms), pixel_at(view, to_ms)
    send_mouse(viewport, QMouseEvent.Type.MouseMove, start, Qt.MouseButton.NoButton, modifiers)
    send_mouse(viewport, QMouseEvent.Type.MouseButtonPress, start, left, modifiers)
    for step in range(1, 7):
        qtbot.wait(12)  # pyqtgraph drops moves closer than 10 ms
        x = start.x() + (end.x() - start.x()) * step // 6
        send_mouse(viewport, QMouseEvent.Type.MouseMove, QPoint(x, start.y()), left, modifiers)
    send_mouse(viewport, QMouseEvent.Type.MouseButtonRelease, end, Qt.MouseButton.NoButton, modifiers)
    return end


def test_dragging_an_edge_emits_the_new_bounds(qtbot, timeline: TimelineView) -> None:
    track = track_of(timeline)
    px = ms_per_pixel(timeline)
    emitted: list[tuple[int, int, int]] = []
    track.signals.bounds_changed.connect(lambda *args: emitted.append(args))
    seeks: list[int] = []
    timeline.seek_requested.connect(seeks.append)

    release = drag(qtbot, timeline, 9000 + 2 * px, 8000)  # the start of segment 2, earlier
    assert emitted == [(2, time_at(timeline, release), 12_000)]
    assert abs(emitted[0][1] - 8000) <= px
    release = drag(qtbot, timeline, 12_000 - 3 * px, 15_000)  # its end, later
    assert emitted[-1] == (2, 9000, time_at(timeline, release))
    # where segments 0 and 1 touch, the side the pointer is on decides which edge moves
    release = drag(qtbot, timeline, 4000 - 2 * px, 3000)
    assert emitted[-1] == (0, 1000, time_at(timeline, release))
    release = drag(qtbot, timeline, 4000 + 2 * px, 5000)
    assert emitted[-1] == (1, time_at(timeline, release), 7000)
    assert len(emitted) == 4
    assert seeks == []  # edge drags do not scrub


def test_edges_stop_at_the_neighbours_and_before_the_other_edge(qtbot, timeline: TimelineView) -> None:
    track = track_of(timeline)
    px = ms_per_pixel(timeline)
    emitted: list[tuple[int, int, int]] = []
    track.signals.bounds_changed.connect(lambda *args: emitted.append(args))
    drag(qtbot, timeline, 9000, 5000)  # across segment 1's end (7000)
    track.update_segment(2, replace(SEGMENTS[2], start_ms=7000))  # the owner applies it
    drag(qtbot, timeline, 7000 - px, 10_000)  # segment 1's end, into segment 2
    drag(qtbot, timeline, 1000, 0)  # the first start, to the very beginning
    drag(qtbot, timeline, 12_000, 5000)  # segment 2's end, before its start
    assert emitted == [(2, 7000, 12_000), (0, 0, 4000), (2, 7000, 7001)]  # segment 1 could not grow

    assert track.clamped(1, "start", 500) == 4000
    assert track.clamped(1, "end", 3000) == 4001
    assert track.clamped(2, "end", 99_000) == 99_000


def test_a_drag_away_from_edges_scrubs_and_shift_drag_selects(qtbot, timeline: TimelineView) -> None:
    track = track_of(timeline)
    px = ms_per_pixel(timeline)
    emitted: list[tuple[int, int, int]] = []
    track.signals.bounds_changed.connect(lambda *args: emitted.append(args))
    with qtbot.waitSignal(timeline.seek_requested) as blocker:
        release = drag(qtbot, timeline, 2500, 3200)
    qtbot.wait(100)
    assert emitted == []
    assert blocker.args[0] <= time_at(timeline, release) + px

    selections: list[tuple[int, int]] = []
    timeline.selection_requested.connect(lambda *args: selections.append(args))
    drag(qtbot, timeline, 9000, 10_500, Qt.KeyboardModifier.ShiftModifier)
    assert emitted == []
    assert selections and abs(selections[-1][0] - 9000) <= px and abs(selections[-1][1] - 10_500) <= px


def test_edge_hits_current_segment_and_level_of_detail(qtbot, timeline: TimelineView) -> None:
    track = track_of(timeline)
    assert track.edge_at(4005, 50) == (1, "start")
    assert track.edge_at(3995, 50) == (0, "end")
    assert track.edge_at(8000, 50) is None
    assert track.indices_between(3000, 9500) == [0, 1, 2]
    assert track.indices_between(7000, 9000) == []
    track.set_current(1)
    assert track.current == 1
    track.set_current(7)
    assert track.current is None
    track.update_segment(2, TranscriptSegment(9000, 13_000, "after a pause", speaker="Carla"))
    assert track.extent_ms() == 13_000 and track.speaker_color("Carla") != track.speaker_color("Ana")
    assert EDGE_GRAB_PX == 5

    assert track.visible_indices() == [0, 1, 2] and track.shows_text
    many = [TranscriptSegment(i * 100, i * 100 + 90, f"w{i}") for i in range(MAX_TEXTS * 2)]
    track.set_segments(many)
    timeline.fit_all()
    assert len(track.visible_indices()) == MAX_TEXTS * 2 and not track.shows_text
    image = timeline.graphics_view.grab()
    assert not image.isNull() and track.segment_count == MAX_TEXTS * 2
    timeline.set_visible_range(10_000, 12_000)
    assert track.visible_indices() == list(range(100, 121)) and track.shows_text
