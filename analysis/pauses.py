"""Pauses: speech/silence segmentation with Silero VAD (the ONNX model faster-whisper ships), or energy.

A pause is a silence between two stretches of speech that lasts at least ``min_pause_ms``; the silence
before the first and after the last word is not a pause. Metrics follow what discourse analysts count:
number, total, mean, median and longest pause, pauses per minute, and the share of time spent speaking.
"""

from __future__ import annotations

import bisect
import importlib.util
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum
from functools import lru_cache
from pathlib import Path

import numpy as np

from analysis.progress import NullProgress, Progress, check

log = logging.getLogger(__name__)

VAD_RATE = 16_000
VAD_WINDOW = 512
"""Silero v6 scores 32 ms windows at 16 kHz, each seen with the 64 samples before it."""
_VAD_CONTEXT = 64
_VAD_BLOCK = 10_000
"""Windows per model call; the recurrent state is carried from one call to the next."""
_ENERGY_FRAME_MS = 20


class PauseMethod(StrEnum):
    """How speech is told from silence: Silero VAD (the default), or a plain energy threshold."""

    SILERO = "silero"
    ENERGY = "energy"


@dataclass(frozen=True, slots=True)
class Span:
    """A stretch of time in milliseconds."""

    start_ms: int
    end_ms: int

    @property
    def duration_ms(self) -> int:
        """Length of the span in ms."""
        return self.end_ms - self.start_ms


@dataclass(frozen=True, slots=True)
class PauseMetrics:
    """What discourse analysts count about pauses; durations in ms, the pause figures 0 when there is none."""

    count: int
    total_ms: int
    mean_ms: float
    median_ms: float
    longest_ms: int
    per_minute: float
    speech_ratio: float
    """Share of the whole duration covered by speech."""


@dataclass(frozen=True, slots=True)
class PauseResult:
    """Speech and the pauses between it, in time order, with their metrics."""

    method: str
    """The method that actually ran: ``silero``, or ``energy`` (chosen, or as a fallback)."""
    speech: tuple[Span, ...]
    pauses: tuple[Span, ...]
    metrics: PauseMetrics


@dataclass(frozen=True, slots=True)
class PauseContext:
    """The nearest pause that ends before a moment and the nearest that starts after it."""

    before: Span | None
    after: Span | None


class VadUnavailable(RuntimeError):
    """The Silero model or onnxruntime is missing; the energy method is used instead."""


def silero_model_path() -> Path:
    """The Silero VAD ONNX file inside the installed faster-whisper package (without importing it)."""
    spec = importlib.util.find_spec("faster_whisper")
    if spec is None or not spec.submodule_search_locations:
        raise VadUnavailable("faster-whisper is not installed, so its Silero VAD model is missing")
    path = Path(next(iter(spec.submodule_search_locations))) / "assets" / "silero_vad_v6.onnx"
    if not path.exists():
        raise VadUnavailable(f"the Silero VAD model is missing from faster-whisper ({path})")
    return path


@lru_cache(maxsize=1)
def _silero_session():  # onnxruntime's type is only known once imported
    try:
        import onnxruntime
    except ImportError as exc:
        raise VadUnavailable("onnxruntime is not installed") from exc
    options = onnxruntime.SessionOptions()
    options.inter_op_num_threads = 1
    options.intra_op_num_threads = 1
    options.log_severity_level = 4
    return onnxruntime.InferenceSession(
        str(silero_model_path()), providers=["CPUExecutionProvider"], sess_options=options
    )


def speech_probabilities(samples: np.ndarray, progress: Progress | None = None) -> np.ndarray:
    """Silero's speech probability for each 32 ms window of 16 kHz audio.

    Same inputs as faster-whisper's own wrapper (each window with the 64 samples before it, state carried
    across blocks of 10 000 windows), run block by block so progress is reported and cancel is honoured.
    """
    progress = progress or NullProgress()
    session = _silero_session()
    n = int(samples.shape[0])
    windows = -(-n // VAD_WINDOW)
    probabilities = np.empty(windows, dtype=np.float32)
    state_h = np.zeros((1, 1, 128), dtype=np.float32)
    state_c = np.zeros((1, 1, 128), dtype=np.float32)
    context = np.zeros(_VAD_CONTEXT, dtype=np.float32)
    for first in range(0, windows, _VAD_BLOCK):
        check(progress)
        last = min(windows, first + _VAD_BLOCK)
        block = np.zeros((last - first) * VAD_WINDOW, dtype=np.float32)
        chunk = np.asarray(samples[first * VAD_WINDOW : last * VAD_WINDOW], dtype=np.float32)
        block[: chunk.shape[0]] = chunk
        rows = block.reshape(-1, VAD_WINDOW)
        contexts = np.vstack((context[None, :], rows[:-1, -_VAD_CONTEXT:]))
        batch = np.concatenate((contexts, rows), axis=1)
        output, state_h, state_c = session.run(None, {"input": batch, "h": state_h, "c": state_c})
        probabilities[first:last] = np.asarray(output).reshape(-1)
        context = rows[-1, -_VAD_CONTEXT:].copy()
        progress.update(last / windows, "detecting speech")
    return probabilities


def _hysteresis(probabilities: np.ndarray, on: float, off: float) -> np.ndarray:
    """Speech starts at a window ≥ ``on`` and lasts until a window < ``off``."""
    mask = np.zeros(probabilities.shape[0], dtype=bool)
    speaking = False
    for index, p in enumerate(probabilities.tolist()):
        if speaking:
            speaking = p >= off
        else:
            speaking = p >= on
        mask[index] = speaking
    return mask


def _energy_mask(samples: np.ndarray, sample_rate: int) -> tuple[np.ndarray, int]:
    """Frames louder than a threshold set between the noise floor and the speech level (in dB)."""
    frame = sample_rate * _ENERGY_FRAME_MS // 1000
    count = samples.shape[0] // frame
    frames = np.asarray(samples[: count * frame], dtype=np.float32).reshape(count, frame)
    level = 10 * np.log10(np.maximum(np.einsum("ij,ij->i", frames, frames) / frame, 1e-12))
    floor, loud = np.percentile(level, [10, 95]) if count else (0.0, 0.0)
    threshold = max(floor + 0.3 * (loud - floor), floor + 6.0)
    return level > threshold, frame


def _spans(mask: np.ndarray, step_samples: int, sample_rate: int, total_ms: int) -> list[Span]:
    padded = np.concatenate(([False], mask, [False])).astype(np.int8)
    edges = np.flatnonzero(np.diff(padded))
    spans = []
    for start, end in zip(edges[::2], edges[1::2], strict=True):
        start_ms = round(int(start) * step_samples * 1000 / sample_rate)
        end_ms = min(total_ms, round(int(end) * step_samples * 1000 / sample_rate))
        spans.append(Span(start_ms, end_ms))
    return spans


def _tidy(speech: list[Span], min_pause_ms: int, min_speech_ms: int) -> list[Span]:
    """Bridge silences shorter than a pause, then drop speech too short to be a word."""
    merged: list[Span] = []
    for span in speech:
        if merged and span.start_ms - merged[-1].end_ms < min_pause_ms:
            merged[-1] = Span(merged[-1].start_ms, span.end_ms)
        else:
            merged.append(span)
    return [span for span in merged if span.duration_ms >= min_speech_ms]


def pause_metrics(speech: Sequence[Span], pauses: Sequence[Span], duration_ms: int) -> PauseMetrics:
    """Count, total, mean, median and longest pause, pauses per minute and speech share over ``duration_ms``."""
    lengths = np.array([pause.duration_ms for pause in pauses], dtype=np.float64)
    spoken = sum(span.duration_ms for span in speech)
    minutes = duration_ms / 60_000
    return PauseMetrics(
        count=len(pauses),
        total_ms=int(lengths.sum()),
        mean_ms=float(lengths.mean()) if len(pauses) else 0.0,
        median_ms=float(np.median(lengths)) if len(pauses) else 0.0,
        longest_ms=int(lengths.max()) if len(pauses) else 0,
        per_minute=len(pauses) / minutes if minutes > 0 else 0.0,
        speech_ratio=spoken / duration_ms if duration_ms > 0 else 0.0,
    )


def detect_pauses(
    samples: np.ndarray,
    sample_rate: int = VAD_RATE,
    min_pause_ms: int = 250,
    method: PauseMethod | str = PauseMethod.SILERO,
    progress: Progress | None = None,
    threshold: float = 0.5,
    min_speech_ms: int = 100,
) -> PauseResult:
    """Segment speech and silence, and return the pauses between stretches of speech."""
    progress = progress or NullProgress()
    method = PauseMethod(method)
    total_ms = round(samples.shape[0] * 1000 / sample_rate)
    if method is PauseMethod.SILERO:
        if sample_rate != VAD_RATE:
            raise ValueError(f"Silero VAD needs {VAD_RATE} Hz audio (got {sample_rate} Hz)")
        try:
            probabilities = speech_probabilities(samples, progress)
        except VadUnavailable as exc:
            log.warning("Silero VAD unavailable (%s); using the energy threshold instead", exc)
            method = PauseMethod.ENERGY
        else:
            mask = _hysteresis(probabilities, threshold, max(threshold - 0.15, 0.01))
            raw = _spans(mask, VAD_WINDOW, sample_rate, total_ms)
    if method is PauseMethod.ENERGY:
        check(progress)
        mask, frame = _energy_mask(samples, sample_rate)
        raw = _spans(mask, frame, sample_rate, total_ms)
    speech = _tidy(raw, min_pause_ms, min_speech_ms)
    pauses = [Span(a.end_ms, b.start_ms) for a, b in zip(speech, speech[1:], strict=False)]
    progress.update(1.0, "pauses found")
    return PauseResult(method.value, tuple(speech), tuple(pauses), pause_metrics(speech, pauses, total_ms))


def pause_context(moment_ms: int, pauses: Sequence[Span]) -> PauseContext:
    """The pause that ends last at or before ``moment_ms`` and the first that starts at or after it.

    ``pauses`` are in time order and do not overlap, as :func:`detect_pauses` returns them.
    """
    return PauseIndex(pauses).context(moment_ms)


class PauseIndex:
    """The pauses of a media made ready for many :func:`pause_context` look-ups: each one is a bisection, so the
    context of every segment of a long recording costs O(n log n), not O(segments × pauses)."""

    def __init__(self, pauses: Sequence[Span]) -> None:
        self._pauses = tuple(pauses)
        self._ends = [pause.end_ms for pause in self._pauses]
        self._starts = [pause.start_ms for pause in self._pauses]

    def context(self, moment_ms: int) -> PauseContext:
        """What :func:`pause_context` says of ``moment_ms``."""
        pauses = self._pauses
        before = bisect.bisect_right(self._ends, moment_ms)
        after = bisect.bisect_left(self._starts, moment_ms)
        return PauseContext(pauses[before - 1] if before else None, pauses[after] if after < len(pauses) else None)
