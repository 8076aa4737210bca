"""Benchmarks of transcription (issue 5). Generates its own audio in bench/out/.

    .venv/bin/python bench/bench_transcribe.py [--minutes 10] [--long-hours 3] [--skip-long]

Prints, all measured in the same run with the bundled tiny.en (int8, CPU, beam 5, word timestamps, VAD):
  * real-time factors of faster-whisper called directly (model load + transcribe), sequential and batched,
    on a 10-minute talk of espeak-ng sentences with pauses;
  * the same through Salient's job path (child process, chunks, speech snapping, segments streamed back),
    and its overhead against the direct call;
  * peak memory of the transcribing process on the 10-minute file and on a 3-hour file (sparse speech,
    so the run stays short): flat memory means the two peaks are about the same.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
from scipy.signal import resample_poly

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from app.demo.synth import SCENE_RATE, espeak  # noqa: E402
from app.demo.video import SENTENCES  # noqa: E402

OUT = ROOT / "bench" / "out"
RATE = 16_000


def make_talk(path: Path, seconds: float, gap_s: tuple[float, float], seed: int = 1) -> Path:
    """Turns of three sentences separated by gaps drawn from ``gap_s``, written as 16 kHz float32 .npy."""
    if path.exists():
        return path
    rng = np.random.default_rng(seed)
    voices = [resample_poly(espeak(text, SCENE_RATE), RATE, SCENE_RATE).astype(np.float32) for text in SENTENCES]
    total = int(seconds * RATE)
    out = np.lib.format.open_memmap(path.with_suffix(".partial.npy"), mode="w+", dtype=np.float32, shape=(total,))
    position = 0
    while position < total:
        for i in rng.choice(len(voices), 3):
            piece = voices[i][: total - position]
            out[position : position + len(piece)] = piece * 0.5
            position += len(piece)
        gap = int(rng.uniform(*gap_s) * RATE)
        end = min(total, position + gap)
        out[position:end] = rng.standard_normal(end - position).astype(np.float32) * 0.0005
        position = end
    out.flush()
    del out
    path.with_suffix(".partial.npy").rename(path)
    return path


DIRECT = r"""
import json, resource, sys, time
import numpy as np
from faster_whisper import BatchedInferencePipeline, WhisperModel
from analysis.transcribe import bundled_model_path
import ctranslate2
audio = np.load(sys.argv[1])
batched = sys.argv[2] == "batched"
start = time.perf_counter()
ctranslate2.set_random_seed(0)  # as Salient does, so both runs decode the same way
model = WhisperModel(str(bundled_model_path()), device="cpu", compute_type="int8")
options = dict(beam_size=5, word_timestamps=True, vad_filter=True)
if batched:
    segments, info = BatchedInferencePipeline(model).transcribe(audio, batch_size=8, **options)
else:
    segments, info = model.transcribe(audio, **options)
texts = [" ".join(s.text.split()) for s in segments]
count = len(texts)
elapsed = time.perf_counter() - start
print(json.dumps({"elapsed_s": elapsed, "segments": count, "texts": texts,
                  "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
"""

SALIENT = r"""
import json, resource, sys, time
from analysis.transcribe import TranscribeOptions, transcribe_in_child
batched = sys.argv[2] == "batched"
texts = []
def on_segment(segment):
    texts.append(segment.text)
start = time.perf_counter()
transcribe_in_child(sys.argv[1], TranscribeOptions(batched=batched), on_segment=on_segment)
elapsed = time.perf_counter() - start
print(json.dumps({"elapsed_s": elapsed, "segments": len(texts), "texts": texts,
                  "peak_rss_mb": resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024}))
"""


def measure(script: str, audio: Path, mode: str) -> dict:
    done = subprocess.run(
        [sys.executable, "-c", script, str(audio), mode], capture_output=True, text=True, cwd=ROOT, check=True
    )
    return json.loads(done.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--minutes", type=float, default=10)
    parser.add_argument("--long-hours", type=float, default=3)
    parser.add_argument("--skip-long", action="store_true")
    parser.add_argument("--repeat", type=int, default=2, help="runs of each, alternated (the fastest counts)")
    args = parser.parse_args()
    OUT.mkdir(parents=True, exist_ok=True)
    seconds = args.minutes * 60
    talk = make_talk(OUT / f"talk-{args.minutes:g}min-16k.npy", seconds, (0.3, 2.0))
    print(f"audio: {seconds / 60:g} min of espeak-ng turns ({talk.name})")
    results = {}
    for mode in ("sequential", "batched"):
        # alternate the two, twice, and keep each one's faster run: the machine is shared and noisy
        runs = [(measure(DIRECT, talk, mode), measure(SALIENT, talk, mode)) for _ in range(args.repeat)]
        direct = min((r[0] for r in runs), key=lambda r: r["elapsed_s"])
        ours = min((r[1] for r in runs), key=lambda r: r["elapsed_s"])
        results[mode] = (direct, ours)
        overhead = ours["elapsed_s"] / direct["elapsed_s"] - 1
        print(
            f"{mode:>10}: faster-whisper direct {direct['elapsed_s']:.1f} s = {seconds / direct['elapsed_s']:.1f}x "
            f"real time ({direct['segments']} segments, peak {direct['peak_rss_mb']:.0f} MB) | Salient job path "
            f"{ours['elapsed_s']:.1f} s = {seconds / ours['elapsed_s']:.1f}x real time ({ours['segments']} "
            f"segments, child peak {ours['peak_rss_mb']:.0f} MB) | overhead {overhead * 100:+.1f} % | "
            f"same text: {direct['texts'] == ours['texts']}"
        )
    if not args.skip_long:
        long_s = args.long_hours * 3600
        start = time.perf_counter()
        long = make_talk(OUT / f"sparse-{args.long_hours:g}h-16k.npy", long_s, (40.0, 80.0), seed=2)
        made = time.perf_counter() - start
        print(f"long audio: {args.long_hours:g} h, speech about every minute (made in {made:.0f} s)")
        ours = measure(SALIENT, long, "sequential")
        short = results["sequential"][1]
        print(
            f"    memory: {args.long_hours:g} h file child peak {ours['peak_rss_mb']:.0f} MB vs {args.minutes:g} min "
            f"file {short['peak_rss_mb']:.0f} MB (ratio {ours['peak_rss_mb'] / short['peak_rss_mb']:.2f}); "
            f"{ours['segments']} segments in {ours['elapsed_s']:.0f} s ({long_s / ours['elapsed_s']:.0f}x real time)"
        )


if __name__ == "__main__":
    main()
