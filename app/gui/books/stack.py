"""The undo stack the books share, which refuses every change while the project is open read-only."""

from __future__ import annotations

from PySide6.QtCore import QObject, Signal
from PySide6.QtGui import QUndoCommand, QUndoStack


class ProjectUndoStack(QUndoStack):
    """A QUndoStack whose commands store each change in the project. While :attr:`read_only` holds a reason,
    a command pushed is neither run nor kept (nothing is stored, no undo step is left) and :attr:`refused` says
    so, once per command or macro."""

    refused = Signal(str)
    """the sentence for the status bar: what was not saved, and why"""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.read_only = ""
        """why the project cannot be changed ("" when it can)"""
        self._refused_macro = 0

    def push(self, command: QUndoCommand) -> None:
        if not self.read_only:
            super().push(command)
        elif not self._refused_macro:
            self._refuse(command.text())

    def beginMacro(self, text: str) -> None:
        if not self.read_only:
            super().beginMacro(text)
            return
        if not self._refused_macro:
            self._refuse(text)
        self._refused_macro += 1

    def endMacro(self) -> None:
        if self._refused_macro:
            self._refused_macro -= 1
        else:
            super().endMacro()

    def _refuse(self, what: str) -> None:
        self.refused.emit(f"Not saved ({what}): {self.read_only}")
