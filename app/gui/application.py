"""Starts the window: ``python main.py [VIDEO_OR_PROJECT]`` or ``python main.py --demo``."""

from __future__ import annotations

import argparse
import gc
import logging
import os
import sys
from collections.abc import Sequence

from PySide6.QtCore import QCoreApplication, QTimer
from PySide6.QtWidgets import QApplication

from app.gui.main_window import MainWindow


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="salient", description="Open the Salient workbench window.")
    parser.add_argument("path", nargs="?", metavar="VIDEO_OR_PROJECT", help="a media file or a .salient project")
    parser.add_argument("--demo", action="store_true", help="generate the demo video and open it")
    parser.add_argument("--debug", action="store_true", help="verbose logging on stderr")
    return parser


def _no_display() -> bool:
    """On Linux without X11 or Wayland, Qt would abort with a cryptic plugin error; say it plainly instead."""
    return (
        sys.platform.startswith("linux")
        and not os.environ.get("QT_QPA_PLATFORM")
        and not os.environ.get("DISPLAY")
        and not os.environ.get("WAYLAND_DISPLAY")
    )


def settle_heap() -> None:
    """Move what start-up built (about 100,000 objects of Qt, NumPy, SciPy, onnx… modules) out of the garbage
    collector's reach: a full collection then skips them, which takes a full collection from ~50 ms to a few ms
    and keeps it from landing as a hitch in the middle of a slider move or a seek (bench/bench_window.py)."""
    gc.collect()
    gc.freeze()


def main(argv: Sequence[str]) -> int:
    args = build_parser().parse_args(argv)
    if _no_display():
        sys.stderr.write(
            "salient: error: no display to open the window on (neither DISPLAY nor WAYLAND_DISPLAY is set). "
            "Run it on a desktop, under xvfb-run, or use the command line: python main.py --help\n"
        )
        return 2
    logging.basicConfig(
        level=logging.DEBUG if args.debug else logging.WARNING,
        format="%(levelname)s %(name)s: %(message)s",
        stream=sys.stderr,
    )
    QCoreApplication.setOrganizationName("Salient")
    QCoreApplication.setApplicationName("Salient")
    app = QApplication.instance() or QApplication(sys.argv[:1])
    window = MainWindow()
    window.show()
    settle_heap()
    if args.demo:
        QTimer.singleShot(0, window.open_demo)
    elif args.path:
        QTimer.singleShot(0, lambda: window.open_path(args.path))
    return app.exec()
