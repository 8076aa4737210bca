"""The session: owns the open project (the only writer of its database) and the analysis state.

Views subscribe to its ``*_changed`` signals and send intents back through the main window. Long work
runs as jobs in worker threads that only compute; their results are stored here, in the GUI thread.
The store stays private: whatever the window and its controllers read or change goes through a method
here or through the session's books (labels, transcript), which make each change undoable.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
from PySide6.QtCore import QObject, QTimer, Signal

from analysis import audio, media, pauses, waveform
from analysis.audio import DistributionPlotData, Envelope, OutlierResult, Tails
from analysis.errors import MediaError, SalientError
from analysis.motion import MotionOptions
from analysis.pauses import PauseResult
from analysis.progress import SubProgress
from analysis.salience import DEFAULT_SHOT_RULE, ShotRule
from analysis.transcribe import SegmentResult, TranscribeOptions, TranscribeSummary, resolve_model, transcribe_in_child
from app.export.transcripts import ImportResult, export_transcript
from app.gui.books.imports import ImportCommand, StoredImport, import_in_background
from app.gui.books.labels import LabelBook
from app.gui.books.transcript import TranscriptBook
from app.gui.jobs import Job, JobProgress, JobRunner
from app.gui.opening import LoadedProject, MotionState, load_project, motion_state
from app.model.records import MediaRecord, RunRecord
from app.model.review import ReviewItem
from app.pipelines import audio as pipeline
from app.pipelines.audio import RUN_AUDIO_PEAKS, RUN_PAUSES, AudioOptions
from app.pipelines.faces import RUN_FACES, StoredFaces, load_faces, record_faces, with_persons
from app.pipelines.motion import (
    RUN_MOTION,
    StoredMotion,
    compute_motion,
    load_motion,
    persist_motion_peaks,
    record_motion,
)
from app.pipelines.runs import RunDataMissing, library_versions, missing_data_message
from app.pipelines.sources import MediaMismatch, is_same_recording
from app.pipelines.transcription import RUN_TRANSCRIBE, finish_transcription, plan_transcription, segment_from_result
from app.project.store import ProjectError, ReadOnlyProjectError, Store

if TYPE_CHECKING:
    from analysis.faces import FaceOptions

_ANALYSIS_MENU = {"motion": "Analyze ▸ Motion", "faces": "Analyze ▸ Faces"}

log = logging.getLogger(__name__)

_PERSIST_DELAY_MS = 700
"""The peaks of the parameters chosen are stored as a run once the user stops moving the controls for this
long; the parameters themselves are stored at once."""


@dataclass(frozen=True, slots=True, eq=False)
class AudioJobResult:
    peaks: pipeline.PeaksComputation
    pyramid: waveform.WaveformPyramid
    timings_ms: dict[str, int]
    options: AudioOptions
    """the parameters the peaks were computed with"""


class Session(QObject):
    """One open project and its media, with the results the views show."""

    media_opened = Signal(object)
    """MediaRecord of the media now open"""
    audio_ready = Signal(object)
    """the decoded 16 kHz mono samples"""
    waveform_ready = Signal(object)
    """WaveformPyramid"""
    envelope_changed = Signal(object)
    """Envelope"""
    peaks_changed = Signal(object)
    """OutlierResult"""
    pauses_changed = Signal(object)
    motion_changed = Signal(object)
    shot_rule_changed = Signal(object)
    """the rule for segments at a shot change (a ShotRule) was changed"""
    """MotionState, or None when the media has no motion analysis"""
    faces_changed = Signal(object)
    """StoredFaces, or None"""
    """PauseResult"""
    warning_issued = Signal(str)
    status_message = Signal(str)
    """a passing note for the status bar"""
    error_occurred = Signal(str, str)
    """message, details"""
    media_problem = Signal(object)
    """MediaMismatch: a project was not opened because its media file is gone or is another file now"""
    run_data_missing = Signal(str, str)
    """kind ('motion', 'faces'), why: the media's latest run of that kind cannot be shown (its cache file is gone)"""
    closed = Signal()
    opening = Signal(str)
    """a project (or media) at this path is being opened in the background"""
    open_finished = Signal()
    """the opening in the background ended: opened (after media_loaded), failed, or replaced by another"""
    media_loaded = Signal()
    """After media_opened, once the labels and every stored result of the media are loaded: views that combine
    them (the review queue) build once here instead of once per result while ``loading``."""

    def __init__(self, runner: JobRunner, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.runner = runner
        self._store: Store | None = None
        """the open project; only the session and its books write to it"""
        self.media: MediaRecord | None = None
        self.options = AudioOptions()
        self.samples: np.ndarray | None = None
        self.envelope: Envelope | None = None
        self.pyramid: waveform.WaveformPyramid | None = None
        self.outliers: OutlierResult | None = None
        self.pauses: PauseResult | None = None
        self._jobs: list[Job] = []
        self._job_runs: dict[int, int] = {}
        """job id → the run it will finish, while it runs"""
        self.labels = LabelBook(self)
        self.transcript = TranscriptBook(self.labels.history, self)
        self.labels.history.failed.connect(lambda message: self.error_occurred.emit(message, ""))
        self.transcript.audio_source = lambda: self.samples
        self.transcription_job: Job | None = None
        self.motion: MotionState | None = None
        self.motion_job: Job | None = None
        self.faces: StoredFaces | None = None
        self.shot_rule = DEFAULT_SHOT_RULE
        """which shot changes make an unlabelled flagged segment not significant (stored with the project)"""
        self._open_job: Job | None = None
        """the project being opened in the background (the latest request; an earlier one is dropped)"""
        self.loaded_queue: list[ReviewItem] | None = None
        """while ``loading``: the review queue the opening job built from the stored results"""
        self.loading = False
        """True while open() loads the stored results one after the other (each emits its own signal)"""
        self.read_only = ""
        """Why the open project cannot be changed ("" when it can): it is open to look and export only, analyses
        are not stored and every change is refused with a message."""
        self.labels.undo_stack.refused.connect(self.status_message)
        self._missing: list[RunDataMissing] = []  # runs open() could not show, said in one message at its end
        self._persist_timer = QTimer(self)
        self._persist_timer.setSingleShot(True)
        self._persist_timer.setInterval(_PERSIST_DELAY_MS)
        self._persist_timer.timeout.connect(lambda: self._save_quietly(self._persist_peaks))

    @property
    def project_path(self) -> Path | None:
        return self._store.path if self._store else None

    @property
    def is_open(self) -> bool:
        """Whether a project (and its media) is open."""
        return self._store is not None

    def _open_store(self) -> Store:
        if self._store is None:
            raise ProjectError("open a video or a project first")
        return self._store

    # -- opening -----------------------------------------------------------------------------------

    def open(
        self,
        path: str | Path,
        project_path: str | Path | None = None,
        source_url: str | None = None,
        check_media: bool = True,
    ) -> Job:
        """Open a media file (creating or reopening its project) or a ``.salient`` project, in the background.

        Returns at once: a job reads the project (``opening`` now, ``media_opened``, the books' resets and
        ``media_loaded`` once it is read). What was open stays open until then, and stays open if the new one
        cannot be opened (``error_occurred``). A later open wins over one still loading, which is dropped. A
        project whose media file is gone or is not the recording analysed (unless ``check_media`` is False) is
        not opened either: ``media_problem`` says which, to relink or re-analyse.
        """
        path = Path(path)
        if self._open_job is not None:
            self._open_job.cancel()
        refused: list[SalientError] = []

        def work(progress: JobProgress) -> LoadedProject:
            try:
                return load_project(path, project_path, source_url, progress, check_media)
            except SalientError as exc:
                refused.append(exc)
                raise

        job = self.runner.submit(f"Opening {path.name}", work)
        self._open_job = job
        job.succeeded.connect(lambda loaded: self._on_project_loaded(loaded, job))
        job.failed.connect(lambda message, details: self._on_open_failed(job, message, details, refused))
        job.finished.connect(lambda: self._on_open_finished(job))
        self.opening.emit(str(path))
        return job

    @property
    def opening_path(self) -> bool:
        """Whether a project is being opened (read in the background)."""
        return self._open_job is not None

    def _on_open_failed(self, job: Job, message: str, details: str, refused: list[SalientError]) -> None:
        if job is not self._open_job:
            return
        if refused and isinstance(refused[0], MediaMismatch):
            self.media_problem.emit(refused[0])
        else:
            self.error_occurred.emit(message, "" if refused else details)

    def _on_open_finished(self, job: Job) -> None:
        if job is self._open_job:
            self._open_job = None
            self.open_finished.emit()

    def _on_project_loaded(self, loaded: LoadedProject, job: Job) -> None:
        """The worker read the project: close what was open and show the new one, each book reset once."""
        if job is not self._open_job:  # a later open (or a close) replaced this one
            loaded.store.close()
            return
        self._open_job = None
        self.close()
        store, record = loaded.store, loaded.media
        self._store, self.media, self.options = store, record, loaded.options
        self.read_only = self.labels.undo_stack.read_only = loaded.read_only
        self.shot_rule = loaded.shot_rule
        self.loading = True
        self._missing = []
        try:
            self.media_opened.emit(record)
            self.labels.attach(store, record.id, loaded.labels)
            self.transcript.attach(store, record.id, stored=loaded.transcript)
            self.loaded_queue = loaded.queue
            if loaded.pauses is not None:
                self.pauses = loaded.pauses
                self.pauses_changed.emit(self.pauses)
            if loaded.motion is not None:
                self.motion = loaded.motion
                self.motion_changed.emit(self.motion)
            self.faces = loaded.faces
            if self.faces is not None:
                self.faces_changed.emit(self.faces)
            for missing in loaded.missing:
                self._run_missing(missing)
        finally:
            self.loading = False
            self.media_loaded.emit()
            self.loaded_queue = None
        if record.info.has_audio:
            self._start_audio_job()
        else:
            self.warning_issued.emit(f"{Path(record.path).name} has no audio track: there is no sound to analyse")
        if self._missing:  # last: the status bar keeps it in view
            self.warning_issued.emit(missing_data_message(self._missing, _ANALYSIS_MENU))
        self.open_finished.emit()

    def refuse_change(self, what: str) -> bool:
        """Say that ``what`` cannot be done (an error message) and return True when the project is read-only."""
        if self.read_only:
            self.error_occurred.emit(f"{what}: {self.read_only}.", "")
        return bool(self.read_only)

    def relink(self, project: Path, media_path: Path) -> Job | None:
        """The project's media moved to ``media_path``: record the new place once its content proves it is the same
        recording, then open the project (the opening job). None, with ``error_occurred`` emitted and nothing
        changed, otherwise."""
        project, media_path = Path(project), Path(media_path)
        try:
            with Store.open(project, create=False) as store:
                record = store.all_media()[-1]  # the one opening the project shows (it said it was missing)
                if not is_same_recording(record, media_path):
                    raise MediaError(
                        f"{media_path}: not the recording this project analysed (its content differs); "
                        f"nothing was changed"
                    )
                store.relink_media(record.id, str(media_path.resolve()))
        except SalientError as exc:
            self.error_occurred.emit(str(exc), "")
            return None
        return self.open(project)

    def open_url(self, url: str, project_path: Path, cookies: Path | None = None) -> Job:
        """Download in the background into the project's media folder, then open the file."""
        from analysis import download

        def work(progress: JobProgress) -> Path:
            media_dir = project_path.with_name(project_path.name + "-data") / "media"
            return download.download(url, media_dir, cookies=cookies, progress=progress).path

        job = self.runner.submit(f"Downloading {url}", work)
        job.succeeded.connect(lambda path: self.open(path, project_path, url))
        job.failed.connect(self.error_occurred)
        return job

    def open_demo(self, folder: Path | None = None) -> Job:
        """Generate the demo video in the background, then open it."""
        from app.demo.video import make_demo

        def work(progress: JobProgress) -> Path:
            return make_demo(folder, progress)[0]

        job = self.runner.submit("Generating the demo video", work)
        job.succeeded.connect(self.open)
        job.failed.connect(self.error_occurred)
        return job

    def close(self) -> None:
        """Stop this project's jobs and close it; everything was already saved. A project still being opened
        is dropped as well."""
        if self._open_job is not None:
            job, self._open_job = self._open_job, None
            job.cancel()
            self.open_finished.emit()
        if self._store is None:
            return
        if self._persist_timer.isActive():
            self._persist_timer.stop()
            self._save_quietly(self._persist_peaks)
        for job in self._jobs:
            job.cancel()
        for job in self._jobs:
            job.wait(2000)
            run_id = self._job_runs.pop(job.id, None)
            if run_id is not None:
                self._store.end_run(run_id, "cancelled", "the project was closed", round(job.elapsed_s * 1000))
        self._jobs.clear()
        self.transcription_job = None
        self.motion_job = None
        self.motion = None
        self.faces = None
        self.shot_rule = DEFAULT_SHOT_RULE
        self.labels.attach(None, None)
        self.transcript.attach(None, None)
        self.transcript.aligner.stop()
        self._store.close()
        self._store = self.media = None
        self.read_only = self.labels.undo_stack.read_only = ""
        self.samples = self.envelope = self.pyramid = self.outliers = self.pauses = None
        self.closed.emit()

    # -- audio analysis ----------------------------------------------------------------------------

    def _start_audio_job(self) -> None:
        assert self._store is not None and self.media is not None
        store, record, options = self._store, self.media, self.options
        cache_dir, path, fingerprint = store.cache_dir, Path(record.path), record.fingerprint
        run_id = None
        if not self.read_only and store.latest_run(record.id, RUN_AUDIO_PEAKS, options.peak_params()) is None:
            run_id = store.start_run(record.id, RUN_AUDIO_PEAKS, options.peak_params(), library_versions())

        def work(progress: JobProgress) -> AudioJobResult:
            computed = pipeline.compute_peaks(
                path, cache_dir, fingerprint, record.info.duration_ms, options, SubProgress(progress, 0.0, 0.85)
            )
            start = time.perf_counter()
            pyramid = waveform.build_pyramid(computed.samples, media.ANALYSIS_RATE, SubProgress(progress, 0.85, 1.0))
            timings = {**computed.timings_ms, "waveform": round((time.perf_counter() - start) * 1000)}
            progress.update(1.0, "audio analysed")
            return AudioJobResult(computed, pyramid, timings, options)

        job = self._submit("Audio analysis", work, run_id)
        job.succeeded.connect(lambda result: self._on_audio_job_succeeded(result, job))

    def _submit(self, title: str, work, run_id: int | None) -> Job:  # a job function
        job = self.runner.submit(f"{title}: {Path(self.media.path).name}", work)
        self._jobs.append(job)
        if run_id is not None:
            self._job_runs[job.id] = run_id
        store = self._store

        def stopped(message: str = "cancelled", details: str = "") -> None:
            if self._job_runs.pop(job.id, None) is not None and store is self._store:
                store.end_run(run_id, "failed" if details else "cancelled", message, round(job.elapsed_s * 1000))

        job.failed.connect(stopped)
        job.failed.connect(self.error_occurred)
        job.cancelled.connect(stopped)
        job.finished.connect(lambda: self._jobs.remove(job) if job in self._jobs else None)
        return job

    def _on_audio_job_succeeded(self, result: AudioJobResult, job: Job) -> None:
        run_id = self._job_runs.pop(job.id, None)
        if self._store is None:
            return
        self.samples, self.envelope, self.pyramid, self.outliers = (
            result.peaks.samples,
            result.peaks.envelope,
            result.pyramid,
            result.peaks.outliers,
        )
        if run_id is not None:
            pipeline.record_peaks(
                self._store,
                run_id,
                self.media.fingerprint,
                result.options.window_ms,
                result.peaks.outliers,
                result.timings_ms,
                result.peaks.warnings,
            )
        for warning in result.peaks.warnings:
            self.warning_issued.emit(warning)
        self.audio_ready.emit(result.peaks.samples)
        self.waveform_ready.emit(result.pyramid)
        self.envelope_changed.emit(result.peaks.envelope)
        self.peaks_changed.emit(result.peaks.outliers)
        if self.options.peak_params() != result.options.peak_params():
            self.set_options(self.options)  # the controls moved while the audio was decoding
        if self.pauses is None:
            self._start_pauses_job()

    def _start_pauses_job(self) -> None:
        assert self._store is not None and self.media is not None and self.samples is not None
        options, samples = self.options, self.samples
        run_id = None
        if not self.read_only:
            run_id = self._store.start_run(self.media.id, RUN_PAUSES, options.pause_params(), library_versions())

        def work(progress: JobProgress) -> PauseResult:
            return pauses.detect_pauses(
                samples, media.ANALYSIS_RATE, options.min_pause_ms, options.pause_method, progress
            )

        job = self._submit("Pauses", work, run_id)
        job.succeeded.connect(lambda found: self._on_pauses_job_succeeded(found, job))

    def _on_pauses_job_succeeded(self, found: PauseResult, job: Job) -> None:
        run_id = self._job_runs.pop(job.id, None)
        if self._store is None or (run_id is None and not self.read_only):
            return
        if run_id is not None:
            pipeline.record_pauses(self._store, run_id, found, round(job.elapsed_s * 1000))
        self.pauses = found
        self.pauses_changed.emit(found)

    # -- live parameters ---------------------------------------------------------------------------

    def set_options(self, options: AudioOptions) -> None:
        """Recompute the peaks at once (the envelope is reused unless the window changed); store the parameters
        at once and the peaks they give soon (when the controls rest)."""
        previous, self.options = self.options, options
        if self.media is not None and options.peak_params() != previous.peak_params():
            self._save_quietly(lambda: self._store.choose_peak_params(self.media.id, options.peak_params()))
        if self.motion is not None and self.motion.k != options.k:
            self._set_motion(self.motion.stored, options.k)
            self._persist_timer.start()
        if self.samples is None or self.media is None:
            return
        if options.window_ms != previous.window_ms or self.envelope is None:
            self.envelope = pipeline.load_envelope(
                self._store.cache_dir, self.media.fingerprint, self.samples, options.window_ms
            )
            self.envelope_changed.emit(self.envelope)
        self.outliers = audio.find_peaks(
            self.envelope, self.samples, options.k, options.tails, options.feature, options.robust
        )
        self.peaks_changed.emit(self.outliers)
        self._persist_timer.start()

    def set_shot_rule(self, rule: ShotRule) -> None:
        """Store the rule at once (refused in a read-only project) and have the review queue apply it."""
        if rule == self.shot_rule or self._store is None or self.refuse_change("Changing the shot change rule"):
            return
        try:
            self._store.choose_shot_rule(rule.params())
        except SalientError as exc:
            self.error_occurred.emit(f"The shot change rule was not changed: {exc}", "")
            return
        self.shot_rule = rule
        self.shot_rule_changed.emit(rule)

    def _save_quietly(self, save) -> None:  # a callable that writes to the project
        """Store something the controls set (they move many times a second): a refusal (full disk) is noted
        in the status bar, not in a dialog per move; the controls keep working."""
        try:
            save()
        except SalientError as exc:
            self.status_message.emit(f"Not saved: {exc}")

    def _persist_peaks(self) -> None:
        """Record the peaks of the parameters the user settled on, so the project reopens showing them."""
        if self._store is None or self.media is None or self.read_only:
            return
        motion = self.motion
        if motion is not None and motion.stored.k != motion.k:
            stored = persist_motion_peaks(
                self._store, motion.stored, motion.k, motion.peaks, motion.stats, library_versions()
            )
            self.motion = replace(motion, stored=stored)
        if self.outliers is None:
            return
        params = self.options.peak_params()
        latest = self._store.latest_run(self.media.id, RUN_AUDIO_PEAKS)
        if latest is not None and latest.params == params:
            return
        run_id = self._store.start_run(self.media.id, RUN_AUDIO_PEAKS, params, library_versions())
        pipeline.record_peaks(
            self._store, run_id, self.media.fingerprint, self.options.window_ms, self.outliers, {"peaks": 0}
        )

    def distribution_data(self) -> DistributionPlotData | None:
        if self.envelope is None:
            return None
        return audio.distribution_plot_data(self.envelope, self.options.feature, self.options.robust)

    # -- transcription -----------------------------------------------------------------------------

    def transcription_state(self, options: TranscribeOptions) -> tuple[str, int]:
        """What Transcribe would do now: ('resume', from_ms) when a stopped run with these settings can
        continue, ('new', 0) otherwise."""
        assert self._store is not None and self.media is not None
        runs = self._store.runs(self.media.id, RUN_TRANSCRIBE)
        if runs and runs[-1].status in ("cancelled", "interrupted", "failed") and runs[-1].params == options.params():
            ends = [s.end_ms for s in self._store.transcript_segments(runs[-1].id)]
            if ends:
                return "resume", max(ends)
        return "new", 0

    def start_transcription(self, options: TranscribeOptions, fresh: bool = False, replace: bool = False) -> Job | None:
        """Transcribe the media in the background; segments appear in the transcript as they come, and are
        stored one by one, so a cancel or a crash keeps them and the next start resumes after them.

        The transcript shown before stays in the project: when the job fails or is cancelled it is shown
        again; when the job finishes, the new transcript is shown and the old one is kept as a version, or
        deleted if ``replace``."""
        if self._store is None or self.media is None:
            return None
        if not self.media.info.has_audio:
            self.error_occurred.emit(
                f"{Path(self.media.path).name} has no audio track: there is nothing to transcribe", ""
            )
            return None
        if self.transcription_job is not None and self.transcription_job.running:
            return self.transcription_job
        if self.refuse_change("Transcribe"):
            return None
        try:
            resolve_model(options.model)
        except SalientError as exc:
            self.error_occurred.emit(str(exc), "")
            return None
        store, record = self._store, self.media
        shown = self.transcript.run_id
        plan = plan_transcription(store, record.id, options, fresh)
        self.transcript.attach(store, record.id, plan.run_id)
        cache_dir, path, fingerprint = store.cache_dir, Path(record.path), record.fingerprint

        def work(progress: JobProgress) -> TranscribeSummary:
            media.load_audio(path, cache_dir, fingerprint, progress=SubProgress(progress, 0.0, 0.02, "decode: "))
            return transcribe_in_child(
                media.audio_cache_path(cache_dir, fingerprint),
                options,
                plan.start_ms,
                on_segment=progress.emit,
                progress=progress,
            )

        job = self._submit("Transcription", work, plan.run_id)
        job.partial.connect(lambda result: self._on_transcribed_segment(result, plan.run_id))
        job.succeeded.connect(lambda summary: self._on_transcription_done(summary, job, shown if replace else None))
        job.failed.connect(lambda *_: self._on_transcription_stopped(store, plan.run_id))
        job.cancelled.connect(lambda: self._on_transcription_stopped(store, plan.run_id))
        self.transcription_job = job
        return job

    def _on_transcription_stopped(self, store: Store, run_id: int) -> None:
        """A failed or cancelled transcription gives the transcript back its place: the book shows what the
        project shows (the transcript shown before; what was transcribed stays stored, to resume)."""
        if store is self._store and self.transcript.run_id == run_id:
            self.transcript.attach(store, self.media.id)

    def _on_transcribed_segment(self, result: SegmentResult, run_id: int) -> None:
        if self._store is None or run_id not in self._job_runs.values():
            return
        segment = segment_from_result(result)
        (segment_id,) = self._store.add_transcript_segments(run_id, [segment])
        if self.transcript.run_id == run_id:  # not when another version was chosen meanwhile
            self.transcript.append(replace(segment, id=segment_id))

    def _on_transcription_done(self, summary: TranscribeSummary, job: Job, replaced: int | None) -> None:
        run_id = self._job_runs.pop(job.id, None)
        if self._store is None or run_id is None:
            return
        finish_transcription(self._store, run_id, summary, round(job.elapsed_s * 1000))
        if replaced is not None and replaced != run_id:
            self._store.delete_transcript_run(replaced)
        self.transcript.attach(self._store, self.media.id)

    def has_transcript(self) -> bool:
        """Whether a transcript is shown (Transcribe then asks whether to replace it)."""
        return self.transcript.run_id is not None and len(self.transcript) > 0

    def transcript_versions(self) -> list[tuple[RunRecord, int]]:
        """The media's transcript versions, oldest first, with their numbers of segments."""
        store = self._open_store()
        return [(run, store.transcript_segment_count(run.id)) for run in store.transcript_runs(self.media.id)]

    def show_transcript_version(self, run_id: int) -> None:
        """Show another transcript version (here and when the project is reopened, until a newer one
        finishes); a running transcription goes on and is kept as a version."""
        store = self._open_store()
        if self.read_only:  # shown, not remembered
            self.transcript.attach(store, self.media.id, run_id)
            return
        store.choose_transcript_run(self.media.id, run_id)
        self.transcript.attach(store, self.media.id)

    def import_transcript(self, path: str | Path, annotator: str) -> ImportResult:
        """Import a transcript and/or label tiers (SRT, WebVTT, ELAN, TextGrid) as one undoable step, labels
        under ``annotator``; raises SalientError, storing nothing, when the file cannot be read."""
        if self.read_only:
            raise ReadOnlyProjectError(self.read_only)
        command = ImportCommand.now(
            self._open_store(), self.media.id, Path(path), annotator, self.transcript, self.labels
        )
        self.labels.history.push(command)
        return command.result

    def start_import(
        self, path: str | Path, annotator: str, done: Callable[[ImportResult | None, str], None]
    ) -> Job | None:
        """Import as :meth:`import_transcript` does, without holding the window up: a job parses the file (a
        100,000-cue file takes seconds), the session stores it in one transaction, and a second job reads the
        stored rows back through a reading connection of its own; then the books show it and it joins the undo
        history. ``done(result, "")`` once it is shown, ``done(None, why)`` when nothing was imported."""
        if self.read_only:
            done(None, self.read_only)
            return None
        store, path, media_id = self._open_store(), Path(path), self.media.id

        def show(stored: StoredImport) -> None:
            self.labels.history.push(ImportCommand(store, path, stored, self.transcript, self.labels, media_id))

        return import_in_background(
            self.runner, store, media_id, path, annotator, lambda: store is self._store, show, done
        )

    def export_transcript(self, fmt: str, path: str | Path) -> Path:
        """Write the transcript (for ELAN and Praat every track) as ``fmt``, replacing a file at ``path``."""
        return export_transcript(self._open_store(), fmt, path, self.media.id, force=True)

    # -- motion ------------------------------------------------------------------------------------

    def _set_motion(self, stored: StoredMotion, k: float) -> None:
        self.motion = motion_state(stored, k)
        self.motion_changed.emit(self.motion)

    def start_motion(self, options: MotionOptions | None = None, faces: FaceOptions | None = None) -> Job | None:
        """The motion pass in the background (one decode of the whole video); the track fills when done.
        With ``faces``, faces and emotions are found in the same decode."""
        if self._store is None or self.media is None:
            return None
        if not self.media.info.has_video:
            self.error_occurred.emit(
                f"{Path(self.media.path).name} has no video track: there is no motion to analyse", ""
            )
            return None
        if self.motion_job is not None and self.motion_job.running:
            return self.motion_job
        if self.refuse_change("Analyze motion"):
            return None
        options = options or MotionOptions()
        store, record, k = self._store, self.media, self.options.k
        path = Path(record.path)
        run_id = store.start_run(record.id, RUN_MOTION, {**options.params(), "k": k}, library_versions())

        def work(progress: JobProgress):  # motion results and the faces (or None)
            if faces is None:
                return compute_motion(path, options, k, Tails.HIGH, progress), None
            from analysis.faces import FaceConsumer

            with FaceConsumer(faces) as consumer:
                found = compute_motion(path, options, k, Tails.HIGH, progress, (consumer,))
            return found, consumer.result

        job = self._submit("Motion and faces" if faces else "Motion", work, run_id)
        job.succeeded.connect(lambda found: self._on_motion_job_succeeded(found, job, options, k))
        self.motion_job = job
        return job

    def _on_motion_job_succeeded(self, found, job: Job, options: MotionOptions, k: float) -> None:
        run_id = self._job_runs.pop(job.id, None)
        if self._store is None or run_id is None:
            return
        (result, peaks, stats), faces = found
        if faces is not None:
            self._record_faces(faces, round(job.elapsed_s * 1000))
        record_motion(self._store, run_id, self.media.fingerprint, result, peaks, stats, round(job.elapsed_s * 1000), k)
        stored = load_motion(self._store, self.media.id, options)
        if stored is not None:
            self._set_motion(stored, self.options.k)
        if result.info.skipped:
            self.warning_issued.emit(f"Motion: {result.info.skipped} unreadable part(s) of the video were skipped")

    # -- faces -------------------------------------------------------------------------------------

    def _load_stored_faces(self) -> None:
        assert self._store is not None and self.media is not None
        try:
            self.faces = load_faces(self._store, self.media.id) if self.media.info.has_video else None
        except RunDataMissing as missing:
            self.faces = None
            self._run_missing(missing)
            return
        if self.faces is not None:
            self.faces_changed.emit(self.faces)

    def _run_missing(self, missing: RunDataMissing) -> None:
        """A stored run cannot be shown: its view says so at once; opening says it once for all such runs."""
        self.run_data_missing.emit(missing.what, str(missing))
        if self.loading:
            self._missing.append(missing)
        else:
            self.warning_issued.emit(missing_data_message([missing], _ANALYSIS_MENU))

    def start_faces(self, options: FaceOptions | None = None) -> Job | None:
        """Faces and emotions in a decode pass of their own (Analyze ▸ Faces)."""
        if self._store is None or self.media is None:
            return None
        if not self.media.info.has_video:
            self.error_occurred.emit(f"{Path(self.media.path).name} has no video track: there are no faces", "")
            return None
        if self.refuse_change("Analyze faces"):
            return None
        from analysis.faces import FaceOptions

        options = options or FaceOptions()
        path = Path(self.media.path)

        def work(progress: JobProgress):  # a FacesResult
            from analysis.faces import analyze_faces

            return analyze_faces(path, options, progress)

        job = self._submit("Faces", work, None)
        job.succeeded.connect(lambda result: self._record_faces(result, round(job.elapsed_s * 1000)))
        return job

    def _record_faces(self, result, elapsed_ms: int) -> None:  # a FacesResult
        if self._store is None or self.media is None:
            return
        run_id = self._store.start_run(self.media.id, RUN_FACES, result.options.params(), library_versions())
        recorded = record_faces(self._store, run_id, self.media.fingerprint, result, elapsed_ms)
        self._load_stored_faces()
        if recorded.carried:
            names = "name" if recorded.carried == 1 else "names"
            self.status_message.emit(f"Faces: {recorded.carried} person {names} carried over from the previous run")
        if result.skipped:
            self.warning_issued.emit(f"Faces: {result.skipped} frame(s) could not be analysed and were skipped")
        for warning in result.warnings():
            self.warning_issued.emit(f"Faces: {warning}")

    def _refresh_persons(self) -> None:
        """The persons changed in the project: relabel the faces in memory and tell the views."""
        if self.faces is not None and self._store is not None:
            self.faces = with_persons(self.faces, self._store)
            self.faces_changed.emit(self.faces)

    def rename_person(self, number: int, name: str) -> None:
        """Rename a person; a person linked to a transcript speaker renames the speaker too (one name)."""
        if self.faces is None or not name.strip() or self.refuse_change("Rename the person"):
            return
        linked = next((p[2] for p in self.faces.persons if p[0] == number), "")
        self._store.rename_person(self.faces.run_id, number, name)
        if linked and linked in self.transcript.speakers and linked != " ".join(name.split()):
            self.transcript.rename_speaker(linked, name)
            self._store.link_speaker(self.faces.run_id, number, " ".join(name.split()))
        self._refresh_persons()

    def merge_persons(self, numbers: list[int]) -> None:
        if self.faces is not None and len(numbers) > 1 and not self.refuse_change("Merge the persons"):
            self._store.merge_persons(self.faces.run_id, numbers)
            self._refresh_persons()

    def split_person(self, number: int, tracks: list[int]) -> None:
        if self.faces is not None and tracks and not self.refuse_change("Split the person"):
            self._store.split_person(self.faces.run_id, number, tracks)
            self._refresh_persons()

    def link_speaker(self, number: int, speaker: str) -> None:
        """Link a person to a transcript speaker: the person takes the speaker's name ("" unlinks)."""
        if self.faces is None or self.refuse_change("Link the speaker"):
            return
        self._store.link_speaker(self.faces.run_id, number, speaker)
        if speaker.strip():
            self._store.rename_person(self.faces.run_id, number, speaker)
        self._refresh_persons()
