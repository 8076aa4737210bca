"""Pauses from real synthesized speech with known gaps: Silero VAD, the energy fallback, metrics."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from analysis import media, pauses
from analysis.pauses import PauseMethod, Span
from analysis.progress import Cancelled, NullProgress
from app.demo.synth import Scene, write_media
from tests.helpers.media import SENTENCES, interior_silences, require_espeak

GAPS_S = [0.3, 0.5, 0.8, 1.2, 2.0]


@pytest.fixture(scope="module")
def spoken(tmp_path_factory: pytest.TempPathFactory) -> tuple[np.ndarray, Scene]:
    """Six sentences separated by gaps of 0.3 to 2 s, through an AAC file and back."""
    require_espeak()
    scene = Scene(seed=9)
    scene.silence(0.4)
    for sentence, gap in zip(SENTENCES, [*GAPS_S, 0.4], strict=True):
        scene.speech(sentence)
        scene.silence(gap)
    path = write_media(tmp_path_factory.mktemp("speech") / "speech.m4a", scene.samples(), video_size=None)
    return media.decode_audio(path), scene


def assert_pauses_match(found: tuple[Span, ...], expected: list[tuple[int, int]], tolerance_ms: int = 100) -> None:
    assert len(found) == len(expected), (found, expected)
    for span, (start, end) in zip(found, expected, strict=True):
        assert abs(span.start_ms - start) <= tolerance_ms, (span, start, end)
        assert abs(span.end_ms - end) <= tolerance_ms, (span, start, end)


@pytest.mark.parametrize("method", [PauseMethod.SILERO, PauseMethod.ENERGY])
def test_gaps_between_sentences_are_the_pauses(spoken: tuple[np.ndarray, Scene], method: PauseMethod) -> None:
    samples, scene = spoken
    result = pauses.detect_pauses(samples, min_pause_ms=250, method=method)
    assert result.method == method.value
    assert_pauses_match(result.pauses, interior_silences(scene))
    speech = scene.of_kind("speech")
    assert abs(result.speech[0].start_ms - speech[0].start_ms) <= 100
    assert abs(result.speech[-1].end_ms - speech[-1].end_ms) <= 100


def test_minimum_pause_length_filters_shorter_gaps(spoken: tuple[np.ndarray, Scene]) -> None:
    samples, scene = spoken
    result = pauses.detect_pauses(samples, min_pause_ms=700)
    expected = [(s, e) for s, e in interior_silences(scene) if e - s >= 700]
    assert_pauses_match(result.pauses, expected)
    assert len(expected) == 3


def test_metrics_describe_the_pauses(spoken: tuple[np.ndarray, Scene]) -> None:
    samples, scene = spoken
    result = pauses.detect_pauses(samples)
    lengths = np.array([p.duration_ms for p in result.pauses])
    duration_ms = round(len(samples) / 16)
    metrics = result.metrics
    assert metrics.count == len(GAPS_S)
    assert metrics.total_ms == lengths.sum()
    assert metrics.mean_ms == pytest.approx(lengths.mean())
    assert metrics.median_ms == pytest.approx(np.median(lengths))
    assert metrics.longest_ms == lengths.max()
    assert metrics.per_minute == pytest.approx(len(GAPS_S) / (duration_ms / 60_000))
    spoken_ms = sum(s.duration_ms for s in result.speech)
    assert metrics.speech_ratio == pytest.approx(spoken_ms / duration_ms)
    assert abs(metrics.longest_ms - 2000) <= 150
    assert abs(metrics.total_ms - sum(GAPS_S) * 1000) <= 5 * 150


def test_pauses_in_the_talk_video(talk_video: Path, talk_scene: Scene) -> None:
    samples = media.decode_audio(talk_video)
    result = pauses.detect_pauses(samples)
    assert_pauses_match(result.pauses, interior_silences(talk_scene))


@pytest.mark.slow
def test_blockwise_probabilities_equal_faster_whispers_own_call() -> None:
    from faster_whisper.vad import get_vad_model

    scene = Scene(seed=3)
    for _ in range(45):
        scene.speech(duration_s=7.0)
        scene.silence(1.0)
    audio16 = scene.samples()[::3].copy()
    audio16 = audio16[: len(audio16) // 512 * 512]
    assert len(audio16) / 512 > 10_000, "must span more than one block to test the carried state"
    ours = pauses.speech_probabilities(audio16)
    theirs = np.asarray(get_vad_model()(audio16)).reshape(-1)
    np.testing.assert_allclose(ours, theirs, atol=1e-5)


def test_energy_is_the_fallback_when_silero_is_unavailable(spoken: tuple[np.ndarray, Scene], monkeypatch) -> None:
    def unavailable() -> None:
        raise pauses.VadUnavailable("onnxruntime is not installed")

    monkeypatch.setattr(pauses, "_silero_session", unavailable)
    samples, scene = spoken
    result = pauses.detect_pauses(samples)
    assert result.method == "energy"
    assert_pauses_match(result.pauses, interior_silences(scene))


def test_cancel_stops_the_vad() -> None:
    progress = NullProgress()
    progress.cancel()
    with pytest.raises(Cancelled):
        pauses.detect_pauses(np.zeros(16_000 * 5, np.float32), progress=progress)


def test_pause_context_finds_the_nearest_pauses() -> None:
    found = (Span(1000, 1500), Span(3000, 3400), Span(6000, 7000))
    assert pauses.pause_context(2000, found) == pauses.PauseContext(Span(1000, 1500), Span(3000, 3400))
    assert pauses.pause_context(500, found) == pauses.PauseContext(None, Span(1000, 1500))
    assert pauses.pause_context(7000, found) == pauses.PauseContext(Span(6000, 7000), None)
    assert pauses.pause_context(3200, found) == pauses.PauseContext(Span(1000, 1500), Span(6000, 7000))
    assert pauses.pause_context(100, ()) == pauses.PauseContext(None, None)
