"""The flow overlays: JET heatmap colours, blending, arrows on a grid, and the whole overlay of a frame pair."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import cv2
import numpy as np
import pytest

from analysis.flow_render import (
    HEATMAP_MAX_PX_S,
    VECTOR_SPACING_PX_S,
    blend,
    colour_scale,
    compute_overlay,
    draw_vectors,
    line_thickness,
    magnitude_heatmap,
    overlay_layer,
    pair_flow,
    vector_grid,
)
from analysis.motion import FlowEngine, FlowMethod

ROOT = Path(__file__).resolve().parents[2]
JET_LOW = (0, 0, 128)
"""RGB of the bottom of OpenCV's JET map (dark blue) …"""
JET_HIGH = (128, 0, 0)
"""… and of its top (dark red)."""


def jet(value: int) -> tuple[int, int, int]:
    bgr = cv2.applyColorMap(np.array([[value]], np.uint8), cv2.COLORMAP_JET)[0, 0]
    return int(bgr[2]), int(bgr[1]), int(bgr[0])


def block_flow(dx: float = 0.0, dy: float = 0.0, size: tuple[int, int] = (80, 60)) -> np.ndarray:
    """A flow field that is zero except in a block (columns 30–49, rows 20–39 of an 80×60 field)."""
    width, height = size
    flow = np.zeros((height, width, 2), np.float32)
    rows, columns = slice(height // 3, 2 * height // 3), slice(3 * width // 8, 5 * width // 8)
    flow[rows, columns] = (dx, dy)
    return flow


# -- heatmap --------------------------------------------------------------------------------------


def test_heatmap_is_jet_blue_where_still_and_red_where_the_block_moves() -> None:
    heat = magnitude_heatmap(block_flow(dx=2.0))
    assert heat.shape == (60, 80, 3)
    assert heat.dtype == np.uint8
    outside = np.ones((60, 80), bool)
    outside[20:40, 30:50] = False
    assert (heat[outside] == JET_LOW).all()
    assert (heat[20:40, 30:50] == JET_HIGH).all()


def test_heatmap_on_a_fixed_scale_compares_across_analysis_widths() -> None:
    """Half the scale is the middle of the map, whatever the flow's width; above the scale saturates."""
    half_px_s = HEATMAP_MAX_PX_S / 2
    dt_ms = 40
    at_320 = half_px_s * (dt_ms / 1000)  # pixels per frame at 320 px
    heat_320 = magnitude_heatmap(block_flow(dx=at_320, size=(320, 240)), HEATMAP_MAX_PX_S, dt_ms)
    heat_640 = magnitude_heatmap(block_flow(dy=2 * at_320, size=(640, 480)), HEATMAP_MAX_PX_S, dt_ms)
    assert tuple(heat_320[120, 160]) == jet(128)
    assert tuple(heat_640[240, 320]) == jet(128)
    assert tuple(heat_320[0, 0]) == JET_LOW
    fast = magnitude_heatmap(block_flow(dx=10 * at_320, size=(320, 240)), HEATMAP_MAX_PX_S, dt_ms)
    assert tuple(fast[120, 160]) == JET_HIGH


def test_still_flow_is_all_blue_with_either_scale() -> None:
    still = np.zeros((30, 40, 2), np.float32)
    assert (magnitude_heatmap(still) == JET_LOW).all()
    assert (magnitude_heatmap(still, HEATMAP_MAX_PX_S) == JET_LOW).all()


def test_heatmap_at_a_larger_size_colours_after_interpolating() -> None:
    """Every colour of an enlarged heatmap is on the JET map (RGB interpolation would leave it: purple)."""
    heat = magnitude_heatmap(block_flow(dx=2.0), size=(320, 240))
    assert heat.shape == (240, 320, 3)
    jet_colours = {jet(v) for v in range(256)}
    assert {tuple(c) for c in heat.reshape(-1, 3).tolist()} <= jet_colours
    assert tuple(heat[120, 160]) == JET_HIGH
    assert tuple(heat[5, 5]) == JET_LOW


# -- blend ----------------------------------------------------------------------------------------


def test_the_colour_scale_runs_from_the_heatmaps_still_colour_to_their_top_colour() -> None:
    bar = colour_scale(256)
    assert bar.shape == (1, 256, 3) and bar.dtype == np.uint8
    assert tuple(bar[0, 0]) == JET_LOW and tuple(bar[0, -1]) == JET_HIGH
    # a flow of a quarter of the scale is coloured as the bar a quarter of the way along
    flow = np.zeros((8, 320, 2), np.float32)
    flow[..., 0] = 40.0 * 0.04  # 40 reference px/s over 40 ms, a quarter of 160
    heat = magnitude_heatmap(flow, 160.0, 40)
    assert tuple(heat[0, 0]) == tuple(colour_scale(256)[0, round(255 * 0.25)])
    assert colour_scale(5).shape == (1, 5, 3)


def test_blend_at_opacity_0_is_the_frame_and_at_1_the_heatmap() -> None:
    rng = np.random.default_rng(1)
    frame = rng.integers(0, 256, (60, 80, 3), dtype=np.uint8)
    heat = magnitude_heatmap(block_flow(dx=2.0))
    np.testing.assert_array_equal(blend(frame, heat, 0.0), frame)
    np.testing.assert_array_equal(blend(frame, heat, 1.0), heat)
    half = blend(frame, heat, 0.5).astype(int)
    assert np.abs(half - (frame.astype(int) + heat.astype(int)) / 2).max() <= 1


def test_blend_resizes_a_smaller_heatmap_to_the_frame() -> None:
    frame = np.full((240, 320, 3), 200, np.uint8)
    out = blend(frame, magnitude_heatmap(block_flow(dx=2.0)), 1.0)
    assert out.shape == (240, 320, 3)
    assert tuple(out[120, 160]) == JET_HIGH
    assert tuple(out[10, 10]) == JET_LOW


# -- vectors --------------------------------------------------------------------------------------

BLOCK_POINTS = [(x, y) for y in (88, 104, 120, 136, 152) for x in (120, 136, 152, 168, 184)]
"""Grid points (spacing 16 on 320×240) inside the block, which covers x 120–199, y 80–159 there."""


def green(image: np.ndarray, x: int, y: int) -> bool:
    r, g, b = (int(v) for v in image[y, x])
    return g >= 200 and r == 0 and b == 0


def test_vectors_are_drawn_only_at_grid_points_inside_the_moving_block() -> None:
    starts, ends = vector_grid((320, 240), block_flow(dx=2.0), 16, scale=1.0)
    assert sorted(map(tuple, starts.astype(int).tolist())) == sorted(BLOCK_POINTS)
    # 2 flow px at 80 px wide are 8 px at 320 px
    np.testing.assert_allclose(ends - starts, np.tile([8.0, 0.0], (25, 1)))
    starts, ends = vector_grid((320, 240), block_flow(dx=2.0), 16, scale=3.0)
    np.testing.assert_allclose(ends - starts, np.tile([24.0, 0.0], (25, 1)))


def test_arrows_point_the_way_the_block_moves() -> None:
    frame = np.zeros((240, 320, 3), np.uint8)
    right = draw_vectors(frame, block_flow(dx=2.0), 16, scale=1.0)
    assert (frame == 0).all(), "the frame given is not drawn on"
    for x, y in BLOCK_POINTS:
        assert all(green(right, x + i, y) for i in range(1, 8)), "the shaft runs from the point to the right"
        assert green(right, x + 6, y - 2) and green(right, x + 6, y + 2), "the head is at the right end"
        assert not right[y - 3 : y + 4, x - 4 : x - 1].any(), "nothing left of the point"
        assert not right[y - 3, x : x + 3].any() and not right[y + 3, x : x + 3].any(), "no head at the start"
    drawn = right.any(axis=2)
    covered = np.zeros_like(drawn)
    for x, y in BLOCK_POINTS:
        covered[y - 4 : y + 5, x - 1 : x + 10] = True
    assert not drawn[~covered].any(), "no arrow outside the block"

    down = draw_vectors(frame, block_flow(dy=2.0), 16, scale=1.0)
    for x, y in BLOCK_POINTS:
        assert all(green(down, x, y + i) for i in range(1, 8)), "the shaft runs down from the point"
        assert green(down, x - 2, y + 6) and green(down, x + 2, y + 6), "the head is at the bottom end"
        assert not down[y - 4 : y - 1, x - 3 : x + 4].any(), "nothing above the point"

    left = draw_vectors(frame, block_flow(dx=-2.0), 16, scale=1.0, color=(255, 0, 255))
    for x, y in BLOCK_POINTS:
        assert tuple(left[y, x - 4]) != (0, 0, 0) and left[y, x - 4, 1] == 0, "the shaft goes left, in magenta"
        assert not left[y - 3 : y + 4, x + 2 : x + 5].any(), "nothing right of the point"


def test_arrows_have_a_black_edge_that_shows_on_a_bright_frame() -> None:
    white = np.full((240, 320, 3), 255, np.uint8)
    drawn = draw_vectors(white, block_flow(dx=2.0), 16, scale=1.0)
    for x, y in BLOCK_POINTS:
        assert tuple(drawn[y, x + 3]) == (0, 255, 0)
        assert tuple(drawn[y - 1, x + 3]) == tuple(drawn[y + 1, x + 3]) == (0, 0, 0)
        assert tuple(drawn[y - 2, x + 1]) == (255, 255, 255)
    layer = overlay_layer((320, 240), block_flow(dx=2.0), {"vectors"}, 0.5, 16)
    assert tuple(layer[87, 123]) == (0, 0, 0, 255), "the edge is opaque in the layer"


def test_the_automatic_scale_draws_one_spacing_at_half_the_heatmap_scale() -> None:
    """VECTOR_SPACING_PX_S (80 reference px/s) is one spacing long at any frame size and analysis width."""
    dt_ms = 40
    at_320 = VECTOR_SPACING_PX_S * (dt_ms / 1000)  # 3.2 px per frame at 320 px
    for size, flow in (
        ((320, 240), block_flow(dx=at_320, size=(320, 240))),
        ((1280, 720), block_flow(dx=at_320 * 2, size=(640, 360))),
    ):
        for spacing in (16, 40):
            starts, ends = vector_grid(size, flow, spacing, dt_ms=dt_ms)
            assert len(starts) > 0
            np.testing.assert_allclose(ends - starts, np.tile([spacing, 0.0], (len(starts), 1)), rtol=1e-5)
    slow = block_flow(dx=0.1 * at_320, size=(320, 240))
    assert len(vector_grid((320, 240), slow, 16, dt_ms=dt_ms)[0]) == 0, "a tenth of a spacing is no arrow"


def test_vectors_follow_the_frame_resolution_not_the_flow_resolution() -> None:
    """The same flow drawn on a 1280×720 frame: grid every 16 frame pixels, arrows 4× as long as at 320."""
    flow = block_flow(dx=2.5, size=(320, 180))
    starts, ends = vector_grid((1280, 720), flow, 16, scale=1.0)
    assert {int(x) for x in starts[:, 0]} == set(range(488, 800, 16))
    assert {int(y) for y in starts[:, 1]} == set(range(248, 480, 16))
    np.testing.assert_allclose(ends - starts, np.tile([10.0, 0.0], (len(starts), 1)))


def test_lines_thicken_with_the_frame_but_stay_thin_on_a_close_grid() -> None:
    assert [line_thickness(width, 16) for width in (320, 960, 1280, 1920)] == [1, 2, 2, 2]
    assert [line_thickness(1920, spacing) for spacing in (8, 16, 24, 64)] == [1, 2, 3, 3]


def test_near_zero_flow_gets_no_arrow() -> None:
    flow = np.full((60, 80, 2), 0.1, np.float32)
    frame = np.zeros((240, 320, 3), np.uint8)
    assert not draw_vectors(frame, flow, 8).any()


# -- the layer and the whole overlay --------------------------------------------------------------


def composite(frame: np.ndarray, layer: np.ndarray) -> np.ndarray:
    """Premultiplied source-over, as Qt paints the layer over the frame."""
    alpha = layer[..., 3:4].astype(np.float64) / 255
    return np.round(layer[..., :3] + frame * (1 - alpha)).astype(np.uint8)


def textured_pair(shift: int = 4) -> tuple[np.ndarray, np.ndarray]:
    """Two 640×360 RGB frames of a still textured background; a textured square moves ``shift`` px right."""
    rng = np.random.default_rng(7)
    background = cv2.GaussianBlur(rng.integers(0, 255, (360, 640), dtype=np.uint8), (0, 0), 2)
    patch = cv2.GaussianBlur(rng.integers(0, 255, (120, 120), dtype=np.uint8), (0, 0), 2)
    frames = []
    for x in (200, 200 + shift):
        grey = background.copy()
        grey[120:240, x : x + 120] = patch
        frames.append(cv2.cvtColor(grey, cv2.COLOR_GRAY2RGB))
    return frames[0], frames[1]


def test_the_layer_painted_over_the_frame_is_the_blend() -> None:
    first, second = textured_pair()
    engine = FlowEngine(FlowMethod.DIS)
    flow = pair_flow(first, second, engine)
    layer = overlay_layer((640, 360), flow, {"heatmap"}, 0.5, 16)
    assert layer.shape == (360, 640, 4)
    assert (layer[..., 3] == 128).all()
    expected = compute_overlay(first, second, {"heatmap"}, 0.5, 16, engine)
    assert np.abs(composite(first, layer).astype(int) - expected.astype(int)).max() <= 1


def test_a_vectors_only_layer_is_transparent_but_for_the_arrows() -> None:
    layer = overlay_layer((320, 240), block_flow(dx=2.0), {"vectors"}, 0.5, 16)
    drawn = layer[..., 3] > 0
    assert drawn[88, 120:140].all()
    assert not drawn[:, :110].any() and not drawn[:70].any()
    assert (layer[drawn][:, [0, 2]] == 0).all(), "green arrows"
    assert (layer[..., 1] <= layer[..., 3]).all(), "premultiplied: no channel above alpha"


def test_compute_overlay_marks_the_moving_square_hot_and_the_still_background_cold() -> None:
    first, second = textured_pair(shift=4)
    dt_ms = 40
    # 4 px per frame at 640 px are 2 px at 320: 50 reference px/s, ~0.31 of the scale
    out = compute_overlay(first, second, {"heatmap"}, 1.0, 16, FlowEngine(), dt_ms=dt_ms)
    assert out.shape == first.shape
    inside = out[150:210, 230:290].reshape(-1, 3).astype(int)
    outside = out[20:80, 20:120].reshape(-1, 3).astype(int)
    assert (np.abs(np.median(inside, axis=0) - jet(round(255 * 50 / HEATMAP_MAX_PX_S))) <= 12).all()
    assert (np.abs(outside - JET_LOW) <= 10).all()

    vectors = compute_overlay(first, second, {"vectors"}, 1.0, 16, FlowEngine())
    changed = (vectors != first).any(axis=2)
    ys, xs = np.nonzero(changed)
    assert changed.any()
    # DIS patches every 6 px at 320 px wide (12 px here) blur the edge of the field by about a patch
    assert xs.min() >= 190 and ys.min() >= 100 and ys.max() <= 250, "arrows only on the square"
    both = compute_overlay(first[..., 0], second, {"heatmap", "vectors"}, 0.5, 16, FlowEngine(FlowMethod.FARNEBACK))
    assert both.shape == (360, 640, 3)
    with pytest.raises(ValueError, match="unknown overlay kinds"):
        compute_overlay(first, second, {"arrows"}, 0.5, 16, FlowEngine())


def test_flow_render_does_not_import_qt() -> None:
    code = "import sys, analysis.flow_render; print(any(m.startswith(('PySide6', 'pyqtgraph')) for m in sys.modules))"
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "False"
