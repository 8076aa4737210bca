"""``analyze --motion`` as a user runs it, and the motion job in the window's session."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from analysis.motion import MotionOptions, analyze_motion
from app.demo.synth import MotionScript
from app.gui.jobs import JobRunner
from app.gui.session import Session
from app.pipelines.motion import RUN_MOTION, load_motion
from app.project.store import Store
from tests.helpers.cli import run
from tests.helpers.media import quiet_with_burst, write_transition_video
from tests.helpers.opening import open_and_wait

SCRIPT = MotionScript()


@pytest.fixture(scope="module")
def with_sound(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The motion script with quiet noise and one loud burst at 6.3 s, during the fast move to the left."""
    audio = quiet_with_burst(SCRIPT.duration_s, 6.3)
    return SCRIPT.write(tmp_path_factory.mktemp("motion_cli") / "moves.mp4", audio)


@pytest.fixture(scope="module")
def silent(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return SCRIPT.write(tmp_path_factory.mktemp("motion_cli") / "silent.mp4")


def test_analyze_motion_json(with_sound: Path) -> None:
    done = run("analyze", str(with_sound), "--motion", "--json", "--quiet")
    assert done.returncode == 0, done.stderr
    data = json.loads(done.stdout)
    motion = data["motion"]
    assert motion["fps"] == 5.0 and motion["width"] == 320 and motion["flow"] == "dis"
    assert len(motion["times_s"]) == len(motion["magnitude"]) >= 5 * 13
    assert [s["kind"] for s in data["shot_changes"]] == ["cut", "cut", "zoom"]
    assert abs(data["shot_changes"][0]["t_s"] - 9.0) < 0.02
    assert set(data["motion_peaks"][0]) == {"start_s", "end_s", "peak_s", "z", "value", "not_significant"}
    assert any(6.0 <= p["peak_s"] < 7.0 for p in data["motion_peaks"])
    (pair,) = [m for m in data["multimodal_peaks"] if 6.0 <= m["audio_peak_s"] <= 7.0]
    assert set(pair) == {"start_s", "end_s", "audio_peak_s", "motion_peak_s", "score", "not_significant"}
    assert abs(pair["audio_peak_s"] - pair["motion_peak_s"]) <= 1.0 and pair["score"] > 4
    assert pair["not_significant"] is False
    # issue 12 item 11: one moment, one entry, as in the review queue and the exports
    moments = data["moments"]
    (moment,) = [m for m in moments if m["start_s"] <= 6.3 <= m["end_s"]]
    assert moment["tracks"] == "audio + motion" and moment["z"] == pair["score"]
    assert (moment["start_s"], moment["end_s"]) == (pair["start_s"], pair["end_s"])
    assert moment["audio"]["peak_s"] == moment["peak_s"] == pair["audio_peak_s"]
    assert moment["motion"]["peak_s"] == pair["motion_peak_s"]
    assert all(a["end_s"] < b["start_s"] for a, b in zip(moments, moments[1:], strict=False))
    for peak in (*data["audio_peaks"], *data["motion_peaks"]):
        assert peak["start_s"] <= peak["peak_s"] <= peak["end_s"]
        assert len([m for m in moments if m["start_s"] <= peak["peak_s"] <= m["end_s"]]) == 1
    # the zoom is excluded: a motion peak inside it is marked not significant
    for peak in data["motion_peaks"]:
        assert peak["not_significant"] == (peak["end_s"] > SCRIPT.zoom[0] - 0.5 and peak["start_s"] < SCRIPT.zoom[1])


def test_other_parameters_keep_both_runs(with_sound: Path, tmp_path: Path) -> None:
    project = tmp_path / "p.salient"
    assert run("analyze", str(with_sound), "--motion", "--project", str(project), "--quiet").returncode == 0
    done = run(
        "analyze", str(with_sound), "--motion", "--motion-fps", "2", "--flow", "farneback", "--project", str(project),
        "--json", "--quiet",
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["motion"]["fps"] == 2.0
    with Store.open(project, read_only=True) as store:
        media_id = store.all_media()[0].id
        runs = store.runs(media_id, RUN_MOTION)
        assert [(r.params["fps"], r.params["method"], r.status) for r in runs] == [
            (5.0, "dis", "done"),
            (2.0, "farneback", "done"),
        ]
        first = load_motion(store, media_id, MotionOptions())
        second = load_motion(store, media_id, MotionOptions(fps=2, method="farneback"))
        assert len(first.series) > len(second.series) > 0
        assert first.run_id == runs[0].id and second.run_id == runs[1].id


def test_a_video_without_sound_gets_motion_only(silent: Path) -> None:
    done = run("analyze", str(silent), "--motion", "--json", "--quiet")
    assert done.returncode == 0, done.stderr
    data = json.loads(done.stdout)
    assert data["audio_peaks"] == [] and data["stats"] is None
    assert data["motion_peaks"] and data["multimodal_peaks"] == []
    assert [m["tracks"] for m in data["moments"]] == ["motion"] * len(data["motion_peaks"])
    assert "has no audio track; only the pictures were analysed" in data["warnings"][0]
    assert run("analyze", str(silent)).returncode == 3  # without --motion there is nothing to analyse


def test_motion_on_an_audio_file_is_refused(talk_audio_only: Path, tmp_path: Path) -> None:
    project = tmp_path / "a.salient"
    done = run("analyze", str(talk_audio_only), "--motion", "--project", str(project))
    assert done.returncode == 3
    assert "has no video track; motion analysis needs pictures" in done.stderr
    assert not project.exists()


@pytest.mark.parametrize(("option", "value"), [("--motion-fps", "0"), ("--motion-width", "10"), ("--flow", "lk")])
def test_bad_motion_options(with_sound: Path, option: str, value: str) -> None:
    done = run("analyze", str(with_sound), "--motion", option, value)
    assert done.returncode == 2
    assert option in done.stderr


@pytest.mark.usefixtures("no_threads_left")
def test_the_background_job_equals_the_direct_call(qtbot, silent: Path, tmp_path: Path) -> None:
    runner = JobRunner()
    session = Session(runner)
    open_and_wait(qtbot, session, silent, tmp_path / "s.salient")
    job = session.start_motion(MotionOptions())
    with qtbot.waitSignal(job.finished, timeout=60_000):
        pass
    assert job.state == "done", job.error
    direct = analyze_motion(silent, MotionOptions())
    stored = session.motion.stored
    for name in ("times", "magnitude", "p90", "moving", "scale_rate"):
        ours, theirs = getattr(stored.series, name), getattr(direct.series, name)
        assert ours.shape == theirs.shape and np.abs(ours - theirs).max() <= 1e-9 * max(1.0, np.abs(theirs).max()), (
            name,
            np.abs(ours - theirs).max(),
        )
    assert [(s.kind, s.start_ms) for s in stored.shots] == [(s.kind, s.start_ms) for s in direct.shots]
    before = len(session.motion.peaks)
    session.set_options(session.options.__class__(k=1.0))  # the motion peaks follow k
    assert session.motion.k == 1.0 and len(session.motion.peaks) >= before
    peaks_at_1 = session.motion.peaks
    session.close()  # stores the peaks at k = 1 (a new run sharing the series)
    with qtbot.waitSignal(session.motion_changed, timeout=10_000):
        assert session.open(tmp_path / "s.salient")
    assert np.array_equal(session.motion.stored.series.magnitude, direct.series.magnitude)
    assert session.motion.k == 1.0 and session.options.k == 1.0
    assert [(p.start_ms, p.end_ms) for p in session.motion.peaks] == [(p.start_ms, p.end_ms) for p in peaks_at_1]
    with Store.open(session.project_path, read_only=True) as store:
        runs = store.runs(session.media.id, RUN_MOTION)
        assert [r.params["k"] for r in runs] == [2.0, 1.0]
        assert store.artifacts(runs[0].id)["series"] == store.artifacts(runs[1].id)["series"]
    session.close()
    runner.shutdown()


def test_a_fade_is_one_shot_change_in_the_json_and_says_why_a_moment_is_marked(tmp_path: Path) -> None:
    """Issue 14: the fade to black and back is one ``fade`` with its span (it was two cuts), and the moment the
    flow flags in it is marked with the reason."""
    video = write_transition_video(tmp_path / "fade.mp4", "fade_black", before_s=3.0, after_s=3.0)
    done = run("analyze", str(video), "--motion", "--json", "--quiet")
    assert done.returncode == 0, done.stderr
    data = json.loads(done.stdout)
    assert data["shot_changes"] == [{"t_s": 2.96, "end_s": 5.36, "kind": "fade"}]
    assert [(m["start_s"], m["not_significant"], m["why"]) for m in data["moments"]] == [
        (3.84, True, "within 0.5 s of a fade 00:02.960–00:05.360"),
        (4.44, True, "within 0.5 s of a fade 00:02.960–00:05.360"),
    ]
