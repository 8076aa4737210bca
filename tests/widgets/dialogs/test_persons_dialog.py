"""The persons dialog: the table of persons, renaming, merging, splitting and linking to a speaker."""

from __future__ import annotations

from dataclasses import replace

import pytest
from PySide6.QtCore import QSize
from PySide6.QtGui import QColor, QImage
from PySide6.QtWidgets import QDialog

from widgets.dialogs.persons_dialog import NAME, PORTRAIT_SIZE, PersonRow, PersonsDialog, SplitTracksDialog

ROWS = [
    PersonRow(1, "Alice", 125.5, "happy", [(10, 0.0, 40.0)], "SPEAKER_00"),
    PersonRow(2, "Person 2", 61.0, "sad", [(12, 50.0, 80.0), (11, 5.0, 20.5), (14, 90.0, 106.0)]),
    PersonRow(3, "Person 3", 8.0, "neutral", [(13, 30.0, 38.0)]),
]


@pytest.fixture
def dialog(qtbot) -> PersonsDialog:
    widget = PersonsDialog()
    qtbot.addWidget(widget)
    widget.set_speakers(["SPEAKER_00", "SPEAKER_01"])
    widget.set_persons(ROWS)
    return widget


def test_the_table_shows_each_person(dialog: PersonsDialog) -> None:
    table = dialog.table
    rows = [[table.item(row, column).text() for column in range(4)] for row in range(table.rowCount())]
    assert rows == [
        ["Alice", "02:05.5", "happy", "1"],
        ["Person 2", "01:01.0", "sad", "3"],
        ["Person 3", "00:08.0", "neutral", "1"],
    ]
    assert dialog.speaker_combo(1).currentText() == "SPEAKER_00"
    assert dialog.speaker_combo(2).currentText() == "(none)"


def test_renaming_emits_the_cleaned_name_and_an_empty_name_is_refused(qtbot, dialog: PersonsDialog) -> None:
    with qtbot.waitSignal(dialog.rename_requested) as blocker:
        dialog.table.item(1, NAME).setText("  Bob   Smith ")
    assert blocker.args == [2, "Bob Smith"]
    with qtbot.assertNotEmitted(dialog.rename_requested):
        dialog.table.item(0, NAME).setText("   ")
    assert dialog.table.item(0, NAME).text() == "Alice"


def test_merge_puts_the_first_selected_person_first(qtbot, dialog: PersonsDialog) -> None:
    dialog.select([1])
    assert not dialog.merge_button.isEnabled()
    dialog.select([3, 2])
    assert dialog.merge_button.text() == "Merge into Person 2"
    with qtbot.waitSignal(dialog.merge_requested) as blocker:
        dialog.merge_button.click()
    assert blocker.args == [[2, 3]]


def test_split_moves_the_ticked_tracks_to_a_new_person(qtbot, dialog: PersonsDialog, monkeypatch) -> None:
    dialog.select([3])
    assert not dialog.split_button.isEnabled()  # one track cannot be split
    dialog.select([2])
    assert dialog.split_button.isEnabled()
    picker = dialog.make_split_dialog(2)
    assert [picker.list.item(i).text() for i in range(picker.list.count())] == [
        "Track 11 · 00:05.0 – 00:20.5 (15.5 s)",
        "Track 12 · 00:50.0 – 01:20.0 (30.0 s)",
        "Track 14 · 01:30.0 – 01:46.0 (16.0 s)",
    ]
    ok = picker.buttons.button(picker.buttons.StandardButton.Ok)
    assert not ok.isEnabled()
    picker.set_checked([11, 12, 14])
    assert not ok.isEnabled()  # moving every track would only rename the person

    def tick_and_accept(self: SplitTracksDialog) -> int:
        self.set_checked([14, 12])
        return QDialog.DialogCode.Accepted

    monkeypatch.setattr(SplitTracksDialog, "exec", tick_and_accept)
    with qtbot.waitSignal(dialog.split_requested) as blocker:
        dialog.split_button.click()
    assert blocker.args == [2, [12, 14]]


def test_the_speaker_combo_links_and_unlinks(qtbot, dialog: PersonsDialog) -> None:
    combo = dialog.speaker_combo(2)
    with qtbot.waitSignal(dialog.speaker_link_requested) as blocker:
        combo.setCurrentIndex(combo.findText("SPEAKER_01"))
    assert blocker.args == [2, "SPEAKER_01"]
    combo = dialog.speaker_combo(1)
    with qtbot.waitSignal(dialog.speaker_link_requested) as blocker:
        combo.setCurrentIndex(0)
    assert blocker.args == [1, ""]
    with qtbot.assertNotEmitted(dialog.speaker_link_requested):
        dialog.set_speakers(["SPEAKER_01"])
        dialog.set_persons(ROWS)
    # A link to a speaker the transcript no longer has is still shown.
    assert [dialog.speaker_combo(1).itemText(i) for i in range(3)] == ["(none)", "SPEAKER_01", "SPEAKER_00"]
    assert dialog.speaker_combo(1).currentText() == "SPEAKER_00"


def test_each_person_has_a_face_of_the_right_size(qtbot, tmp_path) -> None:
    """The person's portrait (here a 60 × 30 red picture) is shown at PORTRAIT_SIZE² before the name; a person
    without one gets a grey square of the same size; the rows are tall enough for them."""
    red = QImage(60, 30, QImage.Format.Format_RGB32)
    red.fill(QColor("#d02020"))
    path = tmp_path / "face.png"
    assert red.save(str(path))
    dialog = PersonsDialog()
    qtbot.addWidget(dialog)
    dialog.set_persons(
        [replace(ROWS[0], portrait=str(path)), ROWS[1], replace(ROWS[2], portrait=str(tmp_path / "gone.png"))]
    )
    size = QSize(PORTRAIT_SIZE, PORTRAIT_SIZE)
    assert dialog.table.iconSize() == size
    colours = []
    for row in range(3):
        icon = dialog.table.item(row, NAME).icon()
        image = icon.pixmap(size).toImage()
        assert image.size() == size
        assert dialog.table.rowHeight(row) >= PORTRAIT_SIZE
        colours.append(image.pixelColor(PORTRAIT_SIZE // 2, PORTRAIT_SIZE // 2).name())
    assert colours == ["#d02020", "#9a9a9a", "#9a9a9a"]
