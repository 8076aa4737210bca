"""Faces over a whole video or in a still image: where they are, what emotion they show, and who they are.

A few frames per second are sampled from the shared decode pass (:mod:`analysis.video_pass`). In each sample a
detector finds face boxes (:mod:`~analysis.faces.detect`) and an emotion backend gives every face a probability
per label (:mod:`~analysis.faces.emotion`); afterwards the faces are linked into tracks
(:mod:`~analysis.faces.tracking`) and the tracks grouped into persons (:mod:`~analysis.faces.identity`).

Detection and classification run in worker threads beside the decoder (OpenCV and onnxruntime release the
GIL), like the motion analysis's flow. Qt-free.
"""

from __future__ import annotations

import logging
import math
import os
import queue
import threading
from collections.abc import Sequence
from dataclasses import dataclass, replace

import av
import cv2
import numpy as np

from analysis.errors import MediaError
from analysis.faces.align import classify_aligned
from analysis.faces.detect import FaceDetector, make_detector
from analysis.faces.emotion import EmotionBackend, make_backend
from analysis.faces.identity import persons_of_tracks, portrait, thumbnail, unit
from analysis.faces.records import Face, FaceOptions, FaceSample, FacesResult
from analysis.faces.stats import persons
from analysis.faces.tracking import lasting_tracks, link_tracks
from analysis.progress import Progress
from analysis.video_pass import DecodedFrame, PassInfo, run_pass

log = logging.getLogger(__name__)

_TIME_TOLERANCE_S = 1e-3
"""A frame this close before a sampling instant counts as on time (frame times are rounded rationals)."""


@dataclass(frozen=True, slots=True, eq=False)
class _Found:
    """A face in one sample before tracking: its box in original pixels, and its thumbnail for tracking."""

    box: tuple[int, int, int, int]
    score: float
    probabilities: np.ndarray
    thumb: np.ndarray
    portrait: np.ndarray | None = None
    """the face in colour, PORTRAIT_SIZE² (BGR): what the persons dialog shows of the person"""
    landmarks: tuple[tuple[int, int], ...] = ()
    """the detector's five points in original pixels (YuNet), or none"""


def _analyse(
    image: np.ndarray,
    detector: FaceDetector,
    backend: EmotionBackend,
    scale: tuple[float, float],
    align: bool = True,
) -> list[_Found]:
    """Detect and classify the faces of one BGR image at the analysis width; boxes scaled to original pixels.

    With ``align`` and a detector that gives landmarks (YuNet), each face is turned eyes-level before the
    emotion model sees it (:func:`~analysis.faces.align.classify_aligned`)."""
    gray = cv2.cvtColor(image, cv2.COLOR_BGR2GRAY)
    with_landmarks = getattr(detector, "detect_with_landmarks", None)
    if with_landmarks is not None:
        boxes, scores, points = with_landmarks(image if detector.needs_color else gray)
    else:
        boxes, scores = detector.detect(image if detector.needs_color else gray)
        points = np.zeros((len(boxes), 0, 2))
    if len(boxes) == 0:
        return []
    order = np.lexsort((boxes[:, 1], boxes[:, 0]))  # left to right, so runs compare face by face
    boxes, scores, points = boxes[order], scores[order], points[order]
    source = image if backend.needs_color else gray
    if align:
        probabilities = classify_aligned(backend, source, boxes, points)
    else:
        probabilities = backend.classify(source, boxes)
    sx, sy = scale
    found = []
    for box, score, row, marks in zip(boxes, scores, probabilities, points, strict=True):
        x, y, w, h = box.tolist()
        original = (round(x * sx), round(y * sy), round(w * sx), round(h * sy))
        landmarks = tuple((round(px * sx), round(py * sy)) for px, py in marks.tolist())
        found.append(
            _Found(
                original,
                float(score),
                np.asarray(row, np.float64),
                thumbnail(gray, box),
                portrait(image, box),
                landmarks,
            )
        )
    return found


def _build_result(
    found: Sequence[tuple[int, list[_Found]]],
    options: FaceOptions,
    labels: Sequence[str],
    skipped: int,
    info: PassInfo | None,
) -> FacesResult:
    """Tracks, persons and the typed samples from the faces found at each sample time (ms)."""
    track_ids = link_tracks([[(face.box, face.thumb) for face in faces] for _, faces in found])
    renumber = lasting_tracks(track_ids)
    kept = [
        (t_ms, [(face, renumber[track]) for face, track in zip(faces, ids, strict=True) if track in renumber])
        for (t_ms, faces), ids in zip(found, track_ids, strict=True)
    ]
    person_of = persons_of_tracks([[(track, face.thumb) for face, track in faces] for _, faces in kept])
    sums: dict[int, np.ndarray] = {}
    largest: dict[int, _Found] = {}
    for _, faces in kept:
        for face, track in faces:
            sums[track] = sums.get(track, 0) + face.thumb
            best = largest.get(track)
            if best is None or face.box[2] * face.box[3] > best.box[2] * best.box[3]:
                largest[track] = face
    labels = tuple(labels)
    samples = []
    for t_ms, faces in kept:
        typed = []
        for face, track in faces:
            probabilities = {label: float(p) for label, p in zip(labels, face.probabilities, strict=True)}
            dominant = labels[int(np.argmax(face.probabilities))]
            typed.append(Face(face.box, face.score, probabilities, dominant, track, person_of[track], face.landmarks))
        samples.append(FaceSample(t_ms, tuple(typed)))
    return FacesResult(
        tuple(samples),
        tuple(persons(samples, options.fps, labels)),
        skipped,
        info,
        options,
        labels,
        {track: unit(total) for track, total in sums.items()},
        {track: face.portrait for track, face in largest.items() if face.portrait is not None},
        sum(len(faces) for _, faces in found) - sum(len(faces) for _, faces in kept),
    )


# -- the pass ------------------------------------------------------------------------------------------


def default_workers() -> int:
    """Threads that detect and classify: one per core, at most four (YuNet and Haar take 30–90 ms per 640 px
    frame, so one thread keeps up with about 8× real time at 2 samples per second)."""
    return max(1, min(4, os.cpu_count() or 1))


class FaceConsumer:
    """Takes one frame every 1/fps seconds from a decode pass and finds and classifies its faces.

    Detection and classification run in ``workers`` threads (see :func:`default_workers`), so the decoder
    keeps decoding meanwhile; samples are put back in time order at the end. The detector and the backend must
    be safe to call from several threads (all of this module's are). A frame that cannot be converted or
    analysed is skipped with a warning and counted. Use it alone through :func:`analyze_faces`, or beside
    motion in one pass::

        with FaceConsumer(options) as faces:
            motion = analyze_motion(path, extra_consumers=(faces,))
        faces.result  # also motion.info.results[2]

    After a pass that failed or was cancelled, :meth:`close` (or leaving the ``with`` block) stops the workers.
    """

    def __init__(
        self,
        options: FaceOptions | None = None,
        detector: FaceDetector | None = None,
        backend: EmotionBackend | None = None,
        workers: int | None = None,
    ) -> None:
        self.options = options or FaceOptions()
        self.detector = detector or make_detector(self.options.detector)
        self.backend = backend or make_backend(self.options.emotion_model, self.options.emotion_labels)
        self.workers = workers or default_workers()
        self.result: FacesResult | None = None
        self._next_sample = 0
        self._found: list[tuple[int, list[_Found]]] = []
        self._unreadable = 0
        """frames the pass's thread could not convert"""
        self._unusable = 0
        """frames the workers could not analyse"""
        self._lock = threading.Lock()
        self._items: queue.Queue[tuple[int, np.ndarray, tuple[float, float]] | None] = queue.Queue(
            maxsize=2 * self.workers
        )
        self._threads: list[threading.Thread] = []
        self._error: BaseException | None = None
        self._discard = False

    def __enter__(self) -> FaceConsumer:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close(discard=True)

    @property
    def skipped(self) -> int:
        """Frames that could not be read or used (counted, not analysed)."""
        return self._unreadable + self._unusable

    def _work(self) -> None:
        while True:
            item = self._items.get()
            if item is None:
                return
            if self._error is not None or self._discard:
                continue
            t_ms, image, scale = item
            try:
                found = _analyse(image, self.detector, self.backend, scale, self.options.align)
            except (cv2.error, ValueError) as exc:
                with self._lock:
                    self._unusable += 1
                log.warning("faces: the frame at %.2f s could not be analysed and was skipped (%s)", t_ms / 1000, exc)
                continue
            except BaseException as exc:  # handed to the pass's thread in finish()
                self._error = exc
                continue
            with self._lock:
                self._found.append((t_ms, found))

    def close(self, discard: bool = False) -> None:
        """Stop the workers: after the queued frames are analysed, or at once with ``discard``."""
        self._discard = self._discard or discard
        running = [thread for thread in self._threads if thread.is_alive()]
        for _ in running:
            self._items.put(None)
        for thread in running:
            thread.join()
        self._threads = []

    def wants(self, time_s: float) -> bool:
        """Whether the frame at ``time_s`` is the next one to sample (``fps`` samples a second)."""
        return time_s >= self._next_sample / self.options.fps - _TIME_TOLERANCE_S

    def consume(self, frame: DecodedFrame) -> None:
        """Queue a sampled frame for detection and classification in the worker threads."""
        t_s = frame.time_s
        t_ms = math.floor(t_s * 1000 + 0.5)
        self._next_sample = math.floor((t_s + _TIME_TOLERANCE_S) * self.options.fps) + 1
        try:
            image = frame.bgr(self.options.width)
            if image.ndim != 3 or image.shape[2] != 3 or min(image.shape[:2]) < 2:
                raise ValueError(f"a {image.shape} image is not a usable picture")
            scale = (frame.width / image.shape[1], frame.height / image.shape[0])
        except (av.error.FFmpegError, ValueError, TypeError, cv2.error) as exc:
            self._unreadable += 1
            log.warning("faces: the frame at %.2f s could not be read and was skipped (%s)", t_s, exc)
            return
        if not self._threads:
            self._threads = [
                threading.Thread(target=self._work, name=f"salient-faces-{k}", daemon=True) for k in range(self.workers)
            ]
            for thread in self._threads:
                thread.start()
        self._items.put((t_ms, image, scale))

    def finish(self) -> FacesResult:
        """Wait for the queued frames and return the faces, tracks and persons found; re-raises a worker's error."""
        self.close()
        if self._error is not None:
            raise self._error
        found = sorted(self._found, key=lambda item: item[0])
        self.result = _build_result(found, self.options, self.backend.labels, self.skipped, None)
        return self.result


def analyze_faces(
    path: str | os.PathLike[str],
    options: FaceOptions | None = None,
    progress: Progress | None = None,
    *,
    detector: FaceDetector | None = None,
    backend: EmotionBackend | None = None,
) -> FacesResult:
    """Faces, emotions, tracks and persons of a video in a decode pass of its own."""
    consumer = FaceConsumer(options, detector, backend)
    # as in the motion analysis: FFmpeg's threads use the cores, OpenCV's own threads would only contend
    threads = cv2.getNumThreads()
    cv2.setNumThreads(1)
    try:
        info = run_pass(path, (consumer,), progress)
    finally:
        consumer.close(discard=True)
        cv2.setNumThreads(threads)
    return replace(info.results[0], info=info)


def read_image(path: str | os.PathLike[str]) -> np.ndarray:
    """A still image as BGR (JPEG, PNG and whatever else OpenCV reads; EXIF orientation applied)."""
    try:
        data = np.fromfile(str(path), np.uint8)  # not cv2.imread: it fails on non-ASCII paths on Windows
    except OSError as exc:
        raise MediaError(f"{path}: cannot be read ({exc})") from exc
    image = cv2.imdecode(data, cv2.IMREAD_COLOR) if data.size else None
    if image is None:
        raise MediaError(f"{path}: is not an image OpenCV can read (corrupt, empty or an unknown format)")
    return image


def analyze_image(
    path: str | os.PathLike[str],
    options: FaceOptions | None = None,
    *,
    detector: FaceDetector | None = None,
    backend: EmotionBackend | None = None,
) -> FacesResult:
    """The faces of a still image, as one sample at t = 0 (each person is on screen for one sample)."""
    options = options or FaceOptions()
    image = read_image(path)
    detector = detector or make_detector(options.detector)
    backend = backend or make_backend(options.emotion_model, options.emotion_labels)
    rows, cols = image.shape[:2]
    analysed = image
    if cols > options.width:
        size = (options.width, max(1, round(rows * options.width / cols)))
        analysed = cv2.resize(image, size, interpolation=cv2.INTER_AREA)
    scale = (cols / analysed.shape[1], rows / analysed.shape[0])
    found = [(0, _analyse(analysed, detector, backend, scale, options.align))]
    return _build_result(found, options, backend.labels, 0, None)
