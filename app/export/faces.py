"""What a media's faces run saw around an item's moment: the faces, the persons and their emotions, face crops.

Items of a video with a finished ``faces`` run carry face figures (:class:`FacesAround`): the faces of the run's
sample nearest the moment, and per person seen within ±1 s of it the mean emotion probabilities. Clips,
datasets and the report get a crop of every face of that sample (the face box widened by 20 %).
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from analysis.faces.confidence import emotion_caption
from analysis.faces.stats import nearest_sample, persons_around, samples_around
from analysis.fer_model import EMOTIONS
from app.export.files import rounded
from app.model.records import MediaRecord
from app.pipelines.faces import StoredFaces, load_faces
from app.pipelines.runs import without_missing
from app.project.store import Store

log = logging.getLogger(__name__)

EMOTION_COLUMNS = tuple(f"emotion_{name}" for name in EMOTIONS)
FACE_COLUMNS = ("faces", "persons", "face_emotion", "face_emotion_p", *EMOTION_COLUMNS)
"""From the media's faces run: the number of faces in the sample nearest the moment (0 when it has none), the
names of the persons seen within ±1 s of the moment (';'-joined), the dominant emotion of the largest face of
the nearest sample and its probability, and that face's person's mean probability of each emotion over the
samples within ±1 s. All empty for audio-only media and without a faces run; all but ``faces`` empty when no
face is near. A run of the user's own classifier fills an ``emotion_<label>`` column per label of its own instead
of EMOTION_COLUMNS (see :func:`with_emotion_columns`)."""
FACE_WINDOW_MS = 1000
"""Persons and their mean emotions come from the faces-run samples within ± this of the moment; the nearest
sample (whose faces are counted and cropped) must lie within it too."""
FACE_CROP_MARGIN = 0.2
"""A face crop is the face box widened by this share of its width and height (half on each side)."""


@dataclass(frozen=True, slots=True)
class FaceSeen:
    """One face of the faces-run sample nearest an item's moment."""

    box: tuple[int, int, int, int]
    """x, y, width, height in pixels of the original frame"""
    person: int
    """The person's number in the project (after the user's merges and splits)."""
    name: str
    dominant: str
    probability: float
    """The probability of the dominant emotion."""
    uncertain: bool = False
    """The dominant emotion does not count (:mod:`analysis.faces.confidence`)."""

    @property
    def caption(self) -> str:
        """``"happy 91 %"`` or ``"uncertain (angry 38 %)"``."""
        return emotion_caption(self.dominant, self.probability, self.uncertain)


@dataclass(frozen=True, slots=True)
class PersonAround:
    """A person seen within ±FACE_WINDOW_MS of an item's moment, with the mean of their emotion probabilities."""

    number: int
    name: str
    samples: int
    """Samples of the window that show the person."""
    probabilities: tuple[tuple[str, float], ...]
    """(emotion, mean probability) over those samples, of the person's largest face in each, in the run's order."""
    dominant: str
    """The emotion of the highest mean probability."""


@dataclass(frozen=True, slots=True)
class FacesAround:
    """What the media's faces run saw around an item's moment."""

    sample_ms: int | None
    """The time of the sample nearest the moment (within ±FACE_WINDOW_MS); None when there is none."""
    faces: tuple[FaceSeen, ...]
    """The faces of that sample, left to right as the run found them."""
    persons: tuple[PersonAround, ...]
    """The persons of the samples within ±FACE_WINDOW_MS, by number."""
    labels: tuple[str, ...]
    """The faces run's emotion labels (FER's seven, or those of the user's own classifier), in order."""

    @property
    def largest(self) -> FaceSeen | None:
        """The largest face of the nearest sample (the first of equal ones)."""
        return max(self.faces, key=lambda face: face.box[2] * face.box[3], default=None)

    def person(self, number: int) -> PersonAround | None:
        return next((person for person in self.persons if person.number == number), None)


def stored_faces(store: Store, record: MediaRecord) -> FaceIndex | None:
    """The media's latest finished faces run; None without one, or (with a warning) when its samples are unreadable."""
    try:
        stored = without_missing(load_faces, store, record.id)
    except (OSError, ValueError, KeyError, TypeError) as exc:
        log.warning("%s: the faces run cannot be read (%s); exported without face figures", record.path, exc)
        return None
    return None if stored is None else FaceIndex(stored)


class FaceIndex:
    """A faces run, to find the faces and the persons' emotions around a moment (see :mod:`analysis.faces.stats`)."""

    def __init__(self, stored: StoredFaces) -> None:
        self.stored = stored

    def around(self, moment_ms: int) -> FacesAround:
        """The nearest sample's faces and the persons within ±FACE_WINDOW_MS of ``moment_ms``."""
        stored = self.stored
        nearest = nearest_sample(samples_around(stored.samples, moment_ms, FACE_WINDOW_MS), moment_ms)
        persons = tuple(
            PersonAround(
                summary.person_id,
                stored.person_name(summary.person_id),
                summary.samples,
                tuple(summary.mean.items()),
                summary.strongest,
            )
            for summary in persons_around(stored.samples, moment_ms, FACE_WINDOW_MS, stored.labels)
        )
        seen = tuple(
            FaceSeen(
                tuple(int(v) for v in face.box),
                face.person_id,
                stored.person_name(face.person_id),
                face.dominant,
                float(face.probabilities[face.dominant]),
                face.uncertain,
            )
            for face in (nearest.faces if nearest is not None else ())
        )
        return FacesAround(None if nearest is None else nearest.t_ms, seen, persons, stored.labels)


def face_values(around: FacesAround | None) -> dict[str, Any]:
    """The FACE_COLUMNS of an item and the ``emotion_<label>`` columns of its faces run's labels (None where empty)."""
    values: dict[str, Any] = dict.fromkeys(FACE_COLUMNS)
    if around is None:
        return values
    values.update(dict.fromkeys(_emotion_columns(around.labels)))
    if around.sample_ms is not None:
        values["faces"] = len(around.faces)
    values["persons"] = ";".join(person.name for person in around.persons) or None
    largest = around.largest
    if largest is not None:
        values.update(face_emotion=largest.dominant, face_emotion_p=rounded(largest.probability))
        person = around.person(largest.person)
        if person is not None:
            values.update({f"emotion_{name}": rounded(mean) for name, mean in person.probabilities})
    return values


def _emotion_columns(labels: Iterable[str]) -> tuple[str, ...]:
    return tuple(f"emotion_{label}" for label in labels)


def with_emotion_columns(columns: Sequence[str], arounds: Iterable[FacesAround | None]) -> tuple[str, ...]:
    """``columns`` with, after EMOTION_COLUMNS, an ``emotion_<label>`` column for every label of the items' faces
    runs that FER's emotions lack (in the order met): a run of the user's own classifier fills its own columns."""
    extra = dict.fromkeys(
        column
        for around in arounds
        if around is not None
        for column in _emotion_columns(around.labels)
        if column not in EMOTION_COLUMNS
    )
    at = columns.index(EMOTION_COLUMNS[-1]) + 1
    return (*columns[:at], *extra, *columns[at:])


def face_crop(image: np.ndarray, box: Sequence[int], scale: tuple[float, float] = (1.0, 1.0)) -> np.ndarray:
    """The face ``box`` (x, y, w, h in pixels of the original frame) widened by FACE_CROP_MARGIN, cut from ``image``.

    ``scale`` maps original pixels to the image's (when it was decoded smaller). What falls outside the image is
    left out, so a face at the border gives a narrower crop; never less than one pixel.
    """
    rows, cols = image.shape[:2]
    x, y, w, h = (float(v) for v in box)
    cx, cy = (x + w / 2) * scale[0], (y + h / 2) * scale[1]
    half_w, half_h = w * (1 + FACE_CROP_MARGIN) / 2 * scale[0], h * (1 + FACE_CROP_MARGIN) / 2 * scale[1]
    left = min(max(0, round(cx - half_w)), cols - 1)
    top = min(max(0, round(cy - half_h)), rows - 1)
    right = max(left + 1, min(cols, round(cx + half_w)))
    bottom = max(top + 1, min(rows, round(cy + half_h)))
    return image[top:bottom, left:right]
