"""Labelling in the window: keyboard-first review queue, undo/redo, labels track, selections."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import Qt

from analysis.motion import MotionOptions
from app.demo.synth import MotionScript
from app.gui.main_window import MainWindow
from app.project.store import ProjectError, Store
from app.timecode import format_mmss
from tests.helpers.media import quiet_with_burst
from tests.helpers.opening import open_and_wait

pytestmark = pytest.mark.usefixtures("no_threads_left")


@pytest.fixture
def annotator() -> str:
    return "Ana"


def open_with_many_peaks(qtbot, window: MainWindow, talk: Path) -> None:
    with qtbot.waitSignal(window.session.pauses_changed, timeout=30_000):
        window.open_path(talk)
    window.peak_controls.slider.setValue(5)  # k = 0.5: many flagged segments
    assert len(window.review_panel.rows()) >= 5


def stored(talk: Path) -> list[tuple[str, str, int]]:
    with Store.open(talk.with_suffix(".salient")) as store:
        return [(label.value, label.annotator, label.start_ms) for label in store.labels()]


def press(qtbot, widget, key: Qt.Key) -> None:
    qtbot.keyClick(widget, key)


def test_label_five_segments_by_keyboard_undo_two_redo_one(qtbot, window: MainWindow, talk: Path) -> None:
    open_with_many_peaks(qtbot, window, talk)
    panel, table = window.review_panel, window.review_panel.table
    window.activateWindow()
    table.setFocus()
    qtbot.waitUntil(table.hasFocus)
    panel.select(panel.rows()[0].key)
    starts = [row.start_ms for row in panel.rows()[:5]]
    for key in (Qt.Key.Key_1, Qt.Key.Key_5, Qt.Key.Key_X, Qt.Key.Key_2, Qt.Key.Key_3):
        press(qtbot, table, key)
        press(qtbot, table, Qt.Key.Key_Return)
    expected = ["anger", "happiness", "not significant", "contempt", "disgust"]
    assert stored(talk) == [(value, "Ana", start) for value, start in zip(expected, starts, strict=True)]
    assert [row.label for row in panel.rows()[:5]] == expected
    assert window.label_track.label_count == 5
    assert panel.progress.text() == f"5 of {len(panel.rows())} labelled"

    qtbot.keyClick(window, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    qtbot.keyClick(window, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert [value for value, _, _ in stored(talk)] == expected[:3]
    assert window.label_track.label_count == 3
    assert [row.label for row in panel.rows()[:5]] == [*expected[:3], "", ""]
    qtbot.keyClick(window, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier)
    assert [value for value, _, _ in stored(talk)] == expected[:4]
    assert window.label_track.label_count == 4


def test_relabelling_a_segment_changes_the_label_instead_of_adding_one(qtbot, window: MainWindow, talk: Path) -> None:
    open_with_many_peaks(qtbot, window, talk)
    panel = window.review_panel
    first = panel.rows()[0].key
    vocabulary = {entry.name: entry.id for entry in window.session.labels.vocabulary}
    panel.label_requested.emit(first, vocabulary["irony"])
    panel.label_requested.emit(first, vocabulary["emphasis"])
    assert [value for value, _, _ in stored(talk)] == ["emphasis"]
    panel.select(first)
    panel.intensity.setValue(4)
    panel.confidence.setValue(75)
    panel.note.setText("pointing at the camera")
    panel.note.editingFinished.emit()
    with Store.open(talk.with_suffix(".salient")) as store:
        (label,) = store.labels()
    assert (label.intensity, label.confidence, label.note) == (4, 0.75, "pointing at the camera")
    window.session.labels.undo_stack.undo()
    window.session.labels.undo_stack.undo()
    with Store.open(talk.with_suffix(".salient")) as store:
        (label,) = store.labels()
    assert (label.value, label.intensity, label.confidence, label.note) == ("emphasis", 4, None, "")


def test_a_selection_is_queued_labelled_moved_and_deleted(qtbot, window: MainWindow, talk: Path) -> None:
    open_with_many_peaks(qtbot, window, talk)
    window.player.seek(6000)
    qtbot.keyClick(window, Qt.Key.Key_I)
    window.player.seek(7500)
    qtbot.keyClick(window, Qt.Key.Key_O)
    qtbot.keyClick(window, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
    panel = window.review_panel
    assert panel.selected_key() == "selection:6000:7500"
    qtbot.waitUntil(panel.table.hasFocus)
    qtbot.keyClick(panel.table, Qt.Key.Key_9)
    assert stored(talk)[-1] == ("irritation", "Ana", 6000) or ("irritation", "Ana", 6000) in stored(talk)
    (label,) = [label for label in window.session.labels.labels if label.source == "selection"]
    window.label_track.signals.label_moved.emit(label.id, 6200, 8000)
    with Store.open(talk.with_suffix(".salient")) as store:
        moved = store.label(label.id)
    assert (moved.start_ms, moved.end_ms, moved.segment_key) == (6200, 8000, "selection:6000:7500")
    window.label_track.signals.label_delete_requested.emit(label.id)
    assert all(start != 6200 for _, _, start in stored(talk))
    window.session.labels.undo_stack.undo()
    assert ("irritation", "Ana", 6200) in stored(talk)


def test_the_annotator_is_asked_once_at_the_first_label(qtbot, settings, talk: Path, monkeypatch) -> None:
    from PySide6.QtWidgets import QInputDialog

    asked = []
    monkeypatch.setattr(QInputDialog, "getText", lambda *a, **k: (asked.append(1), ("  Bea  ", True))[1])
    win = MainWindow(settings)
    qtbot.addWidget(win)
    with qtbot.waitSignal(win.session.pauses_changed, timeout=30_000):
        win.open_path(talk)
    panel = win.review_panel
    vocabulary = {entry.name: entry.id for entry in win.session.labels.vocabulary}
    for row in panel.rows():
        panel.label_requested.emit(row.key, vocabulary["surprise"])
    assert len(asked) == 1 and settings.value("annotator") == "Bea"
    assert {annotator for _, annotator, _ in stored(talk)} == {"Bea"}
    win.close()


def test_labels_survive_reopening_the_project(qtbot, window: MainWindow, talk: Path) -> None:
    open_with_many_peaks(qtbot, window, talk)
    panel = window.review_panel
    vocabulary = {entry.name: entry.id for entry in window.session.labels.vocabulary}
    key = panel.rows()[1].key
    panel.label_requested.emit(key, vocabulary["hesitation"])
    window.session.close()
    with qtbot.waitSignal(window.session.peaks_changed, timeout=30_000):
        window.open_path(talk.with_suffix(".salient"))
    assert window.label_track.label_count == 1
    assert {row.key: row.label for row in panel.rows()}[key] == "hesitation"


def test_renaming_a_value_in_the_vocabulary_renames_every_label(qtbot, window: MainWindow, talk: Path) -> None:
    open_with_many_peaks(qtbot, window, talk)
    panel = window.review_panel
    vocabulary = {entry.name: entry.id for entry in window.session.labels.vocabulary}
    for row in panel.rows()[:3]:
        panel.label_requested.emit(row.key, vocabulary["irony"])
    dialog = window.labelling.show_vocabulary()
    dialog.update_requested.emit(vocabulary["irony"], {"name": "sarcasm", "color": "#ff00ff"})
    assert [value for value, _, _ in stored(talk)] == ["sarcasm"] * 3
    assert [row.label for row in panel.rows()[:3]] == ["sarcasm"] * 3
    dialog.update_requested.emit(vocabulary["anger"], {"name": "Sarcasm"})
    assert dialog.message.text() == "the vocabulary already has a value named 'Sarcasm'"
    dialog.delete_requested.emit(vocabulary["irony"])
    assert dialog.message.text() == "labels use 'sarcasm': rename it, or relabel them first"
    assert [value for value, _, _ in stored(talk)] == ["sarcasm"] * 3
    window.session.labels.undo_stack.undo()
    assert [value for value, _, _ in stored(talk)] == ["irony"] * 3
    dialog.close()


def test_agreement_between_two_annotators_is_shown(qtbot, window: MainWindow, talk: Path) -> None:
    open_with_many_peaks(qtbot, window, talk)
    panel = window.review_panel
    vocabulary = {entry.name: entry.id for entry in window.session.labels.vocabulary}
    keys = [row.key for row in panel.rows()[:4]]
    for key, value in zip(keys, ["anger", "fear", "fear", "irony"], strict=True):
        panel.label_requested.emit(key, vocabulary[value])
    window.session.labels.annotator = "Bea"
    for key, value in zip(keys, ["anger", "fear", "irony", "irony"], strict=True):
        panel.label_requested.emit(key, vocabulary[value])
    window.labelling.show_agreement()
    text = window.labelling.agreement_view.headline.text()
    assert "2 annotators" in text and "4 shared segments" in text
    assert window.labelling.agreement_view.disagreements_table.rowCount() == 1
    panel.label_requested.emit(keys[2], vocabulary["fear"])
    assert window.labelling.agreement_view.disagreements_table.rowCount() == 0


def test_a_range_swept_with_shift_drag_can_be_queued(qtbot, window: MainWindow, talk: Path) -> None:
    open_with_many_peaks(qtbot, window, talk)
    window.timeline.selection_requested.emit(8000, 9500)
    assert window.label_track.selection.isVisible()
    assert window.label_track.selection.getRegion() == pytest.approx((8.0, 9.5))
    qtbot.keyClick(window, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
    assert window.review_panel.selected_key() == "selection:8000:9500"


def selection_keys(window: MainWindow) -> list[str]:
    return [row.key for row in window.review_panel.rows() if row.key.startswith("selection:")]


def test_i_and_o_after_a_queued_selection_start_a_new_one(qtbot, window: MainWindow, talk: Path) -> None:
    open_with_many_peaks(qtbot, window, talk)
    player, track, status = window.player, window.label_track, window.statusBar()
    player.seek(6000)
    qtbot.keyClick(window, Qt.Key.Key_I)
    player.seek(7500)
    qtbot.keyClick(window, Qt.Key.Key_O)
    qtbot.keyClick(window, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
    assert selection_keys(window) == ["selection:6000:7500"]
    assert not track.selection.isVisible() and not track.selection_in.isVisible()
    assert not track.selection_out.isVisible()
    table = window.review_panel.table
    qtbot.waitUntil(table.hasFocus)  # the keys go where the user's focus is: the queue

    player.pause()
    player.seek(8000)
    qtbot.keyClick(table, Qt.Key.Key_I)
    assert track.selection_in.isVisible() and track.selection_in.value() == pytest.approx(8.0)
    assert not track.selection_out.isVisible() and not track.selection.isVisible()
    assert status.currentMessage() == "Selection start (I) at 00:08.000: press O at its end."
    qtbot.keyClick(table, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
    assert status.currentMessage() == "Mark a selection first: I at its start, O at its end."
    assert selection_keys(window) == ["selection:6000:7500"]

    player.seek(9000)
    qtbot.keyClick(table, Qt.Key.Key_O)
    assert track.selection_out.isVisible() and track.selection_out.value() == pytest.approx(9.0)
    assert track.selection.getRegion() == pytest.approx((8.0, 9.0))
    assert status.currentMessage() == "Selected 00:08.000–00:09.000 (1.000 s): Ctrl+Enter adds it to the review queue."
    qtbot.keyClick(table, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
    assert selection_keys(window) == ["selection:6000:7500", "selection:8000:9000"]
    assert window.review_panel.selected_key() == "selection:8000:9000"


def test_an_end_before_the_start_begins_a_new_selection(qtbot, window: MainWindow, talk: Path) -> None:
    open_with_many_peaks(qtbot, window, talk)
    player, track = window.player, window.label_track
    player.seek(8000)
    qtbot.keyClick(window, Qt.Key.Key_I)
    player.seek(5000)
    qtbot.keyClick(window, Qt.Key.Key_O)
    assert not track.selection_in.isVisible() and track.selection_out.value() == pytest.approx(5.0)
    player.seek(4000)
    qtbot.keyClick(window, Qt.Key.Key_I)
    assert track.selection.getRegion() == pytest.approx((4.0, 5.0))


def test_ctrl_z_takes_a_queued_selection_out_of_the_queue(qtbot, window: MainWindow, talk: Path) -> None:
    open_with_many_peaks(qtbot, window, talk)
    count = len(window.review_panel.rows())
    window.timeline.selection_requested.emit(6000, 7500)
    qtbot.keyClick(window, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
    assert selection_keys(window) == ["selection:6000:7500"] and len(window.review_panel.rows()) == count + 1
    undo = window.actions_by_name["undo"]
    assert undo.text() == "&Undo Queue the selection 00:06.000–00:07.500"
    qtbot.keyClick(window, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert selection_keys(window) == [] and len(window.review_panel.rows()) == count
    assert "selection:6000:7500" not in window.review_queue
    qtbot.keyClick(window, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier)
    assert selection_keys(window) == ["selection:6000:7500"]

    window.review_panel.select("selection:6000:7500")
    qtbot.keyClick(window.review_panel.table, Qt.Key.Key_9)
    assert ("irritation", "Ana", 6000) in stored(talk)
    qtbot.keyClick(window, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)  # the label first
    assert stored(talk) == [] and selection_keys(window) == ["selection:6000:7500"]
    qtbot.keyClick(window, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)  # then the queuing
    assert selection_keys(window) == []


def test_changing_k_or_the_window_neither_moves_nor_plays(qtbot, window: MainWindow, talk: Path) -> None:
    open_with_many_peaks(qtbot, window, talk)
    panel, player = window.review_panel, window.player
    window.timeline.selection_requested.emit(6000, 7500)
    window.labelling.queue_selection()
    assert panel.selected_key() == "selection:6000:7500"
    player.pause()
    player.seek(1000)
    rows_before = [row.key for row in panel.rows()]
    with qtbot.waitSignal(window.session.peaks_changed, timeout=30_000):
        window.peak_controls.slider.setValue(25)
    assert [row.key for row in panel.rows()] != rows_before  # rows came and went around the selected one
    assert panel.selected_key() == "selection:6000:7500"
    assert not player.playing and player.position_ms == 1000
    combo = window.peak_controls.window_combo
    with qtbot.waitSignal(window.session.peaks_changed, timeout=30_000):
        combo.setCurrentIndex((combo.currentIndex() + 1) % combo.count())
    assert panel.selected_key() == "selection:6000:7500"
    assert not player.playing and player.position_ms == 1000


@pytest.mark.parametrize("annotator", [None])
def test_the_annotator_is_asked_when_a_media_opens_never_at_a_label_key(
    qtbot, window: MainWindow, talk: Path, monkeypatch
) -> None:
    from PySide6.QtWidgets import QInputDialog

    asked = []
    monkeypatch.setattr(QInputDialog, "getText", lambda *a, **k: (asked.append(1), ("", False))[1])
    with qtbot.waitSignal(window.session.pauses_changed, timeout=30_000):
        window.open_path(talk)
    assert asked == [1]
    panel, table = window.review_panel, window.review_panel.table
    window.activateWindow()
    table.setFocus()
    qtbot.waitUntil(table.hasFocus)
    panel.select(panel.rows()[0].key)
    for key in (Qt.Key.Key_1, Qt.Key.Key_Return, Qt.Key.Key_2):
        press(qtbot, table, key)
    assert asked == [1] and stored(talk) == []
    assert window.statusBar().currentMessage() == "Labels carry your name: set it first with Edit ▸ Annotator Name…"
    monkeypatch.setattr(QInputDialog, "getText", lambda *a, **k: (asked.append(2), ("Cem", True))[1])
    window.actions_by_name["annotator"].trigger()
    press(qtbot, table, Qt.Key.Key_1)
    selected = {row.key: row for row in panel.rows()}[panel.selected_key()]
    assert asked == [1, 2] and stored(talk) == [("anger", "Cem", selected.start_ms)]


def test_another_annotators_label_changes_only_when_the_user_confirms(
    qtbot, window: MainWindow, talk: Path, monkeypatch
) -> None:
    from PySide6.QtWidgets import QInputDialog, QMessageBox

    open_with_many_peaks(qtbot, window, talk)
    book, track = window.session.labels, window.label_track
    vocabulary = {entry.name: entry.id for entry in book.vocabulary}
    row = window.review_panel.rows()[0]
    for name in ("Bea", "Ana"):
        monkeypatch.setattr(QInputDialog, "getText", lambda *a, name=name, **k: (name, True))
        window.labelling.ask_annotator()
        if name == "Bea":
            window.review_panel.label_requested.emit(row.key, vocabulary["fear"])
    (label,) = book.labels
    mark = track.mark_at(label.start_ms)
    menu = track.context_menu(mark)
    assert [action.text() for action in menu.actions()] == ["Delete Bea's label fear · Bea…"]
    questions, answer = [], [QMessageBox.StandardButton.No]
    monkeypatch.setattr(QMessageBox, "question", lambda *a, **k: (questions.append(a[2]), answer[0])[1])
    menu.actions()[0].trigger()
    track.signals.label_moved.emit(label.id, label.start_ms + 100, label.end_ms + 100)
    assert questions == [
        "This fear label is Bea's, not yours. Delete it anyway?",
        "This fear label is Bea's, not yours. Move it anyway?",
    ]
    assert book.labels == [label] and stored(talk) == [("fear", "Bea", label.start_ms)]
    with pytest.raises(ProjectError, match="the label 'fear' is Bea's, not yours"):
        book.delete(label.id)
    answer[0] = QMessageBox.StandardButton.Yes
    track.signals.label_moved.emit(label.id, label.start_ms + 100, label.end_ms + 100)
    assert stored(talk) == [("fear", "Bea", label.start_ms + 100)]
    track.signals.label_delete_requested.emit(label.id)
    assert stored(talk) == [] and len(questions) == 4


def test_opening_a_project_draws_its_labels_and_queue_once(qtbot, window: MainWindow, talk: Path) -> None:
    """Issue 12 item 40: opening drew every label twice and rebuilt the queue once per stored result (labels,
    vocabulary, pauses…); with 50,000 labels each rebuild cost seconds. Now each is drawn once while opening."""
    from app.model.records import NewLabel

    with qtbot.waitSignal(window.session.pauses_changed, timeout=30_000):
        window.open_path(talk)
    window.session.close()
    project = talk.with_suffix(".salient")
    with Store.open(project) as store:
        media_id = store.all_media()[0].id
        entry = store.vocabulary()[0].id
        for index in range(300):
            start = 100 + (index // 2) * 150
            label = NewLabel(start, start + 100, entry, "selection", segment_key=f"selection:{start}:{start + 100}")
            store.add_label(media_id, label, ("Ana", "Bea", "Cem")[index % 3])
    drawn: list[int] = []
    queued: list[int] = []
    set_labels, set_rows = window.label_track.set_labels, window.review_panel.set_rows
    window.label_track.set_labels = lambda marks: (drawn.append(len(marks)), set_labels(marks))[1]
    window.review_panel.set_rows = lambda rows: (queued.append(len(rows)), set_rows(rows))[1]
    shown: list[tuple[list[int], list[int]]] = []  # what was drawn when the media and its results were loaded
    window.session.media_loaded.connect(lambda: shown.append((list(drawn), list(queued))))
    open_and_wait(qtbot, window.session, project)
    # the track cleared for the new media, then every label drawn once; the queue filled once
    assert shown == [([0, 300], queued[:1])] and queued[0] >= 150
    book = window.session.labels
    both = book.labels_for("selection:250:350")
    assert [(label.annotator, label.start_ms) for label in both] == [("Cem", 250), ("Ana", 250)]
    assert [label.id for label in both] == sorted(label.id for label in both)
    assert book.own_label("selection:250:350") is both[1]
    qtbot.waitUntil(lambda: window.session.outliers is not None, timeout=30_000)  # the audio job ends in the test


def test_renaming_a_value_on_thousands_of_labels_resets_them_once(session) -> None:
    """Issue 12 item 40: a rename sent one signal per label, each redrawing a queue row and a track mark."""
    from app.model.records import NewLabel

    book = session.labels
    media_id = session.media.id
    irony = next(entry.id for entry in book.vocabulary if entry.name == "irony")
    with Store.open(session.project_path) as store:  # as another program would (an import)
        for index in range(2000):
            start = index * 100
            key = f"selection:{start}:{start + 80}"
            store.add_label(media_id, NewLabel(start, start + 80, irony, "selection", segment_key=key), "Ana")
    book.reload()
    updated, reset = [], []
    book.label_updated.connect(updated.append)
    book.labels_reset.connect(lambda: reset.append(True))
    book.update_entry(irony, {"name": "sarcasm"})
    assert (len(updated), len(reset)) == (0, 1)
    assert {label.value for label in book.labels} == {"sarcasm"} and len(book.labels) == 2000
    assert [label.value for label in book.labels_for("selection:500:580")] == ["sarcasm"]
    book.undo_stack.undo()
    assert (len(updated), len(reset)) == (0, 2)
    assert {label.value for label in book.labels} == {"irony"}


def test_an_audio_and_a_motion_peak_are_one_row_that_keeps_its_label(qtbot, window: MainWindow, tmp_path) -> None:
    """Issue 12 item 11: the burst during the fast move was three rows once motion was analysed (audio, motion,
    audio + motion), each peak outside some of them. It is one row, "audio + motion", holding both peaks; the
    label given to the audio peak before the motion run stays on it, and relabelling changes that label."""
    script = MotionScript()
    video = script.write(tmp_path / "moves.mp4", quiet_with_burst(script.duration_s, 6.3))
    with qtbot.waitSignal(window.session.pauses_changed, timeout=30_000):
        window.open_path(video)
    panel = window.review_panel
    (audio,) = [row for row in panel.rows() if row.start_ms <= 6300 <= row.end_ms]
    assert audio.track == "audio" and audio.start_ms <= audio.peak_ms <= audio.end_ms
    vocabulary = {entry.name: entry.id for entry in window.session.labels.vocabulary}
    panel.label_requested.emit(audio.key, vocabulary["anger"])

    job = window.session.start_motion(MotionOptions())
    with qtbot.waitSignal(job.finished, timeout=60_000):
        pass
    assert job.state == "done", job.error
    rows = panel.rows()
    (moment,) = [row for row in rows if row.start_ms <= 6300 <= row.end_ms]
    assert (moment.track, moment.label) == ("audio + motion", "anger")
    assert moment.track_detail.startswith(f"audio: peak {format_mmss(audio.peak_ms)}, z ")
    assert " · motion: peak 00:06." in moment.track_detail
    motion_peak = window.review_queue.segment(moment.key).motion.peak_ms
    assert moment.start_ms <= moment.peak_ms == audio.peak_ms <= moment.end_ms
    assert moment.start_ms <= motion_peak <= moment.end_ms
    flagged = sorted((row for row in rows if row.track != "selection"), key=lambda row: row.start_ms)
    assert all(a.end_ms < b.start_ms for a, b in zip(flagged, flagged[1:], strict=False))
    assert all(row.start_ms <= row.peak_ms <= row.end_ms for row in flagged)

    panel.label_requested.emit(moment.key, vocabulary["irony"])  # the same label, relabelled
    assert [(value, annotator) for value, annotator, _ in stored(video)] == [("irony", "Ana")]
    assert [row.label for row in panel.rows() if row.key == moment.key] == ["irony"]
    panel.select(moment.key)
    panel.intensity.setValue(3)
    with Store.open(video.with_suffix(".salient")) as store:
        assert [(label.value, label.intensity) for label in store.labels()] == [("irony", 3)]
