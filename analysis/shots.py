"""Shot changes found inside the single decode pass: cuts, fades, dissolves (frames), zooms and pans (flow).

Every transition is one event with a kind and a span, never two cuts:

* ``cut``: PySceneDetect's AdaptiveDetector (content score against the average of its neighbours, so camera
  motion does not fire it) on a grey image SHOT_WIDTH pixels wide; start = end = the first frame of the new shot.
* ``fade``: PySceneDetect's ThresholdDetector, once for black (mean below FADE_BLACK) and once for white (mean
  at or above FADE_WHITE). It reports one time per fade-out + fade-in; the span is widened from the dark (or
  bright) frames to the frames before and after over which the mean brightness keeps falling (rising).
* ``dissolve``: our own rule, on 32-pixel-wide grey thumbnails. A window of frames (0.5 s and 1 s long, at
  every frame) is part of a dissolve when (1) its last frame differs from its first by at least
  DISSOLVE_MIN_CHANGE grey levels, and the frames at a quarter, half and three quarters of it are blends of
  its two ends (2) in the shares 1/4, 1/2, 3/4 (within DISSOLVE_ALPHA_TOLERANCE: the blend goes steadily from
  the one to the other) and (3) that leave at most DISSOLVE_MAX_RESIDUAL of the difference unexplained. The
  frames of overlapping such windows make one dissolve. Motion fails (3) (a moved picture is no blend), a
  cut or a flash fails (2); a fade passes them but is found as a fade first.
* ``zoom`` and ``pan`` come from the optical flow (:mod:`analysis.motion`).

A cut inside a fade or a dissolve (the step from black to the first picture) belongs to that transition.

Qt-free.
"""

from __future__ import annotations

import cv2
import numpy as np
from scenedetect import FrameTimecode
from scenedetect.detectors import AdaptiveDetector, ThresholdDetector

from analysis.video_pass import DecodedFrame

SHOT_WIDTH = 160
"""Width of the grey image the PySceneDetect detectors see (the flow's images are wider; this is enough)."""
THUMB_WIDTH = 32
"""Width of the grey thumbnails the dissolve rule compares."""
CUT_MIN_FRAMES = 8
"""Two cuts are at least this many frames apart (PySceneDetect's min_scene_len)."""
FADE_BLACK = 24
"""A frame whose mean luma is below this is black. Most video stores luma in 16–235 (black is 16, not 0), so
PySceneDetect's default of 12 for RGB would never see it; 24 leaves room for noise and full-range video."""
FADE_WHITE = 228
"""A frame whose mean luma is at or above this is white (235 in 16–235 video)."""
FADE_SLOPE = 0.3
"""The span of a fade extends over frames whose mean brightness changes by more than this per frame."""
DISSOLVE_WINDOWS_S = (0.5, 1.0)
"""Lengths of the windows the dissolve rule tries (a dissolve at least as long as the shorter is found)."""
DISSOLVE_MIN_CHANGE = 10.0
"""Mean grey-level difference (of 32-px thumbnails) between the two ends of a window, at least."""
DISSOLVE_ALPHA_TOLERANCE = 0.12
"""How far the blend share at a quarter, half and three quarters of a window may be from 1/4, 1/2, 3/4."""
DISSOLVE_STILL = 0.25
"""Frames at the ends of a dissolve whose change is below this share of its median frame-to-frame change are
still (not yet or no longer blending) and left out of its span."""
DISSOLVE_MAX_RESIDUAL = 0.28
"""What the best blend of the two ends leaves unexplained, as a share of their difference, at most. Measured
on 32-px thumbnails: 0.02 in a still dissolve, 0.23 in a dissolve between two shots of a walking crowd, 0.35
at best in the same crowd with no dissolve (the crowd's own motion), 0.18 across a hard cut (which fails the
blend shares instead)."""
_NOMINAL_FPS = 30.0
"""PySceneDetect counts frames; its timecodes need a rate, but only frame numbers are read back."""


class ShotConsumer:
    """Feeds every frame to the PySceneDetect detectors and keeps what the fade and dissolve rules need."""

    def __init__(self) -> None:
        self._cut = AdaptiveDetector(min_scene_len=CUT_MIN_FRAMES, luma_only=True)
        self._black = ThresholdDetector(threshold=FADE_BLACK, min_scene_len=0, add_final_scene=True)
        self._white = ThresholdDetector(
            threshold=FADE_WHITE, min_scene_len=0, add_final_scene=True, method=ThresholdDetector.Method.CEILING
        )
        self.times: list[float] = []
        self.means: list[float] = []
        self._thumbs: list[np.ndarray] = []
        self._cuts: list[int] = []
        self._blacks: list[int] = []
        self._whites: list[int] = []

    def wants(self, time_s: float) -> bool:
        """Always: a transition can start at any frame."""
        return True

    def consume(self, frame: DecodedFrame) -> None:
        """One frame to every detector (frame numbers in decode order)."""
        gray = frame.gray(SHOT_WIDTH)
        image = cv2.cvtColor(gray, cv2.COLOR_GRAY2BGR)
        timecode = FrameTimecode(len(self.times), fps=_NOMINAL_FPS)
        self.times.append(frame.time_s)
        self.means.append(float(cv2.mean(gray)[0]))
        height = max(1, round(gray.shape[0] * THUMB_WIDTH / gray.shape[1]))
        self._thumbs.append(cv2.resize(gray, (THUMB_WIDTH, height), interpolation=cv2.INTER_AREA))
        self._cuts += [t.frame_num for t in self._cut.process_frame(timecode, image)]
        self._blacks += [t.frame_num for t in self._black.process_frame(timecode, image)]
        self._whites += [t.frame_num for t in self._white.process_frame(timecode, image)]

    def finish(self) -> list[tuple[float, float, str]]:
        """The transitions as (start_s, end_s, kind), in time order."""
        if not self.times:
            return []
        last = FrameTimecode(len(self.times) - 1, fps=_NOMINAL_FPS)
        self._cuts += [t.frame_num for t in self._cut.post_process(last)]
        self._blacks += [t.frame_num for t in self._black.post_process(last)]
        self._whites += [t.frame_num for t in self._white.post_process(last)]
        means = np.array(self.means)
        spans: list[tuple[int, int, str]] = []
        for marks, dark in ((self._blacks, True), (self._whites, False)):
            for mark in marks:
                first, last_frame = fade_span(means, mark, dark)
                if not any(a <= mark <= b for a, b, _ in spans):
                    spans.append((first, last_frame, "fade"))
        for first, last_frame in dissolve_spans(self._thumbs, np.array(self.times)):
            if not any(a <= last_frame + 1 and first - 1 <= b for a, b, _ in spans):
                spans.append((first, last_frame, "dissolve"))
        for cut in self._cuts:
            if 0 < cut < len(self.times) and not any(a - 1 <= cut <= b + 1 for a, b, _ in spans):
                spans.append((cut, cut, "cut"))
        spans.sort()
        self._thumbs = []
        return [(self.times[a], self.times[b], kind) for a, b, kind in spans]


def fade_span(means: np.ndarray, mark: int, dark: bool) -> tuple[int, int]:
    """First and last frame of the fade the threshold detector marked at frame ``mark``: the black (white) frames
    around it, widened while the brightness keeps falling before them and rising after them (for white,
    the reverse)."""
    sign = 1.0 if dark else -1.0
    level = means * sign
    limit = FADE_BLACK if dark else -FADE_WHITE
    inside = (lambda i: level[i] < limit) if dark else (lambda i: level[i] <= limit)
    first = last = min(max(mark, 0), len(means) - 1)
    while first > 0 and inside(first - 1):
        first -= 1
    while last < len(means) - 1 and inside(last + 1):
        last += 1
    while first > 0 and level[first - 1] > level[first] + FADE_SLOPE:
        first -= 1
    while last < len(means) - 1 and level[last + 1] > level[last] + FADE_SLOPE:
        last += 1
    return first, last


def dissolve_spans(thumbs: list[np.ndarray], times: np.ndarray) -> list[tuple[int, int]]:
    """First and last frame of every dissolve (the rule in the module's docstring)."""
    n = len(thumbs)
    if n < 7 or len({t.shape for t in thumbs}) != 1:
        return []
    stack = np.stack(thumbs).astype(np.float32).reshape(n, -1)
    rate = (n - 1) / max(float(times[-1] - times[0]), 1e-6)
    marked = np.zeros(n, dtype=bool)
    for window_s in DISSOLVE_WINDOWS_S:
        half = max(3, round(window_s * rate / 2))
        if 2 * half >= n:
            continue
        for first in np.flatnonzero(_blend_windows(stack, half)):
            marked[first : first + 2 * half + 1] = True
    steps = np.zeros(n)
    steps[1:] = np.abs(np.diff(stack, axis=0)).mean(axis=1)
    found = []
    start = None
    for i, flag in enumerate([*marked.tolist(), False]):
        if flag and start is None:
            start = i
        elif not flag and start is not None:
            found.append(_trimmed(steps, start, i - 1))
            start = None
    return found


def _trimmed(steps: np.ndarray, first: int, last: int) -> tuple[int, int]:
    """The span without the still frames at its ends (windows reaching a little past a blend fit it too): it
    runs from the last frame before the change to the first after it."""
    floor = DISSOLVE_STILL * float(np.median(steps[first + 1 : last + 1]))
    while first < last and steps[first + 1] < floor:
        first += 1
    while last > first and steps[last] < floor:
        last -= 1
    return first, last


def _blend_windows(stack: np.ndarray, half: int) -> np.ndarray:
    """For every window of 2·half + 1 frames (by its first frame): whether its frames are blends of its two ends
    that go steadily from the one to the other."""
    count = stack.shape[0] - 2 * half
    start, end = stack[:count], stack[2 * half : 2 * half + count]
    delta = end - start
    total = np.abs(delta).mean(axis=1)
    energy = np.maximum(np.einsum("ij,ij->i", delta, delta), 1e-6)
    ok = total >= DISSOLVE_MIN_CHANGE
    for share in (0.25, 0.5, 0.75):
        offset = round(share * 2 * half)
        moved = stack[offset : offset + count] - start
        alpha = np.einsum("ij,ij->i", moved, delta) / energy
        residual = np.abs(moved - alpha[:, None] * delta).mean(axis=1)
        steady = np.abs(alpha - offset / (2 * half)) <= DISSOLVE_ALPHA_TOLERANCE
        ok &= steady & (residual <= DISSOLVE_MAX_RESIDUAL * np.maximum(total, 1e-6))
    return ok
