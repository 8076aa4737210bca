"""Tracks: the same face from one sample to the next, by where its box is and what it looks like.

A face continues a track of the previous sample when its box is near the track's last box (centres at most
TRACK_MAX_SHIFT box sizes apart), of a similar size (at most TRACK_MAX_GROWTH times larger or smaller), and their
small grey thumbnails (:func:`analysis.faces.identity.thumbnail`) correlate (≥ TRACK_MIN_SIMILARITY). Box overlap
is not enough: samples are 0.5 s apart, and in that time the face of someone walking towards the camera moves by
most of its width and grows by a fifth. Among the allowed pairs a one-to-one assignment takes the nearest and most
alike, so two people passing each other keep their tracks and two faces of one sample never share a track; a
track ends after TRACK_MAX_MISSED samples without its face. Qt-free.
"""

from __future__ import annotations

import logging
import math
from collections import Counter
from collections.abc import Sequence
from typing import Any

import numpy as np

log = logging.getLogger(__name__)

TRACK_MAX_SHIFT = 1.0
"""A face continues a track only if its box's centre lies at most this many box sizes (the square root of the
mean of the two boxes' areas) from the centre of the track's last box…"""
TRACK_MAX_GROWTH = 1.5
"""…its box's size is at most this many times larger or smaller than the last box's…"""
TRACK_MIN_SIMILARITY = 0.3
"""…and its thumbnail correlates at least this much with the track's last thumbnail. A face that turns or looks
down between samples may correlate only 0.3–0.6 with itself, and on real footage small faces of different people
often correlate as much: the gates on position and size decide, appearance mostly breaks ties (bench/RESULTS.md,
"Issue 14 — face tracks": a gate of 1.2 box sizes already lets a track jump to a neighbour)."""
TRACK_MAX_MISSED = 2
"""A track ends when its face has been missing from this many consecutive samples."""
MIN_TRACK_SAMPLES = 2
"""A face seen in fewer samples than this does not count (in an analysis of at least FILTER_FROM_SAMPLES):
at 2 samples per second that is less than a second on screen, and such lone detections are mostly Haar's
false positives on textures, each of which would otherwise become a "person" of its own."""
FILTER_FROM_SAMPLES = 6


def box_iou(a: Sequence[float], b: Sequence[float]) -> float:
    """Intersection over union of two boxes ``(x, y, w, h)``."""
    ax, ay, aw, ah = a
    bx, by, bw, bh = b
    w = min(ax + aw, bx + bw) - max(ax, bx)
    h = min(ay + ah, by + bh) - max(ay, by)
    if w <= 0 or h <= 0:
        return 0.0
    inter = w * h
    return inter / (aw * ah + bw * bh - inter)


def link_gain(box_a: Sequence[float], thumb_a: np.ndarray, box_b: Sequence[float], thumb_b: np.ndarray) -> float:
    """How well face b continues face a of an earlier sample: the thumbnails' correlation minus the shift of
    the centre (in box sizes) minus the change of size (log of the ratio); ``-inf`` when the pair is not
    allowed (shift above TRACK_MAX_SHIFT, growth above TRACK_MAX_GROWTH or correlation below
    TRACK_MIN_SIMILARITY)."""
    ax, ay, aw, ah = box_a
    bx, by, bw, bh = box_b
    size_a, size_b = math.sqrt(max(aw * ah, 1)), math.sqrt(max(bw * bh, 1))
    growth = max(size_a, size_b) / min(size_a, size_b)
    shift = math.hypot(ax + aw / 2 - bx - bw / 2, ay + ah / 2 - by - bh / 2) / math.sqrt((aw * ah + bw * bh) / 2 or 1)
    similarity = float(np.dot(thumb_a, thumb_b))
    if shift > TRACK_MAX_SHIFT or growth > TRACK_MAX_GROWTH or similarity < TRACK_MIN_SIMILARITY:
        return -math.inf
    return similarity - shift - math.log(growth)


def link_tracks(samples: Sequence[Sequence[tuple[Sequence[float], np.ndarray]]]) -> list[list[int]]:
    """Track ids (1, 2, … in order of appearance) for the faces ``(box, thumbnail)`` of consecutive samples.

    A face may continue a live track when :func:`link_gain` allows the pair; among those pairs the assignment
    with the largest total gain is taken (Hungarian), so appearance decides when two faces are near each other.
    A track that has missed TRACK_MAX_MISSED samples in a row ends."""
    live: list[dict[str, Any]] = []
    next_id = 1
    ids_per_sample: list[list[int]] = []
    for faces in samples:
        ids = _continued(live, faces)
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


def _continued(live: Sequence[dict[str, Any]], faces: Sequence[tuple[Sequence[float], np.ndarray]]) -> list[int]:
    """For each face, the id of the live track it continues (the best one-to-one assignment of
    :func:`link_gain` among the allowed pairs), or 0 when it continues none."""
    ids = [0] * len(faces)
    if not live or not faces:
        return ids
    from scipy.optimize import linear_sum_assignment  # slow to import: only when a video is analysed

    gain = np.full((len(live), len(faces)), -np.inf)
    for i, track in enumerate(live):
        for j, (box, thumb) in enumerate(faces):
            gain[i, j] = link_gain(track["box"], track["thumb"], box, thumb)
    feasible = np.isfinite(gain)
    if feasible.any():
        rows, cols = linear_sum_assignment(np.where(feasible, -gain, 1e9))
        for i, j in zip(rows.tolist(), cols.tolist(), strict=True):
            if feasible[i, j]:
                ids[j] = live[i]["id"]
    return ids


def lasting_tracks(ids_per_sample: Sequence[Sequence[int]]) -> dict[int, int]:
    """New ids (1, 2, … in the old ids' order) of the tracks that count: in an analysis of at least
    FILTER_FROM_SAMPLES samples those seen in at least MIN_TRACK_SAMPLES, in a shorter one every track."""
    counts = Counter(track for ids in ids_per_sample for track in ids)
    if len(ids_per_sample) < FILTER_FROM_SAMPLES:
        return {track: track for track in sorted(counts)}
    keep = sorted(track for track, count in counts.items() if count >= MIN_TRACK_SAMPLES)
    dropped = sum(count for count in counts.values() if count < MIN_TRACK_SAMPLES)
    if dropped:
        log.info("%d face(s) seen in a single sample were left out as likely false detections", dropped)
    return {old: new for new, old in enumerate(keep, 1)}
