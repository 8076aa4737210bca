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
