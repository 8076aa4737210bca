"""The transcripts: the segments of a transcription or import run, their words, and the media's speakers.

A transcript is the set of segments of one run (kind 'transcribe' for the model, 'transcript_import' for an
imported file); user edits change these rows in place, each edit in one transaction.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from app.model.label_colors import unused_label_color
from app.model.records import RunRecord
from app.model.transcript import TranscriptSegment, Word
from app.project.runs import RunsTable
from app.project.table import clean_name, damaged, timestamp

TRANSCRIPT_KINDS = ("transcribe", "transcript_import")
"""Run kinds whose results are a transcript (table transcript_segments)."""


class TranscriptsTable(RunsTable):
    """Transcript segments and speakers; built on the runs they belong to."""

    def transcript_runs(self, media_id: int) -> list[RunRecord]:
        """The media's transcript versions, oldest first: every transcription or import that finished, or
        that stopped early but keeps segments (it can be resumed)."""
        return [
            r
            for r in self.runs(media_id)
            if r.kind in TRANSCRIPT_KINDS and (r.status == "done" or self.transcript_segment_count(r.id))
        ]

    def transcript_run(self, media_id: int) -> RunRecord | None:
        """The run whose transcript the user sees: the version chosen with :meth:`choose_transcript_run` until
        a newer transcript finishes; otherwise the newest finished one. A transcription that failed or was
        cancelled never takes the place of a finished transcript; it is shown only when there is none."""
        versions = self.transcript_runs(media_id)
        chosen = self._chosen_transcript(media_id)
        if chosen is not None:
            run_id, newest = chosen
            fresher = any(r.status == "done" and r.id > newest for r in versions)
            match = [r for r in versions if r.id == run_id]
            if match and not fresher:
                return match[0]
        done = [r for r in versions if r.status == "done"]
        return done[-1] if done else (versions[-1] if versions else None)

    def choose_transcript_run(self, media_id: int, run_id: int) -> None:
        """Show the transcript of ``run_id`` (an older version) until a newer transcript finishes."""
        newest = max((r.id for r in self.runs(media_id) if r.kind in TRANSCRIPT_KINDS), default=run_id)
        with self.transaction() as db:
            db.execute(
                "INSERT OR REPLACE INTO meta(key, value) VALUES (?, ?)", (_chosen_key(media_id), f"{run_id}:{newest}")
            )

    def _chosen_transcript(self, media_id: int) -> tuple[int, int] | None:
        row = self._db.execute("SELECT value FROM meta WHERE key = ?", (_chosen_key(media_id),)).fetchone()
        if row is None:
            return None
        run_id, newest = row[0].split(":")
        return int(run_id), int(newest)

    def delete_transcript_run(self, run_id: int) -> None:
        """Delete a transcript version: the run, its segments and the speakers no other segment names."""
        with self.transaction() as db:
            media_id = self._media_of_run(db, run_id)
            db.execute("DELETE FROM runs WHERE id = ?", (run_id,))
            db.execute(
                "DELETE FROM speakers WHERE media_id = ? AND id NOT IN "
                "(SELECT speaker_id FROM transcript_segments WHERE speaker_id IS NOT NULL)",
                (media_id,),
            )
            chosen = db.execute("SELECT value FROM meta WHERE key = ?", (_chosen_key(media_id),)).fetchone()
            if chosen is not None and int(chosen[0].split(":")[0]) == run_id:
                db.execute("DELETE FROM meta WHERE key = ?", (_chosen_key(media_id),))

    def transcript_segment_count(self, run_id: int) -> int:
        return int(
            self._db.execute("SELECT COUNT(*) FROM transcript_segments WHERE run_id = ?", (run_id,)).fetchone()[0]
        )

    def transcript_segments(self, run_id: int) -> list[TranscriptSegment]:
        rows = self._db.execute(
            "SELECT t.id, t.start_ms, t.end_ms, t.text, t.words_json, COALESCE(s.name, ''), t.reviewed, t.timing "
            "FROM transcript_segments t LEFT JOIN speakers s ON s.id = t.speaker_id "
            "WHERE t.run_id = ? ORDER BY t.start_ms, t.id",
            (run_id,),
        ).fetchall()
        return [
            TranscriptSegment(
                start_ms=row[1],
                end_ms=row[2],
                text=row[3],
                words=self._words(row[4]),
                speaker=row[5],
                reviewed=bool(row[6]),
                id=row[0],
                timing=row[7],
            )
            for row in rows
        ]

    def _words(self, text: str) -> tuple[Word, ...]:
        words = self._load_json(text, "a transcript's word timings")
        try:
            return tuple(Word(w[0], w[1], w[2], w[3]) for w in words)
        except (IndexError, KeyError, TypeError) as exc:
            raise damaged(self.path, f"a transcript's word timings are not valid: {exc!r}") from exc

    def transcript_segment(self, segment_id: int) -> TranscriptSegment:
        run_id = self._db.execute("SELECT run_id FROM transcript_segments WHERE id = ?", (segment_id,)).fetchone()
        if run_id is None:
            raise KeyError(segment_id)
        return next(s for s in self.transcript_segments(run_id[0]) if s.id == segment_id)

    def _speaker_id(self, db: sqlite3.Connection, media_id: int, name: str) -> int | None:
        name = clean_name(name) if name.strip() else ""
        if not name:
            return None
        db.execute("INSERT OR IGNORE INTO speakers(media_id, name) VALUES (?, ?)", (media_id, name))
        return int(
            db.execute("SELECT id FROM speakers WHERE media_id = ? AND name = ?", (media_id, name)).fetchone()[0]
        )

    def _media_of_run(self, db: sqlite3.Connection, run_id: int) -> int:
        row = db.execute("SELECT media_id FROM runs WHERE id = ?", (run_id,)).fetchone()
        if row is None:
            raise KeyError(run_id)
        return int(row[0])

    def _segment_values(
        self, db: sqlite3.Connection, media_id: int, segment: TranscriptSegment, now: str
    ) -> tuple[Any, ...]:
        """A segment's columns in the order start, end, text, words, speaker, reviewed, timing, modified, id."""
        return (
            segment.start_ms,
            segment.end_ms,
            segment.text,
            _words_to_json(segment.words),
            self._speaker_id(db, media_id, segment.speaker),
            int(segment.reviewed),
            segment.timing,
            now,
            segment.id,
        )

    def _insert_segments(self, db: sqlite3.Connection, run_id: int, segments: Iterable[TranscriptSegment]) -> list[int]:
        media_id = self._media_of_run(db, run_id)
        ids = []
        now = timestamp()
        for segment in segments:
            cursor = db.execute(
                "INSERT INTO transcript_segments(start_ms, end_ms, text, words_json, speaker_id, reviewed, timing, "
                "modified_at, id, run_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (*self._segment_values(db, media_id, segment, now), run_id),
            )
            ids.append(int(cursor.lastrowid))
        return ids

    def add_transcript_segments(self, run_id: int, segments: Iterable[TranscriptSegment]) -> list[int]:
        """Append segments to a run's transcript (in one transaction); their ids, in order. A segment that
        carries an id keeps it (undo of a delete restores the same row)."""
        with self.transaction() as db:
            return self._insert_segments(db, run_id, segments)

    def update_transcript_segment(self, segment: TranscriptSegment) -> None:
        """Write every field of a stored segment (by its id)."""
        self.replace_transcript_segments(remove=(), add=(), update=(segment,))

    def replace_transcript_segments(
        self,
        remove: Iterable[int],
        add: Iterable[TranscriptSegment],
        update: Iterable[TranscriptSegment] = (),
        run_id: int | None = None,
    ) -> list[int]:
        """Delete, update and insert segments in one transaction (split, merge, undo of either); the ids of
        the inserted segments. ``run_id`` is needed only when nothing is removed or updated."""
        remove, add, update = list(remove), list(add), list(update)
        with self.transaction() as db:
            known = remove + [s.id for s in update if s.id is not None]
            if run_id is None:
                if not known:
                    raise ValueError("replace_transcript_segments needs run_id when no stored segment is named")
                row = db.execute("SELECT run_id FROM transcript_segments WHERE id = ?", (known[0],)).fetchone()
                if row is None:
                    raise KeyError(known[0])
                run_id = int(row[0])
            media_id = self._media_of_run(db, run_id)
            for segment_id in remove:
                db.execute("DELETE FROM transcript_segments WHERE id = ?", (segment_id,))
            now = timestamp()
            for segment in update:
                changed = db.execute(
                    "UPDATE transcript_segments SET start_ms = ?, end_ms = ?, text = ?, words_json = ?, "
                    "speaker_id = ?, reviewed = ?, timing = ?, modified_at = ? WHERE id = ?",
                    self._segment_values(db, media_id, segment, now),
                ).rowcount
                if not changed:
                    raise KeyError(segment.id)
            ids = self._insert_segments(db, run_id, add)
            db.execute(
                "DELETE FROM speakers WHERE media_id = ? AND id NOT IN "
                "(SELECT speaker_id FROM transcript_segments WHERE speaker_id IS NOT NULL)",
                (media_id,),
            )
        return ids

    def import_transcript(
        self,
        media_id: int,
        params: Mapping[str, Any],
        versions: Mapping[str, str],
        segments: Sequence[TranscriptSegment],
        labels: Sequence[tuple[int, int, str]],
        annotator: str,
    ) -> int | None:
        """Store an imported transcript as a finished run and its label intervals ``(start, end, value)`` as
        labels by ``annotator`` (values missing from the vocabulary are added), all in one transaction:
        either everything is imported or nothing. Returns the run id (None when there were only labels)."""
        now = timestamp()
        run_id = None
        with self.transaction() as db:
            if segments:
                cursor = db.execute(
                    "INSERT INTO runs(media_id, kind, params_json, versions_json, status, summary_json, started_at, "
                    "finished_at, elapsed_ms) VALUES (?, 'transcript_import', ?, ?, 'done', ?, ?, ?, 0)",
                    (
                        media_id,
                        json.dumps(dict(params), sort_keys=True),
                        json.dumps(dict(versions)),
                        json.dumps({"segments": len(segments), "labels": len(labels)}),
                        now,
                        now,
                    ),
                )
                run_id = int(cursor.lastrowid)
                self._insert_segments(db, run_id, segments)
            if labels:
                name = clean_name(annotator)
                db.execute("INSERT OR IGNORE INTO annotators(name, created_at) VALUES (?, ?)", (name, now))
                annotator_id = db.execute("SELECT id FROM annotators WHERE name = ?", (name,)).fetchone()[0]
                rows = db.execute("SELECT id, name, color FROM vocabulary").fetchall()
                vocabulary = {name.casefold(): entry_id for entry_id, name, _color in rows}
                colors = [color for _id, _name, color in rows]
                for start_ms, end_ms, value in labels:
                    value = clean_name(value)
                    if value.casefold() not in vocabulary:
                        position = db.execute("SELECT COALESCE(MAX(position), -1) + 1 FROM vocabulary").fetchone()[0]
                        colors.append(unused_label_color(colors))
                        vocabulary[value.casefold()] = db.execute(
                            "INSERT INTO vocabulary(name, description, color, kind, position) "
                            "VALUES (?, 'imported', ?, 'label', ?)",
                            (value, colors[-1], position),
                        ).lastrowid
                    db.execute(
                        "INSERT INTO labels(media_id, start_ms, end_ms, source, vocabulary_id, annotator_id, "
                        "provenance, created_at, modified_at) VALUES (?, ?, ?, 'import', ?, ?, 'import', ?, ?)",
                        (
                            media_id,
                            start_ms,
                            max(end_ms, start_ms + 1),
                            vocabulary[value.casefold()],
                            annotator_id,
                            now,
                            now,
                        ),
                    )
        return run_id

    def speakers(self, media_id: int) -> list[str]:
        rows = self._db.execute("SELECT name FROM speakers WHERE media_id = ? ORDER BY name", (media_id,)).fetchall()
        return [row[0] for row in rows]

    def rename_speaker(self, media_id: int, old: str, new: str) -> None:
        """Rename a speaker everywhere; renaming to an existing name merges the two."""
        new = clean_name(new)
        with self.transaction() as db:
            row = db.execute("SELECT id FROM speakers WHERE media_id = ? AND name = ?", (media_id, old)).fetchone()
            if row is None:
                raise KeyError(old)
            target = db.execute("SELECT id FROM speakers WHERE media_id = ? AND name = ?", (media_id, new)).fetchone()
            if target is None:
                db.execute("UPDATE speakers SET name = ? WHERE id = ?", (new, row[0]))
            elif target[0] != row[0]:
                db.execute("UPDATE transcript_segments SET speaker_id = ? WHERE speaker_id = ?", (target[0], row[0]))
                db.execute("DELETE FROM speakers WHERE id = ?", (row[0],))


def _chosen_key(media_id: int) -> str:
    """The meta key naming the transcript version chosen for a media: ``"<run id>:<newest run id then>"``."""
    return f"transcript_run:{media_id}"


def _words_to_json(words: Iterable[Word]) -> str:
    return json.dumps(
        [[w.text, w.start_ms, w.end_ms, None if w.probability is None else round(w.probability, 4)] for w in words],
        ensure_ascii=False,
        separators=(",", ":"),
    )
