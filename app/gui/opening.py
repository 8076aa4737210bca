"""Opening a project in the background: everything the window shows of a media, read in a worker thread.

A project with tens of thousands of labels and an hours-long transcript takes seconds to read. The session
runs :func:`load_project` as a job (progress in the Jobs panel and the status bar, cancel), so the window keeps
answering; the job hands back one :class:`LoadedProject`, which the session then gives to the books and the
views on the GUI thread in one go (one reset per book, the review queue built once). The function touches no
Qt object. The project is opened for a hand-over (``Store.open(handover=True)``): the worker opens and reads
it, then the GUI thread owns it; the two never use it at once.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field, replace
from pathlib import Path

from analysis import media
from analysis.audio import DistributionStats, Tails
from analysis.errors import MediaError
from analysis.motion import MotionPeak, motion_peaks
from analysis.pauses import PauseResult
from analysis.progress import Cancelled, Progress
from analysis.salience import DEFAULT_SHOT_RULE, ShotRule
from app.gui.books.labels import StoredLabels, read_labels
from app.gui.books.transcript import StoredTranscript, read_transcript
from app.model.records import MediaRecord
from app.model.review import ReviewItem, review_items
from app.pipelines import audio as pipeline
from app.pipelines.audio import RUN_AUDIO_PEAKS, RUN_PAUSES, AudioOptions
from app.pipelines.faces import StoredFaces, load_faces
from app.pipelines.motion import StoredMotion, load_motion, shot_rule
from app.pipelines.runs import RunDataMissing
from app.pipelines.sources import check_media_file, default_project_path
from app.pipelines.stored import check_stored, reading_stored
from app.project.store import PROJECT_SUFFIX, ProjectError, ReadOnlyProjectError, Store
from app.project.table import damaged

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True, eq=False)
class MotionState:
    """The motion analysis on screen: what was stored, and the peaks at the current k."""

    stored: StoredMotion
    k: float
    peaks: tuple[MotionPeak, ...]
    stats: DistributionStats


def motion_state(stored: StoredMotion, k: float) -> MotionState:
    """The stored motion run with its peaks at ``k``."""
    if len(stored.series):
        peaks, stats = motion_peaks(stored.series, stored.options.fps, k, Tails.HIGH)
    else:
        peaks, stats = [], stored.stats
    return MotionState(stored, k, tuple(peaks), stats)


@dataclass(frozen=True, slots=True, eq=False)
class LoadedProject:
    """A project opened and read by a worker: the session takes it over on the GUI thread."""

    store: Store
    media: MediaRecord
    options: AudioOptions
    """the parameters the project was last analysed with (peaks, pauses; k from the motion run without audio)"""
    labels: StoredLabels
    transcript: StoredTranscript
    pauses: PauseResult | None
    motion: MotionState | None
    faces: StoredFaces | None
    queue: list[ReviewItem]
    """the review queue as the stored results make it (no audio peaks yet: the audio job brings them)"""
    read_only: str = ""
    """why the project is open read-only ("" when it can be written)"""
    missing: list[RunDataMissing] = field(default_factory=list)
    """stored runs whose cache data is gone or unreadable: shown as missing, with an offer to run them again"""
    shot_rule: ShotRule = DEFAULT_SHOT_RULE
    """the project's rule for segments at a shot change"""


def load_project(
    path: str | Path,
    project_path: str | Path | None,
    source_url: str | None,
    progress: Progress,
    check_media: bool = True,
) -> LoadedProject:
    """Open a ``.salient`` project, or a media file (creating or reopening its project), and read what the
    window shows of its media. Raises SalientError when it cannot be opened (MediaMismatch when the project's
    media file is gone or another file now, unless not ``check_media``); Cancelled when asked to stop (the
    project is closed again either way). Everything shown is read here, before the window switches: a damaged
    project is refused whole and what was open stays open."""
    path = Path(path)
    progress.update(0.0, f"opening {path.name}")
    if path.suffix == PROJECT_SUFFIX:
        store, read_only = _open_project(path, create=False)
        record = _project_media(store, check_media)
    else:
        info = media.probe(path)
        fingerprint = media.fingerprint(path)
        store, read_only = _open_project(project_path or default_project_path(str(path)), create=True)
        try:
            record = (
                _read_only_media(store, fingerprint, path, read_only)
                if read_only
                else store.add_media(info, fingerprint, source_url)
            )
        except BaseException:
            store.close()
            raise
    try:
        loaded = replace(_read(store, record, progress), read_only=read_only)
        _check(progress)
    except BaseException:
        store.close()
        raise
    return loaded


def _open_project(path: str | Path, create: bool) -> tuple[Store, str]:
    """The project, and "" — or, when this user may not write it, the project open read-only and why."""
    try:
        return Store.open(path, create=create, handover=True), ""
    except ReadOnlyProjectError as exc:
        store = Store.open(path, create=False, read_only=True, handover=True)
        log.info("opened read-only: %s", exc)
        return store, (
            f"{store.path.name} is read-only here ({exc.reason or 'it cannot be written'}): "
            f"you can look at it and export it, not change it"
        )


def _read_only_media(store: Store, fingerprint: str, path: Path, why: str) -> MediaRecord:
    record = next((r for r in store.all_media() if r.fingerprint == fingerprint), None)
    if record is None:
        store.close()
        raise ReadOnlyProjectError(f"{why}; it does not hold {path.name} yet, and cannot take it")
    return record


def _read(store: Store, record: MediaRecord, progress: Progress) -> LoadedProject:
    try:
        options = stored_options(store, record)
    except (KeyError, TypeError, ValueError) as exc:
        raise damaged(store.path, f"a run's parameters cannot be read: {type(exc).__name__}: {exc}") from exc
    _check(progress, 0.05, "checking the project")
    check_stored(store, record.id)
    with reading_stored(store):
        _check(progress, 0.1, "reading the labels")
        labels = read_labels(store, record.id)
        _check(progress, 0.4, "reading the transcript")
        transcript = read_transcript(store, record.id)
        _check(progress, 0.6, "reading the analyses")
        pauses = pipeline.load_pauses(store, record.id, options.pause_params())
        motion, missing = None, []
        try:
            stored = load_motion(store, record.id) if record.info.has_video else None
        except RunDataMissing as gone:
            stored = None
            missing.append(gone)
        if stored is not None:
            if not record.info.has_audio and store.chosen_peak_params(record.id) is None:
                # no audio run keeps the k, and it was not set in the window: the motion run's
                options = replace(options, k=stored.k)
            motion = motion_state(stored, options.k)
        try:
            faces = load_faces(store, record.id) if record.info.has_video else None
        except RunDataMissing as gone:
            faces = None
            missing.append(gone)
    _check(progress, 0.8, "building the review queue")
    rule = shot_rule(store)
    queue = review_items(
        (),
        motion.peaks if motion is not None else (),
        labels.labels,
        pauses.pauses if pauses is not None else (),
        motion.stored.shots if motion is not None else (),
        rule=rule,
    )
    progress.update(1.0, f"{len(labels.labels)} labels, {len(transcript.segments)} transcript segments read")
    return LoadedProject(
        store, record, options, labels, transcript, pauses, motion, faces, queue, missing=missing, shot_rule=rule
    )


def _check(progress: Progress, fraction: float | None = None, message: str = "") -> None:
    if progress.cancelled:
        raise Cancelled()
    if fraction is not None:
        progress.update(fraction, message)


def _project_media(store: Store, check_media: bool = True) -> MediaRecord:
    try:
        records = store.all_media()
        if not records:
            raise ProjectError(f"{store.path}: the project holds no media yet")
        record = records[-1]
        if check_media:
            check_media_file(record, store.path)
        elif not Path(record.path).exists():
            raise MediaError(f"{record.path}: the media of this project is no longer there")
    except BaseException:
        store.close()
        raise
    return record


def stored_options(store: Store, record: MediaRecord) -> AudioOptions:
    """The peak and pause parameters of the media's latest runs (defaults where it has none)."""
    options = AudioOptions()
    last_peaks = store.latest_run(record.id, RUN_AUDIO_PEAKS)
    if last_peaks is not None:
        options = replace(options, **last_peaks.params)
    chosen = store.chosen_peak_params(record.id)
    if chosen is not None and (last_peaks is None or chosen[1] >= last_peaks.started_at):
        # set in the window after the newest peaks run began (a kill came before their peaks were stored);
        # a run begun later (the command line's) has the last word
        names = options.peak_params()
        options = replace(options, **{name: value for name, value in chosen[0].items() if name in names})
    last_pauses = store.latest_run(record.id, RUN_PAUSES)
    if last_pauses is not None:
        params = last_pauses.params
        options = replace(options, min_pause_ms=params["min_pause_ms"], pause_method=params["method"])
    return options
