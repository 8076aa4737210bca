"""The min/max pyramid keeps every bucket's extremes, and the drawn polyline stays within its budget."""

from __future__ import annotations

import math

import numpy as np
import pytest

from analysis.progress import Cancelled, NullProgress
from analysis.waveform import (
    BASE_BUCKET,
    LEVEL_FACTOR,
    TOP_LEVEL_BUCKETS,
    WaveformPyramid,
    build_pyramid,
    envelope_points,
    waveform_points,
)

RATE = 16_000


def direct_extremes(samples: np.ndarray, size: int) -> tuple[np.ndarray, np.ndarray]:
    """numpy min/max over each bucket of ``size`` samples, the last one partial."""
    starts = np.arange(0, samples.shape[0], size)
    return np.minimum.reduceat(samples, starts), np.maximum.reduceat(samples, starts)


def drawn_samples(pyramid: WaveformPyramid, first: int, last: int, max_points: int) -> tuple[int, int, int]:
    """Samples [a, b) that waveform_points must draw for the visible samples [first, last), and its bucket width."""
    n = pyramid.n_samples
    if last - first <= max_points:
        return max(0, first - 1), min(n, last + 1), 1
    for size in pyramid.bucket_sizes:
        if (last - 1) // size - first // size + 1 <= max_points:
            break
    else:
        size *= math.ceil(((last - 1) // size - first // size + 1) / max_points)
    return first // size * size, min(n, ((last - 1) // size + 1) * size), size


@pytest.fixture(scope="module")
def noise() -> np.ndarray:
    """A little over 10 s of noise whose length is no multiple of any bucket size."""
    rng = np.random.default_rng(3)
    return (rng.standard_normal(3 * BASE_BUCKET * LEVEL_FACTOR**5 + 37) * 0.2).astype(np.float32)


def test_every_level_holds_the_numpy_min_max_of_its_buckets(noise: np.ndarray) -> None:
    pyramid = build_pyramid(noise, RATE)
    assert pyramid.bucket_sizes == tuple(BASE_BUCKET * LEVEL_FACTOR**i for i in range(len(pyramid.bucket_sizes)))
    assert pyramid.n_samples == noise.shape[0]
    for size, low, high in zip(pyramid.bucket_sizes, pyramid.mins, pyramid.maxs, strict=True):
        expected_low, expected_high = direct_extremes(noise, size)
        assert low.dtype == high.dtype == np.float32
        np.testing.assert_array_equal(low, expected_low)
        np.testing.assert_array_equal(high, expected_high)
    counts = [low.shape[0] for low in pyramid.mins]
    assert counts[-1] < TOP_LEVEL_BUCKETS <= counts[-2]


@pytest.mark.parametrize("n", [0, 1, 15, 16, 17, 31_984, 31_985])
def test_short_audio_gives_the_levels_it_needs(n: int) -> None:
    samples = np.linspace(-1, 1, n, dtype=np.float32)
    pyramid = build_pyramid(samples, RATE)
    assert pyramid.bucket_sizes == ((BASE_BUCKET,) if -(-n // BASE_BUCKET) < TOP_LEVEL_BUCKETS else (16, 64))
    expected_low, expected_high = direct_extremes(samples, BASE_BUCKET) if n else (samples, samples)
    np.testing.assert_array_equal(pyramid.mins[0], expected_low)
    np.testing.assert_array_equal(pyramid.maxs[0], expected_high)


def test_a_memory_map_gives_the_same_pyramid(tmp_path, noise: np.ndarray) -> None:
    path = tmp_path / "audio.npy"
    np.save(path, noise)
    mapped = build_pyramid(np.load(path, mmap_mode="r"), RATE)
    direct = build_pyramid(noise, RATE)
    for a, b in zip(mapped.mins + mapped.maxs, direct.mins + direct.maxs, strict=True):
        np.testing.assert_array_equal(a, b)


def test_progress_reaches_one_and_a_cancel_stops_the_build(noise: np.ndarray) -> None:
    reports: list[float] = []

    class Recorder(NullProgress):
        def update(self, fraction: float, message: str = "") -> None:
            reports.append(fraction)

    build_pyramid(noise, RATE, Recorder())
    assert reports == sorted(reports) and reports[-1] == 1.0
    cancelled = NullProgress()
    cancelled.cancel()
    with pytest.raises(Cancelled):
        build_pyramid(noise, RATE, cancelled)


@pytest.mark.parametrize("max_points", [1, 7, 100, 1500, 3000])
def test_waveform_points_stay_in_budget_cover_the_range_and_keep_the_extremes(
    noise: np.ndarray, max_points: int
) -> None:
    pyramid = build_pyramid(noise, RATE)
    n = noise.shape[0]
    rng = np.random.default_rng(max_points)
    duration_ms = n * 1000 / RATE
    ranges = [(0.0, duration_ms), (0.0, 0.5), (duration_ms - 3, duration_ms + 1000)]
    ranges += [tuple(sorted(rng.uniform(-100, duration_ms + 100, 2))) for _ in range(60)]
    ranges += [(s, s + w) for s, w in zip(rng.uniform(0, duration_ms, 40), rng.uniform(0.1, 300, 40), strict=True)]
    for start_ms, end_ms in ranges:
        x, y = waveform_points(pyramid, noise, start_ms, end_ms, max_points)
        assert x.shape == y.shape
        assert x.shape[0] <= 2 * max_points + 4
        first = max(0, int(np.floor(start_ms * RATE / 1000)))
        last = min(n, int(np.ceil(end_ms * RATE / 1000)))
        if last <= first:
            assert x.shape[0] == 0
            continue
        assert np.all(np.diff(x) >= 0)
        a, b, width = drawn_samples(pyramid, first, last, max_points)
        assert a / RATE <= x[0] < (a + width) / RATE and (b - width) / RATE <= x[-1] <= b / RATE
        assert y.max() == noise[a:b].max() and y.min() == noise[a:b].min(), (start_ms, end_ms)


def test_raw_samples_are_returned_when_few_are_visible(noise: np.ndarray) -> None:
    pyramid = build_pyramid(noise, RATE)
    x, y = waveform_points(pyramid, noise, 1000, 1100, 3000)
    np.testing.assert_array_equal(y, noise[15_999:17_601])
    np.testing.assert_allclose(x, np.arange(15_999, 17_601) / RATE)


def test_spikes_in_three_hours_of_silence_show_at_every_zoom_level() -> None:
    n = 3 * 3600 * RATE
    samples = np.zeros(n, dtype=np.float32)  # untouched pages cost no memory
    spikes = {1_000: 0.9, 50_000_017: -0.7, 123_456_789: 0.5, n - 5: -0.3}
    for index, value in spikes.items():
        samples[index] = value
    pyramid = build_pyramid(samples, RATE)
    assert len(pyramid.bucket_sizes) == 8
    for index, value in spikes.items():
        spike_ms = index * 1000 / RATE
        for span_ms in [10, 40, 160, 640, 2_560, 10_240, 40_960, 163_840, 655_360, 2_621_440, 10_800_000]:
            for max_points in (5, 3000):
                x, y = waveform_points(pyramid, samples, spike_ms - span_ms / 3, spike_ms + 2 * span_ms / 3, max_points)
                assert x.shape[0] <= 2 * max_points + 4
                assert (y.max() if value > 0 else y.min()) == value, (index, span_ms, max_points)
                assert np.count_nonzero(y) >= 1


def test_envelope_points_are_exact_steps_while_they_fit() -> None:
    values = np.array([1, 3, 2, 5, 4], dtype=np.float32)
    x, y = envelope_points(values, 250, 0, 1250, 100)
    np.testing.assert_allclose(x, [0, 0.25, 0.25, 0.5, 0.5, 0.75, 0.75, 1.0, 1.0, 1.25])
    np.testing.assert_array_equal(y, [1, 1, 3, 3, 2, 2, 5, 5, 4, 4])
    x, y = envelope_points(values, 250, 300, 600, 100)
    np.testing.assert_allclose(x, [0.25, 0.5, 0.5, 0.75])
    np.testing.assert_array_equal(y, [3, 3, 2, 2])


def test_envelope_points_keep_a_lone_outlier_when_windows_are_merged() -> None:
    values = np.full(216_000, 0.1, dtype=np.float32)
    values[100_000] = 0.9
    values[150_001] = 0.0
    for max_points in (2, 10, 999, 3000):
        x, y = envelope_points(values, 50, 0, 10_800_000, max_points)
        assert x.shape[0] <= max_points + 2
        assert y.max() == np.float32(0.9) and y.min() == 0.0
        assert x[0] >= 0 and x[-1] <= 10_800
    x, y = envelope_points(values, 50, 4_000_000, 6_000_000, 3000)
    assert y.max() == np.float32(0.9) and y.min() == np.float32(0.1)
