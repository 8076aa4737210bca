"""A new transcription never loses the transcript the user sees: a failed or cancelled one leaves it on screen
and in the project; Transcribe asks whether to replace it or keep both as versions (Transcript ▸ Versions)."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtWidgets import QDialog, QMessageBox

from analysis.transcribe import TranscribeOptions
from app.gui.main_window import MainWindow
from app.gui.session import Session
from app.pipelines.transcription import RUN_TRANSCRIBE
from app.project.store import Store
from tests.app.test_transcript_import import write_srt
from tests.helpers.transcripts import import_and_wait
from widgets.dialogs.transcribe_dialog import TranscribeDialog

pytestmark = pytest.mark.usefixtures("no_threads_left")

CUES = [(1000, 2500, "The first transcript."), (3000, 4200, "It has two lines.")]
EDITED = [(1000, 2500, "The corrected first line."), (3000, 4200, "It has two lines.")]
UNREACHABLE = TranscribeOptions(model="nobody/no-such-model")
"""A hub model: accepted by name, then cannot be fetched (no network, and HF_HUB_OFFLINE makes it quick)."""


@pytest.fixture(autouse=True)
def offline(monkeypatch) -> None:
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")


def texts(segments) -> list[tuple[int, int, str]]:
    return [(s.start_ms, s.end_ms, s.text) for s in segments]


def in_project(session: Session) -> tuple[int | None, list[tuple[int, int, str]]]:
    """The transcript the project file shows, read through a connection of its own."""
    with Store.open(session.project_path, read_only=True) as store:
        run = store.transcript_run(session.media.id)
        return (run.id, texts(store.transcript_segments(run.id))) if run is not None else (None, [])


def edited_import(session: Session, tmp_path: Path) -> int:
    result = session.import_transcript(write_srt(tmp_path / "first.srt", CUES), "Ana")
    session.transcript.edit_text(0, "The corrected first line.")
    assert texts(session.transcript.segments) == EDITED
    return result.run_id


def run_to_the_end(qtbot, job) -> None:
    assert job is not None
    if job.running:
        with qtbot.waitSignal(job.finished, timeout=120_000):
            pass


def test_a_failed_transcription_leaves_the_edited_transcript_shown_and_stored(
    qtbot, session: Session, tmp_path: Path
) -> None:
    imported = edited_import(session, tmp_path)
    with qtbot.waitSignal(session.error_occurred, timeout=60_000) as error:
        job = session.start_transcription(UNREACHABLE)
    run_to_the_end(qtbot, job)
    assert job.state == "failed"
    assert "cannot get the model 'nobody/no-such-model'" in error.args[0]
    assert session.transcript.run_id == imported
    assert texts(session.transcript.segments) == EDITED
    assert in_project(session) == (imported, EDITED)
    with Store.open(session.project_path, read_only=True) as store:
        (failed,) = store.runs(session.media.id, RUN_TRANSCRIBE)
        assert failed.status == "failed"


def test_a_replacing_transcription_that_fails_deletes_nothing(qtbot, session: Session, tmp_path: Path) -> None:
    imported = edited_import(session, tmp_path)
    run_to_the_end(qtbot, session.start_transcription(UNREACHABLE, replace=True))
    assert in_project(session) == (imported, EDITED)
    assert session.transcript.run_id == imported


def test_a_cancelled_transcription_gives_the_transcript_its_place_back(qtbot, session: Session, tmp_path: Path) -> None:
    imported = edited_import(session, tmp_path)
    job = session.start_transcription(TranscribeOptions(chunk_s=6.0))
    job.partial.connect(lambda _segment: job.cancel())
    run_to_the_end(qtbot, job)
    assert job.state == "cancelled"
    assert session.transcript.run_id == imported
    assert texts(session.transcript.segments) == EDITED
    assert in_project(session) == (imported, EDITED)
    # what was transcribed stays stored, and the next Transcribe with these settings resumes it
    assert session.transcription_state(TranscribeOptions(chunk_s=6.0))[0] == "resume"


def test_keeping_both_versions_shows_the_new_one_and_the_versions_menu_brings_the_old_back(
    qtbot, session: Session, tmp_path: Path
) -> None:
    imported = edited_import(session, tmp_path)
    job = session.start_transcription(TranscribeOptions())
    run_to_the_end(qtbot, job)
    assert job.state == "done", job.error
    new_run, new_texts = in_project(session)
    assert new_run != imported and len(new_texts) >= 3
    assert session.transcript.run_id == new_run
    assert [(run.id, count) for run, count in session.transcript_versions()] == [
        (imported, 2),
        (new_run, len(new_texts)),
    ]

    session.show_transcript_version(imported)
    assert texts(session.transcript.segments) == EDITED
    assert in_project(session) == (imported, EDITED)  # also after reopening
    session.show_transcript_version(new_run)
    assert in_project(session) == (new_run, new_texts)


def test_replacing_deletes_the_old_transcript_once_the_new_one_finished(
    qtbot, session: Session, tmp_path: Path
) -> None:
    imported = edited_import(session, tmp_path)
    job = session.start_transcription(TranscribeOptions(), replace=True)
    run_to_the_end(qtbot, job)
    assert job.state == "done", job.error
    new_run, _ = in_project(session)
    assert [run.id for run, _count in session.transcript_versions()] == [new_run]
    with Store.open(session.project_path, read_only=True) as store:
        assert imported not in {run.id for run in store.runs(session.media.id)}
        assert store.transcript_segments(imported) == []


def test_undoing_an_edit_of_a_version_no_longer_shown_changes_nothing(qtbot, session: Session, tmp_path: Path) -> None:
    edited_import(session, tmp_path)
    job = session.start_transcription(TranscribeOptions())
    run_to_the_end(qtbot, job)
    shown = session.transcript.segments
    session.transcript.undo_stack.undo()  # the edit of the imported transcript
    assert session.transcript.segments == shown


# -- in the window -----------------------------------------------------------------------------------------


@pytest.fixture
def opened(qtbot, window: MainWindow, talk: Path) -> MainWindow:
    with qtbot.waitSignal(window.session.pauses_changed, timeout=30_000):
        window.open_path(talk)
    return window


def answer(monkeypatch, button: str, options: TranscribeOptions | None) -> list[str]:
    """Click ``button`` in the "a transcript exists" question; accept the Transcribe dialog with ``options``
    (None: it must not open). Returns what was asked."""
    asked: list[str] = []

    def question(box: QMessageBox) -> int:
        asked.append(box.text())
        next(b for b in box.buttons() if b.text().replace("&", "") == button).click()
        return 0

    def transcribe(dialog: TranscribeDialog) -> int:
        assert options is not None, "the Transcribe dialog opened after Cancel"
        monkeypatch.setattr(dialog, "options", lambda: options)
        return QDialog.DialogCode.Accepted

    monkeypatch.setattr(QMessageBox, "exec", question)
    monkeypatch.setattr(TranscribeDialog, "exec", transcribe)
    return asked


def test_the_dock_and_track_keep_the_edited_transcript_when_transcribing_fails(
    qtbot, monkeypatch, opened: MainWindow, tmp_path: Path
) -> None:
    controller = opened.transcript
    assert import_and_wait(qtbot, controller, write_srt(tmp_path / "first.srt", CUES))
    controller.view.text_edited.emit(0, "The corrected first line.")
    asked = answer(monkeypatch, "Replace", UNREACHABLE)
    controller.transcribe_dialog()
    assert asked == ["This media already has a transcript of 2 segment(s), including any corrections you made."]
    run_to_the_end(qtbot, controller.job)
    assert controller.job.state == "failed"
    assert texts(controller.view.segments()) == EDITED
    assert controller.track.segment_count == 2
    assert not controller.view.busy_label.isVisible()
    assert in_project(opened.session)[1] == EDITED


def test_cancel_in_the_question_starts_nothing(qtbot, monkeypatch, opened: MainWindow, tmp_path: Path) -> None:
    controller = opened.transcript
    assert import_and_wait(qtbot, controller, write_srt(tmp_path / "first.srt", CUES))
    asked = answer(monkeypatch, "Cancel", None)
    controller.transcribe_dialog()
    assert asked == ["This media already has a transcript of 2 segment(s), including any corrections you made."]
    assert controller.job is None
    assert texts(controller.view.segments()) == CUES


def test_no_question_when_there_is_no_transcript(qtbot, monkeypatch, opened: MainWindow) -> None:
    asked = answer(monkeypatch, "Cancel", UNREACHABLE)
    opened.transcript.transcribe_dialog()
    assert asked == []
    run_to_the_end(qtbot, opened.transcript.job)
    assert opened.transcript.view.segments() == []


def test_the_versions_menu_lists_the_versions_and_switches(
    qtbot, monkeypatch, opened: MainWindow, tmp_path: Path
) -> None:
    controller = opened.transcript
    assert import_and_wait(qtbot, controller, write_srt(tmp_path / "first.srt", CUES))
    assert import_and_wait(qtbot, controller, write_srt(tmp_path / "second.srt", EDITED))
    menu = controller.versions_menu
    menu.aboutToShow.emit()
    actions = menu.actions()
    assert [a.text().split(" · ")[0] for a in actions] == ["Imported second.srt", "Imported first.srt"]
    assert [a.isChecked() for a in actions] == [True, False]
    assert actions[1].text().endswith(" · 2 segment(s)")
    actions[1].trigger()
    assert texts(controller.view.segments()) == CUES
    assert controller.track.segment_count == 2
