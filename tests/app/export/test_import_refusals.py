"""Files a transcript import refuses whole, with the line at fault: a subtitle file cut short (the srt library
glues its last fragment onto the cue before; webvtt-py drops it), NUL characters, and anything ending long after
the media (a cue at 99,999 h on a 10 s video)."""

from __future__ import annotations

from pathlib import Path

import pytest

from analysis.media import MediaInfo
from app.export.interchange import InteropError, Interval, Tier, write_textgrid
from app.export.readers import read_eaf, read_srt, read_textgrid, read_vtt
from app.export.transcripts import IMPORT_OVERRUN_MS, import_file
from app.model.records import NewLabel
from app.project.store import Store

SRT_HEAD = "1\n00:00:01,000 --> 00:00:02,000\nHello there.\n\n"
VTT_HEAD = "WEBVTT\n\n00:00:01.000 --> 00:00:02.000\nHello there.\n\n"


@pytest.mark.parametrize(
    ("tail", "message"),
    [
        ("2\n", "line 5: subtitle 2 has no timing line (is the file cut short?)"),
        ("2", "line 5: subtitle 2 has no timing line (is the file cut short?)"),
        ("2\n00:00:03,000 --> 00:00:0", "line 6: the last subtitle has no text (is the file cut short?)"),
        ("2\n00:00:03,000 --> 00:00:04,000\n", "line 6: the last subtitle has no text (is the file cut short?)"),
        ("2\n00:00:03,000 --> 00:00:04,000", "line 6: the last subtitle has no text (is the file cut short?)"),
        ("2\n00:00:03,000 --> 00:00:04,000\nSea \x00shells\n", "line 7: holds a NUL character"),
    ],
)
def test_a_truncated_srt_is_refused_whole(tmp_path: Path, tail: str, message: str) -> None:
    path = tmp_path / "cut.srt"
    path.write_text(SRT_HEAD + tail, encoding="utf-8")
    with pytest.raises(InteropError) as caught:
        read_srt(path)
    assert str(caught.value).startswith(f"cut.srt, {message}")


@pytest.mark.parametrize(
    ("tail", "message"),
    [
        ("2\n", "line 6: a block without cue timings '2' (is the file cut short?)"),
        ("cue-2\n00:00:03.000 -", "line 6: a block without cue timings 'cue-2' (is the file cut short?)"),
        ("00:00:03.000 --> 00:00:04.000\n", "line 6: the last cue has no text (is the file cut short?)"),
        ("00:00:03.000 --> 00:00:04.000", "line 6: the last cue has no text (is the file cut short?)"),
        ("00:00:03.000 --> 00:00:04.000\nSea \x00shells\n", "line 7: holds a NUL character"),
    ],
)
def test_a_truncated_vtt_is_refused_whole(tmp_path: Path, tail: str, message: str) -> None:
    path = tmp_path / "cut.vtt"
    path.write_text(VTT_HEAD + tail, encoding="utf-8")
    with pytest.raises(InteropError) as caught:
        read_vtt(path)
    assert str(caught.value).startswith(f"cut.vtt, {message}")


def test_whole_files_with_notes_styles_and_empty_cues_inside_still_read(tmp_path: Path) -> None:
    srt_path, vtt_path = tmp_path / "ok.srt", tmp_path / "ok.vtt"
    srt_path.write_text(SRT_HEAD + "2\n00:00:03,000 --> 00:00:04,000\n\n3\n00:00:05,000 --> 00:00:06,000\nBye.\n")
    vtt_path.write_text(
        "WEBVTT - a title\n\nSTYLE\n::cue { color: red }\n\nNOTE a comment\n\ncue-1\n00:00:01.000 --> 00:00:02.000\n"
        "Hello there.\n\n00:00:05.000 --> 00:00:06.000\nBye.\n"
    )
    assert [(s.start_ms, s.text) for s in read_srt(srt_path)] == [(1000, "Hello there."), (5000, "Bye.")]
    assert [(s.start_ms, s.text) for s in read_vtt(vtt_path)] == [(1000, "Hello there."), (5000, "Bye.")]


def test_nul_characters_are_refused_in_textgrids_and_elan_files(tmp_path: Path) -> None:
    grid = write_textgrid(tmp_path / "x.TextGrid", [Tier("transcript", (Interval(0, 500, "hi"),))], 1000)
    text = grid.read_text(encoding="utf-8")
    grid.write_text(text.replace('"hi"', '"h\x00i"'), encoding="utf-8")
    line = text[: text.index('"hi"')].count("\n") + 1
    with pytest.raises(InteropError, match=rf"^x\.TextGrid, line {line}: holds a NUL character"):
        read_textgrid(grid)
    eaf = tmp_path / "x.eaf"
    eaf.write_text('<?xml version="1.0"?>\n<ANNOTATION_DOCUMENT>\x00</ANNOTATION_DOCUMENT>\n', encoding="utf-8")
    with pytest.raises(InteropError, match=r"^x\.eaf, line 2: not well-formed XML"):
        read_eaf(eaf)


@pytest.fixture
def store(tmp_path: Path):
    """A project whose media lasts 10 s, with one label."""
    with Store.open(tmp_path / "p.salient") as opened:
        media_id = opened.add_media(MediaInfo("/media/ten.mp4", "mp4", 1000, 10_000, None, None), "ten").id
        entry = opened.vocabulary()[0].id
        opened.add_label(media_id, NewLabel(1000, 2000, entry, "selection"), "Ana")
        yield opened


def _unchanged(store: Store) -> tuple[object, list[tuple[int, int]]]:
    media_id = store.all_media()[0].id
    return store.transcript_run(media_id), [(label.start_ms, label.end_ms) for label in store.labels(media_id)]


def test_a_cue_at_99999_hours_on_a_10_s_video_is_refused(store: Store, tmp_path: Path) -> None:
    path = tmp_path / "far.srt"
    path.write_text(SRT_HEAD + "2\n99999:00:00,000 --> 99999:00:01,500\nFar away.\n", encoding="utf-8")
    before = _unchanged(store)
    with pytest.raises(InteropError) as caught:
        import_file(store, store.all_media()[0].id, path, "Bob")
    assert str(caught.value) == (
        "far.srt: a segment at 99999:00:00.000–99999:00:01.500 ('Far away.') ends after the media, which lasts "
        "00:00:10.000; is the file for another recording? (3 items end too late)"
    )
    assert _unchanged(store) == before == (None, [(1000, 2000)])


def test_a_label_past_the_end_is_refused_and_a_small_overrun_is_accepted(store: Store, tmp_path: Path) -> None:
    media_id = store.all_media()[0].id
    late = write_textgrid(
        tmp_path / "late.TextGrid", [Tier("labels", (Interval(9000, 12_000, "laugh"),))], 12_000, force=True
    )
    with pytest.raises(InteropError, match=r"^late\.TextGrid: a label at 00:00:09\.000–00:00:12\.000 \('laugh'\)"):
        import_file(store, media_id, late, "Bob")
    end = 10_000 + IMPORT_OVERRUN_MS
    near = tmp_path / "near.srt"
    near.write_text(f"1\n00:00:09,000 --> 00:00:{end // 1000:02d},{end % 1000:03d}\nThe end.\n", encoding="utf-8")
    result = import_file(store, media_id, near, "Bob")
    assert [(s.start_ms, s.end_ms, s.text) for s in store.transcript_segments(result.run_id)] == [
        (9000, 11_000, "The end.")
    ]


def _cut(path: Path, marker: str) -> Path:
    """``path`` cut short just before the last ``marker``, as a copy named cut.TextGrid."""
    text = path.read_text(encoding="utf-8")
    cut = path.with_name("cut.TextGrid")
    cut.write_text(text[: text.rindex(marker)], encoding="utf-8")
    return cut


def test_a_truncated_textgrid_is_refused_whole(tmp_path: Path) -> None:
    from praatio import textgrid
    from praatio.data_classes.interval_tier import IntervalTier

    tiers = [Tier("labels", ()), Tier("transcript", (Interval(0, 500, "hello"), Interval(600, 900, "there")))]
    grid = write_textgrid(tmp_path / "x.TextGrid", tiers, 1000)
    sizes = [int(line.split("=")[1]) for line in grid.read_text().splitlines() if "intervals: size" in line]
    assert sizes == [1, 4]  # one blank interval; blanks around and between the two intervals
    cases = {
        "item [2]": "cut.TextGrid: the file declares 2 tiers and holds 1 (is it cut short?)",
        "intervals [4]": "cut.TextGrid: tier 'transcript' declares 4 entries and holds 3 (is the file cut short?)",
        "intervals: size = 4": "cut.TextGrid: tier 'transcript' does not say how many entries it has (is the file "
        "cut short?)",
    }
    for marker, message in cases.items():
        with pytest.raises(InteropError) as caught:
            read_textgrid(_cut(grid, marker))
        assert str(caught.value) == message, marker

    short = textgrid.Textgrid()
    short.addTier(IntervalTier("utterances", [(0.5, 1.25, "hé there"), (2.0, 3.0, "日本")], 0, 4))
    short.save(str(tmp_path / "short.TextGrid"), format="short_textgrid", includeBlankSpaces=True)
    with pytest.raises(InteropError) as caught:
        read_textgrid(_cut(tmp_path / "short.TextGrid", "3\n4\n"))  # the last, blank interval
    assert str(caught.value) == "cut.TextGrid: tier 'utterances' stops before its end at 4 s (is the file cut short?)"
