"""The list of transcript rows: it reports clicks and context menu requests to the view and paints a
placeholder while there is no transcript."""

from __future__ import annotations

from PySide6.QtCore import QEvent, QPoint, Qt, Signal
from PySide6.QtGui import QContextMenuEvent, QKeyEvent, QMouseEvent, QPainter, QPaintEvent
from PySide6.QtWidgets import QAbstractItemView, QListView, QWidget


class SegmentList(QListView):
    """The list: reports plain left clicks and context menu requests, Enter edits, an empty list says how to get
    a transcript."""

    clicked_at = Signal(QPoint)
    """a plain left click, in viewport coordinates"""
    context_menu_requested = Signal(QPoint, QPoint)
    """where, in viewport and in global coordinates"""
    font_changed = Signal()

    def __init__(self, placeholder: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.placeholder = placeholder

    def mousePressEvent(self, event: QMouseEvent) -> None:  # Qt's name
        super().mousePressEvent(event)
        if event.button() == Qt.MouseButton.LeftButton and event.modifiers() == Qt.KeyboardModifier.NoModifier:
            self.clicked_at.emit(event.position().toPoint())

    def keyPressEvent(self, event: QKeyEvent) -> None:  # Qt's name
        if (
            event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter)
            and self.state() != QAbstractItemView.State.EditingState
            and self.currentIndex().isValid()
        ):
            self.edit(self.currentIndex())
            return
        super().keyPressEvent(event)

    def contextMenuEvent(self, event: QContextMenuEvent) -> None:  # Qt's name
        self.context_menu_requested.emit(event.pos(), event.globalPos())

    def changeEvent(self, event: QEvent) -> None:  # Qt's name
        if event.type() == QEvent.Type.FontChange:
            self.font_changed.emit()
        super().changeEvent(event)

    def paintEvent(self, event: QPaintEvent) -> None:  # Qt's name
        super().paintEvent(event)
        if self.model() is not None and self.model().rowCount() == 0 and self.placeholder:
            painter = QPainter(self.viewport())
            color = self.palette().text().color()
            color.setAlphaF(0.55)
            painter.setPen(color)
            painter.drawText(self.viewport().rect(), Qt.AlignmentFlag.AlignCenter, self.placeholder)
