"""Error types for bad input. Each carries a message written for the user, not for a developer."""

from __future__ import annotations

import errno


class SalientError(Exception):
    """Base of every error Salient reports to the user with a readable message."""


class MediaError(SalientError):
    """A media file cannot be used: missing, empty, truncated, corrupt, or lacking the needed stream."""


class DownloadError(SalientError):
    """A URL could not be downloaded: offline, private or removed video, bad URL, bad cookies file."""


class ExportError(SalientError):
    """An export cannot be written: a file exists already, the disk is full, no permission, nothing to export."""


_OS_REASONS = {
    errno.ENOSPC: "the disk is full",
    errno.EACCES: "permission denied",
    errno.EPERM: "permission denied",
    errno.EROFS: "the file system is read-only",
}
if hasattr(errno, "EDQUOT"):
    _OS_REASONS[errno.EDQUOT] = "the disk quota is exceeded"


def os_error_reason(exc: BaseException) -> str:
    """Why reading or writing a file failed, in words for the common OS errors, else the error's own text."""
    if isinstance(exc, OSError) and exc.errno in _OS_REASONS:
        return _OS_REASONS[exc.errno]
    return getattr(exc, "strerror", None) or str(exc) or type(exc).__name__
