"""Transport controls under the video: play, step, jump, speed, loop, time and frame, sound state."""

from __future__ import annotations

from PySide6.QtCore import QSize, Qt, Signal
from PySide6.QtGui import QPainter, QPaintEvent
from PySide6.QtWidgets import QComboBox, QHBoxLayout, QLabel, QToolButton, QWidget

from app.timecode import format_clock

SPEED_CHOICES = (0.25, 0.5, 0.75, 1.0, 1.25, 1.5, 2.0)


class ElidedLabel(QLabel):
    """A one-line label that gives its width up before the window grows: it draws its text elided to the width it
    gets (the whole text stays in its tooltip), so a long status never pushes the window past a laptop's screen."""

    def minimumSizeHint(self) -> QSize:  # Qt's name
        return QSize(self.fontMetrics().horizontalAdvance("Muted…"), super().minimumSizeHint().height())

    def paintEvent(self, event: QPaintEvent) -> None:  # Qt's name
        painter = QPainter(self)
        painter.setPen(self.palette().color(self.foregroundRole()))
        text = self.fontMetrics().elidedText(self.text(), Qt.TextElideMode.ElideRight, self.width())
        painter.drawText(self.rect(), int(Qt.AlignmentFlag.AlignVCenter | Qt.AlignmentFlag.AlignRight), text)


class TransportPanel(QWidget):
    """Emits intents; the main window passes them to the player."""

    play_toggled = Signal()
    step_requested = Signal(int)
    """frames, negative backward"""
    jump_requested = Signal(int)
    """ms, negative backward"""
    speed_requested = Signal(float)
    loop_toggled = Signal(bool)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(6, 2, 6, 2)
        self._buttons: dict[str, QToolButton] = {}
        for key, text, tip, slot in (
            ("back5", "−5 s", "Back 5 seconds", lambda: self.jump_requested.emit(-5000)),
            ("back1", "−1 s", "Back 1 second (Shift+←)", lambda: self.jump_requested.emit(-1000)),
            ("prev", "◀|", "Previous frame (←)", lambda: self.step_requested.emit(-1)),
            ("play", "▶", "Play / pause (Space)", self.play_toggled.emit),
            ("next", "|▶", "Next frame (→)", lambda: self.step_requested.emit(1)),
            ("fwd1", "+1 s", "Forward 1 second (Shift+→)", lambda: self.jump_requested.emit(1000)),
            ("fwd5", "+5 s", "Forward 5 seconds", lambda: self.jump_requested.emit(5000)),
        ):
            button = QToolButton(self)
            button.setText(text)
            button.setToolTip(tip)
            button.setFocusPolicy(Qt.FocusPolicy.NoFocus)
            button.clicked.connect(slot)
            layout.addWidget(button)
            self._buttons[key] = button
        self._loop = QToolButton(self)
        self._loop.setText("⟲ Loop")
        self._loop.setToolTip("Loop the visible selection of the timeline")
        self._loop.setCheckable(True)
        self._loop.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self._loop.toggled.connect(self.loop_toggled)
        layout.addWidget(self._loop)
        self._speed = QComboBox(self)
        for speed in SPEED_CHOICES:
            self._speed.addItem(f"{speed:g}×", speed)
        self._speed.setCurrentIndex(SPEED_CHOICES.index(1.0))
        self._speed.setToolTip("Playback speed")
        self._speed.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self._speed.currentIndexChanged.connect(lambda i: self.speed_requested.emit(self._speed.itemData(i)))
        layout.addWidget(self._speed)
        layout.addSpacing(12)
        self._time = QLabel(format_clock(0), self)
        self._time.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        font = self._time.font()
        font.setFamily("monospace")
        font.setStyleHint(font.StyleHint.Monospace)
        self._time.setFont(font)
        layout.addWidget(self._time)
        self._frame = QLabel("frame —", self)
        self._frame.setFont(font)
        layout.addWidget(self._frame)
        layout.addStretch(1)
        self._sound = ElidedLabel(self)
        layout.addWidget(self._sound)
        self._duration = 0

    def set_duration(self, ms: int) -> None:
        self._duration = ms

    def clear(self) -> None:
        """Nothing open: no duration, no frame, no sound state (nothing of the media closed stays shown)."""
        self._duration = 0
        self._time.setText(format_clock(0))
        self._frame.setText("frame —")
        self._sound.setText("")
        self._sound.setStyleSheet("")
        self._sound.setToolTip("")
        self.set_playing(False)

    def time_text(self) -> str:
        """The position and duration as shown."""
        return self._time.text()

    def frame_text(self) -> str:
        return self._frame.text()

    def sound_text(self) -> str:
        return self._sound.text()

    def set_position(self, ms: int, frame_index: int | None = None) -> None:
        self._time.setText(f"{format_clock(ms)} / {format_clock(self._duration)}")
        if frame_index is not None:
            self._frame.setText(f"frame {frame_index}")

    def set_frame_index(self, index: int | None) -> None:
        self._frame.setText("no video" if index is None else f"frame {index}")

    def set_playing(self, playing: bool) -> None:
        self._buttons["play"].setText("❚❚" if playing else "▶")

    def set_speed(self, speed: float) -> None:
        self._speed.blockSignals(True)
        self._speed.setCurrentIndex(SPEED_CHOICES.index(speed))
        self._speed.blockSignals(False)

    def set_sound(self, state: str) -> None:
        """'sound', or 'muted: reason' (shown in orange so nobody waits for sound that cannot come)."""
        muted = state.startswith("muted")
        self._sound.setText(state[0].upper() + state[1:] if muted else "Sound on")
        self._sound.setStyleSheet("color: #d08020;" if muted else "")
        self._sound.setToolTip(state)

    def set_loop_checked(self, checked: bool) -> None:
        self._loop.blockSignals(True)
        self._loop.setChecked(checked)
        self._loop.blockSignals(False)
