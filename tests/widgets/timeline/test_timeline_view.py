"""The timeline: clicks and drags seek, the wheel zooms at the cursor, every row shows the same time range."""

from __future__ import annotations

import time

import numpy as np
import pyqtgraph as pg
import pytest
from PySide6.QtCore import QPoint, QPointF, Qt
from PySide6.QtGui import QMouseEvent, QWheelEvent
from PySide6.QtWidgets import QApplication, QScrollArea, QWidget

from app.timecode import format_ms
from widgets.timeline.span_track import SpanTrack
from widgets.timeline.timeline_view import (
    SCRUB_INTERVAL_MS,
    TIME_AXIS_HEIGHT,
    TRACK_HEIGHTS,
    TimeAxisItem,
    TimelineView,
)

DURATION_MS = 600_000
KEYS = ("a", "b", "c")


@pytest.fixture
def timeline(qtbot) -> TimelineView:
    view = TimelineView()
    qtbot.addWidget(view)
    for key, color in zip(KEYS, ("#e57373", "#81c784", "#64b5f6"), strict=True):
        view.add_track(SpanTrack(key, key.upper(), color))
    view.resize(1000, 400)
    view.show()
    qtbot.waitExposed(view)
    view.set_duration(DURATION_MS)
    return view


def pixel_at(view: TimelineView, key: str, ms: float) -> QPoint:
    """The viewport pixel showing time ``ms`` half-way up the row ``key``."""
    box = view.plot(key).vb
    low, high = box.viewRange()[1]
    return view.graphics_view.mapFromScene(box.mapViewToScene(QPointF(ms / 1000, (low + high) / 2)))


def time_at(view: TimelineView, key: str, pixel: QPoint) -> float:
    """Milliseconds under a viewport pixel of row ``key``."""
    return view.plot(key).vb.mapSceneToView(view.graphics_view.mapToScene(pixel)).x() * 1000


def ms_per_pixel(view: TimelineView) -> float:
    start, end = view.visible_range()
    return (end - start) / view.plot(KEYS[0]).vb.width()


def send_mouse(
    widget: QWidget,
    kind: QMouseEvent.Type,
    pixel: QPoint,
    held: Qt.MouseButton,
    modifiers: Qt.KeyboardModifier = Qt.KeyboardModifier.NoModifier,
) -> None:
    """A mouse event with the button state pyqtgraph reads during a drag (QTest's moves carry none)."""
    button = Qt.MouseButton.NoButton if kind == QMouseEvent.Type.MouseMove else Qt.MouseButton.LeftButton
    position = QPointF(pixel)
    event = QMouseEvent(kind, position, widget.mapToGlobal(position), button, held, modifiers)
    QApplication.sendEvent(widget, event)


def send_wheel(widget: QWidget, pixel: QPoint, notches: float, modifiers=Qt.KeyboardModifier.NoModifier) -> None:
    position = QPointF(pixel)
    event = QWheelEvent(
        position,
        widget.mapToGlobal(position),
        QPoint(0, 0),
        QPoint(0, round(120 * notches)),
        Qt.MouseButton.NoButton,
        modifiers,
        Qt.ScrollPhase.NoScrollPhase,
        False,
    )
    QApplication.sendEvent(widget, event)


def x_ranges(view: TimelineView) -> list[tuple[float, float]]:
    return [tuple(view.plot(key).vb.viewRange()[0]) for key in KEYS]


def test_a_click_seeks_to_the_time_under_the_cursor(qtbot, timeline: TimelineView) -> None:
    timeline.set_visible_range(100_000, 160_000)
    viewport = timeline.graphics_view.viewport()
    for key, ms in (("a", 100_500), ("b", 123_456), ("c", 159_000)):
        with qtbot.waitSignal(timeline.seek_requested) as blocker:
            qtbot.mouseClick(viewport, Qt.MouseButton.LeftButton, pos=pixel_at(timeline, key, ms))
        assert abs(blocker.args[0] - ms) <= ms_per_pixel(timeline)


def test_a_drag_scrubs_at_most_every_40_ms_and_ends_at_the_release(qtbot, timeline: TimelineView) -> None:
    timeline.set_visible_range(0, 100_000)
    viewport = timeline.graphics_view.viewport()
    emitted: list[tuple[float, int]] = []
    timeline.seek_requested.connect(lambda ms: emitted.append((time.monotonic(), ms)))
    targets = list(range(10_000, 60_001, 1_000))
    send_mouse(
        viewport, QMouseEvent.Type.MouseButtonPress, pixel_at(timeline, "b", targets[0]), Qt.MouseButton.LeftButton
    )
    for ms in targets[1:]:
        qtbot.wait(12)  # pyqtgraph drops moves closer than 10 ms
        send_mouse(viewport, QMouseEvent.Type.MouseMove, pixel_at(timeline, "b", ms), Qt.MouseButton.LeftButton)
    release = pixel_at(timeline, "b", 72_000)
    send_mouse(viewport, QMouseEvent.Type.MouseButtonRelease, release, Qt.MouseButton.NoButton)
    qtbot.wait(SCRUB_INTERVAL_MS * 2)  # a pending throttled position must not arrive after the release

    times = np.array([t for t, _ in emitted])
    positions = [ms for _, ms in emitted]
    assert 5 <= len(emitted) < len(targets)
    assert np.all(np.diff(times[:-1]) >= (SCRUB_INTERVAL_MS - 1) / 1000)
    assert positions == sorted(positions)
    assert abs(positions[-1] - 72_000) <= ms_per_pixel(timeline)
    assert positions[-1] == round(time_at(timeline, "b", release))


def test_the_wheel_zooms_around_the_cursor_and_shift_wheel_pans(timeline: TimelineView) -> None:
    timeline.set_visible_range(100_000, 200_000)
    viewport = timeline.graphics_view.viewport()
    pixel = pixel_at(timeline, "a", 130_000)
    before = time_at(timeline, "a", pixel)
    send_wheel(viewport, pixel, 1)
    start, end = timeline.visible_range()
    assert end - start == pytest.approx(100_000 / 2**0.5, abs=1)
    assert time_at(timeline, "a", pixel) == pytest.approx(before, abs=0.01)
    pixel = pixel_at(timeline, "c", 150_000)
    before = time_at(timeline, "c", pixel)
    send_wheel(viewport, pixel, -2)
    start, end = timeline.visible_range()
    assert end - start == pytest.approx(100_000 * 2**0.5, abs=1)
    assert time_at(timeline, "c", pixel) == pytest.approx(before, abs=0.01)

    timeline.set_visible_range(100_000, 200_000)
    before = time_at(timeline, "c", pixel)
    send_wheel(viewport, pixel, 2, Qt.KeyboardModifier.ControlModifier)
    start, end = timeline.visible_range()
    assert end - start == 50_000
    assert time_at(timeline, "c", pixel) == pytest.approx(before, abs=0.01)

    timeline.set_visible_range(100_000, 200_000)
    send_wheel(viewport, pixel, -1, Qt.KeyboardModifier.ShiftModifier)
    assert timeline.visible_range() == (110_000, 210_000)
    send_wheel(viewport, pixel, 2, Qt.KeyboardModifier.ShiftModifier)
    assert timeline.visible_range() == (90_000, 190_000)


def test_zoom_pan_and_fit_keep_every_row_on_the_same_range(qtbot, timeline: TimelineView) -> None:
    with qtbot.waitSignal(timeline.range_changed) as blocker:
        timeline.zoom(4, center_ms=300_000)
    assert blocker.args == [225_000, 375_000]
    assert timeline.visible_range() == (225_000, 375_000)
    timeline.pan(0.5)
    assert timeline.visible_range() == (300_000, 450_000)
    assert len(set(x_ranges(timeline))) == 1
    assert x_ranges(timeline)[0] == pytest.approx((300.0, 450.0))
    timeline.pan(10)
    assert timeline.visible_range() == (450_000, DURATION_MS)
    timeline.set_visible_range(-50_000, 20_000)
    assert timeline.visible_range() == (0, 70_000)
    timeline.zoom(1e9)
    assert timeline.visible_range()[1] - timeline.visible_range()[0] == 10
    timeline.fit_all()
    assert timeline.visible_range() == (0, DURATION_MS)
    assert set(x_ranges(timeline)) == {(0.0, DURATION_MS / 1000)}
    timeline.zoom(0.25)
    assert timeline.visible_range() == (0, DURATION_MS)


def test_a_longer_duration_refits_a_fitted_view_but_not_a_zoomed_one(timeline: TimelineView) -> None:
    timeline.set_duration(1_200_000)
    assert timeline.visible_range() == (0, 1_200_000)
    timeline.set_visible_range(1_000_000, 1_100_000)
    timeline.set_duration(7_200_000)
    assert timeline.visible_range() == (1_000_000, 1_100_000)
    timeline.set_duration(1_050_000)
    assert timeline.visible_range() == (950_000, 1_050_000)


def test_hiding_a_track_hides_its_row_and_moves_the_time_axis(timeline: TimelineView) -> None:
    actions = timeline.visibility_actions()
    assert [action.text() for action in actions] == ["A", "B", "C"]
    assert all(action.isCheckable() and action.isChecked() for action in actions)
    assert timeline.plot("c").getAxis("bottom").isVisible()
    assert not timeline.plot("b").getAxis("bottom").isVisible()
    height = timeline.graphics_view.height()

    timeline.set_track_visible("c", False)
    assert not timeline.plot("c").isVisible() and not timeline.is_track_visible("c")
    assert not actions[2].isChecked()
    assert timeline.plot("b").getAxis("bottom").isVisible()
    assert timeline.graphics_view.height() < height
    actions[0].setChecked(False)
    assert not timeline.is_track_visible("a") and not timeline.plot("a").isVisible()
    actions[2].setChecked(True)
    assert timeline.plot("c").isVisible() and timeline.plot("c").getAxis("bottom").isVisible()


def test_heights_come_from_the_tracks_and_the_context_menu(timeline: TimelineView) -> None:
    assert timeline.track_height("a") == 36
    timeline.set_track_height("a", 90)
    assert timeline.track_height("a") == 90
    assert timeline.plot("a").maximumHeight() == 90
    timeline.set_track_height("a", 1)
    assert timeline.track_height("a") == 24
    menu = timeline.track_menu("b")
    by_text = {action.text(): action for action in menu.actions()}
    by_text["Height: large"].trigger()
    assert timeline.track_height("b") == TRACK_HEIGHTS["large"]
    by_text["Hide track"].trigger()
    assert not timeline.is_track_visible("b")


def test_layout_round_trips_through_save_and_restore(qtbot, timeline: TimelineView) -> None:
    timeline.set_track_visible("b", False)
    timeline.set_track_height("c", 120)
    saved = timeline.save_layout()
    assert saved == {
        "tracks": {
            "a": {"visible": True, "height": 36},
            "b": {"visible": False, "height": 36},
            "c": {"visible": True, "height": 120},
        }
    }
    other = TimelineView()
    qtbot.addWidget(other)
    other.add_track(SpanTrack("a", "A", "red"))
    other.restore_layout(saved)
    other.add_track(SpanTrack("b", "B", "green"))
    other.add_track(SpanTrack("c", "C", "blue"))
    assert other.save_layout() == saved
    assert not other.visibility_actions()[1].isChecked()
    # QSettings with an INI file gives strings back; a damaged value is ignored.
    strings = {"b": {"visible": "true", "height": "80"}, "c": {"visible": "false", "height": "x"}}
    other.restore_layout({"tracks": strings})
    assert other.is_track_visible("b") and other.track_height("b") == 80
    assert not other.is_track_visible("c") and other.track_height("c") == 120


def playheads(view: TimelineView, key: str) -> list[pg.InfiniteLine]:
    return [item for item in view.plot(key).items if isinstance(item, pg.InfiniteLine)]


def test_the_playhead_moves_in_every_row_and_pages_the_view(qtbot, timeline: TimelineView) -> None:
    timeline.set_visible_range(0, 60_000)
    timeline.set_playhead(12_345)
    for key in KEYS:
        (line,) = playheads(timeline, key)
        assert line.value() == pytest.approx(12.345)
    assert timeline.visible_range() == (0, 60_000)
    with qtbot.waitSignal(timeline.range_changed):
        timeline.set_playhead(60_040)
    assert timeline.visible_range() == (60_000, 120_000)
    timeline.set_playhead(250_000)
    assert timeline.visible_range() == (240_000, 300_000)
    timeline.follow_playhead = False
    timeline.set_playhead(10_000)
    assert timeline.visible_range() == (240_000, 300_000)
    assert {playheads(timeline, key)[0].value() for key in KEYS} == {10.0}


def test_thousands_of_spans_draw_as_one_item_of_at_most_a_rectangle_per_two_pixels(qtbot, timeline) -> None:
    track: SpanTrack = timeline.track("a")
    starts = np.arange(5_000) * 120
    track.set_spans(list(zip(starts.tolist(), (starts + 40).tolist(), strict=True)))
    assert track.span_count == 5_000
    width = timeline.plot("a").vb.width()
    assert 0 < track.span_item.rect_count <= width / 2 + 2
    timeline.set_visible_range(0, 11_900)
    assert track.span_item.rect_count == 100
    track.set_spans([(1_000, 3_500), (7_000, 7_100)])
    assert track.span_item.rect_count == 2
    track.clear()
    assert track.span_item.rect_count == 0 and track.span_count == 0


def test_hovering_a_span_shows_its_start_end_and_duration(qtbot, timeline: TimelineView) -> None:
    track: SpanTrack = timeline.track("b")
    track.set_spans([(61_250, 63_750), (90_000, 95_000)])
    timeline.set_visible_range(60_000, 100_000)
    viewport = timeline.graphics_view.viewport()
    qtbot.mouseMove(viewport, pixel_at(timeline, "b", 62_000))
    qtbot.waitUntil(lambda: track.span_item.toolTip() != "")
    assert track.span_item.toolTip() == "01:01.250 – 01:03.750 (2.500 s)"
    qtbot.wait(20)
    qtbot.mouseMove(viewport, pixel_at(timeline, "b", 80_000))
    qtbot.waitUntil(lambda: track.span_item.toolTip() == "")


def test_the_time_axis_reads_minutes_and_seconds_or_hours() -> None:
    assert format_ms(133_480) == "02:13.480"
    assert format_ms(3_733_480) == "1:02:13.480"
    assert format_ms(59_999, decimals=0) == "01:00"
    axis = TimeAxisItem()
    assert axis.tickStrings([0, 75, 600], 1, 15) == ["00:00", "01:15", "10:00"]
    assert axis.tickStrings([1.5, 2.0], 1, 0.5) == ["00:01.5", "00:02.0"]
    axis.set_show_hours(True)
    assert axis.tickStrings([0, 3_900], 1, 300) == ["0:00:00", "1:05:00"]
    major, minor = axis.tickSpacing(0, 10_800, 1_000)
    assert major == (1800.0, 0.0) and minor == (300.0, 0.0)
    assert axis.tickSpacing(10, 10.1, 1_000)[0] == (0.01, 0.0)


def test_shift_drag_sweeps_a_selection_instead_of_scrubbing(qtbot, timeline: TimelineView) -> None:
    viewport = timeline.graphics_view.viewport()
    shift = Qt.KeyboardModifier.ShiftModifier
    press, release = pixel_at(timeline, "b", 120_000), pixel_at(timeline, "b", 60_000)

    def send(kind: QMouseEvent.Type, pixel: QPoint, held: Qt.MouseButton) -> None:
        send_mouse(viewport, kind, pixel, held, shift)

    selections, seeks = [], []
    timeline.selection_requested.connect(lambda start, end: selections.append((start, end)))
    timeline.seek_requested.connect(seeks.append)
    send(QMouseEvent.Type.MouseButtonPress, press, Qt.MouseButton.LeftButton)
    for ms in (110_000, 90_000, 60_000):
        qtbot.wait(15)
        send(QMouseEvent.Type.MouseMove, pixel_at(timeline, "b", ms), Qt.MouseButton.LeftButton)
    qtbot.wait(15)
    send(QMouseEvent.Type.MouseButtonRelease, release, Qt.MouseButton.NoButton)
    assert seeks == []
    start, end = selections[-1]
    tolerance = 2 * ms_per_pixel(timeline)
    assert abs(start - 60_000) <= tolerance and abs(end - 120_000) <= tolerance


def _screen_x_span(view: pg.GraphicsLayoutWidget, item: pg.GraphicsObject) -> tuple[int, int]:
    """Left and right screen x of a widget item's own rectangle (no pen, no overhanging labels)."""
    rect = item.mapRectToScene(item.rect())
    left, right = view.mapFromScene(rect.topLeft()), view.mapFromScene(rect.topRight())
    return view.mapToGlobal(left).x(), view.mapToGlobal(right).x()


def test_the_time_ruler_stays_at_the_top_above_the_rows_at_any_scroll_position(timeline: TimelineView, qtbot) -> None:
    for key in KEYS:
        timeline.set_track_height(key, 160)
    timeline.resize(1000, 200)
    timeline.set_visible_range(60_000, 120_000)
    scroll = timeline.findChild(QScrollArea)
    bar = scroll.verticalScrollBar()
    qtbot.waitUntil(lambda: bar.maximum() > 0 and bar.isVisible())
    ruler = timeline.ruler
    assert not scroll.isAncestorOf(ruler)
    for value in (0, bar.maximum() // 2, bar.maximum()):
        bar.setValue(value)
        QApplication.processEvents()
        assert ruler.isVisible() and ruler.mapTo(timeline, QPoint(0, 0)) == QPoint(0, 0)
        assert ruler.height() == TIME_AXIS_HEIGHT
        assert scroll.mapTo(timeline, QPoint(0, 0)).y() == TIME_AXIS_HEIGHT
    assert timeline.ruler_axis.range == [60.0, 120.0]
    assert _screen_x_span(ruler, timeline.ruler_axis) == _screen_x_span(timeline.graphics_view, timeline.plot("a").vb)


def test_the_time_ruler_spans_the_rows_without_a_scroll_bar_and_follows_the_range(timeline: TimelineView) -> None:
    QApplication.processEvents()
    ruler = timeline.ruler
    assert _screen_x_span(ruler, timeline.ruler_axis) == _screen_x_span(timeline.graphics_view, timeline.plot("a").vb)
    assert timeline.ruler_axis.range == [0.0, 600.0]
    timeline.set_duration(7_200_000)
    assert timeline.ruler_axis.show_hours
