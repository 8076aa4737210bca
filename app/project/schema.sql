-- Salient project file, the current schema (PRAGMA user_version says which version a file has).
-- New files are created from this script. Files written by an older version are brought up to date
-- by migrations/NNNN_*.sql, numbered by the version they produce; tests/app/project/test_schema.py checks
-- that a migrated file and a new one end up with the same tables, columns and indexes.
-- Times are integer milliseconds of media time. Big arrays live in the sidecar folder (table artifacts).

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

-- Added in project format 2 (migrations/0002_labels.sql).
CREATE TABLE annotators (
    id         INTEGER PRIMARY KEY,
    name       TEXT NOT NULL UNIQUE,
    created_at TEXT NOT NULL
);

-- The label values a project uses. kind 'exclude' is the "not significant" mark (shot change, zoom…).
CREATE TABLE vocabulary (
    id          INTEGER PRIMARY KEY,
    name        TEXT    NOT NULL UNIQUE,
    description TEXT    NOT NULL DEFAULT '',
    color       TEXT    NOT NULL,
    shortcut    TEXT    NOT NULL DEFAULT '',
    kind        TEXT    NOT NULL DEFAULT 'label' CHECK (kind IN ('label', 'exclude')),
    position    INTEGER NOT NULL
);

-- A label on a time range of one media file. source says where the range came from ('audio_peak',
-- 'selection', later 'motion_peak'…); segment_key names a flagged segment across re-analyses.
CREATE TABLE labels (
    id            INTEGER PRIMARY KEY,
    media_id      INTEGER NOT NULL REFERENCES media(id) ON DELETE CASCADE,
    start_ms      INTEGER NOT NULL,
    end_ms        INTEGER NOT NULL CHECK (end_ms > start_ms),
    peak_ms       INTEGER,
    source        TEXT    NOT NULL,
    segment_key   TEXT,
    vocabulary_id INTEGER NOT NULL REFERENCES vocabulary(id),
    intensity     INTEGER CHECK (intensity BETWEEN 1 AND 5),
    confidence    REAL    CHECK (confidence BETWEEN 0 AND 1),
    note          TEXT    NOT NULL DEFAULT '',
    annotator_id  INTEGER NOT NULL REFERENCES annotators(id),
    provenance    TEXT    NOT NULL DEFAULT 'human',
    created_at    TEXT    NOT NULL,
    modified_at   TEXT    NOT NULL
);
CREATE INDEX labels_by_media ON labels(media_id, start_ms);
CREATE INDEX labels_by_segment ON labels(media_id, segment_key);

-- Added in project format 3 (migrations/0003_transcripts.sql).
-- Speakers of one media file; a rename changes one row and so applies to every segment at once.
CREATE TABLE speakers (
    id       INTEGER PRIMARY KEY,
    media_id INTEGER NOT NULL REFERENCES media(id) ON DELETE CASCADE,
    name     TEXT    NOT NULL,
    UNIQUE (media_id, name)
);

-- words_json: [[text, start_ms, end_ms, probability or null], ...] in time order.
-- timing: where the word times come from: 'model' (the transcription), 'aligned' (forced alignment of an
-- edited text), 'estimated' (spread over the segment: imports and texts not yet aligned).
CREATE TABLE transcript_segments (
    id          INTEGER PRIMARY KEY,
    run_id      INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
    start_ms    INTEGER NOT NULL,
    end_ms      INTEGER NOT NULL CHECK (end_ms >= start_ms),
    text        TEXT    NOT NULL,
    words_json  TEXT    NOT NULL DEFAULT '[]',
    speaker_id  INTEGER REFERENCES speakers(id) ON DELETE SET NULL,
    reviewed    INTEGER NOT NULL DEFAULT 0 CHECK (reviewed IN (0, 1)),
    timing      TEXT    NOT NULL DEFAULT 'model' CHECK (timing IN ('model', 'aligned', 'estimated')),
    modified_at TEXT
);
CREATE INDEX transcript_segments_by_run ON transcript_segments(run_id, start_ms);

-- Added in project format 4 (migrations/0004_faces.sql).
CREATE TABLE persons (
    run_id  INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
    number  INTEGER NOT NULL,
    name    TEXT    NOT NULL,
    speaker TEXT    NOT NULL DEFAULT '',
    PRIMARY KEY (run_id, number)
);

CREATE TABLE face_tracks (
    run_id INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
    track  INTEGER NOT NULL,
    person INTEGER NOT NULL,
    PRIMARY KEY (run_id, track)
);
