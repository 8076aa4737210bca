"""Download a video from a web page or a direct media URL with yt-dlp, without an ffmpeg binary.

yt-dlp is used as a library. Its formats are chosen so that nothing needs ffmpeg: a single format that
holds both picture and sound when the site offers one, else the best video-only and the best audio-only
format as two files, which :func:`merge_streams` then stream-copies into one file with PyAV. Every failure
becomes a :class:`~analysis.errors.DownloadError` whose message tells the user what went wrong and what to
do; the original yt-dlp error stays available as its ``__cause__``.
"""

from __future__ import annotations

import glob
import heapq
import http.cookiejar
import io
import logging
import os
import re
import socket
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import av
import av.error
import yt_dlp
from yt_dlp.cookies import CookieLoadError
from yt_dlp.networking.exceptions import CertificateVerifyError, HTTPError, IncompleteRead, TransportError
from yt_dlp.utils import GeoRestrictedError, UnsupportedError

from analysis.errors import DownloadError
from analysis.progress import NullProgress, Progress, check
from analysis.urls import redact_url
from analysis.web_only import NotWebError, WebOnlyYoutubeDL, web_formats

log = logging.getLogger(__name__)

_OUTPUT_TEMPLATE = "%(title).80B-%(id)s.%(ext)s"
"""File name of a download: title (at most 80 bytes) and the site's id, made safe by ``restrictfilenames``."""
_STREAM_TEMPLATE = "%(title).80B-%(id)s.f%(format_id)s.%(ext)s"
"""File names of separate video and audio streams before they are merged (yt-dlp's own ``.f<id>`` naming)."""
_COOKIES_HEADER = "# Netscape HTTP Cookie File"
_COOKIES_HEADER_RE = re.compile(r"#( Netscape)? HTTP Cookie File")
_COOKIE_FIELDS = 7
_MP4_VIDEO_CODECS = frozenset({"h264", "hevc", "av1"})
_MP4_AUDIO_CODECS = frozenset({"aac", "mp3", "opus"})
_MERGE_SHARE = 0.05
"""Share of the progress bar given to merging separate streams (a stream copy is fast next to a download)."""
_MERGE_CHECK_PACKETS = 500
_MB = 1_000_000


@dataclass(frozen=True, slots=True)
class DownloadResult:
    """Where a downloaded video ended up."""

    path: Path
    """The final media file."""
    url: str
    title: str | None
    merged: bool
    """True when separate video and audio streams were stream-copied into one file."""


def validate_url(url: str) -> str:
    """Return ``url`` without surrounding blanks if it is an http(s) URL with a host; else DownloadError.

    Checked before yt-dlp sees the URL so that file:// paths, other schemes and typos never reach the network.
    """
    text = url.strip()
    shown = _shortened(redact_url(text))
    try:
        parts = urlsplit(text)
        port_ok = parts.port is None or parts.port > 0
    except ValueError as exc:
        raise DownloadError(f"not a valid web address: {shown!r} ({exc})") from exc
    if not parts.scheme:
        raise DownloadError(f"not a web address: {shown!r} (it should start with https://)")
    if parts.scheme.lower() not in ("http", "https"):
        raise DownloadError(f"only http(s) URLs are accepted: {shown}")
    host = parts.hostname or ""
    if not host or any(char.isspace() for char in host) or not port_ok:
        raise DownloadError(f"the URL has no valid host name: {shown!r}")
    return text


def _shortened(text: str, limit: int = 100) -> str:
    """``text`` cut to ``limit`` characters for a one-line message (a ``data:`` URL can hold a whole file)."""
    return text if len(text) <= limit else f"{text[: limit - 1]}…"


def _cookies_text(path: Path) -> str:
    """The cookies file as yt-dlp can load it, with the header line added if only it was missing.

    yt-dlp refuses a file whose first line is not the Netscape header, and for a malformed cookie line it
    writes a warning straight to stderr, so every line is checked here and named in the error instead.
    """
    if not path.exists():
        raise DownloadError(f"cookies file {path} does not exist")
    if not path.is_file():
        raise DownloadError(f"cookies file {path} is not a file")
    try:
        text = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as exc:
        raise DownloadError(
            f"cookies file {path} is not in Netscape format (it is not text; the first line should be "
            f"'{_COOKIES_HEADER}')"
        ) from exc
    except OSError as exc:
        raise DownloadError(f"cookies file {path} cannot be read: {exc.strerror or exc}") from exc
    lines = text.splitlines()
    if lines and lines[0].lstrip()[:1] in ("[", "{"):
        raise DownloadError(
            f"cookies file {path} is JSON, not Netscape format: export the cookies again as a Netscape "
            f"cookies.txt (the first line should be '{_COOKIES_HEADER}')"
        )
    has_header = bool(lines) and _COOKIES_HEADER_RE.search(lines[0]) is not None
    cookies = 0
    for number, line in enumerate(lines, start=1):
        entry = line.removeprefix("#HttpOnly_")
        if entry.startswith("#") or not entry.strip():
            continue
        fields = entry.split("\t")
        expires = fields[4] if len(fields) == _COOKIE_FIELDS else ""
        if len(fields) != _COOKIE_FIELDS or (expires and not re.fullmatch(r"[0-9]+(?:\.[0-9]+)?", expires)):
            found = f"{len(fields)} tab-separated field{'s' if len(fields) != 1 else ''}"
            problem = "an expiry time that is not a number" if len(fields) == _COOKIE_FIELDS else found
            raise DownloadError(
                f"cookies file {path} is not in Netscape format (the first line should be "
                f"'{_COOKIES_HEADER}', and each cookie line has {_COOKIE_FIELDS} tab-separated fields; "
                f"line {number} has {problem})"
            )
        cookies += 1
    if not has_header and cookies == 0:
        raise DownloadError(
            f"cookies file {path} is not in Netscape format (the first line should be '{_COOKIES_HEADER}')"
        )
    if cookies == 0:
        log.warning("cookies file %s holds no cookies", path)
    return text if has_header else f"{_COOKIES_HEADER}\n{text}"


def check_cookies_file(path: str | os.PathLike[str]) -> Path:
    """Return the path of a readable Netscape cookies file (as cookies.txt add-ons export); else DownloadError."""
    cookies = Path(path).expanduser()
    _cookies_text(cookies)
    return cookies


def _has_video(fmt: dict[str, Any]) -> bool:
    return fmt.get("vcodec") != "none"


def _has_audio(fmt: dict[str, Any]) -> bool:
    return fmt.get("acodec") != "none"


def _choose_formats(formats: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The formats to download, from yt-dlp's list sorted worst to best: one file where possible.

    A format with both picture and sound wins (yt-dlp marks a missing stream with codec ``"none"``; an
    unknown codec, as on a direct link to a file, may be either, so it counts as both). Otherwise the best
    video-only and the best audio-only format, video first, to be merged without ffmpeg. Storyboards
    (neither video nor audio) are never chosen.
    """
    media = [fmt for fmt in formats if _has_video(fmt) or _has_audio(fmt)]
    complete = [fmt for fmt in media if _has_video(fmt) and _has_audio(fmt)]
    if complete:
        return [complete[-1]]
    video = [fmt for fmt in media if _has_video(fmt)]
    audio = [fmt for fmt in media if _has_audio(fmt)]
    return video[-1:] + audio[-1:]


class _Selector:
    """yt-dlp's ``format`` callable: applies :func:`_choose_formats` to the formats served over http(s) and
    remembers the choice; a site that offers the video only at other addresses is refused (NotWebError)."""

    def __init__(self, page_url: str) -> None:
        self.chosen: list[dict[str, Any]] = []
        self._page_url = page_url

    def __call__(self, ctx: dict[str, Any]) -> Iterator[dict[str, Any]]:
        self.chosen = _choose_formats(web_formats(list(ctx["formats"]), self._page_url))
        yield from self.chosen


class _YtDlpLog:
    """Takes yt-dlp's messages, which it would otherwise print, and passes them to logging."""

    def debug(self, message: str) -> None:
        # yt-dlp sends its info messages here too; real debug messages carry a "[debug] " prefix.
        if message.startswith("[debug] "):
            log.debug("yt-dlp: %s", message.removeprefix("[debug] "))
        else:
            log.info("yt-dlp: %s", message)

    def warning(self, message: str) -> None:
        log.warning("yt-dlp: %s", message)

    def error(self, message: str) -> None:
        # Every error yt-dlp reports is also raised, and download() raises it again as a DownloadError.
        log.debug("yt-dlp: %s", message)


class _Hook:
    """yt-dlp progress hook: reports to a Progress, stops on a cancel, remembers the files being written.

    ``stages`` maps a format id to its slice of the progress bar and the word shown for it.
    """

    def __init__(self, progress: Progress, stages: dict[str, tuple[float, float, str]]) -> None:
        self._progress = progress
        self._stages = stages
        self._last = 0.0
        self.targets: set[Path] = set()
        self.fetched = False
        """Whether any data arrived; a file already on disk only gets a "finished" report."""

    def __call__(self, status: dict[str, Any]) -> None:
        # Raising here is the only way to stop yt-dlp mid-file; it closes the file and lets the error through.
        check(self._progress)
        if status.get("filename"):
            self.targets.add(Path(status["filename"]))
        if status.get("tmpfilename"):
            self.targets.add(Path(status["tmpfilename"]))
        if status.get("status") not in ("downloading", "finished"):
            return
        self.fetched = self.fetched or status["status"] == "downloading"
        format_id = str((status.get("info_dict") or {}).get("format_id", ""))
        start, end, what = self._stages.get(format_id, (0.0, 1.0, ""))
        done = status.get("downloaded_bytes") or 0
        total = status.get("total_bytes") or status.get("total_bytes_estimate")
        if status["status"] == "finished":
            share = 1.0
        elif total:
            share = min(done / total, 1.0)
        else:
            share = 0.0
        self._last = max(self._last, start + (end - start) * share)
        label = f"downloading {what}".rstrip()
        size = f"{done / _MB:.1f} of {total / _MB:.1f} MB" if total else f"{done / _MB:.1f} MB"
        self._progress.update(self._last, f"{label} {size}")

    def remove_partial_files(self) -> None:
        """Delete what an interrupted download leaves: .part files, fragments and yt-dlp's resume notes."""
        for target in self.targets:
            final = Path(str(target).removesuffix(".part"))
            leftovers = [final.with_name(final.name + ".part"), final.with_name(final.name + ".ytdl")]
            leftovers += final.parent.glob(f"{glob.escape(final.name)}.part-Frag*")
            for leftover in leftovers:
                if leftover.exists():
                    log.debug("removing partial download %s", leftover)
                    leftover.unlink(missing_ok=True)


def _options(dest: Path, cookies: str | None, template: str, hook: _Hook, selector: _Selector) -> dict[str, Any]:
    """YoutubeDL parameters: quiet, never ffmpeg, safe file names in ``dest``, one video per URL."""
    return {
        "quiet": True,
        "noprogress": True,
        "color": "never",
        "logger": _YtDlpLog(),
        "progress_hooks": [hook],
        "format": selector,
        "paths": {"home": str(dest)},
        "outtmpl": template,
        "restrictfilenames": True,
        "noplaylist": True,
        # A playlist URL is refused below; listing its entries flat avoids extracting every video first.
        "extract_flat": "in_playlist",
        # yt-dlp's own downloaders for every protocol (HLS and DASH too); "fixup" would need ffmpeg.
        "external_downloader": {"default": "native"},
        "fixup": "never",
        "updatetime": False,
        "socket_timeout": 30,
        # The command line's retries for a connection that breaks off; as a library yt-dlp gives up at once.
        "retries": 10,
        "fragment_retries": 10,
        # A text stream, not the path: yt-dlp writes the cookie jar back to a cookies file when it closes.
        "cookiefile": io.StringIO(cookies) if cookies is not None else None,
    }


def download(
    url: str,
    dest_dir: str | os.PathLike[str],
    cookies: str | os.PathLike[str] | None = None,
    progress: Progress | None = None,
) -> DownloadResult:
    """Download the video at ``url`` into ``dest_dir`` and return where it is.

    A second download of the same URL finds the file and does not fetch it again. A cancel through
    ``progress`` takes effect at the next block of data and raises Cancelled; a cancelled or failed
    download leaves no partial file (a separate stream that finished stays, to be reused next time), and
    no folder it made that is still empty.
    """
    url = validate_url(url)
    cookie_text = _cookies_text(Path(cookies).expanduser()) if cookies is not None else None
    progress = progress or NullProgress()
    check(progress)
    dest = Path(dest_dir)
    made = [folder for folder in (dest, *dest.parents) if not folder.exists()]  # the deepest first
    dest.mkdir(parents=True, exist_ok=True)
    try:
        return _download(url, dest, cookie_text, progress)
    except BaseException:
        for folder in made:
            try:
                folder.rmdir()  # only an empty folder goes
            except OSError:
                break
        raise


def _download(url: str, dest: Path, cookie_text: str | None, progress: Progress) -> DownloadResult:
    shown = redact_url(url)  # what messages and logs name: never the credentials a URL may hold
    already_there = set(dest.iterdir())
    stages: dict[str, tuple[float, float, str]] = {}
    hook = _Hook(progress, stages)
    selector = _Selector(url)
    progress.update(0.0, "looking up the video")
    try:
        with WebOnlyYoutubeDL(_options(dest, cookie_text, _OUTPUT_TEMPLATE, hook, selector)) as ydl:
            info = ydl.extract_info(url, download=False)
            _refuse_unusable(info, shown)
            check(progress)
            title = info.get("title")
            chosen = list(selector.chosen)
            if len(chosen) != 2:
                stages.update({str(fmt.get("format_id", "")): (0.0, 1.0, "") for fmt in chosen})
                done = ydl.process_ie_result(info, download=True)
                path = Path(done["requested_downloads"][0]["filepath"])
                progress.update(1.0, f"downloaded {path.name}" if hook.fetched else f"already downloaded: {path.name}")
                return DownloadResult(path=path, url=url, title=title, merged=False)
            merged_base = Path(ydl.prepare_filename(info))
        for suffix in (".mp4", ".mkv"):
            existing = merged_base.with_suffix(suffix)
            if existing.exists():
                log.info("%s: already downloaded as %s", shown, existing)
                progress.update(1.0, f"already downloaded: {existing.name}")
                return DownloadResult(path=existing, url=url, title=title, merged=True)
        stages.update(_stream_stages(chosen))
        with WebOnlyYoutubeDL(_options(dest, cookie_text, _STREAM_TEMPLATE, hook, selector)) as ydl:
            done = ydl.process_ie_result(info, download=True)
        video_path, audio_path = (Path(entry["filepath"]) for entry in done["requested_downloads"])
    except (yt_dlp.utils.YoutubeDLError, OSError) as exc:
        hook.remove_partial_files()
        _remove_new_partial_files(dest, already_there)
        raise DownloadError(_explain(exc, shown).replace(url, shown)) from exc
    except BaseException:
        hook.remove_partial_files()
        _remove_new_partial_files(dest, already_there)
        raise
    out_path = merged_base.with_suffix(_merged_suffix(video_path, audio_path))
    merge_streams(video_path, audio_path, out_path, _MergeProgress(progress))
    video_path.unlink(missing_ok=True)
    audio_path.unlink(missing_ok=True)
    progress.update(1.0, f"downloaded {out_path.name}")
    return DownloadResult(path=out_path, url=url, title=title, merged=True)


def _remove_new_partial_files(dest: Path, already_there: set[Path]) -> None:
    """Delete the partial files this download made in ``dest`` that the progress hook never named: yt-dlp opens
    its ``.part`` file before the first block of data (and the first report) arrives, so a cancel while the
    server is still silent would otherwise leave it behind."""
    for path in set(dest.iterdir()) - already_there:
        if path.is_file() and (path.suffix in (".part", ".ytdl") or ".part-Frag" in path.name):
            log.debug("removing partial download %s", path)
            path.unlink(missing_ok=True)


def _refuse_unusable(info: dict[str, Any], url: str) -> None:
    """Playlists and live streams cannot become one media file here (yt-dlp records a live stream with ffmpeg)."""
    if info.get("_type") in ("playlist", "multi_video"):
        raise DownloadError(f"{url} is a playlist or channel, not one video: pass the URL of a single video")
    if info.get("is_live") or info.get("live_status") in ("is_live", "is_upcoming"):
        raise DownloadError(f"{url} is live or has not started yet: download it after the broadcast has ended")


def _stream_stages(chosen: list[dict[str, Any]]) -> dict[str, tuple[float, float, str]]:
    """Progress slices for the video and the audio stream, by their announced sizes when both are known."""
    sizes = [fmt.get("filesize") or fmt.get("filesize_approx") for fmt in chosen]
    weights = [float(size) for size in sizes] if all(sizes) else [1.0] * len(chosen)
    scale = (1.0 - _MERGE_SHARE) / sum(weights)
    stages = {}
    start = 0.0
    for fmt, weight in zip(chosen, weights, strict=True):
        end = start + weight * scale
        stages[str(fmt.get("format_id", ""))] = (start, end, "video" if _has_video(fmt) else "audio")
        start = end
    return stages


class _MergeProgress:
    """Maps merging onto the last slice of the download's progress bar."""

    def __init__(self, parent: Progress) -> None:
        self._parent = parent

    def update(self, fraction: float, message: str = "") -> None:
        self._parent.update(1.0 - _MERGE_SHARE + _MERGE_SHARE * min(max(fraction, 0.0), 1.0), message)

    @property
    def cancelled(self) -> bool:
        return self._parent.cancelled


def _chain(error: BaseException) -> list[BaseException]:
    """The error and everything behind it: yt-dlp's ``exc_info`` and ``cause``, and Python's own chain."""
    seen: list[BaseException] = []
    pending: list[BaseException | None] = [error]
    while pending:
        current = pending.pop(0)
        if current is None or any(current is known for known in seen):
            continue
        seen.append(current)
        exc_info = getattr(current, "exc_info", None)
        if isinstance(exc_info, tuple) and len(exc_info) > 1 and isinstance(exc_info[1], BaseException):
            pending.append(exc_info[1])
        cause = getattr(current, "cause", None)
        pending.append(cause if isinstance(cause, BaseException) else None)
        pending += [current.__cause__, current.__context__]
    return seen


def _connection_reason(chain: Iterable[BaseException]) -> str:
    for error in chain:
        if isinstance(error, ConnectionRefusedError):
            return "connection refused"
        if isinstance(error, socket.gaierror):
            return "host name not found"
        if isinstance(error, TimeoutError):
            return "timed out"
    return ""


_TEXT_RULES: tuple[tuple[tuple[str, ...], str], ...] = (
    (
        ("private video", "video is private", "this video is private"),
        "this video is private: pass a cookies file of an account that can see it (--cookies)",
    ),
    (
        ("confirm your age", "age-restricted", "age restricted", "inappropriate for some users"),
        "this video is age-restricted: pass a cookies file of a signed-in adult account (--cookies)",
    ),
    (
        ("not a bot",),
        "the site wants you to sign in to prove you are not a bot: pass a cookies file of a signed-in "
        "account (--cookies)",
    ),
    (
        ("members-only", "members only", "join this channel", "subscribers only", "premium"),
        "this video is for members or subscribers only: pass a cookies file of an account with access (--cookies)",
    ),
    (
        ("sign in", "log in", "login", "logged in", "logged-in", "registered users", "authentication"),
        "this video needs a signed-in account: pass a cookies file of an account that can see it (--cookies)",
    ),
    (
        ("bytes, expected", "content too short"),
        "the connection broke off during the download: try again",
    ),
    (
        ("requested format is not available", "no video formats found"),
        "the site offers no downloadable format for this video",
    ),
    (
        ("not available in your country", "geo restrict", "geo-restrict"),
        "this video is not available in your country",
    ),
    (
        (
            "video unavailable",
            "is unavailable",
            "not available",
            "no longer available",
            "been removed",
            "been deleted",
            "does not exist",
            "terminated",
        ),
        "this video is unavailable: it was removed, blocked or never existed",
    ),
)


def _not_web_problem(chain: Sequence[BaseException]) -> str | None:
    """The message of a redirect or a site's link to an address that is not http(s), or None."""
    for item in chain:
        if isinstance(item, NotWebError):
            return str(item)
    return None


def _cookies_problem(chain: Sequence[BaseException]) -> str | None:
    """The message for a cookies file that would not load, or None when no error in ``chain`` is one."""
    for item in chain:
        if isinstance(item, (CookieLoadError, http.cookiejar.LoadError)):
            return "the cookies file could not be loaded: export it again in Netscape format (--cookies)"
    return None


def _http_problem(chain: Sequence[BaseException], url: str, host: str) -> str | None:
    """The message for the first HTTP error status in ``chain`` (what it means, what to do), or None."""
    for item in chain:
        if isinstance(item, HTTPError):
            status, reason = item.status, (item.reason or "").lower()
            if status in (404, 410):
                return f"not found (HTTP {status}): {url} does not exist; check the URL"
            if status in (401, 403):
                return (
                    f"access denied (HTTP {status} {reason or 'forbidden'}) by {host}: if the video needs an "
                    "account, pass a cookies file of one that can see it (--cookies)"
                )
            if status == 429:
                return f"{host} refuses more requests for now (HTTP 429): wait a while and try again"
            if status >= 500:
                return f"{host} had a server error (HTTP {status}): try again later"
            return f"{host} answered HTTP {status} {reason}".rstrip() + f" for {url}"
    return None


def _transport_problem(chain: Sequence[BaseException], host: str) -> str | None:
    """The message for a failed certificate check, a cut-off transfer or no connection to ``host``, or None."""
    for item in chain:
        if isinstance(item, CertificateVerifyError):
            return f"could not verify the secure connection to {host}: check the computer's date and certificates"
        if isinstance(item, IncompleteRead):
            return f"the connection to {host} broke off during the download: try again"
        if isinstance(item, TransportError):
            reason = _connection_reason(chain)
            suffix = f" ({reason})" if reason else ""
            return f"could not connect to {host}: check your internet connection{suffix}"
    return None


def _save_problem(chain: Sequence[BaseException]) -> str | None:
    """The message for a downloaded file that could not be written to disk, or None."""
    for item in chain:
        if isinstance(item, OSError) and item.filename:
            return f"could not save the download as {item.filename}: {item.strerror or item}"
    return None


def _site_problem(chain: Sequence[BaseException], url: str) -> str | None:
    """The message for a geo-blocked video or a page yt-dlp cannot read a video from, or None."""
    for item in chain:
        if isinstance(item, GeoRestrictedError):
            return "this video is not available in your country"
        if isinstance(item, UnsupportedError):
            return f"no video found at {url}: the site is not supported or the page holds no video"
    return None


def _text_problem(chain: Sequence[BaseException]) -> str | None:
    """The message of the first ``_TEXT_RULES`` entry whose words appear in the chain's error texts, or None."""
    text = " ".join(str(item) for item in chain).lower()
    for needles, message in _TEXT_RULES:
        if any(needle in text for needle in needles):
            return message
    return None


def _explain(error: BaseException, url: str) -> str:
    """One line for the user saying what went wrong with ``url`` and what to do about it.

    The typed errors of the whole chain are tried first, most specific kind first; the error texts only
    when no type tells; the raw message is the fallback.
    """
    chain = _chain(error)
    host = urlsplit(url).netloc or url
    message = (
        _not_web_problem(chain)
        or _cookies_problem(chain)
        or _http_problem(chain, url, host)
        or _transport_problem(chain, host)
        or _save_problem(chain)
        or _site_problem(chain, url)
        or _text_problem(chain)
    )
    if message is not None:
        return message
    detail = str(error).removeprefix("ERROR: ").strip()
    return f"could not download {url}: {detail}"


def _codec_of(path: Path, kind: str) -> str:
    """Canonical codec name of the first ``kind`` ("video" or "audio") stream of ``path``, or ""."""
    try:
        with av.open(str(path)) as container:
            streams = container.streams.video if kind == "video" else container.streams.audio
            for stream in streams:
                if stream.codec_context is not None:
                    return stream.codec_context.codec.canonical_name
    except (av.error.FFmpegError, OSError, ValueError) as exc:
        log.debug("cannot read the codec of %s: %s", path, exc)
    return ""


def _merged_suffix(video_path: Path, audio_path: Path) -> str:
    """``.mp4`` when both codecs are at home there (players open it everywhere), else ``.mkv`` (takes any)."""
    video_codec, audio_codec = _codec_of(video_path, "video"), _codec_of(audio_path, "audio")
    if video_codec in _MP4_VIDEO_CODECS and audio_codec in _MP4_AUDIO_CODECS:
        return ".mp4"
    return ".mkv"


def _first_video(container: av.container.InputContainer) -> av.video.stream.VideoStream | None:
    for stream in container.streams.video:
        if not stream.disposition & av.stream.Disposition.attached_pic:
            return stream
    return None


def _packets(
    container: av.container.InputContainer, source: av.stream.Stream, target: av.stream.Stream
) -> Iterator[tuple[float, av.Packet]]:
    """Packets of ``source`` re-addressed to ``target``, with their decode time in seconds for interleaving."""
    for packet in container.demux(source):
        if packet.dts is None:  # the empty packet that ends a demux
            continue
        seconds = float(packet.dts * packet.time_base)
        packet.stream = target
        yield seconds, packet


def merge_streams(
    video_path: str | os.PathLike[str],
    audio_path: str | os.PathLike[str],
    out_path: str | os.PathLike[str],
    progress: Progress | None = None,
) -> Path:
    """Stream-copy the first video stream of one file and the first audio stream of another into ``out_path``.

    No re-encoding: packets are copied with their timestamps rescaled to the output's time bases, read from
    both files in step so the muxer interleaves them without buffering a whole stream. The container
    follows ``out_path``'s suffix. The file is written under a temporary name and renamed when complete,
    so a failure or a cancel never leaves a half-written ``out_path``.
    """
    progress = progress or NullProgress()
    video_path, audio_path, out_path = Path(video_path), Path(audio_path), Path(out_path)
    partial = out_path.with_name(f"{out_path.stem}.partial{out_path.suffix}")
    try:
        with av.open(str(video_path)) as video_in, av.open(str(audio_path)) as audio_in:
            video = _first_video(video_in)
            if video is None:
                raise DownloadError(f"{video_path.name} holds no video stream to merge")
            if not audio_in.streams.audio:
                raise DownloadError(f"{audio_path.name} holds no audio stream to merge")
            audio = audio_in.streams.audio[0]
            duration_s = max(video_in.duration or 0, audio_in.duration or 0) / av.time_base
            with av.open(str(partial), "w") as out:
                video_out = out.add_stream_from_template(video)
                audio_out = out.add_stream_from_template(audio)
                merged = heapq.merge(
                    _packets(video_in, video, video_out),
                    _packets(audio_in, audio, audio_out),
                    key=lambda item: item[0],
                )
                for index, (seconds, packet) in enumerate(merged):
                    out.mux(packet)
                    if index % _MERGE_CHECK_PACKETS == 0:
                        check(progress)
                        if duration_s > 0:
                            progress.update(min(seconds / duration_s, 1.0), "merging video and audio")
        os.replace(partial, out_path)
    except DownloadError:
        partial.unlink(missing_ok=True)
        raise
    except (av.error.FFmpegError, ValueError, OSError) as exc:
        partial.unlink(missing_ok=True)
        reason = getattr(exc, "strerror", None) or str(exc)
        raise DownloadError(
            f"could not combine the video of {video_path.name} and the audio of {audio_path.name} into "
            f"{out_path.name}: {reason}"
        ) from exc
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
    progress.update(1.0, "video and audio merged")
    log.info("merged %s and %s into %s", video_path.name, audio_path.name, out_path)
    return out_path
