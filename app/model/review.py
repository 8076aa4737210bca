"""The one review model: which segments a user can review and label, with their context.

The window's review queue, every export and the CLI ask :func:`review_items`, so they list the same segments:
the flagged moments (:func:`analysis.salience.moments`: one per moment, whether the audio, the motion or both
flagged it, never overlapping, each peak inside its own segment), and the ranges users chose themselves
(selections, and labels whose segment a later analysis no longer flags). Each item carries the pauses around its
moment, the shot change it coincides with, and the labels given to it: those on the moment's key, and those on
the keys its flags had on their own (an audio peak labelled before the motion run joined it to a motion peak).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass

from analysis.pauses import PauseIndex, Span
from analysis.salience import (
    CAMERA_KINDS,
    DEFAULT_SHOT_RULE,
    MULTIMODAL_DELTA_MS,
    Flag,
    Moment,
    Shot,
    ShotIndex,
    ShotRule,
    moments,
)
from app.model.records import LabelRecord, segment_key
from app.timecode import format_mmss

SOURCE_AUDIO = "audio_peak"
SOURCE_MOTION = "motion_peak"
SOURCE_MULTIMODAL = "multimodal_peak"
SOURCE_SELECTION = "selection"
FLAGGED_SOURCES = (SOURCE_AUDIO, SOURCE_MOTION, SOURCE_MULTIMODAL)
SOURCE_TITLES = {
    SOURCE_AUDIO: "audio",
    SOURCE_MOTION: "motion",
    SOURCE_MULTIMODAL: "audio + motion",
    SOURCE_SELECTION: "selection",
}
"""How the review queue and the report name where a segment came from."""


@dataclass(frozen=True, slots=True)
class Segment:
    """A range that can be labelled: a flagged segment, or a range the user chose."""

    source: str
    """One of :data:`FLAGGED_SOURCES`, or 'selection' (or another label source) for a range a user chose."""
    start_ms: int
    end_ms: int
    peak_ms: int | None = None
    z: float | None = None
    """For a flagged segment, its z-score (an audio + motion moment: |z_audio| + |z_motion|)."""
    audio: TrackPeak | None = None
    """For a flagged segment, the audio's strongest peak in it (None when the audio did not flag it)."""
    motion: TrackPeak | None = None
    """For a flagged segment, the motion's strongest peak in it (None when the motion did not flag it)."""
    aliases: tuple[str, ...] = ()
    """Other keys a label on this moment may carry: those of its flags on their own and of their pairs."""

    @property
    def key(self) -> str:
        """Names the segment across re-analyses; labels on it carry this key."""
        return segment_key(self.source, self.start_ms, self.end_ms)

    @property
    def moment_ms(self) -> int:
        """The time the segment is centred on: the peak, or the middle of the range."""
        return self.peak_ms if self.peak_ms is not None else (self.start_ms + self.end_ms) // 2

    @property
    def flagged(self) -> bool:
        """Whether an analysis flagged it (rather than a user choosing it)."""
        return self.source in FLAGGED_SOURCES

    @property
    def keys(self) -> tuple[str, ...]:
        """Every key a label on this segment may carry: its own first, then its aliases."""
        return (self.key, *self.aliases)

    @property
    def tracks(self) -> str:
        """Which tracks flagged it ('audio', 'motion', 'audio + motion'), or where a range came from."""
        return SOURCE_TITLES.get(self.source, self.source)

    @property
    def tracks_detail(self) -> str:
        """Each track's peak and z: 'audio: peak 00:07.907, z +5.14 · motion: peak 00:08.200, z +2.31'."""
        parts = [
            f"{name}: peak {format_mmss(peak.peak_ms)}, z {peak.z:+.2f}"
            for name, peak in (("audio", self.audio), ("motion", self.motion))
            if peak is not None
        ]
        return " · ".join(parts)


@dataclass(frozen=True, slots=True)
class TrackPeak:
    """One track's part in a flagged moment: its strongest peak's time and z-score."""

    peak_ms: int
    z: float


@dataclass(frozen=True, slots=True)
class ReviewItem:
    """A segment to review, with what surrounds it and the labels it has."""

    segment: Segment
    pause_before: Span | None
    """The nearest pause that ends at or before the segment's moment."""
    pause_after: Span | None
    """The nearest pause that starts at or after the segment's moment."""
    shot_change: Shot | None
    """The shot change the segment coincides with (never set for a selection)."""
    labels: tuple[LabelRecord, ...]
    """Every annotator's labels on the segment, in the order they were given."""
    rule: ShotRule = DEFAULT_SHOT_RULE
    """The rule that found ``shot_change`` (its margin is part of the reason given)."""

    @property
    def key(self) -> str:
        """The segment's key (``source:start_ms:end_ms``), which its labels carry."""
        return self.segment.key

    @property
    def not_significant(self) -> bool:
        """Unlabelled at a shot change: the motion there is the camera's, so clips and datasets leave it out."""
        return self.shot_change is not None and not self.labels

    @property
    def why(self) -> str:
        """Why it is not significant ("within 0.5 s of a cut at 00:12.300"), or '' when it is significant."""
        return shot_reason(self.shot_change, self.rule) if self.not_significant else ""

    def own_label(self, annotator: str) -> LabelRecord | None:
        """The label ``annotator`` gave this segment: the one on its own key, else their latest (by id) on one of
        its aliases; None when they gave none."""
        mine = [label for label in self.labels if label.annotator == annotator]
        on_key = [label for label in mine if label.segment_key == self.key]
        return max(on_key or mine, key=lambda label: label.id, default=None)


def shot_reason(shot: Shot, rule: ShotRule) -> str:
    """Why a segment coincides with ``shot`` under ``rule``: "within 0.5 s of a cut at 00:12.300", "within
    0.5 s of a fade 00:12.300–00:14.100", "during a pan 00:03.000–00:05.200"."""
    if shot.kind in CAMERA_KINDS:
        return f"during a {shot.kind} {format_mmss(shot.start_ms)}–{format_mmss(shot.end_ms)}"
    where = (
        f"at {format_mmss(shot.start_ms)}"
        if shot.end_ms <= shot.start_ms
        else f"{format_mmss(shot.start_ms)}–{format_mmss(shot.end_ms)}"
    )
    return f"within {rule.margin_ms / 1000:g} s of a {shot.kind} {where}"


def moment_segment(moment: Moment) -> Segment:
    """The reviewable segment of a flagged moment: named by the tracks that flagged it, with each track's peak."""
    audio, motion = moment.audio_peak, moment.motion_peak
    source = SOURCE_MULTIMODAL if audio and motion else SOURCE_AUDIO if audio else SOURCE_MOTION
    own = segment_key(source, moment.start_ms, moment.end_ms)
    aliases = [segment_key(SOURCE_AUDIO, flag.start_ms, flag.end_ms) for flag in moment.audio]
    aliases += [segment_key(SOURCE_MOTION, flag.start_ms, flag.end_ms) for flag in moment.motion]
    aliases += [  # the pairs the audio + motion rows used to name (peaks at most MULTIMODAL_DELTA_MS apart)
        segment_key(SOURCE_MULTIMODAL, min(a.start_ms, m.start_ms), max(a.end_ms, m.end_ms))
        for a in moment.audio
        for m in moment.motion
        if abs(a.peak_ms - m.peak_ms) <= MULTIMODAL_DELTA_MS
    ]
    return Segment(
        source,
        moment.start_ms,
        moment.end_ms,
        moment.peak_ms,
        moment.z,
        TrackPeak(audio.peak_ms, audio.z) if audio else None,
        TrackPeak(motion.peak_ms, motion.z) if motion else None,
        tuple(dict.fromkeys(key for key in aliases if key != own)),
    )


def review_items(
    audio_peaks: Sequence[Flag] = (),
    motion_peaks: Sequence[Flag] = (),
    labels: Sequence[LabelRecord] = (),
    pauses: Sequence[Span] = (),
    shots: Sequence[Shot] = (),
    selections: Sequence[Segment] = (),
    rule: ShotRule = DEFAULT_SHOT_RULE,
) -> list[ReviewItem]:
    """Every segment of one media that can be reviewed, in time order (start, end, then source).

    ``audio_peaks`` and ``motion_peaks`` are the flags of the latest runs (anything with ``start_ms``,
    ``end_ms``, ``peak_ms`` and ``z``); they become moments (:func:`analysis.salience.moments`), one item each:
    an audio and a motion peak together are one audio + motion item, never three.
    ``labels`` are the media's labels: one whose ``segment_key`` is a moment's key or one of its aliases is
    attached to it; any other label is a range of its own (a selection, or a segment no longer flagged).
    ``selections`` are ranges chosen in this session and not labelled yet. ``pauses`` are in time order.
    ``rule`` says which shot changes make an unlabelled flagged segment not significant (the project's).
    """
    flagged = [moment_segment(moment) for moment in moments(audio_peaks, motion_peaks)]
    segments = {segment.key: segment for segment in flagged}
    owner = {alias: segment.key for segment in flagged for alias in segment.aliases}
    owner.update((key, key) for key in segments)
    attached: dict[str, list[LabelRecord]] = defaultdict(list)
    for label in labels:
        key = label.segment_key or segment_key(label.source, label.start_ms, label.end_ms)
        key = owner.get(key, key)
        if key not in segments:
            segments[key] = Segment(label.source, label.start_ms, label.end_ms, label.peak_ms)
        attached[key].append(label)
    for segment in selections:
        if segment.key not in owner:
            segments.setdefault(segment.key, segment)
    pause_index, shot_index = PauseIndex(pauses), ShotIndex(shots, rule=rule)
    items = []
    for key, segment in segments.items():
        context = pause_index.context(segment.moment_ms)
        shot = shot_index.near(segment.start_ms, segment.end_ms) if segment.flagged else None
        items.append(ReviewItem(segment, context.before, context.after, shot, tuple(attached.get(key, ())), rule))
    items.sort(key=lambda item: (item.segment.start_ms, item.segment.end_ms, item.segment.source))
    return items
