"""Downloads through yt-dlp from a local web server, and the PyAV merge of separate video and audio streams."""

from __future__ import annotations

import functools
import socket
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import av
import pytest
import yt_dlp
from yt_dlp.utils import ExtractorError

from analysis import download as dl
from analysis.download import DownloadResult, check_cookies_file, download, merge_streams, validate_url
from analysis.errors import DownloadError
from analysis.media import probe
from analysis.progress import Cancelled
from app.demo.synth import Scene, write_media

_SLOW_CHUNK = 64 * 1024

_MPD = """<?xml version="1.0"?>
<MPD xmlns="urn:mpeg:dash:schema:mpd:2011" type="static" mediaPresentationDuration="PT3S" minBufferTime="PT1S"
     profiles="urn:mpeg:dash:profile:isoff-on-demand:2011">
  <Period>
    <AdaptationSet mimeType="video/mp4" contentType="video">
      <Representation id="v1" codecs="avc1.42c00d" bandwidth="200000" width="320" height="240">
        <BaseURL>video.mp4</BaseURL>
      </Representation>
    </AdaptationSet>
    <AdaptationSet mimeType="audio/mp4" contentType="audio">
      <Representation id="a1" codecs="mp4a.40.2" bandwidth="64000" audioSamplingRate="48000">
        <BaseURL>audio.m4a</BaseURL>
      </Representation>
    </AdaptationSet>
  </Period>
</MPD>
"""

_RSS = """<?xml version="1.0"?>
<rss version="2.0"><channel><title>Talks</title>
  <item><title>One</title><enclosure url="{base}/talk.mp4" type="video/mp4" length="1"/></item>
  <item><title>Two</title><enclosure url="{base}/audio.m4a" type="audio/mp4" length="1"/></item>
</channel></rss>
"""


class _Server(ThreadingHTTPServer):
    """Serves a folder on 127.0.0.1 and remembers the requested paths and the cookies sent with them."""

    daemon_threads = True

    def __init__(self, root: Path) -> None:
        super().__init__(("127.0.0.1", 0), functools.partial(_Handler, directory=str(root)))
        self.requests: list[str] = []
        self.cookies: list[str] = []
        self.redirects: dict[str, str] = {}
        """Paths answered with a 302 to the address they map to."""

    def handle_error(self, request: object, client_address: object) -> None:
        # A client hanging up mid-file (a cancel, or yt-dlp's first look at a URL) is expected here.
        if not isinstance(sys.exc_info()[1], ConnectionError):
            super().handle_error(request, client_address)


class _Handler(SimpleHTTPRequestHandler):
    """Files from the folder; ``/forbidden/…`` answers 403, ``/slow/…`` trickles the file out,
    ``/broken/…`` hangs up after half of it and the server's ``redirects`` answer 302."""

    server: _Server

    def log_message(self, format: str, *args: object) -> None:
        """Keep the test output clean."""

    def do_GET(self) -> None:
        self.server.requests.append(self.path)
        if self.headers.get("Cookie"):
            self.server.cookies.append(self.headers["Cookie"])
        if self._redirected():
            return
        if self.path.startswith("/forbidden/"):
            self.send_error(403)
        elif self.path.startswith("/slow/"):
            self._send(Path(self.directory) / self.path.removeprefix("/slow/"), pause_s=0.02)
        elif self.path.startswith("/broken/"):
            self._send(Path(self.directory) / self.path.removeprefix("/broken/"), share=0.5)
        else:
            super().do_GET()

    def do_HEAD(self) -> None:
        if not self._redirected():
            super().do_HEAD()

    def _redirected(self) -> bool:
        if self.path not in self.server.redirects:
            return False
        self.send_response(302)
        self.send_header("Location", self.server.redirects[self.path])
        self.send_header("Content-Length", "0")
        self.end_headers()
        return True

    def _send(self, path: Path, pause_s: float = 0.0, share: float = 1.0) -> None:
        """Announce the whole file but send ``share`` of it, in chunks ``pause_s`` apart."""
        data = path.read_bytes()
        self.send_response(200)
        self.send_header("Content-Type", "video/mp4")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        for start in range(0, int(len(data) * share), _SLOW_CHUNK):
            self.wfile.write(data[start : start + _SLOW_CHUNK])
            time.sleep(pause_s)
        self.close_connection = True


@dataclass
class Site:
    root: Path
    base: str
    server: _Server

    def url(self, path: str) -> str:
        return f"{self.base}/{path}"

    @property
    def requests(self) -> list[str]:
        return self.server.requests


@dataclass
class RecordingProgress:
    """Remembers every report; cancels once a report's message starts with ``cancel_on``."""

    cancel_on: str | None = None
    updates: list[tuple[float, str]] = field(default_factory=list)
    _cancelled: bool = False

    def update(self, fraction: float, message: str = "") -> None:
        self.updates.append((fraction, message))
        if self.cancel_on is not None and message.startswith(self.cancel_on):
            self._cancelled = True

    @property
    def cancelled(self) -> bool:
        return self._cancelled

    @property
    def fractions(self) -> list[float]:
        return [fraction for fraction, _ in self.updates]


@pytest.fixture
def site(tmp_path: Path) -> Iterator[Site]:
    root = tmp_path / "site"
    root.mkdir()
    server = _Server(root)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        yield Site(root, f"http://127.0.0.1:{server.server_port}", server)
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


@dataclass
class Listener:
    """A TCP port on 127.0.0.1 that records who connects, answers as an FTP server turning them away, hangs up."""

    port: int
    connections: list[tuple[str, int]]


@pytest.fixture
def ftp_listener() -> Iterator[Listener]:
    server = socket.create_server(("127.0.0.1", 0))
    server.settimeout(0.05)
    listener = Listener(server.getsockname()[1], [])
    done = threading.Event()

    def serve() -> None:
        while not done.is_set():
            try:
                client, address = server.accept()
            except TimeoutError:
                continue
            listener.connections.append(address)
            with client:
                client.sendall(b"421 Service not available\r\n")

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    try:
        yield listener
    finally:
        done.set()
        thread.join(timeout=5)
        server.close()


def _speech(seconds: float) -> Scene:
    scene = Scene(seed=11)
    scene.speech(duration_s=seconds - 0.5)
    scene.silence(0.5)
    return scene


@pytest.fixture
def talk(site: Site) -> Path:
    """A 2.5 s H.264 + AAC MP4 on the site."""
    return write_media(site.root / "talk.mp4", _speech(2.5).samples())


@pytest.fixture
def streams(site: Site) -> tuple[Path, Path]:
    """A 3 s video-only MP4 and a 3 s audio-only M4A on the site, as a DASH manifest lists them."""
    video = write_media(site.root / "video.mp4", None, duration_ms=3000)
    audio = write_media(site.root / "audio.m4a", _speech(3.0).samples(), video_size=None)
    (site.root / "talk.mpd").write_text(_MPD)
    return video, audio


def _free_port() -> int:
    with socket.socket() as probe_socket:
        probe_socket.bind(("127.0.0.1", 0))
        return probe_socket.getsockname()[1]


def _packet_count(path: Path, kind: str) -> int:
    with av.open(str(path)) as container:
        stream = container.streams.video[0] if kind == "video" else container.streams.audio[0]
        return sum(1 for packet in container.demux(stream) if packet.dts is not None)


def _cookies_file(path: Path, header: bool = True) -> Path:
    lines = ["# Netscape HTTP Cookie File", ""] if header else []
    lines.append("127.0.0.1\tFALSE\t/\tFALSE\t0\tsession\tabc123")
    path.write_text("\n".join(lines) + "\n")
    return path


def test_direct_mp4_is_downloaded_whole_with_progress_and_reused(
    site: Site, talk: Path, tmp_path: Path, capfd: pytest.CaptureFixture[str]
) -> None:
    dest = tmp_path / "downloads"
    progress = RecordingProgress()

    result = download(site.url("talk.mp4"), dest, progress=progress)

    assert result == DownloadResult(path=dest / "talk-talk.mp4", url=site.url("talk.mp4"), title="talk", merged=False)
    assert result.path.read_bytes() == talk.read_bytes()
    info, source = probe(result.path), probe(talk)
    assert info.has_video and info.has_audio
    assert abs(info.duration_ms - source.duration_ms) <= 50
    fractions = progress.fractions
    assert fractions == sorted(fractions)
    assert fractions[-1] == 1.0
    assert any(0.0 < fraction < 1.0 for fraction in fractions)
    size_mb = f"{talk.stat().st_size / 1e6:.1f}"
    downloading = [message for _, message in progress.updates if message.startswith("downloading")]
    assert downloading[-1] == f"downloading {size_mb} of {size_mb} MB"
    assert sorted(p.name for p in dest.iterdir()) == ["talk-talk.mp4"]
    # One request to look at the URL, one to download it.
    assert site.requests == ["/talk.mp4", "/talk.mp4"]

    mtime = result.path.stat().st_mtime_ns
    again = RecordingProgress()
    second = download(site.url("talk.mp4"), dest, progress=again)

    assert second == result
    assert result.path.stat().st_mtime_ns == mtime
    assert site.requests == ["/talk.mp4", "/talk.mp4", "/talk.mp4"]  # only the look, no second download
    assert again.updates[-1] == (1.0, "already downloaded: talk-talk.mp4")
    assert capfd.readouterr() == ("", "")  # yt-dlp printed nothing; its messages went to logging


def test_separate_video_and_audio_are_downloaded_and_merged_without_ffmpeg(
    site: Site, streams: tuple[Path, Path], tmp_path: Path
) -> None:
    video, audio = streams
    dest = tmp_path / "downloads"
    progress = RecordingProgress()

    result = download(site.url("talk.mpd"), dest, progress=progress)

    assert result == DownloadResult(path=dest / "talk-talk.mp4", url=site.url("talk.mpd"), title="talk", merged=True)
    assert sorted(p.name for p in dest.iterdir()) == ["talk-talk.mp4"]  # the stream files are gone
    info = probe(result.path)
    assert (info.video.codec, info.audio.codec) == ("h264", "aac")
    assert abs(info.duration_ms - probe(video).duration_ms) <= 50
    assert _packet_count(result.path, "video") == _packet_count(video, "video")
    assert _packet_count(result.path, "audio") == _packet_count(audio, "audio")
    messages = [message for _, message in progress.updates]
    assert any(message.startswith("downloading video") for message in messages)
    assert any(message.startswith("downloading audio") for message in messages)
    assert "merging video and audio" in messages
    assert progress.fractions == sorted(progress.fractions) and progress.fractions[-1] == 1.0

    requests_before = len(site.requests)
    second = download(site.url("talk.mpd"), dest)
    assert second == result
    assert site.requests[requests_before:] == ["/talk.mpd"]  # the merged file is reused, no stream fetched


def test_missing_file_says_not_found(site: Site, tmp_path: Path) -> None:
    (tmp_path / "downloads").mkdir()
    with pytest.raises(DownloadError, match=r"not found \(HTTP 404\)") as caught:
        download(site.url("missing.mp4"), tmp_path / "downloads")
    assert isinstance(caught.value.__cause__, yt_dlp.utils.DownloadError)
    assert "HTTP Error 404" in str(caught.value.__cause__)
    assert list((tmp_path / "downloads").iterdir()) == []  # a folder that was there stays


def test_a_failed_download_removes_the_folders_it_made(tmp_path: Path) -> None:
    dest = tmp_path / "talk.salient-data" / "media"
    with pytest.raises(DownloadError, match="could not connect"):
        download(f"http://127.0.0.1:{_free_port()}/talk.mp4", dest)
    assert list(tmp_path.iterdir()) == []


def test_a_url_with_credentials_is_used_whole_and_shown_without_them(
    site: Site, talk: Path, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    secret = site.base.replace("http://", "http://ana:s3cr3t@")
    result = download(f"{secret}/talk.mp4?token=T0K3N&v=1", tmp_path / "downloads")
    assert result.path.read_bytes() == talk.read_bytes()
    assert site.requests[-1] == "/talk.mp4?token=T0K3N&v=1"  # the download uses the URL as given
    with pytest.raises(DownloadError) as caught:
        download(f"{secret}/missing.mp4?token=T0K3N", tmp_path / "downloads")
    assert str(caught.value).startswith(f"not found (HTTP 404): {site.base}/missing.mp4 does not exist")
    with pytest.raises(DownloadError) as refused:
        download("ftp://ana:s3cr3t@example.org/v.mp4?token=T0K3N", tmp_path / "downloads")
    assert str(refused.value) == "only http(s) URLs are accepted: ftp://example.org/v.mp4"
    assert not any("s3cr3t" in text or "T0K3N" in text for text in caplog.messages)


def test_forbidden_file_suggests_cookies(site: Site, tmp_path: Path) -> None:
    with pytest.raises(DownloadError, match=r"access denied \(HTTP 403 forbidden\).*--cookies"):
        download(site.url("forbidden/talk.mp4"), tmp_path / "downloads")


def test_page_without_video_is_unsupported(site: Site, tmp_path: Path) -> None:
    (site.root / "page.html").write_text("<html><head><title>Notes</title></head><body>no video</body></html>")
    with pytest.raises(DownloadError, match=r"^no video found at .*page\.html: the site is not supported"):
        download(site.url("page.html"), tmp_path / "downloads")


def test_playlist_is_refused(site: Site, tmp_path: Path) -> None:
    (site.root / "feed.rss").write_text(_RSS.format(base=site.base))
    with pytest.raises(DownloadError, match="is a playlist or channel, not one video"):
        download(site.url("feed.rss"), tmp_path / "downloads")
    assert site.requests == ["/feed.rss"]  # its entries were not looked at


def test_unreachable_host_says_could_not_connect(tmp_path: Path) -> None:
    port = _free_port()
    with pytest.raises(DownloadError) as caught:
        download(f"http://127.0.0.1:{port}/talk.mp4", tmp_path / "downloads")
    assert str(caught.value) == (
        f"could not connect to 127.0.0.1:{port}: check your internet connection (connection refused)"
    )


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("ftp://x/y.mp4", "only http(s) URLs are accepted: ftp://x/y.mp4"),
        ("file:///etc/passwd", "only http(s) URLs are accepted: file:///etc/passwd"),
        ("not a url", "not a web address: 'not a url' (it should start with https://)"),
        ("http://", "the URL has no valid host name: 'http://'"),
        ("https://example.com:99999/v", "not a valid web address: 'https://example.com:99999/v'"),
    ],
)
def test_non_web_urls_are_refused_before_any_network_activity(
    url: str, message: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def no_network(*args: object, **kwargs: object) -> None:
        raise AssertionError("yt-dlp must not be started")

    monkeypatch.setattr(dl, "WebOnlyYoutubeDL", no_network)
    with pytest.raises(DownloadError) as caught:
        download(url, tmp_path / "downloads")
    assert str(caught.value).startswith(message)
    assert not (tmp_path / "downloads").exists()


def test_a_redirect_to_ftp_is_refused_without_connecting_to_it(
    site: Site, ftp_listener: Listener, tmp_path: Path
) -> None:
    target = f"ftp://127.0.0.1:{ftp_listener.port}/x.mp4"
    site.server.redirects["/x.mp4"] = target
    with pytest.raises(DownloadError) as caught:
        download(site.url("x.mp4"), tmp_path / "downloads")
    host = site.base.removeprefix("http://")
    assert str(caught.value) == f"{host} redirected the download to {target}, which is not an http(s) address: refused"
    assert ftp_listener.connections == []
    assert not (tmp_path / "downloads").exists()


@pytest.mark.parametrize(
    ("page", "message"),
    [
        ('<video src="{target}"></video>', "{host} offers this video only at {target} ({ftp}), which is not an"),
        (
            '<meta http-equiv="refresh" content="0; url={target}">',
            "the download led to {target} ({ftp}), which is not an",
        ),
    ],
)
def test_a_page_leading_to_ftp_is_refused_without_connecting_to_it(
    site: Site, ftp_listener: Listener, tmp_path: Path, page: str, message: str
) -> None:
    target = f"ftp://127.0.0.1:{ftp_listener.port}/y.mp4"
    (site.root / "page.html").write_text(f"<html><head><title>T</title>{page.format(target=target)}</head></html>")
    with pytest.raises(DownloadError) as caught:
        download(site.url("page.html"), tmp_path / "downloads")
    names = {"host": site.base.removeprefix("http://"), "target": target, "ftp": f"127.0.0.1:{ftp_listener.port}"}
    assert str(caught.value) == message.format(**names) + " http(s) address: refused"
    assert ftp_listener.connections == []


def test_a_redirect_to_another_web_address_is_followed(site: Site, talk: Path, tmp_path: Path) -> None:
    site.server.redirects["/old/talk.mp4"] = site.url("talk.mp4")
    result = download(site.url("old/talk.mp4"), tmp_path / "downloads")
    assert result.path.read_bytes() == talk.read_bytes()
    assert site.requests[0] == "/old/talk.mp4" and set(site.requests[1:]) == {"/talk.mp4"}


def test_validate_url_returns_the_trimmed_url() -> None:
    assert validate_url("  https://www.example.com/watch?v=abc \n") == "https://www.example.com/watch?v=abc"
    assert validate_url("HTTP://127.0.0.1:8000/a.mp4") == "HTTP://127.0.0.1:8000/a.mp4"


def test_missing_cookies_file_is_named(tmp_path: Path) -> None:
    missing = tmp_path / "cookies.txt"
    with pytest.raises(DownloadError, match=f"^cookies file {missing} does not exist$"):
        check_cookies_file(missing)


def test_garbage_cookies_file_is_not_netscape(tmp_path: Path) -> None:
    garbage = tmp_path / "cookies.txt"
    garbage.write_text("garbage\nmore garbage\n")
    with pytest.raises(DownloadError) as caught:
        check_cookies_file(garbage)
    assert str(caught.value) == (
        f"cookies file {garbage} is not in Netscape format (the first line should be "
        "'# Netscape HTTP Cookie File', and each cookie line has 7 tab-separated fields; "
        "line 1 has 1 tab-separated field)"
    )


def test_json_cookies_file_is_told_apart(tmp_path: Path) -> None:
    exported = tmp_path / "cookies.json"
    exported.write_text('[{"domain": ".youtube.com", "name": "SID", "value": "x"}]')
    with pytest.raises(DownloadError, match="is JSON, not Netscape format"):
        check_cookies_file(exported)


def test_bad_cookies_file_stops_a_download_before_the_network(site: Site, talk: Path, tmp_path: Path) -> None:
    garbage = tmp_path / "cookies.txt"
    garbage.write_text("garbage\n")
    with pytest.raises(DownloadError, match=f"cookies file {garbage} is not in Netscape format"):
        download(site.url("talk.mp4"), tmp_path / "downloads", cookies=garbage)
    assert site.requests == []


@pytest.mark.parametrize("header", [True, False])
def test_valid_cookies_file_is_accepted(tmp_path: Path, header: bool) -> None:
    cookies = _cookies_file(tmp_path / "cookies.txt", header=header)
    assert check_cookies_file(cookies) == cookies


def test_cookies_are_sent_and_the_file_is_left_alone(site: Site, talk: Path, tmp_path: Path) -> None:
    cookies = _cookies_file(tmp_path / "cookies.txt", header=False)
    before = cookies.read_bytes()

    result = download(site.url("talk.mp4"), tmp_path / "downloads", cookies=cookies)

    assert result.path.read_bytes() == talk.read_bytes()
    assert site.server.cookies == ["session=abc123", "session=abc123"]
    assert cookies.read_bytes() == before  # yt-dlp would rewrite a cookies file it was given by path


def test_cancel_stops_the_download_and_leaves_no_partial_file(site: Site, tmp_path: Path) -> None:
    (site.root / "big.mp4").write_bytes(bytes(range(256)) * (8 * 4096))  # 8 MiB, about 2.5 s when trickled
    dest = tmp_path / "downloads"
    progress = RecordingProgress(cancel_on="downloading")

    started = time.monotonic()
    with pytest.raises(Cancelled):
        download(site.url("slow/big.mp4"), dest, progress=progress)

    assert time.monotonic() - started < 2.0
    assert not dest.exists()  # the folder it made goes too, as it was empty
    cancelled_at = next(i for i, (_, message) in enumerate(progress.updates) if message.startswith("downloading"))
    assert cancelled_at == len(progress.updates) - 1  # nothing was reported after the cancel
    assert progress.fractions[-1] < 0.1


def test_an_interrupt_before_the_first_progress_report_leaves_no_partial_file(
    site: Site, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """yt-dlp opens its .part file before it first reports progress: Ctrl+C in between (the hook has not learnt
    the file's name yet) used to leave the .part file behind."""
    (site.root / "big.mp4").write_bytes(bytes(range(256)) * (8 * 4096))
    dest = tmp_path / "downloads"

    def interrupted(self: object, status: dict) -> None:
        if status.get("status") == "downloading":
            assert list(dest.glob("*.part")), "the .part file exists when the first report comes"
            raise KeyboardInterrupt

    monkeypatch.setattr("analysis.download._Hook.__call__", interrupted)
    with pytest.raises(KeyboardInterrupt):
        download(site.url("slow/big.mp4"), dest)
    assert not dest.exists()  # the folder it made goes too, as it was empty


def test_connection_that_breaks_off_leaves_no_partial_file(site: Site, talk: Path, tmp_path: Path) -> None:
    dest = tmp_path / "downloads"
    with pytest.raises(DownloadError, match="^the connection broke off during the download: try again$") as caught:
        download(site.url("broken/talk.mp4"), dest)
    assert "Giving up after 10 retries" in str(caught.value.__cause__)
    assert not dest.exists()  # the folder it made goes too, as it was empty


def test_merge_streams_copies_packets_without_reencoding(tmp_path: Path) -> None:
    video = write_media(tmp_path / "video.mp4", None, duration_ms=3000)
    audio = write_media(tmp_path / "audio.m4a", _speech(3.0).samples(), video_size=None)
    out = tmp_path / "merged.mp4"

    assert merge_streams(video, audio, out) == out

    info = probe(out)
    assert info.has_video and info.has_audio
    assert (info.video.codec, info.audio.codec) == ("h264", "aac")
    assert abs(info.duration_ms - probe(video).duration_ms) <= 50
    assert abs(info.duration_ms - probe(audio).duration_ms) <= 50
    assert _packet_count(out, "video") == _packet_count(video, "video") == 75
    assert _packet_count(out, "audio") == _packet_count(audio, "audio")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["audio.m4a", "merged.mp4", "video.mp4"]


@pytest.mark.slow
def test_merge_streams_into_matroska_keeps_vp8_and_opus(tmp_path: Path) -> None:
    video = write_media(tmp_path / "video.webm", None, duration_ms=2000)
    audio = write_media(tmp_path / "audio.ogg", _speech(2.0).samples(), video_size=None)
    out = tmp_path / "merged.mkv"

    merge_streams(video, audio, out)

    info = probe(out)
    assert (info.video.codec, info.audio.codec) == ("vp8", "opus")
    assert _packet_count(out, "video") == _packet_count(video, "video")


def test_merge_streams_failure_leaves_no_file(tmp_path: Path) -> None:
    video = write_media(tmp_path / "video.mp4", None, duration_ms=1000)
    out = tmp_path / "merged.mp4"
    with pytest.raises(DownloadError, match="video.mp4 holds no audio stream to merge"):
        merge_streams(video, video, out)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["video.mp4"]


@pytest.mark.parametrize(
    ("reason", "expected"),
    [
        (
            "Private video. Sign in if you've been granted access to this video",
            "this video is private: pass a cookies file of an account that can see it (--cookies)",
        ),
        (
            "Sign in to confirm your age. This video may be inappropriate for some users.",
            "this video is age-restricted: pass a cookies file of a signed-in adult account (--cookies)",
        ),
        (
            "Sign in to confirm you’re not a bot. Use --cookies-from-browser or --cookies for the authentication.",
            "the site wants you to sign in to prove you are not a bot: pass a cookies file of a signed-in "
            "account (--cookies)",
        ),
        (
            "This video is only available for registered users",
            "this video needs a signed-in account: pass a cookies file of an account that can see it (--cookies)",
        ),
        (
            "Video unavailable. This video has been removed by the uploader",
            "this video is unavailable: it was removed, blocked or never existed",
        ),
        (
            "Requested format is not available. Use --list-formats for a list of available formats",
            "the site offers no downloadable format for this video",
        ),
    ],
)
def test_site_refusals_are_explained(reason: str, expected: str) -> None:
    # Site extractors raise these; with no site to ask here, the error is wrapped the way
    # YoutubeDL.trouble() wraps an expected ExtractorError.
    try:
        raise ExtractorError(reason, expected=True, video_id="abc", ie="youtube")
    except ExtractorError:
        error = yt_dlp.utils.DownloadError(f"ERROR: [youtube] abc: {reason}", sys.exc_info())
    assert dl._explain(error, "https://www.youtube.com/watch?v=abc") == expected
