"""Labels and the vocabulary as undoable commands: each action is committed to the project at once,
and Ctrl+Z / Ctrl+Shift+Z walk back and forth over all of them (unlimited within a session).

The book is owned by the session; views learn about changes through fine-grained signals, so labelling
stays instant with thousands of labels in the project.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from PySide6.QtCore import QObject, Signal

from app.gui.books.history import EditHistory, StoredCommand
from app.model.records import LabelRecord, NewLabel, VocabularyEntry
from app.model.review import Segment
from app.project.store import ProjectError, Store

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True, eq=False)
class StoredLabels:
    """A media's labels (in the store's order: start, then id) and the project's vocabulary, as read."""

    labels: list[LabelRecord]
    vocabulary: list[VocabularyEntry]


def read_labels(store: Store | None, media_id: int | None) -> StoredLabels:
    """What the book shows for ``media_id``. Touches no Qt object: a worker thread may read it (opening)."""
    if store is None:
        return StoredLabels([], [])
    return StoredLabels(store.labels(media_id) if media_id else [], store.vocabulary())


class LabelBook(QObject):
    """The current media's labels and the project's vocabulary, changed only through undoable commands."""

    label_added = Signal(object)
    """LabelRecord"""
    label_updated = Signal(object)
    """LabelRecord"""
    label_removed = Signal(object)
    """the LabelRecord that was removed"""
    labels_reset = Signal()
    vocabulary_changed = Signal()

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.history = EditHistory(self)
        self.history.reload_requested.connect(self.reload)
        self.undo_stack = self.history.stack
        self._store: Store | None = None
        self.media_id: int | None = None
        self.annotator = ""
        self._labels: dict[int, LabelRecord] = {}
        self._by_key: dict[str, dict[int, LabelRecord]] = {}
        """the labels of each segment key, by id: a segment's labels without a pass over every label"""
        self._sorted: list[LabelRecord] | None = None
        """the labels in time order, kept until a label changes"""
        self._vocabulary: list[VocabularyEntry] = []
        self._entries: dict[int, VocabularyEntry] = {}

    # -- state -------------------------------------------------------------------------------------

    def attach(self, store: Store | None, media_id: int | None, stored: StoredLabels | None = None) -> None:
        """Follow another project/media (None: nothing open). The undo history starts afresh. ``stored`` is
        what :func:`read_labels` read for it in the background (else the book reads it now)."""
        self.undo_stack.clear()
        self._store, self.media_id = store, media_id
        self.history.store = store
        self.reload(stored)

    def reload(self, stored: StoredLabels | None = None) -> None:
        """Read the labels and the vocabulary again after the session changed them in the project (an import,
        or its undo); the undo history stays. One ``labels_reset``, never a signal per label."""
        stored = stored or read_labels(self._store, self.media_id)
        self._labels, self._by_key = {}, {}
        for label in stored.labels:
            self._keep(label)
        self._sorted = list(stored.labels)  # the store's order: start, then id
        self._set_vocabulary(list(stored.vocabulary))
        self.labels_reset.emit()
        self.vocabulary_changed.emit()

    @property
    def labels(self) -> list[LabelRecord]:
        if self._sorted is None:
            self._sorted = sorted(self._labels.values(), key=lambda label: (label.start_ms, label.id))
        return list(self._sorted)

    @property
    def vocabulary(self) -> list[VocabularyEntry]:
        return list(self._vocabulary)

    def entry(self, entry_id: int) -> VocabularyEntry:
        return self._entries[entry_id]

    def label_by_id(self, label_id: int) -> LabelRecord:
        return self._labels[label_id]

    def labels_for(self, key: str) -> list[LabelRecord]:
        """The labels on a segment, in the order they were given (by id)."""
        return sorted(self._by_key.get(key, {}).values(), key=lambda label: label.id)

    def own_label(self, key: str, *aliases: str) -> LabelRecord | None:
        """This annotator's label on a segment (one per annotator and segment): the one on its own ``key``, else
        their latest on one of its ``aliases`` (a moment's flags' own keys, see :attr:`Segment.aliases`)."""
        mine = [label for label in self.labels_for(key) if label.annotator == self.annotator]
        if not mine:
            mine = [label for alias in aliases for label in self.labels_for(alias) if label.annotator == self.annotator]
        return max(mine, key=lambda label: label.id, default=None)

    # -- commands ----------------------------------------------------------------------------------

    def label(self, segment: Segment, vocabulary_id: int, **details: Any) -> None:
        """Give a segment a value; relabels this annotator's existing label instead of adding a second."""
        existing = self.own_label(*segment.keys)
        if existing is not None:
            self.update(existing.id, vocabulary_id=vocabulary_id, **details)
            return
        new = NewLabel(
            segment.start_ms,
            segment.end_ms,
            vocabulary_id,
            segment.source,
            segment.peak_ms,
            segment.key,
            details.get("intensity"),
            details.get("confidence"),
            details.get("note", ""),
        )
        self.history.push(_AddLabel(self, new, f"Label {self.entry(vocabulary_id).name}"))

    def is_own(self, label_id: int) -> bool:
        """Whether the label is this annotator's: only those are changed unless the user says otherwise."""
        return self._labels[label_id].annotator == self.annotator

    def _check_own(self, label_id: int, others: bool) -> None:
        if not others and not self.is_own(label_id):
            label = self._labels[label_id]
            raise ProjectError(f"the label {label.value!r} is {label.annotator}'s, not yours")

    def update(self, label_id: int, *, others: bool = False, **fields: Any) -> None:
        """Change a label's fields; another annotator's label only with ``others`` (the user chose to)."""
        self._check_own(label_id, others)
        before = self._labels[label_id]
        old = {name: getattr(before, name) for name in fields}
        if old == fields:
            return
        self.history.push(_UpdateLabel(self, label_id, old, fields, f"Edit label ({', '.join(fields)})"))

    def move(self, label_id: int, start_ms: int, end_ms: int, *, others: bool = False) -> None:
        if end_ms <= start_ms:
            return
        self.update(label_id, others=others, start_ms=start_ms, end_ms=end_ms)

    def delete(self, label_id: int, *, others: bool = False) -> None:
        """Delete a label; another annotator's label only with ``others`` (the user chose to)."""
        self._check_own(label_id, others)
        self.history.push(_DeleteLabel(self, self._labels[label_id]))

    def add_entry(self, name: str, color: str, description: str = "", shortcut: str = "") -> None:
        self._check_name(name)
        self.history.push(_AddEntry(self, " ".join(name.split()), color, description, shortcut))

    def update_entry(self, entry_id: int, fields: dict[str, Any]) -> None:
        if "name" in fields:
            self._check_name(fields["name"], entry_id)
        entry = self.entry(entry_id)
        old = {name: getattr(entry, name) for name in fields}
        self.history.push(_UpdateEntry(self, entry_id, old, dict(fields)))

    def delete_entry(self, entry_id: int) -> None:
        """Remove an unused value ("not significant" stays); a value still in use is refused."""
        entry = self.entry(entry_id)
        if entry.kind == "exclude":
            raise ProjectError(f"{entry.name!r} marks segments as not significant and cannot be deleted")
        used = sum(1 for label in self._labels.values() if label.vocabulary_id == entry_id)
        if used or any(label.vocabulary_id == entry_id for label in self._store.labels()):
            raise ProjectError(f"labels use {entry.name!r}: rename it, or relabel them first")
        self.history.push(_DeleteEntry(self, entry))

    def _check_name(self, name: str, entry_id: int | None = None) -> None:
        """Commands must not fail half-way inside the undo stack, so refuse bad names before pushing."""
        cleaned = " ".join(name.split())
        if not cleaned:
            raise ProjectError("a vocabulary value needs a name")
        if any(e.name.casefold() == cleaned.casefold() and e.id != entry_id for e in self._vocabulary):
            raise ProjectError(f"the vocabulary already has a value named {cleaned!r}")

    def import_vocabulary(self, path: Path) -> int:
        """Add the values of a vocabulary file that the project lacks (by name); returns how many."""
        from app.project.vocabulary import read_vocabulary_json

        known = {entry.name.casefold() for entry in self._vocabulary}
        items = [item for item in read_vocabulary_json(path) if item["name"].casefold() not in known]

        def add_all() -> None:
            for item in items:
                if self.history.failing:
                    break
                self.add_entry(item["name"], item["color"], item.get("description", ""), item.get("shortcut", ""))

        return len(items) if self.history.macro(f"Import vocabulary {Path(path).name}", add_all) else 0

    def export_vocabulary(self, path: Path) -> None:
        from app.project.vocabulary import write_vocabulary_json

        write_vocabulary_json(path, self._vocabulary, Path(path).stem)

    # -- applied by the commands -------------------------------------------------------------------

    def _keep(self, record: LabelRecord) -> None:
        """Hold a label (new or changed) in the book and its per-segment index."""
        old = self._labels.get(record.id)
        if old is not None:
            self._drop(old)
        self._labels[record.id] = record
        self._by_key.setdefault(record.segment_key, {})[record.id] = record
        self._sorted = None

    def _drop(self, record: LabelRecord) -> None:
        del self._labels[record.id]
        same_key = self._by_key.get(record.segment_key, {})
        same_key.pop(record.id, None)
        if not same_key:
            self._by_key.pop(record.segment_key, None)
        self._sorted = None

    def _set_vocabulary(self, entries: list[VocabularyEntry]) -> None:
        self._vocabulary = entries
        self._entries = {entry.id: entry for entry in entries}

    def _refresh_label(self, label_id: int, added: bool) -> None:
        record = self._store.label(label_id)
        self._keep(record)
        (self.label_added if added else self.label_updated).emit(record)

    def _forget_label(self, label_id: int) -> None:
        record = self._labels.get(label_id)
        if record is not None:
            self._drop(record)
            self.label_removed.emit(record)

    def _refresh_vocabulary(self) -> None:
        self._set_vocabulary(self._store.vocabulary())
        names = {entry.id: entry.name for entry in self._vocabulary}
        renamed = [
            label for label in self._labels.values() if names.get(label.vocabulary_id, label.value) != label.value
        ]
        for label in renamed:
            self._keep(replace(label, value=names[label.vocabulary_id]))
        if renamed:  # one reset, not a signal per label: a value may be on tens of thousands of labels
            self.labels_reset.emit()
        self.vocabulary_changed.emit()


def as_new_label(record: LabelRecord) -> NewLabel:
    """What to store to put a deleted label back as it was (under its old id, given to the store apart)."""
    return NewLabel(
        record.start_ms,
        record.end_ms,
        record.vocabulary_id,
        record.source,
        record.peak_ms,
        record.segment_key,
        record.intensity,
        record.confidence,
        record.note,
        record.provenance,
    )


class _AddLabel(StoredCommand):
    def __init__(self, book: LabelBook, new: NewLabel, text: str) -> None:
        super().__init__(book.history, text)
        self._book, self._new, self._id = book, new, None

    def apply(self) -> None:
        self._id = self._book._store.add_label(self._book.media_id, self._new, self._book.annotator, self._id)
        self._book._refresh_label(self._id, added=True)

    def revert(self) -> None:
        self._book._store.delete_label(self._id)
        self._book._forget_label(self._id)


class _UpdateLabel(StoredCommand):
    def __init__(self, book: LabelBook, label_id: int, old: dict, new: dict, text: str) -> None:
        super().__init__(book.history, text)
        self._book, self._id, self._old, self._new = book, label_id, old, new

    def apply(self) -> None:
        self._book._store.update_label(self._id, **self._new)
        self._book._refresh_label(self._id, added=False)

    def revert(self) -> None:
        self._book._store.update_label(self._id, **self._old)
        self._book._refresh_label(self._id, added=False)


class _DeleteLabel(StoredCommand):
    def __init__(self, book: LabelBook, record: LabelRecord) -> None:
        super().__init__(book.history, f"Delete label {record.value}")
        self._book, self._record = book, record

    def apply(self) -> None:
        self._book._store.delete_label(self._record.id)
        self._book._forget_label(self._record.id)

    def revert(self) -> None:
        r = self._record
        self._book._store.add_label(r.media_id, as_new_label(r), r.annotator, label_id=r.id)
        self._book._refresh_label(r.id, added=True)


class _AddEntry(StoredCommand):
    def __init__(self, book: LabelBook, name: str, color: str, description: str, shortcut: str) -> None:
        super().__init__(book.history, f"Add {name} to the vocabulary")
        self._book, self._args, self._id = book, (name, color, description, shortcut), None

    def apply(self) -> None:
        name, color, description, shortcut = self._args
        self._id = self._book._store.add_vocabulary_entry(name, color, description, shortcut, "label", self._id)
        self._book._refresh_vocabulary()

    def revert(self) -> None:
        self._book._store.delete_vocabulary_entry(self._id)
        self._book._refresh_vocabulary()


class _UpdateEntry(StoredCommand):
    def __init__(self, book: LabelBook, entry_id: int, old: dict, new: dict) -> None:
        super().__init__(book.history, f"Change {', '.join(new)} of a vocabulary value")
        self._book, self._id, self._old, self._new = book, entry_id, old, new

    def apply(self) -> None:
        self._book._store.update_vocabulary_entry(self._id, **self._new)
        self._book._refresh_vocabulary()

    def revert(self) -> None:
        self._book._store.update_vocabulary_entry(self._id, **self._old)
        self._book._refresh_vocabulary()


class _DeleteEntry(StoredCommand):
    def __init__(self, book: LabelBook, entry: VocabularyEntry) -> None:
        super().__init__(book.history, f"Delete {entry.name} from the vocabulary")
        self._book, self._entry = book, entry

    def apply(self) -> None:
        self._book._store.delete_vocabulary_entry(self._entry.id)
        self._book._refresh_vocabulary()

    def revert(self) -> None:
        e = self._entry
        self._book._store.add_vocabulary_entry(e.name, e.color, e.description, e.shortcut, e.kind, e.id, e.position)
        self._book._refresh_vocabulary()
