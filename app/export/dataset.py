"""A Hugging Face dataset of a project's items: audio and video folders with metadata, split by video."""

from __future__ import annotations

import logging
import math
import os
import random
from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

from analysis.progress import NullProgress, Progress, SubProgress, check
from app.export.clips import ClipPaths, ClipWriter, clip_paths
from app.export.faces import FACE_COLUMNS, with_emotion_columns
from app.export.files import ExportResult, Outputs, all_or_nothing, write_csv, write_jsonl
from app.export.items import (
    MOTION_COLUMNS,
    TRANSCRIPT_CONTEXT_MS,
    ExportItem,
    check_context,
    check_media,
    collect_items,
    exportable,
    item_row,
)
from app.export.pictures import FLOW_IMAGE_COLUMNS, KEYFRAMES, FlowDetails
from app.project.store import Store
from app.timecode import ms_to_s

log = logging.getLogger(__name__)

SPLIT_NAMES = ("train", "validation", "test")
METADATA_COLUMNS = (
    "file_name",
    "label",
    "kind",
    "intensity",
    "confidence",
    "annotator",
    "provenance",
    "note",
    "source",
    "tracks",
    "video_id",
    "source_path",
    "source_url",
    "start_s",
    "end_s",
    "peak_s",
    "z",
    "pause_before_s",
    "pause_after_s",
    "transcript",
    "transcript_context",
    *MOTION_COLUMNS,
    *FACE_COLUMNS,
    "face_crops",
    "clip_start_s",
    "clip_end_s",
)
"""Columns of a dataset's metadata; ``transcript`` is what was said in the segment, ``transcript_context`` from its
start − W to its end + W (W the export's context, else :data:`app.export.items.TRANSCRIPT_CONTEXT_MS`); ``clip_*``
give the exported range (the segment ± context, within the media), ``face_crops`` the item's face crops (paths
relative to the metadata file, ';'-joined; a list in the JSON Lines)."""
KEYFRAME_COLUMNS = tuple(f"keyframe_{column}" for column, _, _ in KEYFRAMES)
IMAGE_COLUMNS = KEYFRAME_COLUMNS + FLOW_IMAGE_COLUMNS
"""The picture columns of the video metadata, after METADATA_COLUMNS."""


def split_videos(items: Sequence[ExportItem], fractions: tuple[float, float, float], seed: int = 0) -> dict[str, str]:
    """Assign each video to train, validation or test: grouped (a video is in one split only), stratified.

    The videos are shuffled with ``seed`` and taken largest first; while a split with a non-zero share
    still has no video and enough videos remain, the smallest go to the smallest such splits; every other
    video goes where it brings the splits' label counts and sizes closest to the shares (least squares).
    Deterministic for a seed. Returns {video_id: split name}.
    """
    _check_fractions(fractions)
    labels_of: dict[str, Counter[str]] = defaultdict(Counter)
    for item in items:
        labels_of[item.video_id][item.label] += 1
    videos = sorted(labels_of)
    random.Random(seed).shuffle(videos)
    videos.sort(key=lambda video: -sum(labels_of[video].values()))
    wanted = [name for name, share in sorted(zip(SPLIT_NAMES, fractions, strict=True), key=lambda p: p[1]) if share]
    assignment: dict[str, str] = {}
    seeded = [name for name in wanted if name != SPLIT_NAMES[0]]
    if len(videos) >= len(wanted):
        for name, video in zip(seeded, reversed(videos), strict=False):
            assignment[video] = name
    elif len(videos) > 1:
        log.warning(
            "%d videos cannot fill %d splits; some splits stay empty (a video is never split)", len(videos), len(wanted)
        )
    if len(videos) == 1:
        log.warning("the project has one video: everything goes to train, validation and test are empty")
        return {videos[0]: SPLIT_NAMES[0]}
    totals = Counter[str]()
    for video in videos:
        totals.update(labels_of[video])
    grand = sum(totals.values())
    counts = {name: Counter[str]() for name in SPLIT_NAMES}
    for video, name in assignment.items():
        counts[name].update(labels_of[video])
    share = dict(zip(SPLIT_NAMES, fractions, strict=True))

    def cost(candidate: str, video: str) -> float:
        total = 0.0
        for name in SPLIT_NAMES:
            counted = counts[name] + labels_of[video] if name == candidate else counts[name]
            total += sum((counted[label] / totals[label] - share[name]) ** 2 for label in totals)
            total += (sum(counted.values()) / grand - share[name]) ** 2
        return total

    for video in videos:
        if video in assignment:
            continue
        best = min(
            (name for name in SPLIT_NAMES if share[name] > 0), key=lambda name: (cost(name, video), -share[name])
        )
        assignment[video] = best
        counts[best].update(labels_of[video])
    return assignment


def _check_fractions(fractions: tuple[float, float, float]) -> None:
    if len(fractions) != 3 or any(f < 0 for f in fractions) or not math.isclose(sum(fractions), 1.0, abs_tol=1e-6):
        raise ValueError(
            f"a split is three non-negative shares (train, validation, test) summing to 1, not {fractions}"
        )


def _relative(path: Path, folder: Path) -> str:
    return Path(os.path.relpath(path, folder)).as_posix()


def export_dataset(
    store: Store,
    out_dir: str | os.PathLike[str],
    *,
    split: tuple[float, float, float] | None = None,
    seed: int = 0,
    context_ms: int = 0,
    labels_only: bool = False,
    force: bool = False,
    progress: Progress | None = None,
) -> ExportResult:
    """A dataset that Hugging Face ``datasets`` loads as it is (``load_dataset("OUT/audio")``, ``…/video``).

    ``OUT/audio/`` holds the 16 kHz WAVs and ``metadata.csv``; ``OUT/video/`` the re-encoded MP4s and
    ``metadata.csv`` (with key frame and flow picture columns). Not significant rows are left out: labelled
    "not significant" (an ``exclude`` value: never a class) or unlabelled at a shot change. ``file_name`` is
    relative to the metadata file, as AudioFolder and VideoFolder expect. With ``split``, each gets ``train/``,
    ``validation/`` and ``test/`` folders with their own metadata, a video never in two splits. The key frames,
    flow pictures and face crops (listed in ``face_crops``, see FACE_COLUMNS for the face figures) go to
    ``OUT/keyframes/`` and the typed copies of the metadata (JSON Lines, ``file_name`` relative to OUT, a
    ``split`` column) to ``OUT/audio.jsonl`` and ``OUT/video.jsonl``: ``datasets`` refuses a folder with two
    metadata files (.csv and .jsonl) and picks the loader by the commonest file type, so seven PNGs per MP4 would turn
    the video folder into an image dataset. ``datasets`` also infers each split's column types on its own
    and refuses splits that differ: the CSV writes intensity as a float (a gap would turn int into float),
    but a text column empty throughout one split and filled in another (notes only in train) still fails
    there; the JSON Lines copies load with ``load_dataset("json", data_files=…)``. Returns what it wrote
    (``paths`` is ``out_dir``) with notes on what did not go as asked: a split that could not be made (one
    video: every row in train), the rows left out.
    """
    check_context(context_ms)
    progress = progress or NullProgress()
    out_dir = Path(out_dir)
    collected = collect_items(store, labels_only, context_ms or TRANSCRIPT_CONTEXT_MS)
    items = exportable(collected, labels_only)
    check_media(items)
    assignment = split_videos(items, split, seed) if split is not None else {}
    folders = {name: Path(name) if split is not None else Path() for name in SPLIT_NAMES}
    plan: list[tuple[ExportItem, str, ClipPaths]] = []
    for item in items:
        name = assignment.get(item.video_id, SPLIT_NAMES[0])
        sub = folders[name]
        paths = clip_paths(out_dir / "audio" / sub, item, ".mp4", out_dir / "keyframes" / sub)
        if paths.video is not None:
            paths = replace(paths, video=out_dir / "video" / sub / paths.video.name)
        plan.append((item, name, paths))
    used = sorted({name for _, name, _ in plan}, key=SPLIT_NAMES.index)
    metadata_paths = [
        out_dir / modality / folders[name] / "metadata.csv"
        for modality in ("audio", "video")
        for name in used
        if modality == "audio" or any(p.video and n == name for _, n, p in plan)
    ]
    with all_or_nothing(force, out_dir) as outputs:
        outputs.refuse_existing(
            [
                *(path for _, _, paths in plan for path in paths.all()),
                *metadata_paths,
                out_dir / "audio.jsonl",
                *([out_dir / "video.jsonl"] if any(paths.video for _, _, paths in plan) else []),
            ]
        )
        flows = FlowDetails()
        writer = ClipWriter(store, outputs, context_ms, flows=flows)
        try:
            for index, (item, _, paths) in enumerate(plan):
                check(progress)
                writer.write(item, paths, SubProgress(progress, index / len(plan), (index + 1) / len(plan), ""))
        finally:
            writer.close()
        _write_dataset_metadata(outputs, out_dir, folders, plan, context_ms, flows)
        written = len(outputs.written)
    counts = Counter(name for _, name, _ in plan)
    progress.update(1.0, "dataset exported")
    log.info("dataset of %d items in %s: %s", len(items), out_dir, dict(counts))
    notes = [*_split_notes(split, counts, len(assignment)), *_left_out_note(len(collected) - len(items))]
    return ExportResult("dataset", out_dir, (out_dir,), written, len(items), tuple(notes))


def _split_notes(split: tuple[float, float, float] | None, counts: Counter[str], videos: int) -> list[str]:
    """What became of the split asked for: where the rows went when a split asked for stayed empty."""
    if split is None:
        return []
    empty = [name for name, share in zip(SPLIT_NAMES, split, strict=True) if share > 0 and not counts[name]]
    if not empty:
        return []
    rows = sum(counts.values())
    if videos == 1:
        where = "its one row is" if rows == 1 else f"all {rows} rows are"
        return [f"split ignored: only one video, so {where} in train"]
    wanted = sum(1 for share in split if share > 0)
    placed = ", ".join(f"{counts[name]} in {name}" for name in SPLIT_NAMES if counts[name])
    empty_text = f"{' and '.join(empty)} {'is' if len(empty) == 1 else 'are'} empty"
    return [f"{empty_text}: {videos} videos for {wanted} splits, and a video is never split ({placed})"]


def _left_out_note(count: int) -> list[str]:
    if not count:
        return []
    return [f"{count} not significant row{'' if count == 1 else 's'} left out"]


def _write_dataset_metadata(
    outputs: Outputs,
    out_dir: Path,
    folders: dict[str, Path],
    plan: Sequence[tuple[ExportItem, str, ClipPaths]],
    context_ms: int,
    flows: FlowDetails,
) -> None:
    """Per modality and split a ``metadata.csv`` (paths relative to it), and one typed ``OUT/<modality>.jsonl``."""
    for modality in ("audio", "video"):
        per_split: dict[str, list[dict[str, Any]]] = defaultdict(list)
        typed: list[dict[str, Any]] = []
        for item, name, paths in plan:
            path = paths.wav if modality == "audio" else paths.video
            if path is None:
                continue
            clip_start, clip_end = item.clip_range(context_ms)
            values = {k: v for k, v in item_row(item, flows.magnitudes(item)).items() if k != "name"}
            values.update(clip_start_s=ms_to_s(clip_start), clip_end_s=ms_to_s(clip_end))
            files = {"file_name": path}
            if modality == "video":
                files.update(zip(IMAGE_COLUMNS, (*paths.keyframes, *paths.flows), strict=True))
            folder = out_dir / modality / folders[name]
            crops = ";".join(_relative(p, folder) for p in paths.faces)
            values_csv = {**values, "face_crops": crops}
            values_typed = {**values, "face_crops": [_relative(p, out_dir) for p in paths.faces]}
            # datasets compares the column types it infers per split; an intensity column with no gap reads as
            # int64 and one with a gap as float64, so the CSV always writes it as a float.
            stable = {**values_csv, "intensity": None if item.intensity is None else float(item.intensity)}
            per_split[name].append({**{k: _relative(p, folder) for k, p in files.items()}, **stable})
            typed.append({**{k: _relative(p, out_dir) for k, p in files.items()}, **values_typed, "split": name})
        columns = METADATA_COLUMNS + (IMAGE_COLUMNS if modality == "video" else ())
        columns = with_emotion_columns(columns, (item.faces_around for item, _, _ in plan))
        for name, rows in per_split.items():
            write_csv(outputs, out_dir / modality / folders[name] / "metadata.csv", columns, rows)
        if typed:
            write_jsonl(outputs, out_dir / f"{modality}.jsonl", typed)
