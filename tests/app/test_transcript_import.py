"""Importing a transcript is one undoable step of the session: undo brings back the transcript shown before (on
screen, in the project file, and after reopening), redo puts the imported one back under the same ids."""

from __future__ import annotations

from pathlib import Path

import pytest

from app.export.interchange import Interval, Tier, write_textgrid
from app.gui.books.imports import UNDONE
from app.gui.session import Session
from app.project.store import Store

pytestmark = pytest.mark.usefixtures("no_threads_left")

FIRST = [(1000, 2500, "The first transcript."), (3000, 4200, "It has two lines.")]
SECOND = [(500, 1800, "An imported line."), (2000, 3500, "And another one here."), (4000, 5000, "Third.")]


def write_srt(path: Path, cues: list[tuple[int, int, str]]) -> Path:
    def clock(ms: int) -> str:
        return f"00:00:{ms // 1000:02d},{ms % 1000:03d}"

    blocks = [f"{n}\n{clock(start)} --> {clock(end)}\n{text}\n" for n, (start, end, text) in enumerate(cues, 1)]
    path.write_text("\n".join(blocks), encoding="utf-8")
    return path


def shown(session: Session) -> list[tuple[int, int, str]]:
    return [(s.start_ms, s.end_ms, s.text) for s in session.transcript.segments]


def in_project(session: Session) -> tuple[int | None, list]:
    """The run and segments the project file shows, read through a connection of its own."""
    with Store.open(session.project_path, read_only=True) as store:
        run = store.transcript_run(session.media.id)
        return (run.id, store.transcript_segments(run.id)) if run is not None else (None, [])


def test_undo_brings_the_previous_transcript_back_and_redo_the_import(qtbot, session: Session, tmp_path: Path) -> None:
    first = session.import_transcript(write_srt(tmp_path / "first.srt", FIRST), "Ana")
    previous = session.transcript.segments
    assert shown(session) == FIRST
    stack = session.transcript.undo_stack

    with qtbot.waitSignal(session.transcript.reset, timeout=1000):
        result = session.import_transcript(write_srt(tmp_path / "second.srt", SECOND), "Ana")
    assert (result.segments, result.labels) == (3, 0)
    imported = session.transcript.segments
    assert shown(session) == SECOND
    assert {s.timing for s in imported} == {"estimated"}
    assert in_project(session) == (result.run_id, imported)
    assert stack.undoText() == "Import second.srt"

    with qtbot.waitSignal(session.transcript.reset, timeout=1000):
        stack.undo()
    assert session.transcript.segments == previous
    assert session.transcript.run_id == first.run_id
    assert in_project(session) == (first.run_id, previous)
    with Store.open(session.project_path, read_only=True) as store:
        withdrawn = store.run(result.run_id)
        assert (withdrawn.status, withdrawn.error) == ("cancelled", UNDONE)
        assert store.transcript_segments(result.run_id) == []

    with qtbot.waitSignal(session.transcript.reset, timeout=1000):
        stack.redo()
    assert session.transcript.segments == imported  # the same rows, ids included
    assert in_project(session) == (result.run_id, imported)
    with Store.open(session.project_path, read_only=True) as store:
        assert store.run(result.run_id).status == "done"
        assert store.run(result.run_id).summary == {"segments": 3, "labels": 0}

    stack.undo()
    project = session.project_path
    session.close()
    with qtbot.waitSignal(session.audio_ready, timeout=30_000):
        assert session.open(project)
    assert session.transcript.segments == previous
    assert in_project(session) == (first.run_id, previous)


def test_edits_after_an_import_redo_on_the_same_segments(session: Session, tmp_path: Path) -> None:
    session.import_transcript(write_srt(tmp_path / "first.srt", FIRST), "Ana")
    session.transcript.set_speaker([1], "Ben")
    stack = session.transcript.undo_stack
    stack.undo()
    stack.undo()
    assert shown(session) == []
    assert in_project(session) == (None, [])
    stack.redo()
    stack.redo()
    assert [s.speaker for s in session.transcript.segments] == ["", "Ben"]
    assert [s.speaker for s in in_project(session)[1]] == ["", "Ben"]


def test_imported_labels_and_values_leave_with_undo_and_come_back_with_redo(session: Session, tmp_path: Path) -> None:
    grid = write_textgrid(
        tmp_path / "tiers.TextGrid",
        [
            Tier("transcript", (Interval(1000, 2500, "Hello there."),)),
            Tier("labels", (Interval(1200, 1800, "irony"), Interval(3000, 3600, "a brand new value"))),
        ],
        6000,
    )
    book = session.labels
    values_before = [entry.name for entry in book.vocabulary]
    result = session.import_transcript(grid, "Ana")
    assert (result.segments, result.labels) == (1, 2)
    labels = book.labels
    assert [(label.start_ms, label.value, label.annotator) for label in labels] == [
        (1200, "irony", "Ana"),
        (3000, "a brand new value", "Ana"),
    ]
    new_value = next(entry for entry in book.vocabulary if entry.name == "a brand new value")
    assert new_value.color == "#ffbb78"  # the first palette colour no default value has, not grey

    book.undo_stack.undo()
    assert book.labels == [] and [entry.name for entry in book.vocabulary] == values_before
    assert shown(session) == []
    with Store.open(session.project_path, read_only=True) as store:
        assert store.labels() == []
        assert [entry.name for entry in store.vocabulary()] == values_before

    book.undo_stack.redo()
    assert [(label.id, label.value) for label in book.labels] == [(label.id, label.value) for label in labels]
    assert next(entry for entry in book.vocabulary if entry.name == "a brand new value") == new_value
    assert shown(session) == [(1000, 2500, "Hello there.")]
    with Store.open(session.project_path, read_only=True) as store:
        assert [(label.id, label.value) for label in store.labels()] == [(label.id, label.value) for label in labels]


def test_a_file_that_cannot_be_read_changes_nothing(session: Session, tmp_path: Path) -> None:
    from analysis.errors import SalientError

    session.import_transcript(write_srt(tmp_path / "first.srt", FIRST), "Ana")
    bad = tmp_path / "bad.vtt"
    bad.write_text("WEBVTT\n\n00:00:01.000 --> 00:00:0x.000\nbroken\n", encoding="utf-8")
    with pytest.raises(SalientError, match="bad.vtt"):
        session.import_transcript(bad, "Ana")
    assert session.transcript.undo_stack.count() == 1
    assert shown(session) == FIRST


def test_a_long_file_is_read_in_a_job_and_then_shown_whole(qtbot, session: Session, tmp_path: Path) -> None:
    """Issue 13 item 12: importing 100,000 cues blocked the window for 10–25 s. The file is parsed in a job: the
    call returns at once with the transcript as it was, and the whole import arrives later as one undo step."""
    cues = [(index * 5, index * 5 + 4, f"Cue {index}.") for index in range(3000)]  # 3,000 cues in 15 s
    path = write_srt(tmp_path / "long.srt", [])
    path.write_text(
        "\n".join(
            f"{n}\n00:00:{s // 1000:02d},{s % 1000:03d} --> 00:00:{e // 1000:02d},{e % 1000:03d}\n{t}\n"
            for n, (s, e, t) in enumerate(cues, 1)
        ),
        encoding="utf-8",
    )
    outcome: list[tuple] = []
    before = session.transcript.segments

    job = session.start_import(path, "Ana", lambda result, why: outcome.append((result, why)))

    assert job.running and outcome == [] and session.transcript.segments == before
    assert in_project(session)[1] == before  # nothing stored yet either
    qtbot.waitUntil(lambda: outcome != [], timeout=30_000)
    ((result, why),) = outcome
    assert why == "" and (result.segments, result.labels) == (3000, 0)
    assert shown(session) == cues
    assert in_project(session) == (result.run_id, session.transcript.segments)
    assert session.transcript.undo_stack.undoText() == "Import long.srt"
