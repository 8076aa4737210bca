"""Writing an export's files all or nothing, and the CSV and JSON Lines writers every export uses.

Every export is all or nothing: it refuses to overwrite an existing file unless ``force`` is given, writes
each file under a hidden temporary name and renames it when complete, and when it fails (disk full, no
permission, a cancel) it removes every file and folder it created, so no half-written export is left
(files that ``force`` replaced are gone too).
"""

from __future__ import annotations

import csv
import json
import logging
import os
import shutil
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import av
import av.error

from analysis.errors import ExportError, os_error_reason
from app.model.formats import export_kind

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class ExportResult:
    """What an export did, for the user: where it went, how many files it wrote, what it left out or ignored."""

    kind: str
    """One of :data:`app.model.formats.EXPORT_KIND_NAMES`."""
    folder: Path
    paths: tuple[Path, ...]
    """What the export names (the CLI prints them): the clip files, the dataset's folder, the report, the table."""
    files: int
    """How many files it wrote."""
    rows: int | None = None
    """How many items it exported, when it counts them."""
    notes: tuple[str, ...] = ()
    """What did not go as asked ("split ignored: only one video, all 4 rows in train"), one sentence each."""

    @property
    def path(self) -> Path:
        """The one path a dataset, a report or a table names (the first of ``paths``)."""
        return self.paths[0]

    @property
    def headline(self) -> str:
        """What was written where, as a sentence: "Table of segments (CSV) written: …/segments.csv."."""
        title = export_kind(self.kind).title
        if self.files == 1 and len(self.paths) == 1:
            return f"{title} written: {self.paths[0]}."
        rows = f" for {self.rows} row{'' if self.rows == 1 else 's'}" if self.rows is not None else ""
        return f"{title} exported into {self.folder}: {self.files} file{'' if self.files == 1 else 's'}{rows}."

    @property
    def note_sentences(self) -> tuple[str, ...]:
        """The notes as sentences (capitalised, with a full stop)."""
        return tuple(f"{note[:1].upper()}{note[1:]}." for note in self.notes)

    def summary(self) -> str:
        """One line for the status bar: the headline, then the notes."""
        return " ".join((self.headline, *self.note_sentences))


class Outputs:
    """The files one export writes: no overwrite without ``force``, each renamed into place when complete,
    and all of them (with the folders made for them) removed by :meth:`rollback` when the export fails."""

    def __init__(self, force: bool) -> None:
        self._force = force
        self.written: list[Path] = []
        self._folders: list[Path] = []

    def refuse_existing(self, paths: Iterable[Path]) -> None:
        """Stop before writing anything if a target exists and ``force`` was not given."""
        if self._force:
            return
        existing = [path for path in paths if path.exists() or path.is_symlink()]
        if existing:
            more = f" (and {len(existing) - 1} more)" if len(existing) > 1 else ""
            raise ExportError(f"{existing[0]} already exists{more}; export with --force to overwrite")

    def folder(self, path: Path) -> Path:
        missing = []
        probe = path
        while not probe.exists():
            missing.append(probe)
            probe = probe.parent
        for folder in reversed(missing):
            try:
                folder.mkdir()
            except OSError as exc:
                raise ExportError(f"cannot create the folder {folder}: {os_error_reason(exc)}") from exc
            self._folders.append(folder)
        if not path.is_dir():
            raise ExportError(f"{path} is not a folder")
        return path

    @contextmanager
    def writing(self, path: Path) -> Iterator[Path]:
        """Yield a temporary path to write ``path`` to; rename it into place when the block succeeds."""
        self.folder(path.parent)
        partial = path.with_name(f".{path.stem}.partial{path.suffix}")
        try:
            yield partial
            os.replace(partial, path)
        except (OSError, av.error.FFmpegError) as exc:
            raise ExportError(f"cannot write {path}: {os_error_reason(exc)}") from exc
        finally:
            try:
                partial.unlink(missing_ok=True)
            except OSError:
                log.warning("could not remove the partial file %s", partial)
        self.written.append(path)

    def write_bytes(self, path: Path, data: bytes) -> Path:
        with self.writing(path) as partial:
            partial.write_bytes(data)
        return path

    def write_text(self, path: Path, text: str) -> Path:
        return self.write_bytes(path, text.encode("utf-8"))

    def copy(self, source: Path, path: Path) -> Path:
        with self.writing(path) as partial:
            shutil.copyfile(source, partial)
        return path

    def rollback(self) -> None:
        """Remove every file this export wrote and every folder it made (if empty)."""
        for path in reversed(self.written):
            try:
                path.unlink(missing_ok=True)
            except OSError as exc:
                log.warning("could not remove %s after the failed export: %s", path, exc)
        for folder in reversed(self._folders):
            try:
                folder.rmdir()
            except OSError:
                log.debug("left the folder %s (not empty or not removable)", folder)
        self.written.clear()
        self._folders.clear()


@contextmanager
def all_or_nothing(force: bool) -> Iterator[Outputs]:
    """The :class:`Outputs` of one export, all rolled back when the block raises (a cancel too)."""
    outputs = Outputs(force)
    try:
        yield outputs
    except BaseException:
        outputs.rollback()
        raise


def _csv_value(value: Any) -> Any:
    return "" if value is None else value


def write_csv(outputs: Outputs, path: Path, columns: Sequence[str], rows: Sequence[dict[str, Any]]) -> Path:
    """``rows`` as a UTF-8 CSV file with a header of ``columns``: None as an empty cell, other keys left out."""
    with outputs.writing(path) as partial, partial.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(columns), extrasaction="ignore")
        writer.writeheader()
        writer.writerows({column: _csv_value(row.get(column)) for column in columns} for row in rows)
    return path


def write_jsonl(outputs: Outputs, path: Path, rows: Sequence[dict[str, Any]]) -> Path:
    """``rows`` as JSON Lines: one object per line, UTF-8 text as is."""
    text = "".join(json.dumps(row, ensure_ascii=False) + "\n" for row in rows)
    return outputs.write_text(path, text)


def rounded(value: float | None, digits: int = 4) -> float | None:
    """A figure as the exports write it: rounded to ``digits`` decimals, None kept."""
    return None if value is None else round(value, digits)
