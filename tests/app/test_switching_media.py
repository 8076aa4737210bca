"""Closing a project or opening another leaves nothing of the one before on screen; media without audio or
without video say what they lack instead of showing empty rows, and offer what can fill them (issue 12 items
22, 6, 23, 32)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from analysis.motion import MotionOptions
from app.demo.synth import Event, write_media
from app.gui.controllers.motion import NO_VIDEO, NO_VIDEO_DETAIL, NOT_ANALYSED
from app.gui.controllers.transcript import NO_AUDIO_TO_TRANSCRIBE, NO_TRANSCRIPT_NOTE, SELECT_SEGMENT
from app.gui.labelling import ANALYSE_MOTION, MOTION_RUNNING, SILENT_VIDEO
from app.gui.main_window import MainWindow
from app.project.store import Store
from app.timecode import format_clock
from tests.helpers.opening import open_and_wait
from widgets.dialogs.transcribe_dialog import TranscribeDialog
from widgets.panels.overlay_toolbar import OverlayToolbar
from widgets.panels.peak_detail_panel import EMPTY_TEXT

pytestmark = pytest.mark.usefixtures("no_threads_left")

NO_AUDIO_CONTEXT = "No audio track in this file: nothing to transcribe"
AUDIO_ROWS = ("waveform", "envelope", "audio_peaks", "pauses")


def open_with_audio(qtbot, window: MainWindow, path: Path) -> None:
    with qtbot.waitSignal(window.session.pauses_changed, timeout=30_000):
        assert window.open_path(path)


def run_motion(qtbot, window: MainWindow) -> None:
    job = window.session.start_motion(MotionOptions())
    with qtbot.waitSignal(job.finished, timeout=60_000):
        pass
    assert job.state == "done", job.error


def notes(window: MainWindow) -> dict[str, str]:
    return {track.key: track.note for track in window.timeline.tracks() if track.note}


def test_closing_leaves_nothing_of_the_media_closed(qtbot, window: MainWindow, talk: Path) -> None:
    open_with_audio(qtbot, window, talk)
    run_motion(qtbot, window)
    assert window.motion.track.y_range[1] > 1.0 and window.envelope_track.y_range != (0.0, 1.0)
    window.player.seek(5000)
    assert window.transport.time_text() == "00:00:05.000 / 00:00:17.216"
    window.session.close()
    assert window.transport.time_text() == "00:00:00.000"
    assert (window.transport.frame_text(), window.transport.sound_text()) == ("frame —", "")
    assert (window.player.duration_ms, window.player.position_ms) == (0, 0)
    assert window.timeline.duration_ms == 0 and window.timeline.visible_range() == (0, 10_000)
    assert window.motion.track.y_range == (0.0, 1.0)
    assert window.envelope_track.y_range == (0.0, 1.0)
    assert notes(window) == {}
    assert window.distribution._histogram_plot.viewRange() == [[0.0, 1.0], [0.0, 1.0]], "not the talk's scale"


def test_an_audio_file_after_a_video_has_no_motion_scale_and_says_why(
    qtbot, window: MainWindow, talk: Path, talk_audio_only: Path, tmp_path: Path
) -> None:
    open_with_audio(qtbot, window, talk)
    run_motion(qtbot, window)
    toolbar = window.findChild(OverlayToolbar)
    assert toolbar.isEnabled() and toolbar.heatmap_action.isEnabled()
    audio_only = Path(shutil.copy(talk_audio_only, tmp_path / "talk.m4a"))
    open_with_audio(qtbot, window, audio_only)
    duration = window.session.media.info.duration_ms
    assert window.timeline.duration_ms == duration == window.player.duration_ms
    assert window.transport.time_text() == f"00:00:00.000 / {format_clock(duration)}"
    assert window.motion.track.y_range == (0.0, 1.0)
    assert notes(window) == {"motion": NO_VIDEO, "transcript": NO_TRANSCRIPT_NOTE}
    assert NO_VIDEO == "No video track in this file: no motion"
    assert not toolbar.isEnabled() and not toolbar.heatmap_action.isEnabled()
    assert toolbar.toolTip() == "Flow overlays: this file has no video"

    rows = window.review_panel.rows()
    assert [row.key for row in rows] == ["audio_peak:3000:4000", "audio_peak:11000:12000"]
    window.review_panel.select(rows[0].key)
    assert window.motion.detail.message() == NO_VIDEO_DETAIL
    assert window.transcript.context.title_label.text() == "audio peak at 00:03.300 · z = +2.63"


def test_a_video_without_audio_says_what_is_missing(qtbot, window: MainWindow, video_only: Path, monkeypatch) -> None:
    open_and_wait(qtbot, window.session, video_only)
    assert notes(window) == {
        **dict.fromkeys(AUDIO_ROWS, "No audio track in this file"),
        "motion": NOT_ANALYSED,
        "transcript": NO_AUDIO_CONTEXT,
    }
    assert window.findChild(OverlayToolbar).isEnabled()
    context = window.transcript.context
    assert (context.title_label.text(), context.text()) == (SELECT_SEGMENT, NO_AUDIO_CONTEXT)
    errors: list[str] = []
    monkeypatch.setattr(window, "show_error", lambda message, details="": errors.append(message))
    monkeypatch.setattr(TranscribeDialog, "exec", lambda self: pytest.fail("the dialog opened"))
    window.transcript.transcribe_dialog()
    assert errors == [NO_AUDIO_TO_TRANSCRIBE]
    assert window.statusBar().currentMessage() == "silent.mp4 has no audio track: there is no sound to analyse"
    window.session.close()
    assert window.statusBar().currentMessage() == "" and notes(window) == {}
    assert (context.title_label.text(), context.text()) == ("", "")


def test_nothing_open_disables_the_flow_toolbar(window: MainWindow) -> None:
    toolbar = window.findChild(OverlayToolbar)
    assert not toolbar.isEnabled() and not toolbar.vectors_action.isEnabled()
    assert toolbar.toolTip() == "Flow overlays: open a video first"


def test_the_peak_header_follows_the_selected_row_across_k_and_files(
    qtbot, window: MainWindow, talk: Path, talk_audio_only: Path, tmp_path: Path
) -> None:
    open_with_audio(qtbot, window, talk)
    controls, queue, panel, context = window.peak_controls, window.review_queue, window.review_panel, window.transcript
    controls.window_combo.setCurrentIndex(controls.window_combo.findData(250))  # peak ranges move with k here
    assert [row.key for row in panel.rows()] == ["audio_peak:3250:3500", "audio_peak:11750:12000"]
    with qtbot.waitSignal(queue.selected):
        panel.select("audio_peak:3250:3500")
    header = "audio peak at 00:03.300 · z = +5.21"
    assert context.context.title_label.text() == header

    with qtbot.assertNotEmitted(queue.selected):  # the same moment: not sought and played again
        controls.slider.setValue(10)  # k = 1: the peak now spans 3.0–3.5 s
    assert queue.selected_key == panel.selected_key() == "audio_peak:3000:3500"
    assert context.context.title_label.text() == header

    controls.window_combo.setCurrentIndex(controls.window_combo.findData(1000))
    controls.slider.setValue(30)  # k = 3: no audio peak any more
    assert panel.rows() == [] and queue.selected_key is None and panel.selected_key() is None
    assert context.context.title_label.text() == SELECT_SEGMENT
    assert window.motion.detail.message() == EMPTY_TEXT

    controls.slider.setValue(20)
    panel.select("audio_peak:11000:12000")
    assert context.context.title_label.text() == "audio peak at 00:11.788 · z = +2.66"
    open_with_audio(qtbot, window, Path(shutil.copy(talk_audio_only, tmp_path / "talk.m4a")))
    assert context.context.title_label.text() == SELECT_SEGMENT, "no peak of the file closed"


@pytest.fixture(scope="module")
def silent_moves(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """8 s of video without audio, the square moving from 3 s to 4 s."""
    path = tmp_path_factory.mktemp("silent_moves") / "silent_moves.mp4"
    return write_media(path, None, duration_ms=8000, motion=[Event("motion", 3000, 4000)])


def test_a_video_without_audio_offers_its_motion_and_faces(
    qtbot, window: MainWindow, silent_moves: Path, tmp_path: Path
) -> None:
    """Nothing starts by itself without audio: the empty queue says why and offers the analysis that fills it."""
    video = Path(shutil.copy(silent_moves, tmp_path / "silent_moves.mp4"))
    open_and_wait(qtbot, window.session, video)
    panel = window.review_panel
    assert panel.rows() == []
    assert (panel.empty_label.text(), panel.empty_button.text()) == (SILENT_VIDEO, ANALYSE_MOTION)
    assert not panel.empty_label.isHidden() and not panel.empty_button.isHidden()
    assert window.motion.track.note == NOT_ANALYSED

    panel.empty_button.click()
    job = window.session.motion_job
    assert job is not None and job.running and job.title.startswith("Motion and faces")
    assert panel.empty_label.text() == MOTION_RUNNING and panel.empty_button.isHidden()
    with qtbot.waitSignal(job.finished, timeout=60_000):
        pass
    assert job.state == "done", job.error
    rows = panel.rows()
    assert rows and {row.track for row in rows} == {"motion"}
    assert any(row.start_ms < 4000 and row.end_ms > 3000 for row in rows)
    assert panel.empty_label.isHidden() and panel.empty_button.isHidden()
    assert window.motion.track.note == ""
    with Store.open(window.session.project_path, read_only=True) as store:
        assert {(run.kind, run.status) for run in store.runs()} == {("motion", "done"), ("faces", "done")}
