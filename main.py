"""Salient's entry point.

``python main.py [VIDEO_OR_PROJECT]`` or ``python main.py --demo`` opens the window;
``python main.py COMMAND …`` (``analyze``, ``export``, ``demo``) runs the headless command line, which never imports Qt.
"""

from __future__ import annotations

import sys

CLI_COMMANDS = {"analyze", "demo", "export", "transcribe", "-h", "--help"}


def main(argv: list[str]) -> int:
    if argv and argv[0] in CLI_COMMANDS:
        from app.cli import main as cli_main

        return cli_main(argv)
    from app.gui import main as gui_main

    return gui_main(argv)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
