"""The whole analysis of one media file, as the CLI runs it: the source (a file, or a URL downloaded into the
project), the probe, the audio runs, then motion and faces sharing one decode pass, all stored in the project.

Input is checked before the project is touched, so bad media or a failed download leave an existing
project exactly as it was. The only pipeline module that imports the other pipelines.
"""

from __future__ import annotations

import os
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from analysis import media, pauses
from analysis.audio import DistributionStats, Peak
from analysis.errors import MediaError
from analysis.motion import MotionOptions
from analysis.pauses import PauseContext, PauseResult
from analysis.progress import NullProgress, Progress, SubProgress
from app.model.records import MediaRecord
from app.pipelines.audio import AudioOptions, analyze_and_store_audio
from app.pipelines.faces import FacesAnalysis, analyze_and_store_faces
from app.pipelines.motion import MotionAnalysis, analyze_and_store
from app.pipelines.runs import library_versions
from app.pipelines.sources import default_project_path, fetch, is_url
from app.project.store import Store

if TYPE_CHECKING:
    from analysis.faces import FaceOptions


@dataclass(frozen=True, slots=True)
class AudioAnalysis:
    """Everything one ``analyze`` found, and where it was stored."""

    project_path: Path
    media: MediaRecord
    options: AudioOptions
    peaks: tuple[Peak, ...]
    stats: DistributionStats | None
    """None when the media has no sound (motion only)"""
    pauses: PauseResult | None
    contexts: tuple[PauseContext, ...]
    """For each peak, the pauses around its peak time."""
    timings_ms: dict[str, int] = field(default_factory=dict)
    warnings: tuple[str, ...] = ()
    """Things the user should know about the input (e.g. a truncated file analysed only in part)."""
    motion: MotionAnalysis | None = None
    """when motion was asked for"""
    faces: FacesAnalysis | None = None
    """when faces were asked for"""


def analyze_audio(
    source: str | os.PathLike[str],
    project_path: str | os.PathLike[str] | None = None,
    options: AudioOptions | None = None,
    cookies: str | os.PathLike[str] | None = None,
    progress: Progress | None = None,
    motion_options: MotionOptions | None = None,
    faces_options: FaceOptions | None = None,
) -> AudioAnalysis:
    """Probe, decode (cached), find μ ± kσ peaks and pauses, and store both runs in the project; with
    ``motion_options`` also the motion pass, with ``faces_options`` the faces (sharing the motion's decode
    pass when both are asked for). A video without sound is analysed for its pictures only (with a
    warning); motion or faces on a file without pictures is refused up front."""
    options = options or AudioOptions()
    progress = progress or NullProgress()
    timings: dict[str, int] = {}
    source = str(source)
    project = Path(project_path) if project_path else default_project_path(source)

    def timed(stage: str, start: float) -> None:
        timings[stage] = round((time.perf_counter() - start) * 1000)

    source_url = None
    if is_url(source):
        start = time.perf_counter()
        source_url = source
        path = fetch(source, project, Path(cookies) if cookies else None, SubProgress(progress, 0.0, 0.3, "download: "))
        timed("download", start)
    else:
        path = Path(source)

    start = time.perf_counter()
    info = media.probe(path)
    timed("probe", start)
    if motion_options is not None and not info.has_video:
        raise MediaError(f"{path}: has no video track; motion analysis needs pictures")
    if faces_options is not None and not info.has_video:
        raise MediaError(f"{path}: has no video track; face analysis needs pictures")
    visual = motion_options is not None or faces_options is not None
    if not info.has_audio and not visual:
        raise MediaError(f"{path}: has no audio track; audio analysis needs sound")
    start = time.perf_counter()
    fingerprint = media.fingerprint(path)
    timed("fingerprint", start)

    store = Store.open(project)
    try:
        record = store.add_media(info, fingerprint, source_url)
        base = 0.3 if source_url else 0.0
        audio_end = base + (1.0 - base) * (0.3 if visual else 1.0)
        if info.has_audio:
            found, outliers, warnings = analyze_and_store_audio(
                store, record, path, info, fingerprint, options, timings, SubProgress(progress, base, audio_end)
            )
        else:
            found, outliers = None, None
            warnings = (f"{path}: has no audio track; only the pictures were analysed",)
        motion_result = faces_result = None
        face_consumer = None
        if faces_options is not None and motion_options is not None:
            from analysis.faces import FaceConsumer

            face_consumer = FaceConsumer(faces_options)  # faces share the motion's decode pass
        try:
            if motion_options is not None:
                start = time.perf_counter()
                motion_result = analyze_and_store(
                    store,
                    record.id,
                    fingerprint,
                    path,
                    motion_options,
                    options.k,
                    library_versions(),
                    SubProgress(progress, audio_end, 1.0, "video: "),
                    (face_consumer,) if face_consumer is not None else (),
                )
                timed("motion", start)
        finally:
            if face_consumer is not None:
                face_consumer.close()
        if faces_options is not None:
            start = time.perf_counter()
            faces_result = analyze_and_store_faces(
                store,
                record.id,
                fingerprint,
                path,
                faces_options,
                library_versions(),
                SubProgress(progress, audio_end, 1.0, "faces: "),
                face_consumer.result if face_consumer is not None else None,
            )
            timed("faces", start)
            warnings = (*warnings, *(f"{path}: faces: {text}" for text in faces_result.result.warnings()))
    finally:
        store.close()
    index = pauses.PauseIndex(found.pauses) if found else None
    contexts = tuple(index.context(peak.peak_ms) for peak in outliers.peaks) if index else ()
    progress.update(1.0, "done")
    return AudioAnalysis(
        project.resolve(),
        record,
        options,
        outliers.peaks if outliers else (),
        outliers.stats if outliers else None,
        found,
        contexts,
        timings,
        warnings,
        motion_result,
        faces_result,
    )
