"""A project's media file moved or replaced: on opening and before an export that reads it, say so and offer
Relink… (choose where the analysed recording is now; its content must match), Re-analyse (the file now there,
in a new project) or, for a replaced file, Continue anyway."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject
from PySide6.QtWidgets import QFileDialog, QMessageBox

from analysis.errors import SalientError
from app.pipelines.sources import MediaMismatch, check_media_file, fresh_project_path

if TYPE_CHECKING:
    from app.gui.session import Session
    from app.gui.shell import Shell

RELINK, REANALYSE, CONTINUE = "relink", "reanalyse", "continue"


class MediaLinkController(QObject):
    def __init__(self, session: Session, shell: Shell, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.session, self.shell = session, shell
        session.media_problem.connect(self.resolve)

    def ask(self, problem: MediaMismatch, exporting: bool = False) -> str | None:
        """The question: RELINK, REANALYSE, CONTINUE, or None (Cancel: nothing changes)."""
        record, name = problem.record, Path(problem.record.path).name
        box = QMessageBox(QMessageBox.Icon.Warning, "Salient", "", parent=self.shell.dialog_parent)
        box.setObjectName("media_problem_box")
        relink = box.addButton("Relink…", QMessageBox.ButtonRole.AcceptRole)
        choices = {relink: RELINK}
        if problem.missing:
            box.setText(f"The media of {problem.project.name} is no longer at {record.path}.")
            box.setInformativeText(
                f"It was moved, renamed or deleted. Relink…: choose where {name} is now (Salient checks that it is "
                "the same recording, then remembers the new place)."
            )
        else:
            box.setText(f"{record.path} is not the recording {problem.project.name} analysed.")
            box.setInformativeText(
                f"The file's content changed since it was analysed on {record.added_at[:10]}: the project's analyses "
                "and labels belong to the earlier recording.\n\n"
                "Relink…: choose where the analysed recording is now.\n"
                f"Re-analyse: analyse the file now at this path in a new project, "
                f"{fresh_project_path(problem.project).name} (this project stays as it is).\n"
                + (
                    "Continue Anyway: export the earlier analysis with this file's pictures and sound."
                    if exporting
                    else "Continue Anyway: show the earlier analysis over this file (times and pictures may not match)."
                )
            )
            choices[box.addButton("Re-analyse", QMessageBox.ButtonRole.ActionRole)] = REANALYSE
            choices[box.addButton("Continue Anyway", QMessageBox.ButtonRole.DestructiveRole)] = CONTINUE
        box.addButton(QMessageBox.StandardButton.Cancel)
        box.setDefaultButton(relink)
        box.exec()
        return choices.get(box.clickedButton())

    def resolve(self, problem: MediaMismatch, exporting: bool = False) -> str | None:
        """Ask, then do what was chosen; returns the choice. Continue anyway opens the project as it is (when
        opening; an export goes on by itself)."""
        choice = self.ask(problem, exporting)
        if choice == RELINK:
            name = Path(problem.record.path).name
            start = str(Path(problem.record.path).parent)
            path, _ = QFileDialog.getOpenFileName(self.shell.dialog_parent, f"Where is {name} now?", start)
            if not path:
                return None
            self.session.relink(problem.project, Path(path))
        elif choice == REANALYSE:
            self.session.open(problem.record.path, fresh_project_path(problem.project))
        elif choice == CONTINUE and not exporting:
            self.session.open(problem.project, check_media=False)
        return choice

    def confirm_export(self) -> bool | None:
        """Before an export that reads the media: None to stop, True when the user chose to continue with a
        replaced file, False when the file is the one analysed."""
        session = self.session
        try:
            if session.media is not None and session.project_path is not None:
                check_media_file(session.media, session.project_path)  # it may have been replaced since it opened
        except MediaMismatch as problem:
            return True if self.resolve(problem, exporting=True) == CONTINUE else None
        except SalientError as exc:
            self.shell.show_error(str(exc))
            return None
        return False
