"""Issue 14: how sure is the FER2013 model on real faces, and does turning faces eyes-level help?

On the faces YuNet finds in ``multiface.jpg`` (a group photo, most people smiling) and in frames of
``crowd_1080p.mp4`` (people walking towards the camera), prints the distribution of the top probability and of
its margin over the runner-up, and compares the model's labels with and without alignment
(:func:`analysis.faces.align.classify_aligned`). Usage: ``python bench/bench_emotion_confidence.py [REAL_DIR]``.
"""

from __future__ import annotations

import sys
from pathlib import Path

import av
import cv2
import numpy as np

from analysis.faces.align import classify_aligned, eye_angle, find_eyes
from analysis.faces.emotion import FerOnnxBackend
from analysis.faces.yunet import YuNetDetector

REAL = Path(sys.argv[1] if len(sys.argv) > 1 else Path(__file__).resolve().parents[2] / "shared/reference/real")


def crowd_frames(path: Path, every_s: float = 0.5, width: int = 1280) -> list[np.ndarray]:
    frames, next_t = [], 0.0
    with av.open(str(path)) as container:
        for frame in container.decode(video=0):
            if frame.time is not None and frame.time + 1e-3 >= next_t:
                frames.append(frame.to_ndarray(format="bgr24", width=width, height=width * frame.height // frame.width))
                next_t += every_s
    return frames


def faces_of(detector, backend, image):
    """Boxes, probabilities without and with alignment, and per face (landmark tilt, tilt used, refined?)."""
    boxes, _, marks = detector.detect_with_landmarks(image)
    gray = cv2.cvtColor(image, cv2.COLOR_BGR2GRAY)
    plain = backend.classify(gray, boxes)
    turned = classify_aligned(backend, gray, boxes, marks)
    tilts = []
    for box, points in zip(boxes, marks, strict=True):
        eyes = find_eyes(gray, box, points)
        tilts.append((eye_angle(points), eye_angle(eyes), float(not np.array_equal(eyes, points[:2]))))
    return boxes, plain, turned, np.array(tilts, np.float64).reshape(-1, 3)


def describe(name, labels, plain, turned, tall, tilts):
    top = np.sort(plain, axis=1)
    p1, margin = top[:, -1], top[:, -1] - top[:, -2]
    print(f"\n{name}: {len(plain)} faces (median height {np.median(tall):.0f} px)")
    print(f"  eyes found by the cascade for {int(tilts[:, 2].sum())} of {len(tilts)} faces;", end=" ")
    landmarks, used = np.median(np.abs(tilts[:, :2]), axis=0)
    print(f"median |tilt| from the landmarks {landmarks:.1f}°, used {used:.1f}°")
    print("  top probability percentiles 10/25/50/75/90:", np.round(np.percentile(p1, [10, 25, 50, 75, 90]), 2))
    print(
        "  margin over runner-up percentiles 10/25/50/75/90:", np.round(np.percentile(margin, [10, 25, 50, 75, 90]), 2)
    )
    for threshold, gap in ((0.4, 0.1), (0.5, 0.15), (0.5, 0.2), (0.6, 0.2)):
        sure = (p1 >= threshold) & (margin >= gap)
        print(f"  p >= {threshold} and margin >= {gap}: {sure.mean():.0%} sure")
    a, b = plain.argmax(axis=1), turned.argmax(axis=1)
    print(f"  aligned vs plain: labels agree on {np.mean(a == b):.0%}")
    for which, values, rows in (("plain", a, plain), ("aligned", b, turned)):
        counts = np.bincount(values, minlength=len(labels))
        share = ", ".join(f"{labels[i]} {c / len(values):.0%}" for i, c in enumerate(counts) if c)
        print(f"  {which}: {share}; mean top p {rows.max(axis=1).mean():.2f}")


def main() -> None:
    detector, backend = YuNetDetector(), FerOnnxBackend()
    photo = cv2.imread(str(REAL / "multiface.jpg"))
    boxes, plain, turned, tilts = faces_of(detector, backend, photo)
    describe("multiface.jpg", backend.labels, plain, turned, boxes[:, 3], tilts)
    parts: list[list[np.ndarray]] = [[], [], [], []]
    for frame in crowd_frames(REAL / "crowd_1080p.mp4"):
        boxes, plain, turned, tilts = faces_of(detector, backend, frame)
        keep = boxes[:, 3] >= 24  # the model's 64 px input; smaller faces are mostly blur
        for part, values in zip(parts, (plain, turned, boxes[:, 3], tilts), strict=True):
            part.append(values[keep])
    plain, turned, tall, tilts = (np.concatenate(part) for part in parts)
    describe(
        "crowd_1080p.mp4 (a frame every 0.5 s at 1280 px, faces >= 24 px)", backend.labels, plain, turned, tall, tilts
    )


if __name__ == "__main__":
    main()
