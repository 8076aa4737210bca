"""Exports of a real analysed project: clips exact to the sample and the frame, datasets, the report, tables."""

from __future__ import annotations

import errno
import json
import logging
import os
import re
import shutil
import struct
from pathlib import Path

import av
import numpy as np
import pytest

from analysis import media
from analysis.errors import ExportError, MediaError
from analysis.frames import FrameSource
from analysis.pauses import Span, pause_context
from analysis.progress import Cancelled
from app.demo.synth import Scene, write_media
from app.export import clips as export
from app.export.clips import export_clips
from app.export.dataset import IMAGE_COLUMNS, METADATA_COLUMNS, export_dataset, split_videos
from app.export.items import MOTION_COLUMNS, collect_items, safe_name
from app.export.pictures import FLOW_IMAGE_COLUMNS
from app.export.report import export_report
from app.export.table import TABLE_COLUMNS, export_table
from app.model.records import NewLabel, segment_key
from app.pipelines.analyze import analyze_audio
from app.pipelines.audio import RUN_AUDIO_PEAKS, RUN_PAUSES, TRACK_AUDIO_PEAK, TRACK_PAUSE, AudioOptions
from app.project.store import Store
from resources import resource_path
from tests.helpers.exports import png_image, read_csv

NOTE = "<script>alert('x')</script> & more"
CONTEXT_MS = 500


def read_wav(path: Path) -> tuple[np.ndarray, int]:
    """A float WAV as (channels, n) and its rate, parsed chunk by chunk (Python's wave reads only integer PCM)."""
    data = path.read_bytes()
    assert data[:4] == b"RIFF" and data[8:12] == b"WAVE"
    assert struct.unpack("<I", data[4:8])[0] == len(data) - 8
    position, fmt, samples = 12, None, None
    while position < len(data):
        tag, size = data[position : position + 4], struct.unpack("<I", data[position + 4 : position + 8])[0]
        body = data[position + 8 : position + 8 + size]
        if tag == b"fmt ":
            fmt = struct.unpack("<HHIIHH", body[:16])
        elif tag == b"data":
            samples = np.frombuffer(body, "<f4")
        position += 8 + size + (size & 1)
    assert fmt is not None and samples is not None
    format_tag, channels, rate, _, _, bits = fmt
    assert (format_tag, bits) == (3, 32)
    return samples.reshape(-1, channels).T, rate


def video_frames(path: Path) -> tuple[list[np.ndarray], float]:
    """Every decoded frame of a clip (RGB) and the container's duration in seconds."""
    with av.open(str(path)) as container:
        frames = [frame.to_ndarray(format="rgb24") for frame in container.decode(video=0)]
        return frames, container.duration / 1_000_000


def mean_difference(a: np.ndarray, b: np.ndarray) -> float:
    return float(np.abs(a.astype(np.int16) - b.astype(np.int16)).mean())


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory, talk_video: Path) -> Path:
    """The talk video analysed (2 flagged segments), labelled: two annotators on the first, a selection, none on
    the second."""
    folder = tmp_path_factory.mktemp("export-project")
    video = Path(shutil.copy(talk_video, folder / "talk.mp4"))
    path = folder / "talk.salient"
    analyze_audio(video, path)
    with Store.open(path) as store:
        record = store.all_media()[0]
        segments = store.segments(store.latest_run(record.id, RUN_AUDIO_PEAKS).id, TRACK_AUDIO_PEAK)
        assert len(segments) == 2
        first = segments[0]
        vocabulary = {entry.name: entry.id for entry in store.vocabulary()}
        traversal = store.add_vocabulary_entry("../../etc/passwd", "#ff0000")
        slashed = store.add_vocabulary_entry("a/b", "#00ff00")
        key = segment_key(TRACK_AUDIO_PEAK, first.start_ms, first.end_ms)
        store.add_label(
            record.id,
            NewLabel(first.start_ms, first.end_ms, vocabulary["irony"], "audio_peak", first.peak_ms, key, 4, 0.8, NOTE),
            "Ana",
        )
        store.add_label(
            record.id, NewLabel(first.start_ms, first.end_ms, traversal, "audio_peak", first.peak_ms, key), "Bob"
        )
        store.add_label(record.id, NewLabel(7000, 8500, slashed, "selection"), "Ana")
    return path


@pytest.fixture
def store(project: Path):
    with Store.open(project) as opened:
        yield opened


def test_segment_key_has_the_documented_format() -> None:
    assert segment_key("audio_peak", 312480, 318120) == "audio_peak:312480:318120"


def test_items_are_one_row_per_segment_and_label_in_time_order(store: Store) -> None:
    record = store.all_media()[0]
    segments = store.segments(store.latest_run(record.id, RUN_AUDIO_PEAKS).id, TRACK_AUDIO_PEAK)
    pauses = [
        Span(s.start_ms, s.end_ms) for s in store.segments(store.latest_run(record.id, RUN_PAUSES).id, TRACK_PAUSE)
    ]
    items = collect_items(store)
    assert [(i.start_ms, i.end_ms, i.label, i.annotator, i.source) for i in items] == [
        (segments[0].start_ms, segments[0].end_ms, "irony", "Ana", "audio_peak"),
        (segments[0].start_ms, segments[0].end_ms, "../../etc/passwd", "Bob", "audio_peak"),
        (7000, 8500, "a/b", "Ana", "selection"),
        (segments[1].start_ms, segments[1].end_ms, "", "", "audio_peak"),
    ]
    first, _, selection, unlabelled = items
    assert (first.peak_ms, first.z, first.intensity, first.confidence, first.note, first.kind) == (
        segments[0].peak_ms,
        segments[0].score,
        4,
        0.8,
        NOTE,
        "label",
    )
    assert (selection.peak_ms, selection.z, selection.moment_ms) == (None, None, 7750)
    assert (unlabelled.kind, unlabelled.intensity, unlabelled.transcript) == ("", None, "")
    for item in items:
        context = pause_context(item.moment_ms, pauses)
        assert item.pause_before_ms == (context.before.duration_ms if context.before else None)
        assert item.pause_after_ms == (context.after.duration_ms if context.after else None)
        assert item.video_id == record.fingerprint and item.media_path == record.path
    assert first.name == f"talk_{segments[0].start_ms / 1000:010.3f}-{segments[0].end_ms / 1000:010.3f}_irony_ana"
    assert len({item.name for item in items}) == len(items)
    assert [item.label for item in collect_items(store, labels_only=True)] == ["irony", "../../etc/passwd", "a/b"]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("../../etc/passwd", "etc_passwd"),
        ("a/b", "a_b"),
        ("a\\b", "a_b"),
        ("..", "unlabelled"),
        ("", "unlabelled"),
        ("\x00\x1f\x7f", "unlabelled"),
        (".hidden", "hidden"),
        ("Ironie légère", "ironie_légère"),
        ("驚き", "驚き"),
        ("con", "con_"),
        ("v1.2 final", "v1.2_final"),
    ],
)
def test_safe_name(text: str, expected: str) -> None:
    assert safe_name(text) == expected


def test_safe_name_is_bounded_in_bytes_whatever_the_script() -> None:
    name = safe_name("é" * 200)
    assert len(name.encode("utf-8")) <= 48 and set(name) == {"é"}


@pytest.fixture(scope="module")
def clips(project: Path, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[Path]]:
    out = tmp_path_factory.mktemp("clips") / "out"
    with Store.open(project) as opened:
        return out, export_clips(opened, out, context_ms=CONTEXT_MS)


def test_clip_wavs_are_exact_slices_of_the_cached_audio(store: Store, clips: tuple[Path, list[Path]]) -> None:
    out, written = clips
    record = store.all_media()[0]
    cached = media.load_audio(record.path, store.cache_dir, record.fingerprint)
    for item in collect_items(store):
        samples, rate = read_wav(out / f"{item.name}.wav")
        first = (item.start_ms - CONTEXT_MS) * 16
        count = round((item.end_ms - item.start_ms + 2 * CONTEXT_MS) * 16_000 / 1000)
        assert (rate, samples.shape) == (16_000, (1, count))
        assert np.array_equal(samples[0], cached[first : first + count])
    with av.open(str(out / f"{collect_items(store)[0].name}.wav")) as container:
        decoded = np.concatenate([f.to_ndarray().reshape(-1) for f in container.decode(audio=0)])
    assert np.array_equal(decoded, read_wav(out / f"{collect_items(store)[0].name}.wav")[0][0])
    assert sorted(written) == sorted(p for p in out.iterdir())


def test_clip_mp4_starts_on_the_frame_at_the_start_and_lasts_the_range(
    store: Store, clips: tuple[Path, list[Path]]
) -> None:
    out, _ = clips
    item = collect_items(store)[0]  # the first burst lies where the square moves: neighbouring frames differ
    start, end = item.start_ms - CONTEXT_MS, item.end_ms + CONTEXT_MS
    frames, duration_s = video_frames(out / f"{item.name}.mp4")
    with FrameSource(item.media_path) as source:
        index = source.index_at_time(start)
        last = source.index_at_time(end - 1)
        differences = {
            i: mean_difference(frames[0], source.frame_at_index(i).image) for i in range(index - 2, index + 3)
        }
        fps = source.fps
    assert min(differences, key=differences.get) == index
    assert differences[index] < 3
    assert len(frames) == last - index + 1
    assert abs(len(frames) - (end - start) / 1000 * fps) <= 1
    assert abs(duration_s - (end - start) / 1000) <= 1 / fps + 1e-6
    with av.open(str(out / f"{item.name}.mp4")) as container:
        assert [s.codec_context.name for s in container.streams] == ["h264", "aac"]


def test_clip_key_frames_are_the_frames_at_t_minus_1_t_t_plus_1(store: Store, clips: tuple[Path, list[Path]]) -> None:
    out, _ = clips
    item = collect_items(store)[0]
    with FrameSource(item.media_path) as source:
        for tag, offset in (("t-1s", -1000), ("t", 0), ("t+1s", 1000)):
            image = png_image(out / f"{item.name}_{tag}.png")
            assert image.shape == (240, 320, 3)
            assert np.array_equal(image, source.frame_at_time(item.peak_ms + offset).image)


def test_a_video_without_motion_run_gets_flow_pictures_but_no_series_figures(
    store: Store, clips: tuple[Path, list[Path]], tmp_path: Path
) -> None:
    out, written = clips
    for item in collect_items(store):
        assert (item.motion_magnitude, item.motion_mean, item.motion_max, item.motion_moving) == (None,) * 4
        assert item.shot_change == "" and not item.not_significant
        for column in FLOW_IMAGE_COLUMNS:
            path = out / f"{item.name}_{column}.png"
            assert path in written and png_image(path).shape == (240, 320, 3)
    _, rows = read_csv(export_table(store, tmp_path / "segments.csv", "csv"))
    for row in rows:
        assert [row[column] for column in MOTION_COLUMNS[:5]] == [""] * 5
        assert "flow_magnitude_before" not in row and "flow_magnitude_after" not in row  # a table never decodes
        assert row["not_significant"] == "False"


def test_stream_copy_clips_start_at_the_keyframe_before_and_play(store: Store, tmp_path: Path) -> None:
    written = export_clips(store, tmp_path, stream_copy=True, original_rate=True)
    assert len(written) == 4 * (5 + len(FLOW_IMAGE_COLUMNS))  # WAV, video, 3 key frames, 4 flow pictures each
    item = collect_items(store)[0]
    frames, duration_s = video_frames(tmp_path / f"{item.name}.mp4")
    with FrameSource(item.media_path) as source:
        start_index = source.index_at_time(item.start_ms)
        end_index = source.index_at_time(item.end_ms - 1)
        exact = [i for i in range(start_index + 1) if np.array_equal(frames[0], source.frame_at_index(i).image)]
        assert exact and exact[-1] <= start_index  # copied packets: bit-exact, from a keyframe at or before
        first_index = exact[-1]
        assert len(frames) >= end_index - first_index + 1
        assert np.array_equal(frames[start_index - first_index], source.frame_at_index(start_index).image)
    assert duration_s >= (item.end_ms - item.start_ms) / 1000
    samples, rate = read_wav(tmp_path / f"{item.name}.wav")
    assert (rate, samples.shape) == (48_000, (2, (item.end_ms - item.start_ms) * 48))
    reference = media.decode_audio(item.media_path, 48_000)[item.start_ms * 48 : item.end_ms * 48]
    correlation = np.correlate(reference, samples[0], "full")
    assert int(np.argmax(correlation)) - (samples.shape[1] - 1) == 0  # aligned to the sample


@pytest.mark.slow
def test_audio_only_media_gives_wavs_only(talk_audio_only: Path, tmp_path: Path) -> None:
    project_path = tmp_path / "audio.salient"
    analyze_audio(shutil.copy(talk_audio_only, tmp_path / "talk.m4a"), project_path)
    with Store.open(project_path) as opened:
        written = export_clips(opened, tmp_path / "out")
        report = export_report(opened, tmp_path / "out")
    assert len(written) == 2 and {p.suffix for p in written} == {".wav"}
    assert "Observations (2)" in report.read_text(encoding="utf-8")


def test_moved_media_is_reported_before_anything_is_written(talk_video: Path, tmp_path: Path) -> None:
    video = Path(shutil.copy(talk_video, tmp_path / "moved.mp4"))
    analyze_audio(video, tmp_path / "moved.salient")
    video.unlink()
    with Store.open(tmp_path / "moved.salient") as opened, pytest.raises(MediaError, match="moved.mp4: file not found"):
        export_clips(opened, tmp_path / "out")
    assert not (tmp_path / "out").exists()


def test_names_stay_inside_the_output_folder(clips: tuple[Path, list[Path]]) -> None:
    out, written = clips
    names = [path.name for path in written]
    assert any("_etc_passwd_bob" in name for name in names) and any("_a_b_ana" in name for name in names)
    for path in written:
        assert path.resolve().parent == out.resolve()
        assert not path.name.startswith(".") and ".." not in path.name


def test_existing_files_are_kept_unless_forced(store: Store, tmp_path: Path) -> None:
    item = collect_items(store)[1]
    existing = tmp_path / f"{item.name}.wav"
    existing.write_bytes(b"mine")
    with pytest.raises(ExportError, match=re.escape(str(existing))):
        export_clips(store, tmp_path)
    assert list(tmp_path.iterdir()) == [existing] and existing.read_bytes() == b"mine"

    table = export_table(store, tmp_path / "segments.csv", "csv")
    table.write_text("old")
    with pytest.raises(ExportError, match="segments.csv already exists"):
        export_table(store, table, "csv")
    export_table(store, table, "csv", force=True)
    assert table.read_text(encoding="utf-8").startswith("name,label,")


def _fail_on_third_wav(monkeypatch: pytest.MonkeyPatch, error: OSError) -> list[Path]:
    """Make the third WAV fail after writing part of it; returns the paths the writer was given."""
    calls: list[Path] = []
    real = export.write_wav

    def failing(path: Path, samples: np.ndarray, rate: int) -> None:
        calls.append(path)
        if len(calls) == 3:
            path.write_bytes(b"RIFF partial")
            raise error
        real(path, samples, rate)

    monkeypatch.setattr(export, "write_wav", failing)
    return calls


def test_disk_full_stops_cleanly_and_names_the_file(
    store: Store, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls = _fail_on_third_wav(monkeypatch, OSError(errno.ENOSPC, os.strerror(errno.ENOSPC)))
    out = tmp_path / "out"
    with pytest.raises(ExportError) as raised:
        export_clips(store, out)
    # The first two rows share a segment: the second WAV is a copy, so the third written is the fourth row's.
    failed = out / f"{collect_items(store)[3].name}.wav"
    assert str(raised.value) == f"cannot write {failed}: the disk is full"
    assert len(calls) == 3 and not out.exists()  # every file and the folder it made are gone


def test_read_only_folder_stops_cleanly(store: Store, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    out = tmp_path / "read-only"
    out.mkdir()
    out.chmod(0o555)
    try:
        probe = out / "probe"
        try:
            probe.write_bytes(b"")  # root (as in CI) writes anyway: simulate the refusal instead
            probe.unlink()
            _fail_on_third_wav(monkeypatch, PermissionError(errno.EACCES, os.strerror(errno.EACCES)))
        except PermissionError:
            pass
        with pytest.raises(ExportError, match=rf"cannot write {re.escape(str(out))}/talk_\S+\.wav: permission denied"):
            export_clips(store, out)
        assert list(out.iterdir()) == []
    finally:
        out.chmod(0o755)


class CancelAfter:
    """Progress that cancels once the export has reported ``fraction``."""

    def __init__(self, fraction: float) -> None:
        self._fraction = fraction
        self.cancelled = False

    def update(self, fraction: float, message: str = "") -> None:
        self.cancelled = self.cancelled or fraction >= self._fraction


def test_cancel_between_items_removes_what_was_written(store: Store, tmp_path: Path) -> None:
    with pytest.raises(Cancelled):
        export_clips(store, tmp_path / "out", progress=CancelAfter(0.3))
    assert not (tmp_path / "out").exists()


def test_dataset_is_laid_out_as_audiofolder_and_videofolder(store: Store, tmp_path: Path) -> None:
    out = export_dataset(store, tmp_path / "ds", context_ms=CONTEXT_MS).path
    columns, audio_rows = read_csv(out / "audio" / "metadata.csv")
    assert columns == list(METADATA_COLUMNS)
    video_columns, video_rows = read_csv(out / "video" / "metadata.csv")
    assert video_columns == list(METADATA_COLUMNS + IMAGE_COLUMNS)
    assert [row["label"] for row in audio_rows] == ["irony", "../../etc/passwd", "a/b", ""]
    for row in audio_rows:
        assert (out / "audio" / row["file_name"]).is_file() and "/" not in row["file_name"]
    for row in video_rows:
        assert (out / "video" / row["file_name"]).is_file()
        assert all((out / "video" / row[column]).is_file() for column in IMAGE_COLUMNS)
    first = audio_rows[0]
    assert (first["kind"], first["intensity"], first["confidence"], first["annotator"], first["note"]) == (
        "label",
        "4.0",
        "0.8",
        "Ana",
        NOTE,
    )
    assert (first["source"], first["transcript"], audio_rows[2]["source"], audio_rows[2]["peak_s"]) == (
        "audio_peak",
        "",
        "selection",
        "",
    )
    item = collect_items(store)[0]
    assert (float(first["start_s"]), float(first["clip_start_s"])) == (
        item.start_ms / 1000,
        (item.start_ms - 500) / 1000,
    )
    # datasets picks the loader by the commonest file type and refuses two metadata files in one folder.
    assert {p.suffix for p in (out / "video").rglob("*") if p.is_file()} == {".mp4", ".csv"}
    assert {p.suffix for p in (out / "audio").rglob("*") if p.is_file()} == {".wav", ".csv"}
    typed = [json.loads(line) for line in (out / "audio.jsonl").read_text(encoding="utf-8").splitlines()]
    assert [(row["label"], row["intensity"], row["split"]) for row in typed][:2] == [
        ("irony", 4, "train"),
        ("../../etc/passwd", None, "train"),
    ]
    assert all((out / row["file_name"]).is_file() for row in typed)

    labelled = export_dataset(store, tmp_path / "labelled", labels_only=True).path
    assert "" not in [row["label"] for row in read_csv(labelled / "audio" / "metadata.csv")[1]]


@pytest.fixture(scope="module")
def three_videos(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Three short videos, one flagged burst each, labelled in turn irony / anger / irony."""
    folder = tmp_path_factory.mktemp("three")
    path = folder / "three.salient"
    for seed in range(3):
        scene = Scene(seed=seed)
        scene.speech(None, 3.0, 0.2)
        scene.burst(0.3)
        scene.speech(None, 2.0, 0.2)
        scene.silence(0.6)
        scene.speech(None, 2.0, 0.2)
        video = write_media(folder / f"clip{seed}.mp4", scene.samples(), scene.sample_rate, video_size=(160, 120))
        analyze_audio(video, path, AudioOptions(tails="high"))
    with Store.open(path) as opened:
        vocabulary = {entry.name: entry.id for entry in opened.vocabulary()}
        for number, record in enumerate(opened.all_media()):
            segments = opened.segments(opened.latest_run(record.id, RUN_AUDIO_PEAKS).id, TRACK_AUDIO_PEAK)
            assert segments
            for segment in segments:
                value = vocabulary["anger" if number == 1 else "irony"]
                key = segment_key(TRACK_AUDIO_PEAK, segment.start_ms, segment.end_ms)
                label = NewLabel(segment.start_ms, segment.end_ms, value, "audio_peak", segment.peak_ms, key)
                opened.add_label(record.id, label, "Ana")
    return path


def test_dataset_split_is_grouped_by_video_and_repeatable(three_videos: Path, tmp_path: Path) -> None:
    with Store.open(three_videos) as opened:
        first = export_dataset(opened, tmp_path / "a", split=(0.6, 0.2, 0.2), seed=3).path
        again = export_dataset(opened, tmp_path / "b", split=(0.6, 0.2, 0.2), seed=3).path
        items = collect_items(opened)
    placements: dict[str, dict[str, set[str]]] = {}
    for out in (first, again):
        seen: dict[str, set[str]] = {}
        for name in ("train", "validation", "test"):
            for modality in ("audio", "video"):
                metadata = out / modality / name / "metadata.csv"
                _, rows = read_csv(metadata)
                for row in rows:
                    assert (metadata.parent / row["file_name"]).is_file()
                    seen.setdefault(row["video_id"], set()).add(name)
        placements[out.name] = seen
    assert all(len(splits) == 1 for splits in placements["a"].values())  # no video in two splits
    assert placements["a"] == placements["b"]
    assert sorted(next(iter(s)) for s in placements["a"].values()) == ["test", "train", "validation"]
    assert split_videos(items, (0.6, 0.2, 0.2), 3) == split_videos(items, (0.6, 0.2, 0.2), 3)


def test_split_of_one_video_puts_everything_in_train(store: Store, caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING, logger="app.export.dataset"):
        assignment = split_videos(collect_items(store), (0.8, 0.1, 0.1), 0)
    assert list(assignment.values()) == ["train"]
    assert "one video: everything goes to train" in caplog.text
    with pytest.raises(ValueError, match="sum"):
        split_videos(collect_items(store), (0.5, 0.1, 0.1), 0)


@pytest.mark.slow
def test_report_is_self_contained_and_escapes_user_text(store: Store, tmp_path: Path) -> None:
    path = export_report(store, tmp_path, context_ms=1000)
    text = path.read_text(encoding="utf-8")
    assert path == tmp_path / "report.html"
    assert "irony" in text and "../../etc/passwd" in text and "a/b" in text
    assert "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt; &amp; more" in text
    assert "<script" not in text
    assert not re.search(r"https?://", text)
    sources = re.findall(r'src="([^"]*)"', text)
    # two plots; key frames, flow pictures and the heatmaps' colour scale of three observations
    assert len(sources) == 2 + 3 * (3 + 4 + 1)
    assert all(source.startswith("data:image/png;base64,") for source in sources)
    assert "Observations (3)" in text and "Transcript" not in text
    assert "<style>" in text and "<link" not in text


def test_report_page_is_the_shipped_template_with_its_style_sheet_inside(store: Store, tmp_path: Path) -> None:
    text = export_report(store, tmp_path).read_text(encoding="utf-8")
    css = resource_path("report/report.css").read_text(encoding="utf-8")
    assert text.startswith('<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n')
    assert "<title>Salient report — talk</title>" in text and "<h1>Salient report — talk.salient</h1>" in text
    assert text.count("<style>") == 1 and f"<style>\n{css}</style>" in text
    # the header counts what is listed: 3 observations (two annotators share the first), not the 4 rows
    assert re.search(
        r'<p class="muted">1 media, 3 observations \(3 labels\), written \d{4}-\d\d-\d\d \d\d:\d\d UTC\.</p>', text
    )
    assert text.count('<div class="observation">') == 3 and "Observations (3)" in text
    assert "<tr><th>container</th><td>MP4</td></tr>" in text and "mov,mp4" not in text
    assert "$" not in text and text.endswith("</body>\n</html>\n")


def test_tables_hold_one_row_per_item(store: Store, tmp_path: Path) -> None:
    columns, rows = read_csv(export_table(store, tmp_path / "segments.csv", "csv"))
    assert columns == list(TABLE_COLUMNS)
    assert [(row["label"], row["annotator"], row["intensity"]) for row in rows] == [
        ("irony", "Ana", "4"),
        ("../../etc/passwd", "Bob", ""),
        ("a/b", "Ana", ""),
        ("", "", ""),
    ]
    document = json.loads(export_table(store, tmp_path / "segments.json", "json").read_text(encoding="utf-8"))
    assert [(row["label"], row["intensity"], row["z"] is None) for row in document] == [
        ("irony", 4, False),
        ("../../etc/passwd", None, False),
        ("a/b", None, True),
        ("", None, False),
    ]
    assert len(json.loads(export_table(store, tmp_path / "l.json", "json", labels_only=True).read_text())) == 3


def test_the_report_opens_the_video_once_for_every_picture_it_needs(
    store: Store, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Issue 12 item 40: one reader per media for the key frames, the face crops and the flow detail of every
    observation, instead of a new one per observation (and a second one for the crops)."""
    video = store.all_media()[0].path
    opened: list[str] = []
    real_open = av.open

    def counting_open(file, *args, **kwargs):
        if str(file) == video:
            opened.append(str(file))
        return real_open(file, *args, **kwargs)

    media.probe(video)  # described once per file (as when the project opened it), not once per reader
    monkeypatch.setattr(av, "open", counting_open)
    text = export_report(store, tmp_path, context_ms=1000).read_text(encoding="utf-8")
    assert "Observations (3)" in text
    # one reader for the whole media, opened once; the key frames and the flow detail of the three observations
    # are all read through it (before: that reader, and one more open per flow detail)
    assert len(opened) == 1
