"""Transcript and tier files: round trips through our writers and readers, files the format libraries wrote
themselves, malformed input, and all-or-nothing writing."""

from __future__ import annotations

import errno
import json
import math
import os
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest
import srt
import webvtt
from praatio import textgrid
from praatio.data_classes.interval_tier import IntervalTier
from praatio.data_classes.point_tier import PointTier
from pympi import Elan

from analysis.errors import ExportError
from app.export import interchange as interop
from app.export.interchange import (
    InteropError,
    Interval,
    Tier,
    transcript_tiers,
    write_eaf,
    write_json,
    write_srt,
    write_textgrid,
    write_txt,
    write_vtt,
)
from app.export.readers import (
    label_tier_intervals,
    read_eaf,
    read_srt,
    read_textgrid,
    read_tiers,
    read_vtt,
    tiers_to_segments,
)
from app.model.transcript import Transcript, TranscriptSegment, Word

LATE_MS = 3_723_456
"""1 h 2 min 3.456 s"""

SEGMENTS = (
    TranscriptSegment(
        500, 2000, "Bonjour, é", (Word("Bonjour,", 500, 1200, 0.91), Word("é", 1300, 2000, 0.42)), speaker="Anna"
    ),
    TranscriptSegment(
        1500,
        3000,
        "日本 の 話",
        (Word("日本", 1500, 2200, 0.8), Word("の", 2200, 2500, 0.75), Word("話", 2500, 3000, 0.6)),
        speaker="Ben",
        reviewed=True,
    ),
    TranscriptSegment(
        4000,
        5250,
        "x < y & z",
        tuple(Word(t, 4000 + 250 * i, 4250 + 250 * i, 0.5) for i, t in enumerate(["x", "<", "y", "&", "z"])),
    ),
    TranscriptSegment(
        LATE_MS,
        3_725_000,
        "late, at 1:02:03",
        (
            Word("late,", LATE_MS, 3_724_000, 0.99),
            Word("at", 3_724_100, 3_724_400, 0.98),
            Word("1:02:03", 3_724_500, 3_725_000, 0.3),
        ),
        speaker="Anna",
    ),
)
TRANSCRIPT = Transcript(SEGMENTS, language="fr", model="small")


def summary(segments):
    """What a file can carry of each segment: times, text, speaker and timed words."""
    return [
        (s.start_ms, s.end_ms, s.text, s.speaker, [(w.text, w.start_ms, w.end_ms, w.probability) for w in s.words])
        for s in segments
    ]


def without_words(segments):
    return [(s.start_ms, s.end_ms, s.text, s.speaker) for s in segments]


EXPECTED_FROM_TIERS = [
    (start, end, text, speaker, [(w, a, b, None) for w, a, b, _ in words])
    for start, end, text, speaker, words in summary(SEGMENTS)
]
"""Segments as tiers give them back: every word in its segment (by midpoint), without probabilities."""


# -- round trips ------------------------------------------------------------------------------------


def test_srt_round_trip_and_as_the_srt_library_reads_it(tmp_path: Path) -> None:
    path = write_srt(SEGMENTS, tmp_path / "talk.srt")

    parsed = list(srt.parse(path.read_text(encoding="utf-8")))
    assert [(s.index, s.start, s.end, s.content) for s in parsed] == [
        (1, timedelta(milliseconds=500), timedelta(milliseconds=2000), "Bonjour, é"),
        (2, timedelta(milliseconds=1500), timedelta(milliseconds=3000), "日本 の 話"),
        (3, timedelta(milliseconds=4000), timedelta(milliseconds=5250), "x < y & z"),
        (
            4,
            timedelta(hours=1, minutes=2, seconds=3, milliseconds=456),
            timedelta(hours=1, minutes=2, seconds=5),
            "late, at 1:02:03",
        ),
    ]
    assert "01:02:03,456 --> 01:02:05,000" in path.read_text(encoding="utf-8")

    segments = read_srt(path)
    assert without_words(segments) == [(s.start_ms, s.end_ms, s.text, "") for s in SEGMENTS]
    assert all(s.words == () for s in segments)


def test_vtt_round_trip_keeps_speakers_and_as_webvtt_reads_it(tmp_path: Path) -> None:
    path = write_vtt(SEGMENTS, tmp_path / "talk.vtt")

    captions = webvtt.read(str(path)).captions
    assert [(c.start, c.end, c.voice, c.raw_text) for c in captions] == [
        ("00:00:00.500", "00:00:02.000", "Anna", "<v Anna>Bonjour, é"),
        ("00:00:01.500", "00:00:03.000", "Ben", "<v Ben>日本 の 話"),
        ("00:00:04.000", "00:00:05.250", None, "x &lt; y &amp; z"),
        ("01:02:03.456", "01:02:05.000", "Anna", "<v Anna>late, at 1:02:03"),
    ]

    assert without_words(read_vtt(path)) == without_words(SEGMENTS)


def test_eaf_round_trip_through_tiers_and_as_pympi_reads_it(tmp_path: Path) -> None:
    media = tmp_path / "my media" / "clip é.mp4"
    media.parent.mkdir()
    media.write_bytes(b"")
    path = write_eaf(tmp_path / "talk.eaf", transcript_tiers(SEGMENTS), media_path=media)

    eaf = Elan.Eaf(str(path))
    assert list(eaf.get_tier_names()) == ["transcript", "transcript - Anna", "transcript - Ben", "words"]
    assert sorted(eaf.get_annotation_data_for_tier("transcript - Anna")) == [
        (500, 2000, "Bonjour, é"),
        (LATE_MS, 3_725_000, "late, at 1:02:03"),
    ]
    assert eaf.get_annotation_data_for_tier("transcript") == [(4000, 5250, "x < y & z")]
    assert eaf.get_parameters_for_tier("transcript - Ben")["PARTICIPANT"] == "Ben"
    assert len(eaf.get_annotation_data_for_tier("words")) == 13
    assert eaf.media_descriptors == [
        {
            "MEDIA_URL": f"file://{media.resolve().as_posix()}",
            "RELATIVE_MEDIA_URL": "./my media/clip é.mp4",
            "MIME_TYPE": "video/mp4",
        }
    ]

    tiers = read_eaf(path)
    assert [(t.name, t.participant, len(t.intervals)) for t in tiers] == [
        ("transcript", "", 1),
        ("transcript - Anna", "Anna", 2),
        ("transcript - Ben", "Ben", 1),
        ("words", "", 13),
    ]
    assert summary(tiers_to_segments(tiers)) == EXPECTED_FROM_TIERS


def test_textgrid_round_trip_through_tiers_and_as_praatio_reads_it(tmp_path: Path) -> None:
    path = write_textgrid(tmp_path / "talk.TextGrid", transcript_tiers(SEGMENTS), duration_ms=3_800_000)

    grid = textgrid.openTextgrid(str(path), includeEmptyIntervals=False)
    # "é" (1300–2000) and "日本" (1500–2200) overlap: the second goes to an extra words tier
    assert list(grid.tierNames) == ["transcript", "transcript - Anna", "transcript - Ben", "words", "words (2)"]
    assert grid.minTimestamp == 0 and grid.maxTimestamp == 3800
    anna = grid.getTier("transcript - Anna").entries
    assert [label for _, _, label in anna] == ["Bonjour, é", "late, at 1:02:03"]
    assert math.isclose(anna[1].start, 3723.456) and math.isclose(anna[1].end, 3725.0)
    assert [label for _, _, label in grid.getTier("words (2)").entries] == ["日本"]
    assert len(grid.getTier("words").entries) == 12

    tiers = read_textgrid(path)
    assert [t.name for t in tiers] == list(grid.tierNames)
    assert summary(tiers_to_segments(tiers)) == EXPECTED_FROM_TIERS


def test_subtitles_keep_zero_length_segments_and_leave_out_blank_ones(tmp_path: Path) -> None:
    segments = [
        TranscriptSegment(3000, 3500, "last", speaker="Dr. Müller & <Co>"),
        TranscriptSegment(1000, 1000, "flash"),
        TranscriptSegment(2000, 2500, "   "),
    ]
    parsed = list(srt.parse(write_srt(segments, tmp_path / "s.srt").read_text(encoding="utf-8")))
    assert [(s.index, s.start, s.end, s.content) for s in parsed] == [
        (1, timedelta(seconds=1), timedelta(seconds=1), "flash"),
        (2, timedelta(seconds=3), timedelta(seconds=3.5), "last"),
    ]
    assert without_words(read_vtt(write_vtt(segments, tmp_path / "s.vtt"))) == [
        (1000, 1000, "flash", ""),
        (3000, 3500, "last", "Dr. Müller & <Co>"),
    ]


def test_read_tiers_dispatches_on_the_suffix_in_any_case(tmp_path: Path) -> None:
    path = write_vtt(SEGMENTS, tmp_path / "TALK.VTT")
    tiers = read_tiers(path)
    assert [t.name for t in tiers] == ["transcript", "transcript - Anna", "transcript - Ben"]
    assert without_words(tiers_to_segments(tiers)) == without_words(SEGMENTS)

    srt_path = write_srt(SEGMENTS, tmp_path / "TALK.SRT")
    assert [t.name for t in read_tiers(srt_path)] == ["transcript"]

    other = tmp_path / "talk.docx"
    other.write_text("text")
    with pytest.raises(InteropError, match=r"talk\.docx: cannot import '\.docx' files"):
        read_tiers(other)


# -- files the libraries wrote ---------------------------------------------------------------------


def test_read_srt_written_by_the_srt_library(tmp_path: Path) -> None:
    subtitles = [
        srt.Subtitle(7, timedelta(seconds=3.25), timedelta(seconds=4), "second"),
        srt.Subtitle(3, timedelta(seconds=1), timedelta(seconds=2.5), "<i>Hello</i>\nwide   world"),
    ]
    path = tmp_path / "lib.srt"
    path.write_text(srt.compose(subtitles), encoding="utf-8")

    segments = read_srt(path)
    assert without_words(segments) == [(1000, 2500, "Hello wide world", ""), (3250, 4000, "second", "")]


def test_read_vtt_written_by_webvtt(tmp_path: Path) -> None:
    captions = [
        webvtt.Caption("00:00:01.000", "00:00:02.500", "<v Anna>Hello <b>there</b>"),
        webvtt.Caption("00:00:03.000", "01:00:04.000", ["two", "lines &amp; more"]),
    ]
    path = tmp_path / "lib.vtt"
    webvtt.WebVTT(captions=captions).save(str(path))

    assert without_words(read_vtt(path)) == [
        (1000, 2500, "Hello there", "Anna"),
        (3000, 3_604_000, "two lines & more", ""),
    ]


def test_read_eaf_built_with_pympi(tmp_path: Path) -> None:
    eaf = Elan.Eaf()
    eaf.add_tier("Speaker A", part="Alice")
    eaf.add_annotation("Speaker A", 2000, 2600, "second")
    eaf.add_annotation("Speaker A", 100, 900, "hello there")
    eaf.add_linguistic_type("association", constraints="Symbolic_Association", timealignable=False)
    eaf.add_tier("gloss", ling="association", parent="Speaker A")
    eaf.add_ref_annotation("gloss", "Speaker A", 500, "HELLO")
    path = tmp_path / "lib.eaf"
    eaf.to_file(str(path))

    tiers = read_eaf(path)
    assert tiers == [
        Tier("default", ()),
        Tier("Speaker A", (Interval(100, 900, "hello there"), Interval(2000, 2600, "second")), "Alice"),
        Tier("gloss", (Interval(100, 900, "HELLO"),)),
    ]
    # two tiers with text and neither called "transcript": which one is meant cannot be told
    with pytest.raises(InteropError, match="'default', 'Speaker A', 'gloss'"):
        tiers_to_segments(tiers)
    # with one, it is taken, and its participant is the speaker
    assert without_words(tiers_to_segments(tiers[:2])) == [
        (100, 900, "hello there", "Alice"),
        (2000, 2600, "second", "Alice"),
    ]


def test_read_eaf_gives_unaligned_time_slots_times_between_their_neighbours(tmp_path: Path) -> None:
    path = tmp_path / "elan.eaf"
    path.write_text(
        """<?xml version="1.0" encoding="UTF-8"?>
<ANNOTATION_DOCUMENT AUTHOR="" DATE="2024-01-01T00:00:00+00:00" FORMAT="3.0" VERSION="3.0"
    xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"
    xsi:noNamespaceSchemaLocation="http://www.mpi.nl/tools/elan/EAFv3.0.xsd">
  <HEADER MEDIA_FILE="" TIME_UNITS="milliseconds"/>
  <TIME_ORDER>
    <TIME_SLOT TIME_SLOT_ID="ts1" TIME_VALUE="1000"/>
    <TIME_SLOT TIME_SLOT_ID="ts2"/>
    <TIME_SLOT TIME_SLOT_ID="ts3" TIME_VALUE="3000"/>
  </TIME_ORDER>
  <TIER LINGUISTIC_TYPE_REF="utterance" PARTICIPANT="Kim" TIER_ID="utterance">
    <ANNOTATION><ALIGNABLE_ANNOTATION ANNOTATION_ID="a1" TIME_SLOT_REF1="ts1" TIME_SLOT_REF2="ts3">
      <ANNOTATION_VALUE>one two</ANNOTATION_VALUE></ALIGNABLE_ANNOTATION></ANNOTATION>
  </TIER>
  <TIER LINGUISTIC_TYPE_REF="subdivision" PARENT_REF="utterance" TIER_ID="words">
    <ANNOTATION><ALIGNABLE_ANNOTATION ANNOTATION_ID="a2" TIME_SLOT_REF1="ts1" TIME_SLOT_REF2="ts2">
      <ANNOTATION_VALUE>one</ANNOTATION_VALUE></ALIGNABLE_ANNOTATION></ANNOTATION>
    <ANNOTATION><ALIGNABLE_ANNOTATION ANNOTATION_ID="a3" TIME_SLOT_REF1="ts2" TIME_SLOT_REF2="ts3">
      <ANNOTATION_VALUE>two</ANNOTATION_VALUE></ALIGNABLE_ANNOTATION></ANNOTATION>
  </TIER>
  <LINGUISTIC_TYPE GRAPHIC_REFERENCES="false" LINGUISTIC_TYPE_ID="utterance" TIME_ALIGNABLE="true"/>
  <LINGUISTIC_TYPE CONSTRAINTS="Time_Subdivision" GRAPHIC_REFERENCES="false" LINGUISTIC_TYPE_ID="subdivision"
      TIME_ALIGNABLE="true"/>
</ANNOTATION_DOCUMENT>
""",
        encoding="utf-8",
    )
    tiers = read_eaf(path)
    assert tiers[1] == Tier("words", (Interval(1000, 2000, "one"), Interval(2000, 3000, "two")))
    assert summary(tiers_to_segments(tiers)) == [
        (1000, 3000, "one two", "Kim", [("one", 1000, 2000, None), ("two", 2000, 3000, None)])
    ]


@pytest.mark.parametrize("fmt", ["long_textgrid", "short_textgrid"])
def test_read_textgrid_written_by_praatio(tmp_path: Path, fmt: str) -> None:
    grid = textgrid.Textgrid()
    grid.addTier(IntervalTier("utterances", [(0.5, 1.25, "hé there"), (2.0, 3.0, "日本")], 0, 4))
    grid.addTier(PointTier("events", [(1.5, "click")], 0, 4))
    grid.addTier(IntervalTier("Labels", [(2.25, 2.75, "laugh")], 0, 4))
    path = tmp_path / "lib.TextGrid"
    grid.save(str(path), format=fmt, includeBlankSpaces=True)

    tiers = read_textgrid(path)
    assert tiers == [
        Tier("utterances", (Interval(500, 1250, "hé there"), Interval(2000, 3000, "日本"))),
        Tier("events", (Interval(1500, 1500, "click"),)),
        Tier("Labels", (Interval(2250, 2750, "laugh"),)),
    ]
    # the point tier and the labels are not a transcript: the one interval tier left is
    assert without_words(tiers_to_segments(tiers)) == [(500, 1250, "hé there", ""), (2000, 3000, "日本", "")]
    assert label_tier_intervals(tiers) == [Interval(2250, 2750, "laugh")]


# -- tiers -----------------------------------------------------------------------------------------


def test_transcript_tiers_split_by_speaker_with_a_words_tier() -> None:
    tiers = transcript_tiers(SEGMENTS)
    assert [(t.name, t.participant) for t in tiers] == [
        ("transcript", ""),
        ("transcript - Anna", "Anna"),
        ("transcript - Ben", "Ben"),
        ("words", ""),
    ]
    assert tiers[1].intervals == (Interval(500, 2000, "Bonjour, é"), Interval(LATE_MS, 3_725_000, "late, at 1:02:03"))
    assert [i.text for i in tiers[3].intervals][:4] == ["Bonjour,", "é", "日本", "の"]
    assert transcript_tiers([TranscriptSegment(0, 10, "no words")]) == [
        Tier("transcript", (Interval(0, 10, "no words"),))
    ]
    assert transcript_tiers([]) == [Tier("transcript", ())]


def test_overlapping_intervals_go_to_extra_textgrid_tiers_and_nothing_is_lost(tmp_path: Path) -> None:
    tiers = [
        Tier(
            "labels",
            (
                Interval(0, 1000, "a"),
                Interval(500, 1500, "b"),
                Interval(600, 700, "c"),
                Interval(1000, 2000, "d"),
                Interval(3000, 3000, "e"),
            ),
        ),
        Tier("pauses", ()),
    ]
    path = write_textgrid(tmp_path / "x.TextGrid", tiers, duration_ms=1000)

    grid = textgrid.openTextgrid(str(path), includeEmptyIntervals=False)
    assert list(grid.tierNames) == ["labels", "labels (2)", "labels (3)", "pauses"]
    entries = {
        name: [(round(a * 1000), round(b * 1000), t) for a, b, t in grid.getTier(name).entries]
        for name in grid.tierNames
    }
    assert entries == {
        "labels": [(0, 1000, "a"), (1000, 2000, "d"), (3000, 3001, "e")],
        "labels (2)": [(500, 1500, "b")],
        "labels (3)": [(600, 700, "c")],
        "pauses": [],
    }
    assert math.isclose(grid.maxTimestamp, 3.001)

    assert label_tier_intervals(read_textgrid(path)) == [
        Interval(0, 1000, "a"),
        Interval(500, 1500, "b"),
        Interval(600, 700, "c"),
        Interval(1000, 2000, "d"),
        Interval(3000, 3001, "e"),
    ]


def test_a_word_without_duration_keeps_the_words_tier_whole(tmp_path: Path) -> None:
    # Whisper gives some words no duration: "A" at 6.74 s, where "journey" starts. Widened to 1 ms, it ran into
    # "journey", which then went to a "words (2)" tier: the words tier lost a word.
    segments = [
        TranscriptSegment(3540, 4060, "she sells", (Word("she", 3540, 3740, 0.96), Word("sells", 3740, 4060, 0.48))),
        TranscriptSegment(
            6740,
            7100,
            "A journey of",
            (Word("A", 6740, 6740, 0.27), Word("journey", 6740, 6880, 0.91), Word("of", 6880, 7100, 0.98)),
        ),
    ]
    path = write_textgrid(tmp_path / "w.TextGrid", transcript_tiers(segments), duration_ms=8000)

    grid = textgrid.openTextgrid(str(path), includeEmptyIntervals=False)
    assert list(grid.tierNames) == ["transcript", "words"]
    assert [(round(a * 1000), round(b * 1000), t) for a, b, t in grid.getTier("words").entries] == [
        (3540, 3740, "she"),
        (3740, 4060, "sells"),
        (6740, 6741, "A"),
        (6741, 6880, "journey"),
        (6880, 7100, "of"),
    ]
    words = next(tier for tier in read_textgrid(path) if tier.name == "words")
    assert words.intervals == (
        Interval(3540, 3740, "she"),
        Interval(3740, 4060, "sells"),
        Interval(6740, 6741, "A"),
        Interval(6741, 6880, "journey"),
        Interval(6880, 7100, "of"),
    )


@pytest.mark.parametrize(
    ("name", "mime_type"),
    [
        ("a.MP4", "video/mp4"),
        ("a.wav", "audio/x-wav"),
        ("a.mov", "video/quicktime"),
        ("a.mkv", "video/*"),
        ("a.m4a", "audio/*"),
        ("a.xyz", "unknown"),
    ],
)
def test_eaf_media_type_from_the_suffix(tmp_path: Path, name: str, mime_type: str) -> None:
    path = write_eaf(tmp_path / "x.eaf", [Tier("labels", ())], media_path=tmp_path / name)
    assert Elan.Eaf(str(path)).media_descriptors[0]["MIME_TYPE"] == mime_type


def test_eaf_widens_annotations_that_do_not_end_after_they_start(tmp_path: Path) -> None:
    tier = Tier("labels", (Interval(400, 400, "point"), Interval(900, 800, "reversed"), Interval(0, 5, "ok")))
    path = write_eaf(tmp_path / "x.eaf", [tier])
    assert sorted(Elan.Eaf(str(path)).get_annotation_data_for_tier("labels")) == [
        (0, 5, "ok"),
        (400, 401, "point"),
        (900, 901, "reversed"),
    ]


def test_words_go_to_the_segment_holding_their_midpoint() -> None:
    tiers = [
        Tier("transcript - A", (Interval(0, 1000, "one two"), Interval(1000, 2000, "three"))),
        Tier("Transcript - B", (Interval(500, 1500, "two again"),)),
        Tier(
            "Words",
            (
                Interval(0, 400, "one"),
                Interval(600, 1000, "two"),  # midpoint 800 in A's first and in B's: "two" is in both texts
                Interval(900, 1300, "again"),  # midpoint 1100 in A's second and in B's: only B has "again"
                Interval(1400, 2000, "three"),
                Interval(5000, 5100, "stray"),  # in no segment: dropped
            ),
        ),
    ]
    assert summary(tiers_to_segments(tiers)) == [
        (0, 1000, "one two", "A", [("one", 0, 400, None), ("two", 600, 1000, None)]),
        (500, 1500, "two again", "B", [("again", 900, 1300, None)]),
        (1000, 2000, "three", "A", [("three", 1400, 2000, None)]),
    ]


def test_label_tier_intervals_without_a_labels_tier() -> None:
    assert label_tier_intervals([Tier("transcript", (Interval(0, 1, "x"),))]) == []


# -- malformed input ---------------------------------------------------------------------------------


def test_srt_with_a_bad_timestamp_names_the_line(tmp_path: Path) -> None:
    path = tmp_path / "subs.srt"
    path.write_text(
        "1\n00:00:01,000 --> 00:00:02,000\nHello\n\n2\n00:00:03,000 --> 00:00:04,000\nok\n\n"
        "3\n00:00:0x,000 --> 00:00:05,000\nbad\n\n4\n00:00:06,000 --> 00:00:07,000\nend\n",
        encoding="utf-8",
    )
    with pytest.raises(InteropError) as caught:
        read_srt(path)
    assert str(caught.value) == "subs.srt, line 10: bad timestamp '00:00:0x,000 --> 00:00:05,000'"


def test_vtt_with_a_bad_timestamp_or_no_header(tmp_path: Path) -> None:
    path = tmp_path / "subs.vtt"
    path.write_text("WEBVTT\n\n00:00:01.000 --> 00:00:02.000\nHello\n\n00:01.x00 --> 00:00:05.000\nbad\n")
    with pytest.raises(InteropError, match=r"^subs\.vtt, line 6: bad timestamp '00:01\.x00 --> 00:00:05\.000'$"):
        read_vtt(path)
    path.write_text("00:00:01.000 --> 00:00:02.000\nHello\n")
    with pytest.raises(InteropError, match=r"^subs\.vtt, line 1: not a WebVTT file"):
        read_vtt(path)


def test_truncated_eaf(tmp_path: Path) -> None:
    whole = write_eaf(tmp_path / "whole.eaf", transcript_tiers(SEGMENTS)).read_text(encoding="utf-8")
    path = tmp_path / "talk.eaf"
    path.write_text(whole[: len(whole) // 2], encoding="utf-8")
    with pytest.raises(InteropError, match=r"^talk\.eaf, line \d+: not well-formed XML"):
        read_eaf(path)


def test_eaf_annotation_with_a_missing_time_slot(tmp_path: Path) -> None:
    whole = write_eaf(tmp_path / "whole.eaf", transcript_tiers(SEGMENTS)).read_text(encoding="utf-8")
    assert 'ANNOTATION_ID="a3" TIME_SLOT_REF1="ts4"' in whole
    path = tmp_path / "talk.eaf"
    path.write_text(
        whole.replace('ANNOTATION_ID="a3" TIME_SLOT_REF1="ts4"', 'ANNOTATION_ID="a3" TIME_SLOT_REF1="ts99"')
    )
    with pytest.raises(InteropError) as caught:
        read_eaf(path)
    assert str(caught.value) == "talk.eaf: annotation a3 refers to a missing time slot ts99"


def test_xml_that_is_not_elan(tmp_path: Path) -> None:
    path = tmp_path / "other.eaf"
    path.write_text('<?xml version="1.0"?>\n<html><body/></html>\n')
    with pytest.raises(InteropError, match=r"^other\.eaf: not an ELAN file \(the root element is <html>\)$"):
        read_eaf(path)


def test_text_file_renamed_textgrid(tmp_path: Path) -> None:
    path = tmp_path / "x.TextGrid"
    path.write_text("Meeting notes\nitem [1]: buy milk\n")
    with pytest.raises(InteropError) as caught:
        read_textgrid(path)
    assert str(caught.value) == "x.TextGrid: not a TextGrid (line 1)"


@pytest.mark.parametrize("name", ["e.srt", "e.vtt", "e.eaf", "e.TextGrid"])
@pytest.mark.parametrize("content", [b"", b"\n  \r\n", b"\xef\xbb\xbf"])
def test_empty_file(tmp_path: Path, name: str, content: bytes) -> None:
    path = tmp_path / name
    path.write_bytes(content)
    with pytest.raises(InteropError, match=rf"^{name.replace('.', '[.]')}: the file is empty$"):
        read_tiers(path)


@pytest.mark.parametrize("reader", [read_srt, read_vtt, read_eaf, read_textgrid, read_tiers])
def test_missing_file(tmp_path: Path, reader) -> None:
    path = tmp_path / "gone.srt"
    with pytest.raises(InteropError, match=r"gone\.srt: not found$"):
        reader(path)


def test_subtitles_in_windows_1252_and_utf_16(tmp_path: Path) -> None:
    path = tmp_path / "old.srt"
    path.write_bytes("1\r\n00:00:01,000 --> 00:00:02,000\r\ncafé “quoted”\r\n".encode("cp1252"))
    assert without_words(read_srt(path)) == [(1000, 2000, "café “quoted”", "")]

    path = tmp_path / "wide.vtt"
    path.write_bytes("WEBVTT\n\n00:00:01.000 --> 00:00:02.000\n<v Zoë>日本\n".encode("utf-16"))
    assert without_words(read_vtt(path)) == [(1000, 2000, "日本", "Zoë")]


# -- writing all or nothing --------------------------------------------------------------------------

WRITERS = {
    "srt": lambda path, force: write_srt(SEGMENTS, path, force=force),
    "vtt": lambda path, force: write_vtt(SEGMENTS, path, force=force),
    "txt": lambda path, force: write_txt(SEGMENTS, path, force=force),
    "json": lambda path, force: write_json(TRANSCRIPT, path, force=force),
    "eaf": lambda path, force: write_eaf(path, transcript_tiers(SEGMENTS), force=force),
    "TextGrid": lambda path, force: write_textgrid(path, transcript_tiers(SEGMENTS), 4_000_000, force=force),
}


@pytest.mark.parametrize("suffix", WRITERS)
def test_existing_file_is_kept_without_force(tmp_path: Path, suffix: str) -> None:
    path = tmp_path / f"out.{suffix}"
    path.write_bytes(b"precious \x00 bytes")
    with pytest.raises(ExportError, match="already exists; export with --force to overwrite"):
        WRITERS[suffix](path, False)
    assert path.read_bytes() == b"precious \x00 bytes"
    assert sorted(p.name for p in tmp_path.iterdir()) == [f"out.{suffix}"]

    assert WRITERS[suffix](path, True) == path
    assert path.read_bytes() != b"precious \x00 bytes"
    assert sorted(p.name for p in tmp_path.iterdir()) == [f"out.{suffix}"]


def _fill_up(path: Path, data: bytes) -> None:
    """A disk that fills up halfway through the file."""
    with path.open("wb") as handle:
        handle.write(data[: len(data) // 2])
    raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), str(path))


@pytest.mark.parametrize("suffix", WRITERS)
def test_full_disk_leaves_no_file(tmp_path: Path, monkeypatch, suffix: str) -> None:
    monkeypatch.setattr(interop, "_write_file", _fill_up)
    path = tmp_path / "new folder" / f"out.{suffix}"
    with pytest.raises(ExportError) as caught:
        WRITERS[suffix](path, False)
    assert str(caught.value) == f"cannot write {path}: the disk is full"
    assert list(tmp_path.iterdir()) == []


def test_full_disk_keeps_the_file_force_would_replace(tmp_path: Path, monkeypatch) -> None:
    path = write_srt(SEGMENTS[:1], tmp_path / "out.srt")
    before = path.read_bytes()
    monkeypatch.setattr(interop, "_write_file", _fill_up)
    with pytest.raises(ExportError, match="the disk is full"):
        write_srt(SEGMENTS, path, force=True)
    assert path.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out.srt"]


# -- JSON and text -----------------------------------------------------------------------------------


def test_write_json_structure(tmp_path: Path) -> None:
    path = write_json(TRANSCRIPT, tmp_path / "t.json")
    text = path.read_text(encoding="utf-8")
    assert "日本" in text and '\n  "segments": [' in text  # not escaped, indented by 2
    document = json.loads(text)
    assert list(document) == ["language", "model", "segments"]
    assert document["language"] == "fr" and document["model"] == "small"
    assert document["segments"][0] == {
        "start_s": 0.5,
        "end_s": 2.0,
        "text": "Bonjour, é",
        "speaker": "Anna",
        "reviewed": False,
        "words": [
            {"word": "Bonjour,", "start_s": 0.5, "end_s": 1.2, "probability": 0.91},
            {"word": "é", "start_s": 1.3, "end_s": 2.0, "probability": 0.42},
        ],
    }
    assert document["segments"][1]["reviewed"] is True
    assert document["segments"][3]["start_s"] == 3723.456
    assert document["segments"][3]["words"][2] == {
        "word": "1:02:03",
        "start_s": 3724.5,
        "end_s": 3725.0,
        "probability": 0.3,
    }
    assert len(document["segments"]) == 4


def test_write_txt_lines(tmp_path: Path) -> None:
    path = write_txt(SEGMENTS, tmp_path / "t.txt")
    assert path.read_text(encoding="utf-8") == (
        "[00:00:00.500 – 00:00:02.000] Anna: Bonjour, é\n"
        "[00:00:01.500 – 00:00:03.000] Ben: 日本 の 話\n"
        "[00:00:04.000 – 00:00:05.250] x < y & z\n"
        "[01:02:03.456 – 01:02:05.000] Anna: late, at 1:02:03\n"
    )
    plain = write_txt(SEGMENTS, tmp_path / "plain.txt", timestamps=False)
    assert plain.read_text(encoding="utf-8") == "Anna: Bonjour, é\nBen: 日本 の 話\nx < y & z\nAnna: late, at 1:02:03\n"


def test_interop_does_not_load_qt() -> None:
    code = "import sys, app.export.interchange; print(sorted(m for m in sys.modules if m.startswith('PySide6')))"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "[]"
