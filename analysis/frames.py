"""Frame-accurate video frames for the player, with PyAV: exactly the i-th frame, fast forward steps.

Qt-free: the player's worker thread owns a :class:`FrameSource` and hands the RGB arrays to the view.
A frame is named by its index in presentation order; its time is in milliseconds of media time, the
clock of :func:`analysis.media.decode_audio` (0 = the container's start time).
"""

from __future__ import annotations

import logging
import math
import os
from bisect import bisect_right
from collections import OrderedDict
from collections.abc import Generator, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from fractions import Fraction
from pathlib import Path
from types import TracebackType

import av
import av.error
import numpy as np
from av.video.reformatter import VideoReformatter

from analysis import media
from analysis.errors import MediaError

log = logging.getLogger(__name__)

SEQUENTIAL_SECONDS = 2.0
"""A request at most this far ahead of the last decoded frame decodes forward instead of seeking."""

DECODER_THREAD_TYPE = "SLICE"
"""FFmpeg's decoder threading (PyAV's default). Frame threading ("AUTO") measured slower on 2 cores in
bench/bench_player.py on 720p H.264 with and without B-frames: seeks took 1.3–1.7× as long and forward
steps 1.1–1.3×, equally exact. It also needs several packets in flight before the first frame after a
seek, and on a file cut mid-packet it lost a good frame next to the broken one."""

INTERPOLATION = "AREA"
"""swscale's scaling to the output size: area averaging does not alias when shrinking and costs the same as
bilinear (2.6 ms for 720p → 960×540 RGB here). The scaler is kept across frames and runs on one thread: a
scaler per frame with swscale's automatic threads (``frame.reformat()``'s default) took 1.8 ms instead of
0.3 ms for a 720p frame at its own size."""

_RAW_CACHE_BYTES = 128 << 20
"""Budget for decoded but not yet converted frames kept for backward steps (see ``FrameSource``)."""

_SEEK_ATTEMPTS = 8
_END_SCAN_ATTEMPTS = 4


@dataclass(frozen=True, slots=True, eq=False)
class Frame:
    """One decoded video frame, converted to RGB at the source's output size."""

    index: int
    """0-based frame number in presentation order."""
    pts_ms: int
    """Presentation time in ms of media time (0 = the container's start time, the decoded audio's clock)."""
    image: np.ndarray
    """H×W×3 uint8 RGB, C-contiguous, read-only (it may be shared through the cache)."""


@dataclass(frozen=True, slots=True)
class FrameTimes:
    """Frame index ↔ media time of one video stream: arithmetic only (no decoding), safe to share between threads.

    Constant-rate streams map through the average rate from the first frame's timestamp; variable-rate
    ones through the table of every frame's timestamp.
    """

    frame_count: int
    first_pts: int
    time_base: Fraction
    rate: Fraction
    origin_us: int
    """The container's start time in µs: media time 0."""
    pts_table: tuple[int, ...] = ()
    """Every frame's timestamp (variable-rate streams only)."""
    times_ms: tuple[int, ...] = ()
    """``pts_table`` in ms of media time."""

    @property
    def first_ms(self) -> int:
        """The first frame's time: media time before it shows frame 0, which is not yet its time."""
        return self.time_of_index(0)

    @property
    def last_ms(self) -> int:
        """The last frame's time: it stays shown to the end of the media."""
        return self.time_of_index(self.frame_count - 1)

    def index_at_time(self, ms: int) -> int:
        """The frame shown at ``ms``: the last one whose time is <= ms, clamped to the first and last frame."""
        if self.pts_table:
            index = bisect_right(self.times_ms, ms) - 1
        else:
            index = math.floor(Fraction(ms - self.first_ms, 1000) * self.rate)
            index = max(0, min(index, self.frame_count - 1))
            while index + 1 < self.frame_count and self.time_of_index(index + 1) <= ms:
                index += 1
            while index > 0 and self.time_of_index(index) > ms:
                index -= 1
        return max(0, min(index, self.frame_count - 1))

    def time_of_index(self, index: int) -> int:
        """Presentation time in ms of media time of frame ``index``."""
        return self.ms_of_pts(self.pts_of_index(index))

    def step(self, position_ms: int, frames: int) -> tuple[int, int]:
        """Where a step of ``frames`` (negative: backward) from ``position_ms`` lands: the frame and the time.

        The time is the frame's own, unless going there would move time against the step: a step back
        before the first frame's time (frame 0 is shown, nothing earlier exists) or a step forward past the
        last frame's time keeps ``position_ms``. A step forward from before the first frame's time reaches
        frame 0, the first frame after it.
        """
        current = self.index_at_time(position_ms)
        if frames > 0 and position_ms < self.time_of_index(current):
            current -= 1
        target = max(0, min(current + frames, self.frame_count - 1))
        time_ms = self.time_of_index(target)
        if (frames > 0 and time_ms < position_ms) or (frames < 0 and time_ms > position_ms):
            time_ms = position_ms
        return target, time_ms

    def pts_of_index(self, index: int) -> int:
        """The timestamp (in the stream's time base) of frame ``index``, clamped to the table when there is one."""
        if self.pts_table:
            return self.pts_table[max(0, min(index, len(self.pts_table) - 1))]
        tb, rate = self.time_base, self.rate
        return self.first_pts + _round_div(index * rate.denominator * tb.denominator, rate.numerator * tb.numerator)

    def index_of_pts(self, pts: int) -> int:
        """The frame of a decoded timestamp (the nearest index at a constant rate)."""
        if self.pts_table:
            return max(0, bisect_right(self.pts_table, pts) - 1)
        # (pts - first) × time base × rate, rounded to the nearest index, in integers (it runs for every frame).
        tb, rate = self.time_base, self.rate
        return max(
            0,
            _round_div((pts - self.first_pts) * tb.numerator * rate.numerator, tb.denominator * rate.denominator),
        )

    def ms_of_pts(self, pts: int | None) -> int:
        """Milliseconds of media time, rounded half up: pts × time base − the container's start."""
        if pts is None:
            return 0
        tb = self.time_base
        return _round_div(pts * tb.numerator * 1_000_000 - self.origin_us * tb.denominator, tb.denominator * 1000)


class FrameSource:
    """The frames of a file's first video stream, by exact index or by time.

    A request is served, cheapest first, from an LRU cache of the last ``cache_frames`` converted
    frames; from the last ``cache_frames`` decoded, not yet converted frames (at most 128 MiB of them),
    so stepping back after a seek costs one conversion, not a new seek; by decoding forward when the
    frame is at most ``SEQUENTIAL_SECONDS`` ahead of the last decoded one (playback and single steps
    never seek); or by seeking to the keyframe before it and decoding forward, seeking further back
    when the demuxer lands after the target (MPEG-TS, see :meth:`_seek_and_decode`).

    Frames are identified by their timestamps, never by counting: constant-rate streams map index ↔
    timestamp through the average rate from the first frame's timestamp; variable-rate streams (as
    :func:`analysis.media.probe` reports them) get a table of every packet's timestamp, built at open
    by demuxing the whole file without decoding: it costs about a read of the file (0.4–0.8 s for a
    612 MB hour of 720p from the page cache; longer from a cold disk). A constant-rate stream with a
    dropped frame shows the previous frame in that slot. Streams whose timestamps go backwards (H.264
    with B-frames in AVI) are not exact; a warning says so.

    A video with a display matrix (phones' portrait video) is turned upright: ``width``, ``height`` and every
    frame are as shown, not as stored.

    Not thread-safe by design: one worker thread owns a source and calls everything on it.
    """

    def __init__(self, path: str | os.PathLike[str], max_width: int | None = None, cache_frames: int = 48) -> None:
        self.path = Path(path)
        info = media.probe(self.path)
        if info.video is None:
            raise MediaError(f"{self.path}: has no video track (audio only); there are no frames to show")
        try:
            self._container = av.open(str(self.path), metadata_errors="ignore")
        except (av.error.FFmpegError, OSError) as exc:
            raise MediaError(f"{self.path}: the video cannot be opened ({exc})") from exc
        try:
            self._stream = next(
                s for s in self._container.streams.video if not s.disposition & av.stream.Disposition.attached_pic
            )
            self._stream.codec_context.thread_type = DECODER_THREAD_TYPE
            self._time_base = self._stream.time_base or Fraction(1, 1)
            self._origin_us = self._container.start_time or 0
            # degrees the stored pictures are turned counter-clockwise to be shown upright (see VideoStreamInfo)
            self.rotation = info.video.rotation
            self.source_width, self.source_height = info.video.width, info.video.height
            self.width, self.height = _output_size(self.source_width, self.source_height, max_width)
            # stored pictures are decoded at the upright size with width and height swapped
            self._turned = media.quarter_turns(self.rotation) % 2 == 1
            self.duration_ms = info.duration_ms
            rate = self._stream.average_rate or self._stream.guessed_rate
            self.variable_frame_rate = info.video.variable_frame_rate or not rate
            self._cache: OrderedDict[int, Frame] = OrderedDict()
            self._cache_frames = max(1, cache_frames)
            self._raw: OrderedDict[int, av.VideoFrame] = OrderedDict()
            frame_bytes = max(1, self.source_width * self.source_height * 3 // 2)
            self._raw_frames = max(2, min(self._cache_frames, _RAW_CACHE_BYTES // frame_bytes))
            self._decoded: Generator[av.VideoFrame, None, None] | None = None
            self._position: int | None = None
            self._landed: int | None = None
            self._bad_packets: set[int | None] = set()
            self._out_of_order = False
            self._reformatter = VideoReformatter()

            self._decoded = self._decode_packets()
            first = next(self._decoded, None)
            if first is None:
                raise MediaError(f"{self.path}: the video track holds no decodable frame; the file may be corrupt")
            self._first_pts = _pts(first) or 0
            self.times = FrameTimes(0, self._first_pts, self._time_base, Fraction(rate or 1), self._origin_us)
            first_frame = self._convert(0, first)
            if self.variable_frame_rate:
                table = tuple(self._scan_pts())
                span = (table[-1] - self._first_pts) * self._time_base
                vfr_rate = Fraction(len(table) - 1) / span if span > 0 else Fraction(rate or 1)
                self.times = FrameTimes(
                    len(table),
                    self._first_pts,
                    self._time_base,
                    vfr_rate,
                    self._origin_us,
                    table,
                    tuple(self.times.ms_of_pts(pts) for pts in table),
                )
            else:
                self.times = replace(self.times, frame_count=self._count_constant_rate(info.video.frame_count))
            self.frame_count = self.times.frame_count
            self._rate = self.times.rate
            self.fps = float(self._rate)
            self._sequential_frames = max(1, math.ceil(SEQUENTIAL_SECONDS * self.fps))
            self._remember(first_frame)
            # The scans moved the demuxer: put the decoder back on frame 0, so playing from the start never seeks.
            self._seek_and_decode(0)
        except BaseException:
            self._container.close()
            raise
        log.info(
            "%s: %d frames at %.3f fps (%s), %dx%d shown at %dx%d",
            self.path.name,
            self.frame_count,
            self.fps,
            "variable" if self.variable_frame_rate else "constant",
            self.source_width,
            self.source_height,
            self.width,
            self.height,
        )
        if self.rotation:
            log.info("%s: stored turned; shown turned %d° counter-clockwise", self.path.name, self.rotation)

    def __enter__(self) -> FrameSource:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, traceback: TracebackType | None
    ) -> None:
        self.close()

    def close(self) -> None:
        """Release the file and every cached frame."""
        self._stop_decoding()
        self._cache.clear()
        self._container.close()

    def index_at_time(self, ms: int) -> int:
        """The frame shown at ``ms`` (see :meth:`FrameTimes.index_at_time`)."""
        return self.times.index_at_time(ms)

    def time_of_index(self, index: int) -> int:
        """Presentation time in ms of media time of frame ``index``."""
        return self.times.time_of_index(index)

    def frame_at_time(self, ms: int, max_width: int | None = None) -> Frame:
        """The frame shown at ``ms`` (see :meth:`index_at_time`). With ``max_width``, that frame as a source
        opened with this ``max_width`` gives it (same size, same scaler), not cached: one source serves pictures
        of two sizes (a report's key frames and its face crops)."""
        index = self.index_at_time(ms)
        if max_width is None:
            return self.frame_at_index(index)
        width, height = _output_size(self.source_width, self.source_height, max_width)
        if (width, height) == (self.width, self.height):
            return self.frame_at_index(index)
        if not 0 <= index < self.frame_count:
            raise IndexError(f"frame {index} is outside 0..{self.frame_count - 1}")
        raw = self._raw.get(index)
        found, raw = (index, raw) if raw is not None else self._decoded_frame(index)
        return self._convert(found, raw, (width, height))

    @contextmanager
    def borrow(self) -> Iterator[tuple[av.container.InputContainer, av.video.stream.VideoStream]]:
        """The open file and its video stream, lent to a reader that seeks and decodes by itself (the flow
        detail), so the file is not opened again; the source forgets its decoder's position before and after,
        and seeks for its next frame."""
        self._stop_decoding()
        try:
            yield self._container, self._stream
        finally:
            self._stop_decoding()

    def frame_at_index(self, index: int) -> Frame:
        """Exactly frame ``index`` in presentation order; raises IndexError outside [0, frame_count)."""
        if not 0 <= index < self.frame_count:
            raise IndexError(f"frame {index} is outside 0..{self.frame_count - 1}")
        cached = self._cache.get(index)
        if cached is not None:
            self._cache.move_to_end(index)
            return cached
        raw = self._raw.get(index)
        if raw is not None:
            return self._remember(self._convert(index, raw))
        found, raw = self._decoded_frame(index)
        return self._remember(self._convert(found, raw), index)

    def _decoded_frame(self, index: int) -> tuple[int, av.VideoFrame]:
        """Frame ``index`` decoded: forward when it is a little ahead, else after a seek."""
        ahead = self._position is not None and self._position < index <= self._position + self._sequential_frames
        decoded = self._decode_forward(index) if ahead else None
        return decoded or self._seek_and_decode(index)

    def _seek_and_decode(self, index: int) -> tuple[int, av.VideoFrame]:
        """Seek to a keyframe at or before frame ``index`` and decode forward to it.

        MP4 and Matroska seeks land on the keyframe at or before the target. MPEG-TS has no index: its
        seek lands on any packet near the target and the decoder drops frames until the next keyframe,
        which may be after the target. Then seek again before the first packet read and further back
        each time (1 s, 2 s, 4 s … before the target); last of all, from the start of the file.
        """
        target = self._pts_of_index(index)
        second = round(1 / self._time_base)
        seek_to = target
        for attempt in range(_SEEK_ATTEMPTS):
            self._seek(seek_to)
            decoded = self._decode_forward(index)
            if decoded is not None:
                return decoded
            log.debug("seek for frame %d landed after it; seeking further back", index)
            seek_to = min(target - (second << attempt), (self._landed if self._landed is not None else target) - 1)
        self._seek(self._first_pts)
        decoded = self._decode_forward(index)
        if decoded is None:
            raise MediaError(f"{self.path}: frame {index} cannot be decoded; the file may be corrupt")
        return decoded

    def _seek(self, pts: int, backward: bool = True) -> None:
        """Move the demuxer to the keyframe at or before ``pts`` (after it if ``backward`` is False)."""
        self._stop_decoding()
        try:
            self._container.seek(pts, stream=self._stream, backward=backward)
        except av.error.FFmpegError as exc:
            if not backward:
                raise MediaError(f"{self.path}: seeking in the video failed ({exc})") from exc
            log.debug("backward seek to %d failed (%s); seeking forward", pts, exc)
            self._seek(pts, backward=False)

    def _decode_forward(self, index: int) -> tuple[int, av.VideoFrame] | None:
        """Decode on to frame ``index``; None when the first frame decoded after a seek is already past it.

        A slot with no frame of its own (a dropped frame in a constant-rate file, or the end of a
        truncated file) gives the last frame before it, with that frame's index.
        """
        if self._decoded is None:
            self._decoded = self._decode_packets()
        previous = (self._position, self._raw[self._position]) if self._position in self._raw else None
        for frame in self._decoded:
            found = self._index_of_pts(_pts(frame))
            if self._position is not None and found <= self._position and not self._out_of_order:
                self._out_of_order = True
                log.warning(
                    "%s: frame timestamps go backwards (B-frames in AVI?); frames shown may not be exact", self.path
                )
            self._stash(found, frame)
            if found > index:
                return previous
            if found == index:
                return found, frame
            previous = found, frame
        return previous

    def _decode_packets(self) -> Generator[av.VideoFrame, None, None]:
        """Decoded frames from the demuxer's position on; corrupt packets are skipped and logged."""
        self._landed = None
        try:
            for packet in self._container.demux(self._stream):
                if self._landed is None and packet.size:
                    stamps = [t for t in (packet.pts, packet.dts) if t is not None]
                    self._landed = min(stamps) if stamps else None
                try:
                    frames = packet.decode()
                except (av.error.InvalidDataError, av.error.PatchWelcomeError) as exc:
                    if packet.pts not in self._bad_packets:
                        self._bad_packets.add(packet.pts)
                        log.warning("%s: skipped an undecodable video packet (pts %s): %s", self.path, packet.pts, exc)
                    continue
                yield from frames
        except av.error.FFmpegError as exc:
            log.warning("%s: reading stopped early (%s); the file may be truncated", self.path, exc)

    def _stop_decoding(self) -> None:
        """Forget the decoder's position (before a seek, or when the demuxer was moved elsewhere)."""
        if self._decoded is not None:
            self._decoded.close()
        self._decoded = None
        self._position = None
        self._raw.clear()

    def _stash(self, index: int, frame: av.VideoFrame) -> None:
        """Keep a decoded frame (unconverted) for a later backward step; advance the decoder's position."""
        self._position = index
        self._raw[index] = frame
        self._raw.move_to_end(index)
        while len(self._raw) > self._raw_frames:
            self._raw.popitem(last=False)

    def _convert(self, index: int, frame: av.VideoFrame, size: tuple[int, int] | None = None) -> Frame:
        """RGB at the output size (or ``size``, both upright) through swscale, with one reformatter (one scaler) for
        all frames; turned upright when the video has a rotation."""
        width, height = size or (self.width, self.height)
        if self._turned:
            width, height = height, width
        rgb = self._reformatter.reformat(
            frame, width=width, height=height, format="rgb24", interpolation=INTERPOLATION, threads=1
        )
        image = np.ascontiguousarray(media.upright(rgb.to_ndarray(), self.rotation))
        image.flags.writeable = False
        return Frame(index, self._ms_of_pts(_pts(frame)), image)

    def _remember(self, frame: Frame, key: int | None = None) -> Frame:
        """Cache a converted frame under its index (or the slot it was shown for, when that has no frame)."""
        key = frame.index if key is None else key
        self._cache[key] = frame
        self._cache.move_to_end(key)
        while len(self._cache) > self._cache_frames:
            self._cache.popitem(last=False)
        return frame

    def _scan_pts(self) -> list[int]:
        """Every frame's timestamp, from demuxing all packets once (no decoding): the variable-rate index."""
        stamps: set[int] = set()
        self._stop_decoding()
        self._container.seek(self._first_pts, stream=self._stream, backward=True)
        try:
            for packet in self._container.demux(self._stream):
                if packet.size and packet.pts is not None and packet.pts >= self._first_pts:
                    stamps.add(packet.pts)
        except av.error.FFmpegError as exc:
            log.warning("%s: reading stopped early (%s); the file may be truncated", self.path, exc)
        return sorted(stamps | {self._first_pts})

    def _count_constant_rate(self, declared: int | None) -> int:
        """Frame count from the last packet's timestamp (one GOP demuxed at the end of the file).

        A container's declared count can be missing (Matroska) or wrong (truncated files); the last
        timestamp is exact. Falls back to the declared count, then to duration × rate.
        """
        self._stop_decoding()
        end = self._stream.duration or round(Fraction(self.duration_ms, 1000) / self._time_base)
        end += self._stream.start_time or 0
        step = max(1, round(2 / self._time_base))
        for _ in range(_END_SCAN_ATTEMPTS):
            try:
                self._container.seek(end, stream=self._stream, backward=True)
                last = max(
                    (p.pts for p in self._container.demux(self._stream) if p.size and p.pts is not None), default=None
                )
            except av.error.FFmpegError as exc:
                log.debug("end scan from %d failed: %s", end, exc)
                last = None
            if last is not None:
                return self._index_of_pts(last) + 1
            end -= step
            step *= 4
        estimate = declared or round(Fraction(self.duration_ms, 1000) * self._rate)
        log.warning("%s: could not find the last frame; assuming %d frames", self.path, estimate)
        return max(1, estimate)

    def _index_of_pts(self, pts: int | None) -> int:
        return (self._position or 0) + 1 if pts is None else self.times.index_of_pts(pts)

    def _pts_of_index(self, index: int) -> int:
        return self.times.pts_of_index(index)

    def _ms_of_pts(self, pts: int | None) -> int:
        return self.times.ms_of_pts(pts)


def _round_div(numerator: int, denominator: int) -> int:
    """numerator / denominator rounded to the nearest integer, halves up (as FFmpeg rescales timestamps)."""
    return (2 * numerator + denominator) // (2 * denominator)


def _pts(frame: av.VideoFrame) -> int | None:
    return frame.pts if frame.pts is not None else frame.dts


def _output_size(width: int, height: int, max_width: int | None) -> tuple[int, int]:
    """The source size, or scaled down to ``max_width`` keeping the aspect ratio, in even dimensions."""
    if max_width is None or max_width >= width:
        return width, height
    out_width = max(2, max_width // 2 * 2)
    out_height = max(2, round(height * out_width / width / 2) * 2)
    return out_width, out_height
