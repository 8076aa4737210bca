"""What the per-table parts of the store share: the error they raise, the connection they write through, and
the small rules every table follows (timestamps, cleaned names)."""

from __future__ import annotations

import json
import sqlite3
from abc import ABC, abstractmethod
from contextlib import AbstractContextManager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from analysis.errors import SalientError


class ProjectError(SalientError):
    """A project file cannot be opened or written: corrupt, not a project, from a newer version, unwritable."""


class ReadOnlyProjectError(ProjectError):
    """A healthy project that this user may read but not write (a read-only file, folder or disk): it can be
    opened read-only (:meth:`app.project.store.Store.open` with ``read_only``) and exported, not changed."""

    def __init__(self, message: str, reason: str = "") -> None:
        super().__init__(message)
        self.reason = reason
        """why it cannot be written ("the file cannot be written"), when known"""


def damaged(path: Path, detail: str, untouched: bool = False) -> ProjectError:
    """The error for a project whose bytes were damaged (a flipped bit, a failing disk): one line naming it."""
    return ProjectError(f"{path}: the project file is damaged ({detail})" + ("; it was left untouched" * untouched))


def timestamp() -> str:
    """The time of a write as rows keep it: ISO 8601, UTC, to the millisecond."""
    return datetime.now(UTC).isoformat(timespec="milliseconds")


def clean_name(name: str) -> str:
    """A name as stored: runs of white space become one space; an empty name is refused."""
    cleaned = " ".join(name.split())
    if not cleaned:
        raise ProjectError("a name cannot be empty")
    return cleaned


class Table(ABC):
    """Base of the per-table mixins that :class:`app.project.store.Store` is made of: they share its
    connection and write through its transactions, so every edit stays one committed unit of work."""

    path: Path
    _db: sqlite3.Connection

    @abstractmethod
    def transaction(self) -> AbstractContextManager[sqlite3.Connection]:
        """One committed unit of work, rolled back whole if anything inside fails (the store's)."""

    def _load_json(self, text: str, what: str) -> Any:
        """A JSON column's value; damaged bytes give a ProjectError, not a JSONDecodeError."""
        try:
            return json.loads(text)
        except (TypeError, ValueError) as exc:
            raise damaged(self.path, f"{what} is not valid JSON: {exc}") from exc

    @property
    @abstractmethod
    def data_dir(self) -> Path:
        """The project's sidecar folder (the store's), which artifact paths are relative to."""
