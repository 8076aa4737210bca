"""Flow overlays on the video view: a JET heatmap of the flow's magnitude and arrows, for the frame on screen.

Nothing is stored: the overlay of frame i is computed when frame i is shown, from the flow of the pair
i → i+1 (i−1 → i at the last frame), in a worker thread with a FrameSource of its own, so the player's
decoder is never moved. The worker keeps only the latest request: while playback runs ahead of it, the
frames it had no time for are skipped, never queued. It decodes at the analysis width (the decoding costs
the same, the colour conversion almost nothing) and hands back an RGBA layer at the resolution of the frame
on screen, which the view paints over the frame. During playback the layer of a frame a few frames back is
still painted until the next one arrives, so the overlay does not flicker; after a seek it is not.

With both overlays off nothing runs: no thread, no decoding.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
from PySide6.QtCore import QEvent, QObject, QRectF, Qt, Signal
from PySide6.QtGui import QImage, QPainter
from PySide6.QtWidgets import QMainWindow

from analysis.flow_render import HEATMAP_MAX_PX_S, overlay_layer, pair_flow
from analysis.frames import Frame, FrameSource
from analysis.motion import REFERENCE_WIDTH, FlowEngine, FlowMethod
from app.gui.workers import LatestRequestWorker
from widgets.panels.overlay_toolbar import OverlayToolbar
from widgets.video.video_view import VideoView

if TYPE_CHECKING:
    from app.model.records import MediaRecord

log = logging.getLogger(__name__)

STALE_FRAMES = 3
"""The layer of a frame at most this many frames from the one on screen is still painted (playback lag)."""
STOP_WAIT_MS = 5000
"""How long shutdown waits for the worker to finish the request it is on."""
NOTHING_OPEN = "Flow overlays: open a video first"
NO_VIDEO = "Flow overlays: this file has no video"


@dataclass(frozen=True, slots=True)
class OverlayRequest:
    """The overlay wanted for one frame, with the settings it is drawn with."""

    index: int
    size: tuple[int, int]
    """(width, height) of the frame on screen: the layer's size"""
    kinds: frozenset[str]
    opacity: float
    spacing: int
    method: FlowMethod
    max_px_s: float | None
    epoch: int
    """results of an older epoch (another video, overlays turned off since) are dropped"""


@dataclass(frozen=True, slots=True, eq=False)
class OverlayResult:
    request: OverlayRequest
    layer: np.ndarray
    """H×W×4 uint8 RGBA, premultiplied alpha"""
    compute_ms: float
    """decoding, flow and drawing, in the worker"""


class OverlayRenderer:
    """The overlay worker's own FrameSource and flow engines, used only in its thread; the flow of the last
    pair is kept while only the drawing settings change."""

    def __init__(self, path: Path, width: int) -> None:
        self._path = path
        self._width = width
        self._source: FrameSource | None = None
        self._engines: dict[FlowMethod, FlowEngine] = {}
        self._flow_key: tuple[int, int, FlowMethod] | None = None
        self._flow: np.ndarray | None = None
        self._dt_ms: float = 40

    def open(self) -> None:
        self._source = FrameSource(self._path, max_width=self._width, cache_frames=8)

    def close(self) -> None:
        if self._source is not None:
            self._source.close()
            self._source = None

    def render(self, request: OverlayRequest, cancelled: Callable[[], bool]) -> OverlayResult:
        """The layer of one request, timed (decoding, flow and drawing take one frame pair: nothing to cancel)."""
        started = time.perf_counter()
        layer = self._layer(request)
        return OverlayResult(request, layer, (time.perf_counter() - started) * 1000)

    def _layer(self, request: OverlayRequest) -> np.ndarray:
        """The pair's flow (kept while only the drawing settings change), drawn at the requested size."""
        source = self._source
        assert source is not None
        last = source.frame_count - 1
        index = min(max(request.index, 0), last)
        first_index = index if index < last else max(0, index - 1)
        key = (first_index, min(first_index + 1, last), request.method)
        if key != self._flow_key:
            first, second = source.frame_at_index(key[0]), source.frame_at_index(key[1])
            engine = self._engines.get(request.method)
            if engine is None:
                engine = self._engines[request.method] = FlowEngine(request.method)
            self._flow = pair_flow(first.image, second.image, engine, self._width)
            span_ms = second.pts_ms - first.pts_ms
            self._dt_ms = span_ms if span_ms > 0 else 1000 / source.fps
            self._flow_key = key
        return overlay_layer(
            request.size,
            self._flow,
            request.kinds,
            request.opacity,
            request.spacing,
            request.max_px_s,
            self._dt_ms,
        )


class FlowOverlayController(QObject):
    """Computes the flow overlays of the frame on screen off the GUI thread and paints them on a VideoView."""

    overlay_ready = Signal(int, float)
    """frame index, milliseconds the worker took: a new layer is ready to paint"""
    changed = Signal()
    """the layer to paint changed (a new one, or none)"""
    failed = Signal(str)

    def __init__(
        self,
        parent: QObject | None = None,
        width: int = REFERENCE_WIDTH,
        max_px_s: float | None = HEATMAP_MAX_PX_S,
    ) -> None:
        """``width``: the flow's analysis width; ``max_px_s``: the heatmap's fixed scale in reference pixels
        per second (None: each frame from its own minimum to maximum)."""
        super().__init__(parent)
        self._width = width
        self._max_px_s = max_px_s
        self._path: Path | None = None
        self._worker: LatestRequestWorker | None = None
        self._unopenable = False
        self._heatmap = self._vectors = False
        self._opacity = 0.5
        self._spacing = 16
        self._method = FlowMethod.DIS
        self._shown: tuple[int, tuple[int, int]] | None = None
        self._epoch = 0
        self._last_request: OverlayRequest | None = None
        self._layer: np.ndarray | None = None
        self._image: QImage | None = None
        self._layer_index: int | None = None
        self.requests_made = 0
        """requests handed to the worker (one per frame shown while an overlay is on, or per setting change)"""
        self.overlays_computed = 0
        """results the worker sent back (fewer than requests when it skipped stale ones)"""

    # -- settings ----------------------------------------------------------------------------------

    def set_video(self, path: str | Path | None) -> None:
        """Compute overlays on this video (None: none). Stops the worker of the previous one."""
        self._stop_worker()
        self._path = Path(path) if path is not None else None
        self._unopenable = False
        self._shown = None
        self._clear()

    def on_media_opened(self, record: MediaRecord) -> None:
        """The session opened media: follow its video, if it has one."""
        self.set_video(record.path if record.info.has_video else None)

    def set_enabled(self, heatmap: bool, vectors: bool) -> None:
        self._heatmap, self._vectors = bool(heatmap), bool(vectors)
        if self.enabled:
            self._request()
            return
        if self._worker is not None:
            self._worker.drop_pending()
        self._clear()

    def set_opacity(self, opacity: float) -> None:
        """Heatmap opacity, 0 (the frame alone) … 1 (the heatmap alone)."""
        self._opacity = min(max(float(opacity), 0.0), 1.0)
        self._request()

    def set_spacing(self, spacing_px: int) -> None:
        """Pixels of the frame between arrows."""
        self._spacing = max(2, int(spacing_px))
        self._request()

    def set_method(self, method: FlowMethod | str) -> None:
        self._method = FlowMethod(method)
        self._request()

    @property
    def enabled(self) -> bool:
        return self._heatmap or self._vectors

    @property
    def running(self) -> bool:
        """Whether the worker thread is running."""
        return self._worker is not None and self._worker.running

    @property
    def overlay_index(self) -> int | None:
        """The frame the current layer belongs to."""
        return self._layer_index

    @property
    def overlay_image(self) -> np.ndarray | None:
        """The current layer: H×W×4 RGBA with premultiplied alpha, at the resolution of its frame."""
        return self._layer

    # -- frames and results ------------------------------------------------------------------------

    def on_frame(self, frame: Frame) -> None:
        """A frame is on screen (connect to PlayerController.frame_ready)."""
        height, width = frame.image.shape[:2]
        self._shown = (frame.index, (width, height))
        self._request()

    def _request(self) -> None:
        if not self.enabled or self._path is None or self._shown is None or self._unopenable:
            return
        kinds = frozenset(kind for kind, on in (("heatmap", self._heatmap), ("vectors", self._vectors)) if on)
        index, size = self._shown
        request = OverlayRequest(
            index, size, kinds, self._opacity, self._spacing, self._method, self._max_px_s, self._epoch
        )
        if request == self._last_request:
            return
        if self._worker is None:
            renderer = OverlayRenderer(self._path, self._width)
            self._worker = LatestRequestWorker(
                renderer.render, name="flow-overlay-worker", setup=renderer.open, teardown=renderer.close
            )
            self._worker.result.connect(self._on_worker_result)
            self._worker.error.connect(self._on_worker_error)
            self._worker.setup_failed.connect(self._on_worker_setup_failed)
        self._last_request = request
        self.requests_made += 1
        self._worker.submit(request)

    def _on_worker_result(self, request: OverlayRequest, result: OverlayResult) -> None:
        self.overlays_computed += 1
        if result.request.epoch != self._epoch:
            return
        layer = result.layer
        height, width = layer.shape[:2]
        self._layer, self._layer_index = layer, result.request.index
        self._image = QImage(layer.data, width, height, 4 * width, QImage.Format.Format_RGBA8888_Premultiplied)
        self.changed.emit()
        self.overlay_ready.emit(result.request.index, result.compute_ms)

    def _on_worker_error(self, request: OverlayRequest, text: str) -> None:
        self.failed.emit(text)

    def _on_worker_setup_failed(self, text: str) -> None:
        self._unopenable = True
        self.failed.emit(text)

    def _clear(self) -> None:
        """Forget the layer; results already under way are dropped."""
        self._epoch += 1
        self._last_request = None
        had_layer = self._layer is not None
        self._layer = self._image = self._layer_index = None
        if had_layer:
            self.changed.emit()

    # -- painting ----------------------------------------------------------------------------------

    def attach(self, view: VideoView) -> None:
        """Paint the overlays on ``view`` and repaint it when they change."""
        view.add_overlay(self.paint)
        self.changed.connect(view.update)

    def paint(self, painter: QPainter, rect: QRectF) -> None:
        """Draw the layer over the frame's rectangle, if it belongs to the frame on screen or one just before."""
        if self._image is None or self._shown is None or self._layer_index is None:
            return
        if abs(self._layer_index - self._shown[0]) > STALE_FRAMES:
            return
        painter.drawImage(rect, self._image)

    # -- lifetime ----------------------------------------------------------------------------------

    def shutdown(self) -> None:
        """Stop and join the worker and forget the video (call when the window closes)."""
        self.set_video(None)

    def _stop_worker(self) -> None:
        worker, self._worker = self._worker, None
        if worker is not None:
            worker.close(STOP_WAIT_MS)


class _ShutdownOnClose(QObject):
    """Stops the overlay worker when the window is closed."""

    def __init__(self, controller: FlowOverlayController, window: QMainWindow) -> None:
        super().__init__(window)
        self._controller = controller

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # Qt's name
        if event.type() == QEvent.Type.Close:
            self._controller.shutdown()
        return False


def install_flow_overlay(window: QMainWindow) -> FlowOverlayController:
    """Add the overlay toolbar above the video of a MainWindow and wire it: the toolbar's choices, the
    player's frames, the session's media opened and closed, the window's close, the view's painting.
    Installed once: a second call returns the window's controller."""
    installed = window.findChild(FlowOverlayController)
    if installed is not None:
        return installed
    toolbar = OverlayToolbar(window)
    window.addToolBar(Qt.ToolBarArea.TopToolBarArea, toolbar)
    controller = FlowOverlayController(window)
    controller.set_opacity(toolbar.opacity)
    controller.set_spacing(toolbar.spacing)
    controller.set_method(toolbar.method)
    controller.attach(window.video_view)

    def follow_toggles(_: bool) -> None:
        controller.set_enabled(toolbar.heatmap, toolbar.vectors)

    toolbar.heatmap_toggled.connect(follow_toggles)
    toolbar.vectors_toggled.connect(follow_toggles)
    toolbar.opacity_changed.connect(controller.set_opacity)
    toolbar.spacing_changed.connect(controller.set_spacing)
    toolbar.method_changed.connect(controller.set_method)
    window.player.frame_ready.connect(controller.on_frame)
    window.session.media_opened.connect(controller.on_media_opened)
    window.session.closed.connect(controller.shutdown)

    def follow_media(record: MediaRecord | None) -> None:
        if record is None:
            toolbar.set_available(False, NOTHING_OPEN)
        else:
            toolbar.set_available(record.info.has_video, NO_VIDEO)

    follow_media(window.session.media)
    window.session.media_opened.connect(follow_media)
    window.session.closed.connect(lambda: follow_media(None))
    controller.failed.connect(lambda text: window.statusBar().showMessage(f"Flow overlay: {text}", 15000))
    window.installEventFilter(_ShutdownOnClose(controller, window))
    return controller
