"""Reading what an export wrote (its CSV tables and PNG pictures), and a full disk during one."""

from __future__ import annotations

import csv
import errno
import os
from collections.abc import Callable
from pathlib import Path

import av
import numpy as np
import pytest


def png_image(path: Path) -> np.ndarray:
    """The picture of a PNG file (RGB), after checking it is one."""
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    with av.open(str(path)) as container:
        return next(container.decode(video=0)).to_ndarray(format="rgb24")


def read_csv(path: Path) -> tuple[list[str], list[dict[str, str]]]:
    """A CSV file's columns and its rows."""
    with path.open(newline="", encoding="utf-8") as handle:
        reader = csv.DictReader(handle)
        return list(reader.fieldnames or []), list(reader)


def disk_full_on(monkeypatch: pytest.MonkeyPatch, hit: Callable[[Path], bool]) -> None:
    """Make an export's all-or-nothing writer fail with "disk full" on the first file ``hit`` names, after a
    partial write (as a real full disk would leave)."""
    from app.export.files import Outputs

    real = Outputs.write_bytes

    def failing(self: Outputs, path: Path, data: bytes) -> Path:
        if hit(path):
            with self.writing(path) as partial:
                partial.write_bytes(data[:100])
                raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        return real(self, path, data)

    monkeypatch.setattr(Outputs, "write_bytes", failing)
