"""Where the media of an analysis come from: a local file or a URL (downloaded into the project's media
folder), and the project a source gets when none is named."""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import parse_qs, urlparse

from analysis import media
from analysis.errors import MediaError
from analysis.progress import Progress
from app.model.records import MediaRecord
from app.project.store import PROJECT_SUFFIX, data_dir_for


class MediaMismatch(MediaError):
    """A project's media file is no longer at its recorded path (``missing``), or another file is there now."""

    def __init__(self, record: MediaRecord, project: Path, missing: bool) -> None:
        self.record, self.project, self.missing = record, Path(project), missing
        added = record.added_at[:10]
        if missing:
            text = f"{record.path}: the media of this project is no longer there (moved, renamed or deleted)"
        else:
            text = (
                f"{record.path}: this is not the recording the project analysed on {added} (the file's content "
                f"changed); its analyses and labels belong to the earlier file"
            )
        super().__init__(text)


def check_media_file(record: MediaRecord, project: Path) -> None:
    """Raise MediaMismatch unless the file at the record's path is the one analysed. Cheap: a different size says
    so at once; otherwise the content fingerprint (3 MiB read, however long the file) is compared."""
    path = Path(record.path)
    try:
        if not path.is_file():
            raise MediaMismatch(record, project, missing=True)
        same = path.stat().st_size == record.info.size_bytes and media.fingerprint(path) == record.fingerprint
    except OSError as exc:
        raise MediaError(f"{path}: cannot read the media ({exc.strerror or exc})") from exc
    if not same:
        raise MediaMismatch(record, project, missing=False)


def is_same_recording(record: MediaRecord, path: Path) -> bool:
    """Whether ``path`` holds the recording ``record`` was analysed from (a moved or renamed copy of it)."""
    try:
        return path.is_file() and media.fingerprint(path) == record.fingerprint
    except OSError:
        return False


def fresh_project_path(project: Path) -> Path:
    """A project name next to ``project`` that no project or sidecar folder uses yet: ``talk-2.salient``, …"""
    number = 2
    while True:
        candidate = project.with_name(f"{project.stem}-{number}{PROJECT_SUFFIX}")
        if not candidate.exists() and not data_dir_for(candidate).exists():
            return candidate
        number += 1


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
