"""The colours a new vocabulary value gets: the first of a palette that no value has yet, never a grey.

Two places add values (the vocabulary editor, a transcript import that meets an unknown label), so the rule
lives here. Grey is left out: it reads as "not yet labelled" in the review queue and as a disabled value.
"""

from __future__ import annotations

from collections.abc import Iterable

LABEL_COLORS = (
    "#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#bcbd22", "#17becf",
    "#aec7e8", "#ffbb78", "#98df8a", "#ff9896", "#c5b0d5", "#c49c94", "#f7b6d2", "#dbdb8d", "#9edae5",
)  # fmt: skip
"""matplotlib's tab20 without its two greys (#7f7f7f, #c7c7c7)"""


def unused_label_color(used: Iterable[str]) -> str:
    """The first colour of :data:`LABEL_COLORS` not in ``used`` (any case); when all are taken, the one used
    least often, earliest in the palette on a tie."""
    counts = dict.fromkeys(LABEL_COLORS, 0)
    for color in used:
        if color.lower() in counts:
            counts[color.lower()] += 1
    return min(LABEL_COLORS, key=lambda color: counts[color])
