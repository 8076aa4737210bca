"""Persons: the same face again after it left the picture, by appearance.

A face's appearance is its small grey thumbnail (THUMB_SIZE², zero mean, unit length); a track's is the mean of
its faces'. Tracks are clustered by it (average-linkage agglomerative clustering with a distance threshold);
two tracks seen in the same sample are never the same person. Qt-free.
"""

from __future__ import annotations

from collections.abc import Sequence

import cv2
import numpy as np

THUMB_SIZE = 24
"""Side of the grey thumbnail that stands for a face's appearance (tracking and persons)."""
PORTRAIT_SIZE = 48
"""Side of the colour picture of a face that the persons dialog shows (the largest face of each track)."""
SAME_PERSON_MIN_SIMILARITY = 1.0 - 0.35
"""Two persons of different runs whose mean appearances correlate at least this much are the same person."""
PERSON_MAX_DISTANCE = 0.35
"""Tracks whose mean thumbnails lie closer than this (1 − correlation, average linkage) are one person."""
_CANNOT_LINK = 1e6
"""Distance given to two tracks seen together, so that clustering never joins them."""


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


def portrait(image: np.ndarray, box: Sequence[float]) -> np.ndarray:
    """The face's box of a BGR image resized to PORTRAIT_SIZE² (BGR, uint8); black if the box is empty."""
    rows, cols = image.shape[:2]
    x, y, w, h = (int(round(v)) for v in box)
    patch = image[max(0, y) : min(rows, y + h), max(0, x) : min(cols, x + w)]
    if patch.size == 0:
        return np.zeros((PORTRAIT_SIZE, PORTRAIT_SIZE, 3), np.uint8)
    return cv2.resize(patch, (PORTRAIT_SIZE, PORTRAIT_SIZE), interpolation=cv2.INTER_AREA).astype(np.uint8)


def unit(vector: np.ndarray) -> np.ndarray:
    """``vector`` with zero mean and unit length (a zero vector stays zero), as float32."""
    out = np.asarray(vector, np.float32).ravel().copy()
    out -= out.mean()
    norm = float(np.linalg.norm(out))
    return out / norm if norm > 1e-6 else out


def match_persons(
    new: dict[int, np.ndarray], old: dict[int, np.ndarray], min_similarity: float = SAME_PERSON_MIN_SIMILARITY
) -> dict[int, int]:
    """New person → old person for the pairs whose appearances (unit vectors) correlate at least
    ``min_similarity``, best pairs first; no person on either side is matched twice."""
    pairs = sorted(
        ((float(np.dot(a, b)), n, o) for n, a in new.items() for o, b in old.items() if a.shape == b.shape),
        key=lambda pair: (-pair[0], pair[1], pair[2]),
    )
    out: dict[int, int] = {}
    used: set[int] = set()
    for similarity, n, o in pairs:
        if similarity < min_similarity:
            break
        if n not in out and o not in used:
            out[n] = o
            used.add(o)
    return out


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


def persons_of_tracks(samples: Sequence[Sequence[tuple[int, np.ndarray]]]) -> dict[int, int]:
    """Track id → person id for the faces ``(track id, thumbnail)`` of every sample (see :func:`cluster_tracks`)."""
    order = sorted({track for faces in samples for track, _ in faces})
    index = {track: row for row, track in enumerate(order)}
    sums = np.zeros((len(order), THUMB_SIZE * THUMB_SIZE))
    together: set[tuple[int, int]] = set()
    for faces in samples:
        for track, thumb in faces:
            sums[index[track]] += thumb
        rows = sorted(index[track] for track, _ in faces)
        together.update((a, b) for k, a in enumerate(rows) for b in rows[k + 1 :])
    sums -= sums.mean(axis=1, keepdims=True)
    embeddings = sums / np.maximum(np.linalg.norm(sums, axis=1, keepdims=True), 1e-12)
    return dict(zip(order, cluster_tracks(embeddings, together), strict=True))
