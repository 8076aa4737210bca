"""``python main.py transcribe`` and the transcript exports/imports, run as a user runs them."""

from __future__ import annotations

import json
import shutil
import sqlite3
from datetime import timedelta
from pathlib import Path

import pytest
import srt
from praatio import textgrid
from pympi import Elan

from app.export.interchange import InteropError
from app.export.transcripts import import_file
from app.model.records import NewLabel
from app.project.store import Store
from tests.helpers.cli import run, tree_digest


@pytest.fixture(scope="module")
def transcribed(tmp_path_factory: pytest.TempPathFactory, talk_video: Path) -> tuple[Path, dict]:
    """The talk analysed (peaks, pauses), labelled once and transcribed; the transcribe JSON."""
    folder = tmp_path_factory.mktemp("transcribed")
    talk = Path(shutil.copy(talk_video, folder / "talk.mp4"))
    assert run("analyze", str(talk), "--quiet").returncode == 0
    done = run("transcribe", str(talk), "--json", "--quiet")
    assert done.returncode == 0, done.stderr
    project = talk.with_suffix(".salient")
    with Store.open(project) as store:
        (record,) = store.all_media()
        entry = store.vocabulary()[0]
        store.add_label(record.id, NewLabel(2000, 3000, entry.id, "selection"), "Ana")
    return project, json.loads(done.stdout)


def test_transcribe_json_has_segments_with_timed_words(transcribed: tuple[Path, dict]) -> None:
    project, data = transcribed
    assert set(data) == {"language", "model", "segments"}
    assert data["language"] == "en" and data["model"] == "bundled"
    assert len(data["segments"]) >= 3
    for segment in data["segments"]:
        assert set(segment) == {"start_s", "end_s", "text", "speaker", "words"}
        assert segment["words"]
        for word in segment["words"]:
            assert set(word) == {"word", "start_s", "end_s", "probability"}
            assert segment["start_s"] <= word["start_s"] <= word["end_s"] <= segment["end_s"]
    text = " ".join(s["text"] for s in data["segments"]).lower()
    assert "quick brown fox" in text and "practice makes perfect" in text


def test_transcribing_a_project_again_reads_the_same(transcribed: tuple[Path, dict]) -> None:
    project, data = transcribed
    again = run("transcribe", str(project), "--json", "--quiet")
    assert again.returncode == 0, again.stderr
    assert json.loads(again.stdout)["segments"] == data["segments"]


@pytest.mark.parametrize(
    ("args", "code", "message"),
    [
        (["--model", "enormous"], 7, "unknown model 'enormous'"),
        (["--language", "fr"], 2, "English-only"),
    ],
)
def test_transcribe_refuses_what_it_cannot_do(talk_video: Path, tmp_path: Path, args, code, message) -> None:
    talk = Path(shutil.copy(talk_video, tmp_path / "talk.mp4"))
    done = run("transcribe", str(talk), *args)
    assert done.returncode == code
    assert done.stderr.count("\n") == 1 and message in done.stderr
    assert not (tmp_path / "talk.salient").exists()


def test_transcribe_a_video_without_sound(video_only: Path, tmp_path: Path) -> None:
    done = run("transcribe", str(video_only), "--project", str(tmp_path / "v.salient"))
    assert done.returncode == 3
    assert "no audio track" in done.stderr
    assert not (tmp_path / "v.salient").exists()


def test_srt_and_vtt_exports_read_back_with_the_libraries(transcribed: tuple[Path, dict], tmp_path: Path) -> None:
    project, data = transcribed
    out = tmp_path / "talk.srt"
    done = run("export", str(project), "--format", "srt", "--out", str(out))
    assert done.returncode == 0, done.stderr
    subtitles = list(srt.parse(out.read_text(encoding="utf-8")))
    assert [(s.start.total_seconds(), s.end.total_seconds(), s.content) for s in subtitles] == [
        (seg["start_s"], seg["end_s"], seg["text"]) for seg in data["segments"]
    ]
    vtt = tmp_path / "talk.vtt"
    assert run("export", str(project), "--format", "vtt", "--out", str(vtt)).returncode == 0
    import webvtt

    captions = webvtt.read(str(vtt))
    assert [(c.start_in_seconds, round(c.end_in_seconds, 3)) for c in captions][0][0] == int(
        data["segments"][0]["start_s"]
    )
    assert [c.text for c in captions] == [seg["text"] for seg in data["segments"]]
    again = run("export", str(project), "--format", "srt", "--out", str(out))
    assert again.returncode == 6 and "--force" in again.stderr


def test_eaf_and_textgrid_carry_every_track(transcribed: tuple[Path, dict], tmp_path: Path) -> None:
    project, data = transcribed
    eaf_path, grid_path = tmp_path / "talk.eaf", tmp_path / "talk.TextGrid"
    assert run("export", str(project), "--format", "eaf", "--out", str(eaf_path)).returncode == 0
    assert run("export", str(project), "--format", "textgrid", "--out", str(grid_path)).returncode == 0
    with Store.open(project, read_only=True) as store:
        peaks_run = store.latest_run(store.all_media()[0].id, "audio_peaks")
        peaks = store.segments(peaks_run.id, "audio_peak")
        first_value = store.vocabulary()[0].name
    eaf = Elan.Eaf(str(eaf_path))
    assert {"transcript", "words", "audio peaks", "pauses", "labels"} <= set(eaf.get_tier_names())
    transcript = sorted(eaf.get_annotation_data_for_tier("transcript"))
    assert [(a, b, text) for a, b, text in transcript] == [
        (round(s["start_s"] * 1000), round(s["end_s"] * 1000), s["text"]) for s in data["segments"]
    ]
    assert [(a, b) for a, b, _ in sorted(eaf.get_annotation_data_for_tier("audio peaks"))] == [
        (p.start_ms, p.end_ms) for p in peaks
    ]
    assert eaf.get_annotation_data_for_tier("labels") == [(2000, 3000, first_value)]
    grid = textgrid.openTextgrid(str(grid_path), includeEmptyIntervals=False)
    words = [w for s in data["segments"] for w in s["words"]]
    grid_words = grid.getTier("words").entries
    assert len(grid_words) == len(words)
    for entry, word in zip(grid_words, words, strict=True):
        assert entry.label == word["word"]
        assert abs(entry.start - word["start_s"]) < 0.001 and abs(entry.end - word["end_s"]) < 0.001


def test_import_srt_written_by_the_library(transcribed: tuple[Path, dict], tmp_path: Path) -> None:
    project, _ = transcribed
    copy = Path(shutil.copy(project, tmp_path / "copy.salient"))
    subs = [
        srt.Subtitle(1, timedelta(seconds=0.5), timedelta(seconds=3.2), "The quick brown fox."),
        srt.Subtitle(2, timedelta(seconds=3.4, microseconds=1000), timedelta(seconds=5.4), "Sea shells."),
    ]
    path = tmp_path / "fixed.srt"
    path.write_text(srt.compose(subs), encoding="utf-8")
    with Store.open(copy) as store:
        media_id = store.all_media()[0].id
        result = import_file(store, media_id, path, "Ana")
        assert (result.segments, result.labels) == (2, 0)
        run_ = store.transcript_run(media_id)
        assert run_.id == result.run_id and run_.kind == "transcript_import"
        segments = store.transcript_segments(run_.id)
    assert [(s.start_ms, s.end_ms, s.text, s.timing) for s in segments] == [
        (500, 3200, "The quick brown fox.", "estimated"),
        (3401, 5400, "Sea shells.", "estimated"),
    ]
    assert [w.text for w in segments[0].words] == ["The", "quick", "brown", "fox."]
    assert segments[0].words[0].start_ms == 500 and segments[0].words[-1].end_ms == 3200


def test_a_malformed_file_imports_nothing(transcribed: tuple[Path, dict], tmp_path: Path) -> None:
    project, _ = transcribed
    copy = Path(shutil.copy(project, tmp_path / "copy.salient"))
    bad = tmp_path / "bad.srt"
    bad.write_text("1\n00:00:01,000 --> 00:00:02,000\nfine\n\n2\n00:00:0x,000 --> 00:00:04,000\nbroken\n")
    before = tree_digest(copy)
    with Store.open(copy) as store:
        with pytest.raises(InteropError, match=r"bad\.srt, line 6"):
            import_file(store, store.all_media()[0].id, bad, "Ana")
    db = sqlite3.connect(copy)
    assert db.execute("SELECT COUNT(*) FROM runs WHERE kind = 'transcript_import'").fetchone()[0] == 0
    db.close()
    assert tree_digest(copy).keys() == before.keys()
