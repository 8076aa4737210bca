"""The emotions panel: how each person's emotions are distributed, over the whole video and around a moment.

For the person picked in the combo: the share of their time on screen spent in each dominant emotion (one
horizontal bar per emotion, named on the left, its percentage written at its end) and their emotions over
time (mean probabilities stacked 0…1 in bins of 10 s or more, so that a long video gets at most
:data:`MAX_BINS` bins); side by side in a wide panel, one above the other in a narrow dock. Below, "around
the selected segment": for every person on screen in that window, the share of each emotion as one stacked
bar.

The numbers come from the owner (:meth:`EmotionPanel.set_persons`, :meth:`~EmotionPanel.set_series`,
:meth:`~EmotionPanel.set_segment_shares`), each with the emotion labels of the run's classifier (FER2013's
seven when not given); the panel only draws them and saves them as PNG, SVG or CSV.
"""

from __future__ import annotations

import csv
import logging
import math
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QPoint, QRect, QRectF, QSize, Qt, Signal
from PySide6.QtGui import QColor, QPainter, QPalette, QRegion, QResizeEvent
from PySide6.QtSvg import QSvgGenerator
from PySide6.QtWidgets import (
    QBoxLayout,
    QComboBox,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QMessageBox,
    QPushButton,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from analysis.fer_model import EMOTIONS
from app.model.csv_cells import safe_text
from app.timecode import format_seconds
from widgets.style import BACKGROUND, FOREGROUND, GRID, emotion_colors
from widgets.timeline.emotion_track import StackedAreasItem, probability_rows, stack_levels
from widgets.timeline.timeline_view import TimeAxisItem

log = logging.getLogger(__name__)

Person = tuple[int, str, float, dict[str, float]]
"""(id, name, seconds on screen, share of that time by dominant emotion)."""
BIN_STEPS_S = (10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600)
MAX_BINS = 360
"""The over-time chart uses the smallest bin of :data:`BIN_STEPS_S` that gives at most this many bins."""
CSV_HEADER = ("section", "person", "start_s", "end_s", "emotion", "value")
NO_PERSONS_TEXT = "No faces yet: run the face analysis to see each person's emotions."
NO_SEGMENT_TEXT = "Select a segment to compare the emotions of the persons on screen around it."
_BAR_WIDTH = 0.7
_SEGMENT_ROW_PX = 30
SIDE_BY_SIDE_MIN_PX = 800
"""Narrower than this (the dock at its default width), the over-time chart goes under the shares."""
SHARE_RANGE = (0.0, 1.3)
"""The shares' axis: 0…100 % and room after the bar for its percentage ("100 %" included)."""
_SHARE_ROW_PX = 22
_QT_MAX_SIZE = 16_777_215


def bin_seconds(duration_s: float) -> int:
    """The bin width for a series lasting ``duration_s`` (see :data:`MAX_BINS`)."""
    for step in BIN_STEPS_S:
        if duration_s / step <= MAX_BINS:
            return step
    return BIN_STEPS_S[-1] * math.ceil(duration_s / MAX_BINS / BIN_STEPS_S[-1])


def binned_means(
    times_s: np.ndarray, probabilities: np.ndarray, bin_s: float
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Mean probabilities [N, L] per bin [k·bin_s, (k+1)·bin_s), for the bins holding at least one sample.

    Returns the bins' starts and ends (s) and the means [M, L]; each row sums to what the samples' rows sum
    to (1 for probabilities).
    """
    columns = probabilities.shape[1]
    if times_s.size == 0:
        return np.zeros(0), np.zeros(0), np.zeros((0, columns))
    index = np.floor(times_s / bin_s).astype(np.int64)
    used, inverse = np.unique(index, return_inverse=True)
    sums = np.zeros((used.shape[0], columns), dtype=np.float64)
    np.add.at(sums, inverse, probabilities)
    counts = np.bincount(inverse, minlength=used.shape[0])
    return used * float(bin_s), (used + 1) * float(bin_s), sums / counts[:, None]


def _plot_widget(title: str, time_axis: bool = False) -> pg.PlotWidget:
    axis = {"bottom": TimeAxisItem("bottom")} if time_axis else {}
    widget = pg.PlotWidget(background=BACKGROUND, axisItems=axis)
    plot = widget.getPlotItem()
    if title:
        plot.setTitle(title, color=FOREGROUND)
    plot.setMenuEnabled(False)
    plot.hideButtons()
    plot.setMouseEnabled(x=False, y=False)
    for name in ("left", "bottom"):
        plot.getAxis(name).setPen(pg.mkPen(GRID))
        plot.getAxis(name).setTextPen(pg.mkPen(FOREGROUND))
    return widget


def _legend_html(labels: Sequence[str]) -> str:
    colors = emotion_colors(labels)
    items = (f'<span style="color:{color}">■</span>&nbsp;{name}' for name, color in zip(labels, colors, strict=True))
    return "&nbsp;&nbsp; ".join(items)  # a breakable space between entries: the legend wraps in a narrow dock


class EmotionPanel(QWidget):
    """Share of time per emotion and emotions over time for one person, and every person around a segment."""

    notice_action_requested = Signal()
    """the button of the notice was clicked (e.g. run the analysis again)"""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._persons: list[Person] = []
        self._labels: tuple[str, ...] = ()
        """the emotions of the persons' shares: the bars, their ticks and the legend"""
        self._series: dict[int, tuple[np.ndarray, np.ndarray, tuple[str, ...]]] = {}
        """person id → times, probabilities [N, L] and the L labels"""
        self._segment_title = ""
        self._segment: dict[str, dict[str, float]] | None = None
        self._segment_labels: tuple[str, ...] = ()
        self._fixed_bin_s: float | None = None

        self.person_combo = QComboBox(self)
        self.person_combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)
        self.person_combo.currentIndexChanged.connect(self._on_person_combo_changed)
        self.save_png_button = QPushButton("Save PNG…", self)
        self.save_svg_button = QPushButton("Save SVG…", self)
        self.save_csv_button = QPushButton("Save CSV…", self)
        self.save_png_button.setToolTip("Save the charts as shown as a PNG image")
        self.save_svg_button.setToolTip("Save the charts as shown as an SVG drawing")
        self.save_csv_button.setToolTip("Save the numbers behind the charts (every person) as CSV")
        self.save_png_button.clicked.connect(self._on_save_png_clicked)
        self.save_svg_button.clicked.connect(self._on_save_svg_clicked)
        self.save_csv_button.clicked.connect(self._on_save_csv_clicked)
        bar = QHBoxLayout()
        bar.setContentsMargins(6, 4, 6, 0)
        bar.addWidget(QLabel("Person:", self))
        bar.addWidget(self.person_combo)
        bar.addStretch(1)
        for button in (self.save_png_button, self.save_svg_button, self.save_csv_button):
            bar.addWidget(button)

        self.figure = QWidget(self)
        """What is shown and saved as PNG or SVG."""
        palette = self.figure.palette()
        palette.setColor(QPalette.ColorRole.Window, QColor(BACKGROUND))
        palette.setColor(QPalette.ColorRole.WindowText, QColor(FOREGROUND))
        self.figure.setPalette(palette)
        self.figure.setAutoFillBackground(True)
        self.header_label = QLabel(self.figure)
        font = self.header_label.font()
        font.setBold(True)
        self.header_label.setFont(font)
        self.header_label.setWordWrap(True)
        self.legend_label = QLabel(self.figure)
        self.legend_label.setWordWrap(True)

        self._share_widget = _plot_widget("Share of time on screen")
        self._share_plot = self._share_widget.getPlotItem()
        self._share_plot.invertY(True)  # the first emotion on top, as in the legend
        self._share_plot.hideAxis("bottom")  # each bar says its percentage
        self.share_bars = pg.BarGraphItem(x0=[], width=[], y=[], height=_BAR_WIDTH, pen=None)
        self._share_plot.addItem(self.share_bars)
        self.share_texts: list[pg.TextItem] = []

        self._time_widget = _plot_widget("Emotions over time", time_axis=True)
        self._time_plot = self._time_widget.getPlotItem()
        self._time_plot.setLabel("left", "mean probability", color=FOREGROUND)
        self._time_plot.setYRange(0, 1, padding=0)
        self.series_areas = StackedAreasItem()
        self._time_plot.addItem(self.series_areas)

        self.segment_label = QLabel(self.figure)
        self.segment_label.setWordWrap(True)
        self._segment_widget = _plot_widget("")
        self._segment_plot = self._segment_widget.getPlotItem()
        self._segment_plot.invertY(True)
        self._segment_plot.getAxis("left").setWidth(90)
        self._segment_plot.setXRange(0, 1, padding=0.03)
        self._segment_widget.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        self.segment_bars: list[pg.BarGraphItem] = []

        self._charts = charts = QBoxLayout(QBoxLayout.Direction.LeftToRight)
        charts.setContentsMargins(0, 0, 0, 0)
        charts.addWidget(self._share_widget, 2)
        charts.addWidget(self._time_widget, 3)
        self._time_widget.setMinimumHeight(180)
        figure_layout = QVBoxLayout(self.figure)
        figure_layout.setContentsMargins(6, 6, 6, 6)
        figure_layout.setSpacing(4)
        figure_layout.addWidget(self.header_label)
        figure_layout.addWidget(self.legend_label)
        figure_layout.addLayout(charts, 1)
        figure_layout.addWidget(self.segment_label)
        figure_layout.addWidget(self._segment_widget)

        self.notice_label = QLabel(self)
        self.notice_label.setWordWrap(True)
        self.notice_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.notice_button = QPushButton(self)
        self.notice_button.clicked.connect(self.notice_action_requested)
        notice = QHBoxLayout()
        notice.setContentsMargins(6, 4, 6, 0)
        notice.addWidget(self.notice_label, 1)
        notice.addWidget(self.notice_button, 0, Qt.AlignmentFlag.AlignTop)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(2)
        layout.addLayout(notice)
        layout.addLayout(bar)
        layout.addWidget(self.figure, 1)
        self.set_notice("")
        self._use_labels(EMOTIONS)
        self._use_segment_labels(EMOTIONS)
        self._show_person()
        self._show_segment()

    # Data -------------------------------------------------------------------------------------------------

    def set_notice(self, text: str, action: str = "") -> None:
        """A line above the charts (why nothing is shown) with a button ``action`` (none when empty); "" hides it."""
        self.notice_label.setText(text)
        self.notice_label.setVisible(bool(text))
        self.notice_button.setText(action)
        self.notice_button.setVisible(bool(text and action))

    def notice(self) -> str:
        return self.notice_label.text() if self.notice_label.isVisibleTo(self) else ""

    def set_persons(self, persons: Sequence[Person], labels: Sequence[str] = EMOTIONS) -> None:
        """The persons, in the order to list them; the person shown stays shown if still there. ``labels``: the
        run's emotions, the shares' keys in the order to draw them."""
        self._use_labels(labels)
        current = self.current_person()
        self._persons = [(int(pid), str(name), float(seconds), dict(shares)) for pid, name, seconds, shares in persons]
        ids = {pid for pid, *_ in self._persons}
        self._series = {pid: series for pid, series in self._series.items() if pid in ids}
        self.person_combo.blockSignals(True)
        self.person_combo.clear()
        for pid, name, _seconds, _shares in self._persons:
            self.person_combo.addItem(name, pid)
        index = self.person_combo.findData(current) if current is not None else -1
        self.person_combo.setCurrentIndex(max(index, 0) if self._persons else -1)
        self.person_combo.blockSignals(False)
        for button in (self.save_png_button, self.save_svg_button, self.save_csv_button):
            button.setEnabled(bool(self._persons))
        self._show_person()

    def set_series(
        self, person_id: int, times_s: np.ndarray, probabilities: np.ndarray, labels: Sequence[str] = EMOTIONS
    ) -> None:
        """A person's probabilities [N, L] at sorted times (s), ``labels`` naming the L columns in order."""
        times = np.asarray(times_s, dtype=np.float64).ravel()
        values = np.asarray(probability_rows(probabilities, labels), dtype=np.float64)
        if times.shape[0] != values.shape[0]:
            raise ValueError(f"{times.shape[0]} times for {values.shape[0]} rows of probabilities")
        keep = np.isfinite(values).all(axis=1) & np.isfinite(times)
        self._series[int(person_id)] = (times[keep], values[keep], tuple(labels))
        self._show_person()

    def set_bin_seconds(self, seconds: float | None) -> None:
        """Fix the over-time bins' width (None: chosen from the longest series, see :func:`bin_seconds`)."""
        if seconds is not None and not seconds > 0:
            raise ValueError(f"the bin width must be positive (got {seconds})")
        self._fixed_bin_s = seconds
        self._show_person()

    def set_segment_shares(
        self, title: str, shares: dict[str, dict[str, float]] | None, labels: Sequence[str] = EMOTIONS
    ) -> None:
        """Around the selected segment: person name → emotion → share, under ``title`` (None: no segment);
        ``labels``: the run's emotions in the order to stack them."""
        self._use_segment_labels(labels)
        self._segment_title = title
        self._segment = None if shares is None else {name: dict(by) for name, by in shares.items()}
        self._show_segment()

    def current_person(self) -> int | None:
        data = self.person_combo.currentData()
        return None if data is None else int(data)

    def set_current_person(self, person_id: int) -> None:
        index = self.person_combo.findData(int(person_id))
        if index >= 0:
            self.person_combo.setCurrentIndex(index)

    @property
    def bin_s(self) -> float:
        """The width of the over-time bins now in use."""
        if self._fixed_bin_s is not None:
            return self._fixed_bin_s
        ends = [float(times[-1]) for times, _values, _labels in self._series.values() if times.size]
        return float(bin_seconds(max(ends, default=0.0)))

    def binned_series(self, person_id: int) -> tuple[np.ndarray, np.ndarray, np.ndarray] | None:
        """The bins the over-time chart shows for a person (starts, ends, mean probabilities [M, L] in the order
        of the labels given with the series), or None."""
        series = self._series.get(int(person_id))
        if series is None:
            return None
        return binned_means(series[0], series[1], self.bin_s)

    # Saving -----------------------------------------------------------------------------------------------

    def save_png(self, path: str | Path) -> bool:
        """The charts as shown, as a PNG image."""
        return self.figure.grab().save(str(path), "PNG")

    def save_svg(self, path: str | Path) -> bool:
        """The charts as shown, as an SVG drawing: bars, axes and text as vector shapes, not pictures."""
        size = self.figure.size()
        generator = QSvgGenerator()
        generator.setFileName(str(path))
        generator.setSize(size)
        generator.setViewBox(QRect(0, 0, size.width(), size.height()))
        generator.setTitle("Salient: emotions")
        generator.setResolution(self.figure.logicalDpiX())
        painter = QPainter()
        if not painter.begin(generator):
            return False
        try:
            self._paint_figure(painter)
        finally:
            painter.end()
        return Path(path).is_file()

    def _paint_figure(self, painter: QPainter) -> None:
        """Paint the figure child by child: a plot through its scene (QWidget.render would hand the painter a
        picture of the plot), anything else through QWidget.render."""
        painter.fillRect(QRect(QPoint(0, 0), self.figure.size()), QColor(BACKGROUND))
        for child in self.figure.findChildren(QWidget, options=Qt.FindChildOption.FindDirectChildrenOnly):
            if not child.isVisible():
                continue
            geometry = child.geometry()
            if isinstance(child, pg.GraphicsView):
                source = child.mapToScene(child.viewport().rect()).boundingRect()
                painter.fillRect(geometry, child.backgroundBrush())
                child.scene().render(painter, QRectF(geometry), source)
            else:
                child.render(painter, geometry.topLeft(), QRegion(), QWidget.RenderFlag.DrawChildren)

    def save_csv(self, path: str | Path) -> bool:
        """The numbers behind the charts, for every person, in long form (see :meth:`csv_rows`)."""
        try:
            with open(path, "w", newline="", encoding="utf-8") as handle:
                writer = csv.writer(handle, lineterminator="\n")
                writer.writerow(CSV_HEADER)
                writer.writerows(
                    (section, safe_text(person), start, end, safe_text(emotion), value)
                    for section, person, start, end, emotion, value in self.csv_rows()
                )
        except OSError as exc:
            log.warning("could not write %s: %s", path, exc)
            return False
        return True

    def csv_rows(self) -> list[tuple[str, str, str, str, str, str]]:
        """Rows under :data:`CSV_HEADER`: per person ``visible`` (seconds on screen) and ``share`` (one row per
        emotion), then ``series`` (per bin holding samples and emotion: the mean probability), then
        ``segment`` (per person around the selected segment and emotion: the share)."""
        rows: list[tuple[str, str, str, str, str, str]] = []
        for _pid, name, seconds, shares in self._persons:
            rows.append(("visible", name, "", "", "", f"{seconds:.3f}"))
            rows.extend(("share", name, "", "", emotion, f"{shares.get(emotion, 0.0):.4f}") for emotion in self._labels)
        for pid, name, _seconds, _shares in self._persons:
            binned = self.binned_series(pid)
            if binned is None:
                continue
            labels = self._series[pid][2]
            for start, end, means in zip(binned[0].tolist(), binned[1].tolist(), binned[2].tolist(), strict=True):
                for emotion, mean in zip(labels, means, strict=True):
                    rows.append(("series", name, f"{start:.3f}", f"{end:.3f}", emotion, f"{mean:.4f}"))
        for name, shares in (self._segment or {}).items():
            rows.extend(
                ("segment", name, "", "", emotion, f"{shares.get(emotion, 0.0):.4f}")
                for emotion in self._segment_labels
            )
        return rows

    def sizeHint(self) -> QSize:  # Qt's name
        return QSize(900, 520)

    @property
    def side_by_side(self) -> bool:
        """Whether the shares and the over-time chart are side by side (else the shares are on top)."""
        return self._charts.direction() == QBoxLayout.Direction.LeftToRight

    def resizeEvent(self, event: QResizeEvent) -> None:  # Qt's name
        super().resizeEvent(event)
        wide = event.size().width() >= SIDE_BY_SIDE_MIN_PX
        if wide != self.side_by_side:
            self._charts.setDirection(QBoxLayout.Direction.LeftToRight if wide else QBoxLayout.Direction.TopToBottom)
            self._charts.setStretch(0, 2 if wide else 1)
            self._charts.setStretch(1, 3 if wide else 2)
            self._fit_share_height()

    def _fit_share_height(self) -> None:
        """At least a readable row per emotion; on top of the over-time chart, no more than it needs."""
        rows = max(len(self._labels), 1)
        self._share_widget.setMinimumHeight(48 + _SHARE_ROW_PX * rows)
        self._share_widget.setMaximumHeight(_QT_MAX_SIZE if self.side_by_side else 60 + 2 * _SHARE_ROW_PX * rows)

    # Drawing ----------------------------------------------------------------------------------------------

    def _person(self, person_id: int | None) -> Person | None:
        return next((person for person in self._persons if person[0] == person_id), None)

    def _show_person(self) -> None:
        person = self._person(self.current_person())
        if person is None:
            self.header_label.setText(NO_PERSONS_TEXT)
            values = np.zeros(len(self._labels))
        else:
            pid, name, seconds, shares = person
            self.header_label.setText(f"{name} · on screen {format_seconds(seconds, 0)}")
            values = np.array([shares.get(emotion, 0.0) for emotion in self._labels], dtype=np.float64)
        self.share_bars.setOpts(width=values)
        for index, (text, value) in enumerate(zip(self.share_texts, values.tolist(), strict=True)):
            text.setText(f"{value * 100:.0f} %" if person is not None else "")
            text.setPos(value, index)
        binned = None if person is None else self.binned_series(person[0])
        if binned is None:
            self.series_areas.set_columns(np.zeros(0), np.zeros(0), np.zeros((0, len(self._labels))), self._labels)
            self._time_plot.setTitle("Emotions over time", color=FOREGROUND)
            return
        starts, ends, means = binned
        self.series_areas.set_columns(starts, ends, means, self._series[person[0]][2])
        self._time_plot.setTitle(f"Emotions over time ({self.bin_s:g} s bins)", color=FOREGROUND)
        right = float(ends[-1]) if ends.size else 1.0
        self._time_plot.setXRange(0, right, padding=0.01)
        self._time_plot.getAxis("bottom").set_show_hours(right >= 3600)

    def _show_segment(self) -> None:
        shares = self._segment
        if shares is None:
            self.segment_label.setText(NO_SEGMENT_TEXT)
            self._segment_widget.hide()
            return
        names = list(shares)
        if not names:
            self.segment_label.setText(f"<b>{self._segment_title}</b> · nobody on screen")
            self._segment_widget.hide()
            return
        self.segment_label.setText(f"<b>Around the selected segment</b> · {self._segment_title}")
        values = np.array([[shares[name].get(emotion, 0.0) for emotion in self._segment_labels] for name in names])
        levels = stack_levels(values)
        rows = np.arange(len(names), dtype=np.float64)
        for index, item in enumerate(self.segment_bars):
            item.setOpts(x0=levels[:, index], width=values[:, index], y=rows, height=_BAR_WIDTH)
        self._segment_plot.getAxis("left").setTicks([list(enumerate(names))])
        self._segment_plot.setYRange(-0.5, len(names) - 0.5, padding=0)
        self._segment_widget.setFixedHeight(36 + _SEGMENT_ROW_PX * len(names))
        self._segment_widget.show()

    def _use_labels(self, labels: Sequence[str]) -> None:
        """Draw the shares of these emotions: one bar and one percentage each, the ticks and the legend."""
        labels = tuple(labels)
        if labels == self._labels:
            return
        self._labels = labels
        count = len(labels)
        self.legend_label.setText(_legend_html(labels))
        self._share_plot.getAxis("left").setTicks([list(enumerate(labels))])
        self._share_plot.setRange(xRange=SHARE_RANGE, yRange=(-0.5, count - 0.5), padding=0)
        self._fit_share_height()
        brushes = [pg.mkBrush(color) for color in emotion_colors(labels)]
        self.share_bars.setOpts(x0=np.zeros(count), y=np.arange(count), width=np.zeros(count), brushes=brushes)
        for text in self.share_texts:
            self._share_plot.removeItem(text)
        self.share_texts = [pg.TextItem("", color=FOREGROUND, anchor=(0.0, 0.5)) for _ in labels]
        for index, text in enumerate(self.share_texts):
            text.setPos(0, index)
            self._share_plot.addItem(text)

    def _use_segment_labels(self, labels: Sequence[str]) -> None:
        """Stack these emotions around the segment: one bar item per emotion, in its colour."""
        labels = tuple(labels)
        if labels == self._segment_labels:
            return
        self._segment_labels = labels
        for item in self.segment_bars:
            self._segment_plot.removeItem(item)
        self.segment_bars = [
            pg.BarGraphItem(x0=[], width=[], y=[], height=_BAR_WIDTH, brush=color, pen=None)
            for color in emotion_colors(labels)
        ]
        for item in self.segment_bars:
            self._segment_plot.addItem(item)

    # Slots ------------------------------------------------------------------------------------------------

    def _on_person_combo_changed(self, _index: int) -> None:
        self._show_person()

    def _save_with_dialog(self, caption: str, suffix: str, filter_text: str, save: Callable[[Path], bool]) -> None:
        path, _ = QFileDialog.getSaveFileName(self, caption, f"emotions.{suffix}", filter_text)
        if not path:
            return
        if not path.lower().endswith(f".{suffix}"):
            path += f".{suffix}"
        if not save(Path(path)):
            log.warning("could not write %s", path)
            QMessageBox.warning(self, caption, f"The file {path} could not be written.")

    def _on_save_png_clicked(self) -> None:
        self._save_with_dialog("Save the emotion charts", "png", "PNG image (*.png)", self.save_png)

    def _on_save_svg_clicked(self) -> None:
        self._save_with_dialog("Save the emotion charts", "svg", "SVG drawing (*.svg)", self.save_svg)

    def _on_save_csv_clicked(self) -> None:
        self._save_with_dialog("Save the emotion numbers", "csv", "CSV table (*.csv)", self.save_csv)
