"""What opening a project reads of a media, read once before anything is shown: a damaged project is refused
whole, with one message, instead of failing halfway through being shown. Qt-free."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager

from app.pipelines.faces import RUN_FACES
from app.project.store import ProjectError, Store
from app.project.table import damaged


@contextmanager
def reading_stored(store: Store) -> Iterator[None]:
    """Around reads of stored results: JSON of the wrong shape or a damaged row is a ProjectError that says the
    project is damaged, not a KeyError or a sqlite3 error from deep inside. A run whose cache file is gone or
    unreadable (RunDataMissing) passes through: not a reason to refuse the project."""
    try:
        yield
    except ProjectError:
        raise
    except (KeyError, TypeError, ValueError, AttributeError, sqlite3.DatabaseError) as exc:
        raise damaged(store.path, f"a stored result cannot be read: {type(exc).__name__}: {exc}") from exc


def check_stored(store: Store, media_id: int) -> None:
    """Raise ProjectError when anything the window reads on opening the media cannot be read, beyond what the
    opening reads to show (the labels, the transcript, the pauses, motion and faces, read under
    :func:`reading_stored`): every row's text, the vocabulary, the speakers, the runs' artifacts and persons."""
    with reading_stored(store):
        store.read_everything()
        store.vocabulary()
        store.speakers(media_id)
        for run in store.runs(media_id):
            store.artifacts(run.id)
            if run.kind == RUN_FACES:
                store.persons(run.id)
