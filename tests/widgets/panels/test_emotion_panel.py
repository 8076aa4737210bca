"""The emotions panel: shares per person, the binned series over time, the segment section, CSV/PNG/SVG."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path

import numpy as np
import pytest
from PySide6.QtCore import QRectF
from PySide6.QtGui import QFontMetrics, QImage

from analysis.fer_model import EMOTIONS
from tests.helpers.emotions import ANGRY, HAPPY, NEUTRAL, SAD, one_hot
from widgets.panels.emotion_panel import EmotionPanel, bin_seconds

PERSONS = [
    (1, "Alice", 125.5, {"happy": 0.5, "sad": 0.25, "neutral": 0.25}),
    (2, "Bob, Jr.", 30.0, {"angry": 1.0}),
]


@pytest.fixture
def panel(qtbot) -> EmotionPanel:
    widget = EmotionPanel()
    qtbot.addWidget(widget)
    widget.resize(1000, 560)
    widget.set_persons(PERSONS)
    times = np.array([0.0, 5.0, 12.0])
    widget.set_series(1, times, one_hot(np.array([HAPPY, NEUTRAL, SAD]), main=1.0))
    widget.set_segment_shares("Segment 3 · 00:10 ± 5 s", {"Alice": {"happy": 0.75, "neutral": 0.25}})
    return widget


def test_the_bars_show_each_persons_shares(panel: EmotionPanel) -> None:
    assert panel.current_person() == 1
    assert panel.header_label.text() == "Alice · on screen 02:06"
    np.testing.assert_array_equal(panel.share_bars.opts["width"], [0, 0, 0, 0.5, 0.25, 0, 0.25])
    assert [text.toPlainText() for text in panel.share_texts] == ["0 %", "0 %", "0 %", "50 %", "25 %", "0 %", "25 %"]
    panel.set_current_person(2)
    np.testing.assert_array_equal(panel.share_bars.opts["width"], [1, 0, 0, 0, 0, 0, 0])
    assert panel.series_areas.levels.shape[0] == 0  # no series for Bob
    panel.set_persons(PERSONS[::-1])
    assert panel.current_person() == 2  # still shown after the list changed


def test_the_series_is_binned_and_stacked_with_gaps_left_empty(panel: EmotionPanel) -> None:
    assert panel.bin_s == 10
    assert [bin_seconds(s) for s in (600, 3600, 3601, 3 * 3600, 100_000)] == [10, 10, 15, 30, 300]
    panel.set_series(1, np.array([0.0, 5.0, 12.0, 31.0]), one_hot(np.array([HAPPY, NEUTRAL, SAD, ANGRY]), 1.0))
    levels = panel.series_areas.levels
    np.testing.assert_array_equal(levels[:, -1], [1, 1, 0, 1])  # the empty bin 20–30 s is drawn empty
    np.testing.assert_array_equal(np.diff(levels[0]), [0, 0, 0, 0.5, 0, 0, 0.5])
    starts, ends, _means = panel.binned_series(1)
    assert starts.tolist() == [0, 10, 30] and ends.tolist() == [10, 20, 40]


def test_the_segment_section_stacks_each_persons_shares(panel: EmotionPanel) -> None:
    assert panel.segment_label.text() == "<b>Around the selected segment</b> · Segment 3 · 00:10 ± 5 s"
    happy, neutral = panel.segment_bars[HAPPY], panel.segment_bars[NEUTRAL]
    assert (list(happy.opts["x0"]), list(happy.opts["width"])) == ([0.0], [0.75])
    assert (list(neutral.opts["x0"]), list(neutral.opts["width"])) == ([0.75], [0.25])
    panel.set_segment_shares("", None)
    assert panel.segment_label.text().startswith("Select a segment")


def test_the_csv_holds_the_numbers_shown(panel: EmotionPanel, tmp_path: Path) -> None:
    path = tmp_path / "emotions.csv"
    assert panel.save_csv(path)
    zeros = ("angry", "disgust", "fear")
    expected = [
        "section,person,start_s,end_s,emotion,value",
        "visible,Alice,,,,125.500",
        *(f"share,Alice,,,{name},0.0000" for name in zeros),
        "share,Alice,,,happy,0.5000",
        "share,Alice,,,sad,0.2500",
        "share,Alice,,,surprise,0.0000",
        "share,Alice,,,neutral,0.2500",
        'visible,"Bob, Jr.",,,,30.000',
        'share,"Bob, Jr.",,,angry,1.0000',
        *(f'share,"Bob, Jr.",,,{name},0.0000' for name in EMOTIONS[1:]),
        *(f"series,Alice,0.000,10.000,{name},0.0000" for name in zeros),
        "series,Alice,0.000,10.000,happy,0.5000",
        "series,Alice,0.000,10.000,sad,0.0000",
        "series,Alice,0.000,10.000,surprise,0.0000",
        "series,Alice,0.000,10.000,neutral,0.5000",
        *(f"series,Alice,10.000,20.000,{name},0.0000" for name in zeros),
        "series,Alice,10.000,20.000,happy,0.0000",
        "series,Alice,10.000,20.000,sad,1.0000",
        "series,Alice,10.000,20.000,surprise,0.0000",
        "series,Alice,10.000,20.000,neutral,0.0000",
        *(f"segment,Alice,,,{name},0.0000" for name in zeros),
        "segment,Alice,,,happy,0.7500",
        "segment,Alice,,,sad,0.0000",
        "segment,Alice,,,surprise,0.0000",
        "segment,Alice,,,neutral,0.2500",
    ]
    assert path.read_text(encoding="utf-8") == "\n".join(expected) + "\n"


def test_png_and_svg_are_written(qtbot, panel: EmotionPanel, tmp_path: Path) -> None:
    panel.show()
    qtbot.waitExposed(panel)
    png, svg = tmp_path / "emotions.png", tmp_path / "emotions.svg"
    assert panel.save_png(png)
    image = QImage(str(png))
    assert (image.width(), image.height()) == (panel.figure.width(), panel.figure.height())
    assert panel.save_svg(svg)
    root = ET.parse(svg).getroot()
    namespace = "{http://www.w3.org/2000/svg}"
    assert root.tag == f"{namespace}svg"
    assert not root.findall(f".//{namespace}image")  # the charts are vector shapes, not pictures
    texts = " ".join(element.text or "" for element in root.iter(f"{namespace}text"))
    assert "Share of time on screen" in texts and "Alice" in texts


def test_a_classifier_with_three_labels_is_charted_with_them(panel: EmotionPanel) -> None:
    labels = ("positive", "negative", "neutral")
    panel.set_persons([(1, "Alice", 20.0, {"positive": 0.5, "neutral": 0.5})], labels=labels)
    panel.set_series(1, np.array([0.0, 12.0]), np.array([[0.6, 0.3, 0.1], [0.0, 0.0, 1.0]]), labels=labels)
    panel.set_segment_shares("Segment 1", {"Alice": {"negative": 1.0}}, labels=labels)
    np.testing.assert_array_equal(panel.share_bars.opts["width"], [0.5, 0, 0.5])
    assert [brush.color().name() for brush in panel.share_bars.opts["brushes"]] == ["#ba68c8", "#90caf9", "#9e9e9e"]
    assert [text.toPlainText() for text in panel.share_texts] == ["50 %", "0 %", "50 %"]
    assert panel.legend_label.text() == "&nbsp;&nbsp; ".join(  # a breakable space: the legend wraps when narrow
        f'<span style="color:{color}">■</span>&nbsp;{name}'
        for name, color in zip(labels, ("#ba68c8", "#90caf9", "#9e9e9e"), strict=True)
    )
    np.testing.assert_allclose(panel.series_areas.levels, [[0, 0.6, 0.9, 1.0], [0, 0, 0, 1.0]])
    assert [list(bar.opts["width"]) for bar in panel.segment_bars] == [[0.0], [1.0], [0.0]]
    assert panel.csv_rows() == [
        ("visible", "Alice", "", "", "", "20.000"),
        ("share", "Alice", "", "", "positive", "0.5000"),
        ("share", "Alice", "", "", "negative", "0.0000"),
        ("share", "Alice", "", "", "neutral", "0.5000"),
        ("series", "Alice", "0.000", "10.000", "positive", "0.6000"),
        ("series", "Alice", "0.000", "10.000", "negative", "0.3000"),
        ("series", "Alice", "0.000", "10.000", "neutral", "0.1000"),
        ("series", "Alice", "10.000", "20.000", "positive", "0.0000"),
        ("series", "Alice", "10.000", "20.000", "negative", "0.0000"),
        ("series", "Alice", "10.000", "20.000", "neutral", "1.0000"),
        ("segment", "Alice", "", "", "positive", "0.0000"),
        ("segment", "Alice", "", "", "negative", "1.0000"),
        ("segment", "Alice", "", "", "neutral", "0.0000"),
    ]
    with pytest.raises(ValueError, match="7 columns of probabilities for 3 emotion labels"):
        panel.set_series(1, np.array([0.0]), one_hot(np.array([HAPPY])), labels=labels)
    # Without labels the panel is back to FER's seven.
    panel.set_persons(PERSONS)
    assert panel.share_bars.opts["width"].tolist() == [0, 0, 0, 0.5, 0.25, 0, 0.25]
    assert len(panel.share_texts) == len(EMOTIONS)


def test_in_the_dock_at_its_default_width_a_100_percent_neutral_bar_and_every_name_show(qtbot) -> None:
    """Issue 12 item 14: 420 px wide, the shares' chart had 2/5 of the width: the neutral bar was off its view
    (a 100 % neutral person read as all 0 %), the title was cut and the emotions' names overlapped."""
    panel = EmotionPanel()
    qtbot.addWidget(panel)
    panel.resize(420, 900)
    panel.set_persons([(7, "Nina", 12.0, {"neutral": 1.0})])
    panel.show()
    qtbot.waitExposed(panel)
    qtbot.wait(20)
    assert not panel.side_by_side
    np.testing.assert_array_equal(panel.share_bars.opts["width"], [0, 0, 0, 0, 0, 0, 1])
    assert [text.toPlainText() for text in panel.share_texts] == ["0 %"] * 6 + ["100 %"]
    view = panel.share_bars.getViewBox()
    shown = view.sceneBoundingRect()
    neutral = view.mapViewToScene(QRectF(0.0, 6 - 0.35, 1.0, 0.7)).boundingRect()
    assert shown.contains(neutral) and neutral.width() > 0.6 * shown.width()
    assert shown.contains(panel.share_texts[-1].sceneBoundingRect())  # "100 %" after the bar, inside the view
    plot = view.parentItem()
    assert plot.titleLabel.item.boundingRect().width() <= plot.boundingRect().width()  # the whole title
    font_height = QFontMetrics(plot.getAxis("left").style["tickFont"] or panel.font()).height()
    assert shown.height() / 7 >= font_height  # one name per row, none over another
    share_widget, time_widget = plot.getViewWidget(), panel.series_areas.getViewWidget()
    assert share_widget.geometry().bottom() < time_widget.geometry().top()  # the shares on top
    assert share_widget.width() == time_widget.width()
    panel.resize(1000, 600)
    qtbot.wait(20)
    assert panel.side_by_side and share_widget.geometry().right() < time_widget.geometry().left()


def test_the_csv_neutralises_names_that_start_a_formula(panel: EmotionPanel, tmp_path: Path) -> None:
    panel.set_persons([(1, '=HYPERLINK("http://x")', 2.0, {"happy": 1.0})], labels=("@cmd", "happy"))
    path = tmp_path / "emotions.csv"
    assert panel.save_csv(path)
    assert path.read_text(encoding="utf-8").splitlines()[:4] == [
        "section,person,start_s,end_s,emotion,value",
        'visible,"\'=HYPERLINK(""http://x"")",,,,2.000',
        'share,"\'=HYPERLINK(""http://x"")",,,\'@cmd,0.0000',
        'share,"\'=HYPERLINK(""http://x"")",,,happy,1.0000',
    ]
