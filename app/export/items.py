"""The rows of every export: a project's flagged segments and labels as :class:`ExportItem`, with safe names.

One *item* is one row of every export: a flagged moment (the peaks of a media's latest ``audio_peaks`` run and
of its latest finished ``motion`` run, merged into moments by the review model: one per moment, whichever tracks
flagged it) with one of its labels, a flagged moment nobody labelled yet (an empty label), or a label on a range
the user chose (source ``selection``). Several annotators labelling the same segment give several rows. With a
transcript (the one the user sees, :func:`app.pipelines.transcription.stored_transcript`), an item carries what
was said: the words inside its range (``transcript``) and the words from its start − W to its end + W
(``transcript_context``), W being the export's context when it has one, else :data:`TRANSCRIPT_CONTEXT_MS`.

A flagged segment that coincides with a shot change (a cut or a zoom, see
:func:`app.pipelines.motion.shot_change_near`) is *not significant* until someone labels it: the motion there
is the camera's or the editor's, not the subject's. A row labelled with an ``exclude`` value ("not
significant") is not significant either: it is never a class. Such rows stay in the report and the tables,
marked, but clips and datasets leave them out. Items of a video carry motion figures: from the media's motion run (the
magnitude and moving share at the moment, the mean and maximum over the segment) and from the flow around
the moment (:func:`analysis.peak_detail.peak_detail` with the run's method and width: the net motion over the
second before and after it, with heatmap and overlay pictures), all in reference pixels per second.

Before writing anything, an export checks what it needs here: a context that is not negative, the media files it
must read, and (clips and datasets) that some item is left once the not significant ones are left out.
"""

from __future__ import annotations

import bisect
import logging
import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from analysis.errors import ExportError, MediaError
from analysis.pauses import Span
from analysis.urls import redact_url
from app.export.faces import FaceIndex, FacesAround, face_values, stored_faces
from app.export.files import rounded
from app.model.records import LabelRecord, MediaRecord, RunRecord, SegmentRecord
from app.model.review import ReviewItem, review_items, shot_reason
from app.model.transcript import DEFAULT_CONTEXT_WINDOW_S, Word, all_words, words_text
from app.pipelines.audio import RUN_AUDIO_PEAKS, RUN_PAUSES, TRACK_AUDIO_PEAK, TRACK_PAUSE
from app.pipelines.motion import TRACK_MOTION_PEAK, StoredMotion, load_motion, shot_rule
from app.pipelines.runs import without_missing
from app.pipelines.transcription import stored_transcript
from app.project.store import Store
from app.timecode import ms_to_s

log = logging.getLogger(__name__)

MOTION_COLUMNS = (
    "shot_change",
    "motion_magnitude",
    "motion_mean",
    "motion_max",
    "motion_moving",
    "flow_magnitude_before",
    "flow_magnitude_after",
)
"""The shot change the segment coincides with ('cut at 00:09.000', or empty); from the motion run: the mean
flow magnitude of the sample nearest the moment, the mean and maximum of the samples in the segment, the share
of moving pixels at the moment; from the flow around the moment: the net motion over the second before and
the second after it (the flow between frames 1 s apart over 1 s: where things ended up, far below the run's
figures on fast motion).
Magnitudes in reference px/s. All empty for audio-only media; the four from the run empty without a motion run."""
TRANSCRIPT_CONTEXT_MS = DEFAULT_CONTEXT_WINDOW_S * 1000
"""The W of ``transcript_context`` (what was said from the item's start − W to its end + W) when the export has no
context of its own (a table, or a context of 0): the window's default "Around the peak" W, 10 s."""
EXCLUDE = "exclude"
"""The kind of the vocabulary values that mark a segment "not significant"."""
_NAME_PART_BYTES = 48
_STEM_BYTES = 40
_ANNOTATOR_BYTES = 32
_RESERVED_NAMES = frozenset(
    {"con", "prn", "aux", "nul", *(f"com{i}" for i in range(1, 10)), *(f"lpt{i}" for i in range(1, 10))}
)


@dataclass(frozen=True, slots=True)
class ExportItem:
    """One row of an export: a segment or range, with one label or none, and what surrounds it."""

    media_id: int
    media_path: str
    source_url: str | None
    video_id: str
    """The media's content fingerprint: the same recording has the same id wherever it lives."""
    has_video: bool
    duration_ms: int
    start_ms: int
    end_ms: int
    peak_ms: int | None
    z: float | None
    """The flagged segment's z-score; None for a range the user chose."""
    source: str
    """'audio_peak', 'motion_peak' or 'multimodal_peak' (both tracks flagged the moment) for a flagged segment,
    'selection' (or another label source) for a range the user chose: :mod:`app.model.review`'s sources."""
    label: str
    """The vocabulary value, or '' for a flagged segment nobody labelled."""
    kind: str
    """'label', 'exclude' ("not significant"), or '' when unlabelled."""
    intensity: int | None
    confidence: float | None
    annotator: str
    note: str
    provenance: str
    pause_before_ms: int | None
    """Duration of the nearest pause that ends at or before the item's moment."""
    pause_after_ms: int | None
    """Duration of the nearest pause that starts at or after the item's moment."""
    name: str
    """A base file name, unique within the export and safe on every file system."""
    tracks: str = ""
    """For a flagged segment, each track's peak and z ('audio: peak 00:06.312, z +4.10 · motion: peak 00:06.640,
    z +2.05'); '' for a range the user chose."""
    transcript: str = ""
    """The words said inside the item's range (a word counts when it overlaps it); '' without a transcript."""
    transcript_before: str = ""
    """The words said from the item's start − W up to its range (W: see :data:`TRANSCRIPT_CONTEXT_MS`)."""
    transcript_after: str = ""
    """The words said after the item's range, up to its end + W."""
    shot_change: str = ""
    """Why the segment coincides with a shot change under the project's rule ('within 0.5 s of a cut at
    00:09.000', 'during a zoom 00:11.000–00:12.400'), else ''."""
    motion_magnitude: float | None = None
    """Mean flow magnitude (reference px/s) of the motion run's sample nearest the moment; None without a run."""
    motion_mean: float | None = None
    """Mean of the samples in the segment (the nearest one when none falls inside)."""
    motion_max: float | None = None
    motion_moving: float | None = None
    """Share of moving pixels in the sample nearest the moment."""
    faces_around: FacesAround | None = None
    """The faces around the moment from the media's faces run; None without a finished run or a video."""
    flow_method: str = "dis"
    flow_width: int = 320
    """The motion run's flow method and analysis width (the motion pass's defaults without a run): the flow
    around the moment is computed with them, so its speed at t is the run's."""
    cuts_ms: tuple[int, ...] = ()
    """The motion run's cuts: flow across one is not motion, and the report says so."""

    @property
    def moment_ms(self) -> int:
        """The time the key frames are centred on: the peak, or the centre of the range."""
        return self.peak_ms if self.peak_ms is not None else (self.start_ms + self.end_ms) // 2

    @property
    def transcript_context(self) -> str:
        """What was said from the item's start − W to its end + W: before, inside and after its range."""
        return " ".join(part for part in (self.transcript_before, self.transcript, self.transcript_after) if part)

    @property
    def not_significant(self) -> bool:
        """Labelled "not significant" (an ``exclude`` value), or unlabelled at a shot change: listed in the report
        and tables, left out of clips and datasets."""
        return self.kind == EXCLUDE or (bool(self.shot_change) and not self.label)

    def clip_range(self, context_ms: int) -> tuple[int, int]:
        """The exported range: the item ± ``context_ms``, within the media."""
        return max(0, self.start_ms - context_ms), min(self.duration_ms, self.end_ms + context_ms)


def safe_name(text: str, max_bytes: int = _NAME_PART_BYTES) -> str:
    """A file-name-safe form of any text: letters (any script), digits, ``-``, ``_`` and inner dots.

    Separators, control characters and punctuation become ``_``; runs of dots collapse to one and no name
    starts or ends with a dot, so ``../../etc/passwd`` gives ``etc_passwd``. Lower case, at most
    ``max_bytes`` bytes of UTF-8, never a reserved Windows device name, ``unlabelled`` when nothing is left.
    """
    text = unicodedata.normalize("NFKC", text).lower()
    kept = "".join(ch if ch.isalnum() or ch in "-." else "_" for ch in text)
    kept = re.sub(r"_*\._*", ".", kept)
    kept = re.sub(r"\.{2,}", ".", kept)
    kept = re.sub(r"_{2,}", "_", kept).strip("._-")
    encoded = kept.encode("utf-8")[:max_bytes]
    kept = encoded.decode("utf-8", errors="ignore").strip("._-")
    if not kept:
        return "unlabelled"
    if kept.split(".")[0] in _RESERVED_NAMES:
        kept = f"{kept}_"
    return kept


def _time_tag(ms: int) -> str:
    return f"{ms / 1000:010.3f}"


def _base_name(record: MediaRecord, start_ms: int, end_ms: int, label: str, annotator: str) -> str:
    stem = safe_name(Path(record.path).stem, _STEM_BYTES)
    parts = [stem, f"{_time_tag(start_ms)}-{_time_tag(end_ms)}", safe_name(label)]
    if label:
        parts.append(safe_name(annotator, _ANNOTATOR_BYTES))
    return "_".join(parts)


def latest_spans(store: Store, media_id: int, kind: str, track: str) -> tuple[RunRecord | None, list[Any]]:
    """The media's latest run of ``kind`` and its segments on ``track``; (None, []) without such a run."""
    run = store.latest_run(media_id, kind)
    return run, (store.segments(run.id, track) if run else [])


def collect_items(
    store: Store, labels_only: bool = False, transcript_context_ms: int = TRANSCRIPT_CONTEXT_MS
) -> list[ExportItem]:
    """Every row of the project's exports: per media in the order they were added, then in time order.

    The segments are the review model's (:func:`app.model.review.review_items`), as the window's queue lists
    them: the moments flagged by the latest audio run and the latest finished motion run (one per moment, by
    audio, motion or both), and the ranges users labelled. A segment gives one row per label on it, or one
    unlabelled row (left out with ``labels_only``); a label whose segment a later analysis no longer flags is a
    row of its own. With a transcript, each row gets what was said in its range and ± ``transcript_context_ms``
    around it.
    """
    if transcript_context_ms < 0:
        raise ValueError(f"the transcript context cannot be negative (got {transcript_context_ms} ms)")
    items: list[ExportItem] = []
    used: set[str] = set()
    rule = shot_rule(store)
    for record in store.all_media():
        _, audio_rows = latest_spans(store, record.id, RUN_AUDIO_PEAKS, TRACK_AUDIO_PEAK)
        _, pause_rows = latest_spans(store, record.id, RUN_PAUSES, TRACK_PAUSE)
        motion = without_missing(load_motion, store, record.id) if record.info.has_video else None
        motion_rows = store.segments(motion.run_id, TRACK_MOTION_PEAK) if motion else []
        faces = stored_faces(store, record) if record.info.has_video else None
        transcript = stored_transcript(store, record.id)
        said = _Said(all_words(transcript.segments) if transcript else [], transcript_context_ms)
        review = review_items(
            [_flag(row) for row in audio_rows],
            [_flag(row) for row in motion_rows],
            store.labels(record.id),
            [Span(row.start_ms, row.end_ms) for row in pause_rows],
            motion.shots if motion is not None else (),
            rule=rule,
        )
        for entry in review:
            if not entry.labels and not labels_only:
                items.append(_item(record, entry, None, motion, faces, said, used))
            for label in sorted(entry.labels, key=lambda label: label.id):
                if entry.segment.z is None and entry.segment.flagged:
                    log.info("label %d: its segment is no longer flagged; exported as a range of its own", label.id)
                items.append(_item(record, entry, label, motion, faces, said, used))
    return items


class _Said:
    """The words of one media's transcript, looked up by range (binary searches: cheap for a 3-hour one)."""

    def __init__(self, words: Sequence[Word], context_ms: int) -> None:
        self._words = words
        self._ends = [word.end_ms for word in words]
        self._context_ms = context_ms

    def around(self, start_ms: int, end_ms: int) -> dict[str, str]:
        """The words before, inside and after [start, end) within ± the context, as ExportItem fields."""
        if not self._words:
            return {}
        lo, hi = start_ms - self._context_ms, end_ms + self._context_ms
        parts: dict[str, list[Word]] = {"transcript_before": [], "transcript": [], "transcript_after": []}
        index = bisect.bisect_right(self._ends, lo)
        while index < len(self._words) and self._words[index].start_ms < hi:
            word = self._words[index]
            index += 1
            if word.end_ms <= lo:
                continue
            # a word overlaps the range when it starts before its end and ends after its start (an instant word
            # at the start counts); otherwise it is before or after it
            if word.start_ms < end_ms and max(word.end_ms, word.start_ms + 1) > start_ms:
                parts["transcript"].append(word)
            elif word.start_ms < start_ms:
                parts["transcript_before"].append(word)
            else:
                parts["transcript_after"].append(word)
        return {name: words_text(words) for name, words in parts.items()}


@dataclass(frozen=True, slots=True)
class _StoredFlag:
    """A stored peak as the review model reads flags."""

    start_ms: int
    end_ms: int
    peak_ms: int
    z: float


def _flag(row: SegmentRecord) -> _StoredFlag:
    return _StoredFlag(row.start_ms, row.end_ms, row.start_ms if row.peak_ms is None else row.peak_ms, row.score or 0.0)


def _item(
    record: MediaRecord,
    entry: ReviewItem,
    label: LabelRecord | None,
    motion: StoredMotion | None,
    faces: FaceIndex | None,
    said: _Said,
    used: set[str],
) -> ExportItem:
    segment = entry.segment
    value = label.value if label else ""
    annotator = label.annotator if label else ""
    name = _base_name(record, segment.start_ms, segment.end_ms, value, annotator)
    unique, counter = name, 2
    while unique.casefold() in used:
        unique, counter = f"{name}_{counter}", counter + 1
    used.add(unique.casefold())
    fields: dict[str, Any] = {}
    if motion is not None:
        fields.update(_series_figures(motion, segment.start_ms, segment.end_ms, segment.moment_ms))
        fields["flow_method"], fields["flow_width"] = motion.options.method.value, motion.options.width
        fields["cuts_ms"] = tuple(shot.start_ms for shot in motion.shots if shot.kind == "cut")
    if entry.shot_change is not None:
        fields["shot_change"] = shot_reason(entry.shot_change, entry.rule)
    if faces is not None:
        fields["faces_around"] = faces.around(segment.moment_ms)
    fields.update(said.around(segment.start_ms, segment.end_ms))
    return ExportItem(
        media_id=record.id,
        media_path=record.path,
        source_url=redact_url(record.source_url) if record.source_url else None,
        video_id=record.fingerprint,
        has_video=record.info.has_video,
        duration_ms=record.info.duration_ms,
        start_ms=segment.start_ms,
        end_ms=segment.end_ms,
        peak_ms=segment.peak_ms,
        z=segment.z,
        source=segment.source,
        tracks=segment.tracks_detail,
        label=value,
        kind=label.kind if label else "",
        intensity=label.intensity if label else None,
        confidence=label.confidence if label else None,
        annotator=annotator,
        note=label.note if label else "",
        provenance=label.provenance if label else "",
        pause_before_ms=entry.pause_before.duration_ms if entry.pause_before else None,
        pause_after_ms=entry.pause_after.duration_ms if entry.pause_after else None,
        name=unique,
        **fields,
    )


def _series_figures(motion: StoredMotion, start_ms: int, end_ms: int, moment_ms: int) -> dict[str, float]:
    """The motion run's figures of a segment: the sample nearest the moment, and the samples in the segment.

    A sample stands for the interval from its pair to the next sample (1/fps); it is in the segment when that
    interval's middle is. A motion peak thus gets exactly the samples it was found on, however the frame times
    fall, and the nearest sample to its peak is the one it peaked at.
    """
    series = motion.series
    if len(series) == 0:
        return {}
    nearest = int(np.argmin(np.abs(series.times - moment_ms / 1000)))
    middles = series.times + 0.5 / motion.options.fps
    inside = (middles >= start_ms / 1000) & (middles < end_ms / 1000)
    values = series.magnitude[inside] if inside.any() else series.magnitude[nearest : nearest + 1]
    return {
        "motion_magnitude": float(series.magnitude[nearest]),
        "motion_mean": float(values.mean()),
        "motion_max": float(values.max()),
        "motion_moving": float(series.moving[nearest]),
    }


def item_row(item: ExportItem, flow: tuple[float, float] | None = None) -> dict[str, Any]:
    """The item's values in export columns (times in seconds), without the file columns.

    ``flow`` is (mag(t − 1 s → t), mag(t → t + 1 s)) of the flow around the moment, when there is one.
    """
    return {
        "name": item.name,
        "label": item.label,
        "kind": item.kind,
        "intensity": item.intensity,
        "confidence": item.confidence,
        "annotator": item.annotator,
        "provenance": item.provenance,
        "note": item.note,
        "source": item.source,
        "tracks": item.tracks,
        "video_id": item.video_id,
        "source_path": item.media_path,
        "source_url": item.source_url or "",
        "start_s": ms_to_s(item.start_ms),
        "end_s": ms_to_s(item.end_ms),
        "peak_s": ms_to_s(item.peak_ms),
        "z": rounded(item.z),
        "pause_before_s": ms_to_s(item.pause_before_ms),
        "pause_after_s": ms_to_s(item.pause_after_ms),
        "transcript": item.transcript,
        "transcript_context": item.transcript_context,
        "shot_change": item.shot_change,
        "motion_magnitude": rounded(item.motion_magnitude),
        "motion_mean": rounded(item.motion_mean),
        "motion_max": rounded(item.motion_max),
        "motion_moving": rounded(item.motion_moving),
        "flow_magnitude_before": rounded(flow[0]) if flow else None,
        "flow_magnitude_after": rounded(flow[1]) if flow else None,
        **face_values(item.faces_around),
    }


def _require(items: list[ExportItem], labels_only: bool, not_significant: int = 0) -> None:
    if not items:
        what = "labelled segments" if labels_only else "flagged segments or labels"
        why = (
            f" ({not_significant} not significant: labelled so, or unlabelled at a shot change)"
            if not_significant
            else ""
        )
        raise ExportError(f"nothing to export: the project has no {what}{why}")


def exportable(items: Sequence[ExportItem], labels_only: bool) -> list[ExportItem]:
    """The items clips and datasets get: all but the not significant ones (labelled "not significant", or
    unlabelled at a shot change); stops when none is left."""
    kept = [item for item in items if not item.not_significant]
    left_out = len(items) - len(kept)
    if left_out:
        log.info("%d not significant rows left out", left_out)
    _require(kept, labels_only, left_out)
    return kept


def check_media(items: Sequence[ExportItem], original_rate: bool = False) -> None:
    """Stop before writing anything when a media file the export must read was moved or deleted.

    The 16 kHz WAVs come from the project's cache; video, key frames and original-rate audio need the file.
    """
    for path in sorted({item.media_path for item in items if item.has_video or original_rate}):
        if not Path(path).is_file():
            raise MediaError(f"{path}: file not found; it was moved or deleted after it was analysed")


def check_context(context_ms: int) -> None:
    """Refuse a negative context before anything is read or written."""
    if context_ms < 0:
        raise ValueError(f"the context cannot be negative (got {context_ms} ms)")
