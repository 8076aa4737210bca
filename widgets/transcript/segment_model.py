"""The transcript's rows as a list model: the segments and each row's measured height.

Plus the count of words still to check the rows and the view share (the rules themselves, which words are
timed and which are to check, are :func:`app.model.transcript.timed_words` and ``words_to_check``).
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from PySide6.QtCore import QAbstractListModel, QModelIndex, QObject, Qt

from app.model.transcript import TranscriptSegment, timed_words

__all__ = ["TOKEN", "SegmentModel", "timed_words", "to_check"]

TOKEN = re.compile(r"\S+")
"""A word of a segment's text, as the rows lay them out and the editor counts them."""


def to_check(segment: TranscriptSegment) -> int:
    """Low-probability words still to look at (the underlined ones): none once the segment is reviewed."""
    return 0 if segment.reviewed else segment.low_words


class SegmentModel(QAbstractListModel):
    """The segments, plus each row's measured height (0: not measured at the current width)."""

    SEGMENT_ROLE = Qt.ItemDataRole.UserRole + 1

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.segments: list[TranscriptSegment] = []
        self.heights: list[int] = []

    def rowCount(self, parent: QModelIndex = QModelIndex()) -> int:  # noqa: B008 - Qt's signature
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
