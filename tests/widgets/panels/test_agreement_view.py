"""The agreement view: the report's numbers in its tables, a plain message when there is nothing to compare, and
double-clicking a disagreement asks to go to that segment."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QTableWidget

from analysis.agreement import Rating, agreement
from widgets.panels.agreement_view import DIAGONAL_BACKGROUND, NOT_ENOUGH, AgreementView, describe_unit, headline_text

# ann and bob on four peaks (one disagreement); cat joins on two of them and one of her own.
RATINGS = [
    Rating("audio_peak:1000:1500", "ann", "anger"),
    Rating("audio_peak:1000:1500", "bob", "anger"),
    Rating("audio_peak:1000:1500", "cat", "anger"),
    Rating("audio_peak:4200:4900", "ann", "irony"),
    Rating("audio_peak:4200:4900", "bob", "happiness"),
    Rating("audio_peak:4200:4900", "cat", "irony"),
    Rating("audio_peak:9000:9800", "ann", "happiness"),
    Rating("audio_peak:9000:9800", "bob", "happiness"),
    Rating("audio_peak:12000:12500", "ann", "anger"),
    Rating("audio_peak:12000:12500", "bob", "anger"),
    Rating("selection:20000:21000", "cat", "fear"),
]


def cells(table: QTableWidget) -> list[list[str]]:
    return [
        [table.item(row, column).text() for column in range(table.columnCount())] for row in range(table.rowCount())
    ]


@pytest.fixture
def view(qtbot) -> AgreementView:
    widget = AgreementView()
    qtbot.addWidget(widget)
    widget.resize(1100, 720)
    return widget


def test_the_tables_show_the_reports_numbers(view: AgreementView) -> None:
    report = agreement(RATINGS)
    view.set_report(report)
    # Values on shared units: anger 3 + 2 = 5, happiness 1 + 2 = 3, irony 2 → n = 10.
    # Disagreeing pairs: unit 4200 (irony, happiness, irony) → 2·1·2 ordered pairs / (3 − 1) = 2.
    # α = 1 − (n − 1)·2 / (n² − Σ n_c²) = 1 − 9·2 / (100 − 25 − 9 − 4) = 1 − 18/62 = 0.70968
    assert view.headline.text() == "3 annotators · 4 shared segments · Krippendorff's α = 0.710"
    # ann–bob: 3 of 4 agree. Rows ann (anger 2, happiness 1, irony 1), columns bob (anger 2, happiness 2, irony 0):
    # p_e = (2·2 + 1·2 + 1·0) / 16 = 6/16, κ = (12/16 − 6/16) / (10/16) = 0.6.
    # ann–cat: 2 of 2 agree, κ = 1. bob–cat: anger agrees, happiness/irony not: p_o = 1/2; rows bob (anger 1,
    # happiness 1), columns cat (anger 1, irony 1): p_e = (1·1 + 1·0 + 0·1) / 4 = 1/4 → κ = (1/4) / (3/4) = 1/3.
    assert cells(view.pairs_table) == [
        ["ann", "bob", "4", "75.0 %", "0.600"],
        ["ann", "cat", "2", "100.0 %", "1.000"],
        ["bob", "cat", "2", "50.0 %", "0.333"],
    ]
    # Per value o_cc / n_c: anger 5/5; happiness: unit 9000 gives o = 2, unit 4200 gives 0 → 2/3;
    # irony: in unit 4200 each irony has one irony among its 2 partners, weight 1/2 each → o = 1, 1/2.
    assert cells(view.labels_table) == [
        ["anger", "5", "100.0 %"],
        ["happiness", "3", "66.7 %"],
        ["irony", "2", "50.0 %"],
    ]
    assert cells(view.disagreements_table) == [["00:04.2–00:04.9 audio peak", "irony", "happiness", "irony"]]
    header = view.disagreements_table.horizontalHeaderItem
    assert [header(column).text() for column in range(4)] == ["Segment", "ann", "bob", "cat"]


def test_the_confusion_table_follows_the_pair_selector(view: AgreementView) -> None:
    view.set_report(agreement(RATINGS))
    assert view.pair_selector.currentText() == "ann – bob"
    assert cells(view.confusion_table) == [["2", "0", "0"], ["0", "1", "0"], ["0", "1", "0"]]
    labels = [view.confusion_table.verticalHeaderItem(row).text() for row in range(3)]
    assert labels == ["anger", "happiness", "irony"]
    diagonal = view.confusion_table.item(1, 1).background().color().name()
    assert diagonal == DIAGONAL_BACKGROUND
    assert view.confusion_table.item(2, 1).background().style() == Qt.BrushStyle.NoBrush
    view.pairs_table.setCurrentCell(2, 0)
    assert view.pair_selector.currentText() == "bob – cat"
    assert cells(view.confusion_table) == [["1", "0", "0"], ["0", "0", "1"], ["0", "0", "0"]]
    assert view.confusion_caption.text() == "Rows: <b>bob</b> · columns: <b>cat</b> · 2 shared · κ = 0.333"


def test_double_clicking_a_disagreement_asks_to_go_there(view: AgreementView, qtbot) -> None:
    view.set_report(agreement(RATINGS))
    view.show()
    qtbot.waitExposed(view)
    table = view.disagreements_table
    rect = table.visualItemRect(table.item(0, 2))
    with qtbot.waitSignal(view.unit_activated, timeout=1000) as signal:
        qtbot.mouseClick(table.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
        qtbot.mouseDClick(table.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    assert signal.args == ["audio_peak:4200:4900"]


def test_nothing_to_compare_is_said_plainly(view: AgreementView) -> None:
    view.set_report(None)
    assert view.headline.text() == NOT_ENOUGH
    assert not view.pairs_table.isVisibleTo(view)
    alone = agreement([Rating("a", "ann", "anger"), Rating("b", "bob", "fear")])
    view.set_report(alone)
    assert view.headline.text() == "Agreement needs at least two annotators who labelled the same segments."
    assert not view.pairs_table.isVisibleTo(view)
    view.set_report(agreement(RATINGS))
    assert view.pairs_table.isVisibleTo(view)


def test_an_undefined_alpha_and_kappa_are_shown_as_such(view: AgreementView) -> None:
    report = agreement([Rating("u1", "ann", "anger"), Rating("u1", "bob", "anger")])
    assert headline_text(report) == (
        "2 annotators · 1 shared segment · Krippendorff's α undefined (only one value was used)"
    )
    view.set_report(report)
    assert cells(view.pairs_table) == [["ann", "bob", "1", "100.0 %", "—"]]


def test_segment_keys_read_as_times() -> None:
    assert describe_unit("audio_peak:61500:62300") == "01:01.5–01:02.3 audio peak"
    assert describe_unit("custom key") == "custom key"
