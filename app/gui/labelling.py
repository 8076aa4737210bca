"""Labelling in the window: the review panel and the labels track follow the review queue and the label book;
label keys, details, moves and deletes go to the book (another annotator's label only once the user confirms);
the I/O selection joins the queue; the annotator's name (asked when a media opens without one, never in the
middle of labelling), the vocabulary editor and the agreement between annotators. Kept out of main_window.py
so each stays readable; like the other controllers it reaches the window only through its shell.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QObject, QTimer
from PySide6.QtWidgets import QDockWidget, QInputDialog, QMessageBox

from analysis.errors import SalientError
from app.model.records import LabelRecord
from app.model.review import ReviewItem, shot_reason
from app.timecode import format_mmss
from widgets.dialogs.vocabulary_dialog import VocabularyDialog
from widgets.panels.review_panel import ReviewPanel, ReviewRow
from widgets.timeline.label_track import LabelMark, LabelTrack

if TYPE_CHECKING:
    from app.gui.review_queue import ReviewQueue
    from app.gui.session import Session
    from app.gui.shell import Shell
    from widgets.panels.agreement_view import AgreementView

MIN_SELECTION_MS = 40
"""A shorter selection is taken for a slip of the keys, not a range to review."""


SILENT_VIDEO = (
    "Nothing to review yet: this video has no audio track, so there are no audio peaks. "
    "Its motion (and its faces) can flag the moments to review."
)
ANALYSE_MOTION = "Analyse Motion and Faces"
MOTION_RUNNING = "Analysing the motion… (see Jobs); its peaks will fill the queue."


class LabellingController(QObject):
    """The review panel, the labels track and the label book, kept in step."""

    def __init__(
        self,
        session: Session,
        review_queue: ReviewQueue,
        shell: Shell,
        review_panel: ReviewPanel,
        review_dock: QDockWidget,
        label_track: LabelTrack,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self.session, self.review_queue, self.shell = session, review_queue, shell
        self.review_panel, self.review_dock, self.label_track = review_panel, review_dock, label_track
        self.agreement_view: AgreementView | None = None
        self._agreement_dock: QDockWidget | None = None
        self._vocabulary_dialog: VocabularyDialog | None = None
        self._selection: list[int | None] = [None, None]
        self._asking_annotator = False
        self._shown_vocabulary: dict[int, tuple[str, str]] | None = None
        """each value's (name, colour) as the labels track and the queue last showed them"""
        book = session.labels
        book.labels_reset.connect(self._refresh_labels)
        book.vocabulary_changed.connect(self._on_vocabulary_changed)
        book.label_added.connect(self._on_label_changed)
        book.label_updated.connect(self._on_label_changed)
        book.label_removed.connect(self._on_label_removed)
        review_queue.changed.connect(self._on_review_queue_changed)
        review_queue.item_changed.connect(self._on_review_item_changed)
        review_panel.label_requested.connect(self._on_review_label_requested)
        review_panel.details_edited.connect(self._on_review_details_edited)
        label_track.signals.label_moved.connect(self._on_label_track_label_moved)
        label_track.signals.label_delete_requested.connect(self._on_label_track_delete_requested)
        session.media_opened.connect(self._on_session_media_opened)
        session.closed.connect(lambda: self._show_selection(None, None))
        book.annotator = str(shell.settings.value("annotator", "") or "")

    # -- review queue and labels → views -------------------------------------------------------------

    def _review_row(self, item: ReviewItem) -> ReviewRow:
        book = self.session.labels
        segment = item.segment
        own = item.own_label(book.annotator) if book.annotator else None
        others = [f"{label.annotator}: {label.value}" for label in item.labels if label is not own]
        color = book.entry(own.vocabulary_id).color if own else ""
        shot = item.shot_change
        return ReviewRow(
            segment.key,
            segment.start_ms,
            segment.end_ms,
            segment.peak_ms,
            segment.z,
            item.pause_before.duration_ms if item.pause_before else None,
            item.pause_after.duration_ms if item.pause_after else None,
            own.value if own else "",
            color,
            "\n".join(others),
            own.intensity if own else None,
            own.confidence if own else None,
            own.note if own else "",
            segment.tracks,
            shot_reason(shot, item.rule) if shot is not None else "",
            segment.tracks_detail,
        )

    def _on_review_queue_changed(self) -> None:
        self.review_panel.set_rows([self._review_row(item) for item in self.review_queue.items])
        self.review_panel.show_selected(self.review_queue.selected_key)
        self.show_empty_state()

    def show_empty_state(self) -> None:
        """An empty queue says why, and offers the motion analysis to a video without audio (nothing else
        would ever fill its queue)."""
        session = self.session
        media = session.media
        if media is None or self.review_queue.items:
            self.review_panel.set_empty_state("")
        elif session.motion_job is not None and session.motion_job.running:
            self.review_panel.set_empty_state(MOTION_RUNNING)
        elif not media.info.has_audio and session.motion is None and media.info.has_video:
            self.review_panel.set_empty_state(SILENT_VIDEO, ANALYSE_MOTION)
        elif session.outliers is not None or session.motion is not None:
            self.review_panel.set_empty_state(f"No segment flagged at k = {session.options.k:g}: lower k to flag more.")
        else:  # the audio is still being analysed
            self.review_panel.set_empty_state("")

    def _on_review_item_changed(self, item: ReviewItem) -> None:
        self.review_panel.update_row(self._review_row(item))

    def _refresh_labels(self) -> None:
        self._shown_vocabulary = self._vocabulary_looks()
        self.label_track.set_labels([self._mark_of(label) for label in self.session.labels.labels])
        self.review_queue.refresh()

    def _vocabulary_looks(self) -> dict[int, tuple[str, str]]:
        return {entry.id: (entry.name, entry.color) for entry in self.session.labels.vocabulary}

    def _mark_of(self, label: LabelRecord) -> LabelMark:
        book = self.session.labels
        color = book.entry(label.vocabulary_id).color
        owner = "" if label.annotator == book.annotator else label.annotator
        return LabelMark(label.id, label.start_ms, label.end_ms, f"{label.value} · {label.annotator}", color, owner)

    def _on_vocabulary_changed(self) -> None:
        self.review_panel.set_vocabulary(self.session.labels.vocabulary)
        if self._vocabulary_dialog is not None:
            self._vocabulary_dialog.set_entries(self.session.labels.vocabulary)
        # opening a project resets the labels and then the vocabulary: draw the labels once, not twice
        if self.session.is_open and self._vocabulary_looks() != self._shown_vocabulary:
            self._refresh_labels()

    def _on_label_changed(self, label: LabelRecord) -> None:
        self.label_track.put(self._mark_of(label))
        self.review_queue.labels_changed(label.segment_key)

    def _on_label_removed(self, label: LabelRecord) -> None:
        self.label_track.remove(label.id)
        if label.segment_key in self.review_queue:  # its moment's key or one of its aliases
            self.review_queue.labels_changed(label.segment_key)

    # -- views → the label book ----------------------------------------------------------------------

    def _on_review_label_requested(self, key: str, vocabulary_id: int) -> None:
        segment = self.review_queue.segment(key)
        if segment is None or self._read_only():
            return
        if not self.session.labels.annotator:
            # No dialog here: it would take the keys typed after this one.
            self.shell.show_message("Labels carry your name: set it first with Edit ▸ Annotator Name…", 8000)
            return
        self.session.labels.label(segment, vocabulary_id)

    def _on_review_details_edited(self, key: str, fields: dict) -> None:
        segment = self.review_queue.segment(key)
        own = self.session.labels.own_label(*segment.keys) if segment is not None else None
        if own is not None:
            self.session.labels.update(own.id, **fields)

    def _on_label_track_label_moved(self, label_id: int, start_ms: int, end_ms: int) -> None:
        book = self.session.labels
        others = not book.is_own(label_id)
        if self._read_only() or others and not self._confirm_others(label_id, "Move"):
            self.label_track.put(self._mark_of(book.label_by_id(label_id)))  # back where it was
            return
        book.move(label_id, start_ms, end_ms, others=others)

    def _on_label_track_delete_requested(self, label_id: int) -> None:
        book = self.session.labels
        others = not book.is_own(label_id)
        if self._read_only() or others and not self._confirm_others(label_id, "Delete"):
            return
        book.delete(label_id, others=others)

    def _read_only(self) -> bool:
        """Say so and return True when the project is read-only (before asking anything about a change)."""
        if self.session.read_only:
            self.shell.show_message(f"Not saved: {self.session.read_only}", 8000)
        return bool(self.session.read_only)

    def _confirm_others(self, label_id: int, verb: str) -> bool:
        """Only your own labels change unless you say so: ask before changing another annotator's."""
        label = self.session.labels.label_by_id(label_id)
        answer = QMessageBox.question(
            self.shell.dialog_parent,
            "Another annotator's label",
            f"This {label.value} label is {label.annotator}'s, not yours. {verb} it anyway?",
            QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
            QMessageBox.StandardButton.No,
        )
        return answer == QMessageBox.StandardButton.Yes

    # -- the annotator -------------------------------------------------------------------------------

    def _on_session_media_opened(self, _record: object) -> None:
        self._show_selection(None, None)
        QTimer.singleShot(0, self._ask_annotator_if_unset)  # once the window shows the media

    def _ask_annotator_if_unset(self) -> None:
        """A media opened and no name is set on this machine: ask now, before any label key is pressed (not for a
        read-only project, which takes no label)."""
        if (
            self.session.is_open
            and not self.session.read_only
            and not self.session.labels.annotator
            and not self._asking_annotator
        ):
            self.ask_annotator()

    def ask_annotator(self) -> bool:
        self._asking_annotator = True
        try:
            name, accepted = QInputDialog.getText(
                self.shell.dialog_parent,
                "Annotator",
                "Your name, stored with every label you make:",
                text=self.session.labels.annotator,
            )
        finally:
            self._asking_annotator = False
        name = " ".join(name.split())
        if not accepted or not name:
            return False
        self.session.labels.annotator = name
        self.shell.settings.setValue("annotator", name)
        if self.session.is_open:
            self._refresh_labels()  # whose labels are "own" changed: the track and the queue show it
        return True

    # -- selections ----------------------------------------------------------------------------------

    def mark(self, which: int) -> None:
        """I / O: the selection's start (0) or end (1) at the playhead, shown on the labels track and in the
        status bar. A start at or after the end (or an end at or before the start) begins a new selection
        instead of turning the old one around."""
        at = self.shell.player.position_ms
        start, end = self._selection
        if which == 0:
            start, end = at, (end if end is not None and end > at else None)
        else:
            start, end = (start if start is not None and start < at else None), at
        self._show_selection(start, end)

    def select_range(self, start_ms: int, end_ms: int) -> None:
        """Shift+drag on the timeline: the same selection as I/O, shown on the labels track."""
        self._show_selection(start_ms, end_ms)

    def _show_selection(self, start: int | None, end: int | None) -> None:
        self._selection = [start, end]
        self.label_track.set_selection(start, end)
        if start is not None and end is not None:
            text = (
                f"Selected {format_mmss(start)}–{format_mmss(end)} ({(end - start) / 1000:.3f} s): "
                "Ctrl+Enter adds it to the review queue."
            )
        elif start is not None:
            text = f"Selection start (I) at {format_mmss(start)}: press O at its end."
        elif end is not None:
            text = f"Selection end (O) at {format_mmss(end)}: press I at its start."
        else:
            return
        self.shell.show_message(text, 8000)

    def queue_selection(self) -> None:
        """Ctrl+Enter: the selection joins the review queue (undoable), selected, ready for a label key; the
        marks are cleared so that the next I and O start a new selection."""
        start, end = self._selection
        if start is None or end is None or end - start < MIN_SELECTION_MS:
            self.shell.show_message("Mark a selection first: I at its start, O at its end.", 5000)
            return
        segment = self.review_queue.add_selection(start, end)
        self._selection = [None, None]
        self.label_track.set_selection(None, None)
        self.shell.show_message(
            f"Queued {format_mmss(start)}–{format_mmss(end)} for review (Ctrl+Z takes it out again).", 8000
        )
        self._show_in_review(segment.key)
        self.review_panel.table.setFocus()

    def _show_in_review(self, key: str) -> None:
        self.review_dock.show()
        self.review_dock.raise_()
        self.review_panel.select(key)

    # -- the vocabulary ------------------------------------------------------------------------------

    def show_vocabulary(self) -> VocabularyDialog:
        """The vocabulary editor; every change it asks for goes through the undoable label book."""
        if not self.session.is_open:
            self.shell.show_message("Open a video or a project first: the vocabulary travels with it.", 5000)
        if self._vocabulary_dialog is None:
            dialog = self._vocabulary_dialog = VocabularyDialog(self.shell.dialog_parent)
            book = self.session.labels
            dialog.add_requested.connect(lambda *args: self._vocabulary_change(book.add_entry, *args))
            dialog.update_requested.connect(
                lambda entry_id, fields: self._vocabulary_change(book.update_entry, entry_id, dict(fields))
            )
            dialog.delete_requested.connect(lambda entry_id: self._vocabulary_change(book.delete_entry, entry_id))
            dialog.import_requested.connect(lambda path: self._vocabulary_change(book.import_vocabulary, Path(path)))
            dialog.export_requested.connect(lambda path: self._vocabulary_change(book.export_vocabulary, Path(path)))
        self._vocabulary_dialog.set_entries(self.session.labels.vocabulary)
        self._vocabulary_dialog.show()
        return self._vocabulary_dialog

    def _vocabulary_change(self, change: Callable[..., Any], *args: Any) -> None:
        """Apply one vocabulary change; a refusal (duplicate name, value in use, bad file) is shown in the dialog."""
        if not self.session.is_open:
            self._vocabulary_dialog.show_message("Open a video or a project first.")
            return
        if self.session.read_only and getattr(change, "__name__", "") != "export_vocabulary":
            self._vocabulary_dialog.set_entries(self.session.labels.vocabulary)  # the table as stored
            self._vocabulary_dialog.show_message(f"Not saved: {self.session.read_only}")
            return
        try:
            change(*args)
        except SalientError as exc:
            self._vocabulary_dialog.show_message(str(exc))

    # -- agreement -----------------------------------------------------------------------------------

    def show_agreement(self) -> None:
        """Agreement between annotators on the same segments (made on first use: its statistics load slowly)."""
        if self._agreement_dock is None:
            from widgets.panels.agreement_view import AgreementView

            self.agreement_view = AgreementView()
            self.agreement_view.unit_activated.connect(self._on_agreement_unit_activated)
            self._agreement_dock = self.shell.add_dock("Agreement", "agreement_dock", self.agreement_view)
            book = self.session.labels
            for signal in (book.label_added, book.label_updated, book.label_removed, book.labels_reset):
                signal.connect(self._refresh_agreement)
        self._agreement_dock.show()
        self._agreement_dock.raise_()
        self._refresh_agreement()

    def _refresh_agreement(self, *_: object) -> None:
        from analysis.agreement import agreement, ratings_from_labels

        if self._agreement_dock is None or self._agreement_dock.isHidden():
            return
        labels = self.session.labels.labels
        self.agreement_view.set_report(agreement(ratings_from_labels(labels)) if labels else None)

    def _on_agreement_unit_activated(self, key: str) -> None:
        if key in self.review_queue:
            self._show_in_review(key)
