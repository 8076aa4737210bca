"""Shot changes (issue 14): what the pass finds on real and generated footage, and what the detectors cost.

    .venv/bin/python bench/bench_shots.py [--repeats 3]

Works in bench/out/shots/. From ../shared/reference/real/crowd_1080p.mp4 (4.2 s of people walking, no cut)
it makes, with the ffmpeg command line:
  * crowd_720p.mp4: the clip at 1280×720;
  * real_cut / real_fadeblack / real_fadewhite / real_dissolve: its first 2.1 s then its last 2.1 s mirrored,
    joined by a hard cut, or by a 1 s xfade (fadeblack, fadewhite, dissolve) starting at 1.1 s.
and the generated clips of tests/helpers/media.py (320×180). For each file it prints the shot changes found
and what was expected; for the 720p files it times, in the same run, the motion pass with the shot detectors
(analysis.shots.ShotConsumer) and without them (the motion consumer alone), best of ``--repeats``, and the
ShotConsumer's own time per frame.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import cv2  # noqa: E402

from analysis.motion import MotionConsumer, MotionOptions, analyze_motion  # noqa: E402
from analysis.shots import ShotConsumer  # noqa: E402
from analysis.video_pass import run_pass  # noqa: E402
from tests.helpers.media import write_transition_video  # noqa: E402

OUT = ROOT / "bench" / "out" / "shots"
CROWD = ROOT.parent / "shared" / "reference" / "real" / "crowd_1080p.mp4"
if not CROWD.exists():
    CROWD = Path("/work/shared/reference/real/crowd_1080p.mp4")
ENCODE = ["-c:v", "libx264", "-preset", "veryfast", "-pix_fmt", "yuv420p", "-an"]
EXPECTED = {
    "crowd_720p": "none",
    "real_cut": "cut at 2.12 s (first frame after 2.1 s)",
    "real_fadeblack": "fade ~1.1–2.1 s",
    "real_fadewhite": "fade ~1.1–2.1 s",
    "real_dissolve": "dissolve ~1.1–2.1 s",
    "gen_cut": "cut at 2.00 s",
    "gen_fade_black": "fade 1.96–4.36 s",
    "gen_fade_white": "fade 1.96–4.36 s",
    "gen_dissolve": "dissolve 1.96–3.00 s",
    "gen_pan": "pan ~2.0–3.0 s",
    "gen_static": "none",
}


def ffmpeg(*args: str) -> None:
    subprocess.run(["ffmpeg", "-y", "-loglevel", "error", *args], check=True)


def make_real(out: Path) -> dict[str, Path]:
    files = {"crowd_720p": out / "crowd_720p.mp4"}
    if not files["crowd_720p"].exists():
        ffmpeg("-i", str(CROWD), "-vf", "scale=1280:720", *ENCODE, str(files["crowd_720p"]))
    parts = "[0:v]trim=0:2.1,setpts=PTS-STARTPTS[a];[0:v]trim=2.1:4.2,setpts=PTS-STARTPTS,hflip[b];"
    for name, join in (
        ("real_cut", "[a][b]concat=n=2:v=1[v]"),
        ("real_fadeblack", "[a][b]xfade=transition=fadeblack:duration=1:offset=1.1[v]"),
        ("real_fadewhite", "[a][b]xfade=transition=fadewhite:duration=1:offset=1.1[v]"),
        ("real_dissolve", "[a][b]xfade=transition=dissolve:duration=1:offset=1.1[v]"),
    ):
        files[name] = out / f"{name}.mp4"
        if not files[name].exists():
            ffmpeg("-i", str(files["crowd_720p"]), "-filter_complex", parts + join, "-map", "[v]", *ENCODE,
                   str(files[name]))  # fmt: skip
    return files


class Timed:
    """A consumer whose consume() time is added up."""

    def __init__(self, inner) -> None:
        self.inner, self.seconds = inner, 0.0

    def wants(self, time_s: float) -> bool:
        return self.inner.wants(time_s)

    def consume(self, frame) -> None:
        start = time.perf_counter()
        self.inner.consume(frame)
        self.seconds += time.perf_counter() - start

    def finish(self):
        return self.inner.finish()


def timed_pass(path: Path, with_shots: bool) -> tuple[float, int, float]:
    """(wall seconds, frames, seconds inside ShotConsumer.consume) of one motion pass."""
    motion = MotionConsumer(MotionOptions())
    shots = Timed(ShotConsumer())
    threads = cv2.getNumThreads()
    cv2.setNumThreads(1)  # as analyze_motion does
    try:
        start = time.perf_counter()
        info = run_pass(path, (motion, shots) if with_shots else (motion,))
        wall = time.perf_counter() - start
    finally:
        motion.close()
        cv2.setNumThreads(threads)
    return wall, info.frames, shots.seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    OUT.mkdir(parents=True, exist_ok=True)
    files = make_real(OUT)
    for kind in ("cut", "fade_black", "fade_white", "dissolve", "pan", "static"):
        path = OUT / f"gen_{kind}.mp4"
        files[f"gen_{kind}"] = path if path.exists() else write_transition_video(path, kind)
    print("| file | expected | found |\n|---|---|---|")
    for name, path in files.items():
        shots = analyze_motion(path).shots
        found = ", ".join(f"{s.kind} {s.start_ms / 1000:.2f}–{s.end_ms / 1000:.2f} s" for s in shots) or "none"
        print(f"| {name} | {EXPECTED[name]} | {found} |")
    print("\n| 720p file | frames | motion pass alone, ms/frame | with shot detectors, ms/frame | "
          "ShotConsumer.consume, ms/frame |\n|---|---|---|---|---|")  # fmt: skip
    for name, path in files.items():
        if not name.startswith(("crowd", "real")):
            continue
        alone, both, inside = [], [], []
        for _ in range(args.repeats):
            wall, frames, _ = timed_pass(path, with_shots=False)
            alone.append(wall / frames)
            wall, frames, seconds = timed_pass(path, with_shots=True)
            both.append(wall / frames)
            inside.append(seconds / frames)
        print(f"| {name} | {frames} | {min(alone) * 1000:.2f} | {min(both) * 1000:.2f} | {min(inside) * 1000:.2f} |")


if __name__ == "__main__":
    main()
