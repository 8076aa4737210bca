"""Transcripts and tiers in the formats other tools read: SRT, WebVTT, plain text, JSON, ELAN (.eaf), Praat TextGrid.

Qt-free: the CLI and the window's import and export menus share this code. The parsing and composing of each
format is left to its library (``srt``, ``webvtt-py``, ``pympi-ling``, ``praatio``); this module maps between
their objects and ours, checks what they accept silently, and turns their exceptions into messages a user can act
on.

A *tier* is a named list of timed intervals, the common shape of ELAN tiers and Praat interval tiers. A transcript
becomes tiers through :func:`transcript_tiers` (one tier per speaker and one of words) and comes back through
:func:`tiers_to_segments`.

Writing follows the other exports: an existing file is kept unless ``force`` is given, the file is written
in a private temporary folder (:mod:`app.export.staging`) and renamed into place when complete, and a failure
(disk full, no permission, a killed process) leaves neither a partial file nor a folder made for it. Reading is
all or nothing: the whole file is checked before anything is returned, and any problem raises
:class:`InteropError` naming the file and, where it can be known, the line or element.
"""

from __future__ import annotations

import bisect
import codecs
import html
import itertools
import json
import logging
import os
import re
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import timedelta
from pathlib import Path
from xml.etree import ElementTree

import srt
import webvtt
from praatio.data_classes.interval_tier import IntervalTier
from praatio.data_classes.point_tier import PointTier
from praatio.utilities import errors as praatio_errors
from praatio.utilities import textgrid_io
from praatio.utilities.constants import INTERVAL_TIER, POINT_TIER
from pympi import Elan
from webvtt.errors import MalformedCaptionError, MalformedFileError
from webvtt.models import Timestamp

from analysis.errors import ExportError, SalientError, os_error_reason
from app.export.elan_media import elan_mime_type
from app.export.files import all_or_nothing
from app.model.transcript import Transcript, TranscriptSegment, Word, normalize_text
from app.timecode import format_clock

log = logging.getLogger(__name__)


TRANSCRIPT_TIER = "transcript"
SPEAKER_TIER_PREFIX = "transcript - "
WORDS_TIER = "words"
LABELS_TIER = "labels"
_NOT_TRANSCRIPT = frozenset({WORDS_TIER, LABELS_TIER, "audio peaks", "pauses", "motion peaks", "shot changes"})
"""Tiers the app writes next to a transcript (and those named ``emotions: PERSON``); never taken for the transcript."""
_OVERFLOW_NAME = re.compile(r"^(?P<base>.*) \((?P<number>\d+)\)$")
"""``NAME (2)``: the extra tier that takes overlapping intervals of NAME in a TextGrid."""
_XML_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff\ud800-\udfff]")
"""Characters XML 1.0 cannot hold: written as is, they would make the .eaf unreadable."""
_SRT_TAGS = re.compile(r"</?(?:i|b|u|font)(?:\s[^>]*)?>|\{\\an?\d+\}", re.IGNORECASE)
"""Formatting that subtitle editors put in SRT text: italics, bold, underline, colours, positions."""
_TEXTGRID_HEADER = re.compile(r'^\s*File type\s*=\s*"ooTextFile(?: short)?"\s*$')


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


# -- reading files ---------------------------------------------------------------------------------


def _read_bytes(path: Path) -> bytes:
    try:
        data = path.read_bytes()
    except FileNotFoundError as exc:
        raise InteropError(f"{path}: not found") from exc
    except IsADirectoryError as exc:
        raise InteropError(f"{path} is a folder, not a file") from exc
    except OSError as exc:
        raise InteropError(f"{path}: cannot read it ({os_error_reason(exc)})") from exc
    return data


def _decode(path: Path, data: bytes, fallbacks: Sequence[str] = ()) -> str:
    """Text of a file: UTF-16 when it starts with its byte order mark, else UTF-8 (with or without a mark), else
    the first of ``fallbacks`` that decodes it. An empty file (or one of blanks only) is an error."""
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        encodings: Sequence[str] = ("utf-16",)
    else:
        encodings = ("utf-8-sig", *fallbacks)
    for encoding in encodings:
        try:
            text = data.decode(encoding)
        except UnicodeDecodeError:
            continue
        if encoding != encodings[0]:
            log.info("%s is not %s; read it as %s", path.name, encodings[0], encoding)
        break
    else:
        raise InteropError(f"{path.name}: not a text file in UTF-8 or UTF-16")
    if not text.strip():
        raise InteropError(f"{path.name}: the file is empty")
    return text


def _line_number(text: str, offset: int) -> int:
    return text.count("\n", 0, offset) + 1


def _shorten(line: str, limit: int = 60) -> str:
    line = line.strip()
    return line if len(line) <= limit else f"{line[: limit - 1]}…"


def _srt_error(path: Path, text: str, exc: srt.SRTParseError) -> InteropError:
    """Where srt stopped: the timing line it could not read, or the first line of the block it could not place."""
    block = text[exc.expected_start : exc.actual_start]
    lines = block.splitlines(keepends=True)
    offset = exc.expected_start
    first = None
    for line in lines:
        if "-->" in line:
            return InteropError(f"{path.name}, line {_line_number(text, offset)}: bad timestamp '{_shorten(line)}'")
        if first is None and line.strip():
            first = (offset, line)
        offset += len(line)
    at, line = first if first is not None else (exc.expected_start, "")
    return InteropError(f"{path.name}, line {_line_number(text, at)}: not a subtitle block '{_shorten(line)}'")


def _ms(delta: timedelta) -> int:
    return delta // timedelta(milliseconds=1)


def read_srt(path: str | os.PathLike[str]) -> list[TranscriptSegment]:
    """The subtitles of a SubRip file as segments in time order: text on one line, formatting tags removed,
    no words and no speaker. Files that are not UTF-8 are read as Windows-1252, then Latin-1."""
    path = Path(path)
    text = _decode(path, _read_bytes(path), ("cp1252", "latin-1"))
    try:
        subtitles = list(srt.parse(text))
    except srt.SRTParseError as exc:
        raise _srt_error(path, text, exc) from exc
    except srt.TimestampParseError as exc:
        raise InteropError(f"{path.name}: {exc}") from exc
    if not subtitles:
        raise InteropError(f"{path.name}: no subtitles found")
    segments = []
    for number, subtitle in enumerate(subtitles, start=1):
        start, end = _ms(subtitle.start), _ms(subtitle.end)
        label = subtitle.index if subtitle.index is not None else number
        if end < start:
            raise InteropError(f"{path.name}, subtitle {label}: ends before it starts")
        content = normalize_text(_SRT_TAGS.sub("", subtitle.content))
        if content:
            segments.append(TranscriptSegment(start_ms=start, end_ms=end, text=content))
    segments.sort(key=lambda segment: (segment.start_ms, segment.end_ms))
    return segments


def _vtt_timings(line: str) -> tuple[int, int] | None:
    """Start and end (ms) of a cue timings line, read with webvtt's timestamp rules; None if they do not read."""
    left, _, right = line.partition("-->")
    fields = right.split()
    if not fields:
        return None
    try:
        start = Timestamp.from_string(left.strip())
        end = Timestamp.from_string(fields[0])
    except MalformedCaptionError:
        return None
    return start.in_milliseconds(), end.in_milliseconds()


def read_vtt(path: str | os.PathLike[str]) -> list[TranscriptSegment]:
    """The cues of a WebVTT file as segments in time order; a voice span (``<v Anna>``) gives the speaker, other
    tags are removed and character references decoded.

    webvtt-py skips cues it cannot read; here every cue timings line must have become a caption, or the line that
    did not is named in the error.
    """
    path = Path(path)
    text = _decode(path, _read_bytes(path), ("cp1252", "latin-1"))
    try:
        captions = webvtt.from_string(text).captions
    except MalformedFileError as exc:
        raise InteropError(f"{path.name}, line 1: not a WebVTT file (it must start with WEBVTT)") from exc
    except MalformedCaptionError as exc:
        raise InteropError(f"{path.name}: {exc}") from exc
    remaining = iter(captions)
    lines: dict[int, int] = {}
    for number, line in enumerate(text.splitlines(), start=1):
        if "-->" not in line or line.lstrip().startswith("NOTE"):
            continue
        timings = _vtt_timings(line)
        if timings is None:
            raise InteropError(f"{path.name}, line {number}: bad timestamp '{_shorten(line)}'")
        caption = next(remaining, None)
        if caption is None or (caption.start_time.in_milliseconds(), caption.end_time.in_milliseconds()) != timings:
            raise InteropError(f"{path.name}, line {number}: cue not understood '{_shorten(line)}'")
        lines[id(caption)] = number
    segments = []
    for caption in captions:
        start, end = caption.start_time.in_milliseconds(), caption.end_time.in_milliseconds()
        if end < start:
            raise InteropError(f"{path.name}, line {lines.get(id(caption), '?')}: the cue ends before it starts")
        content = normalize_text(html.unescape(caption.text))
        if content:
            speaker = normalize_text(html.unescape(caption.voice or ""))
            segments.append(TranscriptSegment(start_ms=start, end_ms=end, text=content, speaker=speaker))
    segments.sort(key=lambda segment: (segment.start_ms, segment.end_ms))
    return segments


def _eaf_failure(path: Path, exc: Exception) -> InteropError:
    """Explain why pympi could not read a file: the XML parser's position when it is not well-formed XML."""
    try:
        root = ElementTree.parse(path).getroot()
    except ElementTree.ParseError as xml_error:
        line, _column = xml_error.position
        reason = re.sub(r": line \d+, column \d+$", "", str(xml_error))
        return InteropError(f"{path.name}, line {line}: not well-formed XML ({reason})")
    if root.tag != "ANNOTATION_DOCUMENT":
        return InteropError(f"{path.name}: not an ELAN file (the root element is <{root.tag}>)")
    if isinstance(exc, KeyError):
        return InteropError(f"{path.name}: not a complete ELAN file (missing attribute {exc})")
    return InteropError(f"{path.name}: not a readable ELAN file ({exc})")


def _eaf_slot_times(path: Path, eaf: Elan.Eaf) -> dict[str, int]:
    """Every time slot in ms. ELAN leaves slots inside a subdivided parent without a time; they get times spread
    evenly between the aligned slots around them (in the file's order, which ELAN keeps in time order)."""
    ids = list(eaf.timeslots)
    values: list[int | None] = [eaf.timeslots[slot] for slot in ids]
    known = [index for index, value in enumerate(values) if value is not None]
    if ids and not known:
        raise InteropError(f"{path.name}: none of the time slots has a time")
    times: dict[str, int] = {}
    for index, slot in enumerate(ids):
        value = values[index]
        if value is None:
            after = bisect.bisect_right(known, index)
            a = known[after - 1] if after > 0 else known[after]
            b = known[after] if after < len(known) else known[after - 1]
            va, vb = eaf.timeslots[ids[a]], eaf.timeslots[ids[b]]
            value = va if a == b else round(va + (vb - va) * (index - a) / (b - a))
        if value < 0:
            raise InteropError(f"{path.name}: time slot {slot} has a negative time")
        times[slot] = value
    return times


def _eaf_aligned(path: Path, eaf: Elan.Eaf, times: dict[str, int]) -> dict[str, tuple[int, int]]:
    """(start, end) in ms of every time-aligned annotation, checked against its time slots."""
    aligned: dict[str, tuple[int, int]] = {}
    for tier_id, (alignable, _refs, _attributes, _ordinal) in eaf.tiers.items():
        for annotation_id, (slot1, slot2, _value, _svg) in alignable.items():
            for slot in (slot1, slot2):
                if slot not in times:
                    raise InteropError(f"{path.name}: annotation {annotation_id} refers to a missing time slot {slot}")
            start, end = times[slot1], times[slot2]
            if end < start:
                raise InteropError(f"{path.name}: annotation {annotation_id} on tier {tier_id!r} ends before it starts")
            aligned[annotation_id] = (start, end)
    return aligned


def _eaf_resolve(path: Path, eaf: Elan.Eaf, aligned: dict[str, tuple[int, int]], annotation_id: str) -> tuple[int, int]:
    """The times of a reference annotation: those of the time-aligned annotation its references lead to."""
    seen = {annotation_id}
    current = annotation_id
    while current not in aligned:
        tier_id = eaf.annotations.get(current)
        target = eaf.tiers[tier_id][1].get(current) if tier_id in eaf.tiers else None
        if target is None:
            raise InteropError(f"{path.name}: annotation {annotation_id} refers to a missing annotation {current}")
        current = target[0]
        if current in seen:
            raise InteropError(f"{path.name}: the references of annotation {annotation_id} form a loop")
        seen.add(current)
    return aligned[current]


def read_eaf(path: str | os.PathLike[str]) -> list[Tier]:
    """Every tier of an ELAN file in the file's order, with its annotations sorted by time and its participant.

    Annotations of reference tiers (symbolic subdivision or association) take the times of the time-aligned
    annotation their references lead to.
    """
    path = Path(path)
    if not _read_bytes(path).removeprefix(codecs.BOM_UTF8).strip():
        raise InteropError(f"{path.name}: the file is empty")
    try:
        eaf = Elan.Eaf(str(path.absolute()), suppress_version_warning=True)  # pympi reads stdin for "-"
    except Exception as exc:  # pympi raises a bare Exception for XML errors, KeyError for missing attributes
        raise _eaf_failure(path, exc) from exc
    aligned = _eaf_aligned(path, eaf, _eaf_slot_times(path, eaf))

    def resolve(annotation_id: str) -> tuple[int, int]:
        return _eaf_resolve(path, eaf, aligned, annotation_id)

    tiers = []
    for tier_id, (alignable, refs, attributes, _ordinal) in eaf.tiers.items():
        intervals = [Interval(*aligned[aid], value or "") for aid, (_s1, _s2, value, _svg) in alignable.items()]
        intervals += [Interval(*resolve(aid), value or "") for aid, (_ref, value, _prev, _svg) in refs.items()]
        intervals.sort(key=lambda interval: (interval.start_ms, interval.end_ms))
        participant = normalize_text(attributes.get("PARTICIPANT") or "")
        tiers.append(Tier(tier_id, tuple(intervals), participant))
    return tiers


def _textgrid_ms(seconds: float) -> int:
    return round(float(seconds) * 1000)


def read_textgrid(path: str | os.PathLike[str]) -> list[Tier]:
    """The tiers of a Praat TextGrid (long or short text format, UTF-8 or UTF-16): interval tiers without their
    empty intervals, point tiers as intervals of zero length. Times are rounded to the millisecond.

    praatio's long-format reader splits the file at ``item [`` and ``intervals [`` even inside a quoted label, so a
    label holding such text makes a file unreadable here although Praat reads it.
    """
    path = Path(path)
    text = _decode(path, _read_bytes(path))
    first_line = text.lstrip("\ufeff").splitlines()[0] if text.strip() else ""
    if "ooBinaryFile" in first_line:
        raise InteropError(f"{path.name}: a binary TextGrid; save it as a text file in Praat")
    if not _TEXTGRID_HEADER.match(first_line) or 'Object class = "TextGrid"' not in text[:300]:
        raise InteropError(f"{path.name}: not a TextGrid (line 1)")
    try:
        parsed = textgrid_io.parseTextgridStr(text, includeEmptyIntervals=False)
        tiers = []
        for tier_dict in parsed["tiers"]:
            name, entries, xmin, xmax = tier_dict["name"], tier_dict["entries"], tier_dict["xmin"], tier_dict["xmax"]
            if tier_dict["class"] == INTERVAL_TIER:
                tier = IntervalTier(name, list(entries), xmin, xmax)
                intervals = [Interval(_textgrid_ms(a), _textgrid_ms(b), label) for a, b, label in tier.entries]
            else:
                points = PointTier(name, list(entries), xmin, xmax)
                intervals = [Interval(_textgrid_ms(t), _textgrid_ms(t), label) for t, label in points.entries]
            tiers.append(Tier(name, tuple(intervals)))
    except (praatio_errors.PraatioException, ValueError, IndexError, KeyError) as exc:
        raise InteropError(f"{path.name}: not a readable TextGrid ({exc or type(exc).__name__})") from exc
    return tiers


def read_tiers(path: str | os.PathLike[str]) -> list[Tier]:
    """The tiers of any file :data:`IMPORT_SUFFIXES` names, chosen by suffix; subtitles become the tiers of
    :func:`transcript_tiers`."""
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix == ".srt":
        return transcript_tiers(read_srt(path))
    if suffix == ".vtt":
        return transcript_tiers(read_vtt(path))
    if suffix == ".eaf":
        return read_eaf(path)
    if suffix == ".textgrid":
        return read_textgrid(path)
    raise InteropError(f"{path.name}: cannot import '{path.suffix}' files; one of .srt, .vtt, .eaf, .TextGrid")


# -- tiers to transcript -------------------------------------------------------------------------------


def _base_names(tiers: Sequence[Tier]) -> list[str]:
    """Each tier's name, with the `` (N)`` of an overflow tier removed when the tier it extends is there too."""
    names = {tier.name for tier in tiers}
    bases = []
    for tier in tiers:
        match = _OVERFLOW_NAME.match(tier.name)
        bases.append(match["base"] if match and match["base"] in names else tier.name)
    return bases


def _is_transcript_name(name: str) -> bool:
    lowered = name.casefold()
    return lowered == TRANSCRIPT_TIER or lowered.startswith(SPEAKER_TIER_PREFIX)


def _has_timed_text(tier: Tier) -> bool:
    """Whether a tier holds text over time spans (a Praat point tier, all zero-length, does not)."""
    return any(normalize_text(i.text) and i.end_ms > i.start_ms for i in tier.intervals)


def _pick_word_owner(word: Interval, candidates: list[TranscriptSegment]) -> TranscriptSegment:
    """The segment a word belongs to when its midpoint lies in several (overlapping speakers): one whose text has
    the word, preferring one the midpoint does not merely touch at its end."""
    middle = (word.start_ms + word.end_ms) / 2

    def score(segment: TranscriptSegment) -> tuple[bool, bool]:
        return word.text in segment.text.split(), middle < segment.end_ms

    return max(candidates, key=score)


def tiers_to_segments(tiers: Sequence[Tier]) -> list[TranscriptSegment]:
    """The transcript held in tiers, as segments sorted by start.

    The transcript tiers are those named ``transcript`` or ``transcript - NAME`` (any case; TextGrid overflow
    tiers ``… (2)`` included). Without such tiers, the one tier with text over time spans (not a point tier) that
    is not words, labels, audio peaks or pauses is taken. The speaker is NAME, else the tier's participant. With a
    ``words`` tier, each segment gets the words whose midpoint lies in it (without probabilities). Intervals
    without text are skipped.

    Raises :class:`InteropError`, listing the tiers, when no transcript tier can be told.
    """
    bases = _base_names(tiers)
    chosen = [(tier, base) for tier, base in zip(tiers, bases, strict=True) if _is_transcript_name(base)]
    if not chosen:
        others = [
            (tier, base)
            for tier, base in zip(tiers, bases, strict=True)
            if base.casefold() not in _NOT_TRANSCRIPT
            and not base.casefold().startswith("emotions: ")
            and _has_timed_text(tier)
        ]
        if len(others) == 1:
            chosen = others
        else:
            names = ", ".join(f"'{tier.name}'" for tier in tiers) or "none"
            raise InteropError(
                f"no transcript tier: name it 'transcript' or 'transcript - SPEAKER' (the file has the tiers {names})"
            )
    segments: list[TranscriptSegment] = []
    for tier, base in chosen:
        if base.casefold().startswith(SPEAKER_TIER_PREFIX):
            speaker = normalize_text(base[len(SPEAKER_TIER_PREFIX) :])
        else:
            speaker = normalize_text(tier.participant)
        for interval in tier.intervals:
            text = normalize_text(interval.text)
            if text:
                segments.append(
                    TranscriptSegment(start_ms=interval.start_ms, end_ms=interval.end_ms, text=text, speaker=speaker)
                )
    segments.sort(key=lambda segment: (segment.start_ms, segment.end_ms))

    words: list[Interval] = [
        interval
        for tier, base in zip(tiers, bases, strict=True)
        if base.casefold() == WORDS_TIER
        for interval in tier.intervals
        if normalize_text(interval.text)
    ]
    if not words:
        return segments
    starts = [segment.start_ms for segment in segments]
    reach = list(itertools.accumulate((segment.end_ms for segment in segments), max))
    owned: dict[int, list[Word]] = {}
    for word in words:
        middle = (word.start_ms + word.end_ms) / 2
        candidates = []
        index = bisect.bisect_right(starts, middle) - 1
        while index >= 0 and reach[index] >= middle:
            if segments[index].end_ms >= middle:
                candidates.append(segments[index])
            index -= 1
        if not candidates:
            continue
        owner = candidates[0] if len(candidates) == 1 else _pick_word_owner(word, candidates[::-1])
        owned.setdefault(id(owner), []).append(Word(normalize_text(word.text), word.start_ms, word.end_ms, None))
    return [
        replace(segment, words=tuple(sorted(owned.get(id(segment), []), key=lambda w: (w.start_ms, w.end_ms))))
        for segment in segments
    ]


def label_tier_intervals(tiers: Sequence[Tier], name: str = LABELS_TIER) -> list[Interval]:
    """The intervals with text of the tier called ``name`` (any case, with its TextGrid overflow tiers), sorted
    by start; [] when there is no such tier."""
    wanted = name.casefold()
    intervals = [
        interval
        for tier, base in zip(tiers, _base_names(tiers), strict=True)
        if base.casefold() == wanted
        for interval in tier.intervals
        if normalize_text(interval.text)
    ]
    return sorted(intervals, key=lambda interval: (interval.start_ms, interval.end_ms))
