"""The transcript rules: one timed word per word of the text (the aligner's pieces regrouped), which words are to
check, where a segment can be split."""

from __future__ import annotations

import pytest

from app.model.transcript import (
    TranscriptSegment,
    Word,
    can_split,
    has_word_timings,
    regroup_words,
    split_segment,
    timed_words,
    words_to_check,
)
from tests.helpers.transcripts import ALIGNED_PIECES, CORRECTED_TEXT, corrected_segment

TEXT = CORRECTED_TEXT
ALIGNED = ALIGNED_PIECES
CORRECTED = corrected_segment(7)


def test_aligned_pieces_are_regrouped_onto_the_words_of_the_text() -> None:
    assert timed_words(CORRECTED) == (
        Word("This", 1000, 1200, 0.9),
        Word("is", 1200, 1300, 0.9),
        Word("a", 1300, 1350, 0.9),
        Word("well-known", 1400, 1900, 0.2),
        Word("fact;", 2000, 2310, 0.1),
        Word("really.", 2500, 2900, 0.95),
    )
    assert has_word_timings(CORRECTED)
    # a piece shared by two words gives both its times; a piece that is not in the text: no regrouping
    assert regroup_words(["10", "-", "or"], [Word("10", 0, 100, 0.9), Word("- or", 100, 300, 0.4)]) == (
        Word("10", 0, 100, 0.9),
        Word("-", 100, 300, 0.4),
        Word("or", 100, 300, 0.4),
    )
    assert regroup_words(["hello", "world"], [Word("hello", 0, 100), Word("word", 100, 200)]) is None


def test_the_words_to_check_are_the_low_words_of_the_text_and_the_count_is_theirs() -> None:
    assert words_to_check(CORRECTED) == (3, 4)  # "well-known" and "fact;", not 8 aligned pieces' indices
    assert CORRECTED.low_words == 2
    # text edited and not aligned yet: placeholders, nothing to check
    edited = TranscriptSegment(1000, 3000, "This is a well known fact", ALIGNED)
    assert words_to_check(edited) == () and edited.low_words == 0 and not has_word_timings(edited)


def test_a_corrected_segment_splits_at_any_word_of_its_text() -> None:
    assert [can_split(CORRECTED, i) for i in range(7)] == [False, True, True, True, True, True, False]
    first, second = split_segment(CORRECTED, 4)
    assert (first.start_ms, first.end_ms, first.text, first.id, first.timing) == (
        1000,
        1900,
        "This is a well-known",
        7,
        "aligned",
    )
    assert (second.start_ms, second.end_ms, second.text, second.id) == (2000, 3000, "fact; really.", None)
    assert [w.text for w in second.words] == ["fact;", "really."]


def test_a_segment_without_word_timings_splits_at_estimated_times() -> None:
    imported = TranscriptSegment(0, 1000, "one two three four")  # e.g. from an SRT: no word times
    assert not has_word_timings(imported)
    first, second = split_segment(imported, 2)
    # "one two " is 8 of the 19 weighted characters: 1000 * 8 / 19 = 421 ms
    assert (first.start_ms, first.end_ms, first.text, first.timing) == (0, 421, "one two", "estimated")
    assert (second.start_ms, second.end_ms, second.text, second.timing) == (421, 1000, "three four", "estimated")
    with pytest.raises(ValueError):
        split_segment(imported, 0)
    with pytest.raises(ValueError):
        split_segment(imported, 4)
