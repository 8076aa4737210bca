-- Salient project format 1 exactly as it shipped (commit e1f2e93): the oldest file a migration starts from.
-- Frozen on purpose: tests/app/project/test_schema.py migrates it and compares the result with schema.sql.

CREATE TABLE meta (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
);

CREATE TABLE media (
    id          INTEGER PRIMARY KEY,
    path        TEXT    NOT NULL,
    fingerprint TEXT    NOT NULL UNIQUE,
    source_url  TEXT,
    size_bytes  INTEGER NOT NULL,
    duration_ms INTEGER NOT NULL,
    info_json   TEXT    NOT NULL,
    added_at    TEXT    NOT NULL
);

-- One execution of an analysis on one media file, with everything needed to reproduce it.
CREATE TABLE runs (
    id            INTEGER PRIMARY KEY,
    media_id      INTEGER NOT NULL REFERENCES media(id) ON DELETE CASCADE,
    kind          TEXT    NOT NULL,
    params_json   TEXT    NOT NULL,
    versions_json TEXT    NOT NULL,
    status        TEXT    NOT NULL
        CHECK (status IN ('running', 'done', 'failed', 'cancelled', 'interrupted')),
    error         TEXT,
    summary_json  TEXT,
    started_at    TEXT    NOT NULL,
    finished_at   TEXT,
    elapsed_ms    INTEGER
);
CREATE INDEX runs_by_media ON runs(media_id, kind, id);

-- Sidecar files (.npy) a run produced, relative to the project's data folder.
CREATE TABLE artifacts (
    run_id  INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
    name    TEXT    NOT NULL,
    relpath TEXT    NOT NULL,
    PRIMARY KEY (run_id, name)
);

-- Time spans a run found, one table for every track: audio peaks, pauses, speech, and the
-- motion, shot and face tracks of later versions. Labels and transcripts will refer to these rows.
CREATE TABLE segments (
    id       INTEGER PRIMARY KEY,
    run_id   INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
    track    TEXT    NOT NULL,
    start_ms INTEGER NOT NULL,
    end_ms   INTEGER NOT NULL CHECK (end_ms >= start_ms),
    peak_ms  INTEGER,
    score    REAL,
    value    REAL
);
CREATE INDEX segments_by_track ON segments(run_id, track, start_ms);
