-- Project format 2: annotators, the controlled vocabulary, and labels on time ranges.

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
