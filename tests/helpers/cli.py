"""The command line in the tests: in this process through :func:`app.cli.main` (no interpreter start, no
imports again: the CLI tests take a fraction of the time), or in a child process where the test is about the
process itself (Qt never loaded, exit codes reaching the shell, Ctrl+C, the installed ``salient`` script)."""

from __future__ import annotations

import hashlib
import io
import logging
import os
import subprocess
import sys
from contextlib import redirect_stderr, redirect_stdout
from dataclasses import dataclass
from pathlib import Path

from app.cli import main as cli_main

ROOT = Path(__file__).resolve().parents[2]
QT_MODULES = ("PySide6", "pyqtgraph", "shiboken6", "widgets")
"""Top-level modules the command line must never load."""


@dataclass(frozen=True, slots=True)
class CliResult:
    """What a command printed and the exit code it ended with (the names of subprocess.CompletedProcess)."""

    returncode: int
    stdout: str
    stderr: str


def run(*args: str) -> CliResult:
    """``python main.py ARGS`` in this process: stdout and stderr captured, the exit code returned or taken from
    argparse's SystemExit. The command sets up logging itself as in its own process (the test's log handlers
    are set aside meanwhile), so its warnings reach the captured stderr."""
    out, err = io.StringIO(), io.StringIO()
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    root.handlers.clear()
    try:
        with redirect_stdout(out), redirect_stderr(err):
            try:
                code = cli_main(list(args))
            except SystemExit as exc:
                code = _exit_status(exc)
    finally:
        root.handlers[:] = handlers
        root.setLevel(level)
    return CliResult(code, out.getvalue(), err.getvalue())


def _exit_status(exc: SystemExit) -> int:
    """The status a process ending with ``exc`` gives the shell (a message instead of a number gives 1)."""
    if exc.code is None:
        return 0
    if isinstance(exc.code, int):
        return exc.code
    sys.stderr.write(f"{exc.code}\n")
    return 1


def run_process(*args: str, script: Path | None = None, timeout: float = 240) -> subprocess.CompletedProcess[str]:
    """``python main.py ARGS`` (or ``SCRIPT ARGS``) in a child process, as a shell runs it; this checkout's
    packages come first on the child's path, whatever the virtualenv's editable install points at."""
    command = [str(script)] if script else [sys.executable, str(ROOT / "main.py")]
    return subprocess.run([*command, *args], capture_output=True, text=True, cwd=ROOT, env=child_env(), timeout=timeout)


def child_env() -> dict[str, str]:
    """This process's environment with the checkout first on PYTHONPATH."""
    path = os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")]))
    return {**os.environ, "PYTHONPATH": path}


def salient_script() -> Path:
    """The ``salient`` console script the package installs next to the interpreter."""
    return Path(sys.executable).parent / "salient"


def tree_digest(*paths: Path) -> dict[str, str]:
    """Every file under the given paths with its SHA-256: to prove nothing changed."""
    found = {}
    for base in paths:
        for path in sorted([base, *base.rglob("*")] if base.is_dir() else [base]):
            if path.is_file():
                found[str(path)] = hashlib.sha256(path.read_bytes()).hexdigest()
    return found
