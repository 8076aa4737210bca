"""The emotion rows of the timeline: ribbon and stacked looks, level of detail over three hours, hovering."""

from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtCore import QPoint, QPointF

from analysis.fer_model import EMOTIONS
from tests.helpers.emotions import STEP, THREE_HOURS_S, minute_samples, three_hours
from tests.helpers.pixels import pixel_color
from widgets.style import BACKGROUND, EMOTION_COLORS, UNCERTAIN_COLOR
from widgets.timeline.emotion_track import EmotionTrack
from widgets.timeline.timeline_view import TimelineView


@pytest.fixture
def emotion_timeline(qtbot) -> tuple[TimelineView, EmotionTrack]:
    view = TimelineView()
    qtbot.addWidget(view)
    track = EmotionTrack(7, "Person 1")
    view.add_track(track)
    view.set_track_height(track.key, 80)
    view.resize(1000, 200)
    view.show()
    qtbot.waitExposed(view)
    return view, track


def viewport_pixel(view: TimelineView, key: str, x_s: float, y: float) -> QPoint:
    return view.graphics_view.mapFromScene(view.plot(key).vb.mapViewToScene(QPointF(x_s, y)))


def test_the_ribbon_merges_equal_neighbours_and_leaves_off_screen_time_empty(emotion_timeline) -> None:
    view, track = emotion_timeline
    assert track.key == "emotion_7" and track.title == "Person 1" and track.mode == "ribbon"
    view.set_duration(60_000)
    track.set_samples(*minute_samples(), STEP)
    assert track.item.sample_count == 100
    assert track.item.drawn_spans() == [
        (0.0, 10.0, "happy"),
        (10.0, 20.0, "sad"),
        (30.0, 45.0, "happy"),
        (45.0, 45.5, "angry"),
        (45.5, 60.0, "happy"),
    ]
    image = view.graphics_view.grab().toImage()
    key = track.key
    assert pixel_color(image, viewport_pixel(view, key, 5.2, 0.5)) == EMOTION_COLORS["happy"]
    assert pixel_color(image, viewport_pixel(view, key, 15.2, 0.5)) == EMOTION_COLORS["sad"]
    assert pixel_color(image, viewport_pixel(view, key, 45.2, 0.5)) == EMOTION_COLORS["angry"]
    assert pixel_color(image, viewport_pixel(view, key, 25.0, 0.5)) == BACKGROUND


def test_three_hours_draw_one_span_per_minute_zoomed_out_and_every_sample_zoomed_in(emotion_timeline) -> None:
    view, track = emotion_timeline
    view.set_duration(THREE_HOURS_S * 1000)
    track.set_samples(*three_hours(), STEP)
    assert track.item.merged_span_count == 3 * 180
    # A pixel holds about 25 samples: each pixel shows its majority, so the single angry samples give way.
    spans = track.item.drawn_spans()
    assert len(spans) == 180
    assert [emotion for _, _, emotion in spans] == ["happy", "neutral"] * 90
    width = round(view.plot(track.key).vb.width())
    assert all(end - start >= THREE_HOURS_S / width for start, end, _ in spans)
    view.set_visible_range(1_000, 119_000)
    emotions = [emotion for _, _, emotion in track.item.drawn_spans()]
    assert emotions == ["happy", "angry", "happy", "neutral", "angry", "neutral"]


def test_stacked_bands_sum_to_one_where_the_person_is_seen(emotion_timeline) -> None:
    view, track = emotion_timeline
    view.set_duration(60_000)
    times, probabilities = minute_samples()
    track.set_mode("stacked")
    track.set_samples(times, probabilities, STEP)
    x0, x1, levels = track.item.stacked_bins()
    assert x0.shape[0] == 101  # 100 samples and the off-screen gap
    gap = int(np.flatnonzero(x0 == 20.0)[0])
    assert (x0[gap], x1[gap]) == (20.0, 30.0)
    np.testing.assert_array_equal(levels[gap], np.zeros(len(EMOTIONS) + 1))
    seen = np.delete(levels, gap, axis=0)
    np.testing.assert_allclose(seen[:, -1], 1.0, rtol=1e-6)
    np.testing.assert_allclose(np.diff(seen, axis=1), probabilities, rtol=1e-6)
    image = view.graphics_view.grab().toImage()
    # At 5 s the bands stack in EMOTIONS order: happy fills 0.1–0.9 of the row, surprise 0.933–0.967.
    assert pixel_color(image, viewport_pixel(view, track.key, 5.2, 0.5)) == EMOTION_COLORS["happy"]
    assert pixel_color(image, viewport_pixel(view, track.key, 5.2, 0.95)) == EMOTION_COLORS["surprise"]
    assert pixel_color(image, viewport_pixel(view, track.key, 25.0, 0.5)) == BACKGROUND
    # Zoomed out over three hours, each pixel column shows its samples' mean, which still sums to one.
    view.set_duration(THREE_HOURS_S * 1000)
    track.set_samples(*three_hours(), STEP)
    x0, x1, levels = track.item.stacked_bins()
    assert x0.shape[0] <= round(view.plot(track.key).vb.width()) + 2
    np.testing.assert_allclose(levels[:, -1], 1.0, rtol=1e-6)


def test_hovering_shows_the_time_and_the_probabilities(qtbot, emotion_timeline) -> None:
    view, track = emotion_timeline
    view.set_duration(60_000)
    track.set_samples(*minute_samples(), STEP)
    expected = "00:05.000 · Person 1\nhappy 0.80\n" + "\n".join(f"{name} 0.03" for name in EMOTIONS if name != "happy")
    assert track.tooltip_at(5.2) == expected
    assert track.tooltip_at(25.0) == ""
    qtbot.mouseMove(view.graphics_view.viewport(), viewport_pixel(view, track.key, 5.2, 0.5))
    qtbot.waitUntil(lambda: track.item.toolTip() != "")
    assert track.item.toolTip() == expected
    view.set_duration(THREE_HOURS_S * 1000)
    track.set_samples(*three_hours(), STEP)
    text = track.tooltip_at(5400.0)
    assert text.startswith("1:29:") and "(mean of " in text.splitlines()[0]


def test_renaming_a_track_changes_its_title_and_menu_entry(emotion_timeline) -> None:
    view, track = emotion_timeline
    track.set_title("Alice")
    assert track.title == "Alice"
    assert view.graphics_view.ci.getItem(0, 0).text == "Alice"
    assert view.visibility_actions()[0].text() == "Alice"
    with pytest.raises(ValueError):
        track.set_mode("lines")


def test_a_classifier_with_three_labels_is_drawn_and_named_with_them(emotion_timeline) -> None:
    view, track = emotion_timeline
    view.set_duration(60_000)
    labels = ("positive", "negative", "neutral")
    times = np.arange(40) * STEP
    probabilities = np.tile([0.7, 0.2, 0.1], (40, 1))
    probabilities[20:] = [0.1, 0.2, 0.7]
    track.set_samples(times, probabilities, STEP, labels=labels)
    assert track.labels == labels
    assert track.item.drawn_spans() == [(0.0, 10.0, "positive"), (10.0, 20.0, "neutral")]
    image = view.graphics_view.grab().toImage()
    assert pixel_color(image, viewport_pixel(view, track.key, 5.2, 0.5)) == "#ba68c8"
    assert pixel_color(image, viewport_pixel(view, track.key, 15.2, 0.5)) == EMOTION_COLORS["neutral"]
    assert track.tooltip_at(5.2) == "00:05.000 · Person 1\npositive 0.70\nnegative 0.20\nneutral 0.10"
    track.set_mode("stacked")
    _x0, _x1, levels = track.item.stacked_bins()
    assert levels.shape == (40, 4)
    np.testing.assert_allclose(levels[0], [0.0, 0.7, 0.9, 1.0], rtol=1e-6)
    track.clear()
    assert track.item.sample_count == 0 and track.labels == labels
    with pytest.raises(ValueError, match="7 columns of probabilities for 3 emotion labels"):
        track.set_samples(*minute_samples(), STEP, labels=labels)
    track.set_mode("ribbon")
    track.set_samples(*minute_samples(), STEP)
    assert track.labels == EMOTIONS and track.item.drawn_spans()[0] == (0.0, 10.0, "happy")


def test_uncertain_samples_are_grey_spans_named_uncertain(emotion_timeline) -> None:
    view, track = emotion_timeline
    view.set_duration(10_000)
    times = np.arange(20) * STEP
    rows = np.full((20, len(EMOTIONS)), 0.02, dtype=np.float32)
    rows[:, EMOTIONS.index("happy")] = 0.88
    unsure = (times >= 4) & (times < 6)  # angry 0.38 against sad 0.32: not enough to count
    rows[unsure] = 0.3 / 5
    rows[unsure, EMOTIONS.index("angry")] = 0.38
    rows[unsure, EMOTIONS.index("sad")] = 0.32
    track.set_samples(times, rows, STEP)
    assert track.item.drawn_spans() == [(0.0, 4.0, "happy"), (4.0, 6.0, "uncertain"), (6.0, 10.0, "happy")]
    image = view.graphics_view.grab().toImage()
    assert pixel_color(image, viewport_pixel(view, track.key, 5.0, 0.5)) == UNCERTAIN_COLOR
    assert pixel_color(image, viewport_pixel(view, track.key, 2.0, 0.5)) == EMOTION_COLORS["happy"]
