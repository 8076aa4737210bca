"""Files the project ships (default vocabulary, the report's page and style sheet; later icons, small models).

Everything is looked up through :func:`resource_path`, never relative to the working directory.
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path


def resource_path(name: str) -> Path:
    """The path of a file shipped in this package."""
    return Path(str(resources.files(__package__) / name))
