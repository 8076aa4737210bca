"""Creating a project is one step: a kill leaves no project or a whole one, never a stub; a stub left by an
older version counts as no project yet; a project whose bytes were damaged is a ProjectError, not a crash."""

from __future__ import annotations

import os
import sqlite3
import stat
import subprocess
import sys
import time
from pathlib import Path

import pytest

from analysis.media import MediaInfo
from app.project.store import APPLICATION_ID, SCHEMA_VERSION, ProjectError, Store
from tests.helpers.cli import ROOT, child_env

KILL_WHILE_CREATING = """
import os, sys
from app.project import store as store_module

original = store_module.Store._create

def create_then_die(self):
    if sys.argv[2] == "after":
        original(self)
    os.kill(os.getpid(), 9)

store_module.Store._create = create_then_die
store_module.Store.open(sys.argv[1])
"""


def side_files(project: Path) -> list[str]:
    """Everything next to the project but the project: its -wal and -shm, anything built aside."""
    return sorted(path.name for path in project.parent.iterdir() if path != project)


def assert_a_new_project(project: Path) -> None:
    with Store.open(project) as store:
        assert store.schema_version == SCHEMA_VERSION
        assert store.integrity_check() == ["ok"]
        assert len(store.vocabulary()) == 16 and store.all_media() == []
    db = sqlite3.connect(project)
    assert db.execute("PRAGMA application_id").fetchone()[0] == APPLICATION_ID
    db.close()
    plain = project.with_name("plain.sqlite")  # the permissions SQLite gives any new file (0644 less the umask)
    sqlite3.connect(plain).close()
    assert stat.S_IMODE(project.stat().st_mode) == stat.S_IMODE(plain.stat().st_mode)
    plain.unlink()


@pytest.mark.parametrize("moment", ["before", "after"])
def test_a_kill_while_creating_leaves_no_stub(tmp_path: Path, moment: str) -> None:
    project = tmp_path / "talk.salient"
    child = subprocess.run(
        [sys.executable, "-c", KILL_WHILE_CREATING, str(project), moment], cwd=ROOT, env=child_env(), timeout=60
    )
    assert child.returncode == -9
    assert not project.exists()
    (partial,) = side_files(project)  # built aside, under a hidden name
    assert partial.startswith(".talk.salient.") and partial.endswith(".creating")
    assert_a_new_project(project)
    assert side_files(project) == [partial, "talk.salient-data"]  # a process might still be building it
    old = time.time() - 3600
    os.utime(tmp_path / partial, (old, old))
    (tmp_path / "talk.salient").unlink()
    assert_a_new_project(project)
    assert side_files(project) == ["talk.salient-data"]  # an hour old: its process is gone


def make_stub(project: Path, kind: str) -> None:
    """What earlier versions left when killed while creating the project in place (on the file itself)."""
    if kind == "empty":
        project.write_bytes(b"")
        return
    script = (
        f"import os, sqlite3; db = sqlite3.connect({str(project)!r}, isolation_level=None); "
        "db.execute('PRAGMA journal_mode = WAL')"
    )
    if kind == "header, -wal and -shm":  # killed in the middle of the transaction that makes the tables
        script += "; db.execute('BEGIN IMMEDIATE'); db.execute('CREATE TABLE meta(key)'); os.kill(os.getpid(), 9)"
    subprocess.run([sys.executable, "-c", script], timeout=60)


@pytest.mark.parametrize("kind", ["empty", "header", "header, -wal and -shm"])
def test_a_stub_left_by_an_older_version_is_no_project_yet(tmp_path: Path, kind: str) -> None:
    project = tmp_path / "talk.salient"
    make_stub(project, kind)
    assert project.stat().st_size == (0 if kind == "empty" else 4096)
    assert side_files(project) == (["talk.salient-shm", "talk.salient-wal"] if "wal" in kind else [])
    with pytest.raises(ProjectError, match="no such project .an empty file left by an interrupted creation"):
        Store.open(project, create=False)
    with pytest.raises(ProjectError, match="no such project .an empty file left by an interrupted creation"):
        Store.open(project, read_only=True)
    assert_a_new_project(project)
    assert side_files(project) == ["talk.salient-data"]


def test_an_empty_database_someone_gave_a_version_is_not_a_stub(tmp_path: Path) -> None:
    project = tmp_path / "talk.salient"
    db = sqlite3.connect(project)
    db.execute("PRAGMA user_version = 7")
    db.close()
    before = project.read_bytes()
    with pytest.raises(ProjectError, match="a SQLite database, but not a Salient project"):
        Store.open(project)
    assert project.read_bytes() == before


@pytest.fixture
def project(tmp_path: Path) -> Path:
    path = tmp_path / "talk.salient"
    with Store.open(path) as store:
        media_id = store.add_media(MediaInfo("/talk.mp4", "mp4", 10, 5000, None, None), "f").id
        run = store.start_run(media_id, "pauses", {"k": 2}, {"numpy": "2"})
        store.finish_run(run, {"count": 3}, {}, 5)
    return path


def write(project: Path, statement: str) -> None:
    db = sqlite3.connect(project)
    db.execute(statement)
    db.commit()
    db.close()


def test_text_that_is_not_utf8_is_a_project_error(project: Path) -> None:
    write(project, "UPDATE runs SET summary_json = CAST(X'7B22636F756E74223A20C328FF7D' AS TEXT)")
    with Store.open(project) as store, pytest.raises(ProjectError) as caught:
        store.runs()
    assert (
        str(caught.value)
        == f"{project}: the project file is damaged (stored text is not UTF-8: '{{\"count\": \ufffd(\ufffd}}')"
    )


def test_a_json_column_that_is_not_json_is_a_project_error(project: Path) -> None:
    write(project, "UPDATE runs SET params_json = '{\"k\": 2'")
    with Store.open(project, read_only=True) as store, pytest.raises(ProjectError) as caught:
        store.runs()
    assert str(caught.value) == (
        f"{project}: the project file is damaged (a run's parameters is not valid JSON: "
        "Expecting ',' delimiter: line 1 column 8 (char 7))"
    )


def flip(project: Path, old: bytes, new: bytes) -> None:
    """Replace bytes of the file in place (same length), as a flipped bit on a disk would."""
    db = sqlite3.connect(project)
    db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    db.close()
    data = project.read_bytes()
    assert len(old) == len(new) and data.count(old) == 1
    project.write_bytes(data.replace(old, new))


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        # SQLite's own message then holds the flipped byte: Python cannot decode it (UnicodeDecodeError)
        (b"ON labels(media_id, start_ms)", b"ON labels(med\xe9a_id, start_ms)", "malformed database schema"),
        (b"summary_json  TEXT,", b"summary_jso\xee  TEXT,", "table runs has no column summary_json"),
        (
            b"REFERENCES media(id) ON DELETE CASCADE,\n    kind",
            b"REFERENCES medi\xe1(id) ON DELETE CASCADE,\n    kind",
            "runs.media_id no longer refers to table media",
        ),
    ],
)
def test_a_flipped_byte_in_the_schema_is_a_project_error(project: Path, old: bytes, new: bytes, message: str) -> None:
    flip(project, old, new)
    before = project.read_bytes()
    for read_only in (False, True):
        with pytest.raises(ProjectError, match=f"^{project}: the project file is damaged \\(.*{message}"):
            Store.open(project, read_only=read_only)
    assert project.read_bytes() == before


def test_a_file_where_the_sidecar_folder_goes_is_a_project_error(tmp_path: Path) -> None:
    project = tmp_path / "talk.salient"
    (tmp_path / "talk.salient-data").write_text("notes")
    expected = f"{tmp_path / 'talk.salient-data'}: is a file, but Salient keeps the project's media and caches"
    with pytest.raises(ProjectError, match=expected):
        Store.open(project)
    assert side_files(project) == ["talk.salient-data"]


def test_a_flipped_byte_in_a_check_constraint_fails_the_write_with_a_project_error(project: Path) -> None:
    flip(project, b"IN ('running', 'done'", b"IN ('r\xf5nning', 'done'")
    with Store.open(project) as store:
        media_id = store.all_media()[0].id
        with pytest.raises(ProjectError, match=f"^{project}: the project file is damaged \\(CHECK constraint failed"):
            store.start_run(media_id, "pauses", {}, {})
        assert [run.status for run in store.runs()] == ["done"]
