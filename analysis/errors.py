"""Error types for bad input. Each carries a message written for the user, not for a developer."""

from __future__ import annotations


class SalientError(Exception):
    """Base of every error Salient reports to the user with a readable message."""


class MediaError(SalientError):
    """A media file cannot be used: missing, empty, truncated, corrupt, or lacking the needed stream."""


class DownloadError(SalientError):
    """A URL could not be downloaded: offline, private or removed video, bad URL, bad cookies file."""
