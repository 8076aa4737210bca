"""Face boxes over the video: a rectangle in the colour of the face's dominant emotion and a caption above it.

:class:`FaceBoxes` is an overlay of :class:`~widgets.video.video_view.VideoView`. The owner hands it the faces of
the frame on screen (boxes in pixels of the original frame) and the frame's pixel size; the boxes follow the
frame wherever the view draws it. Everything a paint needs (screen rectangles, pens, caption sizes) is
computed when the faces or the frame's place change, so repainting the same frame allocates nothing new.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from PySide6.QtCore import QRectF, Qt
from PySide6.QtGui import QBrush, QColor, QFont, QFontMetricsF, QPainter, QPen

from widgets.style import emotion_color, text_color_on
from widgets.video.video_view import VideoView

Face = tuple[tuple[int, int, int, int], str, str]
"""((x, y, w, h) in pixels of the original frame, person name, dominant emotion)."""

BOX_WIDTH_PX = 2
"""Line width of a box on screen, whatever the scale."""
_PAD_X, _PAD_Y = 4, 1


@dataclass(slots=True)
class _Style:
    """The pen, caption fill and caption text colour of one emotion, made once."""

    pen: QPen
    fill: QBrush
    text: QColor


@dataclass(slots=True)
class _Placed:
    """One face on screen: its box, its caption's rectangle and text, its style."""

    box: QRectF
    caption: QRectF
    text: str
    style: _Style


class FaceBoxes:
    """The faces of the frame on screen, painted over a :class:`VideoView`."""

    def __init__(self) -> None:
        self._view: VideoView | None = None
        self._faces: list[tuple[QRectF, str, _Style]] = []
        self._frame_size: tuple[int, int] | None = None
        self._visible = True
        self._styles: dict[str, _Style] = {}
        self._font = QFont()
        self._font.setPixelSize(12)
        self._metrics = QFontMetricsF(self._font)
        self._placed: list[_Placed] = []
        self._placed_for: tuple[float, float, float, float] | None = None

    @property
    def visible(self) -> bool:
        return self._visible

    @property
    def face_count(self) -> int:
        return len(self._faces)

    def install(self, view: VideoView) -> None:
        """Paint over ``view`` from now on (once; installing on another view moves the overlay there)."""
        if self._view is view:
            return
        self.uninstall()
        self._view = view
        view.add_overlay(self.paint)

    def uninstall(self) -> None:
        if self._view is not None:
            self._view.remove_overlay(self.paint)
            self._view = None

    def set_faces(self, faces: Sequence[Face]) -> None:
        """The faces of the frame on screen; the caption is "<name> · <emotion text>", the emotion text as
        given (it may carry the probability, e.g. "happy 0.93"); its first word picks the colour."""
        self._faces = []
        for (x, y, w, h), name, emotion in faces:
            words = emotion.split()
            style = self._style(words[0] if words else "")
            text = f"{name} · {emotion}" if emotion else name
            self._faces.append((QRectF(float(x), float(y), float(w), float(h)), text, style))
        self._placed_for = None
        self._repaint()

    def set_frame_size(self, width: int, height: int) -> None:
        """The frame's size in pixels, the space the boxes are given in (nothing is painted before it is set)."""
        self._frame_size = (int(width), int(height)) if width > 0 and height > 0 else None
        self._placed_for = None
        self._repaint()

    def set_visible(self, visible: bool) -> None:
        self._visible = bool(visible)
        self._repaint()

    def screen_boxes(self, frame_rect: QRectF) -> list[QRectF]:
        """Where the boxes go on screen for a frame drawn in ``frame_rect`` (outer edges of the lines)."""
        self._place(frame_rect)
        return [QRectF(placed.box) for placed in self._placed]

    def paint(self, painter: QPainter, frame_rect: QRectF) -> None:
        """The overlay: boxes first, then captions over any box they overlap."""
        if not self._visible or not self._faces or self._frame_size is None or frame_rect.isEmpty():
            return
        self._place(frame_rect)
        painter.save()
        painter.setRenderHint(QPainter.RenderHint.Antialiasing, False)
        painter.setBrush(Qt.BrushStyle.NoBrush)
        inset = BOX_WIDTH_PX / 2
        for placed in self._placed:
            painter.setPen(placed.style.pen)
            painter.drawRect(placed.box.adjusted(inset, inset, -inset, -inset))
        painter.setFont(self._font)
        painter.setPen(Qt.PenStyle.NoPen)
        for placed in self._placed:
            painter.fillRect(placed.caption, placed.style.fill)
            painter.setPen(placed.style.text)
            painter.drawText(placed.caption, Qt.AlignmentFlag.AlignCenter, placed.text)
        painter.restore()

    def _style(self, emotion: str) -> _Style:
        style = self._styles.get(emotion)
        if style is None:
            color = QColor(emotion_color(emotion))
            pen = QPen(color, BOX_WIDTH_PX)
            pen.setJoinStyle(Qt.PenJoinStyle.MiterJoin)
            style = self._styles[emotion] = _Style(pen, QBrush(color), text_color_on(color))
        return style

    def _place(self, frame_rect: QRectF) -> None:
        """Screen geometry of every box and caption for ``frame_rect``, kept until the frame's place or the
        faces change."""
        key = (frame_rect.x(), frame_rect.y(), frame_rect.width(), frame_rect.height())
        if key == self._placed_for:
            return
        self._placed_for = key
        self._placed = []
        if self._frame_size is None:
            return
        sx = frame_rect.width() / self._frame_size[0]
        sy = frame_rect.height() / self._frame_size[1]
        height = self._metrics.height() + 2 * _PAD_Y
        for box, text, style in self._faces:
            screen = QRectF(
                round(frame_rect.x() + box.x() * sx),
                round(frame_rect.y() + box.y() * sy),
                max(1, round(box.width() * sx)),
                max(1, round(box.height() * sy)),
            )
            width = self._metrics.horizontalAdvance(text) + 2 * _PAD_X
            top = screen.top() - height
            if top < frame_rect.top():
                top = screen.top()  # no room above the box inside the frame: the caption goes inside it
            left = min(screen.left(), frame_rect.right() - width)
            caption = QRectF(max(left, frame_rect.left()), top, width, height)
            self._placed.append(_Placed(screen, caption, text, style))

    def _repaint(self) -> None:
        if self._view is not None:
            self._view.update()
