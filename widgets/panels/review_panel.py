"""The review queue: every flagged segment (and every selection) to label, keyboard first.

Number keys (and the vocabulary's other shortcuts) label the selected row, X marks it not significant,
Enter moves to the next unlabelled row, the arrows move. The panel only emits intents.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from PySide6.QtCore import (
    QAbstractItemModel,
    QAbstractTableModel,
    QEvent,
    QModelIndex,
    QPersistentModelIndex,
    Qt,
    Signal,
)
from PySide6.QtGui import QAction, QColor, QFont, QKeyEvent, QKeySequence, QPainter, QPalette, QPixmap, QShortcut
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QSpinBox,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from app.model.records import VocabularyEntry
from app.timecode import format_mmss
from widgets.style import readable_on

CONTEXT_CHOICES_S = (1, 5, 10, 20, 30, 40, 50, 60)
_COLUMNS = ("Label", "Track", "Range", "Peak", "z", "Pause before", "Pause after")
"""One column per fact, each header once (the range in seconds is the Range cell's tooltip, not a second
"Range" column)."""
_LABEL_COLUMN = 0
_TRACK_COLUMN = 1
_RANGE_COLUMN = 2
HIDDEN_COLUMNS = frozenset({"Peak", "Pause before", "Pause after"})
"""Columns shown only when picked from the header's context menu: the rest fit the dock without scrolling."""


def _clock(ms: int | None) -> str:
    return "—" if ms is None else format_mmss(ms)


def _seconds(ms: int | None) -> str:
    return "—" if ms is None else f"{ms / 1000:.2f} s"


@dataclass(frozen=True, slots=True)
class ReviewRow:
    """One segment of the queue as the panel shows it."""

    key: str
    start_ms: int
    end_ms: int
    peak_ms: int | None = None
    z: float | None = None
    pause_before_ms: int | None = None
    pause_after_ms: int | None = None
    label: str = ""
    """this annotator's value, empty when not yet labelled"""
    color: str = ""
    others: str = ""
    """other annotators' values, for the tooltip"""
    intensity: int | None = None
    confidence: float | None = None
    note: str = ""
    track: str = ""
    """where the segment comes from: 'audio', 'motion', 'audio + motion', 'selection'"""
    shot: str = ""
    """why it coincides with a shot change ("within 0.5 s of a cut at 00:12.300"): not significant unless
    labelled otherwise"""
    track_detail: str = ""
    """each track's peak and z ('audio: peak 00:07.907, z +5.14 · motion: peak 00:07.440, z +1.85'): the
    Track cell's tooltip, a line per track"""


def _cells(row: ReviewRow) -> tuple[str, ...]:
    """The texts of a row, in the order of _COLUMNS."""
    unlabelled = f"not significant? ({row.shot})" if row.shot else "not yet labelled"
    return (
        row.label or unlabelled,
        row.track,
        f"{_clock(row.start_ms)}–{_clock(row.end_ms)}",
        _clock(row.peak_ms),
        "—" if row.z is None else f"{row.z:+.2f}",
        _seconds(row.pause_before_ms),
        _seconds(row.pause_after_ms),
    )


class _QueueModel(QAbstractTableModel):
    """The queue's rows, in the panel's order; each cell's text is made only when the view shows it, so a queue
    of 50,000 segments is set in the time it takes to sort it."""

    _GREY = QColor(150, 150, 150)
    """"not yet labelled", made readable on the rows' background like the labels' colours"""
    _SWATCH_PX = 12

    def __init__(self, parent: QWidget) -> None:
        super().__init__(parent)
        self.rows: list[ReviewRow] = []
        self._background = QColor("#ffffff")
        self._texts: dict[str, QColor] = {}
        """label colour → its text colour on the rows' background"""
        self._swatches: dict[str, QPixmap] = {}
        self._italic = QFont()
        self._italic.setItalic(True)

    def set_background(self, background: QColor) -> None:
        """The rows' background, that every label's text keeps a WCAG contrast of 4.5:1 or more against."""
        if background != self._background:
            self._background = QColor(background)
            self._texts.clear()
            if self.rows:
                self.dataChanged.emit(self.index(0, _LABEL_COLUMN), self.index(len(self.rows) - 1, _LABEL_COLUMN))

    def text_color(self, color: str) -> QColor:
        """The label's colour as text on the rows: darkened (on light rows) just enough to be read."""
        text = self._texts.get(color)
        if text is None:
            text = self._texts[color] = readable_on(QColor(color) if color else self._GREY, self._background)
        return text

    def _swatch(self, color: str) -> QPixmap:
        """The label's own colour, as a square with a darker edge (a pale colour still shows on white)."""
        pixmap = self._swatches.get(color)
        if pixmap is None:
            pixmap = QPixmap(self._SWATCH_PX, self._SWATCH_PX)
            pixmap.fill(QColor(color).darker(160))
            painter = QPainter(pixmap)
            painter.fillRect(1, 1, self._SWATCH_PX - 2, self._SWATCH_PX - 2, QColor(color))
            painter.end()
            self._swatches[color] = pixmap
        return pixmap

    def set_rows(self, rows: list[ReviewRow]) -> None:
        self.beginResetModel()
        self.rows = rows
        self.endResetModel()

    def replace(self, index: int, row: ReviewRow) -> None:
        self.rows[index] = row
        self.dataChanged.emit(self.index(index, 0), self.index(index, len(_COLUMNS) - 1))

    def rowCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:  # Qt's name  # noqa: B008
        return 0 if parent.isValid() else len(self.rows)

    def columnCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:  # Qt's name  # noqa: B008
        return 0 if parent.isValid() else len(_COLUMNS)

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return _COLUMNS[section]
        return None

    def data(self, index: QModelIndex | QPersistentModelIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        row = self.rows[index.row()]
        if role == Qt.ItemDataRole.DisplayRole:
            return _cells(row)[index.column()]
        if role == Qt.ItemDataRole.ToolTipRole and index.column() == _TRACK_COLUMN:
            return row.track_detail.replace(" · ", "\n") or None  # one line per track
        if role == Qt.ItemDataRole.ToolTipRole and index.column() == _RANGE_COLUMN:
            return f"{row.start_ms / 1000:.3f}–{row.end_ms / 1000:.3f} s"
        if index.column() != _LABEL_COLUMN:
            return None
        labelled = bool(row.label and row.color)
        if role == Qt.ItemDataRole.ForegroundRole:
            return self.text_color(row.color if labelled else "")
        if role == Qt.ItemDataRole.DecorationRole:
            return self._swatch(row.color) if labelled else None
        if role == Qt.ItemDataRole.FontRole:
            return None if row.label else self._italic
        if role == Qt.ItemDataRole.ToolTipRole:
            # the label column elides: its whole text is here
            tips = [f"Your label: {row.label}"] if row.label else []
            if row.others:
                tips.append(row.others)
            if row.shot:
                tips.append(
                    f"Coincides with a shot change ({row.shot}): treated as not significant unless you label it"
                )
            return "\n".join(tips) or None
        return None


class _QueueTable(QTableView):
    """Enter is the panel's, not the table's (it would start editing); a new palette gives the labels' texts a
    new background to be readable on."""

    enter_pressed = Signal()

    def setModel(self, model: QAbstractItemModel | None) -> None:  # Qt's name
        super().setModel(model)
        self._show_background()

    def changeEvent(self, event: QEvent) -> None:  # Qt's name
        if event.type() == QEvent.Type.PaletteChange:
            self._show_background()
        super().changeEvent(event)

    def _show_background(self) -> None:
        model = self.model()
        if isinstance(model, _QueueModel):
            model.set_background(self.palette().color(QPalette.ColorRole.Base))

    def keyPressEvent(self, event: QKeyEvent) -> None:  # Qt's name
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            self.enter_pressed.emit()
            return
        super().keyPressEvent(event)


class ConfidenceBox(QSpinBox):
    """Confidence in %, "—" when not given: the first step up from "—" goes to 50 %, then in 5 % steps (nobody means
    1 % sure)."""

    FIRST = 50

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setSingleStep(5)

    def stepBy(self, steps: int) -> None:  # Qt's name
        if self.value() == self.minimum() and steps > 0:
            self.setValue(self.FIRST)
            steps -= 1
        super().stepBy(steps)


class ReviewPanel(QWidget):
    row_selected = Signal(str)
    """segment key: seek and play it with its context"""
    label_requested = Signal(str, int)
    """segment key, vocabulary id"""
    details_edited = Signal(str, dict)
    """segment key, {intensity | confidence | note: value}"""
    empty_action_requested = Signal()
    """the button of the empty queue was pressed (the owner says what it does: set_empty_state)"""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        bar = QHBoxLayout()
        self.sort = QComboBox(self)
        self.sort.addItem("Sort by time", "time")
        self.sort.addItem("Sort by z-score", "z")
        self.sort.addItem("Not yet labelled first", "unlabelled")
        self.sort.currentIndexChanged.connect(lambda _: self._fill())
        bar.addWidget(self.sort)
        bar.addWidget(QLabel("Context ±", self))
        self.context = QComboBox(self)
        for seconds in CONTEXT_CHOICES_S:
            self.context.addItem(f"{seconds} s", seconds)
        self.context.setCurrentIndex(CONTEXT_CHOICES_S.index(5))
        self.context.setToolTip("Half-window around the peak played when a row is selected")
        bar.addWidget(self.context)
        bar.addStretch(1)
        self.progress = QLabel(self)
        bar.addWidget(self.progress)
        layout.addLayout(bar)

        self.empty_label = QLabel(self)
        self.empty_label.setWordWrap(True)
        self.empty_label.setStyleSheet("color: #909090;")
        self.empty_button = QPushButton(self)
        self.empty_button.clicked.connect(self.empty_action_requested)
        empty_bar = QHBoxLayout()
        empty_bar.addWidget(self.empty_label, 1)
        empty_bar.addWidget(self.empty_button, 0, Qt.AlignmentFlag.AlignTop)
        layout.addLayout(empty_bar)
        self.set_empty_state("")

        self.table = _QueueTable(self)
        self._model = _QueueModel(self)
        self.table.setModel(self._model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.verticalHeader().hide()
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        # The label column takes what the others leave and elides: the table never scrolls sideways and its
        # widths do not jump as labels are given.
        header.setSectionResizeMode(_LABEL_COLUMN, QHeaderView.ResizeMode.Stretch)
        header.setStretchLastSection(False)
        self.table.setTextElideMode(Qt.TextElideMode.ElideRight)
        header.setContextMenuPolicy(Qt.ContextMenuPolicy.ActionsContextMenu)
        for column, name in enumerate(_COLUMNS):
            self.table.setColumnHidden(column, name in HIDDEN_COLUMNS)
            if column != _LABEL_COLUMN:
                action = QAction(name, header)
                action.setCheckable(True)
                action.setChecked(name not in HIDDEN_COLUMNS)
                action.toggled.connect(lambda shown, column=column: self.table.setColumnHidden(column, not shown))
                header.addAction(action)
        self.table.selectionModel().selectionChanged.connect(lambda *_: self._on_table_selection_changed())
        self.table.enter_pressed.connect(self.next_unlabelled)
        layout.addWidget(self.table, 1)

        details = QHBoxLayout()
        details.addWidget(QLabel("Intensity", self))
        self.intensity = QSpinBox(self)
        self.intensity.setRange(0, 5)
        self.intensity.setSpecialValueText("—")
        self.intensity.setToolTip("1 (faint) to 5 (very strong)")
        # room for the digit beside the arrows, whatever the style's idea of a spin box's width
        self.intensity.setMinimumWidth(self.intensity.sizeHint().width() + self.fontMetrics().horizontalAdvance("00"))
        self.intensity.valueChanged.connect(lambda v: self._edit({"intensity": v or None}))
        details.addWidget(self.intensity)
        details.addWidget(QLabel("Confidence", self))
        self.confidence = ConfidenceBox(self)
        self.confidence.setRange(0, 100)
        self.confidence.setSuffix(" %")
        self.confidence.setSpecialValueText("—")
        self.confidence.valueChanged.connect(lambda v: self._edit({"confidence": v / 100 if v else None}))
        details.addWidget(self.confidence)
        details.addWidget(QLabel("Note", self))
        self.note = QLineEdit(self)
        self.note.setPlaceholderText("free text, saved when you press Enter or leave the field")
        self.note.editingFinished.connect(lambda: self._edit({"note": self.note.text()}))
        details.addWidget(self.note, 1)
        layout.addLayout(details)
        self.hint = QLabel(self)
        self.hint.setWordWrap(True)
        self.hint.setStyleSheet("color: #909090;")
        layout.addWidget(self.hint)

        self._rows: dict[str, ReviewRow] = {}
        self._order: list[str] = []
        self._position: dict[str, int] = {}
        """each key's row in the table"""
        self._shortcuts: list[QShortcut] = []
        self._loading = False
        self._restoring = False

    # -- data --------------------------------------------------------------------------------------

    def set_vocabulary(self, entries: Sequence[VocabularyEntry]) -> None:
        """One shortcut per value that has one (number keys, X for "not significant"…), active in the panel."""
        for shortcut in self._shortcuts:
            shortcut.setParent(None)
            shortcut.deleteLater()
        self._shortcuts = []
        keys = []
        for entry in entries:
            if not entry.shortcut:
                continue
            shortcut = QShortcut(QKeySequence(entry.shortcut), self)
            shortcut.setContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
            shortcut.activated.connect(lambda entry_id=entry.id: self._label_current(entry_id))
            self._shortcuts.append(shortcut)
            keys.append(f"{entry.shortcut} {entry.name}")
        self.hint.setText("Keys: " + " · ".join(keys) + " · Enter: next unlabelled · ↑/↓: move")

    def set_empty_state(self, text: str, action: str = "") -> None:
        """Why the queue is empty and what would fill it (``action``: a button's text; "" for none)."""
        self.empty_label.setText(text)
        self.empty_label.setVisible(bool(text))
        self.empty_button.setText(action)
        self.empty_button.setVisible(bool(action))

    def set_rows(self, rows: Sequence[ReviewRow]) -> None:
        """Replace the queue, keeping the selected segment selected when it is still there."""
        current = self.selected_key()
        self._rows = {row.key: row for row in rows}
        self._fill(current)

    def update_row(self, row: ReviewRow) -> None:
        """Show one segment's new label state without rebuilding the table."""
        if row.key not in self._rows:
            return
        self._rows[row.key] = row
        self._model.replace(self._position[row.key], row)
        self._update_progress()
        if row.key == self.selected_key():
            self._show_details(row)

    def rows(self) -> list[ReviewRow]:
        return [self._rows[key] for key in self._order]

    def selected_key(self) -> str | None:
        selected = self.table.selectionModel().selectedRows()
        return self._order[selected[0].row()] if selected else None

    def select(self, key: str) -> None:
        if key in self._rows:
            self.table.selectRow(self._position[key])

    def show_selected(self, key: str | None) -> None:
        """Select ``key`` (None: no row) without a new ``row_selected``: the owner already follows it (the same
        moment after a rebuild), so it must not seek and play it again."""
        if key == self.selected_key():
            return
        self._restoring = True
        try:
            if key in self._rows:
                self.select(key)
            else:
                self.table.clearSelection()
        finally:
            self._restoring = False

    @property
    def context_ms(self) -> int:
        return int(self.context.currentData()) * 1000

    # -- actions -----------------------------------------------------------------------------------

    def next_unlabelled(self) -> None:
        """Enter: confirm this row and move to the next one without a label (wrapping around)."""
        if not self._order:
            return
        current = self.selected_key()
        start = self._position[current] + 1 if current in self._position else 0
        for offset in range(len(self._order)):
            key = self._order[(start + offset) % len(self._order)]
            if not self._rows[key].label:
                self.select(key)
                return
        self.hint.setText("Every segment in the queue has your label.")

    def _label_current(self, entry_id: int) -> None:
        key = self.selected_key()
        if key is not None:
            self.label_requested.emit(key, entry_id)

    def _edit(self, fields: dict) -> None:
        key = self.selected_key()
        if key is not None and not self._loading and self._rows[key].label:
            self.details_edited.emit(key, fields)

    # -- drawing -----------------------------------------------------------------------------------

    def _sorted_keys(self) -> list[str]:
        rows = list(self._rows.values())
        mode = self.sort.currentData()
        if mode == "z":
            rows.sort(key=lambda r: (-(abs(r.z) if r.z is not None else -1), r.start_ms))
        elif mode == "unlabelled":
            rows.sort(key=lambda r: (bool(r.label), r.start_ms))
        else:
            rows.sort(key=lambda r: (r.start_ms, r.key))
        return [row.key for row in rows]

    def _fill(self, keep: str | None = None) -> None:
        """Redraw the rows in order. The selected segment stays selected without a new ``row_selected``: a
        refresh (another k, another sort) must not seek and play it again."""
        keep = keep if keep is not None else self.selected_key()
        self._order = self._sorted_keys()
        self._position = {key: index for index, key in enumerate(self._order)}
        self._restoring = True  # the same segment stays selected: no new seek
        try:
            self._model.set_rows([self._rows[key] for key in self._order])
            if keep in self._rows:
                self.select(keep)
        finally:
            self._restoring = False
        self._update_progress()

    def _update_progress(self) -> None:
        done = sum(1 for row in self._rows.values() if row.label)
        self.progress.setText(f"{done} of {len(self._rows)} labelled")

    def _show_details(self, row: ReviewRow) -> None:
        self._loading = True
        self.intensity.setValue(row.intensity or 0)
        self.confidence.setValue(round((row.confidence or 0) * 100))
        self.note.setText(row.note)
        for editor in (self.intensity, self.confidence, self.note):
            editor.setEnabled(bool(row.label))
        self._loading = False

    def _on_table_selection_changed(self) -> None:
        key = self.selected_key()
        if key is None:
            return
        self._show_details(self._rows[key])
        if not self._restoring:
            self.row_selected.emit(key)
