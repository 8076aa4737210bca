"""The player: frame-accurate video from a worker thread, sound through sounddevice as the master clock.

The clock says where playback is; every tick the controller asks the frame worker for the frame shown
at that time (latest request wins, so a slow decoder drops frames instead of drifting). With sound,
the clock is the audio stream's position, so picture follows sound over any length. Without an output
device (or without PortAudio) the player runs muted on a wall clock and says why.
"""

from __future__ import annotations

import logging
import re
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from PySide6.QtCore import QObject, QTimer, Signal

from analysis.frames import Frame, FrameSource, FrameTimes
from app.gui.workers import LatestRequestWorker

log = logging.getLogger(__name__)

SPEEDS = (0.25, 0.5, 0.75, 1.0, 1.25, 1.5, 2.0)
_TICK_MS = 15
_AUDIO_RATE = 16_000
_STOP_WAIT_MS = 2000
"""How long closing the media waits for the frame worker to finish the frame it is decoding."""


def render_audio(samples: np.ndarray, position: float, step: float, frames: int) -> tuple[np.ndarray, float]:
    """``frames`` output samples read from ``samples`` starting at ``position``, advancing ``step`` per sample.

    Linear interpolation: speed changes resample (the pitch follows the speed, as on tape). Past the end
    the output is silence. Returns the block and the new position.
    """
    where = position + step * np.arange(frames, dtype=np.float64)
    out = np.zeros(frames, dtype=np.float32)
    inside = (where >= 0) & (where < samples.shape[0] - 1)
    if inside.any():
        at = where[inside]
        left = at.astype(np.int64)
        frac = (at - left).astype(np.float32)
        out[inside] = samples[left] * (1 - frac) + samples[left + 1] * frac
    return out, position + step * frames


def parse_goto(text: str) -> tuple[str, int]:
    """Read what a user types into Go to…: ``("frame", n)`` for ``#n``, ``f n`` or ``frame n``, else
    ``("time", ms)`` for ``h:mm:ss.mmm``, ``mm:ss``, or seconds (``83.5``, ``83.5 s``). ValueError if neither."""
    cleaned = text.strip().lower()
    frame = re.fullmatch(r"(?:#|f|frame)\s*(\d+)", cleaned)
    if frame:
        return "frame", int(frame.group(1))
    clock = re.fullmatch(r"(?:(\d+):)?(?:(\d+):)?(\d+(?:\.\d*)?)\s*s?", cleaned)
    if not clock:
        raise ValueError(f"not a time or a frame number: {text!r} (examples: 1:02:03.5, 83.5, #1200)")
    parts = [float(part) for part in clock.groups() if part is not None]
    seconds = 0.0
    for part in parts:
        seconds = seconds * 60 + part
    return "time", round(seconds * 1000)


class Clock:
    """Where playback is, in ms of media time."""

    def position_ms(self) -> float:
        raise NotImplementedError

    def start(self, position_ms: float, speed: float) -> None:
        raise NotImplementedError

    def stop(self) -> None:
        raise NotImplementedError


class WallClock(Clock):
    """Muted playback: media time advances with the monotonic clock times the speed (negative: backward)."""

    def __init__(self) -> None:
        self._origin_ms = 0.0
        self._origin_t: float | None = None
        self._speed = 1.0

    def start(self, position_ms: float, speed: float) -> None:
        self._origin_ms, self._origin_t, self._speed = position_ms, time.monotonic(), speed

    def stop(self) -> None:
        self._origin_ms = self.position_ms()
        self._origin_t = None

    def position_ms(self) -> float:
        if self._origin_t is None:
            return self._origin_ms
        return self._origin_ms + (time.monotonic() - self._origin_t) * 1000 * self._speed


class AudioClock(Clock):
    """Sound through a PortAudio output stream; the samples it has played are the clock."""

    def __init__(self, samples: np.ndarray, rate: int = _AUDIO_RATE) -> None:
        import sounddevice

        self._samples = samples
        self._rate = rate
        self._lock = threading.Lock()
        self._position = 0.0
        self._step = 1.0
        self._stamp: float | None = None
        self._started_ms = 0.0
        self._stream = sounddevice.OutputStream(channels=1, dtype="float32", callback=self._callback)
        self._device_rate = float(self._stream.samplerate)
        self._latency_s = float(self._stream.latency)

    def _callback(self, outdata: np.ndarray, frames: int, time_info: object, status: object) -> None:
        with self._lock:
            block, self._position = render_audio(self._samples, self._position, self._step, frames)
            self._stamp = time.monotonic()
        outdata[:, 0] = block

    def start(self, position_ms: float, speed: float) -> None:
        with self._lock:
            self._position = position_ms * self._rate / 1000
            self._step = speed * self._rate / self._device_rate
            self._stamp = None
            self._started_ms = position_ms
        self._stream.start()

    def stop(self) -> None:
        position = self.position_ms()
        self._stream.stop()
        with self._lock:
            self._position = position * self._rate / 1000
            self._stamp = None

    def position_ms(self) -> float:
        """Samples handed to the device, minus what is still in its buffer, plus time since the last block."""
        with self._lock:
            if self._stamp is None:
                return self._position * 1000 / self._rate if not self._stream.active else self._started_ms
            speed = self._step * self._device_rate / self._rate
            since = time.monotonic() - self._stamp
            return (self._position * 1000 / self._rate) + (since - self._latency_s) * 1000 * speed

    def close(self) -> None:
        self._stream.close()


def open_audio_clock(samples: np.ndarray | None) -> tuple[Clock, str]:
    """An audio clock if sound can play, else a wall clock; and a word for the window on which it is."""
    if samples is None:
        return WallClock(), "muted: the audio is still being decoded"
    try:
        return AudioClock(samples), "sound"
    except OSError as exc:
        log.info("no sound output: %s", exc)
        return WallClock(), "muted: PortAudio is not installed" if "PortAudio" in str(exc) else f"muted: {exc}"
    except Exception as exc:  # sounddevice raises PortAudioError for a missing device
        log.info("no sound output: %s", exc)
        return WallClock(), "muted: no audio output device"


@dataclass(frozen=True, slots=True)
class FrameSourceInfo:
    """What the window needs to know about the video once it is open."""

    fps: float
    frame_count: int
    duration_ms: int
    width: int
    height: int
    times: FrameTimes
    """Frame index ↔ media time (no decoding): steps know their frame and time without waiting for it."""


class FrameReader:
    """The player's FrameSource, opened, read and closed in the frame worker's thread (a FrameSource is not
    thread-safe). Requests are ``("time", ms)`` or ``("index", n)``."""

    def __init__(self, path: Path, max_width: int | None) -> None:
        self._path = path
        self._max_width = max_width
        self._source: FrameSource | None = None

    def open(self) -> FrameSourceInfo:
        source = self._source = FrameSource(self._path, max_width=self._max_width)
        return FrameSourceInfo(
            source.fps, source.frame_count, source.duration_ms, source.width, source.height, source.times
        )

    def read(self, request: tuple[str, int], cancelled: Callable[[], bool]) -> Frame:
        """The frame shown at a time or the frame of an index, exactly (one decode: nothing to cancel)."""
        assert self._source is not None
        kind, value = request
        return self._source.frame_at_time(value) if kind == "time" else self._source.frame_at_index(value)

    def close(self) -> None:
        if self._source is not None:
            self._source.close()
            self._source = None


class PlayerController(QObject):
    """Play, pause, seek, step, speed and loop, for one media file."""

    frame_ready = Signal(object)
    """Frame to paint"""
    position_changed = Signal(int)
    """ms, on every tick while playing and after every seek"""
    playing_changed = Signal(bool)
    sound_changed = Signal(str)
    """'sound', or 'muted: reason'"""
    video_opened = Signal(object)
    """FrameSourceInfo, or None for audio-only media"""
    error_occurred = Signal(str)

    def __init__(self, parent: QObject | None = None, max_width: int | None = 1280) -> None:
        super().__init__(parent)
        self._max_width = max_width
        self._worker: LatestRequestWorker | None = None
        self._last_request: tuple[str, int] | None = None
        self._info: FrameSourceInfo | None = None
        self._samples: np.ndarray | None = None
        self._clock: Clock = WallClock()
        self._sound = "muted: no media"
        self._duration_ms = 0
        self._position = 0.0
        self._speed = 1.0
        self._direction = 1
        self._playing = False
        self._loop: tuple[int, int] | None = None
        self._stop_at: int | None = None
        self._frame: Frame | None = None
        self._timer = QTimer(self)
        self._timer.setInterval(_TICK_MS)
        self._timer.timeout.connect(self._on_timer_tick)

    # -- media -------------------------------------------------------------------------------------

    def open(self, video_path: str | Path | None, duration_ms: int) -> None:
        """Show ``video_path`` (None for audio-only media); the sound arrives later through set_audio."""
        self.close()
        self._duration_ms = duration_ms
        self._position = 0.0
        if video_path is not None:
            reader = FrameReader(Path(video_path), self._max_width)
            self._worker = LatestRequestWorker(
                reader.read, name="frame-worker", setup=reader.open, teardown=reader.close
            )
            self._worker.ready.connect(self._on_worker_ready)
            self._worker.result.connect(self._on_worker_result)
            self._worker.error.connect(self._on_worker_error)
            self._worker.setup_failed.connect(self.error_occurred)
            self._request_frame("time", 0)
        else:
            self.video_opened.emit(None)
        self._set_sound(None)
        self.position_changed.emit(0)

    def set_audio(self, samples: np.ndarray | None) -> None:
        """The decoded 16 kHz mono audio, played as the clock (needs an output device)."""
        playing = self._playing
        if playing:
            self.pause()
        self._samples = samples
        self._set_sound(samples)
        if playing:
            self.play()

    def close(self) -> None:
        self.pause()
        if isinstance(self._clock, AudioClock):
            self._clock.close()
        self._clock = WallClock()
        if self._worker is not None:
            self._worker.close(_STOP_WAIT_MS)
            self._worker = None
        self._last_request = None
        self._info = None
        self._frame = None
        self._samples = None
        self._duration_ms = 0
        self._position = 0.0
        self._loop = self._stop_at = None

    def _set_sound(self, samples: np.ndarray | None) -> None:
        if isinstance(self._clock, AudioClock):
            self._clock.close()
        self._clock, self._sound = open_audio_clock(samples)
        self.sound_changed.emit(self._sound)

    # -- state -------------------------------------------------------------------------------------

    @property
    def position_ms(self) -> int:
        return round(self._position)

    @property
    def playing(self) -> bool:
        return self._playing

    @property
    def speed(self) -> float:
        return self._speed

    @property
    def sound(self) -> str:
        return self._sound

    @property
    def duration_ms(self) -> int:
        return self._duration_ms

    @property
    def frame(self) -> Frame | None:
        return self._frame

    @property
    def info(self) -> FrameSourceInfo | None:
        return self._info

    # -- transport ---------------------------------------------------------------------------------

    def play(self, direction: int = 1) -> None:
        if self._duration_ms <= 0:
            return
        self._direction = 1 if direction >= 0 else -1
        if self._direction > 0 and self._position >= self._duration_ms - 1:
            self._position = self._loop[0] if self._loop else 0
        clock = self._clock
        if self._direction < 0 and isinstance(clock, AudioClock):
            clock = self._clock = WallClock()
        clock.start(self._position, self._speed * self._direction)
        self._playing = True
        self._timer.start()
        self.playing_changed.emit(True)

    def pause(self) -> None:
        """Stop where the clock is and show the frame of that time."""
        self._pause_at(None)

    def _pause_at(self, at_ms: float | None) -> None:
        """Stop at ``at_ms`` (None: where the clock is) and ask for the frame of that time, not leave the one the
        last tick asked for (up to a tick earlier, or further back when the decoder dropped frames)."""
        self._stop_at = None
        if not self._playing:
            return
        self._position = self._clamp(self._clock.position_ms() if at_ms is None else at_ms)
        self._clock.stop()
        self._timer.stop()
        self._playing = False
        if self._direction < 0:
            self._set_sound(self._samples)
        self._request_frame("time", self.position_ms)
        self.playing_changed.emit(False)
        self.position_changed.emit(self.position_ms)

    def toggle(self) -> None:
        self.pause() if self._playing else self.play()

    def set_speed(self, speed: float) -> None:
        if not SPEEDS[0] <= speed <= SPEEDS[-1]:
            raise ValueError(f"speed must lie between {SPEEDS[0]} and {SPEEDS[-1]}")
        playing = self._playing
        if playing:
            self.pause()
        self._speed = speed
        if playing:
            self.play(self._direction)

    def set_loop(self, start_ms: int | None, end_ms: int | None = None) -> None:
        """Loop playback over [start, end); None turns looping off."""
        self._loop = None if start_ms is None or end_ms is None or end_ms <= start_ms else (start_ms, end_ms)

    def play_range(self, start_ms: int, end_ms: int) -> None:
        """Play [start, end) once and pause at its end (a segment with its context)."""
        self.pause()
        self.seek(start_ms)
        self._stop_at = min(end_ms, self._duration_ms)
        self.play()

    def seek(self, ms: float) -> None:
        """Show the frame at ``ms`` (exact) and continue playing from there if playing."""
        self._position = self._clamp(ms)
        if self._playing:
            self._clock.stop()
            self._clock.start(self._position, self._speed * self._direction)
        self._request_frame("time", self.position_ms)
        self.position_changed.emit(self.position_ms)

    def seek_frame(self, index: int) -> None:
        """Show frame ``index`` exactly, with the playhead at that frame's own time."""
        if self._worker is None or self._info is None:
            return
        self.pause()
        index = min(max(index, 0), self._info.frame_count - 1)
        self._show_frame(index, self._info.times.time_of_index(index))

    def jump(self, delta_ms: int) -> None:
        self.seek(self._position + delta_ms)

    def step(self, frames: int) -> None:
        """Pause and move by whole frames from the time shown: the playhead goes to the new frame's own time at once,
        but never against the step (see :meth:`FrameTimes.step`: ← before the first frame, → after the last)."""
        self.pause()
        if self._worker is None or self._info is None:
            self.jump(frames * 40)
            return
        self._show_frame(*self._info.times.step(self.position_ms, frames))

    def _show_frame(self, index: int, time_ms: int) -> None:
        """Put the playhead on ``time_ms`` and ask for frame ``index`` (the frame shown at that time)."""
        self._position = self._clamp(time_ms)
        self._request_frame("index", index)
        self.position_changed.emit(self.position_ms)

    def _clamp(self, ms: float) -> float:
        return min(max(ms, 0.0), float(max(self._duration_ms - 1, 0)))

    # -- ticks and frames --------------------------------------------------------------------------

    def _on_timer_tick(self) -> None:
        position = self._clock.position_ms()
        end = self._loop[1] if self._loop else (self._stop_at or self._duration_ms)
        start = self._loop[0] if self._loop else 0
        if self._direction > 0 and position >= end:
            if self._loop:
                self.seek(start)
                return
            self._pause_at(end)
            return
        if self._direction < 0 and position <= start:
            self._pause_at(start)
            return
        self._position = self._clamp(position)
        self._request_frame("time", self.position_ms)
        self.position_changed.emit(self.position_ms)

    def _request_frame(self, kind: str, value: int) -> None:
        """Ask the worker for a frame (latest request wins, so a slow decoder drops frames instead of
        drifting); the request just asked for is not asked again (ticks faster than frames)."""
        request = (kind, value)
        if self._worker is None or request == self._last_request:
            return
        self._last_request = request
        self._worker.submit(request)

    def _on_worker_ready(self, info: FrameSourceInfo) -> None:
        self._info = info
        self.video_opened.emit(info)

    def _on_worker_error(self, request: tuple[str, int], message: str) -> None:
        if request == self._last_request:
            self._last_request = None  # asking again may work
        self.error_occurred.emit(message)

    def _on_worker_result(self, request: tuple[str, int], frame: Frame) -> None:
        self._frame = frame
        self.frame_ready.emit(frame)
