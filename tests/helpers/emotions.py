"""Emotion samples with known content for the face widgets' tests."""

from __future__ import annotations

import numpy as np

from analysis.fer_model import EMOTIONS

HAPPY, SAD, ANGRY, NEUTRAL = (EMOTIONS.index(name) for name in ("happy", "sad", "angry", "neutral"))
STEP = 0.5
THREE_HOURS_S = 3 * 3600


def one_hot(codes: np.ndarray, main: float = 0.8) -> np.ndarray:
    """Probabilities with ``main`` on each row's emotion and the rest shared by the other six."""
    rows = np.full((codes.shape[0], len(EMOTIONS)), (1 - main) / 6, dtype=np.float32)
    rows[np.arange(codes.shape[0]), codes] = main
    return rows


def minute_samples() -> tuple[np.ndarray, np.ndarray]:
    """A minute at two samples a second: happy, then sad from 10 s, off screen 20–30 s, happy again from 30 s
    but for one angry sample at 45 s."""
    times = np.arange(120) * STEP
    codes = np.where(times < 10, HAPPY, np.where(times < 20, SAD, HAPPY))
    codes[times == 45.0] = ANGRY
    keep = (times < 20) | (times >= 30)
    return times[keep], one_hot(codes[keep])


def three_hours() -> tuple[np.ndarray, np.ndarray]:
    """21,600 samples: minutes alternately happy and neutral, each with one angry sample half-way."""
    times = np.arange(THREE_HOURS_S * 2) * STEP
    codes = np.where(np.floor(times / 60) % 2 == 0, HAPPY, NEUTRAL)
    codes[times % 60 == 30] = ANGRY
    return times, one_hot(codes)
