"""The audio rows of the timeline (waveform, envelope with its μ ± kσ band) and the live peak controls.

The waveform draws through the min/max pyramid at the plot's resolution, so 3 hours redraw in
milliseconds. The envelope's band and peak markers are replaced on every move of the k slider: each
setter only updates one existing item (a region, a line, one scatter for all markers).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QSignalBlocker, Qt, Signal
from PySide6.QtWidgets import QCheckBox, QComboBox, QHBoxLayout, QLabel, QSlider, QWidget

from analysis.audio import K_MAX, K_MIN, K_STEP, Feature, Peak, Tails
from analysis.waveform import WaveformPyramid, envelope_points, waveform_points
from app.timecode import format_ms
from widgets.style import FOREGROUND
from widgets.timeline.timeline_view import Track

WAVEFORM_COLOR = "#4fc3f7"
ENVELOPE_COLOR = "#ffb74d"
PEAK_COLOR = "#ff5252"
PEAK_LINE_COLOR = (255, 82, 82, 190)
BAND_BRUSH = (144, 164, 174, 60)
BAND_EDGE = (144, 164, 174, 140)
MEAN_COLOR = "#e0e0e0"
CAPTION_FILL = (29, 31, 33, 200)

FEATURE_LABELS = {Feature.RMS.value: "RMS", Feature.RMS_DB.value: "RMS (dBFS)", Feature.PEAK.value: "Peak |x|"}
"""Readable names of the envelope features, for combo boxes, captions and axis labels."""
TAILS_LABELS = {Tails.BOTH.value: "Both tails", Tails.HIGH.value: "High (loud)", Tails.LOW.value: "Low (quiet)"}
WINDOW_CHOICES_MS = (50, 100, 250, 500, 1000, 2000)
DEFAULT_WINDOW_MS = 1000
DEFAULT_K = 2.0


def _window_label(ms: int) -> str:
    return f"{ms // 1000} s" if ms % 1000 == 0 else f"{ms} ms"


class WaveformTrack(Track):
    """The audio waveform, redrawn from the min/max pyramid at about two points per pixel, with peak lines."""

    key = "waveform"
    title = "Waveform"
    default_height = 110
    y_range = (-1.0, 1.0)

    def __init__(self) -> None:
        super().__init__()
        self._curve = pg.PlotCurveItem(pen=pg.mkPen(WAVEFORM_COLOR, width=1), antialias=False)
        # Behind the waveform and translucent: at a zoom showing hundreds of peaks they must not hide it.
        self._peak_lines = pg.PlotCurveItem(pen=pg.mkPen(PEAK_LINE_COLOR, width=1), connect="pairs", antialias=False)
        self._peak_lines.setZValue(-10)
        self._pyramid: WaveformPyramid | None = None
        self._samples: np.ndarray | None = None
        self._drawn_view: tuple[int, int, int] | None = None

    @property
    def curve(self) -> pg.PlotCurveItem:
        return self._curve

    @property
    def peak_lines(self) -> pg.PlotCurveItem:
        """All peak lines, as pairs of points."""
        return self._peak_lines

    @property
    def peak_count(self) -> int:
        """Peak lines drawn."""
        x = self._peak_lines.xData
        return 0 if x is None else x.shape[0] // 2

    def attach(self, plot: pg.PlotItem) -> None:
        super().attach(plot)
        plot.addItem(self._curve, ignoreBounds=True)
        plot.addItem(self._peak_lines, ignoreBounds=True)

    def set_audio(self, pyramid: WaveformPyramid, samples: np.ndarray) -> None:
        """The pyramid built from ``samples`` (which may be a memory map: only visible bits are read)."""
        self._pyramid = pyramid
        self._samples = samples
        self._drawn_view = None
        self._redraw()

    def set_peaks(self, peak_ms: Sequence[int]) -> None:
        """Thin red vertical lines at these times, replacing the previous ones."""
        x = np.repeat(np.asarray(peak_ms, dtype=np.float64) / 1000, 2)
        y = np.tile(np.array([-1.0, 1.0]), x.shape[0] // 2)
        self._peak_lines.setData(x, y)

    def view_changed(self, start_ms: int, end_ms: int, width_px: int) -> None:
        super().view_changed(start_ms, end_ms, width_px)
        self._redraw()

    def clear(self) -> None:
        self._pyramid = None
        self._samples = None
        self._drawn_view = None
        self._curve.setData([], [])
        self._peak_lines.setData([], [])

    def _redraw(self) -> None:
        if self._pyramid is None or self._samples is None or self._view is None or self._view == self._drawn_view:
            return
        start_ms, end_ms, width_px = self._view
        x, y = waveform_points(self._pyramid, self._samples, start_ms, end_ms, 2 * width_px)
        self._curve.setData(x, y, skipFiniteCheck=True)
        self._drawn_view = self._view


class BandTrack(Track):
    """A curve with its μ ± kσ band, μ as a dashed line and one red marker per peak (hover: time and z).

    The envelope and the motion rows share this; a subclass makes the curve, fits Y (``_fit_y``), redraws
    the curve for the view (``_redraw``) and says what a marker's tooltip reads (``marker_tooltip``)."""

    shows_values = True

    def __init__(self, curve: pg.PlotCurveItem) -> None:
        super().__init__()
        self._curve = curve
        self._band = pg.LinearRegionItem(
            (0.0, 0.0), orientation="horizontal", movable=False, brush=BAND_BRUSH, pen=pg.mkPen(BAND_EDGE)
        )
        self._band.setZValue(-10)
        self._band.hide()
        self._mean = pg.InfiniteLine(angle=0, pen=pg.mkPen(MEAN_COLOR, width=1, style=Qt.PenStyle.DashLine))
        self._mean.hide()
        self._markers = pg.ScatterPlotItem(
            size=8,
            symbol="o",
            pen=pg.mkPen("#1d1f21", width=1),
            brush=pg.mkBrush(PEAK_COLOR),
            hoverable=True,
            tip=lambda x, y, data: self.marker_tooltip(int(data)),
        )
        self._markers.setZValue(20)
        self._caption = pg.TextItem("", color=FOREGROUND, anchor=(0, 0), fill=CAPTION_FILL)
        self._values: np.ndarray | None = None
        self._band_values: tuple[float, float] | None = None
        self._fit_with_next_band = False
        self._drawn_view: tuple[int, int, int] | None = None

    @property
    def curve(self) -> pg.PlotCurveItem:
        return self._curve

    @property
    def markers(self) -> pg.ScatterPlotItem:
        return self._markers

    @property
    def band(self) -> pg.LinearRegionItem:
        return self._band

    @property
    def mean_line(self) -> pg.InfiniteLine:
        return self._mean

    @property
    def caption(self) -> pg.TextItem:
        return self._caption

    def _items(self) -> tuple[pg.GraphicsObject, ...]:
        """The items added to the row's plot, bottom first."""
        return (self._band, self._curve, self._mean, self._markers)

    def attach(self, plot: pg.PlotItem) -> None:
        super().attach(plot)
        for item in self._items():
            plot.addItem(item, ignoreBounds=True)
        self._caption.setParentItem(plot.vb)
        self._caption.setPos(2, 1)

    def set_band(self, mean: float, low: float, high: float) -> None:
        """μ as a dashed line and [low, high] as a translucent band across the whole duration.

        The first band after new values is included in the Y range; later bands (k moves) leave it alone so
        the axis does not jump while the slider moves."""
        self._band_values = (float(low), float(high))
        self._band.setRegion(self._band_values)
        self._band.show()
        self._mean.setPos(float(mean))
        self._mean.show()
        if self._fit_with_next_band:
            self._fit_with_next_band = False
            self._fit_y()

    def _set_values(self, values: np.ndarray) -> None:
        """New curve values: Y fitted to them (and to the next band), curve redrawn."""
        self._values = values
        self._fit_with_next_band = True
        self._fit_y()
        self._drawn_view = None
        self._redraw()

    def _set_markers(self, x_s: np.ndarray, y: np.ndarray) -> None:
        self._markers.setData(x=x_s, y=y, data=np.arange(len(x_s)))

    def marker_tooltip(self, index: int) -> str:
        raise NotImplementedError

    def view_changed(self, start_ms: int, end_ms: int, width_px: int) -> None:
        super().view_changed(start_ms, end_ms, width_px)
        self._redraw()

    def clear(self) -> None:
        """No data; the Y scale back to the row's own (not the last media's)."""
        self._values = None
        self._band_values = None
        self.set_y_range(*type(self).y_range)
        self._drawn_view = None
        self._curve.setData([], [])
        self._markers.setData(x=[], y=[])
        self._band.hide()
        self._mean.hide()

    def _fit_y(self) -> None:
        raise NotImplementedError

    def _redraw(self) -> None:
        raise NotImplementedError


class EnvelopeTrack(BandTrack):
    """The per-window feature as a step curve, the μ ± kσ band, μ, and one red marker per peak."""

    key = "envelope"
    title = "Envelope"
    default_height = 130

    def __init__(self) -> None:
        super().__init__(pg.PlotCurveItem(pen=pg.mkPen(ENVELOPE_COLOR, width=1), antialias=False))
        self._window_ms = DEFAULT_WINDOW_MS
        self._peaks: tuple[Peak, ...] = ()

    def set_envelope(self, window_ms: int, values: np.ndarray, feature_label: str) -> None:
        """Per-window values (window i spans [i·window_ms, (i+1)·window_ms)); fits Y to them.

        Call :meth:`set_band` next: the first band after a new envelope is included in the Y range.
        """
        self._window_ms = int(window_ms)
        self._caption.setText(f"{feature_label} · {_window_label(self._window_ms)} windows")
        self._set_values(np.asarray(values, dtype=np.float32))

    def set_peaks(self, peaks: Sequence[Peak]) -> None:
        """One red marker per peak at (peak_ms, value), replacing the previous markers."""
        self._peaks = tuple(peaks)
        x = np.fromiter((peak.peak_ms for peak in self._peaks), dtype=np.float64, count=len(self._peaks)) / 1000
        y = np.fromiter((peak.value for peak in self._peaks), dtype=np.float64, count=len(self._peaks))
        self._set_markers(x, y)

    def marker_tooltip(self, index: int) -> str:
        """What hovering marker ``index`` shows: "02:13.480 (133.480 s) — z = +2.63"."""
        peak = self._peaks[index]
        return f"{format_ms(peak.peak_ms)} ({peak.peak_ms / 1000:.3f} s) — z = {peak.z:+.2f}"

    def clear(self) -> None:
        super().clear()
        self._peaks = ()
        self._caption.setText("")

    def _fit_y(self) -> None:
        if self._values is None or self._values.size == 0:
            return
        low, high = float(np.nanmin(self._values)), float(np.nanmax(self._values))
        if self._band_values is not None and not self._fit_with_next_band:
            low, high = min(low, self._band_values[0]), max(high, self._band_values[1])
        margin = (high - low) * 0.06 or 0.5
        self.set_y_range(low - margin, high + margin)

    def _redraw(self) -> None:
        if self._values is None or self._view is None or self._view == self._drawn_view:
            return
        start_ms, end_ms, width_px = self._view
        x, y = envelope_points(self._values, self._window_ms, start_ms, end_ms, 2 * width_px)
        self._curve.setData(x, y, skipFiniteCheck=True)
        self._drawn_view = self._view


@dataclass(frozen=True, slots=True)
class PeakParams:
    """What the peak controls ask for: the band's k, which tails, which feature, window length, robust."""

    k: float = DEFAULT_K
    tails: str = Tails.BOTH.value
    feature: str = Feature.RMS.value
    window_ms: int = DEFAULT_WINDOW_MS
    robust: bool = False


class PeakControlsPanel(QWidget):
    """k slider (0.5–5, steps of 0.1), tails, feature, window and robust controls; emits on every change."""

    params_changed = Signal(object)
    """A :class:`PeakParams`, live while the slider is dragged."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._slider = QSlider(Qt.Orientation.Horizontal)
        self._slider.setRange(round(K_MIN / K_STEP), round(K_MAX / K_STEP))
        self._slider.setSingleStep(1)
        self._slider.setPageStep(5)
        self._slider.setTickPosition(QSlider.TickPosition.TicksBelow)
        self._slider.setTickInterval(5)
        self._slider.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self._slider.setAccessibleName("k (band half-width in standard deviations)")
        self._k_label = QLabel()
        self._k_label.setMinimumWidth(self._k_label.fontMetrics().horizontalAdvance("k = 5.0") + 4)
        self._tails = QComboBox()
        for value, label in TAILS_LABELS.items():
            self._tails.addItem(label, value)
        self._feature = QComboBox()
        for value, label in FEATURE_LABELS.items():
            self._feature.addItem(label, value)
        self._window = QComboBox()
        for ms in WINDOW_CHOICES_MS:
            self._window.addItem(_window_label(ms), ms)
        self._robust = QCheckBox("median/MAD")
        self._robust.setToolTip("Centre and scale the band with the median and the MAD instead of μ and σ")

        # One row, so the timeline keeps the height: k's slider takes the slack.
        row = QHBoxLayout(self)
        row.setContentsMargins(6, 2, 6, 2)
        row.addWidget(self._buddy("&k:", self._slider))
        row.addWidget(self._slider, 3)
        row.addWidget(self._k_label)
        # mnemonics apart from the menu bar's (File, Edit, Transcript, Analyze, View, Playback, Help)
        for text, control in (("Ta&ils:", self._tails), ("Feat&ure:", self._feature), ("&Window:", self._window)):
            row.addSpacing(10)
            row.addWidget(self._buddy(text, control))
            row.addWidget(control)
        row.addSpacing(10)
        row.addWidget(self._robust)
        QWidget.setTabOrder(self._slider, self._tails)
        QWidget.setTabOrder(self._tails, self._feature)
        QWidget.setTabOrder(self._feature, self._window)
        QWidget.setTabOrder(self._window, self._robust)

        self.set_params(PeakParams())
        self._slider.valueChanged.connect(self._on_slider_value_changed)
        self._tails.currentIndexChanged.connect(self._on_control_changed)
        self._feature.currentIndexChanged.connect(self._on_control_changed)
        self._window.currentIndexChanged.connect(self._on_control_changed)
        self._robust.toggled.connect(self._on_control_changed)

    @property
    def slider(self) -> QSlider:
        return self._slider

    @property
    def tails_combo(self) -> QComboBox:
        return self._tails

    @property
    def feature_combo(self) -> QComboBox:
        return self._feature

    @property
    def window_combo(self) -> QComboBox:
        return self._window

    @property
    def robust_check(self) -> QCheckBox:
        return self._robust

    def params(self) -> PeakParams:
        return PeakParams(
            k=round(self._slider.value() * K_STEP, 1),
            tails=self._tails.currentData(),
            feature=self._feature.currentData(),
            window_ms=self._window.currentData(),
            robust=self._robust.isChecked(),
        )

    def set_params(self, params: PeakParams) -> None:
        """Show ``params`` without emitting ``params_changed``."""
        if not K_MIN - 1e-9 <= params.k <= K_MAX + 1e-9:
            raise ValueError(f"k must lie between {K_MIN} and {K_MAX} (got {params.k})")
        indices = {
            self._tails: self._tails.findData(Tails(params.tails).value),
            self._feature: self._feature.findData(Feature(params.feature).value),
            self._window: self._window.findData(params.window_ms),
        }
        if indices[self._window] < 0:
            raise ValueError(f"the window must be one of {WINDOW_CHOICES_MS} ms (got {params.window_ms})")
        with QSignalBlocker(self._slider):
            self._slider.setValue(round(params.k / K_STEP))
        for combo, index in indices.items():
            with QSignalBlocker(combo):
                combo.setCurrentIndex(index)
        with QSignalBlocker(self._robust):
            self._robust.setChecked(params.robust)
        self._show_k()

    def _buddy(self, text: str, widget: QWidget) -> QLabel:
        label = QLabel(text)
        label.setBuddy(widget)
        return label

    def _show_k(self) -> None:
        self._k_label.setText(f"k = {self._slider.value() * K_STEP:.1f}")

    def _on_slider_value_changed(self, _value: int) -> None:
        self._show_k()
        self.params_changed.emit(self.params())

    def _on_control_changed(self, *_args: object) -> None:
        self.params_changed.emit(self.params())
