"""The projects opened on this machine, newest first, kept in the settings and listed in File ▸ Open Recent."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QSettings
from PySide6.QtWidgets import QMenu

MAX_RECENT = 10


class RecentFiles:
    """The recent projects (settings ``recent``) and the last one (``last_project``, for Reopen Last)."""

    def __init__(self, settings: QSettings, menu: QMenu, open_path: Callable[[str], object]) -> None:
        self._settings, self._menu, self._open_path = settings, menu, open_path
        self._refresh_menu()

    def paths(self) -> list[str]:
        value = self._settings.value("recent", [])
        return [value] if isinstance(value, str) else list(value or [])

    def last(self) -> Path | None:
        """The project opened last, if it is still there."""
        last = self._settings.value("last_project", "")
        return Path(last) if last and Path(last).exists() else None

    def remember(self, path: Path) -> None:
        """``path`` was opened: first in the list, and the one to reopen."""
        self._settings.setValue("last_project", str(path))
        recent = [str(path)] + [p for p in self.paths() if p != str(path)]
        self._settings.setValue("recent", recent[:MAX_RECENT])
        self._refresh_menu()

    def _refresh_menu(self) -> None:
        self._menu.clear()
        for path in self.paths():
            action = self._menu.addAction(path)
            action.triggered.connect(lambda _=False, path=path: self._open_path(path))
        self._menu.setEnabled(bool(self.paths()))
