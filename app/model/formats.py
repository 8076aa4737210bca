"""Every kind of output Salient writes and every transcript format it reads, in one table.

The CLI's ``--format`` choices, the window's Export and Transcript menus, file dialogs' filters and the
exporters' dispatch all read these tables, so a new format is added here once.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True, slots=True)
class ExportKind:
    """An export of the project's segments and labels to a folder."""

    name: str
    """As the CLI names it (``--format``)."""
    title: str
    """As the window's Export menu and dialog show it."""


@dataclass(frozen=True, slots=True)
class TranscriptFormat:
    """A single-file transcript format: written by ``export --format NAME``, read back when ``readable``."""

    name: str
    """As the CLI names it (``transcript-json``: ``json`` already names the labels table)."""
    title: str
    suffix: str
    readable: bool
    """Whether a transcript can be imported from this format."""

    @property
    def file_filter(self) -> str:
        """A Qt file-dialog filter: ``SubRip subtitles (.srt) (*.srt)``."""
        return f"{self.title} (*{self.suffix})"


EXPORT_KINDS: tuple[ExportKind, ...] = (
    ExportKind("clips", "Labelled clips (WAV, MP4, key frames)"),
    ExportKind("dataset", "Training dataset (audiofolder / videofolder)"),
    ExportKind("report", "Observation report (HTML)"),
    ExportKind("csv", "Table of segments (CSV)"),
    ExportKind("json", "Table of segments (JSON)"),
)
EXPORT_KIND_NAMES: tuple[str, ...] = tuple(kind.name for kind in EXPORT_KINDS)

TRANSCRIPT_FORMATS: tuple[TranscriptFormat, ...] = (
    TranscriptFormat("srt", "SubRip subtitles (.srt)", ".srt", readable=True),
    TranscriptFormat("vtt", "WebVTT subtitles (.vtt)", ".vtt", readable=True),
    TranscriptFormat("txt", "Plain text (.txt)", ".txt", readable=False),
    TranscriptFormat("transcript-json", "JSON with word timings (.json)", ".json", readable=False),
    TranscriptFormat("eaf", "ELAN annotation file (.eaf)", ".eaf", readable=True),
    TranscriptFormat("textgrid", "Praat TextGrid (.TextGrid)", ".TextGrid", readable=True),
)
TRANSCRIPT_FORMAT_NAMES: tuple[str, ...] = tuple(fmt.name for fmt in TRANSCRIPT_FORMATS)
IMPORT_SUFFIXES: tuple[str, ...] = tuple(fmt.suffix.lower() for fmt in TRANSCRIPT_FORMATS if fmt.readable)
"""Lower-case suffixes of the files a transcript can be imported from."""


def export_kind(name: str) -> ExportKind:
    """The export kind called ``name``; ValueError names the known ones."""
    for kind in EXPORT_KINDS:
        if kind.name == name:
            return kind
    raise ValueError(f"unknown export kind {name!r}; one of {', '.join(EXPORT_KIND_NAMES)}")


def transcript_format(name: str) -> TranscriptFormat:
    """The transcript format called ``name``; ValueError names the known ones."""
    for fmt in TRANSCRIPT_FORMATS:
        if fmt.name == name:
            return fmt
    raise ValueError(f"unknown transcript format {name!r}: use one of {', '.join(TRANSCRIPT_FORMAT_NAMES)}")


def import_filter() -> str:
    """The file-dialog filter of every importable transcript file (suffixes in both cases where they differ)."""
    patterns = []
    for fmt in TRANSCRIPT_FORMATS:
        if fmt.readable:
            patterns += [f"*{fmt.suffix}"] + ([f"*{fmt.suffix.lower()}"] if fmt.suffix != fmt.suffix.lower() else [])
    return f"Transcripts and tiers ({' '.join(patterns)});;All files (*)"


READS_MEDIA = ("clips", "dataset", "report")
"""The export kinds that read the media files themselves (pictures, sound at the source's rate): they check
first that each file is still the recording analysed."""


@dataclass(frozen=True, slots=True)
class ExportRequest:
    """One export as the CLI and the window ask for it."""

    kind: str
    """One of :data:`EXPORT_KIND_NAMES`."""
    out_dir: Path
    context_ms: int = 0
    labels_only: bool = False
    split: tuple[float, float, float] | None = None
    seed: int = 0
    stream_copy: bool = False
    original_rate: bool = False
    force: bool = False
    trust_media: bool = False
    """export even when a media file's content is no longer the one analysed (clips, datasets and reports read
    the media: by default such an export is refused)"""
