"""The workbench window, offscreen, driven as a user drives it."""

from __future__ import annotations

import shutil
import time
from pathlib import Path

import av
import numpy as np
import pytest
from PySide6.QtCore import QPoint, QPointF, QRect, Qt
from PySide6.QtGui import QPalette
from PySide6.QtWidgets import QApplication, QDockWidget, QLabel, QMessageBox, QTabBar

from analysis import audio, media
from app.demo.synth import Scene, write_media
from app.gui.main_window import DOCK_WIDTH, MainWindow
from app.project.store import Store
from tests.helpers.opening import open_and_wait, open_refused
from widgets.panels.review_panel import ReviewRow

pytestmark = pytest.mark.usefixtures("no_threads_left")


def open_and_analyse(qtbot, window: MainWindow, path: Path) -> None:
    with qtbot.waitSignal(window.session.pauses_changed, timeout=30_000):
        assert window.open_path(path)
    qtbot.waitUntil(lambda: window.player.frame is not None, timeout=10_000)


def decoded_frames(path: Path) -> list[np.ndarray]:
    """Every frame of the file as RGB, by a plain sequential PyAV decode."""
    with av.open(str(path)) as container:
        return [frame.to_ndarray(format="rgb24") for frame in container.decode(video=0)]


def timeline_pixel(window: MainWindow, key: str, ms: float) -> QPoint:
    box = window.timeline.plot(key).vb
    low, high = box.viewRange()[1]
    return window.timeline.graphics_view.mapFromScene(box.mapViewToScene(QPointF(ms / 1000, (low + high) / 2)))


def test_opening_a_video_runs_the_audio_analysis_and_shows_its_peaks(qtbot, window: MainWindow, talk: Path) -> None:
    open_and_analyse(qtbot, window, talk)
    samples = media.decode_audio(talk)
    direct = audio.find_peaks(audio.compute_envelope(samples, 16_000, 1000), samples, 2.0)
    shown = window.session.outliers
    assert [(p.start_ms, p.end_ms, p.peak_ms) for p in shown.peaks] == [
        (p.start_ms, p.end_ms, p.peak_ms) for p in direct.peaks
    ]
    assert shown.stats.mean == pytest.approx(direct.stats.mean, rel=1e-6)
    markers = window.envelope_track.markers.data
    assert sorted(int(round(x * 1000)) for x in markers["x"]) == [p.peak_ms for p in direct.peaks]
    assert window.waveform_track.peak_count == len(direct.peaks)
    assert window.peaks_track.span_count == len(direct.peaks)
    assert window.pauses_track.span_count == len(window.session.pauses.pauses) == 3
    assert window.windowTitle() == "talk.mp4 — Salient"
    with Store.open(talk.with_suffix(".salient")) as store:
        assert [(r.kind, r.status) for r in store.runs()] == [("audio_peaks", "done"), ("pauses", "done")]


def test_moving_k_updates_the_markers_live(qtbot, window: MainWindow, talk: Path) -> None:
    open_and_analyse(qtbot, window, talk)
    samples = media.decode_audio(talk)
    envelope = audio.compute_envelope(samples, 16_000, 1000)
    for k in (1.0, 0.5, 3.0):
        window.peak_controls.slider.setValue(round(k * 10))
        expected = audio.find_peaks(envelope, samples, k)
        assert len(window.envelope_track.markers.data) == len(expected.peaks)
        assert window.session.outliers.stats.k == k
        assert window.envelope_track.band.getRegion() == pytest.approx((expected.stats.low, expected.stats.high))
    assert len(audio.find_peaks(envelope, samples, 0.5).peaks) > 2


def test_k_settled_on_is_stored_and_reopened(qtbot, window: MainWindow, talk: Path, settings) -> None:
    open_and_analyse(qtbot, window, talk)
    window.peak_controls.slider.setValue(15)
    window.session.close()
    with Store.open(talk.with_suffix(".salient")) as store:
        assert store.runs(kind="audio_peaks")[-1].params["k"] == 1.5
    with qtbot.waitSignal(window.session.peaks_changed, timeout=20_000):
        window.open_path(talk.with_suffix(".salient"))
    assert window.session.options.k == 1.5 and window.peak_controls.params().k == 1.5


def test_clicking_the_timeline_shows_the_exact_frame_at_that_time(qtbot, window: MainWindow, talk: Path) -> None:
    open_and_analyse(qtbot, window, talk)
    frames = decoded_frames(talk)
    viewport = window.timeline.graphics_view.viewport()
    for target_ms in (4321, 11_000, 700):
        qtbot.mouseClick(viewport, Qt.MouseButton.LeftButton, pos=timeline_pixel(window, "pauses", target_ms))
        clicked = window.player.position_ms
        assert abs(clicked - target_ms) <= 40
        expected_index = int(clicked * 25 // 1000)
        qtbot.waitUntil(lambda i=expected_index: window.player.frame.index == i, timeout=5000)
        assert np.array_equal(window.player.frame.image, frames[expected_index])
        assert np.array_equal(window.video_view._pixels, frames[expected_index])


def test_stepping_across_a_keyframe_is_exact(qtbot, window: MainWindow, talk: Path) -> None:
    open_and_analyse(qtbot, window, talk)
    frames = decoded_frames(talk)
    with av.open(str(talk)) as container:
        keyframes = [
            i
            for i, packet in enumerate(
                sorted((p for p in container.demux(video=0) if p.pts is not None), key=lambda p: p.pts)
            )
            if packet.is_keyframe
        ]
    boundary = keyframes[1]
    window.player.seek(boundary * 40 - 80)
    qtbot.waitUntil(lambda: window.player.frame.index == boundary - 2, timeout=5000)
    for expected in (boundary - 1, boundary, boundary + 1, boundary, boundary - 1):
        step = 1 if expected > window.player.frame.index else -1
        window.player.step(step)
        qtbot.waitUntil(lambda e=expected: window.player.frame.index == e, timeout=5000)
        assert np.array_equal(window.player.frame.image, frames[expected])
        assert window.player.position_ms == expected * 40


def test_keyboard_drives_the_player(qtbot, window: MainWindow, talk: Path) -> None:
    open_and_analyse(qtbot, window, talk)
    window.timeline.graphics_view.setFocus()
    qtbot.keyClick(window, Qt.Key.Key_Right)
    qtbot.waitUntil(lambda: window.player.frame.index == 1, timeout=5000)
    qtbot.keyClick(window, Qt.Key.Key_Right, Qt.KeyboardModifier.ShiftModifier)
    assert window.player.position_ms == 1040
    peaks = sorted(p.peak_ms for p in window.session.outliers.peaks)
    qtbot.keyClick(window, Qt.Key.Key_N)
    assert window.player.position_ms == peaks[0]
    qtbot.keyClick(window, Qt.Key.Key_N)
    assert window.player.position_ms == peaks[1]
    qtbot.keyClick(window, Qt.Key.Key_P)
    assert window.player.position_ms == peaks[0]
    qtbot.keyClick(window, Qt.Key.Key_End)
    assert window.player.position_ms == window.player.duration_ms - 1
    qtbot.keyClick(window, Qt.Key.Key_Home)
    assert window.player.position_ms == 0
    qtbot.keyClick(window, Qt.Key.Key_Space)
    assert window.player.playing
    qtbot.wait(300)
    qtbot.keyClick(window, Qt.Key.Key_K)
    assert not window.player.playing and window.player.position_ms > 150
    start = window.timeline.visible_range()
    qtbot.keyClick(window, Qt.Key.Key_Plus)
    zoomed = window.timeline.visible_range()
    assert zoomed[1] - zoomed[0] == pytest.approx((start[1] - start[0]) / 2, rel=0.01)
    qtbot.keyClick(window, Qt.Key.Key_F)
    assert window.timeline.visible_range() == (0, window.player.duration_ms)
    names = [name for name, _ in window.shortcut_rows()]
    assert {"Play / Pause", "Next Frame", "Next Peak", "Previous Peak", "Fit All", "Go to Start"} <= set(names)
    assert {"Transcribe…", "Transcript: Find and replace", "Transcript: Merge with the next segment"} <= set(names)


def test_help_lists_every_shortcut_in_a_table(qtbot, window: MainWindow) -> None:
    from widgets.dialogs.shortcuts_dialog import ShortcutsDialog

    window.actions_by_name["shortcuts"].trigger()
    dialog = window.findChild(ShortcutsDialog, "shortcuts_dialog")
    assert dialog is not None and dialog.isVisible()
    table = dialog.table
    listed = [(table.item(row, 0).text(), table.item(row, 1).text()) for row in range(table.rowCount())]
    assert listed == window.shortcut_rows()
    assert ("Loop Visible Range", "Ctrl+L") in listed and ("Analyze Motion…", "Ctrl+Alt+M") in listed
    dialog.close()


def test_every_key_is_listed_once_with_the_labelling_keys(qtbot, window: MainWindow, talk: Path) -> None:
    """Help ▸ Keyboard Shortcuts names each action once (Zoom In has two keys), and lists the overlay toggles,
    the face boxes and the open project's vocabulary's label keys."""
    open_and_analyse(qtbot, window, talk)
    rows = window.shortcut_rows()
    names = [name for name, _ in rows]
    assert len(names) == len(set(names))
    keys = dict(rows)
    assert keys["Zoom In"] == "+, ="
    assert keys["Flow heatmap"] == "H" and keys["Flow vectors"] == "V" and keys["Show Face Boxes"] == "B"
    vocabulary = [entry for entry in window.session.labels.vocabulary if entry.shortcut]
    assert vocabulary, "the default vocabulary has label keys"
    for entry in vocabulary:
        assert keys[f"Label the selected segment: {entry.name}"] == entry.shortcut
    assert keys["Review queue: next segment without your label"] == "Enter"


def test_no_control_takes_a_menu_mnemonic(window: MainWindow) -> None:
    """Alt+F opens the File menu: no label's mnemonic in the window may take a letter the menu bar uses."""

    def mnemonic(text: str) -> str | None:
        at = text.replace("&&", "").find("&")
        return text.replace("&&", "")[at + 1].lower() if at >= 0 else None

    menus = {mnemonic(action.text()) for action in window.menuBar().actions()} - {None}
    assert {"f", "e", "t", "a", "v", "p", "h"} <= menus
    taken = {mnemonic(label.text()): label.text() for label in window.findChildren(QLabel) if label.buddy()}
    assert {letter: text for letter, text in taken.items() if letter in menus} == {}


def test_the_window_fits_a_laptop_screen(qtbot, window: MainWindow, talk: Path) -> None:
    """On a 1366 × 768 screen less a 40 px panel, the window (frame included) lies inside the free area: the
    status bar and the lower tracks stay reachable. The window can be that small, also once media is open and the
    transport says why there is no sound."""
    open_and_analyse(qtbot, window, talk)
    free = QRect(0, 0, 1366, 728)
    assert window.minimumSizeHint().width() <= free.width() and window.minimumSizeHint().height() <= free.height()
    window.fit_to(free)
    assert free.contains(window.frameGeometry()), window.frameGeometry()


def test_about_names_the_version_and_what_is_there(window: MainWindow) -> None:
    from importlib import metadata

    from app.gui.main_window import about_text

    text = about_text()
    assert f"Salient {metadata.version('salient')}" in text
    assert "coming" not in text and "faces" in text and "motion" in text


def test_the_slider_keeps_its_arrow_keys(qtbot, window: MainWindow, talk: Path) -> None:
    open_and_analyse(qtbot, window, talk)
    slider = window.peak_controls.slider
    slider.setFocus()
    qtbot.waitUntil(slider.hasFocus)
    qtbot.keyClick(slider, Qt.Key.Key_Right)
    assert window.session.options.k == 2.1
    assert window.player.frame.index == 0


@pytest.mark.slow
def test_playback_plays_muted_on_the_wall_clock_without_a_device(qtbot, window: MainWindow, talk: Path) -> None:
    open_and_analyse(qtbot, window, talk)
    assert window.player.sound.startswith("muted")
    assert "Muted" in window.transport._sound.text()
    window.player.set_speed(2.0)
    started = time.monotonic()
    window.player.play()
    qtbot.wait(500)
    elapsed = time.monotonic() - started
    window.player.pause()
    assert window.player.position_ms == pytest.approx(elapsed * 2000, abs=150)
    shown = window.player.frame.index
    assert abs(shown - window.player.position_ms * 25 // 1000) <= 2


@pytest.fixture(scope="module")
def long_audio_source(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Ten minutes of speech-like sound: its analysis takes long enough to be cancelled."""
    scene = Scene(seed=2)
    scene.speech(duration_s=600.0)
    return write_media(tmp_path_factory.mktemp("long") / "long.m4a", scene.samples(), video_size=None, channels=1)


@pytest.fixture
def long_audio(tmp_path: Path, long_audio_source: Path) -> Path:
    return Path(shutil.copy(long_audio_source, tmp_path / "long.m4a"))


@pytest.mark.slow
def test_cancel_stops_the_audio_job_and_is_recorded(qtbot, window: MainWindow, tmp_path: Path, long_audio) -> None:
    open_and_wait(qtbot, window.session, long_audio)
    (job,) = window.runner.running_jobs()
    qtbot.waitUntil(lambda: job.fraction > 0.05, timeout=20_000)
    row = window.jobs_panel.row(job.id)
    asked = time.monotonic()
    qtbot.mouseClick(row.button, Qt.MouseButton.LeftButton)
    with qtbot.waitSignal(job.finished, timeout=2000):
        pass
    assert time.monotonic() - asked < 1.0
    assert job.state == "cancelled" and row.message.text() == "cancelled"
    with Store.open(tmp_path / "long.salient") as store:
        (run,) = store.runs()
        assert (run.kind, run.status) == ("audio_peaks", "cancelled")


def test_a_corrupt_file_shows_an_error_and_the_window_survives(
    qtbot, window: MainWindow, not_media: Path, talk: Path
) -> None:
    open_refused(qtbot, window.session, not_media)
    box = window.findChild(QMessageBox, "error_box")
    assert box is not None and "not a readable audio or video file" in box.text()
    box.close()
    open_and_analyse(qtbot, window, talk)
    assert window.session.outliers is not None


def test_audio_only_media_opens_without_a_picture(qtbot, window: MainWindow, talk_audio_only: Path, tmp_path) -> None:
    path = Path(shutil.copy(talk_audio_only, tmp_path / "talk.m4a"))
    with qtbot.waitSignal(window.session.pauses_changed, timeout=30_000):
        window.open_path(path)
    assert window.player.frame is None
    assert "audio only" in window.video_view._placeholder
    window.player.seek(5000)
    assert window.player.position_ms == 5000


def test_a_failed_job_offers_its_details(qtbot, window: MainWindow, truncated_video: Path, tmp_path) -> None:
    def broken(progress) -> None:
        raise RuntimeError("the decoder ran out of memory")

    job = window.runner.submit("Broken analysis", broken)
    with qtbot.waitSignal(job.finished, timeout=5000):
        pass
    row = window.jobs_panel.row(job.id)
    assert "failed: RuntimeError: the decoder ran out of memory" in row.message.text()
    assert "Traceback" in row.details and row.button.text() == "Details…"
    # the failure shows in the status bar; the dock opens only when asked (issue 12 item 33)
    assert not window.jobs_dock.isVisible()
    assert window.jobs_status.text() == "⚠ Broken analysis failed · Details…"
    qtbot.mouseClick(window.jobs_status, Qt.MouseButton.LeftButton)
    assert window.jobs_dock.isVisible()
    assert window.jobs_status.text() == "No jobs running"


def test_analyze_holds_actions_and_view_panels_every_dock(window: MainWindow) -> None:
    menus = {action.text(): action.menu() for action in window.menuBar().actions()}
    analyze = [action.text() for action in menus["&Analyze"].actions() if not action.isSeparator()]
    assert analyze == [
        "Analyze &Motion…",
        "&Not Significant Near…",
        "Analyze &Faces and Emotions…",
        "&Persons…",
        "Show Face &Boxes",
    ]
    view = {action.text(): action.menu() for action in menus["&View"].actions() if action.menu() is not None}
    assert list(view) == ["&Tracks", "&Panels"]
    panels = view["&Panels"].actions()
    assert [action.text() for action in panels] == [
        "Review queue",
        "Distribution",
        "Transcript",
        "Peak detail",
        "Emotions",
        "Jobs",
    ]
    docks = {dock.toggleViewAction() for dock in window.findChildren(QDockWidget)}
    assert set(panels) == docks


@pytest.mark.slow
def test_closing_with_a_job_running_exits_within_two_seconds(qtbot, settings, long_audio: Path) -> None:
    win = MainWindow(settings)
    qtbot.addWidget(win)
    win.show()
    open_and_wait(qtbot, win.session, long_audio)
    (job,) = win.runner.running_jobs()
    qtbot.wait(200)
    started = time.monotonic()
    win.close()
    assert time.monotonic() - started < 2.0
    assert job.wait(0), "the worker thread still runs after the window closed"
    qtbot.waitUntil(lambda: job.state == "cancelled", timeout=1000)
    with Store.open(long_audio.with_suffix(".salient")) as store:
        assert [(r.status, r.error) for r in store.runs()] == [("cancelled", "the project was closed")]


@pytest.mark.slow
def test_recent_files_and_layout_are_remembered(qtbot, window: MainWindow, talk: Path, settings) -> None:
    open_and_analyse(qtbot, window, talk)
    window.timeline.set_track_visible("pauses", False)
    window.save_settings()
    again = MainWindow(settings)
    qtbot.addWidget(again)
    assert again.recent_files.paths()[0] == str(talk.with_suffix(".salient"))
    assert not again.timeline.is_track_visible("pauses")
    assert [a.text() for a in again.recent_menu.actions()] == [str(talk.with_suffix(".salient"))]
    again.close()


@pytest.mark.slow
def test_the_demo_opens_with_every_panel_working(qtbot, window: MainWindow) -> None:
    with qtbot.waitSignal(window.session.pauses_changed, timeout=60_000):
        window.open_demo()
    qtbot.waitUntil(lambda: window.player.frame is not None, timeout=10_000)
    assert len(window.session.outliers.peaks) == 3
    assert window.session.pauses.metrics.count >= 5
    assert window.player.frame.image.shape == (360, 640, 3)


def test_the_time_label_shows_position_and_duration(qtbot, window: MainWindow, talk: Path) -> None:
    open_and_analyse(qtbot, window, talk)
    assert window.transport._time.text() == "00:00:00.000 / 00:00:17.216"
    window.player.seek(65_432)
    assert window.transport._time.text() == "00:00:17.215 / 00:00:17.216"
    window.player.seek(3_250)
    assert window.transport._time.text() == "00:00:03.250 / 00:00:17.216"
    qtbot.waitUntil(lambda: window.transport._frame.text() == "frame 81", timeout=5000)


@pytest.mark.slow
def test_go_to_a_typed_frame_or_time(qtbot, window: MainWindow, talk: Path) -> None:
    open_and_analyse(qtbot, window, talk)
    frames = decoded_frames(talk)
    window.navigation.go_to("#137")
    qtbot.waitUntil(lambda: window.player.frame.index == 137, timeout=5000)
    assert window.player.position_ms == 137 * 40
    assert np.array_equal(window.player.frame.image, frames[137])
    window.navigation.go_to("0:09.999")
    qtbot.waitUntil(lambda: window.player.frame.index == 249, timeout=5000)
    assert window.player.position_ms == 9999
    window.navigation.go_to("soon")
    assert window.player.position_ms == 9999
    assert "not a time or a frame number" in window.statusBar().currentMessage()


def test_dropping_a_file_opens_it(qtbot, window: MainWindow, talk: Path) -> None:
    from PySide6.QtCore import QMimeData, QUrl
    from PySide6.QtGui import QDropEvent

    data = QMimeData()
    data.setUrls([QUrl.fromLocalFile(str(talk))])
    event = QDropEvent(
        QPointF(50, 50), Qt.DropAction.CopyAction, data, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier
    )
    with qtbot.waitSignal(window.session.pauses_changed, timeout=30_000):
        window.dropEvent(event)
    assert window.session.media.path == str(talk)


def test_open_url_downloads_then_opens(qtbot, window: MainWindow, talk: Path, tmp_path: Path) -> None:
    import functools
    import http.server
    import threading

    class Quiet(http.server.SimpleHTTPRequestHandler):
        def log_message(self, format: str, *args: object) -> None:
            """Keep the test output clean."""

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(Quiet, directory=str(talk.parent)))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        project = tmp_path / "projects" / "talk.salient"
        project.parent.mkdir()
        url = f"http://127.0.0.1:{server.server_address[1]}/talk.mp4"
        with qtbot.waitSignal(window.session.pauses_changed, timeout=60_000):
            window.session.open_url(url, project)
    finally:
        server.shutdown()
    assert window.session.project_path == project
    assert Path(window.session.media.path).parent == tmp_path / "projects" / "talk.salient-data" / "media"
    assert window.session.media.source_url == url
    assert len(window.session.outliers.peaks) == 2


def test_moving_k_while_the_audio_decodes_is_not_lost(qtbot, window: MainWindow, talk: Path) -> None:
    open_and_wait(qtbot, window.session, talk)
    window.peak_controls.slider.setValue(10)
    with qtbot.waitSignal(window.session.pauses_changed, timeout=30_000):
        pass
    assert window.session.outliers.stats.k == 1.0
    samples = media.decode_audio(talk)
    expected = audio.find_peaks(audio.compute_envelope(samples, 16_000, 1000), samples, 1.0)
    assert len(window.envelope_track.markers.data) == len(expected.peaks)


def test_the_video_timeline_splitter_has_a_visible_handle(qtbot, window: MainWindow) -> None:
    handle = window.splitter.handle(1)
    assert window.splitter.handleWidth() >= 6
    assert handle.isVisible() and handle.height() >= 6
    image = handle.grab().toImage()
    around = window.splitter.widget(1).grab().toImage().pixelColor(2, 2)
    colour = image.pixelColor(image.width() // 2, image.height() // 2)
    assert colour != around
    assert colour.name() == window.palette().color(QPalette.ColorRole.Mid).name()


def test_dock_tabs_show_whole_titles_at_the_default_width(qtbot, window: MainWindow) -> None:
    """Issue 12 item 21: the tabs read "Review q…", "Tran…", "Em…"."""
    window.resize(1366, 768)
    qtbot.waitUntil(lambda: any(bar.isVisible() and bar.count() >= 5 for bar in window.findChildren(QTabBar)))
    bar = next(bar for bar in window.findChildren(QTabBar) if bar.isVisible() and bar.count() >= 5)
    titles = [bar.tabText(index) for index in range(bar.count())]
    assert titles[:2] == ["Distribution", "Review queue"] and "Transcript" in titles and "Emotions" in titles
    assert bar.elideMode() == Qt.TextElideMode.ElideNone
    metrics = bar.fontMetrics()
    for index, title in enumerate(titles):
        assert bar.tabRect(index).width() > metrics.horizontalAdvance(title)
    assert bar.tabRect(bar.count() - 1).right() < bar.width()  # all in view: no scrolling needed


def test_the_review_queue_fits_its_dock_without_scrolling_sideways(qtbot, window: MainWindow) -> None:
    """Issue 12 item 21: the queue's eight content-sized columns needed a horizontal scroll bar even maximized."""
    window.resize(1366, 768)
    panel = window.review_panel
    window.review_dock.raise_()
    panel.set_rows(
        [
            ReviewRow(
                f"k{i}", i * 61_000, i * 61_000 + 4_400, peak_ms=i * 61_000 + 900, z=-12.5, track="audio + motion"
            )
            for i in range(40)
        ]
    )
    QApplication.processEvents()
    header = panel.table.horizontalHeader()
    assert window.review_dock.width() >= DOCK_WIDTH - 20
    total = sum(header.sectionSize(column) for column in range(header.count()) if not header.isSectionHidden(column))
    assert total <= panel.table.viewport().width()
    assert panel.table.horizontalScrollBar().maximum() == 0
    label = header.sectionSize(0)
    assert label >= panel.table.fontMetrics().horizontalAdvance("not yet labelled")
    panel.update_row(ReviewRow("k3", 183_000, 187_400, label="embarrassment and irony", track="audio + motion"))
    QApplication.processEvents()
    assert header.sectionSize(0) == label and panel.table.horizontalScrollBar().maximum() == 0
