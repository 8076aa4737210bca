"""Transcripts and tiers in the formats other tools read: SRT, WebVTT, plain text, JSON, ELAN (.eaf), Praat TextGrid.

Qt-free: the CLI and the window's import and export menus share this code. The composing of each format is left
to its library (``srt``, ``webvtt-py``, ``pympi-ling``, ``praatio``); this module maps our objects to theirs. Reading
the same formats is :mod:`app.export.readers`'.

A *tier* is a named list of timed intervals, the common shape of ELAN tiers and Praat interval tiers. A transcript
becomes tiers through :func:`transcript_tiers` (one tier per speaker and one of words) and comes back through
:func:`app.export.readers.tiers_to_segments`.

Writing follows the other exports: an existing file is kept unless ``force`` is given, the file is written
in a private temporary folder (:mod:`app.export.staging`) and renamed into place when complete, and a failure
(disk full, no permission, a killed process) leaves neither a partial file nor a folder made for it.
"""

from __future__ import annotations

import json
import logging
import os
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

import srt
import webvtt
from praatio.data_classes.interval_tier import IntervalTier
from praatio.data_classes.point_tier import PointTier
from praatio.utilities import errors as praatio_errors
from praatio.utilities import textgrid_io
from praatio.utilities.constants import INTERVAL_TIER, POINT_TIER
from pympi import Elan

from analysis.errors import ExportError, SalientError
from app.export.elan_media import elan_mime_type
from app.export.files import all_or_nothing
from app.model.transcript import Transcript, TranscriptSegment, normalize_text
from app.timecode import format_clock

log = logging.getLogger(__name__)


TRANSCRIPT_TIER = "transcript"
SPEAKER_TIER_PREFIX = "transcript - "
WORDS_TIER = "words"
LABELS_TIER = "labels"
_XML_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff\ud800-\udfff]")
"""Characters XML 1.0 cannot hold: written as is, they would make the .eaf unreadable."""


class InteropError(SalientError):
    """A file to import is malformed or unsupported; the message names the file and the line or element."""


@dataclass(frozen=True, slots=True)
class Interval:
    """One timed annotation of a tier (an ELAN annotation, a Praat interval; a Praat point has end = start)."""

    start_ms: int
    end_ms: int
    text: str


@dataclass(frozen=True, slots=True)
class Tier:
    """A named list of intervals, sorted by start; ``participant`` is ELAN's speaker attribute of the tier.

    With ``points``, its intervals of no duration are instants: a TextGrid holds them in a point tier NAME (its
    other intervals go to interval tiers ``NAME (2)``…); ELAN, which has no points, gets them 1 ms long."""

    name: str
    intervals: tuple[Interval, ...]
    participant: str = ""
    points: bool = False


# -- writing files ---------------------------------------------------------------------------------


def _write_file(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` (the temporary file); one function so tests can make the disk fill up."""
    with path.open("wb") as handle:
        handle.write(data)


def _write_atomic(path: str | os.PathLike[str], data: bytes, force: bool) -> Path:
    """Write ``data`` to ``path`` all or nothing, with the exports' own machinery (app.export.files): refuse to
    replace a file without ``force``, write it in the export's private temporary folder and rename it into
    place; on failure remove the temporary folder and raise :class:`ExportError`."""
    path = Path(path)
    if path.is_dir():
        raise ExportError(f"{path} is a folder")
    with all_or_nothing(force, path.parent) as outputs:
        outputs.refuse_existing([path])
        with outputs.writing(path) as partial:
            _write_file(partial, data)
    log.info("wrote %s", path)
    return path


def _written_segments(segments: Sequence[TranscriptSegment]) -> list[TranscriptSegment]:
    """The segments a subtitle or text file shows: those with text, in time order."""
    kept = [segment for segment in segments if normalize_text(segment.text)]
    return sorted(kept, key=lambda segment: (segment.start_ms, segment.end_ms))


def write_srt(segments: Sequence[TranscriptSegment], path: str | os.PathLike[str], force: bool = False) -> Path:
    """SubRip subtitles: numbered 1…n in time order, times to the millisecond, the text without speaker names.

    Segments without text are left out (a subtitle needs something to show).
    """
    subtitles = [
        srt.Subtitle(
            index=number,
            start=timedelta(milliseconds=max(0, segment.start_ms)),
            end=timedelta(milliseconds=max(0, segment.start_ms, segment.end_ms)),
            content=normalize_text(segment.text),
        )
        for number, segment in enumerate(_written_segments(segments), start=1)
    ]
    # reindex=False: srt would otherwise drop subtitles whose end is not after their start
    return _write_atomic(path, srt.compose(subtitles, reindex=False).encode("utf-8"), force)


def _vtt_escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def write_vtt(segments: Sequence[TranscriptSegment], path: str | os.PathLike[str], force: bool = False) -> Path:
    """WebVTT captions in time order; a segment's speaker becomes a voice span (``<v Anna>Hello``).

    ``&``, ``<`` and ``>`` in the text are written as character references, so text never reads as a tag.
    Segments without text are left out.
    """
    captions = []
    for segment in _written_segments(segments):
        text = _vtt_escape(normalize_text(segment.text))
        speaker = normalize_text(segment.speaker)
        if speaker:
            text = f"<v {_vtt_escape(speaker)}>{text}"
        start = max(0, segment.start_ms)
        captions.append(webvtt.Caption(format_clock(start), format_clock(max(start, segment.end_ms)), text))
    return _write_atomic(path, webvtt.WebVTT(captions=captions).content.encode("utf-8"), force)


def write_txt(
    segments: Sequence[TranscriptSegment], path: str | os.PathLike[str], timestamps: bool = True, force: bool = False
) -> Path:
    """Plain text, one line per segment: ``[00:01:02.345 – 00:01:05.000] Anna: text``.

    Without ``timestamps`` only ``Anna: text``; the ``Anna: `` part only when the segment has a speaker.
    Segments without text are left out.
    """
    lines = []
    for segment in _written_segments(segments):
        line = normalize_text(segment.text)
        speaker = normalize_text(segment.speaker)
        if speaker:
            line = f"{speaker}: {line}"
        if timestamps:
            line = f"[{format_clock(segment.start_ms)} – {format_clock(segment.end_ms)}] {line}"
        lines.append(line)
    return _write_atomic(path, "".join(f"{line}\n" for line in lines).encode("utf-8"), force)


def _seconds(ms: int) -> float:
    return round(ms / 1000, 3)


def write_json(transcript: Transcript, path: str | os.PathLike[str], force: bool = False) -> Path:
    """The whole transcript with word timings and probabilities, times in seconds (3 decimals), UTF-8.

    Every segment is written, also those without text, so the file holds what the project holds.
    """
    document = {
        "language": transcript.language,
        "model": transcript.model,
        "segments": [
            {
                "start_s": _seconds(segment.start_ms),
                "end_s": _seconds(segment.end_ms),
                "text": segment.text,
                "speaker": segment.speaker,
                "reviewed": segment.reviewed,
                "words": [
                    {
                        "word": word.text,
                        "start_s": _seconds(word.start_ms),
                        "end_s": _seconds(word.end_ms),
                        "probability": word.probability,
                    }
                    for word in segment.words
                ],
            }
            for segment in transcript.segments
        ],
    }
    text = json.dumps(document, ensure_ascii=False, indent=2) + "\n"
    return _write_atomic(path, text.encode("utf-8"), force)


def transcript_tiers(segments: Sequence[TranscriptSegment]) -> list[Tier]:
    """The transcript as tiers: ``transcript`` for segments without a speaker, ``transcript - NAME`` per speaker
    (in order of first appearance, participant NAME), and ``words`` with every word when any segment has words.

    Segments without text are left out. With no segments at all, one empty ``transcript`` tier.
    """
    plain: list[Interval] = []
    by_speaker: dict[str, list[Interval]] = {}
    words: list[Interval] = []
    for segment in sorted(segments, key=lambda s: (s.start_ms, s.end_ms)):
        text = normalize_text(segment.text)
        if not text:
            continue
        interval = Interval(segment.start_ms, segment.end_ms, text)
        speaker = normalize_text(segment.speaker)
        if speaker:
            by_speaker.setdefault(speaker, []).append(interval)
        else:
            plain.append(interval)
        words.extend(Interval(word.start_ms, word.end_ms, word.text) for word in segment.words)
    tiers = []
    if plain or not by_speaker:
        tiers.append(Tier(TRANSCRIPT_TIER, tuple(plain)))
    for speaker, intervals in by_speaker.items():
        tiers.append(Tier(f"{SPEAKER_TIER_PREFIX}{speaker}", tuple(intervals), participant=speaker))
    if words:
        words.sort(key=lambda interval: (interval.start_ms, interval.end_ms))
        tiers.append(Tier(WORDS_TIER, tuple(words)))
    return tiers


def _unique_name(name: str, used: set[str]) -> str:
    """``name``, or ``name (2)``, ``name (3)``… when it is taken; the result is added to ``used``."""
    name = name or "tier"
    unique, number = name, 2
    while unique in used:
        unique, number = f"{name} ({number})", number + 1
    used.add(unique)
    return unique


def _widened(interval: Interval) -> tuple[int, int]:
    """Times of an interval as both ELAN and Praat need them: not before 0, and at least 1 ms long."""
    start = max(0, interval.start_ms)
    return start, max(interval.end_ms, start + 1)


def write_eaf(
    path: str | os.PathLike[str],
    tiers: Sequence[Tier],
    media_path: str | os.PathLike[str] | None = None,
    force: bool = False,
) -> Path:
    """An ELAN annotation document: one time-aligned tier per :class:`Tier` (with its participant) and, when
    given, the media linked by absolute file URL and by path relative to the .eaf (both as ELAN writes them).

    ELAN needs every annotation to end after it starts: shorter ones are widened to 1 ms. Tier names that repeat
    get `` (2)``, `` (3)``… appended.
    """
    path = Path(path)
    eaf = Elan.Eaf(author="Salient")
    eaf.remove_tier("default")
    eaf.header = {"MEDIA_FILE": "", "TIME_UNITS": "milliseconds"}
    if media_path is not None:
        media = Path(media_path).resolve()
        try:
            relative = Path(os.path.relpath(media, path.resolve().parent)).as_posix()
            relative = relative if relative.startswith("../") else f"./{relative}"
        except ValueError:  # another drive on Windows: only the absolute link
            relative = None
        # ELAN's own form of the link: file:/// and the path as is, not percent-encoded (ELAN does not decode it)
        url = f"file:///{media.as_posix().lstrip('/')}"
        eaf.add_linked_file(url, relpath=relative, mimetype=elan_mime_type(media))
    used: set[str] = set()
    for tier in tiers:
        name = _unique_name(_XML_ILLEGAL.sub("", tier.name), used)
        eaf.add_tier(name, part=_XML_ILLEGAL.sub("", tier.participant) or None)
        for interval in tier.intervals:
            start, end = _widened(interval)
            eaf.add_annotation(name, int(start), int(end), _XML_ILLEGAL.sub("", interval.text))
    # ELAN numbers new annotations after this one; pympi leaves it at 0
    eaf.properties = [("lastUsedAnnotation", eaf.maxaid if eaf.annotations else 0)]
    document = Elan.to_string(eaf, encoding="unicode")
    data = f'<?xml version="1.0" encoding="UTF-8"?>\n{document}\n'.encode()
    return _write_atomic(path, data, force)


def _first_fit(intervals: Sequence[Interval]) -> list[list[tuple[int, int, str]]]:
    """Intervals spread over as few non-overlapping lists as needed, each going to the first list it fits in
    (touching is not overlapping), at least 1 ms long.

    Whether an interval fits is decided on its own times, before any widening: an interval of no duration (Whisper
    gives some words none) widened to 1 ms would otherwise run into the next one that starts at its time and push
    it to another list. That next one starts where the widened one ends instead (1 ms later).
    """
    levels: list[list[tuple[int, int, str]]] = []
    ends: list[tuple[int, int]] = []  # per list: the end of its last interval as given, and as written
    for interval in sorted(intervals, key=lambda i: (i.start_ms, i.end_ms)):
        start = _widened(interval)[0]
        level = next((index for index, (given_end, _) in enumerate(ends) if given_end <= start), len(levels))
        if level == len(levels):
            levels.append([])
            ends.append((0, 0))
        start = max(start, ends[level][1])
        end = max(interval.end_ms, start + 1)
        levels[level].append((start, end, interval.text))
        ends[level] = (interval.end_ms, end)
    return levels or [[]]


def _praat_levels(tier: Tier) -> list[list[tuple[int, int, str]]]:
    """The Praat tiers a :class:`Tier` needs: :func:`_first_fit` of its intervals; with ``points``, a point tier
    of its instants first (start = end, not before 0; texts at one time joined by `` / ``) and the rest fitted."""
    instants: dict[int, list[str]] = {}
    for interval in tier.intervals if tier.points else ():
        if interval.end_ms == interval.start_ms:
            instants.setdefault(max(0, interval.start_ms), []).append(interval.text)
    spans = [i for i in tier.intervals if not (tier.points and i.end_ms == i.start_ms)]
    points = [(t, t, " / ".join(texts)) for t, texts in sorted(instants.items())]
    return ([points] if points else []) + (_first_fit(spans) if spans or not points else [])


def write_textgrid(path: str | os.PathLike[str], tiers: Sequence[Tier], duration_ms: int, force: bool = False) -> Path:
    """A Praat TextGrid (long text format) with one interval tier per :class:`Tier` (a point tier first for the
    instants of a tier of ``points``), from 0 to the duration or the last end, whichever is later.

    A Praat interval tier cannot hold overlapping intervals: those that overlap go to extra tiers ``NAME (2)``,
    ``NAME (3)``… (each to the first that has room), so nothing is dropped or cut. Intervals shorter than 1 ms
    are widened to 1 ms, and one that only touched such an interval starts 1 ms later, on the same tier; tiers
    without intervals are written empty.
    """
    laid_out = [(tier.name, _praat_levels(tier)) for tier in tiers]
    ends = [end for _, levels in laid_out for level in levels for _, end, _ in level]
    end_s = max([max(0, duration_ms), *ends]) / 1000
    used: set[str] = set()
    tier_dicts = []
    try:
        for name, levels in laid_out:
            for level in levels:
                unique = _unique_name(name, used)
                if level and level[0][0] == level[0][1]:  # only points have no duration here
                    kind, entries = POINT_TIER, PointTier(unique, [(a / 1000, text) for a, _, text in level], 0, end_s)
                else:
                    entries = IntervalTier(unique, [(a / 1000, b / 1000, text) for a, b, text in level], 0, end_s)
                    kind = INTERVAL_TIER
                tier_dicts.append(
                    {"class": kind, "name": unique, "xmin": 0, "xmax": end_s, "entries": list(entries.entries)}
                )
        text = textgrid_io.getTextgridAsStr(
            {"xmin": 0, "xmax": end_s, "tiers": tier_dicts},
            "long_textgrid",
            includeBlankSpaces=True,
            minTimestamp=0,
            maxTimestamp=end_s,
            minimumIntervalLength=None,
        )
    except praatio_errors.PraatioException as exc:
        raise ExportError(f"cannot write {path}: {exc}") from exc
    return _write_atomic(path, text.encode("utf-8"), force)
