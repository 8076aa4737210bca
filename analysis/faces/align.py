"""Face crops: the pixels an emotion classifier sees of each face box, cut the way ``fer`` cuts them (the FER
model's own crop, with fer's padding, is :func:`analysis.fer_model.preprocess_faces`). Qt-free.
"""

from __future__ import annotations

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
