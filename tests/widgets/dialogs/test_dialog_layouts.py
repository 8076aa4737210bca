"""Dialogs show only what their layout places: no control left over at the top-left corner."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialog, QLayout, QWidget

from app.model.formats import EXPORT_KIND_NAMES
from widgets.dialogs.export_dialog import ExportDialog
from widgets.dialogs.transcribe_dialog import TranscribeDialog


def placed(layout: QLayout) -> set[QWidget]:
    """Every widget a layout (and the layouts inside it) manages."""
    found: set[QWidget] = set()
    for index in range(layout.count()):
        item = layout.itemAt(index)
        if item.widget() is not None:
            found.add(item.widget())
        elif item.layout() is not None:
            found |= placed(item.layout())
    return found


def strays(dialog: QDialog) -> list[str]:
    """The dialog's own controls that would be shown although no layout places them."""
    managed = placed(dialog.layout())
    children = dialog.findChildren(QWidget, options=Qt.FindChildOption.FindDirectChildrenOnly)
    return [type(child).__name__ for child in children if child.isVisibleTo(dialog) and child not in managed]


@pytest.mark.parametrize("kind", EXPORT_KIND_NAMES)
def test_export_dialogs_show_no_stray_controls(qtbot, tmp_path: Path, kind: str) -> None:
    dialog = ExportDialog(kind, tmp_path)
    qtbot.addWidget(dialog)
    dialog.show()
    assert strays(dialog) == []


@pytest.mark.parametrize("resume_from_ms", [None, 83_456])
def test_the_transcribe_dialog_shows_no_stray_control(qtbot, resume_from_ms: int | None) -> None:
    dialog = TranscribeDialog(resume_from_ms)
    qtbot.addWidget(dialog)
    dialog.show()
    assert strays(dialog) == []
