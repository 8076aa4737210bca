"""Inter-annotator agreement on nominal labels: Cohen's kappa per pair, Krippendorff's alpha over everyone.

A unit is a segment; each annotator gives it at most one value (the latest one counts). Only units that at
least two annotators rated say anything about agreement, so every figure here is computed over those
("shared") units; units one annotator rated alone are left out.
"""

from __future__ import annotations

import logging
import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from itertools import combinations
from typing import Protocol

import numpy as np
from sklearn.metrics import cohen_kappa_score, confusion_matrix

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Rating:
    """One annotator's value for one unit."""

    unit: str
    annotator: str
    value: str


@dataclass(frozen=True, slots=True)
class PairAgreement:
    """Two annotators compared on the units both rated."""

    annotator_a: str
    annotator_b: str
    n_units: int
    observed: float | None
    """share of the shared units given the same value (p_o); None when they share no unit"""
    expected: float | None
    """agreement expected by chance from each annotator's own value frequencies (p_e)"""
    kappa: float | None
    """Cohen's kappa; None when undefined (no shared unit, or both used one and the same value: p_e = 1)"""
    confusion: tuple[tuple[int, ...], ...]
    """counts, rows = annotator_a's value, columns = annotator_b's value, both in the report's ``labels`` order"""


@dataclass(frozen=True, slots=True)
class LabelAgreement:
    """How one value was used on shared units, and how often the other annotators agreed with it."""

    value: str
    uses: int
    """how many ratings of shared units gave this value (n_c)"""
    agreement: float
    """o_cc / n_c from Krippendorff's coincidence matrix: when an annotator used this value, the share of the
    other annotators' values on the same unit that were this value too (each rating weighs 1, split evenly
    over the unit's other ratings). With two annotators it is the specific agreement 2·n_cc / (row_c + col_c)."""


@dataclass(frozen=True, slots=True)
class Disagreement:
    """A shared unit whose annotators did not all give the same value."""

    unit: str
    values: dict[str, str]
    """annotator → value, in annotator order"""


@dataclass(frozen=True, slots=True)
class AgreementReport:
    """Agreement of everyone who labelled one media file: pairwise kappas, one alpha, per value, where they differ."""

    annotators: tuple[str, ...]
    """everyone who rated anything, sorted"""
    units: tuple[str, ...]
    """the units at least two annotators rated, in natural order (numbers inside keys compare as numbers)"""
    labels: tuple[str, ...]
    """the values used on those units, sorted; the order of every confusion matrix"""
    pairwise: tuple[PairAgreement, ...]
    """every pair of annotators, (a, b) with a < b"""
    alpha: float | None
    """Krippendorff's alpha (nominal) over all annotators; None when undefined (no shared unit, or one value only)"""
    per_label: tuple[LabelAgreement, ...]
    disagreements: tuple[Disagreement, ...]

    def pair(self, annotator_a: str, annotator_b: str) -> PairAgreement | None:
        """The comparison of two annotators, in either order (the stored one has a < b)."""
        first, second = sorted((annotator_a, annotator_b))
        return next((p for p in self.pairwise if (p.annotator_a, p.annotator_b) == (first, second)), None)


class LabelLike(Protocol):
    """What :func:`ratings_from_labels` reads from a label (``app.project.store.LabelRecord`` has all of it)."""

    @property
    def segment_key(self) -> str | None:
        """Key of the labelled segment, or None for a label on a free range."""

    @property
    def source(self) -> str:
        """What the labelled range came from (``audio_peak``, ``selection``…); part of the unit of a keyless label."""

    @property
    def start_ms(self) -> int:
        """Start of the labelled range, in ms of media time."""

    @property
    def end_ms(self) -> int:
        """End of the labelled range, in ms of media time."""

    @property
    def annotator(self) -> str:
        """Who gave the label."""

    @property
    def value(self) -> str:
        """The label's value."""

    @property
    def modified_at(self) -> str:
        """When the label was last changed (ISO timestamp): the later of two ratings of a unit wins."""


def ratings_from_labels(labels: Iterable[LabelLike]) -> list[Rating]:
    """Ratings from one media file's labels, oldest change first so that a later relabelling wins.

    The unit is the label's segment key, or ``source:start_ms:end_ms`` for a label without one (the same
    key the labels of a flagged segment get). The order is by ``modified_at`` (ISO timestamps), ties kept
    in the given order.
    """
    ordered = sorted(labels, key=lambda label: label.modified_at)
    return [
        Rating(
            unit=label.segment_key or f"{label.source}:{label.start_ms}:{label.end_ms}",
            annotator=label.annotator,
            value=label.value,
        )
        for label in ordered
    ]


def natural_key(text: str) -> tuple[tuple[int, str | int], ...]:
    """Sort key that compares digit runs as numbers: ``audio_peak:9000:…`` before ``audio_peak:10000:…``."""
    parts = re.split(r"(\d+)", text)
    return tuple((1, int(part)) if index % 2 else (0, part) for index, part in enumerate(parts))


def agreement(ratings: Sequence[Rating]) -> AgreementReport:
    """Agreement of everyone who rated the same units.

    ``ratings`` come in time order: when an annotator rated a unit more than once, the last rating counts.
    """
    by_unit: dict[str, dict[str, str]] = {}
    for rating in ratings:
        by_unit.setdefault(rating.unit, {})[rating.annotator] = rating.value
    annotators = tuple(sorted({rating.annotator for rating in ratings}))
    shared = {unit: values for unit, values in by_unit.items() if len(values) >= 2}
    units = tuple(sorted(shared, key=natural_key))
    labels = tuple(sorted({value for values in shared.values() for value in values.values()}))
    pairwise = tuple(_pair(a, b, units, shared, labels) for a, b in combinations(annotators, 2))
    coincidences = _coincidences(units, shared, labels)
    used = Counter(value for unit in units for value in shared[unit].values())
    uses = np.array([used[value] for value in labels], dtype=np.int64)
    per_label = tuple(
        LabelAgreement(value, int(uses[index]), float(coincidences[index, index]) / int(uses[index]))
        for index, value in enumerate(labels)
    )
    disagreements = tuple(
        Disagreement(unit, {annotator: shared[unit][annotator] for annotator in sorted(shared[unit])})
        for unit in units
        if len(set(shared[unit].values())) > 1
    )
    report = AgreementReport(
        annotators=annotators,
        units=units,
        labels=labels,
        pairwise=pairwise,
        alpha=_nominal_alpha(coincidences, uses),
        per_label=per_label,
        disagreements=disagreements,
    )
    log.debug("agreement: %d annotators, %d shared units, alpha %s", len(annotators), len(units), report.alpha)
    return report


def _pair(
    a: str, b: str, units: Sequence[str], shared: dict[str, dict[str, str]], labels: Sequence[str]
) -> PairAgreement:
    both = [unit for unit in units if a in shared[unit] and b in shared[unit]]
    if not both:
        empty = tuple((0,) * len(labels) for _ in labels)
        return PairAgreement(a, b, 0, None, None, None, empty)
    n = len(both)
    if len(labels) == 1:
        # Everyone used one value: perfect but uninformative agreement (kappa undefined). sklearn would warn
        # about the 1×1 matrix even with the labels given.
        return PairAgreement(a, b, n, 1.0, 1.0, None, ((n,),))
    values_a = [shared[unit][a] for unit in both]
    values_b = [shared[unit][b] for unit in both]
    matrix = confusion_matrix(values_a, values_b, labels=list(labels))
    observed = float(np.trace(matrix)) / n
    # p_e = Σ_c (row_c / n)(col_c / n); in integers, so that "exactly 1" (kappa undefined) is exact.
    chance = int(matrix.sum(axis=1) @ matrix.sum(axis=0))
    kappa = None if chance == n * n else float(cohen_kappa_score(values_a, values_b, labels=list(labels)))
    confusion = tuple(tuple(int(count) for count in row) for row in matrix)
    return PairAgreement(a, b, n, observed, chance / (n * n), kappa, confusion)


def _coincidences(units: Sequence[str], shared: dict[str, dict[str, str]], labels: Sequence[str]) -> np.ndarray:
    """Krippendorff's coincidence matrix o_ck: each unit adds its ordered pairs of values, weighted 1/(m_u − 1).

    Krippendorff (2011), "Computing Krippendorff's Alpha-Reliability", section C (nominal data, any number
    of observers, missing data): o_ck = Σ_u (number of c–k pairs in unit u) / (m_u − 1), where m_u is the
    number of values unit u received. Row sums are n_c, the number of pairable values c.
    """
    index = {value: position for position, value in enumerate(labels)}
    matrix = np.zeros((len(labels), len(labels)))
    for unit in units:
        counts = Counter(shared[unit].values())
        m = sum(counts.values())
        for c, n_c in counts.items():
            for k, n_k in counts.items():
                pairs = n_c * (n_c - 1) if c == k else n_c * n_k
                matrix[index[c], index[k]] += pairs / (m - 1)
    return matrix


def _nominal_alpha(coincidences: np.ndarray, n_c: np.ndarray) -> float | None:
    """Krippendorff's alpha for nominal values from the coincidence matrix.

    Krippendorff (2011), "Computing Krippendorff's Alpha-Reliability", section C:
    α = 1 − D_o / D_e = 1 − (n − 1) · Σ_{c≠k} o_ck / Σ_{c≠k} n_c · n_k, with n = Σ_c n_c pairable values.
    ``n_c`` are the exact value counts (the matrix's row sums, as integers). Undefined (None) without
    pairable values or when only one value was ever used (D_e = 0).
    """
    n = int(n_c.sum())
    expected_pairs = n * n - int(n_c @ n_c)
    if expected_pairs == 0:
        return None
    observed_pairs = n - float(np.trace(coincidences))
    return 1.0 - (n - 1) * observed_pairs / expected_pairs
