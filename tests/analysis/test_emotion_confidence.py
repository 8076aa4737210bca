"""Issue 14: when a dominant emotion counts (one rule for every view), and faces turned eyes-level."""

from __future__ import annotations

import cv2
import numpy as np
import pytest
import skimage.data

from analysis.faces.align import aligned_patch, eye_angle, find_eyes
from analysis.faces.confidence import MIN_MARGIN, MIN_PROBABILITY, emotion_caption, is_uncertain, uncertain_rows
from analysis.faces.records import Face
from analysis.faces.stats import EmotionSeries, dominant_shares
from analysis.faces.yunet import YuNetDetector


def test_the_thresholds_are_the_documented_ones() -> None:
    assert (MIN_PROBABILITY, MIN_MARGIN) == (0.5, 0.15)


@pytest.mark.parametrize(
    ("probabilities", "uncertain"),
    [
        ((0.90, 0.05, 0.05), False),  # clear
        ((0.50, 0.35, 0.15), False),  # exactly on both limits counts
        ((0.49, 0.20, 0.31), True),  # too weak, however far ahead
        ((0.55, 0.45, 0.00), True),  # strong enough, but the runner-up is too close
        ((0.38, 0.32, 0.30), True),
        ((1 / 3, 1 / 3, 1 / 3), True),
    ],
)
def test_the_rule(probabilities: tuple[float, ...], uncertain: bool) -> None:
    assert is_uncertain(probabilities) is uncertain


def test_the_rule_over_rows_and_the_captions() -> None:
    rows = np.array([[0.9, 0.1], [0.52, 0.48], [0.2, 0.8]])
    assert uncertain_rows(rows).tolist() == [False, True, False]
    assert uncertain_rows(np.zeros((0, 7))).tolist() == []
    assert emotion_caption("happy", 0.912, False) == "happy 91 %"
    assert emotion_caption("angry", 0.38, True) == "uncertain (angry 38 %)"
    face = Face((0, 0, 10, 10), 0.9, {"angry": 0.38, "sad": 0.32, "neutral": 0.30}, "angry", 1, 1)
    assert face.uncertain and face.caption == "uncertain (angry 38 %)"
    sure = Face((0, 0, 10, 10), 0.9, {"angry": 0.1, "happy": 0.8, "neutral": 0.1}, "happy", 1, 1)
    assert not sure.uncertain and sure.caption == "happy 80 %"


ASTRONAUT_EYES = np.array([[202.0, 100.0], [246.0, 103.0]])
"""The centres of the pupils in skimage's astronaut (her right eye, then her left), marked by looking."""


@pytest.mark.parametrize("degrees", [20, -20])
def test_a_tilted_face_comes_out_with_level_eyes(degrees: int) -> None:
    picture = cv2.cvtColor(skimage.data.astronaut(), cv2.COLOR_RGB2BGR)
    tilt = cv2.getRotationMatrix2D((256, 256), degrees, 1.0)
    tilted = cv2.warpAffine(picture, tilt, (512, 512), borderMode=cv2.BORDER_REPLICATE)
    true_eyes = np.c_[ASTRONAUT_EYES, np.ones(2)] @ tilt.T
    assert abs(eye_angle(true_eyes) - (eye_angle(ASTRONAUT_EYES) - degrees)) < 1e-6
    boxes, _, marks = YuNetDetector().detect_with_landmarks(tilted)
    face = int(np.argmax(boxes[:, 2] * boxes[:, 3]))
    # YuNet's own eye points hardly follow the tilt: they alone would leave the eyes far from level
    assert abs(eye_angle(marks[face])) < 5
    eyes = find_eyes(cv2.cvtColor(tilted, cv2.COLOR_BGR2GRAY), boxes[face], marks[face])
    assert np.abs(eyes - true_eyes).max() < 3
    _patch, inner, matrix = aligned_patch(tilted, boxes[face], eyes)
    moved = np.c_[true_eyes, np.ones(2)] @ matrix.T  # the real pupils, carried into the turned patch
    assert abs(moved[0, 1] - moved[1, 1]) < 2
    x, y, w, h = inner
    assert inner[2:] == tuple(int(v) for v in boxes[face, 2:])
    assert all(x < px < x + w and y < py < y + h for px, py in moved)


def test_a_face_with_level_eyes_is_copied_not_resampled() -> None:
    picture = cv2.cvtColor(skimage.data.astronaut(), cv2.COLOR_RGB2BGR)
    patch, (x, y, w, h), _ = aligned_patch(picture, (180, 60, 89, 112), np.array([[200.0, 100.0], [250.0, 100.0]]))
    assert (w, h) == (89, 112) and patch.shape == (224, 224, 3)
    assert np.array_equal(patch[y : y + h, x : x + w], picture[60:172, 180:269])


def test_the_dock_shares_put_uncertain_samples_apart() -> None:
    labels = ("angry", "happy", "neutral")
    rows = np.array([[0.1, 0.8, 0.1], [0.1, 0.7, 0.2], [0.38, 0.32, 0.30], [0.6, 0.1, 0.3]])
    series = EmotionSeries(1, labels, np.arange(4, dtype=np.int64) * 500, rows)
    assert dominant_shares(series) == {"angry": 0.25, "happy": 0.5, "neutral": 0.0, "uncertain": 0.25}
    empty = EmotionSeries(1, labels, np.zeros(0, np.int64), np.zeros((0, 3)))
    assert dominant_shares(empty) == {"angry": 0.0, "happy": 0.0, "neutral": 0.0, "uncertain": 0.0}
