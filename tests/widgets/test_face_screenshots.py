"""Screenshots of the face widgets together: emotion rows on the timeline, the emotions panel, boxes on video."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np

from analysis.fer_model import EMOTIONS
from tests.helpers.emotions import NEUTRAL, STEP
from widgets.panels.emotion_panel import EmotionPanel
from widgets.timeline.emotion_track import EmotionTrack
from widgets.timeline.timeline_view import TimelineView
from widgets.video.face_overlay import FaceBoxes
from widgets.video.video_view import VideoView


def test_screenshots_of_the_face_widgets(qtbot, tmp_path: Path) -> None:
    """Saves faces_panel.png, faces_timeline.png and faces_video.png (SALIENT_SCREENSHOTS=dir keeps them)."""
    folder = Path(os.environ.get("SALIENT_SCREENSHOTS", tmp_path))
    rng = np.random.default_rng(3)
    series = {}
    for pid in (1, 2):
        times = np.arange(1200) * STEP
        logits = np.stack([np.convolve(rng.normal(0, 3, 1200), np.ones(20) / 20, "same") for _ in EMOTIONS], 1)
        logits[:, NEUTRAL] += 1.0
        probabilities = np.exp(logits) / np.exp(logits).sum(axis=1, keepdims=True)
        keep = (times < 200) | (times >= 220)
        series[pid] = (times[keep], probabilities[keep])

    timeline = TimelineView()
    qtbot.addWidget(timeline)
    tracks = [EmotionTrack(1, "Alice"), EmotionTrack(2, "Person 2", mode="stacked")]
    for track in tracks:
        timeline.add_track(track)
        track.set_samples(*series[track.person_id], STEP)
    timeline.set_track_height(tracks[1].key, 80)
    timeline.resize(1000, 170)
    timeline.show()
    qtbot.waitExposed(timeline)
    timeline.set_duration(600_000)
    timeline.set_visible_range(150_000, 300_000)
    assert timeline.grab().save(str(folder / "faces_timeline.png"))

    def shares(probabilities: np.ndarray) -> dict[str, float]:
        counts = np.bincount(probabilities.argmax(axis=1), minlength=len(EMOTIONS)) / probabilities.shape[0]
        return dict(zip(EMOTIONS, counts.tolist(), strict=True))

    panel = EmotionPanel()
    qtbot.addWidget(panel)
    panel.resize(1000, 560)
    persons = [
        (t.person_id, t.title, series[t.person_id][0].size * STEP, shares(series[t.person_id][1])) for t in tracks
    ]
    panel.set_persons(persons)
    for pid, (times, probabilities) in series.items():
        panel.set_series(pid, times, probabilities)
    around = {track.title: shares(series[track.person_id][1][250:290]) for track in tracks}
    panel.set_segment_shares("Segment 3 · 02:10 ± 10 s", around)
    panel.show()
    qtbot.waitExposed(panel)
    assert panel.grab().save(str(folder / "faces_panel.png"))

    video = VideoView()
    qtbot.addWidget(video)
    video.resize(800, 500)
    frame = np.empty((720, 1280, 3), dtype=np.uint8)
    frame[:] = (60, 70, 80)
    frame[160:480, 320:560] = (200, 170, 150)
    video.set_frame(frame)
    boxes = FaceBoxes()
    boxes.install(video)
    boxes.set_frame_size(1280, 720)
    boxes.set_faces([((320, 160, 240, 320), "Alice", "happy 0.93"), ((900, 8, 200, 240), "Person 2", "sad 0.61")])
    video.show()
    qtbot.waitExposed(video)
    assert video.grab().save(str(folder / "faces_video.png"))
