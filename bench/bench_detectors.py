"""The face detectors on real footage: faces found against faces counted by looking, false boxes, speed.

    .venv/bin/python bench/bench_detectors.py [--reference ../shared/reference/real] [--seconds 60] [--no-pass]

The pictures: five frames of ``crowd_1080p.mp4`` (frames 0, 25, 50, 75, 100: people walking towards the camera
in an arcade, 1920×1080) and ``multiface.jpg`` (a group photo, 1200×630). ``TRUTH`` below holds every face
visible in them, boxed by hand from drawings of all detectors' boxes (YuNet's at full size, Haar's, MTCNN's),
in pixels of the original picture, with whether it is frontal (both eyes visible; looking down counts). What
is not a face: the lion, unicorn and crown of the coat of arms above the entrance, hair, backs of heads.

For each detector and analysis width it prints: frontal faces at least 40 px tall found (the target is
≥ 90 %), all faces found, false boxes (boxes on no face, as a share of all boxes; target ≤ 5 %), and the time
per frame from a 1280×720 and from a 1920×1080 frame (the resize to the analysis width included; one thread).
A box finds a face when their intersection over union is at least 0.3.

Then, unless ``--no-pass``, the whole motion + faces pass (the shared decode pass at the defaults, two
samples per second) on a 720p clip made of the crowd video played forward and back for ``--seconds``, as a
multiple of real time.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import cv2
import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from analysis.faces import FaceConsumer, FaceOptions  # noqa: E402
from analysis.faces.detect import FaceDetector, HaarDetector, MtcnnDetector, mtcnn_available  # noqa: E402
from analysis.faces.yunet import YuNetDetector  # noqa: E402
from analysis.motion import analyze_motion  # noqa: E402

MIN_TALL = 40
"""faces at least this tall (original pixels) are the ones the recall target is about"""

F, S = True, False  # frontal, side (profile or half-turned)
TRUTH: dict[str, list[tuple[tuple[int, int, int, int], bool]]] = {
    "crowd@0": [
        ((1082, 607, 44, 62), F),
        ((866, 618, 41, 55), F),
        ((675, 558, 67, 79), F),
        ((914, 633, 65, 88), S),
        ((283, 701, 104, 142), F),
        ((285, 627, 63, 69), F),
        ((464, 609, 31, 42), F),
        ((1414, 487, 121, 143), S),
    ],
    "crowd@25": [
        ((979, 695, 72, 90), F),
        ((270, 674, 62, 76), F),
        ((645, 581, 72, 91), F),
        ((1089, 659, 45, 59), F),
        ((927, 673, 40, 54), F),
        ((1220, 769, 97, 141), S),
        ((1366, 697, 24, 32), F),
        ((492, 662, 38, 45), F),
        ((1171, 675, 22, 26), F),
        ((1067, 698, 30, 40), S),  # half hidden behind the boy
    ],
    "crowd@50": [
        ((947, 713, 79, 103), F),
        ((209, 676, 66, 85), F),
        ((1131, 694, 52, 65), F),
        ((565, 642, 80, 90), F),
        ((1083, 660, 50, 66), F),
        ((1368, 714, 26, 34), F),
    ],
    "crowd@75": [
        ((1175, 678, 54, 71), F),
        ((185, 664, 71, 90), F),
        ((1088, 667, 47, 63), F),
        ((837, 675, 87, 107), F),
        ((501, 630, 81, 91), F),
        ((1351, 705, 28, 36), F),
        ((1461, 682, 22, 31), S),
    ],
    "crowd@100": [
        ((1177, 683, 58, 75), F),
        ((737, 673, 96, 128), F),
        ((1114, 662, 51, 70), F),
        ((912, 678, 41, 54), F),
        ((374, 550, 114, 142), F),
        ((1285, 681, 32, 47), S),
        ((1339, 708, 23, 31), F),
    ],
    "multiface": [
        ((622, 200, 73, 99), F),
        ((723, 470, 75, 98), F),
        ((553, 46, 79, 111), F),
        ((423, 130, 81, 111), F),
        ((225, 247, 79, 107), F),
        ((862, 443, 86, 113), F),
    ],
}


def pictures(reference: Path) -> dict[str, np.ndarray]:
    """The pictures of TRUTH, BGR at their original size."""
    out = {}
    capture = cv2.VideoCapture(str(reference / "crowd_1080p.mp4"))
    for name in TRUTH:
        if name.startswith("crowd@"):
            capture.set(cv2.CAP_PROP_POS_FRAMES, int(name.split("@")[1]))
            ok, frame = capture.read()
            if not ok:
                raise SystemExit(f"cannot read {name} from {reference / 'crowd_1080p.mp4'}")
            out[name] = frame
    capture.release()
    out["multiface"] = cv2.imread(str(reference / "multiface.jpg"))
    return out


def iou(a: tuple[float, ...], b: tuple[float, ...]) -> float:
    ax, ay, aw, ah = a
    bx, by, bw, bh = b
    w = max(0.0, min(ax + aw, bx + bw) - max(ax, bx))
    h = max(0.0, min(ay + ah, by + bh) - max(ay, by))
    inter = w * h
    return inter / (aw * ah + bw * bh - inter)


def at_width(image: np.ndarray, width: int) -> tuple[np.ndarray, float]:
    """The picture at the analysis width (never enlarged), as the faces analysis sees it, and the scale back."""
    rows, cols = image.shape[:2]
    if cols <= width:
        return image, 1.0
    resized = cv2.resize(image, (width, round(rows * width / cols)), interpolation=cv2.INTER_AREA)
    return resized, cols / width


def detect(detector: FaceDetector, image: np.ndarray, width: int) -> np.ndarray:
    small, scale = at_width(image, width)
    boxes, _ = detector.detect(small if detector.needs_color else cv2.cvtColor(small, cv2.COLOR_BGR2GRAY))
    return np.asarray(boxes, np.float64).reshape(-1, 4) * scale


def score(detector: FaceDetector, images: dict[str, np.ndarray], width: int) -> dict[str, int]:
    counts = dict.fromkeys(("frontal40", "frontal40_found", "faces", "found", "boxes", "false"), 0)
    for name, image in images.items():
        boxes = detect(detector, image, width)
        truth = TRUTH[name]
        matched = set()
        for box in boxes:
            best = max(range(len(truth)), key=lambda k: iou(tuple(box), truth[k][0]))
            if iou(tuple(box), truth[best][0]) >= 0.3:
                matched.add(best)
            else:
                counts["false"] += 1
        counts["boxes"] += len(boxes)
        for k, (box, frontal) in enumerate(truth):
            counts["faces"] += 1
            counts["found"] += k in matched
            if frontal and box[3] >= MIN_TALL:
                counts["frontal40"] += 1
                counts["frontal40_found"] += k in matched
    return counts


def ms_per_frame(detector: FaceDetector, frames: list[np.ndarray], width: int, repeat: int = 3) -> float:
    detect(detector, frames[0], width)
    start = time.perf_counter()
    for _ in range(repeat):
        for frame in frames:
            detect(detector, frame, width)
    return (time.perf_counter() - start) / (repeat * len(frames)) * 1000


def make_clip(reference: Path, seconds: float, folder: Path) -> Path:
    """The crowd video at 1280×720, played forward then backward, repeated to ``seconds`` (H.264, no sound)."""
    path = folder / "crowd_720p_loop.mp4"
    subprocess.run(
        [
            "ffmpeg", "-v", "error", "-y", "-i", str(reference / "crowd_1080p.mp4"), "-filter_complex",
            "[0:v]scale=1280:720,split[a][b];[b]reverse[r];[a][r]concat=n=2:v=1,loop=-1:size=32767",
            "-t", f"{seconds:g}", "-an", "-c:v", "libx264", "-preset", "veryfast", "-pix_fmt", "yuv420p", str(path),
        ],
        check=True,
    )  # fmt: skip
    return path


def whole_pass(clip: Path, seconds: float, options: FaceOptions | None) -> tuple[float, float, int]:
    """Motion (+ faces with ``options``) in one pass: × real time, the CPU seconds (all threads of this
    process) it took per second of video, and the faces found. On a shared machine the first varies with the
    other load; two free cores cannot do better than 2 / the second."""
    start, cpu = time.perf_counter(), time.process_time()
    found = 0
    if options is None:
        analyze_motion(clip)
    else:
        with FaceConsumer(options) as consumer:
            analyze_motion(clip, extra_consumers=(consumer,))
        found = sum(len(sample.faces) for sample in consumer.result.samples)
    elapsed, cpu = time.perf_counter() - start, time.process_time() - cpu
    return seconds / elapsed, cpu / seconds, found


def detectors_on_pictures(reference: Path) -> None:
    """The table: each detector and width on the pictures of TRUTH."""
    images = pictures(reference)
    crowd = [image for name, image in images.items() if name.startswith("crowd")]
    frames = {
        "720p": [cv2.resize(f, (1280, 720), interpolation=cv2.INTER_AREA) for f in crowd],
        "1080p": crowd,
    }
    detectors: list[tuple[str, FaceDetector, list[int]]] = [
        ("yunet", YuNetDetector(), [480, 640, 960, 1280]),
        ("haar", HaarDetector(), [640, 960]),
    ]
    if mtcnn_available():
        detectors.append(("mtcnn", MtcnnDetector(), [640, 960]))
    print(
        "| detector | width | frontal ≥ 40 px found | all faces found | false boxes | ms/frame 720p | ms/frame 1080p |"
    )
    print("|---|---|---|---|---|---|---|")
    for name, detector, widths in detectors:
        for width in widths:
            c = score(detector, images, width)
            times = [ms_per_frame(detector, frames[size], width) for size in ("720p", "1080p")]
            print(
                f"| {name} | {width} | {c['frontal40_found']}/{c['frontal40']} "
                f"({c['frontal40_found'] / c['frontal40']:.0%}) | {c['found']}/{c['faces']} | "
                f"{c['false']}/{c['boxes']} ({c['false'] / max(1, c['boxes']):.0%}) | "
                f"{times[0]:.1f} | {times[1]:.1f} |",
                flush=True,
            )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reference", type=Path, default=ROOT.parent / "shared" / "reference" / "real")
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument("--no-pass", action="store_true")
    parser.add_argument("--pass-only", action="store_true")
    args = parser.parse_args()
    cv2.setNumThreads(1)
    if not args.pass_only:
        detectors_on_pictures(args.reference)
    if args.no_pass:
        return
    with tempfile.TemporaryDirectory() as folder:
        clip = make_clip(args.reference, args.seconds, Path(folder))
        print(f"\nmotion + faces in one pass, {args.seconds:g} s of 720p, 2 samples/s:")
        for kind, width in ((None, 0), ("yunet", 640), ("yunet", 480), ("haar", 640)):
            options = FaceOptions(detector=kind, width=width) if kind else None
            speed, cpu, found = whole_pass(clip, args.seconds, options)
            what = f"motion + faces ({kind}, {width} px, {found} faces)" if kind else "motion alone"
            print(
                f"  {what}: {speed:.1f}× real time; {cpu:.3f} CPU s per video s, "
                f"so at most {2 / cpu:.1f}× on two free cores",
                flush=True,
            )


if __name__ == "__main__":
    main()
