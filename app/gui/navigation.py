"""Moving through the media from the keyboard: J/K/L shuttle, next and previous peak, go to a typed time or
frame, loop the visible range. Kept out of main_window.py, which only binds the keys."""

from __future__ import annotations

import bisect
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject
from PySide6.QtWidgets import QInputDialog

from app.gui.player import parse_goto
from app.timecode import format_clock

if TYPE_CHECKING:
    from app.gui.session import Session
    from app.gui.shell import Shell
    from widgets.panels.transport_panel import TransportPanel
    from widgets.timeline.timeline_view import TimelineView

SHUTTLE_SPEEDS = (1.0, 1.5, 2.0)
"""L while playing forward steps through these."""


class Navigator(QObject):
    """Seeks and shuttles the player; keeps the target in view on the timeline."""

    def __init__(
        self,
        session: Session,
        shell: Shell,
        timeline: TimelineView,
        transport: TransportPanel,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self.session, self.shell, self.timeline, self.transport = session, shell, timeline, transport
        self.loop_action = shell.add_action("Loop Visible Range", self._on_loop_action, "Ctrl+L")
        self.loop_action.setCheckable(True)
        transport.loop_toggled.connect(self.set_loop)

    def play_backward(self) -> None:
        """J."""
        player = self.shell.player
        player.pause()
        player.play(direction=-1)

    def play_forward(self) -> None:
        """L: play; again while playing: faster."""
        player = self.shell.player
        if player.playing:
            faster = [speed for speed in SHUTTLE_SPEEDS if speed > player.speed]
            player.set_speed(faster[0] if faster else SHUTTLE_SPEEDS[-1])
            self.transport.set_speed(player.speed)
        else:
            player.play()

    def go_to_peak(self, direction: int) -> None:
        """N / P: the next (1) or previous (-1) audio peak from the playhead."""
        outliers = self.session.outliers
        times = sorted(peak.peak_ms for peak in outliers.peaks) if outliers is not None else []
        here = self.shell.player.position_ms
        if not times:
            self.shell.show_message("No peaks flagged with the current settings.", 4000)
            return
        if direction > 0:
            index = bisect.bisect_right(times, here)
            target = times[index] if index < len(times) else None
        else:
            index = bisect.bisect_left(times, here) - 1
            target = times[index] if index >= 0 else None
        if target is None:
            self.shell.show_message("No further peak in that direction.", 3000)
            return
        self.shell.player.seek(target)
        start, end = self.timeline.visible_range()
        if not start <= target <= end:
            half = (end - start) // 2
            self.timeline.set_visible_range(max(0, target - half), target + half)

    def go_to_dialog(self) -> None:
        text, accepted = QInputDialog.getText(
            self.shell.dialog_parent,
            "Go to",
            "Time (1:02:03.5, 83.5) or frame (#1200):",
            text=format_clock(self.shell.player.position_ms),
        )
        if accepted:
            self.go_to(text)

    def go_to(self, text: str) -> None:
        """Seek to a typed time or frame number; a typo gets a message, not a jump."""
        try:
            kind, value = parse_goto(text)
        except ValueError as exc:
            self.shell.show_message(str(exc), 6000)
            return
        if kind == "frame":
            self.shell.player.seek_frame(value)
        else:
            self.shell.player.seek(value)

    def _on_loop_action(self, checked: bool) -> None:
        self.transport.set_loop_checked(checked)
        self.set_loop(checked)

    def set_loop(self, enabled: bool) -> None:
        """Loop the part of the timeline in view (or stop looping)."""
        self.loop_action.setChecked(enabled)
        if enabled:
            start, end = self.timeline.visible_range()
            self.shell.player.set_loop(start, end)
            self.shell.show_message("Looping the visible part of the timeline.", 4000)
        else:
            self.shell.player.set_loop(None)
