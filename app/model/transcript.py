"""The transcript as plain data: segments of text with word timings, and the pure operations on it.

Qt-free: the store, the CLI, the exports and the window's transcript book all use these classes. Times are
integer milliseconds of media time, like everywhere in the project. A segment's ``text`` is what the user
reads and edits; its ``words`` are the timed tokens of that text (after an edit they are re-derived by
forced alignment, see :mod:`analysis.transcribe`).
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace

LOW_PROBABILITY = 0.5
"""Words the model gave less than this probability are marked for review."""

CONTEXT_WINDOWS_S = (1, 5, 10, 20, 30, 40, 50, 60)
"""The W of "transcript from peak − W to peak + W" offered to the user."""
DEFAULT_CONTEXT_WINDOW_S = 10
"""The W shown first around a peak, and the exports' W around an item when they have no context of their own."""

SENTENCE_GAP_MS = 1000
"""A silence this long between two words ends a sentence around a peak, punctuation or not."""
_SENTENCE_END = re.compile(r"[.!?…。！？]+[\"'”)\]]*$")


@dataclass(frozen=True, slots=True)
class Word:
    """One timed word. ``text`` has no surrounding spaces; punctuation stays attached ("Hello,")."""

    text: str
    start_ms: int
    end_ms: int
    probability: float | None = None
    """the model's probability, None for words that came from an import without one"""

    @property
    def low(self) -> bool:
        """Whether the model was unsure of the word (probability below LOW_PROBABILITY): marked for review."""
        return self.probability is not None and self.probability < LOW_PROBABILITY


@dataclass(frozen=True, slots=True)
class TranscriptSegment:
    """One transcript segment (a subtitle line, an ELAN annotation)."""

    start_ms: int
    end_ms: int
    text: str
    words: tuple[Word, ...] = ()
    speaker: str = ""
    reviewed: bool = False
    id: int | None = None
    """the project's row id; None before it is stored"""
    timing: str = "model"
    """where the word times come from: 'model', 'aligned' (forced alignment after an edit) or 'estimated'"""

    @property
    def low_words(self) -> int:
        """How many words of the segment's text are marked for review (see :func:`words_to_check`)."""
        return len(words_to_check(self))

    def with_text(self, text: str) -> TranscriptSegment:
        """A copy with ``text`` normalised to one line; the words stay as they are until alignment redoes them."""
        return replace(self, text=normalize_text(text))


@dataclass(frozen=True, slots=True)
class Transcript:
    """A whole transcript of one media file, segments sorted by start."""

    segments: tuple[TranscriptSegment, ...] = ()
    language: str = ""
    model: str = ""
    params: dict = field(default_factory=dict)

    @property
    def word_count(self) -> int:
        """Words in the transcript; a segment without timed words counts the words of its text."""
        return sum(len(segment.words) or len(segment.text.split()) for segment in self.segments)

    @property
    def speakers(self) -> list[str]:
        """The distinct speaker names given to segments, sorted."""
        return sorted({segment.speaker for segment in self.segments if segment.speaker})


def normalize_text(text: str) -> str:
    """One line, single spaces, no leading/trailing blanks."""
    return " ".join(text.split())


def words_text(words: Iterable[Word]) -> str:
    """The text the words spell, separated by single spaces."""
    return normalize_text(" ".join(word.text for word in words))


def proportional_words(text: str, start_ms: int, end_ms: int) -> tuple[Word, ...]:
    """Words spread over [start, end] in proportion to their length (a placeholder until aligned, and the
    timing of imported subtitles, which carry no word times)."""
    tokens = normalize_text(text).split()
    if not tokens:
        return ()
    weights = [len(token) + 1 for token in tokens]
    total = sum(weights)
    span = max(0, end_ms - start_ms)
    words, acc = [], 0
    for token, weight in zip(tokens, weights, strict=True):
        a = start_ms + round(span * acc / total)
        acc += weight
        b = start_ms + round(span * acc / total)
        words.append(Word(token, a, b, None))
    return tuple(words)


def regroup_words(tokens: Sequence[str], words: Sequence[Word]) -> tuple[Word, ...] | None:
    """The timed ``words`` regrouped onto ``tokens`` (the words of a text, split at spaces) when both spell
    the same characters with other breaks, else None.

    The aligner and the model cut a text at punctuation too: "well-known" comes back as "well" "-known", "3.5"
    as "3" ".5", a lone ";" or "%" as a word of its own. Each token takes the pieces it is made of: the first
    one's start, the last one's end and the lowest probability (a token is as unsure as its least sure
    piece); a piece shared by two tokens ("- or") gives both its times."""
    pieces = ["".join(word.text.split()) for word in words]
    if not tokens or "".join(pieces) != "".join(tokens):
        return None
    out: list[Word] = []
    index, used = 0, 0
    for token in tokens:
        need, mine = len(token), []
        while need:
            while used == len(pieces[index]):
                index, used = index + 1, 0
            take = min(need, len(pieces[index]) - used)
            mine.append(words[index])
            used, need = used + take, need - take
        probabilities = [word.probability for word in mine if word.probability is not None]
        out.append(
            Word(
                token,
                mine[0].start_ms,
                max(mine[0].start_ms, max(word.end_ms for word in mine)),
                min(probabilities) if probabilities else None,
            )
        )
    return tuple(out)


def _timed(segment: TranscriptSegment) -> tuple[tuple[Word, ...], bool]:
    """:func:`timed_words` and whether they are real timings (False: placeholders spread over the segment)."""
    tokens = segment.text.split()
    if len(segment.words) == len(tokens):
        return segment.words, True
    regrouped = regroup_words(tokens, segment.words)
    if regrouped is not None:
        return regrouped, True
    return proportional_words(segment.text, segment.start_ms, segment.end_ms), False


def timed_words(segment: TranscriptSegment) -> tuple[Word, ...]:
    """One timed word per token of the segment's text: what its row shows, a split cuts at and the review
    counts. Its own words when they match the text token for token; else its words regrouped onto the
    tokens (:func:`regroup_words`); else placeholders spread over the segment (:func:`proportional_words`:
    text edited and not aligned yet, imported without word times)."""
    return _timed(segment)[0]


def has_word_timings(segment: TranscriptSegment) -> bool:
    """Whether the words of the segment's text have timings of their own (the model's or aligned ones), not
    placeholders spread over the segment."""
    return _timed(segment)[1]


def words_to_check(segment: TranscriptSegment) -> tuple[int, ...]:
    """Which words of the segment's text (indices among its tokens) are marked for review: those whose timed
    word the model was unsure of. The one rule for the underlined words and every "to check" count."""
    return tuple(index for index, word in enumerate(timed_words(segment)) if word.low)


# -- split and merge -----------------------------------------------------------------------------------


def can_split(segment: TranscriptSegment, word_index: int) -> bool:
    """Whether the segment can be split before word ``word_index`` of its text: at any word but the first.
    A text whose words have no timings of their own (edited and not aligned yet, imported without word
    times) is split at estimated times (see :func:`timed_words`)."""
    return 0 < word_index < len(segment.text.split())


def split_segment(segment: TranscriptSegment, word_index: int) -> tuple[TranscriptSegment, TranscriptSegment]:
    """Split before word ``word_index`` of the text (1 … words − 1, see :func:`can_split`): the first part ends
    where its last word ends (or where the second part's first word starts, whichever is later), the second
    starts at its first word. Texts are rebuilt from the words, so a split never loses or duplicates one.
    Without real word timings the parts take estimated ones (``timing`` 'estimated')."""
    words, real = _timed(segment)
    if not can_split(segment, word_index):
        raise ValueError(f"cannot split a segment of {len(words)} words before word {word_index}")
    timing = segment.timing if real else "estimated"
    first, second = words[:word_index], words[word_index:]
    cut = min(max(first[-1].end_ms, segment.start_ms), second[0].start_ms)
    cut = max(cut, segment.start_ms)
    a = replace(segment, end_ms=cut, text=words_text(first), words=first, id=segment.id, timing=timing)
    b = replace(
        segment, start_ms=max(cut, second[0].start_ms), text=words_text(second), words=second, id=None, timing=timing
    )
    return a, b


def merge_segments(first: TranscriptSegment, second: TranscriptSegment) -> TranscriptSegment:
    """One segment covering both, words concatenated; the first's speaker and id, reviewed only if both were."""
    if second.start_ms < first.start_ms:
        first, second = second, first
    return replace(
        first,
        end_ms=max(first.end_ms, second.end_ms),
        text=normalize_text(f"{first.text} {second.text}"),
        words=first.words + second.words,
        reviewed=first.reviewed and second.reviewed,
    )


def clamp_words(words: Sequence[Word], start_ms: int, end_ms: int) -> tuple[Word, ...]:
    """Words kept inside [start, end] (after the user moved a segment's edge): times clipped, order kept."""
    out = []
    for word in words:
        a = min(max(word.start_ms, start_ms), end_ms)
        b = min(max(word.end_ms, a), end_ms)
        out.append(replace(word, start_ms=a, end_ms=b))
    return tuple(out)


# -- find / replace ------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Match:
    """One occurrence of a searched text: which segment, and where in its text."""

    segment_index: int
    start: int
    """character offsets in the segment's text"""
    end: int


def find_all(
    segments: Sequence[TranscriptSegment], needle: str, case_sensitive: bool = False, whole_word: bool = False
) -> list[Match]:
    """Every occurrence of ``needle`` (literal text), in segment then text order; none for an empty needle."""
    if not needle:
        return []
    pattern = re.escape(needle)
    if whole_word:
        pattern = rf"(?<!\w){pattern}(?!\w)"
    regex = re.compile(pattern, 0 if case_sensitive else re.IGNORECASE)
    return [
        Match(index, m.start(), m.end()) for index, segment in enumerate(segments) for m in regex.finditer(segment.text)
    ]


def replace_all(
    segments: Sequence[TranscriptSegment],
    needle: str,
    replacement: str,
    case_sensitive: bool = False,
    whole_word: bool = False,
) -> dict[int, str]:
    """The new text of every segment that changes, by index in ``segments``."""
    if not needle:
        return {}
    pattern = re.escape(needle)
    if whole_word:
        pattern = rf"(?<!\w){pattern}(?!\w)"
    regex = re.compile(pattern, 0 if case_sensitive else re.IGNORECASE)
    changed = {}
    for index, segment in enumerate(segments):
        text = normalize_text(regex.sub(lambda _m: replacement, segment.text))
        if text != segment.text:
            changed[index] = text
    return changed


# -- the transcript around a peak ------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ContextWindow:
    """The words from peak − W to peak + W as one text, and which part of it is the sentence at the peak."""

    text: str
    highlight: tuple[int, int]
    """character range [start, end) of the sentence containing the peak (empty when no word is near)"""
    start_ms: int
    """peak − W, not before the media's start"""
    end_ms: int
    """peak + W, not after the media's end when its duration is known"""
    words: tuple[Word, ...]
    peak_ms: int
    window_ms: int
    """the W asked for (the range is shorter at the media's ends)"""

    @property
    def sentence(self) -> str:
        """The highlighted sentence, the one at the peak ("" when no word is near)."""
        return self.text[self.highlight[0] : self.highlight[1]]


def all_words(segments: Sequence[TranscriptSegment]) -> list[Word]:
    """Every word in time order (segments without word timings contribute proportional words)."""
    words: list[Word] = []
    for segment in segments:
        words.extend(segment.words or proportional_words(segment.text, segment.start_ms, segment.end_ms))
    return words


def context_window(
    words: Sequence[Word], peak_ms: int, window_s: float, duration_ms: int | None = None
) -> ContextWindow:
    """The transcript from ``peak − W`` to ``peak + W`` (words overlapping that range, which stays inside
    the media: from 0 to ``duration_ms`` when given), with the sentence containing the peak highlighted: the
    word at the peak (or, in a pause, the nearest word) and its neighbours up to sentence-ending punctuation
    or a silence of SENTENCE_GAP_MS (a transcript without punctuation has no other sentence ends). Sentences
    are cut at the window's edge.

    ``words`` must be in time order (see :func:`all_words`); lookups are binary searches, so this is cheap
    for every flagged segment of a 3-hour transcript."""
    w = round(window_s * 1000)
    lo_ms, hi_ms = max(0, peak_ms - w), peak_ms + w
    if duration_ms is not None:
        hi_ms = max(lo_ms, min(hi_ms, duration_ms))
    ends = [word.end_ms for word in words]
    first = bisect.bisect_right(ends, lo_ms)
    last = first
    while last < len(words) and words[last].start_ms < hi_ms:
        last += 1
    chosen = tuple(words[first:last])
    if not chosen:
        return ContextWindow("", (0, 0), lo_ms, hi_ms, (), peak_ms, w)
    # the word at the peak, else the nearest one
    at = min(
        range(len(chosen)),
        key=lambda i: (
            0
            if chosen[i].start_ms <= peak_ms <= chosen[i].end_ms
            else min(abs(chosen[i].start_ms - peak_ms), abs(chosen[i].end_ms - peak_ms))
        ),
    )
    s = at
    while s > 0 and not _ends_sentence(chosen[s - 1], chosen[s]):
        s -= 1
    e = at
    while e < len(chosen) - 1 and not _ends_sentence(chosen[e], chosen[e + 1]):
        e += 1
    offsets, pos = [], 0
    for word in chosen:
        offsets.append(pos)
        pos += len(word.text) + 1
    text = " ".join(word.text for word in chosen)
    highlight = (offsets[s], offsets[e] + len(chosen[e].text))
    return ContextWindow(text, highlight, lo_ms, hi_ms, chosen, peak_ms, w)


def _ends_sentence(word: Word, following: Word) -> bool:
    """Whether a sentence ends after ``word``: sentence-ending punctuation, or a long silence before the next."""
    return bool(_SENTENCE_END.search(word.text)) or following.start_ms - word.end_ms >= SENTENCE_GAP_MS


def review_progress(segments: Sequence[TranscriptSegment]) -> tuple[int, int]:
    """(reviewed, total) segments."""
    return sum(1 for segment in segments if segment.reviewed), len(segments)


def segment_at(segments: Sequence[TranscriptSegment], ms: int) -> int | None:
    """Index of the segment playing at ``ms`` (segments sorted by start), or None in a gap."""
    starts = [segment.start_ms for segment in segments]
    i = bisect.bisect_right(starts, ms) - 1
    if i >= 0 and segments[i].start_ms <= ms < max(segments[i].end_ms, segments[i].start_ms + 1):
        return i
    return None


def word_at(words: Sequence[Word], ms: int) -> int | None:
    """Index of the word playing at ``ms``, or None between words."""
    starts = [word.start_ms for word in words]
    i = bisect.bisect_right(starts, ms) - 1
    if i >= 0 and words[i].start_ms <= ms < max(words[i].end_ms, words[i].start_ms + 1):
        return i
    return None
