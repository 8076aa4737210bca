"""Importing a transcript or label tiers as one undoable step (Transcript ▸ Import…).

The file is stored at once, all or nothing, before the command joins the undo stack, so a file that cannot
be read changes nothing and leaves the history as it was. Undo withdraws the import: its labels and the
vocabulary values it added are deleted, and its run is marked cancelled ("undone") and emptied, so the
project shows the transcript it showed before, also after reopening. Redo puts the same rows back under the
same ids, so the edits made on the imported transcript or labels redo on them.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from app.export.transcripts import ImportResult, import_file
from app.gui.books.history import StoredCommand
from app.gui.books.labels import LabelBook, as_new_label
from app.gui.books.transcript import TranscriptBook
from app.project.store import Store

UNDONE = "undone"
"""The reason a withdrawn import's run gives for being cancelled."""


class ImportCommand(StoredCommand):
    """One imported file: stored when made; undo withdraws it, redo puts the same rows back."""

    def __init__(
        self,
        store: Store,
        media_id: int,
        path: Path,
        annotator: str,
        transcript: TranscriptBook,
        labels: LabelBook,
    ) -> None:
        """Import ``path`` into the project now; raises SalientError, with nothing stored, when it cannot."""
        super().__init__(transcript.history, f"Import {path.name}")
        self._store, self._media_id = store, media_id
        self._transcript, self._labels = transcript, labels
        labels_before = {label.id for label in store.labels(media_id)}
        entries_before = {entry.id for entry in store.vocabulary()}
        self.result: ImportResult = import_file(store, media_id, path, annotator)
        run_id = self.result.run_id
        self._segments = store.transcript_segments(run_id) if run_id is not None else []
        self._summary: dict[str, Any] = (store.run(run_id).summary or {}) if run_id is not None else {}
        self._new_labels = [label for label in store.labels(media_id) if label.id not in labels_before]
        self._new_entries = [entry for entry in store.vocabulary() if entry.id not in entries_before]
        self._stored = True
        """the rows are in the project: the redo that pushing the command runs has nothing to do"""
        self._show()

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

    def _show(self) -> None:
        """The books read the project again: the views show the transcript and labels it now holds."""
        self._transcript.attach(self._store, self._media_id)
        self._labels.reload()
