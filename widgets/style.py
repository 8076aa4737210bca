"""The colours the views share: the dark chart theme, one colour per emotion and per speaker, text on a fill.

One home, so that a speaker or an emotion has the same colour in the transcript, on the timeline, over the
video and in the panels.
"""

from __future__ import annotations

import zlib
from collections.abc import Iterable, Sequence

from PySide6.QtGui import QColor

BACKGROUND = "#1d1f21"
FOREGROUND = "#c5c8c6"
GRID = "#3a3d41"
PLAYHEAD = "#ffd54f"

EMOTION_COLORS = {
    "angry": "#e53935",
    "disgust": "#7cb342",
    "fear": "#9575cd",
    "happy": "#ff9f1c",
    "sad": "#1e88e5",
    "surprise": "#26c6da",
    "neutral": "#9e9e9e",
}
"""One colour per emotion of the FER2013 model, readable on the dark timeline and distinct from each other
(happy is orange rather than yellow so the yellow playhead stays visible over it)."""
OTHER_EMOTION_COLORS = (
    "#f06292",
    "#a1887f",
    "#5c6bc0",
    "#26a69a",
    "#c0ca33",
    "#ba68c8",
    "#90caf9",
    "#ffab91",
)
"""For the labels of other emotion classifiers (a user's own ONNX model): none of :data:`EMOTION_COLORS` and
not yellow, so they stay apart from the FER names and from the playhead."""
NO_EMOTION_COLOR = "#bdbdbd"
"""Where there is no emotion name (a person with no face seen)."""

SPEAKER_COLORS = (
    "#4fc3f7",
    "#81c784",
    "#ffb74d",
    "#ba68c8",
    "#f06292",
    "#4db6ac",
    "#dce775",
    "#ff8a65",
    "#9575cd",
    "#a1887f",
)
NO_SPEAKER_COLOR = "#90a4ae"


MIN_TEXT_CONTRAST = 4.5
"""WCAG 2's least contrast ratio for normal text (level AA)."""


def relative_luminance(color: QColor) -> float:
    """WCAG 2's relative luminance of ``color``: 0 for black, 1 for white."""

    def linear(channel: int) -> float:
        value = channel / 255
        return value / 12.92 if value <= 0.04045 else ((value + 0.055) / 1.055) ** 2.4

    return 0.2126 * linear(color.red()) + 0.7152 * linear(color.green()) + 0.0722 * linear(color.blue())


def contrast_ratio(first: QColor, second: QColor) -> float:
    """WCAG 2's contrast ratio of two colours, from 1 (the same) to 21 (black on white)."""
    lighter, darker = sorted((relative_luminance(first), relative_luminance(second)), reverse=True)
    return (lighter + 0.05) / (darker + 0.05)


def text_color_on(background: QColor) -> QColor:
    """Dark or white text on a fill, whichever has the higher contrast with it (a luma threshold put white on
    teal at 2.87:1 where dark text has 6.14:1)."""
    dark, white = QColor(20, 20, 22), QColor(250, 250, 250)
    return dark if contrast_ratio(dark, background) >= contrast_ratio(white, background) else white


def readable_on(color: QColor, background: QColor, minimum: float = MIN_TEXT_CONTRAST) -> QColor:
    """``color`` as text on ``background``: itself when its contrast is at least ``minimum``, else mixed
    with black (on a light background) or white (on a dark one) just enough to reach it, so the hue stays."""
    if contrast_ratio(color, background) >= minimum:
        return QColor(color)
    target = 0 if relative_luminance(background) > 0.18 else 255
    for step in range(1, 101):
        mix = step / 100
        mixed = QColor(
            *(round(channel + (target - channel) * mix) for channel in (color.red(), color.green(), color.blue()))
        )
        if contrast_ratio(mixed, background) >= minimum:
            return mixed
    return QColor(target, target, target)


UNCERTAIN = "uncertain"
UNCERTAIN_COLOR = "#616161"
"""A dark grey, apart from neutral's light grey (#9e9e9e): faces whose dominant emotion does not count."""
"""the word views put first for a face whose dominant emotion does not count (as in analysis.faces.confidence)"""


def emotion_color(emotion: str) -> str:
    """The colour of ``emotion`` on its own (a face box, the persons table): a FER name's own colour, the
    colour its name picks among :data:`OTHER_EMOTION_COLORS` for any other name, light grey for no name and
    :data:`UNCERTAIN_COLOR` for ``"uncertain"`` (a face whose dominant emotion does not count)."""
    if emotion == UNCERTAIN:
        return UNCERTAIN_COLOR
    if not emotion:
        return NO_EMOTION_COLOR
    return EMOTION_COLORS.get(emotion) or OTHER_EMOTION_COLORS[_preferred_slot(emotion, len(OTHER_EMOTION_COLORS))]


def emotion_colors(labels: Sequence[str]) -> list[str]:
    """The colour of each of a run's emotion labels, in their order, for charts that show them side by side.

    Like :func:`emotion_color`, except that two other names that would pick the same colour get different
    ones (up to :data:`OTHER_EMOTION_COLORS` of them): the one whose slot is taken gets the next free one."""
    others = _palette_slots((label for label in labels if label not in EMOTION_COLORS), len(OTHER_EMOTION_COLORS))
    colors = []
    for label in labels:
        if label in EMOTION_COLORS:
            colors.append(EMOTION_COLORS[label])
        else:
            if label == UNCERTAIN:
                colors.append(UNCERTAIN_COLOR)
            else:
                colors.append(OTHER_EMOTION_COLORS[others[label]] if label else NO_EMOTION_COLOR)
    return colors


def speaker_colors(names: Iterable[str]) -> dict[str, QColor]:
    """A colour per speaker name, the same in the transcript and on the timeline.

    Each name prefers the palette slot its CRC-32 picks (so a speaker keeps its colour when others come and
    go); a name whose slot is taken gets the next free one, so a handful of speakers never share a colour."""
    return {name: QColor(SPEAKER_COLORS[slot]) for name, slot in _palette_slots(names, len(SPEAKER_COLORS)).items()}


def _preferred_slot(name: str, count: int) -> int:
    return zlib.crc32(name.encode()) % count


def _palette_slots(names: Iterable[str], count: int) -> dict[str, int]:
    """A slot of a ``count``-colour palette per distinct non-empty name: the one its CRC-32 picks, or the next
    free one when an earlier name (in sorted order) has it; names share slots only when all are taken."""
    slots: dict[str, int] = {}
    taken: set[int] = set()
    for name in sorted(set(names) - {""}):
        preferred = _preferred_slot(name, count)
        slot = next((s % count for s in range(preferred, preferred + count) if s % count not in taken), preferred)
        taken.add(slot)
        slots[name] = slot
    return slots
