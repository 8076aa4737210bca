"""The workbench window: video with transport above, the peak controls and the timeline below, panels
for the distribution and the jobs. It wires views to the session and the player; it holds no data.
Controllers see it only as their :class:`Shell`."""

from __future__ import annotations

import bisect
import logging
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

from PySide6.QtCore import QByteArray, QEvent, QObject, QSettings, QStandardPaths, Qt, QTimer
from PySide6.QtGui import QAction, QCloseEvent, QColor, QDragEnterEvent, QDropEvent, QKeySequence
from PySide6.QtWidgets import (
    QAbstractSlider,
    QAbstractSpinBox,
    QApplication,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QDockWidget,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QHeaderView,
    QInputDialog,
    QLabel,
    QLineEdit,
    QMainWindow,
    QMessageBox,
    QPlainTextEdit,
    QPushButton,
    QSplitter,
    QTableWidget,
    QTableWidgetItem,
    QTextEdit,
    QVBoxLayout,
    QWidget,
)

from analysis.audio import OutlierResult
from analysis.errors import DownloadError, SalientError
from analysis.frames import Frame
from analysis.pauses import PauseResult
from app.gui.controllers.faces import FacesController
from app.gui.controllers.motion import MotionController
from app.gui.controllers.transcript import TranscriptController
from app.gui.jobs import Job, JobProgress, JobRunner
from app.gui.player import FrameSourceInfo, PlayerController, parse_goto
from app.gui.review_queue import ReviewQueue
from app.gui.session import Session
from app.gui.shell import VideoOverlay
from app.model.formats import EXPORT_KINDS, ExportRequest, export_kind
from app.model.records import LabelRecord, MediaRecord
from app.model.review import SOURCE_TITLES, ReviewItem
from app.pipelines import audio as pipeline
from app.project.store import Store
from app.timecode import format_clock, format_mmss
from widgets.dialogs.export_dialog import ExportDialog
from widgets.dialogs.vocabulary_dialog import VocabularyDialog
from widgets.distribution_view import DistributionView
from widgets.jobs_panel import JobsPanel
from widgets.label_track import LabelMark, LabelTrack
from widgets.review_panel import ReviewPanel, ReviewRow
from widgets.timeline_view import SpanTrack, TimelineView, Track
from widgets.transcript_view import SHORTCUTS as TRANSCRIPT_SHORTCUTS
from widgets.transport_panel import TransportPanel
from widgets.video_view import VideoView
from widgets.waveform_view import EnvelopeTrack, PeakControlsPanel, PeakParams, WaveformTrack

log = logging.getLogger(__name__)

MEDIA_FILTER = (
    "Media and projects (*.mp4 *.mkv *.mov *.webm *.avi *.m4v *.mpg *.mpeg *.ts *.wmv *.flv *.mp3 *.wav *.m4a "
    "*.aac *.flac *.ogg *.opus *.wma *.salient);;Salient projects (*.salient);;All files (*)"
)
MAX_RECENT = 10
_FEATURE_LABELS = {"rms": "RMS", "rms_db": "RMS (dBFS)", "peak": "Peak |x|"}


class _InputKeysFirst(QObject):
    """Lets sliders, combo boxes, spin boxes and text fields keep their own keys (arrows, Home, Space…)
    instead of the window's playback shortcuts taking them."""

    _KEYS = {
        Qt.Key.Key_Left,
        Qt.Key.Key_Right,
        Qt.Key.Key_Up,
        Qt.Key.Key_Down,
        Qt.Key.Key_Home,
        Qt.Key.Key_End,
        Qt.Key.Key_Space,
        Qt.Key.Key_Plus,
        Qt.Key.Key_Minus,
    }

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 - Qt's name
        if event.type() == QEvent.Type.ShortcutOverride:
            focus = QApplication.focusWidget()
            text_input = isinstance(focus, QLineEdit | QTextEdit | QPlainTextEdit | QAbstractSpinBox) and not (
                isinstance(focus, QTextEdit | QPlainTextEdit) and focus.isReadOnly()
            )
            keyed = isinstance(focus, QAbstractSlider | QComboBox) and event.key() in self._KEYS
            if text_input or keyed:
                event.accept()
        return False


class OpenUrlDialog(QDialog):
    """URL, optional cookies file, and where the project goes."""

    def __init__(self, default_folder: Path, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Open URL")
        self.setMinimumWidth(560)
        form = QFormLayout(self)
        self.url = QLineEdit(self)
        self.url.setPlaceholderText("https://www.youtube.com/watch?v=…")
        form.addRow("Video URL:", self.url)
        self.cookies = QLineEdit(self)
        self.cookies.setPlaceholderText("optional: a Netscape cookies.txt for private or age-restricted videos")
        browse = QPushButton("Browse…", self)
        browse.clicked.connect(self._on_browse_clicked)
        row = QHBoxLayout()
        row.addWidget(self.cookies)
        row.addWidget(browse)
        form.addRow("Cookies file:", row)
        self.folder = QLineEdit(str(default_folder), self)
        form.addRow("Project folder:", self.folder)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel, self)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        form.addRow(buttons)

    def _on_browse_clicked(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, "Cookies file", "", "Cookies (*.txt);;All files (*)")
        if path:
            self.cookies.setText(path)


class MainWindow(QMainWindow):
    def __init__(self, settings: QSettings | None = None) -> None:
        super().__init__()
        self.settings = settings or QSettings()
        self.runner = JobRunner(self)
        self.session = Session(self.runner, self)
        self.review_queue = ReviewQueue(self.session, self)
        self.player = PlayerController(self)
        self._shown_envelope: tuple[int, str] | None = None
        self._peak_times: list[int] = []
        self._selection: list[int | None] = [None, None]
        self._vocabulary_dialog: VocabularyDialog | None = None
        self._agreement_dock: QDockWidget | None = None
        self.setWindowTitle("Salient")
        self.setAcceptDrops(True)
        self._build_views()
        self._build_actions()
        s, q = self.session, self.review_queue
        self.transcript = TranscriptController(s, q, self, self)
        self.motion = MotionController(s, q, self, self)
        self.flow_overlay = None
        try:
            from app.gui.flow_overlay import install_flow_overlay

            self.flow_overlay = install_flow_overlay(self)
        except ImportError:  # the overlays are optional in a build without them
            log.info("flow overlays not available")
        self.faces = FacesController(s, q, self, self)
        self._build_menus()
        self._connect()
        self._input_filter = _InputKeysFirst(self)
        QApplication.instance().installEventFilter(self._input_filter)
        self._job_clock = QTimer(self)
        self._job_clock.setInterval(500)
        self._job_clock.timeout.connect(self._on_job_clock_timeout)
        self._job_clock.start()
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
        self.splitter.addWidget(top)
        self.splitter.addWidget(bottom)
        self.splitter.setStretchFactor(0, 3)
        self.splitter.setStretchFactor(1, 2)
        self.setCentralWidget(self.splitter)

        self.distribution = DistributionView(self)
        self.distribution_dock = QDockWidget("Distribution of the envelope", self)
        self.distribution_dock.setObjectName("distribution_dock")
        self.distribution_dock.setWidget(self.distribution)
        self.addDockWidget(Qt.DockWidgetArea.RightDockWidgetArea, self.distribution_dock)
        self.resizeDocks([self.distribution_dock], [420], Qt.Orientation.Horizontal)

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
        self.jobs_status.clicked.connect(lambda: self.jobs_dock.setVisible(not self.jobs_dock.isVisible()))
        self.statusBar().addPermanentWidget(self.jobs_status)

    def _build_actions(self) -> None:
        p = self.player
        self.actions_by_name: dict[str, QAction] = {
            "open": self.add_action("&Open…", self.open_dialog, QKeySequence.StandardKey.Open),
            "open_url": self.add_action("Open &URL…", self.open_url_dialog, "Ctrl+Shift+O"),
            "reopen_last": self.add_action("Reopen &Last Project", self.reopen_last, "Ctrl+Shift+R"),
            "close": self.add_action("&Close Project", self.session.close, QKeySequence.StandardKey.Close),
            "quit": self.add_action("&Quit", self.close, QKeySequence.StandardKey.Quit),
            "play": self.add_action("Play / Pause", p.toggle, "Space"),
            "prev_frame": self.add_action("Previous Frame", lambda: p.step(-1), "Left"),
            "next_frame": self.add_action("Next Frame", lambda: p.step(1), "Right"),
            "back_1s": self.add_action("Back 1 Second", lambda: p.jump(-1000), "Shift+Left"),
            "fwd_1s": self.add_action("Forward 1 Second", lambda: p.jump(1000), "Shift+Right"),
            "back_5s": self.add_action("Back 5 Seconds", lambda: p.jump(-5000), "Ctrl+Left"),
            "fwd_5s": self.add_action("Forward 5 Seconds", lambda: p.jump(5000), "Ctrl+Right"),
            "play_back": self.add_action("Play Backward (J)", self._on_j, "J"),
            "pause": self.add_action("Pause (K)", p.pause, "K"),
            "play_fwd": self.add_action("Play Forward (L; again: faster)", self._on_l, "L"),
            "next_peak": self.add_action("Next Peak", lambda: self._go_to_peak(1), "N"),
            "prev_peak": self.add_action("Previous Peak", lambda: self._go_to_peak(-1), "P"),
            "start": self.add_action("Go to Start", lambda: p.seek(0), "Home"),
            "end": self.add_action("Go to End", lambda: p.seek(p.duration_ms), "End"),
            "loop": self.add_action("Loop Visible Range", self._on_loop_action, "Ctrl+L"),
            "goto": self.add_action("&Go to Time or Frame…", self.go_to_dialog, "Ctrl+G"),
            "zoom_in": self.add_action("Zoom In", lambda: self.timeline.zoom(2.0), QKeySequence(Qt.Key.Key_Plus)),
            "zoom_in_eq": self.add_action("Zoom In", lambda: self.timeline.zoom(2.0), "="),
            "zoom_out": self.add_action("Zoom Out", lambda: self.timeline.zoom(0.5), QKeySequence(Qt.Key.Key_Minus)),
            "fit": self.add_action("Fit All", self.timeline.fit_all, "F"),
            "mark_in": self.add_action("Mark Selection Start", lambda: self._mark(0), "I"),
            "mark_out": self.add_action("Mark Selection End", lambda: self._mark(1), "O"),
            "queue_selection": self.add_action(
                "Add Selection to the Review Queue", self._queue_selection, "Ctrl+Return"
            ),
            "annotator": self.add_action("Annotator &Name…", self.ask_annotator),
            "vocabulary": self.add_action("&Vocabulary…", self.show_vocabulary),
            "agreement": self.add_action("&Agreement Between Annotators", self.show_agreement),
            "demo": self.add_action("Open &Demo", self.open_demo),
            "shortcuts": self.add_action("&Keyboard Shortcuts", self.show_shortcuts, "F1"),
            "about": self.add_action("&About Salient", self.show_about),
        }
        self.actions_by_name["loop"].setCheckable(True)
        stack = self.session.labels.undo_stack
        undo = stack.createUndoAction(self, "&Undo")
        undo.setShortcut(QKeySequence.StandardKey.Undo)
        redo = stack.createRedoAction(self, "&Redo")
        redo.setShortcut(QKeySequence("Ctrl+Shift+Z"))
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
        tracks_menu = view_menu.addMenu("&Tracks")
        tracks_menu.addActions(self.timeline.visibility_actions())
        view_menu.addSeparator()
        view_menu.addAction(self.review_dock.toggleViewAction())
        view_menu.addAction(a["agreement"])
        view_menu.addAction(self.distribution_dock.toggleViewAction())
        view_menu.addAction(self.jobs_dock.toggleViewAction())
        play_menu = bar.addMenu("&Playback")
        for name in ("play", "prev_frame", "next_frame", "back_1s", "fwd_1s", "back_5s", "fwd_5s"):
            play_menu.addAction(a[name])
        play_menu.addSeparator()
        play_menu.addActions([a["play_back"], a["pause"], a["play_fwd"]])
        play_menu.addSeparator()
        play_menu.addActions([a["next_peak"], a["prev_peak"], a["start"], a["end"], a["goto"], a["loop"]])
        help_menu = bar.addMenu("&Help")
        help_menu.addActions([a["demo"], a["shortcuts"], a["about"]])
        self._refresh_recent_menu()

    def _connect(self) -> None:
        s, p, t = self.session, self.player, self.transport
        s.media_opened.connect(self._on_session_media_opened)
        s.audio_ready.connect(p.set_audio)
        s.waveform_ready.connect(lambda pyramid: self.waveform_track.set_audio(pyramid, s.samples))
        s.envelope_changed.connect(lambda _: self._show_envelope())
        s.peaks_changed.connect(self._on_session_peaks_changed)
        s.pauses_changed.connect(self._on_session_pauses_changed)
        s.error_occurred.connect(self.show_error)
        s.warning_issued.connect(lambda text: self.statusBar().showMessage(text, 15000))
        s.closed.connect(self._on_session_closed)
        self.peak_controls.params_changed.connect(self._on_peak_controls_params_changed)
        p.frame_ready.connect(self._on_player_frame_ready)
        p.position_changed.connect(self._on_player_position_changed)
        p.playing_changed.connect(t.set_playing)
        p.sound_changed.connect(t.set_sound)
        p.video_opened.connect(self._on_player_video_opened)
        p.error_occurred.connect(lambda text: self.statusBar().showMessage(f"Video: {text}", 15000))
        self.timeline.seek_requested.connect(p.seek)
        self.timeline.selection_requested.connect(self._on_timeline_selection_requested)
        t.play_toggled.connect(p.toggle)
        t.step_requested.connect(p.step)
        t.jump_requested.connect(p.jump)
        t.speed_requested.connect(p.set_speed)
        t.loop_toggled.connect(self._set_loop)
        self.runner.job_started.connect(self._on_runner_job_started)
        book = s.labels
        book.labels_reset.connect(self._refresh_labels)
        book.vocabulary_changed.connect(self._on_vocabulary_changed)
        book.label_added.connect(self._on_label_changed)
        book.label_updated.connect(self._on_label_changed)
        book.label_removed.connect(self._on_label_removed)
        self.review_panel.row_selected.connect(self.review_queue.select)
        self.review_queue.selected.connect(self._on_review_queue_selected)
        self.review_queue.changed.connect(self._on_review_queue_changed)
        self.review_queue.item_changed.connect(self._on_review_item_changed)
        self.review_panel.label_requested.connect(self._on_review_label_requested)
        self.review_panel.details_edited.connect(self._on_review_details_edited)
        self.label_track.signals.label_moved.connect(lambda label_id, start, end: book.move(label_id, start, end))
        self.label_track.signals.label_delete_requested.connect(book.delete)
        book.annotator = str(self.settings.value("annotator", "") or "")
        self.jobs_panel.cancel_requested.connect(self._on_jobs_panel_cancel_requested)

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
        return dock

    def add_below_review(self, widget: QWidget) -> None:
        self.review_split.addWidget(widget)
        self.review_split.setStretchFactor(self.review_split.indexOf(widget), 2)

    def add_track(self, track: Track) -> None:
        self.timeline.add_track(track)

    def set_track_visible(self, key: str, visible: bool) -> None:
        self.timeline.set_track_visible(key, visible)

    def add_video_overlay(self, overlay: VideoOverlay) -> None:
        overlay.install(self.video_view)

    def show_message(self, text: str, timeout_ms: int) -> None:
        self.statusBar().showMessage(text, timeout_ms)

    # -- opening -----------------------------------------------------------------------------------

    def open_path(self, path: str | Path) -> bool:
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
        project = folder / pipeline.default_project_path(url).name
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
        last = self.settings.value("last_project", "")
        if last and Path(last).exists():
            self.open_path(last)
        else:
            self.statusBar().showMessage("No project opened before on this machine.", 5000)

    def _recent(self) -> list[str]:
        value = self.settings.value("recent", [])
        return [value] if isinstance(value, str) else list(value or [])

    def _remember(self, path: Path) -> None:
        recent = [str(path)] + [p for p in self._recent() if p != str(path)]
        self.settings.setValue("recent", recent[:MAX_RECENT])
        self._refresh_recent_menu()

    def _refresh_recent_menu(self) -> None:
        self.recent_menu.clear()
        for path in self._recent():
            action = self.recent_menu.addAction(path)
            action.triggered.connect(lambda _=False, path=path: self.open_path(path))
        self.recent_menu.setEnabled(bool(self._recent()))

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:  # noqa: N802 - Qt's name
        if any(url.isLocalFile() for url in event.mimeData().urls()):
            event.acceptProposedAction()

    def dropEvent(self, event: QDropEvent) -> None:  # noqa: N802 - Qt's name
        for url in event.mimeData().urls():
            if url.isLocalFile():
                event.acceptProposedAction()
                self.open_path(url.toLocalFile())
                return

    # -- session → views ---------------------------------------------------------------------------

    def _on_session_media_opened(self, record: MediaRecord) -> None:
        info = record.info
        self.setWindowTitle(f"{Path(record.path).name} — Salient")
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
        self.distribution.clear()
        self._shown_envelope = None
        self._peak_times = []
        project = self.session.project_path
        self.settings.setValue("last_project", str(project))
        self._remember(project)
        self.statusBar().showMessage(f"Opened {record.path} — project {project}", 8000)

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
                envelope.window_ms, envelope.values(options.feature), _FEATURE_LABELS[options.feature.value]
            )

    def _on_session_peaks_changed(self, result: OutlierResult) -> None:
        self._show_envelope()
        stats = result.stats
        self.envelope_track.set_band(stats.mean, stats.low, stats.high)
        self.envelope_track.set_peaks(result.peaks)
        self._peak_times = sorted(peak.peak_ms for peak in result.peaks)
        self.waveform_track.set_peaks(self._peak_times)
        self.peaks_track.set_spans([(peak.start_ms, peak.end_ms) for peak in result.peaks])
        self._refresh_review()
        data = self.session.distribution_data()
        if data is not None:
            self.distribution.set_data(data, stats)

    def _on_session_pauses_changed(self, found: PauseResult) -> None:
        self.pauses_track.set_spans([(pause.start_ms, pause.end_ms) for pause in found.pauses])
        self._refresh_review()

    def _on_session_closed(self) -> None:
        self.player.close()
        self.video_view.set_frame(None)
        self.video_view.set_placeholder("Open a video (Ctrl+O), drop one here, or try Help ▸ Open demo")
        for track in self._tracks():
            track.clear()
        self.distribution.clear()
        self.review_queue.clear()
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

    # -- player → views ----------------------------------------------------------------------------

    def _on_player_frame_ready(self, frame: Frame) -> None:
        self.video_view.set_frame(frame.image)
        self.transport.set_frame_index(frame.index)

    def _on_player_position_changed(self, ms: int) -> None:
        self.timeline.set_playhead(ms)
        self.transport.set_position(ms)

    def _on_player_video_opened(self, info: FrameSourceInfo | None) -> None:
        if info is None:
            self.transport.set_frame_index(None)

    def _on_j(self) -> None:
        p = self.player
        p.pause()
        p.play(direction=-1)

    def _on_l(self) -> None:
        p = self.player
        if p.playing:
            faster = [speed for speed in (1.0, 1.5, 2.0) if speed > p.speed]
            p.set_speed(faster[0] if faster else 2.0)
            self.transport.set_speed(p.speed)
        else:
            p.play()

    def _go_to_peak(self, direction: int) -> None:
        times, here = self._peak_times, self.player.position_ms
        if not times:
            self.statusBar().showMessage("No peaks flagged with the current settings.", 4000)
            return
        if direction > 0:
            index = bisect.bisect_right(times, here)
            target = times[index] if index < len(times) else None
        else:
            index = bisect.bisect_left(times, here) - 1
            target = times[index] if index >= 0 else None
        if target is None:
            self.statusBar().showMessage("No further peak in that direction.", 3000)
            return
        self.player.seek(target)
        start, end = self.timeline.visible_range()
        if not start <= target <= end:
            half = (end - start) // 2
            self.timeline.set_visible_range(max(0, target - half), target + half)

    def go_to_dialog(self) -> None:
        text, accepted = QInputDialog.getText(
            self, "Go to", "Time (1:02:03.5, 83.5) or frame (#1200):", text=format_clock(self.player.position_ms)
        )
        if accepted:
            self.go_to(text)

    def go_to(self, text: str) -> None:
        """Seek to a typed time or frame number; a typo gets a message, not a jump."""
        try:
            kind, value = parse_goto(text)
        except ValueError as exc:
            self.statusBar().showMessage(str(exc), 6000)
            return
        if kind == "frame":
            self.player.seek_frame(value)
        else:
            self.player.seek(value)

    def _on_loop_action(self, checked: bool) -> None:
        self.transport.set_loop_checked(checked)
        self._set_loop(checked)

    def _set_loop(self, enabled: bool) -> None:
        self.actions_by_name["loop"].setChecked(enabled)
        if enabled:
            start, end = self.timeline.visible_range()
            self.player.set_loop(start, end)
            self.statusBar().showMessage("Looping the visible part of the timeline.", 4000)
        else:
            self.player.set_loop(None)

    # -- review and labels -------------------------------------------------------------------------

    def _tracks(self) -> tuple:
        return (self.waveform_track, self.envelope_track, self.peaks_track, self.pauses_track, self.label_track)

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
            SOURCE_TITLES.get(segment.source, segment.source),
            f"{shot.kind} at {format_mmss(shot.start_ms)}" if shot is not None else "",
        )

    def _refresh_review(self) -> None:
        self.review_queue.refresh()

    def _on_review_queue_changed(self) -> None:
        self.review_panel.set_rows([self._review_row(item) for item in self.review_queue.items])

    def _on_review_item_changed(self, item: ReviewItem) -> None:
        self.review_panel.update_row(self._review_row(item))

    def _refresh_labels(self) -> None:
        self.label_track.set_labels([self._mark_of(label) for label in self.session.labels.labels])
        self._refresh_review()

    def _mark_of(self, label: LabelRecord) -> LabelMark:
        color = self.session.labels.entry(label.vocabulary_id).color
        return LabelMark(label.id, label.start_ms, label.end_ms, f"{label.value} · {label.annotator}", color)

    def _on_vocabulary_changed(self) -> None:
        self.review_panel.set_vocabulary(self.session.labels.vocabulary)
        if self._vocabulary_dialog is not None:
            self._vocabulary_dialog.set_entries(self.session.labels.vocabulary)
        if self.session.is_open:
            self._refresh_labels()

    def _on_label_changed(self, label: LabelRecord) -> None:
        self.label_track.put(self._mark_of(label))
        self.review_queue.labels_changed(label.segment_key)

    def _on_label_removed(self, label: LabelRecord) -> None:
        self.label_track.remove(label.id)
        if label.segment_key in self.review_queue:
            self.review_queue.labels_changed(label.segment_key)

    def _on_review_queue_selected(self, key: str) -> None:
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

    def _on_review_label_requested(self, key: str, vocabulary_id: int) -> None:
        segment = self.review_queue.segment(key)
        if segment is None or not self.ensure_annotator():
            return
        self.session.labels.label(segment, vocabulary_id)

    def _on_review_details_edited(self, key: str, fields: dict) -> None:
        own = self.session.labels.own_label(key)
        if own is not None:
            self.session.labels.update(own.id, **fields)

    def export_dialog(self, kind: str) -> None:
        if self.session.project_path is None:
            self.statusBar().showMessage("Open a video or a project first.", 5000)
            return
        folder = self.session.project_path.with_name(f"{self.session.project_path.stem}-export-{kind}")
        dialog = ExportDialog(kind, folder, self)
        if dialog.exec() == QDialog.DialogCode.Accepted:
            self.export(dialog.request())

    def export(self, request: ExportRequest) -> Job:
        """Export in the background through a read-only connection; the session keeps writing meanwhile."""
        project = self.session.project_path

        def work(progress: JobProgress) -> list[Path]:
            from app.export.outputs import run_export

            with Store.open(project, read_only=True) as store:
                return run_export(store, request, progress)

        job = self.runner.submit(f"Export {export_kind(request.kind).title.lower()}", work)
        job.succeeded.connect(
            lambda paths: self.statusBar().showMessage(f"Exported {len(paths)} file(s) into {request.out_dir}", 15000)
        )
        job.failed.connect(self.show_error)
        return job

    def show_vocabulary(self) -> VocabularyDialog:
        """The vocabulary editor; every change it asks for goes through the undoable label book."""
        if not self.session.is_open:
            self.statusBar().showMessage("Open a video or a project first: the vocabulary travels with it.", 5000)
        if self._vocabulary_dialog is None:
            dialog = self._vocabulary_dialog = VocabularyDialog(self)
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

    def _vocabulary_change(self, change, *args) -> None:  # noqa: ANN001, ANN002 - a book method and its arguments
        """Apply one vocabulary change; a refusal (duplicate name, value in use, bad file) is shown in the dialog."""
        if not self.session.is_open:
            self._vocabulary_dialog.show_message("Open a video or a project first.")
            return
        try:
            change(*args)
        except SalientError as exc:
            self._vocabulary_dialog.show_message(str(exc))

    def show_agreement(self) -> None:
        """Agreement between annotators on the same segments (made on first use: its statistics load slowly)."""
        if self._agreement_dock is None:
            from widgets.agreement_view import AgreementView

            self.agreement_view = AgreementView(self)
            self.agreement_view.unit_activated.connect(self._on_agreement_unit_activated)
            self._agreement_dock = QDockWidget("Agreement", self)
            self._agreement_dock.setObjectName("agreement_dock")
            self._agreement_dock.setWidget(self.agreement_view)
            self.addDockWidget(Qt.DockWidgetArea.RightDockWidgetArea, self._agreement_dock)
            self.tabifyDockWidget(self.review_dock, self._agreement_dock)
            for signal in (
                self.session.labels.label_added,
                self.session.labels.label_updated,
                self.session.labels.label_removed,
                self.session.labels.labels_reset,
            ):
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
            self.review_dock.show()
            self.review_dock.raise_()
            self.review_panel.select(key)

    def ensure_annotator(self) -> bool:
        """The annotator's name is asked once per machine, at the first label."""
        if self.session.labels.annotator:
            return True
        return self.ask_annotator()

    def ask_annotator(self) -> bool:
        name, accepted = QInputDialog.getText(
            self, "Annotator", "Your name, stored with every label you make:", text=self.session.labels.annotator
        )
        name = " ".join(name.split())
        if not accepted or not name:
            return False
        self.session.labels.annotator = name
        self.settings.setValue("annotator", name)
        self._refresh_review()
        return True

    def _mark(self, which: int) -> None:
        """I / O: the selection's start and end at the playhead, shown on the labels track."""
        self._selection[which] = self.player.position_ms
        start, end = self._selection
        if start is not None and end is not None and end < start:
            self._selection = [end, start]
        self.label_track.set_selection(*self._selection)

    def _on_timeline_selection_requested(self, start_ms: int, end_ms: int) -> None:
        """Shift+drag on the timeline: the same selection as I/O, shown on the labels track."""
        self._selection = [start_ms, end_ms]
        self.label_track.set_selection(start_ms, end_ms)
        self.statusBar().showMessage(
            f"Selected {start_ms / 1000:.3f}–{end_ms / 1000:.3f} s: Ctrl+Enter adds it to the review queue.", 5000
        )

    def _queue_selection(self) -> None:
        """Ctrl+Enter: the selection joins the review queue, selected, ready for a label key."""
        start, end = self._selection
        if start is None or end is None or end - start < 40:
            self.statusBar().showMessage("Mark a selection first: I at its start, O at its end.", 5000)
            return
        segment = self.review_queue.add_selection(start, end)
        self.review_dock.show()
        self.review_dock.raise_()
        self.review_panel.select(segment.key)
        self.review_panel.table.setFocus()

    # -- jobs --------------------------------------------------------------------------------------

    def _on_runner_job_started(self, job: Job) -> None:
        self.jobs_panel.add_job(job.id, job.title)
        job.progressed.connect(
            lambda fraction, message, job=job: self.jobs_panel.update_job(
                job.id, fraction, message, job.elapsed_s, job.remaining_s
            )
        )
        job.finished.connect(lambda job=job: self._on_job_finished(job))
        self._update_jobs_status()

    def _on_job_finished(self, job: Job) -> None:
        self.jobs_panel.finish_job(job.id, job.state, job.error, job.details, job.elapsed_s)
        self._update_jobs_status()
        if job.state == "failed":
            self.jobs_dock.show()

    def _on_jobs_panel_cancel_requested(self, job_id: int) -> None:
        job = self.runner.job(job_id)
        if job is not None:
            job.cancel()

    def _on_job_clock_timeout(self) -> None:
        for job in self.runner.running_jobs():
            self.jobs_panel.update_job(job.id, job.fraction, "", job.elapsed_s, job.remaining_s)
        self._update_jobs_status()

    def _update_jobs_status(self) -> None:
        running = self.runner.running_jobs()
        if not running:
            self.jobs_status.setText("No jobs running")
        elif len(running) == 1:
            self.jobs_status.setText(f"{running[0].title} — {running[0].fraction:.0%}")
        else:
            self.jobs_status.setText(f"{len(running)} jobs running")

    # -- dialogs -----------------------------------------------------------------------------------

    def show_error(self, message: str, details: str = "") -> None:
        """A readable message; the traceback only on demand. The window keeps working."""
        self.statusBar().showMessage(message, 15000)
        box = QMessageBox(QMessageBox.Icon.Warning, "Salient", message, parent=self)
        if details:
            box.setDetailedText(details)
        box.setObjectName("error_box")
        box.open()

    def shortcut_rows(self) -> list[tuple[str, str]]:
        rows = []
        for action in self.actions_by_name.values():
            if not action.shortcut().isEmpty():
                rows.append((action.text().replace("&", ""), action.shortcut().toString(QKeySequence.NativeText)))
        for action in [*self.transcript.actions.values(), *self.motion.actions.values(), *self.faces.actions.values()]:
            if not action.shortcut().isEmpty():
                rows.append((action.text().replace("&", ""), action.shortcut().toString(QKeySequence.NativeText)))
        rows += [(f"Transcript: {name}", keys) for name, keys in TRANSCRIPT_SHORTCUTS]
        rows += [
            ("Zoom the timeline around the cursor", "Wheel / Ctrl+Wheel"),
            ("Pan the timeline", "Shift+Wheel"),
            ("Seek / scrub", "Click / drag on the timeline"),
            ("Select a range to label", "Shift+drag on the timeline (or I / O)"),
        ]
        return rows

    def show_shortcuts(self) -> None:
        dialog = QDialog(self)
        dialog.setWindowTitle("Keyboard shortcuts")
        layout = QVBoxLayout(dialog)
        rows = self.shortcut_rows()
        table = QTableWidget(len(rows), 2, dialog)
        table.setHorizontalHeaderLabels(["Action", "Keys"])
        for row, (name, keys) in enumerate(rows):
            table.setItem(row, 0, QTableWidgetItem(name))
            table.setItem(row, 1, QTableWidgetItem(keys))
        table.horizontalHeader().setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        table.verticalHeader().hide()
        table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        layout.addWidget(table)
        dialog.resize(480, 560)
        dialog.setObjectName("shortcuts_dialog")
        dialog.open()

    def show_about(self) -> None:
        label = QLabel(
            "<b>Salient</b> — a workbench for the salient moments of filmed speech.<br>"
            "Audio peaks outside μ ± kσ, pauses and the word-timed transcript on one timeline; motion and faces "
            "are coming.",
            self,
        )
        QMessageBox.about(self, "About Salient", label.text())

    # -- settings and closing ----------------------------------------------------------------------

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

    def closeEvent(self, event: QCloseEvent) -> None:  # noqa: N802 - Qt's name
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
