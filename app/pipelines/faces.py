"""Faces as the CLI (and later the window) run them: a run of kind ``faces`` with every sample's faces in a
sidecar JSON file, the persons in the project (so the user can rename, merge and split them), and the JSON
the CLI prints. Qt-free.
"""

from __future__ import annotations

import json
import math
import os
import time
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from app.pipelines.runs import RunDataMissing, record_stop
from app.project.store import Store

if TYPE_CHECKING:
    from analysis.faces import FaceOptions, FaceSample, FacesResult, Person

RUN_FACES = "faces"
IMAGE_SUFFIXES = (".jpg", ".jpeg", ".png", ".bmp", ".webp", ".tif", ".tiff")


def is_image(path: str | os.PathLike[str]) -> bool:
    return Path(path).suffix.lower() in IMAGE_SUFFIXES


def samples_cache_path(cache_dir: Path, fingerprint: str, options: FaceOptions) -> Path:
    return cache_dir / f"faces-{fingerprint}-{options.fps:g}fps-{options.detector.value}-{options.width}px.json"


def faces_document(result: FacesResult, names: dict[int, str] | None = None) -> dict[str, Any]:
    """``faces`` and ``persons`` as ``analyze --faces --json`` prints them (person names from the project)."""
    names = names or {}
    return {
        "faces": [
            {
                "t_s": sample.t_ms / 1000,
                "faces": [
                    {
                        "box": [int(v) for v in face.box],
                        "landmarks": [[int(x), int(y)] for x, y in face.landmarks],
                        "score": round(float(face.score), 4),
                        "emotions": {name: round(float(p), 4) for name, p in face.probabilities.items()},
                        "dominant": face.dominant,
                        "uncertain": face.uncertain,
                        "person": names.get(face.person_id, f"Person {face.person_id}"),
                        "person_id": face.person_id,
                        "track": face.track_id,
                    }
                    for face in sample.faces
                ],
            }
            for sample in result.samples
        ],
        "persons": [_person_json(person, names) for person in result.persons],
    }


def _person_json(person: Person, names: dict[int, str]) -> dict[str, Any]:
    return {
        "id": person.id,
        "name": names.get(person.id, person.name),
        "seconds_visible": person.visible_ms / 1000,
        "emotion_share": {name: round(share, 4) for name, share in person.emotion_share.items()},
    }


def _samples_json(result: FacesResult) -> dict[str, Any]:
    """The samples file of a run; times in seconds, as runs stored before times were milliseconds have them."""
    return {
        "options": result.options.params(),
        "labels": list(result.labels),
        "skipped": result.skipped,
        "samples": [
            [
                sample.t_ms / 1000,
                [
                    [list(face.box), face.score, [face.probabilities[n] for n in result.labels], face.track_id]
                    for face in sample.faces
                ],
            ]
            for sample in result.samples
        ],
        "appearance": {str(track): [round(float(v), 5) for v in vector] for track, vector in result.appearance.items()},
    }


@dataclass(frozen=True, slots=True, eq=False)
class FacesAnalysis:
    run_id: int | None
    result: FacesResult
    names: dict[int, str]
    elapsed_ms: int


@dataclass(frozen=True, slots=True)
class RecordedFaces:
    names: dict[int, str]
    """person number → name"""
    carried: int
    """names (and linked speakers) carried over from the media's previous faces run"""


def record_faces(store: Store, run_id: int, fingerprint: str, result: FacesResult, elapsed_ms: int) -> RecordedFaces:
    """Store a finished faces run: the samples file, the track portraits, the persons and their tracks. A
    person who looks like one the user named in the media's previous faces run gets that name (and speaker)."""
    tracks = {face.track_id: face.person_id for sample in result.samples for face in sample.faces}
    carried = _names_to_carry(store, run_id, result, tracks)  # before the samples file of the same options is replaced
    path = samples_cache_path(store.cache_dir, fingerprint, result.options)
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_suffix(".partial.json")
    partial.write_text(json.dumps(_samples_json(result), separators=(",", ":")), encoding="utf-8")
    partial.replace(path)
    artifacts = {"samples": str(path.relative_to(store.data_dir))}
    if result.portraits:
        folder = store.cache_dir / f"faces-run-{run_id}-portraits"
        _write_portraits(folder, result.portraits)
        artifacts["portraits"] = str(folder.relative_to(store.data_dir))
    names = {person.id: person.name for person in result.persons}
    for number, (name, _speaker) in carried.items():
        names[number] = name
    store.set_persons(run_id, tracks, names)
    for number, (_name, speaker) in carried.items():
        if speaker:
            store.link_speaker(run_id, number, speaker)
    store.finish_run(
        run_id,
        {
            "samples": len(result.samples),
            "faces": sum(len(s.faces) for s in result.samples),
            "persons": [_person_json(p, names) for p in result.persons],
            "skipped": result.skipped,
            "warnings": list(result.warnings()),
        },
        {},
        elapsed_ms=elapsed_ms,
        artifacts=artifacts,
    )
    return RecordedFaces(names, len(carried))


def _write_portraits(folder: Path, portraits: dict[int, Any]) -> None:
    import cv2

    folder.mkdir(parents=True, exist_ok=True)
    for track, image in portraits.items():
        ok, data = cv2.imencode(".png", image)
        if ok:  # not cv2.imwrite: it fails on non-ASCII paths on Windows
            (folder / f"track-{track}.png").write_bytes(data.tobytes())


def _person_appearance(appearance: dict[int, Any], tracks: dict[int, int]) -> dict[int, Any]:
    """Person → the mean of its tracks' appearances (zero mean, unit length)."""
    from analysis.faces.identity import unit

    sums: dict[int, Any] = {}
    for track, person in tracks.items():
        if track in appearance:
            sums[person] = sums.get(person, 0) + appearance[track]
    return {person: unit(total) for person, total in sums.items()}


def _names_to_carry(
    store: Store, run_id: int, result: FacesResult, tracks: dict[int, int]
) -> dict[int, tuple[str, str]]:
    """New person → (name, speaker) of the best-matching person of the media's newest earlier faces run, when
    the user named or linked that one; only above the similarity threshold, never one name to two persons."""
    import numpy as np

    from analysis.faces.identity import match_persons

    media_id = store.run(run_id).media_id
    previous = next(
        (run for run in reversed(store.runs(media_id, RUN_FACES)) if run.status == "done" and run.id != run_id), None
    )
    if previous is None or not result.appearance:
        return {}
    named = {
        number: (name, speaker)
        for number, name, speaker, _ in store.persons(previous.id)
        if name != f"Person {number}" or speaker
    }
    path = store.artifacts(previous.id).get("samples")
    if not named or path is None or not path.is_file():
        return {}
    stored = json.loads(path.read_text(encoding="utf-8")).get("appearance", {})
    old_appearance = {int(track): np.asarray(vector, np.float32) for track, vector in stored.items()}
    # matched against every person of that run, so that a face more like an unnamed person takes no name
    old_tracks = {track: number for number, _, _, ts in store.persons(previous.id) for track in ts}
    old = _person_appearance(old_appearance, old_tracks)
    new = _person_appearance(result.appearance, tracks)
    return {n: named[o] for n, o in match_persons(new, old).items() if o in named}


def analyze_and_store_faces(
    store: Store,
    media_id: int,
    fingerprint: str,
    path: Path,
    options: FaceOptions,
    versions: dict[str, str],
    progress: Any = None,
    result: FacesResult | None = None,
) -> FacesAnalysis:
    """The CLI's path: analyse (unless ``result`` came from a pass shared with motion), store, return."""
    from analysis.faces import analyze_faces

    run_id = store.start_run(media_id, RUN_FACES, options.params(), versions)
    started = time.perf_counter()
    if result is None:
        try:
            result = analyze_faces(path, options, progress)
        except BaseException as exc:
            record_stop(store, run_id, exc, round((time.perf_counter() - started) * 1000))
            raise
    elapsed = round((time.perf_counter() - started) * 1000)
    recorded = record_faces(store, run_id, fingerprint, result, elapsed)
    return FacesAnalysis(run_id, result, recorded.names, elapsed)


@dataclass(frozen=True, slots=True, eq=False)
class StoredFaces:
    """A finished faces run as the project holds it now: the samples with each face's person as the user
    grouped them, the persons' names and linked speakers."""

    run_id: int
    options: FaceOptions
    labels: tuple[str, ...]
    samples: tuple[FaceSample, ...]
    """with person ids from the project"""
    persons: tuple[tuple[int, str, str, tuple[int, ...]], ...]
    """(number, name, speaker, tracks)"""
    portraits: dict[int, Path] = field(default_factory=dict)
    """track → the PNG of its largest face (runs recorded before portraits were kept have none)"""

    def portrait(self, number: int) -> Path | None:
        """The PNG of a person's largest face: the portrait of the track (with one) where it was largest."""
        tracks = {t for p in self.persons if p[0] == number for t in p[3] if t in self.portraits}
        largest: dict[int, int] = {}
        for sample in self.samples:
            for face in sample.faces:
                if face.track_id in tracks:
                    largest[face.track_id] = max(largest.get(face.track_id, 0), face.box[2] * face.box[3])
        best = max(sorted(tracks), key=lambda t: largest.get(t, 0), default=None)
        return None if best is None else self.portraits[best]

    def person_name(self, number: int) -> str:
        return next((p[1] for p in self.persons if p[0] == number), f"Person {number}")


def load_faces(store: Store, media_id: int) -> StoredFaces | None:
    """The newest finished faces run of the media, or None when it has none. Raises RunDataMissing when that
    run's samples file is gone from the cache folder or cannot be read."""
    from analysis.faces import Face, FaceOptions, FaceSample

    run = next((run for run in reversed(store.runs(media_id, RUN_FACES)) if run.status == "done"), None)
    if run is None:
        return None
    path = store.artifacts(run.id).get("samples")
    if path is None or not path.exists():
        raise RunDataMissing("faces", run, path or store.cache_dir)
    persons = tuple((n, name, speaker, tuple(tracks)) for n, name, speaker, tracks in store.persons(run.id))
    person_of = {track: number for number, _, _, tracks in persons for track in tracks}
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
        labels = tuple(str(label) for label in document["labels"])
        samples = []
        for t_s, faces in document["samples"]:
            found = []
            for box, score, probabilities, track in faces:
                if len(probabilities) != len(labels):
                    raise ValueError(f"a face has {len(probabilities)} emotion values for {len(labels)} emotions")
                shares = dict(zip(labels, map(float, probabilities), strict=True))
                box = tuple(int(v) for v in box)
                if len(box) != 4:
                    raise ValueError(f"a face box of {len(box)} numbers")
                found.append(Face(box, score, shares, max(shares, key=shares.get), track, person_of.get(track, 0)))
            samples.append(FaceSample(math.floor(t_s * 1000 + 0.5), tuple(found)))
    except (OSError, UnicodeDecodeError, ValueError, KeyError, TypeError) as exc:
        raise RunDataMissing("faces", run, path, _reason(exc)) from exc
    options = FaceOptions(**{k: run.params[k] for k in ("fps", "detector", "width")})
    folder = store.artifacts(run.id).get("portraits")
    portraits = {}
    if folder is not None and folder.is_dir():
        for png in folder.glob("track-*.png"):
            portraits[int(png.stem.removeprefix("track-"))] = png
    return StoredFaces(run.id, options, labels, tuple(samples), persons, portraits)


def _reason(exc: Exception) -> str:
    """What is wrong with a cache file, in one line."""
    if isinstance(exc, OSError):
        return exc.strerror or type(exc).__name__
    if isinstance(exc, KeyError):
        return f"no {exc.args[0]!r} in it"
    return " ".join(str(exc).split()) or type(exc).__name__


def with_persons(stored: StoredFaces, store: Store) -> StoredFaces:
    """``stored`` with the persons as the project now has them (after a rename, merge, split or link): only
    the small persons tables are read again; the samples are re-labelled in memory, not re-read from disk."""
    persons = tuple((n, name, speaker, tuple(tracks)) for n, name, speaker, tracks in store.persons(stored.run_id))
    person_of = {track: number for number, _, _, tracks in persons for track in tracks}
    samples = tuple(
        replace(sample, faces=tuple(replace(face, person_id=person_of.get(face.track_id, 0)) for face in sample.faces))
        for sample in stored.samples
    )
    return replace(stored, samples=samples, persons=persons)
