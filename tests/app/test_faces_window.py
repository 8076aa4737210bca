"""Faces in the window: run the analysis, see boxes, emotion rows and the panel; rename a person."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from analysis.faces import FaceOptions
from app.gui.main_window import MainWindow
from app.gui.session import Session
from app.project.store import Store
from tests.helpers.faces import CUSTOM_LABELS, ONE_FACE, ONE_FACE_S, constant_classifier, write_video
from tests.helpers.opening import open_and_wait

pytestmark = pytest.mark.usefixtures("no_threads_left")


@pytest.fixture(scope="module")
def face_video(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_video(tmp_path_factory.mktemp("faces_window") / "face.mp4", ONE_FACE, ONE_FACE_S)


@pytest.fixture
def analysed(qtbot, window: MainWindow, face_video: Path, tmp_path: Path) -> MainWindow:
    video = Path(shutil.copy(face_video, tmp_path / "face.mp4"))
    open_and_wait(qtbot, window.session, video)
    job = window.session.start_faces(FaceOptions())
    with qtbot.waitSignal(job.finished, timeout=60_000):
        pass
    assert job.state == "done", job.error
    return window


def test_rows_panel_and_boxes(qtbot, analysed: MainWindow) -> None:
    faces = analysed.faces
    assert list(faces.tracks) == [1]
    assert analysed.timeline.is_track_visible(faces.tracks[1].key)
    assert faces.panel.current_person() == 1
    shown = ONE_FACE[0]
    middle_ms = round((shown.start_s + shown.end_s) / 2 * 1000)
    analysed.player.seek(middle_ms)
    qtbot.waitUntil(lambda: abs(analysed.player.position_ms - middle_ms) <= 40, timeout=5000)
    qtbot.waitUntil(lambda: len(faces.boxes.screen_boxes(analysed.video_view.rect())) == 1, timeout=5000)
    analysed.player.seek(round(6.5 * 1000))  # nobody on screen
    qtbot.waitUntil(lambda: faces.boxes.screen_boxes(analysed.video_view.rect()) == [], timeout=5000)


def test_a_person_row_can_be_hidden_under_view_tracks(qtbot, analysed: MainWindow) -> None:
    track = analysed.faces.tracks[1]
    shown = {action.text(): action for action in analysed.tracks_menu.actions()}
    assert list(shown)[-1] == track.title == "Person 1"
    assert [action.text() for action in analysed.tracks_menu.actions()] == [
        action.text() for action in analysed.timeline.visibility_actions()
    ]
    shown["Person 1"].trigger()
    assert not analysed.timeline.is_track_visible(track.key)
    shown["Person 1"].trigger()
    assert analysed.timeline.is_track_visible(track.key)


def stored_persons(session: Session) -> list[tuple[int, str, str, list[int]]]:
    """The persons of the faces run as the project file has them."""
    with Store.open(session.project_path, read_only=True) as store:
        return store.persons(session.faces.run_id)


def test_renaming_a_person_shows_everywhere_and_is_stored(qtbot, analysed: MainWindow) -> None:
    session = analysed.session
    session.rename_person(1, "The astronaut")
    assert session.faces.person_name(1) == "The astronaut"
    assert stored_persons(session)[0][1] == "The astronaut"
    assert analysed.timeline.track(analysed.faces.tracks[1].key).title == "The astronaut"


def test_a_person_linked_to_a_speaker_shares_the_name(qtbot, analysed: MainWindow, tmp_path: Path) -> None:
    session = analysed.session
    captions = tmp_path / "captions.vtt"
    captions.write_text("WEBVTT\n\n00:00:01.000 --> 00:00:02.000\n<v Ana>Hello there.\n", encoding="utf-8")
    session.import_transcript(captions, "test")
    assert session.transcript.speakers == ["Ana"]
    session.link_speaker(1, "Ana")
    assert session.faces.person_name(1) == "Ana"
    session.rename_person(1, "Dr Ana")
    assert session.faces.person_name(1) == "Dr Ana"
    assert session.transcript.speakers == ["Dr Ana"]
    assert stored_persons(session)[0][2] == "Dr Ana"


def test_splitting_and_merging_relabel_the_faces_and_the_rows(analysed: MainWindow) -> None:
    session, faces = analysed.session, analysed.faces
    (number, _, _, tracks) = session.faces.persons[0]
    assert len(tracks) == 2  # the two appearances: two tracks, one person
    session.split_person(number, [tracks[1]])
    persons = {p[0]: p[3] for p in session.faces.persons}
    assert persons == {1: (tracks[0],), 2: (tracks[1],)}
    for sample in session.faces.samples:
        for face in sample.faces:
            assert face.person_id == (2 if face.track_id == tracks[1] else 1)
    assert [key for key, track in faces.tracks.items() if analysed.timeline.is_track_visible(track.key)] == [1, 2]
    session.merge_persons([1, 2])
    assert [(p[0], p[3]) for p in session.faces.persons] == [(1, tuple(tracks))]
    assert {face.person_id for sample in session.faces.samples for face in sample.faces} == {1}
    assert not analysed.timeline.is_track_visible(faces.tracks[2].key)


def test_a_run_of_a_three_label_classifier_shows_its_labels(
    qtbot, window: MainWindow, face_video: Path, tmp_path: Path
) -> None:
    """A faces run made with the user's own ONNX classifier of three labels loads into the window (it used to raise
    ``cannot reshape array of size 12 into shape (7)``) and the Emotions panel gets that run's labels' shares."""
    video = Path(shutil.copy(face_video, tmp_path / "face.mp4"))
    open_and_wait(qtbot, window.session, video)
    model = constant_classifier(tmp_path / "three.onnx")
    options = FaceOptions(emotion_model=str(model), emotion_labels=CUSTOM_LABELS)
    job = window.session.start_faces(options)
    with qtbot.waitSignal(job.finished, timeout=60_000):
        pass
    assert job.state == "done", job.error
    stored = window.session.faces
    assert stored is not None and stored.labels == CUSTOM_LABELS
    seen = [face for sample in stored.samples for face in sample.faces]
    assert len(seen) == 10 and {face.person_id for face in seen} == {1}  # 3 s + 2 s at two samples a second
    assert all(face.dominant == "tense" for face in seen)
    shares = {"calm": 0.0, "tense": 1.0, "joy": 0.0, "uncertain": 0.0}  # 0.5 and 0.2 ahead: it counts
    assert window.faces.panel._persons == [(1, "Person 1", 5.0, shares)]
    track = window.faces.tracks[1]
    assert window.timeline.is_track_visible(track.key)
    assert track.labels == CUSTOM_LABELS and track.item.sample_count == 10
    window.faces.persons_dialog()
    (row,) = window.faces._dialog.rows()
    assert (row.id, row.name, row.seconds_visible, row.dominant) == (1, "Person 1", 5.0, "tense")
    assert [track for track, _, _ in row.tracks] == [1, 2]  # the two appearances
    window.faces._dialog.close()


def test_analysing_again_keeps_the_names_and_says_so(qtbot, analysed: MainWindow) -> None:
    """Re-running Analyze ▸ Faces on the same video keeps "Ana" on the astronaut (it used to fall back to
    "Person 1"); the status bar says a name was carried over; the Persons dialog shows her face."""
    session = analysed.session
    session.rename_person(1, "Ana")
    first_run = session.faces.run_id
    job = session.start_faces(FaceOptions())
    with qtbot.waitSignal(job.finished, timeout=60_000):
        pass
    assert job.state == "done", job.error
    assert session.faces.run_id != first_run
    assert [(p[0], p[1]) for p in session.faces.persons] == [(1, "Ana")]
    assert stored_persons(session)[0][1] == "Ana"
    assert analysed.timeline.track(analysed.faces.tracks[1].key).title == "Ana"
    assert analysed.statusBar().currentMessage() == "Faces: 1 person name carried over from the previous run"
    analysed.faces.persons_dialog()
    (row,) = analysed.faces._dialog.rows()
    assert row.name == "Ana" and Path(row.portrait).is_file()
    analysed.faces._dialog.close()


@pytest.mark.parametrize("suffix", [".png", ".jpg"])
def test_a_still_image_opened_in_the_window_shows_its_faces_as_the_cli_finds_them(
    qtbot, window: MainWindow, talk: Path, tmp_path: Path, suffix: str
) -> None:
    """Issue 13 item 12: a still image was refused as "zero length"; the command line analyses images."""
    import cv2
    import skimage.data
    from PySide6.QtWidgets import QMessageBox

    from analysis.faces import analyze_image

    image = tmp_path / f"astronaut{suffix}"
    cv2.imwrite(str(image), cv2.cvtColor(skimage.data.astronaut(), cv2.COLOR_RGB2BGR))
    with qtbot.waitSignal(window.session.pauses_changed, timeout=30_000):
        assert window.open_path(talk)  # a project is open: it stays open
    assert window.open_path(image) is None  # no project opening: a still is shown apart
    qtbot.waitUntil(lambda: window.faces.still_dialog is not None, timeout=60_000)
    dialog = window.faces.still_dialog
    found = analyze_image(image).samples[0].faces  # what `salient analyze --faces IMAGE` prints
    expected = [(tuple(int(v) for v in face.box), face.dominant) for face in found]
    assert len(expected) == 1
    assert [(face.box, face.emotion) for face in dialog.faces] == expected
    assert dialog.isVisible() and dialog.summary.text() == "1 face found."
    assert dialog.list.item(0).text() == f"Person 1: {found[0].caption}"  # e.g. "happy 97 %"
    assert dialog.picture.pixmap().width() == 512  # the whole picture (512 px wide), boxes drawn on it
    assert not [box for box in window.findChildren(QMessageBox, "error_box") if box.isVisible()]
    assert window.session.is_open and Path(window.session.media.path).name == "talk.mp4"
    dialog.close()


def test_a_video_without_a_face_warns_in_the_window(qtbot, window: MainWindow, tmp_path: Path) -> None:
    video = write_video(tmp_path / "nobody.mp4", [], 3.0)
    open_and_wait(qtbot, window.session, video)
    warnings: list[str] = []
    window.session.warning_issued.connect(warnings.append)
    job = window.session.start_faces(FaceOptions())
    with qtbot.waitSignal(job.finished, timeout=60_000):
        pass
    assert job.state == "done", job.error
    assert warnings == [
        "Faces: the yunet detector found no face in any of the 6 frames sampled; if people are visible, try "
        "another detector or a larger analysis width"
    ]
