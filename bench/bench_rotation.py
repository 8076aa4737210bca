"""What honouring a display matrix costs: the probe (it decodes a keyframe to read the rotation) and the frames.

Generates a 1920×1080 H.264 clip and the same clip stored turned (rotation −90, shown 1080×1920), then, each
alternated ``--rounds`` times and the median kept:

* ``media.probe`` with the rotation read, against the same probe with the read replaced by 0 (the baseline);
* FrameSource forward steps (decode + convert + turn) on the plain and the turned clip;
* a bare decode pass over both.

Usage: ``.venv/bin/python bench/bench_rotation.py [--seconds 4] [--rounds 7]``
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from analysis import media
from analysis.frames import FrameSource
from analysis.video_pass import run_pass
from app.demo.synth import write_media

SIZE = (1920, 1080)


def frames(count: int, size: tuple[int, int]):
    """Coarse RGB noise of ``size`` (width, height) sliding right 4 px a frame."""
    rng = np.random.default_rng(0)
    base = rng.integers(0, 256, (size[1] // 8, size[0] // 8, 3), dtype=np.uint8).repeat(8, 0).repeat(8, 1)
    for index in range(count):
        yield np.roll(base, 4 * index, axis=1)


def timed(call) -> float:
    start = time.perf_counter()
    call()
    return (time.perf_counter() - start) * 1000


def steps(path: Path, count: int) -> float:
    with FrameSource(path, cache_frames=1) as source:
        source.frame_at_index(0)
        start = time.perf_counter()
        for index in range(1, count):
            source.frame_at_index(index)
        return (time.perf_counter() - start) * 1000 / (count - 1)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=4.0)
    parser.add_argument("--rounds", type=int, default=7)
    args = parser.parse_args()
    count = round(args.seconds * 25)
    with tempfile.TemporaryDirectory() as folder:
        plain, turned = Path(folder) / "plain.mp4", Path(folder) / "turned.mp4"
        write_media(plain, None, duration_ms=count * 40, video_size=SIZE, frames=frames(count, SIZE))
        shown = SIZE[::-1]  # a phone held upright: 1080×1920 shown, stored 1920×1080 like the plain clip
        write_media(turned, None, duration_ms=count * 40, video_size=shown, frames=frames(count, shown), rotation=-90)
        assert media.probe(turned).video.rotation == 270
        read = media._rotation
        results: dict[str, list[float]] = {}
        for _ in range(args.rounds):
            for name, path in (("plain", plain), ("turned", turned)):
                results.setdefault(f"probe {name}", []).append(timed(lambda p=path: media.probe(p)))
                media._rotation = lambda container, stream: 0
                results.setdefault(f"probe {name} without the rotation read", []).append(
                    timed(lambda p=path: media.probe(p))
                )
                media._rotation = read
                results.setdefault(f"forward step {name} (ms/frame)", []).append(steps(path, min(count, 50)))
                results.setdefault(f"decode pass {name}", []).append(timed(lambda p=path: run_pass(p, [])))
        for name, values in results.items():
            print(f"{name}: {statistics.median(values):.1f} ms")


if __name__ == "__main__":
    main()
