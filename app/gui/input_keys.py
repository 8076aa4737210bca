"""Keys that belong to the focused control: the window's single-key shortcuts must not steal them."""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject, Qt
from PySide6.QtWidgets import (
    QAbstractSlider,
    QAbstractSpinBox,
    QApplication,
    QComboBox,
    QLineEdit,
    QPlainTextEdit,
    QTextEdit,
)


class InputKeysFirst(QObject):
    """Lets sliders, combo boxes, spin boxes and text fields keep their own keys (arrows, Home, Space…)
    instead of the window's playback shortcuts taking them. Installed on the application."""

    _KEYS = {
        Qt.Key.Key_Left,
        Qt.Key.Key_Right,
        Qt.Key.Key_Up,
        Qt.Key.Key_Down,
        Qt.Key.Key_Home,
        Qt.Key.Key_End,
        Qt.Key.Key_Space,
        Qt.Key.Key_Plus,
        Qt.Key.Key_Minus,
    }

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # Qt's name
        if event.type() == QEvent.Type.ShortcutOverride:
            focus = QApplication.focusWidget()
            text_input = isinstance(focus, QLineEdit | QTextEdit | QPlainTextEdit | QAbstractSpinBox) and not (
                isinstance(focus, QTextEdit | QPlainTextEdit) and focus.isReadOnly()
            )
            keyed = isinstance(focus, QAbstractSlider | QComboBox) and event.key() in self._KEYS
            if text_input or keyed:
                event.accept()
        return False
