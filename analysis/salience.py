"""Pure rules that combine the analyses' flags: a shot change near a segment, audio and motion peaks together.

Everything here works on integer milliseconds and on any object with the attributes the protocols name, so the
window (live results), the exports (stored segments) and the CLI apply exactly the same rules.
"""

from __future__ import annotations

import bisect
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

SHOT_MARGIN_MS = 500
"""A cut this close to a segment (before or after) makes it coincide with the shot change."""
MULTIMODAL_DELTA_MS = 1000
"""An audio peak and a motion peak at most this far apart (peak to peak) are one audio + motion moment."""


class Flag(Protocol):
    """A flagged span: an audio or a motion peak."""

    @property
    def start_ms(self) -> int:
        """Start of the flagged span, in ms of media time."""

    @property
    def end_ms(self) -> int:
        """End of the flagged span, in ms of media time."""

    @property
    def peak_ms(self) -> int:
        """The span's most salient moment, in ms of media time."""

    @property
    def z(self) -> float:
        """How far the span's most extreme value lies from the centre, in standard deviations."""


class Shot(Protocol):
    """A shot change: a cut (start = end = the first frame of the new shot) or a zoom over a span."""

    @property
    def kind(self) -> str:
        """'cut' or 'zoom'."""

    @property
    def start_ms(self) -> int:
        """Where the change starts, in ms of media time."""

    @property
    def end_ms(self) -> int:
        """Where the change ends, in ms of media time (the start again for a cut)."""


@dataclass(frozen=True, slots=True)
class ShotSpan:
    """A shot change in milliseconds: ``kind`` is 'cut' or 'zoom'."""

    kind: str
    start_ms: int
    end_ms: int


def shot_change_near(start_ms: int, end_ms: int, shots: Sequence[Shot], margin_ms: int = SHOT_MARGIN_MS) -> Shot | None:
    """The shot change a segment coincides with: a cut within ``margin_ms`` of it, or a zoom overlapping it."""
    return ShotIndex(shots, margin_ms).near(start_ms, end_ms)


class ShotIndex:
    """The shot changes of a media made ready for many :func:`shot_change_near` look-ups (each a bisection over
    the changes sorted by start), so the shots of every segment of a long recording cost O(n log n)."""

    def __init__(self, shots: Sequence[Shot], margin_ms: int = SHOT_MARGIN_MS) -> None:
        self._margin_ms = margin_ms
        order = sorted(range(len(shots)), key=lambda index: shots[index].start_ms)
        self._shots = [shots[index] for index in order]
        self._positions = order
        """each sorted shot's place in the given sequence: the first matching one there is the answer"""
        self._starts = [shot.start_ms for shot in self._shots]
        self._longest_zoom_ms = max((shot.end_ms - shot.start_ms for shot in shots if shot.kind == "zoom"), default=0)

    def near(self, start_ms: int, end_ms: int) -> Shot | None:
        """What :func:`shot_change_near` says of the segment ``[start_ms, end_ms]``."""
        margin = self._margin_ms
        low = bisect.bisect_left(self._starts, min(start_ms - margin, start_ms - self._longest_zoom_ms))
        high = bisect.bisect_right(self._starts, end_ms + margin)
        found = None
        for index in range(low, high):
            shot = self._shots[index]
            if found is not None and self._positions[index] > self._positions[found]:
                continue
            if shot.kind == "cut" and start_ms - margin <= shot.start_ms <= end_ms + margin:
                found = index
            elif shot.kind == "zoom" and shot.start_ms < end_ms and start_ms < shot.end_ms:
                found = index
        return None if found is None else self._shots[found]


@dataclass(frozen=True, slots=True)
class MultimodalPeak:
    """An audio peak and a motion peak close in time: one moment seen and heard."""

    start_ms: int
    end_ms: int
    audio_peak_ms: int
    motion_peak_ms: int
    audio_z: float
    motion_z: float

    @property
    def peak_ms(self) -> int:
        """The moment of the pair: the audio peak (speech is what the analyst hears)."""
        return self.audio_peak_ms

    @property
    def score(self) -> float:
        """Combined z: |z_audio| + |z_motion|."""
        return abs(self.audio_z) + abs(self.motion_z)

    @property
    def z(self) -> float:
        """The pair's score, so a pair is a :class:`Flag` too."""
        return self.score


def multimodal_peaks(
    audio_peaks: Sequence[Flag], motion_peaks: Sequence[Flag], delta_ms: int = MULTIMODAL_DELTA_MS
) -> list[MultimodalPeak]:
    """Audio and motion peaks whose peak times are at most ``delta_ms`` apart, paired one to one (closest pairs
    first), ranked by combined z (highest first, then by start)."""
    candidates = []
    for i, a in enumerate(audio_peaks):
        for j, m in enumerate(motion_peaks):
            gap = abs(a.peak_ms - m.peak_ms)
            if gap <= delta_ms:
                candidates.append((gap, i, j))
    used_audio: set[int] = set()
    used_motion: set[int] = set()
    pairs = []
    for _, i, j in sorted(candidates):
        if i in used_audio or j in used_motion:
            continue
        used_audio.add(i)
        used_motion.add(j)
        a, m = audio_peaks[i], motion_peaks[j]
        pairs.append(
            MultimodalPeak(min(a.start_ms, m.start_ms), max(a.end_ms, m.end_ms), a.peak_ms, m.peak_ms, a.z, m.z)
        )
    pairs.sort(key=lambda p: (-p.score, p.start_ms))
    return pairs
