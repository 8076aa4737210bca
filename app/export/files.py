"""Writing an export's files all or nothing, and the CSV and JSON Lines writers every export uses.

Every export is all or nothing: it refuses to overwrite an existing file unless ``force`` is given, builds
every file in a private temporary folder (:mod:`app.export.staging`) and moves them into place only when all
are written. When it fails (disk full, no permission, a cancel) it removes that folder, so no half-written
export is left; when the process is killed, the next export to the same place removes what it left.
"""

from __future__ import annotations

import csv
import json
import logging
import shutil
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import av
import av.error

from analysis.errors import ExportError, os_error_reason
from app.export.staging import Staging, clear_stale
from app.model.csv_cells import safe_cell
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
    """The files one export writes under ``root``: no overwrite without ``force``, each built in the export's
    temporary folder, all moved into place by :meth:`commit` or dropped by :meth:`rollback`."""

    def __init__(self, force: bool, root: str | Path) -> None:
        self._force = force
        self.root = Path(root)
        self.written: list[Path] = []
        """The files written, where they go (they are there once the export is committed)."""
        self._staging: Staging | None = None
        self._built: dict[Path, Path] = {}

    def refuse_existing(self, paths: Iterable[Path]) -> None:
        """Stop before writing anything if a target exists and ``force`` was not given."""
        if self._force:
            return
        existing = [path for path in paths if path.exists() or path.is_symlink()]
        if existing:
            more = f" (and {len(existing) - 1} more)" if len(existing) > 1 else ""
            raise ExportError(f"{existing[0]} already exists{more}; export with --force to overwrite")

    def _stage(self) -> Staging:
        if self._staging is None:
            probe = self.root
            while not probe.exists() and probe.parent != probe:
                probe = probe.parent
            if not probe.is_dir():
                raise ExportError(f"{probe} is not a folder")
            self._staging = Staging(self.root)
        return self._staging

    def folder(self, path: Path) -> Path:
        """Make sure the folder ``path`` (under the root) is part of the export; returns it."""
        if path.exists():
            if not path.is_dir():
                raise ExportError(f"{path} is not a folder")
            return path
        try:
            self._stage().path(path).mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise ExportError(f"cannot create the folder {path}: {os_error_reason(exc)}") from exc
        return path

    @contextmanager
    def writing(self, path: Path) -> Iterator[Path]:
        """Yield the temporary path to write ``path`` to, in the export's own folder."""
        self.folder(path.parent)
        try:
            built = self._stage().path(path)
            built.parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise ExportError(f"cannot write {path}: {os_error_reason(exc)}") from exc
        try:
            yield built
            if not built.is_file():
                raise FileNotFoundError(f"{path} was not written")
        except (OSError, av.error.FFmpegError) as exc:
            raise ExportError(f"cannot write {path}: {os_error_reason(exc)}") from exc
        self._built[path] = built
        self.written.append(path)

    def write_bytes(self, path: Path, data: bytes) -> Path:
        with self.writing(path) as partial:
            partial.write_bytes(data)
        return path

    def write_text(self, path: Path, text: str) -> Path:
        return self.write_bytes(path, text.encode("utf-8"))

    def copy(self, source: Path, path: Path) -> Path:
        """Copy ``source`` (a file this export wrote, or any other file) to ``path``."""
        with self.writing(path) as partial:
            shutil.copyfile(self._built.get(source, source), partial)
        return path

    def commit(self) -> None:
        """Move every file into place (one rename when the export made its folder)."""
        if self._staging is None:
            return
        try:
            self._staging.commit()
        except OSError as exc:
            raise ExportError(f"cannot move the export into {self._staging.top}: {os_error_reason(exc)}") from exc
        self._staging = None

    def rollback(self) -> None:
        """Remove the export's temporary folder (undoing any move into place already done)."""
        if self._staging is not None:
            self._staging.discard()
            self._staging = None
        self.written.clear()
        self._built.clear()


@contextmanager
def all_or_nothing(force: bool, root: str | Path) -> Iterator[Outputs]:
    """The :class:`Outputs` of one export under ``root``: what a killed export to ``root`` left is removed
    first; the files are moved into place when the block succeeds, and dropped when it raises (a cancel too)."""
    clear_stale(Path(root))
    outputs = Outputs(force, root)
    try:
        yield outputs
        outputs.commit()
    except BaseException:
        outputs.rollback()
        raise


def _csv_value(value: Any) -> Any:
    return "" if value is None else safe_cell(value)


def write_csv(outputs: Outputs, path: Path, columns: Sequence[str], rows: Sequence[dict[str, Any]]) -> Path:
    """``rows`` as a UTF-8 CSV file with a header of ``columns``: None as an empty cell, other keys left out, text
    that a spreadsheet would take for a formula after an apostrophe (:mod:`app.model.csv_cells`)."""
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
