"""The toolbar of the flow overlays on the video: which overlays, the heatmap's opacity, the arrows' spacing
and the flow method. It only emits what the user chose; the app layer computes and paints."""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QAction, QImage, QKeySequence, QPixmap
from PySide6.QtWidgets import QComboBox, QHBoxLayout, QLabel, QSlider, QToolBar, QWidget

from analysis.flow_render import HEATMAP_MAX_PX_S, colour_scale
from analysis.motion import REFERENCE_WIDTH

METHODS = (("DIS", "dis"), ("Farneback", "farneback"))
"""Shown name and value (analysis.motion.FlowMethod's) of each flow method."""


class OverlayToolbar(QToolBar):
    heatmap_toggled = Signal(bool)
    vectors_toggled = Signal(bool)
    opacity_changed = Signal(float)
    """0 … 1"""
    spacing_changed = Signal(int)
    """pixels of the frame between arrows"""
    method_changed = Signal(str)
    """'dis' or 'farneback'"""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__("Flow overlays", parent)
        self.setObjectName("overlay_toolbar")
        self.heatmap_action = self._toggle(
            "Flow heatmap", "H", "Colour the frame by how fast it moves (JET: blue still, red fast)"
        )
        self.heatmap_action.toggled.connect(self.heatmap_toggled)
        self.vectors_action = self._toggle("Flow vectors", "V", "Arrows showing where each part of the frame moves")
        self.vectors_action.toggled.connect(self.vectors_toggled)
        self.addSeparator()

        self.opacity_slider = self._slider(0, 100, 50, "Heatmap opacity")
        self.opacity_label = QLabel(self)
        self.opacity_slider.valueChanged.connect(self._on_opacity_slider_value_changed)
        self.addWidget(QLabel(" Opacity ", self))
        self.addWidget(self.opacity_slider)
        self.addWidget(self.opacity_label)
        self.legend = self._legend(HEATMAP_MAX_PX_S)
        self.addWidget(self.legend)

        self.spacing_slider = self._slider(8, 64, 16, "Distance between arrows, in pixels of the frame")
        self.spacing_label = QLabel(self)
        self.spacing_slider.valueChanged.connect(self._on_spacing_slider_value_changed)
        self.addWidget(QLabel(" Spacing ", self))
        self.addWidget(self.spacing_slider)
        self.addWidget(self.spacing_label)
        self.addSeparator()

        self.method_combo = QComboBox(self)
        self.method_combo.setToolTip("Optical flow method: DIS is fast; Farneback is the original project's")
        for name, value in METHODS:
            self.method_combo.addItem(name, value)
        self.method_combo.currentIndexChanged.connect(
            lambda _: self.method_changed.emit(self.method_combo.currentData())
        )
        self.addWidget(QLabel(" Flow ", self))
        self.addWidget(self.method_combo)
        self._show_values()

    def _toggle(self, text: str, shortcut: str, tip: str) -> QAction:
        action = QAction(text, self)
        action.setCheckable(True)
        action.setShortcut(QKeySequence(shortcut))
        action.setToolTip(f"{tip} ({shortcut})")
        action.setStatusTip(tip)
        self.addAction(action)
        return action

    def _legend(self, max_px_s: float) -> QWidget:
        """The heatmap's colour scale: '0', the colours, the top of the fixed scale in px/s."""
        legend = QWidget(self)
        layout = QHBoxLayout(legend)
        layout.setContentsMargins(6, 0, 6, 0)
        layout.setSpacing(3)
        rgb = np.ascontiguousarray(np.repeat(colour_scale(72), 10, axis=0))
        image = QImage(rgb.data, rgb.shape[1], rgb.shape[0], 3 * rgb.shape[1], QImage.Format.Format_RGB888)
        self.legend_bar = QLabel(legend)
        self.legend_bar.setPixmap(QPixmap.fromImage(image.copy()))
        self.legend_label = QLabel(f"{max_px_s:g} px/s", legend)
        layout.addWidget(QLabel("0", legend))
        layout.addWidget(self.legend_bar)
        layout.addWidget(self.legend_label)
        legend.setToolTip(
            f"Heatmap colours: blue = still, red = {max_px_s:g} px/s or more (pixels per second of a "
            f"{REFERENCE_WIDTH}-pixel-wide picture, between consecutive frames)"
        )
        return legend

    def _slider(self, low: int, high: int, value: int, tip: str) -> QSlider:
        slider = QSlider(Qt.Orientation.Horizontal, self)
        slider.setRange(low, high)
        slider.setValue(value)
        slider.setFixedWidth(110)
        slider.setToolTip(tip)
        return slider

    # -- state -------------------------------------------------------------------------------------

    @property
    def heatmap(self) -> bool:
        return self.heatmap_action.isChecked()

    @property
    def vectors(self) -> bool:
        return self.vectors_action.isChecked()

    @property
    def opacity(self) -> float:
        return self.opacity_slider.value() / 100

    @property
    def spacing(self) -> int:
        return self.spacing_slider.value()

    @property
    def method(self) -> str:
        return self.method_combo.currentData()

    def set_available(self, available: bool, reason: str = "") -> None:
        """Enable the toolbar (a video is open) or disable it, saying why in its tooltip (no video, nothing open).
        The overlays chosen stay chosen for the next video."""
        self.setEnabled(available)
        for action in (self.heatmap_action, self.vectors_action):
            action.setEnabled(available)
        self.setToolTip("" if available else reason)

    # -- slots -------------------------------------------------------------------------------------

    def _show_values(self) -> None:
        self.opacity_label.setText(f"{self.opacity_slider.value():3d} %")
        self.spacing_label.setText(f"{self.spacing_slider.value():2d} px")

    def _on_opacity_slider_value_changed(self, value: int) -> None:
        self._show_values()
        self.opacity_changed.emit(value / 100)

    def _on_spacing_slider_value_changed(self, value: int) -> None:
        self._show_values()
        self.spacing_changed.emit(value)
