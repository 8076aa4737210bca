"""The one review model: which segments are reviewed, with their pauses, shot changes and labels."""

from __future__ import annotations

from collections.abc import Iterator, Sequence

import pytest

from analysis.audio import Peak
from analysis.pauses import Span
from analysis.salience import ShotIndex, ShotRule, ShotSpan, shot_change_near
from app.model.records import LabelRecord, segment_key
from app.model.review import Segment, TrackPeak, review_items


def label(label_id: int, source: str, start: int, end: int, annotator: str = "ann", value: str = "joy") -> LabelRecord:
    return LabelRecord(
        label_id, 1, start, end, None, source, segment_key(source, start, end), 1, value, "label", None, None, "",
        annotator, "human", "", "",
    )  # fmt: skip


AUDIO = [Peak(1000, 1400, 1200, 3.0, 0.5), Peak(8000, 8300, 8100, -2.5, 0.01)]
MOTION = [Peak(1300, 1900, 1500, 2.2, 9.0), Peak(20000, 20500, 20200, 4.0, 12.0)]


def test_one_moment_one_item_with_the_tracks_that_flagged_it() -> None:
    """Issue 12 item 11: the audio peak at 1.2 s and the motion peak at 1.5 s were three rows (audio, motion,
    audio + motion); they are one item now, whose segment holds both peaks and says which track found what."""
    items = review_items(AUDIO, MOTION)
    assert [(i.segment.source, i.segment.start_ms, i.segment.end_ms, i.segment.peak_ms) for i in items] == [
        ("multimodal_peak", 1000, 1900, 1200),
        ("audio_peak", 8000, 8300, 8100),
        ("motion_peak", 20000, 20500, 20200),
    ]
    pair = items[0].segment
    assert pair.z == 3.0 + 2.2 and (pair.audio, pair.motion) == (TrackPeak(1200, 3.0), TrackPeak(1500, 2.2))
    assert pair.tracks == "audio + motion"
    assert pair.tracks_detail == "audio: peak 00:01.200, z +3.00 · motion: peak 00:01.500, z +2.20"
    assert pair.aliases == ("audio_peak:1000:1400", "motion_peak:1300:1900")
    assert (items[1].segment.tracks, items[1].segment.motion) == ("audio", None)
    assert items[2].segment.tracks_detail == "motion: peak 00:20.200, z +4.00"
    assert all(not item.labels and item.shot_change is None for item in items)


def test_labels_attach_by_key_and_loose_labels_are_ranges_of_their_own() -> None:
    on_audio = label(1, "audio_peak", 1000, 1400)
    on_pair = label(2, "multimodal_peak", 1000, 1900, annotator="bob")
    gone = label(3, "audio_peak", 5000, 5200)
    chosen = label(4, "selection", 30000, 31000)
    items = {item.key: item for item in review_items(AUDIO, MOTION, [on_audio, on_pair, gone, chosen])}
    # a label given to the audio peak alone (before the motion run joined it) stays on its moment
    assert items["multimodal_peak:1000:1900"].labels == (on_audio, on_pair)
    assert items["multimodal_peak:1000:1900"].own_label("bob") is on_pair
    assert items["multimodal_peak:1000:1900"].own_label("ann") is on_audio
    assert items["audio_peak:5000:5200"].labels == (gone,) and items["audio_peak:5000:5200"].segment.z is None
    assert items["selection:30000:31000"].labels == (chosen,)
    assert len(items) == 5


def test_pause_context_and_shot_changes() -> None:
    pauses = [Span(0, 900), Span(1500, 2500), Span(9000, 9500)]
    shots = [ShotSpan("cut", 8350, 8350), ShotSpan("zoom", 19000, 20100)]
    selection = Segment("selection", 8000, 8300)
    items = review_items(AUDIO, MOTION, (), pauses, shots, [selection])
    by_key = {item.key: item for item in items}
    audio = by_key["multimodal_peak:1000:1900"]
    assert (audio.pause_before, audio.pause_after) == (Span(0, 900), Span(1500, 2500))
    quiet = by_key["audio_peak:8000:8300"]
    assert quiet.shot_change == ShotSpan("cut", 8350, 8350) and quiet.not_significant
    assert by_key["motion_peak:20000:20500"].shot_change == ShotSpan("zoom", 19000, 20100)
    # the user's own range at the same place is never put aside for a shot change
    assert by_key["selection:8000:8300"].shot_change is None and not by_key["selection:8000:8300"].not_significant
    assert by_key["multimodal_peak:1000:1900"].shot_change is None


def test_a_labelled_segment_at_a_shot_change_is_significant() -> None:
    shots = [ShotSpan("cut", 8350, 8350)]
    items = review_items(AUDIO, (), [label(1, "audio_peak", 8000, 8300)], (), shots)
    quiet = next(item for item in items if item.key == "audio_peak:8000:8300")
    assert quiet.shot_change is not None and not quiet.not_significant


class CountingSequence(Sequence):
    """A sequence that counts the passes made over it and the items read one by one."""

    def __init__(self, items: list) -> None:
        self._items, self.passes, self.reads = items, 0, 0

    def __len__(self) -> int:
        return len(self._items)

    def __getitem__(self, index):
        self.reads += 1
        return self._items[index]

    def __iter__(self) -> Iterator:
        self.passes += 1
        return iter(self._items)


def test_pauses_and_shots_are_read_once_however_many_segments() -> None:
    """Issue 12 item 40: each segment's pause context and shot change went over every pause and every shot, so
    50,000 labels on a 3-hour recording froze the window for minutes. Each is now read once for all segments."""
    pauses = CountingSequence([Span(start, start + 400) for start in range(0, 3_000_000, 1000)])
    shots = CountingSequence([ShotSpan("cut", start, start) for start in range(500, 3_000_000, 7000)])
    peaks = [Peak(start, start + 300, start + 100, 3.0, 1.0) for start in range(200, 3_000_000, 3000)]
    labels = [label(index, "selection", start, start + 700) for index, start in enumerate(range(0, 3_000_000, 300))]
    items = review_items(peaks, (), labels, pauses, shots)
    assert len(items) == len(peaks) + len(labels) == 11_000
    assert pauses.passes <= 1 and pauses.reads <= 2 * len(items)
    assert shots.passes <= 2 and shots.reads <= len(shots) + len(peaks)
    flagged = next(item for item in items if item.key == "audio_peak:21200:21500")
    assert (flagged.pause_before, flagged.pause_after) == (Span(20000, 20400), Span(22000, 22400))
    assert flagged.shot_change == ShotSpan("cut", 21500, 21500)
    assert next(item for item in items if item.key == "audio_peak:3200:3500").shot_change is None


def test_shot_index_answers_as_the_rule_does() -> None:
    """The first change in the given order that matches, a cut within the margin or an overlapping zoom."""
    shots = [
        ShotSpan("zoom", 4000, 9000),
        ShotSpan("cut", 5200, 5200),
        ShotSpan("cut", 1000, 1000),
        ShotSpan("zoom", 12_000, 12_500),
        ShotSpan("cut", 12_100, 12_100),
    ]
    index = ShotIndex(shots)
    for start in range(0, 14_000, 50):
        for length in (1, 200, 900, 3000):
            assert index.near(start, start + length) == shot_change_near(start, start + length, shots), start


def test_every_peak_inside_its_own_segment_and_in_no_other() -> None:
    """A long motion run overlapping two audio peaks, a stored audio peak outside its windows, a label on each of
    the old keys: one item per moment, each peak inside its segment only, every label on its moment."""
    audio = [Peak(10_000, 11_000, 10_200, 3.0, 0.5), Peak(13_000, 14_000, 12_950, 2.1, 0.4)]
    motion = [Peak(10_800, 12_500, 12_000, 4.0, 9.0), Peak(30_000, 30_400, 30_100, 2.5, 6.0)]
    labels = [label(1, "audio_peak", 13_000, 14_000), label(2, "motion_peak", 10_800, 12_500, annotator="bob")]
    items = review_items(audio, motion, labels)
    assert [(i.key, i.segment.peak_ms) for i in items] == [
        ("multimodal_peak:10000:14000", 10_200),
        ("motion_peak:30000:30400", 30_100),
    ]
    assert items[0].labels == tuple(labels)
    assert items[0].segment.audio == TrackPeak(10_200, 3.0) and items[0].segment.motion == TrackPeak(12_000, 4.0)
    for item in items:
        others = [other.segment for other in items if other is not item]
        for peak in (item.segment.peak_ms, item.segment.audio, item.segment.motion):
            t = peak.peak_ms if isinstance(peak, TrackPeak) else peak
            if t is None:
                continue
            assert item.segment.start_ms <= t <= item.segment.end_ms
            assert not any(other.start_ms <= t <= other.end_ms for other in others)


def test_the_shot_rule_says_which_kinds_count_how_near_and_why() -> None:
    """Issue 14: a fade is one span, a peak within the rule's distance of it is marked with the reason; kinds
    left out of the rule, or a smaller distance, make the peak significant again."""
    fade, pan = ShotSpan("fade", 12_300, 14_100), ShotSpan("pan", 30_000, 32_000)
    motion = [Peak(14_400, 15_000, 14_700, 3.0, 9.0), Peak(31_000, 31_500, 31_200, 3.0, 9.0)]
    near_fade, in_pan = review_items((), motion, shots=[fade, pan])
    assert (near_fade.shot_change, near_fade.why) == (fade, "within 0.5 s of a fade 00:12.300–00:14.100")
    assert (in_pan.shot_change, in_pan.why) == (pan, "during a pan 00:30.000–00:32.000")
    closer = review_items((), motion, shots=[fade, pan], rule=ShotRule(frozenset({"fade", "pan"}), 250))
    assert [(item.not_significant, item.why) for item in closer] == [
        (False, ""),
        (True, "during a pan 00:30.000–00:32.000"),
    ]
    transitions_only = review_items((), motion, shots=[fade, pan], rule=ShotRule(frozenset({"cut", "fade"}), 500))
    assert [item.not_significant for item in transitions_only] == [True, False]
    labelled = review_items((), motion[:1], [label(1, "motion_peak", 14_400, 15_000)], shots=[fade])
    assert (labelled[0].not_significant, labelled[0].why) == (False, "")


def test_a_shot_rule_refuses_unknown_kinds_and_distances_out_of_range() -> None:
    with pytest.raises(ValueError, match="unknown kind of shot change: wipe"):
        ShotRule(frozenset({"cut", "wipe"}))
    with pytest.raises(ValueError, match="between 0 and 10000 ms"):
        ShotRule(margin_ms=-1)
    rule = ShotRule(frozenset({"zoom", "cut"}), 800)
    assert rule.params() == {"kinds": ["cut", "zoom"], "margin_ms": 800}
    assert ShotRule.from_params(rule.params()) == rule
