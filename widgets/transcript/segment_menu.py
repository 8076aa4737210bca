"""The context menu of a transcript row: play, edit, split, merge, move edges, speaker, review, find."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import TYPE_CHECKING

from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QMenu

from app.model.transcript import can_split, has_word_timings
from widgets.transcript.segment_model import timed_words
from widgets.transcript.shortcuts import KEYS, NUDGE_MS

if TYPE_CHECKING:
    from widgets.transcript.transcript_view import TranscriptView


SPLIT_ESTIMATED_TIP = (
    "These words have no timings of their own yet (text edited and not aligned, or imported without word "
    "times): the split falls at an estimated time"
)


def segment_menu(view: TranscriptView, index: int, word: int | None = None) -> QMenu:
    """The context menu of segment ``index`` of ``view`` (``word``: the word under the mouse)."""
    segments = view.segments()
    segment = segments[index]
    menu = QMenu(view)
    menu.setToolTipsVisible(True)
    start = segment.start_ms
    if word is not None:
        start = timed_words(segment)[word].start_ms
    _action(menu, "Play from here", partial(view.play_requested.emit, start))
    menu.addSeparator()
    _action(menu, "Edit text", partial(view.edit, index), "F2")
    tokens = segment.text.split()
    if word is not None and can_split(segment, word):
        action = _action(
            menu, f"Split before «{tokens[word]}»", partial(view.request_split, index, word), KEYS["split"]
        )
        if not has_word_timings(segment):
            action.setToolTip(SPLIT_ESTIMATED_TIP)
            action.setStatusTip(SPLIT_ESTIMATED_TIP)
    merge = _action(menu, "Merge with next", partial(view.merge_requested.emit, index), KEYS["merge"])
    merge.setEnabled(index + 1 < len(segments))
    nudge = menu.addMenu("Move edges")
    for text, edge, delta, key in (
        ("Start 50 ms earlier", "start", -NUDGE_MS, "start_earlier"),
        ("Start 50 ms later", "start", NUDGE_MS, "start_later"),
        ("End 50 ms earlier", "end", -NUDGE_MS, "end_earlier"),
        ("End 50 ms later", "end", NUDGE_MS, "end_later"),
    ):
        _action(nudge, text, partial(view.nudge_requested.emit, index, edge, delta), KEYS[key])
    menu.addSeparator()
    rows = view.selected_indices()
    if index not in rows:
        rows = [index]
    _action(menu, "Set speaker…", view.ask_speaker, KEYS["speaker"])
    if segment.speaker:
        _action(menu, f"Rename speaker {segment.speaker}…", partial(view.ask_rename_speaker, segment.speaker))
    reviewed = all(segments[row].reviewed for row in rows)
    _action(
        menu,
        "Mark not reviewed" if reviewed else "Mark reviewed",
        partial(view.reviewed_requested.emit, rows, not reviewed),
        KEYS["reviewed"],
    )
    menu.addSeparator()
    _action(menu, "Find and replace…", view.show_find, KEYS["find"])
    return menu


def _action(menu: QMenu, text: str, slot: Callable[[], object], keys: str = "") -> QAction:
    """An entry of ``menu`` that calls ``slot``, showing its shortcut ``keys`` if any."""
    action = menu.addAction(text)
    if keys:
        action.setShortcut(QKeySequence(keys))
        action.setShortcutVisibleInContextMenu(True)
    action.triggered.connect(lambda _checked=False: slot())
    return action
