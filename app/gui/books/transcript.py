"""The transcript of the open media as undoable commands: every edit is committed to the project at once,
and Ctrl+Z / Ctrl+Shift+Z walk over edits, splits, merges, boundary moves, speakers and review marks
(on the same undo stack as the labels).

After a text edit the words get provisional times spread over the segment (marked 'estimated') and an
alignment is asked for in the background; when it returns, the words take their aligned times and the
command remembers them, so redo restores the aligned words without aligning again.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace

import numpy as np
from PySide6.QtCore import QObject, Signal

from analysis.errors import SalientError
from analysis.transcribe import Aligner, TranscribeOptions
from app.gui.books.history import EditHistory, StoredCommand
from app.gui.workers import LatestPerKeyWorker
from app.model.transcript import (
    TranscriptSegment,
    Word,
    all_words,
    clamp_words,
    merge_segments,
    normalize_text,
    proportional_words,
    regroup_words,
    split_segment,
)
from app.project.store import Store

log = logging.getLogger(__name__)

MIN_SEGMENT_MS = 20
ALIGN_STOP_WAIT_MS = 5000
"""How long closing the project waits for the alignment under way."""


@dataclass(frozen=True, slots=True, eq=False)
class AlignmentRequest:
    """Align ``text`` to the audio of one segment, with one model."""

    segment_id: int
    audio: np.ndarray
    start_ms: int
    end_ms: int
    text: str
    model: str
    language: str


class ModelAligner:
    """The alignment model, loaded on first use (again when the model changes) and released in the worker's
    thread, where it was made."""

    def __init__(self) -> None:
        self._aligner: Aligner | None = None
        self._model_name = ""

    def align(self, request: AlignmentRequest, cancelled: Callable[[], bool]) -> list[Word]:
        """The words of the request's text with their aligned times, inside the segment."""
        if self._aligner is None or self._model_name != request.model:
            self._aligner = Aligner(TranscribeOptions(model=request.model))
            self._model_name = request.model
        timings = self._aligner.align(
            request.audio, request.start_ms, request.end_ms, request.text, request.language or None
        )
        words = clamp_words(
            [Word(t.word, t.start_ms, t.end_ms, round(t.probability, 4)) for t in timings],
            request.start_ms,
            request.end_ms,
        )
        # the aligner cuts at punctuation too ("well" "-known"): one word per word of the text, as the text splits
        return list(regroup_words(request.text.split(), words) or words)

    def release(self) -> None:
        self._aligner = None


class AlignmentService(QObject):
    """One background thread that aligns texts with one model, loaded on first use and kept.

    Not "latest request wins": every edited segment must be aligned, so requests wait in order
    (LatestPerKeyWorker); only a newer text of the same segment replaces one that has not started, whose
    result would be dropped anyway as the segment's text changed.
    """

    aligned = Signal(int, str, object)
    """segment id, the text that was aligned, list[Word]"""
    failed = Signal(int, str, str)
    """segment id, the text, why"""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._worker: LatestPerKeyWorker | None = None

    def request(
        self, segment_id: int, audio: np.ndarray, start_ms: int, end_ms: int, text: str, model: str, language: str
    ) -> None:
        if self._worker is None:
            aligner = ModelAligner()
            self._worker = LatestPerKeyWorker(
                aligner.align, key=lambda request: request.segment_id, name="salient-align", teardown=aligner.release
            )
            self._worker.result.connect(self._on_worker_result)
            self._worker.error.connect(self._on_worker_error)
        self._worker.submit(AlignmentRequest(segment_id, audio, start_ms, end_ms, text, model, language))

    def idle(self) -> bool:
        """Whether every alignment asked for has been delivered (or replaced by a newer text)."""
        return self._worker is None or self._worker.idle

    def stop(self) -> None:
        """Drop the waiting alignments, wait for the running one (at most 5 s) and release the model."""
        worker, self._worker = self._worker, None
        if worker is not None:
            worker.close(ALIGN_STOP_WAIT_MS)

    def _on_worker_result(self, request: AlignmentRequest, words: list[Word]) -> None:
        self.aligned.emit(request.segment_id, request.text, words)

    def _on_worker_error(self, request: AlignmentRequest, message: str) -> None:
        self.failed.emit(request.segment_id, request.text, message)


@dataclass(frozen=True, slots=True, eq=False)
class StoredTranscript:
    """The transcript version a book shows, as read from the project (run None: the media has none)."""

    run_id: int | None = None
    model: str = ""
    language: str = ""
    segments: tuple[TranscriptSegment, ...] = ()


def read_transcript(store: Store | None, media_id: int | None, run_id: int | None = None) -> StoredTranscript:
    """The transcript of ``run_id`` (default: the project's current one for the media). Touches no Qt object:
    a worker thread may read it (opening)."""
    if store is None or media_id is None:
        return StoredTranscript()
    run = store.run(run_id) if run_id is not None else store.transcript_run(media_id)
    if run is None:
        return StoredTranscript()
    language = (run.summary or {}).get("language") or run.params.get("language") or ""
    return StoredTranscript(run.id, run.params.get("model", ""), language, tuple(store.transcript_segments(run.id)))


class TranscriptBook(QObject):
    """The segments of the transcript on screen, changed only through undoable commands (and by a running
    transcription, which appends)."""

    reset = Signal()
    segment_changed = Signal(int, object)
    """index, TranscriptSegment"""
    segment_inserted = Signal(int, object)
    segment_removed = Signal(int)
    speakers_changed = Signal()
    alignment_failed = Signal(str)

    def __init__(self, history: EditHistory, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.history = history
        self.undo_stack = history.stack
        history.reload_requested.connect(self._reread)
        self._store: Store | None = None
        self.media_id: int | None = None
        self.run_id: int | None = None
        self.model = ""
        self.language = ""
        self._segments: list[TranscriptSegment] = []
        self._words: list[Word] | None = None
        self.audio_source: Callable[[], np.ndarray | None] = lambda: None
        """where alignment reads the audio (the session's decoded samples)"""
        self.aligner = AlignmentService(self)
        self.aligner.aligned.connect(self._on_aligned)
        self.aligner.failed.connect(self._on_alignment_failed)
        self._pending: dict[int, _EditText] = {}
        """segment id → the edit whose alignment is awaited"""
        self._reported_failure = False

    # -- state -------------------------------------------------------------------------------------

    def attach(
        self,
        store: Store | None,
        media_id: int | None,
        run_id: int | None = None,
        stored: StoredTranscript | None = None,
    ) -> None:
        """Show the transcript of ``run_id`` (default: the project's current one for this media); ``stored`` is
        what :func:`read_transcript` read for it in the background (else the book reads it now)."""
        self._store, self.media_id = store, media_id
        self._pending.clear()
        stored = stored or read_transcript(store, media_id, run_id)
        self.run_id, self.model, self.language = stored.run_id, stored.model, stored.language
        self._segments = list(stored.segments)
        self._words = None
        self.reset.emit()
        self.speakers_changed.emit()

    def _reread(self) -> None:
        """Show again what the project holds (an edit was refused and rolled back)."""
        if self._store is not None:
            self.attach(self._store, self.media_id, self.run_id)

    @property
    def segments(self) -> list[TranscriptSegment]:
        return list(self._segments)

    def segment(self, index: int) -> TranscriptSegment:
        return self._segments[index]

    def __len__(self) -> int:
        return len(self._segments)

    def index_of(self, segment_id: int) -> int:
        for index, segment in enumerate(self._segments):
            if segment.id == segment_id:
                return index
        raise KeyError(segment_id)

    def words(self) -> list[Word]:
        """Every word in time order (cached until the next change)."""
        if self._words is None:
            self._words = all_words(self._segments)
        return self._words

    @property
    def speakers(self) -> list[str]:
        return sorted({s.speaker for s in self._segments if s.speaker})

    # -- streaming from a transcription ----------------------------------------------------------------

    def append(self, segment: TranscriptSegment) -> None:
        """A segment the running transcription produced and the session stored (not undoable)."""
        index = len(self._segments)
        while index > 0 and self._segments[index - 1].start_ms > segment.start_ms:
            index -= 1
        self._segments.insert(index, segment)
        self._words = None
        self.segment_inserted.emit(index, segment)

    # -- commands --------------------------------------------------------------------------------------

    def edit_text(self, index: int, text: str) -> None:
        text = normalize_text(text)
        old = self._segments[index]
        if not text or text == old.text:
            return
        self.history.push(_EditText(self, old, text))

    def replace_texts(self, changes: dict[int, str]) -> None:
        """Find/replace: one undo step for all the segments it changed."""
        changes = {i: normalize_text(t) for i, t in changes.items() if normalize_text(t) != self._segments[i].text}
        if not changes:
            return

        def replace_all() -> None:
            for index in sorted(changes):
                if changes[index] and not self.history.failing:
                    self.history.push(_EditText(self, self._segments[index], changes[index]))

        self.history.macro(f"Replace in {len(changes)} segment(s)", replace_all)

    def split(self, index: int, word_index: int) -> None:
        segment = self._segments[index]
        first, second = split_segment(segment, word_index)
        self.history.push(_Replace(self, [segment], [first, second], "Split segment"))

    def merge(self, index: int) -> None:
        """Merge segment ``index`` with the next one."""
        if not 0 <= index < len(self._segments) - 1:
            return
        a, b = self._segments[index], self._segments[index + 1]
        self.history.push(_Replace(self, [a, b], [merge_segments(a, b)], "Merge segments"))

    def set_bounds(self, index: int, start_ms: int, end_ms: int) -> None:
        segment = self._segments[index]
        lo = self._segments[index - 1].end_ms if index > 0 else 0
        hi = self._segments[index + 1].start_ms if index + 1 < len(self._segments) else None
        start_ms = max(lo, min(start_ms, end_ms - MIN_SEGMENT_MS))
        end_ms = max(end_ms, start_ms + MIN_SEGMENT_MS)
        if hi is not None:
            end_ms = min(end_ms, hi)
        if end_ms - start_ms < MIN_SEGMENT_MS or (start_ms, end_ms) == (segment.start_ms, segment.end_ms):
            return
        new = replace(segment, start_ms=start_ms, end_ms=end_ms, words=clamp_words(segment.words, start_ms, end_ms))
        self.history.push(_Update(self, [segment], [new], "Move segment boundary"))

    def nudge(self, index: int, edge: str, delta_ms: int) -> None:
        segment = self._segments[index]
        if edge == "start":
            self.set_bounds(index, segment.start_ms + delta_ms, segment.end_ms)
        else:
            self.set_bounds(index, segment.start_ms, segment.end_ms + delta_ms)

    def set_speaker(self, indices: Sequence[int], name: str) -> None:
        name = normalize_text(name)
        old = [self._segments[i] for i in indices if self._segments[i].speaker != name]
        if old:
            new = [replace(s, speaker=name) for s in old]
            self.history.push(_Update(self, old, new, f"Speaker {name or '(none)'}"))

    def rename_speaker(self, old_name: str, new_name: str) -> None:
        new_name = normalize_text(new_name)
        if not new_name or new_name == old_name or old_name not in self.speakers:
            return
        self.history.push(_RenameSpeaker(self, old_name, new_name))

    def set_reviewed(self, indices: Sequence[int], reviewed: bool) -> None:
        old = [self._segments[i] for i in indices if self._segments[i].reviewed != reviewed]
        if old:
            new = [replace(s, reviewed=reviewed) for s in old]
            title = "Mark reviewed" if reviewed else "Mark not reviewed"
            self.history.push(_Update(self, old, new, title))

    # -- applying changes (commands call these) ----------------------------------------------------------

    def _shows(self, segments: Sequence[TranscriptSegment]) -> bool:
        """Whether ``segments`` belong to the transcript on screen. An undo or redo of an edit made on another
        version (shown before a transcription or a version change) is skipped, not applied unseen."""
        shown = {s.id for s in self._segments}
        if all(s.id in shown for s in segments):
            return True
        log.info("skipping an undo step of a transcript version that is not shown")
        return False

    def _apply_update(self, segments: Sequence[TranscriptSegment]) -> None:
        assert self._store is not None
        if not self._shows(segments):
            return
        for segment in segments:
            self._store.update_transcript_segment(segment)
        for segment in segments:
            index = self.index_of(segment.id)
            self._segments[index] = segment
            self._words = None
            self.segment_changed.emit(index, segment)
        self.speakers_changed.emit()

    def _apply_replace(
        self, remove: Sequence[TranscriptSegment], add: Sequence[TranscriptSegment]
    ) -> list[TranscriptSegment]:
        """Delete ``remove`` and insert ``add`` (keeping ids that ``add`` carries); the inserted segments
        with their ids."""
        assert self._store is not None and self.run_id is not None
        if not self._shows(remove):
            return list(add)
        keep = [s for s in add if s.id is not None and s.id in {r.id for r in remove}]
        fresh = [s for s in add if s not in keep]
        ids = self._store.replace_transcript_segments(
            remove=[r.id for r in remove if r.id not in {k.id for k in keep}],
            add=fresh,
            update=keep,
            run_id=self.run_id,
        )
        inserted = keep + [replace(s, id=i) for s, i in zip(fresh, ids, strict=True)]
        for segment in remove:
            if segment.id not in {k.id for k in keep}:
                index = self.index_of(segment.id)
                del self._segments[index]
                self.segment_removed.emit(index)
        for segment in keep:
            index = self.index_of(segment.id)
            self._segments[index] = segment
            self.segment_changed.emit(index, segment)
        for segment in inserted[len(keep) :]:
            index = 0
            while index < len(self._segments) and self._segments[index].start_ms <= segment.start_ms:
                index += 1
            self._segments.insert(index, segment)
            self.segment_inserted.emit(index, segment)
        self._words = None
        self.speakers_changed.emit()
        return inserted

    def _apply_rename(self, old_name: str, new_name: str) -> None:
        assert self._store is not None and self.media_id is not None
        self._store.rename_speaker(self.media_id, old_name, new_name)
        for index, segment in enumerate(self._segments):
            if segment.speaker == old_name:
                self._segments[index] = replace(segment, speaker=new_name)
                self.segment_changed.emit(index, self._segments[index])
        self.speakers_changed.emit()

    # -- alignment -------------------------------------------------------------------------------------

    def _request_alignment(self, command: _EditText, segment: TranscriptSegment) -> None:
        audio = self.audio_source()
        if audio is None or segment.id is None:
            return
        self._pending[segment.id] = command
        self.aligner.request(
            segment.id, audio, segment.start_ms, segment.end_ms, segment.text, self.model or "bundled", self.language
        )

    def _on_aligned(self, segment_id: int, text: str, words: list[Word]) -> None:
        command = self._pending.pop(segment_id, None)
        try:
            index = self.index_of(segment_id)
        except KeyError:
            return
        current = self._segments[index]
        if current.text != text or not words:
            return
        aligned = replace(current, words=tuple(words), timing="aligned")
        try:
            self._apply_update([aligned])
        except SalientError as exc:  # a full disk: the words keep their estimated times, on screen as in the file
            self.alignment_failed.emit(f"Aligned word timings could not be saved: {exc}")
            return
        if command is not None and command.after.id == segment_id and command.after.text == text:
            command.after = aligned

    def _on_alignment_failed(self, segment_id: int, text: str, reason: str) -> None:
        self._pending.pop(segment_id, None)
        log.warning("alignment of segment %d failed: %s", segment_id, reason)
        if not self._reported_failure:
            self._reported_failure = True
            self.alignment_failed.emit(
                f"Word timings could not be re-aligned ({reason}); the edited words keep estimated times."
            )


class _EditText(StoredCommand):
    def __init__(self, book: TranscriptBook, before: TranscriptSegment, text: str) -> None:
        super().__init__(book.history, f"Edit text at {before.start_ms / 1000:.1f} s")
        self.book = book
        self.before = before
        self.after = replace(
            before, text=text, words=proportional_words(text, before.start_ms, before.end_ms), timing="estimated"
        )
        self._aligned_once = False

    def apply(self) -> None:
        self.book._apply_update([self.after])
        if self.after.timing == "estimated" and not self._aligned_once:
            self._aligned_once = True
            after = self.after
            self.book.history.after_commit(lambda: self.book._request_alignment(self, after))

    def revert(self) -> None:
        self.book._pending.pop(self.before.id, None)
        self.book._apply_update([self.before])


class _Update(StoredCommand):
    def __init__(
        self, book: TranscriptBook, before: list[TranscriptSegment], after: list[TranscriptSegment], title: str
    ) -> None:
        super().__init__(book.history, title)
        self.book, self.before, self.after = book, before, after

    def apply(self) -> None:
        self.book._apply_update(self.after)

    def revert(self) -> None:
        self.book._apply_update(self.before)


class _Replace(StoredCommand):
    """Split or merge: some segments leave, others arrive; undo restores the same rows (same ids)."""

    def __init__(
        self, book: TranscriptBook, remove: list[TranscriptSegment], add: list[TranscriptSegment], title: str
    ) -> None:
        super().__init__(book.history, title)
        self.book, self.remove, self.add = book, remove, add

    def apply(self) -> None:
        self.add = self.book._apply_replace(self.remove, self.add)

    def revert(self) -> None:
        self.book._apply_replace(self.add, self.remove)


class _RenameSpeaker(StoredCommand):
    def __init__(self, book: TranscriptBook, old_name: str, new_name: str) -> None:
        super().__init__(book.history, f"Rename speaker {old_name} to {new_name}")
        self.book, self.old_name, self.new_name = book, old_name, new_name
        self.moved = [s.id for s in book.segments if s.speaker == old_name]
        self.merged = new_name in book.speakers

    def apply(self) -> None:
        self.book._apply_rename(self.old_name, self.new_name)

    def revert(self) -> None:
        if self.merged:
            # the two names were merged: give the old name back to exactly the segments that had it
            segments = [self.book.segment(self.book.index_of(i)) for i in self.moved]
            self.book._apply_update([replace(s, speaker=self.old_name) for s in segments])
        else:
            self.book._apply_rename(self.new_name, self.old_name)
