"""Audio rows: waveform and peak lines, envelope with band and markers, and the live peak controls."""

from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtCore import QPoint, QPointF, Qt
from scipy.signal import resample_poly

from analysis import audio
from analysis.audio import Peak
from analysis.waveform import build_pyramid
from widgets.timeline.span_track import SpanTrack
from widgets.timeline.timeline_view import TimelineView
from widgets.timeline.waveform_view import (
    FEATURE_LABELS,
    EnvelopeTrack,
    PeakControlsPanel,
    PeakParams,
    WaveformTrack,
)

RATE = 16_000


@pytest.fixture
def audio_timeline(qtbot) -> tuple[TimelineView, WaveformTrack, EnvelopeTrack]:
    view = TimelineView()
    qtbot.addWidget(view)
    waveform, envelope = WaveformTrack(), EnvelopeTrack()
    view.add_track(waveform)
    view.add_track(envelope)
    view.resize(1000, 360)
    view.show()
    qtbot.waitExposed(view)
    view.set_duration(300_000)
    return view, waveform, envelope


def pixel_at(view: TimelineView, key: str, x_s: float, y: float) -> QPoint:
    return view.graphics_view.mapFromScene(view.plot(key).vb.mapViewToScene(QPointF(x_s, y)))


def peaks_at(times_ms: list[int], z: float = 2.5) -> list[Peak]:
    return [Peak(t - 250, t + 250, t, z + i / 100, 0.3 + i / 1000) for i, t in enumerate(times_ms)]


def test_the_waveform_keeps_to_two_points_per_pixel_and_shows_every_spike(audio_timeline) -> None:
    view, waveform, _ = audio_timeline
    samples = np.zeros(300 * RATE, dtype=np.float32)
    samples[[RATE * 17, RATE * 250 + 3]] = [0.8, -0.6]
    waveform.set_audio(build_pyramid(samples, RATE), samples)
    width = round(view.plot("waveform").vb.width())
    cases = [((0, 300_000), (-0.6, 0.8)), ((16_000, 18_000), (0, 0.8)), ((249_990, 250_010), (-0.6, 0))]
    cases += [((100_000, 290_000), (-0.6, 0)), ((18_000, 249_000), (0, 0))]
    for (start, end), extremes in cases:
        view.set_visible_range(start, end)
        x, y = waveform.curve.getData()
        assert 0 < x.shape[0] <= 4 * width + 4
        step = x[2] - x[0]
        assert x[0] <= start / 1000 + step and x[-1] >= end / 1000 - step
        assert (y.min(), y.max()) == pytest.approx(extremes)
    waveform.clear()
    assert waveform.curve.getData()[0] is None or waveform.curve.getData()[0].size == 0


def test_waveform_peak_lines_are_replaced_by_each_new_list(audio_timeline) -> None:
    _, waveform, _ = audio_timeline
    waveform.set_peaks([1_000, 2_500, 90_000])
    assert waveform.peak_count == 3
    waveform.set_peaks([4_000])
    assert waveform.peak_count == 1
    x, y = waveform.peak_lines.getData()
    np.testing.assert_allclose(x, [4.0, 4.0])
    np.testing.assert_allclose(y, [-1.0, 1.0])
    waveform.set_peaks([])
    assert waveform.peak_count == 0


def test_envelope_markers_are_exactly_the_peaks_given(audio_timeline) -> None:
    _, _, envelope = audio_timeline
    values = np.abs(np.sin(np.arange(300) / 7)).astype(np.float32)
    envelope.set_envelope(1000, values, "RMS")
    first = peaks_at([10_000, 20_000, 30_000, 40_000])
    envelope.set_peaks(first)
    x, y = envelope.markers.getData()
    assert x.shape[0] == 4
    np.testing.assert_allclose(x, [10, 20, 30, 40])
    np.testing.assert_allclose(y, [p.value for p in first])
    second = peaks_at([15_500, 250_000], z=-3.0)
    envelope.set_peaks(second)
    x, y = envelope.markers.getData()
    np.testing.assert_allclose(x, [15.5, 250])
    np.testing.assert_allclose(y, [p.value for p in second])
    envelope.set_peaks([])
    assert envelope.markers.getData()[0].shape[0] == 0


def test_the_envelope_is_a_step_curve_with_windows_of_the_given_length(audio_timeline) -> None:
    view, _, envelope = audio_timeline
    values = np.arange(1200, dtype=np.float32) / 1200
    envelope.set_envelope(250, values, "RMS")
    view.set_visible_range(1_000, 2_000)
    x, y = envelope.curve.getData()
    np.testing.assert_allclose(x, [1.0, 1.25, 1.25, 1.5, 1.5, 1.75, 1.75, 2.0])
    np.testing.assert_allclose(y, np.repeat(values[4:8], 2))
    view.fit_all()
    x, _ = envelope.curve.getData()
    assert x.shape[0] <= 2 * round(view.plot("envelope").vb.width()) + 2


def test_the_band_sits_where_set_band_puts_it_and_y_fits_data_and_first_band(audio_timeline) -> None:
    view, _, envelope = audio_timeline
    values = np.linspace(0.1, 0.5, 300, dtype=np.float32)
    envelope.set_envelope(1000, values, "RMS")
    low, high = view.plot("envelope").vb.viewRange()[1]
    assert low < 0.1 and 0.5 < high < 0.6
    envelope.set_band(0.3, -0.2, 0.8)
    assert envelope.band.getRegion() == pytest.approx((-0.2, 0.8))
    assert envelope.mean_line.value() == pytest.approx(0.3)
    assert envelope.band.isVisible() and envelope.mean_line.isVisible()
    low, high = view.plot("envelope").vb.viewRange()[1]
    assert low < -0.2 and high > 0.8
    envelope.set_band(0.3, -1.5, 2.1)  # a k move: the band changes, the axis does not jump
    assert envelope.band.getRegion() == pytest.approx((-1.5, 2.1))
    assert view.plot("envelope").vb.viewRange()[1] == pytest.approx([low, high])


def test_hovering_a_marker_shows_its_time_and_z(qtbot, audio_timeline) -> None:
    view, _, envelope = audio_timeline
    envelope.set_envelope(1000, np.full(300, 0.1, dtype=np.float32), "RMS")
    envelope.set_band(0.1, 0.05, 0.15)
    peak = Peak(133_000, 134_000, 133_480, 2.63, 0.12)
    envelope.set_peaks([peak, Peak(200_000, 201_000, 200_400, -3.1, 0.06)])
    assert envelope.marker_tooltip(0) == "02:13.480 (133.480 s) — z = +2.63"
    assert envelope.marker_tooltip(1) == "03:20.400 (200.400 s) — z = -3.10"
    view.set_visible_range(120_000, 150_000)
    viewport = view.graphics_view.viewport()
    qtbot.mouseMove(viewport, pixel_at(view, "envelope", 133.48, 0.12))
    box = view.plot("envelope").vb
    qtbot.waitUntil(lambda: box.toolTip() != "")
    assert box.toolTip() == "02:13.480 (133.480 s) — z = +2.63"


def test_a_thousand_peaks_replace_cheaply_in_one_scatter(audio_timeline) -> None:
    view, _, envelope = audio_timeline
    values = np.random.default_rng(1).random(3_000).astype(np.float32)
    envelope.set_envelope(100, values, "RMS")
    many = peaks_at(list(range(100, 300_000, 300)))
    envelope.set_peaks(many)
    assert envelope.markers.getData()[0].shape[0] == 1000
    items = [item for item in view.plot("envelope").items if item is envelope.markers]
    assert len(items) == 1


def test_moving_the_slider_by_keyboard_steps_k_by_a_tenth(qtbot) -> None:
    panel = PeakControlsPanel()
    qtbot.addWidget(panel)
    panel.show()
    qtbot.waitExposed(panel)
    assert panel.params() == PeakParams(2.0, "both", "rms", 1000, False)
    panel.slider.setFocus()
    seen: list[PeakParams] = []
    panel.params_changed.connect(seen.append)
    for key in (Qt.Key.Key_Right, Qt.Key.Key_Right, Qt.Key.Key_Left, Qt.Key.Key_PageUp):
        qtbot.keyClick(panel.slider, key)
    assert [params.k for params in seen] == [2.1, 2.2, 2.1, 2.6]
    assert all(params == PeakParams(params.k) for params in seen)
    panel.slider.setValue(50)
    assert seen[-1].k == 5.0
    qtbot.keyClick(panel.slider, Qt.Key.Key_Right)
    assert seen[-1].k == 5.0 and len(seen) == 5


def test_every_control_emits_and_set_params_does_not(qtbot) -> None:
    panel = PeakControlsPanel()
    qtbot.addWidget(panel)
    with qtbot.waitSignal(panel.params_changed) as blocker:
        panel.tails_combo.setCurrentIndex(1)
    assert blocker.args[0] == PeakParams(2.0, "high", "rms", 1000, False)
    with qtbot.waitSignal(panel.params_changed) as blocker:
        panel.feature_combo.setCurrentIndex(panel.feature_combo.findText("RMS (dBFS)"))
    assert blocker.args[0].feature == "rms_db"
    with qtbot.waitSignal(panel.params_changed) as blocker:
        panel.window_combo.setCurrentIndex(panel.window_combo.findData(250))
    assert blocker.args[0].window_ms == 250
    with qtbot.waitSignal(panel.params_changed) as blocker:
        panel.robust_check.setChecked(True)
    assert blocker.args[0] == PeakParams(2.0, "high", "rms_db", 250, True)
    target = PeakParams(3.7, "low", "peak", 50, False)
    with qtbot.assertNotEmitted(panel.params_changed):
        panel.set_params(target)
    assert panel.params() == target
    assert [panel.feature_combo.itemText(i) for i in range(3)] == ["RMS", "RMS (dBFS)", "Peak |x|"]
    with pytest.raises(ValueError):
        panel.set_params(PeakParams(window_ms=300))


def test_tab_visits_the_controls_in_order(qtbot) -> None:
    panel = PeakControlsPanel()
    qtbot.addWidget(panel)
    order = [panel.slider, panel.tails_combo, panel.feature_combo, panel.window_combo, panel.robust_check]
    assert all(widget.focusPolicy() & Qt.FocusPolicy.TabFocus for widget in order)
    visited = [panel.slider]
    while len(visited) < len(order):
        widget = visited[-1].nextInFocusChain()
        while not widget.focusPolicy() & Qt.FocusPolicy.TabFocus:
            widget = widget.nextInFocusChain()
        visited.append(widget)
    assert visited == order


def red_columns(image, x0: int, x1: int, y0: int, y1: int) -> set[int]:
    """Image columns in [x0, x1) holding a red pixel (a peak line, translucent over the background)."""
    found = set()
    for x in range(x0, x1):
        for y in range(y0, y1):
            pixel = image.pixelColor(x, y)
            if pixel.red() > 150 and pixel.green() < 110 and pixel.blue() < 110:
                found.add(x)
                break
    return found


def test_a_talk_shows_its_bursts_as_peak_lines(qtbot, talk_scene) -> None:
    """Speech with two bursts and three pauses, drawn with its band, peaks and pauses: a red peak line at each
    burst, none elsewhere."""
    samples = resample_poly(talk_scene.samples(), 1, talk_scene.sample_rate // RATE).astype(np.float32)
    envelope = audio.compute_envelope(samples, RATE, 250)
    result = audio.find_peaks(envelope, samples, 2.0)
    view = TimelineView()
    qtbot.addWidget(view)
    waveform, envelope_track = WaveformTrack(), EnvelopeTrack()
    pauses = SpanTrack("pauses", "Pauses", "#81c784")
    for track in (waveform, envelope_track, pauses):
        view.add_track(track)
    view.resize(1400, view.sizeHint().height())
    view.show()
    qtbot.waitExposed(view)
    view.set_duration(samples.shape[0] * 1000 // RATE)
    waveform.set_audio(build_pyramid(samples, RATE), samples)
    waveform.set_peaks([peak.peak_ms for peak in result.peaks])
    envelope_track.set_envelope(250, envelope.rms, FEATURE_LABELS["rms"])
    envelope_track.set_band(result.stats.mean, result.stats.low, result.stats.high)
    envelope_track.set_peaks(result.peaks)
    pauses.set_spans([(e.start_ms, e.end_ms) for e in talk_scene.of_kind("silence")])
    view.set_playhead(talk_scene.duration_ms // 2)
    qtbot.wait(50)

    bursts = [event.peak_ms for event in talk_scene.of_kind("burst")]
    assert [abs(peak.peak_ms - burst) <= 5 for peak, burst in zip(result.peaks, bursts, strict=True)] == [True, True]
    image = view.grab().toImage()
    viewport = view.graphics_view.viewport()
    plot = view.plot("waveform").vb.sceneBoundingRect()
    top = viewport.mapTo(view, view.graphics_view.mapFromScene(plot.topLeft())).y()
    for burst_ms in bursts:
        x = viewport.mapTo(view, pixel_at(view, "waveform", burst_ms / 1000, 0.0)).x()
        assert red_columns(image, x - 2, x + 3, top + 2, top + 30), burst_ms
    assert not red_columns(image, 200, 300, top + 2, top + 30)


def test_the_window_combo_goes_down_to_50_ms_as_the_readme_says(qtbot) -> None:
    """Issue 12 item 33 said the combo stopped at 250 ms; it offers 50 and 100 ms (README: "down to 50 ms")."""
    panel = PeakControlsPanel()
    qtbot.addWidget(panel)
    combo = panel._window
    shown = [(combo.itemText(i), combo.itemData(i)) for i in range(combo.count())]
    assert shown == [("50 ms", 50), ("100 ms", 100), ("250 ms", 250), ("500 ms", 500), ("1 s", 1000), ("2 s", 2000)]
