"""How the envelope feature is distributed: histogram with the fitted normal curve, normal Q–Q plot, summary.

It shows whether μ ± kσ means what it says: with heavy tails far more windows fall outside the band than a
normal distribution would leave there, and the label says by how much. Side by side in a wide panel, the Q–Q
plot under the histogram in a narrow dock; the legend is a line above the plots, never over the bars.
"""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt
from PySide6.QtGui import QResizeEvent
from PySide6.QtWidgets import QBoxLayout, QLabel, QVBoxLayout, QWidget

from analysis.audio import DistributionPlotData, DistributionStats, Tails
from widgets.style import BACKGROUND, FOREGROUND, GRID
from widgets.timeline.waveform_view import ENVELOPE_COLOR, FEATURE_LABELS, MEAN_COLOR, PEAK_COLOR

MAX_QQ_POINTS = 2000
HISTOGRAM_BRUSH = (255, 183, 77, 150)
HISTOGRAM_EDGE = "#1d1f21"
CURVE_COLOR = "#80deea"
SIDE_BY_SIDE_MIN_PX = 640
"""Narrower than this (the dock at its default width), the Q–Q plot goes under the histogram."""
PLOT_MIN_HEIGHT_PX = 160
"""So that even a short dock leaves the Q–Q points' padding wider than their symbols."""
QQ_SYMBOL_PX = 4
QQ_PADDING = 0.06
"""Of the Q–Q plot's range on each side, so that the first and last points (and their symbols) stay inside."""


class CountAxisItem(pg.AxisItem):
    """An axis of counts: ticks at whole numbers only (no "0.5 windows")."""

    def tickSpacing(self, minVal: float, maxVal: float, size: float) -> list[tuple[float, float]]:  # pyqtgraph's name
        levels = [(spacing, offset) for spacing, offset in super().tickSpacing(minVal, maxVal, size) if spacing >= 1]
        return levels or [(1.0, 0.0)]


def legend_html() -> str:
    """The histogram's legend, as a line of text above the plots."""
    bar = "rgb({}, {}, {})".format(*HISTOGRAM_BRUSH[:3])
    entries = (
        (bar, "■", "windows"),
        (CURVE_COLOR, "━", "fitted normal"),
        (PEAK_COLOR, "╎", "band edges"),
        (MEAN_COLOR, "┊", "mean"),
    )
    return "&nbsp;&nbsp; ".join(
        f'<span style="color:{color}">{mark}</span>&nbsp;{name}' for color, mark, name in entries
    )


def qq_subsample(theoretical: np.ndarray, max_points: int = MAX_QQ_POINTS) -> np.ndarray:
    """Indices of at most ``max_points`` Q–Q points: half evenly by rank, half evenly along the x axis.

    Even ranks alone would leave one or two points in each tail, where the plot says the most; even
    spacing in theoretical quantiles keeps the tails dense. The first and last points are always kept.
    """
    n = theoretical.shape[0]
    if n <= max_points:
        return np.arange(n)
    by_rank = np.linspace(0, n - 1, max_points // 2).round().astype(np.intp)
    targets = np.linspace(theoretical[0], theoretical[-1], max_points - max_points // 2)
    by_x = np.clip(np.searchsorted(theoretical, targets), 0, n - 1)
    return np.unique(np.concatenate((by_rank, by_x)))


def _percent(fraction: float) -> str:
    return f"{fraction * 100:.3g} %"


def summary_text(stats: DistributionStats) -> str:
    """The sentence under the plots: "Outside μ ± kσ: 11.8 % observed, 4.55 % expected for a normal …"."""
    centre, scale = ("median", "k·MAD") if stats.robust else ("μ", "kσ")
    where = {
        Tails.BOTH.value: f"Outside {centre} ± {scale}",
        Tails.HIGH.value: f"Above {centre} + {scale}",
        Tails.LOW.value: f"Below {centre} − {scale}",
    }[stats.tails]
    return (
        f"{where}: {_percent(stats.outlier_fraction)} observed, {_percent(stats.expected_fraction)} expected "
        f"for a normal distribution (ratio {stats.tail_ratio:.2f}) · skewness {stats.skewness:.2f} · "
        f"excess kurtosis {stats.excess_kurtosis:.2f}"
    )


class DistributionView(QWidget):
    """Histogram + fitted normal curve with the band's edges (left), normal Q–Q plot (right), summary below."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._histogram_widget = self._make_plot_widget("Distribution", "count", CountAxisItem("left"))
        self._qq_widget = self._make_plot_widget("Normal Q–Q", "observed (standardised)")
        self._histogram_plot = self._histogram_widget.getPlotItem()
        self._qq_plot = self._qq_widget.getPlotItem()
        self._qq_plot.setLabel("bottom", "normal quantile", color=FOREGROUND)
        self._histogram_plot.getAxis("bottom").enableAutoSIPrefix(False)
        self._bars = pg.BarGraphItem(x0=[], x1=[], height=[], brush=HISTOGRAM_BRUSH, pen=pg.mkPen(HISTOGRAM_EDGE))
        self._curve = pg.PlotCurveItem(pen=pg.mkPen(CURVE_COLOR, width=2))
        dash = Qt.PenStyle.DashLine
        self._low = pg.InfiniteLine(angle=90, pen=pg.mkPen(PEAK_COLOR, width=1, style=dash))
        self._high = pg.InfiniteLine(angle=90, pen=pg.mkPen(PEAK_COLOR, width=1, style=dash))
        self._mean = pg.InfiniteLine(angle=90, pen=pg.mkPen(MEAN_COLOR, width=1, style=Qt.PenStyle.DotLine))
        for item in (self._bars, self._curve, self._mean, self._low, self._high):
            self._histogram_plot.addItem(item)
        self.legend_label = QLabel(legend_html())
        self.legend_label.setWordWrap(True)
        self.legend_label.setStyleSheet(f"background: {BACKGROUND}; color: {FOREGROUND}; padding: 3px 6px;")
        self._reference = pg.PlotCurveItem(pen=pg.mkPen(MEAN_COLOR, width=1, style=Qt.PenStyle.DashLine))
        self._points = pg.ScatterPlotItem(size=QQ_SYMBOL_PX, pen=pg.mkPen(None), brush=pg.mkBrush(ENVELOPE_COLOR))
        self._qq_plot.addItem(self._reference)
        self._qq_plot.addItem(self._points)
        self._label = QLabel()
        self._label.setWordWrap(True)
        self._label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self._plots = plots = QBoxLayout(QBoxLayout.Direction.LeftToRight)
        plots.setContentsMargins(0, 0, 0, 0)
        plots.addWidget(self._histogram_widget, 3)
        plots.addWidget(self._qq_widget, 2)
        layout = QVBoxLayout(self)
        layout.addWidget(self.legend_label)
        layout.addLayout(plots, 1)
        layout.addWidget(self._label)
        self.clear()

    @property
    def side_by_side(self) -> bool:
        """Whether the Q–Q plot is beside the histogram (else under it)."""
        return self._plots.direction() == QBoxLayout.Direction.LeftToRight

    def resizeEvent(self, event: QResizeEvent) -> None:  # Qt's name
        super().resizeEvent(event)
        wide = event.size().width() >= SIDE_BY_SIDE_MIN_PX
        if wide != self.side_by_side:
            self._plots.setDirection(QBoxLayout.Direction.LeftToRight if wide else QBoxLayout.Direction.TopToBottom)
            self._plots.setStretch(0, 3 if wide else 1)
            self._plots.setStretch(1, 2 if wide else 1)

    @property
    def histogram_item(self) -> pg.BarGraphItem:
        return self._bars

    @property
    def qq_points(self) -> pg.ScatterPlotItem:
        return self._points

    @property
    def band_lines(self) -> tuple[pg.InfiniteLine, pg.InfiniteLine]:
        return self._low, self._high

    def text(self) -> str:
        return self._label.text()

    def set_data(self, data: DistributionPlotData, stats: DistributionStats) -> None:
        """Draw the histogram, the fitted curve, the band's edges and the Q–Q plot; summarise below."""
        feature = FEATURE_LABELS.get(stats.feature, stats.feature)
        self._histogram_plot.setTitle(f"Distribution of {feature}", color=FOREGROUND)
        self._histogram_plot.setLabel("bottom", feature, color=FOREGROUND)
        self._bars.setOpts(x0=data.edges[:-1], x1=data.edges[1:], height=data.counts)
        self._curve.setData(data.curve_x, data.curve_y)
        self._mean.setPos(stats.mean)
        self._low.setPos(stats.low)
        self._high.setPos(stats.high)
        for line in (self._mean, self._low, self._high):
            line.show()
        top = max(float(data.counts.max(initial=0)), float(data.curve_y.max(initial=0))) * 1.05 or 1.0
        left = min(float(data.edges[0]), stats.low)
        right = max(float(data.edges[-1]), stats.high)
        self._histogram_plot.setRange(xRange=(left, right), yRange=(0, top), padding=0.02)
        keep = qq_subsample(data.qq_theoretical)
        x, y = data.qq_theoretical[keep], data.qq_observed[keep]
        self._points.setData(x=x, y=y)
        if x.size:
            low = float(min(x.min(), y.min()))
            high = float(max(x.max(), y.max()))
            self._reference.setData([low, high], [low, high])
            self._qq_plot.setRange(xRange=(float(x.min()), float(x.max())), yRange=(low, high), padding=QQ_PADDING)
        self._label.setText(summary_text(stats))

    def clear(self) -> None:
        self._bars.setOpts(x0=[], x1=[], height=[])
        self._curve.setData([], [])
        self._points.setData(x=[], y=[])
        self._reference.setData([], [])
        for line in (self._mean, self._low, self._high):
            line.hide()
        self._histogram_plot.setTitle("Distribution", color=FOREGROUND)
        self._histogram_plot.showLabel("bottom", False)
        for plot in (self._histogram_plot, self._qq_plot):  # not the scales of the media closed
            plot.setRange(xRange=(0, 1), yRange=(0, 1), padding=0)
        self._label.setText("No envelope yet: analyse the audio to see how its windows are distributed.")

    @staticmethod
    def _make_plot_widget(title: str, left_label: str, left_axis: pg.AxisItem | None = None) -> pg.PlotWidget:
        widget = pg.PlotWidget(background=BACKGROUND, axisItems={"left": left_axis} if left_axis else None)
        plot = widget.getPlotItem()
        plot.setContentsMargins(0, 0, 10, 0)  # the last tick label and point clear the widget's right edge
        widget.setMinimumHeight(PLOT_MIN_HEIGHT_PX)
        plot.setTitle(title, color=FOREGROUND)
        plot.setLabel("left", left_label, color=FOREGROUND)
        plot.setMenuEnabled(False)
        plot.hideButtons()
        plot.showGrid(x=True, y=True, alpha=0.15)
        for name in ("left", "bottom"):
            plot.getAxis(name).setPen(pg.mkPen(GRID))
            plot.getAxis(name).setTextPen(pg.mkPen(FOREGROUND))
        return widget
