"""The persons dialog: rename persons, merge or split them, and link each to a transcript speaker.

Face tracks are grouped into persons automatically, and the grouping is sometimes wrong: one person split in
two after a haircut-like change of light, or two people joined. Here the user corrects it. The dialog changes
nothing itself; each edit is an intent (``rename_requested``, ``merge_requested``, ``split_requested``,
``speaker_link_requested``) and the owner answers with :meth:`PersonsDialog.set_persons`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from PySide6.QtCore import QSize, Qt, Signal
from PySide6.QtGui import QColor, QIcon, QPixmap
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from app.timecode import format_seconds
from widgets.style import emotion_color

NAME, VISIBLE, DOMINANT, TRACKS, SPEAKER = range(5)
HEADERS = ("Name", "On screen", "Dominant emotion", "Tracks", "Speaker")
NO_SPEAKER = "(none)"
"""The speaker combo's first entry: the person is linked to no speaker."""
ID_ROLE = Qt.ItemDataRole.UserRole
PORTRAIT_SIZE = 40
"""Side in pixels of the face shown next to each person's name."""


@dataclass(frozen=True, slots=True)
class PersonRow:
    """What the dialog shows of one person; ``tracks`` are (track id, start s, end s), ``speaker`` "" if none."""

    id: int
    name: str
    seconds_visible: float
    dominant: str
    tracks: list[tuple[int, float, float]] = field(default_factory=list)
    speaker: str = ""
    portrait: str = ""
    """a PNG of the person's largest face; "" if the run kept none (a grey square is shown)"""


def _swatch(color: str, size: int = 12) -> QIcon:
    pixmap = QPixmap(size, size)
    pixmap.fill(QColor(color))
    return QIcon(pixmap)


def portrait_pixmap(path: str, size: int = PORTRAIT_SIZE) -> QPixmap:
    """The person's face scaled to ``size``², or a grey square when there is none (or it cannot be read)."""
    pixmap = QPixmap(path) if path else QPixmap()
    if pixmap.isNull():
        pixmap = QPixmap(size, size)
        pixmap.fill(QColor("#9a9a9a"))
        return pixmap
    return pixmap.scaled(size, size, Qt.AspectRatioMode.IgnoreAspectRatio, Qt.TransformationMode.SmoothTransformation)


def track_text(track_id: int, start_s: float, end_s: float) -> str:
    """How a track is listed in the split dialog: "Track 12 · 00:10.0 – 00:45.2 (35.2 s)"."""
    return f"Track {track_id} · {format_seconds(start_s, 1)} – {format_seconds(end_s, 1)} ({end_s - start_s:.1f} s)"


class SplitTracksDialog(QDialog):
    """Pick the tracks of one person that become a new person (some, not all)."""

    def __init__(self, row: PersonRow, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(f"Split {row.name}")
        self.person_id = row.id
        self.list = QListWidget(self)
        for track_id, start_s, end_s in sorted(row.tracks, key=lambda track: (track[1], track[0])):
            item = QListWidgetItem(track_text(track_id, start_s, end_s), self.list)
            item.setData(ID_ROLE, track_id)
            item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
            item.setCheckState(Qt.CheckState.Unchecked)
        self.list.itemChanged.connect(self._on_list_item_changed)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setText("Split")
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(QLabel(f"Tick the tracks of {row.name} that belong to another person:", self))
        layout.addWidget(self.list, 1)
        layout.addWidget(self.buttons)
        self._on_list_item_changed()

    def set_checked(self, track_ids: Sequence[int]) -> None:
        wanted = set(track_ids)
        for index in range(self.list.count()):
            item = self.list.item(index)
            checked = item.data(ID_ROLE) in wanted
            item.setCheckState(Qt.CheckState.Checked if checked else Qt.CheckState.Unchecked)

    def checked_tracks(self) -> list[int]:
        """The ticked tracks' ids, in the listed (time) order."""
        items = (self.list.item(index) for index in range(self.list.count()))
        return [int(item.data(ID_ROLE)) for item in items if item.checkState() == Qt.CheckState.Checked]

    def _on_list_item_changed(self, *_args: object) -> None:
        count = len(self.checked_tracks())
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setEnabled(0 < count < self.list.count())


class PersonsDialog(QDialog):
    """A table of persons with Merge, Split… and a speaker per person; every edit is an intent."""

    rename_requested = Signal(int, str)
    """person id, new name"""
    merge_requested = Signal(object)
    """list of person ids, the one to keep first"""
    split_requested = Signal(int, object)
    """person id, list of the track ids that become a new person"""
    speaker_link_requested = Signal(int, str)
    """person id, speaker name ("" unlinks)"""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Persons")
        self._rows: list[PersonRow] = []
        self._speakers: list[str] = []
        self.table = QTableWidget(0, len(HEADERS), self)
        self.table.setHorizontalHeaderLabels(HEADERS)
        self.table.verticalHeader().hide()
        self.table.setIconSize(QSize(PORTRAIT_SIZE, PORTRAIT_SIZE))
        self.table.verticalHeader().setDefaultSectionSize(PORTRAIT_SIZE + 6)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.table.setEditTriggers(
            QAbstractItemView.EditTrigger.DoubleClicked
            | QAbstractItemView.EditTrigger.EditKeyPressed
            | QAbstractItemView.EditTrigger.SelectedClicked
        )
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(NAME, QHeaderView.ResizeMode.Stretch)
        for column in (VISIBLE, DOMINANT, TRACKS, SPEAKER):
            header.setSectionResizeMode(column, QHeaderView.ResizeMode.ResizeToContents)
        self.table.itemChanged.connect(self._on_table_item_changed)
        self.table.itemSelectionChanged.connect(self._on_table_selection_changed)
        self.merge_button = QPushButton("Merge", self)
        self.split_button = QPushButton("Split…", self)
        self.merge_button.clicked.connect(self._on_merge_clicked)
        self.split_button.clicked.connect(self._on_split_clicked)
        close = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, self)
        close.rejected.connect(self.reject)
        buttons = QHBoxLayout()
        buttons.addWidget(self.merge_button)
        buttons.addWidget(self.split_button)
        buttons.addStretch(1)
        buttons.addWidget(close)
        hint = QLabel("Double-click a name to rename. Select several persons to merge them into the first.", self)
        hint.setWordWrap(True)
        layout = QVBoxLayout(self)
        layout.addWidget(self.table, 1)
        layout.addWidget(hint)
        layout.addLayout(buttons)
        self.resize(680, 420)
        self._on_table_selection_changed()

    # Data -------------------------------------------------------------------------------------------------

    def set_persons(self, rows: Sequence[PersonRow]) -> None:
        """Show these persons, keeping the selection of those still there."""
        selected = set(self.selected_ids())
        self._rows = list(rows)
        self.table.blockSignals(True)
        self.table.clearContents()
        self.table.setRowCount(len(self._rows))
        for index, row in enumerate(self._rows):
            name = QTableWidgetItem(row.name)
            name.setData(ID_ROLE, row.id)
            name.setIcon(QIcon(portrait_pixmap(row.portrait)))
            self.table.setItem(index, NAME, name)
            visible = self._read_only(format_seconds(row.seconds_visible, 1))
            visible.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
            self.table.setItem(index, VISIBLE, visible)
            dominant = self._read_only(row.dominant or "—")
            if row.dominant:
                dominant.setIcon(_swatch(emotion_color(row.dominant)))
            self.table.setItem(index, DOMINANT, dominant)
            tracks = self._read_only(str(len(row.tracks)))
            tracks.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
            self.table.setItem(index, TRACKS, tracks)
            self.table.setCellWidget(index, SPEAKER, self._speaker_combo(row))
        self.table.blockSignals(False)
        for index, row in enumerate(self._rows):
            if row.id in selected:
                self.table.selectRow(index)
        self._on_table_selection_changed()

    def set_speakers(self, names: Sequence[str]) -> None:
        """The transcript's speaker names offered in the Speaker column."""
        self._speakers = list(dict.fromkeys(names))
        for index, row in enumerate(self._rows):
            self.table.setCellWidget(index, SPEAKER, self._speaker_combo(row))

    def rows(self) -> list[PersonRow]:
        return list(self._rows)

    def speaker_combo(self, person_id: int) -> QComboBox:
        """The Speaker cell of a person."""
        return self.table.cellWidget(self._index_of(person_id), SPEAKER)

    def selected_ids(self) -> list[int]:
        """Ids of the selected persons, top to bottom."""
        indexes = sorted({index.row() for index in self.table.selectionModel().selectedRows()})
        return [self._rows[index].id for index in indexes if index < len(self._rows)]

    def select(self, person_ids: Sequence[int]) -> None:
        """Select these persons (and only these)."""
        self.table.clearSelection()
        mode = self.table.selectionMode()
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.MultiSelection)
        for person_id in person_ids:
            self.table.selectRow(self._index_of(person_id))
        self.table.setSelectionMode(mode)

    def make_split_dialog(self, person_id: int) -> SplitTracksDialog:
        """The track picker that Split… opens for a person."""
        return SplitTracksDialog(self._rows[self._index_of(person_id)], self)

    # Internals --------------------------------------------------------------------------------------------

    @staticmethod
    def _read_only(text: str) -> QTableWidgetItem:
        item = QTableWidgetItem(text)
        item.setFlags(item.flags() & ~Qt.ItemFlag.ItemIsEditable)
        return item

    def _index_of(self, person_id: int) -> int:
        for index, row in enumerate(self._rows):
            if row.id == person_id:
                return index
        raise KeyError(f"no person with id {person_id}")

    def _speaker_combo(self, row: PersonRow) -> QComboBox:
        combo = QComboBox()
        combo.addItem(NO_SPEAKER, "")
        names = list(self._speakers)
        if row.speaker and row.speaker not in names:
            names.append(row.speaker)  # linked to a speaker the transcript no longer has: still shown
        for name in names:
            combo.addItem(name, name)
        combo.setCurrentIndex(max(combo.findData(row.speaker), 0))
        combo.currentIndexChanged.connect(lambda _index, pid=row.id, box=combo: self._on_speaker_changed(pid, box))
        return combo

    # Slots ------------------------------------------------------------------------------------------------

    def _on_table_item_changed(self, item: QTableWidgetItem) -> None:
        if item.column() != NAME:
            return
        row = self._rows[item.row()]
        name = " ".join(item.text().split())
        if not name or name == row.name:
            self.table.blockSignals(True)
            item.setText(row.name)
            self.table.blockSignals(False)
            return
        self.rename_requested.emit(row.id, name)

    def _on_table_selection_changed(self) -> None:
        ids = self.selected_ids()
        can_merge = len(ids) >= 2
        self.merge_button.setEnabled(can_merge)
        if can_merge:
            target = self._rows[self._index_of(ids[0])].name
            self.merge_button.setText(f"Merge into {target}")
        else:
            self.merge_button.setText("Merge")
        can_split = len(ids) == 1 and len(self._rows[self._index_of(ids[0])].tracks) >= 2
        self.split_button.setEnabled(can_split)
        self.split_button.setToolTip("" if can_split else "Select one person seen in at least two tracks")

    def _on_merge_clicked(self) -> None:
        ids = self.selected_ids()
        if len(ids) >= 2:
            self.merge_requested.emit(ids)

    def _on_split_clicked(self) -> None:
        ids = self.selected_ids()
        if len(ids) != 1:
            return
        picker = self.make_split_dialog(ids[0])
        if picker.exec() == QDialog.DialogCode.Accepted:
            tracks = picker.checked_tracks()
            if tracks:
                self.split_requested.emit(ids[0], tracks)

    def _on_speaker_changed(self, person_id: int, combo: QComboBox) -> None:
        self.speaker_link_requested.emit(person_id, str(combo.currentData() or ""))
