"""The project file: one SQLite database plus a sidecar folder for caches and downloaded media.

``Store`` opens, creates, checks and migrates the file and owns its transactions; what it can read and write
comes from one mixin per table (media, runs, transcripts, persons, labels), so ``store.add_media(...)`` and
the like are methods of the one open project. app.project is the only code that speaks SQL. Every write is
its own committed transaction (WAL, synchronous=FULL), so a crash loses nothing already done. A new project is
built aside and renamed into place, so a kill leaves no project or a whole one. Opening never writes before the
file has been checked: a corrupt file, one from a newer version or one with damaged bytes is reported (a
ProjectError, never a decoding error) and left untouched.
"""

from __future__ import annotations

import logging
import os
import re
import shutil
import sqlite3
import time
import urllib.parse
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from functools import cache
from glob import escape as glob_escape
from importlib import resources
from pathlib import Path

from app.project.labels import LabelsTable
from app.project.media import MediaTable
from app.project.persons import PersonsTable
from app.project.runs import RunsTable
from app.project.table import ProjectError, ReadOnlyProjectError, damaged, timestamp
from app.project.transcripts import TranscriptsTable

log = logging.getLogger(__name__)

PROJECT_SUFFIX = ".salient"
APPLICATION_ID = 0x53414C4E
"""'SALN': marks a SQLite file as a Salient project (PRAGMA application_id)."""
_SQLITE_HEADER = b"SQLite format 3\x00"
_PARTIAL_SUFFIX = ".creating"
_STALE_PARTIAL_S = 600
"""A project being built aside older than this was left by a process that died: it is swept away."""
_MIGRATION_NAME = re.compile(r"^(\d{4})_[\w-]+\.sql$")
_NEEDS_WRITE_ACCESS = frozenset(
    {"SQLITE_READONLY", "SQLITE_READONLY_DIRECTORY", "SQLITE_READONLY_CANTINIT", "SQLITE_READONLY_RECOVERY"}
)
"""What SQLite says when it cannot set up a WAL project's shared memory (NAME-shm) in a folder it may not write."""


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


def _check_existing_file(path: Path) -> bool:
    """Refuse anything that is not a SQLite file before SQLite gets a chance to write to it.

    Returns True when the file is only the stub an interrupted creation left (earlier versions built the
    project in place: a kill could leave 0 bytes, or a SQLite header and nothing else): no project yet.
    """
    if path.is_dir():
        raise ProjectError(f"{path}: is a folder, not a project file")
    try:
        with path.open("rb") as handle:
            header = handle.read(len(_SQLITE_HEADER))
    except OSError as exc:
        raise ProjectError(f"{path}: cannot read the project ({exc.strerror or exc})") from exc
    if header not in (b"", _SQLITE_HEADER):
        raise ProjectError(
            f"{path}: not a Salient project, or the file is corrupt (no SQLite header); it was left untouched"
        )
    if header:
        _check_header(path)
    return _is_empty_database(path)


def _check_header(path: Path) -> None:
    """What SQLite's file header says of the file itself (https://sqlite.org/fileformat.html): a file cut short
    (SQLite reads what is left without complaint when the cut falls in free space), or a damaged page size,
    schema format or text encoding."""
    size = path.stat().st_size
    with path.open("rb") as handle:
        header = handle.read(100)
    if len(header) < 100:
        raise damaged(path, f"the file is cut short: {size} bytes, less than its header", untouched=True)
    page_size = int.from_bytes(header[16:18], "big")
    page_size = 65536 if page_size == 1 else page_size
    if page_size < 512 or page_size & (page_size - 1):
        raise damaged(path, f"the page size in its header is {page_size} bytes", untouched=True)
    if size % page_size:
        raise damaged(path, f"the file is cut short: {size} bytes is not a whole number of pages", untouched=True)
    pages, valid_for, changes = (int.from_bytes(header[at : at + 4], "big") for at in (28, 92, 24))
    wal = Path(f"{path}-wal")
    replaying = wal.exists() and wal.stat().st_size > 0  # a checkpoint cut short: the -wal still holds the pages
    if valid_for == changes and size < pages * page_size and not replaying:
        raise damaged(path, f"the file is cut short: {size // page_size} of its {pages} pages", untouched=True)
    if int.from_bytes(header[68:72], "big") != APPLICATION_ID:
        return  # another program's database: refused as not a project, not as damaged
    _check_wal(path)
    schema_format, encoding = int.from_bytes(header[44:48], "big"), int.from_bytes(header[56:60], "big")
    if schema_format not in (1, 2, 3, 4) or encoding != 1 or header[18] not in (1, 2) or header[19] not in (1, 2):
        detail = f"schema format {schema_format}, text encoding {encoding}, file format {header[18]}/{header[19]}"
        raise damaged(path, f"its header is garbled ({detail})", untouched=True)


def _is_empty_database(path: Path) -> bool:
    """No tables, no application id, no format version: nothing anyone wrote (read through any -wal file)."""
    before = _wal_files(path)
    try:
        db = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        try:
            return (
                db.execute("PRAGMA application_id").fetchone()[0] == 0
                and db.execute("PRAGMA user_version").fetchone()[0] == 0
                and db.execute("SELECT COUNT(*) FROM sqlite_master").fetchone()[0] == 0
            )
        finally:
            db.close()
    except (sqlite3.Error, UnicodeDecodeError):
        return False
    finally:
        _tidy_wal_files(path, before)


def _wal_files(path: Path) -> frozenset[Path]:
    """The project's -wal and -shm files that exist now."""
    return frozenset(side for side in (Path(f"{path}-wal"), Path(f"{path}-shm")) if side.exists())


def _tidy_wal_files(path: Path, before: frozenset[Path]) -> None:
    """After a reading connection closed: remove the -wal and -shm files it made (SQLite makes them for any
    reader of a WAL database, and only a writing connection removes them).

    They are never deleted by hand, which could lose another connection's writes: a writing connection is
    opened and closed, and SQLite removes them only if it was the last connection to the file (and the file
    can be written). An empty -wal holds nothing to copy into the file, which stays as it was.
    """
    if _wal_files(path) <= before:
        return
    try:
        db = sqlite3.connect(f"file:{path}?mode=rw", uri=True)
    except sqlite3.Error:
        return
    try:
        db.execute("PRAGMA user_version").fetchone()
    except sqlite3.Error as exc:
        log.debug("%s: could not remove the -wal and -shm files a reader made (%s)", path, exc)
    finally:
        db.close()


_WAL_MAGIC = (0x377F0682, 0x377F0683)


def _check_wal(path: Path) -> None:
    """Refuse a -wal file that holds another database's first page (a -wal copied or left next to the project):
    SQLite would read its pages over the project's, and any connection that closes last would copy them in.
    Read before any connection is made; the frames of the -wal's current generation only (matching salts)."""
    wal = Path(f"{path}-wal")
    try:
        with wal.open("rb") as handle:
            header = handle.read(32)
            if len(header) < 32 or int.from_bytes(header[:4], "big") not in _WAL_MAGIC:
                return  # SQLite ignores it
            page_size = int.from_bytes(header[8:12], "big") or 65536
            salts, first_page = header[16:24], None
            while frame := handle.read(24):
                page = handle.read(page_size)
                if len(frame) < 24 or len(page) < page_size or frame[8:16] != salts:
                    break
                if int.from_bytes(frame[:4], "big") == 1:
                    first_page = page
    except OSError:
        return
    if first_page is not None and int.from_bytes(first_page[68:72], "big") != APPLICATION_ID:
        raise damaged(path, f"its -wal file belongs to another database ({wal})", untouched=True)


def _file_application_id(path: Path) -> int:
    """The application id in the file's own header, whatever a -wal file next to it holds."""
    with path.open("rb") as handle:
        header = handle.read(72)
    return int.from_bytes(header[68:72], "big") if len(header) == 72 else 0


def _check_data_dir(path: Path) -> None:
    folder = data_dir_for(path)
    if folder.exists() and not folder.is_dir():
        raise ProjectError(
            f"{folder}: is a file, but Salient keeps the project's media and caches in a folder of that name; "
            f"move or rename the file"
        )


def _text(path: Path) -> Callable[[bytes], str]:
    """SQLite's text as str, or a ProjectError naming the project when flipped bytes left it not UTF-8."""

    def decode(data: bytes) -> str:
        try:
            return data.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise damaged(path, f"stored text is not UTF-8: {data[:40].decode('utf-8', 'replace')!r}") from exc

    return decode


def _unwritable(path: Path) -> str:
    """Why this user cannot write the project at ``path`` (its file, or its folder, where SQLite keeps the
    project's -wal and -shm files), or "" when they can."""
    if not os.access(path, os.W_OK):
        return "the file cannot be written"
    if not os.access(path.parent, os.W_OK | os.X_OK):
        return "its folder cannot be written"
    return ""


def _read_only_error(path: Path, reason: str) -> ReadOnlyProjectError:
    return ReadOnlyProjectError(
        f"{path}: the project is read-only here ({reason}); it can be opened to read and export, not changed", reason
    )


def _uri(path: Path, **params: object) -> str:
    query = "&".join(f"{key}={value}" for key, value in params.items())
    return f"file:{urllib.parse.quote(str(path))}?{query}"


def _connect_read_only(path: Path, handover: bool = False) -> sqlite3.Connection:
    """A reading connection. SQLite reads a WAL project only where it can make or open its NAME-shm file; in a
    folder this user may not write it cannot, and the file is then opened as immutable (nothing to recover: no
    -wal file holds changes). A -wal file that holds changes and cannot be read is an error, never ignored."""
    db = None
    try:
        db = sqlite3.connect(_uri(path, mode="ro"), uri=True, isolation_level=None, check_same_thread=not handover)
        db.execute("PRAGMA schema_version").fetchone()
        return db
    except sqlite3.OperationalError as exc:
        if db is not None:
            db.close()
        name = getattr(exc, "sqlite_errorname", "")
        # an immutable (chattr +i) or read-only mounted folder: SQLite cannot open NAME-shm at all
        cannot_open_shm = name == "SQLITE_CANTOPEN" and os.access(path, os.R_OK)
        if name not in _NEEDS_WRITE_ACCESS and not cannot_open_shm:
            raise
        wal = Path(f"{path}-wal")
        if wal.exists() and wal.stat().st_size > 0:
            raise ReadOnlyProjectError(
                f"{path}: cannot be read here: its latest changes are still in {wal.name}, which SQLite reads only "
                f"with write access to the folder; open the project once where it can be written"
            ) from exc
    log.info("%s: its folder cannot be written; reading the project as immutable", path)
    return sqlite3.connect(
        _uri(path, mode="ro", immutable=1), uri=True, isolation_level=None, check_same_thread=not handover
    )


class _OlderFormatError(ProjectError):
    """A project to read without writing that needs updating to this version's format first."""


class Store(MediaTable, TranscriptsTable, RunsTable, PersonsTable, LabelsTable):
    """An open project file. Not thread-safe: one owner (the session, or the CLI) uses it."""

    def __init__(self, path: Path, connection: sqlite3.Connection, read_only: bool = False) -> None:
        self.path = path
        self._db = connection
        self._wal_files_before: frozenset[Path] | None = None
        """For a reading connection: the -wal and -shm files there were before it opened."""
        self.read_only = read_only
        """Opened to read only: every write is refused with a ReadOnlyProjectError."""

    # -- opening -----------------------------------------------------------------------------------

    @classmethod
    def open(cls, path: str | Path, create: bool = True, read_only: bool = False, handover: bool = False) -> Store:
        """Open a project, creating it when ``create`` and it does not exist yet.

        ``read_only`` opens a reading connection (an export in a worker thread while the session writes, a project
        this user may not write): nothing is migrated, marked or added, and a project needing migration is refused.
        A project that cannot be written, opened without ``read_only``, raises :class:`ReadOnlyProjectError`.
        ``handover`` lets the thread that opened the project hand it to another one (the window opens a
        project in a worker, then the GUI thread owns it): still one user at a time, never two at once.
        """
        path = Path(path).resolve()
        _check_data_dir(path)
        if read_only:
            return cls._open_read_only(path, handover)
        exists = path.exists()
        stub = exists and _check_existing_file(path)
        if not create and stub:
            raise ProjectError(f"{path}: no such project (an empty file left by an interrupted creation)")
        if not create and not exists:
            raise ProjectError(f"{path}: no such project")
        if stub or not exists:
            cls._create_file(path, over_stub=stub)
        elif reason := _unwritable(path):
            raise _read_only_error(path, reason)
        try:
            db = sqlite3.connect(f"file:{path}?mode=rw", uri=True, isolation_level=None, check_same_thread=not handover)
        except sqlite3.Error as exc:
            raise ProjectError(f"{path}: cannot open the project ({exc})") from exc
        db.text_factory = _text(path)
        try:
            cls._verify(path, db)
            if db.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION:
                _check_schema(path, db)  # before anything is written (an older project is checked once migrated)
            db.execute("PRAGMA foreign_keys = ON")
            db.execute("PRAGMA journal_mode = WAL")
            db.execute("PRAGMA synchronous = FULL")
            db.execute("PRAGMA busy_timeout = 5000")
            store = cls(path, db)
            store._migrate()
            _check_schema(path, db)
            store._mark_interrupted_runs()
            store._ensure_vocabulary()
        except (sqlite3.DatabaseError, UnicodeDecodeError) as exc:
            db.close()
            raise _open_error(path, exc) from exc
        except BaseException:
            db.close()
            raise
        try:
            data_dir_for(path).mkdir(exist_ok=True)
        except OSError as exc:
            db.close()
            raise ProjectError(f"{data_dir_for(path)}: cannot make the project's folder ({exc.strerror})") from exc
        return store

    @classmethod
    def open_to_read(cls, path: str | Path) -> Store:
        """Open an existing project to export it: read-only, so a project this user may not write exports too; a
        project of an older format is updated first (which needs write access)."""
        try:
            return cls.open(path, create=False, read_only=True)
        except _OlderFormatError as older:
            try:
                return cls.open(path, create=False)
            except ReadOnlyProjectError:
                raise older from None

    @classmethod
    def _create_file(cls, path: Path, over_stub: bool) -> None:
        """Build a new project aside in the same folder, then move it into place in one step: an interruption
        leaves no project or a whole one, never a stub. Only an empty stub is ever replaced."""
        if not path.parent.is_dir():
            raise ProjectError(f"{path.parent}: folder does not exist, cannot create the project there")
        _sweep_partials(path)
        # SQLite makes the file, so it gets the permissions SQLite always gave a project (0644 less the umask)
        partial = path.with_name(f".{path.name}.{uuid.uuid4().hex[:12]}{_PARTIAL_SUFFIX}")
        try:
            db = sqlite3.connect(f"file:{partial}?mode=rwc", uri=True, isolation_level=None)
            try:
                db.execute("PRAGMA synchronous = FULL")
                store = cls(partial, db)
                store._create()
                store._ensure_vocabulary()
            finally:
                db.close()
            _move_into_place(partial, path, over_stub)
        except sqlite3.Error as exc:
            raise ProjectError(f"{path}: cannot create the project ({exc})") from exc
        except OSError as exc:
            raise ProjectError(f"{path}: cannot create the project ({exc.strerror or exc})") from exc
        finally:
            partial.unlink(missing_ok=True)
            Path(f"{partial}-journal").unlink(missing_ok=True)

    @classmethod
    def _open_read_only(cls, path: Path, handover: bool = False) -> Store:
        """A reading connection; the -wal and -shm files it makes go again when it is closed (or refused)."""
        if not path.exists():
            raise ProjectError(f"{path}: no such project")
        if _check_existing_file(path):
            raise ProjectError(f"{path}: no such project (an empty file left by an interrupted creation)")
        before = _wal_files(path)
        try:
            db = _connect_read_only(path, handover)
        except sqlite3.DatabaseError as exc:
            _tidy_wal_files(path, before)
            raise _open_error(path, exc) from exc
        except BaseException:
            _tidy_wal_files(path, before)
            raise
        try:
            db.text_factory = _text(path)
            cls._verify(path, db)
            version = db.execute("PRAGMA user_version").fetchone()[0]
            if version != SCHEMA_VERSION:
                raise _OlderFormatError(
                    f"{path}: the project is in the format of an older Salient ({version}; this one writes "
                    f"{SCHEMA_VERSION}) and cannot be read without updating it; open it once where it can be written"
                )
            _check_schema(path, db)
            db.execute("PRAGMA busy_timeout = 5000")
        except BaseException as exc:
            db.close()
            _tidy_wal_files(path, before)
            if isinstance(exc, (sqlite3.DatabaseError, UnicodeDecodeError)):
                raise _open_error(path, exc) from exc
            raise
        store = cls(path, db, read_only=True)
        store._wal_files_before = before
        return store

    @staticmethod
    def _verify(path: Path, db: sqlite3.Connection) -> None:
        """Read-only checks: a Salient file, not from a newer version, not damaged."""
        application_id = db.execute("PRAGMA application_id").fetchone()[0]
        if application_id != APPLICATION_ID and _file_application_id(path) == APPLICATION_ID:
            # the file alone is a project: the pages SQLite read over it came from a -wal of another database
            raise damaged(path, f"its -wal file belongs to another database ({path}-wal)", untouched=True)
        if application_id != APPLICATION_ID:
            raise ProjectError(f"{path}: a SQLite database, but not a Salient project; it was left untouched")
        version = db.execute("PRAGMA user_version").fetchone()[0]
        if version > SCHEMA_VERSION:
            raise ProjectError(
                f"{path}: this project was written by a newer version of Salient (project format {version}; "
                f"this version reads up to {SCHEMA_VERSION}). Update Salient to open it; the file was left untouched."
            )
        text_factory, db.text_factory = db.text_factory, lambda data: data.decode("utf-8", "replace")
        try:
            problems = [row[0] for row in db.execute("PRAGMA quick_check")]
        finally:
            db.text_factory = text_factory
        if problems != ["ok"]:
            # SQLite's report is several lines ("*** in database main ***", then one per problem): one line here
            lines = [" ".join(line.split()) for problem in problems for line in problem.splitlines()]
            lines = [line for line in lines if line and not line.startswith("***")]
            raise damaged(path, "; ".join(lines[:3]), untouched=True)

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
        """One committed unit of work; rolled back whole if anything inside fails.

        Inside another one (the session stores an undo step of several edits as one unit) it is a savepoint
        of the outer unit, committed with it. A write the disk refuses (full, read-only, failing) raises a
        ProjectError that says so, with the file as it was before the unit."""
        if self.read_only:
            raise ReadOnlyProjectError(f"{self.path}: the project is open read-only; nothing can be changed")
        if self._db.in_transaction:
            yield from self._savepoint()
            return
        try:
            self._db.execute("BEGIN IMMEDIATE")
        except sqlite3.OperationalError as exc:
            raise self._write_error(exc) from exc
        try:
            yield self._db
        except UnicodeDecodeError as exc:  # SQLite's own message held damaged bytes (say, in a CHECK's text)
            self._rollback()
            raise damaged(self.path, _reason(exc)) from exc
        except sqlite3.OperationalError as exc:
            self._rollback()
            if _refused_write(exc):
                raise self._write_error(exc) from exc
            raise
        except BaseException:
            self._rollback()
            raise
        try:
            self._db.execute("COMMIT")
        except sqlite3.Error as exc:
            self._rollback()
            raise self._write_error(exc) from exc

    def _savepoint(self) -> Iterator[sqlite3.Connection]:
        self._db.execute("SAVEPOINT unit")
        try:
            yield self._db
        except BaseException as exc:
            if self._db.in_transaction:  # SQLite may have rolled the whole transaction back itself (disk full)
                self._db.execute("ROLLBACK TO unit")
                self._db.execute("RELEASE unit")
            if isinstance(exc, sqlite3.OperationalError) and _refused_write(exc):
                raise self._write_error(exc) from exc
            raise
        self._db.execute("RELEASE unit")

    def _rollback(self) -> None:
        """Undo the unit under way. After some errors (a full disk, a failed I/O) SQLite has already rolled
        it back: then there is nothing to do, and the first error is the one to report."""
        if not self._db.in_transaction:
            return
        try:
            self._db.execute("ROLLBACK")
        except sqlite3.Error as exc:
            log.warning("%s: rollback failed after an error (%s)", self.path, exc)

    def _write_error(self, exc: sqlite3.Error) -> ProjectError:
        """Why the project refused a write, in words: the disk is full, the file or its folder is read-only,
        or SQLite's own message; the project is as it was before."""
        return ProjectError(f"{self.path}: not saved, {_write_refusal(self.path, exc)}")

    def close(self) -> None:
        self._db.close()
        if self._wal_files_before is not None:
            _tidy_wal_files(self.path, self._wal_files_before)

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

    def read_everything(self) -> None:
        """Read every row of every table once, as opening a project in the window then reads some of them: a
        flipped byte in any stored text is a ProjectError now, not an error halfway through showing the project."""
        tables = [row[0] for row in self._db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")]
        try:
            for table in tables:
                for _ in self._db.execute(f'SELECT * FROM "{table}"'):
                    pass
        except (sqlite3.DatabaseError, UnicodeDecodeError) as exc:
            raise damaged(self.path, _reason(exc)) from exc

    def integrity_check(self) -> list[str]:
        return [row[0] for row in self._db.execute("PRAGMA integrity_check")]


@cache
def _schema_shape() -> dict[str, tuple[list[str], set[tuple[str, str, str]]]]:
    """The tables of a new project as schema.sql makes them: their columns and foreign keys."""
    script = (resources.files("app.project") / "schema.sql").read_text(encoding="utf-8")
    db = sqlite3.connect(":memory:")
    try:
        for statement in _statements(script):
            db.execute(statement)
        tables = [row[0] for row in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")]
        return {table: _table_shape(db, table) for table in tables}
    finally:
        db.close()


def _table_shape(db: sqlite3.Connection, table: str) -> tuple[list[str], set[tuple[str, str, str]]]:
    columns = [row[1] for row in db.execute(f"PRAGMA table_info({table})")]
    keys = {(row[2], row[3], row[4]) for row in db.execute(f"PRAGMA foreign_key_list({table})")}
    return columns, keys


def _check_schema(path: Path, db: sqlite3.Connection) -> None:
    """Every table, column and reference the code relies on is there: a flipped byte in the schema's text can
    rename one, and SQLite reads such a schema without complaint until a statement uses it."""
    text_factory, db.text_factory = db.text_factory, lambda data: data.decode("utf-8", "replace")
    try:
        for table, (columns, keys) in _schema_shape().items():
            found_columns, found_keys = _table_shape(db, table)
            if not found_columns:
                raise damaged(path, f"table {table} is missing", untouched=True)
            missing = [column for column in columns if column not in found_columns]
            if missing:
                raise damaged(path, f"table {table} has no column {missing[0]}", untouched=True)
            lost = sorted(keys - found_keys)
            if lost:
                target, column, _ = lost[0]
                raise damaged(path, f"{table}.{column} no longer refers to table {target}", untouched=True)
    finally:
        db.text_factory = text_factory


def _open_error(path: Path, exc: Exception) -> ProjectError:
    """What went wrong opening a project: read-only, locked (SQLite's OperationalError), or damaged."""
    if getattr(exc, "sqlite_errorname", "") in _NEEDS_WRITE_ACCESS:
        return _read_only_error(path, "the disk or the file refused to be written")
    if isinstance(exc, sqlite3.OperationalError):
        return ProjectError(f"{path}: cannot open the project ({exc}); it was left untouched")
    return damaged(path, _reason(exc), untouched=True)


def _reason(exc: Exception) -> str:
    """What SQLite said; its message itself may hold damaged bytes (a flipped byte in the schema's text)."""
    if isinstance(exc, UnicodeDecodeError):
        return bytes(exc.object).decode("utf-8", "replace")
    return str(exc)


_SQLITE_BUSY, _SQLITE_READONLY, _SQLITE_IOERR, _SQLITE_FULL, _SQLITE_CANTOPEN = 5, 8, 10, 13, 14


def _refused_write(exc: sqlite3.Error) -> bool:
    """Whether SQLite refused a write for the disk's or the file's sake (not for a mistake in the SQL)."""
    code = (getattr(exc, "sqlite_errorcode", 0) or 0) & 0xFF
    return code in (_SQLITE_BUSY, _SQLITE_READONLY, _SQLITE_IOERR, _SQLITE_FULL, _SQLITE_CANTOPEN)


def _write_refusal(path: Path, exc: sqlite3.Error) -> str:
    """Why a write failed, in words. SQLite reports a full disk as SQLITE_FULL, but a write that fails in its
    shared-memory or journal file as an I/O error: the file system is asked, too."""
    code = (getattr(exc, "sqlite_errorcode", 0) or 0) & 0xFF
    try:
        full = code == _SQLITE_FULL or shutil.disk_usage(path.parent).free == 0
    except OSError:
        full = code == _SQLITE_FULL
    if full:
        return "the disk is full. Free some space and try again; nothing was changed"
    if code == _SQLITE_READONLY or not os.access(path, os.W_OK) or not os.access(path.parent, os.W_OK):
        return f"the project is read-only ({exc}); nothing was changed"
    if code == _SQLITE_BUSY:
        return f"another program is writing to it ({exc}); nothing was changed"
    return f"{exc}; nothing was changed"


def _move_into_place(partial: Path, path: Path, over_stub: bool) -> None:
    """Rename the finished project to its name: over the stub (and the stub's stale -wal, whose frames must
    never be replayed onto the new file), or where no file is, never over one another process just made."""
    if over_stub:
        for suffix in ("-wal", "-shm", "-journal"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)
        os.replace(partial, path)
    else:
        try:
            os.link(partial, path)
        except FileExistsError:
            log.info("%s was created meanwhile by another process: opening that one", path)
        except OSError:  # a file system without hard links
            os.replace(partial, path)
    try:
        folder = os.open(path.parent, os.O_RDONLY)
    except OSError:  # Windows cannot open a folder: its rename is durable without it
        return
    try:
        os.fsync(folder)
    except OSError:
        pass
    finally:
        os.close(folder)


def _sweep_partials(path: Path) -> None:
    """Remove what a process that died while creating ``path`` left aside (nothing a live one still builds)."""
    cutoff = time.time() - _STALE_PARTIAL_S
    for leftover in path.parent.glob(f".{glob_escape(path.name)}.*{_PARTIAL_SUFFIX}*"):
        try:
            if leftover.stat().st_mtime < cutoff:
                leftover.unlink()
        except OSError:
            continue


def _statements(script: str) -> list[str]:
    """Split a schema script into statements: comment lines dropped, then split on ';' (no triggers here)."""
    code = "\n".join(line for line in script.splitlines() if not line.lstrip().startswith("--"))
    return [statement.strip() for statement in code.split(";") if statement.strip()]
