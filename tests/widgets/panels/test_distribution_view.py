"""The distribution panel: histogram totals, band edges, a bounded Q–Q plot and the summary sentence."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest
from PySide6.QtCore import QPointF, QRectF
from scipy.signal import resample_poly

from analysis import audio
from analysis.audio import DistributionStats, Envelope, histogram_bins
from widgets.panels.distribution_view import (
    MAX_QQ_POINTS,
    QQ_SYMBOL_PX,
    DistributionView,
    legend_html,
    qq_subsample,
    summary_text,
)

STATS = DistributionStats(
    feature="rms",
    k=2.0,
    tails="both",
    robust=False,
    mean=0.1,
    std=0.05,
    low=0.0,
    high=0.2,
    n_windows=1000,
    n_outliers=118,
    outlier_fraction=0.118,
    expected_fraction=0.0455002638963584,
    tail_ratio=2.5934,
    skewness=2.0412,
    excess_kurtosis=2.8798,
)


def heavy_tailed_envelope(n: int, seed: int = 2) -> Envelope:
    """Speech-like RMS values: log-normal body plus a few loud windows."""
    rng = np.random.default_rng(seed)
    rms = np.exp(rng.normal(-3, 0.5, n)).astype(np.float32)
    rms[rng.choice(n, n // 50, replace=False)] *= 6
    db = (20 * np.log10(rms)).astype(np.float32)
    return Envelope(16_000, 1000, n * 16_000, rms, db, rms * 3)


def test_the_summary_says_how_far_the_tails_are_from_normal() -> None:
    assert summary_text(STATS) == (
        "Outside μ ± kσ: 11.8 % observed, 4.55 % expected for a normal distribution (ratio 2.59) · "
        "skewness 2.04 · excess kurtosis 2.88"
    )
    robust = dataclasses.replace(STATS, robust=True)
    assert summary_text(robust).startswith("Outside median ± k·MAD: 11.8 % observed")
    high = dataclasses.replace(STATS, tails="high", expected_fraction=0.0227501319481792)
    assert summary_text(high).startswith("Above μ + kσ: 11.8 % observed, 2.28 % expected")
    low = dataclasses.replace(STATS, tails="low", robust=True, outlier_fraction=0.0)
    assert summary_text(low).startswith("Below median − k·MAD: 0 % observed")


def test_the_view_draws_the_histogram_band_and_label(qtbot) -> None:
    envelope = heavy_tailed_envelope(1_500)
    result = audio.find_peaks(envelope, np.zeros(envelope.n_samples, np.float32), 2.0)
    data = audio.distribution_plot_data(envelope)
    view = DistributionView()
    qtbot.addWidget(view)
    view.set_data(data, result.stats)
    heights = view.histogram_item.opts["height"]
    assert heights.sum() == 1_500 == result.stats.n_windows
    np.testing.assert_array_equal(view.histogram_item.opts["x0"], data.edges[:-1])
    low, high = view.band_lines
    assert (low.value(), high.value()) == pytest.approx((result.stats.low, result.stats.high))
    np.testing.assert_array_equal(view.qq_points.getData()[1], data.qq_observed)
    assert view.text() == summary_text(result.stats)
    view.clear()
    assert len(view.histogram_item.opts["height"]) == 0
    assert view.text().startswith("No envelope yet")


def test_long_files_draw_at_most_2000_qq_points_keeping_both_tails(qtbot) -> None:
    envelope = heavy_tailed_envelope(216_000)
    data = audio.distribution_plot_data(envelope)
    keep = qq_subsample(data.qq_theoretical)
    assert keep.shape[0] <= MAX_QQ_POINTS
    assert keep[0] == 0 and keep[-1] == 215_999
    assert np.all(np.diff(keep) > 0)
    tail = np.count_nonzero(data.qq_theoretical[keep] > 3)
    assert tail >= 100  # 292 windows lie beyond 3: evenly by rank alone would keep 1 of them
    view = DistributionView()
    qtbot.addWidget(view)
    view.set_data(data, audio.find_peaks(envelope, np.zeros(envelope.n_samples, np.float32), 2.0).stats)
    assert view.qq_points.getData()[0].shape[0] == keep.shape[0]


def test_the_histogram_of_a_talk_counts_every_window(qtbot, talk_scene) -> None:
    """The talk scene's RMS in 100 ms windows: the shown histogram's bars add up to the number of windows."""
    samples = resample_poly(talk_scene.samples(), 1, talk_scene.sample_rate // 16_000).astype(np.float32)
    envelope = audio.compute_envelope(samples, 16_000, 100)
    result = audio.find_peaks(envelope, samples, 2.0)
    view = DistributionView()
    qtbot.addWidget(view)
    view.resize(1000, 420)
    view.show()
    qtbot.waitExposed(view)
    view.set_data(audio.distribution_plot_data(envelope), result.stats)
    qtbot.wait(50)
    assert view.histogram_item.opts["height"].sum() == envelope.n_windows


def test_in_the_dock_a_short_clip_gets_wide_bars_whole_counts_a_clear_legend_and_every_qq_point(qtbot) -> None:
    """Issue 12 item 28: 29 windows (a 29 s clip in 1 s windows) fell into 50 hairline bins, the count axis had
    ticks at 0.5, the legend lay over the bars and the last Q–Q point sat on the plot's edge."""
    envelope = heavy_tailed_envelope(29, seed=5)
    data = audio.distribution_plot_data(envelope)
    assert histogram_bins(29) == 7 == data.counts.shape[0]  # ⌈2·29^⅓⌉
    assert [histogram_bins(n) for n in (1, 8, 1_500, 15_625, 216_000)] == [2, 4, 23, 50, 50]
    view = DistributionView()
    qtbot.addWidget(view)
    view.resize(420, 700)
    view.show()
    qtbot.waitExposed(view)
    view.set_data(data, audio.find_peaks(envelope, np.zeros(envelope.n_samples, np.float32), 2.0).stats)
    qtbot.wait(20)
    assert not view.side_by_side  # the Q–Q plot under the histogram, both the dock's width
    bars = view.histogram_item
    widths = bars.opts["x1"] - bars.opts["x0"]
    np.testing.assert_allclose(widths, np.ptp(envelope.rms) / 7)  # in data units, one bin each
    histogram_view = bars.getViewBox()
    bar_px = histogram_view.mapViewToScene(QRectF(bars.opts["x0"][0], 0, widths[0], 1)).boundingRect().width()
    assert bar_px >= 25
    axis = histogram_view.parentItem().getAxis("left")
    low, high = axis.range
    assert high < 12  # few counts: where 0.5 steps used to appear
    ticks = [value for _spacing, values in axis.tickValues(low, high, axis.height()) for value in values]
    assert ticks and all(value == int(value) for value in ticks)
    assert histogram_view.parentItem().legend is None  # no legend item over the bars
    assert view.legend_label.text() == legend_html()
    assert view.legend_label.geometry().bottom() < histogram_view.getViewWidget().geometry().top()
    qq_view = view.qq_points.getViewBox()
    x, y = view.qq_points.getData()
    radius = QQ_SYMBOL_PX / 2
    for size in ((420, 700), (300, 300)):  # the default dock, and a dock made as short as it goes
        view.resize(*size)
        qtbot.wait(20)
        for index in (0, -1):
            point = qq_view.mapViewToScene(QPointF(x[index], y[index]))
            symbol = QRectF(point.x() - radius, point.y() - radius, 2 * radius, 2 * radius)
            assert qq_view.sceneBoundingRect().adjusted(2, 2, -2, -2).contains(symbol), (size, index)
    view.resize(1000, 420)
    qtbot.wait(20)
    assert view.side_by_side
