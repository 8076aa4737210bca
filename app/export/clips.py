"""Clips of a project's items: per item a WAV, an MP4 (video media), key frames, flow pictures and face crops.

The cutting and encoding is :mod:`analysis.clips`; this module decides what each item gets, where it goes, and
writes it all or nothing, making each file once when several items share a range or a moment.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from analysis import media
from analysis.clips import (
    copy_clip,
    decode_audio_range,
    encode_clip,
    encode_png,
    sample_range,
    stream_copy_suffix,
    write_wav,
)
from analysis.progress import NullProgress, Progress, SubProgress, check
from app.export.files import Outputs, all_or_nothing
from app.export.items import ExportItem, check_context, check_media, collect_items, exportable, safe_name
from app.export.pictures import FLOW_IMAGE_COLUMNS, KEYFRAMES, FlowDetails, Frames, flow_images
from app.project.store import Store

log = logging.getLogger(__name__)

_FACE_NAME_BYTES = 32


@dataclass(frozen=True, slots=True)
class ClipPaths:
    """Where one item's files go; None for what the item does not get (no video in an audio-only file)."""

    wav: Path
    video: Path | None
    keyframes: tuple[Path, ...]
    flows: tuple[Path, ...] = ()
    """The flow pictures, in the order of FLOW_IMAGES."""
    faces: tuple[Path, ...] = ()
    """The face crops, in the order of the nearest sample's faces."""

    def all(self) -> list[Path]:
        return [self.wav, *([self.video] if self.video else []), *self.keyframes, *self.flows, *self.faces]


class ClipWriter:
    """Writes items' WAVs, videos, key frames, flow pictures and face crops; what an earlier item already has (the
    same range, the same moment) is copied, not re-made."""

    def __init__(
        self,
        store: Store,
        outputs: Outputs,
        context_ms: int,
        original_rate: bool = False,
        stream_copy: bool = False,
        flows: FlowDetails | None = None,
    ) -> None:
        self._store = store
        self._outputs = outputs
        self._context_ms = context_ms
        self._original_rate = original_rate
        self._stream_copy = stream_copy
        self._frames = Frames()
        self._flows = flows or FlowDetails(self._frames)
        self._done: dict[tuple[str, str, int, int], Path] = {}
        self._keyframes_done: dict[tuple[str, int], tuple[Path, ...]] = {}
        self._flows_done: dict[tuple[str, int], tuple[Path, ...]] = {}
        self._faces_done: dict[tuple[str, int], tuple[Path, ...]] = {}

    def video_suffix(self, item: ExportItem) -> str:
        return stream_copy_suffix(item.media_path) if self._stream_copy else ".mp4"

    def write(self, item: ExportItem, paths: ClipPaths, progress: Progress) -> None:
        """Write every file of ``paths`` for the item (checking for a cancel between them)."""
        clip_start, clip_end = item.clip_range(self._context_ms)
        self._once(("wav", item.media_path, clip_start, clip_end), paths.wav, lambda p: self._wav(item, p))
        progress.update(0.1, item.name)
        if paths.video is not None:
            video_progress = SubProgress(progress, 0.1, 0.9)
            self._once(
                ("video", item.media_path, clip_start, clip_end),
                paths.video,
                lambda p: self._video(item, p, clip_start, clip_end, video_progress),
            )
        if paths.keyframes:
            check(progress)
            self._pictures(self._keyframes_done, item, paths.keyframes, lambda: self._frames.pngs(item))
        if paths.flows:
            check(progress)
            self._pictures(self._flows_done, item, paths.flows, lambda: self._flow_pngs(item))
        if paths.faces:
            check(progress)
            self._pictures(
                self._faces_done,
                item,
                paths.faces,
                lambda: [encode_png(crop) for crop in self._frames.face_images(item)],
            )
        progress.update(1.0, item.name)

    def _pictures(
        self,
        done: dict[tuple[str, int], tuple[Path, ...]],
        item: ExportItem,
        paths: tuple[Path, ...],
        make: Callable[[], list[bytes]],
    ) -> None:
        """Write the pictures of the item's moment, or copy those an earlier item of the same moment got."""
        key = (item.media_path, item.moment_ms)
        earlier = done.get(key)
        if earlier is not None:
            for source, path in zip(earlier, paths, strict=True):
                self._outputs.copy(source, path)
            return
        for path, data in zip(paths, make(), strict=True):
            self._outputs.write_bytes(path, data)
        done[key] = paths

    def _flow_pngs(self, item: ExportItem) -> list[bytes]:
        detail = self._flows.detail(item)
        assert detail is not None  # strict and with a video: a failure raised
        return [encode_png(image) for image in flow_images(detail)]

    def _once(self, key: tuple[str, str, int, int], path: Path, make: Callable[[Path], None]) -> None:
        done = self._done.get(key)
        if done is not None:
            self._outputs.copy(done, path)
            return
        with self._outputs.writing(path) as partial:
            make(partial)
        self._done[key] = path

    def _wav(self, item: ExportItem, path: Path) -> None:
        clip_start, clip_end = item.clip_range(self._context_ms)
        if self._original_rate:
            decoded = decode_audio_range(item.media_path, clip_start, clip_end)
            samples, rate = decoded.samples, decoded.sample_rate
        else:
            decoded = media.load_audio(item.media_path, self._store.cache_dir, item.video_id)
            first, end = sample_range(clip_start, clip_end, media.ANALYSIS_RATE, int(decoded.shape[0]))
            samples, rate = np.asarray(decoded[first:end]), media.ANALYSIS_RATE
        write_wav(path, samples, rate)

    def _video(self, item: ExportItem, path: Path, clip_start: int, clip_end: int, progress: Progress) -> None:
        if self._stream_copy:
            copy_clip(item.media_path, path, clip_start, clip_end, progress)
        else:
            encode_clip(item.media_path, path, clip_start, clip_end, progress)

    def close(self) -> None:
        self._frames.close()


def export_clips(
    store: Store,
    out_dir: str | os.PathLike[str],
    *,
    context_ms: int = 0,
    labels_only: bool = False,
    original_rate: bool = False,
    stream_copy: bool = False,
    force: bool = False,
    progress: Progress | None = None,
) -> list[Path]:
    """Per item: a WAV, an MP4 (video media only), three key frames and four flow pictures (PNG) in ``out_dir``.

    Unlabelled segments at a shot change are left out (not significant). The flow pictures are the heatmaps
    and overlays of t − 1 s → t and t → t + 1 s (``…_flow_heatmap_before.png`` …), the size of the frames up
    to 640 px wide. A video with a faces run also gets a crop of each face of the sample nearest the moment
    (``…_face1_<person>.png`` …, the box widened by 20 %, from the full frame). The WAV holds exactly
    round((end − start + 2·context) · rate / 1000) samples (fewer only at the media's ends): 16 kHz mono from
    the project's decoded audio, or the source's own rate and channels with ``original_rate``. The MP4 is
    re-encoded so its first frame is the frame shown at the start; with ``stream_copy`` its packets are copied
    instead (fast, but it starts at the keyframe before the start; MKV when the source is not MP4). Returns the
    written files.
    """
    check_context(context_ms)
    progress = progress or NullProgress()
    out_dir = Path(out_dir)
    items = exportable(collect_items(store, labels_only), labels_only)
    check_media(items, original_rate)
    with all_or_nothing(force, out_dir) as outputs:
        writer = ClipWriter(store, outputs, context_ms, original_rate, stream_copy)
        try:
            plan = [(item, clip_paths(out_dir, item, writer.video_suffix(item))) for item in items]
            outputs.refuse_existing(path for _, paths in plan for path in paths.all())
            outputs.folder(out_dir)
            for index, (item, paths) in enumerate(plan):
                check(progress)
                writer.write(item, paths, SubProgress(progress, index / len(plan), (index + 1) / len(plan), ""))
        finally:
            writer.close()
        written = list(outputs.written)
    progress.update(1.0, f"{len(items)} clips exported")
    log.info("exported %d items as %d files to %s", len(items), len(written), out_dir)
    return written


def clip_paths(folder: Path, item: ExportItem, video_suffix: str, frames_folder: Path | None = None) -> ClipPaths:
    """Where the item's files go: the WAV and the video in ``folder``, the pictures in ``frames_folder`` (or
    ``folder``)."""
    frames_folder = frames_folder or folder
    if not item.has_video:
        return ClipPaths(folder / f"{item.name}.wav", None, ())
    frames = tuple(frames_folder / f"{item.name}_{tag}.png" for _, _, tag in KEYFRAMES)
    flows = tuple(frames_folder / f"{item.name}_{column}.png" for column in FLOW_IMAGE_COLUMNS)
    faces = face_crop_paths(frames_folder, item)
    return ClipPaths(folder / f"{item.name}.wav", folder / f"{item.name}{video_suffix}", frames, flows, faces)


def face_crop_paths(folder: Path, item: ExportItem) -> tuple[Path, ...]:
    """``<name>_face<k>_<person>.png`` for the k-th face (from 1) of the sample nearest the item's moment."""
    around = item.faces_around
    if around is None or not item.has_video:
        return ()
    return tuple(
        folder / f"{item.name}_face{k}_{safe_name(face.name, _FACE_NAME_BYTES)}.png"
        for k, face in enumerate(around.faces, 1)
    )
