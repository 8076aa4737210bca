"""ELAN and TextGrid exports of a project with a motion run and a faces run: the motion peaks, the shot changes
(cuts as instants, zooms as intervals) and each person's emotions as tiers, read back with pympi and praatio,
and the same files imported again. The runs are stored as the analyses store them, from results made here, so
every time is known to the millisecond."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pytest
from praatio import textgrid
from pympi import Elan

from analysis.audio import DistributionStats
from analysis.faces.records import Face, FaceOptions, FaceSample, FacesResult, Person
from analysis.fer_model import EMOTIONS
from analysis.media import MediaInfo
from analysis.motion import MotionOptions, MotionPeak, MotionResult, MotionSeries, ShotChange
from analysis.video_pass import PassInfo
from app.export.interchange import (
    InteropError,
    Interval,
    Tier,
    write_textgrid,
)
from app.export.readers import (
    read_eaf,
    read_textgrid,
    tiers_to_segments,
)
from app.export.transcripts import (
    EMOTIONS_TIER_PREFIX,
    MOTION_PEAKS_TIER,
    SHOTS_TIER,
    export_transcript,
    import_file,
    project_tiers,
    read_import,
)
from app.model.records import NewLabel
from app.model.transcript import TranscriptSegment
from app.pipelines.faces import RUN_FACES, record_faces
from app.pipelines.motion import RUN_MOTION, record_motion
from app.project.store import Store

DURATION_MS = 20_000
PEAKS = (MotionPeak(2000, 3000, 2500, 2.345, 1.0), MotionPeak(7000, 7500, 7200, 3.1, 2.0))
SHOTS = (ShotChange(5000, 5000, "cut"), ShotChange(9000, 11000, "zoom"), ShotChange(12000, 12000, "cut"))
SEGMENTS = (TranscriptSegment(500, 2500, "Hello there.", speaker="SPEAKER_00"),)
FPS = 2.0
"""Face samples every 500 ms."""


def probabilities(dominant: str) -> dict[str, float]:
    return {label: 0.7 if label == dominant else 0.05 for label in EMOTIONS}


def face(track: int, person: int, dominant: str, width: int = 100) -> Face:
    return Face((10, 10, width, width), 1.0, probabilities(dominant), dominant, track, person)


SAMPLES = (
    FaceSample(0, (face(1, 1, "happy"),)),
    FaceSample(500, (face(1, 1, "happy"),)),
    FaceSample(1000, (face(1, 1, "happy"), face(2, 2, "neutral"))),
    FaceSample(1500, (face(1, 1, "sad"), face(2, 2, "neutral"), face(3, 2, "angry", width=40))),
    FaceSample(2000, (face(1, 1, "sad"), face(3, 2, "surprise"))),
    FaceSample(3500, (face(1, 1, "happy"),)),
)
"""Person 1 (track 1): happy 0–1.5 s, sad 1.5–2.5 s (then not seen until 3.5 s), happy 3.5–4 s. Person 2
(tracks 2 and 3): neutral 1–2 s (at 1.5 s track 2's larger face is theirs, not track 3's angry one), surprise
2–2.5 s."""


def media(store: Store, name: str) -> int:
    return store.add_media(MediaInfo(f"/media/{name}", "mp4", 1000, DURATION_MS, None, None), name).id


def store_motion(store: Store, media_id: int, fingerprint: str) -> None:
    options = MotionOptions()
    zeros = np.zeros(4)
    series = MotionSeries(np.arange(4) * 0.5, zeros, zeros, zeros, zeros, zeros, zeros)
    result = MotionResult(options, series, SHOTS, PassInfo(40, 20.0, 64, 48, 2.0, 0, ()))
    stats = DistributionStats("magnitude", 2.0, "high", False, 0.0, 1.0, -2.0, 2.0, 4, 2, 0.5, 0.05, 1.0, 0.0, 0.0)
    run_id = store.start_run(media_id, RUN_MOTION, {**options.params(), "k": 2.0}, {})
    record_motion(store, run_id, fingerprint, result, PEAKS, stats, 0, 2.0)


def store_faces(store: Store, media_id: int, fingerprint: str, samples: tuple[FaceSample, ...]) -> int:
    persons = tuple(Person(n, f"Person {n}", 0, {}) for n in sorted({f.person_id for s in samples for f in s.faces}))
    result = FacesResult(samples, persons, 0, None, FaceOptions(fps=FPS), EMOTIONS)
    run_id = store.start_run(media_id, RUN_FACES, FaceOptions(fps=FPS).params(), {})
    record_faces(store, run_id, fingerprint, result, 0)
    return run_id


def label(store: Store, media_id: int, start_ms: int, end_ms: int) -> str:
    entry = store.vocabulary()[0]
    store.add_label(media_id, NewLabel(start_ms, end_ms, entry.id, "selection"), "Ana")
    return entry.name


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Media 1: a transcript, a motion run, a faces run (person 1 named Anna and linked to SPEAKER_00), a label.
    Media 2: only a faces run of person 1 and a label. Media 3: only a label."""
    path = tmp_path_factory.mktemp("tiers") / "project.salient"
    with Store.open(path) as store:
        full = media(store, "full.mp4")
        store.import_transcript(full, {"model": "", "language": ""}, {}, SEGMENTS, [], "Ana")
        store_motion(store, full, "full")
        faces_run = store_faces(store, full, "full", SAMPLES)
        store.rename_person(faces_run, 1, "Anna")
        store.link_speaker(faces_run, 1, "SPEAKER_00")
        label(store, full, 6000, 8000)
        faces_only = media(store, "faces.mp4")
        store_faces(store, faces_only, "faces", SAMPLES[:2])
        label(store, faces_only, 100, 900)
        label(store, media(store, "plain.mp4"), 1000, 2000)
    return path


@pytest.fixture
def store(project: Path):
    with Store.open(project, read_only=True) as opened:
        yield opened


def test_project_tiers_of_motion_and_faces(store: Store) -> None:
    full, faces_only, plain = (record.id for record in store.all_media())
    tiers = project_tiers(store, full)
    assert [(tier.name, tier.participant, tier.points) for tier in tiers] == [
        ("transcript - SPEAKER_00", "SPEAKER_00", False),
        ("motion peaks", "", False),
        ("shot changes", "", True),
        ("emotions: Anna", "SPEAKER_00", False),
        ("emotions: Person 2", "Person 2", False),
        ("labels", "Ana", False),
    ]
    assert tiers[1].intervals == (Interval(2000, 3000, "z=+2.35"), Interval(7000, 7500, "z=+3.10"))
    assert tiers[2].intervals == (
        Interval(5000, 5000, "cut"),
        Interval(9000, 11000, "zoom"),
        Interval(12000, 12000, "cut"),
    )
    assert [tier.name for tier in project_tiers(store, faces_only)] == ["emotions: Person 1", "labels"]
    assert [tier.name for tier in project_tiers(store, plain)] == ["labels"]


def test_eaf_as_pympi_reads_it(store: Store, tmp_path: Path) -> None:
    full = store.all_media()[0].id
    eaf = Elan.Eaf(str(export_transcript(store, "eaf", tmp_path / "full.eaf", full)))
    assert (
        eaf.get_tier_names()
        == {
            "transcript - SPEAKER_00": 0,
            "motion peaks": 1,
            "shot changes": 2,
            "emotions: Anna": 3,
            "emotions: Person 2": 4,
            "labels": 5,
        }.keys()
    )
    assert eaf.get_annotation_data_for_tier("motion peaks") == [(2000, 3000, "z=+2.35"), (7000, 7500, "z=+3.10")]
    # ELAN has no points: a cut is 1 ms long, like a word without duration
    assert eaf.get_annotation_data_for_tier("shot changes") == [
        (5000, 5001, "cut"),
        (9000, 11000, "zoom"),
        (12000, 12001, "cut"),
    ]
    assert eaf.get_annotation_data_for_tier("emotions: Anna") == [
        (0, 1500, "happy"),
        (1500, 2500, "sad"),
        (3500, 4000, "happy"),
    ]
    assert eaf.get_annotation_data_for_tier("emotions: Person 2") == [(1000, 2000, "neutral"), (2000, 2500, "surprise")]
    assert eaf.tiers["emotions: Anna"][2]["PARTICIPANT"] == "SPEAKER_00"
    assert eaf.tiers["emotions: Person 2"][2]["PARTICIPANT"] == "Person 2"


def test_textgrid_as_praatio_reads_it(store: Store, tmp_path: Path) -> None:
    full = store.all_media()[0].id
    path = export_transcript(store, "textgrid", tmp_path / "full.TextGrid", full)
    grid = textgrid.openTextgrid(str(path), includeEmptyIntervals=False)
    assert grid.tierNames == (
        "transcript - SPEAKER_00",
        "motion peaks",
        "shot changes",
        "shot changes (2)",
        "emotions: Anna",
        "emotions: Person 2",
        "labels",
    )
    assert (grid.minTimestamp, grid.maxTimestamp) == (0, 20)
    assert [tuple(e) for e in grid.getTier("motion peaks").entries] == [(2, 3, "z=+2.35"), (7, 7.5, "z=+3.10")]
    cuts = grid.getTier("shot changes")
    assert isinstance(cuts, textgrid.PointTier)
    assert [tuple(e) for e in cuts.entries] == [(5, "cut"), (12, "cut")]
    zooms = grid.getTier("shot changes (2)")
    assert isinstance(zooms, textgrid.IntervalTier)
    assert [tuple(e) for e in zooms.entries] == [(9, 11, "zoom")]
    assert [tuple(e) for e in grid.getTier("emotions: Anna").entries] == [
        (0, 1.5, "happy"),
        (1.5, 2.5, "sad"),
        (3.5, 4, "happy"),
    ]
    assert [tuple(e) for e in grid.getTier("emotions: Person 2").entries] == [(1, 2, "neutral"), (2, 2.5, "surprise")]


def test_a_point_tier_of_instants_only_and_of_intervals_only(tmp_path: Path) -> None:
    tiers = [
        Tier("cuts", (Interval(-5, -5, "early"), Interval(400, 400, "a"), Interval(400, 400, "b")), points=True),
        Tier("zooms", (Interval(100, 300, "zoom"),), points=True),
        Tier("none", (), points=True),
    ]
    read = read_textgrid(write_textgrid(tmp_path / "x.TextGrid", tiers, 1000))
    assert read == [
        Tier("cuts", (Interval(0, 0, "early"), Interval(400, 400, "a / b"))),
        Tier("zooms", (Interval(100, 300, "zoom"),)),
        Tier("none", ()),
    ]


@pytest.mark.parametrize("suffix", [".eaf", ".TextGrid"])
def test_importing_the_export_takes_the_transcript_and_labels_only(project: Path, tmp_path: Path, suffix) -> None:
    copy = Path(shutil.copy(project, tmp_path / "copy.salient"))
    with Store.open(copy) as store:
        full = store.all_media()[0].id
        path = export_transcript(store, suffix.lstrip(".").lower(), tmp_path / f"full{suffix}", full)
        result = import_file(store, full, path, "Bob")
        assert (result.segments, result.labels) == (1, 1)
        (segment,) = store.transcript_segments(result.run_id)
        assert (segment.start_ms, segment.end_ms, segment.text, segment.speaker) == (
            500,
            2500,
            "Hello there.",
            "SPEAKER_00",
        )
        assert [(la.start_ms, la.end_ms) for la in store.labels(full) if la.annotator == "Bob"] == [(6000, 8000)]


@pytest.mark.parametrize("suffix", [".eaf", ".TextGrid"])
def test_an_emotions_tier_is_never_taken_for_the_transcript(store: Store, tmp_path: Path, suffix: str) -> None:
    """Media 2 has no transcript: its one tier with text over time spans besides the labels is a person's
    emotions, which must not become the imported transcript."""
    faces_only = store.all_media()[1].id
    path = export_transcript(store, suffix.lstrip(".").lower(), tmp_path / f"faces{suffix}", faces_only)
    tiers = read_eaf(path) if suffix == ".eaf" else read_textgrid(path)
    assert [tier.name for tier in tiers] == ["emotions: Person 1", "labels"]
    segments, labels = read_import(path)
    assert segments == []
    assert [(i.start_ms, i.end_ms) for i in labels] == [(100, 900)]


@pytest.mark.parametrize("name", [MOTION_PEAKS_TIER, SHOTS_TIER, f"{EMOTIONS_TIER_PREFIX}Anna", "Emotions: Anna (2)"])
def test_a_lone_motion_or_emotions_tier_is_no_transcript(name: str) -> None:
    with pytest.raises(InteropError, match="no transcript tier"):
        tiers_to_segments([Tier(name, (Interval(0, 1000, "zoom"),)), Tier("labels", (Interval(0, 500, "x"),))])
