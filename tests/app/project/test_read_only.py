"""A project this user may read but not write: opened read-only (folder and file unwritable: SQLite cannot make
its -shm file, so the project is read as immutable), exported, never called damaged, every write refused."""

from __future__ import annotations

import shutil
import sqlite3
from pathlib import Path

import pytest

from app.model.records import NewLabel
from app.pipelines.analyze import analyze_audio
from app.project.store import ReadOnlyProjectError, Store
from tests.helpers.cli import run
from tests.helpers.exports import read_csv
from tests.helpers.readonly import read_only


@pytest.fixture(scope="module")
def analysed(tmp_path_factory: pytest.TempPathFactory, talk_video: Path) -> Path:
    """The talk video analysed, with a label; the project alone in its folder (the media beside it)."""
    folder = tmp_path_factory.mktemp("read-only")
    path = folder / "shared" / "talk.salient"
    path.parent.mkdir()
    analyze_audio(shutil.copy(talk_video, folder / "talk.mp4"), path)
    with Store.open(path) as store:
        media_id = store.all_media()[0].id
        store.add_label(media_id, NewLabel(7000, 8500, store.vocabulary()[0].id, "selection", note="n"), "Ana")
    return path


@pytest.fixture
def project(analysed: Path, tmp_path: Path) -> Path:
    """A copy of the analysed project (and its data folder) in a folder of its own."""
    folder = tmp_path / "shared"
    shutil.copytree(analysed.parent, folder)
    return folder / analysed.name


def _leftovers(project: Path) -> list[str]:
    return sorted(path.name for path in project.parent.iterdir() if path.name != "talk.salient-data")


def _remove_leftovers(project: Path) -> None:
    """What reading the project where it can be written left (talk.salient-shm and -wal)."""
    for leftover in project.parent.glob("talk.salient-*"):
        if leftover.is_file():
            leftover.unlink()


def test_opening_a_read_only_project_to_write_says_it_is_read_only(project: Path) -> None:
    with read_only(project), pytest.raises(ReadOnlyProjectError) as caught:
        Store.open(project, create=False)
    assert str(caught.value) == (
        f"{project}: the project is read-only here (the file cannot be written); it can be opened to read and "
        f"export, not changed"
    )
    with read_only(project.parent), pytest.raises(ReadOnlyProjectError, match=r"\(its folder cannot be written\)"):
        Store.open(project)


def test_a_read_only_project_in_a_read_only_folder_opens_to_read_and_refuses_writes(project: Path) -> None:
    with Store.open(project, read_only=True) as store:
        expected = [(label.start_ms, label.note, label.annotator) for label in store.labels()]
    _remove_leftovers(project)
    with read_only(project, project.parent), Store.open(project, read_only=True) as store:
        assert (
            [(label.start_ms, label.note, label.annotator) for label in store.labels()]
            == expected
            == [(7000, "n", "Ana")]
        )
        with pytest.raises(ReadOnlyProjectError) as caught:
            store.add_label(1, NewLabel(0, 100, store.vocabulary()[0].id, "selection"), "Bob")
        assert str(caught.value) == f"{project}: the project is open read-only; nothing can be changed"
    assert _leftovers(project) == ["talk.salient"]


def test_changes_still_in_a_wal_file_that_cannot_be_read_are_not_ignored(project: Path, tmp_path: Path) -> None:
    copy = tmp_path / "copy" / "talk.salient"
    copy.parent.mkdir()
    with Store.open(project) as store:  # while it is open the new label is only in talk.salient-wal
        store.add_label(1, NewLabel(0, 100, store.vocabulary()[0].id, "selection"), "Bob")
        for suffix in ("", "-wal"):
            shutil.copyfile(f"{project}{suffix}", f"{copy}{suffix}")
    assert Path(f"{copy}-wal").stat().st_size > 0
    with read_only(copy, Path(f"{copy}-wal"), copy.parent), pytest.raises(ReadOnlyProjectError) as caught:
        Store.open(copy, read_only=True)
    assert str(caught.value) == (
        f"{copy}: cannot be read here: its latest changes are still in talk.salient-wal, which SQLite reads only with "
        f"write access to the folder; open the project once where it can be written"
    )
    with Store.open(copy, read_only=True) as store:  # where it can be written, they are read
        assert [label.annotator for label in store.labels()] == ["Bob", "Ana"]


@pytest.mark.parametrize("unwritable", ["file", "folder"])
def test_every_export_works_from_a_read_only_project(project: Path, tmp_path: Path, unwritable: str) -> None:
    reference = run("export", str(project), "--format", "csv", "--out", str(tmp_path / "ref"))
    assert reference.returncode == 0, reference.stderr
    shutil.rmtree(project.parent / "talk.salient-data" / "cache")  # the cache is rebuilt in memory, not stored
    _remove_leftovers(project)
    locked = [project] if unwritable == "file" else [project, project.parent, project.parent / "talk.salient-data"]
    with read_only(*locked):
        results = {
            kind: run("export", str(project), "--format", kind, "--out", str(tmp_path / kind), "--quiet")
            for kind in ("csv", "dataset", "report", "eaf")
        }
    assert {kind: result.returncode for kind, result in results.items()} == dict.fromkeys(results, 0)
    warnings = {line.split(" at ")[0] for result in results.values() for line in result.stderr.splitlines()}
    cache_warnings = {
        "WARNING analysis.media: could not cache decoded audio",
        "WARNING app.pipelines.audio: could not cache the envelope",
    }
    assert warnings == (cache_warnings if unwritable == "folder" else set())
    assert read_csv(tmp_path / "csv" / "segments.csv") == read_csv(tmp_path / "ref" / "segments.csv")
    assert [row["label"] for row in read_csv(tmp_path / "dataset" / "audio" / "metadata.csv")[1]] == [
        "",
        "anger",
        "",
    ]
    assert (tmp_path / "report" / "report.html").is_file() and (tmp_path / "eaf").is_file()
    if unwritable == "folder":
        assert _leftovers(project) == ["talk.salient"]
        assert not (project.parent / "talk.salient-data" / "cache").exists()
    with sqlite3.connect(project) as db:
        assert db.execute("PRAGMA quick_check").fetchone() == ("ok",)


def test_an_older_project_is_updated_to_export_where_it_can_be_written_and_refused_where_not(tmp_path: Path) -> None:
    from app.project.store import SCHEMA_VERSION
    from tests.app.project.test_schema import make_format_1

    old, locked = tmp_path / "old.salient", tmp_path / "locked" / "old.salient"
    locked.parent.mkdir()
    make_format_1(old)
    shutil.copyfile(old, locked)
    result = run("export", str(old), "--format", "csv", "--out", str(tmp_path / "out"), "--quiet")
    assert (result.returncode, result.stdout, result.stderr) == (
        0,
        f"{tmp_path / 'out' / 'segments.csv'}\n",
        f"WARNING app.project.runs: {old}: 1 analysis run(s) were interrupted by a crash\n",
    )
    with read_only(locked, locked.parent):
        result = run("export", str(locked), "--format", "csv", "--out", str(tmp_path / "out"), "--quiet")
    assert (result.returncode, result.stderr) == (
        5,
        f"salient: error: {locked}: the project is in the format of an older Salient (1; this one writes "
        f"{SCHEMA_VERSION}) and cannot be read without updating it; open it once where it can be written\n",
    )
    versions = [sqlite3.connect(path).execute("PRAGMA user_version").fetchone()[0] for path in (old, locked)]
    assert versions == [SCHEMA_VERSION, 1]
