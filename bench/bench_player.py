"""Benchmarks of the player's frame source (analysis/frames.py). Generates its own media in bench/out/.

    .venv/bin/python bench/bench_player.py [--minutes 60] [--camera-minutes 5] [--seeks 50] [--steps 500]

Two generated 1280×720 25 fps H.264 videos with a keyframe every 4 s, each frame's index drawn in big
black/white blocks so every frame measured is also checked for exactness:
  * ``simple``: a square moving over a still textured background, x264 ultrafast (no B-frames, no CABAC,
    no deblocking), ``--minutes`` long. Generating the hour takes about 3 minutes; it is cached.
  * ``camera``: a panning textured scene with sensor-like grain, x264 veryfast (B-frames, CABAC,
    deblocking), ``--camera-minutes`` long: it decodes 2–3× slower, closer to filmed footage.
Measured with FrameSource at the source width (1280) and at a display width of 960:
  * open + first frame, cold, in a fresh subprocess;
  * exact seek to a random time (median, 90th percentile), against the usual exact-seek snippet (fresh
    container, seek, decode forward) and a plain ``container.seek`` + first frame (fast, inexact);
  * step +1 (sequential); step −1 within the cache; step −1 across a keyframe right after a seek (the
    worst case: a whole group of pictures is decoded); a run of 200 steps −1;
  * the file's decode-only throughput (the ceiling of the sequential path), frame threading against
    the default, and one demux pass (what a variable-frame-rate file costs at open).
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from fractions import Fraction
from pathlib import Path

import av
import numpy as np
from scipy.ndimage import gaussian_filter

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from analysis import frames  # noqa: E402
from analysis.frames import FrameSource  # noqa: E402

OUT = ROOT / "bench" / "out"
FPS = 25
GOP = 4 * FPS
WIDTH, HEIGHT = 1280, 720
BITS = 17
"""Index bits drawn on each frame: 2**17 frames last more than 87 minutes at 25 fps."""
BLOCK = 64
STYLES = {
    "simple": {"preset": "ultrafast", "name": "player-{minutes}min-720p-gop4s.mp4"},
    "camera": {"preset": "veryfast", "name": "player-camera-{minutes}min-720p-gop4s.mp4"},
}


def draw_index(y: np.ndarray, index: int) -> None:
    """Write ``index`` in binary as a row of 64 px blocks (white 1, black 0) at the top of a Y plane."""
    for bit in range(BITS):
        y[16 : 16 + BLOCK, 16 + bit * BLOCK : 16 + (bit + 1) * BLOCK] = 235 if index >> bit & 1 else 16


def read_index(image: np.ndarray) -> int:
    """The index :func:`draw_index` wrote, read back from an RGB frame at any output size."""
    scale = image.shape[1] / WIDTH
    row = int((16 + BLOCK / 2) * scale)
    value = 0
    for bit in range(BITS):
        column = int((16 + (bit + 0.5) * BLOCK) * scale)
        value |= int(image[row, column].mean() > 128) << bit
    return value


def simple_luma() -> Callable[[int], np.ndarray]:
    """A light square moving at 160 px/s over a still textured background."""
    rng = np.random.default_rng(3)
    background = (40 + rng.integers(0, 30, (HEIGHT, WIDTH))).astype(np.uint8)
    side = 120
    travel = WIDTH - side

    def luma(index: int) -> np.ndarray:
        y = background.copy()
        x = (index * 160 // FPS) % (2 * travel)
        x = x if x < travel else 2 * travel - x
        top = (HEIGHT - side) // 2
        y[top : top + side, x : x + side] = 200
        return y

    return luma


def camera_luma() -> Callable[[int], np.ndarray]:
    """A smooth multi-scale texture panning 3 px per frame and bobbing, plus grain that changes every frame."""
    rng = np.random.default_rng(5)
    scene = np.zeros((HEIGHT + 200, 3 * WIDTH), np.float32)
    for sigma, amplitude in ((24, 35), (6, 20), (1.5, 10)):
        layer = gaussian_filter(rng.standard_normal(scene.shape).astype(np.float32), sigma)
        scene += layer / layer.std() * amplitude
    scene = np.clip(110 + scene, 16, 235).astype(np.int16)
    grain = [np.round(rng.standard_normal((HEIGHT, WIDTH)) * 3).astype(np.int16) for _ in range(7)]

    def luma(index: int) -> np.ndarray:
        x = index * 3 % (2 * WIDTH)
        y = int(100 + 90 * np.sin(index / 50))
        return np.clip(scene[y : y + HEIGHT, x : x + WIDTH] + grain[index % 7], 0, 255).astype(np.uint8)

    return luma


def video(style: str, minutes: int) -> Path:
    """The benchmark video, generated (and cached in bench/out/) when missing."""
    path = OUT / STYLES[style]["name"].format(minutes=minutes)
    if path.exists():
        return path
    OUT.mkdir(parents=True, exist_ok=True)
    print(f"generating {path.name} …", file=sys.stderr)
    start = time.perf_counter()
    luma = (simple_luma if style == "simple" else camera_luma)()
    chroma = np.full((HEIGHT // 2, WIDTH), 128, np.uint8)
    partial = path.with_suffix(".partial.mp4")
    with av.open(str(partial), "w") as container:
        stream = container.add_stream("libx264", rate=FPS)
        stream.width, stream.height, stream.pix_fmt = WIDTH, HEIGHT, "yuv420p"
        stream.options = {"preset": STYLES[style]["preset"], "g": str(GOP), "keyint_min": str(GOP), "sc_threshold": "0"}
        for index in range(minutes * 60 * FPS):
            y = luma(index)
            draw_index(y, index)
            frame = av.VideoFrame.from_ndarray(np.vstack((y, chroma)), format="yuv420p")
            frame.pts = index
            frame.time_base = Fraction(1, FPS)
            container.mux(stream.encode(frame))
        container.mux(stream.encode(None))
    partial.replace(path)
    print(f"generated {path.name} in {time.perf_counter() - start:.0f} s", file=sys.stderr)
    return path


OPEN_CHILD = r"""
import json, sys, time
start = time.perf_counter()
from analysis.frames import FrameSource
imported = time.perf_counter()
source = FrameSource(sys.argv[1], max_width=int(sys.argv[2]))
frame = source.frame_at_index(0)
done = time.perf_counter()
print(json.dumps({"import_s": imported - start, "open_first_s": done - imported}))
"""


def open_cold(path: Path, width: int) -> dict:
    """Open + first frame in a fresh interpreter (the import of PyAV and numpy timed apart)."""
    child = subprocess.run(
        [sys.executable, "-c", OPEN_CHILD, str(path), str(width)], capture_output=True, text=True, cwd=ROOT, check=True
    )
    return json.loads(child.stdout)


def timed_ms(function: Callable[[], object]) -> tuple[float, object]:
    start = time.perf_counter()
    result = function()
    return (time.perf_counter() - start) * 1000, result


def p90(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(0.9 * (len(ordered) - 1)))]


def naive_exact_seek(path: Path, target_ms: int, width: int, height: int) -> np.ndarray:
    """The usual snippet: fresh container, seek, decode forward to the last frame at or before the target."""
    with av.open(str(path)) as container:
        stream = container.streams.video[0]
        target = round(Fraction(target_ms, 1000) / stream.time_base)
        container.seek(target, stream=stream, backward=True)
        shown = None
        for frame in container.decode(stream):
            if shown is not None and frame.pts > target:
                break
            shown = frame
        return shown.to_ndarray(width=width, height=height, format="rgb24")


def plain_seek(container: av.container.InputContainer, target_ms: int, width: int, height: int) -> np.ndarray:
    """``container.seek`` and the first frame out: fast, but it shows the keyframe, not the target."""
    stream = container.streams.video[0]
    container.seek(round(Fraction(target_ms, 1000) / stream.time_base), stream=stream, backward=True)
    return next(container.decode(stream)).to_ndarray(width=width, height=height, format="rgb24")


def bench_seeks(path: Path, width: int, seeks: int) -> dict:
    """FrameSource's exact seeks against the naive exact seek and the plain inexact seek, same targets."""
    wrong = {"ours": 0, "naive": 0, "plain": 0}
    with FrameSource(path, max_width=width) as source:
        rng = random.Random(11)
        targets = [rng.randrange(source.duration_ms) for _ in range(seeks)]
        expected = [source.index_at_time(ms) for ms in targets]
        ours, naive, plain = [], [], []
        for target, index in zip(targets, expected, strict=True):
            elapsed, frame = timed_ms(lambda target=target: source.frame_at_time(target))
            ours.append(elapsed)
            wrong["ours"] += read_index(frame.image) != index
            elapsed, image = timed_ms(lambda target=target: naive_exact_seek(path, target, source.width, source.height))
            naive.append(elapsed)
            wrong["naive"] += read_index(image) != index
        with av.open(str(path)) as container:
            for target, index in zip(targets, expected, strict=True):
                elapsed, image = timed_ms(
                    lambda target=target: plain_seek(container, target, source.width, source.height)
                )
                plain.append(elapsed)
                wrong["plain"] += read_index(image) != index
    return {
        "median_ms": statistics.median(ours),
        "p90_ms": p90(ours),
        "naive_median_ms": statistics.median(naive),
        "naive_p90_ms": p90(naive),
        "plain_median_ms": statistics.median(plain),
        "count": seeks,
        "wrong": wrong,
    }


def bench_steps(path: Path, width: int, steps: int) -> dict:
    """Steps forward, back within the cache, back across a keyframe just after a seek, and a backward run."""
    wrong = 0
    rng = random.Random(12)

    def check(index: int) -> float:
        nonlocal wrong
        elapsed, frame = timed_ms(lambda: source.frame_at_index(index))
        wrong += read_index(frame.image) != index
        return elapsed

    with FrameSource(path, max_width=width) as source:
        start = rng.randrange(source.frame_count - steps - 1)
        source.frame_at_index(start)
        forward = [check(index) for index in range(start + 1, start + 1 + steps)]
        last = start + steps
        back_cached = [check(index) for index in range(last - 1, last - 21, -1)]
        across = []
        for _ in range(20):
            keyframe = rng.randrange(1, source.frame_count // GOP) * GOP
            source.frame_at_index(keyframe)
            across.append(check(keyframe - 1))
        top = rng.randrange(300, source.frame_count)
        source.frame_at_index(top)
        run = [check(index) for index in range(top - 1, top - 201, -1)]
    return {
        "forward_median_ms": statistics.median(forward),
        "forward_p90_ms": p90(forward),
        "back_cached_median_ms": statistics.median(back_cached),
        "back_across_keyframe_median_ms": statistics.median(across),
        "back_run_median_ms": statistics.median(run),
        "back_run_max_ms": max(run),
        "wrong": wrong,
    }


def bench_threads(path: Path, seeks: int) -> dict:
    """Frame threading ("AUTO") against the default for FrameSource's seeks and steps: alternated, twice each."""
    default = frames.DECODER_THREAD_TYPE
    runs: dict[str, list[tuple[float, float, int]]] = {"AUTO": [], default: []}
    try:
        for _ in range(2):
            for thread_type, results in runs.items():
                frames.DECODER_THREAD_TYPE = thread_type
                seek_ms, seek_wrong = seek_median(path, seeks)
                step = bench_steps(path, WIDTH, 200)
                results.append((seek_ms, step["forward_median_ms"], seek_wrong + step["wrong"]))
    finally:
        frames.DECODER_THREAD_TYPE = default
    return {
        thread_type: {
            "seek_median_ms": statistics.median(run[0] for run in results),
            "step_median_ms": statistics.median(run[1] for run in results),
            "wrong": sum(run[2] for run in results),
        }
        for thread_type, results in runs.items()
    }


def seek_median(path: Path, seeks: int) -> tuple[float, int]:
    """Median time of FrameSource's exact seeks alone at the source width, and the count of wrong frames."""
    wrong, times = 0, []
    with FrameSource(path) as source:
        rng = random.Random(13)
        for _ in range(seeks):
            target = rng.randrange(source.duration_ms)
            elapsed, frame = timed_ms(lambda target=target: source.frame_at_time(target))
            times.append(elapsed)
            wrong += read_index(frame.image) != source.index_at_time(target)
    return statistics.median(times), wrong


def decode_only(path: Path, thread_type: str, seconds: float = 15.0) -> float:
    """Frames per second of a plain PyAV decode from the start (no conversion), for up to ``seconds``."""
    with av.open(str(path)) as container:
        stream = container.streams.video[0]
        stream.codec_context.thread_type = thread_type
        count = 0
        start = time.perf_counter()
        for _ in container.decode(stream):
            count += 1
            if count % 100 == 0 and time.perf_counter() - start > seconds:
                break
        return count / (time.perf_counter() - start)


def demux_only(path: Path) -> tuple[float, int]:
    """Seconds to demux every video packet once (the variable-frame-rate table's cost), and the count."""
    with av.open(str(path)) as container:
        start = time.perf_counter()
        packets = sum(1 for packet in container.demux(container.streams.video[0]) if packet.size)
        return time.perf_counter() - start, packets


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--minutes", type=int, default=60, help="length of the simple video (default 60)")
    parser.add_argument("--camera-minutes", type=int, default=5, help="length of the camera-like video (default 5)")
    parser.add_argument("--seeks", type=int, default=50, help="random seek targets (default 50)")
    parser.add_argument("--steps", type=int, default=500, help="forward steps (default 500)")
    args = parser.parse_args()

    results: dict[str, dict] = {}
    rows: list[tuple[str, str, str, str]] = []
    for style, minutes in (("simple", args.minutes), ("camera", args.camera_minutes)):
        path = video(style, minutes)
        label = f"{style} {minutes} min"
        size_mb = path.stat().st_size / 1e6
        fps = {thread_type: decode_only(path, thread_type) for thread_type in (frames.DECODER_THREAD_TYPE, "AUTO")}
        demux_s, packets = demux_only(path)
        print(
            f"[{label}, {size_mb:.0f} MB] decode only (no conversion): {fps[frames.DECODER_THREAD_TYPE]:.0f} fps "
            f"with {frames.DECODER_THREAD_TYPE} threading, {fps['AUTO']:.0f} fps with AUTO (frame) threading; "
            f"demux of all {packets} packets (the variable-rate table's cost at open): {demux_s:.2f} s"
        )
        results[style] = {"minutes": minutes, "size_mb": size_mb, "decode_fps": fps, "demux_s": demux_s}
        rows.append((label, "decode only (baseline for +1 steps)", "—", f"{fps[frames.DECODER_THREAD_TYPE]:.0f} fps"))
        for width in (WIDTH, 960):
            cold = open_cold(path, width)
            seek = bench_seeks(path, width, args.seeks)
            step = bench_steps(path, width, args.steps)
            results[style][str(width)] = {"cold": cold, "seek": seek, "step": step}
            where = f"[{label}, width {width}]"
            print(
                f"{where} open + first frame, cold subprocess: {cold['open_first_s'] * 1000:.0f} ms "
                f"(+ {cold['import_s'] * 1000:.0f} ms importing)"
            )
            print(
                f"{where} exact seek to a random time ({seek['count']}): median {seek['median_ms']:.1f} ms, "
                f"p90 {seek['p90_ms']:.1f} ms; naive exact seek (fresh container): median "
                f"{seek['naive_median_ms']:.1f} ms, p90 {seek['naive_p90_ms']:.1f} ms → ours "
                f"{seek['naive_median_ms'] / seek['median_ms']:.1f}× faster; plain container.seek + first frame: "
                f"{seek['plain_median_ms']:.1f} ms but {seek['wrong']['plain']}/{seek['count']} wrong frames "
                f"(ours {seek['wrong']['ours']}, naive {seek['wrong']['naive']})"
            )
            print(
                f"{where} step +1: median {step['forward_median_ms']:.2f} ms, p90 {step['forward_p90_ms']:.2f} ms "
                f"({1000 / step['forward_median_ms']:.0f} steps/s = "
                f"{1000 / step['forward_median_ms'] / fps[frames.DECODER_THREAD_TYPE]:.2f}× decode-only); "
                f"step −1 cached: {step['back_cached_median_ms']:.2f} ms; step −1 across a keyframe just after a "
                f"seek: {step['back_across_keyframe_median_ms']:.1f} ms; 200 steps −1: median "
                f"{step['back_run_median_ms']:.2f} ms, max {step['back_run_max_ms']:.1f} ms; "
                f"wrong frames: {step['wrong']}"
            )
            rows += [
                (label, f"open + first frame, cold, width {width}", "≤ 1 s", f"{cold['open_first_s'] * 1000:.0f} ms"),
                (
                    label,
                    f"exact seek, width {width}: median / p90",
                    "≤ 150 ms",
                    f"{seek['median_ms']:.0f} / {seek['p90_ms']:.0f} ms (naive exact {seek['naive_median_ms']:.0f} / "
                    f"{seek['naive_p90_ms']:.0f} ms: {seek['naive_median_ms'] / seek['median_ms']:.1f}×)",
                ),
                (
                    label,
                    f"step +1, width {width}: median",
                    "≤ 20 ms",
                    f"{step['forward_median_ms']:.2f} ms",
                ),
                (
                    label,
                    f"step −1, width {width}: cached / across a keyframe after a seek / run of 200 (median, max)",
                    "—",
                    f"{step['back_cached_median_ms']:.2f} / {step['back_across_keyframe_median_ms']:.0f} / "
                    f"{step['back_run_median_ms']:.2f}, {step['back_run_max_ms']:.0f} ms",
                ),
            ]
        threads = bench_threads(path, args.seeks)
        results[style]["threads"] = threads
        auto, default = threads["AUTO"], threads[frames.DECODER_THREAD_TYPE]
        print(
            f"[{label}] threading, FrameSource at 1280: {frames.DECODER_THREAD_TYPE} seek median "
            f"{default['seek_median_ms']:.1f} ms, step {default['step_median_ms']:.2f} ms; AUTO seek "
            f"{auto['seek_median_ms']:.1f} ms, step {auto['step_median_ms']:.2f} ms (AUTO/default "
            f"{auto['seek_median_ms'] / default['seek_median_ms']:.2f}, "
            f"{auto['step_median_ms'] / default['step_median_ms']:.2f}); wrong frames: AUTO {auto['wrong']}, "
            f"{frames.DECODER_THREAD_TYPE} {default['wrong']}"
        )
        rows.append(
            (
                label,
                "frame threading (AUTO) / default: seek, step",
                "keep AUTO only if < 1",
                f"{auto['seek_median_ms'] / default['seek_median_ms']:.2f}, "
                f"{auto['step_median_ms'] / default['step_median_ms']:.2f}",
            )
        )
    print()
    print("| video | measurement | target | result |")
    print("|---|---|---|---|")
    for row in rows:
        print("| " + " | ".join(row) + " |")
    (OUT / "player-results.json").write_text(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
