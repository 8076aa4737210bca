"""Benchmarks of the timeline (issue 3): waveform pyramid, redraw after zoom/pan, live k-slider updates.

    QT_QPA_PLATFORM=offscreen .venv/bin/python bench/bench_timeline.py [--minutes 60] [--hours 3]

Generates its own audio (speech-like noise at 16 kHz with pauses and a loud burst every third turn) and
caches the long version (copies of it) in bench/out/ as .npy, memory-mapped like the app's audio cache. Prints times and
ratios against baselines measured in the same run:
  * build_pyramid on 1 hour (in memory) and 3 hours (memory map), against numpy's ``reshape(-1, b).min(axis=1)``
    per level;
  * a TimelineView (waveform + envelope + 2 span tracks, 1600 px wide) redrawn after set_visible_range at
    several zoom levels and after pans, against pyqtgraph drawing the raw samples of the same view with
    ``setData`` (clipped to --baseline-minutes, default 10) and with its own peak downsampling;
  * a k-slider move (find_peaks on the cached envelope + set_band + set_peaks on both tracks + repaint),
    against one pyqtgraph item per peak marker;
  * set_playhead + repaint, as during playback.
Every "+ repaint" is one full synchronous paint of the graphics view (its grab()), after the change: an
update() would wait for the platform's next frame tick, and repaint() + processEvents paints twice.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import pyqtgraph as pg  # noqa: E402
from PySide6.QtWidgets import QApplication, QWidget  # noqa: E402

from analysis import audio  # noqa: E402
from analysis.waveform import build_pyramid  # noqa: E402
from app.demo.synth import burst, speech_like  # noqa: E402
from widgets.timeline.span_track import SpanTrack  # noqa: E402
from widgets.timeline.timeline_view import TimelineView  # noqa: E402
from widgets.timeline.waveform_view import FEATURE_LABELS, EnvelopeTrack, WaveformTrack  # noqa: E402

OUT = ROOT / "bench" / "out"
RATE = 16_000
WIDTH, HEIGHT = 1600, 520


def talk(seconds: int, seed: int = 1) -> tuple[np.ndarray, list[tuple[int, int]], list[tuple[int, int]]]:
    """Speech-like turns of 8–14 s, pauses of 0.3–2 s, a 0.3 s burst every third turn; and the pause/burst spans."""
    rng = np.random.default_rng(seed)
    total = seconds * RATE
    samples = np.empty(total, dtype=np.float32)
    pauses, bursts = [], []
    filled, turn = 0, 0

    def put(chunk: np.ndarray) -> tuple[int, int]:
        nonlocal filled
        n = min(chunk.shape[0], total - filled)
        samples[filled : filled + n] = chunk[:n]
        span = (filled * 1000 // RATE, (filled + n) * 1000 // RATE)
        filled += n
        return span

    while filled < total:
        put(speech_like(float(rng.uniform(8, 14)), RATE, rng))
        pauses.append(put((rng.standard_normal(int(rng.uniform(0.3, 2.0) * RATE)) * 0.0005).astype(np.float32)))
        turn += 1
        if turn % 3 == 0:
            bursts.append(put(burst(0.3, RATE, 0.95, rng)[0]))
    return samples, pauses, bursts


def timed(function: Callable[[], object], repeat: int) -> list[float]:
    """Wall times (ms) of ``repeat`` calls."""
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        function()
        times.append((time.perf_counter() - start) * 1000)
    return times


def naive_pyramid(samples: np.ndarray, sizes: tuple[int, ...]) -> list[tuple[np.ndarray, np.ndarray]]:
    """Baseline: each level straight from the samples with reshape + min/max over the last axis."""
    levels = []
    for size in sizes:
        full = samples.shape[0] // size * size
        rows = np.asarray(samples[:full]).reshape(-1, size)
        levels.append((rows.min(axis=1), rows.max(axis=1)))
    return levels


def bench_pyramid(one_hour: np.ndarray, long: np.ndarray) -> None:
    hour_s = one_hour.shape[0] / RATE
    ours = statistics.median(timed(lambda: build_pyramid(one_hour, RATE), 3))
    sizes = build_pyramid(one_hour, RATE).bucket_sizes
    naive = statistics.median(timed(lambda: naive_pyramid(one_hour, sizes), 3))
    print(
        f"build_pyramid, {hour_s / 60:.0f} min in memory: {ours:.0f} ms = {hour_s / ours * 1000:.0f}× real time; "
        f"numpy reshape+min/max per level: {naive:.0f} ms → ours {naive / ours:.1f}× faster"
    )
    long_s = long.shape[0] / RATE
    cold = timed(lambda: build_pyramid(long, RATE), 1)[0]
    warm = statistics.median(timed(lambda: build_pyramid(long, RATE), 2))
    pyramid = build_pyramid(long, RATE)
    megabytes = sum(a.nbytes for a in pyramid.mins + pyramid.maxs) / 2**20
    print(
        f"build_pyramid, {long_s / 3600:.0f} h memory-mapped .npy ({long.nbytes / 2**20:.0f} MiB): "
        f"first {cold:.0f} ms, then {warm:.0f} ms = {long_s / warm * 1000:.0f}× real time; "
        f"{len(pyramid.bucket_sizes)} levels, "
        f"{megabytes:.0f} MiB ({megabytes / (long.nbytes / 2**20):.2f}× the samples)"
    )


def make_timeline(
    samples: np.ndarray, pauses: list[tuple[int, int]], bursts: list[tuple[int, int]], window_ms: int
) -> tuple[TimelineView, WaveformTrack, EnvelopeTrack, audio.Envelope]:
    view = TimelineView()
    waveform, envelope_track = WaveformTrack(), EnvelopeTrack()
    pause_track = SpanTrack("pauses", "Pauses", "#81c784")
    burst_track = SpanTrack("bursts", "Bursts", "#ba68c8")
    for track in (waveform, envelope_track, pause_track, burst_track):
        view.add_track(track)
    view.resize(WIDTH, HEIGHT)
    view.show()
    QApplication.processEvents()
    view.set_duration(samples.shape[0] * 1000 // RATE)
    envelope = audio.compute_envelope(samples, RATE, window_ms)
    result = audio.find_peaks(envelope, samples, 2.0)
    waveform.set_audio(build_pyramid(samples, RATE), samples)
    waveform.set_peaks([p.peak_ms for p in result.peaks])
    envelope_track.set_envelope(window_ms, envelope.rms, FEATURE_LABELS["rms"])
    envelope_track.set_band(result.stats.mean, result.stats.low, result.stats.high)
    envelope_track.set_peaks(result.peaks)
    pause_track.set_spans(pauses)
    burst_track.set_spans(bursts)
    view.fit_all()
    QApplication.processEvents()
    return view, waveform, envelope_track, envelope


def painted(widget: QWidget, change: Callable[[], object]) -> float:
    """Wall time (ms) of ``change()`` plus one full paint of ``widget``; pending events are flushed first, untimed."""
    QApplication.processEvents()
    start = time.perf_counter()
    change()
    widget.grab()
    return (time.perf_counter() - start) * 1000


def redraw_times(view: TimelineView, ranges: list[tuple[int, int]]) -> list[float]:
    return [painted(view.graphics_view, lambda a=a, b=b: view.set_visible_range(a, b)) for a, b in ranges]


def zoom_ranges(center_ms: int, span_ms: int, duration_ms: int, count: int = 12) -> list[tuple[int, int]]:
    """Alternately this width and a 2 % narrower one around the same centre: every step really zooms."""
    ranges = []
    for i in range(count):
        width = span_ms if i % 2 == 0 else span_ms * 49 // 50
        start = min(max(0, center_ms - width // 2), duration_ms - width)
        ranges.append((start, start + width))
    return ranges


def pan_ranges(start_ms: int, span_ms: int, duration_ms: int, count: int = 12) -> list[tuple[int, int]]:
    """Pans by 10 % of the width per step, back and forth; none when the whole duration is visible."""
    if span_ms >= duration_ms:
        return []
    start_ms = min(start_ms, duration_ms - span_ms - span_ms // 10)
    return [
        (start_ms + (i % 2) * (span_ms // 10), start_ms + (i % 2) * (span_ms // 10) + span_ms) for i in range(count)
    ]


def bench_redraw(label: str, view: TimelineView, duration_ms: int, spans: list[int]) -> dict[int, float]:
    """Median zoom and pan redraw per visible width; returns the slower of the two per width."""
    results = {}
    for span in spans:
        zoom = statistics.median(redraw_times(view, zoom_ranges(duration_ms // 2, span, duration_ms)))
        pans = pan_ranges(duration_ms // 3, span, duration_ms)
        pan = statistics.median(redraw_times(view, pans)) if pans else None
        results[span] = max(zoom, pan or 0.0)
        panned = f"pan + repaint {pan:5.1f} ms" if pan is not None else "(no pan: everything is visible)"
        print(f"  {label}, {span / 1000:>7.1f} s visible: zoom + repaint {zoom:5.1f} ms, {panned}")
    return results


def waveform_only_redraw(samples: np.ndarray, spans: list[int]) -> dict[int, float]:
    """Our waveform row alone on the baseline's samples: the like-for-like comparison with one pyqtgraph curve."""
    view = TimelineView()
    waveform = WaveformTrack()
    view.add_track(waveform)
    view.resize(WIDTH, 200)
    view.show()
    duration_ms = samples.shape[0] * 1000 // RATE
    view.set_duration(duration_ms)
    waveform.set_audio(build_pyramid(samples, RATE), samples)
    results = {}
    for span in spans:
        steps = zoom_ranges(duration_ms // 2, span, duration_ms) + pan_ranges(duration_ms // 3, span, duration_ms)
        results[span] = statistics.median(redraw_times(view, steps))
    view.close()
    return results


def baseline_redraw(samples: np.ndarray, spans: list[int], downsample: bool) -> dict[int, float]:
    """pyqtgraph alone on the raw samples: setData + first paint (key 0), then the same zooms and pans."""
    widget = pg.PlotWidget()
    widget.resize(WIDTH - 150, 130)
    widget.show()
    widget.setYRange(-1, 1, padding=0)
    widget.getPlotItem().vb.disableAutoRange()
    item = pg.PlotDataItem()
    widget.addItem(item)  # after addItem: the plot overrides an item's downsampling with its own settings
    if downsample:
        item.setDownsampling(auto=True, method="peak")
        item.setClipToView(True)
    x = np.arange(samples.shape[0], dtype=np.float64) / RATE
    duration_ms = samples.shape[0] * 1000 // RATE

    def load() -> None:
        item.setData(x, samples)
        widget.setXRange(0, duration_ms / 1000, padding=0)

    results = {0: painted(widget, load)}
    for span in spans:
        steps = zoom_ranges(duration_ms // 2, span, duration_ms, 4) + pan_ranges(duration_ms // 3, span, duration_ms, 4)
        times = [painted(widget, lambda a=a, b=b: widget.setXRange(a / 1000, b / 1000, padding=0)) for a, b in steps]
        results[span] = statistics.median(times)
    widget.close()
    widget.deleteLater()
    return results


def bench_k_slider(
    view: TimelineView,
    waveform: WaveformTrack,
    envelope_track: EnvelopeTrack,
    samples: np.ndarray,
    envelope: audio.Envelope,
) -> list[tuple[float, int, float]]:
    """Update times over a slider sweep from k = 0.5 to 4.4: (k, peaks, ms) for each step."""
    ks = [round(2.0 + i / 10, 1) for i in range(-15, 25)]  # 0.5 … 4.4, as when dragging the slider
    analysis_ms: list[float] = []
    counts: list[int] = []

    def update(k: float) -> None:
        start = time.perf_counter()
        result = audio.find_peaks(envelope, samples, k)
        analysis_ms.append((time.perf_counter() - start) * 1000)
        counts.append(len(result.peaks))
        envelope_track.set_band(result.stats.mean, result.stats.low, result.stats.high)
        envelope_track.set_peaks(result.peaks)
        waveform.set_peaks([p.peak_ms for p in result.peaks])

    view.fit_all()
    for k in ks:  # warm up
        update(k)
    analysis_ms.clear()
    counts.clear()
    times = [painted(view.graphics_view, lambda k=k: update(k)) for k in ks]
    worst = int(np.argmax(counts))
    near = [t for t, n in zip(times, counts, strict=True) if 500 <= n <= 1500]
    print(
        f"k-slider update on {envelope.n_windows} windows of {envelope.window_ms} ms (find_peaks + set_band + "
        f"set_peaks on both tracks + repaint): median {statistics.median(times):.1f} ms, max {max(times):.1f} ms "
        f"over k = {ks[0]}…{ks[-1]} ({min(counts)}–{max(counts)} peaks; {times[worst]:.1f} ms with {counts[worst]}, "
        f"of which find_peaks {analysis_ms[worst]:.1f} ms)"
        + (f"; with 500–1500 peaks: max {max(near):.1f} ms" if near else "")
    )
    return list(zip(ks, counts, times, strict=True))


def baseline_markers(view: TimelineView, envelope: audio.Envelope, samples: np.ndarray, k: float) -> float:
    """One pyqtgraph item per marker, removed and re-added on each update: the usual first attempt."""
    plot = view.plot("envelope")
    items: list[pg.ScatterPlotItem] = []

    def update() -> None:
        result = audio.find_peaks(envelope, samples, k)
        for item in items:
            plot.removeItem(item)
        items.clear()
        for peak in result.peaks:
            item = pg.ScatterPlotItem([peak.peak_ms / 1000], [peak.value], size=8, brush="r")
            plot.addItem(item)
            items.append(item)

    times = [painted(view.graphics_view, update) for _ in range(3)]
    for item in items:
        plot.removeItem(item)
    return statistics.median(times)


def bench_playhead(view: TimelineView, duration_ms: int) -> None:
    view.set_visible_range(duration_ms // 2, duration_ms // 2 + 60_000)
    positions = range(duration_ms // 2, duration_ms // 2 + 60 * 33, 33)
    times = [painted(view.graphics_view, lambda ms=ms: view.set_playhead(ms)) for ms in positions]
    print(f"set_playhead + repaint (60 s visible, one frame at 30 fps): median {statistics.median(times):.1f} ms")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--minutes", type=int, default=60, help="length of the timeline's audio (default 60)")
    parser.add_argument(
        "--hours", type=int, default=3, help="length of the long audio for pyramid and zoom (default 3)"
    )
    parser.add_argument("--baseline-minutes", type=int, default=10, help="raw samples pyqtgraph draws (default 10)")
    args = parser.parse_args()
    app = QApplication.instance() or QApplication([])

    samples, pauses, bursts = talk(args.minutes * 60)
    OUT.mkdir(parents=True, exist_ok=True)
    long_path = OUT / f"timeline-{args.hours}h-of-{args.minutes}min-16k.npy"
    if not long_path.exists():
        print(f"writing {long_path.name} …", file=sys.stderr)
        np.save(long_path, np.tile(samples, -(-args.hours * 60 // args.minutes))[: args.hours * 3600 * RATE])
    long = np.load(long_path, mmap_mode="r")
    bench_pyramid(samples, long)

    duration = samples.shape[0] * 1000 // RATE
    clip_ms = min(duration, args.baseline_minutes * 60_000)
    spans = sorted({duration, clip_ms, 30_000}, reverse=True)
    view, waveform, envelope_track, envelope = make_timeline(samples, pauses, bursts, 100)
    print(
        f"timeline {WIDTH}×{HEIGHT} px: waveform + envelope ({envelope.n_windows} windows of 100 ms) + "
        f"pauses ({len(pauses)} spans) + bursts ({len(bursts)} spans), {args.minutes} min:"
    )
    ours = bench_redraw(f"{args.minutes} min", view, duration, spans)

    long_duration = long.shape[0] * 1000 // RATE
    copies = range(-(-args.hours * 60 // args.minutes))
    long_pauses = [(a + i * duration, b + i * duration) for i in copies for a, b in pauses]
    long_bursts = [(a + i * duration, b + i * duration) for i in copies for a, b in bursts]
    long_view, *_ = make_timeline(long, long_pauses, long_bursts, 1000)
    print(f"same tracks, {args.hours} h memory-mapped (1 s envelope windows, {len(long_pauses)} pauses):")
    bench_redraw(f"{args.hours} h", long_view, long_duration, [long_duration, 600_000, 1_000])
    long_view.close()

    clip = samples[: clip_ms * RATE // 1000]
    clip_spans = [span for span in spans if span <= clip_ms]
    raw = baseline_redraw(clip, clip_spans, downsample=False)
    peak = baseline_redraw(clip, clip_spans, downsample=True)
    alone = waveform_only_redraw(clip, clip_spans)
    print(
        f"baseline, pyqtgraph PlotDataItem on the raw samples of the first {args.baseline_minutes} min only "
        f"({clip.shape[0] / 1e6:.1f} M samples; plain, each redraw of an hour would take ~6× as long): setData + "
        f"first paint "
        f"{raw[0]:.0f} ms plain, {peak[0]:.0f} ms with its peak downsampling + clipToView"
    )
    for span in clip_spans:
        print(
            f"  {span / 1000:>7.1f} s visible, zoom or pan + repaint: plain {raw[span]:7.1f} ms, downsampled "
            f"{peak[span]:5.1f} ms; our waveform row alone on the same samples {alone[span]:4.1f} ms → "
            f"{raw[span] / alone[span]:.0f}× / {peak[span] / alone[span]:.1f}× faster "
            f"(our 4-track timeline on the hour at that width: {ours[span]:.1f} ms)"
        )

    sweep = bench_k_slider(view, waveform, envelope_track, samples, envelope)
    k, count, ours_ms = min(sweep, key=lambda step: abs(step[1] - 1000))
    naive = baseline_markers(view, envelope, samples, k)
    print(
        f"  baseline: one ScatterPlotItem per marker, re-created at k = {k:.1f} ({count} peaks): {naive:.0f} ms "
        f"against our {ours_ms:.1f} ms → {naive / ours_ms:.0f}× faster"
    )
    coarse = audio.compute_envelope(samples, RATE, 1000)
    envelope_track.set_envelope(1000, coarse.rms, FEATURE_LABELS["rms"])
    bench_k_slider(view, waveform, envelope_track, samples, coarse)
    bench_playhead(view, duration)
    view.close()
    app.processEvents()


if __name__ == "__main__":
    main()
