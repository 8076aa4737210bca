"""The transcript in the window: the transcript dock, the "around the peak" dock, the timeline track, the
Transcript menu (transcribe, import, export), and the wiring between them, the session's transcript book
and the player. Kept out of main_window.py so each stays readable.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, Signal
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QDialog, QFileDialog, QMenu, QMessageBox

from analysis.errors import SalientError
from analysis.transcribe import BUNDLED, TranscribeOptions
from app.export.transcripts import ImportResult, default_export_name
from app.gui.jobs import Job
from app.model.formats import TRANSCRIPT_FORMATS, import_filter, transcript_format
from app.model.records import RunRecord
from app.model.transcript import context_window, segment_at
from app.timecode import format_ms
from widgets.dialogs.transcribe_dialog import TranscribeDialog
from widgets.timeline.transcript_track import TranscriptTrack
from widgets.transcript.peak_context_view import NO_TRANSCRIPT, PeakContextView
from widgets.transcript.transcript_view import TranscriptView

if TYPE_CHECKING:
    from app.gui.review_queue import ReviewQueue
    from app.gui.session import Session
    from app.gui.shell import Shell

log = logging.getLogger(__name__)

SELECT_SEGMENT = "Select a flagged segment in the review queue"
NO_AUDIO_TO_TRANSCRIBE = "This file has no audio track: there is nothing to transcribe."
NO_TRANSCRIPT_NOTE = "No transcript yet: Transcript ▸ Transcribe… (Ctrl+Shift+T) or Import… (Ctrl+Shift+I)"


class TranscriptController(QObject):
    import_finished = Signal(object)
    """an import started by import_path ended: its ImportResult, or None when nothing was imported"""

    def __init__(
        self, session: Session, review_queue: ReviewQueue, shell: Shell, parent: QObject | None = None
    ) -> None:
        super().__init__(parent)
        self.session, self.review_queue, self.shell = session, review_queue, shell
        self.book = session.transcript
        self.view = TranscriptView()
        self.dock = shell.add_dock("Transcript", "transcript_dock", self.view)
        # what was said around the selected peak, right under the review queue where peaks are selected
        self.context = PeakContextView()
        shell.add_below_review(self.context)
        self.track = TranscriptTrack()
        shell.add_track(self.track)
        self._context_moment: tuple[int, str] | None = None
        self.job: Job | None = None
        self.actions = {
            "transcribe": shell.add_action("&Transcribe…", self.transcribe_dialog, "Ctrl+Shift+T"),
            "import": shell.add_action("&Import Transcript or Tiers…", self.import_dialog, "Ctrl+Shift+I"),
            "find": shell.add_action("&Find and Replace in Transcript (Ctrl+F there)", self.find),
        }
        self._connect()

    def build_menu(self, menu: QMenu) -> None:
        menu.addAction(self.actions["transcribe"])
        menu.addAction(self.actions["import"])
        export = menu.addMenu("&Export Transcript")
        for fmt in TRANSCRIPT_FORMATS:
            action = QAction(fmt.title + "…", self)
            action.triggered.connect(lambda _=False, name=fmt.name: self.export_dialog(name))
            export.addAction(action)
        self.versions_menu = menu.addMenu("&Versions")
        self.versions_menu.aboutToShow.connect(self._fill_versions_menu)
        menu.addSeparator()
        menu.addAction(self.actions["find"])
        menu.addAction(self.dock.toggleViewAction())

    def _connect(self) -> None:
        book, view, track, player = self.book, self.view, self.track, self.shell.player
        book.reset.connect(self._on_book_reset)
        book.segment_inserted.connect(self._on_book_segment_inserted)
        book.segment_changed.connect(self._on_book_segment_changed)
        book.segment_removed.connect(self._on_book_segment_removed)
        book.alignment_failed.connect(lambda text: self.shell.show_message(text, 15000))
        view.seek_requested.connect(player.seek)
        view.play_requested.connect(self._play_from)
        view.text_edited.connect(book.edit_text)
        view.split_requested.connect(book.split)
        view.merge_requested.connect(book.merge)
        view.nudge_requested.connect(book.nudge)
        view.speaker_requested.connect(book.set_speaker)
        view.rename_speaker_requested.connect(book.rename_speaker)
        view.reviewed_requested.connect(book.set_reviewed)
        view.replace_requested.connect(book.replace_texts)
        track.signals.bounds_changed.connect(book.set_bounds)
        player.position_changed.connect(self._on_player_position_changed)
        self.context.window_changed.connect(lambda _w: self._refresh_context())
        self.review_queue.selected.connect(self._on_review_row_selected)
        self.review_queue.changed.connect(self._on_review_queue_changed)
        self.session.closed.connect(self._on_session_closed)

    # -- book → views ------------------------------------------------------------------------------

    def _on_book_reset(self) -> None:
        segments = self.book.segments
        self.view.set_segments(segments)
        self.track.set_segments(segments)
        self._show_track_note()
        self._refresh_context()

    def _show_track_note(self) -> None:
        """Why the transcript row is empty: no audio, or no transcript yet (nothing while one is shown)."""
        media = self.session.media
        if media is None or len(self.book):
            self.track.set_note("")
        elif not media.info.has_audio:
            self.track.set_note(self._no_transcript_text())
        elif self.job is not None and self.job.running:
            self.track.set_note("Transcribing…")
        else:
            self.track.set_note(NO_TRANSCRIPT_NOTE)

    def _on_book_segment_inserted(self, index: int, segment) -> None:
        if index == len(self.view.segments()):
            self.view.append_segments([segment])
        else:
            self.view.insert_segment(index, segment)
        self.track.set_segments(self.book.segments)
        self._show_track_note()
        self._refresh_context()

    def _on_book_segment_changed(self, index: int, segment) -> None:
        self.view.update_segment(index, segment)
        self.track.update_segment(index, segment)
        self._refresh_context()

    def _on_book_segment_removed(self, index: int) -> None:
        self.view.remove_segment(index)
        self.track.set_segments(self.book.segments)
        self._show_track_note()
        self._refresh_context()

    def _on_player_position_changed(self, ms: int) -> None:
        self.view.set_position(ms)
        self.track.set_current(segment_at(self.book.segments, ms) if len(self.book) else None)

    def _play_from(self, ms: int) -> None:
        self.shell.player.seek(ms)
        self.shell.player.play()

    # -- around the peak ------------------------------------------------------------------------------

    def _on_review_row_selected(self, key: str) -> None:
        segment = self.review_queue.segment(key)
        if segment is None:
            return
        moment = segment.moment_ms
        z = f" · z = {segment.z:+.2f}" if segment.z is not None else ""
        # 'audio peak', 'motion peak', 'audio + motion peak' (the moment's tracks), or the range's source
        what = f"{segment.tracks} peak" if segment.flagged else segment.source.replace("_", " ")
        self._context_moment = (moment, f"{what} at {format_ms(moment)}{z}")
        self._refresh_context()

    def _on_review_queue_changed(self) -> None:
        """The queue was rebuilt (another k): the header follows the selected row, or goes when there is none."""
        key = self.review_queue.selected_key
        if key is None:
            if self._context_moment is not None:
                self._context_moment = None
                self._refresh_context()
        else:
            self._on_review_row_selected(key)

    def _on_session_closed(self) -> None:
        self._context_moment = None
        self.context.set_context(None, "", "")

    def _no_transcript_text(self) -> str:
        media = self.session.media
        if media is None:
            return ""
        return NO_TRANSCRIPT if media.info.has_audio else "No audio track in this file: nothing to transcribe"

    def _refresh_context(self) -> None:
        if self._context_moment is None:
            self.context.set_context(None, SELECT_SEGMENT if self.session.is_open else "", self._no_transcript_text())
            return
        moment, title = self._context_moment
        if not len(self.book):
            self.context.set_context(None, title, self._no_transcript_text())
            return
        duration_ms = self.session.media.info.duration_ms if self.session.media is not None else None
        self.context.set_context(context_window(self.book.words(), moment, self.context.window_s(), duration_ms), title)

    # -- transcribe ---------------------------------------------------------------------------------

    def transcribe_dialog(self) -> None:
        session = self.session
        if not session.is_open:
            self.shell.show_error("Open a video or a project first.", "")
            return
        if not session.media.info.has_audio:
            self.shell.show_error(NO_AUDIO_TO_TRANSCRIBE, "")
            return
        if self.job is not None and self.job.running:
            self.shell.show_message("A transcription is already running (see Jobs).", 8000)
            return
        replace = False
        if session.has_transcript():
            choice = self.ask_replace()
            if choice is None:
                return
            replace = choice
        state, from_ms = session.transcription_state(TranscribeOptions())
        dialog = TranscribeDialog(from_ms if state == "resume" else None, self.shell.dialog_parent)
        if dialog.exec() != QDialog.DialogCode.Accepted:
            return
        self.start(dialog.options(), dialog.fresh.isChecked(), replace)

    def ask_replace(self) -> bool | None:
        """A transcript is shown: True to replace it, False to keep both as versions, None to cancel."""
        box = QMessageBox(self.shell.dialog_parent)
        box.setIcon(QMessageBox.Icon.Question)
        box.setWindowTitle("Transcribe")
        box.setText(
            f"This media already has a transcript of {len(self.book)} segment(s), including any corrections you made."
        )
        box.setInformativeText(
            "Replace: once the new transcription has finished, it takes the place of this transcript, which is "
            "deleted from the project.\n\n"
            "Keep both: this transcript stays in the project as a version; Transcript ▸ Versions shows it again.\n\n"
            "Either way, if the transcription fails or is cancelled, this transcript stays as it is."
        )
        replace = box.addButton("Replace", QMessageBox.ButtonRole.DestructiveRole)
        keep = box.addButton("Keep Both as Versions", QMessageBox.ButtonRole.AcceptRole)
        box.addButton(QMessageBox.StandardButton.Cancel)
        box.setDefaultButton(keep)
        box.exec()
        clicked = box.clickedButton()
        if clicked is replace:
            return True
        if clicked is keep:
            return False
        return None

    def start(self, options: TranscribeOptions, fresh: bool = False, replace: bool = False) -> Job | None:
        job = self.session.start_transcription(options, fresh, replace)
        if job is None:
            return None
        self.job = job
        self.dock.show()
        self.dock.raise_()
        duration_ms = self.session.media.info.duration_ms
        self.view.set_busy("Transcribing… loading the model")
        job.progressed.connect(
            lambda fraction, _m: self.view.set_busy(
                f"Transcribing… {format_ms(round(fraction * duration_ms))} / {format_ms(duration_ms)}"
            )
        )
        job.finished.connect(lambda: self.view.set_busy(None))
        job.finished.connect(self._show_track_note)
        self._show_track_note()
        return job

    # -- versions -------------------------------------------------------------------------------------

    def _fill_versions_menu(self) -> None:
        menu = self.versions_menu
        menu.clear()
        versions = self.session.transcript_versions() if self.session.is_open else []
        if not versions:
            menu.addAction("(no transcript yet)").setEnabled(False)
            return
        for run, count in reversed(versions):
            action = menu.addAction(version_title(run, count))
            action.setCheckable(True)
            action.setChecked(run.id == self.book.run_id)
            action.triggered.connect(lambda _=False, run_id=run.id: self.session.show_transcript_version(run_id))

    # -- import / export ------------------------------------------------------------------------------

    def import_dialog(self) -> None:
        if not self.session.is_open:
            self.shell.show_error("Open a video or a project first.", "")
            return
        start = str(self.shell.settings.value("last_folder", str(Path.home())))
        path, _ = QFileDialog.getOpenFileName(
            self.shell.dialog_parent,
            "Import a transcript or tiers",
            start,
            import_filter(),
        )
        if path:
            self.import_path(Path(path))

    def import_path(self, path: Path) -> Job | None:
        """Import a file as one undoable step (Edit ▸ Undo brings the previous transcript back), read in the
        background: the window keeps answering while a long file is parsed (the Jobs panel shows it)."""

        def done(result: ImportResult | None, why: str) -> None:
            if result is None:
                self.shell.show_error(f"Nothing was imported: {why}", "")
            else:
                self.shell.show_message(
                    f"Imported {result.segments} transcript segment(s) and {result.labels} label(s) from {path.name}",
                    10000,
                )
            self.import_finished.emit(result)

        job = self.session.start_import(path, self.session.labels.annotator or "import", done)
        self.shell.show_message(f"Importing {path.name}…", 0)
        return job

    def export_dialog(self, fmt: str) -> None:
        session = self.session
        if not session.is_open:
            self.shell.show_error("Open a video or a project first.", "")
            return
        suggested = session.project_path.parent / default_export_name(session.media.path, fmt)
        path, _ = QFileDialog.getSaveFileName(
            self.shell.dialog_parent,
            f"Export {transcript_format(fmt).title}",
            str(suggested),
            transcript_format(fmt).file_filter,
        )
        if path:
            self.export_path(fmt, Path(path))

    def export_path(self, fmt: str, path: Path) -> Path | None:
        try:
            written = self.session.export_transcript(fmt, path)
        except SalientError as exc:
            QMessageBox.warning(self.shell.dialog_parent, "Export", f"The export was not written: {exc}")
            return None
        self.shell.show_message(f"Exported {written}", 10000)
        return written

    def find(self) -> None:
        self.dock.show()
        self.dock.raise_()
        self.view.show_find()


def version_title(run: RunRecord, segments: int) -> str:
    """How the Versions menu names a transcript run: what made it, when, how many segments, its state."""
    if run.kind == "transcript_import":
        origin = f"Imported {Path(run.params.get('imported_from') or 'file').name}"
    else:
        model = run.params.get("model") or BUNDLED
        origin = f"Transcribed with {'tiny.en (bundled)' if model == BUNDLED else Path(model).name}"
    state = "" if run.status == "done" else f" — {run.status}, can be resumed"
    return f"{origin} · {run.started_at[:16].replace('T', ' ')} UTC · {segments} segment(s){state}"
