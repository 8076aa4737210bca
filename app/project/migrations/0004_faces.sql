-- Project format 4: the persons of a face analysis. The faces themselves (boxes and emotion probabilities of
-- every sample) live in the run's sidecar file; these tables hold what the user can change: which face
-- tracks make up which person, the persons' names, and the transcript speaker a person is linked to.

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
