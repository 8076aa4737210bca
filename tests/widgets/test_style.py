"""The shared colours: emotion colours for FER's names and for a classifier's own, text on a fill."""

from __future__ import annotations

from PySide6.QtGui import QColor

from analysis.fer_model import EMOTIONS
from widgets.style import (
    EMOTION_COLORS,
    NO_EMOTION_COLOR,
    OTHER_EMOTION_COLORS,
    emotion_color,
    emotion_colors,
    text_color_on,
)


def test_fer_names_keep_their_colours_and_no_name_is_grey() -> None:
    assert [emotion_color(name) for name in EMOTIONS] == [EMOTION_COLORS[name] for name in EMOTIONS]
    assert emotion_colors(EMOTIONS) == [EMOTION_COLORS[name] for name in EMOTIONS]
    assert emotion_color("") == NO_EMOTION_COLOR == "#bdbdbd"


def test_other_names_get_a_stable_colour_of_their_own() -> None:
    assert not set(OTHER_EMOTION_COLORS) & set(EMOTION_COLORS.values())
    # "positive" and "negative" pick slots 5 and 6 by their CRC-32, the same wherever they are shown.
    assert emotion_color("positive") == emotion_color("positive") == "#ba68c8"
    assert emotion_colors(["positive", "negative", "neutral"]) == ["#ba68c8", "#90caf9", "#9e9e9e"]
    assert emotion_colors(["neutral", "negative", "positive"]) == ["#9e9e9e", "#90caf9", "#ba68c8"]


def test_two_names_that_pick_the_same_colour_are_told_apart_side_by_side() -> None:
    # "bored" and "calm" both pick slot 0: in sorted order "bored" keeps it and "calm" takes the next one.
    assert emotion_color("calm") == emotion_color("bored") == "#f06292"
    assert emotion_colors(["calm", "bored", "happy"]) == ["#a1887f", "#f06292", EMOTION_COLORS["happy"]]
    assert emotion_colors(["bored", "calm"]) == ["#f06292", "#a1887f"]


def test_text_is_dark_on_light_fills_and_white_on_dark_ones() -> None:
    dark, white = QColor(20, 20, 22), QColor(250, 250, 250)
    assert text_color_on(QColor("#ffffff")) == dark
    assert text_color_on(QColor(EMOTION_COLORS["happy"])) == dark
    assert text_color_on(QColor(EMOTION_COLORS["sad"])) == white
    assert text_color_on(QColor("#000000")) == white
