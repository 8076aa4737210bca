"""Find and replace in the transcript: the bar with its fields, options and match count, and the matches.

The bar finds again whenever the text, the options or the segments change (after the owner applied an
edit) and keeps the current match where it was. It emits intents only: ``replace_requested`` with the new
texts, ``match_selected`` with the segment to select, ``matches_changed`` when the tinted matches must be
repainted and ``dismissed`` when it closes.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QEvent, QObject, Qt, QTimer, Signal
from PySide6.QtWidgets import QGridLayout, QHBoxLayout, QLabel, QLineEdit, QPushButton, QToolButton, QWidget

from app.model.transcript import Match, find_all, normalize_text, replace_all
from widgets.transcript.segment_model import SegmentModel


class FindBar(QWidget):
    """Find and replace fields with their options, buttons and the match count, over the segments of a model.

    ``current_row`` gives the selected segment, where a new search starts (None: the first)."""

    replace_requested = Signal(object)
    """{segment index: new text}"""
    match_selected = Signal(int)
    """segment index of the match that became current"""
    matches_changed = Signal()
    """the matches or the current one changed: the rows show them tinted"""
    dismissed = Signal()
    """the bar closed (Esc, its close button)"""

    def __init__(self, model: SegmentModel, current_row: Callable[[], int | None], parent: QWidget) -> None:
        super().__init__(parent)
        self._model = model
        self._current_row = current_row
        self._matches: list[Match] = []
        self._match_index = -1
        self._matches_by_row: dict[int, list[tuple[int, int, int]]] = {}
        self._match_anchor: tuple[int, int] | None = None
        self._reveal_after_refresh = False

        grid = QGridLayout(self)
        grid.setContentsMargins(4, 2, 4, 2)
        grid.setHorizontalSpacing(4)
        grid.setVerticalSpacing(2)
        self.find_field = QLineEdit(self)
        self.find_field.setPlaceholderText("Find")
        self.find_field.setClearButtonEnabled(True)
        self.match_case = QToolButton(self)
        self.match_case.setText("Aa")
        self.match_case.setCheckable(True)
        self.match_case.setToolTip("Match case")
        self.whole_word = QToolButton(self)
        self.whole_word.setText("Word")
        self.whole_word.setCheckable(True)
        self.whole_word.setToolTip("Whole words only")
        self.count = QLabel(self)
        self.count.setMinimumWidth(70)
        self.count.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        self.previous = QToolButton(self)
        self.previous.setText("▲")
        self.previous.setToolTip("Previous match (Shift+F3, Shift+Enter)")
        self.next = QToolButton(self)
        self.next.setText("▼")
        self.next.setToolTip("Next match (F3, Enter)")
        self.close_button = QToolButton(self)
        self.close_button.setText("✕")
        self.close_button.setToolTip("Close (Esc)")
        self.replace_field = QLineEdit(self)
        self.replace_field.setPlaceholderText("Replace with")
        self.replace_button = QPushButton("Replace", self)
        self.replace_button.setToolTip("Replace the current match (Enter in the replace field)")
        self.replace_all_button = QPushButton("Replace All", self)
        grid.addWidget(self.find_field, 0, 0)
        grid.addWidget(self.match_case, 0, 1)
        grid.addWidget(self.whole_word, 0, 2)
        grid.addWidget(self.count, 0, 3)
        grid.addWidget(self.previous, 0, 4)
        grid.addWidget(self.next, 0, 5)
        grid.addWidget(self.close_button, 0, 6)
        grid.addWidget(self.replace_field, 1, 0)
        replace_buttons = QHBoxLayout()
        replace_buttons.setSpacing(4)
        replace_buttons.addWidget(self.replace_button)
        replace_buttons.addWidget(self.replace_all_button)
        grid.addLayout(replace_buttons, 1, 1, 1, 6)
        grid.setColumnStretch(0, 1)

        self.find_field.textChanged.connect(self._on_options_changed)
        self.match_case.toggled.connect(self._on_options_changed)
        self.whole_word.toggled.connect(self._on_options_changed)
        self.next.clicked.connect(self.find_next)
        self.previous.clicked.connect(self.find_previous)
        self.close_button.clicked.connect(self.dismiss)
        self.replace_button.clicked.connect(self.replace_current)
        self.replace_all_button.clicked.connect(self.replace_everywhere)
        self.find_field.installEventFilter(self)
        self.replace_field.installEventFilter(self)
        self._refresh_timer = QTimer(self)
        self._refresh_timer.setSingleShot(True)
        self._refresh_timer.setInterval(0)
        self._refresh_timer.timeout.connect(self._refresh)
        self.hide()

    def activate(self) -> None:
        """Ctrl+F: show the bar with the find field focused (and its text selected)."""
        self.show()
        self.find_field.setFocus()
        self.find_field.selectAll()
        self._refresh()

    def dismiss(self) -> None:
        """Esc: hide the bar and forget the matches."""
        self.hide()
        self._matches, self._matches_by_row, self._match_index = [], {}, -1
        self.matches_changed.emit()
        self.dismissed.emit()

    def matches(self) -> list[Match]:
        return list(self._matches)

    def current_match(self) -> int:
        """Index into :meth:`matches` of the current match, −1 when there is none."""
        return self._match_index

    def row_matches(self, row: int) -> list[tuple[int, int, bool]]:
        """(start, end, is the current match) of the matches in segment ``row``'s text."""
        return [(start, end, number == self._match_index) for start, end, number in self._matches_by_row.get(row, ())]

    def find_next(self) -> None:
        self._step(+1)

    def find_previous(self) -> None:
        self._step(-1)

    def replace_current(self) -> None:
        """Replace the current match (the owner applies the change; the next match becomes current)."""
        if not 0 <= self._match_index < len(self._matches):
            return
        match = self._matches[self._match_index]
        replacement = self.replace_field.text()
        text = self._model.segments[match.segment_index].text
        new = normalize_text(text[: match.start] + replacement + text[match.end :])
        self._match_anchor = (match.segment_index, match.start + len(replacement))
        self._reveal_after_refresh = True
        if new != text:
            self.replace_requested.emit({match.segment_index: new})

    def replace_everywhere(self) -> None:
        changes = replace_all(
            self._model.segments,
            self.find_field.text(),
            self.replace_field.text(),
            case_sensitive=self.match_case.isChecked(),
            whole_word=self.whole_word.isChecked(),
        )
        if changes:
            self.replace_requested.emit(changes)

    def segments_changed(self) -> None:
        """The segments changed: find again once control returns to the event loop (if the bar is searching)."""
        if not self.isHidden() and self.find_field.text():
            self._refresh_timer.start()

    def _on_options_changed(self) -> None:
        self._match_anchor = None
        self._refresh(reveal=True)

    def _refresh(self, reveal: bool = False) -> None:
        """Find again (after the text, the options or the segments changed); keep the current match at the
        same place, or the first one after the selected segment for a new search."""
        needle = "" if self.isHidden() else self.find_field.text()
        self._matches = find_all(self._model.segments, needle, self.match_case.isChecked(), self.whole_word.isChecked())
        self._matches_by_row = {}
        for number, match in enumerate(self._matches):
            self._matches_by_row.setdefault(match.segment_index, []).append((match.start, match.end, number))
        anchor = self._match_anchor
        if anchor is None:
            current = self._current_row()
            anchor = (current if current is not None else 0, 0)
        keys = [(match.segment_index, match.start) for match in self._matches]
        self._match_index = next((i for i, key in enumerate(keys) if key >= anchor), 0) if keys else -1
        self._show_count(needle)
        if (reveal or self._reveal_after_refresh) and self._match_index >= 0:
            self._reveal()
        self._reveal_after_refresh = False
        self.matches_changed.emit()

    def _show_count(self, needle: str) -> None:
        if not needle:
            self.count.setText("")
        elif not self._matches:
            self.count.setText("No matches")
        else:
            self.count.setText(f"{self._match_index + 1} / {len(self._matches):,}")

    def _step(self, step: int) -> None:
        if self.isHidden():
            self.activate()
        if self._refresh_timer.isActive():
            self._refresh_timer.stop()
            self._refresh()
        if not self._matches:
            return
        self._match_index = (self._match_index + step) % len(self._matches)
        match = self._matches[self._match_index]
        self._match_anchor = (match.segment_index, match.start)
        self._show_count(self.find_field.text())
        self._reveal()
        self.matches_changed.emit()

    def _reveal(self) -> None:
        match = self._matches[self._match_index]
        self._match_anchor = (match.segment_index, match.start)
        self.match_selected.emit(match.segment_index)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # Qt's name
        """Keys of the fields: Enter finds (Shift: backwards) or replaces, F3 steps, Esc closes.

        Handled here as well as by the view's shortcuts because the window's key filter gives text fields
        every key."""
        if event.type() != QEvent.Type.KeyPress or watched not in (self.find_field, self.replace_field):
            return super().eventFilter(watched, event)
        key, shift = event.key(), bool(event.modifiers() & Qt.KeyboardModifier.ShiftModifier)
        if key == Qt.Key.Key_Escape:
            self.dismiss()
        elif key in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            if watched is self.replace_field:
                self.replace_current()
            else:
                self._step(-1 if shift else +1)
        elif key == Qt.Key.Key_F3:
            self._step(-1 if shift else +1)
        else:
            return super().eventFilter(watched, event)
        return True
