"""Face crops: the pixels an emotion classifier sees of each face box, cut the way ``fer`` cuts them (the FER
model's own crop, with fer's padding, is :func:`analysis.fer_model.preprocess_faces`). Qt-free.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import cv2
import numpy as np


def as_gray(image: np.ndarray) -> np.ndarray:
    """A grey copy of a BGR image; a grey image as it is."""
    return image if image.ndim == 2 else cv2.cvtColor(image, cv2.COLOR_BGR2GRAY)


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


_EYE_CASCADE = Path(cv2.data.haarcascades) / "haarcascade_eye.xml"
_local = threading.local()


def _eye_cascade() -> cv2.CascadeClassifier | None:
    """OpenCV's eye cascade, one per thread (a cascade is not safe to share); None when it cannot be loaded."""
    cascade = getattr(_local, "eyes", False)
    if cascade is False:
        cascade = cv2.CascadeClassifier(str(_EYE_CASCADE))
        cascade = _local.eyes = None if cascade.empty() else cascade
    return cascade


def eye_angle(eyes: np.ndarray) -> float:
    """The tilt in degrees of the line from the person's right eye (``eyes[0]``, left in the picture) to their
    left eye (``eyes[1]``): 0 when the eyes are level, positive when the left one is lower."""
    (rx, ry), (lx, ly) = np.asarray(eyes, np.float64)[:2]
    return float(np.degrees(np.arctan2(ly - ry, lx - rx)))


def find_eyes(gray: np.ndarray, box: Sequence[float], landmarks: np.ndarray) -> np.ndarray:
    """The centres ``[2, 2]`` of the person's right and left eye, for turning the face.

    YuNet's eye landmarks (``landmarks[:2]``) hardly follow a tilted head: on a face turned by 20° they tilt
    by 2° (bench/RESULTS.md, issue 14). So they only say roughly where each eye is; OpenCV's eye cascade,
    run over the face box, finds the eyes themselves, and each landmark is replaced by the nearest eye it
    found within a quarter of the box's width. Where the cascade finds no such pair of distinct eyes, the
    landmarks are returned as they are."""
    marks = np.asarray(landmarks, np.float64)[:2]
    cascade = _eye_cascade()
    x, y, w, h = (int(round(v)) for v in box)
    rows, cols = gray.shape[:2]
    x1, y1, x2, y2 = max(0, x - w // 4), max(0, y - h // 4), min(cols, x + w + w // 4), min(rows, y + h * 3 // 4)
    if cascade is None or x2 - x1 < 8 or y2 - y1 < 8:
        return marks
    side = max(4, w // 8)
    found = cascade.detectMultiScale(gray[y1:y2, x1:x2], 1.05, 3, minSize=(side, side), maxSize=(w // 2, w // 2))
    if len(found) < 2:
        return marks
    centres = np.array([(ex + ew / 2 + x1, ey + eh / 2 + y1) for ex, ey, ew, eh in found], np.float64)
    distances = np.hypot(*(centres[None, :, :] - marks[:, None, :]).transpose(2, 0, 1))
    nearest = distances.argmin(axis=1)
    if nearest[0] == nearest[1] or distances[[0, 1], nearest].max() > w / 4:
        return marks
    return centres[nearest]


def aligned_patch(
    image: np.ndarray, box: Sequence[float], eyes: np.ndarray
) -> tuple[np.ndarray, tuple[int, int, int, int], np.ndarray]:
    """The surroundings of one face turned so that its ``eyes`` (right, left) are level, for an emotion model.

    A square patch twice the box's longer side, centred on the box, is cut from ``image`` and rotated about
    its centre by the eyes' tilt (:func:`eye_angle`; edges replicated, so no black corners reach the crop).
    Returns the patch, the face box in the patch's pixels (same size, centred) and the 2×3 affine matrix that
    takes image pixels to patch pixels (to carry points along)."""
    x, y, w, h = (round(float(v)) for v in box)
    size = max(2, 2 * max(w, h))
    half = size / 2
    # a whole-pixel shift, so that a face with level eyes is copied pixel for pixel rather than resampled
    # (half a pixel of blur changes the FER model's label of one small face in seven)
    dx, dy = round(half - x - w / 2), round(half - y - h / 2)
    inner = (x + dx, y + dy, w, h)
    centre = (inner[0] + w / 2, inner[1] + h / 2)
    rotation = cv2.getRotationMatrix2D(centre, eye_angle(eyes), 1.0)
    matrix = rotation @ np.array([[1.0, 0.0, dx], [0.0, 1.0, dy], [0.0, 0.0, 1.0]])
    patch = cv2.warpAffine(image, matrix, (size, size), flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE)
    return patch, inner, matrix


def classify_aligned(backend: Any, image: np.ndarray, boxes: np.ndarray, landmarks: np.ndarray) -> np.ndarray:
    """``backend.classify`` (an :class:`~analysis.faces.emotion.EmotionBackend`) on each face turned
    eyes-level (:func:`find_eyes`, :func:`aligned_patch`); without landmarks (shape ``[N, 0, 2]``, the Haar
    and MTCNN detectors) the faces are classified as they stand, in one call."""
    if len(boxes) == 0 or landmarks.ndim != 3 or landmarks.shape[1] < 2:
        return backend.classify(image, boxes)
    gray = as_gray(image)
    rows = []
    for box, marks in zip(boxes, landmarks, strict=True):
        patch, inner, _ = aligned_patch(image, box, find_eyes(gray, box, marks))
        rows.append(backend.classify(patch, np.array([inner], np.float64))[0])
    return np.stack(rows)
