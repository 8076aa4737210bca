"""Envelope, μ ± kσ peaks and distribution statistics, against values computed independently here."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from scipy import stats as sps

from analysis import audio, media
from analysis.audio import Feature, Tails
from app.demo.synth import Scene

RATE = 16_000


def per_window_loop(samples: np.ndarray, window: int) -> tuple[np.ndarray, np.ndarray]:
    """RMS and peak |x| window by window, the way the original script's downsample_by_second did."""
    rms, peak = [], []
    for start in range(0, len(samples), window):
        chunk = samples[start : start + window].astype(np.float64)
        if len(chunk) < window / 2:
            break
        rms.append(np.sqrt(np.mean(chunk**2)))
        peak.append(np.max(np.abs(chunk)))
    return np.array(rms), np.array(peak)


def windows_with_levels(levels: list[float], window_ms: int = 1000, seed: int = 0) -> np.ndarray:
    """Gaussian noise whose RMS in window i is levels[i] (exactly: each window is rescaled)."""
    rng = np.random.default_rng(seed)
    w = window_ms * RATE // 1000
    out = []
    for level in levels:
        chunk = rng.standard_normal(w)
        out.append(chunk / np.sqrt(np.mean(chunk**2)) * level)
    return np.concatenate(out).astype(np.float32)


@pytest.mark.parametrize("window_ms", [50, 250, 1000])
def test_envelope_equals_a_plain_per_window_loop(window_ms: int) -> None:
    samples = np.random.default_rng(1).standard_normal(RATE * 7 + RATE * window_ms // 1000 * 3 // 4)
    samples = (samples * 0.1).astype(np.float32)
    envelope = audio.compute_envelope(samples, RATE, window_ms)
    rms, peak = per_window_loop(samples, window_ms * RATE // 1000)
    assert envelope.n_windows == len(rms)
    np.testing.assert_allclose(envelope.rms, rms, rtol=1e-5)
    np.testing.assert_allclose(envelope.peak, peak, rtol=1e-6)
    np.testing.assert_allclose(envelope.rms_db, 20 * np.log10(rms), atol=1e-4)


def test_envelope_drops_a_last_window_shorter_than_half() -> None:
    samples = np.ones(RATE * 2 + RATE // 4, np.float32)
    assert audio.compute_envelope(samples, RATE, 1000).n_windows == 2
    samples = np.ones(RATE * 2 + RATE // 2, np.float32)
    assert audio.compute_envelope(samples, RATE, 1000).n_windows == 3


def test_envelope_rejects_windows_below_50_ms() -> None:
    with pytest.raises(ValueError, match="at least 50 ms"):
        audio.compute_envelope(np.zeros(RATE, np.float32), RATE, 40)


def test_adjacent_outliers_merge_and_z_scores_are_exact() -> None:
    levels = [0.1 + 0.01 * (i % 5) for i in range(60)]
    levels[10] = levels[11] = 0.5
    levels[40] = 0.45
    levels[50] = 0.001
    samples = windows_with_levels(levels)
    envelope = audio.compute_envelope(samples, RATE, 1000)
    values = np.array(levels)
    z = (values - values.mean()) / values.std()

    high = audio.find_peaks(envelope, samples, k=2.0, tails=Tails.HIGH)
    assert [(p.start_ms, p.end_ms) for p in high.peaks] == [(10_000, 12_000), (40_000, 41_000)]
    assert [p.z for p in high.peaks] == pytest.approx([z[10], z[40]], rel=1e-4)

    both = audio.find_peaks(envelope, samples, k=2.0, tails=Tails.BOTH)
    assert [(p.start_ms, p.end_ms) for p in both.peaks] == [(10_000, 12_000), (40_000, 41_000)]
    low = audio.find_peaks(envelope, samples, k=1.5, tails=Tails.LOW)
    flagged = np.flatnonzero(z < -1.5)
    assert [p.start_ms for p in low.peaks] == [int(i) * 1000 for i in flagged]
    assert low.peaks[-1].peak_ms == 50_500
    assert low.peaks[-1].z == pytest.approx(z[50], rel=1e-4)


def test_peak_time_is_the_loudest_sample_within_half_a_second_and_the_segment_reaches_it() -> None:
    levels = [0.05] * 20
    levels[10] = 0.4
    samples = windows_with_levels(levels)
    samples = np.clip(samples, -0.3, 0.3)
    samples[int(9.7 * RATE)] = 0.99
    samples[int(9.3 * RATE)] = -1.0
    envelope = audio.compute_envelope(samples, RATE, 1000)
    (peak,) = audio.find_peaks(envelope, samples, k=2.0, tails=Tails.HIGH).peaks
    # the flagged window is 10–11 s; the loudest sample near it, at 9.7 s, is where the segment now starts
    assert (peak.start_ms, peak.end_ms, peak.peak_ms) == (9_700, 11_000, 9_700)


def test_two_segments_never_share_a_peak_and_each_holds_its_own() -> None:
    """Issue 12 item 11: with 250 ms windows, two flagged segments 250 ms apart both searched ± 0.5 s and both
    took the loudest sample between them (2.4 s) as their peak, outside either segment. Each now searches up to
    the middle of the gap (2.375 s) and reaches the peak it finds."""
    levels = [0.05] * 20
    levels[8] = levels[10] = 0.4  # 2.00–2.25 s and 2.50–2.75 s
    samples = windows_with_levels(levels, window_ms=250)
    samples = np.clip(samples, -0.3, 0.3)
    samples[int(2.1 * RATE)] = 0.9
    samples[int(2.4 * RATE)] = 0.99  # in the quiet window between them
    samples[int(2.7 * RATE)] = 0.8
    envelope = audio.compute_envelope(samples, RATE, 250)
    peaks = audio.find_peaks(envelope, samples, k=2.0, tails=Tails.HIGH).peaks
    assert [(p.start_ms, p.end_ms, p.peak_ms) for p in peaks] == [(2000, 2250, 2100), (2400, 2750, 2400)]


def test_statistics_match_scipy(talk_video: Path) -> None:
    samples = media.decode_audio(talk_video)
    envelope = audio.compute_envelope(samples, RATE, 250)
    values = envelope.rms.astype(np.float64)
    for k, tails in [(2.0, Tails.BOTH), (3.0, Tails.BOTH), (1.5, Tails.HIGH), (1.0, Tails.LOW)]:
        result = audio.find_peaks(envelope, samples, k=k, tails=tails)
        stats = result.stats
        mean, std = values.mean(), values.std()
        above, below = values > mean + k * std, values < mean - k * std
        outside = {Tails.BOTH: above | below, Tails.HIGH: above, Tails.LOW: below}[tails]
        one_tail = 1 - sps.norm.cdf(k)
        expected = 2 * one_tail if tails is Tails.BOTH else one_tail
        assert stats.mean == pytest.approx(mean, rel=1e-5)
        assert stats.std == pytest.approx(std, rel=1e-5)
        assert stats.n_windows == len(values)
        assert stats.n_outliers == int(outside.sum())
        assert stats.outlier_fraction == pytest.approx(outside.mean())
        assert stats.expected_fraction == pytest.approx(expected, rel=1e-9)
        assert stats.tail_ratio == pytest.approx(outside.mean() / expected)
        assert stats.skewness == pytest.approx(sps.skew(values), rel=1e-4)
        assert stats.excess_kurtosis == pytest.approx(sps.kurtosis(values), rel=1e-4)
    assert audio.expected_fraction(3.0, Tails.BOTH) == pytest.approx(0.0026998, rel=1e-4)
    assert audio.expected_fraction(3.0, Tails.HIGH) == pytest.approx(0.0013499, rel=1e-4)


def test_robust_variant_uses_median_and_mad() -> None:
    levels = [0.1 + 0.02 * np.sin(i) for i in range(100)]
    levels[20:23] = [0.9, 0.9, 0.9]
    samples = windows_with_levels(levels)
    envelope = audio.compute_envelope(samples, RATE, 1000)
    values = envelope.rms.astype(np.float64)
    result = audio.find_peaks(envelope, samples, k=3.0, tails=Tails.HIGH, robust=True)
    assert result.stats.mean == pytest.approx(np.median(values), rel=1e-6)
    assert result.stats.std == pytest.approx(sps.median_abs_deviation(values, scale="normal"), rel=1e-3)
    assert [(p.start_ms, p.end_ms) for p in result.peaks] == [(20_000, 23_000)]


@pytest.mark.parametrize("feature", [Feature.RMS, Feature.PEAK])
def test_bursts_in_speech_are_the_high_peaks(talk_video: Path, talk_scene: Scene, feature: Feature) -> None:
    samples = media.decode_audio(talk_video)
    envelope = audio.compute_envelope(samples, RATE, 1000)
    result = audio.find_peaks(envelope, samples, k=2.0, tails=Tails.HIGH, feature=feature)
    bursts = talk_scene.of_kind("burst")
    assert len(result.peaks) == len(bursts)
    for peak, burst in zip(result.peaks, bursts, strict=True):
        assert peak.start_ms - 1000 <= burst.peak_ms <= peak.end_ms + 1000
        assert abs(peak.peak_ms - burst.peak_ms) <= 20
        assert peak.z > 2.0


def test_silence_is_the_low_outlier_in_decibels(talk_video: Path, talk_scene: Scene) -> None:
    samples = media.decode_audio(talk_video)
    envelope = audio.compute_envelope(samples, RATE, 1000)
    result = audio.find_peaks(envelope, samples, k=2.0, tails=Tails.LOW, feature=Feature.RMS_DB)
    longest = max(talk_scene.of_kind("silence"), key=lambda event: event.end_ms - event.start_ms)
    whole_windows = [
        (s, s + 1000)
        for s in range(0, talk_scene.duration_ms, 1000)
        if longest.start_ms <= s and s + 1000 <= longest.end_ms
    ]
    assert [(p.start_ms, p.end_ms) for p in result.peaks] == whole_windows
    assert result.peaks[0].z < -2.0


def test_k_outside_the_range_is_refused() -> None:
    samples = windows_with_levels([0.1, 0.2, 0.3])
    envelope = audio.compute_envelope(samples, RATE, 1000)
    for k in (0.4, 5.1):
        with pytest.raises(ValueError, match="between 0.5 and 5"):
            audio.find_peaks(envelope, samples, k=k)


def test_distribution_plot_data_is_consistent() -> None:
    levels = list(np.random.default_rng(4).normal(0.2, 0.03, 400))
    samples = windows_with_levels(levels, window_ms=100)
    envelope = audio.compute_envelope(samples, RATE, 100)
    data = audio.distribution_plot_data(envelope, bins=30)
    assert data.counts.sum() == envelope.n_windows and data.edges.shape == (31,)
    width = data.edges[1] - data.edges[0]
    area = np.trapezoid(data.curve_y, data.curve_x) / width
    assert area == pytest.approx(envelope.n_windows, rel=0.05)
    assert data.qq_theoretical.shape == data.qq_observed.shape == (envelope.n_windows,)
    assert np.all(np.diff(data.qq_observed) >= 0)
    slope = np.polyfit(data.qq_theoretical, data.qq_observed, 1)[0]
    assert slope == pytest.approx(1.0, abs=0.1)
