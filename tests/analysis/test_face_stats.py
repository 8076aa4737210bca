"""The figures of a faces run (:mod:`analysis.faces.stats`) on samples written by hand, with a classifier of three
labels of the user's own and with FER's seven emotions."""

from __future__ import annotations

import numpy as np
import pytest

from analysis.faces import Face, FaceSample
from analysis.faces.stats import (
    emotion_series,
    emotion_spans,
    nearest_sample,
    person_face,
    persons,
    persons_around,
    samples_around,
    summarize,
    track_spans,
    visible_ms,
)
from analysis.fer_model import EMOTIONS

LABELS = ("calm", "tense", "joy")


def face(person: int, probabilities: tuple[float, float, float], side: int = 60, track: int | None = None) -> Face:
    shares = dict(zip(LABELS, probabilities, strict=True))
    dominant = max(shares, key=shares.__getitem__)
    return Face((0, 0, side, side), 10.0, shares, dominant, track or person, person)


CALM = (0.6, 0.3, 0.1)
TENSE = (0.1, 0.8, 0.1)
JOY = (0.2, 0.2, 0.6)

SAMPLES = (
    FaceSample(0, (face(1, CALM), face(2, JOY))),
    FaceSample(500, (face(1, CALM),)),
    # after a merge, person 1 shows twice: the larger face counts
    FaceSample(1000, (face(1, JOY, side=40, track=3), face(1, TENSE, side=80))),
    FaceSample(1500, ()),
    FaceSample(2000, (face(1, CALM), face(2, TENSE))),
)
"""Two persons sampled twice a second, with the user's three labels."""


def test_a_persons_series_takes_their_largest_face_of_each_sample() -> None:
    series = emotion_series(SAMPLES, 1, LABELS)
    assert (series.person_id, series.labels) == (1, LABELS)
    assert series.times_ms.tolist() == [0, 500, 1000, 2000]
    assert series.probabilities.tolist() == [list(CALM), list(CALM), list(TENSE), list(CALM)]
    assert person_face(SAMPLES[2], 1).box == (0, 0, 80, 80)
    assert person_face(SAMPLES[3], 1) is None
    nobody = emotion_series(SAMPLES, 7, LABELS)
    assert nobody.times_ms.tolist() == [] and nobody.probabilities.shape == (0, 3)


def test_shares_and_means_are_over_the_runs_own_labels() -> None:
    summary = summarize(emotion_series(SAMPLES, 1, LABELS))
    assert (summary.person_id, summary.samples) == (1, 4)
    assert summary.share == {"calm": 0.75, "tense": 0.25, "joy": 0.0}
    assert summary.mean == pytest.approx({"calm": 0.475, "tense": 0.425, "joy": 0.1})
    assert (summary.strongest, summary.commonest) == ("calm", "calm")
    empty = summarize(emotion_series(SAMPLES, 7, LABELS))
    assert (empty.samples, empty.share, empty.mean) == (0, dict.fromkeys(LABELS, 0.0), dict.fromkeys(LABELS, 0.0))
    assert (empty.strongest, empty.commonest) == ("", "")


def test_the_strongest_emotion_may_differ_from_the_commonest() -> None:
    samples = [
        FaceSample(0, (face(1, (0.4, 0.0, 0.6)),)),
        FaceSample(500, (face(1, (0.9, 0.1, 0.0)),)),
        FaceSample(1000, (face(1, (0.5, 0.0, 0.5)),)),
    ]
    summary = summarize(emotion_series(samples, 1, LABELS))
    assert summary.share == pytest.approx({"calm": 2 / 3, "tense": 0.0, "joy": 1 / 3})  # ties go to the first
    assert (summary.strongest, summary.commonest) == ("calm", "calm")
    summary = summarize(emotion_series(samples[:1] + samples[2:], 1, LABELS))
    assert (summary.strongest, summary.commonest) == ("joy", "calm")  # means 0.45/0.55; dominant once each


def test_persons_get_their_time_on_screen_in_milliseconds() -> None:
    one, two = persons(SAMPLES, 2.0, LABELS)
    assert (one.id, one.name, one.visible_ms, one.emotion_share) == (
        1,
        "Person 1",
        2000,
        {"calm": 0.75, "tense": 0.25, "joy": 0.0},
    )
    assert (two.id, two.visible_ms, two.emotion_share) == (2, 1000, {"calm": 0.0, "tense": 0.5, "joy": 0.5})
    assert visible_ms(10, 3.0) == 3333 and visible_ms(0, 2.0) == 0


def test_emotions_around_a_moment_include_both_ends_of_the_window() -> None:
    assert [s.t_ms for s in samples_around(SAMPLES, 1000, 500)] == [500, 1000, 1500]
    assert [s.t_ms for s in samples_around(SAMPLES, 1750, 250)] == [1500, 2000]
    assert samples_around(SAMPLES, 5000, 1000) == ()
    one, two = persons_around(SAMPLES, 1500, 500, LABELS)
    assert (one.person_id, one.samples, one.share) == (1, 2, {"calm": 0.5, "tense": 0.5, "joy": 0.0})
    assert (two.person_id, two.samples, two.share) == (2, 1, {"calm": 0.0, "tense": 1.0, "joy": 0.0})
    assert two.mean == dict(zip(LABELS, TENSE, strict=True))
    assert persons_around(SAMPLES, 1500, 0, LABELS) == ()  # the sample there shows nobody


def test_the_nearest_sample_is_the_earlier_of_two_as_close() -> None:
    assert nearest_sample(SAMPLES, 1250).t_ms == 1000
    assert nearest_sample(SAMPLES, 1251).t_ms == 1500
    assert nearest_sample(SAMPLES, -300).t_ms == 0
    assert nearest_sample((), 0) is None


def test_track_spans_end_one_interval_after_their_last_sample() -> None:
    assert track_spans(SAMPLES, 2.0) == {1: (0, 2500), 2: (0, 2500), 3: (1000, 1500)}
    assert track_spans(SAMPLES, 3.0)[3] == (1000, 1333)


def test_fers_seven_emotions_work_the_same() -> None:
    rows = np.eye(len(EMOTIONS))
    samples = [
        FaceSample(i * 500, (Face((0, 0, 50, 50), 9.0, dict(zip(EMOTIONS, row.tolist(), strict=True)), e, 1, 1),))
        for i, (e, row) in enumerate(zip(EMOTIONS, rows, strict=True))
    ]
    summary = summarize(emotion_series(samples, 1, EMOTIONS))
    assert summary.share == dict.fromkeys(EMOTIONS, 1 / 7)
    assert summary.mean == pytest.approx(dict.fromkeys(EMOTIONS, 1 / 7))


def test_emotion_spans_run_from_sample_to_sample_and_end_where_the_person_is_not_seen() -> None:
    assert emotion_spans(emotion_series(SAMPLES, 1, LABELS), 2.0) == [
        (0, 1000, "calm"),
        (1000, 1500, "tense"),  # not seen at 1.5 s: the span ends one interval after 1 s
        (2000, 2500, "calm"),
    ]
    assert emotion_spans(emotion_series(SAMPLES, 2, LABELS), 2.0) == [(0, 500, "joy"), (2000, 2500, "tense")]
    uneven = (
        FaceSample(0, (face(1, CALM),)),
        FaceSample(510, (face(1, (0.4, 0.4, 0.2)),)),  # a tie: the first label
        FaceSample(1260, (face(1, JOY),)),  # 750 ms later: still seen all along
    )
    assert emotion_spans(emotion_series(uneven, 1, LABELS), 2.0) == [(0, 1260, "calm"), (1260, 1760, "joy")]
    assert emotion_spans(emotion_series(SAMPLES, 7, LABELS), 2.0) == []
