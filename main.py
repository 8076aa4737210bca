"""Salient's entry point: ``python main.py COMMAND …`` runs the headless CLI (see ``--help``).

The CLI never imports Qt. Until the workbench window exists, running without a command analyses the
demo video and prints its findings.
"""

from __future__ import annotations

import sys

from app.cli import main

if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
