"""Fixtures for the window tests: a fresh window per test (own settings and data folder), a copy of the
talk video in the test's folder, and an annotator name when the test labels."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest


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
