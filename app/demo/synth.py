"""Synthesized media with known content, for the demo, the tests and the benchmarks.

A :class:`Scene` is built piece by piece (speech, silence, loud bursts, moving shapes) and remembers
exactly when each piece starts and ends, so an analysis of the written file can be checked against it.
Speech comes from espeak-ng when it is installed, otherwise from speech-like modulated noise.
"""

from __future__ import annotations

import io
import shutil
import subprocess
import wave
from collections.abc import Iterator
from dataclasses import dataclass, field
from fractions import Fraction
from pathlib import Path

import av
import numpy as np
from scipy.signal import resample_poly

SCENE_RATE = 48_000


@dataclass(frozen=True, slots=True)
class Event:
    """One piece of a scene, in milliseconds of media time."""

    kind: str
    """``speech``, ``silence``, ``burst`` or ``motion``."""
    start_ms: int
    end_ms: int
    peak_ms: int | None = None
    """For a burst: the time of its loudest sample."""


def espeak_available() -> bool:
    """Whether espeak-ng is on the PATH; without it, :meth:`Scene.speech` writes speech-like noise."""
    return shutil.which("espeak-ng") is not None


def espeak(text: str, sample_rate: int = SCENE_RATE, voice: str = "en", words_per_minute: int = 160) -> np.ndarray:
    """Speak ``text`` with espeak-ng; leading and trailing silence is trimmed so timings are exact."""
    result = subprocess.run(
        ["espeak-ng", "-v", voice, "-s", str(words_per_minute), "--stdout", text],
        capture_output=True,
        check=True,
    )
    with wave.open(io.BytesIO(result.stdout)) as wav:
        rate = wav.getframerate()
        raw = wav.readframes(wav.getnframes())
    samples = np.frombuffer(raw, dtype="<i2").astype(np.float32) / 32768.0
    loud = np.flatnonzero(np.abs(samples) > 0.02 * np.abs(samples).max())
    samples = samples[loud[0] : loud[-1] + 1]
    samples = resample_poly(samples, sample_rate, rate).astype(np.float32)
    return samples * (0.5 / max(float(np.abs(samples).max()), 1e-6))


def speech_like(duration_s: float, sample_rate: int, rng: np.random.Generator) -> np.ndarray:
    """Noise shaped like speech: a voiced buzz and noise, modulated at syllable rate (about 4 Hz)."""
    n = int(round(duration_s * sample_rate))
    t = np.arange(n) / sample_rate
    pitch = 120 + 30 * np.sin(2 * np.pi * 0.7 * t)
    voiced = np.sign(np.sin(2 * np.pi * np.cumsum(pitch) / sample_rate)) * 0.3
    noise = rng.standard_normal(n) * 0.15
    syllables = 0.5 * (1 - np.cos(2 * np.pi * 4.0 * t + rng.uniform(0, np.pi)))
    signal = (voiced + noise) * syllables
    fade = min(n // 2, int(0.01 * sample_rate))
    if fade:
        ramp = np.linspace(0, 1, fade)
        signal[:fade] *= ramp
        signal[-fade:] *= ramp[::-1]
    return (signal * 0.5 / max(float(np.abs(signal).max()), 1e-6)).astype(np.float32)


def burst(duration_s: float, sample_rate: int, amplitude: float, rng: np.random.Generator) -> tuple[np.ndarray, int]:
    """A loud tone-and-noise burst with a triangular envelope; returns it and the index of its loudest sample."""
    n = int(round(duration_s * sample_rate))
    t = np.arange(n) / sample_rate
    envelope = 1 - np.abs(np.linspace(-1, 1, n))
    carrier = 0.7 * np.sin(2 * np.pi * 440 * t) + 0.3 * rng.uniform(-1, 1, n)
    signal = (amplitude * envelope * carrier).astype(np.float32)
    return signal, int(np.argmax(np.abs(signal)))


@dataclass
class Scene:
    """Audio built in time order, with the video's moving-shape intervals, and the log of what is where."""

    sample_rate: int = SCENE_RATE
    seed: int = 7
    events: list[Event] = field(default_factory=list)
    _chunks: list[np.ndarray] = field(default_factory=list)
    _length: int = 0

    def __post_init__(self) -> None:
        self.rng = np.random.default_rng(self.seed)

    @property
    def duration_ms(self) -> int:
        """Length of the audio built so far, in ms."""
        return round(self._length * 1000 / self.sample_rate)

    def _ms(self, samples: int) -> int:
        return round(samples * 1000 / self.sample_rate)

    def _append(self, kind: str, samples: np.ndarray, peak_index: int | None = None) -> Event:
        start = self._length
        self._chunks.append(samples.astype(np.float32))
        self._length += samples.shape[0]
        peak = None if peak_index is None else self._ms(start + peak_index)
        event = Event(kind, self._ms(start), self._ms(self._length), peak)
        self.events.append(event)
        return event

    def speech(self, text: str | None = None, duration_s: float = 2.0, level: float = 1.0) -> Event:
        """Spoken ``text`` (espeak-ng) or, without espeak-ng or text, speech-like noise; ``level`` scales it."""
        if text is not None and espeak_available():
            return self._append("speech", espeak(text, self.sample_rate) * level)
        return self._append("speech", speech_like(duration_s, self.sample_rate, self.rng) * level)

    def silence(self, duration_s: float, noise_floor: float = 0.0005) -> Event:
        """Near-silence: Gaussian noise of standard deviation ``noise_floor``, as a quiet room records it."""
        n = int(round(duration_s * self.sample_rate))
        return self._append("silence", (self.rng.standard_normal(n) * noise_floor).astype(np.float32))

    def burst(self, duration_s: float = 0.3, amplitude: float = 0.95) -> Event:
        """A loud burst (see :func:`burst`); the event records the time of its loudest sample."""
        signal, peak = burst(duration_s, self.sample_rate, amplitude, self.rng)
        return self._append("burst", signal, peak)

    def motion(self, start_ms: int, end_ms: int) -> Event:
        """Mark an interval in which the video's square moves (it stands still elsewhere)."""
        event = Event("motion", start_ms, end_ms)
        self.events.append(event)
        return event

    def samples(self) -> np.ndarray:
        """The audio built so far, mono float32 at ``sample_rate``."""
        return np.concatenate(self._chunks) if self._chunks else np.zeros(0, np.float32)

    def of_kind(self, kind: str) -> list[Event]:
        """The events of one kind (``speech``, ``silence``, ``burst``, ``motion``), in the order they were added."""
        return [event for event in self.events if event.kind == kind]


def square_frames(
    duration_ms: int, fps: int, width: int, height: int, motion: list[Event], speed_px_s: float = 160.0
) -> Iterator[np.ndarray]:
    """RGB frames of a light square on a dark textured background that moves only inside ``motion``."""
    rng = np.random.default_rng(3)
    background = (40 + rng.integers(0, 30, (height, width, 1))).astype(np.uint8).repeat(3, axis=2)
    side = max(8, height // 6)
    travel = max(1, width - side)
    position = 0.0
    frame_count = int(duration_ms * fps / 1000)
    for index in range(frame_count):
        t_ms = index * 1000 / fps
        if any(event.start_ms <= t_ms < event.end_ms for event in motion):
            position += speed_px_s / fps
        x = int(position) % (2 * travel)
        x = x if x < travel else 2 * travel - x
        y = (height - side) // 2
        frame = background.copy()
        frame[y : y + side, x : x + side] = (230, 200, 60)
        yield frame


_AUDIO_CODECS = {
    ".wav": "pcm_s16le",
    ".mp3": "libmp3lame",
    ".flac": "flac",
    ".ogg": "libopus",
    ".webm": "libopus",
    ".mkv": "aac",
    ".avi": "pcm_s16le",
}
"""The audio codec each container suffix gets when none is asked for; AAC for any other suffix."""
_VIDEO_CODECS = {".webm": "libvpx", ".avi": "mpeg4"}
"""Suffixes whose container needs a video codec other than the one asked for."""


def write_media(
    path: str | Path,
    audio: np.ndarray | None,
    sample_rate: int = SCENE_RATE,
    *,
    duration_ms: int | None = None,
    video_size: tuple[int, int] | None = (320, 240),
    fps: int = 25,
    motion: list[Event] | None = None,
    channels: int = 2,
    audio_codec: str | None = None,
    video_codec: str = "libx264",
    faststart: bool = False,
    frames: Iterator[np.ndarray] | None = None,
    rotation: int = 0,
) -> Path:
    """Write a media file with PyAV: video of a moving square and/or the given audio.

    ``video_size=None`` writes audio only, ``audio=None`` writes video only. The container follows the
    suffix (.mp4, .mkv, .webm, .mov, .avi, .wav, .mp3, .m4a, .flac, .ogg …). ``frames`` (RGB arrays of
    ``video_size``) replaces the moving square. ``rotation`` (degrees counter-clockwise, a multiple of 90)
    stores the pictures turned the other way with a display matrix, as phones store portrait video: shown
    upright by a player that honours it, sideways by one that does not.
    """
    path = Path(path)
    suffix = path.suffix.lower()
    if duration_ms is None:
        if audio is None:
            raise ValueError("a video-only file needs duration_ms")
        duration_ms = round(audio.shape[0] * 1000 / sample_rate)
    codec = audio_codec or _AUDIO_CODECS.get(suffix, "aac")
    vcodec = _VIDEO_CODECS.get(suffix, video_codec)
    options = {"movflags": "+faststart"} if faststart else {}
    with av.open(str(path), "w", options=options) as container:
        turns = -rotation // 90 % 4
        if video_size is not None and turns % 2:
            stored_size = (video_size[1], video_size[0])
        else:
            stored_size = video_size
        vstream = _add_video_stream(container, vcodec, fps, stored_size) if stored_size is not None else None
        if vstream is not None and turns:
            vstream.set_display_rotation(rotation)
        astream = _add_audio_stream(container, codec, sample_rate, channels) if audio is not None else None
        audio_frames = _audio_frames(astream, audio, channels) if astream is not None else iter(())
        if vstream is None:
            frames = iter(())
        elif frames is None:
            frames = square_frames(duration_ms, fps, video_size[0], video_size[1], motion or [])
        if turns:
            frames = (np.ascontiguousarray(np.rot90(rgb, turns)) for rgb in frames)
        _mux_interleaved(container, vstream, astream, frames, audio_frames, fps, sample_rate)
    return path


def _add_video_stream(
    container: av.container.OutputContainer, codec: str, fps: int, size: tuple[int, int]
) -> av.video.stream.VideoStream:
    """A yuv420p video stream of ``size`` (width, height); x264 gets its fastest preset and a keyframe every 2 s."""
    stream = container.add_stream(codec, rate=fps)
    stream.width, stream.height = size
    stream.pix_fmt = "yuv420p"
    if codec == "libx264":
        stream.options = {"preset": "ultrafast", "g": str(fps * 2)}
    return stream


def _add_audio_stream(
    container: av.container.OutputContainer, codec: str, sample_rate: int, channels: int
) -> av.audio.stream.AudioStream:
    """A stereo (``channels`` 2) or mono audio stream; raises ValueError for Opus at a rate other than 48 kHz."""
    if codec == "libopus" and sample_rate != 48_000:
        raise ValueError("Opus needs 48 kHz audio")
    stream = container.add_stream(codec, rate=sample_rate)
    stream.layout = "stereo" if channels == 2 else "mono"
    return stream


def _mux_interleaved(
    container: av.container.OutputContainer,
    vstream: av.video.stream.VideoStream | None,
    astream: av.audio.stream.AudioStream | None,
    frames: Iterator[np.ndarray],
    audio_frames: Iterator[av.AudioFrame],
    fps: int,
    sample_rate: int,
) -> None:
    """Encode the RGB ``frames`` and the audio frames in time order, then flush both encoders.

    Audio due by a video frame's time is written before it, so the muxer never buffers a whole stream.
    """
    pending_audio = next(audio_frames, None)
    for index, rgb in enumerate(frames):
        t = index / fps
        while pending_audio is not None and pending_audio.pts / sample_rate <= t:
            container.mux(astream.encode(pending_audio))
            pending_audio = next(audio_frames, None)
        frame = av.VideoFrame.from_ndarray(rgb, format="rgb24")
        frame.pts = index
        frame.time_base = Fraction(1, fps)
        container.mux(vstream.encode(frame))
    while pending_audio is not None:
        container.mux(astream.encode(pending_audio))
        pending_audio = next(audio_frames, None)
    if vstream is not None:
        container.mux(vstream.encode(None))
    if astream is not None:
        container.mux(astream.encode(None))


def _audio_frames(
    stream: av.audio.stream.AudioStream, audio: np.ndarray, channels: int, first_sample: int = 0
) -> Iterator[av.AudioFrame]:
    """Cut mono float audio into encoder-sized frames in the encoder's sample format.

    ``first_sample`` is the stream position of ``audio[0]``, for writing long audio chunk by chunk.
    """
    ctx = stream.codec_context
    fmt = ctx.format.name if ctx.format is not None else "fltp"
    size = ctx.frame_size or 1024
    layout = "stereo" if channels == 2 else "mono"
    clipped = np.clip(audio, -1.0, 1.0)
    for start in range(0, clipped.shape[0], size):
        block = clipped[start : start + size]
        planes = np.repeat(block[None, :], channels, axis=0)
        if fmt.startswith("s16"):
            data = (planes * 32767).astype(np.int16)
        elif fmt.startswith("s32"):
            data = (planes * 2147483647).astype(np.int32)
        else:
            data = planes.astype(np.float32)
        if not fmt.endswith("p"):
            data = data.T.reshape(1, -1)
        frame = av.AudioFrame.from_ndarray(np.ascontiguousarray(data), format=fmt, layout=layout)
        frame.sample_rate = stream.sample_rate
        frame.pts = first_sample + start
        frame.time_base = Fraction(1, stream.sample_rate)
        yield frame


def write_long_audio(
    path: str | Path,
    chunks: Iterator[np.ndarray],
    sample_rate: int = SCENE_RATE,
    channels: int = 2,
    codec: str = "aac",
) -> Path:
    """Encode mono chunks one after the other into an audio file, never holding the whole signal."""
    path = Path(path)
    with av.open(str(path), "w") as container:
        stream = container.add_stream(codec, rate=sample_rate)
        stream.layout = "stereo" if channels == 2 else "mono"
        position = 0
        remainder = np.zeros(0, np.float32)
        size = stream.codec_context.frame_size or 1024
        for chunk in chunks:
            block = np.concatenate((remainder, chunk.astype(np.float32)))
            whole = block.shape[0] // size * size
            for frame in _audio_frames(stream, block[:whole], channels, position):
                container.mux(stream.encode(frame))
            position += whole
            remainder = block[whole:]
        for frame in _audio_frames(stream, remainder, channels, position):
            container.mux(stream.encode(frame))
        container.mux(stream.encode(None))
    return path


def _texture(height: int, width: int, seed: int) -> np.ndarray:
    """Blurred grey noise as RGB: texture everywhere, so optical flow is defined at every pixel."""
    import cv2

    noise = np.random.default_rng(seed).integers(0, 256, (height, width), dtype=np.uint8)
    return np.dstack([cv2.GaussianBlur(noise, (3, 3), 0)] * 3)


@dataclass(frozen=True)
class MotionScript:
    """What a generated motion video shows: a textured square (side ``side`` px) over a textured
    background, moving horizontally at ``speed_px_s`` during ``moves`` [(start_s, end_s, signed speed)],
    a hard cut to another background at ``cut_s``, and a zoom into a third picture from ``zoom_s`` on."""

    width: int = 640
    height: int = 360
    fps: int = 25
    duration_s: float = 14.0
    side: int = 200
    moves: tuple[tuple[float, float, float], ...] = ((2.0, 4.0, 150.0), (6.0, 7.0, -300.0))
    cut_s: float | None = 9.0
    zoom: tuple[float, float, float] | None = (11.0, 13.0, 0.25)
    """start, end, scale change per second"""

    def frames(self) -> Iterator[np.ndarray]:
        """The RGB frames of the script, ``width``×``height`` at ``fps``, generated one at a time."""
        import cv2

        w, h = self.width, self.height
        background = _texture(h, w, 1)
        square = _texture(self.side, self.side, 2)
        after_cut = (_texture(h, w, 3) // 3 + 150).astype(np.uint8)
        far = _texture(2 * h, 2 * w, 4)
        x = 50.0
        top = (h - self.side) // 2
        for index in range(round(self.duration_s * self.fps)):
            t = index / self.fps
            for start, end, speed in self.moves:
                if start <= t < end:
                    x += speed / self.fps
            if self.zoom is not None and t >= self.zoom[0]:
                scale = 1.0 + self.zoom[2] * (min(t, self.zoom[1]) - self.zoom[0])
                matrix = cv2.getRotationMatrix2D((w, h), 0, scale)
                yield cv2.warpAffine(far, matrix, (2 * w, 2 * h))[h // 2 : h // 2 + h, w // 2 : w // 2 + w].copy()
                continue
            frame = (after_cut if self.cut_s is not None and t >= self.cut_s else background).copy()
            left = int(round(x))
            frame[top : top + self.side, left : left + self.side] = square
            yield frame

    def write(self, path: str | Path, audio: np.ndarray | None = None, sample_rate: int = SCENE_RATE) -> Path:
        """Write the script's video, with ``audio`` when given, to ``path`` (see :func:`write_media`)."""
        return write_media(
            path,
            audio,
            sample_rate,
            duration_ms=round(self.duration_s * 1000),
            video_size=(self.width, self.height),
            fps=self.fps,
            frames=self.frames(),
        )
