"""Pure rules that combine the analyses' flags: a shot change near a segment, audio and motion peaks merged
into moments (one moment, one segment, every peak inside its own).

Everything here works on integer milliseconds and on any object with the attributes the protocols name, so the
window (live results), the exports (stored segments) and the CLI apply exactly the same rules.
"""

from __future__ import annotations

import bisect
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

SHOT_MARGIN_MS = 500
"""By default, a cut, fade or dissolve this close to a segment (before or after) makes it coincide with it."""
TRANSITION_KINDS = ("cut", "fade", "dissolve")
"""Changes from one shot to another: a segment within the rule's margin of one coincides with it."""
CAMERA_KINDS = ("zoom", "pan")
"""Camera moves: a segment overlapping one coincides with it (its motion is the camera's)."""
MAX_SHOT_MARGIN_MS = 10_000
MULTIMODAL_DELTA_MS = 1000
"""An audio peak and a motion peak at most this far apart (peak to peak), or overlapping, are one moment."""


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
    """A shot change: a cut (start = end = the first frame of the new shot), or a fade, dissolve, zoom or pan
    over a span."""

    @property
    def kind(self) -> str:
        """'cut', 'fade', 'dissolve', 'zoom' or 'pan'."""

    @property
    def start_ms(self) -> int:
        """Where the change starts, in ms of media time."""

    @property
    def end_ms(self) -> int:
        """Where the change ends, in ms of media time (the start again for a cut)."""


@dataclass(frozen=True, slots=True)
class ShotSpan:
    """A shot change in milliseconds: ``kind`` is one of TRANSITION_KINDS or CAMERA_KINDS."""

    kind: str
    start_ms: int
    end_ms: int


@dataclass(frozen=True, slots=True)
class ShotRule:
    """Which shot changes make an unlabelled flagged segment "not significant" (its motion is the editing's or
    the camera's), and how near: a segment within ``margin_ms`` of a cut, fade or dissolve of ``kinds``, or
    overlapping a zoom or pan of ``kinds``. Stored with the project; raises ValueError for an unknown kind or
    a margin out of 0…MAX_SHOT_MARGIN_MS."""

    kinds: frozenset[str] = frozenset(TRANSITION_KINDS + CAMERA_KINDS)
    margin_ms: int = SHOT_MARGIN_MS

    def __post_init__(self) -> None:
        object.__setattr__(self, "kinds", frozenset(self.kinds))
        unknown = self.kinds - set(TRANSITION_KINDS + CAMERA_KINDS)
        if unknown:
            raise ValueError(f"unknown kind of shot change: {', '.join(sorted(unknown))}")
        if not isinstance(self.margin_ms, int) or not 0 <= self.margin_ms <= MAX_SHOT_MARGIN_MS:
            raise ValueError(f"the distance to a shot change must lie between 0 and {MAX_SHOT_MARGIN_MS} ms")

    def params(self) -> dict:
        """The rule as plain JSON values (kinds in their usual order)."""
        return {"kinds": [k for k in TRANSITION_KINDS + CAMERA_KINDS if k in self.kinds], "margin_ms": self.margin_ms}

    @classmethod
    def from_params(cls, params: dict) -> ShotRule:
        """The rule :meth:`params` gave; raises ValueError (or KeyError, TypeError) for anything else."""
        return cls(frozenset(str(kind) for kind in params["kinds"]), int(params["margin_ms"]))

    def applies(self, shot: Shot, start_ms: int, end_ms: int) -> bool:
        """Whether ``shot`` makes the segment ``[start_ms, end_ms]`` coincide with a shot change."""
        if shot.kind not in self.kinds:
            return False
        if shot.kind in CAMERA_KINDS:
            return shot.start_ms < end_ms and start_ms < shot.end_ms
        return shot.start_ms - self.margin_ms <= end_ms and start_ms <= shot.end_ms + self.margin_ms


DEFAULT_SHOT_RULE = ShotRule()


def shot_change_near(
    start_ms: int, end_ms: int, shots: Sequence[Shot], margin_ms: int = SHOT_MARGIN_MS, rule: ShotRule | None = None
) -> Shot | None:
    """The shot change a segment coincides with under ``rule`` (by default every kind, ``margin_ms``)."""
    return ShotIndex(shots, margin_ms, rule).near(start_ms, end_ms)


class ShotIndex:
    """The shot changes of a media made ready for many :func:`shot_change_near` look-ups (each a bisection over
    the changes sorted by start), so the shots of every segment of a long recording cost O(n log n)."""

    def __init__(self, shots: Sequence[Shot], margin_ms: int = SHOT_MARGIN_MS, rule: ShotRule | None = None) -> None:
        self.rule = rule or ShotRule(margin_ms=margin_ms)
        order = sorted(range(len(shots)), key=lambda index: shots[index].start_ms)
        self._shots = [shots[index] for index in order]
        self._positions = order
        """each sorted shot's place in the given sequence: the first matching one there is the answer"""
        self._starts = [shot.start_ms for shot in self._shots]
        self._longest_ms = max((shot.end_ms - shot.start_ms for shot in shots), default=0)

    def near(self, start_ms: int, end_ms: int) -> Shot | None:
        """What :func:`shot_change_near` says of the segment ``[start_ms, end_ms]``."""
        margin = self.rule.margin_ms
        low = bisect.bisect_left(self._starts, start_ms - margin - self._longest_ms)
        high = bisect.bisect_right(self._starts, end_ms + margin)
        found = None
        for index in range(low, high):
            if found is not None and self._positions[index] > self._positions[found]:
                continue
            if self.rule.applies(self._shots[index], start_ms, end_ms):
                found = index
        return None if found is None else self._shots[found]


@dataclass(frozen=True, slots=True)
class Moment:
    """One moment to review: the audio and motion flags that describe it, merged into one span.

    Its span covers every flag it holds (each flag's own span and its peak), so every peak of the moment lies
    inside it, and no two moments overlap (see :func:`moments`).
    """

    start_ms: int
    end_ms: int
    audio: tuple[Flag, ...]
    """The audio peaks merged into this moment, in time order (often one, or none)."""
    motion: tuple[Flag, ...]
    """The motion peaks merged into this moment, in time order."""

    @property
    def audio_peak(self) -> Flag | None:
        """The strongest audio peak (largest |z|, the earliest of equals), or None."""
        return _strongest(self.audio)

    @property
    def motion_peak(self) -> Flag | None:
        """The strongest motion peak, or None."""
        return _strongest(self.motion)

    @property
    def tracks(self) -> tuple[str, ...]:
        """The tracks that flagged it: ('audio',), ('motion',) or ('audio', 'motion')."""
        return (("audio",) if self.audio else ()) + (("motion",) if self.motion else ())

    @property
    def peak_ms(self) -> int:
        """The moment's time: the strongest audio peak (speech is what the analyst hears), else the motion one."""
        flag = self.audio_peak or self.motion_peak
        assert flag is not None
        return flag.peak_ms

    @property
    def z(self) -> float:
        """The strongest peak's z for one track; with both, the combined score |z_audio| + |z_motion|."""
        audio, motion = self.audio_peak, self.motion_peak
        if audio is not None and motion is not None:
            return abs(audio.z) + abs(motion.z)
        flag = audio or motion
        assert flag is not None
        return flag.z


def _strongest(flags: Sequence[Flag]) -> Flag | None:
    return min(flags, key=lambda flag: (-abs(flag.z), flag.peak_ms), default=None)


def _reach(flag: Flag) -> tuple[int, int]:
    """A flag's span widened to its peak (older stored audio peaks may lie just outside their windows)."""
    return min(flag.start_ms, flag.peak_ms), max(flag.end_ms, flag.peak_ms)


def moments(
    audio_peaks: Sequence[Flag], motion_peaks: Sequence[Flag], delta_ms: int = MULTIMODAL_DELTA_MS
) -> list[Moment]:
    """The moments to review, in time order: each flag belongs to exactly one, and none overlap.

    An audio peak and a motion peak are one moment when their spans overlap or touch, or when their peak times
    are at most ``delta_ms`` apart (a word and the gesture with it). Then moments whose spans overlap or touch
    are merged, so no peak lies inside another moment's span. Two peaks of the same track stay two moments
    unless something overlaps both: they were flagged apart. O(n log n) plus the pairs within ``delta_ms``.
    """
    flags = [*audio_peaks, *motion_peaks]
    n_audio = len(audio_peaks)
    parent = list(range(len(flags)))

    def root(index: int) -> int:
        while parent[index] != index:
            parent[index] = parent[parent[index]]
            index = parent[index]
        return index

    by_peak = sorted(range(n_audio, len(flags)), key=lambda index: flags[index].peak_ms)
    motion_times = [flags[index].peak_ms for index in by_peak]
    for index in range(n_audio):
        peak = flags[index].peak_ms
        low = bisect.bisect_left(motion_times, peak - delta_ms)
        high = bisect.bisect_right(motion_times, peak + delta_ms)
        for other in by_peak[low:high]:
            parent[root(other)] = root(index)
    groups: dict[int, list[int]] = {}
    for index in range(len(flags)):
        groups.setdefault(root(index), []).append(index)
    hulls = []
    for members in groups.values():
        reaches = [_reach(flags[index]) for index in members]
        hulls.append((min(r[0] for r in reaches), max(r[1] for r in reaches), members))
    hulls.sort(key=lambda hull: (hull[0], hull[1]))
    merged: list[tuple[int, int, list[int]]] = []
    for start, end, members in hulls:
        if merged and start <= merged[-1][1]:
            last = merged[-1]
            merged[-1] = (last[0], max(last[1], end), last[2] + members)
        else:
            merged.append((start, end, list(members)))
    found = []
    for start, end, members in merged:
        members.sort(key=lambda index: (flags[index].peak_ms, index))
        audio = tuple(flags[index] for index in members if index < n_audio)
        motion = tuple(flags[index] for index in members if index >= n_audio)
        found.append(Moment(start, end, audio, motion))
    return found
