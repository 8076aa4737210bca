"""``analyze --faces`` as a user runs it: a still image, a video (alone and with motion in one pass)."""

from __future__ import annotations

import json
from pathlib import Path

import cv2
import numpy as np
import pytest
import skimage.data

from analysis.faces.stats import emotion_series
from app.pipelines.faces import RUN_FACES, load_faces
from app.project.store import Store
from tests.helpers.cli import run
from tests.helpers.faces import ONE_FACE, ONE_FACE_S, constant_classifier, write_video


@pytest.fixture(scope="module")
def folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("faces_cli")


@pytest.fixture(scope="module")
def face_video(folder: Path) -> Path:
    return write_video(folder / "face.mp4", ONE_FACE, ONE_FACE_S)


def test_a_still_image(folder: Path) -> None:
    path = folder / "astronaut.jpg"
    cv2.imwrite(str(path), cv2.cvtColor(skimage.data.astronaut(), cv2.COLOR_RGB2BGR))
    done = run("analyze", str(path), "--faces", "--json", "--quiet")
    assert done.returncode == 0, done.stderr
    data = json.loads(done.stdout)
    assert data["media"]["image"] is True
    (sample,) = data["faces"]
    assert sample["t_s"] == 0.0
    (face,) = sample["faces"]
    assert set(face) >= {"box", "score", "emotions", "dominant", "person"}
    assert face["dominant"] == "happy" and face["emotions"]["happy"] >= 0.9
    assert len(face["box"]) == 4 and face["person"] == "Person 1"
    (person,) = data["persons"]
    assert set(person) == {"id", "name", "seconds_visible", "emotion_share"}
    assert person["emotion_share"]["happy"] == 1.0


@pytest.mark.parametrize("with_motion", [False, True])
def test_a_video_alone_and_in_the_pass_shared_with_motion(face_video: Path, tmp_path: Path, with_motion: bool) -> None:
    project = tmp_path / "f.salient"
    args = ["analyze", str(face_video), "--faces", "--json", "--quiet", "--project", str(project)]
    done = run(*args, *(["--motion"] if with_motion else []))
    assert done.returncode == 0, done.stderr
    data = json.loads(done.stdout)
    assert ("motion" in data) == with_motion
    step = 0.5
    for sample in data["faces"]:
        shown = any(a.start_s <= sample["t_s"] < a.end_s for a in ONE_FACE)
        edge = any(abs(sample["t_s"] - edge) <= step for a in ONE_FACE for edge in (a.start_s, a.end_s))
        if not edge:
            assert bool(sample["faces"]) == shown, sample
    assert [p["name"] for p in data["persons"]] == ["Person 1"]
    with Store.open(project, read_only=True) as store:
        (faces_run,) = store.runs(kind=RUN_FACES)
        assert faces_run.status == "done"
        assert [p[1] for p in store.persons(faces_run.id)] == ["Person 1"]
        assert store.artifacts(faces_run.id)["samples"].is_file()
        stored = load_faces(store, store.all_media()[0].id)
    assert [s.t_ms / 1000 for s in stored.samples] == [sample["t_s"] for sample in data["faces"]]
    assert sum(len(s.faces) for s in stored.samples) == sum(len(sample["faces"]) for sample in data["faces"])
    assert {f.person_id for s in stored.samples for f in s.faces} == {1}
    series = emotion_series(stored.samples, 1, stored.labels)
    assert series.times_ms.tolist() == [s.t_ms for s in stored.samples if s.faces]
    assert len(series.times_ms) == len([sample for sample in data["faces"] if sample["faces"]])
    assert series.probabilities.shape == (len(series.times_ms), 7)
    assert np.allclose(series.probabilities.sum(axis=1), 1, atol=1e-3)


def test_faces_of_an_audio_file_are_refused(talk_audio_only: Path, tmp_path: Path) -> None:
    done = run("analyze", str(talk_audio_only), "--faces", "--project", str(tmp_path / "a.salient"))
    assert done.returncode == 3
    assert "has no video track; face analysis needs pictures" in done.stderr


def test_your_own_onnx_emotion_model(folder: Path) -> None:
    from analysis.fer_model import EMOTIONS, ensure_emotion_model

    path = folder / "astronaut.png"
    cv2.imwrite(str(path), cv2.cvtColor(skimage.data.astronaut(), cv2.COLOR_RGB2BGR))
    model = ensure_emotion_model()  # the converted FER model, given as if it were the user's own
    labels = ",".join(EMOTIONS)
    done = run("analyze", str(path), "--faces", "--emotion-model", str(model), "--emotion-labels", labels, "--json")
    assert done.returncode == 0, done.stderr
    (face,) = json.loads(done.stdout)["faces"][0]["faces"]
    assert face["dominant"] == "happy" and face["emotions"]["happy"] >= 0.9
    missing = run("analyze", str(path), "--faces", "--emotion-model", str(model))
    assert missing.returncode == 7 and "--emotion-labels" in missing.stderr
    unknown = run("analyze", str(path), "--faces", "--emotion-model", "magic")
    assert unknown.returncode == 7 and "unknown emotion model 'magic'" in unknown.stderr


def test_the_detector_choice_and_the_landmarks_in_the_json(folder: Path) -> None:
    path = folder / "astronaut.jpg"
    cv2.imwrite(str(path), cv2.cvtColor(skimage.data.astronaut(), cv2.COLOR_RGB2BGR))
    faces = {}
    for detector in ("", "yunet", "haar"):
        done = run("analyze", str(path), "--faces", "--json", *(["--detector", detector] if detector else []))
        assert done.returncode == 0, done.stderr
        (faces[detector],) = json.loads(done.stdout)["faces"][0]["faces"]
    assert faces[""] == faces["yunet"]  # yunet is the default
    landmarks = faces["yunet"]["landmarks"]
    assert len(landmarks) == 5 and all(
        len(point) == 2 and all(isinstance(v, int) for v in point) for point in landmarks
    )
    x, y, w, h = faces["yunet"]["box"]
    assert all(x <= px <= x + w and y <= py <= y + h for px, py in landmarks)
    assert faces["yunet"]["dominant"] == "happy"
    assert faces["haar"]["landmarks"] == [] and faces["haar"]["box"] != faces["yunet"]["box"]
    wrong = run("analyze", str(path), "--faces", "--detector", "dlib")
    assert wrong.returncode == 2
    assert "invalid choice: 'dlib'" in wrong.stderr and all(n in wrong.stderr for n in ("yunet", "haar", "mtcnn"))


def test_a_video_without_a_face_warns(folder: Path, tmp_path: Path) -> None:
    video = write_video(folder / "nobody.mp4", [], 3.0)
    done = run("analyze", str(video), "--faces", "--json", "--quiet", "--project", str(tmp_path / "n.salient"))
    assert done.returncode == 0, done.stderr
    data = json.loads(done.stdout)
    assert len(data["faces"]) == 6 and not any(sample["faces"] for sample in data["faces"])
    warning = (
        "faces: the yunet detector found no face in any of the 6 frames sampled; if people are visible, "
        "try another detector or a larger analysis width"
    )
    assert any(text.endswith(warning) for text in data["warnings"]), data["warnings"]
    assert f"salient: warning: {video}: {warning}" in done.stderr


def test_an_unsure_face_is_marked_uncertain_in_the_json_and_the_text(folder: Path) -> None:
    path = folder / "astronaut_unsure.png"
    cv2.imwrite(str(path), cv2.cvtColor(skimage.data.astronaut(), cv2.COLOR_RGB2BGR))
    model = constant_classifier(folder / "unsure.onnx", (0.38, 0.32, 0.30))
    options = ("--faces", "--emotion-model", str(model), "--emotion-labels", "angry,sad,neutral")
    done = run("analyze", str(path), *options, "--json")
    assert done.returncode == 0, done.stderr
    (face,) = json.loads(done.stdout)["faces"][0]["faces"]
    # the existing keys stay as they were: the dominant emotion is still named, only flagged as not counting
    assert face["dominant"] == "angry" and face["emotions"] == {"angry": 0.38, "sad": 0.32, "neutral": 0.3}
    assert face["uncertain"] is True
    text = run("analyze", str(path), *options)
    assert text.returncode == 0, text.stderr
    assert text.stdout.splitlines()[1].endswith(": uncertain (angry 38 %)")
    sure = run("analyze", str(path), "--faces", "--json")
    (face,) = json.loads(sure.stdout)["faces"][0]["faces"]
    assert face["dominant"] == "happy" and face["uncertain"] is False
