"""Regenerates docs/motion.png: a generated video of a moving textured square (with a cut and a zoom) after
Analyze ▸ Motion, the flow heatmap and vectors on the video, a motion peak selected with its Peak detail.

QT_QPA_PLATFORM=offscreen .venv/bin/python docs/screenshot_motion.py
"""

from __future__ import annotations

import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtCore import QSettings  # noqa: E402
from PySide6.QtWidgets import QApplication, QToolBar  # noqa: E402


def wait(app: QApplication, seconds: float, until=None) -> None:
    end = time.monotonic() + seconds
    while time.monotonic() < end and not (until and until()):
        app.processEvents()
        time.sleep(0.01)


def main() -> None:
    app = QApplication([])
    from analysis.motion import MotionOptions
    from app.demo.synth import MotionScript
    from app.gui.main_window import MainWindow

    with tempfile.TemporaryDirectory() as folder:
        os.environ["XDG_DATA_HOME"] = folder
        settings = QSettings(str(Path(folder) / "settings.ini"), QSettings.Format.IniFormat)
        settings.setValue("annotator", "Ana")
        video = MotionScript().write(Path(folder) / "moves.mp4")
        window = MainWindow(settings)
        window.resize(1600, 1000)
        window.show()
        window.open_path(video)  # opened in the background
        wait(app, 60, lambda: window.session.is_open and not window.session.opening_path)
        job = window.session.start_motion(MotionOptions())
        wait(app, 120, lambda: not job.running)
        toolbar = (
            window.findChild(QToolBar, "flow_overlay_toolbar")
            or [
                t for t in window.findChildren(QToolBar) if "heatmap" in " ".join(a.text().lower() for a in t.actions())
            ][0]
        )
        for action in toolbar.actions():
            if action.text() in ("Flow heatmap", "Flow vectors"):
                action.setChecked(True)
        rows = [row for row in window.review_panel.rows() if row.track == "motion" and not row.shot]
        window.review_panel.select(rows[0].key)
        window.player.pause()
        window.player.seek(rows[0].peak_ms)
        window.motion.detail_dock.raise_()
        for key in ("waveform", "envelope", "transcript"):  # the video has no sound: give the room to motion
            window.timeline.set_track_visible(key, False)
        window.timeline.set_track_height("motion", 160)
        wait(app, 20, lambda: window.motion.detail.detail() is not None)
        wait(app, 2.0)
        window.grab().save(str(ROOT / "docs" / "motion.png"))
        window.close()


if __name__ == "__main__":
    main()
