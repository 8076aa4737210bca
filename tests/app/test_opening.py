"""Opening a project runs in the background (issue 12 item 40): the window gets control back at once and the
books and views fill later, in one go, with exactly what the project holds."""

from __future__ import annotations

import shutil
from pathlib import Path

from analysis import media
from app.gui.main_window import MainWindow
from app.model.records import NewLabel
from app.model.transcript import TranscriptSegment, Word
from app.project.store import Store

LABELS = 3000


def big_project(media_path: Path, project: Path, labels: int) -> None:
    """A project of ``media_path`` with ``labels`` labels (two annotators to a range) and a transcript."""
    info = media.probe(media_path)
    with Store.open(project) as store:
        record = store.add_media(info, media.fingerprint(media_path))
        segments = [
            TranscriptSegment(start, start + 900, f"words at {start}", (Word("words", start, start + 400, 0.9),), "S1")
            for start in range(0, info.duration_ms - 1000, 1000)
        ]
        store.import_transcript(record.id, {"source": "test"}, {}, segments, [], "test")
        entries = [entry.id for entry in store.vocabulary()]
        store._db.execute("PRAGMA synchronous = OFF")  # a test's throwaway project: no fsync per label
        for index in range(labels):
            start = (index // 2) * 3
            key = f"selection:{start}:{start + 500}"
            label = NewLabel(start, start + 500, entries[index % len(entries)], "selection", segment_key=key)
            store.add_label(record.id, label, ("Ana", "Bea")[index % 2])


def test_opening_a_big_project_returns_before_its_data_is_read_and_then_shows_all_of_it(
    qtbot, window: MainWindow, talk: Path
) -> None:
    project = talk.with_name("big.salient")
    big_project(talk, project, LABELS)
    with Store.open(project, read_only=True) as store:
        media_id = store.all_media()[0].id
        labels = store.labels(media_id)
        segments = store.transcript_segments(store.transcript_run(media_id).id)
    shown_at_load: list[tuple[int, int, int]] = []
    session = window.session
    session.media_loaded.connect(
        lambda: shown_at_load.append(
            (window.label_track.label_count, len(window.review_panel.rows()), len(window.transcript.view.segments()))
        )
    )

    job = window.open_path(project)

    # control is back in the event loop's hands: the project is read in a worker and nothing of it is shown yet
    assert session.labels.labels == [] and window.label_track.label_count == 0 and window.review_panel.rows() == []
    assert job.running and session.opening_path and not session.is_open
    assert window.statusBar().currentMessage() == "Opening big.salient…"
    assert window.video_view._placeholder == "Opening big.salient…"
    with qtbot.waitSignal(session.media_loaded, timeout=30_000):
        pass
    # then every view got all of it at once
    assert shown_at_load == [(LABELS, LABELS // 2, len(segments))]
    assert session.labels.labels == labels
    assert session.transcript.segments == segments
    assert {row.key for row in window.review_panel.rows()} == {label.segment_key for label in labels}
    assert not session.opening_path and window.statusBar().currentMessage().startswith("Opened ")


def test_a_later_open_wins_over_one_still_loading(qtbot, window: MainWindow, talk: Path) -> None:
    project = talk.with_name("big.salient")
    big_project(talk, project, LABELS)
    other = Path(shutil.copy(talk, talk.with_name("other.mp4")))
    session = window.session
    opened: list[str] = []
    session.media_opened.connect(lambda record: opened.append(Path(record.path).name))

    first = window.open_path(project)
    second = window.open_path(other)
    with qtbot.waitSignal(session.media_loaded, timeout=30_000):
        pass
    qtbot.waitUntil(lambda: not first.running, timeout=30_000)
    qtbot.wait(50)  # what the first job delivered, if anything, has been handled

    assert first.state in ("cancelled", "done") and second.state == "done"
    assert opened == ["other.mp4"]  # the big project was never shown
    assert Path(session.media.path).name == "other.mp4" and session.project_path == other.with_suffix(".salient")
    assert session.labels.labels == [] and window.label_track.label_count == 0 and len(session.transcript) == 0


def test_a_project_that_cannot_be_opened_leaves_the_open_one_as_it_was(
    qtbot, window: MainWindow, talk: Path, tmp_path: Path
) -> None:
    project = talk.with_name("big.salient")
    big_project(talk, project, 40)
    with qtbot.waitSignal(window.session.media_loaded, timeout=30_000):
        window.open_path(project)
    broken = tmp_path / "broken.salient"
    broken.write_bytes(b"not a project at all")

    with qtbot.waitSignal(window.session.error_occurred, timeout=30_000) as error:
        window.open_path(broken)

    assert "not a Salient project" in error.args[0]
    qtbot.waitUntil(lambda: not window.session.opening_path)
    assert window.session.project_path == project.resolve() and window.label_track.label_count == 40
