"""One background thread that serves only the newest request: the shape shared by the player's decoder, the
flow overlay and the peak detail (and, one waiting request per key, by the transcript's aligner).

The GUI thread calls :meth:`LatestRequestWorker.submit` as often as it likes (every playback tick, every
click). A request that has not started yet when a newer one arrives is dropped, never queued, so a slow
computation skips what it had no time for instead of falling behind. The function runs in the worker's
thread; its value (or the reason it failed) comes back on the thread that created the worker, through a
queued signal, so slots may touch widgets.

``work(request, cancelled)`` may call ``cancelled()`` between chunks: it turns true as soon as a newer request
waits or the worker closes, and the function may then raise :class:`analysis.progress.Cancelled`, which
delivers nothing. A result that finishes while a newer request waits is still delivered (during playback a
frame a little late beats no frame); a user that wants only the newest compares the request it gets back.

Resources that belong to the thread (an open video, a loaded model) are made by ``setup`` and released by
``teardown``, both run in the worker's thread. The thread starts with the first request, so a worker that
is never asked costs nothing. ``close(timeout_ms)`` drops what waits, lets the running request finish and
joins the thread within the limit; nothing is delivered after it (the idea of superqt's
``utils/_qthreading.py`` workers, reduced to this one pattern).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Hashable
from dataclasses import dataclass
from typing import Any

from PySide6.QtCore import QObject, Qt, QThread, Signal

from analysis.errors import SalientError
from analysis.progress import Cancelled

log = logging.getLogger(__name__)

Work = Callable[[Any, Callable[[], bool]], Any]
"""``work(request, cancelled) -> value``, run in the worker's thread."""

_UNJOINED: list[QThread] = []
"""Threads that outlived their close() limit: referenced until they end, as Qt must not destroy a running one."""

_SLOT = object()
"""The one key every request shares in a plain LatestRequestWorker."""
_CLOSED = object()
"""What the worker's thread is handed instead of a request once the worker closes."""


@dataclass(frozen=True, slots=True)
class _Outcome:
    """What the worker's thread hands to the GUI thread: kind is result, error, cancelled, ready or unready."""

    kind: str
    request: Any
    value: Any


class _Thread(QThread):
    def __init__(self, loop: Callable[[], None], name: str) -> None:
        super().__init__()
        self.setObjectName(name)
        self._loop = loop

    def run(self) -> None:
        self._loop()


def describe_error(exc: Exception, what: str) -> str:
    """The words for a failure: a SalientError's own message, else the exception's type and text (logged
    with its traceback, since it is a bug or an unexpected state)."""
    if isinstance(exc, SalientError):
        log.warning("%s failed: %s", what, exc)
        return str(exc)
    log.exception("%s failed", what)
    return f"{type(exc).__name__}: {exc}"


class LatestRequestWorker(QObject):
    """One thread running ``work`` on the newest request; results and errors arrive on the creating thread."""

    result = Signal(object, object)
    """request, the value work returned"""
    error = Signal(object, str)
    """request, why it failed (in words for the user)"""
    ready = Signal(object)
    """what setup returned, once, before the first result"""
    setup_failed = Signal(str)
    """setup raised: the thread has ended and later requests are ignored"""
    _outcome = Signal(object)
    """_Outcome, from the worker's thread"""

    def __init__(
        self,
        work: Work,
        *,
        name: str,
        setup: Callable[[], Any] | None = None,
        teardown: Callable[[], None] | None = None,
        parent: QObject | None = None,
    ) -> None:
        """``name`` names the thread (logs, thread listings); ``setup`` runs in the thread before the first
        request, ``teardown`` as the thread ends (whether setup succeeded or not)."""
        super().__init__(parent)
        self._work = work
        self._name = name
        self._setup = setup
        self._teardown = teardown
        self._condition = threading.Condition()
        self._pending: dict[Hashable, Any] = {}
        """requests not yet started, by key, in the order their key was first asked for"""
        self._closing = False
        self._closed = False
        self._failed = False
        self._outstanding = 0
        """requests submitted whose outcome has not reached this thread yet (GUI thread only)"""
        self._thread: _Thread | None = None
        self._outcome.connect(self._on_thread_outcome, Qt.ConnectionType.QueuedConnection)

    def _key(self, request: Any) -> Hashable:
        """Requests with equal keys replace each other while they wait; here all of them do."""
        return _SLOT

    # -- the GUI thread ------------------------------------------------------------------------------

    def submit(self, request: Any) -> None:
        """Ask for ``request``; a request of the same key that has not started yet is dropped for it."""
        if self._closed or self._failed:
            log.debug("%s: request after close ignored", self._name)
            return
        key = self._key(request)
        with self._condition:
            replaced = key in self._pending
            self._pending[key] = request
            self._condition.notify()
        if not replaced:
            self._outstanding += 1
        if self._thread is None:
            self._thread = _Thread(self._run, self._name)
            self._thread.start()

    def drop_pending(self) -> None:
        """Forget every request that has not started (the one running finishes and is delivered)."""
        with self._condition:
            dropped = len(self._pending)
            self._pending.clear()
        self._outstanding -= dropped

    def close(self, timeout_ms: int) -> bool:
        """Drop what waits, ask a cooperative function to stop, and join the thread within ``timeout_ms``.
        Nothing is delivered afterwards. Whether the thread ended in time (if not, it is left to finish)."""
        with self._condition:
            self._pending.clear()
            self._closing = True
            self._condition.notify()
        self._closed = True
        self._outstanding = 0
        _UNJOINED[:] = [t for t in _UNJOINED if t.isRunning()]
        if self._thread is None or self._thread.wait(max(0, timeout_ms)):
            return True
        log.warning("%s did not stop within %d ms; it is left to finish", self._name, timeout_ms)
        _UNJOINED.append(self._thread)
        return False

    @property
    def running(self) -> bool:
        """Whether the thread is alive (it starts with the first request and ends on close)."""
        return self._thread is not None and self._thread.isRunning()

    @property
    def idle(self) -> bool:
        """Whether every request submitted was dropped or has had its outcome delivered."""
        return self._outstanding == 0

    def _on_thread_outcome(self, outcome: _Outcome) -> None:
        if self._closed:
            return
        if outcome.kind == "ready":
            self.ready.emit(outcome.value)
            return
        if outcome.kind == "unready":
            self._failed = True
            self.drop_pending()
            self._outstanding = 0
            self.setup_failed.emit(outcome.value)
            return
        self._outstanding -= 1
        if outcome.kind == "result":
            self.result.emit(outcome.request, outcome.value)
        elif outcome.kind == "error":
            self.error.emit(outcome.request, outcome.value)

    # -- the worker's thread -------------------------------------------------------------------------

    def _run(self) -> None:
        try:
            if self._prepared():
                while (request := self._next()) is not _CLOSED and self._deliver(self._serve(request)):
                    pass
        finally:
            if self._teardown is not None:
                try:
                    self._teardown()
                except Exception:  # the thread ends anyway; say what was not released
                    log.exception("%s: teardown failed", self._name)

    def _prepared(self) -> bool:
        if self._setup is None:
            return True
        try:
            value = self._setup()
        except Exception as exc:  # reported; the thread ends
            self._deliver(_Outcome("unready", None, describe_error(exc, f"{self._name} setup")))
            return False
        return self._deliver(_Outcome("ready", None, value))

    def _deliver(self, outcome: _Outcome) -> bool:
        """Queue ``outcome`` for the GUI thread; False if this QObject is gone (a parent deleted it while a
        thread that outlived close() was still busy), which ends the thread."""
        try:
            self._outcome.emit(outcome)
        except RuntimeError:
            return False
        return True

    def _next(self) -> Any:
        """The oldest waiting key's newest request, or _CLOSED once the worker closes."""
        with self._condition:
            while not self._closing and not self._pending:
                self._condition.wait()
            if self._closing:
                return _CLOSED
            key = next(iter(self._pending))
            request = self._pending.pop(key)
        return request

    def _serve(self, request: Any) -> _Outcome:
        key = self._key(request)

        def cancelled() -> bool:
            with self._condition:
                return self._closing or key in self._pending

        try:
            value = self._work(request, cancelled)
        except Cancelled:
            return _Outcome("cancelled", request, None)
        except Exception as exc:  # one failed request is reported, the next may work
            return _Outcome("error", request, describe_error(exc, self._name))
        return _Outcome("result", request, value)


class LatestPerKeyWorker(LatestRequestWorker):
    """The variant for independent jobs that must each be done once: requests wait in a queue, and only a
    newer request of the same key replaces one that has not started (the transcript's aligner: every edited
    segment is aligned, but only with its latest text)."""

    def __init__(
        self,
        work: Work,
        key: Callable[[Any], Hashable],
        *,
        name: str,
        setup: Callable[[], Any] | None = None,
        teardown: Callable[[], None] | None = None,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(work, name=name, setup=setup, teardown=teardown, parent=parent)
        self._key_of = key

    def _key(self, request: Any) -> Hashable:
        return self._key_of(request)
