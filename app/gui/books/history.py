"""The undo history of the open project's edits, and what happens when the project refuses one.

Every edit, undo and redo is stored as one unit (one transaction, however many rows and commands it holds).
When the project refuses it (a full disk, a read-only file), the unit is rolled back whole and:

- a new edit leaves no entry in the history;
- an undo or a redo leaves the history where it was, so it can be tried again once there is room;
- the books read the project again, so the views show what the file holds;
- ``failed`` carries the reason (the window shows it).
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from PySide6.QtCore import QObject, Signal
from PySide6.QtGui import QAction, QKeySequence, QUndoCommand

from analysis.errors import SalientError
from app.gui.books.stack import ProjectUndoStack
from app.project.store import Store

log = logging.getLogger(__name__)


class StoredCommand(QUndoCommand):
    """An edit that writes to the project: ``apply`` on redo, ``revert`` on undo, both run by the history,
    which notices a write the project refuses."""

    def __init__(self, history: EditHistory, text: str) -> None:
        super().__init__(text)
        self._history = history

    def redo(self) -> None:
        self._history._run(self.apply)

    def undo(self) -> None:
        self._history._run(self.revert)

    def apply(self) -> None:
        raise NotImplementedError

    def revert(self) -> None:
        raise NotImplementedError


class EditHistory(QObject):
    """The undo stack shared by the books, with every step stored all or nothing."""

    failed = Signal(str)
    """why an edit, an undo or a redo could not be stored (the project and the views are as they were)"""
    reload_requested = Signal()
    """a refused step was rolled back: the books read the project again"""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.stack = ProjectUndoStack(self)
        """while the project is open read-only, it refuses every command (says so, keeps nothing)"""
        self.store: Store | None = None
        self._failure: SalientError | None = None
        self._replaying = False
        """putting the stack back after a refused undo or redo: commands write nothing"""
        self._in_step = False
        self._committed: list[Callable[[], None]] = []

    def after_commit(self, action: Callable[[], None]) -> None:
        """Run ``action`` once the step under way is stored (at once outside a step); never if it is refused.
        For work a stored edit starts (aligning an edited text), not worth starting for one rolled back."""
        if self._in_step:
            self._committed.append(action)
        else:
            action()

    @property
    def failing(self) -> bool:
        """Whether a command of the step under way was refused (a loop of edits can stop there)."""
        return self._failure is not None

    def push(self, command: QUndoCommand) -> bool:
        """Apply a new edit and keep it in the history; False, with nothing kept, if the project refused it."""
        if self._in_step or self.stack.read_only:  # inside a macro (the macro is the step), or refused
            self.stack.push(command)
            return not self.failing and not self.stack.read_only
        return self._step(lambda: self.stack.push(command), self._drop_top)

    def macro(self, title: str, body: Callable[[], None]) -> bool:
        """The edits ``body`` pushes, as one step (one undo, stored together); False if it was refused."""
        count = self.stack.count()
        if self.stack.read_only:  # refused once for the whole macro, nothing run
            self.stack.beginMacro(title)
            try:
                body()
            finally:
                self.stack.endMacro()
            return False

        def run() -> None:
            self.stack.beginMacro(title)
            try:
                body()
            finally:
                self.stack.endMacro()

        def drop() -> None:
            if self.stack.count() > count:
                self._drop_top()

        return self._step(run, drop)

    def undo(self) -> bool:
        """Undo the last step; if the project refuses, the step stays done (and is shown so)."""
        if not self.stack.canUndo():
            return False
        return self._step(self.stack.undo, lambda: self._replay(self.stack.redo))

    def redo(self) -> bool:
        """Redo the next step; if the project refuses, it stays undone."""
        if not self.stack.canRedo():
            return False
        return self._step(self.stack.redo, lambda: self._replay(self.stack.undo))

    def actions(self, parent: QObject) -> tuple[QAction, QAction]:
        """Undo and Redo for a menu: they follow the stack's texts and state and run through the history."""
        undo, redo = QAction("&Undo", parent), QAction("&Redo", parent)
        undo.setShortcut(QKeySequence.StandardKey.Undo)
        redo.setShortcut(QKeySequence("Ctrl+Shift+Z"))
        undo.triggered.connect(self.undo)
        redo.triggered.connect(self.redo)

        def follow() -> None:
            undo.setEnabled(self.stack.canUndo())
            redo.setEnabled(self.stack.canRedo())
            undo.setText(f"&Undo {self.stack.undoText()}".rstrip())
            redo.setText(f"&Redo {self.stack.redoText()}".rstrip())

        self.stack.indexChanged.connect(follow)
        self.stack.cleanChanged.connect(follow)
        follow()
        return undo, redo

    # -- one step ----------------------------------------------------------------------------------

    def _step(self, run: Callable[[], None], put_back: Callable[[], None]) -> bool:
        """Run a step inside one transaction. If any write in it is refused, or saving it is, roll it all back,
        ``put_back`` the stack, let the books read the project again and report why."""
        self._failure = None
        self._committed = []
        ran = False
        self._in_step = True
        try:
            if self.store is None:  # no project: the commands have nothing to write to
                ran = True
                run()
            else:
                try:
                    with self.store.transaction():
                        ran = True
                        run()
                        if self._failure is not None:
                            raise self._failure  # rolls back what the step's earlier commands wrote
                except SalientError as exc:
                    self._failure = self._failure or exc
        finally:
            self._in_step = False
        committed, self._committed = self._committed, []
        if self._failure is None:
            for action in committed:
                action()
            return True
        log.warning("an edit was not stored: %s", self._failure)
        if ran:
            put_back()
        self.reload_requested.emit()
        self.failed.emit(str(self._failure))
        return False

    def _run(self, action: Callable[[], None]) -> None:
        """Run a command's write: not while the stack is put back, nor after a refusal in the same step."""
        if self._replaying or self._failure is not None:
            return
        try:
            action()
        except SalientError as exc:
            self._failure = exc

    def _replay(self, move: Callable[[], None]) -> None:
        """Move the stack's index back over the step just refused, without writing anything."""
        self._replaying = True
        try:
            move()
        finally:
            self._replaying = False

    def _drop_top(self) -> None:
        """Remove the step just pushed (its writes were rolled back) without undoing it."""
        if self.stack.index() > 0:
            self.stack.command(self.stack.index() - 1).setObsolete(True)
            self._replay(self.stack.undo)
