"""Audio salience: per-window envelope, μ ± kσ outliers merged into segments, and their statistics.

The method follows the original Streamlit script: summarise the signal per window (1 s by default),
flag windows whose value lies outside [μ − kσ, μ + kσ], and place each flagged moment on the loudest
sample near it (the script's ``chercher_pic``). The envelope is computed once; changing k, the tails
or the feature only re-thresholds a few thousand numbers.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

import numpy as np
from scipy.special import ndtr, ndtri

from analysis.progress import NullProgress, Progress, check

PEAK_SEARCH_MS = 500
"""Half-width of the search for the loudest sample around a flagged segment (``chercher_pic``)."""

K_MIN, K_MAX, K_STEP = 0.5, 5.0, 0.1
MIN_WINDOW_MS = 50
_DB_FLOOR = 1e-10
_MAD_TO_SIGMA = 1.4826
"""MAD × 1.4826 estimates σ for normally distributed data."""
_BLOCK_SAMPLES = 1 << 18
"""Samples per block of whole windows: 1 MiB of float32 and its squares stay in the CPU cache."""


class Feature(StrEnum):
    """Which per-window value is thresholded."""

    RMS = "rms"
    RMS_DB = "rms_db"
    PEAK = "peak"


class Tails(StrEnum):
    """Which side of the band counts as an outlier."""

    BOTH = "both"
    HIGH = "high"
    LOW = "low"


@dataclass(frozen=True, slots=True, eq=False)
class Envelope:
    """One value per window of the audio: linear RMS, RMS in dBFS and peak |x|.

    Window ``i`` covers samples ``[i·w, (i+1)·w)`` with ``w = window_ms · sample_rate / 1000``; a last
    partial window is kept when it is at least half a window long.
    """

    sample_rate: int
    window_ms: int
    n_samples: int
    rms: np.ndarray
    rms_db: np.ndarray
    peak: np.ndarray

    @property
    def n_windows(self) -> int:
        """Number of windows, a last partial one included."""
        return int(self.rms.shape[0])

    def values(self, feature: Feature | str) -> np.ndarray:
        """The per-window array of ``feature`` (a Feature or its name); raises ValueError for an unknown name."""
        return {Feature.RMS: self.rms, Feature.RMS_DB: self.rms_db, Feature.PEAK: self.peak}[Feature(feature)]

    def window_start_ms(self, index: int) -> int:
        """Media time in ms where window ``index`` starts."""
        return index * self.window_ms

    def window_end_ms(self, index: int) -> int:
        """Media time in ms where window ``index`` ends; the last window ends with the audio."""
        return min((index + 1) * self.window_ms, self.n_samples * 1000 // self.sample_rate)


@dataclass(frozen=True, slots=True)
class Peak:
    """A flagged segment: adjacent outlier windows on the same side of the band, merged (and reaching its peak)."""

    start_ms: int
    end_ms: int
    peak_ms: int
    """High segments: the loudest sample within the flagged windows ± 0.5 s (at most halfway to the next segment),
    the segment reaching it when it lies outside them. Low segments: the quietest window's centre. Always within
    [start_ms, end_ms], and no two segments share it."""
    z: float
    """The most extreme z-score among the segment's windows (negative for low outliers)."""
    value: float
    """The feature's value in that window."""


@dataclass(frozen=True, slots=True)
class DistributionStats:
    """How the chosen feature is distributed and how many windows the band leaves out."""

    feature: str
    k: float
    tails: str
    robust: bool
    mean: float
    """μ, or the median when robust."""
    std: float
    """σ, or MAD × 1.4826 when robust."""
    low: float
    high: float
    n_windows: int
    n_outliers: int
    outlier_fraction: float
    expected_fraction: float
    """What a normal distribution would leave outside the band: 2·(1 − Φ(k)) for both tails, 1 − Φ(k) for one."""
    tail_ratio: float
    """Observed / expected: above 1 the tails are heavier than a Gaussian's."""
    skewness: float
    excess_kurtosis: float


@dataclass(frozen=True, slots=True)
class OutlierResult:
    """What one thresholding gives: the flagged segments in time order and how the feature is distributed."""

    peaks: tuple[Peak, ...]
    stats: DistributionStats


@dataclass(frozen=True, slots=True, eq=False)
class DistributionPlotData:
    """A histogram with the fitted normal curve (in counts) and a normal Q–Q plot."""

    counts: np.ndarray
    edges: np.ndarray
    curve_x: np.ndarray
    curve_y: np.ndarray
    qq_theoretical: np.ndarray
    """Standard normal quantiles at (i − 0.5)/n."""
    qq_observed: np.ndarray
    """The sorted values, standardised with the same centre and scale as the band."""


def compute_envelope(
    samples: np.ndarray, sample_rate: int, window_ms: int = 1000, progress: Progress | None = None
) -> Envelope:
    """Per-window RMS and peak |x|, vectorised over blocks of whole windows."""
    if window_ms < MIN_WINDOW_MS:
        raise ValueError(f"the window must be at least {MIN_WINDOW_MS} ms (got {window_ms} ms)")
    if window_ms * sample_rate % 1000:
        raise ValueError(f"a {window_ms} ms window is not a whole number of samples at {sample_rate} Hz")
    progress = progress or NullProgress()
    w = window_ms * sample_rate // 1000
    n = int(samples.shape[0])
    full = n // w
    keep_partial = n - full * w >= w / 2
    count = full + int(keep_partial)
    sum_squares = np.empty(count, dtype=np.float64)
    peak = np.empty(count, dtype=np.float32)
    block = max(1, _BLOCK_SAMPLES // w)
    scratch = np.empty(block * w, dtype=np.float32)
    for first in range(0, full, block):
        if first % (block * 64) == 0:
            check(progress)
            progress.update(first / max(count, 1), "audio envelope")
        last = min(full, first + block)
        frames = np.asarray(samples[first * w : last * w], dtype=np.float32).reshape(-1, w)
        squares = np.square(frames, out=scratch[: frames.size].reshape(frames.shape))
        # NumPy sums a contiguous row pairwise: float32 with ~1e-7 relative error, several times faster
        # than accumulating in float64.
        sum_squares[first:last] = squares.sum(axis=1)
        peak[first:last] = np.maximum(frames.max(axis=1), -frames.min(axis=1))
    lengths = np.full(count, w, dtype=np.float64)
    if keep_partial:
        tail = np.asarray(samples[full * w :], dtype=np.float32)
        sum_squares[full] = float(np.dot(tail, tail))
        peak[full] = float(np.abs(tail).max())
        lengths[full] = tail.shape[0]
    rms = np.sqrt(sum_squares / lengths)
    rms_db = 20 * np.log10(np.maximum(rms, _DB_FLOOR))
    return Envelope(sample_rate, window_ms, n, rms.astype(np.float32), rms_db.astype(np.float32), peak)


def _center_scale(values: np.ndarray, robust: bool) -> tuple[float, float]:
    if robust:
        center = float(np.median(values))
        return center, float(np.median(np.abs(values - center))) * _MAD_TO_SIGMA
    return float(values.mean()), float(values.std())


def expected_fraction(k: float, tails: Tails | str) -> float:
    """Share of a normal distribution outside μ ± kσ on the chosen side(s)."""
    one_tail = float(ndtr(-k))  # 1 − Φ(k)
    return 2 * one_tail if Tails(tails) is Tails.BOTH else one_tail


def _moments(values: np.ndarray) -> tuple[float, float]:
    """Population skewness and excess kurtosis (scipy's defaults, bias=True)."""
    centred = values.astype(np.float64) - values.mean()
    m2 = float(np.mean(centred**2))
    if m2 == 0:
        return 0.0, 0.0
    return float(np.mean(centred**3)) / m2**1.5, float(np.mean(centred**4)) / m2**2 - 3.0


def _runs(signs: np.ndarray) -> list[tuple[int, int, int]]:
    """(first, last_exclusive, sign) of each run of equal non-zero signs."""
    change = np.flatnonzero(np.diff(signs)) + 1
    starts = np.concatenate(([0], change))
    ends = np.concatenate((change, [signs.shape[0]]))
    return [(int(s), int(e), int(signs[s])) for s, e in zip(starts, ends, strict=True) if signs[s] != 0]


@dataclass(frozen=True, slots=True)
class OutlierRun:
    """Adjacent values outside the band on the same side: indices [first, last), the most extreme one."""

    first: int
    last: int
    sign: int
    """+1 above the band, −1 below"""
    extreme: int
    z: float


def find_outliers(
    values: np.ndarray, k: float, tails: Tails | str, robust: bool = False, feature: str = ""
) -> tuple[list[OutlierRun], DistributionStats]:
    """The μ ± kσ machinery shared by every track (audio windows, motion samples): flag the values outside
    [centre − k·scale, centre + k·scale] on the chosen side(s), merge adjacent ones on the same side into
    runs, and describe the distribution."""
    if not K_MIN - 1e-9 <= k <= K_MAX + 1e-9:
        raise ValueError(f"k must lie between {K_MIN} and {K_MAX} (got {k})")
    tails = Tails(tails)
    if values.shape[0] == 0:
        raise ValueError("there are no values to analyse")
    center, scale = _center_scale(values, robust)
    low, high = center - k * scale, center + k * scale
    z = (values - center) / scale if scale > 0 else np.zeros(values.shape, dtype=np.float64)
    signs = np.zeros(values.shape[0], dtype=np.int8)
    if scale > 0:
        if tails in (Tails.BOTH, Tails.HIGH):
            signs[values > high] = 1
        if tails in (Tails.BOTH, Tails.LOW):
            signs[values < low] = -1
    runs = []
    for first, last, sign in _runs(signs):
        extreme = first + int(np.argmax(z[first:last] * sign))
        runs.append(OutlierRun(first, last, sign, extreme, float(z[extreme])))
    n_outliers = int(np.count_nonzero(signs))
    expected = expected_fraction(k, tails)
    observed = n_outliers / values.shape[0]
    skewness, kurtosis = _moments(values)
    summary = DistributionStats(
        feature=feature,
        k=float(k),
        tails=tails.value,
        robust=robust,
        mean=center,
        std=scale,
        low=low,
        high=high,
        n_windows=int(values.shape[0]),
        n_outliers=n_outliers,
        outlier_fraction=observed,
        expected_fraction=expected,
        tail_ratio=observed / expected,
        skewness=skewness,
        excess_kurtosis=kurtosis,
    )
    return runs, summary


def find_peaks(
    envelope: Envelope,
    samples: np.ndarray,
    k: float = 2.0,
    tails: Tails | str = Tails.BOTH,
    feature: Feature | str = Feature.RMS,
    robust: bool = False,
) -> OutlierResult:
    """Flag windows outside [centre − k·scale, centre + k·scale] and merge them into peaks.

    ``samples`` is the audio the envelope came from; it is read only around flagged segments.
    """
    feature = Feature(feature)
    values = envelope.values(feature)
    if values.shape[0] == 0:
        raise ValueError("the audio is shorter than half a window; nothing to analyse")
    runs, summary = find_outliers(values, k, tails, robust, feature.value)
    rate = envelope.sample_rate
    spans = [(envelope.window_start_ms(run.first), envelope.window_end_ms(run.last - 1)) for run in runs]
    peaks = []
    for index, (run, (start_ms, end_ms)) in enumerate(zip(runs, spans, strict=True)):
        if run.sign > 0:
            # the loudest sample within the segment ± PEAK_SEARCH_MS, but never past the middle of the gap to a
            # neighbouring segment: two segments never find the same sample
            lo_ms, hi_ms = start_ms - PEAK_SEARCH_MS, end_ms + PEAK_SEARCH_MS
            if index > 0:
                lo_ms = max(lo_ms, (spans[index - 1][1] + start_ms) // 2)
            if index + 1 < len(spans):
                hi_ms = min(hi_ms, (end_ms + spans[index + 1][0]) // 2)
            lo = max(0, lo_ms * rate // 1000)
            hi = min(envelope.n_samples, hi_ms * rate // 1000)
            loudest = lo + int(np.argmax(np.abs(samples[lo:hi])))
            peak_ms = round(loudest * 1000 / rate)
        else:
            peak_ms = (envelope.window_start_ms(run.extreme) + envelope.window_end_ms(run.extreme)) // 2
        # the segment reaches its peak: a burst just past the flagged windows is played and exported with them
        start_ms, end_ms = min(start_ms, peak_ms), max(end_ms, peak_ms)
        peaks.append(Peak(start_ms, end_ms, peak_ms, run.z, float(values[run.extreme])))
    return OutlierResult(tuple(peaks), summary)


def _normal_pdf(x: np.ndarray, center: float, scale: float) -> np.ndarray:
    return np.exp(-0.5 * ((x - center) / scale) ** 2) / (scale * np.sqrt(2 * np.pi))


MAX_HISTOGRAM_BINS = 50


def histogram_bins(n: int) -> int:
    """How many bins a histogram of ``n`` values gets: Rice's rule, ⌈2·n^⅓⌉, at most :data:`MAX_HISTOGRAM_BINS`.

    A fixed 50 left 29 windows (a 29 s clip in 1 s windows) in hairline bars of one or two counts."""
    return int(min(MAX_HISTOGRAM_BINS, max(1, np.ceil(2 * n ** (1 / 3) - 1e-9))))


def distribution_plot_data(
    envelope: Envelope, feature: Feature | str = Feature.RMS, robust: bool = False, bins: int | None = None
) -> DistributionPlotData:
    """Data for the normal-curve panel: histogram (``bins`` bins, by default :func:`histogram_bins`), fitted
    Gaussian scaled to counts, Q–Q points."""
    values = envelope.values(feature).astype(np.float64)
    bins = histogram_bins(values.shape[0]) if bins is None else bins
    center, scale = _center_scale(values, robust)
    counts, edges = np.histogram(values, bins=bins)
    curve_x = np.linspace(edges[0], edges[-1], 200)
    width = edges[1] - edges[0]
    curve_y = _normal_pdf(curve_x, center, scale) * values.shape[0] * width if scale > 0 else np.zeros_like(curve_x)
    n = values.shape[0]
    theoretical = ndtri((np.arange(1, n + 1) - 0.5) / n)
    observed = (np.sort(values) - center) / scale if scale > 0 else np.zeros(n)
    return DistributionPlotData(counts, edges, curve_x, curve_y, theoretical, observed)
