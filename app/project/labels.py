"""The vocabulary (the label values a project uses), the annotators, and the labels on time ranges."""

from __future__ import annotations

import json
import sqlite3
from typing import Any

from app.model.records import LABEL_FIELDS, VOCABULARY_FIELDS, LabelRecord, NewLabel, VocabularyEntry
from app.project.table import ProjectError, Table, clean_name, timestamp

_INSERT_VOCABULARY = (
    "INSERT INTO vocabulary(name, description, color, shortcut, kind, position) VALUES (?, ?, ?, ?, ?, ?)"
)
_LABEL_SELECT = (
    "SELECT l.id, l.media_id, l.start_ms, l.end_ms, l.peak_ms, l.source, l.segment_key, l.vocabulary_id, v.name, "
    "v.kind, l.intensity, l.confidence, l.note, a.name, l.provenance, l.created_at, l.modified_at "
    "FROM labels l JOIN vocabulary v ON v.id = l.vocabulary_id JOIN annotators a ON a.id = l.annotator_id"
)


class LabelsTable(Table):
    """Vocabulary values, annotators and labels: every edit its own transaction."""

    # -- vocabulary --------------------------------------------------------------------------------

    def _ensure_vocabulary(self) -> None:
        """A project without any vocabulary gets the default one (Ekman's seven and the richer values)."""
        if self._db.execute("SELECT COUNT(*) FROM vocabulary").fetchone()[0]:
            return
        from resources import resource_path

        entries = json.loads(resource_path("vocabulary_default.json").read_text(encoding="utf-8"))["labels"]
        with self.transaction() as db:
            for position, entry in enumerate(entries):
                db.execute(
                    _INSERT_VOCABULARY,
                    (
                        entry["name"],
                        entry.get("description", ""),
                        entry["color"],
                        entry.get("shortcut", ""),
                        entry.get("kind", "label"),
                        position,
                    ),
                )

    def vocabulary(self) -> list[VocabularyEntry]:
        rows = self._db.execute(
            "SELECT id, name, description, color, shortcut, kind, position FROM vocabulary ORDER BY position, id"
        ).fetchall()
        return [VocabularyEntry(*row) for row in rows]

    def add_vocabulary_entry(
        self,
        name: str,
        color: str,
        description: str = "",
        shortcut: str = "",
        kind: str = "label",
        entry_id: int | None = None,
        position: int | None = None,
    ) -> int:
        """Add a value at the end (or restore a deleted one under its old id and position: undo)."""
        name = clean_name(name)
        try:
            with self.transaction() as db:
                if position is None:
                    position = db.execute("SELECT COALESCE(MAX(position), -1) + 1 FROM vocabulary").fetchone()[0]
                cursor = db.execute(
                    "INSERT INTO vocabulary(id, name, description, color, shortcut, kind, position) "
                    "VALUES (?, ?, ?, ?, ?, ?, ?)",
                    (entry_id, name, description, color, shortcut, kind, position),
                )
        except sqlite3.IntegrityError as exc:
            raise ProjectError(f"the vocabulary already has a value named {name!r}") from exc
        return int(cursor.lastrowid)

    def update_vocabulary_entry(self, entry_id: int, **fields: Any) -> None:
        """Rename, recolour, describe or re-key a value; labels refer to it by id, so a rename shows everywhere."""
        unknown = set(fields) - VOCABULARY_FIELDS
        if unknown:
            raise ValueError(f"unknown vocabulary fields: {sorted(unknown)}")
        if "name" in fields:
            fields["name"] = clean_name(fields["name"])
        assignments = ", ".join(f"{name} = ?" for name in fields)
        try:
            with self.transaction() as db:
                db.execute(f"UPDATE vocabulary SET {assignments} WHERE id = ?", (*fields.values(), entry_id))
        except sqlite3.IntegrityError as exc:
            raise ProjectError(f"the vocabulary already has a value named {fields.get('name')!r}") from exc

    def delete_vocabulary_entry(self, entry_id: int) -> None:
        used = self._db.execute("SELECT COUNT(*) FROM labels WHERE vocabulary_id = ?", (entry_id,)).fetchone()[0]
        if used:
            raise ProjectError(f"{used} label(s) use this value: rename it, or relabel them first")
        with self.transaction() as db:
            db.execute("DELETE FROM vocabulary WHERE id = ?", (entry_id,))

    # -- annotators and labels ---------------------------------------------------------------------

    def annotator_id(self, name: str) -> int:
        """The id of an annotator, added on first use."""
        name = clean_name(name)
        row = self._db.execute("SELECT id FROM annotators WHERE name = ?", (name,)).fetchone()
        if row:
            return int(row[0])
        with self.transaction() as db:
            cursor = db.execute("INSERT INTO annotators(name, created_at) VALUES (?, ?)", (name, timestamp()))
        return int(cursor.lastrowid)

    def add_label(self, media_id: int, label: NewLabel, annotator: str, label_id: int | None = None) -> int:
        """Store a label at once. ``label_id`` restores a deleted label under its old id (undo)."""
        annotator_id = self.annotator_id(annotator)
        now = timestamp()
        with self.transaction() as db:
            cursor = db.execute(
                "INSERT INTO labels(id, media_id, start_ms, end_ms, peak_ms, source, segment_key, vocabulary_id, "
                "intensity, confidence, note, annotator_id, provenance, created_at, modified_at) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    label_id,
                    media_id,
                    label.start_ms,
                    label.end_ms,
                    label.peak_ms,
                    label.source,
                    label.segment_key,
                    label.vocabulary_id,
                    label.intensity,
                    label.confidence,
                    label.note,
                    annotator_id,
                    label.provenance,
                    now,
                    now,
                ),
            )
        return int(cursor.lastrowid)

    def update_label(self, label_id: int, **fields: Any) -> None:
        unknown = set(fields) - LABEL_FIELDS
        if unknown:
            raise ValueError(f"unknown label fields: {sorted(unknown)}")
        assignments = ", ".join(f"{name} = ?" for name in fields)
        with self.transaction() as db:
            db.execute(
                f"UPDATE labels SET {assignments}, modified_at = ? WHERE id = ?",
                (*fields.values(), timestamp(), label_id),
            )

    def delete_label(self, label_id: int) -> None:
        with self.transaction() as db:
            db.execute("DELETE FROM labels WHERE id = ?", (label_id,))

    def label(self, label_id: int) -> LabelRecord:
        row = self._db.execute(f"{_LABEL_SELECT} WHERE l.id = ?", (label_id,)).fetchone()
        if row is None:
            raise KeyError(label_id)
        return LabelRecord(*row)

    def labels(self, media_id: int | None = None) -> list[LabelRecord]:
        rows = self._db.execute(
            f"{_LABEL_SELECT} WHERE (? IS NULL OR l.media_id = ?) ORDER BY l.start_ms, l.id", (media_id, media_id)
        ).fetchall()
        return [LabelRecord(*row) for row in rows]
