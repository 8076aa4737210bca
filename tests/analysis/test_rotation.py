"""A rotated video (a display matrix, as phones store portrait video) is seen upright everywhere.

The clip is 360×640 as shown, stored as 640×360 turned a quarter the other way with FFmpeg's rotation −90
(turn 90° clockwise to show), as a phone held upright writes it. Frame i shows i in binary blocks (bit 0 top
left, :func:`tests.helpers.clips.pattern`), so a frame seen sideways reads as no index at all, or another one.
"""

from __future__ import annotations

from pathlib import Path

import av
import numpy as np
import pytest

from analysis import media
from analysis.clips import copy_clip, encode_clip
from analysis.faces.analyze import analyze_faces
from analysis.frames import FrameSource
from analysis.peak_detail import peak_detail
from analysis.video_pass import DecodedFrame, run_pass
from tests.helpers.clips import pattern, read_index, write_clip
from tests.helpers.faces import HEIGHT, WIDTH, Appearance, astronaut_face, write_video

SHOWN = (360, 640)
FRAMES = 50


@pytest.fixture(scope="module")
def rotated(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("rotated")
    clip = write_clip(folder / "phone.mp4", FRAMES, rotation=-90, size=SHOWN, audio_from_zero=True)
    with av.open(str(clip.path)) as container:
        stream = container.streams.video[0]
        assert (stream.codec_context.width, stream.codec_context.height) == (640, 360)  # as stored
        first = next(container.decode(stream))
        assert first.rotation == -90
        stored = first.to_ndarray(format="rgb24")
    assert np.array_equal(np.rot90(stored, -1) > 128, pattern(0, *SHOWN) > 128)  # stored turned, shown upright
    return clip.path


def upright_index(image: np.ndarray) -> int:
    """The index an upright frame shows, after checking it is upright: 640 tall, 360 wide, bit 0 at the top left."""
    assert image.shape[:2] == (640, 360)
    return read_index(image)


class Collect:
    """A consumer of the decode pass that keeps each frame's sizes, grey image and colour at 180 px wide."""

    def __init__(self) -> None:
        self.seen: list[tuple[int, int, np.ndarray, np.ndarray]] = []

    def wants(self, time_s: float) -> bool:
        return True

    def consume(self, frame: DecodedFrame) -> None:
        self.seen.append((frame.width, frame.height, frame.luma().copy(), frame.bgr(180)))

    def finish(self) -> list[tuple[int, int, np.ndarray, np.ndarray]]:
        return self.seen


def test_the_probe_reports_the_size_as_shown_and_the_rotation(rotated: Path) -> None:
    video = media.probe(rotated).video
    assert (video.width, video.height, video.rotation) == (360, 640, 270)


def test_the_player_and_the_key_frames_get_upright_frames(rotated: Path) -> None:
    with FrameSource(rotated) as source:
        assert (source.width, source.height, source.source_width, source.source_height) == (360, 640, 360, 640)
        for index in (0, 1, 5, 37, FRAMES - 1):
            frame = source.frame_at_index(index)
            assert upright_index(frame.image) == index
            assert np.abs(frame.image.astype(int) - pattern(index, *SHOWN)).mean() < 2
        assert upright_index(source.frame_at_time(1000).image) == 25
    with FrameSource(rotated, max_width=180) as small:
        assert (small.width, small.height) == (180, 320)
        assert small.frame_at_index(3).image.shape == (320, 180, 3) and read_index(small.frame_at_index(3).image) == 3


def test_the_analyses_see_upright_frames(rotated: Path) -> None:
    info = run_pass(rotated, [Collect()])
    assert (info.width, info.height, info.frames) == (360, 640, FRAMES)
    for index, (width, height, luma, bgr) in enumerate(info.results[0]):
        assert (width, height, luma.shape, bgr.shape) == (360, 640, (640, 360), (320, 180, 3))
        assert read_index(np.dstack([luma] * 3)) == read_index(bgr) == index


def test_flow_pictures_are_upright(rotated: Path) -> None:
    detail = peak_detail(rotated, 1000)
    assert [read_index(image) for image in detail.frames] == [0, 25, 50 - 1]
    assert all(image.shape == (640, 360, 3) for image in (*detail.frames, detail.before.overlay))


def test_re_encoded_clips_are_upright_without_a_display_matrix(rotated: Path, tmp_path: Path) -> None:
    count = encode_clip(rotated, tmp_path / "clip.mp4", 400, 800)
    with av.open(str(tmp_path / "clip.mp4")) as container:
        stream = container.streams.video[0]
        frames = [frame for frame in container.decode(stream)]
    assert count == len(frames) == 10
    assert all(frame.rotation == 0 for frame in frames)
    assert [upright_index(frame.to_ndarray(format="rgb24")) for frame in frames] == list(range(10, 20))


def test_stream_copied_clips_keep_the_display_matrix(rotated: Path, tmp_path: Path) -> None:
    copy_clip(rotated, tmp_path / "copy.mp4", 0, 800)
    with av.open(str(tmp_path / "copy.mp4")) as container:
        first = next(container.decode(video=0))
    assert first.rotation == -90 and media.probe(tmp_path / "copy.mp4").video.rotation == 270
    assert read_index(media.upright(first.to_ndarray(format="rgb24"), 270)) == 0


def test_faces_are_found_upright_in_a_rotated_video(tmp_path: Path) -> None:
    """The astronaut in a video stored turned: found in the same samples and places as in the upright copy
    (the Haar cascade finds no face lying on its side); the boxes differ by the encoder's few pixels."""
    shown = [Appearance(0.5, 2.5, astronaut_face(), (60, 60), (30.0, 10.0))]
    upright = analyze_faces(write_video(tmp_path / "upright.mp4", shown, 3.0))
    turned = analyze_faces(write_video(tmp_path / "turned.mp4", shown, 3.0, rotation=-90))
    assert turned.info is not None and (turned.info.width, turned.info.height) == (WIDTH, HEIGHT)
    boxes = [[face.box for face in sample.faces] for sample in upright.samples]
    assert sum(map(len, boxes)) >= 3
    turned_boxes = [[face.box for face in sample.faces] for sample in turned.samples]
    assert [len(found) for found in turned_boxes] == [len(found) for found in boxes]
    for found, expected in zip(turned_boxes, boxes, strict=True):
        for box, reference in zip(found, expected, strict=True):
            assert np.abs(np.subtract(box, reference)).max() <= 4, (box, reference)
