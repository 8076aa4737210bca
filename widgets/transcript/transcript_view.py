"""The transcript editor: every segment of a long transcript as one row of wrapped, timed words.

A :class:`QListView` over a list model paints only the rows in view, each with :class:`_SegmentDelegate`: a
header (times, speaker, review state) and the words below it, low-probability words underlined, the word
being played on a highlighted background, find matches tinted. Row heights come from cached word widths
(no text layout engine), so a 3-hour transcript of 3,000 segments lays out in tens of milliseconds.

QListView lays out *every* row again on any ``dataChanged``, so the playback highlight, which moves 30
times a second, repaints the affected row rectangles directly instead of going through the model.

The view only emits intents (``text_edited``, ``split_requested``…). The owner applies them to the project
and calls :meth:`TranscriptView.update_segment` / ``insert_segment`` / ``remove_segment`` afterwards.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from functools import partial

from PySide6.QtCore import (
    QAbstractListModel,
    QEvent,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    QPoint,
    QRect,
    QSize,
    Qt,
    QTimer,
    Signal,
)
from PySide6.QtGui import (
    QAction,
    QColor,
    QContextMenuEvent,
    QFont,
    QFontMetrics,
    QKeyEvent,
    QKeySequence,
    QMouseEvent,
    QPainter,
    QPaintEvent,
    QPen,
    QShortcut,
)
from PySide6.QtWidgets import (
    QAbstractItemDelegate,
    QAbstractItemView,
    QGridLayout,
    QHBoxLayout,
    QInputDialog,
    QLabel,
    QLineEdit,
    QListView,
    QMenu,
    QPushButton,
    QStyle,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QTextEdit,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from app.model.transcript import (
    Match,
    TranscriptSegment,
    Word,
    find_all,
    normalize_text,
    proportional_words,
    replace_all,
    review_progress,
    segment_at,
    word_at,
)
from app.timecode import format_ms
from widgets.style import NO_SPEAKER_COLOR, PLAYHEAD, speaker_colors

log = logging.getLogger(__name__)

NUDGE_MS = 50
"""How far Alt+arrow moves a segment's edge."""
EMPTY_TEXT = "No transcript yet — run Transcribe"

CURRENT_WORD_COLOR = QColor(PLAYHEAD)
"""The playhead's colour on the timeline, for the word being played."""
LOW_WORD_COLOR = QColor("#fb8c00")
REVIEWED_COLOR = QColor("#43a047")
PICKED_WORD_COLOR = QColor("#42a5f5")
MATCH_COLOR = QColor(66, 165, 245, 90)
CURRENT_MATCH_COLOR = QColor(171, 71, 188, 170)

SHORTCUTS: tuple[tuple[str, str], ...] = (
    ("Edit the segment's text (Enter commits, Esc cancels)", "Double-click / F2 / Enter"),
    ("Seek to a word (and pick it for splitting)", "Click the word"),
    ("Seek to a segment's start", "Click its time"),
    ("Find and replace", "Ctrl+F"),
    ("Next / previous match", "F3 / Shift+F3"),
    ("Mark the selected segments reviewed (or not)", "Ctrl+R"),
    ("Move the start 50 ms earlier / later", "Alt+Left / Alt+Right"),
    ("Move the end 50 ms earlier / later", "Alt+Shift+Left / Alt+Shift+Right"),
    ("Split before the picked word (or the word at the text cursor)", "Ctrl+Shift+S"),
    ("Merge with the next segment", "Ctrl+Shift+M"),
    ("Set the speaker of the selected segments", "Ctrl+Shift+K"),
)
"""What the transcript's keys do, for its help tooltip and the window's shortcut list."""

_KEYS = {
    "find": "Ctrl+F",
    "find_next": "F3",
    "find_previous": "Shift+F3",
    "reviewed": "Ctrl+R",
    "start_earlier": "Alt+Left",
    "start_later": "Alt+Right",
    "end_earlier": "Alt+Shift+Left",
    "end_later": "Alt+Shift+Right",
    "split": "Ctrl+Shift+S",
    "merge": "Ctrl+Shift+M",
    "speaker": "Ctrl+Shift+K",
}

_TOKEN = re.compile(r"\S+")

# Row geometry, in pixels.
_PAD_X = 10
_PAD_TOP = 4
_HEADER_GAP = 3
_PAD_BOTTOM = 6
_BAR_WIDTH = 3
_CHIP_PAD = 5


def time_range_text(segment: TranscriptSegment) -> str:
    """``h:mm:ss.s – h:mm:ss.s``, the header of a row."""
    return f"{format_ms(segment.start_ms, 1, hours=True)} – {format_ms(segment.end_ms, 1, hours=True)}"


def timed_words(segment: TranscriptSegment) -> tuple[Word, ...]:
    """One timed word per token of the segment's text: its own words when they match the text token for token,
    else proportional placeholders (text edited and not yet aligned, or imported without word times)."""
    tokens = segment.text.split()
    if len(segment.words) == len(tokens):
        return segment.words
    return proportional_words(segment.text, segment.start_ms, segment.end_ms)


def to_check(segment: TranscriptSegment) -> int:
    """Low-probability words still to look at: none once the segment is reviewed."""
    return 0 if segment.reviewed else segment.low_words


@dataclass(slots=True)
class RowLayout:
    """Where everything of one row goes, relative to the row's top-left corner."""

    height: int
    time_text: str
    time_rect: QRect
    speaker_rect: QRect
    """empty when the segment has no speaker"""
    badge_rect: QRect
    badge: str
    tokens: list[str]
    offsets: list[int]
    """character offset of each token in the segment's text"""
    rects: list[QRect]
    timed: tuple[Word, ...]
    words_rect: QRect
    """the area of the wrapped words (where the inline editor goes)"""

    def token_at(self, point: QPoint, slack: int = 0) -> int | None:
        """The token under ``point`` (``slack`` pixels of the gaps count as the word's)."""
        for index, rect in enumerate(self.rects):
            if rect.adjusted(-slack, 0, slack, 0).contains(point):
                return index
        return None


class _Metrics:
    """Fonts and sizes derived from the view's font, plus a cache of word widths (most words repeat)."""

    def __init__(self, font: QFont) -> None:
        self.word_font = QFont(font)
        self.header_font = QFont(font)
        if font.pointSizeF() > 0:
            self.header_font.setPointSizeF(font.pointSizeF() * 0.85)
        else:
            self.header_font.setPixelSize(max(8, round(font.pixelSize() * 0.85)))
        self.chip_font = QFont(self.header_font)
        self.chip_font.setBold(True)
        self.words = QFontMetrics(self.word_font)
        self.header = QFontMetrics(self.header_font)
        self.chip = QFontMetrics(self.chip_font)
        self.space = self.words.horizontalAdvance(" ")
        self.line_height = self.words.height() + 2
        self.header_height = max(self.header.height(), self.chip.height()) + 2
        self.words_top = _PAD_TOP + self.header_height + _HEADER_GAP
        self._widths: dict[str, int] = {}

    def width(self, token: str) -> int:
        width = self._widths.get(token)
        if width is None:
            width = self._widths[token] = self.words.horizontalAdvance(token)
        return width


def _wrap(widths: Sequence[int], available: int, space: int) -> list[tuple[int, int]]:
    """(line, x) of each word when words separated by ``space`` are wrapped at ``available`` pixels."""
    places, line, x = [], 0, 0
    for width in widths:
        if x and x + width > available:
            line, x = line + 1, 0
        places.append((line, x))
        x += width + space
    return places


class _SegmentModel(QAbstractListModel):
    """The segments, plus each row's measured height (0: not measured at the current width)."""

    SEGMENT_ROLE = Qt.ItemDataRole.UserRole + 1

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.segments: list[TranscriptSegment] = []
        self.heights: list[int] = []

    def rowCount(self, parent: QModelIndex = QModelIndex()) -> int:  # noqa: B008, N802 - Qt's signature
        return 0 if parent.isValid() else len(self.segments)

    def data(self, index: QModelIndex, role: int = Qt.ItemDataRole.DisplayRole) -> object:
        if not index.isValid() or not 0 <= index.row() < len(self.segments):
            return None
        segment = self.segments[index.row()]
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.EditRole):
            return segment.text
        if role == self.SEGMENT_ROLE:
            return segment
        return None

    def flags(self, index: QModelIndex) -> Qt.ItemFlag:
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        return Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable | Qt.ItemFlag.ItemIsEditable

    def reset(self, segments: Sequence[TranscriptSegment]) -> None:
        self.beginResetModel()
        self.segments = list(segments)
        self.heights = [0] * len(self.segments)
        self.endResetModel()

    def append(self, segments: Sequence[TranscriptSegment]) -> None:
        if not segments:
            return
        first = len(self.segments)
        self.beginInsertRows(QModelIndex(), first, first + len(segments) - 1)
        self.segments.extend(segments)
        self.heights.extend([0] * len(segments))
        self.endInsertRows()

    def replace(self, row: int, segment: TranscriptSegment, height: int | None) -> None:
        """Put ``segment`` at ``row``. With its unchanged ``height`` known, the caller repaints the row itself:
        ``dataChanged`` would make the list lay out every row again."""
        self.segments[row] = segment
        if height is None:
            self.heights[row] = 0
            index = self.index(row)
            self.dataChanged.emit(index, index)
        else:
            self.heights[row] = height

    def insert(self, row: int, segment: TranscriptSegment) -> None:
        self.beginInsertRows(QModelIndex(), row, row)
        self.segments.insert(row, segment)
        self.heights.insert(row, 0)
        self.endInsertRows()

    def remove(self, row: int) -> None:
        self.beginRemoveRows(QModelIndex(), row, row)
        del self.segments[row]
        del self.heights[row]
        self.endRemoveRows()

    def forget_heights(self) -> None:
        self.heights = [0] * len(self.segments)


class _SegmentEditor(QTextEdit):
    """The inline editor of a segment's text: plain text, wrapped; Enter commits, Esc (the delegate) cancels.

    A QTextEdit, so the window's key filter already gives it every key while it has focus."""

    commit_requested = Signal()
    split_requested = Signal(int)
    """cursor position: split before the word there (Ctrl+Shift+S while editing)"""

    def __init__(self, parent: QWidget | None) -> None:
        super().__init__(parent)
        self.setAcceptRichText(False)
        self.setTabChangesFocus(True)
        self.setLineWrapMode(QTextEdit.LineWrapMode.WidgetWidth)
        self.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAsNeeded)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.loaded = False
        self.finished = False
        """set once committed or cancelled, so a late focus-out does not commit a second time"""

    def keyPressEvent(self, event: QKeyEvent) -> None:  # noqa: N802 - Qt's name
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            self.commit_requested.emit()
            return
        if QKeySequence(event.keyCombination()).matches(QKeySequence(_KEYS["split"])) == (
            QKeySequence.SequenceMatch.ExactMatch
        ):
            self.split_requested.emit(self.textCursor().position())
            return
        super().keyPressEvent(event)


class _SegmentDelegate(QStyledItemDelegate):
    """Measures and paints rows, hit-tests words, and runs the inline editor."""

    _MAX_LAYOUTS = 400

    def __init__(self, view: TranscriptView) -> None:
        super().__init__(view)
        self._view = view
        self._metrics: _Metrics | None = None
        self._width = -1
        self._layouts: dict[int, tuple[TranscriptSegment, RowLayout]] = {}

    # -- geometry ----------------------------------------------------------------------------------

    @property
    def metrics(self) -> _Metrics:
        if self._metrics is None:
            self._metrics = _Metrics(self._view.list_view.font())
        return self._metrics

    def font_changed(self) -> None:
        self._metrics = None
        self._width = -1

    def _use_width(self, width: int) -> None:
        """Every cached height and layout belongs to one row width; another width forgets them."""
        if width != self._width:
            self._width = width
            self._layouts.clear()
            self._view._model.forget_heights()

    def _measure(self, segment: TranscriptSegment, width: int) -> int:
        metrics = self.metrics
        widths = [metrics.width(token) for token in segment.text.split()]
        places = _wrap(widths, width - 2 * _PAD_X, metrics.space)
        lines = places[-1][0] + 1 if places else 1
        return metrics.words_top + lines * metrics.line_height + _PAD_BOTTOM

    def row_height(self, row: int, width: int) -> int:
        self._use_width(width)
        model = self._view._model
        height = model.heights[row]
        if not height:
            height = model.heights[row] = self._measure(model.segments[row], width)
        return height

    def measure(self, segment: TranscriptSegment) -> int:
        """The height ``segment`` would take at the current width."""
        return self._measure(segment, self._width)

    def layout(self, row: int, width: int) -> RowLayout:
        """Where the header parts and every word of ``row`` are painted (cached per segment and width)."""
        self._use_width(width)
        segment = self._view._model.segments[row]
        cached = self._layouts.get(row)
        if cached is not None and cached[0] is segment:
            return cached[1]
        if len(self._layouts) >= self._MAX_LAYOUTS:
            self._layouts.clear()
        layout = self._build_layout(segment, width)
        self._layouts[row] = (segment, layout)
        return layout

    def _build_layout(self, segment: TranscriptSegment, width: int) -> RowLayout:
        m = self.metrics
        header_top = _PAD_TOP
        time_text = time_range_text(segment)
        time_rect = QRect(_PAD_X, header_top, m.header.horizontalAdvance(time_text), m.header_height)
        x = time_rect.right() + 1 + 10
        speaker_rect = QRect()
        if segment.speaker:
            speaker_rect = QRect(
                x, header_top + 1, m.chip.horizontalAdvance(segment.speaker) + 2 * _CHIP_PAD, m.header_height - 2
            )
            x = speaker_rect.right() + 1 + 10
        badge = ""
        if segment.reviewed:
            badge = "✓ reviewed"
        elif segment.low_words:
            badge = f"{segment.low_words} to check"
        badge_rect = QRect(x, header_top, m.chip.horizontalAdvance(badge) + 2, m.header_height) if badge else QRect()
        tokens, offsets = [], []
        for found in _TOKEN.finditer(segment.text):
            tokens.append(found.group())
            offsets.append(found.start())
        places = _wrap([m.width(token) for token in tokens], width - 2 * _PAD_X, m.space)
        rects = [
            QRect(_PAD_X + px, m.words_top + line * m.line_height, m.width(token), m.line_height)
            for token, (line, px) in zip(tokens, places, strict=True)
        ]
        lines = places[-1][0] + 1 if places else 1
        words_rect = QRect(_PAD_X, m.words_top, max(1, width - 2 * _PAD_X), lines * m.line_height)
        height = m.words_top + lines * m.line_height + _PAD_BOTTOM
        return RowLayout(
            height,
            time_text,
            time_rect,
            speaker_rect,
            badge_rect,
            badge,
            tokens,
            offsets,
            rects,
            timed_words(segment),
            words_rect,
        )

    # -- QStyledItemDelegate -----------------------------------------------------------------------

    def sizeHint(self, option: QStyleOptionViewItem, index: QModelIndex) -> QSize:  # noqa: N802 - Qt's name
        width = self._view.list_view.viewport().width()
        return QSize(width, self.row_height(index.row(), width))

    def paint(self, painter: QPainter, option: QStyleOptionViewItem, index: QModelIndex) -> None:
        view = self._view
        row = index.row()
        segment = view._model.segments[row]
        rect = option.rect
        layout = self.layout(row, rect.width())
        m = self.metrics
        palette = option.palette
        text_color = palette.text().color()
        muted = QColor(text_color)
        muted.setAlphaF(0.6)
        playing = row == view._row
        painter.save()
        painter.translate(rect.topLeft())
        painter.setClipRect(QRect(0, 0, rect.width(), rect.height()))
        if option.state & QStyle.StateFlag.State_Selected:
            fill = QColor(palette.highlight().color())
            fill.setAlpha(70)
            painter.fillRect(0, 0, rect.width(), rect.height(), fill)
        elif playing:
            fill = QColor(CURRENT_WORD_COLOR)
            fill.setAlpha(28)
            painter.fillRect(0, 0, rect.width(), rect.height(), fill)
        if playing:
            painter.fillRect(0, 0, _BAR_WIDTH, rect.height(), CURRENT_WORD_COLOR)

        # header: times, speaker chip, review state
        painter.setFont(m.header_font)
        painter.setPen(muted)
        painter.drawText(layout.time_rect, Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter, layout.time_text)
        if segment.speaker:
            painter.setRenderHint(QPainter.RenderHint.Antialiasing, True)
            painter.setPen(Qt.PenStyle.NoPen)
            painter.setBrush(view._speaker_color(segment.speaker))
            painter.drawRoundedRect(layout.speaker_rect, 3, 3)
            painter.setFont(m.chip_font)
            painter.setPen(QColor("#101010"))
            painter.drawText(layout.speaker_rect, Qt.AlignmentFlag.AlignCenter, segment.speaker)
            painter.setRenderHint(QPainter.RenderHint.Antialiasing, False)
        if layout.badge:
            painter.setFont(m.chip_font)
            painter.setPen(REVIEWED_COLOR if segment.reviewed else LOW_WORD_COLOR)
            painter.drawText(
                layout.badge_rect, Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter, layout.badge
            )

        # words: find matches under them, the played word on yellow, low ones underlined
        for start, end, current in view._row_matches(row):
            self._paint_match(painter, layout, start, end, CURRENT_MATCH_COLOR if current else MATCH_COLOR)
        played = view._word if playing else None
        picked = view._picked[1] if view._picked is not None and view._picked[0] == row else None
        painter.setFont(m.word_font)
        ascent = m.words.ascent()
        underline = QColor(LOW_WORD_COLOR)
        if segment.reviewed:
            underline.setAlpha(110)
        for token_index, (token, word_rect) in enumerate(zip(layout.tokens, layout.rects, strict=True)):
            baseline = word_rect.top() + 1 + ascent
            if token_index == played:
                painter.fillRect(word_rect.adjusted(-2, 0, 2, 0), CURRENT_WORD_COLOR)
                painter.setPen(QColor("#000000"))
            else:
                painter.setPen(text_color)
            painter.drawText(word_rect.left(), baseline, token)
            if layout.timed[token_index].low:
                painter.fillRect(word_rect.left(), baseline + 2, word_rect.width(), 2, underline)
            if token_index == picked:
                pen = QPen(PICKED_WORD_COLOR, 1.5)
                painter.setPen(pen)
                painter.setBrush(Qt.BrushStyle.NoBrush)
                painter.drawRect(word_rect.adjusted(-2, 0, 1, -1))
        separator = QColor(text_color)
        separator.setAlphaF(0.15)
        painter.fillRect(0, rect.height() - 1, rect.width(), 1, separator)
        painter.restore()

    def _paint_match(self, painter: QPainter, layout: RowLayout, start: int, end: int, color: QColor) -> None:
        """Tint characters [start, end) of the text, across word gaps when the match spans them."""
        m = self.metrics
        for token, offset, word_rect in zip(layout.tokens, layout.offsets, layout.rects, strict=True):
            token_end = offset + len(token)
            if token_end <= start or offset >= end:
                continue
            a, b = max(start, offset) - offset, min(end, token_end) - offset
            left = word_rect.left() + m.words.horizontalAdvance(token[:a])
            right = word_rect.left() + m.words.horizontalAdvance(token[:b])
            if end > token_end:
                right += m.space
            painter.fillRect(QRect(left, word_rect.top(), right - left, word_rect.height()), color)

    # -- inline editor -----------------------------------------------------------------------------

    def createEditor(self, parent: QWidget, option: QStyleOptionViewItem, index: QModelIndex) -> QWidget:  # noqa: N802
        editor = _SegmentEditor(parent)
        editor.setFont(self._view.list_view.font())
        editor.commit_requested.connect(partial(self._on_editor_commit_requested, editor))
        editor.split_requested.connect(partial(self._view._on_editor_split_requested, editor))
        self._view._editor = editor
        self._view._editor_index = QPersistentModelIndex(index)
        return editor

    def destroyEditor(self, editor: QWidget, index: QModelIndex) -> None:  # noqa: N802 - Qt's name
        if self._view._editor is editor:
            self._view._editor = None
            self._view._editor_index = None
        super().destroyEditor(editor, index)

    def setEditorData(self, editor: QWidget, index: QModelIndex) -> None:  # noqa: N802 - Qt's name
        # Called again whenever the edited row's data changes: never overwrite what the user is typing.
        if not isinstance(editor, _SegmentEditor) or editor.loaded:
            return
        editor.loaded = True
        segment = self._view._model.segments[index.row()]
        editor.setPlainText(segment.text)
        cursor = editor.textCursor()
        picked = self._view._picked
        if picked is not None and picked[0] == index.row():
            offsets = [found.start() for found in _TOKEN.finditer(segment.text)]
            cursor.setPosition(offsets[picked[1]] if picked[1] < len(offsets) else len(segment.text))
        else:
            cursor.movePosition(cursor.MoveOperation.End)
        editor.setTextCursor(cursor)

    def setModelData(self, editor: QWidget, model: QAbstractListModel, index: QModelIndex) -> None:  # noqa: N802
        if not isinstance(editor, _SegmentEditor) or editor.finished:
            return
        editor.finished = True
        self._view._on_editor_committed(index.row(), editor.toPlainText())

    def updateEditorGeometry(self, editor: QWidget, option: QStyleOptionViewItem, index: QModelIndex) -> None:  # noqa: N802
        layout = self.layout(index.row(), option.rect.width())
        area = layout.words_rect.translated(option.rect.topLeft())
        minimum = 2 * self.metrics.line_height + 8
        editor.setGeometry(area.adjusted(-6, -3, 6, max(0, minimum - area.height()) + 3))

    def eventFilter(self, editor: QObject, event: QEvent) -> bool:  # noqa: N802 - Qt's name
        if (
            isinstance(editor, _SegmentEditor)
            and event.type() == QEvent.Type.KeyPress
            and event.key() == Qt.Key.Key_Escape
        ):
            editor.finished = True
        return super().eventFilter(editor, event)

    def _on_editor_commit_requested(self, editor: _SegmentEditor) -> None:
        self.commitData.emit(editor)
        self.closeEditor.emit(editor, QAbstractItemDelegate.EndEditHint.NoHint)

    def cancel(self, editor: _SegmentEditor) -> None:
        editor.finished = True
        self.closeEditor.emit(editor, QAbstractItemDelegate.EndEditHint.RevertModelCache)


class _SegmentList(QListView):
    """The list: clicks on words seek, Enter edits, an empty list says how to get a transcript."""

    def __init__(self, owner: TranscriptView) -> None:
        super().__init__(owner)
        self._owner = owner
        self.placeholder = EMPTY_TEXT

    def mousePressEvent(self, event: QMouseEvent) -> None:  # noqa: N802 - Qt's name
        super().mousePressEvent(event)
        if event.button() == Qt.MouseButton.LeftButton and event.modifiers() == Qt.KeyboardModifier.NoModifier:
            self._owner._on_list_clicked(event.position().toPoint())

    def keyPressEvent(self, event: QKeyEvent) -> None:  # noqa: N802 - Qt's name
        if (
            event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter)
            and self.state() != QAbstractItemView.State.EditingState
            and self.currentIndex().isValid()
        ):
            self.edit(self.currentIndex())
            return
        super().keyPressEvent(event)

    def contextMenuEvent(self, event: QContextMenuEvent) -> None:  # noqa: N802 - Qt's name
        self._owner._on_list_context_menu(event.pos(), event.globalPos())

    def changeEvent(self, event: QEvent) -> None:  # noqa: N802 - Qt's name
        if event.type() == QEvent.Type.FontChange:
            self._owner._delegate.font_changed()
        super().changeEvent(event)

    def paintEvent(self, event: QPaintEvent) -> None:  # noqa: N802 - Qt's name
        super().paintEvent(event)
        if self.model() is not None and self.model().rowCount() == 0 and self.placeholder:
            painter = QPainter(self.viewport())
            color = self.palette().text().color()
            color.setAlphaF(0.55)
            painter.setPen(color)
            painter.drawText(self.viewport().rect(), Qt.AlignmentFlag.AlignCenter, self.placeholder)


class _FindBar(QWidget):
    """Find and replace fields with their options, buttons and the match count."""

    def __init__(self, parent: QWidget) -> None:
        super().__init__(parent)
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
        self._model = _SegmentModel(self)
        self._row: int | None = None
        self._word: int | None = None
        self._position_ms: int | None = None
        self._current_timed: tuple[TranscriptSegment | None, tuple[Word, ...]] = (None, ())
        self._picked: tuple[int, int] | None = None
        """(row, token) of the word picked with a click: what Ctrl+Shift+S splits before"""
        self._editor: _SegmentEditor | None = None
        self._editor_index: QPersistentModelIndex | None = None
        self._reviewed = 0
        self._to_check = 0
        self._speaker_palette: dict[str, QColor] | None = None
        self._matches: list[Match] = []
        self._match_index = -1
        self._matches_by_row: dict[int, list[tuple[int, int, int]]] = {}
        self._match_anchor: tuple[int, int] | None = None
        self._reveal_after_refresh = False

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
        self.help_button.setToolTip(self.shortcuts_help())
        toolbar = QHBoxLayout()
        toolbar.setContentsMargins(4, 2, 4, 2)
        toolbar.addWidget(self.busy_label)
        toolbar.addStretch(1)
        toolbar.addWidget(self.follow_button)
        toolbar.addWidget(self.find_button)
        toolbar.addWidget(self.help_button)

        self.find_bar = _FindBar(self)
        self.find_bar.hide()
        self.find_bar.find_field.textChanged.connect(self._on_find_options_changed)
        self.find_bar.match_case.toggled.connect(self._on_find_options_changed)
        self.find_bar.whole_word.toggled.connect(self._on_find_options_changed)
        self.find_bar.next.clicked.connect(self.find_next)
        self.find_bar.previous.clicked.connect(self.find_previous)
        self.find_bar.close_button.clicked.connect(self.hide_find)
        self.find_bar.replace_button.clicked.connect(self.replace_current)
        self.find_bar.replace_all_button.clicked.connect(self.replace_everywhere)
        self.find_bar.find_field.installEventFilter(self)
        self.find_bar.replace_field.installEventFilter(self)
        self._match_timer = QTimer(self)
        self._match_timer.setSingleShot(True)
        self._match_timer.setInterval(0)
        self._match_timer.timeout.connect(self._refresh_matches)

        self._delegate = _SegmentDelegate(self)
        self._list = _SegmentList(self)
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
            shortcut = QShortcut(QKeySequence(_KEYS[name]), self)
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
        self._schedule_matches()
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
        width = self._delegate._width
        height = self._model.heights[index]
        unchanged = width > 0 and height and self._delegate._measure(segment, width) == height
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
        self._schedule_matches()

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
        self._request_split(row, self._picked[1])

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
        segment = self._model.segments[index]
        menu = QMenu(self)
        start = segment.start_ms
        if word is not None:
            start = timed_words(segment)[word].start_ms
        self._menu_action(menu, "Play from here", partial(self.play_requested.emit, start))
        menu.addSeparator()
        self._menu_action(menu, "Edit text", partial(self.edit, index), "F2")
        tokens = segment.text.split()
        if word is not None and 0 < word < len(tokens):
            action = self._menu_action(
                menu, f"Split before «{tokens[word]}»", partial(self._request_split, index, word), _KEYS["split"]
            )
            action.setEnabled(len(segment.words) == len(tokens))
        merge = self._menu_action(menu, "Merge with next", partial(self.merge_requested.emit, index), _KEYS["merge"])
        merge.setEnabled(index + 1 < len(self._model.segments))
        nudge = menu.addMenu("Move edges")
        for text, edge, delta, key in (
            ("Start 50 ms earlier", "start", -NUDGE_MS, "start_earlier"),
            ("Start 50 ms later", "start", NUDGE_MS, "start_later"),
            ("End 50 ms earlier", "end", -NUDGE_MS, "end_earlier"),
            ("End 50 ms later", "end", NUDGE_MS, "end_later"),
        ):
            self._menu_action(nudge, text, partial(self.nudge_requested.emit, index, edge, delta), _KEYS[key])
        menu.addSeparator()
        rows = self.selected_indices()
        if index not in rows:
            rows = [index]
        self._menu_action(menu, "Set speaker…", self.ask_speaker, _KEYS["speaker"])
        if segment.speaker:
            self._menu_action(
                menu, f"Rename speaker {segment.speaker}…", partial(self.ask_rename_speaker, segment.speaker)
            )
        reviewed = all(self._model.segments[row].reviewed for row in rows)
        self._menu_action(
            menu,
            "Mark not reviewed" if reviewed else "Mark reviewed",
            partial(self.reviewed_requested.emit, rows, not reviewed),
            _KEYS["reviewed"],
        )
        menu.addSeparator()
        self._menu_action(menu, "Find and replace…", self.show_find, _KEYS["find"])
        return menu

    @staticmethod
    def shortcuts_help() -> str:
        return "Transcript keys (when the transcript has focus):\n" + "\n".join(
            f"{keys}: {what}" for what, keys in SHORTCUTS
        )

    # -- find and replace ------------------------------------------------------------------------------

    def show_find(self) -> None:
        """Ctrl+F: open the find bar with the find field focused (and its text selected)."""
        self.find_bar.show()
        self.find_bar.find_field.setFocus()
        self.find_bar.find_field.selectAll()
        self._refresh_matches()

    def hide_find(self) -> None:
        self.find_bar.hide()
        self._matches, self._matches_by_row, self._match_index = [], {}, -1
        self._list.viewport().update()
        self._list.setFocus()

    def matches(self) -> list[Match]:
        return list(self._matches)

    def current_match(self) -> int:
        """Index into :meth:`matches` of the current match, −1 when there is none."""
        return self._match_index

    def find_next(self) -> None:
        self._step_match(+1)

    def find_previous(self) -> None:
        self._step_match(-1)

    def replace_current(self) -> None:
        """Replace the current match (the owner applies the change; the next match becomes current)."""
        if not 0 <= self._match_index < len(self._matches):
            return
        match = self._matches[self._match_index]
        replacement = self.find_bar.replace_field.text()
        text = self._model.segments[match.segment_index].text
        new = normalize_text(text[: match.start] + replacement + text[match.end :])
        self._match_anchor = (match.segment_index, match.start + len(replacement))
        self._reveal_after_refresh = True
        if new != text:
            self.replace_requested.emit({match.segment_index: new})

    def replace_everywhere(self) -> None:
        needle = self.find_bar.find_field.text()
        changes = replace_all(
            self._model.segments,
            needle,
            self.find_bar.replace_field.text(),
            case_sensitive=self.find_bar.match_case.isChecked(),
            whole_word=self.find_bar.whole_word.isChecked(),
        )
        if changes:
            self.replace_requested.emit(changes)

    # -- internals -----------------------------------------------------------------------------------

    def _menu_action(self, menu: QMenu, text: str, slot: Callable[[], object], keys: str = "") -> QAction:
        action = menu.addAction(text)
        if keys:
            action.setShortcut(QKeySequence(keys))
            action.setShortcutVisibleInContextMenu(True)
        action.triggered.connect(lambda _checked=False: slot())
        return action

    def _current_row(self) -> int | None:
        index = self._list.currentIndex()
        if index.isValid():
            return index.row()
        rows = self.selected_indices()
        return rows[0] if rows else None

    def _request_split(self, row: int, word: int) -> None:
        segment = self._model.segments[row]
        if 0 < word < len(segment.words) and len(segment.words) == len(segment.text.split()):
            self.split_requested.emit(row, word)
        else:
            log.debug("no split of segment %d before word %d (%d timed words)", row, word, len(segment.words))

    def _speaker_color(self, name: str) -> QColor:
        if self._speaker_palette is None:
            self._speaker_palette = speaker_colors(segment.speaker for segment in self._model.segments)
        return self._speaker_palette.get(name) or QColor(NO_SPEAKER_COLOR)

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
        self._schedule_matches()

    def _on_list_clicked(self, pos: QPoint) -> None:
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

    def _on_list_context_menu(self, pos: QPoint, global_pos: QPoint) -> None:
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

    def _on_editor_split_requested(self, editor: _SegmentEditor, position: int) -> None:
        """Split while editing: commit the text if it changed, close the editor, split before the word at the
        cursor (its index among the words of the text as typed)."""
        if self._editor_index is None or not self._editor_index.isValid():
            return
        row = self._editor_index.row()
        text = editor.toPlainText()
        starts = [found.start() for found in _TOKEN.finditer(text)]
        word = sum(1 for start in starts if start <= position) - 1
        changed = normalize_text(text) != normalize_text(self._model.segments[row].text)
        if changed:
            self._delegate.commitData.emit(editor)
            self._delegate.closeEditor.emit(editor, QAbstractItemDelegate.EndEditHint.NoHint)
            if 0 < word < len(starts):
                self.split_requested.emit(row, word)
        else:
            self._delegate.cancel(editor)
            self._request_split(row, word)

    def _row_matches(self, row: int) -> list[tuple[int, int, bool]]:
        return [(start, end, number == self._match_index) for start, end, number in self._matches_by_row.get(row, ())]

    def _schedule_matches(self) -> None:
        if not self.find_bar.isHidden() and self.find_bar.find_field.text():
            self._match_timer.start()

    def _on_find_options_changed(self) -> None:
        self._match_anchor = None
        self._refresh_matches(reveal=True)

    def _refresh_matches(self, reveal: bool = False) -> None:
        """Find again (after the text, the options or the segments changed); keep the current match at the
        same place, or the first one after the selected segment for a new search."""
        bar = self.find_bar
        needle = "" if bar.isHidden() else bar.find_field.text()
        self._matches = find_all(self._model.segments, needle, bar.match_case.isChecked(), bar.whole_word.isChecked())
        self._matches_by_row = {}
        for number, match in enumerate(self._matches):
            self._matches_by_row.setdefault(match.segment_index, []).append((match.start, match.end, number))
        anchor = self._match_anchor
        if anchor is None:
            current = self._list.currentIndex()
            anchor = (current.row() if current.isValid() else 0, 0)
        keys = [(match.segment_index, match.start) for match in self._matches]
        self._match_index = next((i for i, key in enumerate(keys) if key >= anchor), 0) if keys else -1
        self._show_match_count(needle)
        if (reveal or self._reveal_after_refresh) and self._match_index >= 0:
            self._reveal_match()
        self._reveal_after_refresh = False
        self._list.viewport().update()

    def _show_match_count(self, needle: str) -> None:
        if not needle:
            self.find_bar.count.setText("")
        elif not self._matches:
            self.find_bar.count.setText("No matches")
        else:
            self.find_bar.count.setText(f"{self._match_index + 1} / {len(self._matches):,}")

    def _step_match(self, step: int) -> None:
        if self.find_bar.isHidden():
            self.show_find()
        if self._match_timer.isActive():
            self._match_timer.stop()
            self._refresh_matches()
        if not self._matches:
            return
        self._match_index = (self._match_index + step) % len(self._matches)
        match = self._matches[self._match_index]
        self._match_anchor = (match.segment_index, match.start)
        self._show_match_count(self.find_bar.find_field.text())
        self._reveal_match()
        self._list.viewport().update()

    def _reveal_match(self) -> None:
        match = self._matches[self._match_index]
        self._match_anchor = (match.segment_index, match.start)
        self.select(match.segment_index)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 - Qt's name
        """Keys of the find bar's fields: Enter finds (Shift: backwards) or replaces, F3 steps, Esc closes.

        Handled here as well as by the shortcuts because the window's key filter gives text fields every key."""
        if event.type() != QEvent.Type.KeyPress or watched not in (
            self.find_bar.find_field,
            self.find_bar.replace_field,
        ):
            return super().eventFilter(watched, event)
        key, shift = event.key(), bool(event.modifiers() & Qt.KeyboardModifier.ShiftModifier)
        if key == Qt.Key.Key_Escape:
            self.hide_find()
        elif key in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            if watched is self.find_bar.replace_field:
                self.replace_current()
            else:
                self._step_match(-1 if shift else +1)
        elif key == Qt.Key.Key_F3:
            self._step_match(-1 if shift else +1)
        else:
            return super().eventFilter(watched, event)
        return True
