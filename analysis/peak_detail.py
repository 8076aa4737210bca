"""What moved around one moment: three frames a second apart and the optical flow between them, and the flow
of the pair of consecutive frames at the moment.

Two different quantities, both in reference pixels per second (:func:`analysis.motion.pair_stats`):

* the *pair at t*: the flow from the frame at t to the next frame, on the grey images the motion pass
  makes, with the motion run's method and width. This is exactly what the Motion track plots (a motion
  sample is such a pair), so for a sampled moment the two figures are the same number;
* the *net motion over each second*: the flow from the frame at t − 1 s to the frame at t, and from t to
  t + 1 s, divided by the time between them. It shows where things ended up, not the path they took:
  motion that goes back and forth cancels, and optical flow misses most displacements larger than a few
  percent of the width (with the default parameters it reads faster than ~12 px/s too low), so on fast
  motion it is far below the track. The heatmaps, overlays and arrows draw these two flows; the mean
  displacement over the whole interval, in pixels of the analysis image, is given too (what the original
  project printed).

A stored shot change (cut) between the two frames of an interval or of the pair is reported with it: flow
across a cut compares two different pictures and is not motion.

The video is opened once, sought to shortly before t − 1 s, and decoded forward; each of the three
frames is the first one at or after its time. Times before the first frame take the first frame, times
after the last take the last one (so near the ends an interval is shorter than ``offset_ms``, or empty).
Frames are chosen and flows timed on the frames' exact timestamps; the records give them in milliseconds,
rounded as :class:`analysis.frames.FrameSource` rounds them.

Qt-free.
"""

from __future__ import annotations

import logging
import math
import os
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, replace
from fractions import Fraction

import av
import av.error
import cv2
import numpy as np

from analysis import media
from analysis.errors import MediaError
from analysis.motion import REFERENCE_WIDTH, FlowEngine, FlowMethod, PairStats, pair_stats
from analysis.video_pass import DecodedFrame, open_video

log = logging.getLogger(__name__)

MAX_FRAME_WIDTH = 640
"""Frames (and the images drawn on them) are at most this many pixels wide."""
SEEK_MARGIN_MS = 500
"""Seek this far before the earliest frame wanted, so rounding in the demuxer cannot land after it."""
TIME_TOLERANCE_MS = 1
"""A frame this close before a wanted time counts as being at it (timestamps are rounded)."""
HEAT_FLOOR_PX_S = 4.0
"""The heatmaps' colour scale tops out at no less than this (reference px/s), so a still picture stays blue."""
HEAT_PERCENTILE = 99.0
"""…and otherwise at this percentile of both intervals' magnitudes, one scale for both so they compare."""
VECTOR_SPACING = 20
"""Default distance between arrows, in pixels of the frames."""
VECTOR_THICKNESS_PER_PX = 1 / 320
"""Arrow lines are this many pixels thick per pixel of frame width (at least 1): 2 px on a 640-px frame, so
they stay visible when the frame is shown at half size."""
VECTOR_MIN_PX = 1.0
"""Arrows shorter than this (pixels of the frames) are left out: they are noise and clutter."""
VECTOR_COLOR = (80, 255, 80)
OVERLAY_ALPHA = 0.5
_SEEK_ATTEMPTS = 4

_Grabbed = tuple[Fraction, np.ndarray, np.ndarray]
"""A frame found for a wanted time: its exact time in ms of media time, RGB, grey at the analysis width."""


@dataclass(frozen=True, slots=True, eq=False)
class FlowInterval:
    """The flow from one of the three frames to the next, its figures and its pictures."""

    start_ms: int
    end_ms: int
    """times of the two frames actually compared (end − start < offset_ms near the ends of the video)"""
    flow: np.ndarray
    """H×W×2 float32 displacement over the interval, in pixels of the ``width``-wide analysis images"""
    stats: PairStats
    """figures of the flow; ``stats.magnitude`` is mag(·) in reference px/s"""
    mean_px: float
    """mean displacement over the whole interval, in pixels of the analysis images (what the original printed)"""
    heatmap: np.ndarray
    """RGB, the size of the frames: JET colours of the magnitude (blue = still, red = ``heat_scale`` or more)"""
    overlay: np.ndarray
    """RGB: the heatmap blended 50 % over the interval's first frame"""
    vectors: np.ndarray
    """RGB: the interval's first frame with an arrow per grid cell showing where that cell moved"""
    cut_ms: int | None = None
    """the first stored cut between the two frames (start < cut ≤ end), or None: then the flow is not motion"""

    @property
    def magnitude(self) -> float:
        """Mean flow magnitude in reference pixels per second."""
        return self.stats.magnitude


@dataclass(frozen=True, slots=True)
class FramePair:
    """The flow from the frame at t to the next frame: what a motion sample (a point of the Motion track) is."""

    start_ms: int
    end_ms: int
    """times of the two consecutive frames (end = start when t is the last frame: no pair, zero figures)"""
    stats: PairStats
    """figures of the flow, speeds in reference px/s (``stats.magnitude`` is the track's value)"""
    cut_ms: int | None = None
    """a stored cut between the two frames, or None"""

    @property
    def magnitude(self) -> float:
        """Mean flow magnitude in reference pixels per second."""
        return self.stats.magnitude


@dataclass(frozen=True, slots=True, eq=False)
class PeakDetail:
    """Frames at t − offset, t and t + offset and the flows t − offset → t and t → t + offset."""

    path: str
    moment_ms: int
    """the time asked for"""
    offset_ms: int
    method: FlowMethod
    width: int
    """analysis width of the flow, in pixels"""
    times_ms: tuple[int, int, int]
    """times of the three frames shown (clamped to the video)"""
    frames: tuple[np.ndarray, np.ndarray, np.ndarray]
    """RGB, at most MAX_FRAME_WIDTH wide"""
    before: FlowInterval
    """t − offset → t"""
    after: FlowInterval
    """t → t + offset"""
    heat_scale: float
    """reference px/s drawn as the hottest colour in both heatmaps"""
    pair: FramePair
    """the consecutive frames at t: the Motion track's quantity"""

    @property
    def magnitudes(self) -> tuple[float, float]:
        """mag(t − offset → t) and mag(t → t + offset), reference px/s."""
        return self.before.magnitude, self.after.magnitude


def peak_detail(
    path: str | os.PathLike[str],
    moment_ms: int,
    method: FlowMethod | str = FlowMethod.DIS,
    width: int = 320,
    offset_ms: int = 1000,
    vector_spacing: int = VECTOR_SPACING,
    cuts_ms: Iterable[int] = (),
    video: tuple[av.container.InputContainer, av.video.stream.VideoStream] | None = None,
) -> PeakDetail:
    """The frames and flows around ``moment_ms`` (media time: 0 is the container's start, as for the decoded
    audio and the player). ``method`` and ``width`` should be the motion run's (its default when there is
    none), so the pair at t is the track's figure; ``cuts_ms`` are the stored cuts (first frames of new shots).
    ``video`` is the file already open (its container and video stream, e.g. a FrameSource's ``borrow()``):
    it is read from wherever it stands and left open; without it the file is opened and closed here.

    Raises MediaError when the file cannot be opened, has no video track or no decodable frame."""
    if not offset_ms > 0:
        raise ValueError(f"the offset must be positive (got {offset_ms} ms)")
    if not 32 <= width <= 3840:
        raise ValueError(f"the flow analysis width must lie between 32 and 3840 pixels (got {width})")
    method = FlowMethod(method)
    wanted = (max(0, moment_ms - offset_ms), max(0, moment_ms), max(0, moment_ms + offset_ms))
    grabbed, following = _grab(path, wanted, width, video)
    exact = [g[0] for g in grabbed]
    times = (_rounded(exact[0]), _rounded(exact[1]), _rounded(exact[2]))
    frames = (grabbed[0][1], grabbed[1][1], grabbed[2][1])
    engine = FlowEngine(method)
    flows = [_flow(engine, grabbed[i][2], grabbed[i + 1][2], exact[i] == exact[i + 1]) for i in range(2)]
    spans_s = [float((exact[i + 1] - exact[i]) / 1000) for i in range(2)]
    gray_width = grabbed[0][2].shape[1]
    magnitudes = [_magnitude(flow, spans_s[i], gray_width) for i, flow in enumerate(flows)]
    scale = max(HEAT_FLOOR_PX_S, float(np.percentile(np.concatenate([m.ravel() for m in magnitudes]), HEAT_PERCENTILE)))
    cuts = sorted(int(c) for c in cuts_ms)
    intervals = [
        _interval(
            times[i], times[i + 1], spans_s[i], flows[i], magnitudes[i], frames[i], gray_width, scale, vector_spacing
        )
        for i in range(2)
    ]
    intervals = [replace(v, cut_ms=cut_between(cuts, v.start_ms, v.end_ms)) for v in intervals]
    pair = _pair(engine, grabbed[1], following, gray_width, cuts)
    return PeakDetail(str(path), moment_ms, offset_ms, method, width, times, frames, *intervals, scale, pair)


def cut_between(cuts_ms: Iterable[int], start_ms: int, end_ms: int) -> int | None:
    """The first cut (time of a new shot's first frame) with start < cut ≤ end: one between the two frames."""
    return next((cut for cut in sorted(cuts_ms) if start_ms < cut <= end_ms), None)


def _pair(engine: FlowEngine, at: _Grabbed, following: _Grabbed | None, gray_width: int, cuts: list[int]) -> FramePair:
    """The figures of the flow from the frame at t to the next one, as the motion pass computes a sample's."""
    start = _rounded(at[0])
    if following is None or following[0] <= at[0] or following[2].shape != at[2].shape:
        return FramePair(start, start, pair_stats(np.zeros((*at[2].shape, 2), np.float32), 1.0, gray_width))
    dt_s = float((following[0] - at[0]) / 1000)
    stats = pair_stats(engine.flow(at[2], following[2]), dt_s, gray_width)
    end = _rounded(following[0])
    return FramePair(start, end, stats, cut_between(cuts, start, end))


def _flow(engine: FlowEngine, first: np.ndarray, second: np.ndarray, same_frame: bool) -> np.ndarray:
    if same_frame or first.shape != second.shape:
        return np.zeros((*first.shape, 2), dtype=np.float32)
    return engine.flow(first, second)


def _magnitude(flow: np.ndarray, dt_s: float, width: int) -> np.ndarray:
    """Per-pixel speed in reference px/s (zero for an empty interval)."""
    if dt_s <= 0:
        return np.zeros(flow.shape[:2], dtype=np.float32)
    return np.hypot(flow[..., 0], flow[..., 1]) * np.float32(REFERENCE_WIDTH / width / dt_s)


def _interval(
    start_ms: int,
    end_ms: int,
    dt_s: float,
    flow: np.ndarray,
    magnitude: np.ndarray,
    frame: np.ndarray,
    gray_width: int,
    scale: float,
    spacing: int,
) -> FlowInterval:
    stats = pair_stats(flow, dt_s, gray_width) if dt_s > 0 else pair_stats(np.zeros_like(flow), 1.0, gray_width)
    mean_px = float(np.hypot(flow[..., 0], flow[..., 1]).mean())
    heatmap = _heatmap(magnitude, scale, frame.shape[1], frame.shape[0])
    overlay = cv2.addWeighted(frame, 1 - OVERLAY_ALPHA, heatmap, OVERLAY_ALPHA, 0)
    return FlowInterval(start_ms, end_ms, flow, stats, mean_px, heatmap, overlay, _vectors(frame, flow, spacing))


def _heatmap(magnitude: np.ndarray, scale: float, width: int, height: int) -> np.ndarray:
    """JET colours (RGB) of ``magnitude`` / ``scale`` at ``width`` × ``height``."""
    resized = cv2.resize(magnitude, (width, height), interpolation=cv2.INTER_LINEAR)
    levels = np.clip(resized * (255.0 / scale), 0, 255).astype(np.uint8)
    return cv2.cvtColor(cv2.applyColorMap(levels, cv2.COLORMAP_JET), cv2.COLOR_BGR2RGB)


def _vectors(frame: np.ndarray, flow: np.ndarray, spacing: int) -> np.ndarray:
    """``frame`` with one arrow per ``spacing``-pixel cell: the cell's mean flow, scaled to the frame's pixels."""
    height, width = frame.shape[:2]
    spacing = max(4, int(spacing))
    columns, rows = max(1, width // spacing), max(1, height // spacing)
    cells = cv2.resize(flow, (columns, rows), interpolation=cv2.INTER_AREA) * np.float32(width / flow.shape[1])
    out = np.ascontiguousarray(frame.copy())
    thickness = max(1, round(width * VECTOR_THICKNESS_PER_PX))
    step_x, step_y = width / columns, height / rows
    for row in range(rows):
        for column in range(columns):
            dx, dy = float(cells[row, column, 0]), float(cells[row, column, 1])
            if math.hypot(dx, dy) < VECTOR_MIN_PX:
                continue
            x, y = (column + 0.5) * step_x, (row + 0.5) * step_y
            start = (round(x), round(y))
            end = (round(x + dx), round(y + dy))
            cv2.arrowedLine(out, start, end, VECTOR_COLOR, thickness, cv2.LINE_AA, tipLength=0.35)
    return out


def _grab(
    path: str | os.PathLike[str],
    wanted: tuple[int, ...],
    width: int,
    video: tuple[av.container.InputContainer, av.video.stream.VideoStream] | None = None,
) -> tuple[list[_Grabbed], _Grabbed | None]:
    """(exact time in ms, RGB, grey at ``width``) of the first frame at or after each wanted time in ms (sorted
    ascending), and the frame that follows the second one (None when it is the last frame).

    Seeks once to shortly before the first time and decodes forward; if the demuxer lands after it (a
    container without an index), seeks further back. Times past the last frame get the last frame."""
    container, stream = video or open_video(path)
    try:
        origin_ms = Fraction((container.start_time or 0) * 1000, av.time_base)
        seek_ms = max(0, wanted[0] - SEEK_MARGIN_MS)
        for attempt in range(_SEEK_ATTEMPTS + 1):
            from_start = seek_ms <= 0 or not stream.time_base
            if attempt or not from_start or video is not None:  # a file lent open stands anywhere
                target = 0 if from_start else math.floor((seek_ms + origin_ms) / 1000 / stream.time_base)
                container.seek(target, stream=stream, backward=True)
            found = _decode_forward(container, stream, wanted, width, path, from_start, origin_ms)
            if found is not None:
                return found
            log.debug("%s: the seek to %d ms landed after %d ms; seeking further back", path, seek_ms, wanted[0])
            # 1 s, 2 s, 4 s further back; last of all from the start
            seek_ms = 0 if attempt + 1 >= _SEEK_ATTEMPTS else max(0, seek_ms - (1000 << attempt))
    finally:
        if video is None:
            container.close()
    raise MediaError(f"{path}: no video frame near {wanted[1] / 1000:.3f} s could be decoded; the file may be corrupt")


def _decode_forward(
    container: av.container.InputContainer,
    stream: av.video.stream.VideoStream,
    wanted: tuple[int, ...],
    width: int,
    path: str | os.PathLike[str],
    from_start: bool,
    origin_ms: Fraction,
) -> tuple[list[_Grabbed], _Grabbed | None] | None:
    """Decode on from the demuxer's position; None when, after a seek, the first frame is already too late.

    Besides the wanted frames, keeps the first frame after the second wanted one (the pair at t)."""
    found: list[_Grabbed] = []
    following: _Grabbed | None = None
    last: tuple[Fraction, av.VideoFrame] | None = None
    for frame in _frames(container, stream, path):
        time_ms = _media_ms(frame, origin_ms)
        if last is None and not from_start and time_ms > wanted[0] + TIME_TOLERANCE_MS:
            return None
        current: _Grabbed | None = None
        if following is None and len(found) >= 2 and time_ms > found[1][0]:
            current = following = _convert(frame, time_ms, width)
        while len(found) < len(wanted) and time_ms >= wanted[len(found)] - TIME_TOLERANCE_MS:
            current = current or _convert(frame, time_ms, width)
            found.append(current)
        if len(found) == len(wanted) and following is not None:
            return found, following
        last = (time_ms, frame)
    if last is None:
        if from_start:
            raise MediaError(f"{path}: no video frame could be decoded (the file is corrupt or empty)")
        return None
    tail = found[-1] if found and found[-1][0] == last[0] else _convert(last[1], last[0], width)
    return found + [tail] * (len(wanted) - len(found)), following


def _media_ms(frame: av.VideoFrame, origin_ms: Fraction) -> Fraction:
    """The frame's exact time in ms of media time (pts × time base − the container's start); 0 without a pts."""
    if frame.pts is None or frame.time_base is None:
        return Fraction(0)
    return frame.pts * frame.time_base * 1000 - origin_ms


def _rounded(time_ms: Fraction) -> int:
    """An exact time in whole milliseconds, halves up (as :class:`analysis.frames.FrameSource` rounds)."""
    return math.floor(time_ms + Fraction(1, 2))


def _frames(
    container: av.container.InputContainer, stream: av.video.stream.VideoStream, path: str | os.PathLike[str]
) -> Iterator[av.VideoFrame]:
    """Decoded frames from the demuxer's position on; corrupt packets are skipped."""
    try:
        for packet in container.demux(stream):
            try:
                yield from packet.decode()
            except (av.error.InvalidDataError, av.error.PatchWelcomeError) as exc:
                log.warning("%s: skipped an undecodable video packet (%s)", path, exc)
    except av.error.FFmpegError as exc:
        log.warning("%s: reading stopped early (%s); the file may be truncated", path, exc)


def _convert(frame: av.VideoFrame, time_ms: Fraction, width: int) -> _Grabbed:
    """(time, RGB at most MAX_FRAME_WIDTH wide, grey at ``width`` as the motion pass makes it)."""
    # only the grey conversion of DecodedFrame is used (not its index and time); it may view the decoder's buffer
    decoded = DecodedFrame(frame, 0, 0.0)
    gray = np.array(decoded.gray(width), copy=True)
    turned = media.quarter_turns(frame.rotation) % 2 == 1
    if decoded.width > MAX_FRAME_WIDTH:
        height = max(2, round(decoded.height * MAX_FRAME_WIDTH / decoded.width / 2) * 2)
        size = (height, MAX_FRAME_WIDTH) if turned else (MAX_FRAME_WIDTH, height)
        rgb = frame.reformat(width=size[0], height=size[1], format="rgb24", interpolation="AREA")
    else:
        rgb = frame.reformat(format="rgb24")
    return time_ms, np.ascontiguousarray(media.upright(rgb.to_ndarray(), frame.rotation)), gray
