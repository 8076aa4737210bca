"""Run the export an :class:`app.model.formats.ExportRequest` names (the CLI and the window share it)."""

from __future__ import annotations

from pathlib import Path

from analysis.progress import Progress
from app.export.clips import export_clips
from app.export.dataset import export_dataset
from app.export.report import export_report
from app.export.table import export_table
from app.model.formats import EXPORT_KIND_NAMES, ExportRequest
from app.project.store import Store


def run_export(store: Store, request: ExportRequest, progress: Progress | None = None) -> list[Path]:
    """Run the export ``request`` names; returns what it wrote (the files, or the dataset's folder)."""
    common = {"labels_only": request.labels_only, "force": request.force}
    if request.kind == "clips":
        return export_clips(
            store,
            request.out_dir,
            context_ms=request.context_ms,
            original_rate=request.original_rate,
            stream_copy=request.stream_copy,
            progress=progress,
            **common,
        )
    if request.kind == "dataset":
        path = export_dataset(
            store,
            request.out_dir,
            split=request.split,
            seed=request.seed,
            context_ms=request.context_ms,
            progress=progress,
            **common,
        )
        return [path]
    if request.kind == "report":
        return [export_report(store, request.out_dir, context_ms=request.context_ms, progress=progress, **common)]
    if request.kind in ("csv", "json"):
        return [
            export_table(store, request.out_dir / f"segments.{request.kind}", request.kind, progress=progress, **common)
        ]
    raise ValueError(f"unknown export kind {request.kind!r}; one of {', '.join(EXPORT_KIND_NAMES)}")
