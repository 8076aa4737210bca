"""What was said around a peak: the transcript from peak − W to peak + W, the sentence at the peak emphasised.

The owner computes the :class:`~app.model.transcript.ContextWindow` (``context_window`` on the transcript's words)
and passes it in; the view shows it and offers the choice of W, which it reports with ``window_changed``.
"""

from __future__ import annotations

import html

from PySide6.QtCore import QSignalBlocker, Qt, Signal
from PySide6.QtWidgets import QComboBox, QHBoxLayout, QLabel, QTextBrowser, QVBoxLayout, QWidget

from app.model.transcript import CONTEXT_WINDOWS_S, DEFAULT_CONTEXT_WINDOW_S, ContextWindow
from app.timecode import format_ms

DEFAULT_WINDOW_S = float(DEFAULT_CONTEXT_WINDOW_S)
NO_TRANSCRIPT = "No transcript yet — run Transcribe"
HIGHLIGHT_BACKGROUND = "#ffd54f"
"""The playhead's yellow, with black text on it: readable on light and dark palettes alike."""


def no_words_text(window_s: float) -> str:
    return f"No words within ± {window_s:g} s"


class PeakContextView(QWidget):
    """The transcript around one peak, with a choice of how far around (± W seconds)."""

    window_changed = Signal(float)
    """the W (seconds) the user picked; the owner computes the new window and calls set_context"""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.title_label = QLabel(self)
        font = self.title_label.font()
        font.setBold(True)
        self.title_label.setFont(font)
        self.window_combo = QComboBox(self)
        for seconds in CONTEXT_WINDOWS_S:
            self.window_combo.addItem(f"± {seconds} s", float(seconds))
        self.window_combo.setCurrentIndex(self._combo_index(DEFAULT_WINDOW_S))
        self.window_combo.setToolTip("How much of the transcript to show on each side of the peak")
        self.window_combo.currentIndexChanged.connect(self._on_window_combo_changed)
        self.range_label = QLabel(self)
        self.range_label.setStyleSheet("color: #909090;")
        self.range_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.text_browser = QTextBrowser(self)
        self.text_browser.setReadOnly(True)
        self.text_browser.setOpenLinks(False)
        header = QHBoxLayout()
        header.setContentsMargins(0, 0, 0, 0)
        header.addWidget(self.title_label, 1)
        header.addWidget(self.window_combo)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.setSpacing(3)
        layout.addLayout(header)
        layout.addWidget(self.range_label)
        layout.addWidget(self.text_browser, 1)
        self._window: ContextWindow | None = None
        self.set_context(None, "", "")

    def window_s(self) -> float:
        """The W currently chosen, in seconds."""
        return float(self.window_combo.currentData())

    def set_window_s(self, window_s: float) -> None:
        """Choose W (the nearest offered value) without emitting ``window_changed``."""
        with QSignalBlocker(self.window_combo):
            self.window_combo.setCurrentIndex(self._combo_index(window_s))

    def context(self) -> ContextWindow | None:
        return self._window

    def text(self) -> str:
        """What the text area shows, as plain text."""
        return self.text_browser.toPlainText()

    def set_context(self, window: ContextWindow | None, title: str, missing: str = NO_TRANSCRIPT) -> None:
        """Show ``window`` under ``title`` (e.g. "Peak 3 of 17 · z = 4.1"); None: there is no transcript, for
        the reason ``missing`` says ("" for none: nothing is open)."""
        self._window = window
        self.title_label.setText(title)
        if window is None:
            self.range_label.setText("")
            self._show_message(missing)
            return
        self.range_label.setText(
            f"Peak at {format_ms(window.peak_ms, 1, hours=True)} · "
            f"{format_ms(window.start_ms, 1, hours=True)} – {format_ms(window.end_ms, 1, hours=True)}"
        )
        if not window.words:
            self._show_message(no_words_text(window.window_ms / 1000))
            return
        start, end = window.highlight
        text = window.text
        self.text_browser.setHtml(
            f"<p>{html.escape(text[:start])}"
            f'<span style="background-color: {HIGHLIGHT_BACKGROUND}; color: #000000; font-weight: bold;">'
            f"{html.escape(text[start:end])}</span>"
            f"{html.escape(text[end:])}</p>"
        )

    def _show_message(self, message: str) -> None:
        if message:
            self.text_browser.setHtml(f'<p style="color: #909090;"><i>{html.escape(message)}</i></p>')
        else:
            self.text_browser.clear()

    @staticmethod
    def _combo_index(window_s: float) -> int:
        return min(range(len(CONTEXT_WINDOWS_S)), key=lambda i: abs(CONTEXT_WINDOWS_S[i] - window_s))

    def _on_window_combo_changed(self, _index: int) -> None:
        self.window_changed.emit(self.window_s())
