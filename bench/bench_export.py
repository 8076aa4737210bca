"""Benchmarks of the exports (issue 5). Generates its own media in bench/out/.

    .venv/bin/python bench/bench_export.py [--minutes 20] [--labels 100] [--label-seconds 10]
    .venv/bin/python bench/bench_export.py --report-only --minutes 10 --size 640x360 --labels 1000 --label-seconds 1

Builds a 20-minute 1280×720 H.264 (2 s keyframe interval) + 48 kHz stereo AAC talk video (cached as
bench/out/export-20min-720p.mp4), analyses it into a new project, adds 100 labels of 10 s spread over it
and times, with labels only (so exactly 100 rows):
  * clips, exact (every clip re-encoded from the frame at its start) and stream copy (packets copied from
    the keyframe before the start): clips per second and the ratio between the two modes;
  * baseline in the same run: PyAV decoding the same 100 × 10 s of video without encoding anything;
  * the dataset export (WAVs, re-encoded MP4s, key frames, metadata) and the HTML report.

``--report-only`` times the report alone (issue 12 item 40: 1,000 observations), with the number of times the
video file was opened (``av.open`` calls on it); run it on two checkouts for a before/after.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

import av
import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from bench_audio import talk_chunks  # noqa: E402

from analysis.clips import X264_OPTIONS  # noqa: E402
from app.demo.synth import SCENE_RATE, Event, write_media  # noqa: E402
from app.export.clips import export_clips  # noqa: E402
from app.export.dataset import export_dataset  # noqa: E402
from app.export.report import export_report  # noqa: E402
from app.model.records import NewLabel  # noqa: E402
from app.pipelines.analyze import analyze_audio  # noqa: E402
from app.project.store import Store  # noqa: E402

OUT = ROOT / "bench" / "out"


def build_video(minutes: int, size: tuple[int, int] = (1280, 720)) -> Path:
    """The talk video with a square that moves for the whole length (the encoder sees motion everywhere)."""
    OUT.mkdir(parents=True, exist_ok=True)
    video = OUT / (f"export-{minutes}min-720p.mp4" if size == (1280, 720) else f"export-{minutes}min-{size[1]}p.mp4")
    if not video.exists():
        print(f"generating {video.name} …", file=sys.stderr)
        samples = np.concatenate(list(talk_chunks(minutes * 60, seed=5)))[: minutes * 60 * SCENE_RATE]
        partial = video.with_name(f"{video.stem}.partial.mp4")
        write_media(partial, samples, video_size=size, motion=[Event("motion", 0, minutes * 60_000)])
        partial.rename(video)
    return video


def add_labels(project: Path, count: int, seconds: int) -> list[tuple[int, int]]:
    """``count`` labels of ``seconds`` each, evenly spread, alternating two values and two annotators."""
    with Store.open(project) as store:
        record = store.all_media()[0]
        vocabulary = {entry.name: entry.id for entry in store.vocabulary()}
        step = (record.info.duration_ms - seconds * 1000) // count
        spans = []
        for index in range(count):
            start = index * step
            value = vocabulary["irony" if index % 2 else "emphasis"]
            store.add_label(record.id, NewLabel(start, start + seconds * 1000, value, "selection"), f"A{index % 2}")
            spans.append((start, start + seconds * 1000))
    return spans


def decode_only(video: Path, spans: list[tuple[int, int]]) -> tuple[float, int]:
    """Seek to each span and decode its frames, nothing else: what any exact clip costs at least."""
    frames = 0
    start = time.perf_counter()
    with av.open(str(video)) as container:
        stream = container.streams.video[0]
        stream.codec_context.thread_type = "AUTO"
        for first, last in spans:
            container.seek(round(first / 1000 / stream.time_base), stream=stream, backward=True)
            for frame in container.decode(stream):
                if frame.time * 1000 >= last:
                    break
                frames += frame.time * 1000 >= first
    return time.perf_counter() - start, frames


def timed(function) -> tuple[float, object]:  # any zero-argument callable
    start = time.perf_counter()
    result = function()
    return time.perf_counter() - start, result


def report_only(video: Path, labels: int, seconds: int) -> None:
    """The report of ``labels`` labelled ranges: its time, and how often it opened the video file."""
    opened = []
    real_open = av.open

    def counting_open(file, *args, **kwargs):  # the same arguments as av.open
        if str(file) == str(video.resolve()) or str(file) == str(video):
            opened.append(1)
        return real_open(file, *args, **kwargs)

    with tempfile.TemporaryDirectory(dir=OUT) as folder:
        folder = Path(folder)
        project = folder / "bench.salient"
        analyze_audio(video, project)
        add_labels(project, labels, seconds)
        with Store.open(project) as store:
            av.open = counting_open
            try:
                report_s, report = timed(lambda: export_report(store, folder / "report", labels_only=True))
            finally:
                av.open = real_open
            observations = report.read_text(encoding="utf-8").count('class="observation')
    print(
        f"report of {labels} labelled ranges ({observations} observation blocks) on {video.name}: {report_s:.1f} s "
        f"= {report_s / labels * 1000:.0f} ms per observation; the video was opened {len(opened)} times"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--minutes", type=int, default=20, help="length of the video (default 20)")
    parser.add_argument("--labels", type=int, default=100, help="number of labels (default 100)")
    parser.add_argument("--label-seconds", type=int, default=10, help="length of each label (default 10)")
    parser.add_argument("--size", default="1280x720", help="frame size of the video (default 1280x720)")
    parser.add_argument("--report-only", action="store_true", help="time the report alone, counting video opens")
    args = parser.parse_args()
    size = tuple(int(side) for side in args.size.split("x"))
    if args.report_only:
        report_only(build_video(args.minutes, size), args.labels, args.label_seconds)
        return

    video = build_video(args.minutes, size)
    with tempfile.TemporaryDirectory(dir=OUT) as folder:
        folder = Path(folder)
        project = folder / "bench.salient"
        analyze_s, _ = timed(lambda: analyze_audio(video, project))
        spans = add_labels(project, args.labels, args.label_seconds)
        content_s = args.labels * args.label_seconds
        decode_s, decoded_frames = decode_only(video, spans)
        results: dict[str, dict[str, float]] = {}
        with Store.open(project) as store:
            for mode, options in (("exact", {}), ("stream copy", {"stream_copy": True})):
                seconds, written = timed(
                    lambda options=options, mode=mode: export_clips(
                        store, folder / mode.replace(" ", "-"), labels_only=True, **options
                    )
                )
                mp4 = [path for path in written if path.suffix == ".mp4"]
                results[mode] = {
                    "seconds": seconds,
                    "clips_per_s": args.labels / seconds,
                    "x_real_time": content_s / seconds,
                    "mp4_mib": sum(path.stat().st_size for path in mp4) / 2**20,
                }
            dataset_s, _ = timed(lambda: export_dataset(store, folder / "dataset", labels_only=True))
            report_s, report = timed(lambda: export_report(store, folder / "report", labels_only=True))
            report_mib = report.stat().st_size / 2**20

    exact, copy = results["exact"], results["stream copy"]
    ratio = copy["clips_per_s"] / exact["clips_per_s"]
    print(f"{args.minutes} min 1280×720 H.264 (GOP 2 s) + AAC; {args.labels} labels × {args.label_seconds} s")
    print(f"analyze (new project): {analyze_s:.1f} s")
    print(
        f"decode only, the same {content_s} s of video ({decoded_frames} frames): {decode_s:.1f} s = "
        f"{decoded_frames / decode_s:.0f} fps = {content_s / decode_s:.0f}× real time"
    )
    for mode, numbers in results.items():
        print(
            f"clips, {mode}: {numbers['seconds']:.1f} s = {numbers['clips_per_s']:.2f} clips/s = "
            f"{numbers['x_real_time']:.1f}× real time ({numbers['mp4_mib']:.0f} MiB of MP4)"
        )
    print(f"stream copy / exact: {ratio:.1f}× the clips per second")
    print(f"exact clips cost {exact['seconds'] / decode_s:.1f}× the decode alone (x264 {X264_OPTIONS})")
    print(f"dataset (WAV + MP4 + key frames + metadata): {dataset_s:.1f} s = {args.labels / dataset_s:.2f} rows/s")
    print(f"report ({args.labels} observations, {report_mib:.1f} MiB HTML): {report_s:.1f} s")
    print()
    print("| measurement | result | baseline in the same run |")
    print("|---|---|---|")
    print(
        f"| clips, exact (re-encode from the frame at the start) | **{exact['clips_per_s']:.2f} clips/s** "
        f"({exact['seconds']:.1f} s, {exact['x_real_time']:.1f}× real time) | PyAV decoding the same frames only: "
        f"{decode_s:.1f} s (exact takes {exact['seconds'] / decode_s:.1f}× as long) |"
    )
    print(
        f"| clips, stream copy (from the keyframe before) | **{copy['clips_per_s']:.2f} clips/s** "
        f"({copy['seconds']:.1f} s, {copy['x_real_time']:.1f}× real time) | **{ratio:.1f}×** the exact mode's rate |"
    )
    print(f"| dataset export, {args.labels} rows | **{dataset_s:.1f} s** | — |")
    print(f"| report, {args.labels} observations | **{report_s:.1f} s**, {report_mib:.1f} MiB | — |")
    (OUT / "export-results.json").write_text(
        json.dumps(
            {
                "analyze_s": analyze_s,
                "decode_only_s": decode_s,
                "clips": results,
                "ratio": ratio,
                "dataset_s": dataset_s,
                "report_s": report_s,
                "report_mib": report_mib,
            },
            indent=2,
        )
    )


if __name__ == "__main__":
    main()
