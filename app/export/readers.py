"""Reading the transcript and tier files of other tools: SRT, WebVTT, ELAN (.eaf), Praat TextGrid.

The parsing is left to each format's library (``srt``, ``webvtt-py``, ``pympi-ling``, ``praatio``); this module
checks what they accept silently (a file cut short, NUL characters) and turns their exceptions into messages a user
can act on. Reading is all or nothing: the whole file is checked before anything is returned, and any problem
raises :class:`app.export.interchange.InteropError` naming the file and, where it can be known, the line or
element. :func:`tiers_to_segments` turns the tiers read back into a transcript.
"""

from __future__ import annotations

import bisect
import codecs
import html
import itertools
import logging
import os
import re
from collections.abc import Sequence
from dataclasses import replace
from datetime import timedelta
from pathlib import Path
from xml.etree import ElementTree

import srt
import webvtt
from praatio.data_classes.interval_tier import IntervalTier
from praatio.data_classes.point_tier import PointTier
from praatio.utilities import errors as praatio_errors
from praatio.utilities import textgrid_io
from praatio.utilities.constants import INTERVAL_TIER
from pympi import Elan
from webvtt.errors import MalformedCaptionError, MalformedFileError
from webvtt.models import Timestamp

from analysis.errors import os_error_reason
from app.export.interchange import (
    LABELS_TIER,
    SPEAKER_TIER_PREFIX,
    TRANSCRIPT_TIER,
    WORDS_TIER,
    InteropError,
    Interval,
    Tier,
    transcript_tiers,
)
from app.model.transcript import TranscriptSegment, Word, normalize_text

log = logging.getLogger(__name__)

_NOT_TRANSCRIPT = frozenset({WORDS_TIER, LABELS_TIER, "audio peaks", "pauses", "motion peaks", "shot changes"})
"""Tiers the app writes next to a transcript (and those named ``emotions: PERSON``); never taken for the transcript."""
_OVERFLOW_NAME = re.compile(r"^(?P<base>.*) \((?P<number>\d+)\)$")
"""``NAME (2)``: the extra tier that takes overlapping intervals of NAME in a TextGrid."""
_SRT_TAGS = re.compile(r"</?(?:i|b|u|font)(?:\s[^>]*)?>|\{\\an?\d+\}", re.IGNORECASE)
"""Formatting that subtitle editors put in SRT text: italics, bold, underline, colours, positions."""
_TEXTGRID_HEADER = re.compile(r'^\s*File type\s*=\s*"ooTextFile(?: short)?"\s*$')


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
    nul = text.find("\x00")
    if nul >= 0:
        raise InteropError(
            f"{path.name}, line {_line_number(text, nul)}: holds a NUL character, which no text file has "
            f"(a damaged file, or UTF-16 without its byte order mark?)"
        )
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


def _blocks(text: str) -> list[tuple[int, list[str]]]:
    """The blocks of a subtitle file (runs of lines between blank lines), each with the number of its first line."""
    blocks: list[tuple[int, list[str]]] = []
    current: list[str] | None = None
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            current = None
        elif current is None:
            current = [line]
            blocks.append((number, current))
        else:
            current.append(line)
    return blocks


def _check_last_cue(path: Path, blocks: list[tuple[int, list[str]]], what: str) -> None:
    """A file cut short after (or inside) its last cue's timing line: that cue has timings and no text."""
    if not blocks:
        return
    first, lines = blocks[-1]
    if "-->" in lines[-1]:
        raise InteropError(
            f"{path.name}, line {first + len(lines) - 1}: the last {what} has no text (is the file cut short?)"
        )


def _check_srt_blocks(path: Path, text: str) -> None:
    """What srt accepts from a file cut short: a subtitle number with no timing line after it (srt glues it onto
    the text of the subtitle before), and a last subtitle with no text."""
    blocks = _blocks(text)
    for first, lines in blocks:
        if lines[0].strip().isdigit() and (len(lines) < 2 or "-->" not in lines[1]):
            raise InteropError(
                f"{path.name}, line {first}: subtitle {lines[0].strip()} has no timing line (is the file cut short?)"
            )
    _check_last_cue(path, blocks, "subtitle")


def _check_vtt_blocks(path: Path, text: str) -> None:
    """What webvtt-py skips without a word: a block that is neither a cue (no timings: an identifier alone, the
    rest of a file cut short, text after a blank line) nor the header, a NOTE, a STYLE or a REGION; and a last
    cue with no text."""
    blocks = _blocks(text)
    for index, (first, lines) in enumerate(blocks):
        head = lines[0].strip()
        if index == 0 and head.startswith("WEBVTT") or head.split(" ", 1)[0] in ("NOTE", "STYLE", "REGION"):
            continue
        if not any("-->" in line for line in lines):
            raise InteropError(
                f"{path.name}, line {first}: a block without cue timings '{_shorten(head)}' (is the file cut short?)"
            )
    _check_last_cue(path, blocks, "cue")


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
    _check_srt_blocks(path, text)
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
    _check_vtt_blocks(path, text)
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


_TEXTGRID_SIZES = re.compile(r"^\s*(?:intervals|points):\s*size\s*=\s*(\d+)\s*$", re.MULTILINE)
_TEXTGRID_TIER_COUNT = re.compile(r"^\s*size\s*=\s*(\d+)\s*$", re.MULTILINE)


def _check_textgrid_complete(path: Path, text: str, tiers: list[dict]) -> None:
    """What praatio reads from a TextGrid cut short without a word: fewer tiers than the file declares, a tier with
    fewer intervals or points than it declares (long format), and (short format, which does not name its counts)
    an interval tier that stops before its end, where Praat's interval tiers run to it."""
    short = "item [" not in text
    if short:
        lines = [line.strip() for line in text.splitlines()]
        after = lines.index("<exists>") + 1 if "<exists>" in lines else None
        declared = int(lines[after]) if after is not None and after < len(lines) and lines[after].isdigit() else None
    else:
        found = _TEXTGRID_TIER_COUNT.search(text.split("item [", 1)[0])
        declared = int(found.group(1)) if found else None
    if declared is not None and declared != len(tiers):
        raise InteropError(f"{path.name}: the file declares {declared} tiers and holds {len(tiers)} (is it cut short?)")
    sizes = [] if short else [int(size) for size in _TEXTGRID_SIZES.findall(text)]
    if not short and len(sizes) < len(tiers):
        raise InteropError(
            f"{path.name}: tier '{tiers[len(sizes)]['name']}' does not say how many entries it has (is the file cut "
            f"short?)"
        )
    for tier, size in zip(tiers, sizes, strict=False):
        entries = list(tier["entries"])
        if len(entries) != size:
            raise InteropError(
                f"{path.name}: tier '{tier['name']}' declares {size} entries and holds {len(entries)} (is the file cut "
                f"short?)"
            )
    for tier in tiers if short else ():
        entries, end = list(tier["entries"]), float(tier["xmax"])
        if tier["class"] == INTERVAL_TIER and (not entries or abs(float(entries[-1][1]) - end) > 1e-6):
            raise InteropError(
                f"{path.name}: tier '{tier['name']}' stops before its end at {end:g} s (is the file cut short?)"
            )


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
        parsed = textgrid_io.parseTextgridStr(text, includeEmptyIntervals=True)
        _check_textgrid_complete(path, text, parsed["tiers"])
        tiers = []
        for tier_dict in parsed["tiers"]:
            name, xmin, xmax = tier_dict["name"], tier_dict["xmin"], tier_dict["xmax"]
            entries = [entry for entry in tier_dict["entries"] if entry[-1] != ""]  # praatio's rule for blanks
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
