"""Exports of a project with a faces run: face figures in the metadata and the tables, face crops next to the key
frames, and the persons in the report. The video shows skimage's astronaut (a smiling face) from 2 to 5 s and
from 8 to 10 s, with a loud burst at 8.6 s (an audio peak); the faces come from ``analyze --faces``."""

from __future__ import annotations

import json
import logging
import re
from pathlib import Path

import numpy as np
import pytest

from analysis.errors import ExportError
from analysis.faces.stats import persons
from analysis.fer_model import EMOTIONS
from app.demo.synth import SCENE_RATE, write_media
from app.export import faces as export
from app.export.clips import export_clips
from app.export.dataset import IMAGE_COLUMNS, METADATA_COLUMNS, export_dataset
from app.export.faces import EMOTION_COLUMNS, FACE_COLUMNS, FACE_WINDOW_MS, FaceSeen, face_crop
from app.export.items import ExportItem, collect_items, safe_name
from app.export.report import export_report
from app.export.table import TABLE_COLUMNS, export_table
from app.model.records import NewLabel
from app.pipelines.analyze import analyze_audio
from app.pipelines.faces import RUN_FACES, StoredFaces, load_faces
from app.project.store import Store
from tests.helpers.cli import run
from tests.helpers.exports import disk_full_on, png_image, read_csv
from tests.helpers.faces import (
    CUSTOM_LABELS,
    CUSTOM_PROBABILITIES,
    FPS,
    HEIGHT,
    ONE_FACE,
    ONE_FACE_S,
    WIDTH,
    background,
    constant_classifier,
    frames,
)
from tests.helpers.media import quiet_with_burst

NAME = "Eileen Collins"
"""Person 1 renamed, as a user names the persons the run found."""
SPEAKER = "SPEAKER_00"
INSIDE = (3000, 4000)
"""A selection while the astronaut is on screen (2–5 s): its moment, 3.5 s, has faces within ±1 s on both sides."""
OUTSIDE = (6000, 7000)
"""A selection with no face within ±1 s of its moment (6.5 s)."""


def soundtrack() -> np.ndarray:
    """Quiet noise with one loud burst at 8.6 s, while the astronaut is on screen the second time."""
    return quiet_with_burst(ONE_FACE_S, 8.6)


def label(store: Store, span: tuple[int, int], value: str, annotator: str) -> None:
    """Label a range the user selected, as the window does."""
    record = store.all_media()[0]
    entry = next(entry.id for entry in store.vocabulary() if entry.name == value)
    store.add_label(record.id, NewLabel(span[0], span[1], entry, "selection"), annotator)


@pytest.fixture(scope="module")
def video(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("faces-export") / "astronaut.mp4"
    frames_shown = frames(ONE_FACE, ONE_FACE_S)
    return write_media(path, soundtrack(), SCENE_RATE, video_size=(WIDTH, HEIGHT), fps=FPS, frames=frames_shown)


@pytest.fixture(scope="module")
def project(video: Path) -> Path:
    """``analyze --faces`` as a user runs it; person 1 named and linked to a speaker; the range inside the face
    interval labelled by Ana and Bob (one moment, two rows), the range outside it by Ana."""
    path = video.with_suffix(".salient")
    done = run("analyze", str(video), "--faces", "--project", str(path), "--quiet")
    assert done.returncode == 0, done.stderr
    with Store.open(path) as store:
        (faces_run,) = store.runs(kind=RUN_FACES)
        store.rename_person(faces_run.id, 1, NAME)
        store.link_speaker(faces_run.id, 1, SPEAKER)
        label(store, INSIDE, "happiness", "Ana")
        label(store, INSIDE, "irony", "Bob")
        label(store, OUTSIDE, "neutral", "Ana")
    return path


@pytest.fixture
def store(project: Path):
    with Store.open(project) as opened:
        yield opened


@pytest.fixture(scope="module")
def stored(project: Path) -> StoredFaces:
    with Store.open(project, read_only=True) as opened:
        found = load_faces(opened, opened.all_media()[0].id)
    assert found is not None
    return found


@pytest.fixture(scope="module")
def dataset(project: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    with Store.open(project) as opened:
        return export_dataset(opened, tmp_path_factory.mktemp("faces-dataset") / "ds").path


@pytest.fixture(scope="module")
def report(project: Path, tmp_path_factory: pytest.TempPathFactory) -> str:
    with Store.open(project) as opened:
        return export_report(opened, tmp_path_factory.mktemp("faces-report")).read_text(encoding="utf-8")


def the_items(store: Store) -> tuple[ExportItem, ExportItem, ExportItem, ExportItem]:
    """Ana's and Bob's rows of the range inside, Ana's row of the range outside, the unlabelled audio peak."""
    ana, bob, outside, peak = collect_items(store)
    assert [(item.source, item.label) for item in (ana, bob, outside, peak)] == [
        ("selection", "happiness"),
        ("selection", "irony"),
        ("selection", "neutral"),
        ("audio_peak", ""),
    ]
    assert 8000 <= peak.peak_ms <= 9500
    return ana, bob, outside, peak


def expected_columns(stored: StoredFaces, moment_ms: int) -> dict[str, str]:
    """The face columns as the CSV must hold them, worked out from the stored samples on their own."""
    near = [sample for sample in stored.samples if abs(sample.t_ms - moment_ms) <= FACE_WINDOW_MS]
    values = dict.fromkeys(FACE_COLUMNS, "")
    if not near:
        return values
    nearest = min(near, key=lambda sample: abs(sample.t_ms - moment_ms))
    values["faces"] = str(len(nearest.faces))
    numbers = sorted({face.person_id for sample in near for face in sample.faces})
    values["persons"] = ";".join(stored.person_name(number) for number in numbers)
    if not nearest.faces:
        return values
    largest = max(nearest.faces, key=lambda face: face.box[2] * face.box[3])
    values["face_emotion"] = largest.dominant
    values["face_emotion_p"] = str(round(largest.probabilities[largest.dominant], 4))
    rows = []
    for sample in near:
        mine = [face for face in sample.faces if face.person_id == largest.person_id]
        if mine:
            rows.append(max(mine, key=lambda face: face.box[2] * face.box[3]).probabilities)
    for name in EMOTIONS:
        values[f"emotion_{name}"] = str(round(float(np.mean([row[name] for row in rows])), 4))
    return values


def nearest_sample(stored: StoredFaces, moment_ms: int):  # a FaceSample
    return min(stored.samples, key=lambda sample: abs(sample.t_ms - moment_ms))


def test_items_carry_the_faces_around_their_moment(store: Store, stored: StoredFaces) -> None:
    ana, bob, outside, peak = the_items(store)
    for item in (ana, bob, peak):
        around = item.faces_around
        assert around is not None and len(around.faces) == 1 and [p.name for p in around.persons] == [NAME]
        sample = nearest_sample(stored, item.moment_ms)
        assert around.sample_ms == sample.t_ms
        (face,) = around.faces
        assert (face.box, face.name, face.dominant) == (tuple(sample.faces[0].box), NAME, "happy")
        assert around.persons[0].samples == 4  # two samples a second, within ±1 s of the moment
    assert ana.faces_around == bob.faces_around
    assert outside.faces_around is not None
    assert outside.faces_around.faces == () and outside.faces_around.persons == ()
    assert outside.faces_around.sample_ms is not None  # the run sampled there and saw nobody


def test_metadata_face_columns_match_the_stored_samples(store: Store, stored: StoredFaces, dataset: Path) -> None:
    ana, bob, outside, peak = the_items(store)
    video_columns, video_rows = read_csv(dataset / "video" / "metadata.csv")
    audio_columns, audio_rows = read_csv(dataset / "audio" / "metadata.csv")
    assert video_columns == list(METADATA_COLUMNS + IMAGE_COLUMNS) and audio_columns == list(METADATA_COLUMNS)
    assert set(FACE_COLUMNS) | {"face_crops"} <= set(audio_columns)
    assert len(EMOTION_COLUMNS) == 7
    for rows in (video_rows, audio_rows):
        assert [row["label"] for row in rows] == ["happiness", "irony", "neutral", ""]
        for row, item in zip(rows, (ana, bob, outside, peak), strict=True):
            assert {column: row[column] for column in FACE_COLUMNS} == expected_columns(stored, item.moment_ms)
    for row in (video_rows[0], video_rows[1], video_rows[3]):
        assert (row["faces"], row["persons"], row["face_emotion"]) == ("1", NAME, "happy")
        assert float(row["face_emotion_p"]) >= 0.9 and float(row["emotion_happy"]) >= 0.9
        assert sum(float(row[column]) for column in EMOTION_COLUMNS) == pytest.approx(1.0, abs=1e-3)
    outside_row = video_rows[2]
    assert outside_row["faces"] == "0"
    assert all(outside_row[column] == "" for column in [*FACE_COLUMNS[1:], "face_crops"])


def test_a_run_of_the_users_own_classifier_fills_emotion_columns_of_its_labels(video: Path, tmp_path: Path) -> None:
    """A faces run made with an ONNX classifier of three labels of the user's own: the exports get an
    ``emotion_<label>`` column for each of those labels, filled with the person's mean; FER's seven stay empty."""
    model = constant_classifier(tmp_path / "three.onnx")
    project = tmp_path / "three.salient"
    labels = ",".join(CUSTOM_LABELS)
    args = ("--faces", "--emotion-model", str(model), "--emotion-labels", labels, "--project", str(project))
    done = run("analyze", str(video), *args, "--quiet")
    assert done.returncode == 0, done.stderr
    with Store.open(project) as store:
        label(store, INSIDE, "happiness", "Ana")
        label(store, OUTSIDE, "neutral", "Ana")
        table = export_table(store, tmp_path / "segments.csv", "csv")
        document = json.loads(export_table(store, tmp_path / "segments.json", "json").read_text(encoding="utf-8"))
        dataset = export_dataset(store, tmp_path / "ds").path
    custom = [f"emotion_{name}" for name in CUSTOM_LABELS]
    means = {column: str(p) for column, p in zip(custom, CUSTOM_PROBABILITIES, strict=True)}
    assert means == {"emotion_calm": "0.2", "emotion_tense": "0.5", "emotion_joy": "0.3"}
    at = TABLE_COLUMNS.index(EMOTION_COLUMNS[-1]) + 1
    metadata_at = METADATA_COLUMNS.index(EMOTION_COLUMNS[-1]) + 1
    columns, rows = read_csv(table)
    assert columns == [*TABLE_COLUMNS[:at], *custom, *TABLE_COLUMNS[at:]]
    _, audio_rows = read_csv(dataset / "audio" / "metadata.csv")
    video_columns, video_rows = read_csv(dataset / "video" / "metadata.csv")
    assert video_columns == [*METADATA_COLUMNS[:metadata_at], *custom, *METADATA_COLUMNS[metadata_at:], *IMAGE_COLUMNS]
    for found in (rows, audio_rows, video_rows):
        inside, outside, peak = found
        assert [row["label"] for row in found] == ["happiness", "neutral", ""]
        for row in (inside, peak):
            assert {column: row[column] for column in custom} == means
            assert (row["faces"], row["persons"], row["face_emotion"], row["face_emotion_p"]) == (
                "1",
                "Person 1",
                "tense",
                "0.5",
            )
            assert all(row[column] == "" for column in EMOTION_COLUMNS)
        assert outside["faces"] == "0" and all(outside[column] == "" for column in [*custom, *EMOTION_COLUMNS])
    assert [row["emotion_tense"] for row in document] == [0.5, None, 0.5]
    assert document[0]["emotion_happy"] is None


def test_face_crops_are_the_widened_box_of_the_frame_sampled(store: Store, stored: StoredFaces, dataset: Path) -> None:
    ana, bob, outside, peak = the_items(store)
    _, rows = read_csv(dataset / "video" / "metadata.csv")
    _, audio_rows = read_csv(dataset / "audio" / "metadata.csv")
    person = safe_name(NAME)
    assert person == "eileen_collins"
    shown = list(frames(ONE_FACE, ONE_FACE_S))
    plain = background()
    for row, audio_row, item in zip(
        (rows[0], rows[1], rows[3]), (audio_rows[0], audio_rows[1], audio_rows[3]), (ana, bob, peak), strict=True
    ):
        crop_path = (dataset / "video" / row["face_crops"]).resolve()
        assert crop_path.name == f"{item.name}_face1_{person}.png"
        assert crop_path.parent == (dataset / "keyframes").resolve()
        assert (dataset / "audio" / audio_row["face_crops"]).resolve() == crop_path
        crop = png_image(crop_path)
        sample = nearest_sample(stored, item.moment_ms)
        x, y, w, h = sample.faces[0].box
        assert abs(crop.shape[1] - 1.2 * w) <= 2 and abs(crop.shape[0] - 1.2 * h) <= 2
        # the frame the run analysed, as it was drawn before encoding: the crop shows the astronaut there
        drawn = face_crop(shown[round(sample.t_ms * FPS / 1000)], (x, y, w, h)).astype(np.float64)
        assert drawn.shape == crop.shape
        assert np.abs(crop - drawn).mean() < 8
        assert np.abs(face_crop(plain, (x, y, w, h)) - drawn).mean() > 30
    assert (dataset / "video" / rows[0]["face_crops"]).read_bytes() == (
        dataset / "video" / rows[1]["face_crops"]
    ).read_bytes()
    names = [path.name for path in dataset.rglob("*.png")]
    assert len([name for name in names if "_face" in name]) == 3
    assert not [name for name in names if name.startswith(outside.name) and "_face" in name]
    typed = [json.loads(line) for line in (dataset / "video.jsonl").read_text(encoding="utf-8").splitlines()]
    assert [len(row["face_crops"]) for row in typed] == [1, 1, 0, 1]
    assert all((dataset / path).is_file() for row in typed for path in row["face_crops"])
    assert typed[0]["faces"] == 1 and typed[2]["faces"] == 0 and typed[2]["face_emotion"] is None


def test_clips_get_the_crops_like_key_frames(store: Store, tmp_path: Path) -> None:
    ana, bob, outside, peak = the_items(store)
    written = export_clips(store, tmp_path)
    crops = sorted(path.name for path in written if "_face" in path.name)
    assert crops == sorted(f"{item.name}_face1_eileen_collins.png" for item in (ana, bob, peak))
    assert len(written) == 4 * (5 + 4) + 3  # WAV, MP4, 3 key frames, 4 flow pictures each; three crops


def test_tables_have_the_face_columns(store: Store, stored: StoredFaces, tmp_path: Path) -> None:
    items = the_items(store)
    columns, rows = read_csv(export_table(store, tmp_path / "segments.csv", "csv"))
    assert columns == list(TABLE_COLUMNS) and "face_crops" not in columns and set(FACE_COLUMNS) <= set(columns)
    for row, item in zip(rows, items, strict=True):
        assert {column: row[column] for column in FACE_COLUMNS} == expected_columns(stored, item.moment_ms)
    document = json.loads(export_table(store, tmp_path / "segments.json", "json").read_text(encoding="utf-8"))
    assert [row["faces"] for row in document] == [1, 1, 0, 1]
    assert document[0]["emotion_happy"] == float(rows[0]["emotion_happy"]) and document[2]["persons"] is None


def test_report_shows_the_persons_and_the_crops(report: str, stored: StoredFaces) -> None:
    assert "<h3>Persons</h3>" in report and "Observations (3)" in report
    (person,) = persons(stored.samples, stored.options.fps, stored.labels)
    section = report[report.index("<h3>Persons</h3>") : report.index("Observations (3)")]
    assert f"<td>{NAME} (speaker {SPEAKER})</td><td>{person.visible_ms / 1000:.1f} s</td>" in section
    assert person.visible_ms == 5000  # ten samples of the astronaut at two a second
    assert f"<td>{person.emotion_share['happy']:.0%}</td>" in section
    assert report.count('<table class="faces">') == 2 and report.count("No face within ±1 s of t.") == 1
    crops = re.findall(r'<img alt="face (\d+)" src="data:image/png;base64,[^"]+"><figcaption>([^<]*)<', report)
    assert [(k, caption.split(",")[0]) for k, caption in crops] == [("1", f"face 1: {NAME}")] * 2
    assert all("happy" in caption for _, caption in crops)
    inside = report[report.index("<h3>3.000–4.000 s") : report.index("<h3>6.000–7.000 s")]
    assert "Bob" in inside and inside.count('alt="face 1"') == 1 and "<td>happy</td>" in inside
    sources = re.findall(r'src="([^"]*)"', report)
    # two plots; key frames, flow and its colour scale per observation; two crops
    assert len(sources) == 2 + 3 * (3 + 4 + 1) + 2


def test_disk_full_on_a_face_crop_removes_the_whole_export(
    store: Store, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    disk_full_on(monkeypatch, lambda path: "_face1_" in path.name)
    out = tmp_path / "out"
    with pytest.raises(ExportError) as raised:
        export_dataset(store, out)
    failed = out / "keyframes" / f"{the_items(store)[0].name}_face1_eileen_collins.png"
    assert str(raised.value) == f"cannot write {failed}: the disk is full"
    assert not out.exists()


def test_an_existing_crop_is_kept_unless_forced(store: Store, tmp_path: Path) -> None:
    mine = tmp_path / f"{the_items(store)[3].name}_face1_eileen_collins.png"
    mine.write_bytes(b"mine")
    with pytest.raises(ExportError, match=re.escape(f"{mine} already exists")):
        export_clips(store, tmp_path)
    assert list(tmp_path.iterdir()) == [mine] and mine.read_bytes() == b"mine"
    written = export_clips(store, tmp_path, force=True)
    assert mine in written and png_image(mine).shape[2] == 3


def test_an_unreadable_faces_run_leaves_the_figures_empty(
    store: Store, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    def broken(*_: object) -> None:
        raise ValueError("Expecting value: line 1 column 1 (char 0)")

    monkeypatch.setattr(export, "load_faces", broken)
    with caplog.at_level(logging.WARNING, logger="app.export.faces"):
        items = collect_items(store)
    assert all(item.faces_around is None for item in items)
    assert "the faces run cannot be read" in caplog.text


@pytest.mark.slow
def test_video_without_a_faces_run_and_audio_only_media_have_empty_face_columns(video: Path, tmp_path: Path) -> None:
    sound = write_media(tmp_path / "astronaut.m4a", soundtrack(), SCENE_RATE, video_size=None)
    project = tmp_path / "plain.salient"
    analyze_audio(video, project)  # the sound only: no faces run
    analyze_audio(sound, project)
    with Store.open(project) as opened:
        items = collect_items(opened)
        assert len(items) == 2 and [item.has_video for item in items] == [True, False]
        assert all(item.faces_around is None for item in items)
        out = export_dataset(opened, tmp_path / "ds").path
        report = export_report(opened, tmp_path / "report").read_text(encoding="utf-8")
        _, table = read_csv(export_table(opened, tmp_path / "segments.csv", "csv"))
    _, rows = read_csv(out / "audio" / "metadata.csv")
    _, video_rows = read_csv(out / "video" / "metadata.csv")
    for row in [*rows, *video_rows, *table]:
        assert all(row[column] == "" for column in FACE_COLUMNS)
    for row in [*rows, *video_rows]:
        assert row["face_crops"] == ""
    assert not [path for path in out.rglob("*_face*")]
    assert "<h3>Persons</h3>" not in report and '<table class="faces">' not in report and 'alt="face' not in report


def test_a_face_seen_captions_an_uncertain_emotion_as_such() -> None:
    assert FaceSeen((0, 0, 9, 9), 1, "Ann", "angry", 0.38, uncertain=True).caption == "uncertain (angry 38 %)"
    assert FaceSeen((0, 0, 9, 9), 1, "Ann", "happy", 0.91).caption == "happy 91 %"
