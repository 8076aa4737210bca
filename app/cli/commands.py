"""The headless command line: ``python main.py analyze …``, ``python main.py export …``. Never imports Qt.

Results go to stdout (JSON with ``--json``, a readable summary otherwise); progress, warnings and
errors go to stderr. Errors are one line and a non-zero exit code; ``--debug`` adds the traceback.
The arguments are app.cli.parser's, the printed documents app.cli.documents'; this module runs the commands.
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
import traceback
from collections.abc import Sequence
from pathlib import Path
from typing import Any, TextIO

from analysis.audio import Feature, Tails
from analysis.errors import DownloadError, ExportError, MediaError, SalientError
from analysis.pauses import PauseMethod
from analysis.progress import Cancelled
from analysis.transcribe import BUNDLED, TranscribeError, TranscribeOptions
from app.cli.documents import analysis_to_json, print_summary, transcript_to_json
from app.cli.parser import build_parser
from app.export.run import run_export
from app.model.formats import TRANSCRIPT_FORMAT_NAMES, ExportRequest
from app.pipelines.analyze import AudioAnalysis, analyze_audio
from app.pipelines.audio import AudioOptions
from app.pipelines.sources import MediaMismatch
from app.project.store import ProjectError, Store
from app.timecode import format_mmss

EXIT_OK = 0
EXIT_INTERNAL = 1
EXIT_USAGE = 2
EXIT_MEDIA = 3
EXIT_DOWNLOAD = 4
EXIT_PROJECT = 5
EXIT_EXPORT = 6
EXIT_TRANSCRIBE = 7
EXIT_CANCELLED = 130


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
        from analysis.faces.records import default_detector

        labels = tuple(name.strip() for name in args.emotion_labels.split(",") if name.strip())
        faces = FaceOptions(
            fps=args.faces_fps,
            detector=args.detector or default_detector(),
            emotion_model=args.emotion_model,
            emotion_labels=labels,
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
    from analysis.faces.confidence import emotion_caption
    from app.pipelines.faces import faces_document

    if args.motion:
        sys.stderr.write("salient: error: --motion needs a video, not a still image\n")
        return EXIT_USAGE
    result = analyze_image(args.input, faces or FaceOptions(**({"detector": args.detector} if args.detector else {})))
    progress.close()
    document = {"media": {"path": str(Path(args.input).resolve()), "image": True}, **faces_document(result)}
    if args.json:
        json.dump(document, sys.stdout, ensure_ascii=False, indent=2)
        sys.stdout.write("\n")
    else:
        sample = document["faces"][0]
        sys.stdout.write(f"{args.input}: {len(sample['faces'])} face(s)\n")
        for face in sample["faces"]:
            caption = emotion_caption(face["dominant"], face["emotions"][face["dominant"]], face["uncertain"])
            sys.stdout.write(f"  {face['person']} at {face['box']}: {caption}\n")
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
            ("--force-media", args.force_media, ("clips", "dataset", "report")),
        )
        if given and args.format not in formats
    ]
    if misplaced:
        sys.stderr.write(f"salient: error: {misplaced[0]} does not apply to --format {args.format}\n")
        return EXIT_USAGE
    if args.format in TRANSCRIPT_FORMAT_NAMES:
        from app.export.transcripts import export_transcript

        with Store.open_to_read(args.project) as store:
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
        trust_media=args.force_media,
    )
    store = Store.open_to_read(args.project)  # an export writes nothing into the project: a read-only one exports
    try:
        result = run_export(store, request, progress)
    except MediaMismatch as exc:
        raise MediaError(f"{exc}; nothing was exported (--force-media exports it anyway)") from exc
    finally:
        store.close()
    progress.close()
    for path in result.paths:
        sys.stdout.write(f"{path}\n")
    return EXIT_OK


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
    if result.resumed_from_ms is not None:
        sys.stderr.write(f"salient: resumed the stopped transcription at {format_mmss(result.resumed_from_ms)}\n")
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
    except Exception as exc:  # the last line of defence: one readable line, not a traceback
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
