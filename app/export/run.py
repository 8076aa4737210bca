"""Run the export an :class:`app.model.formats.ExportRequest` names (the CLI and the window share it)."""

from __future__ import annotations

from pathlib import Path

from analysis.progress import Progress
from app.export.clips import export_clips
from app.export.dataset import export_dataset
from app.export.files import ExportResult
from app.export.report import export_report
from app.export.table import export_table
from app.model.formats import EXPORT_KIND_NAMES, READS_MEDIA, ExportRequest
from app.pipelines.sources import check_media_file
from app.project.store import Store


def check_media_files(store: Store) -> None:
    """Refuse (MediaMismatch) when a media file of the project is not the one analysed: another file was copied
    to its path. A file that is gone is left to the export, which stops only when it needs that file."""
    for record in store.all_media():
        if Path(record.path).is_file():
            check_media_file(record, store.path)


def run_export(store: Store, request: ExportRequest, progress: Progress | None = None) -> ExportResult:
    """Run the export ``request`` names; returns what it did: the files it names (the clips, the dataset's folder,
    the report, the table), how many it wrote, and notes on what did not go as asked (a split ignored). Clips,
    datasets and reports are refused when a media file is not the one analysed, unless ``request.trust_media``."""
    if request.kind in READS_MEDIA and not request.trust_media:
        check_media_files(store)
    common = {"labels_only": request.labels_only, "force": request.force}
    kind, folder = request.kind, request.out_dir
    if kind == "clips":
        written = export_clips(
            store,
            folder,
            context_ms=request.context_ms,
            original_rate=request.original_rate,
            stream_copy=request.stream_copy,
            progress=progress,
            **common,
        )
        return ExportResult(kind, folder, tuple(written), len(written))
    if kind == "dataset":
        return export_dataset(
            store,
            folder,
            split=request.split,
            seed=request.seed,
            context_ms=request.context_ms,
            progress=progress,
            **common,
        )
    if kind == "report":
        path = export_report(store, folder, context_ms=request.context_ms, progress=progress, **common)
        return ExportResult(kind, folder, (path,), 1)
    if kind in ("csv", "json"):
        path = export_table(store, folder / f"segments.{kind}", kind, progress=progress, **common)
        return ExportResult(kind, folder, (path,), 1)
    raise ValueError(f"unknown export kind {kind!r}; one of {', '.join(EXPORT_KIND_NAMES)}")
