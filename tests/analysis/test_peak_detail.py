"""The flow detail around a moment: frames a second apart, flows between them, heatmaps and magnitudes."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from pathlib import Path

import cv2
import numpy as np
import pytest

from analysis.errors import MediaError
from analysis.motion import FlowMethod, MotionOptions, analyze_motion, ms_of
from analysis.peak_detail import MAX_FRAME_WIDTH, cut_between, peak_detail
from app.demo.synth import MotionScript, write_media

WIDTH, HEIGHT, FPS = 640, 360, 25
DURATION_S = 8
MOTION_START_S, MOTION_END_S = 3.0, 6.0
SPEED_PX_S = 20
"""Source pixels per second: 10 px/s at the 320-pixel reference width, inside what a 1-s flow can measure."""
REFERENCE_SPEED = SPEED_PX_S * 320 / WIDTH
SIDE, SQUARE_X, SQUARE_Y = 120, 150, 120


def shift_at(t_s: float) -> int:
    """How far (source pixels) the moving content has gone right at ``t_s``."""
    return round(SPEED_PX_S * min(max(t_s - MOTION_START_S, 0.0), MOTION_END_S - MOTION_START_S))


def texture(height: int, width: int, seed: int) -> np.ndarray:
    noise = np.random.default_rng(seed).integers(0, 255, (height, width)).astype(np.float32)
    smooth = cv2.GaussianBlur(noise, (0, 0), 4)
    return cv2.normalize(smooth, None, 40, 240, cv2.NORM_MINMAX).astype(np.uint8)


def pan_frames() -> Iterator[np.ndarray]:
    """A textured picture filling the frame, sliding right at SPEED_PX_S between the motion times."""
    wide = texture(HEIGHT, WIDTH + 100, seed=7)
    for index in range(DURATION_S * FPS):
        left = 100 - shift_at(index / FPS)
        yield np.repeat(wide[:, left : left + WIDTH, None], 3, axis=2)


def square_frames() -> Iterator[np.ndarray]:
    """A textured square on a flat dark background, sliding right at SPEED_PX_S between the motion times."""
    patch = texture(SIDE, SIDE, seed=11)[..., None]
    for index in range(DURATION_S * FPS):
        frame = np.full((HEIGHT, WIDTH, 3), 30, dtype=np.uint8)
        x = SQUARE_X + shift_at(index / FPS)
        frame[SQUARE_Y : SQUARE_Y + SIDE, x : x + SIDE] = patch
        yield frame


@pytest.fixture(scope="module")
def pan_video(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("peak_detail") / "pan.mp4"
    return write_media(
        path, None, duration_ms=DURATION_S * 1000, video_size=(WIDTH, HEIGHT), fps=FPS, frames=pan_frames()
    )


@pytest.fixture(scope="module")
def square_video(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("peak_detail") / "square.mkv"
    return write_media(
        path, None, duration_ms=DURATION_S * 1000, video_size=(WIDTH, HEIGHT), fps=FPS, frames=square_frames()
    )


@pytest.mark.parametrize("method", list(FlowMethod))
def test_inside_the_motion_both_magnitudes_are_the_speed(pan_video: Path, method: FlowMethod) -> None:
    detail = peak_detail(pan_video, 4500, method=method)
    assert detail.times_ms == (3520, 4520, 5520)
    before, after = detail.magnitudes
    assert before == pytest.approx(REFERENCE_SPEED, rel=0.15)
    assert after == pytest.approx(REFERENCE_SPEED, rel=0.15)
    # The same motion in pixels of the 320-pixel analysis image over the whole (1 s) interval.
    assert detail.before.mean_px == pytest.approx(REFERENCE_SPEED, rel=0.15)
    direction = detail.after.stats.direction  # degrees, 0 = right
    assert min(direction, 360 - direction) < 5


def test_the_magnitudes_do_not_depend_on_the_analysis_width(pan_video: Path) -> None:
    detail = peak_detail(pan_video, 4500, width=160)
    assert detail.before.flow.shape == (90, 160, 2)
    assert detail.magnitudes == pytest.approx((REFERENCE_SPEED, REFERENCE_SPEED), rel=0.15)
    assert detail.before.mean_px == pytest.approx(REFERENCE_SPEED / 2, rel=0.15)


def test_in_a_still_part_both_magnitudes_are_about_zero(pan_video: Path) -> None:
    detail = peak_detail(pan_video, 1500)
    assert detail.times_ms == (520, 1520, 2520)
    assert max(detail.magnitudes) < 0.5
    # Stillness stays blue: the colour scale never tops out at noise.
    for interval in (detail.before, detail.after):
        red, _, blue = interval.heatmap.reshape(-1, 3).mean(axis=0)
        assert blue > 100 and red < 20


def test_the_heatmaps_are_hot_where_the_square_moved_and_cold_elsewhere(square_video: Path) -> None:
    detail = peak_detail(square_video, 4500, method=FlowMethod.FARNEBACK)
    for interval in (detail.before, detail.after):
        x = SQUARE_X + shift_at(interval.start_ms / 1000)
        inside = interval.heatmap[SQUARE_Y + 10 : SQUARE_Y + SIDE - 10, x + 10 : x + SIDE - 10].reshape(-1, 3)
        red, green, blue = inside.mean(axis=0)
        assert red > 100 and blue < 30, "JET's hot end is red"
        corner = interval.heatmap[10:60, WIDTH - 130 : WIDTH - 10].reshape(-1, 3).mean(axis=0)
        assert corner[2] > 100 and corner[0] < 20, "JET's cold end is blue"
        # The square itself moved by the known distance (10 px of the 320-pixel image in the second).
        flow = interval.flow[(SQUARE_Y + 20) // 2 : (SQUARE_Y + SIDE - 20) // 2, (x + 20) // 2 : (x + SIDE - 20) // 2]
        assert float(np.median(flow[..., 0])) == pytest.approx(REFERENCE_SPEED, rel=0.15)
        assert abs(float(np.median(flow[..., 1]))) < 0.5
        # The overlay is the frame and the heatmap half and half.
        frame = detail.frames[0] if interval is detail.before else detail.frames[1]
        expected = (frame.astype(np.float32) + interval.heatmap) / 2
        assert np.abs(interval.overlay - expected).max() <= 1.0
        # Arrows are drawn on the moving square only.
        changed = np.any(interval.vectors != frame, axis=2)
        assert changed[SQUARE_Y : SQUARE_Y + SIDE, x : x + SIDE + 40].any()
        assert not changed[:, x + SIDE + 80 :].any() and not changed[: SQUARE_Y - 30].any()


def test_images_come_at_the_frames_size_and_at_most_640_wide(tmp_path: Path) -> None:
    frames = (np.full((480, 960, 3), value, dtype=np.uint8) for value in np.linspace(20, 200, 75).astype(np.uint8))
    path = write_media(tmp_path / "wide.mp4", None, duration_ms=3000, video_size=(960, 480), fps=25, frames=frames)
    detail = peak_detail(path, 1500)
    for image in (*detail.frames, detail.before.heatmap, detail.after.overlay, detail.after.vectors):
        assert image.shape == (320, MAX_FRAME_WIDTH, 3) and image.dtype == np.uint8
    assert detail.before.flow.shape == (160, 320, 2)


@pytest.mark.parametrize(
    ("moment_ms", "times_ms"),
    [
        (0, (0, 0, 1000)),
        (300, (0, 320, 1320)),
        (7900, (6920, 7920, 7960)),
        (20_000, (7960, 7960, 7960)),
    ],
)
def test_times_near_the_ends_are_clamped_to_the_video(pan_video: Path, moment_ms: int, times_ms: tuple) -> None:
    detail = peak_detail(pan_video, moment_ms)
    assert detail.times_ms == times_ms
    assert detail.moment_ms == moment_ms
    for interval in (detail.before, detail.after):
        assert np.isfinite(interval.magnitude) and interval.magnitude < 0.5
        if interval.start_ms == interval.end_ms:
            assert interval.magnitude == 0.0 and not interval.flow.any()


def test_a_container_without_an_index_and_a_late_clock_gives_the_same_frames(tmp_path: Path) -> None:
    path = write_media(
        tmp_path / "pan.ts",
        None,
        duration_ms=DURATION_S * 1000,
        video_size=(WIDTH, HEIGHT),
        fps=FPS,
        frames=pan_frames(),
    )
    detail = peak_detail(path, 4500)
    # MPEG-TS starts its clock at 1.4 s; times are media time all the same (0 = the container's start).
    assert detail.times_ms == (3520, 4520, 5520)
    assert detail.magnitudes == pytest.approx((REFERENCE_SPEED, REFERENCE_SPEED), rel=0.15)


def test_an_audio_only_file_is_a_media_error_that_says_why(tmp_path: Path) -> None:
    tone = (0.3 * np.sin(2 * np.pi * 440 * np.arange(16_000) / 16_000)).astype(np.float32)
    path = write_media(tmp_path / "tone.m4a", tone, 16_000, video_size=None)
    with pytest.raises(MediaError, match="has no video track"):
        peak_detail(path, 500)


def test_a_file_that_is_not_media_is_a_media_error(tmp_path: Path) -> None:
    path = tmp_path / "notes.mp4"
    path.write_text("not a video\n" * 100)
    with pytest.raises(MediaError, match="cannot be opened"):
        peak_detail(path, 1000)


def test_bad_parameters_are_refused(pan_video: Path) -> None:
    with pytest.raises(ValueError, match="offset"):
        peak_detail(pan_video, 1000, offset_ms=0)
    with pytest.raises(ValueError, match="width"):
        peak_detail(pan_video, 1000, width=8)


def test_a_frame_a_millisecond_early_counts_as_at_the_time_for_each_of_the_three(tmp_path: Path) -> None:
    # Matroska keeps times in whole ms: at 30 fps the frames are at 0, 33, 67, 100 … 1000, 1033, 1067 … ms.
    frames = (np.full((240, 320, 3), value, dtype=np.uint8) for value in np.linspace(20, 200, 90).astype(np.uint8))
    path = write_media(tmp_path / "thirty.mkv", None, duration_ms=3000, video_size=(320, 240), fps=30, frames=frames)
    assert peak_detail(path, 1034).times_ms == (33, 1033, 2033)
    assert peak_detail(path, 1068).times_ms == (67, 1067, 2067)
    assert peak_detail(path, 34).times_ms == (0, 33, 1033)
    assert peak_detail(path, 1069).times_ms == (100, 1100, 2100), "2 ms early is before the time"


# -- the pair at t: the Motion track's own quantity, and cuts ------------------------------------------


@pytest.fixture(scope="module")
def script_video(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The motion test video: a square moving at 150 px/s from 2 to 4 s, a cut at 9 s."""
    return MotionScript().write(tmp_path_factory.mktemp("peak_detail") / "motion.mp4")


@pytest.mark.parametrize("method", list(FlowMethod))
def test_the_pair_at_t_is_exactly_the_motion_tracks_sample(script_video: Path, method: FlowMethod) -> None:
    result = analyze_motion(script_video, MotionOptions(method=method))
    index = int(np.argmin(np.abs(result.series.times - 3.0)))
    moment = ms_of(float(result.series.times[index]))
    assert abs(moment - 3000) <= 40
    detail = peak_detail(script_video, moment, method=method, width=320)
    assert detail.method is method
    assert (detail.pair.start_ms, detail.pair.end_ms) == (moment, moment + 40)
    assert detail.pair.magnitude == pytest.approx(float(result.series.magnitude[index]), rel=1e-6)
    assert detail.pair.stats.moving == pytest.approx(float(result.series.moving[index]), abs=1e-9)
    # the net motion over each second is another, far smaller, quantity (the flow misses most of a 75-px jump)
    assert max(detail.magnitudes) < detail.pair.magnitude / 2


def test_a_cut_between_the_frames_is_reported_with_the_interval_and_the_pair(script_video: Path) -> None:
    detail = peak_detail(script_video, 8500, cuts_ms=[9000, 500])
    assert (detail.before.cut_ms, detail.after.cut_ms) == (None, 9000)
    assert detail.pair.cut_ms is None
    at_cut = peak_detail(script_video, 8960, cuts_ms=[9000])
    assert (at_cut.pair.start_ms, at_cut.pair.end_ms, at_cut.pair.cut_ms) == (8960, 9000, 9000)
    assert (at_cut.before.cut_ms, at_cut.after.cut_ms) == (None, 9000)
    after_cut = peak_detail(script_video, 9000, cuts_ms=[9000])
    assert (after_cut.before.cut_ms, after_cut.after.cut_ms, after_cut.pair.cut_ms) == (9000, None, None)
    assert cut_between([9000], 8000, 9000) == 9000 and cut_between([9000], 9000, 10_000) is None


def test_the_pair_at_the_last_frame_is_empty(pan_video: Path) -> None:
    detail = peak_detail(pan_video, 20_000)
    assert (detail.pair.start_ms, detail.pair.end_ms, detail.pair.magnitude) == (7960, 7960, 0.0)


def test_a_frame_source_lends_its_open_file_and_both_read_what_they_read_alone(square_video: Path) -> None:
    """The report reads the key frames, the crops and the flow detail of every item through one open file: the
    flow detail read through a FrameSource's file (wherever the source left it) is the detail read alone, and
    the source goes on giving the same frames; a scaled frame is the frame a source opened at that width gives."""
    from analysis.frames import FrameSource

    alone = [peak_detail(square_video, ms) for ms in (2500, 1200)]
    with FrameSource(square_video, max_width=WIDTH // 2) as small:
        scaled_alone = [small.frame_at_time(ms).image for ms in (1000, 3000)]
    with FrameSource(square_video) as source:
        before = source.frame_at_time(2900).image
        lent = []
        for ms in (2500, 1200):
            with source.borrow() as video:
                lent.append(peak_detail(square_video, ms, video=video))
        assert np.array_equal(source.frame_at_time(2900).image, before)
        scaled = [source.frame_at_time(ms, max_width=WIDTH // 2).image for ms in (1000, 3000)]
    for ours, theirs in zip(lent, alone, strict=True):
        assert ours.times_ms == theirs.times_ms and ours.magnitudes == theirs.magnitudes
        assert all(np.array_equal(a, b) for a, b in zip(ours.frames, theirs.frames, strict=True))
        assert (ours.pair.start_ms, ours.pair.end_ms, ours.pair.cut_ms) == (
            theirs.pair.start_ms,
            theirs.pair.end_ms,
            None,
        )
        figures = [np.array(dataclasses.astuple(pair.stats)) for pair in (ours.pair, theirs.pair)]
        assert np.array_equal(*figures, equal_nan=True)  # the direction is NaN where nothing moves
    assert all(np.array_equal(a, b) for a, b in zip(scaled, scaled_alone, strict=True))
    assert scaled[0].shape[1] == WIDTH // 2
