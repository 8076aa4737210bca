-- Project format 3: transcripts. A transcript is the set of segments of one run (kind 'transcribe' for
-- the model, 'transcript_import' for an imported file); user edits change these rows in place.

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
