"""The transcript editor: every segment of a long transcript as one row of wrapped, timed words.

A list view (:mod:`~widgets.transcript.segment_list`) over a list model (:mod:`~widgets.transcript.segment_model`)
paints only the rows in view, each with a :class:`~widgets.transcript.segment_delegate.SegmentDelegate`. The
find bar (:mod:`~widgets.transcript.find_bar`) sits above the list; the context menu is built in
:mod:`~widgets.transcript.segment_menu` and the keys are listed in :mod:`~widgets.transcript.shortcuts`.

QListView lays out *every* row again on any ``dataChanged``, so the playback highlight, which moves 30
times a second, repaints the affected row rectangles directly instead of going through the model.

The view only emits intents (``text_edited``, ``split_requested``…). The owner applies them to the project
and calls :meth:`TranscriptView.update_segment` / ``insert_segment`` / ``remove_segment`` afterwards.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Sequence
from functools import partial

from PySide6.QtCore import QPersistentModelIndex, QPoint, QRect, Qt, Signal
from PySide6.QtGui import QColor, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QAbstractItemDelegate,
    QAbstractItemView,
    QHBoxLayout,
    QInputDialog,
    QLabel,
    QListView,
    QMenu,
    QPushButton,
    QTextEdit,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from app.model.transcript import (
    Match,
    TranscriptSegment,
    Word,
    can_split,
    normalize_text,
    review_progress,
    segment_at,
    word_at,
)
from widgets.style import NO_SPEAKER_COLOR, speaker_colors
from widgets.transcript.find_bar import FindBar
from widgets.transcript.segment_delegate import SegmentDelegate, SegmentEditor
from widgets.transcript.segment_list import SegmentList
from widgets.transcript.segment_menu import segment_menu
from widgets.transcript.segment_model import TOKEN, SegmentModel, timed_words, to_check
from widgets.transcript.shortcuts import KEYS, NUDGE_MS, shortcuts_help

log = logging.getLogger(__name__)

EMPTY_TEXT = "No transcript yet — run Transcribe"


class TranscriptView(QWidget):
    """The transcript of one media file, editable, following playback; thousands of segments stay fast."""

    seek_requested = Signal(int)
    """ms: a clicked word's start, or a segment's start (click on its time)"""
    play_requested = Signal(int)
    """ms: "Play from here" (seek there and play)"""
    text_edited = Signal(int, str)
    """segment index, new normalized text (only when it differs)"""
    split_requested = Signal(int, int)
    """segment index, word index: split before that word"""
    merge_requested = Signal(int)
    """segment index: merge it with the next one"""
    nudge_requested = Signal(int, str, int)
    """segment index, "start" or "end", delta in ms"""
    speaker_requested = Signal(object, str)
    """list of segment indices, speaker name ("" clears it)"""
    rename_speaker_requested = Signal(str, str)
    """old name, new name: everywhere in the transcript"""
    reviewed_requested = Signal(object, bool)
    """list of segment indices, reviewed or not"""
    replace_requested = Signal(object)
    """{segment index: new text} from find and replace"""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._model = SegmentModel(self)
        self._row: int | None = None
        self._word: int | None = None
        self._position_ms: int | None = None
        self._current_timed: tuple[TranscriptSegment | None, tuple[Word, ...]] = (None, ())
        self._picked: tuple[int, int] | None = None
        """(row, token) of the word picked with a click: what Ctrl+Shift+S splits before"""
        self._editor: SegmentEditor | None = None
        self._editor_index: QPersistentModelIndex | None = None
        self._reviewed = 0
        self._to_check = 0
        self._speaker_palette: dict[str, QColor] | None = None

        self.busy_label = QLabel(self)
        self.busy_label.hide()
        self.follow_button = QToolButton(self)
        self.follow_button.setText("Follow playback")
        self.follow_button.setCheckable(True)
        self.follow_button.setChecked(True)
        self.follow_button.setToolTip("Keep the segment being played in view (not while you edit)")
        self.follow_button.toggled.connect(self._on_follow_toggled)
        self.find_button = QToolButton(self)
        self.find_button.setText("Find…")
        self.find_button.setToolTip("Find and replace (Ctrl+F)")
        self.find_button.clicked.connect(self.show_find)
        self.help_button = QToolButton(self)
        self.help_button.setText("?")
        self.help_button.setToolTip(shortcuts_help())
        toolbar = QHBoxLayout()
        toolbar.setContentsMargins(4, 2, 4, 2)
        toolbar.addWidget(self.busy_label)
        toolbar.addStretch(1)
        toolbar.addWidget(self.follow_button)
        toolbar.addWidget(self.find_button)
        toolbar.addWidget(self.help_button)

        self.find_bar = FindBar(self._model, self._current_index_row, self)
        self.find_bar.replace_requested.connect(self.replace_requested)
        self.find_bar.match_selected.connect(self.select)
        self.find_bar.matches_changed.connect(self._on_find_bar_matches_changed)
        self.find_bar.dismissed.connect(self._on_find_bar_dismissed)

        self._delegate = SegmentDelegate(self, self._model)
        self._delegate.editor_opened.connect(self._on_delegate_editor_opened)
        self._delegate.editor_closed.connect(self._on_delegate_editor_closed)
        self._delegate.text_committed.connect(self._on_editor_committed)
        self._delegate.editor_split_requested.connect(self._on_editor_split_requested)
        self._list = SegmentList(EMPTY_TEXT, self)
        self._list.clicked_at.connect(self._on_list_clicked_at)
        self._list.context_menu_requested.connect(self._on_list_context_menu_requested)
        self._list.font_changed.connect(self._delegate.font_changed)
        self._list.setModel(self._model)
        self._list.setItemDelegate(self._delegate)
        self._list.setUniformItemSizes(False)
        self._list.setLayoutMode(QListView.LayoutMode.SinglePass)
        self._list.setWordWrap(True)  # relayout on every width change, not only height changes
        self._list.setVerticalScrollMode(QAbstractItemView.ScrollMode.ScrollPerPixel)
        self._list.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self._list.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOn)
        self._list.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self._list.setEditTriggers(
            QAbstractItemView.EditTrigger.DoubleClicked | QAbstractItemView.EditTrigger.EditKeyPressed
        )
        self._list.verticalScrollBar().setSingleStep(20)

        self.progress_label = QLabel(self)
        self.next_button = QPushButton("Next to check", self)
        self.next_button.setToolTip("Select the next segment not yet reviewed")
        self.next_button.clicked.connect(self.next_to_check)
        status = QHBoxLayout()
        status.setContentsMargins(4, 2, 4, 2)
        status.addWidget(self.progress_label, 1)
        status.addWidget(self.next_button)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        layout.addLayout(toolbar)
        layout.addWidget(self.find_bar)
        layout.addWidget(self._list, 1)
        layout.addLayout(status)

        self._shortcuts: dict[str, QShortcut] = {}
        actions: dict[str, Callable[[], None]] = {
            "find": self.show_find,
            "find_next": self.find_next,
            "find_previous": self.find_previous,
            "reviewed": self.toggle_reviewed,
            "start_earlier": partial(self.nudge, "start", -NUDGE_MS),
            "start_later": partial(self.nudge, "start", NUDGE_MS),
            "end_earlier": partial(self.nudge, "end", -NUDGE_MS),
            "end_later": partial(self.nudge, "end", NUDGE_MS),
            "split": self.split_at_picked_word,
            "merge": self.merge_with_next,
            "speaker": self.ask_speaker,
        }
        for name, slot in actions.items():
            shortcut = QShortcut(QKeySequence(KEYS[name]), self)
            shortcut.setContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
            shortcut.activated.connect(slot)
            self._shortcuts[name] = shortcut
        self._update_progress()

    # -- data ----------------------------------------------------------------------------------------

    @property
    def list_view(self) -> QListView:
        return self._list

    def set_segments(self, segments: Sequence[TranscriptSegment]) -> None:
        """Show these segments (sorted by start), replacing everything."""
        if self._editor is not None:
            self._delegate.cancel(self._editor)
        self._picked = None
        self._row = self._word = None
        self._current_timed = (None, ())
        self._model.reset(segments)
        self._speaker_palette = None
        self._reviewed, _ = review_progress(self._model.segments)
        self._to_check = sum(to_check(segment) for segment in self._model.segments)
        self._update_progress()
        self.find_bar.segments_changed()
        if self._position_ms is not None:
            self.set_position(self._position_ms)

    def append_segments(self, segments: Sequence[TranscriptSegment]) -> None:
        """Add segments at the end (while transcribing); a view scrolled to the end stays at the end."""
        if not segments:
            return
        bar = self._list.verticalScrollBar()
        at_end = bar.value() >= bar.maximum()
        self._model.append(list(segments))
        self._count_in(segments)
        if at_end:
            self._list.scrollToBottom()

    def update_segment(self, index: int, segment: TranscriptSegment) -> None:
        """Show the new version of segment ``index``."""
        old = self._model.segments[index]
        self._count_out([old])
        self._count_in([segment])
        if old.speaker != segment.speaker:
            self._speaker_palette = None
        height = self._model.heights[index]
        unchanged = self._delegate.keeps_height(segment, height)
        self._model.replace(index, segment, height if unchanged else None)
        if unchanged:
            self._repaint_row(index)
        if self._picked is not None and self._picked[0] == index:
            self._picked = None
        if index == self._row:
            self._current_timed = (None, ())
            if self._position_ms is not None:
                self._row = None
                self.set_position(self._position_ms)
        self.find_bar.segments_changed()

    def insert_segment(self, index: int, segment: TranscriptSegment) -> None:
        """Insert a segment before ``index`` (after a split)."""
        self._model.insert(index, segment)
        self._count_in([segment])
        self._after_rows_moved(index, +1)

    def remove_segment(self, index: int) -> None:
        """Remove segment ``index`` (after a merge)."""
        old = self._model.segments[index]
        self._model.remove(index)
        self._count_out([old])
        if self._picked is not None and self._picked[0] == index:
            self._picked = None
        self._after_rows_moved(index, -1)

    def segments(self) -> list[TranscriptSegment]:
        return list(self._model.segments)

    def set_busy(self, text: str | None) -> None:
        """A line above the transcript ("Transcribing… 12:30 / 58:00"); None hides it."""
        self.busy_label.setText(text or "")
        self.busy_label.setVisible(bool(text))

    def set_placeholder(self, text: str) -> None:
        """What an empty transcript shows."""
        self._list.placeholder = text
        self._list.viewport().update()

    # -- playback ------------------------------------------------------------------------------------

    def set_position(self, ms: int) -> None:
        """Highlight the segment and word playing at ``ms`` (called about 30 times a second): a binary search,
        then a repaint of at most the two rows whose highlight changed."""
        self._position_ms = ms
        segments = self._model.segments
        row = self._row
        if not (
            row is not None
            and row < len(segments)
            and segments[row].start_ms <= ms < max(segments[row].end_ms, segments[row].start_ms + 1)
            and (row + 1 >= len(segments) or segments[row + 1].start_ms > ms)
        ):
            row = segment_at(segments, ms)
        word = None
        if row is not None:
            segment = segments[row]
            if self._current_timed[0] is not segment:
                self._current_timed = (segment, timed_words(segment))
            word = word_at(self._current_timed[1], ms)
        if (row, word) == (self._row, self._word):
            return
        old_row = self._row
        self._row, self._word = row, word
        if old_row is not None and old_row != row:
            self._repaint_row(old_row)
        if row is not None:
            self._repaint_row(row)
            if row != old_row and self.follow_playback:
                self._reveal(row)

    def current(self) -> tuple[int | None, int | None]:
        """(segment index, word index) being played, None outside them."""
        return self._row, self._word

    @property
    def follow_playback(self) -> bool:
        return self.follow_button.isChecked()

    def set_follow_playback(self, follow: bool) -> None:
        self.follow_button.setChecked(follow)

    # -- selection -----------------------------------------------------------------------------------

    def select(self, index: int) -> None:
        """Make segment ``index`` the selected and current one, and scroll it into view."""
        model_index = self._model.index(index)
        if not model_index.isValid():
            return
        selection = self._list.selectionModel()
        selection.setCurrentIndex(model_index, selection.SelectionFlag.ClearAndSelect)
        self._list.scrollTo(model_index, QAbstractItemView.ScrollHint.EnsureVisible)

    def selected_indices(self) -> list[int]:
        """The selected segments in order, or the current one when none is selected."""
        rows = sorted(index.row() for index in self._list.selectionModel().selectedIndexes())
        if not rows and self._list.currentIndex().isValid():
            rows = [self._list.currentIndex().row()]
        return rows

    def picked_word(self) -> tuple[int, int] | None:
        """(segment index, word index) picked with a click, if any."""
        return self._picked

    def pick_word(self, index: int, word: int | None) -> None:
        """Pick a word of a segment (what a click does, without seeking)."""
        old = self._picked
        self._picked = None if word is None else (index, word)
        for row in {old[0] if old else None, index}:
            if row is not None:
                self._repaint_row(row)

    def word_rect(self, index: int, word: int) -> QRect:
        """Where word ``word`` of segment ``index`` is painted, in the list viewport's coordinates."""
        row_rect = self._list.visualRect(self._model.index(index))
        return self._delegate.layout(index, row_rect.width()).rects[word].translated(row_rect.topLeft())

    def time_rect(self, index: int) -> QRect:
        """Where the times of segment ``index`` are painted, in the list viewport's coordinates."""
        row_rect = self._list.visualRect(self._model.index(index))
        return self._delegate.layout(index, row_rect.width()).time_rect.translated(row_rect.topLeft())

    # -- editing -------------------------------------------------------------------------------------

    def edit(self, index: int) -> None:
        """Open the inline editor on segment ``index``."""
        model_index = self._model.index(index)
        if model_index.isValid():
            self._list.setCurrentIndex(model_index)
            self._list.scrollTo(model_index)
            self._list.edit(model_index)

    def editor(self) -> QTextEdit | None:
        """The open inline editor, if any."""
        return self._editor

    def is_editing(self) -> bool:
        return self._editor is not None

    def toggle_reviewed(self) -> None:
        """Ctrl+R: mark the selected segments reviewed, or not reviewed when they all already are."""
        rows = self.selected_indices()
        if rows:
            reviewed = not all(self._model.segments[row].reviewed for row in rows)
            self.reviewed_requested.emit(rows, reviewed)

    def nudge(self, edge: str, delta_ms: int) -> None:
        """Move the current segment's start or end by ``delta_ms``."""
        row = self._current_row()
        if row is not None:
            self.nudge_requested.emit(row, edge, delta_ms)

    def split_at_picked_word(self) -> None:
        """Ctrl+Shift+S: split the current segment before the picked word (or, while editing, the word at the
        text cursor)."""
        if self._editor is not None:
            self._on_editor_split_requested(self._editor, self._editor.textCursor().position())
            return
        row = self._current_row()
        if row is None or self._picked is None or self._picked[0] != row:
            return
        self.request_split(row, self._picked[1])

    def merge_with_next(self) -> None:
        row = self._current_row()
        if row is not None and row + 1 < len(self._model.segments):
            self.merge_requested.emit(row)

    def ask_speaker(self) -> None:
        """Ctrl+Shift+K: ask for the speaker of the selected segments (an existing one or a new name)."""
        rows = self.selected_indices()
        if not rows:
            return
        name = self._ask_speaker_name(rows)
        if name is not None:
            self.speaker_requested.emit(rows, normalize_text(name))

    def ask_rename_speaker(self, old: str) -> None:
        """Ask for a new name of speaker ``old`` (everywhere in the transcript)."""
        new = self._ask_new_speaker_name(old)
        if new is not None and normalize_text(new) and normalize_text(new) != old:
            self.rename_speaker_requested.emit(old, normalize_text(new))

    def speakers(self) -> list[str]:
        return sorted({segment.speaker for segment in self._model.segments if segment.speaker})

    def speaker_color(self, name: str) -> QColor:
        """The colour of speaker ``name``'s chip (grey for no speaker)."""
        if self._speaker_palette is None:
            self._speaker_palette = speaker_colors(segment.speaker for segment in self._model.segments)
        return self._speaker_palette.get(name) or QColor(NO_SPEAKER_COLOR)

    def next_to_check(self) -> None:
        """Select the next segment not yet reviewed after the current one (wrapping around)."""
        segments = self._model.segments
        if not segments:
            return
        current = self._list.currentIndex().row() if self._list.currentIndex().isValid() else -1
        for offset in range(1, len(segments) + 1):
            row = (current + offset) % len(segments)
            if not segments[row].reviewed:
                self.select(row)
                self._list.setFocus()
                return
        self.progress_label.setText(self._progress_text() + " · nothing left to check")

    def context_menu(self, index: int, word: int | None = None) -> QMenu:
        """The context menu of segment ``index`` (``word``: the word under the mouse)."""
        return segment_menu(self, index, word)

    # -- find and replace ------------------------------------------------------------------------------

    def show_find(self) -> None:
        """Ctrl+F: open the find bar with the find field focused (and its text selected)."""
        self.find_bar.activate()

    def hide_find(self) -> None:
        self.find_bar.dismiss()

    def matches(self) -> list[Match]:
        return self.find_bar.matches()

    def current_match(self) -> int:
        """Index into :meth:`matches` of the current match, −1 when there is none."""
        return self.find_bar.current_match()

    def find_next(self) -> None:
        self.find_bar.find_next()

    def find_previous(self) -> None:
        self.find_bar.find_previous()

    def replace_current(self) -> None:
        """Replace the current match (the owner applies the change; the next match becomes current)."""
        self.find_bar.replace_current()

    def replace_everywhere(self) -> None:
        self.find_bar.replace_everywhere()

    # -- internals -----------------------------------------------------------------------------------

    def _current_index_row(self) -> int | None:
        index = self._list.currentIndex()
        return index.row() if index.isValid() else None

    def _current_row(self) -> int | None:
        index = self._list.currentIndex()
        if index.isValid():
            return index.row()
        rows = self.selected_indices()
        return rows[0] if rows else None

    def request_split(self, row: int, word: int) -> None:
        """Ask to split segment ``row`` before word ``word`` of its text (at any word but the first)."""
        if can_split(self._model.segments[row], word):
            self.split_requested.emit(row, word)
        else:
            log.debug("no split of segment %d before word %d", row, word)

    def _ask_speaker_name(self, rows: list[int]) -> str | None:
        speakers = self.speakers()
        current = self._model.segments[rows[0]].speaker
        index = speakers.index(current) if current in speakers else 0
        what = "this segment" if len(rows) == 1 else f"these {len(rows)} segments"
        name, ok = QInputDialog.getItem(self, "Speaker", f"Speaker of {what}:", speakers or [""], index, True)
        return name if ok else None

    def _ask_new_speaker_name(self, old: str) -> str | None:
        name, ok = QInputDialog.getText(self, "Rename speaker", f"New name of {old} (everywhere):", text=old)
        return name if ok else None

    def _repaint_row(self, row: int) -> None:
        """Repaint one row where it is (no relayout: the list would measure every row again)."""
        if 0 <= row < len(self._model.segments):
            rect = self._list.visualRect(self._model.index(row))
            if rect.isValid() and rect.intersects(self._list.viewport().rect()):
                self._list.viewport().update(rect)

    def _reveal(self, row: int) -> None:
        """Scroll so the playing row is whole in view, unless the user is editing."""
        if self._editor is not None:
            return
        index = self._model.index(row)
        rect = self._list.visualRect(index)
        viewport = self._list.viewport().rect()
        if rect.top() >= viewport.top() and rect.bottom() <= viewport.bottom():
            return
        hint = QAbstractItemView.ScrollHint
        self._list.scrollTo(index, hint.PositionAtTop if rect.height() > viewport.height() else hint.PositionAtCenter)

    def _on_follow_toggled(self, follow: bool) -> None:
        if follow and self._row is not None:
            self._reveal(self._row)

    def _count_in(self, segments: Iterable[TranscriptSegment]) -> None:
        for segment in segments:
            self._reviewed += segment.reviewed
            self._to_check += to_check(segment)
            if segment.speaker and self._speaker_palette is not None and segment.speaker not in self._speaker_palette:
                self._speaker_palette = None
        self._update_progress()

    def _count_out(self, segments: Iterable[TranscriptSegment]) -> None:
        for segment in segments:
            self._reviewed -= segment.reviewed
            self._to_check -= to_check(segment)
        self._update_progress()

    def _progress_text(self) -> str:
        total = len(self._model.segments)
        if not total:
            return "No segments"
        return f"{self._reviewed:,} / {total:,} segments reviewed · {self._to_check:,} words to check"

    def _update_progress(self) -> None:
        self.progress_label.setText(self._progress_text())
        self.next_button.setEnabled(self._reviewed < len(self._model.segments))

    def _after_rows_moved(self, index: int, delta: int) -> None:
        """Rows from ``index`` on moved by ``delta``: shift what refers to them and find the playing row again."""
        if self._picked is not None and self._picked[0] >= index:
            self._picked = (self._picked[0] + delta, self._picked[1])
        self._row = self._word = None
        self._current_timed = (None, ())
        self._speaker_palette = None
        if self._position_ms is not None:
            self.set_position(self._position_ms)
        self.find_bar.segments_changed()

    def _on_list_clicked_at(self, pos: QPoint) -> None:
        """A plain left click: on a word, pick it and seek to it; on the times, seek to the segment's start."""
        index = self._list.indexAt(pos)
        if not index.isValid():
            return
        row = index.row()
        row_rect = self._list.visualRect(index)
        layout = self._delegate.layout(row, row_rect.width())
        local = pos - row_rect.topLeft()
        token = layout.token_at(local, self._delegate.metrics.space // 2 + 1)
        if token is not None:
            self.pick_word(row, token)
            self.seek_requested.emit(layout.timed[token].start_ms)
        elif layout.time_rect.adjusted(-4, -2, 4, 2).contains(local):
            self.seek_requested.emit(self._model.segments[row].start_ms)

    def _on_list_context_menu_requested(self, pos: QPoint, global_pos: QPoint) -> None:
        index = self._list.indexAt(pos)
        if not index.isValid():
            return
        row = index.row()
        if row not in self.selected_indices():
            self._list.setCurrentIndex(index)
        row_rect = self._list.visualRect(index)
        token = self._delegate.layout(row, row_rect.width()).token_at(pos - row_rect.topLeft())
        if token is not None:
            self.pick_word(row, token)
        menu = self.context_menu(row, token)
        menu.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        menu.popup(global_pos)

    def _on_editor_committed(self, row: int, text: str) -> None:
        if not 0 <= row < len(self._model.segments):
            return
        new = normalize_text(text)
        if new != normalize_text(self._model.segments[row].text):
            self.text_edited.emit(row, new)

    def _on_editor_split_requested(self, editor: SegmentEditor, position: int) -> None:
        """Split while editing: commit the text if it changed, close the editor, split before the word at the
        cursor (its index among the words of the text as typed)."""
        if self._editor_index is None or not self._editor_index.isValid():
            return
        row = self._editor_index.row()
        text = editor.toPlainText()
        starts = [found.start() for found in TOKEN.finditer(text)]
        word = sum(1 for start in starts if start <= position) - 1
        changed = normalize_text(text) != normalize_text(self._model.segments[row].text)
        if changed:
            self._delegate.commitData.emit(editor)
            self._delegate.closeEditor.emit(editor, QAbstractItemDelegate.EndEditHint.NoHint)
            if 0 < word < len(starts):
                self.split_requested.emit(row, word)
        else:
            self._delegate.cancel(editor)
            self.request_split(row, word)

    def _on_delegate_editor_opened(self, editor: SegmentEditor, index: QPersistentModelIndex) -> None:
        self._editor = editor
        self._editor_index = index

    def _on_delegate_editor_closed(self, editor: SegmentEditor) -> None:
        if self._editor is editor:
            self._editor = None
            self._editor_index = None

    def _on_find_bar_matches_changed(self) -> None:
        self._list.viewport().update()

    def _on_find_bar_dismissed(self) -> None:
        self._list.setFocus()
