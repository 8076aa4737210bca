"""The ``salient`` command (and ``python main.py``): a command-line command goes to ``app.cli``, which never
imports Qt; anything else opens the window."""

from __future__ import annotations

import signal
import sys
from collections.abc import Iterator, Sequence
from contextlib import contextmanager

CLI_COMMANDS = {"analyze", "demo", "export", "transcribe", "-h", "--help"}


@contextmanager
def _ctrl_c_left_to_this_thread() -> Iterator[None]:
    """Threads started meanwhile (numpy's BLAS pool and the like start theirs on import) never take a Ctrl+C.

    The kernel hands a SIGINT to any thread that does not block it; Python only acts on it in the main
    thread, and only once that thread runs Python again. Taken by a library's thread while the main thread
    waits on a stalled download, a Ctrl+C would wait for the socket's 30 s timeout. Threads inherit the
    blocked signals of the thread that starts them, so SIGINT is blocked here while the libraries load and
    unblocked again for this thread only.
    """
    if not hasattr(signal, "pthread_sigmask"):  # Windows delivers Ctrl+C differently
        yield
        return
    previous = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT})
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, previous)


def main(argv: Sequence[str] | None = None) -> int:
    """Run Salient with ``argv`` (default: the process's arguments) and return the exit code."""
    args = list(sys.argv[1:] if argv is None else argv)
    if args and args[0] in CLI_COMMANDS:
        with _ctrl_c_left_to_this_thread():
            from app.cli import main as cli_main

        return cli_main(args)
    from app.gui.application import main as gui_main

    return gui_main(args)
