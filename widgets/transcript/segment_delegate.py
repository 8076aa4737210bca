"""How a transcript row looks: its measured layout, its painting and its inline editor.

:class:`SegmentDelegate` measures each row from cached word widths (no text layout engine), so a 3-hour
transcript of 3,000 segments lays out in tens of milliseconds, and paints a header (times, speaker, review
state) above the wrapped words: low-probability words underlined, the word being played on a highlighted
background, find matches tinted. It is a part of :class:`~widgets.transcript.transcript_view.TranscriptView`
and reads the view's playback, pick and find state to paint.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import partial
from typing import TYPE_CHECKING

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
    Signal,
)
from PySide6.QtGui import QColor, QFont, QFontMetrics, QKeyEvent, QKeySequence, QPainter, QPen
from PySide6.QtWidgets import (
    QAbstractItemDelegate,
    QStyle,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QTextEdit,
    QWidget,
)

from app.model.transcript import TranscriptSegment, Word, words_to_check
from app.timecode import format_ms
from widgets.style import PLAYHEAD
from widgets.transcript.segment_model import TOKEN, SegmentModel, timed_words
from widgets.transcript.shortcuts import KEYS

if TYPE_CHECKING:
    from widgets.transcript.transcript_view import TranscriptView

CURRENT_WORD_COLOR = QColor(PLAYHEAD)
"""The playhead's colour on the timeline, for the word being played."""
LOW_WORD_COLOR = QColor("#fb8c00")
REVIEWED_COLOR = QColor("#43a047")
PICKED_WORD_COLOR = QColor("#42a5f5")
MATCH_COLOR = QColor(66, 165, 245, 90)
CURRENT_MATCH_COLOR = QColor(171, 71, 188, 170)

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
    low: frozenset[int]
    """the tokens marked for review (underlined; the badge counts them)"""
    words_rect: QRect
    """the area of the wrapped words (where the inline editor goes)"""

    def token_at(self, point: QPoint, slack: int = 0) -> int | None:
        """The token under ``point`` (``slack`` pixels of the gaps count as the word's)."""
        for index, rect in enumerate(self.rects):
            if rect.adjusted(-slack, 0, slack, 0).contains(point):
                return index
        return None


class RowMetrics:
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


def wrap_words(widths: Sequence[int], available: int, space: int) -> list[tuple[int, int]]:
    """(line, x) of each word when words separated by ``space`` are wrapped at ``available`` pixels."""
    places, line, x = [], 0, 0
    for width in widths:
        if x and x + width > available:
            line, x = line + 1, 0
        places.append((line, x))
        x += width + space
    return places


class SegmentEditor(QTextEdit):
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

    def keyPressEvent(self, event: QKeyEvent) -> None:  # Qt's name
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            self.commit_requested.emit()
            return
        if QKeySequence(event.keyCombination()).matches(QKeySequence(KEYS["split"])) == (
            QKeySequence.SequenceMatch.ExactMatch
        ):
            self.split_requested.emit(self.textCursor().position())
            return
        super().keyPressEvent(event)


class SegmentDelegate(QStyledItemDelegate):
    """Measures and paints rows, hit-tests words, and runs the inline editor."""

    editor_opened = Signal(object, QPersistentModelIndex)
    """the inline editor, the row it edits"""
    editor_closed = Signal(object)
    """the inline editor, about to be destroyed"""
    text_committed = Signal(int, str)
    """row, the text the editor holds when it commits"""
    editor_split_requested = Signal(object, int)
    """the inline editor, its cursor position: Ctrl+Shift+S while editing"""

    _MAX_LAYOUTS = 400

    def __init__(self, view: TranscriptView, model: SegmentModel) -> None:
        super().__init__(view)
        self._view = view
        self._model = model
        self._metrics: RowMetrics | None = None
        self._width = -1
        self._layouts: dict[int, tuple[TranscriptSegment, RowLayout]] = {}

    # -- geometry ----------------------------------------------------------------------------------

    @property
    def metrics(self) -> RowMetrics:
        if self._metrics is None:
            self._metrics = RowMetrics(self._view.list_view.font())
        return self._metrics

    def font_changed(self) -> None:
        self._metrics = None
        self._width = -1

    def _use_width(self, width: int) -> None:
        """Every cached height and layout belongs to one row width; another width forgets them."""
        if width != self._width:
            self._width = width
            self._layouts.clear()
            self._model.forget_heights()

    def _measure(self, segment: TranscriptSegment, width: int) -> int:
        metrics = self.metrics
        widths = [metrics.width(token) for token in segment.text.split()]
        places = wrap_words(widths, width - 2 * _PAD_X, metrics.space)
        lines = places[-1][0] + 1 if places else 1
        return metrics.words_top + lines * metrics.line_height + _PAD_BOTTOM

    def row_height(self, row: int, width: int) -> int:
        self._use_width(width)
        model = self._model
        height = model.heights[row]
        if not height:
            height = model.heights[row] = self._measure(model.segments[row], width)
        return height

    def keeps_height(self, segment: TranscriptSegment, height: int) -> bool:
        """Whether ``segment`` is ``height`` pixels tall at the current row width (False before any row was
        measured): then its row can be repainted where it is, without laying out the list again."""
        return self._width > 0 and bool(height) and self._measure(segment, self._width) == height

    def layout(self, row: int, width: int) -> RowLayout:
        """Where the header parts and every word of ``row`` are painted (cached per segment and width)."""
        self._use_width(width)
        segment = self._model.segments[row]
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
        low = frozenset(words_to_check(segment))
        badge = ""
        if segment.reviewed:
            badge = "✓ reviewed"
        elif low:
            badge = f"{len(low)} to check"
        badge_rect = QRect(x, header_top, m.chip.horizontalAdvance(badge) + 2, m.header_height) if badge else QRect()
        tokens, offsets = [], []
        for found in TOKEN.finditer(segment.text):
            tokens.append(found.group())
            offsets.append(found.start())
        places = wrap_words([m.width(token) for token in tokens], width - 2 * _PAD_X, m.space)
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
            low,
            words_rect,
        )

    # -- QStyledItemDelegate -----------------------------------------------------------------------

    def sizeHint(self, option: QStyleOptionViewItem, index: QModelIndex) -> QSize:  # Qt's name
        width = self._view.list_view.viewport().width()
        return QSize(width, self.row_height(index.row(), width))

    def paint(self, painter: QPainter, option: QStyleOptionViewItem, index: QModelIndex) -> None:
        view = self._view
        row = index.row()
        segment = self._model.segments[row]
        rect = option.rect
        layout = self.layout(row, rect.width())
        m = self.metrics
        palette = option.palette
        text_color = palette.text().color()
        muted = QColor(text_color)
        muted.setAlphaF(0.6)
        played_row, played_word = view.current()
        playing = row == played_row
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
            painter.setBrush(view.speaker_color(segment.speaker))
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
        for start, end, current in view.find_bar.row_matches(row):
            self._paint_match(painter, layout, start, end, CURRENT_MATCH_COLOR if current else MATCH_COLOR)
        played = played_word if playing else None
        picked_word = view.picked_word()
        picked = picked_word[1] if picked_word is not None and picked_word[0] == row else None
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
            if token_index in layout.low:
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

    def createEditor(self, parent: QWidget, option: QStyleOptionViewItem, index: QModelIndex) -> QWidget:
        editor = SegmentEditor(parent)
        editor.setFont(self._view.list_view.font())
        editor.commit_requested.connect(partial(self._on_editor_commit_requested, editor))
        editor.split_requested.connect(partial(self.editor_split_requested.emit, editor))
        self.editor_opened.emit(editor, QPersistentModelIndex(index))
        return editor

    def destroyEditor(self, editor: QWidget, index: QModelIndex) -> None:  # Qt's name
        self.editor_closed.emit(editor)
        super().destroyEditor(editor, index)

    def setEditorData(self, editor: QWidget, index: QModelIndex) -> None:  # Qt's name
        # Called again whenever the edited row's data changes: never overwrite what the user is typing.
        if not isinstance(editor, SegmentEditor) or editor.loaded:
            return
        editor.loaded = True
        segment = self._model.segments[index.row()]
        editor.setPlainText(segment.text)
        cursor = editor.textCursor()
        picked = self._view.picked_word()
        if picked is not None and picked[0] == index.row():
            offsets = [found.start() for found in TOKEN.finditer(segment.text)]
            cursor.setPosition(offsets[picked[1]] if picked[1] < len(offsets) else len(segment.text))
        else:
            cursor.movePosition(cursor.MoveOperation.End)
        editor.setTextCursor(cursor)

    def setModelData(self, editor: QWidget, model: QAbstractListModel, index: QModelIndex) -> None:
        if not isinstance(editor, SegmentEditor) or editor.finished:
            return
        editor.finished = True
        self.text_committed.emit(index.row(), editor.toPlainText())

    def updateEditorGeometry(self, editor: QWidget, option: QStyleOptionViewItem, index: QModelIndex) -> None:
        layout = self.layout(index.row(), option.rect.width())
        area = layout.words_rect.translated(option.rect.topLeft())
        minimum = 2 * self.metrics.line_height + 8
        editor.setGeometry(area.adjusted(-6, -3, 6, max(0, minimum - area.height()) + 3))

    def eventFilter(self, editor: QObject, event: QEvent) -> bool:  # Qt's name
        if (
            isinstance(editor, SegmentEditor)
            and event.type() == QEvent.Type.KeyPress
            and event.key() == Qt.Key.Key_Escape
        ):
            editor.finished = True
        return super().eventFilter(editor, event)

    def _on_editor_commit_requested(self, editor: SegmentEditor) -> None:
        self.commitData.emit(editor)
        self.closeEditor.emit(editor, QAbstractItemDelegate.EndEditHint.NoHint)

    def cancel(self, editor: SegmentEditor) -> None:
        editor.finished = True
        self.closeEditor.emit(editor, QAbstractItemDelegate.EndEditHint.RevertModelCache)
