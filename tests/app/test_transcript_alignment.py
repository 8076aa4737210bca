"""Re-aligning an edited segment gives one word per word of its text, however the aligner cuts it."""

from __future__ import annotations

import numpy as np

from analysis.transcribe import WordTiming
from app.gui.books.transcript import AlignmentRequest, ModelAligner
from app.model.transcript import Word


class _CutsAtPunctuation:
    """What the Whisper aligner does with "well-known" and a lone ";"."""

    def align(self, audio, start_ms, end_ms, text, language):
        return [
            WordTiming("A", 1000, 1100, 0.9),
            WordTiming("well", 1100, 1300, 0.8),
            WordTiming("-known", 1300, 1600, 0.2),
            WordTiming("fact", 1700, 1900, 0.9),
            WordTiming(";", 1900, 1910, 0.1),
            WordTiming("really.", 2000, 2500, 0.95),
        ]


def test_aligned_words_are_the_words_of_the_text() -> None:
    aligner = ModelAligner()
    aligner._aligner, aligner._model_name = _CutsAtPunctuation(), "tiny"
    request = AlignmentRequest(3, np.zeros(48_000, np.float32), 1000, 3000, "A well-known fact; really.", "tiny", "en")
    assert aligner.align(request, lambda: False) == [
        Word("A", 1000, 1100, 0.9),
        Word("well-known", 1100, 1600, 0.2),
        Word("fact;", 1700, 1910, 0.1),
        Word("really.", 2000, 2500, 0.95),
    ]
