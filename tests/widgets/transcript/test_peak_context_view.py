"""The peak context view: the words around a peak with the peak's sentence emphasised, the choice of ± W, and
plain messages when there is no transcript or no word near the peak."""

from __future__ import annotations

import pytest
from PySide6.QtGui import QFont

from app.model.transcript import CONTEXT_WINDOWS_S, Word, context_window
from widgets.transcript.peak_context_view import HIGHLIGHT_BACKGROUND, NO_TRANSCRIPT, PeakContextView

TEXT = "We started late. Then the crowd went wild! Nobody expected it. Silence followed."
WORDS = [Word(token, 10_000 + i * 1000, 10_000 + i * 1000 + 800) for i, token in enumerate(TEXT.split())]
"""One word a second from 10 s, each 0.8 s long: "crowd" is at 15.0–15.8 s."""


@pytest.fixture
def view(qtbot) -> PeakContextView:
    widget = PeakContextView()
    qtbot.addWidget(widget)
    widget.resize(500, 300)
    return widget


def emphasised(view: PeakContextView) -> list[tuple[str, str]]:
    """(text, background) of every bold fragment of the document."""
    found = []
    block = view.text_browser.document().begin()
    while block.isValid():
        it = block.begin()
        while not it.atEnd():
            fragment = it.fragment()
            if fragment.charFormat().fontWeight() >= QFont.Weight.Bold:
                found.append((fragment.text(), fragment.charFormat().background().color().name()))
            it += 1
        block = block.next()
    return found


def test_the_sentence_at_the_peak_is_bold_on_colour(view: PeakContextView) -> None:
    window = context_window(WORDS, 15_300, 10)
    view.set_context(window, "Peak 3 of 17 · z = 4.1")
    assert view.text() == TEXT
    assert emphasised(view) == [("Then the crowd went wild!", HIGHLIGHT_BACKGROUND)]
    assert view.title_label.text() == "Peak 3 of 17 · z = 4.1"
    assert view.range_label.text() == "Peak at 0:00:15.3 · 0:00:05.3 – 0:00:25.3"

    narrow = context_window(WORDS, 15_300, 1)  # words overlapping 14.3–16.3 s; the sentence is cut there
    view.set_context(narrow, "Peak 3 of 17")
    assert view.text() == "the crowd went"
    assert emphasised(view) == [("the crowd went", HIGHLIGHT_BACKGROUND)]


def test_empty_states_say_what_is_missing(view: PeakContextView) -> None:
    view.set_context(None, "Peak 1 of 2")
    assert view.text() == NO_TRANSCRIPT == "No transcript yet — run Transcribe"
    assert view.range_label.text() == ""
    view.set_context(context_window(WORDS, 60_000, 5), "Peak 2 of 2")
    assert view.text() == "No words within ± 5 s"
    assert view.range_label.text() == "Peak at 0:01:00.0 · 0:00:55.0 – 0:01:05.0"
    assert emphasised(view) == []


def test_the_window_choice(qtbot, view: PeakContextView) -> None:
    combo = view.window_combo
    assert [combo.itemText(i) for i in range(combo.count())] == [f"± {w} s" for w in CONTEXT_WINDOWS_S]
    assert view.window_s() == 10.0
    with qtbot.waitSignal(view.window_changed) as blocker:
        combo.setCurrentIndex(CONTEXT_WINDOWS_S.index(30))
    assert blocker.args == [30.0] and view.window_s() == 30.0
    with qtbot.assertNotEmitted(view.window_changed):
        view.set_window_s(5)
        view.set_window_s(47)  # the nearest offered value
    assert view.window_s() == 50.0


def test_the_range_stays_inside_the_media(view: PeakContextView) -> None:
    """A peak 4.7 s before the end of a 20 s media: the range stops at 20 s, not at peak + W."""
    window = context_window(WORDS, 15_300, 10, duration_ms=20_000)
    assert (window.start_ms, window.end_ms, window.peak_ms) == (5_300, 20_000, 15_300)
    view.set_context(window, "Peak 3 of 17")
    assert view.range_label.text() == "Peak at 0:00:15.3 · 0:00:05.3 – 0:00:20.0"
    early = context_window(WORDS, 3_000, 5, duration_ms=20_000)
    view.set_context(early, "Peak 1 of 17")
    assert view.range_label.text() == "Peak at 0:00:03.0 · 0:00:00.0 – 0:00:08.0"
    assert view.text() == "No words within ± 5 s"


def test_without_punctuation_a_long_silence_ends_the_sentence(view: PeakContextView) -> None:
    """A transcript without punctuation: the sentence at the peak is the run of words between silences of a
    second or more, not the whole window."""
    times = [0, 400, 800, 2400, 2800, 3200, 3600, 5200, 5600]  # silences of 1.2 s after "three" and "seven"
    tokens = "one two three four five six seven eight nine".split()
    words = [Word(token, 10_000 + t, 10_000 + t + 300) for token, t in zip(tokens, times, strict=True)]
    view.set_context(context_window(words, 13_000, 10), "Peak")
    assert view.text() == "one two three four five six seven eight nine"
    assert emphasised(view) == [("four five six seven", HIGHLIGHT_BACKGROUND)]
