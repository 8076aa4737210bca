"""A new faces run of a media keeps the names the user gave: each named person of the previous run passes its
name (and linked speaker) to the new person that looks like it, and to no one else. The track portraits are
stored with the run. Real videos (tests/helpers/faces.py), the real detector and FER model."""

from __future__ import annotations

from pathlib import Path

import cv2
import pytest

from analysis.faces import FacesResult, analyze_faces
from analysis.faces.identity import PORTRAIT_SIZE
from app.model.records import MediaInfo
from app.pipelines.faces import RUN_FACES, load_faces, record_faces
from app.project.store import Store
from tests.helpers.faces import TWO_FACES, TWO_FACES_S, Appearance, lfw_face, write_video


@pytest.fixture(scope="module")
def two_faces(tmp_path_factory: pytest.TempPathFactory) -> FacesResult:
    return analyze_faces(write_video(tmp_path_factory.mktemp("names") / "two.mp4", TWO_FACES, TWO_FACES_S))


@pytest.fixture(scope="module")
def other_face(tmp_path_factory: pytest.TempPathFactory) -> FacesResult:
    """Only the LFW face of TWO_FACES (not the astronaut), alone, 3 s."""
    shown = [Appearance(0.5, 3.0, lfw_face(0), (60, 120))]
    return analyze_faces(write_video(tmp_path_factory.mktemp("names") / "other.mp4", shown, 3.5))


def astronaut_person(result: FacesResult) -> int:
    """The person of the only face seen from 8.2 to 9.3 s: the astronaut, on the right (TWO_FACES)."""
    (person,) = {face.person_id for s in result.samples if 8200 <= s.t_ms <= 9300 for face in s.faces}
    return person


def record(store: Store, media_id: int, result: FacesResult):
    run_id = store.start_run(media_id, RUN_FACES, result.options.params(), {})
    return run_id, record_faces(store, run_id, "two", result, 0)


@pytest.fixture
def named(tmp_path: Path, two_faces: FacesResult):
    """A project whose media's first faces run has the astronaut named Ana and linked to the speaker Ana."""
    with Store.open(tmp_path / "project.salient") as store:
        media_id = store.add_media(MediaInfo("/media/two.mp4", "mp4", 1000, 10_000, None, None), "two.mp4").id
        run_id, first = record(store, media_id, two_faces)
        assert first.carried == 0
        store.rename_person(run_id, astronaut_person(two_faces), "Ana")
        store.link_speaker(run_id, astronaut_person(two_faces), "Ana")
        yield store, media_id


def test_a_second_run_keeps_ana_on_the_same_face(named, two_faces: FacesResult) -> None:
    store, media_id = named
    run_id, second = record(store, media_id, two_faces)
    assert second.carried == 1
    ana = astronaut_person(two_faces)
    other = 3 - ana
    assert second.names == {ana: "Ana", other: f"Person {other}"}
    persons = {number: (name, speaker) for number, name, speaker, _ in store.persons(run_id)}
    assert persons == {ana: ("Ana", "Ana"), other: (f"Person {other}", "")}
    assert load_faces(store, media_id).person_name(ana) == "Ana"


def test_a_different_face_does_not_inherit_the_name(named, other_face: FacesResult) -> None:
    store, media_id = named
    assert [p.id for p in other_face.persons] == [1]
    run_id, second = record(store, media_id, other_face)
    assert second.carried == 0
    assert second.names == {1: "Person 1"}
    assert [(n, name, speaker) for n, name, speaker, _ in store.persons(run_id)] == [(1, "Person 1", "")]


def test_each_track_has_a_portrait_of_its_largest_face(tmp_path: Path, two_faces: FacesResult) -> None:
    with Store.open(tmp_path / "project.salient") as store:
        media_id = store.add_media(MediaInfo("/media/two.mp4", "mp4", 1000, 10_000, None, None), "two.mp4").id
        record(store, media_id, two_faces)
        stored = load_faces(store, media_id)
        assert sorted(stored.portraits) == [1, 2, 3, 4]
        for path in stored.portraits.values():
            assert cv2.imread(str(path)).shape == (PORTRAIT_SIZE, PORTRAIT_SIZE, 3)
        assert stored.portrait(1) in {stored.portraits[t] for t in stored.persons[0][3]}


def test_each_name_goes_to_its_own_face(named, two_faces: FacesResult, other_face: FacesResult) -> None:
    """With the other face named Ben as well, a run showing only that face gives it Ben, not Ana."""
    store, media_id = named
    first = store.runs(media_id, RUN_FACES)[0].id
    store.rename_person(first, 3 - astronaut_person(two_faces), "Ben")
    run_id, second = record(store, media_id, other_face)
    assert (second.names, second.carried) == ({1: "Ben"}, 1)
    assert [(n, name, speaker) for n, name, speaker, _ in store.persons(run_id)] == [(1, "Ben", "")]
