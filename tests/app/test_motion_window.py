"""Motion in the window: run the analysis, see the track, review motion peaks, read the peak detail."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from analysis.motion import FlowMethod, MotionOptions
from analysis.salience import ShotRule
from app.demo.synth import MotionScript
from app.gui.main_window import MainWindow
from app.timecode import format_ms
from tests.helpers.opening import open_and_wait

pytestmark = pytest.mark.usefixtures("no_threads_left")

SCRIPT = MotionScript()


@pytest.fixture(scope="module")
def moves(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return SCRIPT.write(tmp_path_factory.mktemp("motion_window") / "moves.mp4")


@pytest.fixture
def analysed(qtbot, window: MainWindow, moves: Path, tmp_path: Path) -> MainWindow:
    import shutil

    video = Path(shutil.copy(moves, tmp_path / "moves.mp4"))
    open_and_wait(qtbot, window.session, video)
    job = window.session.start_motion(MotionOptions())
    with qtbot.waitSignal(job.finished, timeout=60_000):
        pass
    assert job.state == "done", job.error
    return window


def test_the_motion_track_and_the_queue_fill(analysed: MainWindow) -> None:
    track = analysed.motion.track
    state = analysed.session.motion
    assert track.cut_count == 2 and track.zoom_count == 1
    assert len(state.peaks) >= 1
    rows = analysed.review_panel.rows()
    motion_rows = [row for row in rows if row.track == "motion"]
    assert len(motion_rows) == len(state.peaks)
    zoom_start, zoom_end = SCRIPT.zoom[0], SCRIPT.zoom[1]
    for row in motion_rows:
        in_zoom = row.end_ms / 1000 > zoom_start - 0.5 and row.start_ms / 1000 < zoom_end
        assert bool(row.shot) == in_zoom, row


def test_selecting_a_motion_peak_shows_its_detail(qtbot, analysed: MainWindow) -> None:
    rows = [row for row in analysed.review_panel.rows() if row.track == "motion" and not row.shot]
    assert rows
    analysed.review_panel.select(rows[0].key)
    panel = analysed.motion.detail
    qtbot.waitUntil(lambda: panel.detail() is not None, timeout=20_000)
    detail = panel.detail()
    assert detail.moment_ms == rows[0].peak_ms
    assert max(detail.magnitudes) > 0


def test_k_moves_the_motion_band(analysed: MainWindow) -> None:
    state = analysed.session.motion
    high_before = state.stats.high
    analysed.peak_controls.slider.setValue(analysed.peak_controls.slider.value() + 10)  # k + 1
    after = analysed.session.motion
    assert after.k == pytest.approx(state.k + 1.0)
    assert after.stats.high == pytest.approx(high_before + after.stats.std)


def test_only_the_last_selected_peak_gets_its_detail(qtbot, analysed: MainWindow) -> None:
    rows = [row for row in analysed.review_panel.rows() if row.track == "motion"]
    assert len(rows) >= 2
    for row in rows:
        analysed.review_panel.select(row.key)
    panel = analysed.motion.detail
    qtbot.waitUntil(lambda: panel.detail() is not None, timeout=20_000)
    assert panel.detail().moment_ms == rows[-1].peak_ms, "earlier selections never show"


def test_the_detail_uses_the_runs_method_and_width_and_its_cuts(qtbot, window: MainWindow, moves: Path) -> None:
    open_and_wait(qtbot, window.session, moves)
    job = window.session.start_motion(MotionOptions(method=FlowMethod.FARNEBACK, width=160))
    with qtbot.waitSignal(job.finished, timeout=60_000):
        pass
    assert job.state == "done", job.error
    window.session.set_options(replace(window.session.options, k=0.5))  # more peaks: some near the cuts
    state = window.session.motion
    cuts = [shot.start_ms for shot in state.stored.shots if shot.kind == "cut"]
    rows = [row for row in window.review_panel.rows() if row.track == "motion"]
    panel = window.motion.detail
    for row in (rows[0], next(row for row in rows if any(abs(row.peak_ms - cut) < 1000 for cut in cuts))):
        window.review_panel.select(row.key)
        qtbot.waitUntil(lambda row=row: panel.detail() is not None and panel.detail().moment_ms == row.peak_ms)
        detail = panel.detail()
        assert (detail.method, detail.width) == (FlowMethod.FARNEBACK, 160)
        series = state.stored.series
        index = int(np.argmin(np.abs(series.times * 1000 - row.peak_ms)))
        assert detail.pair.magnitude == pytest.approx(float(series.magnitude[index]), rel=1e-6)
        assert f"as the Motion track measures it: {detail.pair.magnitude:.2f} px/s" in panel.magnitude_label.text()
        cut = next((c for c in cuts if detail.times_ms[0] < c <= detail.times_ms[2]), None)
        assert (cut is not None) == (row is not rows[0])
        if cut is not None:
            side = detail.before if cut <= detail.times_ms[1] else detail.after
            assert side.cut_ms == cut
            label = panel.interval_labels["before" if side is detail.before else "after"].text()
            assert label.endswith(f"a cut lies between these frames (at {format_ms(cut)}): this flow is not motion")


def test_the_shot_rule_is_set_stored_and_applied_to_the_queue(analysed: MainWindow) -> None:
    """Issue 14: the rule (Analyze ▸ Not Significant Near…) changes which rows are marked, at once, says why,
    and is stored with the project. The motion peaks end at 6.24 s and 7.04 s; the cuts are at 9 and 11 s."""
    session = analysed.session

    def marks() -> list[tuple[int, str]]:
        return [(row.end_ms, row.shot) for row in analysed.review_panel.rows() if row.track == "motion"]

    assert marks() == [(6240, ""), (7040, "")]
    session.set_shot_rule(ShotRule(frozenset({"cut"}), 2500))
    assert marks() == [(6240, ""), (7040, "within 2.5 s of a cut at 00:09.000")]
    assert session._store.chosen_shot_rule() == {"kinds": ["cut"], "margin_ms": 2500}
    session.set_shot_rule(ShotRule(frozenset({"fade", "dissolve", "zoom", "pan"}), 2500))
    assert marks() == [(6240, ""), (7040, "")]
