"""A project's media moved or replaced: opening and exporting say so and offer Relink…, Re-analyse or Continue
anyway, instead of showing or exporting the earlier analysis over another recording; the CLI refuses such an
export unless --force-media."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from PySide6.QtWidgets import QFileDialog, QMessageBox

from app.gui.main_window import MainWindow
from app.model.formats import ExportRequest
from app.project.store import Store
from tests.helpers.cli import run
from tests.helpers.opening import open_and_wait, open_settled
from tests.helpers.projects import build_project, copy_project, copy_with_media

pytestmark = pytest.mark.usefixtures("no_threads_left")


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_project(tmp_path_factory.mktemp("media_link"))


@pytest.fixture
def opened(qtbot, window: MainWindow, template: Path, tmp_path: Path) -> MainWindow:
    """The window with a good project open (the one to stay open when another is not opened)."""
    open_and_wait(qtbot, window.session, copy_project(template, tmp_path / "good", "good"))
    return window


@pytest.fixture
def project(template: Path, tmp_path: Path) -> Path:
    """A copy of the project with its own copy of the video, to move or replace."""
    return copy_with_media(template, tmp_path / "copy")


def recorded_path(project: Path) -> str:
    with Store.open(project, read_only=True) as store:
        return store.all_media()[0].path


class Asked:
    """Clicks ``button`` in every message box; keeps each box's text, informative text and buttons."""

    def __init__(self, monkeypatch, button: str) -> None:
        self.texts: list[str] = []
        self.details: list[str] = []
        self.buttons: list[list[str]] = []

        def answer(box: QMessageBox) -> int:
            self.texts.append(box.text())
            self.details.append(box.informativeText())
            self.buttons.append(sorted(b.text() for b in box.buttons()))
            next(b for b in box.buttons() if b.text().replace("&", "") == button).click()
            return 0

        monkeypatch.setattr(QMessageBox, "exec", answer)


def errors_of(window: MainWindow, monkeypatch) -> list[str]:
    errors: list[str] = []
    monkeypatch.setattr(window, "show_error", lambda message, details="": errors.append(message))
    return errors


def replace_media(project: Path, replacement: Path) -> Path:
    """Another recording copied over the project's media, at the recorded path."""
    media = Path(recorded_path(project))
    shutil.copyfile(replacement, media)
    return media


REPLACED_BUTTONS = sorted(["Relink…", "Re-analyse", "Continue Anyway", "Cancel"])


def test_a_replaced_media_is_said_and_cancel_keeps_the_open_project(
    qtbot, opened: MainWindow, project: Path, talk_video: Path, monkeypatch
) -> None:
    media = replace_media(project, talk_video)
    good = opened.session.project_path
    asked, errors = Asked(monkeypatch, "Cancel"), errors_of(opened, monkeypatch)
    assert not open_settled(qtbot, opened.session, project)
    assert asked.texts == [f"{media} is not the recording face.salient analysed."]
    assert asked.buttons == [REPLACED_BUTTONS]
    assert "Re-analyse: analyse the file now at this path in a new project, face-2.salient" in asked.details[0]
    assert errors == []
    assert opened.session.project_path == good and opened.windowTitle() == "face.mp4 — Salient"


def test_continue_anyway_opens_the_earlier_analysis(
    qtbot, opened: MainWindow, project: Path, talk_video: Path, monkeypatch
) -> None:
    replace_media(project, talk_video)
    asked = Asked(monkeypatch, "Continue Anyway")
    assert open_settled(qtbot, opened.session, project)  # the answer opened it
    assert len(asked.texts) == 1
    assert opened.session.project_path == project and opened.session.faces is not None


def test_re_analyse_opens_the_new_file_in_a_new_project(
    qtbot, opened: MainWindow, project: Path, talk_video: Path, monkeypatch
) -> None:
    media = replace_media(project, talk_video)
    with Store.open(project, read_only=True) as store:
        before = (store.all_media(), store.runs())
    Asked(monkeypatch, "Re-analyse")
    with qtbot.waitSignal(opened.session.audio_ready, timeout=30_000):
        opened.open_path(project)
    assert opened.session.project_path == project.with_name("face-2.salient")
    assert opened.session.media.path == str(media) and opened.session.faces is None
    with Store.open(project, read_only=True) as store:
        assert (store.all_media(), store.runs()) == before  # the earlier analysis stays as it was


def test_a_moved_media_is_relinked_after_its_content_is_checked(
    qtbot, opened: MainWindow, project: Path, monkeypatch, tmp_path: Path
) -> None:
    old = Path(recorded_path(project))
    moved = tmp_path / "elsewhere" / "renamed.mp4"
    moved.parent.mkdir()
    old.rename(moved)
    asked, errors = Asked(monkeypatch, "Relink…"), errors_of(opened, monkeypatch)
    monkeypatch.setattr(QFileDialog, "getOpenFileName", lambda *a, **k: (str(moved), ""))
    assert open_settled(qtbot, opened.session, project)  # opened once relinked
    assert asked.texts == [f"The media of face.salient is no longer at {old}."]
    assert asked.buttons == [["Cancel", "Relink…"]]
    assert errors == []
    assert opened.session.project_path == project and opened.session.media.path == str(moved)
    assert recorded_path(project) == str(moved)
    assert opened.session.faces is not None


def test_relinking_to_another_recording_changes_nothing(
    qtbot, opened: MainWindow, project: Path, talk_video: Path, monkeypatch, tmp_path: Path
) -> None:
    old = Path(recorded_path(project))
    old.unlink()
    Asked(monkeypatch, "Relink…")
    errors = errors_of(opened, monkeypatch)
    monkeypatch.setattr(QFileDialog, "getOpenFileName", lambda *a, **k: (str(talk_video), ""))
    good = opened.session.project_path
    assert not open_settled(qtbot, opened.session, project)
    assert errors == [
        f"{talk_video}: not the recording this project analysed (its content differs); nothing was changed"
    ]
    assert recorded_path(project) == str(old)
    assert opened.session.project_path == good


def clips_request(tmp_path: Path) -> ExportRequest:
    return ExportRequest("clips", tmp_path / "clips")


def test_an_export_checks_the_media_first(
    qtbot, window: MainWindow, project: Path, talk_video: Path, monkeypatch, tmp_path: Path
) -> None:
    open_and_wait(qtbot, window.session, project)
    media = replace_media(project, talk_video)  # replaced while the project is open
    asked = Asked(monkeypatch, "Cancel")
    assert window.export(clips_request(tmp_path)) is None
    assert asked.texts == [f"{media} is not the recording face.salient analysed."]
    assert "Continue Anyway: export the earlier analysis with this file's pictures and sound." in asked.details[0]
    assert not (tmp_path / "clips").exists()

    Asked(monkeypatch, "Continue Anyway")
    job = window.export(clips_request(tmp_path))
    with qtbot.waitSignal(job.finished, timeout=60_000):
        pass
    assert job.state == "done", job.error
    assert {path.suffix for path in (tmp_path / "clips").rglob("*.*")} >= {".mp4", ".png"}


def test_the_cli_refuses_to_export_a_replaced_media_unless_forced(
    project: Path, talk_video: Path, tmp_path: Path
) -> None:
    media = replace_media(project, talk_video)
    refused = run("export", str(project), "--format", "clips", "--out", str(tmp_path / "clips"), "--quiet")
    assert refused.returncode == 3
    assert refused.stderr.splitlines() == [
        f"salient: error: {media}: this is not the recording the project analysed on "
        f"{Store.open(project, read_only=True).all_media()[0].added_at[:10]} (the file's content changed); its "
        "analyses and labels belong to the earlier file; nothing was exported (--force-media exports it anyway)"
    ]
    assert not (tmp_path / "clips").exists()
    table = run("export", str(project), "--format", "csv", "--out", str(tmp_path / "table"), "--quiet")
    assert table.returncode == 0  # a table does not read the media
    forced = run(
        "export", str(project), "--format", "clips", "--out", str(tmp_path / "clips"), "--quiet", "--force-media"
    )
    assert forced.returncode == 0, forced.stderr
    assert (tmp_path / "clips").is_dir()
    misplaced = run("export", str(project), "--format", "csv", "--out", str(tmp_path / "t2"), "--force-media")
    assert misplaced.returncode == 2
    assert misplaced.stderr == "salient: error: --force-media does not apply to --format csv\n"
