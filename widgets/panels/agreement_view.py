"""How far the annotators agree: Krippendorff's alpha, Cohen's kappa per pair, confusion, per-label, disagreements.

The view only shows an :class:`~analysis.agreement.AgreementReport`; double-clicking a disagreement asks the
window to go to that segment (``unit_activated``), so the annotators can look at it together.
"""

from __future__ import annotations

import logging
import re

from PySide6.QtCore import QModelIndex, Qt, Signal
from PySide6.QtGui import QBrush, QColor, QFont
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QSplitter,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from analysis.agreement import AgreementReport, PairAgreement
from app.timecode import format_ms

log = logging.getLogger(__name__)

NOT_ENOUGH = "Agreement needs at least two annotators who labelled the same segments."
UNDEFINED = "—"
DIAGONAL_BACKGROUND = "#2e7d32"
DIAGONAL_FOREGROUND = "#ffffff"
ZERO_FOREGROUND = "#9e9e9e"
UNIT_ROLE = Qt.ItemDataRole.UserRole
_RANGE_KEY = re.compile(r"^(?P<source>.+):(?P<start>\d+):(?P<end>\d+)$")


def format_percent(fraction: float | None) -> str:
    return UNDEFINED if fraction is None else f"{fraction * 100:.1f} %"


def format_coefficient(value: float | None) -> str:
    return UNDEFINED if value is None else f"{value:.3f}"


def describe_unit(key: str) -> str:
    """A segment key for people: ``audio_peak:3000:4200`` → ``00:03.0–00:04.2 audio peak``."""
    match = _RANGE_KEY.match(key)
    if not match:
        return key
    start, end = format_ms(int(match["start"]), 1), format_ms(int(match["end"]), 1)
    return f"{start}–{end} {match['source'].replace('_', ' ')}"


def headline_text(report: AgreementReport | None) -> str:
    """``3 annotators · 42 shared segments · Krippendorff's α = 0.712``, or why there is nothing to show."""
    if report is None or not report.units:
        return NOT_ENOUGH
    if report.alpha is None:
        alpha = "Krippendorff's α undefined (only one value was used)"
    else:
        alpha = f"Krippendorff's α = {report.alpha:.3f}"
    segments = "shared segment" if len(report.units) == 1 else "shared segments"
    return f"{len(report.annotators)} annotators · {len(report.units)} {segments} · {alpha}"


def _item(text: str, tooltip: str = "", numeric: bool = False) -> QTableWidgetItem:
    item = QTableWidgetItem(text)
    item.setFlags(Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable)
    if numeric:
        item.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
    if tooltip:
        item.setToolTip(tooltip)
    return item


def _table(headers: list[str], tooltips: dict[int, str] | None = None) -> QTableWidget:
    table = QTableWidget(0, len(headers))
    table.setHorizontalHeaderLabels(headers)
    for column, tooltip in (tooltips or {}).items():
        table.horizontalHeaderItem(column).setToolTip(tooltip)
    table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
    table.verticalHeader().hide()
    _compact_rows(table)
    table.setAlternatingRowColors(True)
    return table


def _compact_rows(table: QTableWidget) -> None:
    table.verticalHeader().setDefaultSectionSize(table.fontMetrics().height() + 8)


def _group(title: str, *widgets: QWidget) -> QGroupBox:
    box = QGroupBox(title)
    layout = QVBoxLayout(box)
    for widget in widgets:
        layout.addWidget(widget)
    return box


class AgreementView(QWidget):
    """Shows an agreement report; emits ``unit_activated(unit_key)`` when a disagreement is double-clicked."""

    unit_activated = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.headline = QLabel()
        self.headline.setWordWrap(True)
        self.headline.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        font = self.headline.font()
        font.setPointSizeF(font.pointSizeF() * 1.15)
        font.setBold(True)
        self.headline.setFont(font)

        self.pairs_table = _table(
            ["Annotator A", "Annotator B", "Shared", "Agreement", "Cohen's κ"],
            {
                2: "Segments both annotators labelled",
                3: "Share of those segments given the same value",
                4: "Agreement beyond chance: 1 = perfect, 0 = what chance alone would give",
            },
        )
        self.labels_table = _table(
            ["Value", "Uses", "Agreement"],
            {
                1: "How often the value was given on shared segments",
                2: "When someone gave this value, how often the others on that segment gave it too",
            },
        )
        self.pair_selector = QComboBox()
        self.confusion_caption = QLabel()
        self.confusion_table = QTableWidget()
        self.confusion_table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.confusion_table.setSelectionMode(QAbstractItemView.SelectionMode.NoSelection)
        _compact_rows(self.confusion_table)
        self.disagreements_table = _table(["Segment"])
        self.disagreements_table.setToolTip("Double-click a segment to go there")

        selector_row = QHBoxLayout()
        selector_row.addWidget(QLabel("Pair:"))
        selector_row.addWidget(self.pair_selector, 1)
        confusion_box = QGroupBox("Confusion")
        confusion_layout = QVBoxLayout(confusion_box)
        confusion_layout.addLayout(selector_row)
        confusion_layout.addWidget(self.confusion_caption)
        confusion_layout.addWidget(self.confusion_table)

        self._disagreements_box = _group("Disagreements", self.disagreements_table)
        left = QSplitter(Qt.Orientation.Vertical)
        left.addWidget(_group("Pairs", self.pairs_table))
        left.addWidget(_group("Per value", self.labels_table))
        left.setStretchFactor(0, 1)
        left.setStretchFactor(1, 2)
        right = QSplitter(Qt.Orientation.Vertical)
        right.addWidget(confusion_box)
        right.addWidget(self._disagreements_box)
        self._body = QSplitter(Qt.Orientation.Horizontal)
        self._body.addWidget(left)
        self._body.addWidget(right)
        self._body.setStretchFactor(0, 1)
        self._body.setStretchFactor(1, 2)

        layout = QVBoxLayout(self)
        layout.addWidget(self.headline)
        layout.addWidget(self._body, 1)

        self._report: AgreementReport | None = None
        self.pair_selector.currentIndexChanged.connect(self._on_pair_selector_changed)
        self.pairs_table.currentCellChanged.connect(self._on_pairs_table_current_changed)
        self.disagreements_table.activated.connect(self._on_disagreements_activated)
        self.set_report(None)

    def set_report(self, report: AgreementReport | None) -> None:
        """Show ``report``; None, or a report without shared segments, shows why there is nothing to compare."""
        self._report = report
        self.headline.setText(headline_text(report))
        if report is None or not report.units:
            self._body.hide()
            return
        self._fill_pairs(report)
        self._fill_labels(report)
        self._fill_disagreements(report)
        self.pair_selector.blockSignals(True)
        self.pair_selector.clear()
        for pair in report.pairwise:
            self.pair_selector.addItem(f"{pair.annotator_a} – {pair.annotator_b}")
        best = max(range(len(report.pairwise)), key=lambda index: report.pairwise[index].n_units)
        self.pair_selector.setCurrentIndex(best)
        self.pair_selector.blockSignals(False)
        self._show_confusion(report.pairwise[best], report.labels)
        self._body.show()

    def _fill_pairs(self, report: AgreementReport) -> None:
        table = self.pairs_table
        table.setRowCount(len(report.pairwise))
        for row, pair in enumerate(report.pairwise):
            kappa_tip = "" if pair.kappa is not None else "undefined: no shared segment, or only one value used"
            table.setItem(row, 0, _item(pair.annotator_a))
            table.setItem(row, 1, _item(pair.annotator_b))
            table.setItem(row, 2, _item(str(pair.n_units), numeric=True))
            table.setItem(row, 3, _item(format_percent(pair.observed), numeric=True))
            table.setItem(row, 4, _item(format_coefficient(pair.kappa), kappa_tip, numeric=True))
        self._fit(table, whole_width=True)

    def _fill_labels(self, report: AgreementReport) -> None:
        table = self.labels_table
        table.setRowCount(len(report.per_label))
        for row, label in enumerate(report.per_label):
            table.setItem(row, 0, _item(label.value))
            table.setItem(row, 1, _item(str(label.uses), numeric=True))
            table.setItem(row, 2, _item(format_percent(label.agreement), numeric=True))
        self._fit(table, whole_width=True)

    def _fill_disagreements(self, report: AgreementReport) -> None:
        table = self.disagreements_table
        table.clear()
        table.setColumnCount(1 + len(report.annotators))
        table.setHorizontalHeaderLabels(["Segment", *report.annotators])
        table.setRowCount(len(report.disagreements))
        for row, disagreement in enumerate(report.disagreements):
            unit = _item(describe_unit(disagreement.unit), disagreement.unit)
            unit.setData(UNIT_ROLE, disagreement.unit)
            table.setItem(row, 0, unit)
            for column, annotator in enumerate(report.annotators, start=1):
                value = disagreement.values.get(annotator)
                if value is None:
                    item = _item(UNDEFINED, f"{annotator} did not label this segment")
                    item.setForeground(QBrush(QColor(ZERO_FOREGROUND)))
                else:
                    item = _item(value)
                table.setItem(row, column, item)
        self._disagreements_box.setTitle(f"Disagreements ({len(report.disagreements)} of {len(report.units)})")
        self._fit(table)

    def _show_confusion(self, pair: PairAgreement, labels: tuple[str, ...]) -> None:
        """The pair's confusion matrix: rows are A's values, columns B's, agreements on the highlighted diagonal."""
        table = self.confusion_table
        table.clear()
        table.setRowCount(len(labels))
        table.setColumnCount(len(labels))
        # Column headers break at spaces ("not significant" on two lines) so that more columns fit.
        table.setHorizontalHeaderLabels([label.replace(" ", "\n") for label in labels])
        table.setVerticalHeaderLabels(list(labels))
        bold = QFont(table.font())
        bold.setBold(True)
        for row, counts in enumerate(pair.confusion):
            for column, count in enumerate(counts):
                item = _item(str(count), f"{pair.annotator_a}: {labels[row]} · {pair.annotator_b}: {labels[column]}")
                item.setTextAlignment(Qt.AlignmentFlag.AlignCenter)
                if row == column:
                    item.setBackground(QBrush(QColor(DIAGONAL_BACKGROUND)))
                    item.setForeground(QBrush(QColor(DIAGONAL_FOREGROUND)))
                    item.setFont(bold)
                elif count == 0:
                    item.setForeground(QBrush(QColor(ZERO_FOREGROUND)))
                table.setItem(row, column, item)
        self.confusion_caption.setText(
            f"Rows: <b>{pair.annotator_a}</b> · columns: <b>{pair.annotator_b}</b> · {pair.n_units} shared · "
            f"κ = {format_coefficient(pair.kappa)}"
        )
        table.resizeColumnsToContents()

    @staticmethod
    def _fit(table: QTableWidget, whole_width: bool = False) -> None:
        """Columns as wide as their contents; ``whole_width`` keeps the table at least that wide (no h-scroll)."""
        table.resizeColumnsToContents()
        if whole_width:
            frame = 2 * table.frameWidth() + table.verticalScrollBar().sizeHint().width()
            table.setMinimumWidth(table.horizontalHeader().length() + frame)

    def _on_pair_selector_changed(self, index: int) -> None:
        if self._report is not None and 0 <= index < len(self._report.pairwise):
            self._show_confusion(self._report.pairwise[index], self._report.labels)

    def _on_pairs_table_current_changed(self, row: int, _column: int, _previous_row: int, _previous: int) -> None:
        if row >= 0:
            self.pair_selector.setCurrentIndex(row)

    def _on_disagreements_activated(self, index: QModelIndex) -> None:
        unit = self.disagreements_table.item(index.row(), 0).data(UNIT_ROLE)
        log.debug("disagreement activated: %s", unit)
        self.unit_activated.emit(unit)
