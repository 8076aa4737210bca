"""The review queue panel: a refresh keeps the selected segment selected without asking to play it again,
and a queue as long as a 3-hour recording's stays quick."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QPalette

from widgets.panels.review_panel import ReviewPanel, ReviewRow
from widgets.style import contrast_ratio, relative_luminance


def test_new_rows_keep_the_selected_one_without_selecting_it_again(qtbot) -> None:
    panel = ReviewPanel()
    qtbot.addWidget(panel)
    panel.set_rows([ReviewRow("a", 1000, 2000), ReviewRow("b", 5000, 6000, label="fear", intensity=3)])
    selected = []
    panel.row_selected.connect(selected.append)
    panel.select("b")
    assert selected == ["b"] and panel.intensity.value() == 3
    panel.set_rows(
        [ReviewRow(key, start, start + 500) for key, start in (("x", 0), ("y", 300), ("z", 700))]
        + [
            ReviewRow("a", 1000, 2000),
            ReviewRow("b", 5000, 6000, label="fear", intensity=4),
        ]
    )
    assert panel.selected_key() == "b" and panel.intensity.value() == 4
    assert selected == ["b"]  # not selected again: that would seek and play it
    panel.sort.setCurrentIndex(panel.sort.findData("unlabelled"))
    assert [row.key for row in panel.rows()] == ["x", "y", "z", "a", "b"] and panel.selected_key() == "b"
    panel.set_rows([ReviewRow("a", 1000, 2000)])
    assert panel.selected_key() is None
    assert selected == ["b"]


def rows(count: int, first: int = 0) -> list[ReviewRow]:
    return [
        ReviewRow(f"selection:{start}:{start + 500}", start, start + 500) for start in range(first, count * 1000, 1000)
    ]


def test_fifty_thousand_rows_are_shown_lazily_and_stay_in_step(qtbot) -> None:
    """Issue 12 item 40: the panel made 8 table items per row; a model gives the view only what it paints."""
    panel = ReviewPanel()
    qtbot.addWidget(panel)
    many = rows(50_000)
    panel.set_rows(many)
    assert panel.table.model().rowCount() == 50_000 and panel.rows() == many
    assert panel.progress.text() == "0 of 50000 labelled"
    model = panel.table.model()
    assert model.index(2, 2).data() == "00:02.000–00:02.500" and model.index(2, 0).data() == "not yet labelled"
    panel.select("selection:40000:40500")
    assert panel.selected_key() == "selection:40000:40500"
    panel.update_row(ReviewRow("selection:40000:40500", 40000, 40500, label="joy", color="#ff0000"))
    assert model.index(40, 0).data() == "joy" and panel.progress.text() == "1 of 50000 labelled"
    panel.next_unlabelled()
    assert panel.selected_key() == "selection:41000:41500"


def test_a_rebuilt_queue_keeps_the_selected_segment_without_seeking_again(qtbot) -> None:
    """A rebuild (new results, a label elsewhere) keeps the selection where it is; only the user's own choice of
    a row asks the player to seek."""
    panel = ReviewPanel()
    qtbot.addWidget(panel)
    panel.set_rows(rows(5, first=2000))
    selected: list[str] = []
    panel.row_selected.connect(selected.append)
    panel.select("selection:3000:3500")
    assert selected == ["selection:3000:3500"]
    panel.set_rows(rows(5))  # two rows now come before it
    assert panel.selected_key() == "selection:3000:3500"
    assert panel.table.selectionModel().selectedRows()[0].row() == 3
    assert selected == ["selection:3000:3500"]


def test_confidence_starts_at_a_useful_value_and_moves_in_five_percent_steps(qtbot) -> None:
    """Issue 12 item 26: from "—" (not given) one step up is 50 %, then 5 % a step; one step down from 5 % is "—"."""
    panel = ReviewPanel()
    qtbot.addWidget(panel)
    box = panel.confidence
    assert box.value() == 0 and box.text() == "—"
    box.stepUp()
    assert box.value() == 50 and box.text() == "50 %"
    box.stepUp()
    assert box.value() == 55
    box.setValue(5)
    box.stepDown()
    assert box.text() == "—"
    assert panel.intensity.minimumWidth() >= panel.intensity.sizeHint().width()


def test_every_label_is_readable_on_the_rows_and_shows_its_own_colour_in_a_swatch(qtbot) -> None:
    """Issue 12 item 27: "happiness" (#ffbf00) and "emphasis" (#aec7e8) were drawn as text in their own colour
    on white rows (contrast 1.65 and 1.73); "neutral" had the grey of "not yet labelled"."""
    panel = ReviewPanel()
    qtbot.addWidget(panel)
    base = panel.table.palette().color(QPalette.ColorRole.Base)
    colors = {"happiness": "#ffbf00", "emphasis": "#aec7e8", "neutral": "#607d8b", "sadness": "#1f77b4"}
    panel.set_rows(
        [ReviewRow("none", 0, 500)]
        + [
            ReviewRow(name, 1000 * i, 1000 * i + 500, label=name, color=color)
            for i, (name, color) in enumerate(colors.items(), 1)
        ]
    )
    model = panel.table.model()
    texts = {}
    for row in range(model.rowCount()):
        index = model.index(row, 0)
        text = index.data(Qt.ItemDataRole.ForegroundRole)
        assert contrast_ratio(text, base) >= 4.5, index.data()
        texts[index.data()] = text.name()
        swatch = index.data(Qt.ItemDataRole.DecorationRole)
        if index.data() in colors:
            image = swatch.toImage()
            assert (image.width(), image.pixelColor(6, 6).name()) == (12, colors[index.data()])
        else:
            assert swatch is None and index.data(Qt.ItemDataRole.FontRole).italic()
    assert texts == {
        "not yet labelled": "#767676",
        "happiness": "#967100",
        "emphasis": "#68778b",
        "neutral": "#5e7a88",
        "sadness": "#1f77b4",
    }
    panel.setPalette(QPalette(QColor("#2b2b2b")))  # a dark theme: lightened instead
    dark = panel.table.palette().color(QPalette.ColorRole.Base)
    assert relative_luminance(dark) < 0.05
    for row in range(model.rowCount()):
        assert contrast_ratio(model.index(row, 0).data(Qt.ItemDataRole.ForegroundRole), dark) >= 4.5


def test_the_label_column_stretches_and_the_extra_columns_come_from_the_header_menu(qtbot) -> None:
    """Issue 12 item 21: eight content-sized columns made the dock scroll sideways."""
    panel = ReviewPanel()
    qtbot.addWidget(panel)
    panel.resize(440, 500)
    panel.show()
    panel.set_rows([ReviewRow("a", 4_440, 8_840, peak_ms=7_907, z=2.51, track="audio + motion")])
    header = panel.table.horizontalHeader()
    shown = [header.model().headerData(c, Qt.Orientation.Horizontal) for c in range(header.count())]
    shown = [name for column, name in enumerate(shown) if not header.isSectionHidden(column)]
    assert shown == ["Label", "Track", "Range", "z"]
    assert header.sectionResizeMode(0) == header.ResizeMode.Stretch and not header.stretchLastSection()
    actions = header.actions()
    assert [action.text() for action in actions] == ["Track", "Range", "Peak", "z", "Pause before", "Pause after"]
    assert [action.isChecked() for action in actions] == [True, True, False, True, False, False]
    actions[2].setChecked(True)
    assert not header.isSectionHidden(3) and panel.table.model().index(0, 3).data() == "00:07.907"
    actions[0].setChecked(False)
    assert header.isSectionHidden(1)


def test_each_column_header_once_and_the_range_in_seconds_in_its_tooltip(qtbot) -> None:
    """Issue 12 item 11: "Range" and "Range (s)" were two columns of the same range (two Range headers once the
    header menu showed it); one Range column now, the seconds in its tooltip, and the Track cell's tooltip says
    which track peaked when."""
    panel = ReviewPanel()
    qtbot.addWidget(panel)
    detail = "audio: peak 00:07.907, z +5.14 · motion: peak 00:07.440, z +1.85"
    panel.set_rows([ReviewRow("a", 6_640, 8_040, peak_ms=7_907, z=6.99, track="audio + motion", track_detail=detail)])
    model = panel.table.model()
    headers = [model.headerData(column, Qt.Orientation.Horizontal) for column in range(model.columnCount())]
    assert headers == ["Label", "Track", "Range", "Peak", "z", "Pause before", "Pause after"]
    assert len(set(headers)) == len(headers) and [name for name in headers if name.startswith("Range")] == ["Range"]
    menu = [action.text() for action in panel.table.horizontalHeader().actions()]
    assert sorted(menu) == sorted(set(menu)) == sorted(headers[1:])
    assert model.index(0, 2).data() == "00:06.640–00:08.040"
    assert model.index(0, 2).data(Qt.ItemDataRole.ToolTipRole) == "6.640–8.040 s"
    assert model.index(0, 1).data() == "audio + motion"
    tip = "audio: peak 00:07.907, z +5.14\nmotion: peak 00:07.440, z +1.85"
    assert model.index(0, 1).data(Qt.ItemDataRole.ToolTipRole) == tip


def test_a_very_long_label_elides_and_every_column_stays_in_view(qtbot) -> None:
    """Issue 12 item 11: label text must not push the other columns out of the queue at its default width."""
    panel = ReviewPanel()
    qtbot.addWidget(panel)
    panel.resize(440, 500)
    panel.show()
    long_label = "embarrassment mixed with irony and a little contempt, " * 6
    panel.set_rows(
        [
            ReviewRow("a", 6_640, 8_040, peak_ms=7_907, z=-12.5, label=long_label, color="#9467bd", track="audio"),
            ReviewRow("b", 125_000, 126_400, z=6.99, track="audio + motion"),
        ]
    )
    qtbot.waitExposed(panel)
    table, header = panel.table, panel.table.horizontalHeader()
    shown = [column for column in range(header.count()) if not header.isSectionHidden(column)]
    assert sum(header.sectionSize(column) for column in shown) <= table.viewport().width()
    assert table.horizontalScrollBar().maximum() == 0
    for column in shown[1:]:  # every other column whole and in view
        assert header.sectionViewportPosition(column) + header.sectionSize(column) <= table.viewport().width()
        for row in range(2):
            text = table.model().index(row, column).data()
            assert table.fontMetrics().horizontalAdvance(text) < header.sectionSize(column)
    assert header.sectionSize(0) < table.fontMetrics().horizontalAdvance(long_label)  # elided, not widened
    assert table.textElideMode() == Qt.TextElideMode.ElideRight
    assert table.model().index(0, 0).data(Qt.ItemDataRole.ToolTipRole) == f"Your label: {long_label}"
