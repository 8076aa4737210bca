"""The project file: one SQLite database plus a sidecar folder for caches and downloaded media.

``Store`` opens, creates, checks and migrates the file and owns its transactions; what it can read and write
comes from one mixin per table (media, runs, transcripts, persons, labels), so ``store.add_media(...)`` and
the like are methods of the one open project. app.project is the only code that speaks SQL. Every write is
its own committed transaction (WAL, synchronous=FULL), so a crash loses nothing already done. Opening never
writes before the file has been checked: a corrupt file or one from a newer version is reported and left
untouched.
"""

from __future__ import annotations

import logging
import re
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from importlib import resources
from pathlib import Path

from app.project.labels import LabelsTable
from app.project.media import MediaTable
from app.project.persons import PersonsTable
from app.project.runs import RunsTable
from app.project.table import ProjectError, timestamp
from app.project.transcripts import TranscriptsTable

log = logging.getLogger(__name__)

PROJECT_SUFFIX = ".salient"
APPLICATION_ID = 0x53414C4E
"""'SALN': marks a SQLite file as a Salient project (PRAGMA application_id)."""
_SQLITE_HEADER = b"SQLite format 3\x00"
_MIGRATION_NAME = re.compile(r"^(\d{4})_[\w-]+\.sql$")


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


def data_dir_for(project_path: str | Path) -> Path:
    """The sidecar folder of a project: ``talk.salient`` keeps its files in ``talk.salient-data/``."""
    project_path = Path(project_path)
    return project_path.with_name(project_path.name + "-data")


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


class Store(MediaTable, TranscriptsTable, RunsTable, PersonsTable, LabelsTable):
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
            self._db.execute("INSERT INTO meta(key, value) VALUES ('created_at', ?)", (timestamp(),))

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


def _statements(script: str) -> list[str]:
    """Split a schema script into statements: comment lines dropped, then split on ';' (no triggers here)."""
    code = "\n".join(line for line in script.splitlines() if not line.lstrip().startswith("--"))
    return [statement.strip() for statement in code.split(";") if statement.strip()]
