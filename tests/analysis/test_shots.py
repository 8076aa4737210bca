"""Shot changes on generated videos with known transitions: each found once, with its kind and span; no cut where
there is none (the fades used to give a cut at each end)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from analysis.motion import MotionSeries, ShotChange, analyze_motion, pans
from analysis.shots import fade_span
from tests.helpers.media import write_transition_video

KINDS = ("cut", "fade_black", "fade_white", "dissolve", "pan", "static")


@pytest.fixture(scope="module")
def shots(tmp_path_factory: pytest.TempPathFactory) -> dict[str, tuple[ShotChange, ...]]:
    folder = tmp_path_factory.mktemp("transitions")
    return {kind: analyze_motion(write_transition_video(folder / f"{kind}.mp4", kind)).shots for kind in KINDS}


def test_a_hard_cut_is_one_cut_on_its_frame(shots: dict[str, tuple[ShotChange, ...]]) -> None:
    # picture B from frame 50 (2.000 s); the old histogram rule missed it (same grey-level histograms)
    assert shots["cut"] == (ShotChange(2000, 2000, "cut"),)


@pytest.mark.parametrize("kind", ["fade_black", "fade_white"])
def test_a_fade_out_and_in_is_one_fade_over_its_span(shots: dict[str, tuple[ShotChange, ...]], kind: str) -> None:
    # A until 1.96 s, fading over 2.00–2.96 s, 0.4 s flat, B fading in over 3.36–4.32 s, whole from 4.36 s;
    # the old rule gave two cuts, one at each end of the flat part
    assert shots[kind] == (ShotChange(1960, 4360, "fade"),)


def test_a_cross_dissolve_is_one_dissolve(shots: dict[str, tuple[ShotChange, ...]]) -> None:
    # A until 1.96 s, blends over 2.00–2.96 s, B from 3.00 s
    assert shots["dissolve"] == (ShotChange(1960, 3000, "dissolve"),)


def test_a_pan_is_a_pan_and_no_cut(shots: dict[str, tuple[ShotChange, ...]]) -> None:
    # the picture slides from 2.00 s to 2.96 s; pairs every 0.2 s, so the run is 2.00–3.04 s at 5 pairs/s
    (pan,) = shots["pan"]
    assert pan.kind == "pan"
    assert abs(pan.start_ms - 2000) <= 200 and abs(pan.end_ms - 3000) <= 200


def test_static_noisy_footage_has_no_shot_change(shots: dict[str, tuple[ShotChange, ...]]) -> None:
    assert shots["static"] == ()


def test_a_fade_span_follows_the_brightness_down_and_up() -> None:
    means = np.array([120, 120, 100, 60, 20, 17, 17, 40, 80, 120, 120, 119], dtype=float)
    assert fade_span(means, 5, dark=True) == (1, 9)
    whites = 255 - means
    assert fade_span(whites, 5, dark=False) == (1, 9)


def test_a_series_saved_before_pans_loads_without_pans(tmp_path: Path) -> None:
    old = np.vstack([np.arange(5) * 0.2, *[np.full(5, 100.0)] * 3, np.zeros(5), np.zeros(5), np.zeros(5)])
    np.save(tmp_path / "old.npy", old)
    series = MotionSeries.load(tmp_path / "old.npy")
    assert np.isnan(series.mean_speed).all() and len(series) == 5
    assert pans(series, 5.0) == []
