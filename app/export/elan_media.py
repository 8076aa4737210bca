"""The media type ELAN records for a linked media file (Qt-free, used by :func:`app.export.interchange.write_eaf`)."""

from __future__ import annotations

import mimetypes
from pathlib import Path

_ELAN_MIME_TYPES = {
    ".mpg": "video/mpeg",
    ".mpeg": "video/mpeg",
    ".mpe": "video/mpeg",
    ".mp4": "video/mp4",
    ".m4v": "video/mp4",
    ".wav": "audio/x-wav",
    ".mov": "video/quicktime",
    ".qt": "video/quicktime",
    **dict.fromkeys((".mkv", ".webm", ".avi", ".wmv", ".flv", ".ogv", ".3gp", ".mts", ".m2ts"), "video/*"),
    **dict.fromkeys((".mp3", ".m4a", ".aac", ".flac", ".ogg", ".opus", ".wma", ".aif", ".aiff"), "audio/*"),
}
"""The media types ELAN uses: its own names for the formats it knows, its generic ``video/*`` and ``audio/*``
for the others."""


def elan_mime_type(media: Path) -> str:
    """The media type ELAN writes for ``media``: by its suffix, else ``video/*`` or ``audio/*`` when the suffix
    names some video or audio format, else ``unknown``."""
    suffix = media.suffix.lower()
    if suffix in _ELAN_MIME_TYPES:
        return _ELAN_MIME_TYPES[suffix]
    guessed = mimetypes.guess_type(media.name)[0] or ""
    if guessed.startswith(("audio/", "video/")):
        return f"{guessed.split('/')[0]}/*"
    return "unknown"
