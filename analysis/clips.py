"""Cutting media: exact audio ranges, re-encoded or stream-copied video clips, float WAVs and PNGs (PyAV, numpy).

What the exports cut, encode and write for every clip, key frame and picture. Times are integer milliseconds on
the clock of :func:`analysis.media.decode_audio` and :class:`analysis.frames.FrameSource` (0 = the container's
start time). Errors are :class:`analysis.errors.ExportError`: a clip that cannot be cut cannot be exported.
"""

from __future__ import annotations

import logging
import math
import os
import struct
from collections.abc import Iterator
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path

import av
import av.error
import numpy as np

from analysis import media
from analysis.errors import ExportError
from analysis.progress import NullProgress, Progress, check

log = logging.getLogger(__name__)

X264_OPTIONS = {"preset": "veryfast", "crf": "18"}
"""Re-encoded clips: near-transparent quality (CRF 18). On 2 cores, 720p camera-like footage encodes at ~120 fps
with veryfast against ~260 fps with ultrafast, in files a quarter of the size (measured for bench_export.py)."""
PNG_OPTIONS = {"compression_level": "3"}
"""zlib level 3 instead of FFmpeg's default: a 720p key frame in ~50 ms instead of ~160–230 ms, and no bigger on
camera-like footage (688 against 725 KiB)."""
AAC_BIT_RATE = 128_000
"""Per two channels."""
_WAVE_FORMAT_IEEE_FLOAT = 3
_FRAME_CHECK = 25
"""Frames encoded between two checks for a cancel."""
_SEEK_ATTEMPTS = 6


# -- audio -----------------------------------------------------------------------------------------


def write_wav(path: Path, samples: np.ndarray, rate: int) -> None:
    """A 32-bit float WAV (WAVE_FORMAT_IEEE_FLOAT) of ``samples`` shaped (channels, n) or (n,).

    Float keeps every sample exactly as decoded, including values beyond ±1: the project's 16 kHz audio of
    a stereo source can exceed them, as FFmpeg's stereo-to-mono downmix adds both channels at −3 dB. Python's
    ``wave`` reads only integer PCM; soundfile, PyAV, ffmpeg, Audacity and Hugging Face ``datasets`` read this.
    """
    planes = np.atleast_2d(np.asarray(samples, dtype="<f4"))
    channels, count = planes.shape
    data = np.ascontiguousarray(planes.T).tobytes()
    fmt = struct.pack("<HHIIHHH", _WAVE_FORMAT_IEEE_FLOAT, channels, rate, rate * channels * 4, channels * 4, 32, 0)
    chunks = [(b"fmt ", fmt), (b"fact", struct.pack("<I", count))]
    header = b"".join(tag + struct.pack("<I", len(body)) + body for tag, body in chunks)
    riff_size = 4 + len(header) + 8 + len(data)
    if riff_size >= 1 << 32:
        raise ExportError(f"{path}: a clip of {count} samples is too long for a WAV file (over 4 GB)")
    with path.open("wb") as handle:
        handle.write(b"RIFF" + struct.pack("<I", riff_size) + b"WAVE" + header)
        handle.write(b"data" + struct.pack("<I", len(data)))
        handle.write(data)


def sample_range(clip_start_ms: int, clip_end_ms: int, rate: int, total: int | None = None) -> tuple[int, int]:
    """First sample and end of a range: exactly round(duration · rate) samples, within [0, total); never negative
    (an empty range, or one wholly outside the media, gives first == end)."""
    first = max(0, round(clip_start_ms * rate / 1000))
    end = max(first, round(clip_start_ms * rate / 1000) + round((clip_end_ms - clip_start_ms) * rate / 1000))
    return first, end if total is None else max(first, min(total, end))


def _frame_samples(frame: av.AudioFrame) -> np.ndarray:
    """A decoded audio frame as float32 (channels, n), whatever its sample format."""
    data = frame.to_ndarray()
    channels = len(frame.layout.channels)
    if not frame.format.is_planar:
        data = data.reshape(-1, channels).T
    if data.dtype.kind == "i":
        data = data.astype(np.float32) / float(2 ** (8 * data.dtype.itemsize - 1))
    elif data.dtype.kind == "u":
        data = (data.astype(np.float32) - 128) / 128
    return data.astype(np.float32, copy=False)


@dataclass(frozen=True, slots=True, eq=False)
class AudioRange:
    """Decoded audio at the source's own rate and channel layout."""

    samples: np.ndarray
    """float32, shaped (channels, n)."""
    sample_rate: int
    layout: str
    """FFmpeg's name of the channel layout: 'mono', 'stereo', '5.1' …"""


def decode_audio_range(path: str | os.PathLike[str], start_ms: int, end_ms: int) -> AudioRange:
    """The source's first audio stream over [start, end) at its own rate and channels.

    Sample-exact on the clock of :func:`analysis.media.decode_audio` (0 = the container's start time):
    exactly round((end − start) · rate / 1000) samples, fewer only where the audio ends first.
    """
    path = Path(path)
    with av.open(str(path), metadata_errors="ignore") as container:
        if not container.streams.audio:
            raise ExportError(f"{path}: has no audio track")
        stream = container.streams.audio[0]
        rate = stream.codec_context.sample_rate
        layout = stream.codec_context.layout.name
        origin_s = (container.start_time or 0) / 1_000_000
        first, end = sample_range(start_ms, end_ms, rate)
        out = np.zeros((stream.codec_context.channels, end - first), dtype=np.float32)
        filled_to = first
        # Audio packets are all keyframes: a second before the start is enough, unless the demuxer lands late.
        for seek_ms in (start_ms - 1000, 0):
            if seek_ms <= 0:
                _seek_to_start(container, stream)
            else:
                container.seek(round((seek_ms / 1000 + origin_s) / stream.time_base), stream=stream, backward=True)
            landed = None
            for frame in _audio_frames_from(container, stream):
                position = round((frame.time - origin_s) * rate) if frame.time is not None else filled_to
                landed = position if landed is None else landed
                if position >= end:
                    break
                data = _frame_samples(frame)
                lo, hi = max(position, first), min(position + data.shape[1], end)
                if hi > lo:
                    out[:, lo - first : hi - first] = data[:, lo - position : hi - position]
                    filled_to = max(filled_to, hi)
            if seek_ms <= 0 or landed is None or landed <= first:
                break
            log.debug("%s: the audio seek landed after %d ms; decoding from the start", path, start_ms)
    return AudioRange(out[:, : max(0, filled_to - first)], rate, layout)


def _seek_to_start(container: av.container.InputContainer, stream: av.stream.Stream) -> None:
    """Move the demuxer to the first packet of ``stream``. A plain ``seek(0)`` seeks in the default stream, the
    video: when the video starts later than the sound (streams need not start together), it lands on the first
    video keyframe and the sound before it is skipped."""
    try:
        container.seek(stream.start_time or 0, stream=stream, backward=True)
    except av.error.FFmpegError:
        container.seek(0)


def _audio_frames_from(container: av.container.InputContainer, stream: av.stream.Stream) -> Iterator[av.AudioFrame]:
    for packet in container.demux(stream):
        try:
            yield from packet.decode()
        except av.error.InvalidDataError:
            log.debug("skipped an undecodable audio packet at %s", packet.pts)


# -- video -----------------------------------------------------------------------------------------


def _video_stream(container: av.container.InputContainer) -> av.video.stream.VideoStream:
    for stream in container.streams.video:
        if not stream.disposition & av.stream.Disposition.attached_pic:
            return stream
    raise ExportError(f"{container.name}: has no video track")


def _frame_ms(frame: av.VideoFrame, origin_us: int) -> int:
    """A frame's time in ms of media time, rounded half up: the clock and rounding of :class:`FrameSource`."""
    pts = frame.pts if frame.pts is not None else frame.dts
    if pts is None or frame.time_base is None:
        return 0
    return math.floor(Fraction(pts) * frame.time_base * 1000 - Fraction(origin_us, 1000) + Fraction(1, 2))


def _frames_from(
    path: Path, clip_start_ms: int, clip_end_ms: int, progress: Progress
) -> Iterator[tuple[av.VideoFrame, int]]:
    """The frames shown from ``clip_start_ms`` (the frame on screen then, first) up to ``clip_end_ms``.

    Seeks to the keyframe before the start and decodes forward; when a seek lands after the start (MPEG-TS
    has no index), it seeks further back, last of all to the start of the file.
    """
    with av.open(str(path), metadata_errors="ignore") as container:
        stream = _video_stream(container)
        stream.codec_context.thread_type = "AUTO"
        origin_us = container.start_time or 0
        back_ms = 0
        for attempt in range(_SEEK_ATTEMPTS + 1):
            target_ms = clip_start_ms - back_ms
            if attempt == _SEEK_ATTEMPTS or target_ms <= 0:
                _seek_to_start(container, stream)
            else:
                seconds = target_ms / 1000 + origin_us / 1_000_000
                container.seek(round(seconds / stream.time_base), stream=stream, backward=True)
            decoded = _decode_video(container, stream)
            first = next(decoded, None)
            if first is None:
                return
            if _frame_ms(first, origin_us) <= clip_start_ms or attempt == _SEEK_ATTEMPTS or target_ms <= 0:
                break
            decoded.close()
            back_ms = 1000 << attempt
        pending, pending_ms = first, _frame_ms(first, origin_us)
        for index, frame in enumerate(decoded):
            if index % _FRAME_CHECK == 0:
                check(progress)
            time_ms = _frame_ms(frame, origin_us)
            if time_ms <= clip_start_ms:
                pending, pending_ms = frame, time_ms
                continue
            if pending is not None:
                yield pending, pending_ms
                pending = None
            if time_ms >= clip_end_ms:
                return
            yield frame, time_ms
        if pending is not None:
            yield pending, pending_ms


def _decode_video(container: av.container.InputContainer, stream: av.stream.Stream) -> Iterator[av.VideoFrame]:
    try:
        for packet in container.demux(stream):
            try:
                yield from packet.decode()
            except (av.error.InvalidDataError, av.error.PatchWelcomeError):
                log.debug("skipped an undecodable video packet at %s", packet.pts)
    except av.error.FFmpegError as exc:
        log.warning("%s: reading stopped early (%s)", container.name, exc)


def _audio_out_frames(sound: AudioRange, stream: av.audio.stream.AudioStream) -> Iterator[av.AudioFrame]:
    """Decoded audio cut into encoder-sized planar float frames, the first at time 0."""
    size = stream.codec_context.frame_size or 1024
    samples = sound.samples
    for start in range(0, samples.shape[1], size):
        block = np.ascontiguousarray(np.clip(samples[:, start : start + size], -1.0, 1.0))
        frame = av.AudioFrame.from_ndarray(block, format="fltp", layout=sound.layout)
        frame.sample_rate = stream.sample_rate
        frame.pts = start
        frame.time_base = Fraction(1, stream.sample_rate)
        yield frame


def encode_clip(
    source: str | os.PathLike[str],
    target: str | os.PathLike[str],
    clip_start_ms: int,
    clip_end_ms: int,
    progress: Progress | None = None,
) -> int:
    """Re-encode [start, end) of a video as H.264 + AAC MP4 whose first frame is the frame shown at ``start``.

    Frames keep their source timestamps (shifted to start at 0), so variable frame rates stay as they were.
    The audio is decoded at the source's rate and channels from the clip's start, so sound and picture stay in
    sync. The clip starts at the first frame's time, or at ``start`` when the video starts later than that
    (streams need not start together): the frame shown before the video starts is its first frame, as in the
    player, so the clip repeats it at the frame rate until its own time (or the end, for a range that ends
    before the video starts). A rotated video (a display matrix) is written upright. Returns the number of
    video frames written.
    """
    progress = progress or NullProgress()
    source, target = Path(source), Path(target)
    info = media.probe(source)
    if info.video is None:
        raise ExportError(f"{source}: has no video track")
    frames = _frames_from(source, clip_start_ms, clip_end_ms, progress)
    first = next(frames, None)
    if first is None:
        raise ExportError(f"{source}: no video frame between {clip_start_ms} and {clip_end_ms} ms")
    first_frame, first_ms = first
    zero_ms = max(0, min(first_ms, clip_start_ms))
    time_base = first_frame.time_base or Fraction(1, 1000)
    rate = Fraction(info.video.fps).limit_denominator(1001) if info.video.fps else Fraction(25)
    # the source timestamp that becomes 0 in the clip: the first frame's, or earlier by the time it is held
    zero_pts = (first_frame.pts or 0) - round(Fraction(first_ms - zero_ms, 1000) / time_base)
    turns = media.quarter_turns(info.video.rotation)
    width, height = first_frame.width // 2 * 2, first_frame.height // 2 * 2
    out_width, out_height = (height, width) if turns % 2 else (width, height)
    decoded = decode_audio_range(source, zero_ms, clip_end_ms) if info.has_audio else None
    duration_s = max(1, clip_end_ms - zero_ms) / 1000
    count = 0
    with av.open(str(target), "w", format="mp4") as out:
        video = out.add_stream("libx264", rate=rate)
        video.width, video.height, video.pix_fmt = out_width, out_height, "yuv420p"
        video.codec_context.time_base = time_base
        video.options = dict(X264_OPTIONS)
        audio_frames: Iterator[av.AudioFrame] = iter(())
        sound = None
        if decoded is not None and decoded.samples.shape[1]:
            sound = out.add_stream("aac", rate=decoded.sample_rate)
            sound.layout = decoded.layout
            sound.bit_rate = AAC_BIT_RATE * max(1, decoded.samples.shape[0]) // 2
            audio_frames = _audio_out_frames(decoded, sound)
        pending_audio = next(audio_frames, None)
        held = _held_first(first_frame, min(first_ms, clip_end_ms) - zero_ms, rate, time_base)
        for frame, pts in _clip_frames(held, first, frames, first_ms < clip_end_ms, zero_pts):
            shown = _upright_yuv(frame, width, height, turns)
            shown.pts = pts
            shown.time_base = time_base
            shown.pict_type = av.video.frame.PictureType.NONE
            seconds = float(shown.pts * time_base)
            while sound is not None and pending_audio is not None and pending_audio.pts / sound.sample_rate <= seconds:
                out.mux(sound.encode(pending_audio))
                pending_audio = next(audio_frames, None)
            out.mux(video.encode(shown))
            count += 1
            if count % _FRAME_CHECK == 0:
                progress.update(min(seconds / duration_s, 1.0), "encoding the clip")
        while sound is not None and pending_audio is not None:
            out.mux(sound.encode(pending_audio))
            pending_audio = next(audio_frames, None)
        out.mux(video.encode(None))
        if sound is not None:
            out.mux(sound.encode(None))
    return count


def _held_first(
    frame: av.VideoFrame, span_ms: int, rate: Fraction, time_base: Fraction
) -> Iterator[tuple[av.VideoFrame, int]]:
    """Copies of the first frame at the clip's times 0, 1/rate, … before ``span_ms``: what is shown before the
    video starts. Each is a frame of its own: an encoder may still hold the one sent before."""
    step = 1 / rate
    picture: np.ndarray | None = None
    k = 0
    while 1000 * k * step < span_ms:
        picture = frame.to_ndarray(format="rgb24") if picture is None else picture
        yield av.VideoFrame.from_ndarray(picture, format="rgb24"), round(k * step / time_base)
        k += 1


def _upright_yuv(frame: av.VideoFrame, width: int, height: int, turns: int) -> av.VideoFrame:
    """The frame as yuv420p at ``width`` × ``height`` (the stored size), turned upright by ``turns`` quarter turns."""
    if not turns:
        return frame.reformat(width=width, height=height, format="yuv420p")
    rgb = frame.reformat(width=width, height=height, format="rgb24").to_ndarray()
    upright = av.VideoFrame.from_ndarray(np.ascontiguousarray(np.rot90(rgb, turns)), format="rgb24")
    return upright.reformat(format="yuv420p")


def _clip_frames(
    held: Iterator[tuple[av.VideoFrame, int]],
    first: tuple[av.VideoFrame, int],
    rest: Iterator[tuple[av.VideoFrame, int]],
    first_inside: bool,
    zero_pts: int,
) -> Iterator[tuple[av.VideoFrame, int]]:
    """The clip's frames and their timestamps in it: the held copies of the first frame, then (when it falls inside
    the clip) the first frame and the rest at their own times shifted by ``zero_pts``."""
    yield from held
    if first_inside:
        yield first[0], (first[0].pts or 0) - zero_pts
        for frame, _ in rest:
            yield frame, (frame.pts or 0) - zero_pts


def stream_copy_suffix(path: str | os.PathLike[str]) -> str:
    """The container of a stream-copied clip: MP4 when the source is MP4-like, else Matroska (takes any codec)."""
    return ".mp4" if Path(path).suffix.lower() in (".mp4", ".m4v", ".mov") else ".mkv"


def copy_clip(
    source: str | os.PathLike[str],
    target: str | os.PathLike[str],
    clip_start_ms: int,
    clip_end_ms: int,
    progress: Progress | None = None,
) -> None:
    """Copy the packets of [start, end) without re-encoding: fast, but keyframe-aligned.

    The clip starts at the keyframe at or before ``start`` (up to one GOP earlier, often 2–10 s), because a
    video can only be decoded from a keyframe; it stops before the first video packet decoded at or after
    ``end``. Timestamps are shifted so the clip starts at 0. A clip that starts before the video does (streams
    need not start together) starts at ``start``, its video track later as in the source; one that ends before
    the video starts gets the first keyframe alone, so it still has a picture. The display matrix of a rotated
    video is kept: the packets cannot be turned upright without re-encoding.
    """
    progress = progress or NullProgress()
    source, target = Path(source), Path(target)
    with av.open(str(source), metadata_errors="ignore") as container:
        video = _video_stream(container)
        sound = container.streams.audio[0] if container.streams.audio else None
        origin_s = (container.start_time or 0) / 1_000_000
        start_s = clip_start_ms / 1000 + origin_s
        if start_s < float((video.start_time or 0) * video.time_base):
            # a seek in the video before its first keyframe lands on that keyframe, after the sound before it
            _seek_to_start(container, sound or video)
        else:
            container.seek(round(start_s / video.time_base), stream=video, backward=True)
        end_s = clip_end_ms / 1000 + origin_s
        with av.open(str(target), "w", format="mp4" if target.suffix == ".mp4" else "matroska") as out:
            targets = {video: out.add_stream_from_template(video)}
            if sound is not None:
                targets[sound] = out.add_stream_from_template(sound)
            copier = _PacketCopier(out, targets, video, sound, start_s, end_s)
            for index, packet in enumerate(container.demux(list(targets))):
                if index % 64 == 0:
                    check(progress)
                if packet.dts is None or packet.pts is None:
                    continue
                done = copier.video(packet) if packet.stream is video else copier.sound(packet)
                if done:
                    break


class _PacketCopier:
    """Copies the packets of one clip: video from the first keyframe until a packet decoded at or after the end,
    sound from the clip's first video frame, or from the start when the video starts later (sound read before
    the first keyframe waits), until the end."""

    def __init__(
        self,
        out: av.container.OutputContainer,
        targets: dict[av.stream.Stream, av.stream.Stream],
        video: av.stream.Stream,
        sound: av.stream.Stream | None,
        start_s: float,
        end_s: float,
    ) -> None:
        self.out, self.targets, self.video_stream, self.sound_stream = out, targets, video, sound
        self.start_s, self.end_s = start_s, end_s
        self.zero_s: float | None = None
        self.early_sound: list[av.Packet] = []
        self.video_done = False

    def video(self, packet: av.Packet) -> bool:
        """Copy a video packet; True when the copy is complete."""
        if self.video_done or (self.zero_s is None and not packet.is_keyframe):
            return False
        if float(packet.dts * packet.time_base) >= self.end_s:
            self.video_done = True
            if self.zero_s is not None:
                return self.sound_stream is None
        if self.zero_s is None:
            self.zero_s = min(float(packet.pts * packet.time_base), self.start_s)
            for waiting in [p for p in self.early_sound if float(p.pts * p.time_base) >= self.zero_s]:
                _mux_rebased(self.out, waiting, self.targets[self.sound_stream], self.zero_s)
            self.early_sound.clear()
        _mux_rebased(self.out, packet, self.targets[self.video_stream], self.zero_s)
        return self.video_done and self.sound_stream is None

    def sound(self, packet: av.Packet) -> bool:
        """Copy (or keep waiting) a sound packet; True when the copy is complete."""
        time_s = float(packet.pts * packet.time_base)
        if time_s >= self.end_s:
            return self.video_done
        if self.zero_s is None:
            self.early_sound.append(packet)
        elif time_s >= self.zero_s:
            _mux_rebased(self.out, packet, self.targets[packet.stream], self.zero_s)
        return False


def _mux_rebased(out: av.container.OutputContainer, packet: av.Packet, stream: av.stream.Stream, zero_s: float) -> None:
    """Mux a copied packet into ``stream`` with its timestamps shifted so that ``zero_s`` becomes 0."""
    shift = round(zero_s / packet.time_base)
    packet.pts -= shift
    packet.dts -= shift
    packet.stream = stream
    out.mux(packet)


# -- pictures --------------------------------------------------------------------------------------


def encode_png(image: np.ndarray) -> bytes:
    """An RGB image as PNG bytes (FFmpeg's encoder: one packet is one complete file)."""
    frame = av.VideoFrame.from_ndarray(np.ascontiguousarray(image), format="rgb24")
    codec = av.CodecContext.create("png", "w")
    codec.width, codec.height, codec.pix_fmt = image.shape[1], image.shape[0], "rgb24"
    codec.options = dict(PNG_OPTIONS)
    return b"".join(bytes(packet) for packet in [*codec.encode(frame), *codec.encode(None)])
