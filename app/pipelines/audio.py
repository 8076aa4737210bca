"""The audio analysis as the CLI and (later) the window's jobs run it: media in, results in the project.

Input is checked before the project is touched, so bad media or a failed download leave an existing
project exactly as it was. Each analysis is recorded as a run (parameters, library versions, timings);
decoded audio and envelopes are cached in the project's sidecar folder, keyed by content and parameters.
"""

from __future__ import annotations

import logging
import os
import re
import time
from dataclasses import asdict, dataclass, field
from importlib import metadata
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlparse

import numpy as np

from analysis import audio, media, pauses
from analysis.audio import DistributionStats, Envelope, Feature, OutlierResult, Peak, Tails
from analysis.errors import MediaError
from analysis.pauses import PauseContext, PauseMethod, PauseResult
from analysis.progress import Cancelled, NullProgress, Progress, SubProgress
from app.model.records import MediaRecord, NewSegment
from app.project.store import PROJECT_SUFFIX, Store, data_dir_for

log = logging.getLogger(__name__)

RUN_AUDIO_PEAKS = "audio_peaks"
RUN_PAUSES = "pauses"
TRACK_AUDIO_PEAK = "audio_peak"
TRACK_PAUSE = "pause"
TRACK_SPEECH = "speech"


@dataclass(frozen=True, slots=True)
class AudioOptions:
    """Parameters of the audio salience analysis; defaults follow the original script."""

    k: float = 2.0
    window_ms: int = 1000
    feature: Feature = Feature.RMS
    tails: Tails = Tails.BOTH
    robust: bool = False
    min_pause_ms: int = 250
    pause_method: PauseMethod = PauseMethod.SILERO

    def __post_init__(self) -> None:
        """Accept the enums' string values too (``tails="high"``), as the CLI and settings give them."""
        object.__setattr__(self, "feature", Feature(self.feature))
        object.__setattr__(self, "tails", Tails(self.tails))
        object.__setattr__(self, "pause_method", PauseMethod(self.pause_method))

    def peak_params(self) -> dict[str, Any]:
        return {
            "k": self.k,
            "window_ms": self.window_ms,
            "feature": self.feature.value,
            "tails": self.tails.value,
            "robust": self.robust,
        }

    def pause_params(self) -> dict[str, Any]:
        return {"min_pause_ms": self.min_pause_ms, "method": self.pause_method.value}


@dataclass(frozen=True, slots=True)
class AudioAnalysis:
    """Everything one ``analyze`` found, and where it was stored."""

    project_path: Path
    media: MediaRecord
    options: AudioOptions
    peaks: tuple[Peak, ...]
    stats: DistributionStats | None
    """None when the media has no sound (motion only)"""
    pauses: PauseResult | None
    contexts: tuple[PauseContext, ...]
    """For each peak, the pauses around its peak time."""
    timings_ms: dict[str, int] = field(default_factory=dict)
    warnings: tuple[str, ...] = ()
    """Things the user should know about the input (e.g. a truncated file analysed only in part)."""
    motion: Any = None
    """the MotionAnalysis (app.pipelines.motion) when motion was asked for"""
    faces: Any = None
    """the FacesAnalysis (app.pipelines.faces) when faces were asked for"""


def is_url(text: str) -> bool:
    return bool(re.match(r"^[a-zA-Z][a-zA-Z0-9+.-]*://", text))


def default_project_path(source: str) -> Path:
    """Next to a local file (``talk.mp4`` → ``talk.salient``); for a URL, in the current folder, named after it."""
    if not is_url(source):
        return Path(source).with_suffix(PROJECT_SUFFIX)
    parsed = urlparse(source)
    name = (parse_qs(parsed.query).get("v") or [Path(parsed.path).stem or parsed.hostname or "download"])[0]
    slug = re.sub(r"[^A-Za-z0-9_-]+", "-", name).strip("-") or "download"
    return Path.cwd() / f"{slug}{PROJECT_SUFFIX}"


def library_versions() -> dict[str, str]:
    """Versions recorded with every run, so a result can be traced to the code that produced it."""
    versions = {}
    for name in ("salient", "numpy", "scipy", "av", "onnxruntime", "faster-whisper"):
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            versions[name] = "not installed"
    return versions


def envelope_cache_path(cache_dir: Path, fingerprint: str, window_ms: int) -> Path:
    return cache_dir / f"envelope-{fingerprint}-{window_ms}ms.npy"


def load_envelope(cache_dir: Path, fingerprint: str, samples: np.ndarray, window_ms: int) -> Envelope:
    """The envelope from the project cache, or computed and cached. Safe in a worker thread (no store)."""
    cached = envelope_cache_path(cache_dir, fingerprint, window_ms)
    if cached.exists():
        try:
            stacked = np.load(cached)
            return Envelope(media.ANALYSIS_RATE, window_ms, int(samples.shape[0]), *stacked)
        except (ValueError, OSError, TypeError) as exc:
            log.warning("ignoring unreadable envelope cache %s: %s", cached, exc)
    envelope = audio.compute_envelope(samples, media.ANALYSIS_RATE, window_ms)
    try:
        cached.parent.mkdir(parents=True, exist_ok=True)
        partial = cached.with_suffix(".partial.npy")
        np.save(partial, np.vstack((envelope.rms, envelope.rms_db, envelope.peak)))
        os.replace(partial, cached)
    except OSError as exc:
        log.warning("could not cache the envelope at %s: %s", cached, exc)
    return envelope


def _fetch(source: str, project_path: Path, cookies: Path | None, progress: Progress) -> Path:
    from analysis import download

    result = download.download(source, data_dir_for(project_path) / "media", cookies=cookies, progress=progress)
    return result.path


@dataclass(frozen=True, slots=True, eq=False)
class PeaksComputation:
    """Decoded audio, its envelope and the flagged segments: what the CLI and the window's job both need."""

    samples: np.ndarray
    envelope: Envelope
    outliers: OutlierResult
    warnings: tuple[str, ...]
    timings_ms: dict[str, int]


def compute_peaks(
    path: Path,
    cache_dir: Path,
    fingerprint: str,
    declared_ms: int,
    options: AudioOptions,
    progress: Progress | None = None,
) -> PeaksComputation:
    """Decode (or load the cached audio), compute or load the envelope, flag the peaks. No store: safe in a
    worker thread."""
    timings: dict[str, int] = {}
    start = time.perf_counter()
    samples = media.load_audio(path, cache_dir, fingerprint, progress=progress)
    timings["decode"] = round((time.perf_counter() - start) * 1000)
    start = time.perf_counter()
    envelope = load_envelope(cache_dir, fingerprint, samples, options.window_ms)
    timings["envelope"] = round((time.perf_counter() - start) * 1000)
    start = time.perf_counter()
    outliers = audio.find_peaks(envelope, samples, options.k, options.tails, options.feature, options.robust)
    timings["peaks"] = round((time.perf_counter() - start) * 1000)
    warnings = truncation_warnings(path, declared_ms, samples.shape[0] * 1000 // media.ANALYSIS_RATE)
    return PeaksComputation(samples, envelope, outliers, warnings, timings)


def analyze_audio(
    source: str | os.PathLike[str],
    project_path: str | os.PathLike[str] | None = None,
    options: AudioOptions | None = None,
    cookies: str | os.PathLike[str] | None = None,
    progress: Progress | None = None,
    motion_options: Any = None,
    faces_options: Any = None,
) -> AudioAnalysis:
    """Probe, decode (cached), find μ ± kσ peaks and pauses, and store both runs in the project; with
    ``motion_options`` (app.pipelines.motion's MotionOptions) also the motion pass. A video without sound is
    analysed for motion only (with a warning); motion on a file without pictures is refused up front."""
    options = options or AudioOptions()
    progress = progress or NullProgress()
    timings: dict[str, int] = {}
    source = str(source)
    project = Path(project_path) if project_path else default_project_path(source)

    def timed(stage: str, start: float) -> None:
        timings[stage] = round((time.perf_counter() - start) * 1000)

    source_url = None
    if is_url(source):
        start = time.perf_counter()
        source_url = source
        path = _fetch(
            source, project, Path(cookies) if cookies else None, SubProgress(progress, 0.0, 0.3, "download: ")
        )
        timed("download", start)
    else:
        path = Path(source)

    start = time.perf_counter()
    info = media.probe(path)
    timed("probe", start)
    if motion_options is not None and not info.has_video:
        raise MediaError(f"{path}: has no video track; motion analysis needs pictures")
    if faces_options is not None and not info.has_video:
        raise MediaError(f"{path}: has no video track; face analysis needs pictures")
    visual = motion_options is not None or faces_options is not None
    if not info.has_audio and not visual:
        raise MediaError(f"{path}: has no audio track; audio analysis needs sound")
    start = time.perf_counter()
    fingerprint = media.fingerprint(path)
    timed("fingerprint", start)

    store = Store.open(project)
    try:
        record = store.add_media(info, fingerprint, source_url)
        base = 0.3 if source_url else 0.0
        audio_end = base + (1.0 - base) * (0.3 if visual else 1.0)
        if info.has_audio:
            found, outliers, warnings = _audio_runs(
                store, record, path, info, fingerprint, options, timings, SubProgress(progress, base, audio_end)
            )
        else:
            found, outliers = None, None
            warnings = (f"{path}: has no audio track; only the pictures were analysed",)
        motion_result = faces_result = None
        face_consumer = None
        if faces_options is not None and motion_options is not None:
            from analysis.faces import FaceConsumer

            face_consumer = FaceConsumer(faces_options)  # faces share the motion's decode pass
        try:
            if motion_options is not None:
                from app.pipelines.motion import analyze_and_store

                start = time.perf_counter()
                motion_result = analyze_and_store(
                    store,
                    record.id,
                    fingerprint,
                    path,
                    motion_options,
                    options.k,
                    library_versions(),
                    SubProgress(progress, audio_end, 1.0, "video: "),
                    (face_consumer,) if face_consumer is not None else (),
                )
                timed("motion", start)
        finally:
            if face_consumer is not None:
                face_consumer.close()
        if faces_options is not None:
            from app.pipelines.faces import analyze_and_store_faces

            start = time.perf_counter()
            faces_result = analyze_and_store_faces(
                store,
                record.id,
                fingerprint,
                path,
                faces_options,
                library_versions(),
                SubProgress(progress, audio_end, 1.0, "faces: "),
                face_consumer.result if face_consumer is not None else None,
            )
            timed("faces", start)
    finally:
        store.close()
    contexts = tuple(pauses.pause_context(peak.peak_ms, found.pauses) for peak in outliers.peaks) if found else ()
    progress.update(1.0, "done")
    return AudioAnalysis(
        project.resolve(),
        record,
        options,
        outliers.peaks if outliers else (),
        outliers.stats if outliers else None,
        found,
        contexts,
        timings,
        warnings,
        motion_result,
        faces_result,
    )


def _audio_runs(
    store: Store,
    record: MediaRecord,
    path: Path,
    info: media.MediaInfo,
    fingerprint: str,
    options: AudioOptions,
    timings: dict[str, int],
    progress: Progress,
) -> tuple[PauseResult, OutlierResult, tuple[str, ...]]:
    """The peaks run and the pauses run, each recorded as done, cancelled or failed."""
    peaks_run = store.start_run(record.id, RUN_AUDIO_PEAKS, options.peak_params(), library_versions())
    try:
        computed = compute_peaks(
            path, store.cache_dir, fingerprint, info.duration_ms, options, SubProgress(progress, 0, 0.5)
        )
    except BaseException as exc:
        record_stop(store, peaks_run, exc, sum(timings.values()))
        raise
    timings.update(computed.timings_ms)
    samples, outliers, warnings = computed.samples, computed.outliers, computed.warnings
    record_peaks(store, peaks_run, fingerprint, options.window_ms, outliers, timings, warnings)

    pauses_run = store.start_run(record.id, RUN_PAUSES, options.pause_params(), library_versions())
    try:
        start = time.perf_counter()
        found = pauses.detect_pauses(
            samples,
            media.ANALYSIS_RATE,
            options.min_pause_ms,
            options.pause_method,
            SubProgress(progress, 0.5, 1.0, ""),
        )
        timings["pauses"] = round((time.perf_counter() - start) * 1000)
    except BaseException as exc:
        record_stop(store, pauses_run, exc, timings.get("pauses", 0))
        raise
    record_pauses(store, pauses_run, found, timings["pauses"])
    return found, outliers, warnings


def truncation_warnings(path: Path, declared_ms: int, decoded_ms: int) -> tuple[str, ...]:
    """A file whose audio stops well before its declared end was probably cut off (an interrupted copy)."""
    if declared_ms - decoded_ms > max(1000, declared_ms // 20):
        return (
            f"{path}: the audio ends at {decoded_ms / 1000:.1f} s although the file declares "
            f"{declared_ms / 1000:.1f} s; the file is probably truncated, only the part that exists was analysed",
        )
    return ()


def record_peaks(
    store: Store,
    run_id: int,
    fingerprint: str,
    window_ms: int,
    outliers: OutlierResult,
    timings: dict[str, int],
    warnings: tuple[str, ...] = (),
) -> None:
    """Store a finished peaks run: statistics, segments and the cache files it used."""
    store.finish_run(
        run_id,
        {"stats": asdict(outliers.stats), "timings_ms": dict(timings), "warnings": list(warnings)},
        {TRACK_AUDIO_PEAK: [NewSegment(p.start_ms, p.end_ms, p.peak_ms, p.z, p.value) for p in outliers.peaks]},
        elapsed_ms=sum(timings.values()),
        artifacts={
            "audio": str(media.audio_cache_path(store.cache_dir, fingerprint).relative_to(store.data_dir)),
            "envelope": str(envelope_cache_path(store.cache_dir, fingerprint, window_ms).relative_to(store.data_dir)),
        },
    )


def record_pauses(store: Store, run_id: int, found: PauseResult, elapsed_ms: int) -> None:
    """Store a finished pauses run: metrics, pauses and speech segments."""
    store.finish_run(
        run_id,
        {"metrics": asdict(found.metrics), "method": found.method},
        {
            TRACK_PAUSE: [NewSegment(p.start_ms, p.end_ms) for p in found.pauses],
            TRACK_SPEECH: [NewSegment(s.start_ms, s.end_ms) for s in found.speech],
        },
        elapsed_ms=elapsed_ms,
    )


def record_stop(store: Store, run_id: int, exc: BaseException, elapsed_ms: int) -> None:
    """Record why a run stopped: cancelled by the user, or failed with the error's message."""
    cancelled = isinstance(exc, Cancelled | KeyboardInterrupt)
    status = "cancelled" if cancelled else "failed"
    message = "cancelled by the user" if cancelled else (str(exc) or type(exc).__name__)
    store.end_run(run_id, status, message, elapsed_ms)
