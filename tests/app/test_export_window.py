"""File ▸ Export from the window: a background job over a read-only connection, while labelling goes on."""

from __future__ import annotations

import csv
import shutil
from pathlib import Path

import pytest

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
