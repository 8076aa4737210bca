"""Faces in the window: Analyze ▸ Faces… (a job), face boxes over the video, an emotion row per person on
the timeline, the Emotions dock (shares, over time, around the selected segment) and the Persons dialog.
Kept out of main_window.py so each stays readable.
"""

from __future__ import annotations

import bisect
import logging
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject
from PySide6.QtWidgets import QDialog, QMenu, QMessageBox

from analysis.faces.confidence import UNCERTAIN
from analysis.faces.stats import dominant_shares, emotion_series, persons_around, summarize, track_spans, visible_ms
from app.gui.jobs import Job, JobProgress
from app.pipelines.faces import StoredFaces, faces_document
from widgets.dialogs.faces_dialog import FacesDialog
from widgets.dialogs.persons_dialog import PersonRow, PersonsDialog
from widgets.dialogs.still_faces_dialog import StillFace, StillFacesDialog
from widgets.panels.emotion_panel import EmotionPanel
from widgets.timeline.emotion_track import EmotionTrack
from widgets.video.face_overlay import FaceBoxes

if TYPE_CHECKING:
    from app.gui.review_queue import ReviewQueue
    from app.gui.session import Session
    from app.gui.shell import Shell

log = logging.getLogger(__name__)

RERUN = "run Analyze ▸ Faces again"
AROUND_PEAK_MS = 5000
"""The emotions "around the selected segment" are those from peak − this to peak + this."""


class FacesController(QObject):
    def __init__(
        self, session: Session, review_queue: ReviewQueue, shell: Shell, parent: QObject | None = None
    ) -> None:
        super().__init__(parent)
        self.session, self.review_queue, self.shell = session, review_queue, shell
        self.boxes = FaceBoxes()
        shell.add_video_overlay(self.boxes)
        self.panel = EmotionPanel()
        self.dock = shell.add_dock("Emotions", "emotions_dock", self.panel)
        self.tracks: dict[int, EmotionTrack] = {}
        self.stored: StoredFaces | None = None
        self._times_ms: list[int] = []
        self._dialog: PersonsDialog | None = None
        self.still_dialog: StillFacesDialog | None = None
        self.actions = {
            "faces": shell.add_action("Analyze &Faces and Emotions…", self.faces_dialog, "Ctrl+Alt+F"),
            "boxes": shell.add_action("Show Face &Boxes", self._on_boxes_toggled, "B"),
            "persons": shell.add_action("&Persons…", self.persons_dialog),
        }
        self.actions["boxes"].setCheckable(True)
        self.actions["boxes"].setChecked(True)
        session.faces_changed.connect(self._on_faces_changed)
        session.run_data_missing.connect(self._on_run_data_missing)
        self.panel.notice_action_requested.connect(self.faces_dialog)
        self.missing = ""
        """why the media's faces run cannot be shown (its data is gone), or """ ""
        session.closed.connect(self._on_session_closed)
        session.media_opened.connect(self._on_media_opened)
        shell.player.frame_ready.connect(self._on_frame_ready)
        review_queue.selected.connect(self._on_review_row_selected)

    def build_menu(self, menu: QMenu) -> None:
        menu.addSeparator()
        menu.addAction(self.actions["faces"])
        menu.addAction(self.actions["persons"])
        menu.addAction(self.actions["boxes"])

    # -- a still image --------------------------------------------------------------------------------

    def open_still(self, path: Path) -> Job:
        """Find the faces on a still image in the background, then show them on it (the open project stays
        open: a still has no timeline to label, so it makes no project, as on the command line)."""

        def work(progress: JobProgress):  # the image (RGB) and its faces
            import cv2

            from analysis.faces import FaceOptions, analyze_image
            from analysis.faces.analyze import read_image

            progress.update(0.1, "finding faces")
            result = analyze_image(path, FaceOptions())
            return cv2.cvtColor(read_image(path), cv2.COLOR_BGR2RGB), result

        job = self.session.runner.submit(f"Faces: {path.name}", work)
        job.succeeded.connect(lambda found: self._show_still(path, *found))
        job.failed.connect(self.shell.show_error)
        return job

    def _show_still(self, path: Path, image, result) -> None:  # an RGB array and a FacesResult
        (sample,) = faces_document(result)["faces"]
        faces = [
            StillFace(
                tuple(face["box"]),
                face["person"],
                face["dominant"],
                face["emotions"][face["dominant"]],
                face["uncertain"],
            )
            for face in sample["faces"]
        ]
        self.still_dialog = StillFacesDialog(path.name, image, faces, self.shell.dialog_parent)
        self.still_dialog.show()
        self.shell.show_message(f"{path.name}: {len(faces)} face(s)", 8000)

    # -- running --------------------------------------------------------------------------------------

    def faces_dialog(self) -> None:
        session = self.session
        if not session.is_open:
            self.shell.show_error("Open a video or a project first.", "")
            return
        if not session.media.info.has_video:
            self.shell.show_error("This file has no video track: there are no faces to find.", "")
            return
        dialog = FacesDialog(self.shell.dialog_parent)
        if dialog.exec() == QDialog.DialogCode.Accepted:
            session.start_faces(dialog.options())

    # -- results --------------------------------------------------------------------------------------

    def _on_media_opened(self, record) -> None:  # a MediaRecord
        video = record.info.video
        if video is not None:
            self.boxes.set_frame_size(video.width, video.height)

    def _on_run_data_missing(self, kind: str, why: str) -> None:
        if kind != "faces":
            return
        self.missing = f"{why[0].upper()}{why[1:]}."
        self.panel.set_notice(f"{self.missing} The faces and persons cannot be shown: {RERUN}.", "Run Faces Again…")

    def _on_faces_changed(self, stored: StoredFaces | None) -> None:
        self.stored = stored
        self.missing = ""
        self.panel.set_notice("")
        self._times_ms = [s.t_ms for s in stored.samples] if stored else []
        for track in self.tracks.values():
            self.shell.set_track_visible(track.key, False)
        if stored is None:
            self.panel.set_persons([])
            return
        step_s = 1.0 / stored.options.fps
        labels = tuple(stored.labels)
        rows = []
        for number, name, _speaker, _tracks in stored.persons:
            series = emotion_series(stored.samples, number, stored.labels)
            summary = summarize(series)
            seconds = visible_ms(summary.samples, stored.options.fps) / 1000
            rows.append((number, name, seconds, dominant_shares(series)))  # uncertain samples apart, in grey
            track = self.tracks.get(number)
            if track is None:
                track = EmotionTrack(number, name)
                self.tracks[number] = track
                self.shell.add_track(track)
            track.set_title(name)
            times_s = series.times_ms / 1000
            track.set_samples(times_s, series.probabilities, step_s, labels)
            self.shell.set_track_visible(track.key, True)
            self.panel.set_series(number, times_s, series.probabilities, labels)
        self.panel.set_persons(rows, (*labels, UNCERTAIN))
        self._refresh_dialog()

    def _on_session_closed(self) -> None:
        self._on_faces_changed(None)
        self.boxes.set_faces([])

    def _on_boxes_toggled(self) -> None:
        self.boxes.set_visible(self.actions["boxes"].isChecked())

    def _on_frame_ready(self, frame) -> None:  # a Frame
        if self.stored is None or not self._times_ms:
            return
        t_ms = frame.pts_ms
        i = bisect.bisect_right(self._times_ms, t_ms) - 1
        faces = []
        if i >= 0 and t_ms - self._times_ms[i] <= 1000 / self.stored.options.fps:
            for face in self.stored.samples[i].faces:
                faces.append((tuple(face.box), self.stored.person_name(face.person_id), face.caption))
        self.boxes.set_faces(faces)

    def _on_review_row_selected(self, key: str) -> None:
        segment = self.review_queue.segment(key)
        if segment is None or self.stored is None:
            return
        stored = self.stored
        moment_ms = segment.peak_ms if segment.peak_ms is not None else (segment.start_ms + segment.end_ms) // 2
        around = persons_around(stored.samples, moment_ms, AROUND_PEAK_MS, stored.labels)
        shares = {stored.person_name(summary.person_id): summary.share for summary in around}
        title = f"± {AROUND_PEAK_MS / 1000:g} s around {moment_ms / 1000:.1f} s"
        self.panel.set_segment_shares(title, shares or None, tuple(stored.labels))

    # -- persons --------------------------------------------------------------------------------------

    def persons_dialog(self) -> None:
        if self.stored is None and self.missing:
            box = QMessageBox(QMessageBox.Icon.Warning, "Persons", self.missing, parent=self.shell.dialog_parent)
            box.setObjectName("faces_missing_box")
            box.setInformativeText(f"The persons of that run cannot be shown: {RERUN}.")
            rerun = box.addButton("Run Faces Again…", QMessageBox.ButtonRole.AcceptRole)
            box.addButton(QMessageBox.StandardButton.Cancel)
            box.exec()
            if box.clickedButton() is rerun:
                self.faces_dialog()
            return
        if self.stored is None:
            self.shell.show_error("Run Analyze ▸ Faces first: there are no persons yet.", "")
            return
        if self._dialog is None:
            session = self.session
            self._dialog = PersonsDialog(self.shell.dialog_parent)
            self._dialog.rename_requested.connect(session.rename_person)
            self._dialog.merge_requested.connect(session.merge_persons)
            self._dialog.split_requested.connect(session.split_person)
            self._dialog.speaker_link_requested.connect(session.link_speaker)
        self._refresh_dialog()
        self._dialog.show()

    def _refresh_dialog(self) -> None:
        if self._dialog is None or self.stored is None:
            return
        stored = self.stored
        self._dialog.set_speakers(self.session.transcript.speakers)
        spans = track_spans(stored.samples, stored.options.fps)
        rows = []
        for number, name, speaker, tracks in stored.persons:
            shown = [(track, spans[track][0] / 1000, spans[track][1] / 1000) for track in tracks if track in spans]
            summary = summarize(emotion_series(stored.samples, number, stored.labels))
            seconds = visible_ms(summary.samples, stored.options.fps) / 1000
            portrait = stored.portrait(number)
            rows.append(
                PersonRow(number, name, seconds, summary.commonest, shown, speaker, str(portrait) if portrait else "")
            )
        self._dialog.set_persons(rows)
