"""When a face's dominant emotion counts: the one rule every view, export and the command line follow. Qt-free.

The FER2013 model always names *some* emotion, even for a blurred face in a crowd. Its dominant emotion counts
only when its probability is at least :data:`MIN_PROBABILITY` **and** it beats the runner-up by at least
:data:`MIN_MARGIN`; otherwise the face is *uncertain* and shown as ``uncertain (angry 38 %)``, in grey.

The numbers come from the model on real faces (``bench/bench_emotion_confidence.py``, ``bench/RESULTS.md``,
issue 14): on the smiling faces of a group photo the top probability is 0.99 at the median and five of six
faces pass; on 62 faces of people walking towards a 1080p camera (about 50 px tall) it is 0.51 at the median,
a quarter of them have a margin under 0.12, and about half pass — the other half are the "sad" and "angry"
labels a person looking at the crowd would not give.
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np

MIN_PROBABILITY = 0.5
"""the dominant emotion's probability must be at least this"""
MIN_MARGIN = 0.15
"""… and exceed the second most probable emotion's by at least this"""
UNCERTAIN = "uncertain"
"""what views show instead of the emotion of an uncertain face"""


def uncertain_rows(probabilities: np.ndarray) -> np.ndarray:
    """For rows ``[N, L]`` of probabilities, True where the dominant emotion does not count."""
    values = np.asarray(probabilities, np.float64)
    if values.ndim != 2 or values.shape[0] == 0:
        return np.zeros(values.shape[0] if values.ndim == 2 else 0, bool)
    if values.shape[1] < 2:
        return values[:, 0] < MIN_PROBABILITY if values.shape[1] else np.ones(len(values), bool)
    top = np.sort(values, axis=1)
    return (top[:, -1] < MIN_PROBABILITY) | (top[:, -1] - top[:, -2] < MIN_MARGIN)


def is_uncertain(probabilities: Iterable[float]) -> bool:
    """Whether one face's dominant emotion does not count (see the module)."""
    return bool(uncertain_rows(np.asarray([list(probabilities)], np.float64))[0])


def emotion_caption(label: str, probability: float, uncertain: bool) -> str:
    """``"happy 91 %"``, or ``"uncertain (angry 38 %)"`` for an uncertain face."""
    text = f"{label} {probability:.0%}".replace("%", " %")
    return f"{UNCERTAIN} ({text})" if uncertain else text
