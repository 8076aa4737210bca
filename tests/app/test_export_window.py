"""File ▸ Export from the window: a background job over a read-only connection, while labelling goes on."""

from __future__ import annotations

import csv
import shutil
from pathlib import Path

import pytest
from PySide6.QtWidgets import QMessageBox

from app.gui.main_window import MainWindow
from app.model.formats import ExportRequest

pytestmark = pytest.mark.usefixtures("no_threads_left")


@pytest.fixture
def annotator() -> str:
    return "Ana"


def options(kind: str, folder: Path, **changes: object) -> ExportRequest:
    return ExportRequest(kind, folder, **changes)


def test_exports_run_in_the_background_and_write_what_was_labelled(
    qtbot, window: MainWindow, talk_video: Path, tmp_path: Path
) -> None:
    talk = Path(shutil.copy(talk_video, tmp_path / "talk.mp4"))
    with qtbot.waitSignal(window.session.peaks_changed, timeout=30_000):
        window.open_path(talk)
    vocabulary = {entry.name: entry.id for entry in window.session.labels.vocabulary}
    rows = window.review_panel.rows()
    window.review_panel.label_requested.emit(rows[0].key, vocabulary["irony"])

    job = window.export(options("csv", tmp_path / "table"))
    with qtbot.waitSignal(job.finished, timeout=30_000):
        pass
    assert job.state == "done", job.error
    with (tmp_path / "table" / "segments.csv").open(newline="") as handle:
        table = list(csv.DictReader(handle))
    assert [row["label"] for row in table] == ["irony", ""]

    job = window.export(options("clips", tmp_path / "clips", labels_only=True))
    with qtbot.waitSignal(job.finished, timeout=60_000):
        pass
    assert job.state == "done", job.error
    written = sorted(path.suffix for path in (tmp_path / "clips").rglob("*") if path.is_file())
    assert written.count(".wav") == 1 and written.count(".mp4") == 1 and written.count(".png") == 3 + 4  # + flow

    job = window.export(options("csv", tmp_path / "table"))
    with qtbot.waitSignal(job.finished, timeout=30_000):
        pass
    assert job.state == "failed" and "segments.csv" in job.error


def test_the_window_says_what_an_export_did(qtbot, window: MainWindow, talk_video: Path, tmp_path: Path) -> None:
    """Not "Exported 1 file(s)" for a dataset of many files: the count, and a split it could not make, in a box."""
    talk = Path(shutil.copy(talk_video, tmp_path / "talk.mp4"))
    with qtbot.waitSignal(window.session.peaks_changed, timeout=30_000):
        window.open_path(talk)
    vocabulary = {entry.name: entry.id for entry in window.session.labels.vocabulary}
    window.review_panel.label_requested.emit(window.review_panel.rows()[0].key, vocabulary["irony"])

    out = tmp_path / "ds"
    job = window.export(options("dataset", out, labels_only=True, split=(0.8, 0.1, 0.1)))
    with qtbot.waitSignal(job.finished, timeout=60_000):
        pass
    assert job.state == "done", job.error
    files = len([path for path in out.rglob("*") if path.is_file()])
    assert files == 1 + 1 + 3 + 4 + 2 + 2  # WAV, MP4, key frames, flow pictures, two metadata.csv, two .jsonl
    headline = f"Training dataset (audiofolder / videofolder) exported into {out}: {files} files for 1 row."
    note = "Split ignored: only one video, so its one row is in train."
    assert window.statusBar().currentMessage() == f"{headline} {note}"
    box = window.findChild(QMessageBox, "export_box")
    assert box is not None and box.isVisible() and (box.text(), box.informativeText()) == (headline, note)
    box.close()

    job = window.export(options("csv", tmp_path / "table"))
    with qtbot.waitSignal(job.finished, timeout=30_000):
        pass
    table = tmp_path / "table" / "segments.csv"
    assert window.statusBar().currentMessage() == f"Table of segments (CSV) written: {table}."
