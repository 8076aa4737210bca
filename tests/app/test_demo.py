"""The demo video: what it contains, and the progress its generation reports."""

from __future__ import annotations

from pathlib import Path

import av

from app.demo.video import DEMO_FPS, make_demo


class Recorder:
    def __init__(self) -> None:
        self.reports: list[tuple[float, str]] = []

    def update(self, fraction: float, message: str = "") -> None:
        self.reports.append((fraction, message))


def test_making_the_demo_reports_progress_through_the_encoding(tmp_path: Path) -> None:
    """The progress used to jump from 10 % to done: now it moves with every second of video encoded."""
    progress = Recorder()
    path, scene = make_demo(tmp_path, progress)
    seconds = int(scene.duration_ms * DEMO_FPS / 1000) // DEMO_FPS + 1  # reports at frames 0, 25, 50 …
    fractions = [fraction for fraction, _ in progress.reports]
    assert progress.reports[0] == (0.0, "synthesising the speech")
    assert [message for _, message in progress.reports[1:]] == [f"encoding the video: {s} s" for s in range(seconds)]
    assert fractions == sorted(fractions) and len(set(fractions)) == len(fractions)
    assert fractions[1] == 0.1 and 0.95 < fractions[-1] < 1.0
    with av.open(str(path)) as container:
        stream = container.streams.video[0]
        assert (stream.width, stream.height, stream.average_rate) == (640, 360, DEMO_FPS)
