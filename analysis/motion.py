"""Motion over a whole video: optical flow sampled a few times per second, motion peaks with the same
μ ± kσ machinery as the audio, shot changes (cuts, fades, dissolves, zooms, pans), and the flow images of one
frame pair.

A *pair* is two consecutive frames; its flow says how far each pixel moved in one frame interval. Flow is
computed on grey images ``width`` pixels wide and reported in pixels per second at REFERENCE_WIDTH pixels,
so runs at different analysis widths and on videos of different resolution and frame rate compare.

* DIS optical flow (OpenCV, preset FAST down to half size, patch stride 6, no variational refinement) by
  default;
  Farneback with the original project's parameters (pyr_scale 0.5, levels 3, winsize 15, iterations 3,
  poly_n 5, poly_sigma 1.2, flags 0) for parity.
* Cuts, fades and dissolves: :class:`analysis.shots.ShotConsumer` (PySceneDetect's detectors and our dissolve
  rule) sees every frame of the same decode pass.
* Zooms: on every pair the flow is fitted with a translation + uniform scaling + rotation model; a run of
  pairs whose flow is mostly that scaling (radial divergence) is a zoom or dolly.
* Pans: a run of pairs where most pixels move (PAN_MIN_MOVING) and the mean flow vector is fast
  (PAN_MIN_SPEED) and carries most of the motion (PAN_MIN_COHERENCE: the picture slides as one), not a zoom.

Qt-free.
"""

from __future__ import annotations

import functools
import math
import os
import queue
import threading
from dataclasses import asdict, dataclass
from enum import StrEnum

import cv2
import numpy as np

from analysis.audio import DistributionStats, Tails, find_outliers
from analysis.progress import Progress
from analysis.shots import ShotConsumer
from analysis.video_pass import DecodedFrame, PassInfo, run_pass

REFERENCE_WIDTH = 320
"""Flow is reported in pixels per second of a frame this many pixels wide."""
DIS_FINEST_SCALE = 1
"""DIS works down to 1/2^this of the analysis image (see FlowEngine)."""
FARNEBACK_PARAMS = (0.5, 3, 15, 3, 5, 1.2, 0)
"""pyr_scale, levels, winsize, iterations, poly_n, poly_sigma, flags: the original project's values."""
MOVING_PX_S = 20.0
"""A pixel moves when its flow exceeds this many reference pixels per second (1/16 of the width per s)."""
ZOOM_MIN_RATE = 0.02
"""Scale change per second (2 %/s) below which a pair is not zooming."""
ZOOM_MIN_FIT = 0.6
"""Share of the flow's energy the scaling model must explain."""
ZOOM_MIN_S = 0.5
"""A zoom lasts at least this long."""
PAN_MIN_SPEED = 30.0
"""Mean flow vector (reference pixels per second, ~1/10 of the width per second) a panning pair exceeds."""
PAN_MIN_COHERENCE = 0.7
"""Share of the mean flow magnitude the mean vector must reach (1 = every pixel moves the same way)."""
PAN_MIN_MOVING = 0.5
"""Share of the pixels that must move."""
PAN_MIN_S = 0.5
"""A pan lasts at least this long."""
SHOT_KINDS = ("cut", "fade", "dissolve", "zoom", "pan")
"""Every kind of shot change, in the order menus list them."""


class FlowMethod(StrEnum):
    """The optical-flow algorithm: DIS (fast, the default) or Farneback (the original project's)."""

    DIS = "dis"
    FARNEBACK = "farneback"


@dataclass(frozen=True, slots=True)
class MotionOptions:
    """How the motion pass samples the video; raises ValueError for a rate or width out of range."""

    fps: float = 5.0
    """pairs analysed per second of video"""
    width: int = 320
    """analysis width in pixels"""
    method: FlowMethod = FlowMethod.DIS

    def __post_init__(self) -> None:
        object.__setattr__(self, "method", FlowMethod(self.method))
        if not 0.1 <= self.fps <= 60:
            raise ValueError(f"the motion sampling rate must lie between 0.1 and 60 pairs per second (got {self.fps})")
        if not 32 <= self.width <= 3840:
            raise ValueError(f"the motion analysis width must lie between 32 and 3840 pixels (got {self.width})")

    def params(self) -> dict:
        """The options as plain JSON values, as stored with a run to tell whether a result is still current."""
        out = asdict(self)
        out["method"] = self.method.value
        return out


class FlowEngine:
    """Computes the flow of a pair with one method (the DIS object is made once: it keeps buffers)."""

    def __init__(self, method: FlowMethod | str = FlowMethod.DIS) -> None:
        self.method = FlowMethod(method)
        self._dis = None
        if self.method is FlowMethod.DIS:
            self._dis = cv2.DISOpticalFlow_create(cv2.DISOPTICAL_FLOW_PRESET_FAST)
            # The FAST preset stops at a quarter of the image size, which at 320 px reads a 3 px/frame motion
            # as 2.6 (−12 %); stopping at half size reads it within 1–2 %. Its variational refinement (which
            # smooths the field) then costs more than the rest: without it a pair takes ~2.2 ms instead of
            # 5.3 ms, and the speeds are as accurate (measured on textured motion, 320 px, one thread).
            # Patches every 6 px instead of 4 halve that again (0.9 ms) with the same accuracy on the same test.
            self._dis.setFinestScale(DIS_FINEST_SCALE)
            self._dis.setVariationalRefinementIterations(0)
            self._dis.setPatchStride(6)

    def flow(self, first: np.ndarray, second: np.ndarray) -> np.ndarray:
        """H×W×2 float32 displacement (pixels of these images) from ``first`` to ``second``."""
        if self._dis is not None:
            return self._dis.calc(first, second, None)
        return cv2.calcOpticalFlowFarneback(first, second, None, *FARNEBACK_PARAMS)


@dataclass(frozen=True, slots=True)
class PairStats:
    """The figures of one pair of frames' flow, speeds in reference pixels per second."""

    magnitude: float
    """mean flow magnitude, reference pixels per second"""
    p90: float
    """90th percentile of the flow magnitude, reference pixels per second"""
    moving: float
    """share of pixels moving faster than MOVING_PX_S"""
    direction: float
    """direction of the mean flow vector in degrees (0 = right, 90 = up); NaN when there is no mean motion"""
    scale_rate: float
    """uniform scaling per second fitted to the flow (> 0 zoom in, < 0 zoom out)"""
    scale_fit: float
    """share of the flow's energy the scaling explains"""
    mean_speed: float
    """length of the mean flow vector, reference pixels per second (a pan's speed)"""


def pair_stats(flow: np.ndarray, dt_s: float, width: int) -> PairStats:
    """The figures of one pair's flow (``flow`` in pixels of an image ``width`` wide, over ``dt_s``).

    Kept cheap because it runs for every pair: magnitudes in the flow's own pixels (converted once at the
    end), the 90th percentile from every other pixel in both directions (a quarter of them: the same figure
    to a fraction of a percent on smooth flow fields)."""
    to_reference = (REFERENCE_WIDTH / width) / max(dt_s, 1e-6)
    dx, dy = flow[..., 0], flow[..., 1]
    magnitude = cv2.magnitude(np.ascontiguousarray(dx), np.ascontiguousarray(dy))
    mean_dx, mean_dy = float(dx.mean()), float(dy.mean())
    mean_vector = math.hypot(mean_dx, mean_dy) * to_reference
    direction = math.degrees(math.atan2(-mean_dy, mean_dx)) % 360 if mean_vector > 1.0 else float("nan")
    scale, fit = _scaling(flow)
    p90 = float(np.percentile(magnitude[::2, ::2], 90))
    moving = np.count_nonzero(magnitude > MOVING_PX_S / to_reference) / magnitude.size
    return PairStats(
        float(magnitude.mean()) * to_reference,
        p90 * to_reference,
        float(moving),
        direction,
        scale / max(dt_s, 1e-6),
        fit,
        mean_vector,
    )


@functools.lru_cache(maxsize=8)
def _scaling_grid(h: int, w: int, step: int) -> tuple[np.ndarray, np.ndarray, float]:
    """Centred, normalised coordinates of the sample grid (x, y) and their radial energy, per image size."""
    ys, xs = np.mgrid[step // 2 : h : step, step // 2 : w : step].astype(np.float64)
    scale_to_unit = 2.0 / w
    x = ((xs - (w - 1) / 2) * scale_to_unit).ravel()
    y = ((ys - (h - 1) / 2) * scale_to_unit).ravel()
    x, y = x - x.mean(), y - y.mean()
    return x, y, float(np.sum(x * x + y * y))


def _scaling(flow: np.ndarray, step: int = 8) -> tuple[float, float]:
    """Fit u = a + s·x − r·y, v = b + s·y + r·x on a grid; (s per frame, share of energy explained by s)."""
    h, w = flow.shape[:2]
    x, y, radial = _scaling_grid(h, w, step)
    grid = flow[step // 2 :: step, step // 2 :: step]
    u, v = grid[..., 0].ravel().astype(np.float64), grid[..., 1].ravel().astype(np.float64)
    u, v = u - u.mean(), v - v.mean()
    energy = float(np.dot(u, u) + np.dot(v, v))
    if energy < 1e-9 or radial < 1e-9:
        return 0.0, 0.0
    s_units = float(np.dot(u, x) + np.dot(v, y)) / radial  # displacement per unit of normalised radius
    explained = s_units * s_units * radial / energy
    return s_units * 2.0 / w, min(1.0, explained)


# -- the pass ----------------------------------------------------------------------------------------


class MotionConsumer:
    """Takes one pair of consecutive frames every 1/fps seconds and computes its figures.

    The flow runs in a worker thread (OpenCV releases the GIL), so the decoder keeps decoding meanwhile
    instead of waiting for each pair: on two cores this is what keeps the pass close to decode speed."""

    def __init__(self, options: MotionOptions) -> None:
        self.options = options
        self.engine = FlowEngine(options.method)
        self._next = 0.0
        self._first: tuple[float, np.ndarray] | None = None
        self.times: list[float] = []
        self.stats: list[PairStats] = []
        self._pairs: queue.Queue[tuple[float, np.ndarray, np.ndarray, float] | None] = queue.Queue(maxsize=8)
        self._error: BaseException | None = None
        self._worker = threading.Thread(target=self._work, name="salient-flow", daemon=True)
        self._worker.start()

    def _work(self) -> None:
        while True:
            item = self._pairs.get()
            if item is None:
                return
            if self._error is not None:
                continue
            t0, first, second, dt = item
            try:
                flow = self.engine.flow(first, second)
                self.stats.append(pair_stats(flow, dt, second.shape[1]))
                self.times.append(t0)
            except BaseException as exc:  # handed to the pass's thread in finish()
                self._error = exc

    def close(self) -> None:
        """Stop the worker (also after a cancel or an error in the pass)."""
        if self._worker.is_alive():
            self._pairs.put(None)
            self._worker.join()

    def wants(self, time_s: float) -> bool:
        """True for the frame after a pair's first one, and once the next sampling time is reached."""
        return self._first is not None or time_s >= self._next

    def consume(self, frame: DecodedFrame) -> None:
        """Close the pending pair with this frame (queued for the worker), or start one when it is due."""
        gray = frame.gray(self.options.width)
        if self._first is not None:
            t0, first = self._first
            self._first = None
            if first.shape == gray.shape and frame.time_s > t0:
                self._pairs.put((t0, first, gray, frame.time_s - t0))
        if frame.time_s >= self._next:
            self._first = (frame.time_s, gray)
            self._next += 1.0 / self.options.fps
            while self._next <= frame.time_s:
                self._next += 1.0 / self.options.fps

    def finish(self) -> MotionSeries:
        """The figures of every pair, once the worker is done; re-raises the error the worker met, if any."""
        self.close()
        if self._error is not None:
            raise self._error
        columns = {
            name: np.array([getattr(s, name) for s in self.stats], dtype=np.float64) for name in PairStats.__slots__
        }
        return MotionSeries(np.array(self.times, dtype=np.float64), **columns)


@dataclass(frozen=True, slots=True, eq=False)
class MotionSeries:
    """One value per analysed pair (time = the pair's first frame)."""

    times: np.ndarray
    magnitude: np.ndarray
    p90: np.ndarray
    moving: np.ndarray
    direction: np.ndarray
    scale_rate: np.ndarray
    scale_fit: np.ndarray
    mean_speed: np.ndarray | None = None
    """NaN throughout for a series saved before pans were found (no pans then)."""

    def __post_init__(self) -> None:
        if self.mean_speed is None:
            object.__setattr__(self, "mean_speed", np.full(self.times.shape, np.nan))

    def __len__(self) -> int:
        return int(self.times.shape[0])

    def save(self, path: str | os.PathLike[str]) -> None:
        """Write the series as one ``.npy`` array, a row per field in declaration order (:meth:`load` reads it)."""
        np.save(path, np.vstack([getattr(self, name) for name in self.__slots__]))

    @classmethod
    def load(cls, path: str | os.PathLike[str]) -> MotionSeries:
        """The series :meth:`save` wrote to ``path``."""
        stacked = np.load(path)
        return cls(*[stacked[i] for i in range(stacked.shape[0])])


def ms_of(seconds: float) -> int:
    """A media time in seconds (a series' sample time) as the integer milliseconds records carry."""
    return round(seconds * 1000)


@dataclass(frozen=True, slots=True)
class ShotChange:
    """A shot change in integer milliseconds of media time: one event per transition, with its span."""

    start_ms: int
    end_ms: int
    kind: str
    """'cut' (start = end = the first frame of the new shot); 'fade', 'dissolve' (from the last frame before
    the transition to the first after it); 'zoom', 'pan' (the pairs of the camera move)"""


@dataclass(frozen=True, slots=True)
class MotionPeak:
    """A run of pairs whose mean flow magnitude is an outlier, in integer milliseconds of media time.

    ``end_ms`` is the end of the last pair's interval; ``z`` and ``value`` are those of the most extreme pair,
    at ``peak_ms``.
    """

    start_ms: int
    end_ms: int
    peak_ms: int
    z: float
    value: float


@dataclass(frozen=True, slots=True, eq=False)
class MotionResult:
    """One motion pass over a video: the per-pair series, the shot changes in time order, the decode figures."""

    options: MotionOptions
    series: MotionSeries
    shots: tuple[ShotChange, ...]
    info: PassInfo


def _zooming(series: MotionSeries) -> np.ndarray:
    return (np.abs(series.scale_rate) >= ZOOM_MIN_RATE) & (series.scale_fit >= ZOOM_MIN_FIT)


def _runs(series: MotionSeries, flags: np.ndarray, fps: float, min_s: float, kind: str) -> list[ShotChange]:
    """Runs of flagged pairs at least ``min_s`` long, as shot changes of ``kind``."""
    found = []
    start = None
    for i, flag in enumerate([*flags.tolist(), False]):
        if flag and start is None:
            start = i
        elif not flag and start is not None:
            end_s = float(series.times[i - 1]) + 1.0 / fps
            if end_s - float(series.times[start]) >= min_s:
                found.append(ShotChange(ms_of(float(series.times[start])), ms_of(end_s), kind))
            start = None
    return found


def zooms(series: MotionSeries, fps: float) -> list[ShotChange]:
    """Runs of pairs whose flow is mostly a uniform scaling faster than ZOOM_MIN_RATE, at least ZOOM_MIN_S long."""
    return _runs(series, _zooming(series), fps, ZOOM_MIN_S, "zoom")


def pans(series: MotionSeries, fps: float) -> list[ShotChange]:
    """Runs of pairs that slide as one (see the module's docstring), at least PAN_MIN_S long."""
    with np.errstate(invalid="ignore"):
        panning = (
            (series.mean_speed >= PAN_MIN_SPEED)
            & (series.mean_speed >= PAN_MIN_COHERENCE * series.magnitude)
            & (series.moving >= PAN_MIN_MOVING)
            & ~_zooming(series)
        )
    return _runs(series, panning, fps, PAN_MIN_S, "pan")


def analyze_motion(
    path: str | os.PathLike[str],
    options: MotionOptions | None = None,
    progress: Progress | None = None,
    extra_consumers: tuple = (),
) -> MotionResult:
    """One decode pass: the motion series and the shot changes. ``extra_consumers`` (e.g. faces) share it."""
    options = options or MotionOptions()
    motion, cuts = MotionConsumer(options), ShotConsumer()
    # FFmpeg's decoding threads already use every core; OpenCV's own threads on top of them only contend
    # (the flow runs beside the decoder in the consumer's worker thread instead)
    threads = cv2.getNumThreads()
    cv2.setNumThreads(1)
    try:
        info = run_pass(path, (motion, cuts, *extra_consumers), progress)
    finally:
        motion.close()
        cv2.setNumThreads(threads)
    series = info.results[0]
    shots = [ShotChange(ms_of(a), ms_of(b), kind) for a, b, kind in info.results[1]]
    shots += zooms(series, options.fps) + pans(series, options.fps)
    shots.sort(key=lambda s: (s.start_ms, s.end_ms))
    return MotionResult(options, series, tuple(shots), info)


def motion_peaks(
    series: MotionSeries, fps: float, k: float = 2.0, tails: Tails | str = Tails.HIGH, robust: bool = False
) -> tuple[list[MotionPeak], DistributionStats]:
    """μ ± kσ on the mean magnitude (the audio's code), adjacent outliers merged; high tail by default
    (stillness is rarely what one looks for, but ``tails`` allows it)."""
    if len(series) == 0:
        raise ValueError("no pairs were analysed: the video is shorter than one frame interval")
    runs, stats = find_outliers(series.magnitude, k, tails, robust, "motion_magnitude")
    step = 1.0 / fps
    peaks = [
        MotionPeak(
            ms_of(float(series.times[run.first])),
            ms_of(float(series.times[run.last - 1]) + step),
            ms_of(float(series.times[run.extreme])),
            run.z,
            float(series.magnitude[run.extreme]),
        )
        for run in runs
    ]
    return peaks, stats


def flow_at(engine: FlowEngine, first_gray: np.ndarray, second_gray: np.ndarray) -> np.ndarray:
    """The flow between two grey images of the same size (a convenience for overlays and the peak panel)."""
    return engine.flow(first_gray, second_gray)
