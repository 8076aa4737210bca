"""What the commands print: the JSON documents of ``analyze --json`` and ``transcribe --json`` (times in
seconds, everything a script needs) and the readable summary of an analysis."""

from __future__ import annotations

from typing import Any, TextIO

from analysis.pauses import Span
from analysis.urls import redact_url
from app.model.records import segment_key
from app.model.review import (
    SOURCE_AUDIO,
    SOURCE_MOTION,
    SOURCE_MULTIMODAL,
    SOURCE_TITLES,
    ReviewItem,
    TrackPeak,
    review_items,
)
from app.model.transcript import Transcript
from app.pipelines.analyze import AudioAnalysis
from app.timecode import format_mmss, ms_to_s


def _span(span: Span) -> dict[str, float | None]:
    return {"start_s": ms_to_s(span.start_ms), "end_s": ms_to_s(span.end_ms)}


def analysis_to_json(result: AudioAnalysis) -> dict[str, Any]:
    """The ``--json`` document: times in seconds, everything a script needs."""
    info = result.media.info
    video = info.video
    review = _review(result)
    document = _audio_json(result, review)
    document["media"] = {
        "path": info.path,
        "source_url": redact_url(result.media.source_url) if result.media.source_url else None,
        "container": info.container,
        "size_bytes": info.size_bytes,
        "duration_s": ms_to_s(info.duration_ms),
        "has_video": info.has_video,
        "has_audio": info.has_audio,
        "fps": video.fps if video else None,
        "width": video.width if video else None,
        "height": video.height if video else None,
        "rotation": video.rotation if video else None,
        "variable_frame_rate": video.variable_frame_rate if video else None,
        "frame_count": video.frame_count if video else None,
        "sample_rate": info.audio.sample_rate if info.audio else None,
        "channels": info.audio.channels if info.audio else None,
    }
    if result.motion:
        document.update(_motion_json(result, review))
    if result.faces:
        from app.pipelines.faces import faces_document

        document.update(faces_document(result.faces.result, result.faces.names))
    document["moments"] = [_moment_json(item) for item in _moments(review)]
    document["timings_s"] = {stage: ms_to_s(ms) for stage, ms in result.timings_ms.items()}
    document["warnings"] = list(result.warnings)
    return document


TRACK_TITLES = tuple(SOURCE_TITLES[source] for source in (SOURCE_AUDIO, SOURCE_MOTION, SOURCE_MULTIMODAL))


def _review(result: AudioAnalysis) -> dict[str, ReviewItem]:
    """The analysis's moments as the review model sees them (with their shot changes), by every key of theirs:
    a peak's own key finds the moment it belongs to."""
    motion = result.motion
    items = review_items(
        result.peaks if result.stats is not None else (),
        motion.peaks if motion else (),
        shots=motion.result.shots if motion else (),
    )
    return {key: item for item in items for key in item.segment.keys}


def _moments(review: dict[str, ReviewItem]) -> list[ReviewItem]:
    """Each moment once, in time order."""
    return list({item.key: item for item in review.values()}.values())


def _track_json(peak: TrackPeak | None) -> dict[str, float | None] | None:
    return None if peak is None else {"peak_s": ms_to_s(peak.peak_ms), "z": round(peak.z, 4)}


def _moment_json(item: ReviewItem) -> dict[str, Any]:
    segment = item.segment
    return {
        "start_s": ms_to_s(segment.start_ms),
        "end_s": ms_to_s(segment.end_ms),
        "peak_s": ms_to_s(segment.peak_ms),
        "tracks": segment.tracks,
        "z": round(segment.z or 0.0, 4),
        "audio": _track_json(segment.audio),
        "motion": _track_json(segment.motion),
        "not_significant": item.not_significant,
        "why": item.why,
    }


def _not_significant(review: dict[str, ReviewItem], source: str, start_ms: int, end_ms: int) -> bool:
    """Unlabelled at a shot change (nothing is labelled yet when the CLI analyses)."""
    return review[segment_key(source, start_ms, end_ms)].not_significant


def _both(review: dict[str, ReviewItem]) -> list[ReviewItem]:
    """The moments both the audio and the motion flagged, in time order."""
    return [item for item in _moments(review) if item.segment.source == SOURCE_MULTIMODAL]


def _motion_json(result: AudioAnalysis, review: dict[str, ReviewItem]) -> dict[str, Any]:
    analysis = result.motion
    series, shots = analysis.result.series, analysis.result.shots
    stats = analysis.stats
    return {
        "motion": {
            "fps": analysis.result.options.fps,
            "width": analysis.result.options.width,
            "flow": analysis.result.options.method.value,
            "units": "pixels per second at 320 px wide",
            "times_s": [round(float(t), 3) for t in series.times],
            "magnitude": [round(float(v), 3) for v in series.magnitude],
            "p90": [round(float(v), 3) for v in series.p90],
            "moving_share": [round(float(v), 4) for v in series.moving],
            "direction_deg": [None if v != v else round(float(v), 1) for v in series.direction],
            "stats": {"k": stats.k, "mean": stats.mean, "std": stats.std, "low": stats.low, "high": stats.high},
            "frames_decoded": analysis.result.info.frames,
            "frames_skipped": analysis.result.info.skipped,
        },
        "motion_peaks": [
            {
                "start_s": ms_to_s(p.start_ms),
                "end_s": ms_to_s(p.end_ms),
                "peak_s": ms_to_s(p.peak_ms),
                "z": round(p.z, 4),
                "value": round(p.value, 3),
                "not_significant": _not_significant(review, SOURCE_MOTION, p.start_ms, p.end_ms),
            }
            for p in analysis.peaks
        ],
        "shot_changes": [{"t_s": ms_to_s(s.start_ms), "end_s": ms_to_s(s.end_ms), "kind": s.kind} for s in shots],
        "multimodal_peaks": [
            {
                "start_s": ms_to_s(item.segment.start_ms),
                "end_s": ms_to_s(item.segment.end_ms),
                "audio_peak_s": ms_to_s(item.segment.audio.peak_ms),
                "motion_peak_s": ms_to_s(item.segment.motion.peak_ms),
                "score": round(item.segment.z, 4),
                "not_significant": item.not_significant,
            }
            for item in _both(review)
        ],
    }


def _audio_json(result: AudioAnalysis, review: dict[str, ReviewItem]) -> dict[str, Any]:
    if result.stats is None:
        return {
            "project": str(result.project_path),
            "audio_peaks": [],
            "pauses": [],
            "speech": [],
            "pause_metrics": None,
            "stats": None,
        }
    metrics = result.pauses.metrics
    stats = result.stats
    return {
        "project": str(result.project_path),
        "audio_peaks": [
            {
                "start_s": ms_to_s(peak.start_ms),
                "end_s": ms_to_s(peak.end_ms),
                "peak_s": ms_to_s(peak.peak_ms),
                "z": round(peak.z, 4),
                "value": peak.value,
                "pause_before_s": ms_to_s(context.before.duration_ms) if context.before else None,
                "pause_after_s": ms_to_s(context.after.duration_ms) if context.after else None,
                **(
                    {"not_significant": _not_significant(review, SOURCE_AUDIO, peak.start_ms, peak.end_ms)}
                    if result.motion
                    else {}
                ),
            }
            for peak, context in zip(result.peaks, result.contexts, strict=True)
        ],
        "pauses": [_span(pause) for pause in result.pauses.pauses],
        "speech": [_span(span) for span in result.pauses.speech],
        "pause_metrics": {
            "method": result.pauses.method,
            "min_pause_s": ms_to_s(result.options.min_pause_ms),
            "count": metrics.count,
            "total_s": ms_to_s(metrics.total_ms),
            "mean_s": round(metrics.mean_ms / 1000, 3),
            "median_s": round(metrics.median_ms / 1000, 3),
            "longest_s": ms_to_s(metrics.longest_ms),
            "per_minute": round(metrics.per_minute, 3),
            "speech_ratio": round(metrics.speech_ratio, 4),
        },
        "stats": {
            "k": stats.k,
            "window_s": ms_to_s(result.options.window_ms),
            "feature": stats.feature,
            "tails": stats.tails,
            "robust": stats.robust,
            "mean": stats.mean,
            "std": stats.std,
            "low": stats.low,
            "high": stats.high,
            "n_windows": stats.n_windows,
            "n_outliers": stats.n_outliers,
            "outlier_fraction": stats.outlier_fraction,
            "expected_fraction": stats.expected_fraction,
            "tail_ratio": stats.tail_ratio,
            "skewness": stats.skewness,
            "excess_kurtosis": stats.excess_kurtosis,
        },
    }


def print_summary(result: AudioAnalysis, out: TextIO) -> None:
    """A readable account of the findings."""
    info = result.media.info
    stats = result.stats
    kind = f"video {info.video.width}×{info.video.height} at {info.video.fps:.3g} fps" if info.video else "audio only"
    out.write(f"{info.path}\n  {format_mmss(info.duration_ms)} long, {kind}\n  project: {result.project_path}\n\n")
    if stats is not None:
        _print_audio(result, out)
    if result.motion is not None:
        _print_motion(result, out)
    if result.faces is not None:
        _print_faces(result, out)
    moments = _moments(_review(result))
    counts = {title: sum(1 for item in moments if item.segment.tracks == title) for title in TRACK_TITLES}
    by_tracks = ", ".join(f"{title} {count}" for title, count in counts.items() if count)
    out.write(f"\nMoments to review: {len(moments)}" + (f" ({by_tracks}), one row each" if moments else "") + "\n")


def _print_faces(result: AudioAnalysis, out: TextIO) -> None:
    analysis = result.faces
    samples = analysis.result.samples
    out.write(
        f"\nFaces ({analysis.result.options.detector.value}, {analysis.result.options.fps:g} samples/s): "
        f"{sum(len(s.faces) for s in samples)} in {len(samples)} samples; persons: {len(analysis.result.persons)}\n"
    )
    for person in analysis.result.persons:
        shares = ", ".join(f"{name} {share:.0%}" for name, share in person.emotion_share.items() if share >= 0.05)
        out.write(
            f"  {analysis.names.get(person.id, person.name)}: {person.visible_ms / 1000:.1f} s visible; {shares}\n"
        )


def _print_motion(result: AudioAnalysis, out: TextIO) -> None:
    analysis = result.motion
    options, stats, shots = analysis.result.options, analysis.stats, analysis.result.shots
    out.write(
        f"\nMotion ({options.method.value} flow, {options.fps:g} pairs/s at {options.width} px; magnitude in px/s at "
        f"320 px wide): mean {stats.mean:.1f}, σ {stats.std:.1f}; peaks above μ + {stats.k:g}σ: {len(analysis.peaks)}\n"
    )
    review = _review(result)
    for peak in analysis.peaks:
        shot = review[segment_key(SOURCE_MOTION, peak.start_ms, peak.end_ms)].shot_change
        note = f"  (not significant: {shot.kind} at {format_mmss(shot.start_ms)})" if shot else ""
        out.write(
            f"  {format_mmss(peak.start_ms)} – {format_mmss(peak.end_ms)}  peak "
            f"{format_mmss(peak.peak_ms)}  z = {peak.z:+.2f}{note}\n"
        )
    out.write(f"Shot changes: {len(shots)}\n")
    for shot in shots:
        out.write(f"  {shot.kind:<4} {format_mmss(shot.start_ms)}\n")
    both = _both(review)
    out.write(f"Audio and motion peaks together (overlapping, or within 1 s): {len(both)}, one moment each\n")
    for item in both:
        segment = item.segment
        out.write(
            f"  {format_mmss(segment.start_ms)} – {format_mmss(segment.end_ms)}  {segment.tracks_detail}  "
            f"score {segment.z:.2f}\n"
        )


def _print_audio(result: AudioAnalysis, out: TextIO) -> None:
    stats = result.stats
    metrics = result.pauses.metrics
    band = "median ± k·MAD·1.4826" if stats.robust else "μ ± kσ"
    out.write(
        f"Audio peaks ({stats.feature}, {result.options.window_ms} ms windows, {band}, k = {stats.k:g}, "
        f"tails: {stats.tails}): {len(result.peaks)}\n"
    )
    for peak, context in zip(result.peaks, result.contexts, strict=True):
        before = f"{context.before.duration_ms / 1000:.2f} s" if context.before else "—"
        after = f"{context.after.duration_ms / 1000:.2f} s" if context.after else "—"
        out.write(
            f"  {format_mmss(peak.start_ms)} – {format_mmss(peak.end_ms)}  peak {format_mmss(peak.peak_ms)}  "
            f"z = {peak.z:+.2f}  pause before {before}, after {after}\n"
        )
    out.write(
        f"\nWindows outside the band: {stats.n_outliers} of {stats.n_windows} ({stats.outlier_fraction:.2%}); "
        f"a normal distribution would leave {stats.expected_fraction:.2%} (ratio {stats.tail_ratio:.2f}).\n"
        f"Skewness {stats.skewness:.2f}, excess kurtosis {stats.excess_kurtosis:.2f}.\n\n"
    )
    out.write(
        f"Pauses ≥ {result.options.min_pause_ms / 1000:g} s ({result.pauses.method}): {metrics.count}, "
        f"total {metrics.total_ms / 1000:.2f} s, mean {metrics.mean_ms / 1000:.2f} s, median "
        f"{metrics.median_ms / 1000:.2f} s, longest {metrics.longest_ms / 1000:.2f} s, "
        f"{metrics.per_minute:.1f} per minute; speech {metrics.speech_ratio:.0%} of the time.\n"
    )
    for pause in result.pauses.pauses:
        out.write(
            f"  {format_mmss(pause.start_ms)} – {format_mmss(pause.end_ms)}  ({pause.duration_ms / 1000:.2f} s)\n"
        )


def transcript_to_json(transcript: Transcript) -> dict[str, Any]:
    """The transcript as ``transcribe --json`` prints it."""
    return {
        "language": transcript.language,
        "model": transcript.model,
        "segments": [
            {
                "start_s": ms_to_s(segment.start_ms),
                "end_s": ms_to_s(segment.end_ms),
                "text": segment.text,
                "speaker": segment.speaker,
                "words": [
                    {
                        "word": word.text,
                        "start_s": ms_to_s(word.start_ms),
                        "end_s": ms_to_s(word.end_ms),
                        "probability": None if word.probability is None else round(word.probability, 4),
                    }
                    for word in segment.words
                ],
            }
            for segment in transcript.segments
        ],
    }
