"""Generated H.264 clips whose frames show their own index (in binary blocks), with known frame times: constant
and variable rates, a late video start after audio from 0 (media time 0 before the first frame)."""

from __future__ import annotations

import math
from dataclasses import dataclass
from fractions import Fraction
from itertools import accumulate
from pathlib import Path

import av
import numpy as np

WIDTH, HEIGHT = 160, 96
CLICK_MS = 3000
COLUMNS, ROWS = 6, 2


def pattern(index: int, width: int = WIDTH, height: int = HEIGHT) -> np.ndarray:
    """An RGB frame showing ``index`` in binary: 12 big blocks, white for a 1 bit, black for a 0, bit 0 top left
    (so a frame seen sideways or upside down reads as another index, or not at all)."""
    image = np.full((height, width, 3), 16, np.uint8)
    block_w, block_h = width // COLUMNS, height // ROWS
    for bit in range(COLUMNS * ROWS):
        if index >> bit & 1:
            row, column = divmod(bit, COLUMNS)
            image[row * block_h : (row + 1) * block_h, column * block_w : (column + 1) * block_w] = 235
    return image


def read_index(image: np.ndarray) -> int:
    """The index :func:`pattern` drew, read from the block centres of an image of any size."""
    height, width, _ = image.shape
    value = 0
    for bit in range(COLUMNS * ROWS):
        row, column = divmod(bit, COLUMNS)
        y, x = int((row + 0.5) * height / ROWS), int((column + 0.5) * width / COLUMNS)
        value |= int(image[y, x].mean() > 128) << bit
    return value


@dataclass(frozen=True, slots=True)
class Clip:
    """A generated file and the presentation time of each of its frames, in ms of media time."""

    path: Path
    times_ms: list[int]
    keyframe_interval: int

    @property
    def frame_count(self) -> int:
        return len(self.times_ms)


def write_clip(
    path: Path,
    count: int,
    rate: Fraction = Fraction(25),
    *,
    durations_ms: list[int] | None = None,
    start_ms: int = 0,
    audio_from_zero: bool = False,
    audio_start_ms: int | None = None,
    rotation: int = 0,
    size: tuple[int, int] = (WIDTH, HEIGHT),
    faststart: bool = False,
) -> Clip:
    """H.264 (x264 defaults: B-frames on) with a keyframe every 4 s, frame i showing i.

    ``durations_ms`` makes the frame rate variable (frame i lasts durations_ms[i % len]); ``start_ms``
    delays the first frame; ``audio_from_zero`` adds an AAC track from 0 (so media time 0 is before the
    first frame) that is silent but for a 1 ms click at ``CLICK_MS``; ``audio_start_ms`` starts that track
    later (the container's start, media time 0, is then the earlier of the two streams). ``rotation`` writes a
    display matrix (degrees counter-clockwise, as FFmpeg's ``rotation``), the way phones store portrait video:
    the pictures are stored turned the other way, so a player that honours the matrix shows them upright at
    ``size`` (width, height) and one that does not shows them sideways.
    """
    if audio_from_zero and audio_start_ms is None:
        audio_start_ms = 0
    gop = round(4 * rate)
    if durations_ms:
        time_base = Fraction(1, 1000)
        stamps = list(accumulate((durations_ms[i % len(durations_ms)] for i in range(count - 1)), initial=start_ms))
    else:
        time_base = 1 / rate
        stamps = [int(Fraction(start_ms, 1000) * rate) + index for index in range(count)]
    with av.open(str(path), "w", options={"movflags": "+faststart"} if faststart else {}) as container:
        stream = container.add_stream("libx264", rate=rate)
        turns = -rotation // 90
        stream.width, stream.height = size if turns % 2 == 0 else size[::-1]
        stream.pix_fmt = "yuv420p"
        stream.options = {"g": str(gop), "keyint_min": str(gop), "sc_threshold": "0"}
        stream.codec_context.time_base = time_base
        if rotation:
            stream.set_display_rotation(rotation)
        if audio_start_ms is not None:
            audio = container.add_stream("aac", rate=48_000)
            audio.layout = "mono"
            samples = np.zeros(math.ceil((start_ms / 1000 + count / rate) * 48_000 / 1024) * 1024, np.float32)
            samples[CLICK_MS * 48 : CLICK_MS * 48 + 48] = 0.9
            for start in range(0, samples.shape[0], 1024):
                block = av.AudioFrame.from_ndarray(samples[None, start : start + 1024], format="fltp", layout="mono")
                block.sample_rate, block.time_base = 48_000, Fraction(1, 48_000)
                # AAC puts 1024 priming samples first; an MP4 trims them only when the first packet's time is below 0,
                # and then starts the track at 0. Past the priming, the track starts at ``audio_start_ms``.
                block.pts = start + audio_start_ms * 48 + (1024 if audio_start_ms else 0)
                container.mux(audio.encode(block))
            container.mux(audio.encode(None))
        for index, pts in enumerate(stamps):
            stored = np.ascontiguousarray(np.rot90(pattern(index, *size), turns))
            frame = av.VideoFrame.from_ndarray(stored, format="rgb24")
            frame.pts, frame.time_base = pts, time_base
            container.mux(stream.encode(frame))
        container.mux(stream.encode(None))
    # media time 0 is the container's start: the earlier of the first frame and the audio track's start
    origin = (
        Fraction(stamps[0]) * time_base
        if audio_start_ms is None
        else min(stamps[0] * time_base, Fraction(audio_start_ms, 1000))
    )
    times_ms = [math.floor((pts * time_base - origin) * 1000 + Fraction(1, 2)) for pts in stamps]
    return Clip(path, times_ms, gop)
