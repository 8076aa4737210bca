"""The audio analysis: decoded audio (cached), its envelope, μ ± kσ peaks and pauses, each recorded as a run.

Each analysis is recorded as a run (parameters, library versions, timings); decoded audio and envelopes are
cached in the project's sidecar folder, keyed by content and parameters. The whole analysis of a media file
(source, probe, then audio, motion and faces) is app.pipelines.analyze.
"""

from __future__ import annotations

import logging
import os
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import numpy as np

from analysis import audio, media, pauses
from analysis.audio import Envelope, Feature, OutlierResult, Tails
from analysis.pauses import PauseMethod, PauseMetrics, PauseResult, Span
from analysis.progress import Progress, SubProgress
from app.model.records import MediaRecord, NewSegment
from app.pipelines.runs import library_versions, record_stop, truncation_warnings
from app.project.store import Store

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


def analyze_and_store_audio(
    store: Store,
    record: MediaRecord,
    path: Path,
    info: media.MediaInfo,
    fingerprint: str,
    options: AudioOptions,
    timings: dict[str, int],
    progress: Progress,
) -> tuple[PauseResult, OutlierResult, tuple[str, ...]]:
    """The peaks run and the pauses run of one media file, each recorded as done, cancelled or failed; the
    pauses, the peaks and the warnings about the input. Adds each stage's time to ``timings``."""
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


def load_pauses(store: Store, media_id: int, params: dict[str, Any]) -> PauseResult | None:
    """The pauses of the media's latest finished pauses run with ``params``, as stored; None without one."""
    run = store.latest_run(media_id, RUN_PAUSES, params)
    if run is None or run.summary is None:
        return None
    spans = {
        track: tuple(Span(s.start_ms, s.end_ms) for s in store.segments(run.id, track))
        for track in (TRACK_PAUSE, TRACK_SPEECH)
    }
    return PauseResult(
        run.summary["method"], spans[TRACK_SPEECH], spans[TRACK_PAUSE], PauseMetrics(**run.summary["metrics"])
    )
