"""Videos with known faces: skimage's astronaut (a smiling face) and faces of its LFW subset pasted on a textured
background at known times and places; and a tiny ONNX emotion classifier with labels of its own."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np
import skimage.data

from app.demo.synth import write_media

WIDTH, HEIGHT, FPS = 640, 360, 25


def astronaut_face(side: int = 200) -> np.ndarray:
    """The astronaut's head (RGB, the 256 px square above her shoulders) at ``side`` px: a face of about 75 px.

    Not the shoulders: at about this scale the Haar cascade also fires on her suit's collar."""
    return cv2.resize(skimage.data.astronaut()[0:256, 100:356], (side, side), interpolation=cv2.INTER_AREA)


def lfw_face(index: int = 0, side: int = 160) -> np.ndarray:
    """Face ``index`` of skimage's LFW subset (25×25 grey crops of real faces), enlarged to ``side`` px, RGB."""
    grey = (skimage.data.lfw_subset()[index] * 255).astype(np.uint8)
    big = cv2.resize(grey, (side, side), interpolation=cv2.INTER_CUBIC)
    return np.dstack([big] * 3)


def background(seed: int = 1) -> np.ndarray:
    """Blurred grey noise (RGB) of moderate contrast: texture everywhere, no face anywhere."""
    noise = np.random.default_rng(seed).integers(0, 256, (HEIGHT, WIDTH), dtype=np.uint8)
    grey = (cv2.GaussianBlur(noise, (5, 5), 0) // 2 + 64).astype(np.uint8)
    return np.dstack([grey] * 3)


@dataclass(frozen=True)
class Appearance:
    """A picture shown from ``start_s`` to ``end_s``, its top-left corner at ``at`` moving at ``speed`` px/s."""

    start_s: float
    end_s: float
    picture: np.ndarray
    at: tuple[float, float]
    speed: tuple[float, float] = (0.0, 0.0)

    def visible(self, t: float) -> bool:
        return self.start_s <= t < self.end_s


def frames(appearances: list[Appearance], duration_s: float) -> Iterator[np.ndarray]:
    base = background()
    for index in range(round(duration_s * FPS)):
        t = index / FPS
        frame = base.copy()
        for shown in appearances:
            if shown.visible(t):
                h, w = shown.picture.shape[:2]
                x = int(round(shown.at[0] + shown.speed[0] * (t - shown.start_s)))
                y = int(round(shown.at[1] + shown.speed[1] * (t - shown.start_s)))
                frame[y : y + h, x : x + w] = shown.picture
        yield frame


def write_video(
    path: Path, appearances: list[Appearance], duration_s: float, faststart: bool = False, rotation: int = 0
) -> Path:
    """The appearances on the background, WIDTH × HEIGHT as shown; ``rotation`` stores them turned (a phone's
    portrait video: see :func:`app.demo.synth.write_media`)."""
    return write_media(
        path,
        None,
        duration_ms=round(duration_s * 1000),
        video_size=(WIDTH, HEIGHT),
        fps=FPS,
        frames=frames(appearances, duration_s),
        faststart=faststart,
        rotation=rotation,
    )


ONE_FACE = [
    Appearance(2.0, 5.0, astronaut_face(), (60, 60), (30.0, 10.0)),
    Appearance(8.0, 10.0, astronaut_face(170), (380, 120), (-20.0, 0.0)),
]
"""The astronaut from 2 to 5 s (moving right and down) and again from 8 to 10 s elsewhere, a little smaller;
12 s in all."""
ONE_FACE_S = 12.0

TWO_FACES = [
    Appearance(0.5, 4.0, astronaut_face(), (40, 20), (20.0, 0.0)),
    Appearance(0.5, 4.0, lfw_face(0), (420, 150), (-20.0, 0.0)),
    Appearance(5.0, 7.0, lfw_face(0), (60, 120)),
    Appearance(8.0, 9.5, astronaut_face(), (400, 100)),
]
"""The astronaut and an LFW face side by side, then the LFW face alone where the astronaut was, then the
astronaut alone on the right; 10 s in all."""
TWO_FACES_S = 10.0


CUSTOM_LABELS = ("calm", "tense", "joy")
CUSTOM_PROBABILITIES = (0.2, 0.5, 0.3)
"""What :func:`constant_classifier` gives every face."""


def constant_classifier(path: Path, probabilities: tuple[float, float, float] = CUSTOM_PROBABILITIES) -> Path:
    """A tiny ONNX emotion classifier of three labels that gives every face ``probabilities``."""
    import onnx
    from onnx import TensorProto, helper

    graph = helper.make_graph(
        [
            helper.make_node("ReduceMean", ["x"], ["rows"], axes=[2], keepdims=0),
            helper.make_node("MatMul", ["rows", "zeros"], ["nothing"]),
            helper.make_node("Add", ["nothing", "constant"], ["y"]),
        ],
        "constant_emotions",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, ["n", 64, 64])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, ["n", 3])],
        [
            helper.make_tensor("zeros", TensorProto.FLOAT, [64, 3], [0.0] * 64 * 3),
            helper.make_tensor("constant", TensorProto.FLOAT, [3], list(probabilities)),
        ],
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    model.ir_version = 8
    onnx.save(model, path)
    return path


GROUP = [(astronaut_face(150), (30, 60)), (lfw_face(0, 120), (230, 40)), (lfw_face(3, 120), (250, 200))]
GROUP += [(lfw_face(7, 140), (460, 100))]
"""Four faces of different people and sizes on the background: (picture, top-left corner)."""


def group_picture() -> np.ndarray:
    """The GROUP faces pasted on the background: WIDTH × HEIGHT, RGB."""
    frame = background().copy()
    for picture, (x, y) in GROUP:
        h, w = picture.shape[:2]
        frame[y : y + h, x : x + w] = picture
    return frame
