"""Transcription as the CLI and the window run it: a run in the project, segments stored as they come,
resumed after a cancel or crash from the end of the last stored segment.

Qt-free. The model runs in a child process (:func:`analysis.transcribe.transcribe_in_child`); this module
owns the bookkeeping: which run to continue, what to store, how to turn results into transcript segments.
"""

from __future__ import annotations

import logging
import os
import time
from dataclasses import dataclass
from pathlib import Path

from analysis import media
from analysis.errors import MediaError
from analysis.progress import NullProgress, Progress, SubProgress
from analysis.transcribe import (
    SegmentResult,
    TranscribeOptions,
    TranscribeSummary,
    resolve_model,
    transcribe_in_child,
)
from app.model.records import MediaRecord
from app.model.transcript import Transcript, TranscriptSegment, Word
from app.pipelines.runs import library_versions, record_stop
from app.pipelines.sources import default_project_path, fetch, is_url
from app.project.store import PROJECT_SUFFIX, ProjectError, Store
from app.timecode import ms_to_s

log = logging.getLogger(__name__)

RUN_TRANSCRIBE = "transcribe"
RUN_TRANSCRIPT_IMPORT = "transcript_import"
_RESUMABLE = ("cancelled", "interrupted", "failed")


def segment_from_result(result: SegmentResult) -> TranscriptSegment:
    """The transcript segment to store for a model's segment; no word or segment ends before it starts."""
    words = tuple(Word(w.word, w.start_ms, max(w.start_ms, w.end_ms), round(w.probability, 4)) for w in result.words)
    return TranscriptSegment(result.start_ms, max(result.start_ms, result.end_ms), result.text, words)


@dataclass(frozen=True, slots=True)
class TranscriptionPlan:
    run_id: int
    start_ms: int
    """0 for a new run; the end of the last stored segment for a resumed one"""
    resumed: bool


def plan_transcription(
    store: Store, media_id: int, options: TranscribeOptions, fresh: bool = False
) -> TranscriptionPlan:
    """Continue the newest transcription of this media if it stopped early with the same parameters and
    ``fresh`` is not asked; otherwise start a new run. The run is 'running' when this returns."""
    runs = store.runs(media_id, RUN_TRANSCRIBE)
    if runs and not fresh:
        last = runs[-1]
        if last.status in _RESUMABLE and last.params == options.params():
            segments = store.transcript_segments(last.id)
            start_ms = max((s.end_ms for s in segments), default=0)
            store.reopen_run(last.id)
            log.info("resuming transcription run %d from %d ms", last.id, start_ms)
            return TranscriptionPlan(last.id, start_ms, True)
    run_id = store.start_run(media_id, RUN_TRANSCRIBE, options.params(), library_versions())
    return TranscriptionPlan(run_id, 0, False)


def finish_transcription(store: Store, run_id: int, summary: TranscribeSummary, elapsed_ms: int) -> None:
    previous = store.run(run_id).summary or {}
    store.finish_run(
        run_id,
        {
            "language": summary.language or previous.get("language", ""),
            "language_probability": summary.language_probability,
            "segments": store.transcript_segment_count(run_id),
            "resumed_from_s": ms_to_s(summary.start_ms),
            "duration_s": ms_to_s(summary.end_ms),
        },
        {},
        elapsed_ms,
    )


def stored_transcript(store: Store, media_id: int) -> Transcript | None:
    """The transcript the user sees (see :meth:`Store.transcript_run`), or None."""
    run = store.transcript_run(media_id)
    if run is None:
        return None
    return Transcript(
        tuple(store.transcript_segments(run.id)),
        (run.summary or {}).get("language", "") or run.params.get("language") or "",
        run.params.get("model", ""),
        run.params,
    )


@dataclass(frozen=True, slots=True)
class TranscriptionResult:
    project_path: Path
    media: MediaRecord
    run_id: int
    transcript: Transcript
    resumed_from_ms: int | None
    elapsed_ms: int


def _project_media(store: Store) -> MediaRecord:
    media_records = store.all_media()
    if not media_records:
        raise ProjectError(f"{store.path}: the project has no media to transcribe")
    return media_records[-1]


def transcribe_media(
    source: str | os.PathLike[str],
    project_path: str | os.PathLike[str] | None = None,
    options: TranscribeOptions | None = None,
    progress: Progress | None = None,
    fresh: bool = False,
    cookies: str | os.PathLike[str] | None = None,
) -> TranscriptionResult:
    """Transcribe a media file, URL or project's media into its project, storing each segment as soon as
    the model produces it; resume a stopped run unless ``fresh``."""
    options = options or TranscribeOptions()
    progress = progress or NullProgress()
    started = time.perf_counter()
    resolve_model(options.model)  # a bad model name fails before anything is decoded or written
    source = str(source)
    if source.endswith(PROJECT_SUFFIX) and not is_url(source):
        project = Path(source)
        if not project.is_file():
            raise ProjectError(f"{project}: no such project")
        store = Store.open(project, create=False)
        record = _project_media(store)
        path = Path(record.path)
        if not path.is_file():
            store.close()
            raise MediaError(f"{path}: the project's media file is missing (moved or deleted?)")
        fingerprint = record.fingerprint
    else:
        project = Path(project_path) if project_path else default_project_path(source)
        source_url = None
        if is_url(source):
            source_url = source
            path = fetch(source, project, Path(cookies) if cookies else None, SubProgress(progress, 0, 0.1))
        else:
            path = Path(source)
        info = media.probe(path)
        if not info.has_audio:
            raise MediaError(f"{path}: has no audio track; there is nothing to transcribe")
        fingerprint = media.fingerprint(path)
        store = Store.open(project)
        record = store.add_media(info, fingerprint, source_url)
    try:
        media.load_audio(path, store.cache_dir, fingerprint, progress=SubProgress(progress, 0.1, 0.15, "decode: "))
        audio_path = media.audio_cache_path(store.cache_dir, fingerprint)
        plan = plan_transcription(store, record.id, options, fresh)
        run_started = time.perf_counter()
        try:
            summary = transcribe_in_child(
                audio_path,
                options,
                plan.start_ms,
                on_segment=lambda r: store.add_transcript_segments(plan.run_id, [segment_from_result(r)]),
                progress=SubProgress(progress, 0.15, 1.0),
            )
        except BaseException as exc:
            record_stop(store, plan.run_id, exc, round((time.perf_counter() - run_started) * 1000))
            raise
        finish_transcription(store, plan.run_id, summary, round((time.perf_counter() - run_started) * 1000))
        transcript = stored_transcript(store, record.id)
        assert transcript is not None
    finally:
        store.close()
    progress.update(1.0, "done")
    return TranscriptionResult(
        project.resolve(),
        record,
        plan.run_id,
        transcript,
        plan.start_ms if plan.resumed else None,
        round((time.perf_counter() - started) * 1000),
    )
