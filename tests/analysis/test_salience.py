"""Pure rules that combine flags: shot changes near a segment, audio and motion peaks paired."""

from __future__ import annotations

from analysis.audio import Peak
from analysis.motion import MotionPeak, ShotChange
from analysis.salience import MULTIMODAL_DELTA_MS, SHOT_MARGIN_MS, ShotSpan, multimodal_peaks, shot_change_near


def test_a_cut_within_the_margin_or_an_overlapping_zoom_is_near() -> None:
    cut = ShotSpan("cut", 5000, 5000)
    assert shot_change_near(5000 + SHOT_MARGIN_MS, 6000, [cut]) is cut
    assert shot_change_near(5000 + SHOT_MARGIN_MS + 1, 6000, [cut]) is None
    assert shot_change_near(3000, 5000 - SHOT_MARGIN_MS, [cut]) is cut
    zoom = ShotSpan("zoom", 7000, 8000)
    assert shot_change_near(7999, 9000, [zoom]) is zoom
    assert shot_change_near(8000, 9000, [zoom]) is None


def test_peaks_pair_one_to_one_closest_first_ranked_by_combined_z() -> None:
    audio = [Peak(900, 1100, 1000, 2.0, 0), Peak(1500, 1700, 1600, 5.0, 0), Peak(9000, 9100, 9050, 3.0, 0)]
    motion = [Peak(1400, 1900, 1700, 2.5, 0), Peak(20000, 20100, 20050, 9.0, 0)]
    pairs = multimodal_peaks(audio, motion)
    assert len(pairs) == 1
    pair = pairs[0]
    assert (pair.start_ms, pair.end_ms, pair.audio_peak_ms, pair.motion_peak_ms) == (1400, 1900, 1600, 1700)
    assert pair.score == 7.5 and pair.peak_ms == 1600
    far = [Peak(0, 10, 1000 + MULTIMODAL_DELTA_MS + 1, 1.0, 0)]
    assert multimodal_peaks([audio[0]], far) == []


def test_motion_peaks_pair_with_audio_peaks_and_meet_shot_changes() -> None:
    """The motion analysis's own records go straight into the rules (integer ms, no conversion)."""
    audio = [
        Peak(1000, 2000, 1500, 3.0, 0.5),
        Peak(10_000, 11_000, 10_500, -2.5, 0.01),
        Peak(20_000, 21_000, 20_400, 2.2, 0.4),
    ]
    motion = [
        MotionPeak(1800, 2600, 2200, 2.0, 30.0),  # 0.7 s after the first audio peak
        MotionPeak(12_000, 12_400, 12_200, 4.0, 50.0),  # 1.7 s from the second: too far
        MotionPeak(20_200, 20_600, 20_400, 2.5, 40.0),  # same time as the third
    ]
    pairs = multimodal_peaks(audio, motion)
    assert [(p.audio_peak_ms, p.motion_peak_ms) for p in pairs] == [(1500, 2200), (20_400, 20_400)]  # by combined z
    assert [round(p.score, 3) for p in pairs] == [5.0, 4.7]
    assert (pairs[0].start_ms, pairs[0].end_ms) == (1000, 2600)
    shots = [ShotChange(9000, 9000, "cut"), ShotChange(11_000, 13_000, "zoom")]
    assert shot_change_near(8200, 8600, shots) == shots[0]  # the cut 0.4 s after
    assert shot_change_near(7000, 8400, shots) is None  # 0.6 s before the cut
    assert shot_change_near(12_500, 14_000, shots) == shots[1]
    assert shot_change_near(13_200, 14_000, shots) is None
