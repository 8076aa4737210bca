"""schema.sql and the migrations are one schema: a file made new and a file migrated from format 1 agree.

The format-1 file is built from a frozen copy of that format as it shipped (tests/data/project_format_1.sql),
not from today's schema.sql, so a table or index added to schema.sql without a migration (or the other way
round) is caught.
"""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path
from typing import Any

from app.project.store import APPLICATION_ID, MIGRATIONS, SCHEMA_VERSION, Store

FORMAT_1 = Path(__file__).resolve().parents[2] / "data" / "project_format_1.sql"
TALK_INFO = {
    "path": "/talk.mp4",
    "container": "mov,mp4,m4a,3gp,3g2,mj2",
    "size_bytes": 10,
    "duration_ms": 5000,
    "video": None,
    "audio": None,
}


def describe(path: Path) -> dict[str, dict[str, Any]]:
    """Every table of a project file: its columns (order, type, NOT NULL, default, primary key), foreign keys
    and indexes (columns, unique, partial)."""
    db = sqlite3.connect(path)
    try:
        tables = [
            row[0]
            for row in db.execute("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'")
        ]
        described = {}
        for table in tables:
            indexes = {
                name: (unique, origin, partial, [row[2] for row in db.execute(f"PRAGMA index_info('{name}')")])
                for _, name, unique, origin, partial in db.execute(f"PRAGMA index_list('{table}')")
            }
            described[table] = {
                "columns": [row[1:] for row in db.execute(f"PRAGMA table_xinfo('{table}')")],
                "foreign_keys": sorted(row[2:] for row in db.execute(f"PRAGMA foreign_key_list('{table}')")),
                "indexes": indexes,
            }
        return described
    finally:
        db.close()


def make_format_1(path: Path) -> None:
    """A project file as Salient's first version wrote it, with one media file and a run cut short by a crash."""
    db = sqlite3.connect(path)
    db.executescript(FORMAT_1.read_text(encoding="utf-8"))
    db.execute(f"PRAGMA application_id = {APPLICATION_ID}")
    db.execute("PRAGMA user_version = 1")
    db.execute("INSERT INTO meta(key, value) VALUES ('created_at', '2024-01-01T00:00:00.000+00:00')")
    db.execute(
        "INSERT INTO media(id, path, fingerprint, size_bytes, duration_ms, info_json, added_at) "
        "VALUES (1, '/talk.mp4', 'abc', 10, 5000, ?, '2024-01-01T00:00:00.000+00:00')",
        (json.dumps(TALK_INFO),),
    )
    db.execute(
        "INSERT INTO runs(media_id, kind, params_json, versions_json, status, started_at) "
        "VALUES (1, 'audio_peaks', '{}', '{}', 'running', '2024-01-01T00:00:00.000+00:00')"
    )
    db.commit()
    db.close()


def test_migrations_are_numbered_by_the_format_they_produce_without_gaps() -> None:
    assert sorted(MIGRATIONS) == list(range(2, SCHEMA_VERSION + 1))


def test_a_format_1_file_migrates_to_exactly_the_schema_of_a_new_file(tmp_path: Path) -> None:
    fresh, old = tmp_path / "fresh.salient", tmp_path / "old.salient"
    Store.open(fresh).close()
    make_format_1(old)
    assert set(describe(old)) == {"meta", "media", "runs", "artifacts", "segments"}

    with Store.open(old) as store:
        assert store.schema_version == SCHEMA_VERSION
        assert [(m.id, m.fingerprint, m.info.duration_ms) for m in store.all_media()] == [(1, "abc", 5000)]
        assert [(r.kind, r.status) for r in store.runs()] == [("audio_peaks", "interrupted")]

    migrated, new = describe(old), describe(fresh)
    assert sorted(migrated) == sorted(new)
    for table in new:
        assert migrated[table] == new[table], table
