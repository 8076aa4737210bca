"""The workbench window: video with transport above, the peak controls and the timeline below, panels
for the distribution and the jobs. It lays the views out, builds the menus and wires views to the session,
the player and the controllers; it holds no data. Controllers see it only as their :class:`Shell`."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import replace
from importlib import metadata
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QByteArray, QChildEvent, QEvent, QRect, QSettings, QStandardPaths, Qt, QTimer
from PySide6.QtGui import (
    QAction,
    QCloseEvent,
    QColor,
    QDragEnterEvent,
    QDropEvent,
    QKeySequence,
    QShowEvent,
)
from PySide6.QtWidgets import (
    QApplication,
    QDialog,
    QDockWidget,
    QFileDialog,
    QLabel,
    QMainWindow,
    QMenu,
    QMessageBox,
    QPushButton,
    QSplitter,
    QTabBar,
    QToolBar,
    QVBoxLayout,
    QWidget,
)

from analysis.audio import OutlierResult
from analysis.errors import DownloadError
from analysis.frames import Frame
from analysis.pauses import PauseResult
from app.gui.controllers.faces import FacesController
from app.gui.controllers.media_link import MediaLinkController
from app.gui.controllers.motion import MotionController
from app.gui.controllers.transcript import TranscriptController
from app.gui.input_keys import InputKeysFirst
from app.gui.jobs import Job, JobProgress, JobRunner
from app.gui.jobs_monitor import JobsMonitor
from app.gui.labelling import LabellingController
from app.gui.navigation import Navigator
from app.gui.player import FrameSourceInfo, PlayerController
from app.gui.recent_files import RecentFiles
from app.gui.review_queue import ReviewQueue
from app.gui.session import Session
from app.gui.shell import VideoOverlay
from app.model.formats import EXPORT_KINDS, READS_MEDIA, ExportRequest, export_kind
from app.model.records import MediaRecord
from app.pipelines.faces import IMAGE_SUFFIXES, is_image
from app.pipelines.sources import default_project_path
from app.project.store import Store
from widgets.dialogs.export_dialog import ExportDialog
from widgets.dialogs.open_url_dialog import OpenUrlDialog
from widgets.dialogs.shortcuts_dialog import ShortcutsDialog
from widgets.panels.distribution_view import DistributionView
from widgets.panels.jobs_panel import JobsPanel
from widgets.panels.review_panel import ReviewPanel
from widgets.panels.transport_panel import TransportPanel
from widgets.timeline.label_track import LabelTrack
from widgets.timeline.span_track import SpanTrack
from widgets.timeline.timeline_view import TimelineView, Track
from widgets.timeline.waveform_view import FEATURE_LABELS, EnvelopeTrack, PeakControlsPanel, PeakParams, WaveformTrack
from widgets.transcript.shortcuts import SHORTCUTS as TRANSCRIPT_SHORTCUTS
from widgets.video.video_view import VideoView

if TYPE_CHECKING:
    from app.export.files import ExportResult

log = logging.getLogger(__name__)

NOTHING_OPEN = "Open a video (Ctrl+O), drop one here, or try Help ▸ Open demo"

FRAME_SETTLE_MS = 300
"""How long after the first show the window manager's decorations are known (to fit the frame to the screen)."""
MEDIA_FILTER = (
    "Media and projects (*.mp4 *.mkv *.mov *.webm *.avi *.m4v *.mpg *.mpeg *.ts *.wmv *.flv *.mp3 *.wav *.m4a "
    "*.aac *.flac *.ogg *.opus *.wma *.salient);;Salient projects (*.salient);;"
    f"Still images: faces ({' '.join('*' + suffix for suffix in IMAGE_SUFFIXES)});;All files (*)"
)
DOCK_WIDTH = 460
"""Default width of the right docks: their tab titles and the review queue's columns fit it."""
SPLITTER_HANDLE_PX = 7
"""Height of the handle between the video and the timeline: wide enough to see and grab."""
_SPLITTER_STYLE = (
    "QSplitter#video_timeline_splitter::handle { background: palette(mid); margin: 0 0; }"
    "QSplitter#video_timeline_splitter::handle:hover { background: palette(highlight); }"
)


def about_text() -> str:
    """Help ▸ About: what Salient does today and which version this is."""
    try:
        version = metadata.version("salient")
    except metadata.PackageNotFoundError:
        version = "(not installed: run from a checkout)"
    return (
        f"<b>Salient {version}</b> — a workbench for the salient moments of filmed speech.<br>"
        "Audio peaks outside μ ± kσ, pauses, motion (optical flow, cuts and zooms), faces and their emotions, and "
        "the word-timed transcript on one timeline; labels from your own vocabulary, undoable; exports for "
        "datasets, reports, ELAN, Praat and subtitles."
    )


class MainWindow(QMainWindow):
    def __init__(self, settings: QSettings | None = None) -> None:
        super().__init__()
        self.settings = settings or QSettings()
        self.runner = JobRunner(self)
        self.session = Session(self.runner, self)
        self.review_queue = ReviewQueue(self.session, self)
        self.player = PlayerController(self)
        self._shown_envelope: tuple[int, str] | None = None
        self.setWindowTitle("Salient")
        self.setAcceptDrops(True)
        self._added_docks: list[QDockWidget] = []
        self.tracks_menu: QMenu | None = None
        self._build_views()
        s, q = self.session, self.review_queue
        self.jobs = JobsMonitor(self.runner, self.jobs_panel, self.jobs_dock, self.jobs_status, self)
        self.labelling = LabellingController(s, q, self, self.review_panel, self.review_dock, self.label_track, self)
        self.navigation = Navigator(s, self, self.timeline, self.transport, self)
        self._build_actions()
        self.transcript = TranscriptController(s, q, self, self)
        self.motion = MotionController(s, q, self, self)
        self.flow_overlay = None
        try:
            from app.gui.flow_overlay import install_flow_overlay

            self.flow_overlay = install_flow_overlay(self)
        except ImportError:  # the overlays are optional in a build without them
            log.info("flow overlays not available")
        self.faces = FacesController(s, q, self, self)
        self.media_link = MediaLinkController(s, self, self)
        self._build_menus()
        self.recent_files = RecentFiles(self.settings, self.recent_menu, self.open_path)
        self._connect()
        self._input_filter = InputKeysFirst(self)
        QApplication.instance().installEventFilter(self._input_filter)
        self._fitted = False
        self._restore_settings()

    # -- construction ------------------------------------------------------------------------------

    def _build_views(self) -> None:
        self.video_view = VideoView(self)
        self.transport = TransportPanel(self)
        top = QWidget(self)
        top_layout = QVBoxLayout(top)
        top_layout.setContentsMargins(0, 0, 0, 0)
        top_layout.setSpacing(0)
        top_layout.addWidget(self.video_view, 1)
        top_layout.addWidget(self.transport)

        self.peak_controls = PeakControlsPanel(self)
        self.timeline = TimelineView(self)
        self.waveform_track = WaveformTrack()
        self.envelope_track = EnvelopeTrack()
        self.peaks_track = SpanTrack("audio_peaks", "Audio peaks", QColor(220, 50, 50, 170))
        self.pauses_track = SpanTrack("pauses", "Pauses", QColor(70, 130, 220, 150))
        self.label_track = LabelTrack()
        for track in self._tracks():
            self.timeline.add_track(track)
        bottom = QWidget(self)
        bottom_layout = QVBoxLayout(bottom)
        bottom_layout.setContentsMargins(0, 0, 0, 0)
        bottom_layout.setSpacing(0)
        bottom_layout.addWidget(self.peak_controls)
        bottom_layout.addWidget(self.timeline, 1)

        self.splitter = QSplitter(Qt.Orientation.Vertical, self)
        self.splitter.setObjectName("video_timeline_splitter")
        self.splitter.setHandleWidth(SPLITTER_HANDLE_PX)
        self.splitter.setStyleSheet(_SPLITTER_STYLE)
        self.splitter.addWidget(top)
        self.splitter.addWidget(bottom)
        self.splitter.setStretchFactor(0, 3)
        self.splitter.setStretchFactor(1, 2)
        self.setCentralWidget(self.splitter)

        self.distribution = DistributionView(self)
        self.distribution_dock = QDockWidget("Distribution", self)
        self.distribution_dock.setObjectName("distribution_dock")
        self.distribution_dock.setWidget(self.distribution)
        self.addDockWidget(Qt.DockWidgetArea.RightDockWidgetArea, self.distribution_dock)
        self.resizeDocks([self.distribution_dock], [DOCK_WIDTH], Qt.Orientation.Horizontal)

        self.review_panel = ReviewPanel(self)
        self.review_split = QSplitter(Qt.Orientation.Vertical, self)
        self.review_split.setObjectName("review_split")
        self.review_split.addWidget(self.review_panel)
        self.review_split.setStretchFactor(0, 3)
        self.review_dock = QDockWidget("Review queue", self)
        self.review_dock.setObjectName("review_dock")
        self.review_dock.setWidget(self.review_split)
        self.addDockWidget(Qt.DockWidgetArea.RightDockWidgetArea, self.review_dock)
        self.tabifyDockWidget(self.distribution_dock, self.review_dock)
        self.review_dock.raise_()

        self.jobs_panel = JobsPanel(self)
        self.jobs_dock = QDockWidget("Jobs", self)
        self.jobs_dock.setObjectName("jobs_dock")
        self.jobs_dock.setWidget(self.jobs_panel)
        self.addDockWidget(Qt.DockWidgetArea.BottomDockWidgetArea, self.jobs_dock)
        self.jobs_dock.hide()

        self.jobs_status = QPushButton("No jobs running", self)
        self.jobs_status.setFlat(True)
        self.statusBar().addPermanentWidget(self.jobs_status)
        self.read_only_label = QLabel("Read-only: changes are not saved", self)
        self.read_only_label.setObjectName("read_only_label")
        self.read_only_label.setStyleSheet("QLabel { background: #8a5a00; color: white; padding: 2px 8px; }")
        self.read_only_label.hide()
        self.statusBar().insertPermanentWidget(0, self.read_only_label)

    def _tracks(self) -> tuple[Track, ...]:
        return (self.waveform_track, self.envelope_track, self.peaks_track, self.pauses_track, self.label_track)

    def _build_actions(self) -> None:
        p, add, labelling, nav = self.player, self.add_action, self.labelling, self.navigation
        self.actions_by_name: dict[str, QAction] = {
            "open": add("&Open…", self.open_dialog, QKeySequence.StandardKey.Open),
            "open_url": add("Open &URL…", self.open_url_dialog, "Ctrl+Shift+O"),
            "reopen_last": add("Reopen &Last Project", self.reopen_last, "Ctrl+Shift+R"),
            "close": add("&Close Project", self.session.close, QKeySequence.StandardKey.Close),
            "quit": add("&Quit", self.close, QKeySequence.StandardKey.Quit),
            "play": add("Play / Pause", p.toggle, "Space"),
            "prev_frame": add("Previous Frame", lambda: p.step(-1), "Left"),
            "next_frame": add("Next Frame", lambda: p.step(1), "Right"),
            "back_1s": add("Back 1 Second", lambda: p.jump(-1000), "Shift+Left"),
            "fwd_1s": add("Forward 1 Second", lambda: p.jump(1000), "Shift+Right"),
            "back_5s": add("Back 5 Seconds", lambda: p.jump(-5000), "Ctrl+Left"),
            "fwd_5s": add("Forward 5 Seconds", lambda: p.jump(5000), "Ctrl+Right"),
            "play_back": add("Play Backward (J)", nav.play_backward, "J"),
            "pause": add("Pause (K)", p.pause, "K"),
            "play_fwd": add("Play Forward (L; again: faster)", nav.play_forward, "L"),
            "next_peak": add("Next Peak", lambda: nav.go_to_peak(1), "N"),
            "prev_peak": add("Previous Peak", lambda: nav.go_to_peak(-1), "P"),
            "start": add("Go to Start", lambda: p.seek(0), "Home"),
            "end": add("Go to End", lambda: p.seek(p.duration_ms), "End"),
            "loop": nav.loop_action,
            "goto": add("&Go to Time or Frame…", nav.go_to_dialog, "Ctrl+G"),
            "zoom_in": add("Zoom In", lambda: self.timeline.zoom(2.0), QKeySequence(Qt.Key.Key_Plus)),
            "zoom_in_eq": add("Zoom In", lambda: self.timeline.zoom(2.0), "="),
            "zoom_out": add("Zoom Out", lambda: self.timeline.zoom(0.5), QKeySequence(Qt.Key.Key_Minus)),
            "fit": add("Fit All", self.timeline.fit_all, "F"),
            "mark_in": add("Mark Selection Start", lambda: labelling.mark(0), "I"),
            "mark_out": add("Mark Selection End", lambda: labelling.mark(1), "O"),
            "queue_selection": add("Add Selection to the Review Queue", labelling.queue_selection, "Ctrl+Return"),
            "annotator": add("Annotator &Name…", labelling.ask_annotator),
            "vocabulary": add("&Vocabulary…", labelling.show_vocabulary),
            "agreement": add("&Agreement Between Annotators", labelling.show_agreement),
            "demo": add("Open &Demo", self.open_demo),
            "shortcuts": add("&Keyboard Shortcuts", self.show_shortcuts, "F1"),
            "about": add("&About Salient", self.show_about),
        }
        undo, redo = self.session.labels.history.actions(self)
        self.addActions([undo, redo])
        self.actions_by_name["undo"], self.actions_by_name["redo"] = undo, redo

    def _build_menus(self) -> None:
        a = self.actions_by_name
        bar = self.menuBar()
        file_menu = bar.addMenu("&File")
        file_menu.addActions([a["open"], a["open_url"]])
        self.recent_menu = file_menu.addMenu("Open &Recent")
        file_menu.addAction(a["reopen_last"])
        export_menu = file_menu.addMenu("&Export")
        for kind, title in ((kind.name, kind.title) for kind in EXPORT_KINDS):
            action = export_menu.addAction(f"{title}…")
            action.triggered.connect(lambda _=False, kind=kind: self.export_dialog(kind))
        file_menu.addSeparator()
        file_menu.addActions([a["close"], a["quit"]])
        edit_menu = bar.addMenu("&Edit")
        edit_menu.addActions([a["undo"], a["redo"]])
        edit_menu.addSeparator()
        edit_menu.addActions([a["mark_in"], a["mark_out"], a["queue_selection"]])
        edit_menu.addSeparator()
        edit_menu.addActions([a["annotator"], a["vocabulary"]])
        self.transcript.build_menu(bar.addMenu("&Transcript"))
        analyze_menu = bar.addMenu("&Analyze")
        self.motion.build_menu(analyze_menu)
        self.faces.build_menu(analyze_menu)
        view_menu = bar.addMenu("&View")
        view_menu.addActions([a["zoom_in"], a["zoom_out"], a["fit"]])
        self.tracks_menu = view_menu.addMenu("&Tracks")
        self.tracks_menu.addActions(self.timeline.visibility_actions())
        # every dock's show/hide toggle lives here; Analyze keeps the analyses' actions only
        panels_menu = view_menu.addMenu("&Panels")
        for dock in (self.review_dock, self.distribution_dock, *self._added_docks, self.jobs_dock):
            panels_menu.addAction(dock.toggleViewAction())
        view_menu.addSeparator()
        view_menu.addAction(a["agreement"])
        play_menu = bar.addMenu("&Playback")
        for name in ("play", "prev_frame", "next_frame", "back_1s", "fwd_1s", "back_5s", "fwd_5s"):
            play_menu.addAction(a[name])
        play_menu.addSeparator()
        play_menu.addActions([a["play_back"], a["pause"], a["play_fwd"]])
        play_menu.addSeparator()
        play_menu.addActions([a["next_peak"], a["prev_peak"], a["start"], a["end"], a["goto"], a["loop"]])
        help_menu = bar.addMenu("&Help")
        help_menu.addActions([a["demo"], a["shortcuts"], a["about"]])

    def _connect(self) -> None:
        s, p, t = self.session, self.player, self.transport
        s.media_opened.connect(self._on_session_media_opened)
        s.audio_ready.connect(p.set_audio)
        s.waveform_ready.connect(lambda pyramid: self.waveform_track.set_audio(pyramid, s.samples))
        s.envelope_changed.connect(lambda _: self._show_envelope())
        s.peaks_changed.connect(self._on_session_peaks_changed)
        s.pauses_changed.connect(self._on_session_pauses_changed)
        s.error_occurred.connect(self.show_error)
        s.warning_issued.connect(lambda text: self.show_message(text, 15000))
        s.status_message.connect(lambda text: self.show_message(text, 10000))
        s.closed.connect(self._on_session_closed)
        s.opening.connect(self._on_session_opening)
        s.open_finished.connect(self._on_session_open_finished)
        self.peak_controls.params_changed.connect(self._on_peak_controls_params_changed)
        p.frame_ready.connect(self._on_player_frame_ready)
        p.position_changed.connect(self._on_player_position_changed)
        p.playing_changed.connect(t.set_playing)
        p.sound_changed.connect(t.set_sound)
        p.video_opened.connect(self._on_player_video_opened)
        p.error_occurred.connect(lambda text: self.show_message(f"Video: {text}", 15000))
        self.timeline.seek_requested.connect(p.seek)
        self.timeline.selection_requested.connect(self.labelling.select_range)
        t.play_toggled.connect(p.toggle)
        t.step_requested.connect(p.step)
        t.jump_requested.connect(p.jump)
        t.speed_requested.connect(p.set_speed)
        self.review_panel.row_selected.connect(self.review_queue.select)
        self.review_queue.selected.connect(self._on_review_queue_selected)
        self.review_panel.empty_action_requested.connect(self._on_review_panel_empty_action_requested)

    # -- the shell: what controllers may ask of the window -------------------------------------------

    @property
    def dialog_parent(self) -> QWidget:
        return self

    def add_action(
        self,
        text: str,
        slot: Callable[..., object],
        shortcut: str | QKeySequence | QKeySequence.StandardKey | None = None,
        tip: str = "",
    ) -> QAction:
        action = QAction(text, self)
        if shortcut is not None:
            action.setShortcut(QKeySequence(shortcut))
        if tip:
            action.setStatusTip(tip)
        action.triggered.connect(slot)
        self.addAction(action)
        return action

    def add_dock(self, title: str, name: str, widget: QWidget) -> QDockWidget:
        dock = QDockWidget(title, self)
        dock.setObjectName(name)
        dock.setWidget(widget)
        self.addDockWidget(Qt.DockWidgetArea.RightDockWidgetArea, dock)
        self.tabifyDockWidget(self.review_dock, dock)
        self.review_dock.raise_()
        self._added_docks.append(dock)
        return dock

    def add_below_review(self, widget: QWidget) -> None:
        self.review_split.addWidget(widget)
        self.review_split.setStretchFactor(self.review_split.indexOf(widget), 2)

    def add_track(self, track: Track) -> None:
        """Add a row to the timeline and its show/hide item to View ▸ Tracks, like the rows built in."""
        self.timeline.add_track(track)
        if self.tracks_menu is not None:
            self.tracks_menu.clear()
            self.tracks_menu.addActions(self.timeline.visibility_actions())

    def set_track_visible(self, key: str, visible: bool) -> None:
        self.timeline.set_track_visible(key, visible)

    def add_video_overlay(self, overlay: VideoOverlay) -> None:
        overlay.install(self.video_view)

    def show_message(self, text: str, timeout_ms: int) -> None:
        self.statusBar().showMessage(text, timeout_ms)

    def show_error(self, message: str, details: str = "") -> None:
        """A readable message; the traceback only on demand. The window keeps working."""
        self.show_message(message, 15000)
        box = QMessageBox(QMessageBox.Icon.Warning, "Salient", message, parent=self)
        if details:
            box.setDetailedText(details)
        box.setObjectName("error_box")
        box.open()

    # -- opening -----------------------------------------------------------------------------------

    def open_path(self, path: str | Path) -> Job | None:
        """Open a video, an audio file or a project in the background (the window keeps answering; the job says how
        far); a still image is analysed for faces and shown apart (no job returned)."""
        if is_image(path):
            self.faces.open_still(Path(path))
            return None
        return self.session.open(path)

    def open_dialog(self) -> None:
        start = self.settings.value("last_folder", str(Path.home()))
        path, _ = QFileDialog.getOpenFileName(self, "Open video, audio or project", start, MEDIA_FILTER)
        if path:
            self.settings.setValue("last_folder", str(Path(path).parent))
            self.open_path(path)

    def open_url_dialog(self) -> None:
        documents = QStandardPaths.writableLocation(QStandardPaths.StandardLocation.DocumentsLocation)
        dialog = OpenUrlDialog(Path(documents or Path.home()) / "Salient", self)
        if dialog.exec() != QDialog.DialogCode.Accepted or not dialog.url.text().strip():
            return
        url = dialog.url.text().strip()
        folder = Path(dialog.folder.text()).expanduser()
        folder.mkdir(parents=True, exist_ok=True)
        project = folder / default_project_path(url).name
        cookies = Path(dialog.cookies.text()).expanduser() if dialog.cookies.text().strip() else None
        from analysis.download import check_cookies_file, validate_url  # yt-dlp loads slowly: only when asked

        try:
            validate_url(url)
            if cookies is not None:
                check_cookies_file(cookies)
        except DownloadError as exc:
            self.show_error(str(exc))
            return
        self.session.open_url(url, project, cookies)
        self.jobs_dock.show()

    def open_demo(self) -> Job:
        return self.session.open_demo()

    def reopen_last(self) -> None:
        last = self.recent_files.last()
        if last is not None:
            self.open_path(last)
        else:
            self.show_message("No project opened before on this machine.", 5000)

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:  # Qt's name
        if any(url.isLocalFile() for url in event.mimeData().urls()):
            event.acceptProposedAction()

    def dropEvent(self, event: QDropEvent) -> None:  # Qt's name
        for url in event.mimeData().urls():
            if url.isLocalFile():
                event.acceptProposedAction()
                self.open_path(url.toLocalFile())
                return

    # -- session → views ---------------------------------------------------------------------------

    def _on_session_opening(self, path: str) -> None:
        self.show_message(f"Opening {Path(path).name}…", 0)
        if not self.session.is_open:
            self.video_view.set_placeholder(f"Opening {Path(path).name}…")

    def _on_session_open_finished(self) -> None:
        if self.statusBar().currentMessage().startswith("Opening "):
            self.statusBar().clearMessage()
        if not self.session.is_open:  # it could not be opened: nothing is
            self.video_view.set_placeholder(NOTHING_OPEN)

    def _on_session_media_opened(self, record: MediaRecord) -> None:
        info, read_only = record.info, self.session.read_only
        self.setWindowTitle(f"{Path(record.path).name}{' [read-only]' if read_only else ''} — Salient")
        self.read_only_label.setToolTip(read_only)
        self.read_only_label.setVisible(bool(read_only))
        self.transport.set_duration(info.duration_ms)
        self.timeline.set_duration(info.duration_ms)
        self.player.open(record.path if info.has_video else None, info.duration_ms)
        if not info.has_audio:
            self.transport.set_sound("muted: the file has no audio track")
        if not info.has_video:
            self.video_view.set_frame(None)
            self.video_view.set_placeholder(f"{Path(record.path).name}\naudio only")
        self.timeline.fit_all()
        self.peak_controls.set_params(self._params_from_options())
        for track in self._tracks():
            track.clear()
        for track in (self.waveform_track, self.envelope_track, self.peaks_track, self.pauses_track):
            track.set_note("" if info.has_audio else "No audio track in this file")
        self.distribution.clear()
        self._shown_envelope = None
        project = self.session.project_path
        self.recent_files.remember(project)
        if read_only:
            self.show_message(f"Opened {record.path} read-only — {read_only}", 30000)
        else:
            self.show_message(f"Opened {record.path} — project {project}", 8000)

    def _params_from_options(self) -> PeakParams:
        o = self.session.options
        return PeakParams(k=o.k, tails=o.tails.value, feature=o.feature.value, window_ms=o.window_ms, robust=o.robust)

    def _show_envelope(self) -> None:
        envelope, options = self.session.envelope, self.session.options
        if envelope is None:
            return
        shown = (envelope.window_ms, options.feature.value)
        if shown != self._shown_envelope:
            self._shown_envelope = shown
            self.envelope_track.set_envelope(
                envelope.window_ms, envelope.values(options.feature), FEATURE_LABELS[options.feature.value]
            )

    def _on_session_peaks_changed(self, result: OutlierResult) -> None:
        self._show_envelope()
        stats = result.stats
        self.envelope_track.set_band(stats.mean, stats.low, stats.high)
        self.envelope_track.set_peaks(result.peaks)
        self.waveform_track.set_peaks(sorted(peak.peak_ms for peak in result.peaks))
        self.peaks_track.set_spans([(peak.start_ms, peak.end_ms) for peak in result.peaks])
        self.peaks_track.set_note("" if result.peaks else f"No peak beyond μ ± {self.session.options.k:g}σ")
        self.review_queue.refresh()
        data = self.session.distribution_data()
        if data is not None:
            self.distribution.set_data(data, stats)

    def _on_session_pauses_changed(self, found: PauseResult) -> None:
        self.pauses_track.set_spans([(pause.start_ms, pause.end_ms) for pause in found.pauses])
        shortest = self.session.options.min_pause_ms
        self.pauses_track.set_note("" if found.pauses else f"No pause of {shortest} ms or more")
        self.review_queue.refresh()

    def _on_session_closed(self) -> None:
        """Nothing of the media closed stays on screen: its frame, duration, playhead, tracks and scales."""
        self.player.close()
        self.navigation.set_loop(False)
        self.transport.set_loop_checked(False)
        self.transport.clear()
        self.video_view.set_frame(None)
        self.video_view.set_placeholder(NOTHING_OPEN)
        self.timeline.clear()
        self.distribution.clear()
        self.review_queue.clear()
        self.statusBar().clearMessage()  # a warning about the media closed ("no audio track") goes with it
        self.read_only_label.hide()
        self.setWindowTitle("Salient")

    def _on_peak_controls_params_changed(self, params: PeakParams) -> None:
        options = replace(
            self.session.options,
            k=params.k,
            tails=params.tails,
            feature=params.feature,
            window_ms=params.window_ms,
            robust=params.robust,
        )
        self.session.set_options(options)

    # -- player and review queue → views ---------------------------------------------------------------

    def _on_player_frame_ready(self, frame: Frame) -> None:
        self.video_view.set_frame(frame.image)
        self.transport.set_frame_index(frame.index)

    def _on_player_position_changed(self, ms: int) -> None:
        self.timeline.set_playhead(ms)
        self.transport.set_position(ms)

    def _on_player_video_opened(self, info: FrameSourceInfo | None) -> None:
        if info is None:
            self.transport.set_frame_index(None)

    def _on_review_queue_selected(self, key: str) -> None:
        """A segment selected for review plays with its context, and the timeline keeps it in view."""
        segment = self.review_queue.segment(key)
        if segment is None:
            return
        moment = segment.moment_ms
        context = self.review_panel.context_ms
        self.player.play_range(max(0, moment - context), moment + context)
        start, end = self.timeline.visible_range()
        if not start <= moment <= end:
            half = max((end - start) // 2, context)
            self.timeline.set_visible_range(max(0, moment - half), moment + half)

    def _on_review_panel_empty_action_requested(self) -> None:
        """The empty queue of a video without audio offered its motion and faces analysis."""
        job = self.motion.analyse_motion_and_faces()
        self.labelling.show_empty_state()
        if job is not None:
            self.jobs_dock.show()
            job.finished.connect(self.labelling.show_empty_state)

    # -- export ------------------------------------------------------------------------------------

    def export_dialog(self, kind: str) -> None:
        if self.session.project_path is None:
            self.show_message("Open a video or a project first.", 5000)
            return
        folder = self.session.project_path.with_name(f"{self.session.project_path.stem}-export-{kind}")
        dialog = ExportDialog(kind, folder, self)
        if dialog.exec() == QDialog.DialogCode.Accepted:
            self.export(dialog.request())

    def export(self, request: ExportRequest) -> Job | None:
        """Export in the background through a read-only connection; the session keeps writing meanwhile. An export
        that reads the media first checks it is still the recording analysed (None: the user stopped there)."""
        if request.kind in READS_MEDIA and not request.trust_media:
            trust = self.media_link.confirm_export()
            if trust is None:
                return None
            request = replace(request, trust_media=trust)
        project = self.session.project_path

        def work(progress: JobProgress) -> ExportResult:
            from app.export.run import run_export

            with Store.open(project, read_only=True) as store:
                return run_export(store, request, progress)

        job = self.runner.submit(f"Export {export_kind(request.kind).title.lower()}", work)
        job.succeeded.connect(self._on_export_succeeded)
        job.failed.connect(self.show_error)
        return job

    def _on_export_succeeded(self, result: ExportResult) -> None:
        """What the export wrote in the status bar; what did not go as asked (a split ignored) in a box too."""
        self.show_message(result.summary(), 30000)
        if result.notes:
            box = QMessageBox(QMessageBox.Icon.Information, "Salient", result.headline, parent=self)
            box.setInformativeText("\n".join(result.note_sentences))
            box.setObjectName("export_box")
            box.open()

    # -- help --------------------------------------------------------------------------------------

    def shortcut_rows(self) -> list[tuple[str, str]]:
        """Every key the window answers to, once each (an action with two keys shows both), with the labelling
        keys of the current vocabulary and the mouse gestures."""
        keyed: dict[str, list[str]] = {}
        controllers = (self.transcript, self.motion, self.faces)
        actions = [*self.actions_by_name.values(), *(a for c in controllers for a in c.actions.values())]
        actions += [action for toolbar in self.findChildren(QToolBar) for action in toolbar.actions()]
        for action in actions:
            if not action.shortcut().isEmpty():
                keys = keyed.setdefault(action.text().replace("&", ""), [])
                text = action.shortcut().toString(QKeySequence.NativeText)
                if text not in keys:
                    keys.append(text)
        rows = [(name, ", ".join(keys)) for name, keys in keyed.items()]
        rows += [
            (f"Label the selected segment: {entry.name}", entry.shortcut)
            for entry in self.session.labels.vocabulary
            if entry.shortcut
        ]
        rows += [
            ("Review queue: next segment without your label", "Enter"),
            ("Review queue: previous / next segment", "↑ / ↓"),
        ]
        rows += [(f"Transcript: {name}", keys) for name, keys in TRANSCRIPT_SHORTCUTS]
        rows += [
            ("Zoom the timeline around the cursor", "Wheel / Ctrl+Wheel"),
            ("Pan the timeline", "Shift+Wheel"),
            ("Seek / scrub", "Click / drag on the timeline"),
            ("Select a range to label", "Shift+drag on the timeline (or I / O)"),
        ]
        return rows

    def show_shortcuts(self) -> None:
        ShortcutsDialog(self.shortcut_rows(), self).open()

    def show_about(self) -> None:
        QMessageBox.about(self, "About Salient", about_text())

    # -- settings and closing ----------------------------------------------------------------------

    def fit_to(self, free: QRect) -> None:
        """Keep the window (its frame included) inside ``free``, a screen's area without its panels, so the
        status bar and the timeline's lower tracks stay reachable on a laptop's 1366 × 768."""
        frame = self.frameGeometry().size() - self.geometry().size()
        width = max(self.minimumSizeHint().width(), min(self.width(), free.width() - frame.width()))
        height = max(self.minimumSizeHint().height(), min(self.height(), free.height() - frame.height()))
        if (width, height) != (self.width(), self.height()):
            self.resize(width, height)
        if not free.contains(self.frameGeometry()):
            self.move(free.topLeft())

    def showEvent(self, event: QShowEvent) -> None:  # Qt's name
        super().showEvent(event)
        if not self._fitted:
            self._fitted = True
            self._fit_to_screen()
            # the window manager adds its title bar and borders after the first show: fit again once it has
            QTimer.singleShot(FRAME_SETTLE_MS, self._fit_to_screen)

    def childEvent(self, event: QChildEvent) -> None:  # Qt's name
        """The tab bars of tabbed docks come from Qt eliding their titles ("Tran…"): show them whole."""
        super().childEvent(event)
        child = event.child()
        if event.type() == QEvent.Type.ChildPolished and isinstance(child, QTabBar):
            child.setElideMode(Qt.TextElideMode.ElideNone)
            child.setUsesScrollButtons(True)

    def event(self, event: QEvent) -> bool:  # Qt's name
        """A wider control (a long status, a job's title) can grow the window for a moment: whenever the layout
        changes, a window outside the screen goes back inside it as far as its controls allow."""
        handled = super().event(event)
        if event.type() in (QEvent.Type.LayoutRequest, QEvent.Type.Resize) and getattr(self, "_fitted", False):
            if self.isVisible() and not self.isMaximized() and not self.isFullScreen():
                QTimer.singleShot(0, self._fit_to_screen)
        return handled

    def _fit_to_screen(self) -> None:
        if QApplication.platformName() == "offscreen":
            return  # its nominal 800 × 800 screen bounds nothing: tests and screenshots choose their own size
        screen = self.screen()
        if screen is not None and not screen.availableGeometry().contains(self.frameGeometry()):
            self.fit_to(screen.availableGeometry())

    def _restore_settings(self) -> None:
        geometry = self.settings.value("window/geometry")
        if isinstance(geometry, QByteArray):
            self.restoreGeometry(geometry)
        else:
            self.resize(1400, 900)
        state = self.settings.value("window/state")
        if isinstance(state, QByteArray):
            self.restoreState(state)
        splitter = self.settings.value("window/splitter")
        if isinstance(splitter, QByteArray):
            self.splitter.restoreState(splitter)
        else:
            self.splitter.setSizes([540, 460])
        layout = self.settings.value("timeline/layout")
        if isinstance(layout, dict):
            self.timeline.restore_layout(layout)

    def save_settings(self) -> None:
        self.settings.setValue("window/geometry", self.saveGeometry())
        self.settings.setValue("window/state", self.saveState())
        self.settings.setValue("window/splitter", self.splitter.saveState())
        self.settings.setValue("timeline/layout", self.timeline.save_layout())
        self.settings.sync()

    def closeEvent(self, event: QCloseEvent) -> None:  # Qt's name
        """Cancel the jobs and wait for them (at most ~1.5 s), close the project; nothing is left to save."""
        self.save_settings()
        self.runner.cancel_all()
        self.motion.shutdown()
        if self.flow_overlay is not None:
            self.flow_overlay.shutdown()
        self.player.close()
        self.session.close()
        self.runner.shutdown(1500)
        QApplication.instance().removeEventFilter(self._input_filter)
        event.accept()
