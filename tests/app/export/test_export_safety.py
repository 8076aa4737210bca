"""Exports against a killed process, planted links and credentials in URLs: the temporary folder an export is
built in (cleared when a killed export left it), no write through a link, no password or token in any file."""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from analysis.errors import ExportError
from app.export import staging
from app.export.dataset import export_dataset
from app.export.files import Outputs, all_or_nothing
from app.export.interchange import write_srt
from app.export.report import export_report
from app.export.staging import MARK, clear_stale
from app.export.table import export_table
from app.model.transcript import TranscriptSegment
from app.pipelines.analyze import analyze_audio
from app.project.store import Store
from tests.helpers.cli import ROOT

SECRET_URL = "https://ana:s3cr3t-pw@videos.example.org/talks/v.mp4?token=T0K3N-abc&lang=en#t=10"
REDACTED_URL = "https://videos.example.org/talks/v.mp4?lang=en#t=10"


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory, talk_video: Path) -> Path:
    """The talk video analysed; its media row holds a URL with a password and a token, as a project stored
    before URLs were redacted does."""
    folder = tmp_path_factory.mktemp("safety-project")
    path = folder / "talk.salient"
    analyze_audio(shutil.copy(talk_video, folder / "talk.mp4"), path)
    with sqlite3.connect(path) as db:
        db.execute("UPDATE media SET source_url = ?", (SECRET_URL,))
    return path


@pytest.fixture
def store(project: Path) -> Iterator[Store]:
    with Store.open(project) as opened:
        yield opened


def _tree(folder: Path) -> dict[str, bytes | str]:
    """Every entry under ``folder``: a file's bytes, a link's target."""
    return {
        path.relative_to(folder).as_posix(): os.readlink(path) if path.is_symlink() else path.read_bytes()
        for path in sorted(folder.rglob("*"))
        if path.is_symlink() or path.is_file()
    }


# -- 36: a killed export ------------------------------------------------------------------------------------


def _die_midway(root: Path, files: int, die_on_move: int | None = None) -> None:
    """In a child process: write ``files`` files under ``root`` through Outputs and die without any cleanup
    (as SIGKILL does): before the commit, or at its ``die_on_move``-th rename into place."""
    script = f"""
import os
from pathlib import Path
from app.export import staging
from app.export.files import Outputs
root = Path({str(root)!r})
outputs = Outputs(True, root)
for n in range({files}):
    outputs.write_text(root / "sub" / f"f{{n}}.txt", f"new {{n}}")
moves = []
def replace(source, target):
    moves.append(target)
    if len(moves) == {die_on_move!r}:
        os._exit(9)
    os.rename(source, target)
staging.os.replace = replace
if {die_on_move!r} is None:
    os._exit(9)
outputs.commit()
"""
    done = subprocess.run([sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert done.returncode == 9, done.stderr


def test_what_a_killed_export_into_a_new_folder_left_is_cleared_by_the_next(tmp_path: Path) -> None:
    root = tmp_path / "out"
    _die_midway(root, 3)
    assert not root.exists()
    (left,) = tmp_path.iterdir()
    assert left.name.startswith(f".out{MARK}") and (left / "tree" / "sub" / "f2.txt").is_file()

    assert clear_stale(root) == [left]
    assert list(tmp_path.iterdir()) == []


def test_a_kill_while_moving_into_an_existing_folder_is_undone_by_the_next_export(tmp_path: Path) -> None:
    root = tmp_path / "out"
    (root / "sub").mkdir(parents=True)
    (root / "mine.txt").write_text("mine")
    (root / "sub" / "f2.txt").write_text("old 2")  # force replaces it: that one is gone either way
    _die_midway(root, 4, die_on_move=3)  # f0 and f1 moved into place, f2 and f3 not
    assert (root / "sub" / "f0.txt").read_text() == "new 0" and (root / "sub" / "f2.txt").read_text() == "old 2"

    with all_or_nothing(False, root) as outputs:  # the retry: no --force needed
        outputs.refuse_existing([root / "sub" / "f0.txt", root / "sub" / "f1.txt"])
        outputs.write_text(root / "sub" / "f0.txt", "retry")
    assert _tree(root) == {"mine.txt": b"mine", "sub/f0.txt": b"retry", "sub/f2.txt": b"old 2"}


def test_the_temporary_folder_of_a_live_export_is_left_alone(tmp_path: Path) -> None:
    root = tmp_path / "out"
    with all_or_nothing(False, root) as outputs:
        outputs.write_text(root / "a.txt", "a")
        assert clear_stale(root) == []  # its lock is held
        with all_or_nothing(False, root) as other:  # a second export to the same place meanwhile
            other.write_text(root / "b.txt", "b")
    assert _tree(root) == {"a.txt": b"a", "b.txt": b"b"}
    assert sorted(path.name for path in tmp_path.iterdir()) == ["out"]


def test_a_failed_export_into_an_existing_folder_removes_its_temporary_folder(tmp_path: Path) -> None:
    (tmp_path / "mine.txt").write_text("mine")
    with pytest.raises(ExportError, match="cannot write"), all_or_nothing(False, tmp_path) as outputs:
        outputs.write_text(tmp_path / "a.txt", "a")
        with outputs.writing(tmp_path / "b.txt"):
            raise OSError(28, "No space left on device")
    assert _tree(tmp_path) == {"mine.txt": b"mine"}


def test_a_move_that_fails_midway_undoes_the_moves_before_it(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "mine.txt").write_text("mine")
    moves: list[str] = []

    def replace(source: str, target: str) -> None:
        moves.append(target)
        if len(moves) == 2:
            raise PermissionError(13, "Permission denied")
        os.rename(source, target)

    monkeypatch.setattr(staging.os, "replace", replace)
    with pytest.raises(ExportError) as raised, all_or_nothing(False, tmp_path) as outputs:
        for name in ("a.txt", "b.txt", "c.txt"):
            outputs.write_text(tmp_path / name, name)
    assert str(raised.value) == f"cannot move the export into {tmp_path}: permission denied"
    assert len(moves) == 2 and _tree(tmp_path) == {"mine.txt": b"mine"}


# -- 37: links planted where a temporary could go ----------------------------------------------------------


@pytest.fixture
def predictable_names(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Make tempfile's random names known in advance: each ``mkdtemp`` tries them in this order."""
    names = ["aaaaaaaa", "bbbbbbbb", "cccccccc", "dddddddd"]
    monkeypatch.setattr(tempfile, "_get_candidate_names", lambda: iter(names))
    return names


def _plant(folder: Path, names: list[str], victim: Path) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    for name in names:
        (folder / name).symlink_to(victim)


def test_links_at_every_temporary_name_never_get_written_through(
    store: Store, tmp_path: Path, predictable_names: list[str]
) -> None:
    """Links to a file and a folder outside, at the names the old temporaries had and at every name the
    temporary folder could get (tempfile's names made predictable): every export writes around them."""
    outside = tmp_path / "outside"
    outside.mkdir()
    victim = outside / "precious.txt"
    victim.write_text("precious")
    victim_folder = outside / "folder"
    victim_folder.mkdir()
    out = tmp_path / "out"
    _plant(out, [".segments.partial.csv", ".report.partial.html", ".t.partial.srt"], victim)
    probe = export_dataset(store, tmp_path / "probe").path
    for path in probe.rglob("*.*"):  # every file of the dataset, at its own place
        _plant(out / "ds" / path.parent.relative_to(probe), [f".{path.stem}.partial{path.suffix}"], victim)
    for folder, prefix in ((out, ""), (out / "ds", ""), (out, ".new")):
        _plant(folder, [f"{prefix}{MARK}{name}" for name in predictable_names[:-1]], victim_folder)
    planted = _tree(out)

    export_table(store, out / "segments.csv", "csv")
    export_table(store, out / "new" / "segments.csv", "csv")  # a new folder: built beside it
    export_report(store, out)
    write_srt([TranscriptSegment(0, 1000, "hello")], out / "t.srt")
    export_dataset(store, out / "ds")

    assert _tree(outside) == {"precious.txt": b"precious"}
    assert list(victim_folder.iterdir()) == []
    now = _tree(out)
    assert {name: now[name] for name in planted} == planted  # every link is still there, still a link
    written = {"segments.csv", "new/segments.csv", "report.html", "t.srt", "ds/audio.jsonl", "ds/video.jsonl"}
    assert written <= set(now)
    assert {name for name in now if not name.startswith(".") and "/." not in name} == written | {
        f"ds/{path.relative_to(probe).as_posix()}" for path in probe.rglob("*.*")
    }


def test_a_linked_subfolder_is_refused_not_written_through(tmp_path: Path) -> None:
    victim_folder = tmp_path / "outside"
    victim_folder.mkdir()
    out = tmp_path / "out"
    out.mkdir()
    (out / "audio").symlink_to(victim_folder, target_is_directory=True)
    with pytest.raises(ExportError, match=r"audio is a symbolic link"), all_or_nothing(False, out) as outputs:
        outputs.write_text(out / "audio.jsonl", "{}\n")
        outputs.write_text(out / "audio" / "metadata.csv", "file_name\n")
    assert list(victim_folder.iterdir()) == []
    assert sorted(path.name for path in out.iterdir()) == ["audio"]  # the folders are checked before any move


def test_outputs_need_the_root_they_write_under(tmp_path: Path) -> None:
    outputs = Outputs(False, tmp_path / "out")
    with pytest.raises(ValueError):
        outputs.write_text(tmp_path / "elsewhere.txt", "x")
    outputs.rollback()


# -- 38: credentials in URLs ---------------------------------------------------------------------------------


def test_no_export_holds_the_password_or_the_token_of_the_source_url(store: Store, tmp_path: Path) -> None:
    dataset = export_dataset(store, tmp_path / "ds").path
    report = export_report(store, tmp_path / "report")
    tables = [export_table(store, tmp_path / f"segments.{fmt}", fmt) for fmt in ("csv", "json")]
    files = [dataset / "audio.jsonl", dataset / "video.jsonl", dataset / "audio" / "metadata.csv", report, *tables]
    for path in files:
        text = path.read_text(encoding="utf-8")
        assert "s3cr3t" not in text and "T0K3N" not in text and "ana:" not in text, path
    rows = [json.loads(line) for line in (dataset / "audio.jsonl").read_text(encoding="utf-8").splitlines()]
    assert {row["source_url"] for row in rows} == {REDACTED_URL}
    assert {row["source_url"] for row in json.loads(tables[1].read_text(encoding="utf-8"))} == {REDACTED_URL}
    assert REDACTED_URL.replace("&", "&amp;") in report.read_text(encoding="utf-8")
