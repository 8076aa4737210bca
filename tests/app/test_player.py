"""The player's clocks and sound rendering; stepping, seeking and pausing on a video that starts after the audio
(the window tests cover seeking and stepping on real video)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from PySide6.QtCore import Qt

from analysis import media
from app.gui import player
from app.gui.player import PlayerController, WallClock, render_audio
from tests.helpers.clips import read_index, write_clip

ROOT = Path(__file__).resolve().parents[2]


def test_render_audio_reads_samples_at_the_speed() -> None:
    samples = np.arange(100, dtype=np.float32)
    block, position = render_audio(samples, 10.0, 1.0, 5)
    np.testing.assert_array_equal(block, [10, 11, 12, 13, 14])
    assert position == 15.0
    block, position = render_audio(samples, 10.0, 0.5, 4)
    np.testing.assert_allclose(block, [10, 10.5, 11, 11.5])
    assert position == 12.0
    block, position = render_audio(samples, 97.0, 2.0, 4)
    np.testing.assert_array_equal(block, [97, 0, 0, 0])


def test_wall_clock_follows_speed_and_direction(monkeypatch) -> None:
    now = [100.0]
    monkeypatch.setattr(player.time, "monotonic", lambda: now[0])
    clock = WallClock()
    clock.start(5000, 2.0)
    now[0] += 1.5
    assert clock.position_ms() == pytest.approx(8000)
    clock.stop()
    now[0] += 10
    assert clock.position_ms() == pytest.approx(8000)
    clock.start(8000, -1.0)
    now[0] += 0.5
    assert clock.position_ms() == pytest.approx(7500)


def test_without_an_output_device_playback_is_muted_with_the_reason(monkeypatch) -> None:
    import sounddevice

    def no_device(*args: object, **kwargs: object) -> None:
        raise sounddevice.PortAudioError("Error querying device -1")

    monkeypatch.setattr(sounddevice, "OutputStream", no_device)
    clock, state = player.open_audio_clock(np.zeros(16000, np.float32))
    assert isinstance(clock, WallClock) and state == "muted: no audio output device"
    clock, state = player.open_audio_clock(None)
    assert isinstance(clock, WallClock) and state == "muted: the audio is still being decoded"


def test_sound_plays_through_portaudio_when_a_device_exists(tmp_path: Path) -> None:
    """ALSA's null device stands in for a sound card: the stream opens, runs, stops and closes."""
    (tmp_path / ".asoundrc").write_text("pcm.!default {\n  type null\n}\n")
    script = """
import time, numpy as np
from app.gui.player import AudioClock, open_audio_clock
clock, state = open_audio_clock(np.zeros(16000 * 600, np.float32))
assert isinstance(clock, AudioClock), state
clock.start(2000, 1.0)
time.sleep(0.3)
moved = clock.position_ms()
clock.stop()
stopped = clock.position_ms()
clock.close()
print(state, moved > 2000, stopped >= 2000)
"""
    result = subprocess.run(
        [sys.executable, "-c", script],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env={"HOME": str(tmp_path), "PATH": "/usr/bin:/bin"},
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["sound", "True", "True"]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("1:02:03.5", ("time", 3_723_500)),
        ("02:03", ("time", 123_000)),
        ("83.5", ("time", 83_500)),
        (" 83.5 s ", ("time", 83_500)),
        ("00:00:17.216", ("time", 17_216)),
        ("#1200", ("frame", 1200)),
        ("frame 12", ("frame", 12)),
        ("F7", ("frame", 7)),
    ],
)
def test_go_to_reads_times_and_frame_numbers(text: str, expected: tuple[str, int]) -> None:
    assert player.parse_goto(text) == expected


@pytest.mark.parametrize("text", ["", "abc", "1:2:3:4", "#", "-5"])
def test_go_to_refuses_what_it_cannot_read(text: str) -> None:
    with pytest.raises(ValueError, match="not a time or a frame number"):
        player.parse_goto(text)


# -- stepping, seeking and pausing on a video that starts 0.852 s after the audio ---------------------------

LATE_FRAMES = 50
"""25 fps: frame i at 852 + 40 i ms, the last (49) at 2812 ms; the media (audio from 0) lasts 2858 ms."""


@pytest.fixture(scope="module")
def late_clip(tmp_path_factory: pytest.TempPathFactory) -> Path:
    clip = write_clip(
        tmp_path_factory.mktemp("late") / "late.mp4", LATE_FRAMES, durations_ms=[40], start_ms=852, audio_from_zero=True
    )
    assert clip.times_ms[0] == 852 and clip.times_ms[-1] == 2812
    return clip.path


@pytest.fixture
def late_player(qtbot, late_clip: Path):
    """A muted player on the late clip, frame 0 shown at 00:00.000; its position signals in ``.positions``."""
    controller = PlayerController(max_width=None)
    controller.positions = []
    controller.position_changed.connect(controller.positions.append)
    with qtbot.waitSignal(controller.video_opened, timeout=10_000):
        controller.open(late_clip, media.probe(late_clip).duration_ms)
    qtbot.waitUntil(lambda: controller.frame is not None, timeout=10_000)
    assert controller.duration_ms == 2858 and controller.info.times.first_ms == 852
    yield controller
    controller.close()


def shows(qtbot, controller: PlayerController, index: int, ms: int) -> None:
    """The frame shown (its index, its picture) is ``index`` and the time shown ``ms``, once the frame arrived."""
    qtbot.waitUntil(
        lambda: controller.frame.index == index and read_index(controller.frame.image) == index, timeout=5000
    )
    assert controller.position_ms == ms
    assert controller.positions[-1] == ms


def step_and_wait(qtbot, controller: PlayerController, frames: int) -> None:
    with qtbot.waitSignal(controller.frame_ready, timeout=5000):
        controller.step(frames)


def test_back_at_the_start_stays_on_the_first_frame_without_moving_time_forward(qtbot, late_player) -> None:
    shows(qtbot, late_player, 0, 0)
    step_and_wait(qtbot, late_player, -1)
    shows(qtbot, late_player, 0, 0)
    assert late_player.positions == [0, 0]
    late_player.step(1)  # the next frame after 0 ms is frame 0 (already shown), at its own time
    shows(qtbot, late_player, 0, 852)
    late_player.step(-1)  # on the first frame: it stays, at its time
    qtbot.wait(200)
    shows(qtbot, late_player, 0, 852)
    step_and_wait(qtbot, late_player, 1)
    shows(qtbot, late_player, 1, 892)
    late_player.seek(900)
    step_and_wait(qtbot, late_player, -1)
    shows(qtbot, late_player, 0, 852)


def test_forward_at_the_last_frame_keeps_the_last_frame_and_its_time(qtbot, late_player) -> None:
    late_player.seek_frame(48)
    shows(qtbot, late_player, 48, 2772)
    step_and_wait(qtbot, late_player, 1)
    shows(qtbot, late_player, 49, 2812)
    late_player.step(1)
    qtbot.wait(200)
    shows(qtbot, late_player, 49, 2812)
    late_player.seek(2857)  # the end of the media, after the last frame's time
    shows(qtbot, late_player, 49, 2857)
    late_player.step(1)
    qtbot.wait(200)
    shows(qtbot, late_player, 49, 2857)
    step_and_wait(qtbot, late_player, -1)
    shows(qtbot, late_player, 48, 2772)


def test_after_a_pause_the_frame_shown_is_the_frame_at_the_time_shown(qtbot, late_player, monkeypatch) -> None:
    """The wall clock stands still between ticks here; the pause falls 23 ms after the last tick, across the
    boundary from frame 3 (972 ms) to frame 4 (1012 ms)."""
    now = [100.0]
    monkeypatch.setattr(player.time, "monotonic", lambda: now[0])
    late_player.play()
    now[0] = 100.990
    qtbot.waitUntil(lambda: late_player.frame.index == 3 and late_player.positions[-1] == 990, timeout=5000)
    now[0] = 101.013
    late_player.pause()
    shows(qtbot, late_player, 4, 1013)
    assert late_player.frame.pts_ms == 1012


def test_playing_to_the_end_stops_at_the_end_and_a_step_forward_keeps_it(qtbot, late_player, monkeypatch) -> None:
    now = [100.0]
    monkeypatch.setattr(player.time, "monotonic", lambda: now[0])
    late_player.seek(2800)
    late_player.play()
    now[0] = 103.0
    qtbot.waitUntil(lambda: not late_player.playing, timeout=5000)
    shows(qtbot, late_player, 49, 2857)
    late_player.step(1)
    qtbot.wait(200)
    shows(qtbot, late_player, 49, 2857)


def test_the_transport_shows_the_time_and_frame_of_each_step(qtbot, window, late_clip: Path) -> None:
    """← and → from the keyboard on the late clip, as the transport under the video reads them."""
    with qtbot.waitSignal(window.session.pauses_changed, timeout=30_000):
        assert window.open_path(late_clip)
    qtbot.waitUntil(lambda: window.player.frame is not None, timeout=10_000)
    window.timeline.graphics_view.setFocus()
    time_label, frame_label = window.transport._time, window.transport._frame

    def reads(clock: str, frame: str) -> None:
        qtbot.waitUntil(lambda: (time_label.text(), frame_label.text()) == (f"{clock} / 00:00:02.858", frame))

    reads("00:00:00.000", "frame 0")
    qtbot.keyClick(window, Qt.Key.Key_Left)
    qtbot.wait(200)
    reads("00:00:00.000", "frame 0")
    qtbot.keyClick(window, Qt.Key.Key_Right)
    reads("00:00:00.852", "frame 0")
    qtbot.keyClick(window, Qt.Key.Key_Right)
    reads("00:00:00.892", "frame 1")
    window.player.seek_frame(49)
    reads("00:00:02.812", "frame 49")
    qtbot.keyClick(window, Qt.Key.Key_Right)
    qtbot.wait(200)
    reads("00:00:02.812", "frame 49")


def test_a_rotated_phone_video_plays_upright(qtbot, tmp_path: Path) -> None:
    """Stored 640×360 with rotation −90 (a phone held upright): the player opens it 360×640 and shows each frame
    upright (bit 0 of the frame number at the top left)."""
    clip = write_clip(tmp_path / "phone.mp4", 30, rotation=-90, size=(360, 640), audio_from_zero=True)
    controller = PlayerController(max_width=None)
    try:
        with qtbot.waitSignal(controller.video_opened, timeout=10_000):
            controller.open(clip.path, media.probe(clip.path).duration_ms)
        qtbot.waitUntil(lambda: controller.frame is not None, timeout=10_000)
        assert (controller.info.width, controller.info.height) == (360, 640)
        controller.seek_frame(13)
        qtbot.waitUntil(lambda: controller.frame.index == 13, timeout=5000)
        assert controller.frame.image.shape == (640, 360, 3) and read_index(controller.frame.image) == 13
    finally:
        controller.close()
