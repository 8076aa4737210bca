"""The demo video: half a minute of speech with loud bursts, pauses of known lengths and a moving square.

A newcomer runs it to see every analysis working without a video at hand. Speech comes from espeak-ng
when installed, otherwise from speech-like noise.
"""

from __future__ import annotations

import os
from pathlib import Path

from app.demo.synth import Scene, write_media

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


def make_demo(folder: Path | None = None) -> tuple[Path, Scene]:
    """Write ``demo.mp4`` (H.264 + AAC, 640×360) and return its path and what it contains."""
    folder = folder or demo_dir()
    folder.mkdir(parents=True, exist_ok=True)
    scene = build_demo_scene()
    path = write_media(
        folder / "demo.mp4", scene.samples(), scene.sample_rate, video_size=(640, 360), motion=scene.of_kind("motion")
    )
    return path, scene
