"""The command line in the tests: ``python main.py ARGS`` as a user runs it."""

from __future__ import annotations

import hashlib
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
QT_MODULES = ("PySide6", "pyqtgraph", "shiboken6", "widgets")
"""Top-level modules the command line must never load."""


def run(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, str(ROOT / "main.py"), *args],
        capture_output=True,
        text=True,
        cwd=cwd or ROOT,
        timeout=240,
    )


def tree_digest(*paths: Path) -> dict[str, str]:
    """Every file under the given paths with its SHA-256: to prove nothing changed."""
    found = {}
    for base in paths:
        for path in sorted([base, *base.rglob("*")] if base.is_dir() else [base]):
            if path.is_file():
                found[str(path)] = hashlib.sha256(path.read_bytes()).hexdigest()
    return found
