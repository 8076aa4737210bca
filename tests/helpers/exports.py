"""Reading what an export wrote: its CSV tables and its PNG pictures."""

from __future__ import annotations

import csv
from pathlib import Path

import av
import numpy as np


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
