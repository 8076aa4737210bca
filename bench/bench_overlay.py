"""Benchmark of the flow overlays (analysis/flow_render.py, app/gui/flow_overlay.py) against the target: the
overlay of the frame on screen in at most 50 ms at 720p. Generates its own media in bench/out/.

    QT_QPA_PLATFORM=offscreen .venv/bin/python bench/bench_overlay.py [--seconds 20] [--pairs 499]

The clip: 1280×720, 25 fps, H.264 (app.demo.synth.write_media), a still textured background and a textured
disc travelling an ellipse at 150–450 px/s (40–110 reference px/s, the speed of a gesture). For each frame
pair i → i+1, each stage on its own:
  * fetching frame i+1 from a FrameSource right after frame i (what the overlay worker does during playback),
    at the analysis width (320, the worker's source) and at the display width (1280, the player's);
  * the flow of the grey pair: DIS at 320 and 640 px wide, Farneback at 320;
  * heatmap (coloured at 720p) + blend with the 720p frame; arrows on the 720p frame (spacing 16 and 8);
  * compute_overlay on the two 720p frames (grey conversion, flow at 320, heatmap, blend, arrows);
  * the worker's whole step: fetch at 320 + flow + the RGBA layer at 720p (heatmap and arrows);
  * the arrows' worst case, the whole frame panning (a synthetic flow), at spacing 8 and 16;
  * painting that layer over a 960×540 frame rectangle with QPainter (the GUI thread's share).
Then the real controller, fed one frame every 40 ms as playback does: time from on_frame to overlay_ready
and the share of frames whose own overlay arrived.

Timings are printed (mean, p95, max in ms) and written to bench/out/overlay-results.json; nothing is
asserted: the machine is noisy.
"""

from __future__ import annotations

import argparse
import json
import math
import statistics
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import cv2
import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from analysis.flow_render import (  # noqa: E402
    HEATMAP_MAX_PX_S,
    analysis_gray,
    blend,
    compute_overlay,
    draw_vectors,
    magnitude_heatmap,
    overlay_layer,
    pair_flow,
)
from analysis.frames import FrameSource  # noqa: E402
from analysis.motion import FlowEngine, FlowMethod  # noqa: E402
from app.demo.synth import write_media  # noqa: E402

OUT = ROOT / "bench" / "out"
WIDTH, HEIGHT, FPS = 1280, 720, 25
TARGET_MS = 50.0
KINDS = frozenset({"heatmap", "vectors"})


def textured_frames(seconds: float) -> Iterator[np.ndarray]:
    """A blurred-noise background and a disc with its own texture moving on an ellipse at varying speed."""
    rng = np.random.default_rng(11)
    background = cv2.GaussianBlur(rng.integers(0, 256, (HEIGHT, WIDTH, 3), dtype=np.uint8), (0, 0), 3)
    background = cv2.addWeighted(background, 0.6, np.full_like(background, (60, 70, 90)), 0.4, 0)
    radius = 110
    disc_texture = cv2.GaussianBlur(rng.integers(0, 256, (2 * radius, 2 * radius, 3), dtype=np.uint8), (0, 0), 2)
    disc_texture = cv2.addWeighted(disc_texture, 0.7, np.full_like(disc_texture, (230, 170, 60)), 0.3, 0)
    mask = np.zeros((2 * radius, 2 * radius), np.uint8)
    cv2.circle(mask, (radius, radius), radius - 1, 255, -1, cv2.LINE_AA)
    alpha = (mask.astype(np.float32) / 255)[..., None]
    angle = 0.0
    for index in range(round(seconds * FPS)):
        t = index / FPS
        angle += (0.45 + 0.3 * math.sin(2 * math.pi * t / 7)) * 2 * math.pi / FPS / 2.2
        cx = WIDTH / 2 + 380 * math.cos(angle)
        cy = HEIGHT / 2 + 170 * math.sin(angle)
        x0, y0 = round(cx) - radius, round(cy) - radius
        frame = background.copy()
        region = frame[y0 : y0 + 2 * radius, x0 : x0 + 2 * radius].astype(np.float32)
        frame[y0 : y0 + 2 * radius, x0 : x0 + 2 * radius] = (region * (1 - alpha) + disc_texture * alpha).astype(
            np.uint8
        )
        yield frame


def clip(seconds: float) -> Path:
    path = OUT / f"overlay-{seconds:g}s-720p.mp4"
    if not path.exists():
        OUT.mkdir(parents=True, exist_ok=True)
        started = time.perf_counter()
        write_media(
            path,
            None,
            duration_ms=round(seconds * 1000),
            video_size=(WIDTH, HEIGHT),
            fps=FPS,
            frames=textured_frames(seconds),
        )
        print(f"generated {path.name} in {time.perf_counter() - started:.1f} s", file=sys.stderr)
    return path


def summary(values: list[float]) -> dict[str, float]:
    ordered = sorted(values)
    return {
        "mean": statistics.fmean(ordered),
        "p95": ordered[min(len(ordered) - 1, math.ceil(0.95 * len(ordered)) - 1)],
        "max": ordered[-1],
        "n": len(ordered),
    }


def timed(function: Callable[[], object]) -> tuple[float, object]:
    started = time.perf_counter()
    result = function()
    return (time.perf_counter() - started) * 1000, result


def bench_stages(path: Path, pairs: int) -> dict[str, dict[str, float]]:
    """Each stage on every pair i → i+1, i = 0 … pairs − 1."""
    times: dict[str, list[float]] = {}

    def add(name: str, ms: float) -> None:
        times.setdefault(name, []).append(ms)

    dis, farneback = FlowEngine(FlowMethod.DIS), FlowEngine(FlowMethod.FARNEBACK)
    worker_engine = FlowEngine(FlowMethod.DIS)
    with (
        FrameSource(path) as full,
        FrameSource(path, max_width=320, cache_frames=8) as small,
        FrameSource(path, max_width=320, cache_frames=8) as worker_source,
    ):
        pairs = min(pairs, full.frame_count - 1)
        previous_full = full.frame_at_index(0)
        small.frame_at_index(0)
        for i in range(pairs):
            ms, current_full = timed(lambda i=i: full.frame_at_index(i + 1))
            add("fetch next frame, sequential, 1280 px (player's source)", ms)
            ms, _ = timed(lambda i=i: small.frame_at_index(i + 1))
            add("fetch next frame, sequential, 320 px (overlay worker's source)", ms)
            first, second = previous_full.image, current_full.image
            gray = {w: (analysis_gray(first, w), analysis_gray(second, w)) for w in (320, 640)}
            ms, flow = timed(lambda g=gray: dis.flow(*g[320]))
            add("flow DIS, 320 px", ms)
            ms, _ = timed(lambda g=gray: dis.flow(*g[640]))
            add("flow DIS, 640 px", ms)
            ms, _ = timed(lambda g=gray: farneback.flow(*g[320]))
            add("flow Farneback, 320 px", ms)
            ms, _ = timed(
                lambda f=flow, im=first: blend(
                    im, magnitude_heatmap(f, HEATMAP_MAX_PX_S, 1000 / FPS, (WIDTH, HEIGHT)), 0.5
                )
            )
            add("heatmap + blend, 720p", ms)
            ms, _ = timed(lambda f=flow, im=first: draw_vectors(im, f, 16))
            add("vectors, 720p, spacing 16", ms)
            ms, _ = timed(lambda f=flow, im=first: draw_vectors(im, f, 8))
            add("vectors, 720p, spacing 8", ms)
            ms, _ = timed(lambda a=first, b=second: compute_overlay(a, b, KINDS, 0.5, 16, dis))
            add("compute_overlay (720p pair, both overlays, spacing 16)", ms)

            def worker_step(i: int = i) -> np.ndarray:
                a, b = worker_source.frame_at_index(i), worker_source.frame_at_index(i + 1)
                flow = pair_flow(a.image, b.image, worker_engine)
                return overlay_layer((WIDTH, HEIGHT), flow, KINDS, 0.5, 16, HEATMAP_MAX_PX_S, 1000 / FPS)

            ms, _ = timed(worker_step)
            add("worker step: fetch 320 + flow + RGBA layer 720p (the overlay on screen)", ms)
            previous_full = current_full
    return {name: summary(values) for name, values in times.items()}


def bench_pan(repeats: int) -> dict[str, dict[str, float]]:
    """The arrows' worst case: the whole frame moving (a camera pan at 100 reference px/s), RGBA layer at 720p
    with both overlays, at the smallest spacing and the default one."""
    flow = np.zeros((180, 320, 2), np.float32)
    flow[...] = (3.6, 1.2)
    out = {}
    for spacing in (8, 16):
        values = [
            timed(lambda s=spacing: overlay_layer((WIDTH, HEIGHT), flow, KINDS, 0.5, s))[0] for _ in range(repeats)
        ]
        arrows = (WIDTH // spacing) * (HEIGHT // spacing)
        out[f"RGBA layer 720p, whole frame panning, spacing {spacing} ({arrows} arrows)"] = summary(values)
    return out


def bench_paint(path: Path, repeats: int) -> dict[str, float]:
    """QPainter drawing the 720p RGBA layer over a 960×540 rectangle, as VideoView.paintEvent does."""
    from PySide6.QtCore import QRectF
    from PySide6.QtGui import QImage, QPainter

    with FrameSource(path, max_width=320) as source:
        a, b = source.frame_at_index(100), source.frame_at_index(101)
    layer = overlay_layer((WIDTH, HEIGHT), pair_flow(a.image, b.image, FlowEngine()), KINDS, 0.5, 16)
    image = QImage(layer.data, WIDTH, HEIGHT, 4 * WIDTH, QImage.Format.Format_RGBA8888_Premultiplied)
    target = QImage(1000, 600, QImage.Format.Format_RGB32)
    values = []
    for _ in range(repeats):
        painter = QPainter(target)
        painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform)
        started = time.perf_counter()
        painter.drawImage(QRectF(20, 30, 960, 540), image)
        values.append((time.perf_counter() - started) * 1000)
        painter.end()
    return summary(values)


def bench_controller(path: Path, frames: int) -> dict[str, float]:
    """The controller fed one frame every 40 ms by a timer (frames decoded beforehand), the GUI thread idle
    in its event loop in between, as during playback: on_frame → overlay_ready."""
    from PySide6.QtCore import QEventLoop, Qt, QTimer
    from PySide6.QtWidgets import QApplication

    from app.gui.flow_overlay import FlowOverlayController

    QApplication.instance() or QApplication([])
    with FrameSource(path) as source:
        shown = [source.frame_at_index(i) for i in range(min(frames, source.frame_count))]
    controller = FlowOverlayController()
    controller.set_video(path)
    controller.set_enabled(heatmap=True, vectors=True)
    sent: dict[int, float] = {}
    latencies: list[float] = []
    compute: list[float] = []
    loop = QEventLoop()

    def arrived(index: int, compute_ms: float) -> None:
        if index in sent:
            latencies.append((time.perf_counter() - sent[index]) * 1000)
            compute.append(compute_ms)
        if index == shown[-1].index or not sent:
            loop.quit()

    controller.overlay_ready.connect(arrived)
    controller.on_frame(shown[0])  # opens the worker's source: not timed
    QTimer.singleShot(10_000, loop.quit)
    loop.exec()
    upcoming = iter(shown[1:])
    timer = QTimer()
    timer.setTimerType(Qt.TimerType.PreciseTimer)
    timer.setInterval(1000 // FPS)

    def tick() -> None:
        frame = next(upcoming, None)
        if frame is None:
            timer.stop()
            QTimer.singleShot(2000, loop.quit)
            return
        sent[frame.index] = time.perf_counter()
        controller.on_frame(frame)

    timer.timeout.connect(tick)
    timer.start()
    loop.exec()
    controller.shutdown()
    result = {f"latency_{k}": v for k, v in summary(latencies).items()}
    result.update({f"compute_{k}": v for k, v in summary(compute).items()})
    result["frames_with_their_overlay"] = len(latencies) / (len(shown) - 1)
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seconds", type=float, default=20.0, help="length of the generated 720p clip")
    parser.add_argument("--pairs", type=int, default=499, help="frame pairs timed stage by stage")
    parser.add_argument("--paints", type=int, default=200)
    parser.add_argument("--playback-frames", type=int, default=250, help="frames fed to the controller at 25 fps")
    args = parser.parse_args()
    path = clip(args.seconds)
    stages = bench_stages(path, args.pairs)
    stages.update(bench_pan(50))
    paint = bench_paint(path, args.paints)
    playback = bench_controller(path, args.playback_frames)

    print(f"\n{path.name}: {WIDTH}×{HEIGHT}, {FPS} fps; per frame pair, ms (target for the overlay: ≤ {TARGET_MS:g})")
    print(f"{'stage':<74} {'mean':>7} {'p95':>7} {'max':>7}")
    for name, s in stages.items():
        print(f"{name:<74} {s['mean']:7.2f} {s['p95']:7.2f} {s['max']:7.2f}")
    print(
        f"{'GUI thread: paint the 720p layer over a 960×540 frame rect':<74} "
        f"{paint['mean']:7.2f} {paint['p95']:7.2f} {paint['max']:7.2f}"
    )
    step = stages["worker step: fetch 320 + flow + RGBA layer 720p (the overlay on screen)"]
    whole = stages["compute_overlay (720p pair, both overlays, spacing 16)"]
    for label, s in (("worker step", step), ("compute_overlay", whole)):
        verdict = "meets" if s["p95"] <= TARGET_MS else "MISSES"
        print(
            f"{label}: p95 {s['p95']:.1f} ms {verdict} the ≤ {TARGET_MS:g} ms target "
            f"({TARGET_MS / s['mean']:.1f}× headroom on the mean)"
        )
    print(
        f"controller during 25 fps playback: on_frame → overlay_ready mean {playback['latency_mean']:.1f} ms, "
        f"p95 {playback['latency_p95']:.1f}, max {playback['latency_max']:.1f}; worker compute mean "
        f"{playback['compute_mean']:.1f} ms; {100 * playback['frames_with_their_overlay']:.0f} % of frames got "
        "their own overlay"
    )
    (OUT / "overlay-results.json").write_text(
        json.dumps({"clip": path.name, "stages": stages, "paint": paint, "playback": playback}, indent=2)
    )


if __name__ == "__main__":
    main()
