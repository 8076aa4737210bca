"""Motion as the CLI and the window run it: the motion pass stored as a run (series in a sidecar .npy, motion
peaks and shot changes as segments). Combining motion with audio and shot changes is a pure rule of
:mod:`analysis.salience`, applied by :mod:`app.model.review`. Qt-free.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from pathlib import Path

from analysis import motion
from analysis.audio import DistributionStats, Tails
from analysis.motion import MotionOptions, MotionPeak, MotionResult, MotionSeries, ShotChange
from analysis.progress import Progress
from analysis.salience import DEFAULT_SHOT_RULE, ShotRule
from app.model.records import NewSegment
from app.pipelines.runs import RunDataMissing, record_stop
from app.project.store import Store
from app.project.table import damaged

RUN_MOTION = "motion"
TRACK_MOTION_PEAK = "motion_peak"
TRACK_CUT = "shot_cut"
TRACK_ZOOM = "shot_zoom"
SHOT_TRACKS = {kind: f"shot_{kind}" for kind in motion.SHOT_KINDS}
"""The stored track of each kind of shot change (a project from before fades, dissolves and pans has only the
cut and zoom tracks, and opens with those)."""


def shot_rule(store: Store) -> ShotRule:
    """The project's rule for segments at a shot change (the default until a user changes it)."""
    params = store.chosen_shot_rule()
    if params is None:
        return DEFAULT_SHOT_RULE
    try:
        return ShotRule.from_params(params)
    except (KeyError, TypeError, ValueError) as exc:
        raise damaged(store.path, f"the shot change rule is not valid: {exc}") from exc


def shot_segments(shots: Sequence[ShotChange]) -> dict[str, list[NewSegment]]:
    """The shot changes as stored segments, one track per kind."""
    return {
        track: [NewSegment(s.start_ms, s.end_ms) for s in shots if s.kind == kind]
        for kind, track in SHOT_TRACKS.items()
    }


def series_cache_path(cache_dir: Path, fingerprint: str, options: MotionOptions) -> Path:
    return cache_dir / f"motion-{fingerprint}-{options.fps:g}fps-{options.width}px-{options.method.value}.npy"


@dataclass(frozen=True, slots=True, eq=False)
class MotionAnalysis:
    """What a motion run found (and the peaks at the k it was asked for)."""

    run_id: int
    result: MotionResult
    peaks: tuple[MotionPeak, ...]
    stats: DistributionStats
    timings_ms: dict[str, int]


def compute_motion(
    path: Path,
    options: MotionOptions,
    k: float = 2.0,
    tails: Tails | str = Tails.HIGH,
    progress: Progress | None = None,
    extra_consumers: tuple = (),
) -> tuple[MotionResult, list[MotionPeak], DistributionStats]:
    """The pass and the peaks; no store, so it can run in a worker thread. ``extra_consumers`` (faces) share
    the decode."""
    result = motion.analyze_motion(path, options, progress, extra_consumers)
    peaks, stats = motion.motion_peaks(result.series, options.fps, k, tails)
    return result, peaks, stats


def record_motion(
    store: Store,
    run_id: int,
    fingerprint: str,
    result: MotionResult,
    peaks: Sequence[MotionPeak],
    stats: DistributionStats,
    elapsed_ms: int,
    k: float,
) -> None:
    cached = series_cache_path(store.cache_dir, fingerprint, result.options)
    cached.parent.mkdir(parents=True, exist_ok=True)
    partial = cached.with_suffix(".partial.npy")
    result.series.save(partial)
    partial.replace(cached)
    store.finish_run(
        run_id,
        {
            "stats": asdict(stats),
            "k": k,
            "frames": result.info.frames,
            "skipped": result.info.skipped,
            "width": result.info.width,
            "height": result.info.height,
            "video_fps": result.info.fps,
            "pairs": len(result.series),
        },
        {
            TRACK_MOTION_PEAK: [NewSegment(p.start_ms, p.end_ms, p.peak_ms, p.z, p.value) for p in peaks],
            **shot_segments(result.shots),
        },
        elapsed_ms=elapsed_ms,
        artifacts={"series": str(cached.relative_to(store.data_dir))},
    )


@dataclass(frozen=True, slots=True, eq=False)
class StoredMotion:
    run_id: int
    options: MotionOptions
    series: MotionSeries
    peaks: tuple[MotionPeak, ...]
    shots: tuple[ShotChange, ...]
    stats: DistributionStats
    k: float = 2.0
    """the k its motion peaks were stored at"""


def load_motion(store: Store, media_id: int, options: MotionOptions | None = None) -> StoredMotion | None:
    """The newest finished motion run (with ``options`` when given) as it was stored, or None."""
    params = options.params() if options else None
    for run in reversed(store.runs(media_id, RUN_MOTION)):
        if run.status != "done" or (params is not None and {k: run.params[k] for k in params} != params):
            continue
        series_path = store.artifacts(run.id).get("series")
        if series_path is None or not series_path.exists():
            raise RunDataMissing("motion", run, series_path or store.cache_dir)
        try:
            series = MotionSeries.load(series_path)
        except (OSError, ValueError, EOFError, IndexError) as exc:
            raise RunDataMissing("motion", run, series_path, " ".join(str(exc).split())) from exc
        run_options = MotionOptions(**{k: run.params[k] for k in ("fps", "width", "method")})
        peaks = tuple(
            MotionPeak(
                s.start_ms, s.end_ms, s.start_ms if s.peak_ms is None else s.peak_ms, s.score or 0.0, s.value or 0
            )
            for s in store.segments(run.id, TRACK_MOTION_PEAK)
        )
        shots = [
            ShotChange(s.start_ms, s.end_ms, kind)
            for kind, track in SHOT_TRACKS.items()
            for s in store.segments(run.id, track)
        ]
        shots.sort(key=lambda s: (s.start_ms, s.end_ms))
        return StoredMotion(
            run.id,
            run_options,
            series,
            peaks,
            tuple(shots),
            DistributionStats(**run.summary["stats"]),
            float(run.params.get("k", 2.0)),
        )
    return None


def persist_motion_peaks(
    store: Store, stored: StoredMotion, k: float, peaks: Sequence[MotionPeak], stats: DistributionStats, versions: dict
) -> StoredMotion:
    """Record the motion peaks at the k the user settled on as a new run sharing the stored series, so the
    project reopens with them and exports see the same segments as the window."""
    run = store.run(stored.run_id)
    run_id = store.start_run(run.media_id, RUN_MOTION, {**stored.options.params(), "k": k}, versions)
    series = store.artifacts(stored.run_id)["series"]
    store.finish_run(
        run_id,
        {**(run.summary or {}), "stats": asdict(stats), "k": k},
        {
            TRACK_MOTION_PEAK: [NewSegment(p.start_ms, p.end_ms, p.peak_ms, p.z, p.value) for p in peaks],
            **shot_segments(stored.shots),
        },
        elapsed_ms=0,
        artifacts={"series": str(series.relative_to(store.data_dir))},
    )
    return StoredMotion(run_id, stored.options, stored.series, tuple(peaks), stored.shots, stats, k)


def analyze_and_store(
    store: Store,
    media_id: int,
    fingerprint: str,
    path: Path,
    options: MotionOptions,
    k: float,
    versions: dict[str, str],
    progress: Progress | None = None,
    extra_consumers: tuple = (),
) -> MotionAnalysis:
    """The CLI's path: run, store, return."""
    run_id = store.start_run(media_id, RUN_MOTION, {**options.params(), "k": k}, versions)
    started = time.perf_counter()
    try:
        result, peaks, stats = compute_motion(path, options, k, Tails.HIGH, progress, extra_consumers)
    except BaseException as exc:
        record_stop(store, run_id, exc, round((time.perf_counter() - started) * 1000))
        raise
    elapsed = round((time.perf_counter() - started) * 1000)
    record_motion(store, run_id, fingerprint, result, peaks, stats, elapsed, k)
    return MotionAnalysis(run_id, result, tuple(peaks), stats, {"motion": elapsed})
