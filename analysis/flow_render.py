"""Pictures of one frame pair's optical flow, drawn over the video: a JET heatmap of the flow's magnitude
and arrows on a grid.

The flow is computed small (``width`` pixels wide, 320 by default, as the motion analysis does) and drawn at
the resolution of the frame on screen: the magnitude is interpolated up before it is coloured, so edges
between colours stay on the colour map; arrows stand every ``spacing`` pixels of the frame and their length
is measured in spacings (VECTOR_SPACING_PX_S), so they keep to their grid at any frame size.

Magnitudes are read in pixels per second of a frame REFERENCE_WIDTH pixels wide, the unit of
:mod:`analysis.motion`, so the heatmap's fixed scale means the same at every analysis width and video size.

Qt-free: numpy and OpenCV only.
"""

from __future__ import annotations

from collections.abc import Collection

import cv2
import numpy as np

from analysis.motion import REFERENCE_WIDTH, FlowEngine

HEATMAP_MAX_PX_S = 160.0
"""The fixed heatmap scale the overlay uses: this many reference pixels per second (half the frame's width)
is the top of the colour map (dark red); the motion analysis's MOVING_PX_S (20) is bright blue."""
VECTOR_SPACING_PX_S = HEATMAP_MAX_PX_S / 2
"""Arrow scale: flow of this many reference pixels per second (80, the heatmap's green) draws an arrow one
grid spacing long, whatever the frame's size and the analysis width; the top of the heatmap's scale draws
two. Closer arrows (a smaller spacing) are shorter, so the grid stays readable at any spacing."""
VECTOR_MIN_PX = 0.25
"""Flow shorter than this many flow pixels per frame gets no arrow (noise on still parts of the image)."""
VECTOR_MIN_SPACING = 0.25
"""…nor does an arrow shorter than this share of the spacing, or than four line widths: it would read as a
dot, not an arrow. With the automatic scale that is 20 reference px/s (analysis.motion's MOVING_PX_S) at 720p
with a spacing of 32 px or more, 40 px/s with the default 16 px (slower motion shows on the heatmap)."""
OVERLAY_KINDS = frozenset({"heatmap", "vectors"})
SMOOTH_PX = 1.5
"""The overlays draw the flow smoothed by a Gaussian this wide (σ, in pixels of a REFERENCE_WIDTH image).
DIS without variational refinement (analysis.motion's choice for speed) gives a flow made of patches whose
edges would show as blocks and blotches in the heatmap; this rounds them off for 0.1 ms."""


def magnitude_image(flow: np.ndarray, max_px_s: float | None = None, dt_ms: float = 40) -> np.ndarray:
    """The flow's magnitude as uint8 H×W: 0 … 255 from its own minimum to maximum when ``max_px_s`` is None
    (the original project's view: every frame uses the whole colour map), else 0 … ``max_px_s`` reference
    pixels per second, saturating above (frames compare)."""
    dx, dy = flow[..., 0], flow[..., 1]
    magnitude = np.sqrt(dx * dx + dy * dy)
    if max_px_s is None:
        return cv2.normalize(magnitude, None, 0, 255, cv2.NORM_MINMAX, cv2.CV_8U)
    to_reference = (REFERENCE_WIDTH / flow.shape[1]) / _seconds(dt_ms)
    return cv2.convertScaleAbs(magnitude, alpha=255.0 * to_reference / max(max_px_s, 1e-6))


def magnitude_heatmap(
    flow: np.ndarray, max_px_s: float | None = None, dt_ms: float = 40, size: tuple[int, int] | None = None
) -> np.ndarray:
    """RGB uint8 H×W×3: the flow's magnitude (see :func:`magnitude_image`) through OpenCV's JET colour map,
    blue for still, red for fast; at ``size`` (width, height) when given, interpolated before colouring."""
    values = magnitude_image(flow, max_px_s, dt_ms)
    if size is not None and (values.shape[1], values.shape[0]) != tuple(size):
        values = cv2.resize(values, tuple(size), interpolation=cv2.INTER_LINEAR)
    return cv2.cvtColor(cv2.applyColorMap(values, cv2.COLORMAP_JET), cv2.COLOR_BGR2RGB)


def colour_scale(length: int = 256) -> np.ndarray:
    """RGB uint8 1×``length``×3: the heatmaps' colours from 0 (left) to the top of their scale (right), the
    picture of a colour bar (the same JET map and the same 0 … 255 levels as :func:`magnitude_heatmap`)."""
    levels = np.round(np.linspace(0, 255, max(2, int(length)))).astype(np.uint8)[None, :]
    return cv2.cvtColor(cv2.applyColorMap(levels, cv2.COLORMAP_JET), cv2.COLOR_BGR2RGB)


def blend(frame_rgb: np.ndarray, heatmap_rgb: np.ndarray, opacity: float) -> np.ndarray:
    """frame × (1 − opacity) + heatmap × opacity; the heatmap is resized to the frame first when needed."""
    opacity = min(max(float(opacity), 0.0), 1.0)
    height, width = frame_rgb.shape[:2]
    if heatmap_rgb.shape[:2] != (height, width):
        heatmap_rgb = cv2.resize(heatmap_rgb, (width, height), interpolation=cv2.INTER_LINEAR)
    return cv2.addWeighted(frame_rgb, 1.0 - opacity, heatmap_rgb, opacity, 0.0)


def vector_scale(width: int, spacing_px: int, dt_ms: float = 40) -> float:
    """The automatic arrow scale (frames of motion an arrow shows) on an image ``width`` wide: one spacing
    long at VECTOR_SPACING_PX_S (e.g. 1.25 frames at 1280 px with a 16 px spacing at 25 fps)."""
    return spacing_px * REFERENCE_WIDTH / (width * _seconds(dt_ms) * VECTOR_SPACING_PX_S)


def vector_grid(
    size: tuple[int, int],
    flow: np.ndarray,
    spacing_px: int,
    scale: float | None = None,
    min_px: float = VECTOR_MIN_PX,
    dt_ms: float = 40,
) -> tuple[np.ndarray, np.ndarray]:
    """The arrows to draw on an image of ``size`` (width, height): starts and ends, N×2 float32 in its pixels.

    Grid points lie every ``spacing_px`` pixels, the first half a spacing from the top left corner. Each
    takes the flow at the nearest flow pixel, converted to image pixels and multiplied by ``scale`` (frames
    of motion; None: :func:`vector_scale`). Points whose flow is under ``min_px`` flow pixels, or whose arrow
    would be shorter than VECTOR_MIN_SPACING of the spacing or four line widths, are left out."""
    width, height = size
    flow_h, flow_w = flow.shape[:2]
    spacing = max(1, int(spacing_px))
    if scale is None:
        scale = vector_scale(width, spacing, dt_ms)
    xs = np.arange(spacing / 2, width, spacing, dtype=np.float32)
    ys = np.arange(spacing / 2, height, spacing, dtype=np.float32)
    columns = np.minimum((xs * flow_w / width).astype(np.intp), flow_w - 1)
    rows = np.minimum((ys * flow_h / height).astype(np.intp), flow_h - 1)
    sampled = flow[rows[:, None], columns[None, :]].reshape(-1, 2)
    vectors = sampled * np.array([width / flow_w, height / flow_h], np.float32) * scale
    shortest = max(VECTOR_MIN_SPACING * spacing, 4.0 * line_thickness(width, spacing))
    keep = (np.hypot(sampled[:, 0], sampled[:, 1]) >= min_px) & (np.hypot(vectors[:, 0], vectors[:, 1]) >= shortest)
    grid_x, grid_y = np.meshgrid(xs, ys)
    starts = np.stack((grid_x.ravel(), grid_y.ravel()), axis=1)[keep]
    return starts.astype(np.float32), (starts + vectors[keep]).astype(np.float32)


def line_thickness(width: int, spacing_px: int) -> int:
    """Arrow line width in pixels of an image ``width`` wide: 1 below 960 px, 2 for 720p, 3 for 1080p (the
    view usually shows a 720p frame smaller than it is: thinner lines vanish into their black edge); but at
    most an eighth of the spacing, so close arrows stay apart (and the densest grid costs half as much)."""
    return max(1, min(round(width / 640), int(spacing_px) // 8))


_SHIFT = 3
"""Fractional bits of the arrow coordinates handed to OpenCV (1/8 pixel)."""
_EDGE = np.ones((3, 3), np.uint8)
"""Arrows get a black edge one pixel wide, so they show on the heatmap's own green and on bright frames."""


def _draw_arrows(
    image: np.ndarray, starts: np.ndarray, ends: np.ndarray, color: tuple[int, int, int], spacing_px: int
) -> None:
    """Draw the arrows in place, with a black edge; opaque in an RGBA image.

    The arrows are drawn once into a mask, which is widened by a pixel for the edge, and the image is
    painted through the two masks: 9 ms for 3,600 arrows at 720p, where drawing each arrow twice (a thick
    black one, then the colour) took 14 ms, most of it in OpenCV's thick lines; the most there can be at
    720p, 14,400 (a pan at spacing 8, one pixel wide), take ~25 ms. Thin lines on a half-size mask,
    enlarged, took a third less but made jagged arrows whose direction was hard to read. Lines are not
    anti-aliased (a mask is all or nothing); the view smooths them when it scales the frame."""
    thickness = line_thickness(image.shape[1], spacing_px)
    head_px = 2.0 + 2.0 * thickness
    lengths = np.hypot(*(ends - starts).T)
    tips = np.clip(head_px / np.maximum(lengths, 1e-3), 0.3, 0.4)
    mask = np.zeros(image.shape[:2], np.uint8)
    one = 1 << _SHIFT
    # plain Python numbers: unpacking numpy rows costs more than the drawing itself (28 ms for 14,400 arrows)
    fixed_starts = np.round(starts * one).astype(np.int64).tolist()
    fixed_ends = np.round(ends * one).astype(np.int64).tolist()
    for start, end, tip in zip(fixed_starts, fixed_ends, tips.tolist(), strict=True):
        cv2.arrowedLine(mask, start, end, 255, thickness, cv2.LINE_8, _SHIFT, tip)
    edge = cv2.dilate(mask, _EDGE)
    cv2.subtract(image, image, dst=image, mask=edge)
    cv2.add(image, (0, 0, 0, 255), dst=image, mask=edge)
    cv2.add(image, (*color[:3], 0), dst=image, mask=mask)


def draw_vectors(
    frame_rgb: np.ndarray,
    flow: np.ndarray,
    spacing_px: int,
    scale: float | None = None,
    color: tuple[int, int, int] = (0, 255, 0),
    min_px: float = VECTOR_MIN_PX,
    dt_ms: float = 40,
) -> np.ndarray:
    """A copy of the frame (RGB, or RGBA) with an arrow per moving grid point, every ``spacing_px`` pixels
    of the frame (see :func:`vector_grid`; by default an arrow is one spacing long at VECTOR_SPACING_PX_S),
    drawn in ``color`` with a black edge, lines 1–3 px wide by frame size and spacing."""
    out = np.array(frame_rgb, copy=True)
    starts, ends = vector_grid((out.shape[1], out.shape[0]), flow, spacing_px, scale, min_px, dt_ms)
    _draw_arrows(out, starts, ends, color, spacing_px)
    return out


def analysis_gray(image: np.ndarray, width: int = 320) -> np.ndarray:
    """Grey (from RGB or grey) at ``width`` pixels wide, aspect kept, area averaged; never enlarged."""
    gray = cv2.cvtColor(image, cv2.COLOR_RGB2GRAY) if image.ndim == 3 else image
    if width < gray.shape[1]:
        height = max(1, round(gray.shape[0] * width / gray.shape[1]))
        gray = cv2.resize(gray, (width, height), interpolation=cv2.INTER_AREA)
    return np.ascontiguousarray(gray)


def smoothed(flow: np.ndarray) -> np.ndarray:
    """The flow as the overlays draw it: blurred by SMOOTH_PX (scaled to the flow's width)."""
    sigma = SMOOTH_PX * flow.shape[1] / REFERENCE_WIDTH
    return cv2.GaussianBlur(flow, (0, 0), sigma)


def pair_flow(first: np.ndarray, second: np.ndarray, engine: FlowEngine, width: int = 320) -> np.ndarray:
    """The flow from ``first`` to ``second`` (RGB or grey, any size) on grey images ``width`` wide."""
    a, b = analysis_gray(first, width), analysis_gray(second, width)
    if b.shape != a.shape:
        b = cv2.resize(b, (a.shape[1], a.shape[0]), interpolation=cv2.INTER_AREA)
    return engine.flow(a, b)


def overlay_layer(
    size: tuple[int, int],
    flow: np.ndarray,
    kinds: Collection[str],
    opacity: float,
    spacing_px: int,
    max_px_s: float | None = HEATMAP_MAX_PX_S,
    dt_ms: float = 40,
    color: tuple[int, int, int] = (0, 255, 0),
) -> np.ndarray:
    """The overlay alone, to paint over a frame of ``size`` (width, height): RGBA uint8 with premultiplied
    alpha (what Qt's ``Format_RGBA8888_Premultiplied`` reads without conversion).

    The flow is drawn :func:`smoothed`. The heatmap is opaque to ``opacity`` everywhere, so painting it over
    a frame gives what :func:`blend` gives; arrows are opaque; the rest is transparent."""
    _check_kinds(kinds)
    width, height = size
    flow = smoothed(flow)
    if "heatmap" in kinds:
        heat = magnitude_heatmap(flow, max_px_s, dt_ms, (width, height))
        opacity = min(max(float(opacity), 0.0), 1.0)
        layer = cv2.convertScaleAbs(cv2.cvtColor(heat, cv2.COLOR_RGB2RGBA), alpha=opacity)
    else:
        layer = np.zeros((height, width, 4), np.uint8)
    if "vectors" in kinds:
        starts, ends = vector_grid((width, height), flow, spacing_px, dt_ms=dt_ms)
        _draw_arrows(layer, starts, ends, color, spacing_px)
    return layer


def compute_overlay(
    first: np.ndarray,
    second: np.ndarray,
    kind: Collection[str],
    opacity: float,
    spacing: int,
    engine: FlowEngine,
    width: int = 320,
    max_px_s: float | None = HEATMAP_MAX_PX_S,
    dt_ms: float = 40,
) -> np.ndarray:
    """A new RGB image: the frame ``first`` (RGB, or grey) at its own resolution with the overlays of the flow
    to ``second`` drawn on it. ``kind`` holds "heatmap" (on the fixed scale ``max_px_s``, or each frame's own
    range when None; blended at ``opacity``) and/or "vectors" (every ``spacing`` pixels of the frame).

    The flow is computed on grey images ``width`` wide and drawn :func:`smoothed`; ``second`` may come at
    another size of the same picture (it is brought to ``first``'s analysis size); ``dt_ms`` is the time
    between the two frames, in milliseconds."""
    _check_kinds(kind)
    flow = smoothed(pair_flow(first, second, engine, width))
    out = first if first.ndim == 3 else cv2.cvtColor(first, cv2.COLOR_GRAY2RGB)
    size = (out.shape[1], out.shape[0])
    if "heatmap" in kind:
        out = blend(out, magnitude_heatmap(flow, max_px_s, dt_ms, size), opacity)
    if "vectors" in kind:
        out = draw_vectors(out, flow, spacing, dt_ms=dt_ms)
    return out.copy() if out is first else out


def _seconds(dt_ms: float) -> float:
    """The time between the two frames in seconds (speeds are in px/s), at least a microsecond."""
    return max(dt_ms / 1000, 1e-6)


def _check_kinds(kinds: Collection[str]) -> None:
    unknown = set(kinds) - OVERLAY_KINDS
    if unknown:
        raise ValueError(f"unknown overlay kinds {sorted(unknown)}; the overlays are {sorted(OVERLAY_KINDS)}")
