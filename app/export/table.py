"""Every item of a project as a row of a CSV file or a JSON list."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Literal

from analysis.progress import NullProgress, Progress, check
from app.export.dataset import METADATA_COLUMNS
from app.export.faces import with_emotion_columns
from app.export.files import all_or_nothing, write_csv
from app.export.items import collect_items, item_row
from app.project.store import Store

FLOW_COLUMNS = ("flow_magnitude_before", "flow_magnitude_after")
"""Left out of the tables: mag(t − 1 s → t) and mag(t → t + 1 s) are a flow between frames one second apart,
which only a decode of the video gives (the stored motion series holds the flow between consecutive samples:
the motion_* columns). A table is read from the project alone; the dataset and the report keep them."""
TABLE_COLUMNS = (
    "name",
    *(column for column in METADATA_COLUMNS[1:-2] if column != "face_crops" and column not in FLOW_COLUMNS),
    "not_significant",
)


def export_table(
    store: Store,
    path: str | os.PathLike[str],
    fmt: Literal["csv", "json"],
    labels_only: bool = False,
    force: bool = False,
    progress: Progress | None = None,
) -> Path:
    """Every item as a row of a CSV file (empty cells for missing values) or a JSON list (nulls).

    Unlabelled segments at a shot change are rows too, with ``not_significant`` true. Everything comes from the
    project (the motion figures from the stored motion series): no media file is read, so a table of thousands
    of rows takes seconds.
    """
    if fmt not in ("csv", "json"):
        raise ValueError(f"a table is 'csv' or 'json', not {fmt!r}")
    progress = progress or NullProgress()
    path = Path(path)
    items = collect_items(store, labels_only)
    with all_or_nothing(force, path.parent) as outputs:
        outputs.refuse_existing([path])
        rows = []
        for index, item in enumerate(items):
            check(progress)
            progress.update(index / max(1, len(items)), f"table: {item.name}")
            row = item_row(item)
            rows.append(
                {
                    **{column: row[column] for column in row if column not in FLOW_COLUMNS},
                    "not_significant": item.not_significant,
                }
            )
        if fmt == "csv":
            write_csv(outputs, path, with_emotion_columns(TABLE_COLUMNS, (item.faces_around for item in items)), rows)
        else:
            outputs.write_text(path, json.dumps(rows, ensure_ascii=False, indent=2) + "\n")
    progress.update(1.0, "table written")
    return path
