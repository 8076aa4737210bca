"""Files and folders this process may read but not write, as a project shared read-only is, for root too.

A user is stopped by the permission bits; root is not (it passes every permission check), so for root the
files get the immutable attribute (``chattr +i``), which stops every writer and every new file in a folder. Where
neither works (a file system without the attribute), the test is skipped, saying why.
"""

from __future__ import annotations

import os
import stat
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest


def _chattr(flag: str, paths: list[Path]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["chattr", flag, *map(str, paths)], capture_output=True, text=True, check=False)


@contextmanager
def read_only(*paths: Path) -> Iterator[None]:
    """Make ``paths`` (files and folders) unwritable for this process while the block runs, then writable again."""
    targets = list(paths)
    if os.geteuid() != 0:
        modes = {path: path.stat().st_mode for path in targets}
        for path in targets:
            path.chmod(modes[path] & ~(stat.S_IWUSR | stat.S_IWGRP | stat.S_IWOTH))
        try:
            yield
        finally:
            for path, mode in modes.items():
                path.chmod(mode)
        return
    try:
        done = _chattr("+i", targets)
    except FileNotFoundError:
        pytest.skip("root ignores file permissions and chattr is not installed: cannot make a read-only project")
    if done.returncode != 0:
        _chattr("-i", targets)
        pytest.skip(f"root ignores file permissions and chattr +i failed here: {done.stderr.strip()}")
    try:
        assert not os.access(targets[0], os.W_OK)
        yield
    finally:
        _chattr("-i", targets)
