"""The pictures of an item's moment: key frames at t − 1 s, t, t + 1 s, the flow around t, the face crops.

Shared by the clips, the dataset and the report, each computed once per moment.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Iterator
from contextlib import contextmanager

import numpy as np

from analysis.clips import encode_png
from analysis.frames import FrameSource
from analysis.peak_detail import PeakDetail, peak_detail
from app.export.faces import face_crop
from app.export.items import ExportItem

KEYFRAMES = (("before", -1000, "t-1s"), ("at", 0, "t"), ("after", 1000, "t+1s"))
"""Key frames of an item: (column suffix, offset from the peak or range centre in ms, file name suffix)."""
FLOW_IMAGES = (("heatmap", "before"), ("heatmap", "after"), ("overlay", "before"), ("overlay", "after"))
"""Flow pictures of an item: (rendering, interval); 'before' is t − 1 s → t, 'after' is t → t + 1 s. Each is
``<name>_flow_<rendering>_<interval>.png``, in a ``flow_<rendering>_<interval>`` column of the video metadata."""
FLOW_IMAGE_COLUMNS = tuple(f"flow_{kind}_{interval}" for kind, interval in FLOW_IMAGES)
FLOW_DETAILS_KEPT = 4
"""Whole flow details kept at once (a 640-px one holds some 10 MB of pictures); the rows of one segment follow
each other, so each moment's flow is computed once anyway."""


def keyframe_times(item: ExportItem) -> list[int]:
    """The times of the key frames t − 1 s, t, t + 1 s (t = peak or range centre), within the media."""
    last = max(0, item.duration_ms - 1)
    return [min(max(0, item.moment_ms + offset), last) for _, offset, _ in KEYFRAMES]


class Frames:
    """One open :class:`FrameSource` per media at a time (items come media by media, in time order): the key
    frames, the face crops and (lent to :class:`FlowDetails`) the flow detail of every item of a media are read
    from it, so the file is opened once per media, not once per picture."""

    def __init__(self, max_width: int | None = None) -> None:
        self._max_width = max_width
        self._path: str | None = None
        self._source: FrameSource | None = None

    def _open(self, path: str) -> FrameSource:
        if self._path != path or self._source is None:
            self.close()
            self._source = FrameSource(path, max_width=self._max_width, cache_frames=4)
            self._path = path
        return self._source

    def pngs(self, item: ExportItem, max_width: int | None = None) -> list[bytes]:
        """The item's key frames (t − 1 s, t, t + 1 s) as PNG files, at most ``max_width`` wide if given."""
        source = self._open(item.media_path)
        return [encode_png(source.frame_at_time(ms, max_width).image) for ms in keyframe_times(item)]

    @contextmanager
    def video(self, path: str) -> Iterator[tuple]:
        """The media's open file (container, video stream), lent for a reader that seeks by itself."""
        with self._open(path).borrow() as video:
            yield video

    def face_images(self, item: ExportItem) -> list[np.ndarray]:
        """A crop of each face of the faces-run sample nearest the moment, from the frame of that sample (RGB)."""
        around = item.faces_around
        if around is None or around.sample_ms is None or not around.faces:
            return []
        source = self._open(item.media_path)
        # the sample's time is its frame's own time, rounded as FrameSource rounds: this is the frame analysed
        image = source.frame_at_time(around.sample_ms).image
        scale = (source.width / source.source_width, source.height / source.source_height)
        return [face_crop(image, face.box, scale) for face in around.faces]

    def close(self) -> None:
        if self._source is not None:
            self._source.close()
        self._source, self._path = None, None


def flow_images(detail: PeakDetail) -> list[np.ndarray]:
    """The flow pictures of a detail (RGB), in the order of FLOW_IMAGES."""
    return [getattr(getattr(detail, interval), kind) for kind, interval in FLOW_IMAGES]


class FlowDetails:
    """The flow around each item's moment, computed once per moment and shared by the files, the dataset and the report.

    :func:`analysis.peak_detail.peak_detail` as the peak detail panel computes it (±1 s, the motion run's
    method and width, its cuts), so the figures are those the window shows. The last FLOW_DETAILS_KEPT details
    are kept whole, the two magnitudes of every moment for the whole export.
    """

    def __init__(self, frames: Frames | None = None) -> None:
        """With ``frames``, the flow is read through its open file of the media instead of opening the file."""
        self._frames = frames
        self._details: OrderedDict[tuple[str, int], PeakDetail] = OrderedDict()
        self._magnitudes: dict[tuple[str, int], tuple[float, float]] = {}

    def detail(self, item: ExportItem) -> PeakDetail | None:
        """The item's flow detail; None for audio-only media."""
        if not item.has_video:
            return None
        key = (item.media_path, item.moment_ms)
        found = self._details.get(key)
        if found is not None:
            self._details.move_to_end(key)
            return found
        if self._frames is None:
            found = peak_detail(
                item.media_path, item.moment_ms, method=item.flow_method, width=item.flow_width, cuts_ms=item.cuts_ms
            )
        else:
            with self._frames.video(item.media_path) as video:
                found = peak_detail(
                    item.media_path,
                    item.moment_ms,
                    method=item.flow_method,
                    width=item.flow_width,
                    cuts_ms=item.cuts_ms,
                    video=video,
                )
        self._details[key] = found
        if len(self._details) > FLOW_DETAILS_KEPT:
            self._details.popitem(last=False)
        self._magnitudes[key] = found.magnitudes
        return found

    def magnitudes(self, item: ExportItem) -> tuple[float, float] | None:
        """(net motion t − 1 s → t, net motion t → t + 1 s) in reference px/s, or None without a video."""
        if not item.has_video:
            return None
        key = (item.media_path, item.moment_ms)
        if key not in self._magnitudes:
            self.detail(item)
        return self._magnitudes.get(key)
