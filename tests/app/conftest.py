"""Fixtures for the window tests: a fresh window per test (own settings and data folder), a copy of the
talk video in the test's folder, an annotator name when the test labels (the name prompt answered "Cancel"
otherwise), and a session without a window."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from app.gui.jobs import JobRunner
from app.gui.session import Session


@pytest.fixture(autouse=True)
def no_annotator_prompt(monkeypatch) -> None:
    """The window asks for the annotator's name when a media opens without one; a modal dialog would wait
    forever offscreen, so it is answered "Cancel" unless a test patches QInputDialog.getText itself."""
    from PySide6.QtWidgets import QInputDialog

    monkeypatch.setattr(QInputDialog, "getText", lambda *args, **kwargs: ("", False))


@pytest.fixture
def annotator() -> str | None:
    """The annotator name already set on this machine; override to None to test the first-label prompt."""
    return None


@pytest.fixture
def window(qtbot, settings, monkeypatch, tmp_path: Path, annotator: str | None):
    from app.gui.main_window import MainWindow

    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    if annotator:
        settings.setValue("annotator", annotator)
    win = MainWindow(settings)
    qtbot.addWidget(win)
    win.resize(1400, 900)
    win.show()
    qtbot.waitExposed(win)
    yield win
    win.close()


@pytest.fixture
def talk(tmp_path: Path, talk_video: Path) -> Path:
    return Path(shutil.copy(talk_video, tmp_path / "talk.mp4"))


@pytest.fixture
def session(qtbot, tmp_path: Path, talk_video: Path):
    """A session (no window) with a copy of the talk video open and its audio analysed."""
    runner = JobRunner()
    session = Session(runner)
    talk = Path(shutil.copy(talk_video, tmp_path / "talk.mp4"))
    with qtbot.waitSignal(session.audio_ready, timeout=30_000):
        assert session.open(talk)
    yield session
    session.close()
    runner.shutdown()
