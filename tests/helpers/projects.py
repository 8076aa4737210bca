"""Projects to damage: a whole analysed project (motion, faces with persons, a label with a note, an imported
transcript) built once, copied per test, and the ways a disk, a copy or a person can damage it."""

from __future__ import annotations

import shutil
import sqlite3
from pathlib import Path

from analysis.faces import FaceOptions
from analysis.motion import MotionOptions
from app.model.records import NewLabel
from app.model.transcript import TranscriptSegment
from app.pipelines.analyze import analyze_audio
from app.pipelines.runs import library_versions
from app.project.store import Store, data_dir_for
from tests.helpers.faces import ONE_FACE, ONE_FACE_S, write_video

PAGE = 4096
LABEL_NOTE = "the astronaut smiles at the camera"
SAID = "Hello from orbit, everyone."
PERSON = "The astronaut"


def build_project(folder: Path) -> Path:
    """``folder/face.mp4`` (the astronaut, 12 s, no sound) and ``folder/face.salient`` with its motion and faces
    runs (two persons, one renamed), a label with a note and an imported transcript; WAL merged into the file."""
    folder.mkdir(parents=True, exist_ok=True)
    video = write_video(folder / "face.mp4", ONE_FACE, ONE_FACE_S)
    project = folder / "face.salient"
    result = analyze_audio(video, project, motion_options=MotionOptions(), faces_options=FaceOptions())
    assert result.faces is not None and len(result.faces.result.persons) >= 1
    with Store.open(project) as store:
        media_id = store.all_media()[0].id
        store.rename_person(result.faces.run_id, 1, PERSON)
        entry = next(entry for entry in store.vocabulary() if entry.kind == "label")
        store.add_label(media_id, NewLabel(2000, 3000, entry.id, "selection", note=LABEL_NOTE), "Ana")
        segment = TranscriptSegment(1000, 2500, SAID, speaker="Ana")
        store.import_transcript(media_id, {"format": "srt"}, library_versions(), [segment], [], "Ana")
    checkpoint(project)
    return project


def checkpoint(project: Path) -> None:
    """Merge the WAL into the file and remove it, so that every byte of the project is in the one file."""
    db = sqlite3.connect(project)
    db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    db.execute("PRAGMA journal_mode = DELETE")
    db.close()
    for suffix in ("-wal", "-shm"):
        Path(f"{project}{suffix}").unlink(missing_ok=True)


def copy_project(project: Path, folder: Path, name: str = "face") -> Path:
    """A copy of ``project`` and its sidecar folder in ``folder`` (its media stays where it was recorded)."""
    folder.mkdir(parents=True, exist_ok=True)
    copy = folder / f"{name}.salient"
    shutil.copyfile(project, copy)
    shutil.copytree(data_dir_for(project), data_dir_for(copy))
    return copy


def replace_bytes(project: Path, old: bytes, new: bytes) -> None:
    """Replace bytes of the file in place (same length), as a flipped bit on a disk would."""
    data = project.read_bytes()
    assert len(old) == len(new) and data.count(old) == 1, (old, data.count(old))
    project.write_bytes(data.replace(old, new))


def flip_byte(project: Path, offset: int, mask: int = 0xFF) -> None:
    data = bytearray(project.read_bytes())
    data[offset] ^= mask
    project.write_bytes(bytes(data))


def truncate(project: Path, size: int) -> None:
    project.write_bytes(project.read_bytes()[:size])


def faces_samples_file(project: Path) -> Path:
    (path,) = (data_dir_for(project) / "cache").glob("faces-*.json")
    return path


def motion_series_file(project: Path) -> Path:
    (path,) = (data_dir_for(project) / "cache").glob("motion-*.npy")
    return path


def execute(project: Path, *statements: str) -> None:
    """Change the file with plain SQLite, as another program would (no Salient checks)."""
    db = sqlite3.connect(project, isolation_level=None)
    for statement in statements:
        db.execute(statement)
    db.close()
    checkpoint(project)


def copy_with_media(project: Path, folder: Path) -> Path:
    """A copy of ``project`` with its own copy of the media (recorded at its new place), to move or replace."""
    copy = copy_project(project, folder)
    with Store.open(project, read_only=True) as store:
        (record,) = store.all_media()
    media = Path(shutil.copy(record.path, folder / Path(record.path).name))
    execute(copy, f"UPDATE media SET path = '{media}'")
    return copy
