"""The face widgets: boxes over the video, the emotion rows of the timeline, the emotions panel, the persons
dialog."""

from __future__ import annotations

import os
import xml.etree.ElementTree as ET
from pathlib import Path

import numpy as np
import pytest
from PySide6.QtCore import QPoint, QPointF
from PySide6.QtGui import QImage
from PySide6.QtWidgets import QDialog

from widgets.dialogs.persons_dialog import NAME, PersonRow, PersonsDialog, SplitTracksDialog
from widgets.emotion_panel import EmotionPanel, bin_seconds
from widgets.emotion_track import EMOTION_COLORS, EMOTIONS, EmotionTrack
from widgets.face_overlay import FaceBoxes
from widgets.timeline_view import BACKGROUND, TimelineView
from widgets.video_view import VideoView

FRAME_COLOR = "#3c4650"
HAPPY, SAD, ANGRY, NEUTRAL = (EMOTIONS.index(name) for name in ("happy", "sad", "angry", "neutral"))
STEP = 0.5
THREE_HOURS_S = 3 * 3600


def one_hot(codes: np.ndarray, main: float = 0.8) -> np.ndarray:
    """Probabilities with ``main`` on each row's emotion and the rest shared by the other six."""
    rows = np.full((codes.shape[0], len(EMOTIONS)), (1 - main) / 6, dtype=np.float32)
    rows[np.arange(codes.shape[0]), codes] = main
    return rows


def minute_samples() -> tuple[np.ndarray, np.ndarray]:
    """A minute at two samples a second: happy, then sad from 10 s, off screen 20–30 s, happy again from 30 s
    but for one angry sample at 45 s."""
    times = np.arange(120) * STEP
    codes = np.where(times < 10, HAPPY, np.where(times < 20, SAD, HAPPY))
    codes[times == 45.0] = ANGRY
    keep = (times < 20) | (times >= 30)
    return times[keep], one_hot(codes[keep])


def three_hours() -> tuple[np.ndarray, np.ndarray]:
    """21,600 samples: minutes alternately happy and neutral, each with one angry sample half-way."""
    times = np.arange(THREE_HOURS_S * 2) * STEP
    codes = np.where(np.floor(times / 60) % 2 == 0, HAPPY, NEUTRAL)
    codes[times % 60 == 30] = ANGRY
    return times, one_hot(codes)


def pixel_color(image: QImage, point: QPoint) -> str:
    return image.pixelColor(point).name()


# Face boxes ---------------------------------------------------------------------------------------------


@pytest.fixture
def video(qtbot) -> tuple[VideoView, FaceBoxes]:
    view = VideoView()
    qtbot.addWidget(view)
    view.resize(800, 500)
    frame = np.empty((720, 1280, 3), dtype=np.uint8)
    frame[:] = (60, 70, 80)
    view.set_frame(frame)
    view.show()
    qtbot.waitExposed(view)
    boxes = FaceBoxes()
    boxes.install(view)
    boxes.set_frame_size(1280, 720)
    return view, boxes


def test_boxes_are_scaled_into_the_frame_with_the_emotion_colour_and_caption(video) -> None:
    view, boxes = video
    boxes.set_faces([((320, 160, 480, 320), "Person 1", "happy 0.93"), ((960, 8, 160, 160), "Person 2", "sad")])
    # The frame is drawn at 0.625 scale in (0, 25, 800, 450): box 1 covers x 200–499, y 125–324 on screen.
    image = view.grab().toImage()
    happy, sad = EMOTION_COLORS["happy"], EMOTION_COLORS["sad"]
    for x, expected in ((199, FRAME_COLOR), (200, happy), (201, happy), (202, FRAME_COLOR)):
        assert pixel_color(image, QPoint(x, 225)) == expected, x
    for x, expected in ((497, FRAME_COLOR), (498, happy), (499, happy), (500, FRAME_COLOR)):
        assert pixel_color(image, QPoint(x, 225)) == expected, x
    for y, expected in ((127, FRAME_COLOR), (126, happy), (324, happy), (325, FRAME_COLOR)):
        assert pixel_color(image, QPoint(350, y)) == expected, y
    # The caption sits on the box (its left padding is the emotion's colour); box 2 has no room above it
    # inside the frame, so its caption goes inside the box's top.
    assert pixel_color(image, QPoint(201, 121)) == happy
    assert pixel_color(image, QPoint(201, 100)) == FRAME_COLOR
    assert pixel_color(image, QPoint(602, 33)) == sad
    assert pixel_color(image, QPoint(602, 28)) == FRAME_COLOR
    assert boxes.face_count == 2

    boxes.set_visible(False)
    assert pixel_color(view.grab().toImage(), QPoint(200, 225)) == FRAME_COLOR
    boxes.set_visible(True)
    view.resize(640, 480)  # scale 0.5, frame at (0, 60): box 1 now starts at (160, 140)
    image = view.grab().toImage()
    assert [pixel_color(image, QPoint(x, 220)) for x in (159, 160, 161, 162)] == [
        FRAME_COLOR,
        happy,
        happy,
        FRAME_COLOR,
    ]
    assert boxes.screen_boxes(view.frame_rect())[0].getRect() == (160, 140, 240, 160)


def test_without_faces_or_frame_size_nothing_is_painted(video) -> None:
    view, boxes = video
    boxes.set_faces([((320, 160, 480, 320), "Person 1", "fear")])
    assert pixel_color(view.grab().toImage(), QPoint(200, 225)) == EMOTION_COLORS["fear"]
    boxes.set_faces([])
    assert pixel_color(view.grab().toImage(), QPoint(200, 225)) == FRAME_COLOR
    boxes.set_faces([((320, 160, 480, 320), "Person 1", "fear")])
    boxes.set_frame_size(0, 0)
    assert pixel_color(view.grab().toImage(), QPoint(200, 225)) == FRAME_COLOR
    boxes.uninstall()
    boxes.set_frame_size(1280, 720)
    assert pixel_color(view.grab().toImage(), QPoint(200, 225)) == FRAME_COLOR


# Emotion track ------------------------------------------------------------------------------------------


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


# Emotions panel -----------------------------------------------------------------------------------------

PERSONS = [
    (1, "Alice", 125.5, {"happy": 0.5, "sad": 0.25, "neutral": 0.25}),
    (2, "Bob, Jr.", 30.0, {"angry": 1.0}),
]


@pytest.fixture
def panel(qtbot) -> EmotionPanel:
    widget = EmotionPanel()
    qtbot.addWidget(widget)
    widget.resize(1000, 560)
    widget.set_persons(PERSONS)
    times = np.array([0.0, 5.0, 12.0])
    widget.set_series(1, times, one_hot(np.array([HAPPY, NEUTRAL, SAD]), main=1.0))
    widget.set_segment_shares("Segment 3 · 00:10 ± 5 s", {"Alice": {"happy": 0.75, "neutral": 0.25}})
    return widget


def test_the_bars_show_each_persons_shares(panel: EmotionPanel) -> None:
    assert panel.current_person() == 1
    assert panel.header_label.text() == "Alice · on screen 02:06"
    np.testing.assert_array_equal(panel.share_bars.opts["height"], [0, 0, 0, 0.5, 0.25, 0, 0.25])
    assert [text.toPlainText() for text in panel.share_texts] == ["0 %", "0 %", "0 %", "50 %", "25 %", "0 %", "25 %"]
    panel.set_current_person(2)
    np.testing.assert_array_equal(panel.share_bars.opts["height"], [1, 0, 0, 0, 0, 0, 0])
    assert panel.series_areas.levels.shape[0] == 0  # no series for Bob
    panel.set_persons(PERSONS[::-1])
    assert panel.current_person() == 2  # still shown after the list changed


def test_the_series_is_binned_and_stacked_with_gaps_left_empty(panel: EmotionPanel) -> None:
    assert panel.bin_s == 10
    assert [bin_seconds(s) for s in (600, 3600, 3601, 3 * 3600, 100_000)] == [10, 10, 15, 30, 300]
    panel.set_series(1, np.array([0.0, 5.0, 12.0, 31.0]), one_hot(np.array([HAPPY, NEUTRAL, SAD, ANGRY]), 1.0))
    levels = panel.series_areas.levels
    np.testing.assert_array_equal(levels[:, -1], [1, 1, 0, 1])  # the empty bin 20–30 s is drawn empty
    np.testing.assert_array_equal(np.diff(levels[0]), [0, 0, 0, 0.5, 0, 0, 0.5])
    starts, ends, _means = panel.binned_series(1)
    assert starts.tolist() == [0, 10, 30] and ends.tolist() == [10, 20, 40]


def test_the_segment_section_stacks_each_persons_shares(panel: EmotionPanel) -> None:
    assert panel.segment_label.text() == "<b>Around the selected segment</b> · Segment 3 · 00:10 ± 5 s"
    happy, neutral = panel.segment_bars[HAPPY], panel.segment_bars[NEUTRAL]
    assert (list(happy.opts["x0"]), list(happy.opts["width"])) == ([0.0], [0.75])
    assert (list(neutral.opts["x0"]), list(neutral.opts["width"])) == ([0.75], [0.25])
    panel.set_segment_shares("", None)
    assert panel.segment_label.text().startswith("Select a segment")


def test_the_csv_holds_the_numbers_shown(panel: EmotionPanel, tmp_path: Path) -> None:
    path = tmp_path / "emotions.csv"
    assert panel.save_csv(path)
    zeros = ("angry", "disgust", "fear")
    expected = [
        "section,person,start_s,end_s,emotion,value",
        "visible,Alice,,,,125.500",
        *(f"share,Alice,,,{name},0.0000" for name in zeros),
        "share,Alice,,,happy,0.5000",
        "share,Alice,,,sad,0.2500",
        "share,Alice,,,surprise,0.0000",
        "share,Alice,,,neutral,0.2500",
        'visible,"Bob, Jr.",,,,30.000',
        'share,"Bob, Jr.",,,angry,1.0000',
        *(f'share,"Bob, Jr.",,,{name},0.0000' for name in EMOTIONS[1:]),
        *(f"series,Alice,0.000,10.000,{name},0.0000" for name in zeros),
        "series,Alice,0.000,10.000,happy,0.5000",
        "series,Alice,0.000,10.000,sad,0.0000",
        "series,Alice,0.000,10.000,surprise,0.0000",
        "series,Alice,0.000,10.000,neutral,0.5000",
        *(f"series,Alice,10.000,20.000,{name},0.0000" for name in zeros),
        "series,Alice,10.000,20.000,happy,0.0000",
        "series,Alice,10.000,20.000,sad,1.0000",
        "series,Alice,10.000,20.000,surprise,0.0000",
        "series,Alice,10.000,20.000,neutral,0.0000",
        *(f"segment,Alice,,,{name},0.0000" for name in zeros),
        "segment,Alice,,,happy,0.7500",
        "segment,Alice,,,sad,0.0000",
        "segment,Alice,,,surprise,0.0000",
        "segment,Alice,,,neutral,0.2500",
    ]
    assert path.read_text(encoding="utf-8") == "\n".join(expected) + "\n"


def test_png_and_svg_are_written(qtbot, panel: EmotionPanel, tmp_path: Path) -> None:
    panel.show()
    qtbot.waitExposed(panel)
    png, svg = tmp_path / "emotions.png", tmp_path / "emotions.svg"
    assert panel.save_png(png)
    image = QImage(str(png))
    assert (image.width(), image.height()) == (panel.figure.width(), panel.figure.height())
    assert panel.save_svg(svg)
    root = ET.parse(svg).getroot()
    namespace = "{http://www.w3.org/2000/svg}"
    assert root.tag == f"{namespace}svg"
    assert not root.findall(f".//{namespace}image")  # the charts are vector shapes, not pictures
    texts = " ".join(element.text or "" for element in root.iter(f"{namespace}text"))
    assert "Share of time on screen" in texts and "Alice" in texts


# Persons dialog -----------------------------------------------------------------------------------------

ROWS = [
    PersonRow(1, "Alice", 125.5, "happy", [(10, 0.0, 40.0)], "SPEAKER_00"),
    PersonRow(2, "Person 2", 61.0, "sad", [(12, 50.0, 80.0), (11, 5.0, 20.5), (14, 90.0, 106.0)]),
    PersonRow(3, "Person 3", 8.0, "neutral", [(13, 30.0, 38.0)]),
]


@pytest.fixture
def dialog(qtbot) -> PersonsDialog:
    widget = PersonsDialog()
    qtbot.addWidget(widget)
    widget.set_speakers(["SPEAKER_00", "SPEAKER_01"])
    widget.set_persons(ROWS)
    return widget


def test_the_table_shows_each_person(dialog: PersonsDialog) -> None:
    table = dialog.table
    rows = [[table.item(row, column).text() for column in range(4)] for row in range(table.rowCount())]
    assert rows == [
        ["Alice", "02:05.5", "happy", "1"],
        ["Person 2", "01:01.0", "sad", "3"],
        ["Person 3", "00:08.0", "neutral", "1"],
    ]
    assert dialog.speaker_combo(1).currentText() == "SPEAKER_00"
    assert dialog.speaker_combo(2).currentText() == "(none)"


def test_renaming_emits_the_cleaned_name_and_an_empty_name_is_refused(qtbot, dialog: PersonsDialog) -> None:
    with qtbot.waitSignal(dialog.rename_requested) as blocker:
        dialog.table.item(1, NAME).setText("  Bob   Smith ")
    assert blocker.args == [2, "Bob Smith"]
    with qtbot.assertNotEmitted(dialog.rename_requested):
        dialog.table.item(0, NAME).setText("   ")
    assert dialog.table.item(0, NAME).text() == "Alice"


def test_merge_puts_the_first_selected_person_first(qtbot, dialog: PersonsDialog) -> None:
    dialog.select([1])
    assert not dialog.merge_button.isEnabled()
    dialog.select([3, 2])
    assert dialog.merge_button.text() == "Merge into Person 2"
    with qtbot.waitSignal(dialog.merge_requested) as blocker:
        dialog.merge_button.click()
    assert blocker.args == [[2, 3]]


def test_split_moves_the_ticked_tracks_to_a_new_person(qtbot, dialog: PersonsDialog, monkeypatch) -> None:
    dialog.select([3])
    assert not dialog.split_button.isEnabled()  # one track cannot be split
    dialog.select([2])
    assert dialog.split_button.isEnabled()
    picker = dialog.make_split_dialog(2)
    assert [picker.list.item(i).text() for i in range(picker.list.count())] == [
        "Track 11 · 00:05.0 – 00:20.5 (15.5 s)",
        "Track 12 · 00:50.0 – 01:20.0 (30.0 s)",
        "Track 14 · 01:30.0 – 01:46.0 (16.0 s)",
    ]
    ok = picker.buttons.button(picker.buttons.StandardButton.Ok)
    assert not ok.isEnabled()
    picker.set_checked([11, 12, 14])
    assert not ok.isEnabled()  # moving every track would only rename the person

    def tick_and_accept(self: SplitTracksDialog) -> int:
        self.set_checked([14, 12])
        return QDialog.DialogCode.Accepted

    monkeypatch.setattr(SplitTracksDialog, "exec", tick_and_accept)
    with qtbot.waitSignal(dialog.split_requested) as blocker:
        dialog.split_button.click()
    assert blocker.args == [2, [12, 14]]


def test_the_speaker_combo_links_and_unlinks(qtbot, dialog: PersonsDialog) -> None:
    combo = dialog.speaker_combo(2)
    with qtbot.waitSignal(dialog.speaker_link_requested) as blocker:
        combo.setCurrentIndex(combo.findText("SPEAKER_01"))
    assert blocker.args == [2, "SPEAKER_01"]
    combo = dialog.speaker_combo(1)
    with qtbot.waitSignal(dialog.speaker_link_requested) as blocker:
        combo.setCurrentIndex(0)
    assert blocker.args == [1, ""]
    with qtbot.assertNotEmitted(dialog.speaker_link_requested):
        dialog.set_speakers(["SPEAKER_01"])
        dialog.set_persons(ROWS)
    # A link to a speaker the transcript no longer has is still shown.
    assert [dialog.speaker_combo(1).itemText(i) for i in range(3)] == ["(none)", "SPEAKER_01", "SPEAKER_00"]
    assert dialog.speaker_combo(1).currentText() == "SPEAKER_00"


# Screenshots --------------------------------------------------------------------------------------------


def test_screenshots_of_the_face_widgets(qtbot, tmp_path: Path) -> None:
    """Saves faces_panel.png, faces_timeline.png and faces_video.png (SALIENT_SCREENSHOTS=dir keeps them)."""
    folder = Path(os.environ.get("SALIENT_SCREENSHOTS", tmp_path))
    rng = np.random.default_rng(3)
    series = {}
    for pid in (1, 2):
        times = np.arange(1200) * STEP
        logits = np.stack([np.convolve(rng.normal(0, 3, 1200), np.ones(20) / 20, "same") for _ in EMOTIONS], 1)
        logits[:, NEUTRAL] += 1.0
        probabilities = np.exp(logits) / np.exp(logits).sum(axis=1, keepdims=True)
        keep = (times < 200) | (times >= 220)
        series[pid] = (times[keep], probabilities[keep])

    timeline = TimelineView()
    qtbot.addWidget(timeline)
    tracks = [EmotionTrack(1, "Alice"), EmotionTrack(2, "Person 2", mode="stacked")]
    for track in tracks:
        timeline.add_track(track)
        track.set_samples(*series[track.person_id], STEP)
    timeline.set_track_height(tracks[1].key, 80)
    timeline.resize(1000, 170)
    timeline.show()
    qtbot.waitExposed(timeline)
    timeline.set_duration(600_000)
    timeline.set_visible_range(150_000, 300_000)
    assert timeline.grab().save(str(folder / "faces_timeline.png"))

    def shares(probabilities: np.ndarray) -> dict[str, float]:
        counts = np.bincount(probabilities.argmax(axis=1), minlength=len(EMOTIONS)) / probabilities.shape[0]
        return dict(zip(EMOTIONS, counts.tolist(), strict=True))

    panel = EmotionPanel()
    qtbot.addWidget(panel)
    panel.resize(1000, 560)
    persons = [
        (t.person_id, t.title, series[t.person_id][0].size * STEP, shares(series[t.person_id][1])) for t in tracks
    ]
    panel.set_persons(persons)
    for pid, (times, probabilities) in series.items():
        panel.set_series(pid, times, probabilities)
    around = {track.title: shares(series[track.person_id][1][250:290]) for track in tracks}
    panel.set_segment_shares("Segment 3 · 02:10 ± 10 s", around)
    panel.show()
    qtbot.waitExposed(panel)
    assert panel.grab().save(str(folder / "faces_panel.png"))

    video = VideoView()
    qtbot.addWidget(video)
    video.resize(800, 500)
    frame = np.empty((720, 1280, 3), dtype=np.uint8)
    frame[:] = (60, 70, 80)
    frame[160:480, 320:560] = (200, 170, 150)
    video.set_frame(frame)
    boxes = FaceBoxes()
    boxes.install(video)
    boxes.set_frame_size(1280, 720)
    boxes.set_faces([((320, 160, 240, 320), "Alice", "happy 0.93"), ((900, 8, 200, 240), "Person 2", "sad 0.61")])
    video.show()
    qtbot.waitExposed(video)
    assert video.grab().save(str(folder / "faces_video.png"))
