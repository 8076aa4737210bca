"""The one review model: which segments a user can review and label, with their context.

The window's review queue, every export and the CLI ask :func:`review_items`, so they list the same segments:
audio peaks, motion peaks, audio + motion moments (an audio and a motion peak close in time), and the ranges
users chose themselves (selections, and labels whose segment a later analysis no longer flags). Each item
carries the pauses around its moment, the shot change it coincides with, and the labels given to it.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass

from analysis.pauses import PauseIndex, Span
from analysis.salience import Flag, Shot, ShotIndex, multimodal_peaks
from app.model.records import LabelRecord, segment_key

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

    @property
    def key(self) -> str:
        """The segment's key (``source:start_ms:end_ms``), which its labels carry."""
        return self.segment.key

    @property
    def not_significant(self) -> bool:
        """Unlabelled at a shot change: the motion there is the camera's, so clips and datasets leave it out."""
        return self.shot_change is not None and not self.labels

    def own_label(self, annotator: str) -> LabelRecord | None:
        """The label ``annotator`` gave this segment (their latest), or None."""
        return next((label for label in reversed(self.labels) if label.annotator == annotator), None)


def review_items(
    audio_peaks: Sequence[Flag] = (),
    motion_peaks: Sequence[Flag] = (),
    labels: Sequence[LabelRecord] = (),
    pauses: Sequence[Span] = (),
    shots: Sequence[Shot] = (),
    selections: Sequence[Segment] = (),
) -> list[ReviewItem]:
    """Every segment of one media that can be reviewed, in time order (start, end, then source).

    ``audio_peaks`` and ``motion_peaks`` are the flags of the latest runs (anything with ``start_ms``,
    ``end_ms``, ``peak_ms`` and ``z``); pairs of them close in time are added as audio + motion segments.
    ``labels`` are the media's labels: one on a flagged segment (its ``segment_key`` is the segment's key)
    is attached to it; any other label is a range of its own (a selection, or a segment no longer flagged).
    ``selections`` are ranges chosen in this session and not labelled yet. ``pauses`` are in time order.
    """
    flagged = [Segment(SOURCE_AUDIO, p.start_ms, p.end_ms, p.peak_ms, p.z) for p in audio_peaks]
    flagged += [Segment(SOURCE_MOTION, p.start_ms, p.end_ms, p.peak_ms, p.z) for p in motion_peaks]
    if audio_peaks and motion_peaks:
        flagged += [
            Segment(SOURCE_MULTIMODAL, p.start_ms, p.end_ms, p.peak_ms, p.score)
            for p in multimodal_peaks(audio_peaks, motion_peaks)
        ]
    segments = {segment.key: segment for segment in flagged}
    attached: dict[str, list[LabelRecord]] = defaultdict(list)
    for label in labels:
        key = label.segment_key or segment_key(label.source, label.start_ms, label.end_ms)
        if key not in segments:
            segments[key] = Segment(label.source, label.start_ms, label.end_ms, label.peak_ms)
        attached[key].append(label)
    for segment in selections:
        segments.setdefault(segment.key, segment)
    pause_index, shot_index = PauseIndex(pauses), ShotIndex(shots)
    items = []
    for key, segment in segments.items():
        context = pause_index.context(segment.moment_ms)
        shot = shot_index.near(segment.start_ms, segment.end_ms) if segment.flagged else None
        items.append(ReviewItem(segment, context.before, context.after, shot, tuple(attached.get(key, ()))))
    items.sort(key=lambda item: (item.segment.start_ms, item.segment.end_ms, item.segment.source))
    return items
