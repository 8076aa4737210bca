"""One decode pass over a video, shared by every visual analysis (motion now, faces later).

Decoding dominates the cost of a visual analysis, so the video is decoded once and each frame is offered
to every consumer that wants it. A consumer says cheaply whether it needs a frame (``wants``), then reads
what it needs from a :class:`DecodedFrame`: the luma plane as it came out of the decoder (no copy, no colour
conversion), a small grey thumbnail, a grey image at an analysis width, or colour. Conversions are made
once per frame and shared between consumers.

Qt-free.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

import av
import cv2
import numpy as np

from analysis import media
from analysis.errors import MediaError
from analysis.progress import NullProgress, Progress, check

log = logging.getLogger(__name__)

_LUMA_FORMATS = {"yuv420p", "yuvj420p", "yuv422p", "yuvj422p", "yuv444p", "yuvj444p", "nv12", "nv21", "gray"}
"""Pixel formats whose first plane is 8-bit luma: a grey image for free."""


class DecodedFrame:
    """One decoded frame and the views of it the consumers asked for, each made at most once.

    Every view is upright: a frame stored turned (a display matrix, as phones write portrait video) is turned
    as it is shown, so faces stand up and sizes are those shown."""

    __slots__ = ("_frame", "_gray", "_luma", "_turns", "index", "time_s")

    def __init__(self, frame: av.VideoFrame, index: int, time_s: float) -> None:
        self._frame = frame
        self.index = index
        self.time_s = time_s
        self._turns = media.quarter_turns(frame.rotation)
        self._luma: np.ndarray | None = None
        self._gray: dict[int, np.ndarray] = {}

    @property
    def width(self) -> int:
        """Width of the picture as shown (upright), in pixels."""
        return self._frame.height if self._turns % 2 else self._frame.width

    @property
    def height(self) -> int:
        """Height of the picture as shown (upright), in pixels."""
        return self._frame.width if self._turns % 2 else self._frame.height

    def luma(self) -> np.ndarray:
        """Full-resolution 8-bit grey (H×W), upright; a view of the decoder's buffer when the format allows and the
        frame is not turned."""
        if self._luma is None:
            frame = self._frame
            if frame.format.name in _LUMA_FORMATS:
                plane = frame.planes[0]
                luma = np.frombuffer(plane, np.uint8).reshape(frame.height, plane.line_size)[:, : frame.width]
            else:
                luma = frame.to_ndarray(format="gray")
            self._luma = media.upright(luma, self._turns * 90)
        return self._luma

    def gray(self, width: int) -> np.ndarray:
        """Grey at ``width`` pixels wide (aspect kept; area averaging), contiguous, made once per width."""
        image = self._gray.get(width)
        if image is None:
            luma = self.luma()
            if width >= luma.shape[1]:
                image = np.ascontiguousarray(luma)
            else:
                height = max(1, round(luma.shape[0] * width / luma.shape[1]))
                # area averaging over a view that skips every other pixel when the picture is 4× wider or
                # more: 0.17 ms instead of 0.41 ms for 1280 → 320, still low-passed
                step = max(1, int(luma.shape[1] / width) // 2)
                image = cv2.resize(luma[::step, ::step], (width, height), interpolation=cv2.INTER_AREA)
            self._gray[width] = image
        return image

    def thumbnail(self, step: int = 16) -> np.ndarray:
        """Every ``step``-th luma pixel in both directions: a few thousand pixels for cheap comparisons."""
        return np.ascontiguousarray(self.luma()[::step, ::step])

    def bgr(self, width: int | None = None) -> np.ndarray:
        """Colour (H×W×3, BGR as OpenCV expects), upright, at ``width`` pixels wide when given."""
        if width is None or width >= self.width:
            return media.upright(self._frame.to_ndarray(format="bgr24"), self._turns * 90)
        height = max(2, round(self.height * width / self.width) // 2 * 2)
        stored = (height, width) if self._turns % 2 else (width, height)
        image = self._frame.reformat(width=stored[0], height=stored[1], format="bgr24").to_ndarray()
        return media.upright(image, self._turns * 90)


class FrameConsumer(Protocol):
    """An analysis fed by the shared decode pass: asked about every frame, given the ones it wants."""

    def wants(self, time_s: float) -> bool:
        """Whether the frame at this time is needed (called for every frame: keep it cheap)."""

    def consume(self, frame: DecodedFrame) -> None:
        """Read what it needs from a frame it wanted; conversions are shared with the other consumers."""

    def finish(self) -> Any:
        """The consumer's result, once the pass is over."""


@dataclass(frozen=True, slots=True)
class PassInfo:
    """What one decode pass saw: frame count, picture size, frame rate, skips, and the consumers' results."""

    frames: int
    """frames decoded"""
    duration_s: float
    """time of the last frame decoded"""
    width: int
    height: int
    fps: float
    skipped: int
    """corrupt packets or frames skipped"""
    results: tuple[Any, ...]
    """each consumer's finish(), in order"""


def open_video(path: str | os.PathLike[str]) -> tuple[av.container.InputContainer, av.video.stream.VideoStream]:
    """The opened container (the caller closes it) and its first video stream; raises MediaError when either fails."""
    try:
        container = av.open(str(path))
    except (av.error.FFmpegError, OSError) as exc:
        raise MediaError(f"{path}: cannot be opened as media ({exc})") from exc
    if not container.streams.video:
        container.close()
        raise MediaError(f"{path}: has no video track; motion and faces need pictures")
    return container, container.streams.video[0]


class _DecodableFrames:
    """The frames of one video stream in decode order; unreadable data and corrupt packets are skipped.

    ``skipped`` counts what was skipped; reading stops early once more than 1000 unreadable pieces of data
    were met, since a file that broken yields nothing more.
    """

    def __init__(
        self, container: av.container.InputContainer, stream: av.video.stream.VideoStream, path: str | os.PathLike[str]
    ) -> None:
        self._container = container
        self._stream = stream
        self._path = path
        self.skipped = 0

    def __iter__(self) -> Iterator[av.VideoFrame]:
        packets = self._container.demux(self._stream)
        while True:
            try:
                packet = next(packets)
            except StopIteration:
                return
            except av.error.FFmpegError as exc:
                self.skipped += 1
                log.warning("%s: unreadable data skipped (%s)", self._path, exc)
                if self.skipped > 1000:
                    return
                continue
            try:
                frames = packet.decode()
            except av.error.FFmpegError as exc:
                self.skipped += 1
                log.warning("%s: a corrupt packet was skipped (%s)", self._path, exc)
                continue
            yield from frames


def _duration_s(container: av.container.InputContainer, stream: av.video.stream.VideoStream) -> float:
    """Length of the video in seconds: the stream's, else the container's, else 0 (unknown)."""
    duration = float(stream.duration * stream.time_base) if stream.duration else 0.0
    if not duration and container.duration:
        duration = container.duration / av.time_base
    return duration


def _offer(consumers: Sequence[FrameConsumer], frame: av.VideoFrame, index: int, time_s: float) -> None:
    """Give the frame to the consumers that want it, wrapped once so they share its conversions."""
    wanting = [c for c in consumers if c.wants(time_s)]
    if wanting:
        decoded = DecodedFrame(frame, index, time_s)
        for consumer in wanting:
            consumer.consume(decoded)


def run_pass(
    path: str | os.PathLike[str],
    consumers: Sequence[FrameConsumer],
    progress: Progress | None = None,
    threads: int = 0,
) -> PassInfo:
    """Decode the video of ``path`` once, offering every frame to the consumers that want it.

    Frames the decoder cannot read are skipped (counted in ``skipped``); a file with no decodable frame at
    all is a MediaError. Cancel is checked every few frames."""
    progress = progress or NullProgress()
    container, stream = open_video(path)
    try:
        stream.thread_type = "AUTO"
        if threads:
            stream.codec_context.thread_count = threads
        duration = _duration_s(container, stream)
        rate = float(stream.average_rate or stream.guessed_rate or 25)
        # media time 0 is the container's start, as for the decoded audio and the player (MPEG-TS starts late)
        origin_s = (container.start_time or 0) / 1_000_000
        index = 0
        last_time = 0.0
        width = height = 0
        frames = _DecodableFrames(container, stream, path)
        for frame in frames:
            time_s = float(frame.time) - origin_s if frame.time is not None else index / rate
            turned = media.quarter_turns(frame.rotation) % 2
            width, height = (frame.height, frame.width) if turned else (frame.width, frame.height)
            _offer(consumers, frame, index, time_s)
            last_time = time_s
            index += 1
            if index % 16 == 0:
                check(progress)
                if duration:
                    progress.update(min(1.0, time_s / duration), "decoding video")
    finally:
        container.close()
    if index == 0:
        raise MediaError(f"{path}: no video frame could be decoded (the file is corrupt or empty)")
    progress.update(1.0, "video done")
    return PassInfo(index, last_time, width, height, rate, frames.skipped, tuple(c.finish() for c in consumers))
