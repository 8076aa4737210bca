"""Where the media of an analysis come from: a local file or a URL (downloaded into the project's media
folder), and the project a source gets when none is named."""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import parse_qs, urlparse

from analysis.progress import Progress
from app.project.store import PROJECT_SUFFIX, data_dir_for


def is_url(text: str) -> bool:
    """Whether ``text`` names a URL rather than a local file: ``scheme://…``, or ``scheme:…`` (``javascript:``,
    ``data:``, ``file:``, …) when no file has that name. A URL that is not http(s) is then refused as a URL
    (not reported as a missing file); a one-letter scheme is a Windows drive (``C:\\talk.mp4``)."""
    if re.match(r"^[a-zA-Z][a-zA-Z0-9+.-]*://", text):
        return True
    return bool(re.match(r"^[a-zA-Z][a-zA-Z0-9+.-]+:", text)) and not Path(text).exists()


def default_project_path(source: str) -> Path:
    """Next to a local file (``talk.mp4`` → ``talk.salient``); for a URL, in the current folder, named after it."""
    if not is_url(source):
        return Path(source).with_suffix(PROJECT_SUFFIX)
    try:
        parsed = urlparse(source)
        name = (parse_qs(parsed.query).get("v") or [Path(parsed.path).stem or parsed.hostname or "download"])[0]
    except ValueError:  # not a valid URL ("http://[::1/x"): the download refuses it, with the reason
        name = "download"
    slug = re.sub(r"[^A-Za-z0-9_-]+", "-", name).strip("-") or "download"
    return Path.cwd() / f"{slug}{PROJECT_SUFFIX}"


def fetch(source: str, project_path: Path, cookies: Path | None, progress: Progress) -> Path:
    """Download ``source`` into the media folder of the project at ``project_path``; the local file."""
    from analysis import download

    result = download.download(source, data_dir_for(project_path) / "media", cookies=cookies, progress=progress)
    return result.path
