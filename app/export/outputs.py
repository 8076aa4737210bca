"""Exports of a project's flagged segments and labels: clips, a Hugging Face dataset, an HTML report, tables.

Qt-free: the CLI (``python main.py export``) and the window's File ▸ Export menu share this code.

One *item* is one row of every export: a flagged segment (the ``audio_peak`` segments of a media's latest
``audio_peaks`` run and the ``motion_peak`` segments of its latest finished ``motion`` run) with one of its
labels, a flagged segment nobody labelled yet (an empty label), or a label on a range the user chose (source
``selection``). Several annotators labelling the same segment give several rows. Transcripts do not exist
yet: the ``transcript`` column is always empty.

A flagged segment that coincides with a shot change (a cut or a zoom, see
:func:`app.pipelines.motion.shot_change_near`) is *not significant* until someone labels it: the motion there
is the camera's or the editor's, not the subject's. Such rows stay in the report and the tables, marked, but
clips and datasets leave them out. Items of a video carry motion figures: from the media's motion run (the
magnitude and moving share at the moment, the mean and maximum over the segment) and from the flow around
the moment (:func:`analysis.peak_detail.peak_detail`: mag(t − 1 s → t) and mag(t → t + 1 s), with heatmap and
overlay pictures), all in reference pixels per second.

Items of a video with a finished ``faces`` run carry face figures (:class:`FacesAround`): the faces of the run's
sample nearest the moment, and per person seen within ±1 s of it the mean emotion probabilities. Clips,
datasets and the report get a crop of every face of that sample (the face box widened by 20 %).

Every export is all or nothing: it refuses to overwrite an existing file unless ``force`` is given, writes
each file under a hidden temporary name and renames it when complete, and when it fails (disk full, no
permission, a cancel) it removes every file and folder it created, so no half-written export is left
(files that ``force`` replaced are gone too).
"""

from __future__ import annotations

import base64
import csv
import html
import io
import json
import logging
import math
import os
import random
import re
import shutil
import struct
import unicodedata
from collections import Counter, OrderedDict, defaultdict
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from fractions import Fraction
from pathlib import Path
from typing import Any, Literal

import av
import av.error
import cv2
import numpy as np

from analysis import audio, media
from analysis.errors import MediaError, SalientError, os_error_reason
from analysis.faces.stats import nearest_sample, persons_around, samples_around
from analysis.fer_model import EMOTIONS
from analysis.frames import FrameSource
from analysis.motion import REFERENCE_WIDTH
from analysis.pauses import Span, pause_context
from analysis.peak_detail import PeakDetail, peak_detail
from analysis.progress import NullProgress, Progress, SubProgress, check
from app.model.formats import EXPORT_KIND_NAMES, ExportRequest
from app.model.records import MediaRecord, RunRecord, segment_key
from app.pipelines.audio import RUN_AUDIO_PEAKS, RUN_PAUSES, TRACK_AUDIO_PEAK, TRACK_PAUSE, load_envelope
from app.pipelines.faces import StoredFaces, load_faces
from app.pipelines.motion import TRACK_MOTION_PEAK, StoredMotion, load_motion, shot_change_near
from app.project.store import Store
from app.timecode import format_mmss, ms_to_s

log = logging.getLogger(__name__)

SPLIT_NAMES = ("train", "validation", "test")
KEYFRAMES = (("before", -1000, "t-1s"), ("at", 0, "t"), ("after", 1000, "t+1s"))
"""Key frames of an item: (column suffix, offset from the peak or range centre in ms, file name suffix)."""
FLOW_IMAGES = (("heatmap", "before"), ("heatmap", "after"), ("overlay", "before"), ("overlay", "after"))
"""Flow pictures of an item: (rendering, interval); 'before' is t − 1 s → t, 'after' is t → t + 1 s. Each is
``<name>_flow_<rendering>_<interval>.png``, in a ``flow_<rendering>_<interval>`` column of the video metadata."""
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
of moving pixels at the moment; from the flow around the moment: mag(t − 1 s → t) and mag(t → t + 1 s).
Magnitudes in reference px/s. All empty for audio-only media; the four from the run empty without a motion run."""
EMOTION_COLUMNS = tuple(f"emotion_{name}" for name in EMOTIONS)
FACE_COLUMNS = ("faces", "persons", "face_emotion", "face_emotion_p", *EMOTION_COLUMNS)
"""From the media's faces run: the number of faces in the sample nearest the moment (0 when it has none), the
names of the persons seen within ±1 s of the moment (';'-joined), the dominant emotion of the largest face of
the nearest sample and its probability, and that face's person's mean probability of each emotion over the
samples within ±1 s. All empty for audio-only media and without a faces run; all but ``faces`` empty when no
face is near. A run of the user's own classifier fills an ``emotion_<label>`` column per label of its own instead
of EMOTION_COLUMNS (see :func:`with_emotion_columns`)."""
FACE_WINDOW_MS = 1000
"""Persons and their mean emotions come from the faces-run samples within ± this of the moment; the nearest
sample (whose faces are counted and cropped) must lie within it too."""
FACE_CROP_MARGIN = 0.2
"""A face crop is the face box widened by this share of its width and height (half on each side)."""
_FACE_NAME_BYTES = 32
METADATA_COLUMNS = (
    "file_name",
    "label",
    "kind",
    "intensity",
    "confidence",
    "annotator",
    "provenance",
    "note",
    "source",
    "video_id",
    "source_path",
    "source_url",
    "start_s",
    "end_s",
    "peak_s",
    "z",
    "pause_before_s",
    "pause_after_s",
    "transcript",
    *MOTION_COLUMNS,
    *FACE_COLUMNS,
    "face_crops",
    "clip_start_s",
    "clip_end_s",
)
"""Columns of a dataset's metadata; ``clip_*`` give the exported range (the segment ± context, within the media),
``face_crops`` the item's face crops (paths relative to the metadata file, ';'-joined; a list in the JSON Lines)."""
KEYFRAME_COLUMNS = tuple(f"keyframe_{column}" for column, _, _ in KEYFRAMES)
FLOW_IMAGE_COLUMNS = tuple(f"flow_{kind}_{interval}" for kind, interval in FLOW_IMAGES)
IMAGE_COLUMNS = KEYFRAME_COLUMNS + FLOW_IMAGE_COLUMNS
"""The picture columns of the video metadata, after METADATA_COLUMNS."""
TABLE_COLUMNS = ("name", *(column for column in METADATA_COLUMNS[1:-2] if column != "face_crops"), "not_significant")
X264_OPTIONS = {"preset": "veryfast", "crf": "18"}
"""Re-encoded clips: near-transparent quality (CRF 18). On 2 cores, 720p camera-like footage encodes at ~120 fps
with veryfast against ~260 fps with ultrafast, in files a quarter of the size (measured for bench_export.py)."""
PNG_OPTIONS = {"compression_level": "3"}
"""zlib level 3 instead of FFmpeg's default: a 720p key frame in ~50 ms instead of ~160–230 ms, and no bigger on
camera-like footage (688 against 725 KiB)."""
AAC_BIT_RATE = 128_000
"""Per two channels."""
REPORT_FRAME_WIDTH = 320
"""Key frames and flow pictures in the report are scaled to this width, so a report of hundreds of observations
stays small."""
FLOW_DETAILS_KEPT = 4
"""Whole flow details kept at once (a 640-px one holds some 10 MB of pictures); the rows of one segment follow
each other, so each moment's flow is computed once anyway."""
_NAME_PART_BYTES = 48
_STEM_BYTES = 40
_ANNOTATOR_BYTES = 32
_RESERVED_NAMES = frozenset(
    {"con", "prn", "aux", "nul", *(f"com{i}" for i in range(1, 10)), *(f"lpt{i}" for i in range(1, 10))}
)
_WAVE_FORMAT_IEEE_FLOAT = 3
_FRAME_CHECK = 25
"""Frames encoded between two checks for a cancel."""
_SEEK_ATTEMPTS = 6


class ExportError(SalientError):
    """An export cannot be written: a file exists already, the disk is full, no permission, nothing to export."""


@dataclass(frozen=True, slots=True)
class FaceSeen:
    """One face of the faces-run sample nearest an item's moment."""

    box: tuple[int, int, int, int]
    """x, y, width, height in pixels of the original frame"""
    person: int
    """The person's number in the project (after the user's merges and splits)."""
    name: str
    dominant: str
    probability: float
    """The probability of the dominant emotion."""


@dataclass(frozen=True, slots=True)
class PersonAround:
    """A person seen within ±FACE_WINDOW_MS of an item's moment, with the mean of their emotion probabilities."""

    number: int
    name: str
    samples: int
    """Samples of the window that show the person."""
    probabilities: tuple[tuple[str, float], ...]
    """(emotion, mean probability) over those samples, of the person's largest face in each, in the run's order."""
    dominant: str
    """The emotion of the highest mean probability."""


@dataclass(frozen=True, slots=True)
class FacesAround:
    """What the media's faces run saw around an item's moment."""

    sample_ms: int | None
    """The time of the sample nearest the moment (within ±FACE_WINDOW_MS); None when there is none."""
    faces: tuple[FaceSeen, ...]
    """The faces of that sample, left to right as the run found them."""
    persons: tuple[PersonAround, ...]
    """The persons of the samples within ±FACE_WINDOW_MS, by number."""
    labels: tuple[str, ...]
    """The faces run's emotion labels (FER's seven, or those of the user's own classifier), in order."""

    @property
    def largest(self) -> FaceSeen | None:
        """The largest face of the nearest sample (the first of equal ones)."""
        return max(self.faces, key=lambda face: face.box[2] * face.box[3], default=None)

    def person(self, number: int) -> PersonAround | None:
        return next((person for person in self.persons if person.number == number), None)


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
    """'audio_peak' for a flagged segment, 'selection' (or another label source) for a range the user chose."""
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
    transcript: str = ""
    shot_change: str = ""
    """'cut at 00:09.000' or 'zoom at 00:11.000' when the segment coincides with a shot change, else ''."""
    motion_magnitude: float | None = None
    """Mean flow magnitude (reference px/s) of the motion run's sample nearest the moment; None without a run."""
    motion_mean: float | None = None
    """Mean of the samples in the segment (the nearest one when none falls inside)."""
    motion_max: float | None = None
    motion_moving: float | None = None
    """Share of moving pixels in the sample nearest the moment."""
    faces_around: FacesAround | None = None
    """The faces around the moment from the media's faces run; None without a finished run or a video."""

    @property
    def moment_ms(self) -> int:
        """The time the key frames are centred on: the peak, or the centre of the range."""
        return self.peak_ms if self.peak_ms is not None else (self.start_ms + self.end_ms) // 2

    @property
    def not_significant(self) -> bool:
        """Unlabelled at a shot change: listed in the report and tables, left out of clips and datasets."""
        return bool(self.shot_change) and not self.label

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


def _latest_spans(store: Store, media_id: int, kind: str, track: str) -> tuple[RunRecord | None, list[Any]]:
    run = store.latest_run(media_id, kind)
    return run, (store.segments(run.id, track) if run else [])


def collect_items(store: Store, labels_only: bool = False) -> list[ExportItem]:
    """Every row of the project's exports: per media in the order they were added, then in time order.

    A flagged segment (an audio peak of the latest audio run, a motion peak of the latest finished motion run)
    gives one row per label on it (``label.segment_key == segment_key(source, start, end)``, as the window
    keys them) or one unlabelled row (left out with ``labels_only``). Every other label (a selection, or a
    label whose segment a later analysis no longer flags) is a row of its own range.
    """
    items: list[ExportItem] = []
    used: set[str] = set()
    for record in store.all_media():
        _, audio_segments = _latest_spans(store, record.id, RUN_AUDIO_PEAKS, TRACK_AUDIO_PEAK)
        _, pause_rows = _latest_spans(store, record.id, RUN_PAUSES, TRACK_PAUSE)
        motion = load_motion(store, record.id) if record.info.has_video else None
        motion_segments = store.segments(motion.run_id, TRACK_MOTION_PEAK) if motion else []
        faces = _stored_faces(store, record) if record.info.has_video else None
        pauses = [Span(row.start_ms, row.end_ms) for row in pause_rows]
        labels = store.labels(record.id)
        flagged = [(TRACK_AUDIO_PEAK, s) for s in audio_segments] + [(TRACK_MOTION_PEAK, s) for s in motion_segments]
        by_key = {segment_key(source, s.start_ms, s.end_ms): (source, s) for source, s in flagged}
        attached: dict[str, list[Any]] = defaultdict(list)
        loose = []
        for label in labels:
            if label.segment_key in by_key:
                attached[label.segment_key].append(label)
            else:
                loose.append(label)
        rows: list[tuple[tuple[int, int, int], dict[str, Any]]] = []
        for key, (source, segment) in by_key.items():
            base = {
                "start_ms": segment.start_ms,
                "end_ms": segment.end_ms,
                "peak_ms": segment.peak_ms,
                "z": segment.score,
                "source": source,
            }
            if not attached[key] and not labels_only:
                rows.append(((segment.start_ms, segment.end_ms, 0), base))
            for label in attached[key]:
                rows.append(((segment.start_ms, segment.end_ms, label.id), {**base, "label": label}))
        for label in loose:
            if label.source in (TRACK_AUDIO_PEAK, TRACK_MOTION_PEAK):
                log.info("label %d: its segment is no longer flagged; exported as a range of its own", label.id)
            fields = {"start_ms": label.start_ms, "end_ms": label.end_ms, "peak_ms": label.peak_ms, "z": None}
            rows.append(((label.start_ms, label.end_ms, label.id), {**fields, "source": label.source, "label": label}))
        rows.sort(key=lambda row: row[0])
        for _, fields in rows:
            items.append(_item(record, fields, pauses, motion, faces, used))
    return items


def _stored_faces(store: Store, record: MediaRecord) -> _FaceIndex | None:
    """The media's latest finished faces run; None without one, or (with a warning) when its samples are unreadable."""
    try:
        stored = load_faces(store, record.id)
    except (OSError, ValueError, KeyError, TypeError) as exc:
        log.warning("%s: the faces run cannot be read (%s); exported without face figures", record.path, exc)
        return None
    return None if stored is None else _FaceIndex(stored)


class _FaceIndex:
    """A faces run, to find the faces and the persons' emotions around a moment (see :mod:`analysis.faces.stats`)."""

    def __init__(self, stored: StoredFaces) -> None:
        self.stored = stored

    def around(self, moment_ms: int) -> FacesAround:
        """The nearest sample's faces and the persons within ±FACE_WINDOW_MS of ``moment_ms``."""
        stored = self.stored
        nearest = nearest_sample(samples_around(stored.samples, moment_ms, FACE_WINDOW_MS), moment_ms)
        persons = tuple(
            PersonAround(
                summary.person_id,
                stored.person_name(summary.person_id),
                summary.samples,
                tuple(summary.mean.items()),
                summary.strongest,
            )
            for summary in persons_around(stored.samples, moment_ms, FACE_WINDOW_MS, stored.labels)
        )
        seen = tuple(
            FaceSeen(
                tuple(int(v) for v in face.box),
                face.person_id,
                stored.person_name(face.person_id),
                face.dominant,
                float(face.probabilities[face.dominant]),
            )
            for face in (nearest.faces if nearest is not None else ())
        )
        return FacesAround(None if nearest is None else nearest.t_ms, seen, persons, stored.labels)


def _item(
    record: MediaRecord,
    fields: dict[str, Any],
    pauses: Sequence[Span],
    motion: StoredMotion | None,
    faces: _FaceIndex | None,
    used: set[str],
) -> ExportItem:
    label = fields.pop("label", None)
    moment = fields["peak_ms"] if fields["peak_ms"] is not None else (fields["start_ms"] + fields["end_ms"]) // 2
    context = pause_context(moment, pauses)
    value = label.value if label else ""
    annotator = label.annotator if label else ""
    name = _base_name(record, fields["start_ms"], fields["end_ms"], value, annotator)
    unique, counter = name, 2
    while unique.casefold() in used:
        unique, counter = f"{name}_{counter}", counter + 1
    used.add(unique.casefold())
    if motion is not None:
        fields.update(_series_figures(motion, fields["start_ms"], fields["end_ms"], moment))
        if fields["source"] != "selection":
            shot = shot_change_near(fields["start_ms"] / 1000, fields["end_ms"] / 1000, motion.shots)
            if shot is not None:
                fields["shot_change"] = f"{shot.kind} at {format_mmss(round(shot.start_s * 1000))}"
    if faces is not None:
        fields["faces_around"] = faces.around(moment)
    return ExportItem(
        media_id=record.id,
        media_path=record.path,
        source_url=record.source_url,
        video_id=record.fingerprint,
        has_video=record.info.has_video,
        duration_ms=record.info.duration_ms,
        label=value,
        kind=label.kind if label else "",
        intensity=label.intensity if label else None,
        confidence=label.confidence if label else None,
        annotator=annotator,
        note=label.note if label else "",
        provenance=label.provenance if label else "",
        pause_before_ms=context.before.duration_ms if context.before else None,
        pause_after_ms=context.after.duration_ms if context.after else None,
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


def _rounded(value: float | None, digits: int = 4) -> float | None:
    return None if value is None else round(value, digits)


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
        "video_id": item.video_id,
        "source_path": item.media_path,
        "source_url": item.source_url or "",
        "start_s": ms_to_s(item.start_ms),
        "end_s": ms_to_s(item.end_ms),
        "peak_s": ms_to_s(item.peak_ms),
        "z": _rounded(item.z),
        "pause_before_s": ms_to_s(item.pause_before_ms),
        "pause_after_s": ms_to_s(item.pause_after_ms),
        "transcript": item.transcript,
        "shot_change": item.shot_change,
        "motion_magnitude": _rounded(item.motion_magnitude),
        "motion_mean": _rounded(item.motion_mean),
        "motion_max": _rounded(item.motion_max),
        "motion_moving": _rounded(item.motion_moving),
        "flow_magnitude_before": _rounded(flow[0]) if flow else None,
        "flow_magnitude_after": _rounded(flow[1]) if flow else None,
        **face_values(item.faces_around),
    }


def face_values(around: FacesAround | None) -> dict[str, Any]:
    """The FACE_COLUMNS of an item and the ``emotion_<label>`` columns of its faces run's labels (None where empty)."""
    values: dict[str, Any] = dict.fromkeys(FACE_COLUMNS)
    if around is None:
        return values
    values.update(dict.fromkeys(_emotion_columns(around.labels)))
    if around.sample_ms is not None:
        values["faces"] = len(around.faces)
    values["persons"] = ";".join(person.name for person in around.persons) or None
    largest = around.largest
    if largest is not None:
        values.update(face_emotion=largest.dominant, face_emotion_p=_rounded(largest.probability))
        person = around.person(largest.person)
        if person is not None:
            values.update({f"emotion_{name}": _rounded(mean) for name, mean in person.probabilities})
    return values


def _emotion_columns(labels: Iterable[str]) -> tuple[str, ...]:
    return tuple(f"emotion_{label}" for label in labels)


def with_emotion_columns(columns: Sequence[str], items: Iterable[ExportItem]) -> tuple[str, ...]:
    """``columns`` with, after EMOTION_COLUMNS, an ``emotion_<label>`` column for every label of the items' faces
    runs that FER's emotions lack (in the order met): a run of the user's own classifier fills its own columns."""
    extra = dict.fromkeys(
        column
        for item in items
        if item.faces_around is not None
        for column in _emotion_columns(item.faces_around.labels)
        if column not in EMOTION_COLUMNS
    )
    at = columns.index(EMOTION_COLUMNS[-1]) + 1
    return (*columns[:at], *extra, *columns[at:])


# -- writing files all or nothing ------------------------------------------------------------------


class _Outputs:
    """The files one export writes: no overwrite without ``force``, each renamed into place when complete,
    and all of them (with the folders made for them) removed by :meth:`rollback` when the export fails."""

    def __init__(self, force: bool) -> None:
        self._force = force
        self.written: list[Path] = []
        self._folders: list[Path] = []

    def refuse_existing(self, paths: Iterable[Path]) -> None:
        """Stop before writing anything if a target exists and ``force`` was not given."""
        if self._force:
            return
        existing = [path for path in paths if path.exists() or path.is_symlink()]
        if existing:
            more = f" (and {len(existing) - 1} more)" if len(existing) > 1 else ""
            raise ExportError(f"{existing[0]} already exists{more}; export with --force to overwrite")

    def folder(self, path: Path) -> Path:
        missing = []
        probe = path
        while not probe.exists():
            missing.append(probe)
            probe = probe.parent
        for folder in reversed(missing):
            try:
                folder.mkdir()
            except OSError as exc:
                raise ExportError(f"cannot create the folder {folder}: {os_error_reason(exc)}") from exc
            self._folders.append(folder)
        if not path.is_dir():
            raise ExportError(f"{path} is not a folder")
        return path

    @contextmanager
    def writing(self, path: Path) -> Iterator[Path]:
        """Yield a temporary path to write ``path`` to; rename it into place when the block succeeds."""
        self.folder(path.parent)
        partial = path.with_name(f".{path.stem}.partial{path.suffix}")
        try:
            yield partial
            os.replace(partial, path)
        except (OSError, av.error.FFmpegError) as exc:
            raise ExportError(f"cannot write {path}: {os_error_reason(exc)}") from exc
        finally:
            try:
                partial.unlink(missing_ok=True)
            except OSError:
                log.warning("could not remove the partial file %s", partial)
        self.written.append(path)

    def write_bytes(self, path: Path, data: bytes) -> Path:
        with self.writing(path) as partial:
            partial.write_bytes(data)
        return path

    def write_text(self, path: Path, text: str) -> Path:
        return self.write_bytes(path, text.encode("utf-8"))

    def copy(self, source: Path, path: Path) -> Path:
        with self.writing(path) as partial:
            shutil.copyfile(source, partial)
        return path

    def rollback(self) -> None:
        """Remove every file this export wrote and every folder it made (if empty)."""
        for path in reversed(self.written):
            try:
                path.unlink(missing_ok=True)
            except OSError as exc:
                log.warning("could not remove %s after the failed export: %s", path, exc)
        for folder in reversed(self._folders):
            try:
                folder.rmdir()
            except OSError:
                log.debug("left the folder %s (not empty or not removable)", folder)
        self.written.clear()
        self._folders.clear()


@contextmanager
def _all_or_nothing(force: bool) -> Iterator[_Outputs]:
    outputs = _Outputs(force)
    try:
        yield outputs
    except BaseException:
        outputs.rollback()
        raise


# -- audio -----------------------------------------------------------------------------------------


def _write_wav(path: Path, samples: np.ndarray, rate: int) -> None:
    """A 32-bit float WAV (WAVE_FORMAT_IEEE_FLOAT) of ``samples`` shaped (channels, n) or (n,).

    Float keeps every sample exactly as decoded, including values beyond ±1: the project's 16 kHz audio of
    a stereo source can exceed them, as FFmpeg's stereo-to-mono downmix adds both channels at −3 dB. Python's
    ``wave`` reads only integer PCM; soundfile, PyAV, ffmpeg, Audacity and Hugging Face ``datasets`` read this.
    """
    planes = np.atleast_2d(np.asarray(samples, dtype="<f4"))
    channels, count = planes.shape
    data = np.ascontiguousarray(planes.T).tobytes()
    fmt = struct.pack("<HHIIHHH", _WAVE_FORMAT_IEEE_FLOAT, channels, rate, rate * channels * 4, channels * 4, 32, 0)
    chunks = [(b"fmt ", fmt), (b"fact", struct.pack("<I", count))]
    header = b"".join(tag + struct.pack("<I", len(body)) + body for tag, body in chunks)
    riff_size = 4 + len(header) + 8 + len(data)
    if riff_size >= 1 << 32:
        raise ExportError(f"{path}: a clip of {count} samples is too long for a WAV file (over 4 GB)")
    with path.open("wb") as handle:
        handle.write(b"RIFF" + struct.pack("<I", riff_size) + b"WAVE" + header)
        handle.write(b"data" + struct.pack("<I", len(data)))
        handle.write(data)


def _sample_range(clip_start_ms: int, clip_end_ms: int, rate: int, total: int | None = None) -> tuple[int, int]:
    """First sample and end of a range: exactly round(duration · rate) samples, within [0, total)."""
    first = round(clip_start_ms * rate / 1000)
    end = first + round((clip_end_ms - clip_start_ms) * rate / 1000)
    return max(0, first), end if total is None else min(total, end)


def _frame_samples(frame: av.AudioFrame) -> np.ndarray:
    """A decoded audio frame as float32 (channels, n), whatever its sample format."""
    data = frame.to_ndarray()
    channels = len(frame.layout.channels)
    if not frame.format.is_planar:
        data = data.reshape(-1, channels).T
    if data.dtype.kind == "i":
        data = data.astype(np.float32) / float(2 ** (8 * data.dtype.itemsize - 1))
    elif data.dtype.kind == "u":
        data = (data.astype(np.float32) - 128) / 128
    return data.astype(np.float32, copy=False)


@dataclass(frozen=True, slots=True, eq=False)
class AudioRange:
    """Decoded audio at the source's own rate and channel layout."""

    samples: np.ndarray
    """float32, shaped (channels, n)."""
    sample_rate: int
    layout: str
    """FFmpeg's name of the channel layout: 'mono', 'stereo', '5.1' …"""


def decode_audio_range(path: str | os.PathLike[str], start_ms: int, end_ms: int) -> AudioRange:
    """The source's first audio stream over [start, end) at its own rate and channels.

    Sample-exact on the clock of :func:`analysis.media.decode_audio` (0 = the container's start time):
    exactly round((end − start) · rate / 1000) samples, fewer only where the audio ends first.
    """
    path = Path(path)
    with av.open(str(path), metadata_errors="ignore") as container:
        if not container.streams.audio:
            raise ExportError(f"{path}: has no audio track")
        stream = container.streams.audio[0]
        rate = stream.codec_context.sample_rate
        layout = stream.codec_context.layout.name
        origin_s = (container.start_time or 0) / 1_000_000
        first, end = _sample_range(start_ms, end_ms, rate)
        out = np.zeros((stream.codec_context.channels, end - first), dtype=np.float32)
        filled_to = first
        # Audio packets are all keyframes: a second before the start is enough, unless the demuxer lands late.
        for seek_ms in (start_ms - 1000, 0):
            if seek_ms <= 0:
                container.seek(0)
            else:
                container.seek(round((seek_ms / 1000 + origin_s) / stream.time_base), stream=stream, backward=True)
            landed = None
            for frame in _audio_frames_from(container, stream):
                position = round((frame.time - origin_s) * rate) if frame.time is not None else filled_to
                landed = position if landed is None else landed
                if position >= end:
                    break
                data = _frame_samples(frame)
                lo, hi = max(position, first), min(position + data.shape[1], end)
                if hi > lo:
                    out[:, lo - first : hi - first] = data[:, lo - position : hi - position]
                    filled_to = max(filled_to, hi)
            if seek_ms <= 0 or landed is None or landed <= first:
                break
            log.debug("%s: the audio seek landed after %d ms; decoding from the start", path, start_ms)
    return AudioRange(out[:, : max(0, filled_to - first)], rate, layout)


def _audio_frames_from(container: av.container.InputContainer, stream: av.stream.Stream) -> Iterator[av.AudioFrame]:
    for packet in container.demux(stream):
        try:
            yield from packet.decode()
        except av.error.InvalidDataError:
            log.debug("skipped an undecodable audio packet at %s", packet.pts)


# -- video -----------------------------------------------------------------------------------------


def _video_stream(container: av.container.InputContainer) -> av.video.stream.VideoStream:
    for stream in container.streams.video:
        if not stream.disposition & av.stream.Disposition.attached_pic:
            return stream
    raise ExportError(f"{container.name}: has no video track")


def _frame_ms(frame: av.VideoFrame, origin_us: int) -> int:
    """A frame's time in ms of media time, rounded half up: the clock and rounding of :class:`FrameSource`."""
    pts = frame.pts if frame.pts is not None else frame.dts
    if pts is None or frame.time_base is None:
        return 0
    return math.floor(Fraction(pts) * frame.time_base * 1000 - Fraction(origin_us, 1000) + Fraction(1, 2))


def _frames_from(
    path: Path, clip_start_ms: int, clip_end_ms: int, progress: Progress
) -> Iterator[tuple[av.VideoFrame, int]]:
    """The frames shown from ``clip_start_ms`` (the frame on screen then, first) up to ``clip_end_ms``.

    Seeks to the keyframe before the start and decodes forward; when a seek lands after the start (MPEG-TS
    has no index), it seeks further back, last of all to the start of the file.
    """
    with av.open(str(path), metadata_errors="ignore") as container:
        stream = _video_stream(container)
        stream.codec_context.thread_type = "AUTO"
        origin_us = container.start_time or 0
        back_ms = 0
        for attempt in range(_SEEK_ATTEMPTS + 1):
            target_ms = clip_start_ms - back_ms
            if attempt == _SEEK_ATTEMPTS or target_ms <= 0:
                container.seek(0)
            else:
                seconds = target_ms / 1000 + origin_us / 1_000_000
                container.seek(round(seconds / stream.time_base), stream=stream, backward=True)
            decoded = _decode_video(container, stream)
            first = next(decoded, None)
            if first is None:
                return
            if _frame_ms(first, origin_us) <= clip_start_ms or attempt == _SEEK_ATTEMPTS or target_ms <= 0:
                break
            decoded.close()
            back_ms = 1000 << attempt
        pending, pending_ms = first, _frame_ms(first, origin_us)
        for index, frame in enumerate(decoded):
            if index % _FRAME_CHECK == 0:
                check(progress)
            time_ms = _frame_ms(frame, origin_us)
            if time_ms <= clip_start_ms:
                pending, pending_ms = frame, time_ms
                continue
            if pending is not None:
                yield pending, pending_ms
                pending = None
            if time_ms >= clip_end_ms:
                return
            yield frame, time_ms
        if pending is not None:
            yield pending, pending_ms


def _decode_video(container: av.container.InputContainer, stream: av.stream.Stream) -> Iterator[av.VideoFrame]:
    try:
        for packet in container.demux(stream):
            try:
                yield from packet.decode()
            except (av.error.InvalidDataError, av.error.PatchWelcomeError):
                log.debug("skipped an undecodable video packet at %s", packet.pts)
    except av.error.FFmpegError as exc:
        log.warning("%s: reading stopped early (%s)", container.name, exc)


def _audio_out_frames(sound: AudioRange, stream: av.audio.stream.AudioStream) -> Iterator[av.AudioFrame]:
    """Decoded audio cut into encoder-sized planar float frames, the first at time 0."""
    size = stream.codec_context.frame_size or 1024
    samples = sound.samples
    for start in range(0, samples.shape[1], size):
        block = np.ascontiguousarray(np.clip(samples[:, start : start + size], -1.0, 1.0))
        frame = av.AudioFrame.from_ndarray(block, format="fltp", layout=sound.layout)
        frame.sample_rate = stream.sample_rate
        frame.pts = start
        frame.time_base = Fraction(1, stream.sample_rate)
        yield frame


def encode_clip(
    source: str | os.PathLike[str],
    target: str | os.PathLike[str],
    clip_start_ms: int,
    clip_end_ms: int,
    progress: Progress | None = None,
) -> int:
    """Re-encode [start, end) of a video as H.264 + AAC MP4 whose first frame is the frame shown at ``start``.

    Frames keep their source timestamps (shifted to start at 0), so variable frame rates stay as they were.
    The audio is decoded at the source's rate and channels from the first frame's time, so sound and
    picture stay in sync. Returns the number of video frames written.
    """
    progress = progress or NullProgress()
    source, target = Path(source), Path(target)
    info = media.probe(source)
    if info.video is None:
        raise ExportError(f"{source}: has no video track")
    frames = _frames_from(source, clip_start_ms, clip_end_ms, progress)
    first = next(frames, None)
    if first is None:
        raise ExportError(f"{source}: no video frame between {clip_start_ms} and {clip_end_ms} ms")
    first_frame, first_ms = first
    first_pts = first_frame.pts or 0
    time_base = first_frame.time_base or Fraction(1, 1000)
    rate = Fraction(info.video.fps).limit_denominator(1001) if info.video.fps else Fraction(25)
    width, height = first_frame.width // 2 * 2, first_frame.height // 2 * 2
    decoded = decode_audio_range(source, max(0, first_ms), clip_end_ms) if info.has_audio else None
    duration_s = max(1, clip_end_ms - first_ms) / 1000
    count = 0
    with av.open(str(target), "w", format="mp4") as out:
        video = out.add_stream("libx264", rate=rate)
        video.width, video.height, video.pix_fmt = width, height, "yuv420p"
        video.codec_context.time_base = time_base
        video.options = dict(X264_OPTIONS)
        audio_frames: Iterator[av.AudioFrame] = iter(())
        sound = None
        if decoded is not None and decoded.samples.shape[1]:
            sound = out.add_stream("aac", rate=decoded.sample_rate)
            sound.layout = decoded.layout
            sound.bit_rate = AAC_BIT_RATE * max(1, decoded.samples.shape[0]) // 2
            audio_frames = _audio_out_frames(decoded, sound)
        pending_audio = next(audio_frames, None)
        for frame, _ in _chain_first(first, frames):
            shown = frame.reformat(width=width, height=height, format="yuv420p")
            shown.pts = (frame.pts or 0) - first_pts
            shown.time_base = time_base
            shown.pict_type = av.video.frame.PictureType.NONE
            seconds = float(shown.pts * time_base)
            while sound is not None and pending_audio is not None and pending_audio.pts / sound.sample_rate <= seconds:
                out.mux(sound.encode(pending_audio))
                pending_audio = next(audio_frames, None)
            out.mux(video.encode(shown))
            count += 1
            if count % _FRAME_CHECK == 0:
                progress.update(min(seconds / duration_s, 1.0), "encoding the clip")
        while sound is not None and pending_audio is not None:
            out.mux(sound.encode(pending_audio))
            pending_audio = next(audio_frames, None)
        out.mux(video.encode(None))
        if sound is not None:
            out.mux(sound.encode(None))
    return count


def _chain_first(
    first: tuple[av.VideoFrame, int], rest: Iterator[tuple[av.VideoFrame, int]]
) -> Iterator[tuple[av.VideoFrame, int]]:
    yield first
    yield from rest


def stream_copy_suffix(path: str | os.PathLike[str]) -> str:
    """The container of a stream-copied clip: MP4 when the source is MP4-like, else Matroska (takes any codec)."""
    return ".mp4" if Path(path).suffix.lower() in (".mp4", ".m4v", ".mov") else ".mkv"


def copy_clip(
    source: str | os.PathLike[str],
    target: str | os.PathLike[str],
    clip_start_ms: int,
    clip_end_ms: int,
    progress: Progress | None = None,
) -> None:
    """Copy the packets of [start, end) without re-encoding: fast, but keyframe-aligned.

    The clip starts at the keyframe at or before ``start`` (up to one GOP earlier, often 2–10 s), because a
    video can only be decoded from a keyframe; it stops before the first video packet decoded at or after
    ``end``. Timestamps are shifted so the clip starts at 0.
    """
    progress = progress or NullProgress()
    source, target = Path(source), Path(target)
    with av.open(str(source), metadata_errors="ignore") as container:
        video = _video_stream(container)
        sound = container.streams.audio[0] if container.streams.audio else None
        origin_s = (container.start_time or 0) / 1_000_000
        container.seek(round((clip_start_ms / 1000 + origin_s) / video.time_base), stream=video, backward=True)
        end_s = clip_end_ms / 1000 + origin_s
        with av.open(str(target), "w", format="mp4" if target.suffix == ".mp4" else "matroska") as out:
            targets = {video: out.add_stream_from_template(video)}
            if sound is not None:
                targets[sound] = out.add_stream_from_template(sound)
            zero_s: float | None = None
            early_sound: list[av.Packet] = []
            video_done = False
            for index, packet in enumerate(container.demux(list(targets))):
                if index % 64 == 0:
                    check(progress)
                if packet.dts is None or packet.pts is None:
                    continue
                time_s = float(packet.pts * packet.time_base)
                if packet.stream is video:
                    if video_done or (zero_s is None and not packet.is_keyframe):
                        continue
                    if float(packet.dts * packet.time_base) >= end_s:
                        video_done = True
                        if sound is None:
                            break
                        continue
                    if zero_s is None:
                        zero_s = time_s
                        ready = [p for p in early_sound if float(p.pts * p.time_base) >= zero_s]
                        for waiting in ready:
                            _mux_rebased(out, waiting, targets[sound], zero_s)
                        early_sound.clear()
                    _mux_rebased(out, packet, targets[video], zero_s)
                elif time_s >= end_s:
                    if video_done:
                        break
                elif zero_s is None:
                    early_sound.append(packet)
                elif time_s >= zero_s:
                    _mux_rebased(out, packet, targets[packet.stream], zero_s)


def _mux_rebased(out: av.container.OutputContainer, packet: av.Packet, stream: av.stream.Stream, zero_s: float) -> None:
    """Mux a copied packet into ``stream`` with its timestamps shifted so that ``zero_s`` becomes 0."""
    shift = round(zero_s / packet.time_base)
    packet.pts -= shift
    packet.dts -= shift
    packet.stream = stream
    out.mux(packet)


def _png(image: np.ndarray) -> bytes:
    """An RGB image as PNG bytes (FFmpeg's encoder: one packet is one complete file)."""
    frame = av.VideoFrame.from_ndarray(np.ascontiguousarray(image), format="rgb24")
    codec = av.CodecContext.create("png", "w")
    codec.width, codec.height, codec.pix_fmt = image.shape[1], image.shape[0], "rgb24"
    codec.options = dict(PNG_OPTIONS)
    return b"".join(bytes(packet) for packet in [*codec.encode(frame), *codec.encode(None)])


def keyframe_times(item: ExportItem) -> list[int]:
    """The times of the key frames t − 1 s, t, t + 1 s (t = peak or range centre), within the media."""
    last = max(0, item.duration_ms - 1)
    return [min(max(0, item.moment_ms + offset), last) for _, offset, _ in KEYFRAMES]


def face_crop(image: np.ndarray, box: Sequence[int], scale: tuple[float, float] = (1.0, 1.0)) -> np.ndarray:
    """The face ``box`` (x, y, w, h in pixels of the original frame) widened by FACE_CROP_MARGIN, cut from ``image``.

    ``scale`` maps original pixels to the image's (when it was decoded smaller). What falls outside the image is
    left out, so a face at the border gives a narrower crop; never less than one pixel.
    """
    rows, cols = image.shape[:2]
    x, y, w, h = (float(v) for v in box)
    cx, cy = (x + w / 2) * scale[0], (y + h / 2) * scale[1]
    half_w, half_h = w * (1 + FACE_CROP_MARGIN) / 2 * scale[0], h * (1 + FACE_CROP_MARGIN) / 2 * scale[1]
    left = min(max(0, round(cx - half_w)), cols - 1)
    top = min(max(0, round(cy - half_h)), rows - 1)
    right = max(left + 1, min(cols, round(cx + half_w)))
    bottom = max(top + 1, min(rows, round(cy + half_h)))
    return image[top:bottom, left:right]


def face_crop_paths(folder: Path, item: ExportItem) -> tuple[Path, ...]:
    """``<name>_face<k>_<person>.png`` for the k-th face (from 1) of the sample nearest the item's moment."""
    around = item.faces_around
    if around is None or not item.has_video:
        return ()
    return tuple(
        folder / f"{item.name}_face{k}_{safe_name(face.name, _FACE_NAME_BYTES)}.png"
        for k, face in enumerate(around.faces, 1)
    )


class _Frames:
    """One open :class:`FrameSource` per media at a time (items come media by media, in time order)."""

    def __init__(self, max_width: int | None = None) -> None:
        self._max_width = max_width
        self._path: str | None = None
        self._source: FrameSource | None = None

    def _open(self, path: str) -> FrameSource:
        if self._path != path or self._source is None:
            self.close()
            self._source = FrameSource(path, max_width=self._max_width, cache_frames=4)
            self._path = path
        return self._source

    def pngs(self, item: ExportItem) -> list[bytes]:
        source = self._open(item.media_path)
        return [_png(source.frame_at_time(ms).image) for ms in keyframe_times(item)]

    def face_images(self, item: ExportItem) -> list[np.ndarray]:
        """A crop of each face of the faces-run sample nearest the moment, from the frame of that sample (RGB)."""
        around = item.faces_around
        if around is None or around.sample_ms is None or not around.faces:
            return []
        source = self._open(item.media_path)
        # the sample's time is its frame's own time, rounded as FrameSource rounds: this is the frame analysed
        image = source.frame_at_time(around.sample_ms).image
        scale = (source.width / source.source_width, source.height / source.source_height)
        return [face_crop(image, face.box, scale) for face in around.faces]

    def close(self) -> None:
        if self._source is not None:
            self._source.close()
        self._source, self._path = None, None


def flow_images(detail: PeakDetail) -> list[np.ndarray]:
    """The flow pictures of a detail (RGB), in the order of FLOW_IMAGES."""
    return [getattr(getattr(detail, interval), kind) for kind, interval in FLOW_IMAGES]


class _FlowDetails:
    """The flow around each item's moment, computed once per moment and shared by the files, tables and report.

    :func:`analysis.peak_detail.peak_detail` with the peak detail panel's defaults (Farneback, 320 px, ±1 s),
    so the figures are those the window shows. The last FLOW_DETAILS_KEPT details are kept whole, the two
    magnitudes of every moment for the whole export. With ``lenient`` (the tables, which never needed the
    media file before) a file that is gone or cannot be decoded leaves the figures empty, with a warning.
    """

    def __init__(self, lenient: bool = False) -> None:
        self._lenient = lenient
        self._details: OrderedDict[tuple[str, int], PeakDetail] = OrderedDict()
        self._magnitudes: dict[tuple[str, int], tuple[float, float] | None] = {}

    def detail(self, item: ExportItem) -> PeakDetail | None:
        """The item's flow detail; None for audio-only media (or, lenient, when it cannot be computed)."""
        if not item.has_video:
            return None
        key = (item.media_path, item.moment_ms)
        found = self._details.get(key)
        if found is not None:
            self._details.move_to_end(key)
            return found
        if key in self._magnitudes and self._magnitudes[key] is None:
            return None
        try:
            found = peak_detail(item.media_path, item.moment_ms / 1000)
        except MediaError as exc:
            if not self._lenient:
                raise
            log.warning("no flow figures for %s at %d ms: %s", item.media_path, item.moment_ms, exc)
            self._magnitudes[key] = None
            return None
        self._details[key] = found
        if len(self._details) > FLOW_DETAILS_KEPT:
            self._details.popitem(last=False)
        self._magnitudes[key] = found.magnitudes
        return found

    def magnitudes(self, item: ExportItem) -> tuple[float, float] | None:
        """(mag(t − 1 s → t), mag(t → t + 1 s)) in reference px/s, or None without a video."""
        if not item.has_video:
            return None
        key = (item.media_path, item.moment_ms)
        if key not in self._magnitudes:
            self.detail(item)
        return self._magnitudes.get(key)


# -- clips -----------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _ClipPaths:
    """Where one item's files go; None for what the item does not get (no video in an audio-only file)."""

    wav: Path
    video: Path | None
    keyframes: tuple[Path, ...]
    flows: tuple[Path, ...] = ()
    """The flow pictures, in the order of FLOW_IMAGES."""
    faces: tuple[Path, ...] = ()
    """The face crops, in the order of the nearest sample's faces."""

    def all(self) -> list[Path]:
        return [self.wav, *([self.video] if self.video else []), *self.keyframes, *self.flows, *self.faces]


class _ClipWriter:
    """Writes items' WAVs, videos, key frames, flow pictures and face crops; what an earlier item already has (the
    same range, the same moment) is copied, not re-made."""

    def __init__(
        self,
        store: Store,
        outputs: _Outputs,
        context_ms: int,
        original_rate: bool = False,
        stream_copy: bool = False,
        flows: _FlowDetails | None = None,
    ) -> None:
        self._store = store
        self._outputs = outputs
        self._context_ms = context_ms
        self._original_rate = original_rate
        self._stream_copy = stream_copy
        self._frames = _Frames()
        self._flows = flows or _FlowDetails()
        self._done: dict[tuple[str, str, int, int], Path] = {}
        self._keyframes_done: dict[tuple[str, int], tuple[Path, ...]] = {}
        self._flows_done: dict[tuple[str, int], tuple[Path, ...]] = {}
        self._faces_done: dict[tuple[str, int], tuple[Path, ...]] = {}

    def video_suffix(self, item: ExportItem) -> str:
        return stream_copy_suffix(item.media_path) if self._stream_copy else ".mp4"

    def write(self, item: ExportItem, paths: _ClipPaths, progress: Progress) -> None:
        clip_start, clip_end = item.clip_range(self._context_ms)
        self._once(("wav", item.media_path, clip_start, clip_end), paths.wav, lambda p: self._wav(item, p))
        progress.update(0.1, item.name)
        if paths.video is not None:
            video_progress = SubProgress(progress, 0.1, 0.9)
            self._once(
                ("video", item.media_path, clip_start, clip_end),
                paths.video,
                lambda p: self._video(item, p, clip_start, clip_end, video_progress),
            )
        if paths.keyframes:
            check(progress)
            self._pictures(self._keyframes_done, item, paths.keyframes, lambda: self._frames.pngs(item))
        if paths.flows:
            check(progress)
            self._pictures(self._flows_done, item, paths.flows, lambda: self._flow_pngs(item))
        if paths.faces:
            check(progress)
            self._pictures(
                self._faces_done, item, paths.faces, lambda: [_png(crop) for crop in self._frames.face_images(item)]
            )
        progress.update(1.0, item.name)

    def _pictures(
        self,
        done: dict[tuple[str, int], tuple[Path, ...]],
        item: ExportItem,
        paths: tuple[Path, ...],
        make: Callable[[], list[bytes]],
    ) -> None:
        """Write the pictures of the item's moment, or copy those an earlier item of the same moment got."""
        key = (item.media_path, item.moment_ms)
        earlier = done.get(key)
        if earlier is not None:
            for source, path in zip(earlier, paths, strict=True):
                self._outputs.copy(source, path)
            return
        for path, data in zip(paths, make(), strict=True):
            self._outputs.write_bytes(path, data)
        done[key] = paths

    def _flow_pngs(self, item: ExportItem) -> list[bytes]:
        detail = self._flows.detail(item)
        assert detail is not None  # strict and with a video: a failure raised
        return [_png(image) for image in flow_images(detail)]

    def _once(self, key: tuple[str, str, int, int], path: Path, make: Callable[[Path], None]) -> None:
        done = self._done.get(key)
        if done is not None:
            self._outputs.copy(done, path)
            return
        with self._outputs.writing(path) as partial:
            make(partial)
        self._done[key] = path

    def _wav(self, item: ExportItem, path: Path) -> None:
        clip_start, clip_end = item.clip_range(self._context_ms)
        if self._original_rate:
            decoded = decode_audio_range(item.media_path, clip_start, clip_end)
            samples, rate = decoded.samples, decoded.sample_rate
        else:
            decoded = media.load_audio(item.media_path, self._store.cache_dir, item.video_id)
            first, end = _sample_range(clip_start, clip_end, media.ANALYSIS_RATE, int(decoded.shape[0]))
            samples, rate = np.asarray(decoded[first:end]), media.ANALYSIS_RATE
        _write_wav(path, samples, rate)

    def _video(self, item: ExportItem, path: Path, clip_start: int, clip_end: int, progress: Progress) -> None:
        if self._stream_copy:
            copy_clip(item.media_path, path, clip_start, clip_end, progress)
        else:
            encode_clip(item.media_path, path, clip_start, clip_end, progress)

    def close(self) -> None:
        self._frames.close()


def _require(items: list[ExportItem], labels_only: bool, not_significant: int = 0) -> None:
    if not items:
        what = "labelled segments" if labels_only else "flagged segments or labels"
        why = f" ({not_significant} unlabelled at shot changes are not significant)" if not_significant else ""
        raise ExportError(f"nothing to export: the project has no {what}{why}")


def export_clips(
    store: Store,
    out_dir: str | os.PathLike[str],
    *,
    context_ms: int = 0,
    labels_only: bool = False,
    original_rate: bool = False,
    stream_copy: bool = False,
    force: bool = False,
    progress: Progress | None = None,
) -> list[Path]:
    """Per item: a WAV, an MP4 (video media only), three key frames and four flow pictures (PNG) in ``out_dir``.

    Unlabelled segments at a shot change are left out (not significant). The flow pictures are the heatmaps
    and overlays of t − 1 s → t and t → t + 1 s (``…_flow_heatmap_before.png`` …), the size of the frames up
    to 640 px wide. A video with a faces run also gets a crop of each face of the sample nearest the moment
    (``…_face1_<person>.png`` …, the box widened by 20 %, from the full frame). The WAV holds exactly
    round((end − start + 2·context) · rate / 1000) samples (fewer only at the media's ends): 16 kHz mono from
    the project's decoded audio, or the source's own rate and channels with ``original_rate``. The MP4 is
    re-encoded so its first frame is the frame shown at the start; with ``stream_copy`` its packets are copied
    instead (fast, but it starts at the keyframe before the start; MKV when the source is not MP4). Returns the
    written files.
    """
    _check_context(context_ms)
    progress = progress or NullProgress()
    out_dir = Path(out_dir)
    items = _exportable(collect_items(store, labels_only), labels_only)
    _check_media(items, original_rate)
    with _all_or_nothing(force) as outputs:
        writer = _ClipWriter(store, outputs, context_ms, original_rate, stream_copy)
        try:
            plan = [(item, _clip_paths(out_dir, item, writer.video_suffix(item))) for item in items]
            outputs.refuse_existing(path for _, paths in plan for path in paths.all())
            outputs.folder(out_dir)
            for index, (item, paths) in enumerate(plan):
                check(progress)
                writer.write(item, paths, SubProgress(progress, index / len(plan), (index + 1) / len(plan), ""))
        finally:
            writer.close()
        written = list(outputs.written)
    progress.update(1.0, f"{len(items)} clips exported")
    log.info("exported %d items as %d files to %s", len(items), len(written), out_dir)
    return written


def _clip_paths(folder: Path, item: ExportItem, video_suffix: str, frames_folder: Path | None = None) -> _ClipPaths:
    frames_folder = frames_folder or folder
    if not item.has_video:
        return _ClipPaths(folder / f"{item.name}.wav", None, ())
    frames = tuple(frames_folder / f"{item.name}_{tag}.png" for _, _, tag in KEYFRAMES)
    flows = tuple(frames_folder / f"{item.name}_{column}.png" for column in FLOW_IMAGE_COLUMNS)
    faces = face_crop_paths(frames_folder, item)
    return _ClipPaths(folder / f"{item.name}.wav", folder / f"{item.name}{video_suffix}", frames, flows, faces)


def _exportable(items: Sequence[ExportItem], labels_only: bool) -> list[ExportItem]:
    """The items clips and datasets get: all but the unlabelled ones at a shot change (stops when none is left)."""
    kept = [item for item in items if not item.not_significant]
    left_out = len(items) - len(kept)
    if left_out:
        log.info("%d unlabelled segments at shot changes left out (not significant)", left_out)
    _require(kept, labels_only, left_out)
    return kept


def _check_media(items: Sequence[ExportItem], original_rate: bool = False) -> None:
    """Stop before writing anything when a media file the export must read was moved or deleted.

    The 16 kHz WAVs come from the project's cache; video, key frames and original-rate audio need the file.
    """
    for path in sorted({item.media_path for item in items if item.has_video or original_rate}):
        if not Path(path).is_file():
            raise MediaError(f"{path}: file not found; it was moved or deleted after it was analysed")


def _check_context(context_ms: int) -> None:
    if context_ms < 0:
        raise ValueError(f"the context cannot be negative (got {context_ms} ms)")


# -- dataset ---------------------------------------------------------------------------------------


def split_videos(items: Sequence[ExportItem], fractions: tuple[float, float, float], seed: int = 0) -> dict[str, str]:
    """Assign each video to train, validation or test: grouped (a video is in one split only), stratified.

    The videos are shuffled with ``seed`` and taken largest first; while a split with a non-zero share
    still has no video and enough videos remain, the smallest go to the smallest such splits; every other
    video goes where it brings the splits' label counts and sizes closest to the shares (least squares).
    Deterministic for a seed. Returns {video_id: split name}.
    """
    _check_fractions(fractions)
    labels_of: dict[str, Counter[str]] = defaultdict(Counter)
    for item in items:
        labels_of[item.video_id][item.label] += 1
    videos = sorted(labels_of)
    random.Random(seed).shuffle(videos)
    videos.sort(key=lambda video: -sum(labels_of[video].values()))
    wanted = [name for name, share in sorted(zip(SPLIT_NAMES, fractions, strict=True), key=lambda p: p[1]) if share]
    assignment: dict[str, str] = {}
    seeded = [name for name in wanted if name != SPLIT_NAMES[0]]
    if len(videos) >= len(wanted):
        for name, video in zip(seeded, reversed(videos), strict=False):
            assignment[video] = name
    elif len(videos) > 1:
        log.warning(
            "%d videos cannot fill %d splits; some splits stay empty (a video is never split)", len(videos), len(wanted)
        )
    if len(videos) == 1:
        log.warning("the project has one video: everything goes to train, validation and test are empty")
        return {videos[0]: SPLIT_NAMES[0]}
    totals = Counter[str]()
    for video in videos:
        totals.update(labels_of[video])
    grand = sum(totals.values())
    counts = {name: Counter[str]() for name in SPLIT_NAMES}
    for video, name in assignment.items():
        counts[name].update(labels_of[video])
    share = dict(zip(SPLIT_NAMES, fractions, strict=True))

    def cost(candidate: str, video: str) -> float:
        total = 0.0
        for name in SPLIT_NAMES:
            counted = counts[name] + labels_of[video] if name == candidate else counts[name]
            total += sum((counted[label] / totals[label] - share[name]) ** 2 for label in totals)
            total += (sum(counted.values()) / grand - share[name]) ** 2
        return total

    for video in videos:
        if video in assignment:
            continue
        best = min(
            (name for name in SPLIT_NAMES if share[name] > 0), key=lambda name: (cost(name, video), -share[name])
        )
        assignment[video] = best
        counts[best].update(labels_of[video])
    return assignment


def _check_fractions(fractions: tuple[float, float, float]) -> None:
    if len(fractions) != 3 or any(f < 0 for f in fractions) or not math.isclose(sum(fractions), 1.0, abs_tol=1e-6):
        raise ValueError(
            f"a split is three non-negative shares (train, validation, test) summing to 1, not {fractions}"
        )


def _relative(path: Path, folder: Path) -> str:
    return Path(os.path.relpath(path, folder)).as_posix()


def _csv_value(value: Any) -> Any:
    return "" if value is None else value


def _write_csv(outputs: _Outputs, path: Path, columns: Sequence[str], rows: Sequence[dict[str, Any]]) -> Path:
    with outputs.writing(path) as partial, partial.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(columns), extrasaction="ignore")
        writer.writeheader()
        writer.writerows({column: _csv_value(row.get(column)) for column in columns} for row in rows)
    return path


def _write_jsonl(outputs: _Outputs, path: Path, rows: Sequence[dict[str, Any]]) -> Path:
    text = "".join(json.dumps(row, ensure_ascii=False) + "\n" for row in rows)
    return outputs.write_text(path, text)


def export_dataset(
    store: Store,
    out_dir: str | os.PathLike[str],
    *,
    split: tuple[float, float, float] | None = None,
    seed: int = 0,
    context_ms: int = 0,
    labels_only: bool = False,
    force: bool = False,
    progress: Progress | None = None,
) -> Path:
    """A dataset that Hugging Face ``datasets`` loads as it is (``load_dataset("OUT/audio")``, ``…/video``).

    ``OUT/audio/`` holds the 16 kHz WAVs and ``metadata.csv``; ``OUT/video/`` the re-encoded MP4s and
    ``metadata.csv`` (with key frame and flow picture columns). Unlabelled segments at a shot change are left
    out (not significant). ``file_name`` is relative to the metadata file, as AudioFolder and VideoFolder
    expect. With ``split``, each gets ``train/``, ``validation/`` and ``test/`` folders with their own
    metadata, a video never in two splits. The key frames, flow pictures and face crops (listed in
    ``face_crops``, see FACE_COLUMNS for the face figures) go to ``OUT/keyframes/`` and
    the typed copies of the metadata (JSON Lines, ``file_name`` relative to OUT, a ``split`` column) to
    ``OUT/audio.jsonl`` and ``OUT/video.jsonl``: ``datasets`` refuses a folder with two metadata files
    (.csv and .jsonl) and picks the loader by the commonest file type, so seven PNGs per MP4 would turn
    the video folder into an image dataset. ``datasets`` also infers each split's column types on its own
    and refuses splits that differ: the CSV writes intensity as a float (a gap would turn int into float),
    but a text column empty throughout one split and filled in another (notes only in train) still fails
    there; the JSON Lines copies load with ``load_dataset("json", data_files=…)``. Returns ``out_dir``.
    """
    _check_context(context_ms)
    progress = progress or NullProgress()
    out_dir = Path(out_dir)
    items = _exportable(collect_items(store, labels_only), labels_only)
    _check_media(items)
    assignment = split_videos(items, split, seed) if split is not None else {}
    folders = {name: Path(name) if split is not None else Path() for name in SPLIT_NAMES}
    plan: list[tuple[ExportItem, str, _ClipPaths]] = []
    for item in items:
        name = assignment.get(item.video_id, SPLIT_NAMES[0])
        sub = folders[name]
        paths = _clip_paths(out_dir / "audio" / sub, item, ".mp4", out_dir / "keyframes" / sub)
        if paths.video is not None:
            paths = replace(paths, video=out_dir / "video" / sub / paths.video.name)
        plan.append((item, name, paths))
    used = sorted({name for _, name, _ in plan}, key=SPLIT_NAMES.index)
    metadata_paths = [
        out_dir / modality / folders[name] / "metadata.csv"
        for modality in ("audio", "video")
        for name in used
        if modality == "audio" or any(p.video and n == name for _, n, p in plan)
    ]
    with _all_or_nothing(force) as outputs:
        outputs.refuse_existing(
            [
                *(path for _, _, paths in plan for path in paths.all()),
                *metadata_paths,
                out_dir / "audio.jsonl",
                *([out_dir / "video.jsonl"] if any(paths.video for _, _, paths in plan) else []),
            ]
        )
        flows = _FlowDetails()
        writer = _ClipWriter(store, outputs, context_ms, flows=flows)
        try:
            for index, (item, _, paths) in enumerate(plan):
                check(progress)
                writer.write(item, paths, SubProgress(progress, index / len(plan), (index + 1) / len(plan), ""))
        finally:
            writer.close()
        _write_dataset_metadata(outputs, out_dir, folders, plan, context_ms, flows)
    counts = Counter(name for _, name, _ in plan)
    progress.update(1.0, "dataset exported")
    log.info("dataset of %d items in %s: %s", len(items), out_dir, dict(counts))
    return out_dir


def _write_dataset_metadata(
    outputs: _Outputs,
    out_dir: Path,
    folders: dict[str, Path],
    plan: Sequence[tuple[ExportItem, str, _ClipPaths]],
    context_ms: int,
    flows: _FlowDetails,
) -> None:
    """Per modality and split a ``metadata.csv`` (paths relative to it), and one typed ``OUT/<modality>.jsonl``."""
    for modality in ("audio", "video"):
        per_split: dict[str, list[dict[str, Any]]] = defaultdict(list)
        typed: list[dict[str, Any]] = []
        for item, name, paths in plan:
            path = paths.wav if modality == "audio" else paths.video
            if path is None:
                continue
            clip_start, clip_end = item.clip_range(context_ms)
            values = {k: v for k, v in item_row(item, flows.magnitudes(item)).items() if k != "name"}
            values.update(clip_start_s=ms_to_s(clip_start), clip_end_s=ms_to_s(clip_end))
            files = {"file_name": path}
            if modality == "video":
                files.update(zip(IMAGE_COLUMNS, (*paths.keyframes, *paths.flows), strict=True))
            folder = out_dir / modality / folders[name]
            crops = ";".join(_relative(p, folder) for p in paths.faces)
            values_csv = {**values, "face_crops": crops}
            values_typed = {**values, "face_crops": [_relative(p, out_dir) for p in paths.faces]}
            # datasets compares the column types it infers per split; an intensity column with no gap reads as
            # int64 and one with a gap as float64, so the CSV always writes it as a float.
            stable = {**values_csv, "intensity": None if item.intensity is None else float(item.intensity)}
            per_split[name].append({**{k: _relative(p, folder) for k, p in files.items()}, **stable})
            typed.append({**{k: _relative(p, out_dir) for k, p in files.items()}, **values_typed, "split": name})
        columns = METADATA_COLUMNS + (IMAGE_COLUMNS if modality == "video" else ())
        columns = with_emotion_columns(columns, (item for item, _, _ in plan))
        for name, rows in per_split.items():
            _write_csv(outputs, out_dir / modality / folders[name] / "metadata.csv", columns, rows)
        if typed:
            _write_jsonl(outputs, out_dir / f"{modality}.jsonl", typed)


# -- tables ----------------------------------------------------------------------------------------


def export_table(
    store: Store,
    path: str | os.PathLike[str],
    fmt: Literal["csv", "json"],
    labels_only: bool = False,
    force: bool = False,
    progress: Progress | None = None,
) -> Path:
    """Every item as a row of a CSV file (empty cells for missing values) or a JSON list (nulls).

    Unlabelled segments at a shot change are rows too, with ``not_significant`` true. The flow magnitudes need
    the media file (one short decode per moment); where it is gone or unreadable they stay empty.
    """
    if fmt not in ("csv", "json"):
        raise ValueError(f"a table is 'csv' or 'json', not {fmt!r}")
    progress = progress or NullProgress()
    path = Path(path)
    items = collect_items(store, labels_only)
    missing = sorted({item.media_path for item in items if item.has_video and not Path(item.media_path).is_file()})
    for media_path in missing:
        log.warning("%s: file not found; its rows get no flow magnitudes", media_path)
    flows = _FlowDetails(lenient=True)
    with _all_or_nothing(force) as outputs:
        outputs.refuse_existing([path])
        rows = []
        for index, item in enumerate(items):
            check(progress)
            progress.update(index / max(1, len(items)), f"table: {item.name}")
            figures = None if item.media_path in missing else flows.magnitudes(item)
            rows.append({**item_row(item, figures), "not_significant": item.not_significant})
        if fmt == "csv":
            _write_csv(outputs, path, with_emotion_columns(TABLE_COLUMNS, items), rows)
        else:
            outputs.write_text(path, json.dumps(rows, ensure_ascii=False, indent=2) + "\n")
    progress.update(1.0, "table written")
    return path


# -- report ----------------------------------------------------------------------------------------


def _figure_uri(figure: Any) -> str:
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    FigureCanvasAgg(figure)
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=100, metadata={"Software": None}, bbox_inches="tight")
    return _png_uri(buffer.getvalue())


def _png_uri(data: bytes) -> str:
    return "data:image/png;base64," + base64.b64encode(data).decode("ascii")


def _plots(store: Store, record: MediaRecord, run: RunRecord, segments: Sequence[Any]) -> list[tuple[str, str]]:
    """The envelope with μ, the μ ± kσ band and the peaks; the histogram with its normal curve; the Q–Q plot."""
    from matplotlib.figure import Figure

    params = run.params
    stats = (run.summary or {}).get("stats", {})
    samples = media.load_audio(record.path, store.cache_dir, record.fingerprint)
    envelope = load_envelope(store.cache_dir, record.fingerprint, samples, int(params["window_ms"]))
    feature = params.get("feature", "rms")
    values = envelope.values(feature)
    times = (np.arange(values.shape[0]) + 0.5) * envelope.window_ms / 1000
    mean, low, high = stats.get("mean"), stats.get("low"), stats.get("high")
    plots = []

    figure = Figure(figsize=(10, 3))
    axes = figure.add_subplot()
    axes.plot(times, values, color="#4a6fa5", linewidth=0.8, label=feature)
    if mean is not None:
        axes.axhline(mean, color="#333333", linewidth=1, label="μ" if not params.get("robust") else "median")
        axes.axhspan(low, high, color="#9ecae1", alpha=0.35, label=f"band (k = {params.get('k')})")
    for index, segment in enumerate(segments):
        axes.axvspan(segment.start_ms / 1000, segment.end_ms / 1000, color="#e6550d", alpha=0.2)
        if segment.peak_ms is not None:
            window = min(values.shape[0] - 1, segment.peak_ms // envelope.window_ms)
            axes.plot(segment.peak_ms / 1000, values[window], "v", color="#e6550d", label="peak" if not index else None)
    axes.set_xlabel("time (s)")
    axes.set_ylabel(feature)
    axes.legend(loc="upper right", fontsize="small")
    plots.append(("Envelope, band and flagged segments", _figure_uri(figure)))

    data = audio.distribution_plot_data(envelope, feature, bool(params.get("robust")))
    figure = Figure(figsize=(10, 3.5))
    histogram, qq = figure.subplots(1, 2)
    histogram.stairs(data.counts, data.edges, fill=True, color="#9ecae1", label="windows")
    histogram.plot(data.curve_x, data.curve_y, color="#08519c", label="fitted normal")
    if low is not None:
        for bound in (low, high):
            histogram.axvline(bound, color="#e6550d", linestyle="--", linewidth=1)
    histogram.set_xlabel(feature)
    histogram.set_ylabel("windows")
    histogram.legend(fontsize="small")
    qq.plot(data.qq_theoretical, data.qq_observed, ".", markersize=3, color="#4a6fa5")
    lo = float(min(data.qq_theoretical.min(initial=0), data.qq_observed.min(initial=0)))
    hi = float(max(data.qq_theoretical.max(initial=0), data.qq_observed.max(initial=0)))
    qq.plot([lo, hi], [lo, hi], color="#333333", linewidth=1)
    k = float(params.get("k", 0))
    for bound in (-k, k):
        qq.axhline(bound, color="#e6550d", linestyle="--", linewidth=1)
    qq.set_xlabel("normal quantiles")
    qq.set_ylabel("standardised values")
    qq.set_title("Q–Q plot", fontsize="small")
    plots.append(("Distribution: histogram with the fitted normal curve, and Q–Q plot", _figure_uri(figure)))
    return plots


_CSS = """
body { font: 14px/1.45 system-ui, sans-serif; margin: 2em auto; max-width: 1100px; color: #222; padding: 0 1em; }
h1 { font-size: 1.6em; } h2 { border-bottom: 2px solid #ddd; padding-bottom: .2em; margin-top: 2em; }
h3 { margin-bottom: .3em; }
table { border-collapse: collapse; margin: .5em 0; }
td, th { border: 1px solid #ddd; padding: .25em .6em; text-align: left; vertical-align: top; }
th { background: #f4f4f4; }
img.plot { max-width: 100%; }
.frames { display: flex; gap: .6em; } .frames figure { margin: 0; } figcaption { font-size: .85em; color: #555; }
.observation { border-left: 4px solid #e6550d; padding: .2em 1em; margin: 1.2em 0; background: #fafafa; }
.muted { color: #777; }
table.motion caption, table.faces caption { text-align: left; font-size: .85em; color: #555; }
"""


def _table(rows: Iterable[tuple[str, Any]]) -> str:
    cells = "".join(f"<tr><th>{html.escape(k)}</th><td>{html.escape(str(v))}</td></tr>" for k, v in rows)
    return f"<table>{cells}</table>"


def _fmt(value: Any, digits: int = 4) -> str:
    if value is None:
        return "—"
    if isinstance(value, float):
        return f"{value:.{digits}g}"
    return str(value)


def _media_section(store: Store, record: MediaRecord) -> str:
    info = record.info
    streams = []
    if info.video:
        v = info.video
        rate = "variable" if v.variable_frame_rate else "constant"
        streams.append(f"video {v.width}×{v.height}, {v.fps:.3g} fps ({rate}), {v.codec}")
    if info.audio:
        streams.append(f"audio {info.audio.sample_rate} Hz, {info.audio.channels} channel(s), {info.audio.codec}")
    summary = [
        ("file", record.path),
        ("source URL", record.source_url or "—"),
        ("video id", record.fingerprint),
        ("duration", f"{info.duration_ms / 1000:.3f} s ({format_mmss(info.duration_ms)})"),
        ("container", info.container),
        ("streams", "; ".join(streams)),
    ]
    motion = load_motion(store, record.id) if info.has_video else None
    parts = [f"<h2>{html.escape(Path(record.path).name)}</h2>", _table(summary)]
    parts.extend(_audio_analysis(store, record, nothing_else=motion is None))
    if motion is not None:
        parts.append(_motion_analysis(motion))
    faces = _stored_faces(store, record) if info.has_video else None
    if faces is not None:
        parts.append(_persons_section(faces.stored))
    return "".join(parts)


def _persons_section(stored: StoredFaces) -> str:
    """The faces run's parameters and each person's time on screen and share of each dominant emotion."""
    from analysis.faces.stats import persons

    options = stored.options
    found = persons(stored.samples, options.fps, stored.labels)
    head = (
        "<h3>Persons</h3>"
        + _table(
            [
                ("faces", f"{options.detector.value}, {options.fps:g} samples/s at {options.width} px"),
                ("samples", f"{len(stored.samples)}, {sum(len(s.faces) for s in stored.samples)} faces"),
                ("persons", len(found)),
            ]
        )
        + '<p class="muted">Emotion shares: the share of the samples showing the person in which each emotion'
        " was the dominant one.</p>"
    )
    if not found:
        return head + '<p class="muted">No face was found.</p>'
    speakers = {number: speaker for number, _, speaker, _ in stored.persons if speaker}
    header = "".join(f"<th>{html.escape(name)}</th>" for name in ("person", "seconds visible", *stored.labels))
    rows = "".join(
        "<tr>"
        + "".join(
            f"<td>{html.escape(value)}</td>"
            for value in (
                stored.person_name(person.id) + (f" (speaker {speakers[person.id]})" if person.id in speakers else ""),
                f"{person.visible_ms / 1000:.1f} s",
                *(f"{person.emotion_share.get(name, 0.0):.0%}" for name in stored.labels),
            )
        )
        + "</tr>"
        for person in found
    )
    return f'{head}<table class="persons"><tr>{header}</tr>{rows}</table>'


def _motion_analysis(motion: StoredMotion) -> str:
    """The motion run's parameters, the distribution of its magnitudes, its peaks and shot changes."""
    options, stats = motion.options, motion.stats
    shots = ", ".join(
        f"{shot.kind} at {format_mmss(round(shot.start_s * 1000))}"
        + (f"–{format_mmss(round(shot.end_s * 1000))}" if shot.end_s > shot.start_s else "")
        for shot in motion.shots
    )
    return "<h3>Motion analysis</h3>" + _table(
        [
            ("flow", f"{options.method.value}, {options.fps:g} pairs/s at {options.width} px"),
            ("k", _fmt(stats.k)),
            ("tails", stats.tails),
            ("μ", f"{_fmt(stats.mean)} px/s"),
            ("σ", f"{_fmt(stats.std)} px/s"),
            ("band", f"{_fmt(stats.low)} … {_fmt(stats.high)} px/s"),
            ("samples outside the band", f"{stats.n_outliers} of {stats.n_windows}"),
            ("motion peaks", len(motion.peaks)),
            ("shot changes", shots or "none"),
            ("unit", f"px/s: pixels per second of the frame scaled to {REFERENCE_WIDTH} px wide"),
        ]
    )


def _audio_analysis(store: Store, record: MediaRecord, nothing_else: bool) -> list[str]:
    """The audio run's parameters and statistics, the pauses, and the plots."""
    parts: list[str] = []
    run, segments = _latest_spans(store, record.id, RUN_AUDIO_PEAKS, TRACK_AUDIO_PEAK)
    if run is None:
        more = ": nothing flagged yet" if nothing_else else ""
        parts.append(f'<p class="muted">No finished audio analysis{more}.</p>')
        return parts
    params, stats = run.params, (run.summary or {}).get("stats", {})
    parts.append("<h3>Analysis</h3>")
    parts.append(
        _table(
            [
                ("k", _fmt(params.get("k"))),
                ("window", f"{params.get('window_ms')} ms"),
                ("feature", params.get("feature")),
                ("tails", params.get("tails")),
                ("centre and scale", "median and MAD × 1.4826" if params.get("robust") else "mean μ and σ"),
                ("μ", _fmt(stats.get("mean"))),
                ("σ", _fmt(stats.get("std"))),
                ("band", f"{_fmt(stats.get('low'))} … {_fmt(stats.get('high'))}"),
                ("windows outside the band", f"{stats.get('n_outliers')} of {stats.get('n_windows')}"),
                ("observed fraction", _fmt(stats.get("outlier_fraction"))),
                ("expected for a normal distribution", _fmt(stats.get("expected_fraction"))),
                ("tail ratio (observed / expected)", _fmt(stats.get("tail_ratio"))),
                ("skewness", _fmt(stats.get("skewness"))),
                ("excess kurtosis", _fmt(stats.get("excess_kurtosis"))),
                ("flagged segments", len(segments)),
            ]
        )
    )
    pauses_run = store.latest_run(record.id, RUN_PAUSES)
    metrics = (pauses_run.summary or {}).get("metrics") if pauses_run else None
    if metrics:
        parts.append(
            _table(
                [
                    ("pauses", f"{metrics['count']} ({(pauses_run.summary or {}).get('method')})"),
                    (
                        "total / mean / longest",
                        f"{metrics['total_ms'] / 1000:.2f} s / {metrics['mean_ms'] / 1000:.2f} s"
                        f" / {metrics['longest_ms'] / 1000:.2f} s",
                    ),
                    ("pauses per minute", f"{metrics['per_minute']:.1f}"),
                    ("speech", f"{metrics['speech_ratio']:.0%} of the time"),
                ]
            )
        )
    for caption, uri in _plots(store, record, run, segments):
        parts.append(
            f'<figure><img class="plot" alt="{html.escape(caption)}" src="{uri}"><figcaption>'
            f"{html.escape(caption)}</figcaption></figure>"
        )
    return parts


def _span(start_ms: int, end_ms: int) -> str:
    return f"{start_ms / 1000:.3f}–{end_ms / 1000:.3f} s ({format_mmss(start_ms)}–{format_mmss(end_ms)})"


_KINDS = {TRACK_AUDIO_PEAK: "flagged segment (audio peak)", TRACK_MOTION_PEAK: "flagged segment (motion peak)"}


def _observation(
    group: Sequence[ExportItem],
    frames: list[bytes],
    context_ms: int,
    detail: PeakDetail | None,
    crops: Sequence[bytes] = (),
) -> str:
    """One segment or range with all its labels, its key frames, its motion and flow, the faces and the pauses
    around it."""
    first = group[0]
    span = _span(first.start_ms, first.end_ms)
    facts = [("time", span), ("kind", _KINDS.get(first.source, f"{first.source} range"))]
    if context_ms:
        facts.append((f"with {context_ms / 1000:g} s context", _span(*first.clip_range(context_ms))))
    if first.peak_ms is not None:
        facts.append(("peak", f"{first.peak_ms / 1000:.3f} s ({format_mmss(first.peak_ms)})"))
    if first.z is not None:
        facts.append(("z", f"{first.z:+.2f}"))
    if first.shot_change:
        facts.append(("shot change", first.shot_change))
    facts.append(("pause before", "—" if first.pause_before_ms is None else f"{first.pause_before_ms / 1000:.2f} s"))
    facts.append(("pause after", "—" if first.pause_after_ms is None else f"{first.pause_after_ms / 1000:.2f} s"))
    labelled = [item for item in group if item.label]
    if labelled:
        rows = "".join(
            "<tr>"
            + "".join(
                f"<td>{html.escape(_fmt(value, 3))}</td>"
                for value in (
                    item.label + (" (not significant)" if item.kind == "exclude" else ""),
                    item.annotator,
                    item.intensity,
                    item.confidence,
                    item.provenance,
                    item.note or "—",
                )
            )
            + "</tr>"
            for item in labelled
        )
        labels = (
            "<table><tr><th>label</th><th>annotator</th><th>intensity</th><th>confidence</th><th>provenance</th>"
            f"<th>note</th></tr>{rows}</table>"
        )
    elif first.not_significant:
        labels = (
            '<p class="muted">Not labelled yet. <b>Not significant</b>: it coincides with a shot change '
            f"({html.escape(first.shot_change)}), so clips and datasets leave it out until someone labels it.</p>"
        )
    else:
        labels = '<p class="muted">Not labelled yet.</p>'
    figures = "".join(
        f'<figure><img alt="{tag}" src="{_png_uri(data)}"><figcaption>{tag} ({ms / 1000:.3f} s)</figcaption></figure>'
        for (_, _, tag), ms, data in zip(KEYFRAMES, keyframe_times(first), frames, strict=False)
    )
    motion = _motion_table(first, detail) if first.has_video else ""
    flows = ""
    if detail is not None:
        flows = "".join(
            f'<figure><img alt="{kind} {interval}" src="{_png_uri(_report_png(image))}"><figcaption>{kind} '
            f"{getattr(detail, interval).start_s:.3f} → {getattr(detail, interval).end_s:.3f} s</figcaption></figure>"
            for (kind, interval), image in zip(FLOW_IMAGES, flow_images(detail), strict=True)
        )
    faces = _faces_table(first.faces_around) if first.faces_around is not None else ""
    crop_figures = ""
    if first.faces_around is not None and crops:
        crop_figures = "".join(
            f'<figure><img alt="face {k}" src="{_png_uri(data)}"><figcaption>face {k}: {html.escape(face.name)},'
            f" {html.escape(face.dominant)} {face.probability:.0%}</figcaption></figure>"
            for k, (face, data) in enumerate(zip(first.faces_around.faces, crops, strict=True), 1)
        )
    transcript = f"<p><b>Transcript:</b> {html.escape(first.transcript)}</p>" if first.transcript else ""
    heading = html.escape(span) + (" — not significant" if first.not_significant else "")
    return (
        f'<div class="observation"><h3>{heading}</h3>{_table(facts)}{labels}'
        f"{f'<div class=frames>{figures}</div>' if figures else ''}{motion}"
        f"{f'<div class=frames>{flows}</div>' if flows else ''}{faces}"
        f"{f'<div class=frames>{crop_figures}</div>' if crop_figures else ''}{transcript}</div>"
    )


def _faces_table(around: FacesAround) -> str:
    """The persons seen within ±1 s of the moment, each with the dominant and the mean of each emotion."""
    window = f"±{FACE_WINDOW_MS / 1000:g} s"
    if not around.persons:
        return f'<p class="muted">No face within {window} of t.</p>'
    labels = [name for name, _ in around.persons[0].probabilities]
    header = "".join(f"<th>{html.escape(name)}</th>" for name in ("person", "samples", "dominant", *labels))
    rows = "".join(
        "<tr>"
        + "".join(
            f"<td>{html.escape(value)}</td>"
            for value in (
                person.name,
                str(person.samples),
                person.dominant,
                *(f"{p:.0%}" for _, p in person.probabilities),
            )
        )
        + "</tr>"
        for person in around.persons
    )
    nearest = (
        f"; {len(around.faces)} face(s) in the sample at {around.sample_ms / 1000:.3f} s"
        if around.sample_ms is not None
        else ""
    )
    caption = f"Faces within {window} of t, mean emotion probabilities{nearest}"
    return f'<table class="faces"><caption>{html.escape(caption)}</caption><tr>{header}</tr>{rows}</table>'


def _motion_table(item: ExportItem, detail: PeakDetail | None) -> str:
    """The item's motion figures in one row (px/s of the reference width; moving as a share of the pixels)."""
    before, after = detail.magnitudes if detail is not None else (None, None)
    values = (
        _px(item.motion_magnitude),
        _px(item.motion_mean),
        _px(item.motion_max),
        "—" if item.motion_moving is None else f"{item.motion_moving:.1%}",
        _px(before),
        _px(after),
    )
    header = "".join(
        f"<th>{name}</th>"
        for name in ("motion at t", "mean", "max", "moving at t", "mag(t − 1 s → t)", "mag(t → t + 1 s)")
    )
    cells = "".join(f"<td>{html.escape(value)}</td>" for value in values)
    note = "" if item.motion_magnitude is not None else " (no motion analysis: flow around t only)"
    return f'<table class="motion"><caption>Motion, px/s{note}</caption><tr>{header}</tr><tr>{cells}</tr></table>'


def _px(value: float | None) -> str:
    return "—" if value is None else f"{value:.2f}"


def _report_png(image: np.ndarray) -> bytes:
    """A flow picture scaled down to the report's width."""
    height, width = image.shape[:2]
    if width > REPORT_FRAME_WIDTH:
        size = (REPORT_FRAME_WIDTH, max(1, round(height * REPORT_FRAME_WIDTH / width)))
        image = cv2.resize(image, size, interpolation=cv2.INTER_AREA)
    return _png(image)


def export_report(
    store: Store,
    out_dir: str | os.PathLike[str],
    *,
    context_ms: int = 0,
    labels_only: bool = False,
    force: bool = False,
    progress: Progress | None = None,
) -> Path:
    """One self-contained ``report.html`` (inline CSS, images as data URIs; opens offline).

    Per media: a summary, the analysis parameters and distribution statistics, and the plots (matplotlib
    with the Agg canvas, never Qt), and the motion run's. Then per observation (a segment or range with all
    its labels): time, labels with annotator, intensity, confidence and note, key frames at t − 1 s, t,
    t + 1 s, the pauses around it, and for a video its motion figures with the flow heatmaps and overlays of
    t − 1 s → t and t → t + 1 s; with a faces run, the persons within ±1 s of t with their mean emotions and
    a crop of each face of the nearest sample (and per media a "Persons" section: each person's time on screen
    and emotion shares); with ``context_ms``, also the range widened by it (as the clips are cut).
    Unlabelled segments at a shot change are listed, marked not significant. All user text is escaped.
    """
    _check_context(context_ms)
    progress = progress or NullProgress()
    path = Path(out_dir) / "report.html"
    items = collect_items(store, labels_only)
    _check_media(items)
    records = store.all_media()
    with _all_or_nothing(force) as outputs:
        outputs.refuse_existing([path])
        sections = []
        frames = _Frames(max_width=REPORT_FRAME_WIDTH)
        crops = _Frames()  # faces are cut from the full frame, as in the dataset
        flows = _FlowDetails()
        try:
            for number, record in enumerate(records):
                check(progress)
                progress.update(number / max(1, len(records)), f"report: {Path(record.path).name}")
                sections.append(_media_section(store, record))
                groups: dict[tuple[int, int, str, int | None], list[ExportItem]] = {}
                for item in items:
                    if item.media_id == record.id:
                        groups.setdefault((item.start_ms, item.end_ms, item.source, item.peak_ms), []).append(item)
                if groups:
                    sections.append(f"<h3>Observations ({len(groups)})</h3>")
                for group in groups.values():
                    check(progress)
                    pngs = frames.pngs(group[0]) if group[0].has_video else []
                    faces = [_report_png(crop) for crop in crops.face_images(group[0])]
                    sections.append(_observation(group, pngs, context_ms, flows.detail(group[0]), faces))
        finally:
            frames.close()
            crops.close()
        created = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
        document = (
            '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">'
            f"<title>Salient report — {html.escape(store.path.stem)}</title><style>{_CSS}</style></head><body>"
            f"<h1>Salient report — {html.escape(store.path.name)}</h1>"
            f'<p class="muted">{len(records)} media, {len(items)} rows, written {created}.</p>'
            + "".join(sections)
            + "</body></html>\n"
        )
        outputs.folder(path.parent)
        outputs.write_text(path, document)
    progress.update(1.0, "report written")
    return path


def run_export(store: Store, request: ExportRequest, progress: Progress | None = None) -> list[Path]:
    """Run the export ``request`` names; returns what it wrote (the files, or the dataset's folder)."""
    common = {"labels_only": request.labels_only, "force": request.force}
    if request.kind == "clips":
        return export_clips(
            store,
            request.out_dir,
            context_ms=request.context_ms,
            original_rate=request.original_rate,
            stream_copy=request.stream_copy,
            progress=progress,
            **common,
        )
    if request.kind == "dataset":
        path = export_dataset(
            store,
            request.out_dir,
            split=request.split,
            seed=request.seed,
            context_ms=request.context_ms,
            progress=progress,
            **common,
        )
        return [path]
    if request.kind == "report":
        return [export_report(store, request.out_dir, context_ms=request.context_ms, progress=progress, **common)]
    if request.kind in ("csv", "json"):
        return [
            export_table(store, request.out_dir / f"segments.{request.kind}", request.kind, progress=progress, **common)
        ]
    raise ValueError(f"unknown export kind {request.kind!r}; one of {', '.join(EXPORT_KIND_NAMES)}")
