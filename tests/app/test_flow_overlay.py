"""Flow overlays on the video: computed in a worker for the frame on screen, stale requests dropped, nothing
done while they are off, the thread joined on shutdown; and the toolbar wired into the window."""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np
import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QColor

from analysis.frames import Frame, FrameSource
from app.gui.flow_overlay import STALE_FRAMES, FlowOverlayController, install_flow_overlay
from widgets.panels.overlay_toolbar import OverlayToolbar
from widgets.video.video_view import VideoView

pytestmark = pytest.mark.usefixtures("no_threads_left")

JET_LOW = (0, 0, 128)
STILL = {
    tuple(int(v) for v in cv2.applyColorMap(np.uint8([[value]]), cv2.COLORMAP_JET)[0, 0, ::-1]) for value in range(4)
}
"""The bottom four colours of the JET map (under 2 % of the scale: flow noise on a still picture)."""
SIDE, TOP = 40, 100
"""The talk video's square: 40 px wide, rows 100–139 of 320×240 (app.demo.synth.square_frames)."""
SPEED_PX_FRAME = 160 / 25


def square_left(index: int, fps: int = 25) -> int:
    """Left edge of the square in frame ``index`` when its first motion starts at 2 s (frame 50)."""
    return int((index - 2 * fps + 1) * SPEED_PX_FRAME) if index >= 2 * fps else 0


def colours(pixels: np.ndarray) -> set[tuple[int, ...]]:
    return {tuple(c) for c in pixels[..., :3].reshape(-1, 3).tolist()}


@pytest.fixture
def frames(talk_video: Path) -> dict[int, Frame]:
    """Frames 0–129 of the talk video: still until frame 50, the square moving right from then on."""
    with FrameSource(talk_video) as source:
        return {i: source.frame_at_index(i) for i in range(130)}


@pytest.fixture
def controller(qtbot, talk_video: Path):
    overlay = FlowOverlayController()
    overlay.set_video(talk_video)
    yield overlay
    overlay.shutdown()


def show(qtbot, controller: FlowOverlayController, frame: Frame) -> np.ndarray:
    with qtbot.waitSignal(controller.overlay_ready, timeout=10_000, check_params_cb=lambda i, ms: i == frame.index):
        controller.on_frame(frame)
    return controller.overlay_image


def test_the_heatmap_is_hot_on_the_moving_square_and_uniform_elsewhere(qtbot, controller, frames) -> None:
    controller.set_enabled(heatmap=True, vectors=False)
    controller.set_opacity(1.0)
    layer = show(qtbot, controller, frames[75])
    assert layer.shape == (240, 320, 4)
    assert (layer[..., 3] == 255).all()
    left = square_left(75)
    assert left == 166
    square = layer[TOP + 5 : TOP + SIDE - 5, left + 5 : left + SIDE - 5, :3].reshape(-1, 3).astype(int)
    hot = (square[:, 0] >= 190) & (square[:, 2] == 0)
    # DIS reads 5.5–6 of the 6.4 px per frame inside the flat square, less at its flat bottom, which has no
    # texture to follow: red on most of it
    assert hot.mean() >= 2 / 3, "red: 160 px/s is the top of the scale"
    red, green, blue = np.median(square, axis=0)
    assert red >= 190 and green <= 64 and blue == 0
    elsewhere = np.ones((240, 320), bool)
    margin = 28  # DIS smooths the flow out to ~20 px around the square
    elsewhere[TOP - margin : TOP + SIDE + margin, left - margin : left + SIDE + margin] = False
    assert colours(layer[elsewhere]) <= STILL, "the still background is uniformly blue"

    still = show(qtbot, controller, frames[10])
    assert colours(still) <= STILL, "nothing moves before 2 s"


def test_opacity_sets_the_layer_alpha_and_vectors_point_right(qtbot, controller, frames) -> None:
    controller.set_spacing(8)
    controller.set_enabled(heatmap=True, vectors=False)
    controller.set_opacity(0.5)
    layer = show(qtbot, controller, frames[75])
    assert (layer[..., 3] == 128).all()
    assert tuple(layer[10, 10, :3]) == (0, 0, 64)

    with qtbot.waitSignal(controller.overlay_ready, timeout=10_000):
        controller.set_enabled(heatmap=False, vectors=True)
    layer = controller.overlay_image
    drawn = layer[..., 3] > 0
    ys, xs = np.nonzero(drawn)
    left = square_left(75)
    assert xs.min() >= left - 12 and xs.max() <= left + SIDE + 3 * SPEED_PX_FRAME + 12
    assert ys.min() >= TOP - 12 and ys.max() <= TOP + SIDE + 12
    assert (layer[drawn][:, [0, 2]] == 0).all(), "green arrows, nothing else"
    assert xs.mean() > left + SIDE / 2, "arrows start in the square and point right"


def test_with_both_overlays_off_nothing_runs(qtbot, controller, frames) -> None:
    for i in range(40, 60):
        controller.on_frame(frames[i])
    controller.set_opacity(0.3)
    qtbot.wait(200)
    assert not controller.running
    assert controller.requests_made == controller.overlays_computed == 0
    assert controller.overlay_image is None

    controller.set_enabled(heatmap=True, vectors=False)
    show(qtbot, controller, frames[60])
    made = controller.requests_made
    controller.set_enabled(heatmap=False, vectors=False)
    assert controller.overlay_image is None
    for i in range(61, 80):
        controller.on_frame(frames[i])
    qtbot.wait(200)
    assert controller.requests_made == made
    assert controller.overlay_image is None


def test_stale_requests_are_dropped_and_the_last_frame_gets_its_overlay(qtbot, controller, frames) -> None:
    controller.set_enabled(heatmap=True, vectors=True)
    with qtbot.waitSignal(controller.overlay_ready, timeout=10_000, check_params_cb=lambda i, ms: i == 99):
        for i in range(50, 100):
            controller.on_frame(frames[i])
    assert controller.requests_made == 50
    qtbot.wait(100)
    assert controller.overlays_computed < 50
    assert controller.overlay_index == 99


def test_shutdown_joins_the_worker_and_forgets_the_video(qtbot, controller, frames) -> None:
    controller.set_enabled(heatmap=True, vectors=False)
    show(qtbot, controller, frames[70])
    assert controller.running
    controller.shutdown()
    assert not controller.running
    assert controller.overlay_image is None
    controller.on_frame(frames[71])
    qtbot.wait(100)
    assert not controller.running, "no video: frames arriving after shutdown start nothing"


def test_a_video_that_cannot_be_opened_is_reported_once(qtbot, not_media: Path, frames) -> None:
    overlay = FlowOverlayController()
    overlay.set_video(not_media)
    overlay.set_enabled(heatmap=True, vectors=False)
    with qtbot.waitSignal(overlay.failed, timeout=10_000):
        overlay.on_frame(frames[10])
    qtbot.waitUntil(lambda: not overlay.running)
    made = overlay.requests_made
    overlay.on_frame(frames[11])
    assert overlay.requests_made == made
    overlay.shutdown()


def test_the_view_paints_the_layer_of_the_frame_on_screen_only(qtbot, controller, frames) -> None:
    view = VideoView()
    qtbot.addWidget(view)
    view.resize(320, 240)
    controller.attach(view)
    controller.set_enabled(heatmap=True, vectors=False)
    controller.set_opacity(1.0)

    def pixel() -> tuple[int, int, int]:
        return QColor(view.grab().toImage().pixel(10, 10)).getRgb()[:3]

    view.set_frame(frames[75].image)
    assert pixel() == tuple(int(v) for v in frames[75].image[10, 10]), "no layer yet"
    show(qtbot, controller, frames[75])
    assert pixel() == JET_LOW
    # the result for a new frame arrives through the event loop, so each grab below sees the old layer
    playing_on = frames[75 + STALE_FRAMES]
    view.set_frame(playing_on.image)
    controller.on_frame(playing_on)
    assert pixel() == JET_LOW, "kept while the next one is computed"
    far = frames[20]
    view.set_frame(far.image)
    controller.on_frame(far)
    assert pixel() == tuple(int(v) for v in far.image[10, 10]), "not over a frame far from its own"
    qtbot.waitUntil(lambda: controller.overlay_index == 20, timeout=10_000)
    assert pixel() == JET_LOW


def test_the_toolbar_in_the_window_turns_the_heatmap_on_for_the_frame_on_screen(qtbot, window, talk: Path) -> None:
    overlay = install_flow_overlay(window)
    assert install_flow_overlay(window) is overlay, "installed once"
    assert len(window.findChildren(OverlayToolbar)) == 1
    toolbar = window.findChild(OverlayToolbar)
    assert window.toolBarArea(toolbar) == Qt.ToolBarArea.TopToolBarArea
    assert toolbar.heatmap_action.shortcut().toString() == "H"
    assert toolbar.vectors_action.shortcut().toString() == "V"
    assert (toolbar.opacity, toolbar.spacing, toolbar.method) == (0.5, 16, "dis")
    window.open_path(talk)
    qtbot.waitUntil(lambda: window.player.frame is not None, timeout=10_000)
    assert not overlay.running
    with qtbot.waitSignal(overlay.overlay_ready, timeout=10_000) as ready:
        toolbar.heatmap_action.trigger()
    assert ready.args[0] == window.player.frame.index
    assert overlay.overlay_image.shape[:2] == window.player.frame.image.shape[:2]
    with qtbot.waitSignal(overlay.overlay_ready, timeout=10_000):
        toolbar.opacity_slider.setValue(100)
    assert (overlay.overlay_image[..., 3] == 255).all()
    with qtbot.waitSignal(overlay.overlay_ready, timeout=10_000):
        toolbar.method_combo.setCurrentIndex(1)
    with qtbot.waitSignal(overlay.overlay_ready, timeout=10_000):
        window.player.seek_frame(60)
    assert overlay.overlay_index == 60
    window.session.close()
    assert not overlay.running
    assert overlay.overlay_image is None

    with qtbot.waitSignal(overlay.overlay_ready, timeout=10_000):
        window.open_path(talk)
    assert overlay.running, "the heatmap is still on: the reopened video's first frame gets it"
    window.close()
    assert not overlay.running


def test_the_toolbar_shows_the_heatmaps_colour_scale(qtbot) -> None:
    from analysis.flow_render import colour_scale

    toolbar = OverlayToolbar()
    qtbot.addWidget(toolbar)
    toolbar.resize(1400, 40)
    toolbar.show()
    qtbot.waitExposed(toolbar)
    assert toolbar.legend.isVisible() and toolbar.legend_label.text() == "160 px/s"
    image = toolbar.legend_bar.pixmap().toImage()
    colours = colour_scale(72)[0]
    for x in (0, 36, 71):
        colour = image.pixelColor(x, 5)
        assert (colour.red(), colour.green(), colour.blue()) == tuple(colours[x])
    assert "red = 160 px/s or more" in toolbar.legend.toolTip()
