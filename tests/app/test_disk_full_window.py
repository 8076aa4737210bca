"""Labelling, transcript and vocabulary edits on a disk that fills up: each refused edit says why in the window,
leaves no undo entry and leaves the views as the file is; Undo on the full disk keeps the step; once there is
room again everything works. The disk is real (a small ext4 file system, tests/helpers/disk.py)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from PySide6.QtWidgets import QMessageBox

from app.gui.main_window import MainWindow
from app.project.store import Store
from tests.app.test_transcript_import import write_srt
from tests.helpers.disk import small_disk

pytestmark = pytest.mark.usefixtures("no_threads_left")

CUES = [(1000, 2500, "The first line."), (3000, 4200, "It has two lines.")]


@pytest.fixture
def annotator() -> str:
    return "Ana"


def in_file(project: Path) -> tuple[list[tuple[str, int]], list[str], list[str]]:
    """Labels (value, start), transcript texts and vocabulary names, read through a connection of its own."""
    with Store.open(project, read_only=True) as store:
        labels = [(label.value, label.start_ms) for label in store.labels()]
        run = store.transcript_run(store.all_media()[-1].id)
        texts = [s.text for s in store.transcript_segments(run.id)] if run else []
        return labels, texts, [entry.name for entry in store.vocabulary()]


def on_screen(window: MainWindow) -> tuple[list[tuple[str, int]], list[str], list[str]]:
    book, transcript = window.session.labels, window.session.transcript
    return (
        [(label.value, label.start_ms) for label in book.labels],
        [s.text for s in transcript.segments],
        [entry.name for entry in book.vocabulary],
    )


def last_error(window: MainWindow) -> str:
    boxes = [box for box in window.findChildren(QMessageBox, "error_box") if box.isVisible()]
    assert boxes, "no message was shown"
    text = boxes[-1].text()
    for box in boxes:
        box.close()
    return text


@pytest.mark.slow
def test_edits_on_a_full_disk_say_so_and_change_nothing(qtbot, window: MainWindow, talk: Path, tmp_path: Path) -> None:
    with small_disk(tmp_path / "disk", size_mb=16) as disk:
        video = Path(shutil.copy(talk, disk.root / "talk.mp4"))
        project = disk.root / "talk.salient"
        with qtbot.waitSignal(window.session.pauses_changed, timeout=30_000):
            assert window.session.open(video, project)
        window.peak_controls.slider.setValue(5)
        window.session.import_transcript(write_srt(tmp_path / "cues.srt", CUES), "Ana")
        rows = window.review_panel.rows()
        book, stack = window.session.labels, window.session.labels.undo_stack
        vocabulary = {entry.name: entry.id for entry in book.vocabulary}
        window.review_panel.label_requested.emit(rows[0].key, vocabulary["anger"])
        qtbot.waitUntil(lambda: not window.session._persist_timer.isActive(), timeout=5000)
        before = in_file(project)
        assert before[0] == [("anger", rows[0].start_ms)] and before[1] == [text for *_, text in CUES]
        assert on_screen(window) == before
        count, index = stack.count(), stack.index()

        disk.fill()
        edits = {
            "label": lambda: window.review_panel.label_requested.emit(rows[1].key, vocabulary["happiness"]),
            "relabel": lambda: window.review_panel.label_requested.emit(rows[0].key, vocabulary["irony"]),
            "transcript": lambda: window.session.transcript.edit_text(0, "A corrected first line."),
            "speaker": lambda: window.session.transcript.set_speaker([0, 1], "Ana"),
            "vocabulary": lambda: book.add_entry("sarcasm", "#123456"),
        }
        for name, edit in edits.items():
            edit()
            message = last_error(window)
            assert "the disk is full" in message and "nothing was changed" in message, name
            assert "rollback" not in message
            assert (stack.count(), stack.index()) == (count, index), name
            assert in_file(project) == before, name
            assert on_screen(window) == before, name
            assert window.label_track.label_count == 1
            assert [row.label for row in window.review_panel.rows()[:2]] == ["anger", ""]
            assert window.session.transcript.aligner.idle()  # no alignment started for an edit not stored

        window.actions_by_name["undo"].trigger()  # undo the label: refused too, the label stays, and so does Undo
        assert "the disk is full" in last_error(window)
        assert (stack.count(), stack.index()) == (count, index)
        assert in_file(project) == before and on_screen(window) == before

        disk.free()
        window.actions_by_name["undo"].trigger()
        assert stack.index() == index - 1
        assert in_file(project)[0] == [] and on_screen(window)[0] == []
        window.session.close()
