"""Shared fixtures: media with known content, generated with PyAV (speech from espeak-ng)."""

from __future__ import annotations

import os
import wave
from pathlib import Path

import numpy as np
import pytest

from app.demo.synth import Scene, espeak_available, write_media

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

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
    from app.demo.synth import SCENE_RATE, burst

    rng = np.random.default_rng(0)
    audio = (rng.standard_normal(int(duration_s * SCENE_RATE)) * 0.01).astype(np.float32)
    loud, _ = burst(0.3, SCENE_RATE, 0.9, rng)
    at = int(at_s * SCENE_RATE)
    audio[at : at + loud.shape[0]] = loud
    return audio


def require_espeak() -> None:
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


@pytest.fixture(scope="session")
def talk_scene() -> Scene:
    return build_talk_scene()


@pytest.fixture(scope="session")
def talk_video(tmp_path_factory: pytest.TempPathFactory, talk_scene: Scene) -> Path:
    """H.264 + AAC (48 kHz stereo) MP4 of the talk scene with a square moving during its motion events."""
    path = tmp_path_factory.mktemp("media") / "talk.mp4"
    return write_media(path, talk_scene.samples(), talk_scene.sample_rate, motion=talk_scene.of_kind("motion"))


@pytest.fixture(scope="session")
def talk_audio_only(tmp_path_factory: pytest.TempPathFactory, talk_scene: Scene) -> Path:
    path = tmp_path_factory.mktemp("media") / "talk.m4a"
    return write_media(path, talk_scene.samples(), talk_scene.sample_rate, video_size=None)


@pytest.fixture(scope="session")
def video_only(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("media") / "silent.mp4"
    return write_media(path, None, duration_ms=3000, motion=[])


@pytest.fixture(scope="session")
def truncated_video(tmp_path_factory: pytest.TempPathFactory, talk_video: Path) -> Path:
    """The first half of the talk video's bytes: its index (written at the end) is gone."""
    path = tmp_path_factory.mktemp("media") / "truncated.mp4"
    data = talk_video.read_bytes()
    path.write_bytes(data[: len(data) // 2])
    return path


@pytest.fixture(scope="session")
def empty_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("media") / "empty.mp4"
    path.write_bytes(b"")
    return path


@pytest.fixture(scope="session")
def zero_length_audio(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A well-formed WAV header with no samples."""
    path = tmp_path_factory.mktemp("media") / "nothing.wav"
    with wave.open(str(path), "wb") as wav:
        wav.setnchannels(1)
        wav.setsampwidth(2)
        wav.setframerate(16000)
        wav.writeframes(b"")
    return path


@pytest.fixture(scope="session")
def not_media(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("media") / "notes.mp4"
    path.write_text("these are meeting notes, not a video\n" * 50)
    return path


@pytest.fixture(scope="session")
def truncated_faststart_video(tmp_path_factory: pytest.TempPathFactory, talk_scene: Scene) -> Path:
    """The first half of an MP4 whose index is at the front: it opens, but its second half is gone."""
    folder = tmp_path_factory.mktemp("media")
    whole = write_media(folder / "whole.mp4", talk_scene.samples(), talk_scene.sample_rate, faststart=True)
    path = folder / "cut.mp4"
    data = whole.read_bytes()
    path.write_bytes(data[: len(data) // 2])
    return path


@pytest.fixture
def settings(tmp_path: Path):
    """A fresh settings file per test, so no test sees another's recent files or layout."""
    from PySide6.QtCore import QSettings

    return QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat)


@pytest.fixture
def no_threads_left(qtbot):
    """Fails the test if any QThread still runs after it."""
    yield
    import gc

    from PySide6.QtCore import QThread

    def running() -> list[str]:
        return [t.objectName() for t in gc.get_objects() if isinstance(t, QThread) and t.isRunning()]

    qtbot.waitUntil(lambda: not running(), timeout=3000)
