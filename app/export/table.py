"""Every item of a project as a row of a CSV file or a JSON list."""

from __future__ import annotations

import json
import logging
import os
from pathlib import Path
from typing import Literal

from analysis.progress import NullProgress, Progress, check
from app.export.dataset import METADATA_COLUMNS
from app.export.faces import with_emotion_columns
from app.export.files import all_or_nothing, write_csv
from app.export.items import collect_items, item_row
from app.export.pictures import FlowDetails
from app.project.store import Store

log = logging.getLogger(__name__)

TABLE_COLUMNS = ("name", *(column for column in METADATA_COLUMNS[1:-2] if column != "face_crops"), "not_significant")


def export_table(
    store: Store,
    path: str | os.PathLike[str],
    fmt: Literal["csv", "json"],
    labels_only: bool = False,
    force: bool = False,
    progress: Progress | None = None,
) -> Path:
    """Every item as a row of a CSV file (empty cells for missing values) or a JSON list (nulls).

    Unlabelled segments at a shot change are rows too, with ``not_significant`` true. The flow magnitudes need
    the media file (one short decode per moment); where it is gone or unreadable they stay empty.
    """
    if fmt not in ("csv", "json"):
        raise ValueError(f"a table is 'csv' or 'json', not {fmt!r}")
    progress = progress or NullProgress()
    path = Path(path)
    items = collect_items(store, labels_only)
    missing = sorted({item.media_path for item in items if item.has_video and not Path(item.media_path).is_file()})
    for media_path in missing:
        log.warning("%s: file not found; its rows get no flow magnitudes", media_path)
    flows = FlowDetails(lenient=True)
    with all_or_nothing(force, path.parent) as outputs:
        outputs.refuse_existing([path])
        rows = []
        for index, item in enumerate(items):
            check(progress)
            progress.update(index / max(1, len(items)), f"table: {item.name}")
            figures = None if item.media_path in missing else flows.magnitudes(item)
            rows.append({**item_row(item, figures), "not_significant": item.not_significant})
        if fmt == "csv":
            write_csv(outputs, path, with_emotion_columns(TABLE_COLUMNS, (item.faces_around for item in items)), rows)
        else:
            outputs.write_text(path, json.dumps(rows, ensure_ascii=False, indent=2) + "\n")
    progress.update(1.0, "table written")
    return path
