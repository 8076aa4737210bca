"""The demo video: half a minute of speech with loud bursts, pauses of known lengths and a moving square.

A newcomer runs it to see every analysis working without a video at hand. Speech comes from espeak-ng
when installed, otherwise from speech-like noise.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import numpy as np

from analysis.progress import Progress
from app.demo.synth import Scene, square_frames, write_media

DEMO_SIZE = (640, 360)
DEMO_FPS = 25
SCENE_SHARE = 0.1
"""The part of the progress bar the scene (speech synthesis) takes; encoding the frames takes the rest."""

SENTENCES = [
    "Good evening and welcome to this debate about the future of our cities",
    "Housing prices have doubled in ten years",
    "and young people cannot afford to live where they work",
    "We will build more homes and we will build them faster",
    "That is simply not true and you know it",
    "Let me finish please",
    "The numbers speak for themselves",
    "Thank you all for listening tonight",
]


def demo_dir() -> Path:
    """Where the demo lives: ``$XDG_DATA_HOME/salient/demo`` (``~/.local/share/salient/demo``)."""
    base = os.environ.get("XDG_DATA_HOME") or Path.home() / ".local" / "share"
    return Path(base) / "salient" / "demo"


def build_demo_scene() -> Scene:
    """Speech, pauses of 0.4–2 s, three bursts and three intervals of movement."""
    scene = Scene(seed=11)
    scene.silence(0.8)
    pauses = [0.6, 1.5, 0.4, 2.0, 0.8, 1.0, 0.5]
    bursts_after = {1, 4, 6}
    for index, sentence in enumerate(SENTENCES):
        scene.speech(sentence, duration_s=3.0)
        if index in bursts_after:
            scene.burst(0.3)
        if index < len(pauses):
            scene.silence(pauses[index])
    scene.silence(1.0)
    total = scene.duration_ms
    for start, end in ((0.15, 0.3), (0.45, 0.55), (0.7, 0.85)):
        scene.motion(int(total * start), int(total * end))
    return scene


def make_demo(folder: Path | None = None, progress: Progress | None = None) -> tuple[Path, Scene]:
    """Write ``demo.mp4`` (H.264 + AAC, 640×360) and return its path and what it contains.

    ``progress`` hears of the scene, then of every second of video encoded (the encoding is most of the time)."""
    folder = folder or demo_dir()
    folder.mkdir(parents=True, exist_ok=True)
    if progress is not None:
        progress.update(0.0, "synthesising the speech")
    scene = build_demo_scene()
    width, height = DEMO_SIZE
    frames = square_frames(scene.duration_ms, DEMO_FPS, width, height, scene.of_kind("motion"))
    if progress is not None:
        frames = _reporting(frames, int(scene.duration_ms * DEMO_FPS / 1000), progress)
    path = write_media(
        folder / "demo.mp4", scene.samples(), scene.sample_rate, video_size=DEMO_SIZE, fps=DEMO_FPS, frames=frames
    )
    return path, scene


def _reporting(frames: Iterator[np.ndarray], count: int, progress: Progress) -> Iterator[np.ndarray]:
    """``frames`` unchanged, telling ``progress`` at each second of video how far the encoding got."""
    for index, frame in enumerate(frames):
        if index % DEMO_FPS == 0:
            seconds = index // DEMO_FPS
            progress.update(SCENE_SHARE + (1 - SCENE_SHARE) * index / count, f"encoding the video: {seconds} s")
        yield frame
