"""Damaged projects opened in the window, with a good project open: whatever the damage, nothing escapes as an
exception, one clear message says what is wrong, and a project that cannot be opened leaves the good one open
with all its data. Damage to a cache (derived data) does not refuse the project: it opens, and the view of
the analysis whose data is gone says so and offers to run it again."""

from __future__ import annotations

import os
import re
import sqlite3
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest

from app.gui.main_window import MainWindow
from app.project.store import SCHEMA_VERSION, data_dir_for
from tests.helpers.opening import open_and_wait, open_settled
from tests.helpers.projects import (
    LABEL_NOTE,
    PAGE,
    PERSON,
    SAID,
    build_project,
    copy_project,
    execute,
    faces_samples_file,
    flip_byte,
    motion_series_file,
    replace_bytes,
    truncate,
)

pytestmark = pytest.mark.usefixtures("no_threads_left")


@dataclass(frozen=True)
class Case:
    name: str
    damage: Callable[[Path], object]
    message: str
    """a regular expression the one message must match (``{project}`` and ``{data}`` are filled in)"""
    opens: bool = False
    """a cache was damaged: the project opens and says what is missing"""

    def __str__(self) -> str:
        return self.name


DAMAGED = r"{project}: the project file is damaged \(.+\); it was left untouched"
NOT_SQLITE = r"{project}: not a Salient project, or the file is corrupt \(no SQLite header\); it was left untouched"
CANNOT_OPEN = r"{project}: (cannot open the project \(.+\); it was left untouched|the project file is damaged \(.+\))"
DAMAGED_OR_CANNOT = rf"({DAMAGED}|{CANNOT_OPEN})"
RUN_DATA = r"data of the {kind} run of [-0-9]+ [0-9:]+ UTC is (missing \({path}\)|unreadable \({path}: .+\))"
FACES_MISSING = rf"The {RUN_DATA.format(kind='faces', path='.+')}\. Run Analyze ▸ Faces again to see the results\."
MOTION_MISSING = rf"The {RUN_DATA.format(kind='motion', path='.+')}\. Run Analyze ▸ Motion again to see the results\."
BOTH_MISSING = (
    rf"The {RUN_DATA.format(kind='motion', path='.+')}; the {RUN_DATA.format(kind='faces', path='.+')}\. "
    r"Run Analyze ▸ Motion and Analyze ▸ Faces again to see the results\."
)
NO_SOUND = "face.mp4 has no audio track: there is no sound to analyse"


def other_wal(project: Path) -> None:
    """A -wal file left next to the project by another project (same page size, valid frames)."""
    stranger = project.with_name("stranger.salient")
    db = sqlite3.connect(stranger, isolation_level=None)
    db.execute("PRAGMA journal_mode = WAL")
    db.execute("PRAGMA wal_autocheckpoint = 0")
    db.execute("CREATE TABLE media(id INTEGER PRIMARY KEY, path TEXT)")
    db.execute("INSERT INTO media(path) VALUES ('somewhere else')")
    wal = Path(f"{stranger}-wal").read_bytes()
    db.close()
    Path(f"{project}-wal").write_bytes(wal)


def file_where_folder_goes(relative: str) -> Callable[[Path], None]:
    def damage(project: Path) -> None:
        target = data_dir_for(project) / relative if relative else data_dir_for(project)
        if target.is_dir():
            import shutil

            shutil.rmtree(target)
        target.write_text("notes")

    return damage


def remove(relative: str) -> Callable[[Path], None]:
    def damage(project: Path) -> None:
        import shutil

        shutil.rmtree(data_dir_for(project) / relative)

    return damage


def rewrite_faces(text: str) -> Callable[[Path], None]:
    return lambda project: faces_samples_file(project).write_text(text, encoding="utf-8")


def faces_not_a_file(project: Path) -> None:
    path = faces_samples_file(project)
    path.unlink()
    path.mkdir()


def header_flip(offset: int) -> Callable[[Path], None]:
    return lambda project: flip_byte(project, offset)


def page_flip(page: int, at: int = 0) -> Callable[[Path], None]:
    """Flip a byte of a b-tree page: its type (at 0) or a byte ``at`` into it."""
    return lambda project: flip_byte(project, (100 if page == 0 else page * PAGE) + at)


def size_fraction(fraction: float) -> Callable[[Path], None]:
    return lambda project: truncate(project, int(project.stat().st_size * fraction) // 512 * 512 + 37)


CASES = [
    Case("zero-length file", lambda p: truncate(p, 0), r"{project}: no such project \(an empty file left by .+\)"),
    Case("truncated in the header", lambda p: truncate(p, 60), DAMAGED_OR_CANNOT),
    Case("truncated after the header", lambda p: truncate(p, 100), DAMAGED_OR_CANNOT),
    Case("truncated to the first page", lambda p: truncate(p, PAGE), DAMAGED_OR_CANNOT),
    Case("truncated to a third", size_fraction(1 / 3), DAMAGED_OR_CANNOT),
    Case("truncated to two thirds", size_fraction(2 / 3), DAMAGED_OR_CANNOT),
    Case("last page cut", lambda p: truncate(p, p.stat().st_size - PAGE // 2), DAMAGED_OR_CANNOT),
    Case("last byte cut", lambda p: truncate(p, p.stat().st_size - 1), DAMAGED_OR_CANNOT),
    Case("not SQLite at all", lambda p: p.write_text("meeting notes\n" * 400), NOT_SQLITE),
    Case("magic flipped", header_flip(0), NOT_SQLITE),
    Case("page size flipped", header_flip(16), DAMAGED_OR_CANNOT),
    Case("write version flipped", header_flip(18), DAMAGED_OR_CANNOT),
    Case("payload fraction flipped", header_flip(21), DAMAGED_OR_CANNOT),
    Case("schema format flipped", header_flip(44), DAMAGED_OR_CANNOT),
    Case("text encoding flipped", header_flip(59), DAMAGED_OR_CANNOT),
    Case(
        "newer project format",
        lambda p: execute(p, f"PRAGMA user_version = {SCHEMA_VERSION + 1}"),
        r"{project}: this project was written by a newer version of Salient .+ the file was left untouched\.",
    ),
    Case(
        "format number of an older project on today's tables",
        lambda p: execute(p, "PRAGMA user_version = 1"),
        r"{project}: could not update the project to format 2 \(.+\); it was left at format 1",
    ),
    Case(
        "application id flipped",
        header_flip(68),
        r"{project}: a SQLite database, but not a Salient project; it was left untouched",
    ),
    Case(
        "a plain SQLite database",
        lambda p: (p.unlink(), execute(p, "CREATE TABLE notes(text)")),
        r"{project}: a SQLite database, but not a Salient project; it was left untouched",
    ),
    *(Case(f"page {page} type flipped", page_flip(page), DAMAGED_OR_CANNOT) for page in (0, 1, 2, 3, 8, 15, 20, 27)),
    *(Case(f"page {page} cell pointer flipped", page_flip(page, 9), DAMAGED_OR_CANNOT) for page in (3, 15, 24)),
    Case(
        "a label's note not UTF-8",
        lambda p: replace_bytes(p, LABEL_NOTE[:8].encode(), b"the \xffstr"),
        r"{project}: the project file is damaged \(stored text is not UTF-8: .+\)",
    ),
    Case(
        "the transcript's text not UTF-8",
        lambda p: replace_bytes(p, SAID[:8].encode(), b"Hello \xfe\xfe"),
        r"{project}: the project file is damaged \(stored text is not UTF-8: .+\)",
    ),
    Case(
        "a person's name not UTF-8",
        lambda p: replace_bytes(p, PERSON.encode(), b"The astr\xf0naut"),
        r"{project}: the project file is damaged \(stored text is not UTF-8: .+\)",
    ),
    Case(
        "the media's information not JSON",
        lambda p: replace_bytes(p, b'"duration_ms"', b'"duration_ms}'),
        r"{project}: the project file is damaged \(.*a media record .+\)",
    ),
    Case(
        "a table dropped",
        lambda p: execute(p, "PRAGMA foreign_keys = OFF", "DROP TABLE labels"),
        r"{project}: the project file is damaged \(table labels is missing\); it was left untouched",
    ),
    Case(
        "no media in the project",
        lambda p: execute(p, "PRAGMA foreign_keys = ON", "DELETE FROM media"),
        r"{project}: the project holds no media yet",
    ),
    Case("a -wal of another project next to it", other_wal, DAMAGED_OR_CANNOT),
    Case(
        "a -wal of random bytes next to it",
        lambda p: Path(f"{p}-wal").write_bytes(os.urandom(PAGE * 3)),
        "",
        opens=True,
    ),
    Case(
        "a folder where the project file goes",
        lambda p: (p.unlink(), p.mkdir()),
        r"{project}: is a folder, not a project file",
    ),
    Case(
        "a file where the sidecar folder goes",
        file_where_folder_goes(""),
        r"{data}: is a file, but Salient keeps the project's media and caches in a folder of that name; move or "
        r"rename the file",
    ),
    Case("a file where the cache folder goes", file_where_folder_goes("cache"), BOTH_MISSING, opens=True),
    Case("the cache folder deleted", remove("cache"), BOTH_MISSING, opens=True),
    Case("the sidecar folder deleted", remove(""), BOTH_MISSING, opens=True),
    Case("the faces samples cut short", rewrite_faces('{"options": {"fps": 2'), FACES_MISSING, opens=True),
    Case("the faces samples empty", rewrite_faces(""), FACES_MISSING, opens=True),
    Case("the faces samples of another shape", rewrite_faces('{"samples": 3}'), FACES_MISSING, opens=True),
    Case(
        "the faces samples with too few emotions",
        rewrite_faces('{"labels": ["happy", "sad"], "samples": [[2.0, [[[1, 2, 3, 4], 0.9, [0.5], 1]]]]}'),
        FACES_MISSING,
        opens=True,
    ),
    Case("the faces samples file a folder", faces_not_a_file, FACES_MISSING, opens=True),
    Case(
        "the motion series garbled",
        lambda p: motion_series_file(p).write_bytes(b"\x93NUMPY garbage"),
        MOTION_MISSING,
        opens=True,
    ),
]


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_project(tmp_path_factory.mktemp("damaged"))


@dataclass
class Shown:
    errors: list[str]
    warnings: list[str]


def state(window: MainWindow) -> dict:
    """What the window shows of the open project."""
    session = window.session
    return {
        "project": session.project_path,
        "title": window.windowTitle(),
        "media": session.media,
        "labels": [label.note for label in session.labels.labels],
        "said": [segment.text for segment in session.transcript.segments],
        "persons": [name for _, name, _, _ in session.faces.persons] if session.faces else None,
        "motion": session.motion.stored.run_id if session.motion else None,
        "emotion rows": sorted(
            key for key, track in window.faces.tracks.items() if window.timeline.is_track_visible(track.key)
        ),
    }


@pytest.mark.parametrize("case", CASES, ids=str)
def test_a_damaged_project_gives_one_message(
    qtbot, window: MainWindow, template: Path, tmp_path: Path, case: Case, monkeypatch
) -> None:
    good = copy_project(template, tmp_path / "good")
    open_and_wait(qtbot, window.session, good)
    before = state(window)
    assert before["labels"] == [LABEL_NOTE] and before["said"] == [SAID] and PERSON in before["persons"]
    assert before["motion"] is not None and before["emotion rows"]
    bad = copy_project(template, tmp_path / "bad")
    case.damage(bad)
    damaged_bytes = bad.read_bytes() if bad.is_file() else None
    seen = Shown([], [])
    monkeypatch.setattr(window, "show_error", lambda message, details="": seen.errors.append(message))
    window.session.warning_issued.connect(seen.warnings.append)

    opened = open_settled(qtbot, window.session, bad)

    messages = seen.errors + [warning for warning in seen.warnings if warning != NO_SOUND]
    expected = case.message.format(project=re.escape(str(bad)), data=re.escape(str(data_dir_for(bad))))
    if case.opens:
        assert opened and window.session.project_path == bad
        assert len(messages) == (1 if expected else 0), messages
        if expected:
            assert re.fullmatch(expected, messages[0]), messages[0]
            after = state(window)
            assert after["labels"] == [LABEL_NOTE] and after["said"] == [SAID]
            faces_missing = "faces run" in messages[0]
            assert (after["persons"] is None, after["emotion rows"]) == ((True, []) if faces_missing else (False, [1]))
            notice = window.faces.panel.notice()
            assert notice.startswith("The data of the faces run") == faces_missing
            assert window.faces.panel.notice_button.isVisibleTo(window.faces.panel) == faces_missing
    else:
        assert not opened
        assert len(messages) == 1, messages
        assert re.fullmatch(expected, messages[0]), messages[0]
        assert "\n" not in messages[0]
        assert state(window) == before
        if "left untouched" in messages[0]:
            assert bad.read_bytes() == damaged_bytes


def test_a_faces_run_without_its_data_offers_to_run_it_again(
    qtbot, window: MainWindow, template: Path, tmp_path: Path, monkeypatch
) -> None:
    from PySide6.QtCore import Qt
    from PySide6.QtWidgets import QDialog, QMessageBox

    from widgets.dialogs.faces_dialog import FacesDialog

    project = copy_project(template, tmp_path / "project")
    faces_samples_file(project).unlink()
    open_and_wait(qtbot, window.session, project)
    panel = window.faces.panel
    assert re.fullmatch(
        rf"The {RUN_DATA.format(kind='faces', path=re.escape(str(faces_samples_file_path(project))))}\. The faces "
        r"and persons cannot be shown: run Analyze ▸ Faces again\.",
        panel.notice(),
    ), panel.notice()
    opened: list[str] = []
    monkeypatch.setattr(FacesDialog, "exec", lambda dialog: opened.append("faces") or QDialog.DialogCode.Rejected)
    qtbot.mouseClick(panel.notice_button, Qt.MouseButton.LeftButton)
    assert opened == ["faces"]

    asked: list[str] = []

    def answer(box: QMessageBox) -> int:
        asked.append(box.text())
        next(b for b in box.buttons() if b.text() == "Run Faces Again…").click()
        return 0

    monkeypatch.setattr(QMessageBox, "exec", answer)
    window.faces.persons_dialog()
    assert asked == [panel.notice().split(". The faces")[0] + "."]
    assert opened == ["faces", "faces"]


def faces_samples_file_path(project: Path) -> Path:
    """Where the faces run's samples were (the file itself may be gone)."""
    from app.project.store import Store

    with Store.open(project, read_only=True) as store:
        run = next(run for run in store.runs() if run.kind == "faces")
        return store.artifacts(run.id)["samples"]
