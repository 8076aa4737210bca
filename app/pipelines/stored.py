"""What opening a project reads of a media, read once before anything is shown: a damaged project is refused
whole, with one message, instead of failing halfway through being shown. Qt-free."""

from __future__ import annotations

import sqlite3
from typing import Any

from app.pipelines.audio import load_pauses
from app.pipelines.faces import RUN_FACES, load_faces
from app.pipelines.motion import load_motion
from app.pipelines.runs import RunDataMissing
from app.pipelines.transcription import stored_transcript
from app.project.store import ProjectError, Store
from app.project.table import damaged


def check_stored(store: Store, media_id: int, pause_params: dict[str, Any], has_video: bool) -> None:
    """Raise ProjectError when anything the window reads on opening the media cannot be read: every row's text,
    the runs' JSON, the labels, the transcript, the persons, the stored pauses, motion and faces. A run whose
    cache file is gone or unreadable (RunDataMissing) is not a reason to refuse the project: the caller says so
    when it shows it."""
    try:
        store.read_everything()
        store.vocabulary()
        store.labels(media_id)
        stored_transcript(store, media_id)
        store.speakers(media_id)
        for run in store.runs(media_id):
            store.artifacts(run.id)
            if run.kind == RUN_FACES:
                store.persons(run.id)
        load_pauses(store, media_id, pause_params)
        if has_video:
            for load in (load_motion, load_faces):
                try:
                    load(store, media_id)
                except RunDataMissing:
                    pass
    except ProjectError:
        raise
    except (KeyError, TypeError, ValueError, AttributeError, sqlite3.DatabaseError) as exc:  # JSON of the wrong shape
        raise damaged(store.path, f"a stored result cannot be read: {type(exc).__name__}: {exc}") from exc
