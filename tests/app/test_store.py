"""The project file: creation, reopening, refusal of corrupt or newer files, crash recovery."""

from __future__ import annotations

import hashlib
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from analysis import media
from app.model.records import NewSegment
from app.project import store as store_module
from app.project.store import APPLICATION_ID, SCHEMA_VERSION, ProjectError, Store


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture
def project(tmp_path: Path) -> Path:
    return tmp_path / "talk.salient"


def test_new_project_has_the_schema_wal_and_a_sidecar_folder(project: Path) -> None:
    with Store.open(project) as store:
        assert store.schema_version == SCHEMA_VERSION
        assert store.integrity_check() == ["ok"]
        assert store.data_dir == project.with_name("talk.salient-data") and store.data_dir.is_dir()
    db = sqlite3.connect(project)
    assert db.execute("PRAGMA application_id").fetchone()[0] == APPLICATION_ID
    assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    tables = {row[0] for row in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    assert {"meta", "media", "runs", "artifacts", "segments"} <= tables


def test_media_runs_and_segments_round_trip(project: Path, talk_video: Path) -> None:
    info = media.probe(talk_video)
    with Store.open(project) as store:
        record = store.add_media(info, "abc123", source_url="https://example.org/v")
        run = store.start_run(record.id, "audio_peaks", {"k": 2.0, "tails": "both"}, {"numpy": "2"})
        peaks = [NewSegment(3000, 4000, 3300, 2.6, 0.18), NewSegment(11000, 12000, 11785, 2.7, 0.19)]
        store.finish_run(run, {"stats": {"mean": 0.1}}, {"audio_peak": peaks}, 120, {"envelope": "cache/e.npy"})
    with Store.open(project) as store:
        (again,) = store.all_media()
        assert again.info == info and again.fingerprint == "abc123"
        assert again.source_url == "https://example.org/v"
        latest = store.latest_run(again.id, "audio_peaks", {"tails": "both", "k": 2.0})
        assert latest is not None and latest.status == "done" and latest.elapsed_ms == 120
        assert latest.summary == {"stats": {"mean": 0.1}}
        assert store.latest_run(again.id, "audio_peaks", {"k": 3.0, "tails": "both"}) is None
        segments = store.segments(latest.id, "audio_peak")
        assert [(s.start_ms, s.end_ms, s.peak_ms, s.score) for s in segments] == [
            (3000, 4000, 3300, 2.6),
            (11000, 12000, 11785, 2.7),
        ]
        assert store.artifacts(latest.id) == {"envelope": store.data_dir / "cache/e.npy"}
        moved = store.add_media(info, "abc123")
        assert moved.id == again.id and moved.source_url == "https://example.org/v"


def test_a_source_url_is_stored_without_its_credentials(project: Path, talk_video: Path) -> None:
    with Store.open(project) as store:
        record = store.add_media(media.probe(talk_video), "f", "https://ana:s3cr3t@h.org/v.mp4?token=T0K&v=1")
    assert record.source_url == "https://h.org/v.mp4?v=1"
    assert b"s3cr3t" not in project.read_bytes() and b"T0K" not in project.read_bytes()


def test_a_failed_transaction_leaves_nothing_half_written(project: Path, talk_video: Path) -> None:
    with Store.open(project) as store:
        record = store.add_media(media.probe(talk_video), "f")
        run = store.start_run(record.id, "pauses", {}, {})
        bad = [NewSegment(1000, 2000), NewSegment(3000, 2000)]
        with pytest.raises(sqlite3.IntegrityError):
            store.finish_run(run, {}, {"pause": bad}, 5)
        assert store.segments(run, "pause") == []
        assert store.run(run).status == "running"


def test_project_from_a_newer_version_is_refused_and_untouched(project: Path) -> None:
    Store.open(project).close()
    db = sqlite3.connect(project)
    db.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    db.commit()
    db.close()
    before = digest(project)
    with pytest.raises(ProjectError, match="written by a newer version of Salient"):
        Store.open(project)
    assert digest(project) == before


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"SQLite", "no SQLite header"),
        (b"PK\x03\x04 a zip file, not a project" * 10, "no SQLite header"),
    ],
)
def test_files_that_are_not_projects_are_refused_and_untouched(project: Path, content: bytes, message: str) -> None:
    project.write_bytes(content)
    with pytest.raises(ProjectError, match=message):
        Store.open(project)
    assert project.read_bytes() == content


def test_a_damaged_project_is_reported_never_overwritten(project: Path, talk_video: Path) -> None:
    with Store.open(project) as store:
        record = store.add_media(media.probe(talk_video), "f")
        for index in range(300):
            run = store.start_run(record.id, "pauses", {"i": index}, {"x": "y" * 200})
            store.finish_run(run, {}, {"pause": [NewSegment(i, i + 10) for i in range(20)]}, 1)
    db = sqlite3.connect(project)
    db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    db.close()
    data = bytearray(project.read_bytes())
    page_size = 4096
    for offset in range(2 * page_size, len(data) - page_size, 3 * page_size):
        data[offset + 8 : offset + 200] = b"\xff" * 192
    project.write_bytes(bytes(data))
    Path(str(project) + "-wal").unlink(missing_ok=True)
    before = digest(project)
    with pytest.raises(ProjectError, match="damaged|corrupt"):
        Store.open(project)
    assert digest(project) == before


def test_a_plain_sqlite_database_is_not_a_project(project: Path) -> None:
    db = sqlite3.connect(project)
    db.execute("CREATE TABLE notes(text)")
    db.commit()
    db.close()
    before = digest(project)
    with pytest.raises(ProjectError, match="not a Salient project"):
        Store.open(project)
    assert digest(project) == before


def test_runs_left_running_by_a_killed_process_are_marked_interrupted(project: Path, talk_video: Path) -> None:
    script = f"""
import os, sys
from analysis import media
from app.project.store import Store
store = Store.open({str(project)!r})
record = store.add_media(media.probe({str(talk_video)!r}), "f")
done = store.start_run(record.id, "pauses", {{}}, {{}})
store.finish_run(done, {{}}, {{}}, 1)
store.start_run(record.id, "audio_peaks", {{"k": 2.0}}, {{}})
os.kill(os.getpid(), 9)
"""
    completed = subprocess.run([sys.executable, "-c", script], cwd=Path(store_module.__file__).parents[1])
    assert completed.returncode == -9
    with Store.open(project) as store:
        statuses = [(r.kind, r.status) for r in store.runs()]
        assert statuses == [("pauses", "done"), ("audio_peaks", "interrupted")]
        assert store.integrity_check() == ["ok"]


def test_ending_a_run_keeps_the_reason(project: Path, talk_video: Path) -> None:
    with Store.open(project) as store:
        record = store.add_media(media.probe(talk_video), "f")
        run = store.start_run(record.id, "pauses", {}, {})
        store.end_run(run, "cancelled", "cancelled by the user", 40)
        assert (store.run(run).status, store.run(run).error) == ("cancelled", "cancelled by the user")
        with pytest.raises(ValueError):
            store.end_run(run, "done", None, 1)


def test_missing_folder_gives_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(ProjectError, match="folder does not exist"):
        Store.open(tmp_path / "nowhere" / "p.salient")
    with pytest.raises(ProjectError, match="no such project"):
        Store.open(tmp_path / "p.salient", create=False)


def test_older_projects_are_migrated_in_order(project: Path, monkeypatch) -> None:
    Store.open(project).close()
    monkeypatch.setattr(
        store_module,
        "MIGRATIONS",
        {
            SCHEMA_VERSION + 1: "CREATE TABLE probes (id INTEGER PRIMARY KEY, name TEXT NOT NULL);",
            SCHEMA_VERSION + 2: "-- a comment; with a semicolon\nALTER TABLE probes ADD COLUMN email TEXT;",
        },
    )
    monkeypatch.setattr(store_module, "SCHEMA_VERSION", SCHEMA_VERSION + 2)
    with Store.open(project) as store:
        assert store.schema_version == SCHEMA_VERSION + 2
    db = sqlite3.connect(project)
    columns = [row[1] for row in db.execute("PRAGMA table_info(probes)")]
    assert columns == ["id", "name", "email"]


def test_a_migrated_project_has_the_same_schema_as_a_new_one(tmp_path: Path) -> None:
    """schema.sql and the migrations must agree: build a format-1 file, open it, compare with a new file."""
    fresh, old = tmp_path / "fresh.salient", tmp_path / "old.salient"
    Store.open(fresh).close()
    Store.open(old).close()
    db = sqlite3.connect(old)
    for table in ("face_tracks", "persons", "transcript_segments", "speakers", "labels", "vocabulary", "annotators"):
        db.execute(f"DROP TABLE {table}")
    db.execute("PRAGMA user_version = 1")
    db.commit()
    db.close()
    with Store.open(old) as store:
        assert store.schema_version == SCHEMA_VERSION == 4
        assert len(store.vocabulary()) == 16

    def schema(path: Path) -> set[tuple[str, str]]:
        db = sqlite3.connect(path)
        rows = db.execute("SELECT name, sql FROM sqlite_master WHERE sql IS NOT NULL").fetchall()
        db.close()
        return {(name, " ".join(sql.split())) for name, sql in rows}

    assert schema(old) == schema(fresh)


def test_labels_vocabulary_and_annotators(project: Path, talk_video: Path) -> None:
    from app.model.records import NewLabel

    with Store.open(project) as store:
        media_id = store.add_media(media.probe(talk_video), "f").id
        vocabulary = {entry.name: entry for entry in store.vocabulary()}
        assert list(vocabulary)[:8] == [
            "anger",
            "contempt",
            "disgust",
            "fear",
            "happiness",
            "sadness",
            "surprise",
            "neutral",
        ]
        assert vocabulary["not significant"].kind == "exclude" and vocabulary["not significant"].shortcut == "X"
        irony = vocabulary["irony"].id
        label_id = store.add_label(
            media_id, NewLabel(3000, 4000, irony, "audio_peak", 3300, "audio_peak:3000", 4, 0.8, "smirk"), "Ana"
        )
        store.update_vocabulary_entry(irony, name="  sarcasm ", color="#ff00ff")
        label = store.label(label_id)
        assert (label.value, label.intensity, label.confidence, label.note, label.annotator) == (
            "sarcasm",
            4,
            0.8,
            "smirk",
            "Ana",
        )
        store.update_label(label_id, intensity=2, note="")
        assert store.label(label_id).intensity == 2 and store.label(label_id).modified_at >= label.modified_at
        with pytest.raises(ProjectError, match="1 label"):
            store.delete_vocabulary_entry(irony)
        with pytest.raises(ProjectError, match="already has a value named 'anger'"):
            store.update_vocabulary_entry(irony, name="anger")
        with pytest.raises(sqlite3.IntegrityError):
            store.add_label(media_id, NewLabel(5000, 4000, irony, "selection"), "Ana")
        store.delete_label(label_id)
        assert store.labels(media_id) == []
        restored = store.add_label(media_id, NewLabel(3000, 4000, irony, "audio_peak"), "Ana", label_id=label_id)
        assert restored == label_id
        assert store.annotator_id("Ana") == store.annotator_id("Ana")


def test_a_read_only_connection_reads_while_the_writer_works(project: Path, talk_video: Path) -> None:
    from app.model.records import NewLabel

    with Store.open(project) as writer:
        media_id = writer.add_media(media.probe(talk_video), "f").id
        run = writer.start_run(media_id, "audio_peaks", {}, {})
        with Store.open(project, read_only=True) as reader:
            assert [r.status for r in reader.runs()] == ["running"]
            entry = writer.vocabulary()[0].id
            writer.add_label(media_id, NewLabel(0, 1000, entry, "selection"), "Ana")
            assert len(reader.labels()) == 1
            with pytest.raises(ProjectError, match=r"the project is read-only \(attempt to write a readonly"):
                reader.delete_label(reader.labels()[0].id)
        assert writer.run(run).status == "running"


def test_a_failing_migration_leaves_the_project_as_it_was(project: Path, monkeypatch) -> None:
    Store.open(project).close()
    monkeypatch.setattr(
        store_module,
        "MIGRATIONS",
        {SCHEMA_VERSION + 1: "CREATE TABLE fine (x); ALTER TABLE no_such_table ADD COLUMN y TEXT;"},
    )
    monkeypatch.setattr(store_module, "SCHEMA_VERSION", SCHEMA_VERSION + 1)
    with pytest.raises(ProjectError, match=f"could not update the project to format {SCHEMA_VERSION + 1}"):
        Store.open(project)
    db = sqlite3.connect(project)
    assert db.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
    assert db.execute("SELECT COUNT(*) FROM sqlite_master WHERE name = 'fine'").fetchone()[0] == 0
    db.close()


def test_persons_of_a_face_run_are_renamed_merged_split_and_linked(project: Path, talk_video: Path) -> None:
    from analysis import media

    with Store.open(project) as store:
        record = store.add_media(media.probe(talk_video), media.fingerprint(talk_video))
        run_id = store.start_run(record.id, "faces", {"fps": 2}, {})
        store.set_persons(run_id, {1: 1, 2: 1, 3: 2, 4: 3}, {1: "Person 1", 2: "Person 2", 3: "Person 3"})
        assert store.persons(run_id) == [
            (1, "Person 1", "", [1, 2]),
            (2, "Person 2", "", [3]),
            (3, "Person 3", "", [4]),
        ]
        store.rename_person(run_id, 1, "  The   chair ")
        store.link_speaker(run_id, 1, "Ana")
        store.merge_persons(run_id, [1, 3])
        assert store.persons(run_id) == [(1, "The chair", "Ana", [1, 2, 4]), (2, "Person 2", "", [3])]
        new = store.split_person(run_id, 1, [2])
        assert new == 3
        assert store.persons(run_id) == [
            (1, "The chair", "Ana", [1, 4]),
            (2, "Person 2", "", [3]),
            (3, "Person 3", "", [2]),
        ]
    with Store.open(project) as store:  # committed at once
        assert [p[0] for p in store.persons(run_id)] == [1, 2, 3]
