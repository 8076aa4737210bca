"""The player's clocks and sound rendering (the window tests cover seeking and stepping on real video)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from app.gui import player
from app.gui.player import WallClock, render_audio

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
