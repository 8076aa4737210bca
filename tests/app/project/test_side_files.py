"""Reading a project, or being refused it, leaves its folder as it was: SQLite makes ``-wal`` and ``-shm`` files
for any reader of a WAL database, and they go again; files another connection still uses are never taken away."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from analysis.media import MediaInfo
from app.project.store import SCHEMA_VERSION, ProjectError, Store


def listing(folder: Path) -> list[str]:
    return sorted(path.name for path in folder.iterdir())


def add_media(store: Store, name: str) -> None:
    store.add_media(MediaInfo(f"/{name}.mp4", "mp4", 10, 5000, None, None), name)


@pytest.fixture
def project(tmp_path: Path) -> Path:
    path = tmp_path / "talk.salient"
    with Store.open(path) as store:
        add_media(store, "talk")
    assert listing(tmp_path) == ["talk.salient", "talk.salient-data"]
    return path


def set_version(project: Path, version: int) -> None:
    db = sqlite3.connect(project)
    db.execute(f"PRAGMA user_version = {version}")
    db.commit()
    db.close()


def test_reading_a_project_leaves_no_wal_or_shm_file(project: Path) -> None:
    before = listing(project.parent)
    with Store.open(project, read_only=True) as store:
        assert [record.fingerprint for record in store.all_media()] == ["talk"]
        assert f"{project.name}-wal" in listing(project.parent)  # SQLite's, while the project is read
    assert listing(project.parent) == before


@pytest.mark.parametrize(
    ("version", "read_only", "message"),
    [
        (SCHEMA_VERSION + 1, True, "written by a newer version of Salient"),
        (SCHEMA_VERSION + 1, False, "written by a newer version of Salient"),
        (1, True, "cannot be read without updating it"),  # a writer would migrate it
    ],
)
def test_a_refused_project_is_left_as_it_was(project: Path, version: int, read_only: bool, message: str) -> None:
    set_version(project, version)
    before, data = listing(project.parent), project.read_bytes()
    with pytest.raises(ProjectError, match=message):
        Store.open(project, read_only=read_only)
    assert listing(project.parent) == before
    assert project.read_bytes() == data


def test_a_damaged_project_refused_to_a_reader_is_left_as_it_was(project: Path) -> None:
    db = sqlite3.connect(project, isolation_level=None)
    db.execute("CREATE TABLE notes(a)")
    db.execute("INSERT INTO notes VALUES (NULL)")
    db.execute("PRAGMA writable_schema = ON")  # the column now says NOT NULL: quick_check reports the row
    db.execute("UPDATE sqlite_master SET sql = 'CREATE TABLE notes(a NOT NULL)' WHERE name = 'notes'")
    db.close()
    before, data = listing(project.parent), project.read_bytes()
    with pytest.raises(ProjectError, match="the project file is damaged \\(NULL value in notes.a\\)"):
        Store.open(project, read_only=True)
    assert listing(project.parent) == before
    assert project.read_bytes() == data


def test_the_files_of_a_writer_that_was_there_first_stay(project: Path) -> None:
    with Store.open(project) as writer:
        files = listing(project.parent)
        assert f"{project.name}-wal" in files and f"{project.name}-shm" in files
        with Store.open(project, read_only=True) as reader:
            assert len(reader.all_media()) == 1
        assert listing(project.parent) == files
        add_media(writer, "after")
    with Store.open(project, read_only=True) as reader:
        assert [record.fingerprint for record in reader.all_media()] == ["talk", "after"]


def test_a_writer_that_came_while_reading_keeps_its_files_and_its_writes(project: Path) -> None:
    reader = Store.open(project, read_only=True)
    writer = Store.open(project)
    add_media(writer, "meanwhile")
    reader.close()
    assert f"{project.name}-wal" in listing(project.parent)  # the writer's, still in use
    add_media(writer, "after")
    writer.close()
    assert listing(project.parent) == ["talk.salient", "talk.salient-data"]
    with Store.open(project, read_only=True) as again:
        assert [record.fingerprint for record in again.all_media()] == ["talk", "meanwhile", "after"]
