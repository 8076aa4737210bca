"""One self-contained HTML report of a project: per media its analyses and plots, then every observation.

The page around the sections and its style sheet are files in ``resources/report/`` (a :class:`string.Template`
and the CSS written into its ``<style>``); the sections are built here, every user text escaped.
"""

from __future__ import annotations

import base64
import functools
import html
import io
import logging
import os
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime
from pathlib import Path
from string import Template
from typing import Any

import cv2
import numpy as np

from analysis import audio, media
from analysis.clips import encode_png
from analysis.flow_render import colour_scale
from analysis.motion import REFERENCE_WIDTH
from analysis.peak_detail import PeakDetail
from analysis.progress import NullProgress, Progress, check
from analysis.urls import redact_url
from app.export.faces import FACE_WINDOW_MS, FacesAround, stored_faces
from app.export.files import all_or_nothing
from app.export.items import (
    EXCLUDE,
    TRANSCRIPT_CONTEXT_MS,
    ExportItem,
    check_context,
    check_media,
    collect_items,
    latest_spans,
)
from app.export.pictures import FLOW_IMAGES, KEYFRAMES, FlowDetails, Frames, flow_images, keyframe_times
from app.model.records import MediaRecord, RunRecord
from app.model.review import SOURCE_AUDIO, SOURCE_MOTION, SOURCE_MULTIMODAL
from app.pipelines.audio import RUN_AUDIO_PEAKS, RUN_PAUSES, TRACK_AUDIO_PEAK, load_envelope
from app.pipelines.faces import StoredFaces
from app.pipelines.motion import StoredMotion, load_motion
from app.pipelines.runs import without_missing
from app.project.store import Store
from app.timecode import format_fps, format_mmss, format_ms
from resources import resource_path

log = logging.getLogger(__name__)

REPORT_FRAME_WIDTH = 320
"""Key frames and flow pictures in the report are scaled to this width, so a report of hundreds of observations
stays small."""
REPORT_PAGE = "report/report.html"
"""The page around the report's sections (a :class:`string.Template`), in ``resources``."""
REPORT_STYLE = "report/report.css"
"""The report's style sheet, in ``resources``; written into the page's ``<style>``."""


def _figure_uri(figure: Any) -> str:
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    FigureCanvasAgg(figure)
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=100, metadata={"Software": None}, bbox_inches="tight")
    return _png_uri(buffer.getvalue())


def _png_uri(data: bytes) -> str:
    return "data:image/png;base64," + base64.b64encode(data).decode("ascii")


def _plots(store: Store, record: MediaRecord, run: RunRecord, segments: Sequence[Any]) -> list[tuple[str, str]]:
    """The envelope with μ, the μ ± kσ band and the peaks; the histogram with its normal curve; the Q–Q plot."""
    from matplotlib.figure import Figure

    params = run.params
    stats = (run.summary or {}).get("stats", {})
    samples = media.load_audio(record.path, store.cache_dir, record.fingerprint)
    envelope = load_envelope(store.cache_dir, record.fingerprint, samples, int(params["window_ms"]))
    feature = params.get("feature", "rms")
    values = envelope.values(feature)
    times = (np.arange(values.shape[0]) + 0.5) * envelope.window_ms / 1000
    mean, low, high = stats.get("mean"), stats.get("low"), stats.get("high")
    plots = []

    figure = Figure(figsize=(10, 3))
    axes = figure.add_subplot()
    axes.plot(times, values, color="#4a6fa5", linewidth=0.8, label=feature)
    if mean is not None:
        axes.axhline(mean, color="#333333", linewidth=1, label="μ" if not params.get("robust") else "median")
        axes.axhspan(low, high, color="#9ecae1", alpha=0.35, label=f"band (k = {params.get('k')})")
    for index, segment in enumerate(segments):
        axes.axvspan(segment.start_ms / 1000, segment.end_ms / 1000, color="#e6550d", alpha=0.2)
        if segment.peak_ms is not None:
            window = min(values.shape[0] - 1, segment.peak_ms // envelope.window_ms)
            axes.plot(segment.peak_ms / 1000, values[window], "v", color="#e6550d", label="peak" if not index else None)
    axes.set_xlabel("time (s)")
    axes.set_ylabel(feature)
    axes.legend(loc="upper right", fontsize="small")
    plots.append(("Envelope, band and flagged segments", _figure_uri(figure)))

    data = audio.distribution_plot_data(envelope, feature, bool(params.get("robust")))
    figure = Figure(figsize=(10, 3.5))
    histogram, qq = figure.subplots(1, 2)
    histogram.stairs(data.counts, data.edges, fill=True, color="#9ecae1", label="windows")
    histogram.plot(data.curve_x, data.curve_y, color="#08519c", label="fitted normal")
    if low is not None:
        for bound in (low, high):
            histogram.axvline(bound, color="#e6550d", linestyle="--", linewidth=1)
    histogram.set_xlabel(feature)
    histogram.set_ylabel("windows")
    histogram.legend(fontsize="small")
    qq.plot(data.qq_theoretical, data.qq_observed, ".", markersize=3, color="#4a6fa5")
    lo = float(min(data.qq_theoretical.min(initial=0), data.qq_observed.min(initial=0)))
    hi = float(max(data.qq_theoretical.max(initial=0), data.qq_observed.max(initial=0)))
    qq.plot([lo, hi], [lo, hi], color="#333333", linewidth=1)
    k = float(params.get("k", 0))
    for bound in (-k, k):
        qq.axhline(bound, color="#e6550d", linestyle="--", linewidth=1)
    qq.set_xlabel("normal quantiles")
    qq.set_ylabel("standardised values")
    qq.set_title("Q–Q plot", fontsize="small")
    plots.append(("Distribution: histogram with the fitted normal curve, and Q–Q plot", _figure_uri(figure)))
    return plots


def _table(rows: Iterable[tuple[str, Any]]) -> str:
    cells = "".join(f"<tr><th>{html.escape(k)}</th><td>{html.escape(str(v))}</td></tr>" for k, v in rows)
    return f"<table>{cells}</table>"


def _fmt(value: Any, digits: int = 4) -> str:
    if value is None:
        return "—"
    if isinstance(value, float):
        return f"{value:.{digits}g}"
    return str(value)


def _media_section(store: Store, record: MediaRecord) -> str:
    info = record.info
    streams = []
    if info.video:
        v = info.video
        rate = "variable" if v.variable_frame_rate else "constant"
        turned = f", stored turned (rotation {v.rotation}°, shown upright)" if v.rotation else ""
        streams.append(f"video {v.width}×{v.height}, {format_fps(v.fps)} fps ({rate}), {v.codec}{turned}")
    if info.audio:
        streams.append(f"audio {info.audio.sample_rate} Hz, {info.audio.channels} channel(s), {info.audio.codec}")
    summary = [
        ("file", record.path),
        ("source URL", redact_url(record.source_url) if record.source_url else "—"),
        ("video id", record.fingerprint),
        ("duration", f"{info.duration_ms / 1000:.3f} s ({format_mmss(info.duration_ms)})"),
        ("container", info.format_name),
        ("streams", "; ".join(streams)),
    ]
    motion = without_missing(load_motion, store, record.id) if info.has_video else None
    parts = [f"<h2>{html.escape(Path(record.path).name)}</h2>", _table(summary)]
    parts.extend(_audio_analysis(store, record, nothing_else=motion is None))
    if motion is not None:
        parts.append(_motion_analysis(motion))
    faces = stored_faces(store, record) if info.has_video else None
    if faces is not None:
        parts.append(_persons_section(faces.stored))
    return "".join(parts)


def _persons_section(stored: StoredFaces) -> str:
    """The faces run's parameters and each person's time on screen and share of each dominant emotion."""
    from analysis.faces.stats import persons

    options = stored.options
    found = persons(stored.samples, options.fps, stored.labels)
    head = (
        "<h3>Persons</h3>"
        + _table(
            [
                ("faces", f"{options.detector.value}, {options.fps:g} samples/s at {options.width} px"),
                ("samples", f"{len(stored.samples)}, {sum(len(s.faces) for s in stored.samples)} faces"),
                ("persons", len(found)),
            ]
        )
        + '<p class="muted">Emotion shares: the share of the samples showing the person in which each emotion'
        " was the dominant one.</p>"
    )
    if not found:
        return head + '<p class="muted">No face was found.</p>'
    speakers = {number: speaker for number, _, speaker, _ in stored.persons if speaker}
    header = "".join(f"<th>{html.escape(name)}</th>" for name in ("person", "seconds visible", *stored.labels))
    rows = "".join(
        "<tr>"
        + "".join(
            f"<td>{html.escape(value)}</td>"
            for value in (
                stored.person_name(person.id) + (f" (speaker {speakers[person.id]})" if person.id in speakers else ""),
                f"{person.visible_ms / 1000:.1f} s",
                *(f"{person.emotion_share.get(name, 0.0):.0%}" for name in stored.labels),
            )
        )
        + "</tr>"
        for person in found
    )
    return f'{head}<table class="persons"><tr>{header}</tr>{rows}</table>'


def _motion_analysis(motion: StoredMotion) -> str:
    """The motion run's parameters, the distribution of its magnitudes, its peaks and shot changes."""
    options, stats = motion.options, motion.stats
    shots = ", ".join(
        f"{shot.kind} at {format_mmss(shot.start_ms)}"
        + (f"–{format_mmss(shot.end_ms)}" if shot.end_ms > shot.start_ms else "")
        for shot in motion.shots
    )
    return "<h3>Motion analysis</h3>" + _table(
        [
            ("flow", f"{options.method.value}, {options.fps:g} pairs/s at {options.width} px"),
            ("k", _fmt(stats.k)),
            ("tails", stats.tails),
            ("μ", f"{_fmt(stats.mean)} px/s"),
            ("σ", f"{_fmt(stats.std)} px/s"),
            ("band", f"{_fmt(stats.low)} … {_fmt(stats.high)} px/s"),
            ("samples outside the band", f"{stats.n_outliers} of {stats.n_windows}"),
            ("motion peaks", len(motion.peaks)),
            ("shot changes", shots or "none"),
            ("unit", f"px/s: pixels per second of the frame scaled to {REFERENCE_WIDTH} px wide"),
        ]
    )


def _audio_analysis(store: Store, record: MediaRecord, nothing_else: bool) -> list[str]:
    """The audio run's parameters and statistics, the pauses, and the plots."""
    parts: list[str] = []
    run, segments = latest_spans(store, record.id, RUN_AUDIO_PEAKS, TRACK_AUDIO_PEAK)
    if run is None:
        more = ": nothing flagged yet" if nothing_else else ""
        parts.append(f'<p class="muted">No finished audio analysis{more}.</p>')
        return parts
    params, stats = run.params, (run.summary or {}).get("stats", {})
    parts.append("<h3>Analysis</h3>")
    parts.append(
        _table(
            [
                ("k", _fmt(params.get("k"))),
                ("window", f"{params.get('window_ms')} ms"),
                ("feature", params.get("feature")),
                ("tails", params.get("tails")),
                ("centre and scale", "median and MAD × 1.4826" if params.get("robust") else "mean μ and σ"),
                ("μ", _fmt(stats.get("mean"))),
                ("σ", _fmt(stats.get("std"))),
                ("band", f"{_fmt(stats.get('low'))} … {_fmt(stats.get('high'))}"),
                ("windows outside the band", f"{stats.get('n_outliers')} of {stats.get('n_windows')}"),
                ("observed fraction", _fmt(stats.get("outlier_fraction"))),
                ("expected for a normal distribution", _fmt(stats.get("expected_fraction"))),
                ("tail ratio (observed / expected)", _fmt(stats.get("tail_ratio"))),
                ("skewness", _fmt(stats.get("skewness"))),
                ("excess kurtosis", _fmt(stats.get("excess_kurtosis"))),
                ("flagged segments", len(segments)),
            ]
        )
    )
    pauses_run = store.latest_run(record.id, RUN_PAUSES)
    metrics = (pauses_run.summary or {}).get("metrics") if pauses_run else None
    if metrics:
        parts.append(
            _table(
                [
                    ("pauses", f"{metrics['count']} ({(pauses_run.summary or {}).get('method')})"),
                    (
                        "total / mean / longest",
                        f"{metrics['total_ms'] / 1000:.2f} s / {metrics['mean_ms'] / 1000:.2f} s"
                        f" / {metrics['longest_ms'] / 1000:.2f} s",
                    ),
                    ("pauses per minute", f"{metrics['per_minute']:.1f}"),
                    ("speech", f"{metrics['speech_ratio']:.0%} of the time"),
                ]
            )
        )
    for caption, uri in _plots(store, record, run, segments):
        parts.append(
            f'<figure><img class="plot" alt="{html.escape(caption)}" src="{uri}"><figcaption>'
            f"{html.escape(caption)}</figcaption></figure>"
        )
    return parts


def _span(start_ms: int, end_ms: int) -> str:
    return f"{start_ms / 1000:.3f}–{end_ms / 1000:.3f} s ({format_mmss(start_ms)}–{format_mmss(end_ms)})"


_KINDS = {
    SOURCE_AUDIO: "flagged segment (audio peak)",
    SOURCE_MOTION: "flagged segment (motion peak)",
    SOURCE_MULTIMODAL: "flagged segment (audio + motion peak)",
}


def _observation(
    group: Sequence[ExportItem],
    frames: list[bytes],
    context_ms: int,
    detail: PeakDetail | None,
    crops: Sequence[bytes] = (),
    transcript_context_ms: int = TRANSCRIPT_CONTEXT_MS,
) -> str:
    """One segment or range with all its labels, its key frames, its motion and flow, the faces and the pauses
    around it."""
    first = group[0]
    span = _span(first.start_ms, first.end_ms)
    facts = [("time", span), ("kind", _KINDS.get(first.source, f"{first.source} range"))]
    if first.tracks:
        facts.append(("flagged by", first.tracks))
    if context_ms:
        facts.append((f"with {context_ms / 1000:g} s context", _span(*first.clip_range(context_ms))))
    if first.peak_ms is not None:
        facts.append(("peak", f"{first.peak_ms / 1000:.3f} s ({format_mmss(first.peak_ms)})"))
    if first.z is not None:
        facts.append(("z", f"{first.z:+.2f}"))
    if first.shot_change:
        facts.append(("shot change", first.shot_change))
    facts.append(("pause before", "—" if first.pause_before_ms is None else f"{first.pause_before_ms / 1000:.2f} s"))
    facts.append(("pause after", "—" if first.pause_after_ms is None else f"{first.pause_after_ms / 1000:.2f} s"))
    labelled = [item for item in group if item.label]
    if labelled:
        rows = "".join(
            "<tr>"
            + "".join(
                f"<td>{html.escape(_fmt(value, 3))}</td>"
                for value in (
                    item.label + _excluded_mark(item),
                    item.annotator,
                    item.intensity,
                    item.confidence,
                    item.provenance,
                    item.note or "—",
                )
            )
            + "</tr>"
            for item in labelled
        )
        labels = (
            "<table><tr><th>label</th><th>annotator</th><th>intensity</th><th>confidence</th><th>provenance</th>"
            f"<th>note</th></tr>{rows}</table>"
        )
    elif first.not_significant:
        labels = (
            '<p class="muted">Not labelled yet. <b>Not significant</b>: it lies '
            f"{html.escape(first.shot_change)}, so clips and datasets leave it out until someone labels it.</p>"
        )
    else:
        labels = '<p class="muted">Not labelled yet.</p>'
    figures = "".join(
        f'<figure><img alt="{tag}" src="{_png_uri(data)}"><figcaption>{tag} ({ms / 1000:.3f} s)</figcaption></figure>'
        for (_, _, tag), ms, data in zip(KEYFRAMES, keyframe_times(first), frames, strict=False)
    )
    motion = _motion_table(first, detail) if first.has_video else ""
    flows = ""
    if detail is not None:
        flows = "".join(
            f'<figure><img alt="{kind} {interval}" src="{_png_uri(_report_png(image))}"><figcaption>{kind} '
            f"{getattr(detail, interval).start_ms / 1000:.3f} → "
            f"{getattr(detail, interval).end_ms / 1000:.3f} s{_cut_caption(getattr(detail, interval).cut_ms)}"
            "</figcaption></figure>"
            for (kind, interval), image in zip(FLOW_IMAGES, flow_images(detail), strict=True)
        )
        flows += (
            f'<figure><img alt="heatmap colour scale" src="{_png_uri(_colour_bar_png())}"><figcaption>heatmap colours: '
            f"0 → {detail.heat_scale:.1f} px/s or more (net motion)</figcaption></figure>"
        )
    faces = _faces_table(first.faces_around) if first.faces_around is not None else ""
    crop_figures = ""
    if first.faces_around is not None and crops:
        crop_figures = "".join(
            f'<figure><img alt="face {k}" src="{_png_uri(data)}"><figcaption>face {k}: {html.escape(face.name)},'
            f" {html.escape(face.caption)}</figcaption></figure>"
            for k, (face, data) in enumerate(zip(first.faces_around.faces, crops, strict=True), 1)
        )
    transcript = _transcript(first, transcript_context_ms)
    heading = html.escape(span) + (" — not significant" if all(item.not_significant for item in group) else "")
    return (
        f'<div class="observation"><h3>{heading}</h3>{_table(facts)}{labels}'
        f"{f'<div class=frames>{figures}</div>' if figures else ''}{motion}"
        f"{f'<div class=frames>{flows}</div>' if flows else ''}{faces}"
        f"{f'<div class=frames>{crop_figures}</div>' if crop_figures else ''}{transcript}</div>"
    )


def _excluded_mark(item: ExportItem) -> str:
    """The mark after a label of an exclude value, unless its name says "not significant" already."""
    return " (not significant)" if item.kind == EXCLUDE and "not significant" not in item.label.casefold() else ""


def _transcript(item: ExportItem, context_ms: int) -> str:
    """What was said from the item's start − W to its end + W, the words inside its range marked."""
    if not item.transcript_context:
        return ""
    said = " ".join(
        part
        for part in (
            html.escape(item.transcript_before),
            f"<mark>{html.escape(item.transcript)}</mark>" if item.transcript else "",
            html.escape(item.transcript_after),
        )
        if part
    )
    inside = "the segment's words marked" if item.transcript else "nothing said inside the segment itself"
    return (
        f'<p class="transcript"><b>Transcript</b> <span class="muted">(± {context_ms / 1000:g} s around the segment;'
        f" {inside})</span><br>{said}</p>"
    )


def _faces_table(around: FacesAround) -> str:
    """The persons seen within ±1 s of the moment, each with the dominant and the mean of each emotion."""
    window = f"±{FACE_WINDOW_MS / 1000:g} s"
    if not around.persons:
        return f'<p class="muted">No face within {window} of t.</p>'
    labels = [name for name, _ in around.persons[0].probabilities]
    header = "".join(f"<th>{html.escape(name)}</th>" for name in ("person", "samples", "dominant", *labels))
    rows = "".join(
        "<tr>"
        + "".join(
            f"<td>{html.escape(value)}</td>"
            for value in (
                person.name,
                str(person.samples),
                person.dominant,
                *(f"{p:.0%}" for _, p in person.probabilities),
            )
        )
        + "</tr>"
        for person in around.persons
    )
    nearest = (
        f"; {len(around.faces)} face(s) in the sample at {around.sample_ms / 1000:.3f} s"
        if around.sample_ms is not None
        else ""
    )
    caption = f"Faces within {window} of t, mean emotion probabilities{nearest}"
    return f'<table class="faces"><caption>{html.escape(caption)}</caption><tr>{header}</tr>{rows}</table>'


def _motion_table(item: ExportItem, detail: PeakDetail | None) -> str:
    """The item's motion figures in one row (px/s of the reference width; moving as a share of the pixels)."""
    before, after = detail.magnitudes if detail is not None else (None, None)
    pair = detail.pair if detail is not None and detail.pair.end_ms > detail.pair.start_ms else None
    values = (
        _px(item.motion_magnitude),
        _px(item.motion_mean),
        _px(item.motion_max),
        "—" if item.motion_moving is None else f"{item.motion_moving:.1%}",
        _px(pair.magnitude if pair is not None else None) + (_cut_caption(pair.cut_ms) if pair is not None else ""),
        _px(before),
        _px(after),
    )
    header = "".join(
        f"<th>{name}</th>"
        for name in (
            "motion at t",
            "mean",
            "max",
            "moving at t",
            "flow at t (consecutive frames)",
            "net motion t − 1 s → t",
            "net motion t → t + 1 s",
        )
    )
    cells = "".join(f"<td>{html.escape(value)}</td>" for value in values)
    note = "" if item.motion_magnitude is not None else " (no motion analysis: flow around t only)"
    method = detail.method.value if detail is not None else item.flow_method
    caption = (
        f"Motion, px/s{note}; {method} flow. Net motion: the flow between frames 1 s apart, over 1 s (where things "
        "ended up, not the path: fast motion reads low)"
    )
    return f'<table class="motion"><caption>{html.escape(caption)}</caption><tr>{header}</tr><tr>{cells}</tr></table>'


@functools.cache
def _colour_bar_png() -> bytes:
    """The heatmaps' colour scale, 0 on the left, the top of the scale on the right, as a 256 × 16 PNG."""
    return encode_png(np.repeat(colour_scale(256), 16, axis=0))


def _cut_caption(cut_ms: int | None) -> str:
    """' — a cut lies between these frames (at mm:ss.mmm): this flow is not motion', or ''."""
    if cut_ms is None:
        return ""
    return f" — a cut lies between these frames (at {format_ms(cut_ms)}): this flow is not motion"


def _px(value: float | None) -> str:
    return "—" if value is None else f"{value:.2f}"


def _report_png(image: np.ndarray) -> bytes:
    """A flow picture scaled down to the report's width."""
    height, width = image.shape[:2]
    if width > REPORT_FRAME_WIDTH:
        size = (REPORT_FRAME_WIDTH, max(1, round(height * REPORT_FRAME_WIDTH / width)))
        image = cv2.resize(image, size, interpolation=cv2.INTER_AREA)
    return encode_png(image)


def _observations(items: Sequence[ExportItem], media_id: int) -> list[list[ExportItem]]:
    """The media's observations: its items grouped by segment (every label on one segment together)."""
    groups: dict[tuple[int, int, str, int | None], list[ExportItem]] = {}
    for item in items:
        if item.media_id == media_id:
            groups.setdefault((item.start_ms, item.end_ms, item.source, item.peak_ms), []).append(item)
    return list(groups.values())


def _page(**parts: str) -> str:
    """The whole document: the page of ``resources/report`` with its style sheet inlined (the file opens offline).

    ``parts`` fill the page's ``$title``, ``$name``, ``$summary`` and ``$sections``, already HTML.
    """
    page = Template(resource_path(REPORT_PAGE).read_text(encoding="utf-8"))
    return page.substitute(parts, css=resource_path(REPORT_STYLE).read_text(encoding="utf-8"))


def export_report(
    store: Store,
    out_dir: str | os.PathLike[str],
    *,
    context_ms: int = 0,
    labels_only: bool = False,
    force: bool = False,
    progress: Progress | None = None,
) -> Path:
    """One self-contained ``report.html`` (inline CSS, images as data URIs; opens offline).

    Per media: a summary, the analysis parameters and distribution statistics, and the plots (matplotlib
    with the Agg canvas, never Qt), and the motion run's. Then per observation (a segment or range with all
    its labels): time, labels with annotator, intensity, confidence and note, key frames at t − 1 s, t,
    t + 1 s, the pauses around it, and for a video its motion figures with the flow heatmaps and overlays of
    t − 1 s → t and t → t + 1 s; with a faces run, the persons within ±1 s of t with their mean emotions and
    a crop of each face of the nearest sample (and per media a "Persons" section: each person's time on screen
    and emotion shares); with ``context_ms``, also the range widened by it (as the clips are cut). With a
    transcript, what was said from the segment's start − W to its end + W with the segment's own words marked
    (W is ``context_ms``, else :data:`app.export.items.TRANSCRIPT_CONTEXT_MS`). Not significant rows (unlabelled at
    a shot change, or labelled "not significant") are listed, marked. The header counts the observations listed
    and their labels; progress moves per observation. All user text is escaped.
    """
    check_context(context_ms)
    progress = progress or NullProgress()
    path = Path(out_dir) / "report.html"
    said_ms = context_ms or TRANSCRIPT_CONTEXT_MS
    items = collect_items(store, labels_only, said_ms)
    check_media(items)
    records = store.all_media()
    observations = {record.id: _observations(items, record.id) for record in records}
    steps = len(records) + sum(len(groups) for groups in observations.values())
    done = 0

    def step(message: str) -> None:
        nonlocal done
        check(progress)
        progress.update(done / max(1, steps), message)
        done += 1

    with all_or_nothing(force, path.parent) as outputs:
        outputs.refuse_existing([path])
        sections = []
        frames = Frames()  # one reader per media: key frames (scaled), face crops (full frame), flow detail
        flows = FlowDetails(frames)
        try:
            for record in records:
                name = Path(record.path).name
                step(f"report: {name}")
                sections.append(_media_section(store, record))
                groups = observations[record.id]
                if groups:
                    sections.append(f"<h3>Observations ({len(groups)})</h3>")
                for number, group in enumerate(groups, 1):
                    step(f"report: {name}, observation {number} of {len(groups)}")
                    pngs = frames.pngs(group[0], REPORT_FRAME_WIDTH) if group[0].has_video else []
                    faces = [_report_png(crop) for crop in frames.face_images(group[0])]
                    sections.append(_observation(group, pngs, context_ms, flows.detail(group[0]), faces, said_ms))
        finally:
            frames.close()
        created = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
        count = steps - len(records)
        labelled = sum(1 for item in items if item.label)
        document = _page(
            title=html.escape(store.path.stem),
            name=html.escape(store.path.name),
            summary=f"{len(records)} media, {count} observation{'' if count == 1 else 's'} "
            f"({labelled} label{'' if labelled == 1 else 's'}), written {created}.",
            sections="".join(sections),
        )
        outputs.folder(path.parent)
        outputs.write_text(path, document)
    progress.update(1.0, "report written")
    return path
