"""The jobs panel: times while a job runs, and how long a finished job took."""

from __future__ import annotations

from widgets.panels.jobs_panel import JobsPanel, format_duration, format_took


def test_a_running_clock_reads_minutes_and_seconds() -> None:
    assert [format_duration(s) for s in (None, 0.2, 59.4, 61, 3725)] == ["—", "0:00", "0:59", "1:01", "1:02:05"]


def test_a_finished_job_under_a_minute_says_its_tenths() -> None:
    """A job of 0.4 s used to read "took 0:00", as if it had not run."""
    assert [format_took(s) for s in (0.04, 0.42, 2.46, 59.9, 59.96, 61, 3725)] == [
        "0.0 s",
        "0.4 s",
        "2.5 s",
        "59.9 s",
        "1:00",
        "1:01",
        "1:02:05",
    ]


def test_finish_job_shows_took_and_the_outcome(qtbot) -> None:
    panel = JobsPanel()
    qtbot.addWidget(panel)
    panel.add_job(7, "Pauses: talk.mp4")
    panel.update_job(7, 0.5, "half way", 1.2, 1.2)
    assert panel.row(7).times.text() == "elapsed 0:01 · left 0:01"
    panel.finish_job(7, "done", "", "", 2.34)
    row = panel.row(7)
    assert (row.times.text(), row.message.text(), row.bar.value()) == ("took 2.3 s", "done", 1000)
    assert row.button.isHidden()
