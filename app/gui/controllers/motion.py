"""Motion in the window: the Motion timeline track, the Analyze ▸ Motion… dialog and job, the peak detail
dock (frames at t − 1 s, t, t + 1 s with their flow), and the review queue refresh when motion results
arrive. Kept out of main_window.py so each stays readable.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject
from PySide6.QtWidgets import (
    QDialog,
    QMenu,
)

from analysis.motion import MotionOptions
from app.gui.workers import LatestRequestWorker
from app.timecode import format_ms
from widgets.dialogs.motion_dialog import MotionDialog
from widgets.dialogs.shot_rule_dialog import ShotRuleDialog
from widgets.panels.peak_detail_panel import PeakDetailPanel
from widgets.timeline.motion_track import MotionTrack

if TYPE_CHECKING:
    from analysis.peak_detail import PeakDetail
    from app.gui.jobs import Job
    from app.gui.review_queue import ReviewQueue
    from app.gui.session import MotionState, Session
    from app.gui.shell import Shell
    from app.model.records import MediaRecord

log = logging.getLogger(__name__)

DETAIL_STOP_WAIT_MS = 3000
"""How long closing the window waits for the peak detail being computed."""
NOT_ANALYSED = "Not analysed yet: Analyze ▸ Motion… (Ctrl+Alt+M)"
DATA_MISSING = "The motion run's data is missing or unreadable: run Analyze ▸ Motion… (Ctrl+Alt+M) again"
NO_VIDEO = "No video track in this file: no motion"
NO_VIDEO_DETAIL = "This file has no video: there are no frames or flow to show around its peaks."


@dataclass(frozen=True, slots=True)
class DetailRequest:
    """The peak detail wanted for one selected review row."""

    number: int
    """the selection's number: only the latest selection's detail is shown"""
    path: Path
    moment_ms: int
    title: str
    method: str = "dis"
    """the motion run's flow method (the motion pass's default without a run), so the speed at t is the track's"""
    width: int = 320
    """the motion run's analysis width"""
    cuts_ms: tuple[int, ...] = ()
    """the run's stored cuts: flow across one is said not to be motion"""


def compute_detail(request: DetailRequest, cancelled: Callable[[], bool]) -> PeakDetail:
    """The frames and flows around the moment (one short computation: nothing to cancel)."""
    from analysis.peak_detail import peak_detail

    return peak_detail(
        request.path, request.moment_ms, method=request.method, width=request.width, cuts_ms=request.cuts_ms
    )


class MotionController(QObject):
    def __init__(
        self, session: Session, review_queue: ReviewQueue, shell: Shell, parent: QObject | None = None
    ) -> None:
        super().__init__(parent)
        self.session, self.review_queue, self.shell = session, review_queue, shell
        self.track = MotionTrack()
        shell.add_track(self.track)
        self.detail = PeakDetailPanel()
        self.detail_dock = shell.add_dock("Peak detail", "peak_detail_dock", self.detail)
        self.actions = {
            "motion": shell.add_action("Analyze &Motion…", self.motion_dialog, "Ctrl+Alt+M"),
            "shot_rule": shell.add_action("&Not Significant Near…", self.shot_rule_dialog),
        }
        self._request = 0
        self._moment: int | None = None
        """the moment the peak detail shows or computes (None: none)"""
        self._detail_worker = LatestRequestWorker(compute_detail, name="peak-detail", parent=self)
        self._detail_worker.result.connect(self._on_detail_result)
        self._detail_worker.error.connect(self._on_detail_error)
        session.media_opened.connect(self._on_media_opened)
        session.motion_changed.connect(self._on_motion_changed)
        session.run_data_missing.connect(self._on_run_data_missing)
        session.closed.connect(self._on_session_closed)
        review_queue.selected.connect(self._on_review_row_selected)
        review_queue.changed.connect(self._on_review_queue_changed)

    def build_menu(self, menu: QMenu) -> None:
        menu.addAction(self.actions["motion"])
        menu.addAction(self.actions["shot_rule"])

    # -- results ------------------------------------------------------------------------------------

    def _on_media_opened(self, record: MediaRecord) -> None:
        """Until motion results come, the track and the peak detail say why they are empty."""
        if record.info.has_video:
            self.track.set_note(NOT_ANALYSED)
        else:
            self.track.set_note(NO_VIDEO)
            self.detail.set_busy(NO_VIDEO_DETAIL)

    def _on_run_data_missing(self, kind: str, _why: str) -> None:
        if kind == "motion":
            self.track.set_note(DATA_MISSING)

    def _on_motion_changed(self, state: MotionState | None) -> None:
        if state is None:
            self.track.clear()
        else:
            self.track.set_note("")
            series = state.stored.series
            self.track.set_series(series.times, series.magnitude)
            self.track.set_band(state.stats.mean, state.stats.low, state.stats.high)
            self.track.set_peaks(state.peaks)
            self.track.set_shots(state.stored.shots)
        self.review_queue.refresh()

    def _on_session_closed(self) -> None:
        self.track.clear()
        self._forget_detail()

    # -- running ------------------------------------------------------------------------------------

    def motion_dialog(self) -> None:
        session = self.session
        if not session.is_open:
            self.shell.show_error("Open a video or a project first.", "")
            return
        if not session.media.info.has_video:
            self.shell.show_error("This file has no video track: there is no motion to analyse.", "")
            return
        dialog = MotionDialog(self.shell.dialog_parent)
        if dialog.exec() == QDialog.DialogCode.Accepted:
            faces = None
            if dialog.faces.isChecked():
                from analysis.faces import FaceOptions

                faces = FaceOptions()
            session.start_motion(dialog.options(), faces)

    def shot_rule_dialog(self) -> None:
        """Which shot changes make an unlabelled peak not significant, and how near (the session stores it)."""
        if not self.session.is_open:
            self.shell.show_error("Open a video or a project first.", "")
            return
        dialog = ShotRuleDialog(self.session.shot_rule, self.shell.dialog_parent)
        if dialog.exec() == QDialog.DialogCode.Accepted:
            self.session.set_shot_rule(dialog.rule())

    def analyse_motion_and_faces(self) -> Job | None:
        """Motion and faces in one decode pass with the default settings (the offer of an empty queue)."""
        from analysis.faces import FaceOptions

        job = self.session.start_motion(MotionOptions(), FaceOptions())
        if job is not None:
            self.shell.show_message("Analysing the motion and the faces of the video (see Jobs).", 8000)
        return job

    # -- the peak detail panel ------------------------------------------------------------------------

    def _on_review_row_selected(self, key: str) -> None:
        segment = self.review_queue.segment(key)
        session = self.session
        if segment is None or session.media is None:
            return
        if not session.media.info.has_video:
            self._moment = None
            self.detail.set_busy(NO_VIDEO_DETAIL)
            return
        moment = segment.moment_ms
        self._request += 1
        self._moment = moment
        title = f"{segment.source.replace('_', ' ')} at {format_ms(moment)}"
        self.detail.set_busy("Computing the flow around the peak…")
        request = DetailRequest(self._request, Path(session.media.path), moment, title)
        if session.motion is not None:  # the run on screen: its method and width, its cuts
            stored = session.motion.stored
            cuts = tuple(shot.start_ms for shot in stored.shots if shot.kind == "cut")
            request = replace(request, method=stored.options.method.value, width=stored.options.width, cuts_ms=cuts)
        self._detail_worker.submit(request)

    def _on_review_queue_changed(self) -> None:
        """After a rebuild (another k) the detail follows the selected row, or goes when there is none."""
        key = self.review_queue.selected_key
        if key is None:
            if self._moment is not None:
                self._forget_detail()
        else:
            segment = self.review_queue.segment(key)
            if segment is not None and segment.moment_ms != self._moment:
                self._on_review_row_selected(key)

    def _forget_detail(self) -> None:
        self._moment = None
        self._request += 1
        self._detail_worker.drop_pending()
        self.detail.set_detail(None, "")

    def _on_detail_result(self, request: DetailRequest, detail: PeakDetail) -> None:
        if request.number == self._request:  # else a newer selection is on its way
            self.detail.set_detail(detail, request.title)

    def _on_detail_error(self, request: DetailRequest, message: str) -> None:
        if request.number != self._request:
            return
        self.detail.set_detail(None, "")
        self.detail.set_busy(f"Could not compute the detail: {message}")

    def shutdown(self) -> None:
        self._request += 1
        self._detail_worker.close(DETAIL_STOP_WAIT_MS)
