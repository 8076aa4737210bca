"""Media with known content for the tests: speech from espeak-ng, silences of known length, loud bursts, and
videos with known shot transitions (a cut, fades, a dissolve, a pan, noisy static footage)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import cv2
import numpy as np
import pytest

from app.demo.synth import SCENE_RATE, Scene, burst, espeak_available, write_media

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


SHOT_FPS = 25
SHOT_SIZE = (320, 180)


def textured_picture(seed: int, width: int = SHOT_SIZE[0], height: int = SHOT_SIZE[1]) -> np.ndarray:
    """A colourful picture of smooth blobs and some fine detail (RGB uint8), different for every seed."""
    rng = np.random.default_rng(seed)
    coarse = rng.uniform(30, 225, (max(2, height // 24), max(2, width // 24), 3)).astype(np.float32)
    picture = cv2.resize(coarse, (width, height), interpolation=cv2.INTER_CUBIC)
    picture += cv2.GaussianBlur(rng.normal(0, 25, (height, width, 3)).astype(np.float32), (0, 0), 1.5)
    return np.clip(picture, 0, 255).astype(np.uint8)


def _noisy(picture: np.ndarray, rng: np.random.Generator, sigma: float) -> np.ndarray:
    return np.clip(picture + rng.normal(0, sigma, picture.shape), 0, 255).astype(np.uint8)


def transition_frames(
    kind: str, before_s: float = 2.0, during_s: float = 1.0, after_s: float = 2.0, noise: float = 2.0
) -> Iterator[np.ndarray]:
    """Picture A for ``before_s``, a transition of ``kind`` for ``during_s``, picture B for ``after_s``.

    ``cut``: B from the first frame after ``before_s`` (during_s is ignored). ``fade_black`` / ``fade_white``:
    A fades to black (white) over during_s, stays there 0.4 s, B fades in over during_s. ``dissolve``: A
    blends linearly into B over during_s. ``pan``: a wide picture slides left at a constant speed during
    during_s (still before and after). ``static``: A only. Every frame gets its own sensor-like noise."""
    rng = np.random.default_rng(7)
    a, b = textured_picture(1).astype(np.float32), textured_picture(2).astype(np.float32)
    n_before, n_during, n_after = (round(s * SHOT_FPS) for s in (before_s, during_s, after_s))
    if kind == "pan":
        wide = textured_picture(3, SHOT_SIZE[0] * 3).astype(np.float32)
        shift = SHOT_SIZE[0] * 0.5
        positions = [0.0] * n_before + [shift * (i + 1) / n_during for i in range(n_during)] + [shift] * n_after
        for x in positions:
            moved = cv2.warpAffine(wide, np.float32([[1, 0, -x], [0, 1, 0]]), (SHOT_SIZE[0], SHOT_SIZE[1]))
            yield _noisy(moved, rng, noise)
        return
    frames: list[Callable[[], np.ndarray]] = [lambda: a] * n_before
    if kind == "cut":
        frames += [lambda: b] * n_after
    elif kind in ("fade_black", "fade_white"):
        level = 0.0 if kind == "fade_black" else 255.0
        hold = round(0.4 * SHOT_FPS)
        frames += [lambda w=(i + 1) / n_during: a * (1 - w) + level * w for i in range(n_during)]
        frames += [lambda: np.full_like(a, level)] * hold
        frames += [lambda w=(i + 1) / n_during: level * (1 - w) + b * w for i in range(n_during)]
        frames += [lambda: b] * n_after
    elif kind == "dissolve":
        frames += [lambda w=(i + 1) / (n_during + 1): a * (1 - w) + b * w for i in range(n_during)]
        frames += [lambda: b] * n_after
    elif kind == "static":
        frames += [lambda: a] * (n_during + n_after)
    else:
        raise ValueError(kind)
    for make in frames:
        yield _noisy(make(), rng, noise)


def write_transition_video(path: Path, kind: str, **timing: float) -> Path:
    """:func:`transition_frames` as an H.264 video (SHOT_SIZE, SHOT_FPS), without sound."""
    frames = list(transition_frames(kind, **timing))
    return write_media(
        path,
        None,
        duration_ms=round(len(frames) * 1000 / SHOT_FPS),
        video_size=SHOT_SIZE,
        fps=SHOT_FPS,
        frames=iter(frames),
    )
