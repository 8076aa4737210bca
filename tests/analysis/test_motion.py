"""Motion on generated video with known content: a textured square moving at known speeds during known
intervals, a hard cut at a known frame, a zoom; DIS and Farneback."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest

from analysis.errors import MediaError
from analysis.motion import (
    REFERENCE_WIDTH,
    FlowMethod,
    MotionOptions,
    MotionResult,
    analyze_motion,
    motion_peaks,
)
from app.demo.synth import MotionScript

SCRIPT = MotionScript()
MOVING_PX_S = 2.0
"""Mean magnitude above which a sample counts as moving (a still scene reads below 0.7)."""


def reference_speed(speed_px_s: float) -> float:
    return abs(speed_px_s) * REFERENCE_WIDTH / SCRIPT.width


@pytest.fixture(scope="module")
def video(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return SCRIPT.write(tmp_path_factory.mktemp("motion") / "motion.mp4")


@pytest.fixture(scope="module")
def dis(video: Path) -> MotionResult:
    return analyze_motion(video, MotionOptions())


def in_move(t: float) -> bool:
    return any(start <= t < end for start, end, _ in SCRIPT.moves)


def circular_mean_deg(angles: np.ndarray) -> float:
    radians = np.radians(angles[~np.isnan(angles)])
    return math.degrees(math.atan2(np.sin(radians).mean(), np.cos(radians).mean())) % 360


def test_the_track_is_high_exactly_while_the_square_moves(dis: MotionResult) -> None:
    series = dis.series
    step = 1 / dis.options.fps
    assert np.allclose(np.diff(series.times), step, atol=0.041)  # one pair every 0.2 s (to a frame)
    zoom_start = SCRIPT.zoom[0]
    for t, value in zip(series.times, series.magnitude, strict=True):
        if t >= zoom_start - step:
            continue
        near_edge = any(abs(t - edge) <= step + 1e-6 for start, end, _ in SCRIPT.moves for edge in (start, end))
        if near_edge:
            continue  # ±1 sample at the edges
        assert (value > MOVING_PX_S) == in_move(t), (t, value)


@pytest.mark.parametrize("method", [FlowMethod.DIS, FlowMethod.FARNEBACK])
def test_speed_and_direction_match_the_known_motion(video: Path, dis: MotionResult, method: FlowMethod) -> None:
    result = dis if method is FlowMethod.DIS else analyze_motion(video, MotionOptions(method=method))
    series = result.series
    for start, end, speed in SCRIPT.moves:
        inside = (series.times >= start + 0.2) & (series.times < end - 0.2)
        assert inside.sum() >= 3
        # the square covers 17 % of the frame: the 90th percentile of the magnitude lies inside it
        p90 = float(series.p90[inside].mean())
        assert abs(p90 - reference_speed(speed)) <= 0.15 * reference_speed(speed), (method, p90, speed)
        # the mean over the frame is the speed times the share of the frame that moves
        share = SCRIPT.side**2 / (SCRIPT.width * SCRIPT.height)
        mean = float(series.magnitude[inside].mean())
        assert abs(mean - reference_speed(speed) * share) <= 0.2 * reference_speed(speed) * share, (method, mean)
        direction = circular_mean_deg(series.direction[inside])
        expected = 0.0 if speed > 0 else 180.0
        assert min(abs(direction - expected), 360 - abs(direction - expected)) <= 10, (method, direction)


def test_the_hard_cut_and_the_zoom_are_found(dis: MotionResult) -> None:
    cuts = [s.start_ms / 1000 for s in dis.shots if s.kind == "cut"]
    frame = 1 / SCRIPT.fps
    # the cut to another background, and the jump into the zoomed picture (also a cut)
    assert len(cuts) == 2
    assert abs(cuts[0] - SCRIPT.cut_s) < frame / 2
    assert abs(cuts[1] - SCRIPT.zoom[0]) < frame / 2
    zooms = [s for s in dis.shots if s.kind == "zoom"]
    assert len(zooms) == 1
    assert abs(zooms[0].start_ms - SCRIPT.zoom[0] * 1000) <= 200
    assert abs(zooms[0].end_ms - SCRIPT.zoom[1] * 1000) <= 400
    zooming = (dis.series.times >= SCRIPT.zoom[0]) & (dis.series.times < SCRIPT.zoom[1] - 0.2)
    assert (dis.series.scale_rate[zooming] > 0).all()  # zooming in


def test_a_lateral_motion_is_not_a_zoom(dis: MotionResult) -> None:
    for shot in dis.shots:
        if shot.kind == "zoom":
            assert not any(start * 1000 < shot.end_ms and shot.start_ms < end * 1000 for start, end, _ in SCRIPT.moves)


def test_sampling_rate_and_width_keep_the_figures_comparable(video: Path, dis: MotionResult) -> None:
    coarse = analyze_motion(video, MotionOptions(fps=2, width=640))
    assert np.allclose(np.diff(coarse.series.times[coarse.series.times < 9]), 0.5, atol=0.041)
    start, end, speed = SCRIPT.moves[0]
    inside = (coarse.series.times >= start + 0.2) & (coarse.series.times < end - 0.2)
    p90 = float(coarse.series.p90[inside].mean())
    assert abs(p90 - reference_speed(speed)) <= 0.15 * reference_speed(speed)
    at_320 = (dis.series.times >= start + 0.2) & (dis.series.times < end - 0.2)
    assert abs(p90 - float(dis.series.p90[at_320].mean())) <= 0.1 * reference_speed(speed)


def test_motion_peaks_use_the_audio_machinery(dis: MotionResult) -> None:
    still = dis.series.times < SCRIPT.cut_s
    from analysis.motion import MotionSeries

    before_cut = MotionSeries(*[getattr(dis.series, name)[still] for name in MotionSeries.__slots__])
    peaks, stats = motion_peaks(before_cut, dis.options.fps, k=1.5)
    assert stats.feature == "motion_magnitude" and stats.k == 1.5 and stats.tails == "high"
    assert stats.high == pytest.approx(stats.mean + 1.5 * stats.std)
    fast_start, fast_end, _ = SCRIPT.moves[1]
    assert len(peaks) == 1
    assert (fast_start - 0.2) * 1000 <= peaks[0].start_ms and peaks[0].end_ms <= (fast_end + 0.4) * 1000
    assert fast_start * 1000 <= peaks[0].peak_ms < fast_end * 1000 and peaks[0].z > 1.5


def test_an_audio_only_file_has_no_motion(talk_audio_only: Path) -> None:
    with pytest.raises(MediaError, match="has no video track; motion and faces need pictures"):
        analyze_motion(talk_audio_only)


@pytest.mark.parametrize("fixture", ["not_media", "empty_file"])
def test_a_corrupt_video_is_refused_clearly(fixture: str, request: pytest.FixtureRequest) -> None:
    with pytest.raises(MediaError, match="cannot be opened as media"):
        analyze_motion(request.getfixturevalue(fixture))


def test_a_truncated_video_is_analysed_as_far_as_it_goes(
    truncated_faststart_video: Path, truncated_video: Path
) -> None:
    result = analyze_motion(truncated_faststart_video)
    assert 0 < result.info.duration_s
    assert len(result.series) >= int(result.info.duration_s * 5) - 1
    with pytest.raises(MediaError, match="cannot be opened as media"):
        analyze_motion(truncated_video)  # its index was at the end, and is gone


def test_times_are_media_times_when_the_container_starts_late(tmp_path: Path) -> None:
    script = MotionScript(duration_s=4.0, moves=((1.0, 2.0, 150.0),), cut_s=None, zoom=None)
    path = script.write(tmp_path / "late.ts")  # MPEG-TS clocks start at 1.4 s
    result = analyze_motion(path)
    assert result.series.times[0] < 0.05
    moving = result.series.times[result.series.magnitude > MOVING_PX_S]
    assert 0.8 <= moving.min() and moving.max() < 2.0
