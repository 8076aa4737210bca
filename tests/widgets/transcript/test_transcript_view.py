"""The transcript editor: clicks seek to words, playback highlights the played word, edits and keys become
intents with exact arguments, find/replace reports exact changes, streaming keeps the end in view."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QEvent, Qt
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import QApplication

from app.model.transcript import TranscriptSegment, Word, replace_all
from widgets.style import speaker_colors
from widgets.transcript.segment_delegate import time_range_text
from widgets.transcript.transcript_view import EMPTY_TEXT, TranscriptView


def segment(
    start: int, end: int, text: str, low: tuple[int, ...] = (), speaker: str = "", reviewed: bool = False
) -> TranscriptSegment:
    """A segment whose words share [start, end) equally, each ending 20 ms before the next starts; the words
    at positions ``low`` have probability 0.3, the others 0.9."""
    tokens = text.split()
    step = (end - start) // len(tokens)
    words = tuple(
        Word(token, start + i * step, start + (i + 1) * step - 20, 0.3 if i in low else 0.9)
        for i, token in enumerate(tokens)
    )
    return TranscriptSegment(start, end, text, words, speaker, reviewed)


SEGMENTS = [
    segment(1000, 3000, "Hello everyone, welcome to the talk.", speaker="Ana", reviewed=True),
    segment(3500, 6000, "Today we discuss the salient moments.", low=(4,), speaker="Bob"),
    segment(6500, 9000, "The quick brown fox jumps.", low=(1, 3), speaker="Ana"),
    segment(10000, 12000, "Thank you all, others."),
]


def many(count: int, start: int = 0) -> list[TranscriptSegment]:
    return [
        segment(start + i * 4000, start + i * 4000 + 3500, f"segment {i} has a few words in it right here")
        for i in range(count)
    ]


@pytest.fixture
def view(qtbot) -> TranscriptView:
    widget = TranscriptView()
    qtbot.addWidget(widget)
    widget.resize(600, 500)
    widget.show()
    qtbot.waitExposed(widget)
    widget.set_segments(SEGMENTS)
    QApplication.processEvents()
    return widget


def focus_list(qtbot, view: TranscriptView, row: int) -> None:
    view.activateWindow()
    view.list_view.setFocus()
    qtbot.waitUntil(view.list_view.hasFocus)
    view.select(row)


def click_word(qtbot, view: TranscriptView, row: int, word: int) -> None:
    qtbot.mouseClick(view.list_view.viewport(), Qt.MouseButton.LeftButton, pos=view.word_rect(row, word).center())


def test_the_status_line_counts_reviewed_segments_and_words_to_check(view: TranscriptView) -> None:
    assert view.segments() == SEGMENTS
    assert view.progress_label.text() == "1 / 4 segments reviewed · 3 words to check"
    view.update_segment(2, SEGMENTS[2].__class__(**{**_fields(SEGMENTS[2]), "reviewed": True}))
    assert view.progress_label.text() == "2 / 4 segments reviewed · 1 words to check"
    view.remove_segment(1)
    assert view.progress_label.text() == "2 / 3 segments reviewed · 0 words to check"
    view.insert_segment(1, SEGMENTS[1])
    assert view.progress_label.text() == "2 / 4 segments reviewed · 1 words to check"
    view.set_segments([])
    assert view.progress_label.text() == "No segments"
    assert view.list_view.placeholder == EMPTY_TEXT


def _fields(seg: TranscriptSegment) -> dict:
    return {name: getattr(seg, name) for name in seg.__slots__}


def test_clicking_a_word_seeks_to_its_start_and_picks_it(qtbot, view: TranscriptView) -> None:
    for row, word in ((1, 4), (2, 0), (0, 5), (3, 3)):
        with qtbot.waitSignal(view.seek_requested) as blocker:
            click_word(qtbot, view, row, word)
        assert blocker.args == [SEGMENTS[row].words[word].start_ms]
        assert view.picked_word() == (row, word)
        assert view.selected_indices() == [row]
    with qtbot.waitSignal(view.seek_requested) as blocker:
        qtbot.mouseClick(view.list_view.viewport(), Qt.MouseButton.LeftButton, pos=view.time_rect(2).center())
    assert blocker.args == [6500]


def test_set_position_highlights_the_played_word_and_repaints_at_most_two_rows(
    view: TranscriptView, monkeypatch
) -> None:
    repainted: list[int] = []
    original = view._repaint_row
    monkeypatch.setattr(view, "_repaint_row", lambda row: (repainted.append(row), original(row)))
    changed: list[int] = []
    view._model.dataChanged.connect(lambda top, bottom, roles=(): changed.append(top.row()))

    # segment 1: six words every 416 ms from 3500 ms, each ending 20 ms before the next one starts
    step = (6000 - 3500) // 6
    view.set_position(3500 + 2 * step + 10)
    assert view.current() == (1, 2)
    assert repainted == [1]
    repainted.clear()
    view.set_position(3500 + 2 * step + 200)  # same word: nothing to repaint
    assert view.current() == (1, 2) and repainted == []
    view.set_position(3500 + 3 * step - 10)  # the 20 ms gap after word 2
    assert view.current() == (1, None) and repainted == [1]
    repainted.clear()
    view.set_position(6600)
    assert view.current() == (2, 0)
    assert repainted == [1, 2]
    repainted.clear()
    view.set_position(9500)  # between segments
    assert view.current() == (None, None) and repainted == [2]
    view.set_position(11_970)  # the last word ends at 11,980
    assert view.current() == (3, 3)
    view.set_position(0)
    assert view.current() == (None, None)
    assert changed == []  # never through the model: QListView would lay out every row again


def test_playback_keeps_the_played_segment_in_view_unless_following_is_off(qtbot) -> None:
    view = TranscriptView()
    qtbot.addWidget(view)
    view.resize(500, 300)
    view.show()
    qtbot.waitExposed(view)
    segments = many(200)
    view.set_segments(segments)
    QApplication.processEvents()
    assert view.follow_button.isChecked()
    bar = view.list_view.verticalScrollBar()
    view.set_position(segments[150].start_ms + 10)
    rect = view.list_view.visualRect(view.list_view.model().index(150))
    assert view.list_view.viewport().rect().contains(rect)
    assert bar.value() > 0

    view.follow_button.setChecked(False)
    bar.setValue(0)
    view.set_position(segments[100].start_ms + 10)
    assert bar.value() == 0 and view.current() == (100, 0)
    view.follow_button.setChecked(True)  # turning it on catches up
    assert view.list_view.viewport().rect().contains(view.list_view.visualRect(view.list_view.model().index(100)))

    bar.setValue(0)
    view.edit(0)
    assert view.is_editing()
    view.set_position(segments[190].start_ms + 10)
    assert bar.value() == 0 and view.current() == (190, 0)


def test_enter_commits_an_edit_only_when_the_text_changed_and_esc_cancels(qtbot, view: TranscriptView) -> None:
    edits: list[tuple[int, str]] = []
    view.text_edited.connect(lambda index, text: edits.append((index, text)))

    view.edit(1)
    editor = view.editor()
    assert editor is not None and editor.toPlainText() == SEGMENTS[1].text
    editor.setPlainText("Today  we discuss\nthe salient   moment. ")
    qtbot.keyClick(editor, Qt.Key.Key_Return)
    assert edits == [(1, "Today we discuss the salient moment.")]
    assert view.editor() is None
    assert view.segments() == SEGMENTS  # the owner applies the edit, not the view

    view.edit(2)
    qtbot.keyClick(view.editor(), Qt.Key.Key_Return)  # unchanged
    view.edit(3)
    view.editor().setPlainText("Something else entirely")
    qtbot.keyClick(view.editor(), Qt.Key.Key_Escape)
    assert view.editor() is None
    QApplication.processEvents()
    assert edits == [(1, "Today we discuss the salient moment.")]


def test_double_click_f2_and_enter_open_the_editor(qtbot, view: TranscriptView) -> None:
    viewport = view.list_view.viewport()
    # QTest sends a double-click event alone; a real one follows a press and release
    qtbot.mouseClick(viewport, Qt.MouseButton.LeftButton, pos=view.word_rect(2, 1).center())
    qtbot.mouseDClick(viewport, Qt.MouseButton.LeftButton, pos=view.word_rect(2, 1).center())
    assert view.editor() is not None
    qtbot.keyClick(view.editor(), Qt.Key.Key_Escape)
    assert view.editor() is None
    focus_list(qtbot, view, 0)
    qtbot.keyClick(view.list_view, Qt.Key.Key_F2)
    assert view.editor() is not None and view.editor().toPlainText() == SEGMENTS[0].text
    qtbot.keyClick(view.editor(), Qt.Key.Key_Escape)
    focus_list(qtbot, view, 3)
    qtbot.keyClick(view.list_view, Qt.Key.Key_Return)
    assert view.editor() is not None and view.editor().toPlainText() == SEGMENTS[3].text


def test_the_played_row_is_repainted_without_resetting_the_editor(qtbot, view: TranscriptView) -> None:
    view.edit(1)
    view.editor().setPlainText("typed so far")
    for ms in range(3500, 6000, 33):
        view.set_position(ms)
    QApplication.processEvents()
    assert view.editor().toPlainText() == "typed so far"


def test_keys_emit_nudges_review_merge_split_and_speaker(qtbot, view: TranscriptView, monkeypatch) -> None:
    focus_list(qtbot, view, 1)
    nudges: list[tuple[int, str, int]] = []
    view.nudge_requested.connect(lambda *args: nudges.append(args))
    alt, shift = Qt.KeyboardModifier.AltModifier, Qt.KeyboardModifier.ShiftModifier
    qtbot.keyClick(view.list_view, Qt.Key.Key_Left, alt)
    qtbot.keyClick(view.list_view, Qt.Key.Key_Right, alt)
    qtbot.keyClick(view.list_view, Qt.Key.Key_Left, alt | shift)
    qtbot.keyClick(view.list_view, Qt.Key.Key_Right, alt | shift)
    assert nudges == [(1, "start", -50), (1, "start", 50), (1, "end", -50), (1, "end", 50)]

    ctrl = Qt.KeyboardModifier.ControlModifier
    with qtbot.waitSignal(view.reviewed_requested) as blocker:
        qtbot.keyClick(view.list_view, Qt.Key.Key_R, ctrl)
    assert blocker.args == [[1], True]
    view.select(0)
    with qtbot.waitSignal(view.reviewed_requested) as blocker:
        qtbot.keyClick(view.list_view, Qt.Key.Key_R, ctrl)
    assert blocker.args == [[0], False]

    with qtbot.waitSignal(view.merge_requested) as blocker:
        qtbot.keyClick(view.list_view, Qt.Key.Key_M, ctrl | shift)
    assert blocker.args == [0]
    view.select(3)
    with qtbot.assertNotEmitted(view.merge_requested):
        qtbot.keyClick(view.list_view, Qt.Key.Key_M, ctrl | shift)  # the last segment has no next one

    click_word(qtbot, view, 2, 3)
    with qtbot.waitSignal(view.split_requested) as blocker:
        qtbot.keyClick(view.list_view, Qt.Key.Key_S, ctrl | shift)
    assert blocker.args == [2, 3]
    click_word(qtbot, view, 2, 0)
    with qtbot.assertNotEmitted(view.split_requested):
        qtbot.keyClick(view.list_view, Qt.Key.Key_S, ctrl | shift)  # nothing before the first word

    asked: list[list[int]] = []
    monkeypatch.setattr(view, "_ask_speaker_name", lambda rows: asked.append(rows) or " Carla  ")
    view.list_view.selectionModel().clearSelection()
    view.select(1)
    view.list_view.selectionModel().select(
        view.list_view.model().index(3), view.list_view.selectionModel().SelectionFlag.Select
    )
    with qtbot.waitSignal(view.speaker_requested) as blocker:
        qtbot.keyClick(view.list_view, Qt.Key.Key_K, ctrl | shift)
    assert blocker.args == [[1, 3], "Carla"] and asked == [[1, 3]]


def test_split_while_editing_uses_the_word_at_the_text_cursor(qtbot, view: TranscriptView) -> None:
    view.edit(2)
    editor = view.editor()
    cursor = editor.textCursor()
    cursor.setPosition(SEGMENTS[2].text.index("brown") + 2)
    editor.setTextCursor(cursor)
    with qtbot.waitSignal(view.split_requested) as blocker:
        qtbot.keyClick(editor, Qt.Key.Key_S, Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier)
    assert blocker.args == [2, 2]
    assert view.editor() is None

    # the window's key filter hands text fields every key: then the editor sees the key press itself
    view.edit(1)
    keys = Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier
    with qtbot.waitSignal(view.split_requested) as blocker:
        QApplication.sendEvent(view.editor(), QKeyEvent(QEvent.Type.KeyPress, Qt.Key.Key_S, keys))
    assert blocker.args == [1, len(SEGMENTS[1].words) - 1]  # the cursor starts at the end: before the last word


def test_the_context_menu_offers_every_action_for_the_row_and_word(qtbot, view: TranscriptView, monkeypatch) -> None:
    menu = view.context_menu(2, 3)
    texts = [action.text() for action in menu.actions() if action.text()]
    assert texts == [
        "Play from here",
        "Edit text",
        "Split before «fox»",
        "Merge with next",
        "Move edges",
        "Set speaker…",
        "Rename speaker Ana…",
        "Mark reviewed",
        "Find and replace…",
    ]
    actions = {action.text(): action for action in menu.actions()}
    with qtbot.waitSignal(view.play_requested) as blocker:
        actions["Play from here"].trigger()
    assert blocker.args == [SEGMENTS[2].words[3].start_ms]
    with qtbot.waitSignal(view.split_requested) as blocker:
        actions["Split before «fox»"].trigger()
    assert blocker.args == [2, 3]
    with qtbot.waitSignal(view.reviewed_requested) as blocker:
        actions["Mark reviewed"].trigger()
    assert blocker.args == [[2], True]
    nudge = {action.text(): action for action in actions["Move edges"].menu().actions()}
    with qtbot.waitSignal(view.nudge_requested) as blocker:
        nudge["End 50 ms earlier"].trigger()
    assert blocker.args == [2, "end", -50]
    monkeypatch.setattr(view, "_ask_new_speaker_name", lambda old: "Carla")
    with qtbot.waitSignal(view.rename_speaker_requested) as blocker:
        actions["Rename speaker Ana…"].trigger()
    assert blocker.args == ["Ana", "Carla"]

    last = {action.text(): action for action in view.context_menu(0).actions()}
    assert "Mark not reviewed" in last and not any(text.startswith("Split") for text in last)


def test_find_counts_steps_and_replaces_with_exact_changes(qtbot, view: TranscriptView) -> None:
    focus_list(qtbot, view, 0)
    qtbot.keyClick(view.list_view, Qt.Key.Key_F, Qt.KeyboardModifier.ControlModifier)
    bar = view.find_bar
    assert bar.isVisible() and bar.find_field.hasFocus()
    qtbot.keyClicks(bar.find_field, "the")
    # "the talk", "the salient", "The quick", "others"
    starts = [(0, SEGMENTS[0].text.index("the")), (1, SEGMENTS[1].text.index("the")), (2, 0), (3, 16)]
    assert [(m.segment_index, m.start) for m in view.matches()] == starts
    assert bar.count.text() == "1 / 4"
    qtbot.keyClick(bar.find_field, Qt.Key.Key_F3)
    assert bar.count.text() == "2 / 4" and view.selected_indices() == [1]
    qtbot.keyClick(bar.find_field, Qt.Key.Key_Return)
    assert bar.count.text() == "3 / 4" and view.selected_indices() == [2]
    qtbot.keyClick(bar.find_field, Qt.Key.Key_F3, Qt.KeyboardModifier.ShiftModifier)
    assert bar.count.text() == "2 / 4"
    bar.whole_word.setChecked(True)
    assert len(view.matches()) == 3
    bar.match_case.setChecked(True)
    assert [(m.segment_index, m.start) for m in view.matches()] == starts[:2]
    bar.match_case.setChecked(False)
    bar.whole_word.setChecked(False)

    # a new search starts at the selected segment (1)
    assert view.current_match() == 1 and bar.count.text() == "2 / 4"
    bar.replace_field.setText("a")
    with qtbot.waitSignal(view.replace_requested) as blocker:
        bar.replace_button.click()
    assert blocker.args == [{1: "Today we discuss a salient moments."}]
    # the owner applies it; the next match becomes the current one
    view.update_segment(1, SEGMENTS[1].with_text("Today we discuss a salient moments."))
    qtbot.waitUntil(lambda: len(view.matches()) == 3)
    assert bar.count.text() == "2 / 3" and view.matches()[view.current_match()].segment_index == 2

    with qtbot.waitSignal(view.replace_requested) as blocker:
        bar.replace_all_button.click()
    expected = {
        0: "Hello everyone, welcome to a talk.",
        2: "a quick brown fox jumps.",
        3: "Thank you all, oars.",
    }
    assert blocker.args == [expected]
    assert expected == replace_all(view.segments(), "the", "a")

    # with the window's key filter, F3 reaches the field as a key press: the find bar handles it there too
    QApplication.sendEvent(
        bar.find_field, QKeyEvent(QEvent.Type.KeyPress, Qt.Key.Key_F3, Qt.KeyboardModifier.NoModifier)
    )
    assert bar.count.text() == "3 / 3"
    qtbot.keyClick(bar.find_field, Qt.Key.Key_Escape)
    assert not bar.isVisible() and view.matches() == []


def test_append_keeps_the_end_in_view_only_when_it_was_there(qtbot) -> None:
    view = TranscriptView()
    qtbot.addWidget(view)
    view.resize(500, 300)
    view.show()
    qtbot.waitExposed(view)
    view.set_segments(many(40))
    QApplication.processEvents()
    bar = view.list_view.verticalScrollBar()
    view.list_view.scrollToBottom()
    before = bar.maximum()
    assert before > 0 and bar.value() == before
    view.append_segments(many(20, start=40 * 4000))
    QApplication.processEvents()
    assert bar.maximum() > before and bar.value() == bar.maximum()
    last = view.list_view.model().index(59)
    assert view.list_view.viewport().rect().contains(view.list_view.visualRect(last))

    bar.setValue(100)
    view.append_segments(many(5, start=60 * 4000))
    QApplication.processEvents()
    assert bar.value() == 100 and len(view.segments()) == 65


def test_rows_are_as_tall_as_their_wrapped_words(qtbot, view: TranscriptView) -> None:
    list_view = view.list_view
    heights = [list_view.visualRect(list_view.model().index(row)).height() for row in range(4)]
    layouts = [view._delegate.layout(row, list_view.viewport().width()) for row in range(4)]
    assert heights == [layout.height for layout in layouts]
    longer = SEGMENTS[3].with_text(" ".join(["words"] * 60))
    view.update_segment(3, longer)
    QApplication.processEvents()
    assert list_view.visualRect(list_view.model().index(3)).height() > heights[3]
    view.resize(300, 500)
    qtbot.waitUntil(lambda: list_view.visualRect(list_view.model().index(3)).height() > 2 * heights[3])
    for row in range(4):
        rects = [view.word_rect(row, word) for word in range(len(view.segments()[row].text.split()))]
        assert all(rect.right() < list_view.viewport().width() or rect.left() == 10 for rect in rects)


def test_next_to_check_selects_the_next_segment_not_reviewed(qtbot, view: TranscriptView) -> None:
    view.select(1)
    view.next_to_check()
    assert view.selected_indices() == [2]
    view.next_to_check()
    assert view.selected_indices() == [3]
    view.next_to_check()  # wraps, skipping the reviewed segment 0
    assert view.selected_indices() == [1]


def test_busy_text_and_speaker_colours(view: TranscriptView) -> None:
    assert not view.busy_label.isVisible()
    view.set_busy("Transcribing… 12:30 / 58:00")
    assert view.busy_label.isVisible() and view.busy_label.text() == "Transcribing… 12:30 / 58:00"
    view.set_busy(None)
    assert not view.busy_label.isVisible()
    colors = speaker_colors(["Ana", "Bob", "Ana", ""])
    assert set(colors) == {"Ana", "Bob"} and colors["Ana"] != colors["Bob"]
    assert speaker_colors(["Bob", "Ana"]) == colors
    assert time_range_text(SEGMENTS[2]) == "0:00:06.5 – 0:00:09.0"
    assert not view.grab().isNull()
