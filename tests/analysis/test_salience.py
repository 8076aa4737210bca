"""Pure rules that combine flags: shot changes near a segment, audio and motion peaks merged into moments."""

from __future__ import annotations

import random

from analysis.audio import Peak
from analysis.motion import MotionPeak, ShotChange
from analysis.salience import MULTIMODAL_DELTA_MS, SHOT_MARGIN_MS, Moment, ShotSpan, moments, shot_change_near


def test_a_cut_within_the_margin_or_an_overlapping_zoom_is_near() -> None:
    cut = ShotSpan("cut", 5000, 5000)
    assert shot_change_near(5000 + SHOT_MARGIN_MS, 6000, [cut]) is cut
    assert shot_change_near(5000 + SHOT_MARGIN_MS + 1, 6000, [cut]) is None
    assert shot_change_near(3000, 5000 - SHOT_MARGIN_MS, [cut]) is cut
    zoom = ShotSpan("zoom", 7000, 8000)
    assert shot_change_near(7999, 9000, [zoom]) is zoom
    assert shot_change_near(8000, 9000, [zoom]) is None


def spans(found: list[Moment]) -> list[tuple[int, int, int, tuple[str, ...]]]:
    return [(m.start_ms, m.end_ms, m.peak_ms, m.tracks) for m in found]


def test_peaks_close_in_time_are_one_moment_with_the_strongest_audio_peak() -> None:
    audio = [Peak(900, 1100, 1000, 2.0, 0), Peak(1500, 1700, 1600, 5.0, 0), Peak(9000, 9100, 9050, 3.0, 0)]
    motion = [Peak(1400, 1900, 1700, 2.5, 0), Peak(20000, 20100, 20050, 9.0, 0)]
    found = moments(audio, motion)
    # both audio peaks lie within 1 s of the motion peak: one moment from 0.9 to 1.9 s, not three rows
    assert spans(found) == [
        (900, 1900, 1600, ("audio", "motion")),
        (9000, 9100, 9050, ("audio",)),
        (20000, 20100, 20050, ("motion",)),
    ]
    assert found[0].audio == (audio[0], audio[1]) and found[0].motion == (motion[0],)
    assert found[0].audio_peak is audio[1] and found[0].z == 7.5
    assert [m.z for m in found[1:]] == [3.0, 9.0]
    late = 1000 + MULTIMODAL_DELTA_MS
    near, far = Peak(late, late + 100, late, 1.0, 0), Peak(late + 1, late + 100, late + 1, 1.0, 0)
    assert spans(moments([audio[0]], [near])) == [(900, 2100, 1000, ("audio", "motion"))]
    assert spans(moments([audio[0]], [far])) == [(900, 1100, 1000, ("audio",)), (2001, 2100, 2001, ("motion",))]


def test_overlapping_spans_are_one_moment_however_far_apart_their_peaks() -> None:
    """A gesture over 4 s with a shout at each end: one moment; a peak never lies inside another's segment."""
    audio = [Peak(10_000, 11_000, 10_200, 3.0, 0), Peak(13_000, 14_000, 13_900, -2.5, 0)]
    motion = [Peak(10_800, 13_200, 12_000, 4.0, 0)]
    assert spans(moments(audio, motion)) == [(10_000, 14_000, 10_200, ("audio", "motion"))]
    # segments that only touch are one moment too (a peak at the shared edge belongs to both otherwise)
    touching = [Peak(5000, 6000, 6000, 2.0, 0)], [Peak(6000, 6400, 6200, 3.0, 0)]
    assert spans(moments(*touching)) == [(5000, 6400, 6000, ("audio", "motion"))]


def test_a_stored_peak_outside_its_span_widens_its_moment() -> None:
    """Audio peaks stored before the peak was kept inside its segment: the moment reaches the peak, and an
    audio segment that peak falls into is merged with it."""
    audio = [Peak(10_000, 11_000, 9_700, 3.0, 0), Peak(8_000, 9_800, 9_000, 2.0, 0)]
    assert spans(moments(audio, [])) == [(8_000, 11_000, 9_700, ("audio",))]
    assert spans(moments(audio[:1], [])) == [(9_700, 11_000, 9_700, ("audio",))]


def test_every_flag_in_one_moment_every_peak_inside_it_and_no_overlap() -> None:
    rng = random.Random(7)

    def flags(count: int) -> list[Peak]:
        found = []
        for _ in range(count):
            start = rng.randrange(0, 120_000)
            end = start + rng.randrange(40, 3000)
            found.append(Peak(start, end, rng.randrange(start - 600, end + 600), rng.uniform(-6, 6), 0))
        return found

    audio, motion = flags(150), flags(120)
    found = moments(audio, motion)
    held = [id(flag) for moment in found for flag in (*moment.audio, *moment.motion)]
    assert sorted(held) == sorted(id(flag) for flag in (*audio, *motion))
    for moment in found:
        assert moment.start_ms <= moment.peak_ms <= moment.end_ms
        assert all(moment.start_ms <= flag.peak_ms <= moment.end_ms for flag in (*moment.audio, *moment.motion))
    assert all(a.end_ms < b.start_ms for a, b in zip(found, found[1:], strict=False))
    assert 1 < len(found) < len(audio) + len(motion)


def test_motion_peaks_join_audio_peaks_and_meet_shot_changes() -> None:
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
    found = moments(audio, motion)
    assert spans(found) == [
        (1000, 2600, 1500, ("audio", "motion")),
        (10_000, 11_000, 10_500, ("audio",)),
        (12_000, 12_400, 12_200, ("motion",)),
        (20_000, 21_000, 20_400, ("audio", "motion")),
    ]
    assert [round(m.z, 3) for m in found] == [5.0, -2.5, 4.0, 4.7]
    shots = [ShotChange(9000, 9000, "cut"), ShotChange(11_000, 13_000, "zoom")]
    assert shot_change_near(8200, 8600, shots) == shots[0]  # the cut 0.4 s after
    assert shot_change_near(7000, 8400, shots) is None  # 0.6 s before the cut
    assert shot_change_near(12_500, 14_000, shots) == shots[1]
    assert shot_change_near(13_200, 14_000, shots) is None
