"""Min/max pyramid of the audio, so that hours of waveform draw in milliseconds at any zoom.

Level 0 keeps the minimum and maximum of every 16 samples, each level above summarises 4 buckets of the
level below, up to a level of fewer than ~2000 buckets. A view asks :func:`waveform_points` for a range
and a point budget and gets one polyline (min/max zigzag) that looks like a filled waveform and never
loses a spike: every bucket keeps its extremes, whatever the zoom. Qt-free.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from analysis.progress import NullProgress, Progress, check

BASE_BUCKET = 16
"""Samples per bucket at level 0 (1 ms at 16 kHz)."""
LEVEL_FACTOR = 4
"""Buckets of a level merged into one bucket of the level above."""
TOP_LEVEL_BUCKETS = 2000
"""Levels are added until the coarsest has fewer buckets than this."""
_BLOCK_SAMPLES = 1 << 16
"""Samples per block at level 0: 256 KiB of float32 stays in the CPU cache, and a cancel acts within a block."""


@dataclass(frozen=True, slots=True, eq=False)
class WaveformPyramid:
    """Per-bucket minima and maxima of the samples at several resolutions.

    Bucket ``i`` of level ``L`` covers samples ``[i·b, min((i+1)·b, n_samples))`` with
    ``b = bucket_sizes[L]``; a last partial bucket is kept.
    """

    sample_rate: int
    n_samples: int
    bucket_sizes: tuple[int, ...]
    mins: tuple[np.ndarray, ...]
    maxs: tuple[np.ndarray, ...]

    @property
    def duration_ms(self) -> int:
        """Length of the audio in ms, rounded down."""
        return self.n_samples * 1000 // self.sample_rate


def _reduce_columns(rows: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Min and max of each row of a narrow 2-D array, one column at a time.

    Accumulating columns into two vectors is ~4× faster than ``rows.min(axis=1)``, whose inner loop runs
    over only 16 (or 4) elements per row.
    """
    low = rows[:, 0].copy()
    high = low.copy()
    for column in range(1, rows.shape[1]):
        np.minimum(low, rows[:, column], out=low)
        np.maximum(high, rows[:, column], out=high)
    return low, high


def _bucket_extremes(
    low_in: np.ndarray, high_in: np.ndarray, factor: int, low_out: np.ndarray, high_out: np.ndarray
) -> None:
    """Fill ``low_out``/``high_out`` with the extremes of each run of ``factor`` inputs (the last may be partial)."""
    full = low_in.shape[0] // factor
    if full:
        low_out[:full], _ = _reduce_columns(low_in[: full * factor].reshape(full, factor))
        _, high_out[:full] = _reduce_columns(high_in[: full * factor].reshape(full, factor))
    if low_in.shape[0] > full * factor:
        low_out[full] = low_in[full * factor :].min()
        high_out[full] = high_in[full * factor :].max()


def build_pyramid(samples: np.ndarray, sample_rate: int, progress: Progress | None = None) -> WaveformPyramid:
    """Min/max of every 16, 64, 256, … samples, level 0 in cache-sized blocks, each level from the one below.

    ``samples`` may be a memory map of hours of audio: it is read once, block by block, and no
    full-size temporary is made (the pyramid takes 1/6 of the samples' memory).
    """
    progress = progress or NullProgress()
    n = int(samples.shape[0])
    sizes = [BASE_BUCKET]
    while math.ceil(n / sizes[-1]) >= TOP_LEVEL_BUCKETS:
        sizes.append(sizes[-1] * LEVEL_FACTOR)
    count = math.ceil(n / BASE_BUCKET)
    low = np.empty(count, dtype=np.float32)
    high = np.empty(count, dtype=np.float32)
    for start in range(0, n, _BLOCK_SAMPLES):
        check(progress)
        progress.update(start / n, "waveform overview")
        block = np.asarray(samples[start : start + _BLOCK_SAMPLES], dtype=np.float32)
        first = start // BASE_BUCKET
        last = math.ceil((start + block.shape[0]) / BASE_BUCKET)
        _bucket_extremes(block, block, BASE_BUCKET, low[first:last], high[first:last])
    mins, maxs = [low], [high]
    for size in sizes[1:]:
        check(progress)
        below_low, below_high = mins[-1], maxs[-1]
        count = math.ceil(n / size)
        low = np.empty(count, dtype=np.float32)
        high = np.empty(count, dtype=np.float32)
        _bucket_extremes(below_low, below_high, LEVEL_FACTOR, low, high)
        mins.append(low)
        maxs.append(high)
    progress.update(1.0, "waveform overview")
    return WaveformPyramid(sample_rate, n, tuple(sizes), tuple(mins), tuple(maxs))


def _zigzag(centers: np.ndarray, low: np.ndarray, high: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """One polyline through (x, min), (x, max) of each bucket: drawn densely, it looks filled."""
    y = np.empty(2 * low.shape[0], dtype=np.float32)
    y[0::2] = low
    y[1::2] = high
    return np.repeat(centers, 2), y


def waveform_points(
    pyramid: WaveformPyramid, samples: np.ndarray, start_ms: float, end_ms: float, max_points: int
) -> tuple[np.ndarray, np.ndarray]:
    """X (seconds, float64) and Y (float32) of one polyline drawing the samples in [start_ms, end_ms].

    When at most ``max_points`` samples are visible they are returned as they are (with one more on each
    side, so the line reaches the edges). Otherwise the finest level with at most ``max_points`` buckets
    overlapping the range is drawn as a min/max zigzag at the bucket centres; if even the coarsest level
    has more, its buckets are merged further in aligned groups. The output never exceeds
    ``2 · max_points + 4`` points, and its Y extremes are those of the samples in the buckets drawn.
    """
    if max_points < 1:
        raise ValueError(f"max_points must be at least 1 (got {max_points})")
    n = pyramid.n_samples
    rate = pyramid.sample_rate
    first = max(0, math.floor(start_ms * rate / 1000))
    last = min(n, math.ceil(end_ms * rate / 1000))
    if last <= first:
        return np.zeros(0, dtype=np.float64), np.zeros(0, dtype=np.float32)
    if last - first <= max_points:
        lo, hi = max(0, first - 1), min(n, last + 1)
        return np.arange(lo, hi, dtype=np.float64) / rate, np.asarray(samples[lo:hi], dtype=np.float32)
    level = len(pyramid.bucket_sizes) - 1
    for index, size in enumerate(pyramid.bucket_sizes):
        if (last - 1) // size - first // size + 1 <= max_points:
            level = index
            break
    size = pyramid.bucket_sizes[level]
    lows, highs = pyramid.mins[level], pyramid.maxs[level]
    i0, i1 = first // size, (last - 1) // size
    group = max(1, math.ceil((i1 - i0 + 1) / max_points))
    g0, g1 = i0 // group, i1 // group
    edges = np.arange(g0, g1 + 2, dtype=np.float64) * (size * group)
    edges[-1] = min(edges[-1], n)
    centers = (edges[:-1] + edges[1:]) / (2 * rate)
    lo_slice = lows[g0 * group : (g1 + 1) * group]
    hi_slice = highs[g0 * group : (g1 + 1) * group]
    if group == 1:
        return _zigzag(centers, lo_slice, hi_slice)
    starts = np.arange(0, lo_slice.shape[0], group)
    return _zigzag(centers, np.minimum.reduceat(lo_slice, starts), np.maximum.reduceat(hi_slice, starts))


def envelope_points(
    values: np.ndarray, window_ms: int, start_ms: float, end_ms: float, max_points: int
) -> tuple[np.ndarray, np.ndarray]:
    """X (seconds) and Y of a step curve of per-window values over [start_ms, end_ms], within a point budget.

    Window ``i`` spans ``[i·window_ms, (i+1)·window_ms)``. While each visible window can get its two
    corners, the steps are exact; beyond that, windows are merged in aligned groups drawn as a min/max
    zigzag, so that a single outlying window stays visible. At most ``max_points + 2`` points.
    """
    if max_points < 2:
        raise ValueError(f"max_points must be at least 2 (got {max_points})")
    n = int(values.shape[0])
    first = max(0, math.floor(start_ms / window_ms))
    last = min(n, math.ceil(end_ms / window_ms))
    if last <= first:
        return np.zeros(0, dtype=np.float64), np.zeros(0, dtype=np.float32)
    budget = max_points // 2
    if last - first <= budget:
        edges = np.arange(first, last + 1, dtype=np.float64) * (window_ms / 1000)
        x = np.empty(2 * (last - first), dtype=np.float64)
        x[0::2] = edges[:-1]
        x[1::2] = edges[1:]
        return x, np.repeat(np.asarray(values[first:last], dtype=np.float32), 2)
    group = math.ceil((last - first) / budget)
    g0, g1 = first // group, (last - 1) // group
    chunk = np.asarray(values[g0 * group : (g1 + 1) * group], dtype=np.float32)
    starts = np.arange(0, chunk.shape[0], group)
    edges = np.arange(g0, g1 + 2, dtype=np.float64) * group
    edges[-1] = min(edges[-1], n)
    centers = (edges[:-1] + edges[1:]) * (window_ms / 2000)
    return _zigzag(centers, np.minimum.reduceat(chunk, starts), np.maximum.reduceat(chunk, starts))
