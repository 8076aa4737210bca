"""The ``salient`` command (and ``python main.py``): a command-line command goes to ``app.cli``, which never
imports Qt; anything else opens the window."""

from __future__ import annotations

import sys
from collections.abc import Sequence

CLI_COMMANDS = {"analyze", "demo", "export", "transcribe", "-h", "--help"}


def main(argv: Sequence[str] | None = None) -> int:
    """Run Salient with ``argv`` (default: the process's arguments) and return the exit code."""
    args = list(sys.argv[1:] if argv is None else argv)
    if args and args[0] in CLI_COMMANDS:
        from app.cli import main as cli_main

        return cli_main(args)
    from app.gui.application import main as gui_main

    return gui_main(args)
