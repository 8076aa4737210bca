"""The transcript in the window, as a user works with it: transcribe, read along, click a word, edit, undo,
read what was said around a flagged peak, export and import."""

from __future__ import annotations

from pathlib import Path

import pytest
import srt
from PySide6.QtCore import Qt

from analysis.transcribe import TranscribeOptions
from app.gui.main_window import MainWindow
from app.project.store import Store
from tests.helpers.transcripts import import_and_wait

pytestmark = [pytest.mark.slow, pytest.mark.usefixtures("no_threads_left")]
"""Every test here transcribes the talk with the real model: seconds each."""


@pytest.fixture
def transcribed(qtbot, window: MainWindow, talk: Path) -> MainWindow:
    with qtbot.waitSignal(window.session.pauses_changed, timeout=30_000):
        window.open_path(talk)
    job = window.transcript.start(TranscribeOptions())
    with qtbot.waitSignal(job.finished, timeout=120_000):
        pass
    assert job.state == "done", job.error
    return window


def test_transcription_fills_the_view_and_the_track(transcribed: MainWindow) -> None:
    controller = transcribed.transcript
    book = controller.book
    assert len(book) >= 3
    assert controller.view.segments() == book.segments
    assert controller.track.segment_count == len(book)
    assert not controller.view.busy_label.isVisible()
    assert controller.dock.isVisible()


def test_clicking_a_word_seeks_there_and_playback_highlights_it(qtbot, transcribed: MainWindow) -> None:
    controller = transcribed.transcript
    view = controller.view
    segment = controller.book.segment(1)
    word = segment.words[2]
    rect = view.word_rect(1, 2)
    view.list_view.scrollTo(view.list_view.model().index(1, 0))
    rect = view.word_rect(1, 2)
    qtbot.mouseClick(view.list_view.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    qtbot.waitUntil(lambda: transcribed.player.position_ms == word.start_ms, timeout=5000)
    assert view.current() == (1, 2)
    assert controller.track.current == 1


def test_an_edit_in_the_view_is_stored_and_undone_from_the_edit_menu(qtbot, transcribed: MainWindow) -> None:
    controller = transcribed.transcript
    before = controller.book.segment(0)
    with Store.open(transcribed.session.project_path, read_only=True) as store:
        controller.view.text_edited.emit(0, "A corrected first sentence.")
        assert store.transcript_segment(before.id).text == "A corrected first sentence."
        assert controller.view.segments()[0].text == "A corrected first sentence."
        qtbot.waitUntil(lambda: controller.book.aligner.idle(), timeout=30_000)
        transcribed.actions_by_name["undo"].trigger()
        assert store.transcript_segment(before.id) == before
    assert controller.view.segments()[0] == before


def test_the_transcript_around_a_selected_peak(qtbot, transcribed: MainWindow) -> None:
    rows = transcribed.review_panel.rows()
    assert rows
    transcribed.review_panel.select(rows[0].key)
    context = transcribed.transcript.context
    window = context.context()
    assert window is not None and window.words
    segment = transcribed.review_queue.segment(rows[0].key)
    duration_ms = transcribed.session.media.info.duration_ms
    assert segment.peak_ms < 10_000, "the first peak: its ± 10 s starts before the media"
    assert window.start_ms == 0 and window.end_ms == min(segment.peak_ms + 10_000, duration_ms)
    assert window.peak_ms == segment.peak_ms
    assert window.sentence and window.sentence in context.text()
    context.window_combo.setCurrentIndex(0)  # ± 1 s
    narrow = context.context()
    assert narrow.end_ms - narrow.start_ms == 2000
    assert len(narrow.words) < len(window.words)


def test_export_srt_and_import_it_back(qtbot, transcribed: MainWindow, tmp_path: Path, monkeypatch) -> None:
    controller = transcribed.transcript
    written = controller.export_path("srt", tmp_path / "talk.srt")
    subtitles = list(srt.parse(written.read_text(encoding="utf-8")))
    assert [s.content for s in subtitles] == [s.text for s in controller.book.segments]

    errors = []
    monkeypatch.setattr(transcribed, "show_error", lambda message, details="": errors.append(message))
    bad = tmp_path / "bad.vtt"
    bad.write_text("WEBVTT\n\n00:00:01.000 --> 00:00:0x.000\nbroken\n", encoding="utf-8")
    with Store.open(transcribed.session.project_path, read_only=True) as store:
        runs_before = len(store.runs())
        assert not import_and_wait(qtbot, controller, bad)
        assert errors and "Nothing was imported" in errors[0] and "bad.vtt" in errors[0]
        assert len(store.runs()) == runs_before

    transcribed_segments = controller.view.segments()
    subtitles[0].content = "Imported first line."
    fixed = tmp_path / "fixed.srt"
    fixed.write_text(srt.compose(subtitles), encoding="utf-8")
    assert import_and_wait(qtbot, controller, fixed)
    assert controller.view.segments()[0].text == "Imported first line."
    with Store.open(transcribed.session.project_path, read_only=True) as store:
        run = store.transcript_run(transcribed.session.media.id)
        assert run.kind == "transcript_import"
    transcribed.actions_by_name["undo"].trigger()  # Edit ▸ Undo takes the import back
    assert controller.view.segments() == transcribed_segments
    assert controller.track.segment_count == len(transcribed_segments)
    with Store.open(transcribed.session.project_path, read_only=True) as store:
        assert store.transcript_run(transcribed.session.media.id).kind == "transcribe"
