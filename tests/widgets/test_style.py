"""The shared colours: emotion colours for FER's names and for a classifier's own, text on a fill."""

from __future__ import annotations

import pytest
from PySide6.QtGui import QColor

from analysis.fer_model import EMOTIONS
from widgets.style import (
    BACKGROUND,
    EMOTION_COLORS,
    NO_EMOTION_COLOR,
    OTHER_EMOTION_COLORS,
    SPEAKER_COLORS,
    contrast_ratio,
    emotion_color,
    emotion_colors,
    readable_on,
    relative_luminance,
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
    assert text_color_on(QColor("#000000")) == white
    assert text_color_on(QColor("#0d47a1")) == white  # a deep blue


def test_text_on_every_palette_fill_takes_the_higher_contrast_of_dark_and_white() -> None:
    dark, white = QColor(20, 20, 22), QColor(250, 250, 250)
    fills = [*EMOTION_COLORS.values(), *OTHER_EMOTION_COLORS, *SPEAKER_COLORS]
    for fill in map(QColor, fills):
        best = max(contrast_ratio(dark, fill), contrast_ratio(white, fill))
        assert contrast_ratio(text_color_on(fill), fill) == best >= 4.2, fill.name()
    # the luma threshold put white on these: 3.52:1 and 2.87:1, where dark text has 5.00:1 and 6.14:1
    assert text_color_on(QColor(EMOTION_COLORS["sad"])) == dark
    assert contrast_ratio(dark, QColor(EMOTION_COLORS["sad"])) == pytest.approx(5.00, abs=0.005)
    assert text_color_on(QColor("#26a69a")) == dark
    assert contrast_ratio(dark, QColor("#26a69a")) == pytest.approx(6.14, abs=0.005)


def test_contrast_ratios_follow_wcag() -> None:
    white, black = QColor("#ffffff"), QColor("#000000")
    assert contrast_ratio(black, white) == pytest.approx(21.0)
    assert contrast_ratio(white, white) == 1.0
    assert relative_luminance(QColor("#808080")) == pytest.approx(0.21586, abs=1e-5)
    # the default vocabulary's yellow and pale blue, as they were drawn as text on the review queue's white rows
    assert contrast_ratio(QColor("#ffbf00"), white) == pytest.approx(1.65, abs=0.005)
    assert contrast_ratio(QColor("#aec7e8"), white) == pytest.approx(1.73, abs=0.005)


def test_a_colour_is_darkened_on_light_rows_and_lightened_on_dark_ones_just_enough_to_read() -> None:
    white, dark = QColor("#ffffff"), QColor(BACKGROUND)
    assert readable_on(QColor("#1f77b4"), white) == QColor("#1f77b4")  # 4.82:1 already
    for color in ("#ffbf00", "#aec7e8", "#607d8b", "#ffbb78", "#969696", "#ffff00"):
        text = readable_on(QColor(color), white)
        assert 4.5 <= contrast_ratio(text, white) < 4.75, color  # not darker than it needs to be
        on_dark = readable_on(QColor("#1f1f80" if color == "#ffff00" else "#303030"), dark)
        assert contrast_ratio(on_dark, dark) >= 4.5
    happiness = readable_on(QColor("#ffbf00"), white)
    assert happiness.name() == "#967100"  # still amber (hue 45° for 44°), only darker
    assert happiness.hue() == pytest.approx(QColor("#ffbf00").hue(), abs=1)
