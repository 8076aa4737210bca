"""A project's transcript and tracks to and from the files other tools open (Qt-free, used by the CLI and
the window): SRT, WebVTT, text, JSON, ELAN .eaf and Praat TextGrid out; SRT, WebVTT, .eaf and TextGrid in.

ELAN and Praat get one tier per track: the transcript (one tier per speaker, plus the words), the audio
peaks, the pauses, the motion peaks and shot changes of a motion run, each person's emotions from a faces run,
and the labels (one tier per annotator when there are several).
"""

from __future__ import annotations

import os
from dataclasses import dataclass, replace
from pathlib import Path

from analysis.errors import ExportError
from analysis.faces.stats import emotion_series, emotion_spans
from app.export import interchange as interop
from app.export import readers
from app.export.interchange import InteropError, Interval, Tier
from app.model.formats import IMPORT_SUFFIXES, TRANSCRIPT_FORMAT_NAMES, transcript_format
from app.model.transcript import Transcript, TranscriptSegment, proportional_words
from app.pipelines.audio import RUN_AUDIO_PEAKS, RUN_PAUSES, TRACK_AUDIO_PEAK, TRACK_PAUSE
from app.pipelines.faces import load_faces
from app.pipelines.motion import load_motion
from app.pipelines.runs import library_versions, without_missing
from app.pipelines.transcription import stored_transcript
from app.project.store import Store
from app.timecode import format_clock

PEAKS_TIER = "audio peaks"
PAUSES_TIER = "pauses"
MOTION_PEAKS_TIER = "motion peaks"
SHOTS_TIER = "shot changes"
EMOTIONS_TIER_PREFIX = "emotions: "


def _media(store: Store, media_id: int | None):  # a MediaRecord
    records = store.all_media()
    if not records:
        raise ExportError(f"{store.path}: the project has no media")
    if media_id is None:
        return records[-1]
    return next(r for r in records if r.id == media_id)


def project_tiers(store: Store, media_id: int) -> list[Tier]:
    """Every track of the media as tiers: transcript (by speaker) and words, audio peaks, pauses, those of
    :func:`video_tiers`, labels."""
    tiers: list[Tier] = []
    transcript = stored_transcript(store, media_id)
    if transcript is not None:
        tiers.extend(interop.transcript_tiers(transcript.segments))
    peaks = store.latest_run(media_id, RUN_AUDIO_PEAKS)
    if peaks is not None:
        intervals = tuple(
            Interval(s.start_ms, s.end_ms, f"z={s.score:+.2f}" if s.score is not None else "peak")
            for s in store.segments(peaks.id, TRACK_AUDIO_PEAK)
        )
        tiers.append(Tier(PEAKS_TIER, intervals))
    pauses = store.latest_run(media_id, RUN_PAUSES)
    if pauses is not None:
        tiers.append(
            Tier(
                PAUSES_TIER,
                tuple(Interval(s.start_ms, s.end_ms, "pause") for s in store.segments(pauses.id, TRACK_PAUSE)),
            )
        )
    tiers.extend(video_tiers(store, media_id))
    labels = store.labels(media_id)
    annotators = sorted({label.annotator for label in labels})
    for annotator in annotators:
        name = interop.LABELS_TIER if len(annotators) == 1 else f"{interop.LABELS_TIER} - {annotator}"
        intervals = tuple(
            Interval(label.start_ms, label.end_ms, label.value) for label in labels if label.annotator == annotator
        )
        tiers.append(Tier(name, intervals, participant=annotator))
    return tiers


def video_tiers(store: Store, media_id: int) -> list[Tier]:
    """The tiers of the media's newest motion and faces runs; none for a run the media does not have.

    A motion run gives ``motion peaks`` (an interval per peak, its z score as text) and ``shot changes`` (each
    cut an instant ``cut``, each zoom an interval ``zoom``). A faces run gives ``emotions: NAME`` for each person
    seen (in the order of their numbers): the spans of their dominant emotion (:func:`emotion_spans`), the
    participant being the speaker linked to the person, else their name.
    """
    tiers: list[Tier] = []
    motion = without_missing(load_motion, store, media_id)
    if motion is not None:
        peaks = tuple(Interval(p.start_ms, p.end_ms, f"z={p.z:+.2f}") for p in motion.peaks)
        shots = tuple(Interval(s.start_ms, s.end_ms if s.kind != "cut" else s.start_ms, s.kind) for s in motion.shots)
        tiers += [Tier(MOTION_PEAKS_TIER, peaks), Tier(SHOTS_TIER, shots, points=True)]
    faces = without_missing(load_faces, store, media_id)
    for number, name, speaker, _tracks in faces.persons if faces is not None else ():
        series = emotion_series(faces.samples, number, faces.labels)
        spans = tuple(Interval(*span) for span in emotion_spans(series, faces.options.fps))
        if spans:
            tiers.append(Tier(f"{EMOTIONS_TIER_PREFIX}{name}", spans, participant=speaker or name))
    return tiers


def export_transcript(
    store: Store, fmt: str, out: str | os.PathLike[str], media_id: int | None = None, force: bool = False
) -> Path:
    """Write the project's transcript (and, for ELAN and Praat, every track) as ``fmt`` to ``out``."""
    if fmt not in TRANSCRIPT_FORMAT_NAMES:
        raise ExportError(f"unknown transcript format {fmt!r}: use one of {', '.join(TRANSCRIPT_FORMAT_NAMES)}")
    record = _media(store, media_id)
    transcript = stored_transcript(store, record.id) or Transcript()
    out = Path(out)
    if fmt in ("eaf", "textgrid"):
        tiers = project_tiers(store, record.id)
        if not any(t.intervals for t in tiers):
            raise ExportError(
                "there is nothing to export yet: no transcript, peaks, pauses, shot changes, emotions or labels"
            )
        if fmt == "eaf":
            return interop.write_eaf(out, tiers, Path(record.path), force=force)
        return interop.write_textgrid(out, tiers, record.info.duration_ms, force=force)
    if not transcript.segments:
        raise ExportError("the project has no transcript yet: run Transcribe (or import one) first")
    if fmt == "srt":
        return interop.write_srt(transcript.segments, out, force=force)
    if fmt == "vtt":
        return interop.write_vtt(transcript.segments, out, force=force)
    if fmt == "txt":
        return interop.write_txt(transcript.segments, out, force=force)
    return interop.write_json(transcript, out, force=force)


@dataclass(frozen=True, slots=True)
class ImportResult:
    run_id: int | None
    segments: int
    labels: int


def read_import(path: str | os.PathLike[str]) -> tuple[list[TranscriptSegment], list[Interval]]:
    """Parse a subtitle, ELAN or TextGrid file completely: its transcript segments (words estimated when the
    file has none) and its label intervals. Raises InteropError before anything is stored."""
    path = Path(path)
    if path.suffix.lower() not in IMPORT_SUFFIXES:
        raise InteropError(
            f"{path.name}: cannot import {path.suffix or 'a file without extension'}; use {', '.join(IMPORT_SUFFIXES)}"
        )
    tiers = readers.read_tiers(path)
    labels: list[Interval] = []
    for tier in tiers:
        if tier.name.lower() == interop.LABELS_TIER or tier.name.lower().startswith(interop.LABELS_TIER + " - "):
            labels.extend(interval for interval in tier.intervals if interval.text.strip())
    try:
        segments = readers.tiers_to_segments(tiers)
    except InteropError:
        if not labels:
            raise
        segments = []
    estimated = [
        s if s.words else replace(s, words=proportional_words(s.text, s.start_ms, s.end_ms), timing="estimated")
        for s in segments
        if s.text.strip()
    ]
    return estimated, labels


IMPORT_OVERRUN_MS = 1000
"""How far past the end of the media an imported segment, word or label may end (subtitles often last a little
longer than the recording); anything beyond belongs to another recording, or the file is damaged."""


def check_within_media(
    path: str | os.PathLike[str], duration_ms: int, segments: list[TranscriptSegment], labels: list[Interval]
) -> None:
    """Refuse a file that has anything ending more than :data:`IMPORT_OVERRUN_MS` after the end of the media (of
    ``duration_ms``; not checked when the duration is unknown), naming the first such item."""
    if not duration_ms or duration_ms <= 0:
        return
    limit = duration_ms + IMPORT_OVERRUN_MS
    timed = [  # a segment is named before its words
        *((s.start_ms, 0, s.end_ms, "segment", s.text) for s in segments),
        *((i.start_ms, 1, i.end_ms, "label", i.text) for i in labels),
        *((w.start_ms, 2, w.end_ms, "word", w.text) for s in segments for w in s.words),
    ]
    late = [item for item in timed if item[2] > limit]
    if late:
        start, _, end, what, text = min(late)
        raise InteropError(
            f"{Path(path).name}: a {what} at {format_clock(start)}–{format_clock(end)} ('{_short(text)}') ends after "
            f"the media, which lasts {format_clock(duration_ms)}; is the file for another recording?"
            + (f" ({len(late)} items end too late)" if len(late) > 1 else "")
        )


def _short(text: str, limit: int = 40) -> str:
    return text if len(text) <= limit else f"{text[: limit - 1]}…"


def import_file(
    store: Store,
    media_id: int,
    path: str | os.PathLike[str],
    annotator: str,
    parsed: tuple[list[TranscriptSegment], list[Interval]] | None = None,
) -> ImportResult:
    """Import a transcript and/or label tiers into the project, all or nothing. The imported transcript
    becomes the one the project shows; labels are added under ``annotator``. ``parsed`` is what
    :func:`read_import` read from ``path`` already (the window parses in the background). A file with anything
    ending after the media (beyond :data:`IMPORT_OVERRUN_MS`) is refused."""
    segments, labels = parsed if parsed is not None else read_import(path)
    check_within_media(path, _media(store, media_id).info.duration_ms, segments, labels)
    run_id = store.import_transcript(
        media_id,
        {"imported_from": str(Path(path).resolve()), "model": "", "language": ""},
        library_versions(),
        segments,
        [(i.start_ms, i.end_ms, i.text) for i in labels],
        annotator,
    )
    return ImportResult(run_id, len(segments), len(labels))


def default_export_name(media_path: str, fmt: str) -> str:
    return Path(media_path).stem + transcript_format(fmt).suffix
