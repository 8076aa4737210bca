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
