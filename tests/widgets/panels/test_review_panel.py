"""The review panel: a refresh keeps the selected segment selected without asking to play it again."""

from __future__ import annotations

from widgets.panels.review_panel import ReviewPanel, ReviewRow


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
