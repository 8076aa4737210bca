"""Salient's entry point (the same as the ``salient`` command).

``python main.py [VIDEO_OR_PROJECT]`` or ``python main.py --demo`` opens the window;
``python main.py COMMAND …`` (``analyze``, ``export``, ``transcribe``, ``demo``) runs the headless command line,
which never imports Qt.
"""

from __future__ import annotations

import sys

from app.entry import main

if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
