"""A new vocabulary value's colour: the first unused one of the palette, never a grey."""

from __future__ import annotations

import json

from app.model.label_colors import LABEL_COLORS, unused_label_color
from resources import resource_path


def test_the_palette_has_no_grey() -> None:
    assert len(LABEL_COLORS) == len(set(LABEL_COLORS)) == 18
    for color in LABEL_COLORS:
        red, green, blue = (int(color[i : i + 2], 16) for i in (1, 3, 5))
        assert max(red, green, blue) - min(red, green, blue) >= 30, color  # a grey has 0


def test_a_new_value_gets_the_first_colour_no_value_has() -> None:
    assert unused_label_color([]) == "#1f77b4"
    default = [item["color"] for item in json.loads(resource_path("vocabulary_default.json").read_text())["labels"]]
    assert unused_label_color(default) == "#ffbb78"
    assert unused_label_color(["#1F77B4", "#7f7f7f"]) == "#ff7f0e"
    # all taken: the least used, earliest first
    assert unused_label_color([*LABEL_COLORS, *LABEL_COLORS[:3]]) == "#d62728"
