"""The window's review queue: the review model's items for the open media, kept in step with the session.

The rule of which segments can be reviewed lives in :mod:`app.model.review`; this object only feeds it the
session's live results (peaks at the user's k, the motion run, pauses, labels) and the selections queued in
this session, and tells views when the queue changed and which item the user selected. Controllers look
segments up here, never in the window.
"""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, Signal
from PySide6.QtGui import QUndoCommand

from app.model.review import SOURCE_SELECTION, ReviewItem, Segment, review_items
from app.timecode import format_mmss

if TYPE_CHECKING:
    from app.gui.session import Session


class ReviewQueue(QObject):
    """Items to review, by key, in time order."""

    changed = Signal()
    """The whole queue was rebuilt (new results, new media, a selection queued)."""
    item_changed = Signal(object)
    """One item's labels changed: the fresh ReviewItem."""
    selected = Signal(str)
    """The user selected an item (its key): each view shows what it knows around that segment."""

    def __init__(self, session: Session, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._session = session
        self._items: dict[str, ReviewItem] = {}
        self._owners: dict[str, str] = {}
        """every key a label may carry (an item's own and its aliases) → the item's key"""
        self._selections: dict[str, Segment] = {}
        self._stale = False
        """a rebuild was asked for while the session was loading a media: done once it has loaded"""
        self._selected: str | None = None
        session.media_loaded.connect(self._on_session_media_loaded)
        session.shot_rule_changed.connect(lambda _rule: self.refresh())

    @property
    def items(self) -> list[ReviewItem]:
        return list(self._items.values())

    def item(self, key: str) -> ReviewItem | None:
        return self._items.get(key)

    def segment(self, key: str) -> Segment | None:
        item = self._items.get(key)
        return None if item is None else item.segment

    @property
    def selected_key(self) -> str | None:
        """The item selected for review: after a rebuild (another k) the one now at the selected moment, or
        None when no item covers that moment any more."""
        return self._selected

    def __contains__(self, key: object) -> bool:
        """Whether ``key`` names an item: its own key, or an alias (a flag's key within a merged moment)."""
        return key in self._owners

    def refresh(self) -> None:
        """Rebuild the queue from the session's current results and labels (while the session loads a media,
        once it has loaded: each stored result it loads asks for a rebuild)."""
        session = self._session
        if session.loading:
            self._stale = True
            return
        self._stale = False
        audio = session.outliers.peaks if session.outliers is not None else ()
        motion = session.motion.peaks if session.motion is not None else ()
        shots = session.motion.stored.shots if session.motion is not None else ()
        pauses = session.pauses.pauses if session.pauses is not None else ()
        selections = list(self._selections.values())
        items = review_items(audio, motion, session.labels.labels, pauses, shots, selections, session.shot_rule)
        previous = self.segment(self._selected or "")
        self._items = {item.key: item for item in items}
        self._owners = {key: item.key for item in items for key in item.segment.keys}
        if previous is not None and previous.key not in self._items:
            self._selected = _successor(previous, items)
        self.changed.emit()

    def _on_session_media_loaded(self) -> None:
        """The media's stored results are loaded: the queue the opening job built from them is taken as it is
        (it was made by the same rule from the same results), else the queue is rebuilt if anything asked."""
        session = self._session
        if session.loaded_queue is not None and session.outliers is None and not self._selections:
            self._stale = False
            self._items = {item.key: item for item in session.loaded_queue}
            self._selected = None
            self.changed.emit()
        elif self._stale:
            self.refresh()

    def select(self, key: str) -> None:
        """The user selected the item ``key`` (in the review panel); unknown keys are ignored."""
        if key in self._items:
            self._selected = key
            self.selected.emit(key)

    def add_selection(self, start_ms: int, end_ms: int) -> Segment:
        """Queue a range the user chose (kept until the media closes, labelled or not). Queuing is a command on
        the label book's undo stack, so Ctrl+Z takes the range out of the queue again; a range already in the
        queue is not queued twice."""
        segment = Segment(SOURCE_SELECTION, start_ms, end_ms)
        if segment.key not in self._items:
            self._session.labels.undo_stack.push(_QueueSelection(self, segment))
        return segment

    def _put_selection(self, segment: Segment, queued: bool) -> None:
        if queued:
            self._selections[segment.key] = segment
        else:
            self._selections.pop(segment.key, None)
        self.refresh()

    def labels_changed(self, key: str | None) -> None:
        """A label on ``key`` was added, changed or removed: update that item, or rebuild for a new range."""
        item = self._items.get(self._owners.get(key or "", ""))
        if item is None:
            self.refresh()
            return
        book = self._session.labels
        labels = sorted(
            (label for key in item.segment.keys for label in book.labels_for(key)), key=lambda label: label.id
        )
        fresh = replace(item, labels=tuple(labels))
        self._items[item.key] = fresh
        self.item_changed.emit(fresh)

    def clear(self) -> None:
        self._items = {}
        self._owners = {}
        self._selections = {}
        self._selected = None
        self.changed.emit()


def _successor(previous: Segment, items: list[ReviewItem]) -> str | None:
    """The item of the same kind now at the moment ``previous`` was centred on (its range changed with k): a
    flagged moment, whichever tracks flag it now, or a range of the same source."""
    moment = previous.moment_ms
    for item in items:
        segment = item.segment
        same_kind = segment.flagged if previous.flagged else segment.source == previous.source
        if same_kind and segment.start_ms <= moment <= segment.end_ms:
            return segment.key
    return None


class _QueueSelection(QUndoCommand):
    """A selection joins the review queue (undo: it leaves it)."""

    def __init__(self, queue: ReviewQueue, segment: Segment) -> None:
        super().__init__(f"Queue the selection {format_mmss(segment.start_ms)}–{format_mmss(segment.end_ms)}")
        self._queue, self._segment = queue, segment

    def redo(self) -> None:
        self._queue._put_selection(self._segment, queued=True)

    def undo(self) -> None:
        self._queue._put_selection(self._segment, queued=False)
