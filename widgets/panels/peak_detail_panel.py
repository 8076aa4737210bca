"""The flow around one flagged moment, as a figure: the frames a second before, at and after the moment, and
for each of the two intervals the heatmap of the flow's magnitude (with its colour scale), the heatmap over
the frame and the flow's arrows, with the figures in words.

Two speeds are given and named apart (see :mod:`analysis.peak_detail`): the flow between the consecutive
frames at t, the Motion track's own value; and the net motion over each second, which the pictures draw.
A stored cut between the frames compared is said plainly: flow across a cut is not motion.

The owner computes the :class:`~analysis.peak_detail.PeakDetail` off the GUI thread (``set_busy`` meanwhile)
and hands it over with ``set_detail``. The figure can be saved as a PNG, exactly as shown.
"""

from __future__ import annotations

import logging
from pathlib import Path

import numpy as np
from PySide6.QtCore import QRect, QSize, Qt
from PySide6.QtGui import QImage, QPainter, QPaintEvent
from PySide6.QtWidgets import (
    QFileDialog,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QMessageBox,
    QPushButton,
    QSizePolicy,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from analysis.flow_render import colour_scale
from analysis.motion import REFERENCE_WIDTH
from analysis.peak_detail import FlowInterval, PeakDetail
from app.timecode import format_ms

log = logging.getLogger(__name__)

EMPTY_TEXT = "Select a flagged segment"
BUSY_TEXT = "Computing…"
IMAGE_KINDS = ("heatmap", "overlay", "vectors")
KIND_LABELS = {"heatmap": "Heatmap", "overlay": "Heatmap over the frame", "vectors": "Flow vectors"}
SHORTENED_MS = 50
"""An interval this much shorter than the offset was cut short by the end of the video (and says so)."""
METHOD_NAMES = {"dis": "DIS", "farneback": "Farneback"}


def cut_note(cut_ms: int | None) -> str:
    """What is said of flow computed across a stored cut ('' when there is none)."""
    if cut_ms is None:
        return ""
    return f"a cut lies between these frames (at {format_ms(cut_ms)}): this flow is not motion"


def _to_qimage(rgb: np.ndarray) -> QImage:
    """A QImage owning a copy of an H×W×3 uint8 RGB array."""
    rgb = np.ascontiguousarray(rgb, dtype=np.uint8)
    height, width = rgb.shape[:2]
    return QImage(rgb.data, width, height, 3 * width, QImage.Format.Format_RGB888).copy()


class ImageView(QWidget):
    """Paints one image as large as its rectangle allows, keeping the image's aspect ratio: centred across,
    at the top (so it stays under its caption); or, ``stretch``ed, over the whole widget."""

    def __init__(self, parent: QWidget | None = None, stretch: bool = False) -> None:
        super().__init__(parent)
        self._stretch = stretch
        self._image = QImage()
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.setMinimumSize(64, 36)

    def image(self) -> QImage:
        return self._image

    def set_image(self, rgb: np.ndarray | None) -> None:
        self._image = QImage() if rgb is None else _to_qimage(rgb)
        self.update()

    def image_rect(self) -> QRect:
        """Where the image is painted, in the widget's coordinates (empty when there is no image)."""
        if self._image.isNull():
            return QRect()
        if self._stretch:
            return self.rect()
        size = self._image.size().scaled(self.size(), Qt.AspectRatioMode.KeepAspectRatio)
        return QRect((self.width() - size.width()) // 2, 0, size.width(), size.height())

    def sizeHint(self) -> QSize:  # Qt's name
        return QSize(240, 135)

    def paintEvent(self, event: QPaintEvent) -> None:  # Qt's name
        if self._image.isNull():
            return
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform)
        painter.drawImage(self.image_rect(), self._image)


class ColourBar(QWidget):
    """The heatmaps' colour scale: '0', the colours, and the top of the scale in px/s."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.caption = QLabel("Heatmap colours:", self)
        self.minimum_label = QLabel("0", self)
        self.view = ImageView(self, stretch=True)
        self.view.setMinimumSize(60, 10)
        self.view.setFixedHeight(14)
        self.view.set_image(np.repeat(colour_scale(256), 14, axis=0))
        self.maximum_label = QLabel(self)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 4, 0, 0)
        layout.setSpacing(6)
        layout.addWidget(self.caption)
        layout.addWidget(self.minimum_label)
        layout.addWidget(self.view, 1)
        layout.addWidget(self.maximum_label)

    def set_maximum(self, px_s: float) -> None:
        self.maximum_label.setText(f"{px_s:.1f} px/s")


class _Cell(QWidget):
    """A caption above an image."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.caption = QLabel(self)
        self.caption.setAlignment(Qt.AlignmentFlag.AlignHCenter)
        self.view = ImageView(self)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(1)
        layout.addWidget(self.caption)
        layout.addWidget(self.view, 1)


class PeakDetailPanel(QWidget):
    """Frames at t − 1 s, t, t + 1 s; heatmap, overlay and vectors of t − 1 s → t and t → t + 1 s; magnitudes."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._detail: PeakDetail | None = None
        self._title = ""

        self.message_label = QLabel(self)
        self.message_label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.message_label.setWordWrap(True)
        self.message_label.setStyleSheet("color: #909090;")

        self.figure = QWidget(self)
        """What is shown and saved: title, magnitudes, the grid of images, the colour scale."""
        self.title_label = QLabel(self.figure)
        font = self.title_label.font()
        font.setBold(True)
        self.title_label.setFont(font)
        self.title_label.setWordWrap(True)
        self.magnitude_label = QLabel(self.figure)
        self.magnitude_label.setWordWrap(True)
        self.magnitude_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.colour_bar = ColourBar(self.figure)
        self.scale_label = QLabel(self.figure)
        self.scale_label.setStyleSheet("color: #909090;")
        self.scale_label.setWordWrap(True)

        self.cells: dict[str, _Cell] = {}
        """Image cells by name: frame_before, frame_at, frame_after, then <kind>_before and <kind>_after."""
        self.interval_labels: dict[str, QLabel] = {}
        grid = QGridLayout()
        grid.setContentsMargins(0, 0, 0, 0)
        grid.setHorizontalSpacing(6)
        grid.setVerticalSpacing(2)
        for column, name in enumerate(("frame_before", "frame_at", "frame_after")):
            self.cells[name] = _Cell(self.figure)
            grid.addWidget(self.cells[name], 0, column)
        for block, side in enumerate(("before", "after")):
            label = QLabel(self.figure)
            font = label.font()
            font.setBold(True)
            label.setFont(font)
            label.setContentsMargins(0, 6, 0, 0)
            label.setWordWrap(True)
            self.interval_labels[side] = label
            grid.addWidget(label, 1 + 2 * block, 0, 1, 3)
            for column, kind in enumerate(IMAGE_KINDS):
                cell = _Cell(self.figure)
                cell.caption.setText(KIND_LABELS[kind])
                self.cells[f"{kind}_{side}"] = cell
                grid.addWidget(cell, 2 + 2 * block, column)
        for row in (0, 2, 4):
            grid.setRowStretch(row, 1)
        for column in range(3):
            grid.setColumnStretch(column, 1)
        figure_layout = QVBoxLayout(self.figure)
        figure_layout.setContentsMargins(6, 6, 6, 6)
        figure_layout.setSpacing(3)
        figure_layout.addWidget(self.title_label)
        figure_layout.addWidget(self.magnitude_label)
        figure_layout.addLayout(grid, 1)
        figure_layout.addWidget(self.colour_bar)
        figure_layout.addWidget(self.scale_label)
        self.figure.setAutoFillBackground(True)

        self._stack = QStackedWidget(self)
        self._stack.addWidget(self.message_label)
        self._stack.addWidget(self.figure)
        self.save_button = QPushButton("Save PNG…", self)
        self.save_button.setToolTip("Save the figure as shown as a PNG image")
        self.save_button.clicked.connect(self._on_save_button_clicked)
        bar = QHBoxLayout()
        bar.setContentsMargins(6, 0, 6, 4)
        bar.addStretch(1)
        bar.addWidget(self.save_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        layout.addWidget(self._stack, 1)
        layout.addLayout(bar)
        self.set_detail(None, "")

    def detail(self) -> PeakDetail | None:
        """The detail shown (None in the empty and busy states)."""
        return self._detail

    def message(self) -> str | None:
        """The text shown instead of the figure, or None while the figure is shown."""
        return self.message_label.text() if self._stack.currentWidget() is self.message_label else None

    def set_detail(self, detail: PeakDetail | None, title: str) -> None:
        """Show ``detail`` under ``title``; None shows the empty state."""
        self._detail = detail
        self._title = title
        if detail is None:
            self._show_message(EMPTY_TEXT)
            for cell in self.cells.values():
                cell.view.set_image(None)
            return
        offset = f"{detail.offset_ms / 1000:g} s"
        names = (f"t − {offset}", "t", f"t + {offset}")
        for name, key, when, frame in zip(
            names, ("frame_before", "frame_at", "frame_after"), detail.times_ms, detail.frames, strict=True
        ):
            self.cells[key].caption.setText(f"{name} · {format_ms(when)}")
            self.cells[key].view.set_image(frame)
        spans = {"before": f"t − {offset} → t", "after": f"t → t + {offset}"}
        for side, interval in (("before", detail.before), ("after", detail.after)):
            self.interval_labels[side].setText(f"{spans[side]}   ·   {self._describe(interval)}")
            for kind in IMAGE_KINDS:
                self.cells[f"{kind}_{side}"].view.set_image(getattr(interval, kind))
        self.magnitude_label.setText(self._headline(detail, spans))
        self.title_label.setText(title or f"Flow around {format_ms(detail.moment_ms)}")
        self.colour_bar.set_maximum(detail.heat_scale)
        method = METHOD_NAMES.get(detail.method.value, detail.method.value)
        self.scale_label.setText(
            f"Speeds in pixels per second of a {REFERENCE_WIDTH}-pixel-wide picture; {method} flow on grey frames "
            f"{detail.width} px wide. The pictures show the flow between frames {offset} apart: where things "
            f"ended up, not the path they took (fast motion reads low). Heatmaps: blue = still, "
            f"red = {detail.heat_scale:.1f} px/s or more."
        )
        self._stack.setCurrentWidget(self.figure)
        self.save_button.setEnabled(True)

    def set_busy(self, text: str = BUSY_TEXT) -> None:
        """Show ``text`` instead of the figure while a detail is computed (or to say why there is none)."""
        self._detail = None
        self._show_message(text)

    def save_png(self, path: str | Path) -> bool:
        """Render the figure, as shown, to a PNG file; False when nothing is shown or the file cannot be written."""
        if self._detail is None:
            return False
        return self.figure.grab().save(str(path), "PNG")

    @staticmethod
    def _headline(detail: PeakDetail, spans: dict[str, str]) -> str:
        """The two speeds, named apart: the consecutive frames at t (the track's), the net motion per second."""
        pair = detail.pair
        method = METHOD_NAMES.get(detail.method.value, detail.method.value)
        if pair.end_ms > pair.start_ms:
            at = (
                f"At t, {method} flow between consecutive frames ({format_ms(pair.start_ms)} → "
                f"{format_ms(pair.end_ms)}), as the Motion track measures it: {pair.magnitude:.2f} px/s"
            )
            if pair.cut_ms is not None:
                at += f" — {cut_note(pair.cut_ms)}"
        else:
            at = "At t: no next frame (the end of the video), no speed between consecutive frames"
        before, after = detail.magnitudes
        net = f"Net motion over the second: {spans['before']} {before:.2f} px/s, {spans['after']} {after:.2f} px/s"
        return f"{at}\n{net}"

    def _describe(self, interval: FlowInterval) -> str:
        span_ms = interval.end_ms - interval.start_ms
        text = (
            f"net motion {interval.magnitude:.2f} px/s, mean flow {interval.mean_px:.2f} px in {span_ms / 1000:.2f} s"
        )
        if self._detail is not None and span_ms < self._detail.offset_ms - SHORTENED_MS:
            text += " (shortened at the end of the video)"
        if interval.cut_ms is not None:
            text += f" — {cut_note(interval.cut_ms)}"
        return text

    def _show_message(self, text: str) -> None:
        self.message_label.setText(text)
        self._stack.setCurrentWidget(self.message_label)
        self.save_button.setEnabled(False)

    def _on_save_button_clicked(self) -> None:
        if self._detail is None:
            return
        suggested = f"flow_{self._detail.moment_ms / 1000:.3f}s.png"
        path, _ = QFileDialog.getSaveFileName(self, "Save the flow figure", suggested, "PNG image (*.png)")
        if not path:
            return
        if not path.lower().endswith(".png"):
            path += ".png"
        if not self.save_png(path):
            log.warning("could not write %s", path)
            QMessageBox.warning(self, "Save PNG", f"The figure could not be written to {path}.")
