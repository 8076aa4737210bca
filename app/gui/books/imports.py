"""Importing a transcript or label tiers as one undoable step (Transcript ▸ Import…).

The file is stored at once, all or nothing, before the command joins the undo stack, so a file that cannot
be read changes nothing and leaves the history as it was. Undo withdraws the import: its labels and the
vocabulary values it added are deleted, and its run is marked cancelled ("undone") and emptied, so the
project shows the transcript it showed before, also after reopening. Redo puts the same rows back under the
same ids, so the edits made on the imported transcript or labels redo on them.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from analysis.errors import SalientError
from app.export.interchange import Interval
from app.export.transcripts import ImportResult, import_file, read_import
from app.gui.books.history import StoredCommand
from app.gui.books.labels import LabelBook, as_new_label
from app.gui.books.transcript import StoredTranscript, TranscriptBook
from app.gui.jobs import Job, JobProgress, JobRunner
from app.model.records import LabelRecord, VocabularyEntry
from app.model.transcript import TranscriptSegment
from app.project.store import Store

UNDONE = "undone"
"""The reason a withdrawn import's run gives for being cancelled."""


@dataclass(frozen=True, slots=True, eq=False)
class StoredImport:
    """What an import put into the project, as read back: enough to withdraw it and to put it back."""

    result: ImportResult
    segments: list[TranscriptSegment]
    summary: dict[str, Any]
    new_labels: list[LabelRecord]
    new_entries: list[VocabularyEntry]


@dataclass(frozen=True, slots=True)
class ImportedRows:
    """An import just stored: its result and what the project held before (to tell the new rows apart)."""

    result: ImportResult
    media_id: int
    labels_before: frozenset[int] | None
    """the media's label ids before the import; None when the file had no label tiers (nothing to read back)"""
    entries_before: frozenset[int]


def store_import(
    store: Store,
    media_id: int,
    path: Path,
    annotator: str,
    parsed: tuple[list[TranscriptSegment], list[Interval]] | None = None,
) -> ImportedRows:
    """Store the file (or what was ``parsed`` from it) in the project, all or nothing; raises SalientError, with
    nothing stored, when it cannot. A file without label tiers leaves the labels and vocabulary unread."""
    with_labels = parsed is None or bool(parsed[1])
    labels_before = frozenset(label.id for label in store.labels(media_id)) if with_labels else None
    entries_before = frozenset(entry.id for entry in store.vocabulary()) if with_labels else frozenset()
    result = import_file(store, media_id, path, annotator, parsed)
    return ImportedRows(result, media_id, labels_before, entries_before)


def read_back(store: Store, rows: ImportedRows) -> StoredImport:
    """The rows the import stored. Touches no Qt object: a worker may read them through a connection of its
    own (``Store.open(read_only=True)``) while the window goes on."""
    run_id = rows.result.run_id
    segments = store.transcript_segments(run_id) if run_id is not None else []
    summary = (store.run(run_id).summary or {}) if run_id is not None else {}
    if rows.labels_before is None:
        return StoredImport(rows.result, segments, summary, [], [])
    labels = [label for label in store.labels(rows.media_id) if label.id not in rows.labels_before]
    entries = [entry for entry in store.vocabulary() if entry.id not in rows.entries_before]
    return StoredImport(rows.result, segments, summary, labels, entries)


def import_in_background(
    runner: JobRunner,
    store: Store,
    media_id: int,
    path: Path,
    annotator: str,
    still_open: Callable[[], bool],
    show: Callable[[StoredImport], None],
    done: Callable[[ImportResult | None, str], None],
) -> Job:
    """Import ``path`` without holding the window up: a job parses the file (a 100,000-cue file takes seconds),
    it is stored in one transaction on this (the GUI) thread, and a second job reads the stored rows back
    through a reading connection of its own; then ``show`` gets them (while ``still_open()``: the project was
    not closed meanwhile). ``done(result, "")`` once stored (and shown), ``done(None, why)`` when nothing was
    imported."""

    def parse(progress: JobProgress) -> tuple[list, list]:  # the segments and the label intervals
        progress.update(0.0, f"reading {path.name}")
        return read_import(path)

    def parsed(content: tuple[list, list]) -> None:
        if not still_open():
            done(None, "the project was closed before the file was read")
            return
        try:
            rows = store_import(store, media_id, path, annotator, content)
        except SalientError as exc:
            done(None, str(exc))
            return

        def read(progress: JobProgress) -> StoredImport:
            progress.update(0.0, f"reading back {rows.result.segments} segments")
            with Store.open(store.path, read_only=True) as reader:
                return read_back(reader, rows)

        reading = runner.submit(f"Importing {path.name}: showing it", read)
        reading.succeeded.connect(lambda stored: shown(stored))
        reading.failed.connect(lambda message, _details: done(None, message))

    def shown(stored: StoredImport) -> None:
        if still_open():  # else stored in the project, shown when it is opened again
            show(stored)
        done(stored.result, "")

    job = runner.submit(f"Importing {path.name}", parse)
    job.succeeded.connect(parsed)
    job.failed.connect(lambda message, _details: done(None, message))
    return job


class ImportCommand(StoredCommand):
    """One imported file, already stored when the command is made; undo withdraws it, redo puts the same rows
    back."""

    def __init__(
        self,
        store: Store,
        path: Path,
        stored: StoredImport,
        transcript: TranscriptBook,
        labels: LabelBook,
        media_id: int,
    ) -> None:
        super().__init__(transcript.history, f"Import {path.name}")
        self._store, self._media_id = store, media_id
        self._transcript, self._labels = transcript, labels
        self.result = stored.result
        self._segments = stored.segments
        self._summary = stored.summary
        self._new_labels, self._new_entries = stored.new_labels, stored.new_entries
        self._with_labels = bool(stored.new_labels or stored.new_entries)
        self._stored = True
        """the rows are in the project: the redo that pushing the command runs has nothing to do"""
        self._show(first=True)

    @classmethod
    def now(
        cls,
        store: Store,
        media_id: int,
        path: Path,
        annotator: str,
        transcript: TranscriptBook,
        labels: LabelBook,
    ) -> ImportCommand:
        """Import ``path`` into the project now, on this thread; raises SalientError, with nothing stored, when
        it cannot."""
        stored = read_back(store, store_import(store, media_id, path, annotator))
        return cls(store, path, stored, transcript, labels, media_id)

    def apply(self) -> None:
        if self._stored:
            return
        store, run_id = self._store, self.result.run_id
        for e in self._new_entries:
            store.add_vocabulary_entry(e.name, e.color, e.description, e.shortcut, e.kind, e.id, e.position)
        for label in self._new_labels:
            store.add_label(label.media_id, as_new_label(label), label.annotator, label_id=label.id)
        if run_id is not None:
            store.reopen_run(run_id)
            store.add_transcript_segments(run_id, self._segments)
            store.finish_run(run_id, self._summary, {}, 0)
        self._stored = True
        self._show()

    def revert(self) -> None:
        store, run_id = self._store, self.result.run_id
        if run_id is not None:
            # cancelled first: until its segments are gone the run is still the one shown, so a crash in
            # between leaves the import in place rather than half withdrawn
            store.end_run(run_id, "cancelled", UNDONE, 0)
            store.replace_transcript_segments(remove=[s.id for s in self._segments], add=(), run_id=run_id)
        for label in self._new_labels:
            store.delete_label(label.id)
        for entry in self._new_entries:
            store.delete_vocabulary_entry(entry.id)
        self._stored = False
        self._show()

    def _show(self, first: bool = False) -> None:
        """The books read the project again: the views show the transcript and labels it now holds (right after
        the import, the transcript is the one just stored and read back: not read a second time)."""
        run_id = self.result.run_id
        if first and run_id is not None:
            stored = StoredTranscript(run_id, "", "", tuple(self._segments))
            self._transcript.attach(self._store, self._media_id, stored=stored)
        else:
            self._transcript.attach(self._store, self._media_id)
        if self._with_labels:
            self._labels.reload()
