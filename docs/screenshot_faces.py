"""Regenerates docs/faces.png: a generated video with a face at known times after Analyze ▸ Faces, the face
box over the video, the person's emotion row on the timeline and the Emotions dock.

QT_QPA_PLATFORM=offscreen .venv/bin/python docs/screenshot_faces.py
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
from PySide6.QtWidgets import QApplication  # noqa: E402


def wait(app: QApplication, seconds: float, until=None) -> None:
    end = time.monotonic() + seconds
    while time.monotonic() < end and not (until and until()):
        app.processEvents()
        time.sleep(0.01)


def main() -> None:
    app = QApplication([])
    from analysis.faces import FaceOptions
    from analysis.motion import MotionOptions
    from app.gui.main_window import MainWindow
    from tests.helpers.faces import ONE_FACE, ONE_FACE_S, write_video

    with tempfile.TemporaryDirectory() as folder:
        os.environ["XDG_DATA_HOME"] = folder
        settings = QSettings(str(Path(folder) / "settings.ini"), QSettings.Format.IniFormat)
        settings.setValue("annotator", "Ana")  # else the window asks for a name when the media opens
        video = write_video(Path(folder) / "face.mp4", ONE_FACE, ONE_FACE_S)
        window = MainWindow(settings)
        window.resize(1600, 1000)
        window.show()
        window.open_path(video)  # opened in the background
        wait(app, 60, lambda: window.session.is_open and not window.session.opening_path)
        job = window.session.start_motion(MotionOptions(), FaceOptions())
        wait(app, 120, lambda: not job.running)
        window.session.rename_person(1, "Astronaut")
        for key in ("waveform", "envelope", "transcript", "audio_peaks", "pauses"):
            window.timeline.set_track_visible(key, False)
        window.faces.dock.raise_()
        window.player.seek(3500)
        wait(app, 2.0)
        window.grab().save(str(ROOT / "docs" / "faces.png"))
        window.close()


if __name__ == "__main__":
    main()
