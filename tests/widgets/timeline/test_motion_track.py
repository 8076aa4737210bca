"""The motion row: decimated magnitude curve, μ ± kσ band, peak markers, cuts and zooms."""

from __future__ import annotations

import math
import time

import numpy as np
import pytest
from PySide6.QtCore import QPoint, QPointF

from analysis.motion import MotionPeak, ShotChange
from widgets.timeline.motion_track import MotionTrack, motion_points
from widgets.timeline.timeline_view import TimelineView

HOURS_3_S = 3 * 3600
RATE = 5
"""samples per second, the motion analysis' default"""


@pytest.fixture
def motion_timeline(qtbot) -> tuple[TimelineView, MotionTrack]:
    view = TimelineView()
    qtbot.addWidget(view)
    track = MotionTrack()
    view.add_track(track)
    view.resize(1000, 220)
    view.show()
    qtbot.waitExposed(view)
    return view, track


def three_hours() -> tuple[np.ndarray, np.ndarray]:
    """54,000 samples at 5 per second, low everywhere but for one sample at 1:00:00 and one at 2:30:00.2."""
    times = np.arange(HOURS_3_S * RATE) / RATE
    values = np.full(times.shape, 3.0, dtype=np.float32)
    values[3600 * RATE] = 80.0
    values[9000 * RATE + 1] = 45.0
    return times, values


def pixel_at(view: TimelineView, x_s: float, y: float) -> QPoint:
    return view.graphics_view.mapFromScene(view.plot("motion").vb.mapViewToScene(QPointF(x_s, y)))


def test_three_hours_decimate_to_two_points_per_pixel_group_and_keep_every_spike(motion_timeline) -> None:
    view, track = motion_timeline
    view.set_duration(HOURS_3_S * 1000)
    times, values = three_hours()
    track.set_series(times, values)
    width = round(view.plot("motion").vb.width())
    x, y = track.curve.getData()
    group = math.ceil(54_000 / width)
    assert x.shape[0] == 2 * math.ceil(54_000 / group)
    assert x.shape[0] <= 2 * width + 4
    assert (float(y.min()), float(y.max())) == (3.0, 80.0)
    assert np.count_nonzero(y == 45.0) == 1
    # Zoomed in to one minute, the 301 samples in view (both ends included) and one on each side are
    # drawn as they are.
    view.set_visible_range(3_570_000, 3_630_000)
    x, y = track.curve.getData()
    np.testing.assert_allclose(x, np.arange(3570 * RATE - 1, 3630 * RATE + 2) / RATE)
    assert x.shape[0] == 303 and float(y.max()) == 80.0


def test_motion_points_never_exceed_the_budget_and_align_groups_on_the_index() -> None:
    times, values = three_hours()
    for start, end, budget in ((0, HOURS_3_S, 800), (1000.1, 5000.3, 333), (8999, 9001, 6)):
        x, y = motion_points(times, values, start, end, budget)
        assert x.shape == y.shape and x.shape[0] <= budget + 4
        step = x[2] - x[0]  # one group
        assert x[0] <= start + step and x[-1] >= end - step
    x, y = motion_points(times, values, 8999, 9001, 6)
    assert 45.0 in y.tolist()
    # Panning by a fraction of a group keeps the groups (and so the drawing) where they were.
    a, _ = motion_points(times, values, 100.0, 2100.0, 400)
    b, _ = motion_points(times, values, 100.5, 2100.5, 400)
    assert np.intersect1d(a, b).shape[0] >= np.unique(a).shape[0] - 2
    # Zoomed in between two samples, the line joining them is still drawn; past the end, only the last one.
    assert motion_points(times, values, 100.05, 100.15, 100)[0].tolist() == [100.0, 100.2]
    assert motion_points(times, values, HOURS_3_S + 10, HOURS_3_S + 20, 100)[0].tolist() == [times[-1]]
    with pytest.raises(ValueError):
        motion_points(times, values, 0, 10, 1)


def test_redrawing_54000_points_at_each_zoom_is_fast(motion_timeline) -> None:
    view, track = motion_timeline
    view.set_duration(HOURS_3_S * 1000)
    track.set_series(*three_hours())
    spent = []
    for factor in (2, 2, 2, 0.125, 4, 0.25):
        begin = time.perf_counter()
        view.zoom(factor)
        view.graphics_view.grab()
        spent.append(time.perf_counter() - begin)
    assert np.median(spent) < 0.1


def test_the_band_shows_the_values_given_and_y_fits_series_and_first_band(motion_timeline) -> None:
    view, track = motion_timeline
    view.set_duration(600_000)
    times = np.arange(3000) / RATE
    values = np.linspace(0, 40, 3000, dtype=np.float32)
    track.set_series(times, values)
    low, high = view.plot("motion").vb.viewRange()[1]
    assert low <= 0 and 40 < high < 50
    track.set_band(12.5, -3.0, 55.0)
    assert track.band.getRegion() == pytest.approx((-3.0, 55.0))
    assert track.mean_line.value() == pytest.approx(12.5)
    assert track.band.isVisible() and track.mean_line.isVisible()
    low, high = view.plot("motion").vb.viewRange()[1]
    assert high > 55.0
    track.set_band(12.5, 1.0, 70.0)  # a k move: the band changes, the axis does not jump
    assert track.band.getRegion() == pytest.approx((1.0, 70.0))
    assert view.plot("motion").vb.viewRange()[1] == pytest.approx([low, high])


def test_peak_markers_sit_at_the_peaks_and_hovering_shows_time_and_z(qtbot, motion_timeline) -> None:
    view, track = motion_timeline
    view.set_duration(300_000)
    values = np.full(1500, 5.0, dtype=np.float32)
    values[[667, 1003]] = [30.0, 42.5]
    track.set_series(np.arange(1500) / RATE, values)
    peaks = [MotionPeak(133_000, 134_000, 133_400, 2.63, 30.0), MotionPeak(200_000, 201_200, 200_600, 3.1, 42.5)]
    track.set_peaks(peaks)
    x, y = track.markers.getData()
    np.testing.assert_allclose(x, [133.4, 200.6])
    np.testing.assert_allclose(y, [30.0, 42.5])
    assert track.marker_tooltip(0) == "02:13.400 (133.400 s) — z = +2.63"
    assert track.marker_tooltip(1) == "03:20.600 (200.600 s) — z = +3.10"
    view.set_visible_range(120_000, 150_000)
    qtbot.mouseMove(view.graphics_view.viewport(), pixel_at(view, 133.4, 30.0))
    box = view.plot("motion").vb
    qtbot.waitUntil(lambda: box.toolTip() != "")
    assert box.toolTip() == "02:13.400 (133.400 s) — z = +2.63"
    track.set_peaks(peaks[1:])
    assert track.markers.getData()[0].tolist() == [200.6]


def test_one_line_per_cut_and_one_span_per_zoom(motion_timeline) -> None:
    view, track = motion_timeline
    view.set_duration(600_000)
    shots = [
        ShotChange(10_000, 10_000, "cut"),
        ShotChange(42_500, 42_500, "cut"),
        ShotChange(50_000, 58_000, "zoom"),
        ShotChange(300_000, 300_000, "cut"),
        ShotChange(400_000, 403_500, "zoom"),
    ]
    track.set_shots(shots)
    assert (track.cut_count, track.zoom_count) == (3, 2)
    view.fit_all()
    item = track.shots_item
    assert item.lines.tolist() == [10.0, 42.5, 300.0]
    assert item.rects == [(50.0, 58.0), (400.0, 403.5)]
    view.set_visible_range(0, 100_000)
    assert (item.line_count, item.rect_count) == (2, 1)
    # The marks span the row's whole height, and the caption names them.
    low, high = view.plot("motion").vb.viewRange()[1]
    assert item.boundingRect().top() == pytest.approx(low) and item.boundingRect().bottom() == pytest.approx(high)
    assert "cut" in track.caption.toPlainText() and "zoom" in track.caption.toPlainText()
    assert item.shots_at(42.5) == ([42.5], [])
    assert item.shots_at(55.0) == ([], [(50.0, 58.0)])


def test_cuts_closer_than_a_pixel_share_one_line(motion_timeline) -> None:
    view, track = motion_timeline
    view.set_duration(HOURS_3_S * 1000)
    track.set_shots([ShotChange(t, t, "cut") for t in (100_000, 100_040, 100_080, 5_000_000)])
    view.fit_all()
    assert track.shots_item.line_count == 2
    view.set_visible_range(99_000, 101_000)
    assert track.shots_item.line_count == 3


def test_clear_forgets_everything(motion_timeline) -> None:
    view, track = motion_timeline
    view.set_duration(60_000)
    track.set_series(np.arange(300) / RATE, np.ones(300, dtype=np.float32))
    track.set_band(1.0, 0.5, 1.5)
    track.set_peaks([MotionPeak(1000, 2000, 1400, 2.0, 1.0)])
    track.set_shots([ShotChange(5000, 5000, "cut"), ShotChange(6000, 9000, "zoom")])
    track.clear()
    assert track.curve.getData()[0] is None or track.curve.getData()[0].size == 0
    assert track.markers.getData()[0].size == 0
    assert not track.band.isVisible() and not track.mean_line.isVisible()
    assert (track.shots_item.line_count, track.shots_item.rect_count) == (0, 0)
    assert "cut" not in track.caption.toPlainText()


def test_a_series_with_mismatched_or_unsorted_times_is_refused(motion_timeline) -> None:
    _, track = motion_timeline
    with pytest.raises(ValueError, match="times"):
        track.set_series(np.arange(10.0), np.ones(9))
    with pytest.raises(ValueError, match="sorted"):
        track.set_series(np.array([0.0, 2.0, 1.0]), np.ones(3))


def test_clearing_the_timeline_forgets_the_scale_the_duration_and_the_notes(motion_timeline) -> None:
    """Another media opened (or none): no 0–150 px/s axis, duration or playhead of the one before stays."""
    view, track = motion_timeline
    view.set_duration(60_000)
    track.set_series(np.arange(300) / RATE, np.linspace(0, 150, 300, dtype=np.float32))
    track.set_band(40.0, 10.0, 90.0)
    view.set_playhead(42_000)
    track.set_note("Not analysed yet")
    assert track.y_range[1] > 150
    view.clear()
    assert track.y_range == (0.0, 1.0)
    assert view.plot("motion").vb.viewRange()[1] == [0.0, 1.0]
    assert view.duration_ms == 0 and view.visible_range() == (0, 10_000)
    assert view._row("motion").playhead.value() == 0.0
    assert track.note == ""


def test_an_empty_row_says_why_across_its_middle(motion_timeline) -> None:
    view, track = motion_timeline
    track.set_note("No video track in this file: no motion")
    item = track._note
    assert item.isVisible() and item.toPlainText() == "No video track in this file: no motion"
    box = view.plot("motion").vb
    assert item.parentItem() is box and item.pos() == box.rect().center()
    track.set_note("")
    assert not item.isVisible() and track.note == ""
