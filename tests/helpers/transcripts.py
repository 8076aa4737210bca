"""A corrected transcript segment as the Whisper aligner gives it back: cut at punctuation too."""

from __future__ import annotations

from pathlib import Path

from app.model.transcript import TranscriptSegment, Word

CORRECTED_TEXT = "This is a well-known fact; really."
ALIGNED_PIECES = (
    Word("This", 1000, 1200, 0.9),
    Word("is", 1200, 1300, 0.9),
    Word("a", 1300, 1350, 0.9),
    Word("well", 1400, 1600, 0.8),
    Word("-known", 1600, 1900, 0.2),
    Word("fact", 2000, 2300, 0.9),
    Word(";", 2300, 2310, 0.1),
    Word("really.", 2500, 2900, 0.95),
)
"""8 pieces for the 6 words of CORRECTED_TEXT."""


def corrected_segment(segment_id: int | None = None) -> TranscriptSegment:
    """CORRECTED_TEXT with the aligner's pieces as its words, 1.0–3.0 s."""
    return TranscriptSegment(1000, 3000, CORRECTED_TEXT, ALIGNED_PIECES, timing="aligned", id=segment_id)


def import_and_wait(qtbot, controller, path: Path) -> bool:
    """Import ``path`` through the window's Transcript controller (read in the background) and wait until it is
    done; whether it was imported."""
    with qtbot.waitSignal(controller.import_finished, timeout=30_000) as finished:
        controller.import_path(path)
    return finished.args[0] is not None
