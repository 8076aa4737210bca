"""The project's records: what the store returns and takes, as frozen dataclasses with times in integer ms.

They carry no behaviour beyond naming; every layer above ``app.project`` (and the widgets) may use them.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from analysis.media import MediaInfo


@dataclass(frozen=True, slots=True)
class MediaRecord:
    """One media file of the project: where it is, its content fingerprint and what probing found."""

    id: int
    path: str
    fingerprint: str
    source_url: str | None
    info: MediaInfo
    added_at: str


@dataclass(frozen=True, slots=True)
class RunRecord:
    """One analysis run on a media: its parameters, library versions, status and summary."""

    id: int
    media_id: int
    kind: str
    params: dict[str, Any]
    versions: dict[str, str]
    status: str
    error: str | None
    summary: dict[str, Any] | None
    started_at: str
    finished_at: str | None
    elapsed_ms: int | None


@dataclass(frozen=True, slots=True)
class SegmentRecord:
    """A stored span of a run's track (an audio peak, a pause, a motion peak, a cut…)."""

    id: int
    run_id: int
    track: str
    start_ms: int
    end_ms: int
    peak_ms: int | None
    score: float | None
    value: float | None


@dataclass(frozen=True, slots=True)
class NewSegment:
    """A span to store; ``score`` is a z-score for peaks."""

    start_ms: int
    end_ms: int
    peak_ms: int | None = None
    score: float | None = None
    value: float | None = None


@dataclass(frozen=True, slots=True)
class VocabularyEntry:
    """One value of the controlled vocabulary. kind 'exclude' marks "not significant"."""

    id: int
    name: str
    description: str
    color: str
    shortcut: str
    kind: str
    position: int


@dataclass(frozen=True, slots=True)
class NewLabel:
    """A label to store on a time range."""

    start_ms: int
    end_ms: int
    vocabulary_id: int
    source: str
    """'audio_peak', 'selection', … : where the range came from"""
    peak_ms: int | None = None
    segment_key: str | None = None
    intensity: int | None = None
    confidence: float | None = None
    note: str = ""
    provenance: str = "human"


@dataclass(frozen=True, slots=True)
class LabelRecord:
    """A stored label: a vocabulary value given by an annotator to a time range."""

    id: int
    media_id: int
    start_ms: int
    end_ms: int
    peak_ms: int | None
    source: str
    segment_key: str | None
    vocabulary_id: int
    value: str
    """the vocabulary entry's current name"""
    kind: str
    intensity: int | None
    confidence: float | None
    note: str
    annotator: str
    provenance: str
    created_at: str
    modified_at: str


LABEL_FIELDS = frozenset({"start_ms", "end_ms", "peak_ms", "vocabulary_id", "intensity", "confidence", "note"})
VOCABULARY_FIELDS = frozenset({"name", "description", "color", "shortcut", "kind", "position"})


def segment_key(source: str, start_ms: int, end_ms: int) -> str:
    """Names a labelled range across re-analyses: ``audio_peak:3000:4000``."""
    return f"{source}:{start_ms}:{end_ms}"
