"""Pure rules that combine flags: shot changes near a segment, audio and motion peaks paired."""

from __future__ import annotations

from analysis.audio import Peak
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
