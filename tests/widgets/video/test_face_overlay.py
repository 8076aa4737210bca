"""Face boxes over the video: scaled into the frame, in the colour of the dominant emotion, with a caption."""

from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtCore import QPoint

from tests.helpers.pixels import pixel_color
from widgets.style import EMOTION_COLORS
from widgets.video.face_overlay import FaceBoxes
from widgets.video.video_view import VideoView

FRAME_COLOR = "#3c4650"


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


def test_an_emotion_of_another_classifier_gets_its_own_colour(video) -> None:
    view, boxes = video
    boxes.set_faces([((320, 160, 480, 320), "Person 1", "positive 0.80")])
    assert pixel_color(view.grab().toImage(), QPoint(200, 225)) == "#ba68c8"
