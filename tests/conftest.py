"""Shared fixtures: media with known content, generated with PyAV (speech from espeak-ng); the generators
are in tests/helpers/media.py."""

from __future__ import annotations

import os
import wave
from pathlib import Path

import pytest

from app.demo.synth import Scene, write_media
from tests.helpers.media import build_talk_scene

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")


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
