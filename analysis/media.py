"""Media ingest: probe any file PyAV can read, fingerprint it, decode its audio once to 16 kHz mono.

Everything here uses FFmpeg's libraries through PyAV; no ffmpeg binary is needed.
"""

from __future__ import annotations

import hashlib
import logging
import os
import statistics
from dataclasses import dataclass
from fractions import Fraction
from functools import lru_cache
from pathlib import Path

import av
import av.error
import numpy as np

from analysis.errors import MediaError
from analysis.progress import NullProgress, Progress, check

log = logging.getLogger(__name__)

ANALYSIS_RATE = 16_000
"""Sample rate of the decoded audio every analysis works on (Whisper's and Silero's rate)."""

_FINGERPRINT_CHUNK = 1 << 20
_VFR_PACKETS = 240


@dataclass(frozen=True, slots=True)
class VideoStreamInfo:
    """The first real video stream of a file (cover art in audio files is not one)."""

    width: int
    """Width of the picture as shown: upright, after the rotation."""
    height: int
    """Height of the picture as shown: upright, after the rotation."""
    fps: float
    """Average frame rate (frames per second)."""
    variable_frame_rate: bool
    frame_count: int | None
    """Number of frames when the container declares it, else None."""
    codec: str
    rotation: int = 0
    """Degrees (0, 90, 180 or 270) the stored pictures are turned counter-clockwise to be shown upright: the
    file's display matrix, as phones write it for portrait video (FFmpeg's ``rotation``; 270 is its −90)."""


@dataclass(frozen=True, slots=True)
class AudioStreamInfo:
    """The first audio stream of a file."""

    sample_rate: int
    channels: int
    codec: str


@dataclass(frozen=True, slots=True)
class MediaInfo:
    """What a probe learns about a media file without decoding it."""

    path: str
    container: str
    size_bytes: int
    duration_ms: int
    video: VideoStreamInfo | None
    audio: AudioStreamInfo | None

    @property
    def has_video(self) -> bool:
        """Whether the file has a real video stream (cover art does not count)."""
        return self.video is not None

    @property
    def has_audio(self) -> bool:
        """Whether the file has an audio stream."""
        return self.audio is not None

    @property
    def format_name(self) -> str:
        """The container as people name it ("MP4", "QuickTime (MOV)", "Matroska (MKV)"), not FFmpeg's demuxer
        ("mov,mp4,m4a,3gp,3g2,mj2"); one demuxer reads several formats, so the file's suffix decides among them.
        An unknown demuxer is named as it is."""
        suffix = Path(self.path).suffix.lower()
        by_suffix = _FORMATS_BY_SUFFIX.get(self.container, {})
        if suffix in by_suffix:
            return by_suffix[suffix]
        if self.container.endswith("_pipe"):
            return f"{self.container.removesuffix('_pipe').upper()} image"
        return _FORMAT_NAMES.get(self.container, self.container)


_FORMATS_BY_SUFFIX = {
    "mov,mp4,m4a,3gp,3g2,mj2": {
        ".mp4": "MP4",
        ".m4v": "MP4",
        ".m4a": "MPEG-4 audio (M4A)",
        ".mov": "QuickTime (MOV)",
        ".qt": "QuickTime (MOV)",
        ".3gp": "3GP",
        ".3g2": "3G2",
        ".mj2": "Motion JPEG 2000",
    },
    "matroska,webm": {".webm": "WebM", ".mkv": "Matroska (MKV)", ".mka": "Matroska audio (MKA)"},
}
_FORMAT_NAMES = {
    "mov,mp4,m4a,3gp,3g2,mj2": "QuickTime/MP4",
    "matroska,webm": "Matroska/WebM",
    "wav": "WAV",
    "mp3": "MP3",
    "flac": "FLAC",
    "ogg": "Ogg",
    "aac": "AAC (ADTS)",
    "avi": "AVI",
    "asf": "ASF (WMV/WMA)",
    "flv": "Flash video (FLV)",
    "mpegts": "MPEG transport stream (TS)",
    "mpeg": "MPEG program stream (MPG)",
    "image2": "image",
}


def _open(path: Path) -> av.container.InputContainer:
    """Open a media file, turning every way it can fail into a MediaError the user can read."""
    if not path.exists():
        raise MediaError(f"{path}: file not found")
    if path.is_dir():
        raise MediaError(f"{path}: is a folder, not a media file")
    if path.stat().st_size == 0:
        raise MediaError(f"{path}: the file is empty (0 bytes)")
    try:
        return av.open(str(path), metadata_errors="ignore")
    except PermissionError as exc:
        raise MediaError(f"{path}: permission denied") from exc
    except (av.error.FFmpegError, ValueError, OSError) as exc:
        reason = getattr(exc, "strerror", None) or str(exc)
        raise MediaError(
            f"{path}: not a readable audio or video file; it may be truncated or corrupt ({reason})"
        ) from exc


def _video_stream(container: av.container.InputContainer) -> av.video.stream.VideoStream | None:
    for stream in container.streams.video:
        if not stream.disposition & av.stream.Disposition.attached_pic:
            return stream
    return None


def _is_variable_frame_rate(container: av.container.InputContainer, stream: av.video.stream.VideoStream) -> bool:
    """Look at the first packets' presentation times: a constant-rate stream has equal steps."""
    times: list[int] = []
    try:
        for packet in container.demux(stream):
            if packet.pts is not None:
                times.append(packet.pts)
            if len(times) >= _VFR_PACKETS:
                break
    except av.error.FFmpegError:
        pass
    if len(times) < 3:
        return False
    times.sort()
    steps = [b - a for a, b in zip(times, times[1:], strict=False) if b > a]
    if len(steps) < 2:
        return False
    typical = statistics.median(steps)
    # A dropped frame in a constant-rate file leaves a step of two or three frame periods: not VFR.
    return any(abs(step - typical * max(1, round(step / typical))) > 0.1 * typical for step in steps)


def _rotation(container: av.container.InputContainer, stream: av.video.stream.VideoStream) -> int:
    """The display rotation of the video, read from its first decoded frame (PyAV exposes a stream's display
    matrix only on frames), rounded to a quarter turn; 0 when none decodes among the first packets.

    Only keyframes are decoded, on one thread: a 1080p H.264 probe takes ~40 ms longer than without the
    rotation (bench/RESULTS.md), where FFmpeg's default threads took ~170 ms to give the first frame."""
    context = stream.codec_context
    context.thread_type, context.thread_count, context.skip_frame = "NONE", 1, "NONKEY"
    try:
        for packet, _ in zip(container.demux(stream), range(_VFR_PACKETS), strict=False):
            for frame in packet.decode():
                return quarter_turns(frame.rotation) * 90
    except av.error.FFmpegError:
        pass
    return 0


def quarter_turns(rotation: float) -> int:
    """A rotation in degrees counter-clockwise as 0–3 quarter turns counter-clockwise (``np.rot90``'s ``k``)."""
    return round(rotation / 90) % 4


def upright(image: np.ndarray, rotation: float) -> np.ndarray:
    """A stored picture (H×W or H×W×C) turned to be shown upright (``rotation`` in degrees counter-clockwise, as in
    VideoStreamInfo); the image itself when there is nothing to turn, else a C-contiguous copy. OpenCV turns a
    1080p RGB frame in ~4 ms where numpy's strided copy takes ~50 ms (measured on 2 shared cores)."""
    turns = quarter_turns(rotation)
    if not turns:
        return image
    import cv2  # only for turned video: probing and audio work never need OpenCV

    return cv2.rotate(np.ascontiguousarray(image), _CV2_TURNS[turns])


_CV2_TURNS = {1: 2, 2: 1, 3: 0}
"""Quarter turns counter-clockwise → cv2.ROTATE_90_COUNTERCLOCKWISE (2), ROTATE_180 (1), ROTATE_90_CLOCKWISE (0)."""


def _duration_ms(container: av.container.InputContainer) -> int:
    if container.duration is not None and container.duration > 0:
        return round(container.duration / 1000)
    longest = 0.0
    for stream in container.streams:
        if stream.duration is not None and stream.time_base is not None:
            longest = max(longest, float(stream.duration * stream.time_base))
    return round(longest * 1000)


def _rate(value: Fraction | None) -> float:
    return float(value) if value else 0.0


def probe(path: str | os.PathLike[str]) -> MediaInfo:
    """Describe a media file. Raises MediaError if it is missing, empty, corrupt or has no stream at all.

    Read once per file as it is on disk (its path, size and modification time): the player, the frame readers
    and every clip of an export ask again, and reading the rotation decodes a keyframe (25–40 ms at 1080p)."""
    path = Path(path)
    try:
        stat = path.stat()
    except OSError:
        return _probe(path)  # says what is wrong with the path
    return _probe_file(str(path.resolve()), stat.st_size, stat.st_mtime_ns)


@lru_cache(maxsize=256)
def _probe_file(path: str, size: int, mtime_ns: int) -> MediaInfo:
    """:func:`_probe` of the file at ``path`` while it has this size and modification time (MediaInfo is frozen)."""
    return _probe(Path(path))


def _probe(path: Path) -> MediaInfo:
    with _open(path) as container:
        vstream = _video_stream(container)
        video = None
        if vstream is not None:
            ctx = vstream.codec_context
            rotation = _rotation(container, vstream)
            try:
                container.seek(0)
            except av.error.FFmpegError:
                log.debug("%s: cannot seek back to the start after reading the rotation", path)
            turned = rotation in (90, 270)
            video = VideoStreamInfo(
                width=ctx.height if turned else ctx.width,
                height=ctx.width if turned else ctx.height,
                fps=_rate(vstream.average_rate) or _rate(vstream.guessed_rate),
                variable_frame_rate=_is_variable_frame_rate(container, vstream),
                frame_count=vstream.frames or None,
                codec=ctx.name,
                rotation=rotation,
            )
        audio = None
        if container.streams.audio:
            astream = container.streams.audio[0]
            actx = astream.codec_context
            audio = AudioStreamInfo(
                sample_rate=actx.sample_rate or 0,
                channels=actx.channels or 0,
                codec=actx.name,
            )
        if video is None and audio is None:
            raise MediaError(f"{path}: holds neither an audio nor a video stream")
        info = MediaInfo(
            path=str(path.resolve()),
            container=container.format.name,
            size_bytes=path.stat().st_size,
            duration_ms=_duration_ms(container),
            video=video,
            audio=audio,
        )
    if info.duration_ms <= 0:
        raise MediaError(f"{path}: the media has zero length (no audio samples or video frames)")
    return info


def fingerprint(path: str | os.PathLike[str]) -> str:
    """A content hash that is cheap on files of any size.

    BLAKE2b of the file size and three 1 MiB samples (start, middle, end). Files up to 3 MiB are hashed
    whole. Hashing a multi-gigabyte video fully would cost seconds at every open; these samples already
    differ between any two real recordings, and the size guards against appended or cut data.
    """
    path = Path(path)
    size = path.stat().st_size
    digest = hashlib.blake2b(digest_size=16)
    digest.update(size.to_bytes(8, "little"))
    with path.open("rb") as handle:
        if size <= 3 * _FINGERPRINT_CHUNK:
            digest.update(handle.read())
        else:
            for offset in (0, size // 2, size - _FINGERPRINT_CHUNK):
                handle.seek(offset)
                digest.update(handle.read(_FINGERPRINT_CHUNK))
    return digest.hexdigest()


class _MonoSamples:
    """Resampled mono float32 samples, written into one array preallocated to the expected length.

    Sample 0 is media time 0: the first frame with a time sets where writing starts, so a stream that
    starts late is preceded by silence.
    """

    def __init__(self, capacity: int, sample_rate: int, start_s: float) -> None:
        # rematrix_maxval=1 makes the downmix an average: FFmpeg's default mixes stereo into mono at −3 dB
        # per channel, which reads 1.41× too loud (dBFS +3 dB, peaks above 1).
        self._resampler = av.AudioResampler(
            format="flt", layout="mono", rate=sample_rate, options={"rematrix_maxval": "1.0"}
        )
        self._buffer = np.zeros(capacity, dtype=np.float32)
        self._sample_rate = sample_rate
        self._start_s = start_s
        self._placed = False
        self.filled = 0

    def add(self, frame: av.AudioFrame | None) -> None:
        """Resample ``frame`` and append it; None flushes the samples the resampler still holds."""
        if frame is not None and not self._placed and frame.time is not None:
            self._placed = True
            offset = round((frame.time - self._start_s) * self._sample_rate)
            if offset > 0:
                self.filled = offset
        for out in self._resampler.resample(frame):
            self._append(out.to_ndarray().reshape(-1))

    def _append(self, samples: np.ndarray) -> None:
        end = self.filled + samples.shape[0]
        if end > self._buffer.shape[0]:
            grown = np.zeros(max(end, int(self._buffer.shape[0] * 1.25)), dtype=np.float32)
            grown[: self.filled] = self._buffer[: self.filled]
            self._buffer = grown
        self._buffer[self.filled : end] = samples
        self.filled = end

    def result(self) -> np.ndarray:
        """The samples written; copied out when they fill under 90 % of the array, so the slack is freed."""
        if self.filled < 0.9 * self._buffer.shape[0]:
            return self._buffer[: self.filled].copy()
        return self._buffer[: self.filled]


def _report_decoding(progress: Progress, packet: av.Packet, duration_s: float) -> None:
    """Stop if cancelled, else report how far into the media (by ``packet``'s time) decoding has come."""
    check(progress)
    if duration_s > 0 and packet.pts is not None and packet.time_base is not None:
        progress.update(min(float(packet.pts * packet.time_base) / duration_s, 1.0), "decoding audio")


def decode_audio(
    path: str | os.PathLike[str],
    sample_rate: int = ANALYSIS_RATE,
    progress: Progress | None = None,
) -> np.ndarray:
    """Decode the first audio stream to mono float32 at ``sample_rate``, streaming.

    Samples are written into one preallocated array sized from the declared duration, so memory stays
    at the size of the result. Sample 0 is media time 0: a stream that starts late is padded with
    silence. Corrupt packets are skipped (and logged); a file with no audio stream raises MediaError.
    """
    progress = progress or NullProgress()
    path = Path(path)
    with _open(path) as container:
        if not container.streams.audio:
            raise MediaError(f"{path}: has no audio track; audio analysis needs sound")
        stream = container.streams.audio[0]
        duration_s = _duration_ms(container) / 1000
        start_s = (container.start_time or 0) / 1_000_000
        samples = _MonoSamples(int(duration_s * sample_rate) + sample_rate, sample_rate, start_s)
        skipped = 0
        for index, packet in enumerate(container.demux(stream)):
            try:
                frames = packet.decode()
            except av.error.InvalidDataError:
                skipped += 1
                continue
            for frame in frames:
                samples.add(frame)
            if index % 256 == 0:
                _report_decoding(progress, packet, duration_s)
        samples.add(None)
    if skipped:
        log.warning("%s: skipped %d undecodable audio packets", path, skipped)
    if samples.filled == 0:
        raise MediaError(f"{path}: the audio track holds no decodable samples; the file may be corrupt")
    progress.update(1.0, "audio decoded")
    return samples.result()


def audio_cache_path(
    cache_dir: str | os.PathLike[str], media_fingerprint: str, sample_rate: int = ANALYSIS_RATE
) -> Path:
    """Where the decoded audio of a media file lives in a project's cache folder."""
    return Path(cache_dir) / f"audio-{media_fingerprint}-{sample_rate}hz-mono-f32.npy"


def load_audio(
    path: str | os.PathLike[str],
    cache_dir: str | os.PathLike[str],
    media_fingerprint: str | None = None,
    sample_rate: int = ANALYSIS_RATE,
    progress: Progress | None = None,
) -> np.ndarray:
    """Decoded audio of ``path``, from the cache when present (memory-mapped, instant), else decoded and cached."""
    media_fingerprint = media_fingerprint or fingerprint(path)
    cached = audio_cache_path(cache_dir, media_fingerprint, sample_rate)
    if cached.exists():
        try:
            samples = np.load(cached, mmap_mode="r")
            if samples.dtype == np.float32 and samples.ndim == 1:
                return samples
        except (ValueError, OSError) as exc:
            log.warning("ignoring unreadable audio cache %s: %s", cached, exc)
    samples = decode_audio(path, sample_rate, progress)
    partial = cached.with_suffix(".partial.npy")
    try:  # a project that cannot be written (read-only) is read without its cache
        cached.parent.mkdir(parents=True, exist_ok=True)
        np.save(partial, samples)
        os.replace(partial, cached)
    except OSError as exc:
        partial.unlink(missing_ok=True)
        log.warning("could not cache decoded audio at %s: %s", cached, exc)
    return samples
