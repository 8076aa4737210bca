"""Exports of a project with a motion run: motion peaks as flagged segments, flow pictures, motion figures in the
metadata, the tables and the report, and peaks at shot changes left out unless labelled."""

from __future__ import annotations

import json
import re
from pathlib import Path

import numpy as np
import pytest

from analysis.errors import ExportError
from analysis.peak_detail import peak_detail
from analysis.salience import ShotRule
from app.demo.synth import SCENE_RATE, MotionScript, write_media
from app.export import pictures as export
from app.export.clips import export_clips
from app.export.dataset import IMAGE_COLUMNS, METADATA_COLUMNS, export_dataset
from app.export.items import MOTION_COLUMNS, ExportItem, collect_items, latest_spans
from app.export.pictures import FLOW_IMAGE_COLUMNS
from app.export.report import export_report
from app.export.table import TABLE_COLUMNS, export_table
from app.model.records import NewLabel, SegmentRecord, segment_key
from app.pipelines.analyze import analyze_audio
from app.pipelines.audio import RUN_AUDIO_PEAKS, TRACK_AUDIO_PEAK
from app.pipelines.motion import TRACK_MOTION_PEAK, load_motion
from app.project.store import Store
from app.project.table import ProjectError
from app.timecode import format_mmss
from tests.helpers.cli import run
from tests.helpers.exports import disk_full_on, png_image, read_csv
from tests.helpers.media import quiet_with_burst

SCRIPT = MotionScript()
K = "1.5"
"""Low enough for the zoom's first second to be a motion peak (z ≈ 1.9) besides the fast move (z ≈ 2.1)."""


def soundtrack() -> np.ndarray:
    """Quiet noise with one loud burst at 6.3 s, during the fast move to the left (6–7 s)."""
    return quiet_with_burst(SCRIPT.duration_s, 6.3)


def analysed(video: Path, project: Path) -> Path:
    """``analyze --motion`` as a user runs it."""
    done = run("analyze", str(video), "--motion", "--k", K, "--tails", "high", "--project", str(project), "--quiet")
    assert done.returncode == 0, done.stderr
    return project


def label_motion_peak(project: Path, index: int, value: str = "anger") -> None:
    """Label a motion peak as the window does: by the key of its segment."""
    with Store.open(project) as store:
        record = store.all_media()[0]
        motion = load_motion(store, record.id)
        segment = store.segments(motion.run_id, TRACK_MOTION_PEAK)[index]
        entry = next(entry.id for entry in store.vocabulary() if entry.name == value)
        key = segment_key(TRACK_MOTION_PEAK, segment.start_ms, segment.end_ms)
        label = NewLabel(segment.start_ms, segment.end_ms, entry, TRACK_MOTION_PEAK, segment.peak_ms, key)
        store.add_label(record.id, label, "Ana")


@pytest.fixture(scope="module")
def video(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return SCRIPT.write(tmp_path_factory.mktemp("motion-export") / "moves.mp4", soundtrack())


@pytest.fixture(scope="module")
def project(video: Path) -> Path:
    """One audio peak (6.0–7.0 s) and the fast move's motion peak, one moment, labelled 'anger' by Ana (on the
    motion peak's own key), and the zoom's motion peak (at the cut to the zoomed picture, 11 s) unlabelled."""
    path = analysed(video, video.with_suffix(".salient"))
    label_motion_peak(path, 0)
    return path


@pytest.fixture
def store(project: Path):
    with Store.open(project) as opened:
        yield opened


@pytest.fixture(scope="module")
def dataset(project: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    with Store.open(project) as opened:
        return export_dataset(opened, tmp_path_factory.mktemp("motion-dataset") / "ds").path


@pytest.fixture(scope="module")
def report(project: Path, tmp_path_factory: pytest.TempPathFactory) -> str:
    with Store.open(project) as opened:
        return export_report(opened, tmp_path_factory.mktemp("motion-report")).read_text(encoding="utf-8")


def items_by_source(store: Store) -> tuple[ExportItem, ExportItem]:
    """The burst during the fast move (one audio + motion moment) and the zoom's motion peak."""
    moment, zoom = collect_items(store)
    assert (moment.source, zoom.source) == ("multimodal_peak", "motion_peak")
    return moment, zoom


def stored_peaks(store: Store) -> tuple[SegmentRecord, SegmentRecord]:
    """The audio run's peak and the fast move's motion peak, as stored."""
    record = store.all_media()[0]
    (audio_peak,) = latest_spans(store, record.id, RUN_AUDIO_PEAKS, TRACK_AUDIO_PEAK)[1]
    moving = store.segments(load_motion(store, record.id).run_id, TRACK_MOTION_PEAK)[0]
    return audio_peak, moving


def test_the_audio_and_motion_peak_together_is_one_row_as_in_the_window(store: Store) -> None:
    """Issue 12 item 11: the burst during the fast move was three rows (audio, motion, audio + motion). It is
    one moment, as in the window's review queue, which says which track peaked when, and the label Ana gave
    the motion peak on its own is on it."""
    moment, _zoom = items_by_source(store)
    audio_peak, moving = stored_peaks(store)
    assert (moment.start_ms, moment.end_ms) == (audio_peak.start_ms, max(audio_peak.end_ms, moving.end_ms))
    assert moment.peak_ms == audio_peak.peak_ms and moment.start_ms <= moving.peak_ms <= moment.end_ms
    assert moment.z == pytest.approx(abs(audio_peak.score) + abs(moving.score))
    assert moment.tracks == (
        f"audio: peak {format_mmss(audio_peak.peak_ms)}, z {audio_peak.score:+.2f} · "
        f"motion: peak {format_mmss(moving.peak_ms)}, z {moving.score:+.2f}"
    )
    assert (moment.label, moment.annotator) == ("anger", "Ana")
    assert not moment.not_significant


def square_left(t_s: float) -> int:
    """The square's left edge in the frame shown at ``t_s``, stepped as MotionScript.frames steps it."""
    x = 50.0
    for index in range(round(t_s * SCRIPT.fps) + 1):
        time_s = index / SCRIPT.fps
        for start, end, speed in SCRIPT.moves:
            if start <= time_s < end:
                x += speed / SCRIPT.fps
    return int(round(x))


def test_motion_peaks_are_flagged_segments_and_labels_attach_by_key(store: Store) -> None:
    record = store.all_media()[0]
    motion = load_motion(store, record.id)
    segments = store.segments(motion.run_id, TRACK_MOTION_PEAK)
    # the fast move (6.0–7.0 s, sampled from 6.04) and the zoom, which starts with the cut at 11 s
    assert [s.start_ms for s in segments] == [6040, 11000]
    assert 6800 <= segments[0].end_ms <= 7240 and 11400 <= segments[1].end_ms <= 13000
    moment, zoom = items_by_source(store)
    assert (moment.start_ms, moment.end_ms, moment.label, moment.annotator) == (
        6000,
        segments[0].end_ms,
        "anger",
        "Ana",
    )
    assert zoom.z == segments[1].score
    assert (moment.shot_change, zoom.shot_change) == ("", "within 0.5 s of a cut at 00:11.000")
    assert [item.not_significant for item in (moment, zoom)] == [False, True]
    end = f"{segments[1].end_ms // 1000:06d}.{segments[1].end_ms % 1000:03d}"
    assert zoom.label == "" and zoom.name == f"moves_000011.000-{end}_unlabelled"


def test_flow_pictures_are_pngs_of_the_frame_size_hot_where_the_square_moved(store: Store, dataset: Path) -> None:
    moving, _ = items_by_source(store)
    _, rows = read_csv(dataset / "video" / "metadata.csv")
    row = next(row for row in rows if row["source"] == "multimodal_peak")
    t = moving.peak_ms / 1000
    top = (SCRIPT.height - SCRIPT.side) // 2
    for interval, (start, end) in (("before", (t - 1, t)), ("after", (t, t + 1))):
        heatmap = png_image(dataset / "video" / row[f"flow_heatmap_{interval}"])
        overlay = png_image(dataset / "video" / row[f"flow_overlay_{interval}"])
        assert heatmap.shape == overlay.shape == (SCRIPT.height, SCRIPT.width, 3)
        assert Path(row[f"flow_heatmap_{interval}"]).name == f"{moving.name}_flow_heatmap_{interval}.png"
        left, right = sorted((square_left(start), square_left(end)))
        if right - left < 90:
            continue  # the square hardly moved in this second (the peak is near the end of the move)
        # the moment (the audio peak) falls between two frames: allow the square one frame's travel either way
        slack = int(np.ceil(max(abs(speed) for _, _, speed in SCRIPT.moves) / SCRIPT.fps))
        swept = np.zeros(heatmap.shape[:2], dtype=bool)
        swept[top : top + SCRIPT.side, max(0, left - slack) : right + SCRIPT.side + slack] = True
        hot = (heatmap[..., 0] > 100) | (heatmap[..., 1] > 100)  # JET: anything warmer than blue
        assert np.count_nonzero(hot & swept) / np.count_nonzero(hot) > 0.95
        assert np.count_nonzero(hot & swept) / np.count_nonzero(swept) > 0.4
        assert np.count_nonzero(hot & ~swept) / np.count_nonzero(~swept) < 0.01
        assert not np.array_equal(overlay, heatmap)


def test_metadata_has_motion_figures_of_the_stored_series_and_the_flow(
    store: Store, dataset: Path, video: Path
) -> None:
    record = store.all_media()[0]
    motion = load_motion(store, record.id)
    series = motion.series
    moment, _ = items_by_source(store)
    video_columns, video_rows = read_csv(dataset / "video" / "metadata.csv")
    audio_columns, audio_rows = read_csv(dataset / "audio" / "metadata.csv")
    assert video_columns == list(METADATA_COLUMNS + IMAGE_COLUMNS) and audio_columns == list(METADATA_COLUMNS)
    assert set(MOTION_COLUMNS) <= set(audio_columns)
    for rows in (video_rows, audio_rows):
        assert [row["source"] for row in rows] == ["multimodal_peak"]
        assert rows[0]["tracks"] == moment.tracks
        for row, item in zip(rows, (moment,), strict=True):
            at = int(np.argmin(np.abs(series.times - item.moment_ms / 1000)))
            assert float(row["motion_magnitude"]) == round(float(series.magnitude[at]), 4)
            assert float(row["motion_moving"]) == round(float(series.moving[at]), 4)
            times_ms = np.round(series.times * 1000)
            inside = series.magnitude[(times_ms >= item.start_ms) & (times_ms < item.end_ms)]
            assert inside.size == 5  # five pairs per second
            assert float(row["motion_mean"]) == round(float(inside.mean()), 4)
            assert float(row["motion_max"]) == round(float(inside.max()), 4)
            expected = peak_detail(video, item.moment_ms, method=motion.options.method).magnitudes
            assert (float(row["flow_magnitude_before"]), float(row["flow_magnitude_after"])) == tuple(
                round(value, 4) for value in expected
            )
            assert row["shot_change"] == ""
    moving_row = video_rows[0]
    peak = store.segments(motion.run_id, TRACK_MOTION_PEAK)[0]
    assert float(moving_row["motion_max"]) == round(peak.value, 4)  # the motion peak is inside the moment
    assert float(moving_row["flow_magnitude_after"]) > 0
    typed = [json.loads(line) for line in (dataset / "video.jsonl").read_text(encoding="utf-8").splitlines()]
    assert typed[0]["motion_magnitude"] == float(moving_row["motion_magnitude"])
    assert all((dataset / typed[0][column]).is_file() for column in FLOW_IMAGE_COLUMNS)


def test_unlabelled_peak_at_a_shot_change_stays_out_of_the_dataset(store: Store, dataset: Path) -> None:
    _, zoom = items_by_source(store)
    names = [path.name for path in dataset.rglob("*") if path.is_file()]
    assert not [name for name in names if name.startswith(zoom.name)]
    assert len([name for name in names if name.endswith(".mp4")]) == 1
    assert len([name for name in names if "_flow_" in name]) == len(FLOW_IMAGE_COLUMNS)
    for metadata in (dataset / "video" / "metadata.csv", dataset / "audio" / "metadata.csv"):
        assert [row["start_s"] for row in read_csv(metadata)[1] if float(row["start_s"]) == zoom.start_ms / 1000] == []


def test_report_lists_the_peak_at_the_shot_change_as_not_significant(report: str) -> None:
    assert "Observations (2)" in report and "<h3>Motion analysis</h3>" in report
    heading = re.search(r"<h3>11\.000–(\d+\.\d{3}) s \(00:11\.000–00:\d\d\.\d{3}\) — not significant</h3>", report)
    assert heading is not None and 11.4 <= float(heading.group(1)) <= 13.0
    observation = report[heading.start() :]
    assert "cut at 00:11.000" in observation and "<b>Not significant</b>" in observation
    assert "flagged segment (motion peak)" in observation
    assert report.count("not significant</h3>") == 1
    sources = re.findall(r'src="([^"]*)"', report)
    # two plots; key frames, flow and the heatmaps' colour scale per observation
    assert len(sources) == 2 + 2 * (3 + len(FLOW_IMAGE_COLUMNS) + 1)
    assert report.count('<table class="motion">') == 2
    assert report.count("flagged segment (audio + motion peak)") == 1
    assert report.count("<th>flagged by</th>") == 2
    assert re.search(
        r"<td>audio: peak 00:06\.\d{3}, z \+\d\.\d\d · motion: peak 00:06\.\d{3}, z \+\d\.\d\d</td>", report
    )
    assert (
        "<th>flow at t (consecutive frames)</th><th>net motion t − 1 s → t</th><th>net motion t → t + 1 s</th>"
        in report
    )
    assert report.count("; dis flow. Net motion: the flow between frames 1 s apart, over 1 s") == 2
    assert re.search(r"heatmap 6\.\d{3} → 7\.\d{3} s</figcaption>", report)
    assert report.count('<img alt="heatmap colour scale"') == 2
    assert re.search(r"heatmap colours: 0 → \d+\.\d px/s or more \(net motion\)", report)
    # the zoom's peak is at the cut to the zoomed picture (11 s): the flow of the second before crosses it
    note = " — a cut lies between these frames (at 00:11.000): this flow is not motion</figcaption>"
    assert re.search(r"heatmap 10\.\d{3} → 11\.000 s" + re.escape(note), observation)
    assert re.search(r"overlay 10\.\d{3} → 11\.000 s" + re.escape(note), observation)
    assert report.count(note) == 2


def test_tables_list_every_row_with_the_mark(store: Store, tmp_path: Path) -> None:
    columns, rows = read_csv(export_table(store, tmp_path / "segments.csv", "csv"))
    assert columns == list(TABLE_COLUMNS)
    assert [(row["source"], row["label"], row["shot_change"], row["not_significant"]) for row in rows] == [
        ("multimodal_peak", "anger", "", "False"),
        ("motion_peak", "", "within 0.5 s of a cut at 00:11.000", "True"),
    ]
    assert [row["tracks"] for row in rows] == [item.tracks for item in collect_items(store)]
    assert rows[1]["tracks"].startswith("motion: peak 00:11.000, z +")
    assert all(row[column] != "" for row in rows for column in MOTION_COLUMNS[1:5])
    document = json.loads(export_table(store, tmp_path / "segments.json", "json").read_text(encoding="utf-8"))
    assert [row["not_significant"] for row in document] == [False, True]
    assert document[0]["motion_magnitude"] == float(rows[0]["motion_magnitude"])
    assert document[1]["motion_mean"] == float(rows[1]["motion_mean"])
    assert [column for column in document[1] if column.startswith("flow_")] == []


def test_tables_read_the_stored_motion_figures_and_never_decode_the_video(
    store: Store, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Issue 12 item 40: a table of 1,000 rows took 100 s decoding the flow around each moment. The motion
    figures come from the stored motion series; the flow magnitudes (a decode each) are not in the tables."""

    def no_decode(*args: object, **kwargs: object) -> None:
        raise AssertionError("a table must not decode the video")

    monkeypatch.setattr("av.open", no_decode)
    monkeypatch.setattr(export, "peak_detail", no_decode)
    columns, rows = read_csv(export_table(store, tmp_path / "segments.csv", "csv"))
    assert "flow_magnitude_before" not in columns and "flow_magnitude_after" not in columns
    assert columns == list(TABLE_COLUMNS)
    series = load_motion(store, store.all_media()[0].id).series
    for row, item in zip(rows, collect_items(store), strict=True):
        at = int(np.argmin(np.abs(series.times - item.moment_ms / 1000)))
        assert float(row["motion_magnitude"]) == round(float(series.magnitude[at]), 4)
        assert float(row["motion_moving"]) == round(float(series.moving[at]), 4)


@pytest.mark.slow
def test_a_labelled_peak_at_a_shot_change_is_exported(video: Path, tmp_path: Path) -> None:
    project = analysed(video, tmp_path / "labelled.salient")
    label_motion_peak(project, 1, "irony")
    with Store.open(project) as opened:
        zoom = collect_items(opened)[-1]
        at_cut = "within 0.5 s of a cut at 00:11.000"
        assert (zoom.label, zoom.shot_change, zoom.not_significant) == ("irony", at_cut, False)
        written = export_clips(opened, tmp_path / "clips")
    assert {path.name for path in written if path.name.startswith(zoom.name)} == {
        f"{zoom.name}{suffix}"
        for suffix in (".wav", ".mp4", "_t-1s.png", "_t.png", "_t+1s.png", *(f"_{c}.png" for c in FLOW_IMAGE_COLUMNS))
    }


def test_the_flow_of_a_moment_is_computed_once(store: Store, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    moments: list[int] = []

    def counting(path: str, moment_ms: int, **options: object):  # a PeakDetail
        moments.append(moment_ms)
        return peak_detail(path, moment_ms, **options)

    monkeypatch.setattr(export, "peak_detail", counting)
    moment, zoom = items_by_source(store)
    export_dataset(store, tmp_path / "ds")  # pictures and metadata of the moment, the zoom left out
    assert moments == [moment.peak_ms]
    moments.clear()
    export_report(store, tmp_path / "report")
    assert moments == [moment.peak_ms, zoom.peak_ms]


def test_disk_full_on_a_flow_picture_removes_the_whole_export(
    store: Store, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    disk_full_on(monkeypatch, lambda path: path.name.endswith("_flow_overlay_after.png"))
    out = tmp_path / "out"
    with pytest.raises(ExportError) as raised:
        export_dataset(store, out)
    failed = out / "keyframes" / f"{collect_items(store)[0].name}_flow_overlay_after.png"
    assert str(raised.value) == f"cannot write {failed}: the disk is full"
    assert not out.exists()


def test_an_existing_flow_picture_is_kept_unless_forced(store: Store, tmp_path: Path) -> None:
    mine = tmp_path / f"{collect_items(store)[0].name}_flow_heatmap_after.png"
    mine.write_bytes(b"mine")
    with pytest.raises(ExportError, match=re.escape(f"{mine} already exists")):
        export_clips(store, tmp_path)
    assert list(tmp_path.iterdir()) == [mine] and mine.read_bytes() == b"mine"
    written = export_clips(store, tmp_path, force=True)
    assert mine in written and png_image(mine).shape == (SCRIPT.height, SCRIPT.width, 3)


def test_audio_only_media_exports_without_motion(tmp_path: Path) -> None:
    sound = write_media(tmp_path / "moves.m4a", soundtrack(), SCENE_RATE, video_size=None)
    project = tmp_path / "audio.salient"
    analyze_audio(sound, project)
    with Store.open(project) as opened:
        items = collect_items(opened)
        assert items and all(not item.has_video and not item.shot_change for item in items)
        out = export_dataset(opened, tmp_path / "ds").path
        report = export_report(opened, tmp_path / "report").read_text(encoding="utf-8")
        _, table = read_csv(export_table(opened, tmp_path / "segments.csv", "csv"))
    columns, rows = read_csv(out / "audio" / "metadata.csv")
    assert columns == list(METADATA_COLUMNS) and not (out / "video").exists()
    for row in rows:
        assert all(row[column] == "" for column in MOTION_COLUMNS)
    for row in table:  # the tables have no flow magnitudes (they never decode the video)
        assert all(row[column] == "" for column in MOTION_COLUMNS if column in TABLE_COLUMNS)
    assert not [path for path in out.rglob("*.png")]
    assert "Motion analysis" not in report and '<table class="motion">' not in report


def test_the_projects_shot_rule_decides_what_exports_leave_out(store: Store) -> None:
    """Issue 14: the rule is stored with the project; without cuts in it, the zoom's peak at the cut is
    significant in the exports too (one rule for the window, the exports and the CLI)."""
    assert store.chosen_shot_rule() is None
    try:
        store.choose_shot_rule({"kinds": ["fade", "dissolve", "pan"], "margin_ms": 500})
        _moment, zoom = items_by_source(store)
        assert (zoom.shot_change, zoom.not_significant) == ("", False)
        store.choose_shot_rule({"kinds": ["cut"], "margin_ms": 500})
        _moment, zoom = items_by_source(store)
        assert (zoom.shot_change, zoom.not_significant) == ("within 0.5 s of a cut at 00:11.000", True)
        store.choose_shot_rule({"kinds": ["cut", "wipe"], "margin_ms": 500})
        with pytest.raises(ProjectError, match="the shot change rule is not valid: unknown kind of shot change: wipe"):
            collect_items(store)
    finally:
        store.choose_shot_rule(ShotRule().params())
