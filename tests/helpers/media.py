"""Media with known content for the tests: speech from espeak-ng, silences of known length, loud bursts."""

from __future__ import annotations

import numpy as np
import pytest

from app.demo.synth import SCENE_RATE, Scene, burst, espeak_available

SENTENCES = [
    "the quick brown fox jumps over the lazy dog",
    "she sells sea shells by the sea shore",
    "a journey of a thousand miles begins with a single step",
    "all that glitters is not gold",
    "actions speak louder than words",
    "practice makes perfect",
]


def quiet_with_burst(duration_s: float, at_s: float) -> np.ndarray:
    """Quiet noise (SCENE_RATE, mono) with one loud 0.3 s burst at ``at_s``: one audio peak where wanted."""
    rng = np.random.default_rng(0)
    audio = (rng.standard_normal(int(duration_s * SCENE_RATE)) * 0.01).astype(np.float32)
    loud, _ = burst(0.3, SCENE_RATE, 0.9, rng)
    at = int(at_s * SCENE_RATE)
    audio[at : at + loud.shape[0]] = loud
    return audio


def require_espeak() -> None:
    """Fail (not skip) without espeak-ng: the speech tests are part of the suite, not optional."""
    if not espeak_available():
        pytest.fail("espeak-ng is not installed: run the README's test command, which installs it")


def build_talk_scene() -> Scene:
    """Speech with two loud bursts inside it and three pauses of known length (1.0, 0.5, 1.5 s)."""
    require_espeak()
    scene = Scene(seed=5)
    scene.silence(0.5)
    scene.speech(SENTENCES[0], level=0.5)
    scene.burst(0.2)
    scene.speech(SENTENCES[1], level=0.5)
    scene.silence(1.0)
    scene.speech(SENTENCES[2], level=0.5)
    scene.silence(0.5)
    scene.speech(SENTENCES[3], level=0.5)
    scene.burst(0.2)
    scene.speech(SENTENCES[4], level=0.5)
    scene.silence(1.5)
    scene.speech(SENTENCES[5], level=0.5)
    scene.silence(0.5)
    total = scene.duration_ms
    scene.motion(2000, 4000)
    scene.motion(total - 4000, total - 2000)
    return scene


def interior_silences(scene: Scene) -> list[tuple[int, int]]:
    """The scene's silences between two pieces of sound: the pauses an analysis must find."""
    silences = scene.of_kind("silence")
    return [(e.start_ms, e.end_ms) for e in silences if 0 < e.start_ms and e.end_ms < scene.duration_ms]
