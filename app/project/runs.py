"""The runs table with what a run produced: its segments (time spans by track) and artifacts (sidecar files).

A run is one execution of an analysis on one media file, with its parameters and library versions; it is
'running' until it is finished, ended (failed, cancelled) or found interrupted when the project is reopened.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from app.model.records import NewSegment, RunRecord, SegmentRecord
from app.project.table import ProjectError, Table, timestamp

log = logging.getLogger(__name__)


class RunsTable(Table):
    """Analysis runs, their segments and their artifacts."""

    def _mark_interrupted_runs(self) -> None:
        """Runs still 'running' when a project is reopened were cut short by a crash: say so."""
        with self.transaction():
            count = self._db.execute(
                "UPDATE runs SET status = 'interrupted', error = 'the application stopped while it ran' "
                "WHERE status = 'running'"
            ).rowcount
        if count:
            log.warning("%s: %d analysis run(s) were interrupted by a crash", self.path, count)

    def start_run(self, media_id: int, kind: str, params: Mapping[str, Any], versions: Mapping[str, str]) -> int:
        """Record that an analysis started (status 'running'); a crash leaves it to be marked interrupted."""
        with self.transaction() as db:
            cursor = db.execute(
                "INSERT INTO runs(media_id, kind, params_json, versions_json, status, started_at) "
                "VALUES (?, ?, ?, ?, 'running', ?)",
                (media_id, kind, json.dumps(dict(params), sort_keys=True), json.dumps(dict(versions)), timestamp()),
            )
        return int(cursor.lastrowid)

    def finish_run(
        self,
        run_id: int,
        summary: Mapping[str, Any],
        segments: Mapping[str, Iterable[NewSegment]],
        elapsed_ms: int,
        artifacts: Mapping[str, str] | None = None,
    ) -> None:
        """Store a run's results and mark it done, all in one transaction."""
        with self.transaction() as db:
            for track, spans in segments.items():
                db.executemany(
                    "INSERT INTO segments(run_id, track, start_ms, end_ms, peak_ms, score, value) "
                    "VALUES (?, ?, ?, ?, ?, ?, ?)",
                    [(run_id, track, s.start_ms, s.end_ms, s.peak_ms, s.score, s.value) for s in spans],
                )
            for name, relpath in (artifacts or {}).items():
                db.execute("INSERT INTO artifacts(run_id, name, relpath) VALUES (?, ?, ?)", (run_id, name, relpath))
            db.execute(
                "UPDATE runs SET status = 'done', summary_json = ?, finished_at = ?, elapsed_ms = ? WHERE id = ?",
                (json.dumps(dict(summary), sort_keys=True), timestamp(), elapsed_ms, run_id),
            )

    def reopen_run(self, run_id: int) -> None:
        """A cancelled or interrupted run continues (a resumed transcription): 'running' again."""
        with self.transaction() as db:
            changed = db.execute(
                "UPDATE runs SET status = 'running', error = NULL, finished_at = NULL "
                "WHERE id = ? AND status IN ('cancelled', 'interrupted', 'failed')",
                (run_id,),
            ).rowcount
        if not changed:
            raise ProjectError(f"run {run_id} is not stopped, it cannot be resumed")

    def end_run(self, run_id: int, status: str, error: str | None, elapsed_ms: int) -> None:
        """Mark a run failed or cancelled, keeping the reason."""
        if status not in ("failed", "cancelled"):
            raise ValueError(f"a run ends 'failed' or 'cancelled', not {status!r}")
        with self.transaction() as db:
            db.execute(
                "UPDATE runs SET status = ?, error = ?, finished_at = ?, elapsed_ms = ? WHERE id = ?",
                (status, error, timestamp(), elapsed_ms, run_id),
            )

    def _run_from_row(self, row: tuple) -> RunRecord:
        return RunRecord(
            id=row[0],
            media_id=row[1],
            kind=row[2],
            params=self._load_json(row[3], "a run's parameters"),
            versions=self._load_json(row[4], "a run's library versions"),
            status=row[5],
            error=row[6],
            summary=self._load_json(row[7], "a run's summary") if row[7] else None,
            started_at=row[8],
            finished_at=row[9],
            elapsed_ms=row[10],
        )

    _RUN_COLUMNS = (
        "id, media_id, kind, params_json, versions_json, status, error, summary_json, started_at, finished_at, "
        "elapsed_ms"
    )

    def run(self, run_id: int) -> RunRecord:
        row = self._db.execute(f"SELECT {self._RUN_COLUMNS} FROM runs WHERE id = ?", (run_id,)).fetchone()
        if row is None:
            raise KeyError(run_id)
        return self._run_from_row(row)

    def runs(self, media_id: int | None = None, kind: str | None = None) -> list[RunRecord]:
        query = f"SELECT {self._RUN_COLUMNS} FROM runs WHERE (? IS NULL OR media_id = ?) AND (? IS NULL OR kind = ?)"
        rows = self._db.execute(query + " ORDER BY id", (media_id, media_id, kind, kind)).fetchall()
        return [self._run_from_row(row) for row in rows]

    def latest_run(self, media_id: int, kind: str, params: Mapping[str, Any] | None = None) -> RunRecord | None:
        """The newest finished run of ``kind``, with exactly ``params`` when given."""
        for record in reversed(self.runs(media_id, kind)):
            if record.status == "done" and (params is None or record.params == json.loads(json.dumps(dict(params)))):
                return record
        return None

    def artifacts(self, run_id: int) -> dict[str, Path]:
        rows = self._db.execute("SELECT name, relpath FROM artifacts WHERE run_id = ?", (run_id,)).fetchall()
        return {name: self.data_dir / relpath for name, relpath in rows}

    def segments(self, run_id: int, track: str) -> list[SegmentRecord]:
        rows = self._db.execute(
            "SELECT id, run_id, track, start_ms, end_ms, peak_ms, score, value FROM segments "
            "WHERE run_id = ? AND track = ? ORDER BY start_ms, id",
            (run_id, track),
        ).fetchall()
        return [SegmentRecord(*row) for row in rows]
