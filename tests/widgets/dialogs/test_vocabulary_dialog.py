"""The vocabulary dialog: each edit becomes the right intent, and bad edits are refused with a visible message."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from PySide6.QtGui import QColor
from PySide6.QtWidgets import QColorDialog, QFileDialog

from app.model.records import VocabularyEntry
from resources import resource_path
from tests.helpers.pixels import count_on_row
from widgets.dialogs.vocabulary_dialog import COLOR, DESCRIPTION, NAME, SHORTCUT, VocabularyDialog, normalise_shortcut


def default_entries() -> list[VocabularyEntry]:
    """The shipped vocabulary as the store would hand it over (ids from 1)."""
    labels = json.loads(resource_path("vocabulary_default.json").read_text(encoding="utf-8"))["labels"]
    return [
        VocabularyEntry(
            number,
            item["name"],
            item["description"],
            item["color"],
            item.get("shortcut", ""),
            item.get("kind", "label"),
            number - 1,
        )
        for number, item in enumerate(labels, start=1)
    ]


ENTRIES = default_entries()
ANGER = ENTRIES[0]
NOT_SIGNIFICANT = ENTRIES[-1]


@pytest.fixture
def dialog(qtbot) -> VocabularyDialog:
    widget = VocabularyDialog()
    qtbot.addWidget(widget)
    widget.set_entries(ENTRIES)
    return widget


class NoSignal:
    """Records any emission of the dialog's intents, to assert that a refused edit emitted nothing."""

    def __init__(self, dialog: VocabularyDialog) -> None:
        self.calls: list[tuple] = []
        for signal in (
            dialog.add_requested,
            dialog.update_requested,
            dialog.delete_requested,
            dialog.import_requested,
            dialog.export_requested,
        ):
            signal.connect(lambda *args: self.calls.append(args))


def test_the_table_shows_the_entries(dialog: VocabularyDialog) -> None:
    table = dialog.table
    assert table.rowCount() == 16
    assert [table.item(0, column).text() for column in range(5)] == [
        "#d62728",
        "anger",
        "Ekman: anger",
        "1",
        "label",
    ]
    assert table.item(15, NAME).text() == "not significant" and table.item(15, 4).text() == "exclude"


def test_adding_emits_the_new_value(dialog: VocabularyDialog, qtbot, monkeypatch) -> None:
    monkeypatch.setattr(QColorDialog, "getColor", lambda *args: QColor("#123abc"))
    dialog.new_color_button.click()
    dialog.new_name.setText("  quiet   anger ")
    dialog.new_description.setText("Anger held back")
    dialog.new_shortcut.setText("shift+6")
    with qtbot.waitSignal(dialog.add_requested, timeout=1000) as signal:
        dialog.add_button.click()
    assert signal.args == ["quiet anger", "#123abc", "Anger held back", "Shift+6"]
    assert dialog.new_name.text() == "" and dialog.message.isHidden()


@pytest.mark.parametrize(
    ("name", "shortcut", "message"),
    [
        ("   ", "", "A value needs a name."),
        ("ANGER", "", "There already is a value named 'anger'."),
        ("calm", "1", "The shortcut '1' already belongs to 'anger'."),
        ("calm", "x", "The shortcut 'X' already belongs to 'not significant'."),
        ("calm", "Shift+", "'Shift+' is not a key or key combination (examples: 7, X, Shift+3)."),
    ],
)
def test_a_bad_new_value_is_refused_with_a_message(
    dialog: VocabularyDialog, name: str, shortcut: str, message: str
) -> None:
    emitted = NoSignal(dialog)
    dialog.new_name.setText(name)
    dialog.new_shortcut.setText(shortcut)
    dialog.add_button.click()
    assert emitted.calls == []
    assert not dialog.message.isHidden() and dialog.message.text() == message
    assert dialog.new_name.text() == name


def test_renaming_inline_emits_an_update(dialog: VocabularyDialog, qtbot) -> None:
    with qtbot.waitSignal(dialog.update_requested, timeout=1000) as signal:
        dialog.table.item(0, NAME).setText(" rage ")
    assert signal.args == [ANGER.id, {"name": "rage"}]
    assert dialog.table.item(0, NAME).text() == "rage"


def test_the_rename_button_opens_the_name_for_editing(dialog: VocabularyDialog) -> None:
    dialog.select(ANGER.id)
    dialog.rename_button.click()
    assert dialog.table.state() == dialog.table.State.EditingState
    assert dialog.table.currentColumn() == NAME


def test_a_rename_to_a_taken_or_empty_name_is_refused_and_reverted(dialog: VocabularyDialog) -> None:
    emitted = NoSignal(dialog)
    dialog.table.item(0, NAME).setText("Fear")
    assert dialog.message.text() == "There already is a value named 'fear'."
    assert dialog.table.item(0, NAME).text() == "anger"
    dialog.table.item(0, NAME).setText("")
    assert dialog.message.text() == "A value needs a name."
    assert dialog.table.item(0, NAME).text() == "anger"
    assert emitted.calls == []


def test_changing_the_case_of_a_name_is_allowed(dialog: VocabularyDialog, qtbot) -> None:
    with qtbot.waitSignal(dialog.update_requested, timeout=1000) as signal:
        dialog.table.item(0, NAME).setText("Anger")
    assert signal.args == [ANGER.id, {"name": "Anger"}]


def test_description_and_shortcut_edits(dialog: VocabularyDialog, qtbot) -> None:
    with qtbot.waitSignal(dialog.update_requested, timeout=1000) as signal:
        dialog.table.item(1, DESCRIPTION).setText("Ekman: contempt, looking down on someone")
    assert signal.args == [2, {"description": "Ekman: contempt, looking down on someone"}]
    with qtbot.waitSignal(dialog.update_requested, timeout=1000) as signal:
        dialog.table.item(1, SHORTCUT).setText("ctrl+2")
    assert signal.args == [2, {"shortcut": "Ctrl+2"}]
    emitted = NoSignal(dialog)
    dialog.table.item(1, SHORTCUT).setText("Shift+1")
    assert dialog.message.text() == "The shortcut 'Shift+1' already belongs to 'irony'."
    assert dialog.table.item(1, SHORTCUT).text() == "2"
    assert emitted.calls == []
    # Removing a shortcut is fine.
    with qtbot.waitSignal(dialog.update_requested, timeout=1000) as signal:
        dialog.table.item(1, SHORTCUT).setText("")
    assert signal.args == [2, {"shortcut": ""}]


def test_recolouring_emits_the_picked_colour(dialog: VocabularyDialog, qtbot, monkeypatch) -> None:
    monkeypatch.setattr(QColorDialog, "getColor", lambda *args: QColor("#00ff7f"))
    dialog.select(NOT_SIGNIFICANT.id)
    with qtbot.waitSignal(dialog.update_requested, timeout=1000) as signal:
        dialog.recolor_button.click()
    assert signal.args == [NOT_SIGNIFICANT.id, {"color": "#00ff7f"}]
    emitted = NoSignal(dialog)
    monkeypatch.setattr(QColorDialog, "getColor", lambda *args: QColor())  # cancelled
    dialog.recolor_button.click()
    assert emitted.calls == []


def test_deleting_emits_the_id_but_not_for_the_exclude_value(dialog: VocabularyDialog, qtbot) -> None:
    dialog.select(ENTRIES[2].id)
    assert dialog.delete_button.isEnabled()
    with qtbot.waitSignal(dialog.delete_requested, timeout=1000) as signal:
        dialog.delete_button.click()
    assert signal.args == [3]
    dialog.select(NOT_SIGNIFICANT.id)
    assert not dialog.delete_button.isEnabled()
    assert "cannot be deleted" in dialog.delete_button.toolTip()
    assert dialog.rename_button.isEnabled() and dialog.recolor_button.isEnabled()


def test_nothing_selected_disables_the_row_buttons(qtbot) -> None:
    dialog = VocabularyDialog()
    qtbot.addWidget(dialog)
    dialog.set_entries(ENTRIES)
    assert not any(b.isEnabled() for b in (dialog.rename_button, dialog.recolor_button, dialog.delete_button))


def test_set_entries_refreshes_and_keeps_the_selection(dialog: VocabularyDialog) -> None:
    dialog.select(ENTRIES[4].id)
    renamed = [*ENTRIES[:4], VocabularyEntry(5, "joy", "Ekman: happiness", "#ffbf00", "5", "label", 4), *ENTRIES[5:]]
    dialog.set_entries(renamed)
    assert dialog.table.item(4, NAME).text() == "joy"
    assert dialog.selected_entry() == renamed[4]
    dialog.show_message("labels use 'joy': rename it, or relabel them first")
    assert not dialog.message.isHidden()


def test_import_and_export_emit_the_chosen_paths(dialog: VocabularyDialog, qtbot, monkeypatch, tmp_path: Path) -> None:
    source = str(tmp_path / "shared.json")
    monkeypatch.setattr(QFileDialog, "getOpenFileName", lambda *args: (source, ""))
    with qtbot.waitSignal(dialog.import_requested, timeout=1000) as signal:
        dialog.import_button.click()
    assert signal.args == [source]
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *args: (str(tmp_path / "mine"), ""))
    with qtbot.waitSignal(dialog.export_requested, timeout=1000) as signal:
        dialog.export_button.click()
    assert signal.args == [str(tmp_path / "mine.json")]
    emitted = NoSignal(dialog)
    monkeypatch.setattr(QFileDialog, "getOpenFileName", lambda *args: ("", ""))  # cancelled
    dialog.import_button.click()
    assert emitted.calls == []


def test_shortcuts_are_normalised() -> None:
    assert normalise_shortcut(" shift+3 ") == "Shift+3"
    assert normalise_shortcut("x") == "X"
    assert normalise_shortcut("") == ""
    assert normalise_shortcut("Foo") is None
    assert normalise_shortcut("1, 2") is None


def test_each_colour_is_drawn_as_a_swatch(dialog: VocabularyDialog, qtbot) -> None:
    """Every row's colour cell and the new value's colour button show a 14 px swatch of their colour; after an
    add, the button offers the next palette colour no value has."""
    dialog.resize(800, 700)
    dialog.show()
    qtbot.waitExposed(dialog)
    table = dialog.table
    image = table.viewport().grab().toImage()
    for row, entry in enumerate(ENTRIES):
        cell = table.visualItemRect(table.item(row, COLOR))
        assert image.rect().contains(cell), entry.name
        assert count_on_row(image, cell.center().y(), entry.color, cell.left(), cell.right() + 1) == 14, entry.name
    button = dialog.new_color_button
    assert button.text() == "#ffbb78"  # the first colour of the palette that no default value has (not grey)
    assert count_on_row(button.grab().toImage(), button.height() // 2, "#ffbb78") == 14
    dialog.new_name.setText("calm")
    dialog.add_button.click()
    assert button.text() == "#98df8a"
    assert count_on_row(button.grab().toImage(), button.height() // 2, "#98df8a") == 14
