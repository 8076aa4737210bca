"""FrameSource: the exact frame by index and by time, on H.264 clips whose frames show their own index.

Every clip has a keyframe every 4 s (no scene-cut keyframes) and x264's default B-frames, so decode order
differs from presentation order; MP4, Matroska and MPEG-TS (whose seeks are inexact) are covered.
"""

from __future__ import annotations

import logging
import math
import random
import subprocess
import sys
from collections.abc import Iterator
from fractions import Fraction
from pathlib import Path
from typing import Any

import av
import numpy as np
import pytest

from analysis import frames, media
from analysis.errors import MediaError
from analysis.frames import FrameSource
from analysis.peak_detail import peak_detail
from analysis.video_pass import run_pass
from app.demo.synth import write_media
from tests.helpers.clips import CLICK_MS, HEIGHT, WIDTH, Clip, read_index, write_clip

ROOT = Path(__file__).resolve().parents[2]


def ntsc_ms(index: int) -> int:
    """Frame ``index``'s time at 30000/1001 fps, rounded half up as FFmpeg rounds it to Matroska's 1 ms."""
    return math.floor(Fraction(index * 1001, 30) + Fraction(1, 2))


VFR_DURATIONS = [40, 40, 20, 70, 33, 100, 17]


@pytest.fixture(scope="module")
def clips(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Clip]:
    folder = tmp_path_factory.mktemp("frames")
    return {
        "25fps.mp4": write_clip(folder / "25fps.mp4", 300),
        "ntsc.mkv": write_clip(folder / "ntsc.mkv", 300, Fraction(30000, 1001)),
        "ntsc.mp4": write_clip(folder / "ntsc.mp4", 300, Fraction(30000, 1001)),
        "late.mkv": write_clip(folder / "late.mkv", 250, start_ms=1000, audio_from_zero=True),
        "late.mp4": write_clip(folder / "late.mp4", 250, start_ms=1000, audio_from_zero=True),
        "vfr.mkv": write_clip(folder / "vfr.mkv", 280, durations_ms=VFR_DURATIONS),
        "25fps.ts": write_clip(folder / "25fps.ts", 300),
    }


ALL_CLIPS = ["25fps.mp4", "ntsc.mkv", "ntsc.mp4", "late.mkv", "late.mp4", "vfr.mkv", "25fps.ts"]


def plain_decode(path: Path, width: int, height: int) -> list[np.ndarray]:
    """Every frame of a plain sequential PyAV decode, reformatted like FrameSource does."""
    with av.open(str(path)) as container:
        return [
            frame.reformat(width=width, height=height, format="rgb24", interpolation=frames.INTERPOLATION).to_ndarray()
            for frame in container.decode(container.streams.video[0])
        ]


class CountingContainer:
    """Wraps a PyAV container to count seeks and demuxed packets (a packet is read before every decode)."""

    def __init__(self, container: av.container.InputContainer) -> None:
        self._container = container
        self.seeks = 0
        self.packets = 0

    def __getattr__(self, name: str) -> Any:
        return getattr(self._container, name)

    def __enter__(self) -> CountingContainer:
        return self

    def __exit__(self, *exc: object) -> None:
        self._container.close()

    def seek(self, *args: Any, **kwargs: Any) -> None:
        self.seeks += 1
        self._container.seek(*args, **kwargs)

    def demux(self, *args: Any, **kwargs: Any) -> Iterator[av.Packet]:
        for packet in self._container.demux(*args, **kwargs):
            self.packets += 1
            yield packet


@pytest.fixture
def counted(monkeypatch: pytest.MonkeyPatch) -> list[CountingContainer]:
    """Every container opened from now on, wrapped in a CountingContainer (the last is FrameSource's)."""
    opened: list[CountingContainer] = []
    real_open = av.open

    def counting_open(*args: Any, **kwargs: Any) -> CountingContainer:
        opened.append(CountingContainer(real_open(*args, **kwargs)))
        return opened[-1]

    monkeypatch.setattr(frames.av, "open", counting_open)
    return opened


def test_clips_have_b_frames_and_the_expected_keyframes(clips: dict[str, Clip]) -> None:
    """The premise of the other tests: decode order differs from presentation order, keyframes every 4 s."""
    for name in ("25fps.mp4", "ntsc.mkv", "late.mp4", "vfr.mkv", "25fps.ts"):
        clip = clips[name]
        with av.open(str(clip.path)) as container:
            packets = [p for p in container.demux(container.streams.video[0]) if p.size]
        pts = [p.pts for p in packets]
        assert pts != sorted(pts), name
        keyframes = sorted(sorted(pts).index(p.pts) for p in packets if p.is_keyframe)
        assert keyframes == list(range(0, clip.frame_count, clip.keyframe_interval)), name


@pytest.mark.parametrize("name", ALL_CLIPS)
def test_sequential_pass_reads_every_frame(clips: dict[str, Clip], name: str) -> None:
    clip = clips[name]
    with FrameSource(clip.path) as source:
        assert source.frame_count == clip.frame_count
        assert (source.width, source.height) == (source.source_width, source.source_height) == (WIDTH, HEIGHT)
        for index in range(clip.frame_count):
            frame = source.frame_at_index(index)
            assert (frame.index, frame.pts_ms, read_index(frame.image)) == (index, clip.times_ms[index], index)


@pytest.mark.parametrize("name", ALL_CLIPS)
def test_random_access_is_exact(clips: dict[str, Clip], name: str) -> None:
    clip = clips[name]
    rng = random.Random(42)
    with FrameSource(clip.path) as source:
        for index in [rng.randrange(clip.frame_count) for _ in range(40)]:
            frame = source.frame_at_index(index)
            assert (frame.index, read_index(frame.image)) == (index, index)


@pytest.mark.parametrize("name", ["25fps.mp4", "ntsc.mkv", "late.mp4", "vfr.mkv", "25fps.ts"])
def test_steps_across_every_keyframe_are_exact(
    clips: dict[str, Clip], name: str, caplog: pytest.LogCaptureFixture
) -> None:
    """Forward steps over a keyframe, then backward steps with (almost) no cache to help.

    MPEG-TS has no index: a seek lands on any packet near the target and the decoder starts at the next
    keyframe, often after the target: the source must notice and seek further back. MP4 and Matroska
    seeks land on the keyframe at or before the target (FFmpeg's MP4 seek accounts for B-frames).
    """
    caplog.set_level(logging.DEBUG, logger="analysis.frames")
    clip = clips[name]
    with FrameSource(clip.path, cache_frames=1) as source:
        for keyframe in range(clip.keyframe_interval, clip.frame_count, clip.keyframe_interval):
            forward = range(keyframe - 3, min(keyframe + 3, clip.frame_count))
            assert [read_index(source.frame_at_index(i).image) for i in forward] == list(forward)
            backward = range(min(keyframe + 2, clip.frame_count - 1), keyframe - 4, -1)
            source.frame_at_index(0)
            assert [read_index(source.frame_at_index(i).image) for i in backward] == list(backward)
    assert ("landed after it" in caplog.text) is name.endswith(".ts")


@pytest.mark.parametrize("name", ALL_CLIPS)
def test_first_and_last_frames(clips: dict[str, Clip], name: str) -> None:
    clip = clips[name]
    last = clip.frame_count - 1
    with FrameSource(clip.path, cache_frames=1) as source:
        for index in (last, 0, last, 1, last - 1, 0):
            assert read_index(source.frame_at_index(index).image) == index
        assert source.frame_at_time(-500).index == 0
        assert source.frame_at_time(source.duration_ms + 1000).index == last
        with pytest.raises(IndexError):
            source.frame_at_index(clip.frame_count)
        with pytest.raises(IndexError):
            source.frame_at_index(-1)


@pytest.mark.parametrize("max_width", [None, 100])
@pytest.mark.parametrize(
    "name", ["25fps.mp4", "ntsc.mkv", "late.mp4", "vfr.mkv", pytest.param("25fps.ts", marks=pytest.mark.slow)]
)
def test_frames_equal_a_plain_pyav_decode(clips: dict[str, Clip], name: str, max_width: int | None) -> None:
    """The frame shown for index i is, pixel for pixel, the i-th frame PyAV decodes, at the same size."""
    clip = clips[name]
    order = list(range(clip.frame_count))
    random.Random(7).shuffle(order)
    with FrameSource(clip.path, max_width=max_width) as source:
        expected = plain_decode(clip.path, source.width, source.height)
        assert len(expected) == clip.frame_count
        for index in order:
            image = source.frame_at_index(index).image
            assert image.shape == (source.height, source.width, 3)
            assert image.dtype == np.uint8 and image.flags.c_contiguous and not image.flags.writeable
            np.testing.assert_array_equal(image, expected[index], err_msg=f"frame {index}")


@pytest.mark.parametrize("name", ALL_CLIPS)
def test_times_round_trip_and_time_lookups_give_the_frame_shown(clips: dict[str, Clip], name: str) -> None:
    clip = clips[name]
    with FrameSource(clip.path) as source:
        assert [source.time_of_index(i) for i in range(clip.frame_count)] == clip.times_ms
        for index, ms in enumerate(clip.times_ms):
            assert source.index_at_time(ms) == index
            assert source.index_at_time(ms - 1) == max(0, index - 1)
            if index + 1 < clip.frame_count:
                assert source.index_at_time(clip.times_ms[index + 1] - 1) == index
        rng = random.Random(3)
        for ms in [rng.randrange(-100, source.duration_ms + 100) for _ in range(40)]:
            frame = source.frame_at_time(ms)
            shown = max(0, sum(1 for t in clip.times_ms if t <= ms) - 1)
            assert (frame.index, read_index(frame.image), frame.pts_ms) == (shown, shown, clip.times_ms[shown])


def test_expected_times_of_the_generated_clips(clips: dict[str, Clip]) -> None:
    """What the clips' times are, spelled out: 40 ms steps, NTSC rounding, a late start, variable steps."""
    assert clips["25fps.mp4"].times_ms[:4] == [0, 40, 80, 120]
    assert clips["ntsc.mkv"].times_ms[14:17] == [ntsc_ms(14), ntsc_ms(15), ntsc_ms(16)] == [467, 501, 534]
    assert clips["late.mkv"].times_ms[:3] == clips["late.mp4"].times_ms[:3] == [1000, 1040, 1080]
    assert clips["vfr.mkv"].times_ms[:8] == [0, 40, 80, 100, 170, 203, 303, 320]


@pytest.mark.parametrize("name", ["late.mkv", "late.mp4"])
def test_a_late_video_stream_is_on_the_audio_clock(clips: dict[str, Clip], name: str) -> None:
    """Audio from 0, video from 1 s: frame 0 is at 1000 ms, and a click at 3 s in the decoded audio is at frame 50."""
    clip = clips[name]
    audio = media.decode_audio(clip.path)
    click_ms = round(np.flatnonzero(np.abs(audio) > 0.3)[0] / 16)
    assert abs(click_ms - CLICK_MS) <= 2
    with FrameSource(clip.path) as source:
        assert source.time_of_index(0) == 1000
        assert source.index_at_time(0) == source.index_at_time(999) == 0
        assert source.frame_at_time(1040).index == 1
        assert source.time_of_index(50) == CLICK_MS
        assert read_index(source.frame_at_time(CLICK_MS).image) == 50


def test_variable_frame_rate_is_detected(clips: dict[str, Clip]) -> None:
    with FrameSource(clips["vfr.mkv"].path) as source:
        assert source.variable_frame_rate
        times = clips["vfr.mkv"].times_ms
        assert source.fps == pytest.approx((len(times) - 1) * 1000 / times[-1])
    with FrameSource(clips["ntsc.mkv"].path) as source:
        assert not source.variable_frame_rate
        assert source.fps == pytest.approx(30000 / 1001)


def test_output_size_scales_down_to_even_dimensions(clips: dict[str, Clip]) -> None:
    for max_width, size in ((None, (160, 96)), (400, (160, 96)), (100, (100, 60)), (101, (100, 60)), (75, (74, 44))):
        with FrameSource(clips["25fps.mp4"].path, max_width=max_width) as source:
            assert (source.width, source.height) == size
            assert source.frame_at_index(150).image.shape == (size[1], size[0], 3)


def test_sequential_access_does_not_seek_and_a_cache_hit_does_not_decode(
    clips: dict[str, Clip], counted: list[CountingContainer]
) -> None:
    clip = clips["25fps.mp4"]
    with FrameSource(clip.path) as source:
        container = counted[-1]
        container.seeks = 0
        for index in range(0, 150):  # from the open across the keyframe at 100
            assert read_index(source.frame_at_index(index).image) == index
        assert container.seeks == 0
        source.frame_at_index(175)  # a jump of 1 s decodes forward too
        assert container.seeks == 0
        source.frame_at_index(250)
        assert container.seeks == 1
        packets = container.packets
        for index in (249, 248, 250, 175):
            assert read_index(source.frame_at_index(index).image) == index
        assert (container.seeks, container.packets) == (1, packets)


def test_stepping_back_after_a_seek_does_not_seek_again(
    clips: dict[str, Clip], counted: list[CountingContainer]
) -> None:
    """The frames decoded on the way to a seek target are kept, so a few steps back cost no decoding."""
    with FrameSource(clips["25fps.mp4"].path, cache_frames=8) as source:
        container = counted[-1]
        source.frame_at_index(290)
        seeks, packets = container.seeks, container.packets
        for index in range(289, 282, -1):  # the 7 frames decoded before 290
            assert read_index(source.frame_at_index(index).image) == index
        assert (container.seeks, container.packets) == (seeks, packets)


def test_corrupt_packets_are_skipped(tmp_path: Path, clips: dict[str, Clip], caplog: pytest.LogCaptureFixture) -> None:
    """Garbage in three packets of the second 4 s group: no exception, the other groups stay exact."""
    clip = clips["25fps.mp4"]
    with av.open(str(clip.path)) as container:
        stream = container.streams.video[0]
        where = {p.pts: (p.pos, p.size) for p in container.demux(stream) if p.size}
        ticks = round(1 / (stream.average_rate * stream.time_base))
    data = bytearray(clip.path.read_bytes())
    rng = np.random.default_rng(1)
    for index in (130, 131, 140):
        position, size = where[index * ticks]
        data[position + 4 : position + size] = rng.integers(0, 256, size - 4, dtype=np.uint8).tobytes()
    damaged = tmp_path / "damaged.mp4"
    damaged.write_bytes(bytes(data))
    with FrameSource(damaged) as source:
        assert source.frame_count == clip.frame_count
        shown = [source.frame_at_index(i) for i in range(clip.frame_count)]
        for index in random.Random(5).sample(range(clip.frame_count), 40):
            source.frame_at_index(index)
    assert all(frame.index <= index for index, frame in enumerate(shown))
    exact = [i for i in range(clip.frame_count) if not 100 <= i < 200]
    assert [read_index(shown[i].image) for i in exact] == exact
    assert "skipped an undecodable video packet" in caplog.text


def test_a_truncated_file_shows_the_frames_it_holds(tmp_path: Path) -> None:
    """An MP4 with its index at the front, cut in half: it opens and shows each frame that is there.

    The last packet is cut short and cannot be decoded: its slot shows the frame before it.
    """
    clip = write_clip(tmp_path / "whole.mp4", 300, faststart=True)
    data = clip.path.read_bytes()
    cut = tmp_path / "cut.mp4"
    cut.write_bytes(data[: len(data) // 2])
    decodable = []
    with av.open(str(cut)) as container:
        for packet in container.demux(container.streams.video[0]):
            try:
                decodable += [read_index(frame.to_ndarray(format="rgb24")) for frame in packet.decode()]
            except av.error.InvalidDataError:
                continue
    with FrameSource(cut) as source:
        assert source.frame_count == max(decodable) + 1 < 300
        shown = [source.frame_at_index(i) for i in range(source.frame_count)]
    expected = [max(d for d in decodable if d <= i) for i in range(len(shown))]
    assert [frame.index for frame in shown] == [read_index(frame.image) for frame in shown] == expected
    assert expected != list(range(len(shown)))


def test_bad_input_raises_a_readable_media_error(tmp_path: Path, clips: dict[str, Clip]) -> None:
    with pytest.raises(MediaError, match="missing.mp4: file not found"):
        FrameSource(tmp_path / "missing.mp4")
    audio_only = write_media(tmp_path / "voice.m4a", np.zeros(48_000, np.float32), video_size=None)
    with pytest.raises(MediaError, match="voice.m4a: has no video track"):
        FrameSource(audio_only)
    notes = tmp_path / "notes.mp4"
    notes.write_text("meeting notes, not a video\n" * 50)
    with pytest.raises(MediaError, match="notes.mp4: not a readable audio or video file"):
        FrameSource(notes)
    data = clips["25fps.mp4"].path.read_bytes()  # its index (moov) is at the end: a cut file has none
    cut = tmp_path / "cut.mp4"
    cut.write_bytes(data[: len(data) // 2])
    with pytest.raises(MediaError, match="cut.mp4: .*truncated or corrupt"):
        FrameSource(cut)


def test_the_frame_source_does_not_load_qt() -> None:
    """The player's worker and the CLI use it without a display: importing it must not load Qt."""
    probe = (
        "import sys, analysis.frames; print(sorted({m.split('.')[0] for m in sys.modules} & {'PySide6', 'shiboken6'}))"
    )
    result = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True, cwd=ROOT)
    assert result.stdout.strip() == "[]"


def test_streams_that_start_apart_share_one_clock(tmp_path: Path) -> None:
    """Picture from 0.852 s, sound from 8 ms (container times), as in a real phone recording: media time 0 is the
    container's start (8 ms), so frame i is at 844 + 40 i ms for the player, the key frames, the decode pass
    (motion, faces) and the flow pictures alike; before 844 ms the frame shown is frame 0."""
    clip = write_clip(tmp_path / "offset.mp4", 40, durations_ms=[40], start_ms=852, audio_start_ms=8)
    assert clip.times_ms[:3] == [844, 884, 924]
    with FrameSource(clip.path) as source:
        assert [source.time_of_index(i) for i in range(40)] == clip.times_ms
        assert [source.index_at_time(ms) for ms in (0, 400, 843, 844, 883, 884)] == [0, 0, 0, 0, 0, 1]
        assert read_index(source.frame_at_time(400).image) == 0 and read_index(source.frame_at_time(925).image) == 2
    info = run_pass(clip.path, [])
    assert info.duration_s == pytest.approx(clip.times_ms[-1] / 1000)

    class Times:
        def __init__(self) -> None:
            self.times: list[int] = []

        def wants(self, time_s: float) -> bool:
            return True

        def consume(self, frame) -> None:
            self.times.append(round(frame.time_s * 1000))

        def finish(self) -> list[int]:
            return self.times

    assert run_pass(clip.path, [Times()]).results[0] == clip.times_ms
    detail = peak_detail(clip.path, 200)
    # the flow's frames are the first at or after 0, 200 and 1200 ms: frame 0 for the first two, frame 9 (1204 ms)
    assert [read_index(image) for image in detail.frames] == [0, 0, 9]
