"""The transcript's keys: what each does (the help and the window's shortcut list) and the key of each action."""

from __future__ import annotations

NUDGE_MS = 50
"""How far Alt+arrow moves a segment's edge."""

SHORTCUTS: tuple[tuple[str, str], ...] = (
    ("Edit the segment's text (Enter commits, Esc cancels)", "Double-click / F2 / Enter"),
    ("Seek to a word (and pick it for splitting)", "Click the word"),
    ("Seek to a segment's start", "Click its time"),
    ("Find and replace", "Ctrl+F"),
    ("Next / previous match", "F3 / Shift+F3"),
    ("Mark the selected segments reviewed (or not)", "Ctrl+R"),
    ("Move the start 50 ms earlier / later", "Alt+Left / Alt+Right"),
    ("Move the end 50 ms earlier / later", "Alt+Shift+Left / Alt+Shift+Right"),
    ("Split before the picked word (or the word at the text cursor)", "Ctrl+Shift+S"),
    ("Merge with the next segment", "Ctrl+Shift+M"),
    ("Set the speaker of the selected segments", "Ctrl+Shift+K"),
)
"""What the transcript's keys do, for its help tooltip and the window's shortcut list."""

KEYS = {
    "find": "Ctrl+F",
    "find_next": "F3",
    "find_previous": "Shift+F3",
    "reviewed": "Ctrl+R",
    "start_earlier": "Alt+Left",
    "start_later": "Alt+Right",
    "end_earlier": "Alt+Shift+Left",
    "end_later": "Alt+Shift+Right",
    "split": "Ctrl+Shift+S",
    "merge": "Ctrl+Shift+M",
    "speaker": "Ctrl+Shift+K",
}
"""The key sequence of each of the transcript's actions (shortcuts, context menu, inline editor)."""


def shortcuts_help() -> str:
    """The transcript's keys as the text of its help tooltip."""
    return "Transcript keys (when the transcript has focus):\n" + "\n".join(
        f"{keys}: {what}" for what, keys in SHORTCUTS
    )
