"""Exports of media whose streams start at different times, and of a rotated phone video.

The offset file is laid out like the real recording of the report: picture from 0.852 s, sound from 8 ms
(container times). Media time 0 is the container's start (8 ms), so frame i is at 844 + 40 i ms of media
time, and an item on 0–400 ms ends before the first frame.
"""

from __future__ import annotations

from pathlib import Path

import av
import numpy as np
import pytest

from analysis import media
from app.export.clips import export_clips
from app.export.dataset import export_dataset
from app.export.items import collect_items
from app.export.report import export_report
from app.model.records import NewLabel
from app.project.store import Store
from tests.helpers.clips import read_index, write_clip
from tests.helpers.exports import png_image, read_csv

FRAMES = 50


def video_of(path: Path) -> tuple[list[np.ndarray], float, float]:
    """A clip's frames (RGB), its video track's length and its audio track's length, in seconds."""
    with av.open(str(path)) as container:
        video, audio = container.streams.video[0], container.streams.audio[0]
        frames = [frame.to_ndarray(format="rgb24") for frame in container.decode(video)]
        return frames, float(video.duration * video.time_base), float(audio.duration * audio.time_base)


def project_with_label(folder: Path, video: Path, start_ms: int, end_ms: int) -> Path:
    """A project holding ``video`` and one selection labelled on [start, end)."""
    path = folder / "project.salient"
    with Store.open(path) as store:
        record = store.add_media(media.probe(video), media.fingerprint(video))
        entry = store.add_vocabulary_entry("early", "#ff0000")
        store.add_label(record.id, NewLabel(start_ms, end_ms, entry, "selection"), "Ana")
    return path


@pytest.fixture(scope="module")
def offset_video(tmp_path_factory: pytest.TempPathFactory) -> Path:
    clip = write_clip(
        tmp_path_factory.mktemp("offset") / "offset.mp4", FRAMES, durations_ms=[40], start_ms=852, audio_start_ms=8
    )
    with av.open(str(clip.path)) as container:
        video, audio = container.streams.video[0], container.streams.audio[0]
        assert (float(video.start_time * video.time_base), float(audio.start_time * audio.time_base)) == (0.852, 0.008)
        assert container.start_time == 8000
    assert clip.times_ms[:2] == [844, 884]
    return clip.path


def test_clips_of_an_item_before_the_first_frame_hold_the_first_frame(offset_video: Path, tmp_path: Path) -> None:
    project = project_with_label(tmp_path, offset_video, 0, 400)
    with Store.open(project) as store:
        written = export_clips(store, tmp_path / "out", original_rate=True)
        (item,) = collect_items(store)
    out = tmp_path / "out"
    assert {p.name for p in written} >= {f"{item.name}.wav", f"{item.name}.mp4"}
    frames, video_s, audio_s = video_of(out / f"{item.name}.mp4")
    # the player shows frame 0 from media time 0 until its own time: the clip holds it for the 400 ms
    assert [read_index(frame) for frame in frames] == [0] * 10
    assert video_s == pytest.approx(0.4)
    assert audio_s == pytest.approx(0.4, abs=0.03)  # AAC frames are 1024 samples (21 ms)
    with av.open(str(out / f"{item.name}.wav")) as container:
        samples = sum(frame.samples for frame in container.decode(audio=0))
    assert samples == 400 * 48
    # key frames at t − 1 s, t, t + 1 s (t = 200 ms): frame 0, frame 0, frame 8 (at 1164 ms, the one shown at 1200)
    assert [read_index(png_image(out / f"{item.name}_{tag}.png")) for tag in ("t-1s", "t", "t+1s")] == [0, 0, 8]


def test_a_clip_across_the_first_frame_keeps_sound_and_picture_in_sync(offset_video: Path, tmp_path: Path) -> None:
    """600–1000 ms: frame 0 (at 844) is held from 600 ms, then frames 1–3 follow at their own times."""
    project = project_with_label(tmp_path, offset_video, 600, 1000)
    with Store.open(project) as store:
        export_clips(store, tmp_path / "out")
        (item,) = collect_items(store)
    with av.open(str(tmp_path / "out" / f"{item.name}.mp4")) as container:
        frames = container.decode(video=0)
        shown = [(round(frame.time * 1000), read_index(frame.to_ndarray(format="rgb24"))) for frame in frames]
    assert shown[0] == (0, 0)
    assert [entry for entry in shown if entry[1] > 0] == [(284, 1), (324, 2), (364, 3)]
    assert all(index == 0 for _, index in shown if _ < 284)


def test_dataset_of_an_item_before_the_first_frame(offset_video: Path, tmp_path: Path) -> None:
    project = project_with_label(tmp_path, offset_video, 0, 400)
    with Store.open(project) as store:
        result = export_dataset(store, tmp_path / "ds")
    _, rows = read_csv(result.path / "video" / "metadata.csv")
    frames, video_s, _ = video_of(result.path / "video" / rows[0]["file_name"])
    assert (len(frames), rows[0]["clip_start_s"], rows[0]["clip_end_s"]) == (10, "0.0", "0.4")
    assert video_s == pytest.approx(0.4)
    _, audio_rows = read_csv(result.path / "audio" / "metadata.csv")
    with av.open(str(result.path / "audio" / audio_rows[0]["file_name"])) as container:
        assert sum(frame.samples for frame in container.decode(audio=0)) == 400 * 16


def test_stream_copy_of_an_item_before_the_first_frame_has_its_sound_and_the_first_frame(
    offset_video: Path, tmp_path: Path
) -> None:
    project = project_with_label(tmp_path, offset_video, 0, 400)
    with Store.open(project) as store:
        export_clips(store, tmp_path / "out", stream_copy=True)
        (item,) = collect_items(store)
    with av.open(str(tmp_path / "out" / f"{item.name}.mp4")) as container:
        video, audio = container.streams.video[0], container.streams.audio[0]
        sound_s = float(audio.start_time * audio.time_base), float(audio.duration * audio.time_base)
        shown = [
            (round(frame.time * 1000), read_index(frame.to_ndarray(format="rgb24")))
            for frame in container.decode(video)
        ]
    # packets are copied whole: the sound from the start (AAC packets of 21 ms), the video as late as in the source
    assert sound_s[0] == 0 and sound_s[1] == pytest.approx(0.4, abs=0.022)
    assert shown == [(844, 0)]


def test_exports_of_a_rotated_video_are_upright(tmp_path: Path) -> None:
    """Clip and key frames of a phone's portrait video (shown 360×640, stored 640×360 with rotation −90)."""
    video = write_clip(tmp_path / "phone.mp4", FRAMES, rotation=-90, size=(360, 640), audio_from_zero=True).path
    project = project_with_label(tmp_path, video, 400, 800)
    with Store.open(project) as store:
        export_clips(store, tmp_path / "out")
        (item,) = collect_items(store)
        report = export_report(store, tmp_path / "report")
    assert "video 360×640, 25 fps (constant), h264, stored turned (rotation 270°, shown upright)" in report.read_text(
        encoding="utf-8"
    )
    out = tmp_path / "out"
    frames, _, _ = video_of(out / f"{item.name}.mp4")
    assert [frame.shape for frame in frames] == [(640, 360, 3)] * 10
    assert [read_index(frame) for frame in frames] == list(range(10, 20))
    pictures = [png_image(out / f"{item.name}_{tag}.png") for tag in ("t-1s", "t", "t+1s")]
    assert [(picture.shape, read_index(picture)) for picture in pictures] == [((640, 360, 3), i) for i in (0, 15, 40)]
