"""The colours the views share: the dark chart theme, one colour per emotion and per speaker, text on a fill.

One home, so that a speaker or an emotion has the same colour in the transcript, on the timeline, over the
video and in the panels.
"""

from __future__ import annotations

import zlib
from collections.abc import Iterable

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
"""One colour per emotion, readable on the dark timeline and distinct from each other (happy is orange
rather than yellow so the yellow playhead stays visible over it)."""
UNKNOWN_COLOR = "#bdbdbd"
"""For an emotion name that is not in :data:`EMOTION_COLORS`."""

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


def text_color_on(background: QColor) -> QColor:
    """Dark text on a light fill, white on a dark one."""
    luma = 0.299 * background.red() + 0.587 * background.green() + 0.114 * background.blue()
    return QColor(20, 20, 22) if luma > 140 else QColor(250, 250, 250)


def emotion_color(emotion: str) -> str:
    """The colour of ``emotion`` (a neutral grey for a name not in :data:`EMOTION_COLORS`)."""
    return EMOTION_COLORS.get(emotion, UNKNOWN_COLOR)


def speaker_colors(names: Iterable[str]) -> dict[str, QColor]:
    """A colour per speaker name, the same in the transcript and on the timeline.

    Each name prefers the palette slot its CRC-32 picks (so a speaker keeps its colour when others come and
    go); a name whose slot is taken gets the next free one, so a handful of speakers never share a colour."""
    colors: dict[str, QColor] = {}
    taken: set[int] = set()
    count = len(SPEAKER_COLORS)
    for name in sorted(set(names) - {""}):
        preferred = zlib.crc32(name.encode()) % count
        slot = next((s % count for s in range(preferred, preferred + count) if s % count not in taken), preferred)
        taken.add(slot)
        colors[name] = QColor(SPEAKER_COLORS[slot])
    return colors
