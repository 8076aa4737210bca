"""The labels track: range queries, one painter for all labels, the one draggable region."""

from __future__ import annotations

import pytest

from widgets.timeline.label_track import LabelMark, LabelTrack
from widgets.timeline.timeline_view import TimelineView


@pytest.fixture
def track(qtbot) -> LabelTrack:
    view = TimelineView()
    qtbot.addWidget(view)
    track = LabelTrack()
    view.add_track(track)
    view.set_duration(60_000)
    view.resize(900, 200)
    view.show()
    return track


def test_range_queries_find_exactly_the_overlapping_labels(track: LabelTrack) -> None:
    marks = [LabelMark(i, i * 1000, i * 1000 + 2500, f"l{i}", "#ff0000") for i in range(50)]
    track.set_labels(marks)
    assert [m.id for m in track.marks_between(10_000, 12_000)] == [8, 9, 10, 11]
    assert track.mark_at(10_100).id == 8  # equal lengths: the earliest
    assert track.mark_at(-5) is None
    track.remove(9)
    assert [m.id for m in track.marks_between(10_000, 12_000)] == [8, 10, 11]
    track.put(LabelMark(8, 30_000, 30_400, "moved", "#00ff00"))
    assert track.mark_at(30_200).text == "moved"
    assert track.label_count == 49


def test_dragging_the_active_label_emits_its_new_range(qtbot, track: LabelTrack) -> None:
    track.set_labels([LabelMark(7, 5000, 6000, "irony", "#e377c2")])
    track.activate(7)
    assert track.active == 7 and track.active_region.isVisible()
    with qtbot.waitSignal(track.signals.label_moved) as blocker:
        track.active_region.setRegion((5.5, 7.25))
        track.active_region.sigRegionChangeFinished.emit(track.active_region)
    assert blocker.args == [7, 5500, 7250]
    track.remove(7)
    assert track.active is None and not track.active_region.isVisible()


def test_five_thousand_labels_paint(qtbot, track: LabelTrack) -> None:
    marks = [LabelMark(i, (i * 11) % 59_000, (i * 11) % 59_000 + 700, f"v{i % 16}", "#1f77b4") for i in range(5000)]
    track.set_labels(marks)
    image = track.plot.getViewBox().scene().views()[0].grab()
    assert not image.isNull() and track.label_count == 5000


def test_labels_closer_than_a_pixel_are_painted_as_one_rectangle() -> None:
    from widgets.timeline.label_track import _merged

    spans = [(0, 1000), (1005, 2000), (5000, 5001), (900, 1200)]
    assert _merged(spans, 0.01) == [(0.0, 2.0), (5.0, 5.01)]
    assert _merged(spans, 0.001) == [(0.0, 2.0), (5.0, 5.001)]  # 900–1200 overlaps both neighbours
    assert _merged([(0, 1000), (1005, 2000)], 0.001) == [(0.0, 1.0), (1.005, 2.0)]
    assert _merged([(0, 1000), (1005, 2000)], 0.01) == [(0.0, 2.0)]


def test_the_selection_shows_its_start_and_end_lines(track: LabelTrack) -> None:
    track.set_selection(8000, None)
    assert track.selection_in.isVisible() and track.selection_in.value() == pytest.approx(8.0)
    assert not track.selection_out.isVisible() and not track.selection.isVisible()
    track.set_selection(8000, 9000)
    assert track.selection_out.isVisible() and track.selection.getRegion() == pytest.approx((8.0, 9.0))
    track.set_selection(None, 9000)
    assert not track.selection_in.isVisible() and track.selection_out.isVisible()
    assert not track.selection.isVisible()
    track.clear()
    assert not any(item.isVisible() for item in (track.selection, track.selection_in, track.selection_out))


def test_the_context_menu_names_another_annotators_label(qtbot, track: LabelTrack) -> None:
    track.set_labels(
        [LabelMark(1, 0, 1000, "fear · Ana", "#9467bd"), LabelMark(2, 2000, 3000, "fear · Bea", "#9467bd", "Bea")]
    )
    own, other = track.context_menu(track.mark_at(500)), track.context_menu(track.mark_at(2500))
    assert [action.text() for action in own.actions()] == ["Delete label fear · Ana"]
    assert [action.text() for action in other.actions()] == ["Delete Bea's label fear · Bea…"]
    with qtbot.waitSignal(track.signals.label_delete_requested) as blocker:
        other.actions()[0].trigger()
    assert blocker.args == [2]


def test_overlapping_labels_get_lanes_of_their_own() -> None:
    from widgets.timeline.label_track import _lanes

    spans = [(0, 10, 1), (5, 15, 2), (10, 11, 5), (12, 20, 3), (13, 14, 4)]
    assert _lanes(spans) == {1: 0, 2: 1, 5: 0, 3: 0, 4: 2}


def painted_texts(qtbot, track: LabelTrack, monkeypatch) -> list[tuple[object, str]]:
    """(rectangle in pixels, text) of every label text the track paints."""
    painted = []
    item = track._item
    texts = item.texts

    def record(*args):
        out = texts(*args)
        painted.extend((box, text) for box, text, _font in out)
        return out

    monkeypatch.setattr(item, "texts", record)
    track.plot.getViewBox().scene().views()[0].grab()
    return painted


def test_two_annotators_overlapping_labels_draw_their_texts_apart(qtbot, track: LabelTrack, monkeypatch) -> None:
    track.plot.getViewBox().setXRange(0, 30, padding=0)
    track.set_labels(
        [
            LabelMark(1, 2000, 14_000, "irony · Ana", "#e377c2"),
            LabelMark(2, 8000, 20_000, "sarcasm · Bea", "#9467bd", "Bea"),
            LabelMark(3, 15_000, 22_000, "joke · Ana", "#e377c2"),
        ]
    )
    assert [track.lane(i) for i in (1, 2, 3)] == [0, 1, 0]  # Ana's second label is clear of her first
    painted = painted_texts(qtbot, track, monkeypatch)
    assert sorted(text for _box, text in painted) == ["irony · Ana", "joke · Ana", "sarcasm · Bea"]
    boxes = [box for box, _text in painted]
    assert not any(a.intersects(b) for i, a in enumerate(boxes) for b in boxes[i + 1 :])
    assert track._item.lanes_shown == 2
    # a click picks the label of the lane it is in
    assert track.mark_at(10_000, 0).id == 1 and track.mark_at(10_000, 1).id == 2
    assert track.mark_at(10_000).id == 1  # no lane: the shortest, the earliest of equals


def test_a_label_text_is_elided_to_its_own_rectangle(qtbot, track: LabelTrack, monkeypatch) -> None:
    track.plot.getViewBox().setXRange(0, 60, padding=0)
    track.set_labels(
        [
            LabelMark(1, 1000, 4000, "a very long label name that does not fit in three seconds", "#1f77b4"),
            LabelMark(2, 4000, 9000, "next", "#ff7f0e"),
        ]
    )
    painted = painted_texts(qtbot, track, monkeypatch)
    (first, first_text), (second, _) = sorted(painted, key=lambda entry: entry[0].left())
    assert first_text.endswith("…") and first.right() <= second.left()
