"""Agreement figures checked against values computed by hand (arithmetic in the comments) and a published one."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from sklearn.metrics import cohen_kappa_score

from analysis.agreement import Disagreement, LabelAgreement, Rating, agreement, natural_key, ratings_from_labels

# Two annotators, ten units, three values. Rows: what ann gave, columns: what bob gave.
#
#              bob: a  b  c | row
#       ann a:      3  1  0 |  4
#       ann b:      0  3  1 |  4
#       ann c:      0  0  2 |  2
#       column:     3  4  3 | 10
PAIRS = [
    ("a", "a"),
    ("a", "a"),
    ("a", "a"),
    ("a", "b"),
    ("b", "b"),
    ("b", "b"),
    ("b", "b"),
    ("b", "c"),
    ("c", "c"),
    ("c", "c"),
]


def two_annotators() -> list[Rating]:
    ratings = []
    for number, (ann, bob) in enumerate(PAIRS, start=1):
        ratings.append(Rating(f"u{number}", "ann", ann))
        ratings.append(Rating(f"u{number}", "bob", bob))
    return ratings


def test_cohens_kappa_and_the_confusion_matrix_match_the_hand_computation() -> None:
    report = agreement(two_annotators())
    assert report.annotators == ("ann", "bob")
    assert report.labels == ("a", "b", "c")
    assert report.units == tuple(f"u{n}" for n in range(1, 11))
    (pair,) = report.pairwise
    assert (pair.annotator_a, pair.annotator_b, pair.n_units) == ("ann", "bob", 10)
    assert pair.confusion == ((3, 1, 0), (0, 3, 1), (0, 0, 2))
    # p_o = diagonal / n = (3 + 3 + 2) / 10 = 0.8
    assert pair.observed == pytest.approx(0.8)
    # p_e = Σ row_c · col_c / n² = (4·3 + 4·4 + 2·3) / 100 = 34 / 100 = 0.34
    assert pair.expected == pytest.approx(0.34)
    # κ = (p_o − p_e) / (1 − p_e) = 0.46 / 0.66 = 23 / 33 = 0.69697
    assert pair.kappa == pytest.approx(23 / 33)
    assert pair.kappa == pytest.approx(cohen_kappa_score([p[0] for p in PAIRS], [p[1] for p in PAIRS]))
    assert report.pair("bob", "ann") is pair


def test_alpha_and_per_label_agreement_of_two_annotators() -> None:
    report = agreement(two_annotators())
    # Pairable values n = 20; n_a = 4 + 3 = 7, n_b = 4 + 4 = 8, n_c = 2 + 3 = 5.
    # Each disagreeing unit (u4: a–b, u8: b–c) adds 2 ordered pairs / (m_u − 1 = 1): Σ_{c≠k} o_ck = 4.
    # Σ_{c≠k} n_c·n_k = n² − Σ n_c² = 400 − (49 + 64 + 25) = 262.
    # α = 1 − (n − 1)·4 / 262 = 1 − 76 / 262 = 186 / 262 = 0.70992
    assert report.alpha == pytest.approx(186 / 262)
    # Specific agreement 2·n_cc / (row_c + col_c): a 2·3/(4+3) = 6/7, b 2·3/(4+4) = 3/4, c 2·2/(2+3) = 4/5.
    assert report.per_label == (
        LabelAgreement("a", 7, pytest.approx(6 / 7)),
        LabelAgreement("b", 8, pytest.approx(3 / 4)),
        LabelAgreement("c", 5, pytest.approx(4 / 5)),
    )
    assert report.disagreements == (
        Disagreement("u4", {"ann": "a", "bob": "b"}),
        Disagreement("u8", {"ann": "b", "bob": "c"}),
    )


def krippendorff_2011_ratings() -> list[Rating]:
    """Krippendorff (2011), "Computing Krippendorff's Alpha-Reliability", section C: 4 observers × 12 units,
    nominal values 1–5, '.' = not rated. The paper gives α = 0.743."""
    rows = {
        "A": "1 2 3 3 2 1 4 1 2 . . .",
        "B": "1 2 3 3 2 2 4 1 2 5 . 3",
        "C": ". 3 3 3 2 3 4 2 2 5 1 .",
        "D": "1 2 3 3 2 4 4 1 2 5 1 .",
    }
    return [
        Rating(f"unit {number}", observer, value)
        for observer, row in rows.items()
        for number, value in enumerate(row.split(), start=1)
        if value != "."
    ]


def test_krippendorffs_published_example_with_missing_values() -> None:
    report = agreement(krippendorff_2011_ratings())
    # Unit 12 has one value only: not pairable, left out. n = 40 pairable values in units 1–11;
    # n_1 = 9, n_2 = 13, n_3 = 10, n_4 = 5, n_5 = 3 (the paper's marginals).
    assert report.units == tuple(f"unit {n}" for n in range(1, 12))
    assert [label.uses for label in report.per_label] == [9, 13, 10, 5, 3]
    # Disagreeing pairs, weighted 1/(m_u − 1) with m_u = 4 values in each of these units:
    #   unit 2 (2,2,3,2): 2·3·1 = 6 ordered pairs → 6/3 = 2
    #   unit 6 (1,2,3,4): 4·3 = 12 ordered pairs  → 12/3 = 4
    #   unit 8 (1,1,2,1): 6 ordered pairs         → 6/3 = 2      Σ_{c≠k} o_ck = 8
    # Σ_{c≠k} n_c·n_k = 40² − (81 + 169 + 100 + 25 + 9) = 1600 − 384 = 1216
    # α = 1 − (40 − 1)·8 / 1216 = 1 − 312 / 1216 = 0.74342
    assert report.alpha == pytest.approx(1 - 312 / 1216)
    assert round(report.alpha, 3) == 0.743
    assert report.disagreements == (
        Disagreement("unit 2", {"A": "2", "B": "2", "C": "3", "D": "2"}),
        Disagreement("unit 6", {"A": "1", "B": "2", "C": "3", "D": "4"}),
        Disagreement("unit 8", {"A": "1", "B": "1", "C": "2", "D": "1"}),
    )
    # Per value, o_cc / n_c. Value 1: o_11 = unit 1 (3 values: 3·2/2 = 3) + unit 8 (three 1s: 3·2/3 = 2)
    # + unit 11 (2·1/1 = 2) = 7, so 7/9. Value 5: all three 5s in unit 10 agree: 3/3 = 1.
    assert report.per_label[0].agreement == pytest.approx(7 / 9)
    assert report.per_label[4].agreement == pytest.approx(1.0)
    # A and C both rated units 2–9: C differs on 2, 6 and 8 → p_o = 5/8.
    pair = report.pair("A", "C")
    assert pair is not None and pair.n_units == 8 and pair.observed == pytest.approx(5 / 8)


def test_perfect_agreement_gives_one() -> None:
    ratings = [Rating(f"u{n}", who, value) for n, value in enumerate("abcab") for who in ("x", "y", "z")]
    report = agreement(ratings)
    assert report.alpha == pytest.approx(1.0)
    assert all(pair.kappa == pytest.approx(1.0) and pair.observed == 1.0 for pair in report.pairwise)
    assert [label.agreement for label in report.per_label] == [1.0, 1.0, 1.0]
    assert report.disagreements == ()


def test_undefined_figures_are_none() -> None:
    # Everyone used the same one value: p_e = 1 and D_e = 0, so neither kappa nor alpha is defined.
    same = agreement([Rating(f"u{n}", who, "anger") for n in range(4) for who in ("x", "y")])
    assert same.pairwise[0].kappa is None and same.pairwise[0].observed == 1.0
    assert same.pairwise[0].confusion == ((4,),)
    assert same.alpha is None
    # No ratings at all.
    empty = agreement([])
    assert (empty.annotators, empty.units, empty.pairwise, empty.alpha, empty.per_label) == ((), (), (), None, ())
    # Two annotators who never rated the same unit: a pair with nothing to compare.
    apart = agreement([Rating("u1", "x", "a"), Rating("u2", "y", "b")])
    assert apart.units == () and apart.alpha is None
    (pair,) = apart.pairwise
    assert (pair.n_units, pair.observed, pair.expected, pair.kappa, pair.confusion) == (0, None, None, None, ())


def test_units_rated_by_one_annotator_are_ignored() -> None:
    extra = [Rating("solo 1", "ann", "c"), Rating("solo 2", "bob", "a"), Rating("solo 3", "cat", "z")]
    report = agreement(two_annotators() + extra)
    assert report.annotators == ("ann", "bob", "cat")
    assert report.labels == ("a", "b", "c")
    assert report.alpha == pytest.approx(186 / 262)
    assert report.pair("ann", "bob").kappa == pytest.approx(23 / 33)
    assert report.pair("ann", "cat").n_units == 0


def test_the_latest_rating_of_an_annotator_counts() -> None:
    # bob first agreed on u4 ('a'), then changed his mind to 'b' (the table above); and u8 the other way.
    ratings = two_annotators()
    ratings.insert(0, Rating("u4", "bob", "a"))
    ratings.append(Rating("u8", "bob", "b"))
    report = agreement(ratings)
    assert report.pair("ann", "bob").confusion == ((3, 1, 0), (0, 4, 0), (0, 0, 2))
    assert report.disagreements == (Disagreement("u4", {"ann": "a", "bob": "b"}),)


def test_units_sort_in_natural_order() -> None:
    keys = ["audio_peak:10000:10500", "audio_peak:9000:9400", "selection:500:900", "audio_peak:9000:9300"]
    assert sorted(keys, key=natural_key) == [
        "audio_peak:9000:9300",
        "audio_peak:9000:9400",
        "audio_peak:10000:10500",
        "selection:500:900",
    ]


@dataclass(frozen=True, slots=True)
class FakeLabel:
    segment_key: str | None
    source: str
    start_ms: int
    end_ms: int
    annotator: str
    value: str
    modified_at: str


def test_ratings_from_labels_use_the_segment_key_and_the_order_of_changes() -> None:
    labels = [
        FakeLabel("audio_peak:1000:1500", "audio_peak", 1000, 1500, "ann", "anger", "2026-01-02T10:00:00.000+00:00"),
        FakeLabel(None, "selection", 2000, 2600, "bob", "irony", "2026-01-02T09:00:00.000+00:00"),
        FakeLabel("audio_peak:1000:1500", "audio_peak", 1000, 1500, "ann", "fear", "2026-01-01T10:00:00.000+00:00"),
    ]
    assert ratings_from_labels(labels) == [
        Rating("audio_peak:1000:1500", "ann", "fear"),
        Rating("selection:2000:2600", "bob", "irony"),
        Rating("audio_peak:1000:1500", "ann", "anger"),
    ]
