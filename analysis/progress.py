"""Cooperative progress and cancellation shared by every long analysis.

An analysis receives an object with ``update(fraction, message)`` and a ``cancelled`` property, reports
between chunks of work and calls :func:`check` so that a cancel takes effect within one chunk.
"""

from __future__ import annotations

import threading
from typing import Protocol


class Cancelled(Exception):
    """Raised inside an analysis when its progress object says the user cancelled."""


class Progress(Protocol):
    """What an analysis needs from its caller to report progress and notice a cancel."""

    def update(self, fraction: float, message: str = "") -> None:
        """Report that ``fraction`` (0–1) of the work is done, with what is being done now."""

    @property
    def cancelled(self) -> bool:
        """Whether the user asked to stop; the analysis checks it between chunks."""


class NullProgress:
    """Progress that goes nowhere and can be cancelled from another thread."""

    def __init__(self) -> None:
        self._cancel = threading.Event()

    def update(self, fraction: float, message: str = "") -> None:
        """Ignore the report."""

    @property
    def cancelled(self) -> bool:
        """Whether :meth:`cancel` was called."""
        return self._cancel.is_set()

    def cancel(self) -> None:
        """Ask the analysis to stop at its next check (safe from any thread)."""
        self._cancel.set()


class SubProgress:
    """Maps a stage's 0–1 progress onto the slice [start, end] of a parent progress."""

    def __init__(self, parent: Progress, start: float, end: float, prefix: str = "") -> None:
        self._parent = parent
        self._start = start
        self._end = end
        self._prefix = prefix

    def update(self, fraction: float, message: str = "") -> None:
        """Report ``fraction`` of the stage (clamped to 0–1) as the matching share of the parent, message prefixed."""
        fraction = min(max(fraction, 0.0), 1.0)
        text = f"{self._prefix}{message}" if message else self._prefix
        self._parent.update(self._start + (self._end - self._start) * fraction, text)

    @property
    def cancelled(self) -> bool:
        """The parent's cancel: stopping the whole job stops every stage."""
        return self._parent.cancelled


def check(progress: Progress) -> None:
    """Raise :class:`Cancelled` if the user asked to stop."""
    if progress.cancelled:
        raise Cancelled("cancelled by the user")
