"""What every export says about a transcribed project: the words of each item and around it; "not significant"
labels kept out of clips and datasets; what an export did (a split it could not make); the report's header,
container, frame rate and progress."""

from __future__ import annotations

import json
from collections import Counter
from fractions import Fraction
from pathlib import Path

import numpy as np
import pytest

from analysis import media
from analysis.errors import ExportError
from app.demo.synth import write_media
from app.export.clips import export_clips
from app.export.dataset import METADATA_COLUMNS, _split_notes, export_dataset
from app.export.items import collect_items, exportable
from app.export.report import export_report
from app.export.run import run_export
from app.export.table import TABLE_COLUMNS, export_table
from app.model.formats import ExportRequest
from app.model.records import NewLabel
from app.model.transcript import TranscriptSegment, Word
from app.pipelines.transcription import RUN_TRANSCRIBE
from app.project.store import Store
from app.timecode import format_fps
from tests.helpers.exports import read_csv

IRONY = (12_000, 14_000)
"""Ana's "irony" range; the words around it are placed on its edges."""
EXCLUDED = (20_000, 21_000)
"""Ana's "not significant" range (the vocabulary's exclude value), where nothing is said."""
WORDS = [
    [("Far", 500, 800), ("away.", 800, 1200)],  # more than 10 s before the irony range
    [
        ("Before", 9000, 9400),
        ("it,", 10_500, 11_990),  # ends before the range: before it
        ("edge", 11_800, 12_100),  # overlaps its start: inside
        ("inside", 12_500, 13_500),
        ("after.", 14_000, 14_300),  # starts at its end: after it
    ],
    [("later", 23_000, 23_500), ("gone", 24_500, 25_000)],  # 9 s and 10.5 s after its end
]


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A 30 s NTSC (29.97 fps) video, two ranges labelled by Ana, and a transcript made through the store."""
    folder = tmp_path_factory.mktemp("said")
    rate = 16_000
    noise = np.random.default_rng(0).normal(0, 0.05, 30 * rate).astype(np.float32)
    video = write_media(folder / "ntsc.mp4", noise, rate, video_size=(160, 120), fps=Fraction(30_000, 1001))
    path = folder / "said.salient"
    with Store.open(path) as store:
        record = store.add_media(media.probe(video), media.fingerprint(video))
        vocabulary = {entry.name: entry for entry in store.vocabulary()}
        assert vocabulary["not significant"].kind == "exclude"
        store.add_label(record.id, NewLabel(*IRONY, vocabulary["irony"].id, "selection"), "Ana")
        store.add_label(record.id, NewLabel(*EXCLUDED, vocabulary["not significant"].id, "selection"), "Ana")
        run_id = store.start_run(record.id, RUN_TRANSCRIBE, {"model": "test"}, {})
        segments = [
            TranscriptSegment(
                words[0][1], words[-1][2], " ".join(w[0] for w in words), tuple(Word(*w, 0.9) for w in words)
            )
            for words in WORDS
        ]
        store.add_transcript_segments(run_id, segments)
        store.finish_run(run_id, {"language": "en"}, {}, 0)
    return path


@pytest.fixture
def store(project: Path):
    with Store.open(project) as opened:
        yield opened


def test_items_carry_the_words_of_their_range_and_around_it(store: Store) -> None:
    irony, excluded = collect_items(store)
    assert (irony.transcript_before, irony.transcript, irony.transcript_after) == (
        "Before it,",
        "edge inside",
        "after. later",
    )
    assert irony.transcript_context == "Before it, edge inside after. later"  # ± 10 s by default
    assert (excluded.transcript, excluded.transcript_context) == ("", "it, edge inside after. later gone")
    narrow = collect_items(store, transcript_context_ms=1000)[0]
    assert (narrow.transcript, narrow.transcript_context) == ("edge inside", "it, edge inside after.")


def test_tables_hold_the_transcript_and_mark_not_significant_labels(store: Store, tmp_path: Path) -> None:
    columns, rows = read_csv(export_table(store, tmp_path / "segments.csv", "csv"))
    assert columns == list(TABLE_COLUMNS) and columns.index("transcript_context") == columns.index("transcript") + 1
    assert [(r["label"], r["kind"], r["transcript"], r["transcript_context"], r["not_significant"]) for r in rows] == [
        ("irony", "label", "edge inside", "Before it, edge inside after. later", "False"),
        ("not significant", "exclude", "", "it, edge inside after. later gone", "True"),
    ]
    document = json.loads(export_table(store, tmp_path / "segments.json", "json").read_text(encoding="utf-8"))
    assert [(row["transcript"], row["not_significant"]) for row in document] == [("edge inside", False), ("", True)]


def test_a_dataset_has_the_transcript_of_its_clips_and_never_an_exclude_class(store: Store, tmp_path: Path) -> None:
    for labels_only in (False, True):
        result = export_dataset(store, tmp_path / f"ds-{labels_only}", context_ms=1000, labels_only=labels_only)
        out = result.path
        for modality in ("audio", "video"):
            columns, rows = read_csv(out / modality / "metadata.csv")
            assert columns[: len(METADATA_COLUMNS)] == list(METADATA_COLUMNS)
            assert [(row["label"], row["transcript"], row["transcript_context"]) for row in rows] == [
                ("irony", "edge inside", "it, edge inside after.")  # ± the export's context (1 s)
            ]
        typed = [json.loads(line) for line in (out / "audio.jsonl").read_text(encoding="utf-8").splitlines()]
        assert [(row["label"], row["transcript"]) for row in typed] == [("irony", "edge inside")]
        written = sorted(path for path in out.rglob("*") if path.is_file())
        assert (result.rows, result.files, len(written)) == (1, len(written), 1 + 1 + 3 + 4 + 2 + 2)
        assert result.notes == ("1 not significant row left out",)


def test_clips_leave_not_significant_labels_out(store: Store, tmp_path: Path) -> None:
    written = export_clips(store, tmp_path)
    assert {path.name.split("_")[2] for path in written} == {"irony"}
    with pytest.raises(ExportError) as raised:
        exportable([collect_items(store)[1]], labels_only=True)
    assert str(raised.value) == (
        "nothing to export: the project has no labelled segments"
        " (1 not significant: labelled so, or unlabelled at a shot change)"
    )


def test_a_split_of_one_video_says_so(store: Store, tmp_path: Path) -> None:
    request = ExportRequest("dataset", tmp_path / "ds", split=(0.8, 0.1, 0.1))
    result = run_export(store, request)
    files = [path for path in (tmp_path / "ds").rglob("*") if path.is_file()]
    assert (result.paths, result.files, result.rows) == ((tmp_path / "ds",), len(files), 1)
    assert result.notes == (
        "split ignored: only one video, so its one row is in train",
        "1 not significant row left out",
    )
    assert result.summary() == (
        f"Training dataset (audiofolder / videofolder) exported into {tmp_path / 'ds'}: {len(files)} files for 1 row."
        " Split ignored: only one video, so its one row is in train. 1 not significant row left out."
    )
    table = run_export(store, ExportRequest("csv", tmp_path / "t"))
    assert (table.paths, table.files, table.notes) == ((tmp_path / "t" / "segments.csv",), 1, ())
    assert table.summary() == f"Table of segments (CSV) written: {tmp_path / 't' / 'segments.csv'}."


def test_a_split_short_of_videos_says_which_splits_stay_empty() -> None:
    counts = Counter({"train": 5, "validation": 2})
    assert _split_notes((0.8, 0.1, 0.1), counts, 2) == [
        "test is empty: 2 videos for 3 splits, and a video is never split (5 in train, 2 in validation)"
    ]
    assert _split_notes((0.8, 0.2, 0.0), counts, 2) == []  # no test asked for
    assert _split_notes(None, Counter({"train": 7}), 1) == []
    assert _split_notes((0.8, 0.1, 0.1), Counter({"train": 7}), 1) == [
        "split ignored: only one video, so all 7 rows are in train"
    ]


class Recording:
    def __init__(self) -> None:
        self.cancelled = False
        self.updates: list[tuple[float, str]] = []

    def update(self, fraction: float, message: str = "") -> None:
        self.updates.append((round(fraction, 4), message))


def test_report_shows_what_was_said_its_header_format_rate_and_progress(store: Store, tmp_path: Path) -> None:
    progress = Recording()
    text = export_report(store, tmp_path, progress=progress).read_text(encoding="utf-8")
    assert (
        '<p class="transcript"><b>Transcript</b> <span class="muted">(± 10 s around the segment; the segment\'s'
        " words marked)</span><br>Before it, <mark>edge inside</mark> after. later</p>"
    ) in text
    assert (
        '<span class="muted">(± 10 s around the segment; nothing said inside the segment itself)</span><br>'
        "it, edge inside after. later gone</p>"
    ) in text
    assert "20.000–21.000 s (00:20.000–00:21.000) — not significant</h3>" in text
    assert "<td>not significant</td><td>Ana</td>" in text and "(not significant)</td>" not in text
    assert "12.000–14.000 s (00:12.000–00:14.000)</h3>" in text
    assert "<tr><th>container</th><td>MP4</td></tr>" in text
    assert "video 160×120, 29.97 fps (constant), h264" in text
    assert "1 media, 2 observations (2 labels), written" in text and "Observations (2)" in text
    assert progress.updates == [
        (0.0, "report: ntsc.mp4"),
        (0.3333, "report: ntsc.mp4, observation 1 of 2"),
        (0.6667, "report: ntsc.mp4, observation 2 of 2"),
        (1.0, "report written"),
    ]
    wide = export_report(store, tmp_path / "wide", context_ms=1000).read_text(encoding="utf-8")
    assert (
        "(± 1 s around the segment; the segment's words marked)</span><br>it, <mark>edge inside</mark> after.</p>"
        in (wide)
    )


@pytest.mark.parametrize(
    ("fps", "text"), [(30_000 / 1001, "29.97"), (24_000 / 1001, "23.976"), (25.0, "25"), (59.94, "59.94")]
)
def test_frame_rates_read_as_their_real_value(fps: float, text: str) -> None:
    assert format_fps(fps) == text


@pytest.mark.parametrize(
    ("demuxer", "name", "readable"),
    [
        ("mov,mp4,m4a,3gp,3g2,mj2", "talk.mp4", "MP4"),
        ("mov,mp4,m4a,3gp,3g2,mj2", "talk.MOV", "QuickTime (MOV)"),
        ("mov,mp4,m4a,3gp,3g2,mj2", "talk.m4a", "MPEG-4 audio (M4A)"),
        ("mov,mp4,m4a,3gp,3g2,mj2", "talk", "QuickTime/MP4"),
        ("matroska,webm", "talk.webm", "WebM"),
        ("matroska,webm", "talk.mkv", "Matroska (MKV)"),
        ("wav", "talk.wav", "WAV"),
        ("png_pipe", "photo.png", "PNG image"),
        ("nut", "talk.nut", "nut"),
    ],
)
def test_containers_read_as_their_format(demuxer: str, name: str, readable: str) -> None:
    info = media.MediaInfo(f"/media/{name}", demuxer, 1, 1000, None, None)
    assert info.format_name == readable
