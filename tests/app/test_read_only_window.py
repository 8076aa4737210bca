"""A project this user may read but not write, in the window: opened read-only with a banner, labels and results
shown, every change refused with a message (nothing stored, no undo step), exports working."""

from __future__ import annotations

import csv
import shutil
from pathlib import Path

import pytest

from app.gui.main_window import MainWindow
from app.model.formats import ExportRequest
from app.project.store import Store
from tests.helpers.opening import open_and_wait
from tests.helpers.readonly import read_only

pytestmark = pytest.mark.usefixtures("no_threads_left")

WHY = "talk.salient is read-only here (the file cannot be written): you can look at it and export it, not change it"


@pytest.fixture
def annotator() -> str:
    return "Ana"


def _stored(project: Path) -> tuple[list[tuple[str, int]], list[tuple[int, str, str]]]:
    with Store.open(project, read_only=True) as store:
        return [(label.value, label.start_ms) for label in store.labels()], [
            (run.id, run.kind, run.status) for run in store.runs()
        ]


def test_a_read_only_project_opens_read_only_and_refuses_every_change(
    qtbot, window: MainWindow, talk_video: Path, tmp_path: Path, monkeypatch
) -> None:
    from PySide6.QtWidgets import QInputDialog

    folder = tmp_path / "shared"
    folder.mkdir()
    talk = Path(shutil.copy(talk_video, folder / "talk.mp4"))
    with qtbot.waitSignal(window.session.pauses_changed, timeout=30_000):
        window.open_path(talk)
    vocabulary = {entry.name: entry.id for entry in window.session.labels.vocabulary}
    first, second = window.review_panel.rows()[:2]
    window.review_panel.label_requested.emit(first.key, vocabulary["irony"])
    window.session.close()
    project = talk.with_suffix(".salient")
    before = _stored(project)
    assert before[0] == [("irony", first.start_ms)]
    files = sorted(path.name for path in folder.iterdir())

    asked: list[str] = []
    monkeypatch.setattr(QInputDialog, "getText", lambda *a, **k: (asked.append("name"), ("", False))[1])
    window.session.labels.annotator = ""
    with read_only(project, folder):
        with qtbot.waitSignal(window.session.audio_ready, timeout=30_000):
            assert window.open_path(project)
        assert asked == []  # no name is asked for labels that cannot be stored
        monkeypatch.setattr(QInputDialog, "getText", lambda *a, **k: ("Ana", True))
        assert window.labelling.ask_annotator()  # Edit ▸ Annotator Name…
        assert window.windowTitle() == "talk.mp4 [read-only] — Salient"
        assert window.read_only_label.isVisible() and window.read_only_label.toolTip() == WHY
        assert window.statusBar().currentMessage() == f"Opened {talk} read-only — {WHY}"
        assert [row.label for row in window.review_panel.rows()[:2]] == ["irony", ""]

        window.review_panel.label_requested.emit(second.key, vocabulary["anger"])
        assert window.statusBar().currentMessage() == f"Not saved: {WHY}"
        (label,) = window.session.labels.labels
        window.label_track.activate(label.id)
        window.label_track.active_region.setRegion((0.0, 0.5))  # dragged on the track: put back
        assert window.label_track.active_region.getRegion() == (first.start_ms / 1000, first.end_ms / 1000)
        window.label_track.signals.label_delete_requested.emit(label.id)
        marks = window.label_track.marks_between(0, 60_000)
        assert [(mark.id, mark.start_ms, mark.end_ms) for mark in marks] == [(label.id, first.start_ms, first.end_ms)]
        assert window.session.labels.undo_stack.count() == 0
        assert [row.label for row in window.review_panel.rows()[:2]] == ["irony", ""]
        with qtbot.waitSignal(window.session.status_message) as refused:
            window.session.labels.add_entry("new value", "#123456")
        assert refused.args == [f"Not saved (Add new value to the vocabulary): {WHY}"]
        dialog = window.labelling.show_vocabulary()
        anger = vocabulary["anger"]
        dialog.update_requested.emit(anger, {"name": "rage"})
        assert dialog.message.text() == f"Not saved: {WHY}"
        assert window.session.labels.entry(anger).name == "anger"
        dialog.export_requested.emit(str(tmp_path / "vocabulary.json"))  # exporting it writes outside the project
        assert (tmp_path / "vocabulary.json").is_file()
        dialog.close()
        with qtbot.waitSignal(window.session.error_occurred) as failed:
            assert window.session.start_motion() is None
        assert failed.args == [f"Analyze motion: {WHY}.", ""]
        window.peak_controls.slider.setValue(5)  # other peaks on screen; not stored
        window.session.close()

        open_and_wait(qtbot, window.session, talk)  # the video of a read-only project opens it read-only
        assert (window.session.read_only, window.session.project_path) == (WHY, project)
        job = window.export(ExportRequest("csv", tmp_path / "table"))
        with qtbot.waitSignal(job.finished, timeout=30_000):
            pass
        assert job.state == "done", job.error
        window.session.close()
    with (tmp_path / "table" / "segments.csv").open(newline="") as handle:
        assert [row["label"] for row in csv.DictReader(handle)][:2] == ["irony", ""]
    assert _stored(project) == before
    assert sorted(path.name for path in folder.iterdir()) == files
