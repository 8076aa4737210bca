"""Opening in the window happens in the background: wait until it is done (or refused)."""

from __future__ import annotations

from pathlib import Path

OPEN_TIMEOUT_MS = 30_000


def open_and_wait(qtbot, session, path: str | Path, *args) -> None:
    """Open ``path`` (``session.open``'s arguments) and wait until the media and its stored results are shown."""
    with qtbot.waitSignal(session.media_loaded, timeout=OPEN_TIMEOUT_MS):
        session.open(path, *args)
    assert session.is_open


def open_refused(qtbot, session, path: str | Path) -> str:
    """Open ``path``, which cannot be opened, and return the message the session gave."""
    with qtbot.waitSignal(session.error_occurred, timeout=OPEN_TIMEOUT_MS) as error:
        session.open(path)
    qtbot.waitUntil(lambda: not session.opening_path, timeout=OPEN_TIMEOUT_MS)
    return error.args[0]


def open_settled(qtbot, session, path: str | Path, *args, **kwargs) -> bool:
    """Open ``path`` and wait until opening is over, including an open that the answer to a question about it
    started (Relink…, Continue Anyway); return whether any media was shown meanwhile."""
    shown: list[bool] = []
    session.media_loaded.connect(lambda: shown.append(True))
    session.open(path, *args, **kwargs)
    qtbot.waitUntil(lambda: not session.opening_path, timeout=OPEN_TIMEOUT_MS)
    return bool(shown)
