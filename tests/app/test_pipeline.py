"""The analysis pipeline: results stored as runs, caches reused, cancel recorded."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from analysis.progress import Cancelled, NullProgress
from app.pipelines import audio as pipeline
from app.pipelines.analyze import analyze_audio
from app.pipelines.audio import AudioOptions
from app.pipelines.sources import default_project_path, is_url
from app.project.store import Store


class CancelAt(NullProgress):
    """Cancels as soon as a progress message contains ``word``."""

    def __init__(self, word: str) -> None:
        super().__init__()
        self.word = word

    def update(self, fraction: float, message: str = "") -> None:
        if self.word in message:
            self.cancel()


def test_results_are_stored_as_runs_with_their_segments(tmp_path: Path, talk_video: Path) -> None:
    video = Path(shutil.copy(talk_video, tmp_path / "talk.mp4"))
    result = analyze_audio(video, options=AudioOptions(k=2.0, tails="high"))
    assert result.project_path == tmp_path / "talk.salient"
    with Store.open(result.project_path) as store:
        peaks_run, pauses_run = store.runs()
        assert (peaks_run.kind, peaks_run.status, pauses_run.kind, pauses_run.status) == (
            "audio_peaks",
            "done",
            "pauses",
            "done",
        )
        assert peaks_run.params == {"k": 2.0, "window_ms": 1000, "feature": "rms", "tails": "high", "robust": False}
        assert set(peaks_run.versions) >= {"salient", "numpy", "av", "onnxruntime", "faster-whisper"}
        stored = store.segments(peaks_run.id, pipeline.TRACK_AUDIO_PEAK)
        assert [(s.start_ms, s.end_ms, s.peak_ms) for s in stored] == [
            (p.start_ms, p.end_ms, p.peak_ms) for p in result.peaks
        ]
        assert [s.score for s in stored] == pytest.approx([p.z for p in result.peaks])
        pauses = store.segments(pauses_run.id, pipeline.TRACK_PAUSE)
        assert [(s.start_ms, s.end_ms) for s in pauses] == [(p.start_ms, p.end_ms) for p in result.pauses.pauses]
        artifacts = store.artifacts(peaks_run.id)
        assert set(artifacts) == {"audio", "envelope"} and all(path.exists() for path in artifacts.values())
        assert peaks_run.summary["stats"]["n_windows"] == result.stats.n_windows


def test_a_cancel_is_recorded_and_earlier_results_kept(tmp_path: Path, talk_video: Path) -> None:
    video = Path(shutil.copy(talk_video, tmp_path / "talk.mp4"))
    with pytest.raises(Cancelled):
        analyze_audio(video, progress=CancelAt("audio decoded"))
    with Store.open(tmp_path / "talk.salient") as store:
        assert [(r.kind, r.status) for r in store.runs()] == [("audio_peaks", "done"), ("pauses", "cancelled")]
        assert store.runs()[1].error == "cancelled by the user"


def test_cached_envelope_is_reused(tmp_path: Path, talk_video: Path, monkeypatch) -> None:
    video = Path(shutil.copy(talk_video, tmp_path / "talk.mp4"))
    first = analyze_audio(video, options=AudioOptions(k=2.0))

    def no_envelope(*args: object, **kwargs: object) -> None:
        raise AssertionError("the envelope was computed again")

    monkeypatch.setattr(pipeline.audio, "compute_envelope", no_envelope)
    second = analyze_audio(video, options=AudioOptions(k=1.0, tails="low"))
    assert second.stats.n_windows == first.stats.n_windows
    assert second.stats.k == 1.0 and all(peak.z < 0 for peak in second.peaks)


def test_default_project_paths() -> None:
    assert default_project_path("/data/talk.mp4") == Path("/data/talk.salient")
    youtube = default_project_path("https://www.youtube.com/watch?v=abc_D-12&t=3")
    assert youtube == Path.cwd() / "abc_D-12.salient"
    assert default_project_path("https://example.org/media/debate%20final.mp4").name == "debate-20final.salient"
    assert default_project_path("http://[::1/x.mp4") == Path.cwd() / "download.salient"  # the download says why


def test_urls_are_told_from_files(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    for url in ("https://example.org/v", "ftp://x/y.mp4", "javascript:alert(1)", "data:video/mp4;base64,AA", "file:/x"):
        assert is_url(url), url
    monkeypatch.chdir(tmp_path)
    (tmp_path / "take:2.mp4").write_bytes(b"")  # a file whose name looks like one is a file
    for path in ("/data/talk.mp4", "talk.mp4", "C:\\talks\\talk.mp4", "take:2.mp4"):
        assert not is_url(path), path
