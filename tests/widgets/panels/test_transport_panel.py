"""The transport row under the video."""

from __future__ import annotations

from widgets.panels.transport_panel import TransportPanel


def test_a_long_sound_state_never_widens_the_row(qtbot) -> None:
    """The muted reason is elided, not laid out in full: the window keeps fitting a laptop's screen."""
    panel = TransportPanel()
    qtbot.addWidget(panel)
    panel.set_sound("sound")
    narrow = panel.minimumSizeHint().width()
    reason = "muted: no audio output device (PortAudio found none; the picture follows the wall clock)"
    panel.set_sound(reason)
    assert panel.minimumSizeHint().width() == narrow
    assert panel._sound.toolTip() == reason and panel._sound.text().startswith("Muted: no audio output device")


def test_clear_forgets_the_media_closed(qtbot) -> None:
    panel = TransportPanel()
    qtbot.addWidget(panel)
    panel.set_duration(17_216)
    panel.set_position(3_250, 81)
    panel.set_sound("muted: the file has no audio track")
    panel.set_playing(True)
    assert panel.time_text() == "00:00:03.250 / 00:00:17.216"
    panel.clear()
    assert (panel.time_text(), panel.frame_text(), panel.sound_text()) == ("00:00:00.000", "frame —", "")
    assert panel._buttons["play"].text() == "▶"
    panel.set_position(0)
    assert panel.time_text() == "00:00:00.000 / 00:00:00.000"
