"""The transcript in the session: a background transcription streams segments into the project, stops at
once on cancel and resumes after the last stored segment; edits are stored at once, re-aligned, undoable."""

from __future__ import annotations

import shutil
import sqlite3
from pathlib import Path

import pytest

from analysis.progress import Cancelled
from analysis.transcribe import TranscribeOptions
from app.gui.session import Session
from app.pipelines.transcription import RUN_TRANSCRIBE, transcribe_media
from app.project.store import Store

pytestmark = [pytest.mark.slow, pytest.mark.usefixtures("no_threads_left")]
"""Every test here transcribes the talk with the real model: seconds each."""


@pytest.fixture
def store(session: Session):
    """The project file read through a connection of its own: what the session wrote, not what it holds."""
    with project_file(session) as store:
        yield store


def project_file(session: Session) -> Store:
    return Store.open(session.project_path, read_only=True)


def transcribe(qtbot, session: Session, **options) -> list:
    arrived = []
    session.transcript.segment_inserted.connect(lambda index, segment: arrived.append(segment))
    job = session.start_transcription(TranscribeOptions(**options))
    assert job is not None
    with qtbot.waitSignal(job.finished, timeout=120_000):
        pass
    assert job.state == "done", job.error
    return arrived


def test_segments_stream_into_the_book_and_the_project(qtbot, session: Session) -> None:
    arrived = transcribe(qtbot, session)
    book = session.transcript
    assert len(arrived) == len(book) >= 3
    assert [s.id for s in arrived] == [s.id for s in book.segments]
    with project_file(session) as store:
        stored = store.transcript_segments(book.run_id)
        run = store.run(book.run_id)
    assert stored == book.segments
    assert run.kind == RUN_TRANSCRIBE and run.status == "done"
    assert run.summary["language"] == "en" and run.summary["segments"] == len(book)
    text = " ".join(s.text for s in book.segments).lower()
    assert "quick brown fox" in text and "practice makes perfect" in text


def test_cancel_keeps_what_was_transcribed_and_the_next_start_resumes(qtbot, session: Session) -> None:
    options = TranscribeOptions(chunk_s=6.0)  # several chunks, so there is something left after the first segment
    job = session.start_transcription(options)
    first = []

    def on_inserted(index: int, segment) -> None:
        first.append(segment)
        job.cancel()

    session.transcript.segment_inserted.connect(on_inserted)
    with qtbot.waitSignal(job.finished, timeout=60_000):
        pass
    session.transcript.segment_inserted.disconnect(on_inserted)
    assert job.state == "cancelled"
    run_id = session.transcript.run_id
    with project_file(session) as store:
        kept = store.transcript_segments(run_id)
        assert len(kept) >= 1
        assert store.run(run_id).status == "cancelled"
    state, from_ms = session.transcription_state(options)
    assert state == "resume" and from_ms == max(s.end_ms for s in kept)

    arrived = transcribe(qtbot, session, chunk_s=6.0)
    assert session.transcript.run_id == run_id  # the same run continued
    assert arrived and min(s.start_ms for s in arrived) >= max(s.end_ms for s in kept)
    with project_file(session) as store:
        final = store.transcript_segments(run_id)
        assert store.run(run_id).status == "done"
    assert [s.id for s in final[: len(kept)]] == [s.id for s in kept]
    assert all(a.end_ms <= b.start_ms for a, b in zip(final, final[1:], strict=False))
    assert "practice makes perfect" in " ".join(s.text for s in final).lower()


def test_a_crashed_transcription_resumes_from_its_last_segment(tmp_path: Path, talk_video: Path) -> None:
    talk = Path(shutil.copy(talk_video, tmp_path / "talk.mp4"))
    project = tmp_path / "talk.salient"
    options = TranscribeOptions(chunk_s=6.0)

    class StopAfterFirst:
        def __init__(self) -> None:
            self.seen = 0

        def update(self, fraction: float, message: str = "") -> None:
            pass

        @property
        def cancelled(self) -> bool:
            with Store.open(project, read_only=True) as store:
                return bool(store.all_media()) and any(
                    store.transcript_segment_count(r.id) for r in store.runs(kind=RUN_TRANSCRIBE)
                )

    with pytest.raises(Cancelled):
        transcribe_media(talk, project, options, StopAfterFirst())
    # pretend the process died instead of being cancelled: the run is left 'running'
    db = sqlite3.connect(project)
    db.execute("UPDATE runs SET status = 'running', error = NULL WHERE kind = ?", (RUN_TRANSCRIBE,))
    db.commit()
    db.close()
    with Store.open(project) as store:
        (run,) = store.runs(kind=RUN_TRANSCRIBE)
        assert run.status == "interrupted"
        kept = store.transcript_segments(run.id)
    assert kept
    result = transcribe_media(talk, project, options)
    assert result.run_id == run.id
    assert result.resumed_from_ms == max(s.end_ms for s in kept)
    segments = result.transcript.segments
    assert segments[: len(kept)] == tuple(kept)
    assert all(s.start_ms >= max(k.end_ms for k in kept) for s in segments[len(kept) :])
    assert "practice makes perfect" in " ".join(s.text for s in segments).lower()


def test_an_edit_is_stored_at_once_realigned_and_undoable(qtbot, session: Session, store: Store) -> None:
    transcribe(qtbot, session)
    book = session.transcript
    index = next(i for i, s in enumerate(book.segments) if "fox" in s.text.lower())
    before = book.segment(index)
    corrected = "The quick brown fox jumps over the lazy dog."
    book.edit_text(index, corrected)
    now = store.transcript_segment(before.id)
    assert now.text == corrected and now.timing == "estimated"
    qtbot.waitUntil(lambda: store.transcript_segment(before.id).timing == "aligned", timeout=30_000)
    aligned = store.transcript_segment(before.id)
    assert [w.text for w in aligned.words] == corrected.split()
    starts = [w.start_ms for w in aligned.words]
    assert starts == sorted(starts)
    assert all(before.start_ms <= w.start_ms <= w.end_ms <= before.end_ms for w in aligned.words)
    assert book.segment(index) == aligned

    book.undo_stack.undo()
    assert store.transcript_segment(before.id) == before
    assert book.segment(index) == before
    book.undo_stack.redo()
    assert store.transcript_segment(before.id) == aligned  # the aligned words come back without aligning again


def test_a_replace_over_several_segments_realigns_every_one_of_them(qtbot, session: Session, store: Store) -> None:
    """Alignments wait in order: a newer edit elsewhere does not drop an older segment's alignment."""
    transcribe(qtbot, session)
    book = session.transcript
    changes = {index: book.segment(index).text.upper() for index in range(3)}
    book.replace_texts(changes)
    assert [store.transcript_segment(book.segment(i).id).timing for i in changes] == ["estimated"] * 3
    qtbot.waitUntil(book.aligner.idle, timeout=60_000)
    for index, text in changes.items():
        stored = store.transcript_segment(book.segment(index).id)
        assert stored.timing == "aligned", index
        assert [w.text for w in stored.words] == text.split()


def test_split_merge_bounds_speakers_and_review_are_stored_and_undoable(qtbot, session: Session, store: Store) -> None:
    transcribe(qtbot, session)
    book = session.transcript
    run_id = book.run_id
    original = store.transcript_segments(run_id)
    segment = original[0]
    n = len(segment.words)

    book.split(0, 3)
    first, second = book.segment(0), book.segment(1)
    assert first.id == segment.id and second.id not in {s.id for s in original}
    assert first.words + second.words == segment.words
    assert first.text == " ".join(w.text for w in segment.words[:3])
    assert first.end_ms <= second.start_ms and second.end_ms == segment.end_ms
    assert store.transcript_segments(run_id) == book.segments
    book.merge(0)
    assert book.segment(0).words == segment.words and len(book) == len(original)
    book.undo_stack.undo()  # merge undone
    assert store.transcript_segments(run_id) == book.segments and len(book) == len(original) + 1
    book.undo_stack.undo()  # split undone
    assert store.transcript_segments(run_id) == original
    assert n == len(book.segment(0).words)

    book.set_speaker([0, 1], "Ana")
    book.set_speaker([2], "Ben")
    book.rename_speaker("Ana", "Ben")  # merges the two names
    assert {s.speaker for s in store.transcript_segments(run_id)[:3]} == {"Ben"}
    assert store.speakers(session.media.id) == ["Ben"]
    book.undo_stack.undo()
    assert [s.speaker for s in store.transcript_segments(run_id)[:3]] == ["Ana", "Ana", "Ben"]
    book.rename_speaker("Ana", "Chair")
    assert [s.speaker for s in book.segments[:3]] == ["Chair", "Chair", "Ben"]
    assert store.speakers(session.media.id) == ["Ben", "Chair"]

    second_start = book.segment(1).start_ms
    book.set_bounds(0, book.segment(0).start_ms - 100, second_start + 5000)  # clamped at the next segment
    assert store.transcript_segment(book.segment(0).id).end_ms == second_start
    book.nudge(1, "start", 50)
    assert store.transcript_segment(book.segment(1).id).start_ms == second_start + 50

    book.set_reviewed([0, 2], True)
    assert [s.reviewed for s in store.transcript_segments(run_id)[:3]] == [True, False, True]
    book.undo_stack.undo()
    assert not any(s.reviewed for s in store.transcript_segments(run_id))


def test_the_transcript_survives_reopening(qtbot, session: Session) -> None:
    transcribe(qtbot, session)
    session.transcript.edit_text(0, "Edited words here.")
    with project_file(session) as store:
        expected = store.transcript_segments(session.transcript.run_id)
    path = session.project_path
    media = Path(session.media.path)
    session.close()
    with qtbot.waitSignal(session.audio_ready, timeout=30_000):
        assert session.open(path)
    assert session.transcript.segments[0].text == "Edited words here."
    assert [s.id for s in session.transcript.segments] == [s.id for s in expected]
    assert media.exists()
