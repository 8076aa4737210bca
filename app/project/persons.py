"""The persons of a face analysis: which face tracks make up which person, their names and linked speakers.

The faces themselves (boxes and emotion probabilities of every sample) live in the run's sidecar file; these
tables hold only what the user can change.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from app.project.table import Table, clean_name


class PersonsTable(Table):
    """Persons and face tracks of face runs: grouped, renamed, merged, split, linked to a speaker."""

    def set_persons(self, run_id: int, tracks: Mapping[int, int], names: Mapping[int, str]) -> None:
        """A face run's first grouping: face track → person number, and each person's name."""
        with self.transaction() as db:
            db.execute("DELETE FROM face_tracks WHERE run_id = ?", (run_id,))
            db.execute("DELETE FROM persons WHERE run_id = ?", (run_id,))
            db.executemany(
                "INSERT INTO persons(run_id, number, name) VALUES (?, ?, ?)",
                [(run_id, number, clean_name(name)) for number, name in names.items()],
            )
            db.executemany(
                "INSERT INTO face_tracks(run_id, track, person) VALUES (?, ?, ?)",
                [(run_id, track, person) for track, person in tracks.items()],
            )

    def persons(self, run_id: int) -> list[tuple[int, str, str, list[int]]]:
        """(number, name, linked speaker, face tracks) of every person of a face run that has tracks."""
        rows = self._db.execute(
            "SELECT p.number, p.name, p.speaker, t.track FROM persons p JOIN face_tracks t "
            "ON t.run_id = p.run_id AND t.person = p.number WHERE p.run_id = ? ORDER BY p.number, t.track",
            (run_id,),
        ).fetchall()
        out: dict[int, tuple[int, str, str, list[int]]] = {}
        for number, name, speaker, track in rows:
            out.setdefault(number, (number, name, speaker, []))[3].append(track)
        return list(out.values())

    def rename_person(self, run_id: int, number: int, name: str) -> None:
        with self.transaction() as db:
            db.execute(
                "UPDATE persons SET name = ? WHERE run_id = ? AND number = ?", (clean_name(name), run_id, number)
            )

    def link_speaker(self, run_id: int, number: int, speaker: str) -> None:
        with self.transaction() as db:
            db.execute(
                "UPDATE persons SET speaker = ? WHERE run_id = ? AND number = ?", (speaker.strip(), run_id, number)
            )

    def merge_persons(self, run_id: int, numbers: Sequence[int]) -> None:
        """Every track of ``numbers[1:]`` goes to ``numbers[0]``; the emptied persons are removed."""
        target, others = numbers[0], list(numbers[1:])
        with self.transaction() as db:
            for number in others:
                db.execute(
                    "UPDATE face_tracks SET person = ? WHERE run_id = ? AND person = ?", (target, run_id, number)
                )
                db.execute("DELETE FROM persons WHERE run_id = ? AND number = ?", (run_id, number))

    def split_person(self, run_id: int, number: int, tracks: Sequence[int]) -> int:
        """Move ``tracks`` of person ``number`` to a new person; its number."""
        with self.transaction() as db:
            new = db.execute("SELECT COALESCE(MAX(number), 0) + 1 FROM persons WHERE run_id = ?", (run_id,)).fetchone()[
                0
            ]
            db.execute("INSERT INTO persons(run_id, number, name) VALUES (?, ?, ?)", (run_id, new, f"Person {new}"))
            db.executemany(
                "UPDATE face_tracks SET person = ? WHERE run_id = ? AND track = ? AND person = ?",
                [(new, run_id, track, number) for track in tracks],
            )
        return int(new)
