"""The project file: one SQLite database plus a sidecar folder for caches and downloaded media.

The store is the only code that reads or writes the database. Every write is its own committed
transaction (WAL, synchronous=FULL), so a crash loses nothing already done. Opening never writes before
the file has been checked: a corrupt file or one from a newer version is reported and left untouched.
"""

from __future__ import annotations

import json
import logging
import re
import sqlite3
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import asdict
from datetime import UTC, datetime
from importlib import resources
from pathlib import Path
from typing import Any

from analysis.errors import SalientError
from analysis.media import AudioStreamInfo, MediaInfo, VideoStreamInfo
from app.model.records import (
    LABEL_FIELDS,
    VOCABULARY_FIELDS,
    LabelRecord,
    MediaRecord,
    NewLabel,
    NewSegment,
    RunRecord,
    SegmentRecord,
    VocabularyEntry,
)
from app.model.transcript import TranscriptSegment, Word

log = logging.getLogger(__name__)

PROJECT_SUFFIX = ".salient"
TRANSCRIPT_KINDS = ("transcribe", "transcript_import")
"""Run kinds whose results are a transcript (table transcript_segments)."""
APPLICATION_ID = 0x53414C4E
"""'SALN': marks a SQLite file as a Salient project (PRAGMA application_id)."""
_SQLITE_HEADER = b"SQLite format 3\x00"
_MIGRATION_NAME = re.compile(r"^(\d{4})_[\w-]+\.sql$")


class ProjectError(SalientError):
    """A project file cannot be opened or written: corrupt, not a project, from a newer version, unwritable."""


def _migrations() -> dict[int, str]:
    folder = resources.files("app.project") / "migrations"
    scripts: dict[int, str] = {}
    if not folder.is_dir():
        return scripts
    for entry in folder.iterdir():
        match = _MIGRATION_NAME.match(entry.name)
        if match:
            scripts[int(match.group(1))] = entry.read_text(encoding="utf-8")
    return scripts


MIGRATIONS = _migrations()
SCHEMA_VERSION = max([1, *MIGRATIONS])


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds")


def data_dir_for(project_path: str | Path) -> Path:
    """The sidecar folder of a project: ``talk.salient`` keeps its files in ``talk.salient-data/``."""
    project_path = Path(project_path)
    return project_path.with_name(project_path.name + "-data")


def media_info_to_json(info: MediaInfo) -> str:
    return json.dumps(asdict(info), sort_keys=True)


def media_info_from_json(text: str) -> MediaInfo:
    data = json.loads(text)
    video = VideoStreamInfo(**data["video"]) if data.get("video") else None
    audio = AudioStreamInfo(**data["audio"]) if data.get("audio") else None
    return MediaInfo(**{**data, "video": video, "audio": audio})


def _check_existing_file(path: Path) -> None:
    """Refuse anything that is not a SQLite file before SQLite gets a chance to write to it."""
    if path.is_dir():
        raise ProjectError(f"{path}: is a folder, not a project file")
    with path.open("rb") as handle:
        header = handle.read(len(_SQLITE_HEADER))
    if header != _SQLITE_HEADER:
        raise ProjectError(
            f"{path}: not a Salient project, or the file is corrupt (no SQLite header); it was left untouched"
        )


class Store:
    """An open project file. Not thread-safe: one owner (the session, or the CLI) uses it."""

    def __init__(self, path: Path, connection: sqlite3.Connection) -> None:
        self.path = path
        self._db = connection

    # -- opening -----------------------------------------------------------------------------------

    @classmethod
    def open(cls, path: str | Path, create: bool = True, read_only: bool = False) -> Store:
        """Open a project, creating it when ``create`` and it does not exist yet.

        ``read_only`` opens a second, reading connection (an export in a worker thread while the session
        writes): nothing is migrated, marked or added, and a project needing migration is refused.
        """
        path = Path(path).resolve()
        if read_only:
            return cls._open_read_only(path)
        exists = path.exists()
        if not exists and not create:
            raise ProjectError(f"{path}: no such project")
        if exists:
            _check_existing_file(path)
        elif not path.parent.is_dir():
            raise ProjectError(f"{path.parent}: folder does not exist, cannot create the project there")
        mode = "rw" if exists else "rwc"
        try:
            db = sqlite3.connect(f"file:{path}?mode={mode}", uri=True, isolation_level=None)
        except sqlite3.Error as exc:
            raise ProjectError(f"{path}: cannot open the project ({exc})") from exc
        try:
            if exists:
                cls._verify(path, db)
            db.execute("PRAGMA foreign_keys = ON")
            db.execute("PRAGMA journal_mode = WAL")
            db.execute("PRAGMA synchronous = FULL")
            db.execute("PRAGMA busy_timeout = 5000")
            store = cls(path, db)
            if exists:
                store._migrate()
                store._mark_interrupted_runs()
            else:
                store._create()
            store._ensure_vocabulary()
        except sqlite3.DatabaseError as exc:
            db.close()
            raise ProjectError(f"{path}: the project file is corrupt ({exc}); it was left untouched") from exc
        except BaseException:
            db.close()
            raise
        data_dir_for(path).mkdir(exist_ok=True)
        return store

    @classmethod
    def _open_read_only(cls, path: Path) -> Store:
        if not path.exists():
            raise ProjectError(f"{path}: no such project")
        _check_existing_file(path)
        try:
            db = sqlite3.connect(f"file:{path}?mode=ro", uri=True, isolation_level=None)
            cls._verify(path, db)
            if db.execute("PRAGMA user_version").fetchone()[0] != SCHEMA_VERSION:
                raise ProjectError(f"{path}: open the project in Salient once to update it, then export")
            db.execute("PRAGMA busy_timeout = 5000")
        except sqlite3.DatabaseError as exc:
            raise ProjectError(f"{path}: cannot read the project ({exc})") from exc
        return cls(path, db)

    @staticmethod
    def _verify(path: Path, db: sqlite3.Connection) -> None:
        """Read-only checks: a Salient file, not from a newer version, not damaged."""
        application_id = db.execute("PRAGMA application_id").fetchone()[0]
        if application_id != APPLICATION_ID:
            raise ProjectError(f"{path}: a SQLite database, but not a Salient project; it was left untouched")
        version = db.execute("PRAGMA user_version").fetchone()[0]
        if version > SCHEMA_VERSION:
            raise ProjectError(
                f"{path}: this project was written by a newer version of Salient (project format {version}; "
                f"this version reads up to {SCHEMA_VERSION}). Update Salient to open it; the file was left untouched."
            )
        problems = [row[0] for row in db.execute("PRAGMA quick_check")]
        if problems != ["ok"]:
            raise ProjectError(
                f"{path}: the project file is damaged ({'; '.join(problems[:3])}); it was left untouched"
            )

    def _create(self) -> None:
        script = (resources.files("app.project") / "schema.sql").read_text(encoding="utf-8")
        with self.transaction():
            for statement in _statements(script):
                self._db.execute(statement)
            self._db.execute(f"PRAGMA application_id = {APPLICATION_ID}")
            self._db.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
            self._db.execute("INSERT INTO meta(key, value) VALUES ('created_at', ?)", (_now(),))

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

    def _migrate(self) -> None:
        version = self._db.execute("PRAGMA user_version").fetchone()[0]
        for target in sorted(v for v in MIGRATIONS if v > version):
            log.info("migrating %s to project format %d", self.path, target)
            try:
                with self.transaction():
                    for statement in _statements(MIGRATIONS[target]):
                        self._db.execute(statement)
                    self._db.execute(f"PRAGMA user_version = {target}")
            except sqlite3.Error as exc:
                raise ProjectError(
                    f"{self.path}: could not update the project to format {target} ({exc}); "
                    f"it was left at format {version}"
                ) from exc

    def _mark_interrupted_runs(self) -> None:
        with self.transaction():
            count = self._db.execute(
                "UPDATE runs SET status = 'interrupted', error = 'the application stopped while it ran' "
                "WHERE status = 'running'"
            ).rowcount
        if count:
            log.warning("%s: %d analysis run(s) were interrupted by a crash", self.path, count)

    # -- plumbing ----------------------------------------------------------------------------------

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """One committed unit of work; rolled back whole if anything inside fails."""
        try:
            self._db.execute("BEGIN IMMEDIATE")
        except sqlite3.OperationalError as exc:
            raise ProjectError(f"{self.path}: cannot write to the project ({exc})") from exc
        try:
            yield self._db
        except BaseException:
            self._db.execute("ROLLBACK")
            raise
        try:
            self._db.execute("COMMIT")
        except sqlite3.Error as exc:
            self._db.execute("ROLLBACK")
            raise ProjectError(f"{self.path}: could not save to the project ({exc})") from exc

    def close(self) -> None:
        self._db.close()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @property
    def data_dir(self) -> Path:
        return data_dir_for(self.path)

    @property
    def cache_dir(self) -> Path:
        return self.data_dir / "cache"

    @property
    def media_dir(self) -> Path:
        return self.data_dir / "media"

    @property
    def schema_version(self) -> int:
        return int(self._db.execute("PRAGMA user_version").fetchone()[0])

    def integrity_check(self) -> list[str]:
        return [row[0] for row in self._db.execute("PRAGMA integrity_check")]

    # -- media -------------------------------------------------------------------------------------

    def add_media(self, info: MediaInfo, fingerprint: str, source_url: str | None = None) -> MediaRecord:
        """Register a media file, or update where it now lives if the same content is already known."""
        with self.transaction() as db:
            db.execute(
                "INSERT INTO media(path, fingerprint, source_url, size_bytes, duration_ms, info_json, added_at) "
                "VALUES (?, ?, ?, ?, ?, ?, ?) "
                "ON CONFLICT(fingerprint) DO UPDATE SET path = excluded.path, info_json = excluded.info_json, "
                "source_url = COALESCE(excluded.source_url, media.source_url)",
                (
                    info.path,
                    fingerprint,
                    source_url,
                    info.size_bytes,
                    info.duration_ms,
                    media_info_to_json(info),
                    _now(),
                ),
            )
        record = self.media_by_fingerprint(fingerprint)
        assert record is not None
        return record

    def _media_from_row(self, row: tuple) -> MediaRecord:
        return MediaRecord(row[0], row[1], row[2], row[3], media_info_from_json(row[4]), row[5])

    def media_by_fingerprint(self, fingerprint: str) -> MediaRecord | None:
        row = self._db.execute(
            "SELECT id, path, fingerprint, source_url, info_json, added_at FROM media WHERE fingerprint = ?",
            (fingerprint,),
        ).fetchone()
        return self._media_from_row(row) if row else None

    def all_media(self) -> list[MediaRecord]:
        rows = self._db.execute(
            "SELECT id, path, fingerprint, source_url, info_json, added_at FROM media ORDER BY id"
        ).fetchall()
        return [self._media_from_row(row) for row in rows]

    # -- runs --------------------------------------------------------------------------------------

    def start_run(self, media_id: int, kind: str, params: Mapping[str, Any], versions: Mapping[str, str]) -> int:
        """Record that an analysis started (status 'running'); a crash leaves it to be marked interrupted."""
        with self.transaction() as db:
            cursor = db.execute(
                "INSERT INTO runs(media_id, kind, params_json, versions_json, status, started_at) "
                "VALUES (?, ?, ?, ?, 'running', ?)",
                (media_id, kind, json.dumps(dict(params), sort_keys=True), json.dumps(dict(versions)), _now()),
            )
        return int(cursor.lastrowid)

    def finish_run(
        self,
        run_id: int,
        summary: Mapping[str, Any],
        segments: Mapping[str, Iterable[NewSegment]],
        elapsed_ms: int,
        artifacts: Mapping[str, str] | None = None,
    ) -> None:
        """Store a run's results and mark it done, all in one transaction."""
        with self.transaction() as db:
            for track, spans in segments.items():
                db.executemany(
                    "INSERT INTO segments(run_id, track, start_ms, end_ms, peak_ms, score, value) "
                    "VALUES (?, ?, ?, ?, ?, ?, ?)",
                    [(run_id, track, s.start_ms, s.end_ms, s.peak_ms, s.score, s.value) for s in spans],
                )
            for name, relpath in (artifacts or {}).items():
                db.execute("INSERT INTO artifacts(run_id, name, relpath) VALUES (?, ?, ?)", (run_id, name, relpath))
            db.execute(
                "UPDATE runs SET status = 'done', summary_json = ?, finished_at = ?, elapsed_ms = ? WHERE id = ?",
                (json.dumps(dict(summary), sort_keys=True), _now(), elapsed_ms, run_id),
            )

    def reopen_run(self, run_id: int) -> None:
        """A cancelled or interrupted run continues (a resumed transcription): 'running' again."""
        with self.transaction() as db:
            changed = db.execute(
                "UPDATE runs SET status = 'running', error = NULL, finished_at = NULL "
                "WHERE id = ? AND status IN ('cancelled', 'interrupted', 'failed')",
                (run_id,),
            ).rowcount
        if not changed:
            raise ProjectError(f"run {run_id} is not stopped, it cannot be resumed")

    def end_run(self, run_id: int, status: str, error: str | None, elapsed_ms: int) -> None:
        """Mark a run failed or cancelled, keeping the reason."""
        if status not in ("failed", "cancelled"):
            raise ValueError(f"a run ends 'failed' or 'cancelled', not {status!r}")
        with self.transaction() as db:
            db.execute(
                "UPDATE runs SET status = ?, error = ?, finished_at = ?, elapsed_ms = ? WHERE id = ?",
                (status, error, _now(), elapsed_ms, run_id),
            )

    def _run_from_row(self, row: tuple) -> RunRecord:
        return RunRecord(
            id=row[0],
            media_id=row[1],
            kind=row[2],
            params=json.loads(row[3]),
            versions=json.loads(row[4]),
            status=row[5],
            error=row[6],
            summary=json.loads(row[7]) if row[7] else None,
            started_at=row[8],
            finished_at=row[9],
            elapsed_ms=row[10],
        )

    _RUN_COLUMNS = (
        "id, media_id, kind, params_json, versions_json, status, error, summary_json, started_at, finished_at, "
        "elapsed_ms"
    )

    def run(self, run_id: int) -> RunRecord:
        row = self._db.execute(f"SELECT {self._RUN_COLUMNS} FROM runs WHERE id = ?", (run_id,)).fetchone()
        if row is None:
            raise KeyError(run_id)
        return self._run_from_row(row)

    def runs(self, media_id: int | None = None, kind: str | None = None) -> list[RunRecord]:
        query = f"SELECT {self._RUN_COLUMNS} FROM runs WHERE (? IS NULL OR media_id = ?) AND (? IS NULL OR kind = ?)"
        rows = self._db.execute(query + " ORDER BY id", (media_id, media_id, kind, kind)).fetchall()
        return [self._run_from_row(row) for row in rows]

    def latest_run(self, media_id: int, kind: str, params: Mapping[str, Any] | None = None) -> RunRecord | None:
        """The newest finished run of ``kind``, with exactly ``params`` when given."""
        for record in reversed(self.runs(media_id, kind)):
            if record.status == "done" and (params is None or record.params == json.loads(json.dumps(dict(params)))):
                return record
        return None

    def artifacts(self, run_id: int) -> dict[str, Path]:
        rows = self._db.execute("SELECT name, relpath FROM artifacts WHERE run_id = ?", (run_id,)).fetchall()
        return {name: self.data_dir / relpath for name, relpath in rows}

    # -- segments ----------------------------------------------------------------------------------

    def segments(self, run_id: int, track: str) -> list[SegmentRecord]:
        rows = self._db.execute(
            "SELECT id, run_id, track, start_ms, end_ms, peak_ms, score, value FROM segments "
            "WHERE run_id = ? AND track = ? ORDER BY start_ms, id",
            (run_id, track),
        ).fetchall()
        return [SegmentRecord(*row) for row in rows]

    # -- transcripts -------------------------------------------------------------------------------

    def transcript_run(self, media_id: int) -> RunRecord | None:
        """The run whose transcript the user sees: the newest transcription or import that has segments
        (a cancelled or interrupted transcription keeps what it produced) or finished."""
        for record in reversed([r for r in self.runs(media_id) if r.kind in TRANSCRIPT_KINDS]):
            if record.status == "done" or self.transcript_segment_count(record.id):
                return record
        return None

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
                words=_words_from_json(row[4]),
                speaker=row[5],
                reviewed=bool(row[6]),
                id=row[0],
                timing=row[7],
            )
            for row in rows
        ]

    def transcript_segment(self, segment_id: int) -> TranscriptSegment:
        run_id = self._db.execute("SELECT run_id FROM transcript_segments WHERE id = ?", (segment_id,)).fetchone()
        if run_id is None:
            raise KeyError(segment_id)
        return next(s for s in self.transcript_segments(run_id[0]) if s.id == segment_id)

    def _speaker_id(self, db: sqlite3.Connection, media_id: int, name: str) -> int | None:
        name = _clean_name(name) if name.strip() else ""
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
        now = _now()
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
            now = _now()
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
        now = _now()
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
                name = _clean_name(annotator)
                db.execute("INSERT OR IGNORE INTO annotators(name, created_at) VALUES (?, ?)", (name, now))
                annotator_id = db.execute("SELECT id FROM annotators WHERE name = ?", (name,)).fetchone()[0]
                vocabulary = {row[1].casefold(): row[0] for row in db.execute("SELECT id, name FROM vocabulary")}
                for start_ms, end_ms, value in labels:
                    value = _clean_name(value)
                    if value.casefold() not in vocabulary:
                        position = db.execute("SELECT COALESCE(MAX(position), -1) + 1 FROM vocabulary").fetchone()[0]
                        vocabulary[value.casefold()] = db.execute(
                            "INSERT INTO vocabulary(name, description, color, kind, position) "
                            "VALUES (?, 'imported', '#9e9e9e', 'label', ?)",
                            (value, position),
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
        new = _clean_name(new)
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

    # -- persons (face analysis) -----------------------------------------------------------------------

    def set_persons(self, run_id: int, tracks: Mapping[int, int], names: Mapping[int, str]) -> None:
        """A face run's first grouping: face track → person number, and each person's name."""
        with self.transaction() as db:
            db.execute("DELETE FROM face_tracks WHERE run_id = ?", (run_id,))
            db.execute("DELETE FROM persons WHERE run_id = ?", (run_id,))
            db.executemany(
                "INSERT INTO persons(run_id, number, name) VALUES (?, ?, ?)",
                [(run_id, number, _clean_name(name)) for number, name in names.items()],
            )
            db.executemany(
                "INSERT INTO face_tracks(run_id, track, person) VALUES (?, ?, ?)",
                [(run_id, track, person) for track, person in tracks.items()],
            )

    def persons(self, run_id: int) -> list[tuple[int, str, str, list[int]]]:
        """(number, name, linked speaker, face tracks) of every person of a face run that has tracks."""
        rows = self._db.execute(
            "SELECT p.number, p.name, p.speaker, t.track FROM persons p JOIN face_tracks t "
            "ON t.run_id = p.run_id AND t.person = p.number WHERE p.run_id = ? ORDER BY p.number, t.track",
            (run_id,),
        ).fetchall()
        out: dict[int, tuple[int, str, str, list[int]]] = {}
        for number, name, speaker, track in rows:
            out.setdefault(number, (number, name, speaker, []))[3].append(track)
        return list(out.values())

    def rename_person(self, run_id: int, number: int, name: str) -> None:
        with self.transaction() as db:
            db.execute(
                "UPDATE persons SET name = ? WHERE run_id = ? AND number = ?", (_clean_name(name), run_id, number)
            )

    def link_speaker(self, run_id: int, number: int, speaker: str) -> None:
        with self.transaction() as db:
            db.execute(
                "UPDATE persons SET speaker = ? WHERE run_id = ? AND number = ?", (speaker.strip(), run_id, number)
            )

    def merge_persons(self, run_id: int, numbers: Sequence[int]) -> None:
        """Every track of ``numbers[1:]`` goes to ``numbers[0]``; the emptied persons are removed."""
        target, others = numbers[0], list(numbers[1:])
        with self.transaction() as db:
            for number in others:
                db.execute(
                    "UPDATE face_tracks SET person = ? WHERE run_id = ? AND person = ?", (target, run_id, number)
                )
                db.execute("DELETE FROM persons WHERE run_id = ? AND number = ?", (run_id, number))

    def split_person(self, run_id: int, number: int, tracks: Sequence[int]) -> int:
        """Move ``tracks`` of person ``number`` to a new person; its number."""
        with self.transaction() as db:
            new = db.execute("SELECT COALESCE(MAX(number), 0) + 1 FROM persons WHERE run_id = ?", (run_id,)).fetchone()[
                0
            ]
            db.execute("INSERT INTO persons(run_id, number, name) VALUES (?, ?, ?)", (run_id, new, f"Person {new}"))
            db.executemany(
                "UPDATE face_tracks SET person = ? WHERE run_id = ? AND track = ? AND person = ?",
                [(new, run_id, track, number) for track in tracks],
            )
        return int(new)

    # -- vocabulary --------------------------------------------------------------------------------

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
        name = _clean_name(name)
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
            fields["name"] = _clean_name(fields["name"])
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
        name = _clean_name(name)
        row = self._db.execute("SELECT id FROM annotators WHERE name = ?", (name,)).fetchone()
        if row:
            return int(row[0])
        with self.transaction() as db:
            cursor = db.execute("INSERT INTO annotators(name, created_at) VALUES (?, ?)", (name, _now()))
        return int(cursor.lastrowid)

    def add_label(self, media_id: int, label: NewLabel, annotator: str, label_id: int | None = None) -> int:
        """Store a label at once. ``label_id`` restores a deleted label under its old id (undo)."""
        annotator_id = self.annotator_id(annotator)
        now = _now()
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
                (*fields.values(), _now(), label_id),
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


def _statements(script: str) -> list[str]:
    """Split a schema script into statements: comment lines dropped, then split on ';' (no triggers here)."""
    code = "\n".join(line for line in script.splitlines() if not line.lstrip().startswith("--"))
    return [statement.strip() for statement in code.split(";") if statement.strip()]


_INSERT_VOCABULARY = (
    "INSERT INTO vocabulary(name, description, color, shortcut, kind, position) VALUES (?, ?, ?, ?, ?, ?)"
)
_LABEL_SELECT = (
    "SELECT l.id, l.media_id, l.start_ms, l.end_ms, l.peak_ms, l.source, l.segment_key, l.vocabulary_id, v.name, "
    "v.kind, l.intensity, l.confidence, l.note, a.name, l.provenance, l.created_at, l.modified_at "
    "FROM labels l JOIN vocabulary v ON v.id = l.vocabulary_id JOIN annotators a ON a.id = l.annotator_id"
)


def _clean_name(name: str) -> str:
    cleaned = " ".join(name.split())
    if not cleaned:
        raise ProjectError("a name cannot be empty")
    return cleaned


def _words_to_json(words: Iterable[Word]) -> str:
    return json.dumps(
        [[w.text, w.start_ms, w.end_ms, None if w.probability is None else round(w.probability, 4)] for w in words],
        ensure_ascii=False,
        separators=(",", ":"),
    )


def _words_from_json(text: str) -> tuple[Word, ...]:
    return tuple(Word(w[0], w[1], w[2], w[3]) for w in json.loads(text))
