"""A segment whose text was corrected: its aligned words (cut at punctuation by the aligner) are shown, counted
and split as the words of its text, and the underlined words are exactly the ones counted "to check"."""

from __future__ import annotations

import pytest
from PySide6.QtGui import QColor
from PySide6.QtWidgets import QApplication

from app.model.transcript import TranscriptSegment
from tests.helpers.transcripts import corrected_segment
from widgets.transcript.segment_delegate import LOW_WORD_COLOR
from widgets.transcript.segment_menu import SPLIT_ESTIMATED_TIP
from widgets.transcript.transcript_view import TranscriptView

CORRECTED = corrected_segment()
IMPORTED = TranscriptSegment(4000, 6000, "no word times here")
"""from a subtitle file: no word timings"""


@pytest.fixture
def view(qtbot) -> TranscriptView:
    widget = TranscriptView()
    qtbot.addWidget(widget)
    widget.resize(600, 400)
    widget.show()
    qtbot.waitExposed(widget)
    widget.set_segments([CORRECTED, IMPORTED])
    QApplication.processEvents()
    return widget


def underlined_words(view: TranscriptView, row: int) -> list[int]:
    """The words of ``row`` with the low-probability underline painted under them."""
    image = view.list_view.viewport().grab().toImage()
    ratio = image.devicePixelRatio()
    underline = QColor(LOW_WORD_COLOR).rgb()
    found = []
    for word, token in enumerate(CORRECTED.text.split() if row == 0 else IMPORTED.text.split()):
        rect = view.word_rect(row, word)
        x = round(rect.center().x() * ratio)
        column = [image.pixelColor(x, round(y * ratio)).rgb() for y in range(rect.top(), rect.bottom() + 4)]
        if underline in column:
            found.append(word)
        assert token  # one rectangle per word of the text
    return found


def test_the_underlined_words_are_the_words_counted_to_check(view: TranscriptView) -> None:
    assert underlined_words(view, 0) == [3, 4]  # "well-known" and "fact;"
    assert underlined_words(view, 1) == []
    assert view.progress_label.text() == "0 / 2 segments reviewed · 2 words to check"


def test_split_is_offered_at_every_word_of_a_corrected_text(qtbot, view: TranscriptView) -> None:
    actions = {action.text(): action for action in view.context_menu(0, 4).actions()}
    split = actions["Split before «fact;»"]
    assert split.isEnabled() and split.toolTip() == "Split before «fact;»"  # the words are timed: no warning
    with qtbot.waitSignal(view.split_requested) as blocker:
        split.trigger()
    assert blocker.args == [0, 4]


def test_split_without_word_timings_says_its_time_is_estimated(qtbot, view: TranscriptView) -> None:
    actions = {action.text(): action for action in view.context_menu(1, 2).actions()}
    split = actions["Split before «times»"]
    assert split.isEnabled() and split.toolTip() == SPLIT_ESTIMATED_TIP
    with qtbot.waitSignal(view.split_requested) as blocker:
        split.trigger()
    assert blocker.args == [1, 2]
