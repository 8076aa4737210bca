"""What a controller may ask of the window: where its views go, its actions, messages, and the player.

Controllers get three things: the session (the project's state and every change to it), the review queue
(the segments to review and the one selected) and this shell. The window implements the shell; nothing else
of it is a controller's business, so the window can change its layout without breaking them.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from PySide6.QtCore import QSettings
    from PySide6.QtGui import QAction, QKeySequence
    from PySide6.QtWidgets import QDockWidget, QWidget

    from app.gui.player import PlayerController
    from widgets.timeline.timeline_view import Track
    from widgets.video.video_view import VideoView


class VideoOverlay(Protocol):
    """Something that paints over the video view once installed on it (the face boxes)."""

    def install(self, view: VideoView) -> None: ...


class Shell(Protocol):
    """The window as its controllers see it."""

    @property
    def settings(self) -> QSettings:
        """This machine's settings (last folder, annotator…)."""

    @property
    def player(self) -> PlayerController:
        """The video and audio player: seek and play intents, the frame and position on screen."""

    @property
    def dialog_parent(self) -> QWidget:
        """The widget dialogs and file choosers open over."""

    def add_action(
        self,
        text: str,
        slot: Callable[..., object],
        shortcut: str | QKeySequence | QKeySequence.StandardKey | None = None,
        tip: str = "",
    ) -> QAction:
        """An action whose shortcut works anywhere in the window; the controller puts it in its menus."""

    def add_dock(self, title: str, name: str, widget: QWidget) -> QDockWidget:
        """A dock on the right, tabbed with the review queue (which stays in front); ``name`` keeps its place
        across sessions."""

    def add_below_review(self, widget: QWidget) -> None:
        """Show ``widget`` under the review queue, in its dock."""

    def add_track(self, track: Track) -> None:
        """A row on the timeline, on the shared time axis."""

    def set_track_visible(self, key: str, visible: bool) -> None:
        """Show or hide a timeline row (it keeps its place)."""

    def add_video_overlay(self, overlay: VideoOverlay) -> None:
        """Paint ``overlay`` over the video from now on."""

    def show_message(self, text: str, timeout_ms: int) -> None:
        """A passing word in the status bar."""

    def show_error(self, message: str, details: str = "") -> None:
        """A readable error; ``details`` (a traceback) only on demand. The window keeps working."""
