"""FrameTimes: frame index ↔ media time and where a frame step lands, on a video that starts after media time 0."""

from __future__ import annotations

from fractions import Fraction

import pytest

from analysis.frames import FrameTimes

LATE = FrameTimes(frame_count=50, first_pts=852, time_base=Fraction(1, 1000), rate=Fraction(25), origin_us=0)
"""25 fps from 0.852 s (audio from 0): frame i at 852 + 40 i ms, the last (49) at 2812 ms."""

TABLE = (852, 892, 912, 982, 1015)
LATE_VFR = FrameTimes(5, 852, Fraction(1, 1000), Fraction(4000, 163), 0, TABLE, TABLE)


@pytest.mark.parametrize("times", [LATE, LATE_VFR], ids=["constant", "variable"])
def test_first_and_last_frame_times(times: FrameTimes) -> None:
    assert times.first_ms == 852
    assert times.last_ms == (2812 if times is LATE else 1015)
    assert times.index_at_time(0) == times.index_at_time(851) == times.index_at_time(852) == 0


@pytest.mark.parametrize(
    ("position", "frames", "expected"),
    [
        (0, -1, (0, 0)),  # before the first frame: nothing earlier, the time does not jump forward to 852
        (500, -5, (0, 500)),
        (851, -1, (0, 851)),
        (852, -1, (0, 852)),  # on the first frame: it stays, at its own time
        (900, -1, (0, 852)),  # inside frame 0: back to its start
        (0, 1, (0, 852)),  # before the first frame: the next frame is frame 0
        (0, 2, (1, 892)),
        (852, 1, (1, 892)),
        (1000, -1, (2, 932)),  # frame 3 (972) shown at 1000
        (1000, 1, (4, 1012)),
        (2812, 1, (49, 2812)),  # on the last frame: it stays, at its own time
        (2857, 1, (49, 2857)),  # after the last frame's time (the end of the media): time does not go back
        (2857, 3, (49, 2857)),
        (2857, -1, (48, 2772)),
        (2812, -1, (48, 2772)),
    ],
)
def test_a_step_lands_on_a_frame_and_never_moves_time_against_the_step(
    position: int, frames: int, expected: tuple[int, int]
) -> None:
    assert LATE.step(position, frames) == expected


def test_steps_on_a_variable_rate_table() -> None:
    assert LATE_VFR.step(0, -1) == (0, 0)
    assert LATE_VFR.step(0, 1) == (0, 852)
    assert LATE_VFR.step(892, 1) == (2, 912)
    assert LATE_VFR.step(950, -1) == (1, 892)
    assert LATE_VFR.step(1015, 1) == (4, 1015)
    assert LATE_VFR.step(1100, 1) == (4, 1100)
    assert LATE_VFR.step(1100, -1) == (3, 982)
