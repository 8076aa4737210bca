"""Figures of a faces run, defined once for the window, the exports and the report: how long each person is on
screen, how their emotions are shared out over the run, and which emotions show around a moment.

A person's face in a sample is their largest face there (after the user merged two persons, one sample may show
the same person twice). Every figure is given for the run's own labels (FER's seven emotions, or the outputs of
the user's own classifier), in their order; times are integer milliseconds. The samples are in time order, as a
run gives them. Pure numpy, Qt-free.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from analysis.faces.confidence import UNCERTAIN, uncertain_rows
from analysis.faces.records import Face, FaceSample, Person


@dataclass(frozen=True, slots=True, eq=False)
class EmotionSeries:
    """One person's emotions over time: the probabilities of their face in each sample that shows them."""

    person_id: int
    labels: tuple[str, ...]
    times_ms: np.ndarray
    """int64 ``[N]``, in time order"""
    probabilities: np.ndarray
    """float64 ``[N, len(labels)]``, columns in the labels' order"""


@dataclass(frozen=True, slots=True)
class EmotionSummary:
    """A person's emotions over some samples: the whole run, or those around a moment."""

    person_id: int
    samples: int
    """samples that show the person"""
    share: dict[str, float]
    """per label, the share of those samples in which it was the dominant emotion (all 0 without samples)"""
    mean: dict[str, float]
    """per label, its mean probability over those samples (all 0 without samples)"""

    @property
    def strongest(self) -> str:
        """The label of the highest mean probability (the first of equal ones); '' without samples."""
        return max(self.mean, key=self.mean.__getitem__) if self.samples else ""

    @property
    def commonest(self) -> str:
        """The label most often dominant (the first of equal ones); '' without samples."""
        return max(self.share, key=self.share.__getitem__) if self.samples else ""


def person_face(sample: FaceSample, person_id: int) -> Face | None:
    """The person's largest face in the sample (the first of equal ones), or None when the sample lacks them."""
    return max((face for face in sample.faces if face.person_id == person_id), key=lambda f: f.area, default=None)


def person_ids(samples: Sequence[FaceSample]) -> list[int]:
    """The persons the samples show, by number."""
    return sorted({face.person_id for sample in samples for face in sample.faces})


def emotion_series(samples: Sequence[FaceSample], person_id: int, labels: Sequence[str]) -> EmotionSeries:
    """The person's probabilities of each label at the times of the samples that show them."""
    labels = tuple(labels)
    times, rows = [], []
    for sample in samples:
        face = person_face(sample, person_id)
        if face is not None:
            times.append(sample.t_ms)
            rows.append([face.probabilities[label] for label in labels])
    probabilities = np.array(rows, dtype=np.float64).reshape(len(rows), len(labels))
    return EmotionSeries(person_id, labels, np.array(times, dtype=np.int64), probabilities)


def summarize(series: EmotionSeries) -> EmotionSummary:
    """How often each label was the dominant one in the series, and its mean probability."""
    count = len(series.times_ms)
    if count == 0:
        zeros = dict.fromkeys(series.labels, 0.0)
        return EmotionSummary(series.person_id, 0, zeros, dict(zeros))
    dominant = np.bincount(series.probabilities.argmax(axis=1), minlength=len(series.labels))
    mean = series.probabilities.mean(axis=0)
    return EmotionSummary(
        series.person_id,
        count,
        {label: float(n / count) for label, n in zip(series.labels, dominant.tolist(), strict=True)},
        {label: float(m) for label, m in zip(series.labels, mean.tolist(), strict=True)},
    )


def dominant_shares(series: EmotionSeries) -> dict[str, float]:
    """Per label, the share of the series' samples in which it was the dominant emotion *and counted*
    (:mod:`analysis.faces.confidence`), then ``"uncertain"``: the share in which the dominant emotion did not
    count. The values sum to 1 (all 0 without samples). What the Emotions dock draws."""
    count = len(series.times_ms)
    out = dict.fromkeys((*series.labels, UNCERTAIN), 0.0)
    if count == 0:
        return out
    unsure = uncertain_rows(series.probabilities)
    sure = np.bincount(series.probabilities[~unsure].argmax(axis=1), minlength=len(series.labels))
    out.update({label: float(n / count) for label, n in zip(series.labels, sure.tolist(), strict=True)})
    out[UNCERTAIN] = float(unsure.sum() / count)
    return out


def emotion_spans(series: EmotionSeries, fps: float) -> list[tuple[int, int, str]]:
    """(start, end, label) in ms of the runs of samples in which the same label was the person's dominant emotion
    (the first of equal probabilities), in time order.

    A sample stands for the time until the person's next sample, or one sampling interval (``fps`` a second) when
    that next sample is more than one and a half intervals later (the person was not seen in between): a span
    ends there, and neighbouring samples of one label merge only when nothing separates them.
    """
    step = 1000 / fps
    times = series.times_ms.tolist()
    dominant = series.probabilities.argmax(axis=1).tolist() if times else []
    spans: list[tuple[int, int, str]] = []
    for index, (time_ms, column) in enumerate(zip(times, dominant, strict=True)):
        following = times[index + 1] if index + 1 < len(times) else None
        end = following if following is not None and following - time_ms <= 1.5 * step else round(time_ms + step)
        label = series.labels[column]
        if spans and spans[-1][1] == time_ms and spans[-1][2] == label:
            spans[-1] = (spans[-1][0], end, label)
        else:
            spans.append((time_ms, end, label))
    return spans


def visible_ms(samples: int, fps: float) -> int:
    """Time on screen of a person shown in ``samples`` samples taken ``fps`` times a second."""
    return round(samples * 1000 / fps)


def persons(samples: Sequence[FaceSample], fps: float, labels: Sequence[str]) -> list[Person]:
    """Each person's time on screen and share of each dominant emotion, over the whole run."""
    out = []
    for number in person_ids(samples):
        summary = summarize(emotion_series(samples, number, labels))
        out.append(Person(number, f"Person {number}", visible_ms(summary.samples, fps), summary.share))
    return out


def samples_around(samples: Sequence[FaceSample], moment_ms: int, reach_ms: int) -> Sequence[FaceSample]:
    """The samples from ``moment_ms - reach_ms`` to ``moment_ms + reach_ms`` (both included)."""
    first = bisect_left(samples, moment_ms - reach_ms, key=lambda sample: sample.t_ms)
    end = bisect_right(samples, moment_ms + reach_ms, key=lambda sample: sample.t_ms)
    return samples[first:end]


def nearest_sample(samples: Sequence[FaceSample], moment_ms: int) -> FaceSample | None:
    """The sample closest to ``moment_ms`` (the earlier of two as close), or None without samples."""
    return min(samples, key=lambda sample: abs(sample.t_ms - moment_ms), default=None)


def persons_around(
    samples: Sequence[FaceSample], moment_ms: int, reach_ms: int, labels: Sequence[str]
) -> tuple[EmotionSummary, ...]:
    """The emotions of every person seen within ``reach_ms`` of ``moment_ms``, by number."""
    near = samples_around(samples, moment_ms, reach_ms)
    return tuple(summarize(emotion_series(near, number, labels)) for number in person_ids(near))


def track_spans(samples: Sequence[FaceSample], fps: float) -> dict[int, tuple[int, int]]:
    """Each track's first sample time and its last one plus the sampling interval, in ms."""
    spans: dict[int, tuple[int, int]] = {}
    step = 1000 / fps
    for sample in samples:
        for face in sample.faces:
            first = spans.get(face.track_id, (sample.t_ms, 0))[0]
            spans[face.track_id] = (first, round(sample.t_ms + step))
    return spans
