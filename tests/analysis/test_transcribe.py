"""Transcription with the bundled offline tiny.en on speech synthesized by espeak-ng (real model, no network)."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

import jiwer
import numpy as np
import pytest
from scipy.signal import resample_poly

from analysis.progress import Cancelled
from analysis.transcribe import (
    RATE,
    Aligner,
    SegmentResult,
    TranscribeError,
    TranscribeOptions,
    WordTiming,
    chunk_bounds,
    load_model,
    resolve_model,
    snap_to_speech,
    transcribe_array,
    transcribe_in_child,
)
from app.demo.synth import Scene
from tests.helpers.media import SENTENCES as TALK_SENTENCES
from tests.helpers.media import require_espeak

SENTENCES = [*TALK_SENTENCES, "the early bird catches the worm", "knowledge is power"]
EDGE_MS = 100
"""Word times may pass a sentence's edge by this much: the voice-activity frames are 32 ms and its
hysteresis keeps a little of the trailing sound."""


def _normalized(text: str) -> list[str]:
    return re.sub(r"[^a-z' ]", " ", text.lower()).split()


class Spoken:
    def __init__(self) -> None:
        require_espeak()
        scene = Scene(seed=3)
        scene.silence(0.7)
        self.sentences = []
        for sentence in SENTENCES:
            event = scene.speech(sentence, level=0.5)
            self.sentences.append((event.start_ms, event.end_ms))
            scene.silence(1.0)
        self.audio = resample_poly(scene.samples(), RATE, scene.sample_rate).astype(np.float32)


@pytest.fixture(scope="module")
def spoken() -> Spoken:
    return Spoken()


@pytest.fixture(scope="module")
def model():  # a faster_whisper.WhisperModel
    return load_model(TranscribeOptions())


@pytest.fixture(scope="module")
def sequential(spoken: Spoken, model) -> list[SegmentResult]:
    found: list[SegmentResult] = []
    transcribe_array(spoken.audio, TranscribeOptions(), model, on_segment=found.append)
    return found


def _check_transcript(spoken: Spoken, segments: list[SegmentResult]) -> None:
    words = [w for segment in segments for w in segment.words]
    hypothesis = " ".join(" ".join(_normalized(w.word)) for w in words)
    wer = jiwer.wer(" ".join(SENTENCES), hypothesis)
    assert wer <= 0.15, (wer, hypothesis)
    starts = [w.start_ms for w in words]
    assert starts == sorted(starts)
    for word in words:
        assert word.start_ms <= word.end_ms
        # the word lies in one sentence's interval: the one that contains its middle
        middle = (word.start_ms + word.end_ms) / 2
        inside = [(a, b) for a, b in spoken.sentences if a - EDGE_MS <= middle <= b + EDGE_MS]
        assert len(inside) == 1, (word, spoken.sentences)
        a, b = inside[0]
        assert a - EDGE_MS <= word.start_ms and word.end_ms <= b + EDGE_MS, (word, (a, b))


@pytest.mark.slow
def test_bundled_tiny_en_transcribes_synthesized_english(spoken: Spoken, sequential: list[SegmentResult]) -> None:
    _check_transcript(spoken, sequential)
    for segment in sequential:
        assert segment.words[0].start_ms == segment.start_ms
        assert segment.words[-1].end_ms == segment.end_ms
        assert all(0.0 <= w.probability <= 1.0 for w in segment.words)


@pytest.mark.slow
def test_batched_mode(spoken: Spoken, model) -> None:
    found: list[SegmentResult] = []
    summary = transcribe_array(
        spoken.audio, TranscribeOptions(batched=True, batch_size=4), model, on_segment=found.append
    )
    _check_transcript(spoken, found)
    assert summary.language == "en"
    assert summary.segments == len(found)


@pytest.mark.slow
def test_the_child_process_gives_what_the_direct_call_gives(
    tmp_path: Path, spoken: Spoken, sequential: list[SegmentResult]
) -> None:
    path = tmp_path / "audio.npy"
    np.save(path, spoken.audio)
    streamed: list[SegmentResult] = []
    summary = transcribe_in_child(path, TranscribeOptions(), on_segment=streamed.append)
    assert streamed == sequential
    assert summary.segments == len(sequential)
    assert summary.language == "en"


class _CancelAfter:
    """Progress that asks to stop once ``segments`` segments have arrived; records when."""

    def __init__(self, box: list, segments: int = 1) -> None:
        self.box, self.segments = box, segments
        self.cancel_time: float | None = None

    def update(self, fraction: float, message: str = "") -> None:
        pass

    @property
    def cancelled(self) -> bool:
        if len(self.box) >= self.segments and self.cancel_time is None:
            self.cancel_time = time.monotonic()
        return self.cancel_time is not None


@pytest.mark.slow
def test_cancel_stops_the_child_within_a_second(tmp_path: Path, spoken: Spoken) -> None:
    # a long input (the talk four times) so that plenty is left to do when cancel comes
    path = tmp_path / "long.npy"
    np.save(path, np.tile(spoken.audio, 4))
    got: list[SegmentResult] = []
    progress = _CancelAfter(got)
    with pytest.raises(Cancelled):
        transcribe_in_child(path, TranscribeOptions(), on_segment=got.append, progress=progress)
    stopped = time.monotonic()
    assert len(got) == 1  # segments arrive one by one while the model still works
    assert progress.cancel_time is not None
    assert stopped - progress.cancel_time < 1.0
    import multiprocessing

    assert not [p for p in multiprocessing.active_children() if p.name == "salient-transcribe"]


def test_a_missing_model_or_audio_is_reported_before_any_work(tmp_path: Path) -> None:
    with pytest.raises(TranscribeError, match="unknown model 'enormous'"):
        resolve_model("enormous")
    folder = tmp_path / "not-a-model"
    folder.mkdir()
    with pytest.raises(TranscribeError, match="no model.bin"):
        resolve_model(str(folder))
    assert resolve_model("small").local is False
    bundled = resolve_model(None)
    assert bundled.english_only and bundled.local and Path(bundled.source, "model.bin").is_file()
    with pytest.raises(TranscribeError, match="missing"):
        transcribe_in_child(tmp_path / "nothing.npy", TranscribeOptions())


def test_an_english_only_model_refuses_another_language() -> None:
    with pytest.raises(TranscribeError, match="English-only"):
        load_model(TranscribeOptions(language="fr"))


def test_chunks_cover_the_audio_and_end_in_silence(spoken: Spoken) -> None:
    bounds = list(chunk_bounds(spoken.audio, 0, chunk_s=6.0))
    assert bounds[0][0] == 0 and bounds[-1][1] == len(spoken.audio)
    assert all(b0[1] == b1[0] for b0, b1 in zip(bounds, bounds[1:], strict=False))
    assert len(bounds) >= 3
    for _, cut in bounds[:-1]:
        t = cut * 1000 / RATE
        assert not any(a <= t <= b for a, b in spoken.sentences), (t, spoken.sentences)


@pytest.mark.slow
def test_chunk_boundaries_neither_lose_nor_repeat_words(spoken: Spoken, model) -> None:
    """Six-second chunks (the real ones are ten minutes) cut the talk at four pauses: every sentence is still
    transcribed once, in order. Such short chunks give the model little context, so the words themselves
    are less accurate than in one piece; the bound on the error says so."""
    found: list[SegmentResult] = []
    transcribe_array(spoken.audio, TranscribeOptions(chunk_s=6.0), model, on_segment=found.append)
    words = [w for segment in found for w in segment.words]
    assert all(w0.end_ms <= w1.start_ms for w0, w1 in zip(words, words[1:], strict=False))
    for (a, b), sentence in zip(spoken.sentences, SENTENCES, strict=True):
        inside = [w for w in words if a - EDGE_MS <= w.start_ms and w.end_ms <= b + EDGE_MS]
        assert len(sentence.split()) - 2 <= len(inside) <= len(sentence.split()) + 1, (sentence, inside)
    hypothesis = " ".join(" ".join(_normalized(w.word)) for w in words)
    assert jiwer.wer(" ".join(SENTENCES), hypothesis) <= 0.3


def test_transcription_starts_where_asked(spoken: Spoken, model) -> None:
    start_ms = spoken.sentences[4][0] - 300
    found: list[SegmentResult] = []
    summary = transcribe_array(spoken.audio, TranscribeOptions(), model, start_ms=start_ms, on_segment=found.append)
    assert summary.start_ms == start_ms
    assert found[0].start_ms >= start_ms
    text = " ".join(_normalized(" ".join(s.text for s in found)))
    assert text.startswith("actions speak louder")
    assert "glitters" not in text and "gold" not in text


def test_snap_to_speech_trims_words_reaching_into_silence() -> None:
    words = (
        WordTiming("The", 300, 1000, 0.9),  # starts 0.4 s before the speech
        WordTiming("dog.", 3100, 3900, 0.9),  # runs 0.5 s into the pause
        WordTiming("hm", 5000, 5200, 0.9),  # in no speech span: left alone
    )
    segment = SegmentResult(300, 5200, "The dog. hm", words)
    snapped = snap_to_speech(segment, [(700, 3400), (4400, 4900)])
    assert [(w.start_ms, w.end_ms) for w in snapped.words] == [(700, 1000), (3100, 3400), (5000, 5200)]
    assert (snapped.start_ms, snapped.end_ms) == (700, 5200)


def test_forced_alignment_places_corrected_words_where_they_are_spoken(
    spoken: Spoken,
    sequential: list[SegmentResult],
    model,
) -> None:
    aligner = Aligner(model=model)
    first = sequential[0]
    a, b = spoken.sentences[0]
    corrected = "The quick brown fox jumps over the lazy dog."
    words = aligner.align(spoken.audio, first.start_ms, first.end_ms, corrected)
    assert [w.word for w in words] == corrected.split()
    assert [w.start_ms for w in words] == sorted(w.start_ms for w in words)
    for word in words:
        assert a - 300 <= word.start_ms <= word.end_ms <= b + 300
    # the corrected word sits where the model heard its own version of it
    heard = {w.word.lower().strip(".,"): w for w in first.words}
    for name in ("brown", "fox", "lazy"):
        aligned = next(w for w in words if w.word.lower().strip(".,") == name)
        assert abs(aligned.start_ms - heard[name].start_ms) <= 150
    with pytest.raises(TranscribeError, match="cannot be aligned in one piece"):
        aligner.align(spoken.audio, 0, 40_000, "too long")


def test_the_npy_reader_reads_what_numpy_wrote(tmp_path: Path) -> None:
    from analysis.transcribe import NpyReader

    data = np.arange(100_000, dtype=np.float32) / 7
    np.save(tmp_path / "a.npy", data)
    reader = NpyReader(tmp_path / "a.npy")
    assert len(reader) == 100_000 and reader.dtype == np.float32
    assert np.array_equal(reader[12_345:67_890], data[12_345:67_890])
    assert np.array_equal(reader[99_990:100_010], data[99_990:])
    assert reader[5:5].shape == (0,)
    np.save(tmp_path / "b.npy", np.zeros((4, 2), np.float32))
    with pytest.raises(ValueError, match="1-D"):
        NpyReader(tmp_path / "b.npy")


@pytest.mark.slow
def test_a_finished_transcription_leaves_no_semaphore_behind(tmp_path: Path) -> None:
    """Issue 12 item 34: the child was terminated as soon as it had sent its result, while it shut down, and its
    libraries' semaphores were left to the resource tracker, which warned about them at quit. A subprocess on
    purpose: the warning comes at interpreter exit."""
    script = tmp_path / "run.py"
    script.write_text(
        "import numpy as np\n"
        "from analysis.transcribe import TranscribeOptions, transcribe_in_child\n"
        "if __name__ == '__main__':\n"
        f"    np.save({str(tmp_path / 'a.npy')!r}, np.zeros(16000 * 2, np.float32))\n"
        f"    transcribe_in_child({str(tmp_path / 'a.npy')!r}, TranscribeOptions())\n"
        "    print('done')\n"
    )
    root = Path(__file__).resolve().parents[2]
    done = subprocess.run(
        [sys.executable, str(script)], capture_output=True, text=True, timeout=120, cwd=root,
        env={**os.environ, "PYTHONPATH": str(root)},
    )  # fmt: skip
    assert done.returncode == 0 and done.stdout == "done\n", done.stderr
    assert "leaked semaphore" not in done.stderr


CUT_SHORT = """
import sys
import analysis.transcribe as transcribe
from analysis.progress import NullProgress

if __name__ == "__main__":
    if sys.argv[1] == "slow-exit":
        # the command line, on a machine where the finished child takes longer to exit than it is given
        transcribe.CHILD_EXIT_S = 0.0
        from app.entry import main

        sys.exit(main(["transcribe", sys.argv[2]]))

    class CancelAtFirstSegment(NullProgress):  # Cancel (or Ctrl+C) while the model is transcribing
        cancelled = False

    progress = CancelAtFirstSegment()

    def on_segment(segment):
        progress.cancelled = True

    try:
        transcribe.transcribe_in_child(sys.argv[2], transcribe.TranscribeOptions(), 0, on_segment, progress)
    except transcribe.Cancelled:
        print("cancelled")
"""


@pytest.mark.slow
@pytest.mark.parametrize("how", ["slow-exit", "cancelled"])
def test_a_transcription_cut_short_leaves_no_semaphore_behind(tmp_path: Path, talk_video: Path, how: str) -> None:
    """Issue 13 item 12: a child ended before it exits by itself (it took too long after its result, or the
    transcription was cancelled) left the semaphore of tqdm's lock to the resource tracker, which warned about
    it at quit. A subprocess on purpose: the warning comes at interpreter exit."""
    from analysis import media

    script = tmp_path / "run.py"
    script.write_text(CUT_SHORT)
    if how == "slow-exit":
        target = str(shutil.copy(talk_video, tmp_path / "talk.mp4"))
    else:
        media.load_audio(talk_video, tmp_path, "talk")
        target = str(media.audio_cache_path(tmp_path, "talk"))
    root = Path(__file__).resolve().parents[2]
    done = subprocess.run(
        [sys.executable, str(script), how, target], capture_output=True, text=True, timeout=240, cwd=root,
        env={**os.environ, "PYTHONPATH": str(root)},
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert ("The quick brown fox" in done.stdout) if how == "slow-exit" else (done.stdout == "cancelled\n")
    assert "leaked semaphore" not in done.stderr
