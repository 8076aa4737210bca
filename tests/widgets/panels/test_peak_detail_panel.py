"""The flow figure of one moment: empty and busy states, the nine images and their labels, saving as PNG."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from PySide6.QtGui import QImage
from PySide6.QtWidgets import QFileDialog

from analysis.flow_render import colour_scale
from analysis.motion import FlowMethod, MotionOptions, analyze_motion, ms_of, pair_stats
from analysis.peak_detail import FlowInterval, FramePair, PeakDetail, peak_detail
from app.demo.synth import MotionScript, write_media
from widgets.panels.peak_detail_panel import BUSY_TEXT, EMPTY_TEXT, IMAGE_KINDS, PeakDetailPanel

FRAME_H, FRAME_W = 180, 320


def solid(value: tuple[int, int, int]) -> np.ndarray:
    return np.full((FRAME_H, FRAME_W, 3), value, dtype=np.uint8)


def interval(start_ms: int, end_ms: int, shade: int, dx: float, cut_ms: int | None = None) -> FlowInterval:
    """An interval whose images are flat colours (easy to recognise) and whose flow is a uniform shift."""
    flow = np.zeros((FRAME_H, FRAME_W, 2), dtype=np.float32)
    flow[..., 0] = dx
    return FlowInterval(
        start_ms,
        end_ms,
        flow,
        pair_stats(flow, (end_ms - start_ms) / 1000, FRAME_W),
        abs(dx),
        solid((shade, 0, 0)),
        solid((0, shade, 0)),
        solid((0, 0, shade)),
        cut_ms,
    )


def made_up_detail(
    moment_ms: int = 84_400, after_end_ms: int | None = None, cut_ms: int | None = None, pair_dx: float = 6.0
) -> PeakDetail:
    """A detail with flat-colour images; a cut at ``cut_ms`` lies in the interval and the pair holding it."""
    times = (moment_ms - 1000, moment_ms, after_end_ms if after_end_ms is not None else moment_ms + 1000)
    frames = (solid((10, 10, 10)), solid((20, 20, 20)), solid((30, 30, 30)))
    pair_flow = np.zeros((FRAME_H, FRAME_W, 2), dtype=np.float32)
    pair_flow[..., 0] = pair_dx
    pair_cut = cut_ms if cut_ms is not None and moment_ms < cut_ms <= moment_ms + 40 else None
    pair = FramePair(moment_ms, moment_ms + 40, pair_stats(pair_flow, 0.04, FRAME_W), pair_cut)

    def cut(start: int, end: int) -> int | None:
        return cut_ms if cut_ms is not None and start < cut_ms <= end else None

    return PeakDetail(
        "clip.mp4",
        moment_ms,
        1000,
        FlowMethod.FARNEBACK,
        FRAME_W,
        times,
        frames,
        interval(times[0], times[1], 200, 4.0, cut(times[0], times[1])),
        interval(times[1], times[2], 100, 6.5, cut(times[1], times[2])),
        10.0,
        pair,
    )


@pytest.fixture
def panel(qtbot) -> PeakDetailPanel:
    widget = PeakDetailPanel()
    qtbot.addWidget(widget)
    widget.resize(900, 700)
    widget.show()
    qtbot.waitExposed(widget)
    return widget


def test_it_starts_empty_and_shows_busy_while_computing(panel: PeakDetailPanel) -> None:
    assert panel.message() == EMPTY_TEXT == "Select a flagged segment"
    assert not panel.save_button.isEnabled()
    panel.set_busy()
    assert panel.message() == BUSY_TEXT == "Computing…"
    panel.set_detail(made_up_detail(), "Peak")
    assert panel.message() is None and panel.figure.isVisible()
    panel.set_busy("Reading frames…")
    assert panel.message() == "Reading frames…" and panel.detail() is None
    assert not panel.save_button.isEnabled() and not panel.figure.isVisible()
    panel.set_detail(None, "")
    assert panel.message() == EMPTY_TEXT


def test_every_image_goes_to_its_cell_under_its_label(panel: PeakDetailPanel) -> None:
    detail = made_up_detail()
    panel.set_detail(detail, "Motion peak at 01:24.400 — z = +3.10")
    assert panel.title_label.text() == "Motion peak at 01:24.400 — z = +3.10"
    assert panel.magnitude_label.text() == (
        "At t, Farneback flow between consecutive frames (01:24.400 → 01:24.440), as the Motion track "
        "measures it: 150.00 px/s\n"
        "Net motion over the second: t − 1 s → t 4.00 px/s, t → t + 1 s 6.50 px/s"
    )
    assert panel.interval_labels["after"].text() == (
        "t → t + 1 s   ·   net motion 6.50 px/s, mean flow 6.50 px in 1.00 s"
    )
    assert panel.interval_labels["before"].text().startswith("t − 1 s → t")
    assert panel.interval_labels["after"].text().startswith("t → t + 1 s")
    assert "mean flow 6.50 px in 1.00 s" in panel.interval_labels["after"].text()
    captions = [panel.cells[name].caption.text() for name in ("frame_before", "frame_at", "frame_after")]
    assert captions == ["t − 1 s · 01:23.400", "t · 01:24.400", "t + 1 s · 01:25.400"]
    expected = {"frame_before": (10, 10, 10), "frame_at": (20, 20, 20), "frame_after": (30, 30, 30)}
    for side, shade in (("before", 200), ("after", 100)):
        expected |= {f"heatmap_{side}": (shade, 0, 0), f"overlay_{side}": (0, shade, 0)}
        expected[f"vectors_{side}"] = (0, 0, shade)
    assert set(panel.cells) == set(expected) and len(IMAGE_KINDS) == 3
    for name, rgb in expected.items():
        image = panel.cells[name].view.image()
        assert (image.width(), image.height()) == (FRAME_W, FRAME_H)
        colour = image.pixelColor(5, 5)
        assert (colour.red(), colour.green(), colour.blue()) == rgb, name
    assert "red = 10.0 px/s" in panel.scale_label.text()
    assert "Farneback flow on grey frames 320 px wide" in panel.scale_label.text()
    assert "a cut" not in panel.magnitude_label.text() + panel.interval_labels["before"].text()


def test_a_cut_between_the_frames_is_said_with_the_interval_and_the_speed_at_t(panel: PeakDetailPanel) -> None:
    panel.set_detail(made_up_detail(cut_ms=84_420), "Cut")
    note = "a cut lies between these frames (at 01:24.420): this flow is not motion"
    assert panel.magnitude_label.text().splitlines()[0].endswith(f"150.00 px/s — {note}")
    assert panel.interval_labels["after"].text().endswith(f"in 1.00 s — {note}")
    assert "a cut" not in panel.interval_labels["before"].text()
    panel.set_detail(made_up_detail(cut_ms=84_000), "Cut before")
    assert (
        panel.interval_labels["before"]
        .text()
        .endswith("— a cut lies between these frames (at 01:24.000): this flow is not motion")
    )
    assert "a cut" not in panel.magnitude_label.text() + panel.interval_labels["after"].text()


def test_the_heatmaps_have_a_colour_scale_from_0_to_their_maximum(panel: PeakDetailPanel) -> None:
    panel.set_detail(made_up_detail(), "Peak")
    bar = panel.colour_bar
    assert bar.isVisible() and panel.figure.isAncestorOf(bar), "it is part of the figure (and of the saved PNG)"
    assert (bar.minimum_label.text(), bar.maximum_label.text()) == ("0", "10.0 px/s")
    image = bar.view.image()
    colours = colour_scale(256)[0]
    for x, level in ((0, 0), (image.width() - 1, 255), (128, 128)):
        colour = image.pixelColor(x, 5)
        assert (colour.red(), colour.green(), colour.blue()) == tuple(colours[level])
    assert bar.view.image_rect() == bar.view.rect() and bar.view.width() > 100
    # the bar lies under the heatmaps
    heatmap = panel.cells["heatmap_after"]
    assert (
        bar.mapTo(panel.figure, bar.rect().topLeft()).y() > heatmap.mapTo(panel.figure, heatmap.rect().bottomLeft()).y()
    )


def test_a_shortened_interval_says_so(panel: PeakDetailPanel) -> None:
    panel.set_detail(made_up_detail(moment_ms=7900, after_end_ms=7960), "End")
    assert "shortened" in panel.interval_labels["after"].text()
    assert "shortened" not in panel.interval_labels["before"].text()


def test_images_fill_their_cells_keeping_their_aspect(qtbot, panel: PeakDetailPanel) -> None:
    panel.set_detail(made_up_detail(), "Peak")
    for size in ((900, 700), (1400, 600), (520, 900)):
        panel.resize(*size)
        qtbot.waitUntil(lambda size=size: panel.size().width() == size[0])
        for cell in panel.cells.values():
            view = cell.view
            rect = view.image_rect()
            assert view.rect().contains(rect)
            assert rect.width() / rect.height() == pytest.approx(FRAME_W / FRAME_H, rel=0.03)
            assert rect.width() == view.width() or rect.height() == view.height(), "as large as the cell allows"


def test_save_png_writes_the_figure_as_shown(tmp_path: Path, panel: PeakDetailPanel) -> None:
    target = tmp_path / "figure.png"
    assert not panel.save_png(target)
    panel.set_detail(made_up_detail(), "Peak")
    assert panel.save_png(target)
    image = QImage(str(target))
    ratio = panel.figure.devicePixelRatioF()
    assert (image.width(), image.height()) == (
        round(panel.figure.width() * ratio),
        round(panel.figure.height() * ratio),
    )


def test_the_save_button_asks_for_a_file_and_adds_the_suffix(
    tmp_path: Path, panel: PeakDetailPanel, monkeypatch
) -> None:
    asked: list[str] = []

    def answer(parent, caption, directory, filter_):
        asked.append(directory)
        return str(tmp_path / "chosen"), filter_

    monkeypatch.setattr(QFileDialog, "getSaveFileName", staticmethod(answer))
    panel.set_detail(made_up_detail(), "Peak")
    panel.save_button.click()
    assert asked == ["flow_84.400s.png"]
    assert not QImage(str(tmp_path / "chosen.png")).isNull()


def test_a_real_detail_shows_its_frames_and_magnitudes(tmp_path: Path, panel: PeakDetailPanel) -> None:
    def frames():
        rng = np.random.default_rng(2)
        patch = rng.integers(60, 250, (40, 40, 1), dtype=np.uint8).repeat(3, axis=2)
        for index in range(75):
            frame = np.full((240, 320, 3), 30, dtype=np.uint8)
            x = 60 + min(max(index - 25, 0), 25) * 8 // 25
            frame[100:140, x : x + 40] = patch
            yield frame

    path = write_media(tmp_path / "square.mp4", None, duration_ms=3000, video_size=(320, 240), frames=frames())
    detail = peak_detail(path, 1500)
    panel.set_detail(detail, "Real")
    assert panel.cells["frame_at"].view.image().width() == 320
    text = panel.magnitude_label.text()
    assert f"→ t {detail.before.magnitude:.2f} px/s" in text and f"+ 1 s {detail.after.magnitude:.2f} px/s" in text


def test_the_speed_at_t_is_the_motion_tracks_value_on_the_motion_test_video(
    tmp_path: Path, panel: PeakDetailPanel
) -> None:
    script = MotionScript(duration_s=5.0, cut_s=None, zoom=None)  # the square moves at 150 px/s from 2 to 4 s
    path = script.write(tmp_path / "motion.mp4")
    result = analyze_motion(path, MotionOptions())
    index = int(np.argmax(result.series.magnitude))
    moment = ms_of(float(result.series.times[index]))
    panel.set_detail(peak_detail(path, moment, method=FlowMethod.DIS, width=320), "Motion peak")
    headline = panel.magnitude_label.text().splitlines()[0]
    assert headline.startswith("At t, DIS flow between consecutive frames")
    assert headline.endswith(f"as the Motion track measures it: {float(result.series.magnitude[index]):.2f} px/s")
