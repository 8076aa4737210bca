"""The vocabulary editor: add, rename, recolour, describe, re-key, delete, import and export label values.

The dialog changes nothing itself. It checks each edit (names present and unique, shortcuts valid and unique,
"not significant" kept) and emits an intent; the session applies it and calls :meth:`set_entries` with the
result. An edit the session refuses is reported with :meth:`show_message`, after :meth:`set_entries` has put the
table back.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QColor, QIcon, QKeySequence, QPixmap
from PySide6.QtWidgets import (
    QAbstractItemView,
    QColorDialog,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from app.model.label_colors import LABEL_COLORS, unused_label_color
from app.model.records import VocabularyEntry

log = logging.getLogger(__name__)

COLOR, NAME, DESCRIPTION, SHORTCUT, KIND = range(5)
HEADERS = ("Colour", "Name", "Description", "Shortcut", "Kind")
FIELDS = {NAME: "name", DESCRIPTION: "description", SHORTCUT: "shortcut"}
"""the inline-editable columns and the entry field each one edits"""
EXCLUDE = "exclude"
ERROR_STYLE = "color: #c03030"
VOCABULARY_FILTER = "Salient vocabulary (*.json)"
ID_ROLE = Qt.ItemDataRole.UserRole


def clean_name(name: str) -> str:
    """Names as the store keeps them: surrounding and repeated whitespace removed."""
    return " ".join(name.split())


def normalise_shortcut(text: str) -> str | None:
    """``shift+1`` → ``Shift+1``; "" stays ""; None when it is not one key or key combination."""
    text = text.strip()
    if not text:
        return ""
    sequence = QKeySequence(text, QKeySequence.SequenceFormat.PortableText)
    if sequence.count() != 1 or sequence[0].key() == Qt.Key.Key_unknown:
        return None
    return sequence.toString(QKeySequence.SequenceFormat.PortableText)


def swatch(color: str, size: int = 14) -> QIcon:
    pixmap = QPixmap(size, size)
    pixmap.fill(QColor(color))
    return QIcon(pixmap)


class VocabularyDialog(QDialog):
    """Edits the controlled vocabulary through intents; fed with :meth:`set_entries`."""

    add_requested = Signal(str, str, str, str)
    """name, color (#rrggbb), description, shortcut"""
    update_requested = Signal(int, dict)
    """entry id, {field: new value} with fields among name, description, color, shortcut"""
    delete_requested = Signal(int)
    import_requested = Signal(str)
    export_requested = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Vocabulary")
        self._entries: list[VocabularyEntry] = []
        self._filling = False

        self.table = QTableWidget(0, len(HEADERS), self)
        self.table.setHorizontalHeaderLabels(list(HEADERS))
        self.table.verticalHeader().hide()
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(
            QAbstractItemView.EditTrigger.DoubleClicked
            | QAbstractItemView.EditTrigger.EditKeyPressed
            | QAbstractItemView.EditTrigger.SelectedClicked
        )
        self.table.verticalHeader().setDefaultSectionSize(self.table.fontMetrics().height() + 10)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(DESCRIPTION, QHeaderView.ResizeMode.Stretch)
        hint = QLabel("Double-click a name, description or shortcut to change it, a colour to pick another.")
        hint.setWordWrap(True)

        self.rename_button = QPushButton("Rename")
        self.recolor_button = QPushButton("Recolour…")
        self.delete_button = QPushButton("Delete")
        self.import_button = QPushButton("Import…")
        self.import_button.setToolTip("Add the values of a vocabulary file that this project lacks")
        self.export_button = QPushButton("Export…")
        self.export_button.setToolTip("Save this vocabulary to a file, to use it in another project")
        actions = QHBoxLayout()
        for button in (self.rename_button, self.recolor_button, self.delete_button):
            actions.addWidget(button)
        actions.addStretch(1)
        actions.addWidget(self.import_button)
        actions.addWidget(self.export_button)

        self.new_name = QLineEdit()
        self.new_name.setPlaceholderText("Name")
        self.new_color_button = QPushButton()
        self.new_color_button.setToolTip("Colour of the new value")
        self.new_description = QLineEdit()
        self.new_description.setPlaceholderText("Description")
        self.new_shortcut = QLineEdit()
        self.new_shortcut.setPlaceholderText("Shortcut")
        self.new_shortcut.setToolTip("One key or key combination, e.g. 7, X or Shift+6; may stay empty")
        self.new_shortcut.setMaximumWidth(140)
        self.add_button = QPushButton("Add")
        adding = QHBoxLayout()
        adding.addWidget(QLabel("New value:"))
        adding.addWidget(self.new_name, 2)
        adding.addWidget(self.new_color_button)
        adding.addWidget(self.new_description, 3)
        adding.addWidget(self.new_shortcut, 1)
        adding.addWidget(self.add_button)
        self._new_color = LABEL_COLORS[0]
        self._show_new_color()

        self.message = QLabel()
        self.message.setWordWrap(True)
        self.message.setStyleSheet(ERROR_STYLE)
        self.message.hide()
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)

        layout = QVBoxLayout(self)
        layout.addWidget(hint)
        layout.addWidget(self.table, 1)
        layout.addLayout(actions)
        layout.addLayout(adding)
        layout.addWidget(self.message)
        layout.addWidget(buttons)
        self.resize(820, 560)

        self.table.itemChanged.connect(self._on_table_item_changed)
        self.table.itemSelectionChanged.connect(self._update_buttons)
        self.table.cellDoubleClicked.connect(self._on_table_cell_double_clicked)
        self.rename_button.clicked.connect(self._on_rename_clicked)
        self.recolor_button.clicked.connect(self._on_recolor_clicked)
        self.delete_button.clicked.connect(self._on_delete_clicked)
        self.import_button.clicked.connect(self._on_import_clicked)
        self.export_button.clicked.connect(self._on_export_clicked)
        self.new_color_button.clicked.connect(self._on_new_color_clicked)
        self.add_button.clicked.connect(self._on_add_clicked)
        self.new_name.returnPressed.connect(self._on_add_clicked)
        self._update_buttons()

    # -- fed by the session ------------------------------------------------------------------------

    def set_entries(self, entries: Sequence[VocabularyEntry]) -> None:
        """Show ``entries`` (again, after a change was applied or refused), keeping the selected value."""
        selected = self.selected_entry()
        self._entries = list(entries)
        self._filling = True
        try:
            self.table.setRowCount(len(self._entries))
            for row, entry in enumerate(self._entries):
                self._fill_row(row, entry)
        finally:
            self._filling = False
        self.table.resizeColumnToContents(COLOR)
        self.table.resizeColumnToContents(NAME)
        self.table.resizeColumnToContents(SHORTCUT)
        self.table.resizeColumnToContents(KIND)
        if selected is not None:
            row = self._row_of(selected.id)
            if row is not None:
                self.table.selectRow(row)
        if self._new_color in {entry.color.lower() for entry in self._entries}:
            self._new_color = self._unused_color()
            self._show_new_color()
        self._update_buttons()

    def show_message(self, text: str) -> None:
        """Show why something was refused (by this dialog, or by the session); empty text hides it."""
        self.message.setText(text)
        self.message.setVisible(bool(text))
        if text:
            log.info("vocabulary: %s", text)

    def selected_entry(self) -> VocabularyEntry | None:
        rows = self.table.selectionModel().selectedRows()
        if not rows or not self._entries:
            return None
        row = rows[0].row()
        return self._entries[row] if row < len(self._entries) else None

    def select(self, entry_id: int) -> None:
        row = self._row_of(entry_id)
        if row is not None:
            self.table.selectRow(row)

    # -- checks ------------------------------------------------------------------------------------

    def name_problem(self, name: str, entry_id: int | None = None) -> str:
        """Why ``name`` cannot be used (for entry ``entry_id``, or a new one); "" when it can."""
        name = clean_name(name)
        if not name:
            return "A value needs a name."
        for entry in self._entries:
            if entry.id != entry_id and entry.name.casefold() == name.casefold():
                return f"There already is a value named {entry.name!r}."
        return ""

    def shortcut_problem(self, shortcut: str, entry_id: int | None = None) -> str:
        """Why ``shortcut`` cannot be used; "" when it can (an empty shortcut always can)."""
        normal = normalise_shortcut(shortcut)
        if normal is None:
            return f"{shortcut.strip()!r} is not a key or key combination (examples: 7, X, Shift+3)."
        if not normal:
            return ""
        for entry in self._entries:
            if entry.id != entry_id and (normalise_shortcut(entry.shortcut) or "").casefold() == normal.casefold():
                return f"The shortcut {normal!r} already belongs to {entry.name!r}."
        return ""

    # -- internals ---------------------------------------------------------------------------------

    def _fill_row(self, row: int, entry: VocabularyEntry) -> None:
        color = QTableWidgetItem(swatch(entry.color), entry.color)
        color.setFlags(Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable)
        color.setToolTip("Double-click to pick another colour")
        name = QTableWidgetItem(entry.name)
        name.setData(ID_ROLE, entry.id)
        kind = QTableWidgetItem(entry.kind)
        kind.setFlags(Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable)
        if entry.kind == EXCLUDE:
            kind.setToolTip("Marks a segment as not a real moment (shot change, zoom, noise); cannot be deleted")
        for column, item in (
            (COLOR, color),
            (NAME, name),
            (DESCRIPTION, QTableWidgetItem(entry.description)),
            (SHORTCUT, QTableWidgetItem(entry.shortcut)),
            (KIND, kind),
        ):
            self.table.setItem(row, column, item)

    def _row_of(self, entry_id: int) -> int | None:
        return next((row for row, entry in enumerate(self._entries) if entry.id == entry_id), None)

    def _update_buttons(self) -> None:
        entry = self.selected_entry()
        self.rename_button.setEnabled(entry is not None)
        self.recolor_button.setEnabled(entry is not None)
        deletable = entry is not None and entry.kind != EXCLUDE
        self.delete_button.setEnabled(deletable)
        if entry is not None and entry.kind == EXCLUDE:
            self.delete_button.setToolTip(f"{entry.name!r} marks segments as not significant: it cannot be deleted")
        else:
            self.delete_button.setToolTip("Delete the selected value (only when no label uses it)")

    def _unused_color(self, also: set[str] | None = None) -> str:
        """The first palette colour no value has (nor any in ``also``: just requested, not yet applied)."""
        return unused_label_color([*(entry.color for entry in self._entries), *(also or ())])

    def _show_new_color(self) -> None:
        self.new_color_button.setIcon(swatch(self._new_color))
        self.new_color_button.setText(self._new_color)

    def _pick_color(self, initial: str, title: str) -> str | None:
        color = QColorDialog.getColor(QColor(initial), self, title)
        return color.name() if color.isValid() else None

    def _request_update(self, entry: VocabularyEntry, fields: dict[str, Any]) -> None:
        self.show_message("")
        log.debug("vocabulary update requested: %s %s", entry.id, fields)
        self.update_requested.emit(entry.id, fields)

    def _on_table_item_changed(self, item: QTableWidgetItem) -> None:
        """An inline edit: check it, then ask for it, or put the old text back and say why."""
        if self._filling or item.column() not in FIELDS:
            return
        entry = self._entries[item.row()]
        field = FIELDS[item.column()]
        old = getattr(entry, field)
        text = item.text()
        if field == "name":
            problem, value = self.name_problem(text, entry.id), clean_name(text)
        elif field == "shortcut":
            problem, value = self.shortcut_problem(text, entry.id), normalise_shortcut(text) or ""
        else:
            problem, value = "", text.strip()
        self._filling = True
        try:
            item.setText(old if problem else value)
        finally:
            self._filling = False
        if problem:
            self.show_message(problem)
        elif value != old:
            self._request_update(entry, {field: value})

    def _on_table_cell_double_clicked(self, row: int, column: int) -> None:
        if column == COLOR:
            self.table.selectRow(row)
            self._on_recolor_clicked()

    def _on_rename_clicked(self) -> None:
        rows = self.table.selectionModel().selectedRows()
        if rows:
            self.table.setCurrentCell(rows[0].row(), NAME)
            self.table.editItem(self.table.item(rows[0].row(), NAME))

    def _on_recolor_clicked(self) -> None:
        entry = self.selected_entry()
        if entry is None:
            return
        color = self._pick_color(entry.color, f"Colour of {entry.name}")
        if color is not None and color.lower() != entry.color.lower():
            self._request_update(entry, {"color": color})

    def _on_delete_clicked(self) -> None:
        entry = self.selected_entry()
        if entry is None:
            return
        if entry.kind == EXCLUDE:
            self.show_message(f"{entry.name!r} marks segments as not significant: it cannot be deleted.")
            return
        self.show_message("")
        self.delete_requested.emit(entry.id)

    def _on_new_color_clicked(self) -> None:
        color = self._pick_color(self._new_color, "Colour of the new value")
        if color is not None:
            self._new_color = color
            self._show_new_color()

    def _on_add_clicked(self) -> None:
        name = clean_name(self.new_name.text())
        shortcut = self.new_shortcut.text()
        problem = self.name_problem(name) or self.shortcut_problem(shortcut)
        if problem:
            self.show_message(problem)
            return
        self.show_message("")
        description = self.new_description.text().strip()
        log.debug("vocabulary value requested: %s", name)
        self.add_requested.emit(name, self._new_color, description, normalise_shortcut(shortcut) or "")
        for field in (self.new_name, self.new_description, self.new_shortcut):
            field.clear()
        self._new_color = self._unused_color(also={self._new_color})
        self._show_new_color()

    def _on_import_clicked(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, "Import vocabulary", "", VOCABULARY_FILTER)
        if path:
            self.show_message("")
            self.import_requested.emit(path)

    def _on_export_clicked(self) -> None:
        path, _ = QFileDialog.getSaveFileName(self, "Export vocabulary", "vocabulary.json", VOCABULARY_FILTER)
        if path:
            if not path.lower().endswith(".json"):
                path += ".json"
            self.show_message("")
            self.export_requested.emit(path)
