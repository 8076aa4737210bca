"""The headless command line (``python main.py analyze|export|transcribe|demo``); never imports Qt."""

from __future__ import annotations

from app.cli.commands import main

__all__ = ["main"]
