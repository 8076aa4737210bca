"""A project on a disk that fills up or turns read-only: every refused write says why and changes nothing.

The disk is a real one (a small ext4 file system on a loop device, tests/helpers/disk.py), filled to the last
byte; read-only files are made so by the kernel's immutable attribute."""

from __future__ import annotations

from pathlib import Path

import pytest

from analysis import media
from app.model.records import NewLabel
from app.project.store import ProjectError, Store
from tests.helpers.disk import small_disk


def label_at(start_ms: int, vocabulary_id: int) -> NewLabel:
    return NewLabel(start_ms, start_ms + 400, vocabulary_id, "selection", None, f"selection:{start_ms}")


def test_a_full_disk_refuses_a_label_saying_so_and_the_file_keeps_what_it_had(tmp_path: Path, talk_video: Path) -> None:
    with small_disk(tmp_path / "disk") as disk:
        with Store.open(disk.root / "talk.salient") as store:
            record = store.add_media(media.probe(talk_video), "abc")
            anger = store.vocabulary()[0].id
            first = store.add_label(record.id, label_at(0, anger), "Ana")
            disk.fill()
            with pytest.raises(ProjectError) as caught:
                for step in range(50):  # the WAL may still hold a free page or two: the disk runs out quickly
                    store.add_label(record.id, label_at(1000 + step * 500, anger), "Ana")
            message = str(caught.value)
            assert "the disk is full" in message and "nothing was changed" in message
            assert "rollback" not in message
            kept = [label.id for label in store.labels()]
            assert kept[0] == first
            disk.free()
            again = store.add_label(record.id, label_at(90_000, anger), "Ana")
            assert [label.id for label in store.labels()] == [*kept, again]
        with Store.open(disk.root / "talk.salient") as store:
            assert [label.id for label in store.labels()] == [*kept, again]


def test_a_read_only_disk_refuses_an_edit_saying_so(tmp_path: Path, talk_video: Path) -> None:
    with small_disk(tmp_path / "disk") as disk:
        with Store.open(disk.root / "talk.salient") as store:
            record = store.add_media(media.probe(talk_video), "abc")
            anger = store.vocabulary()[0].id
            first = store.add_label(record.id, label_at(0, anger), "Ana")
            disk.read_only(store.path, Path(f"{store.path}-wal"))
            with pytest.raises(ProjectError, match=r"the project is read-only \(.*\); nothing was changed"):
                store.update_label(first, note="changed")
            with pytest.raises(ProjectError, match="read-only"):
                store.add_vocabulary_entry("irony squared", "#123456")
            assert store.label(first).note == ""
            disk.read_only(store.path, Path(f"{store.path}-wal"), on=False)
            store.update_label(first, note="changed")
            assert store.label(first).note == "changed"
