"""``python main.py export …`` as a user runs it (in this process through ``app.cli.main``): every format, and the
exit codes of its errors."""

from __future__ import annotations

import csv
import json
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from app.model.records import NewLabel, segment_key
from app.model.transcript import TranscriptSegment, Word
from app.pipelines.analyze import analyze_audio
from app.pipelines.audio import RUN_AUDIO_PEAKS, TRACK_AUDIO_PEAK
from app.pipelines.transcription import RUN_TRANSCRIBE
from app.project.store import Store
from tests.helpers.cli import QT_MODULES, ROOT, run


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory, talk_video: Path) -> Path:
    """The talk video analysed, its first flagged segment labelled by Ana."""
    folder = tmp_path_factory.mktemp("cli-export")
    path = folder / "talk.salient"
    analyze_audio(shutil.copy(talk_video, folder / "talk.mp4"), path)
    with Store.open(path) as store:
        record = store.all_media()[0]
        first = store.segments(store.latest_run(record.id, RUN_AUDIO_PEAKS).id, TRACK_AUDIO_PEAK)[0]
        irony = next(entry.id for entry in store.vocabulary() if entry.name == "irony")
        key = segment_key(TRACK_AUDIO_PEAK, first.start_ms, first.end_ms)
        store.add_label(
            record.id, NewLabel(first.start_ms, first.end_ms, irony, "audio_peak", first.peak_ms, key), "Ana"
        )
    return path


def test_clips(project: Path, tmp_path: Path) -> None:
    result = run("export", str(project), "--format", "clips", "--out", str(tmp_path), "--context", "0.5", "--quiet")
    assert result.returncode == 0, result.stderr
    printed = [Path(line) for line in result.stdout.splitlines()]
    assert len(printed) == 2 * 9 and all(path.is_file() for path in printed)  # WAV, MP4, 3 key frames, 4 flow images
    assert {path.suffix for path in printed} == {".wav", ".mp4", ".png"}


def test_dataset_with_labels_only_and_a_split(project: Path, tmp_path: Path) -> None:
    out = tmp_path / "ds"
    result = run(
        "export", str(project), "--format", "dataset", "--out", str(out), "--labels-only", "--split", "0.8,0.1,0.1"
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == str(out)
    assert "everything goes to train" in result.stderr
    with (out / "audio" / "train" / "metadata.csv").open(newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    assert [row["label"] for row in rows] == ["irony"]
    assert (out / "audio" / "train" / rows[0]["file_name"]).is_file()
    assert (out / "video" / "train" / rows[0]["file_name"]).with_suffix(".mp4").is_file()


def test_report(project: Path, tmp_path: Path) -> None:
    result = run("export", str(project), "--format", "report", "--out", str(tmp_path), "--quiet")
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == str(tmp_path / "report.html")
    assert "irony" in (tmp_path / "report.html").read_text(encoding="utf-8")


def test_exports_never_load_qt(project: Path, tmp_path: Path) -> None:
    """A subprocess on purpose (a fresh interpreter, where no other test has loaded Qt): the report draws with
    matplotlib's Agg canvas, so the CLI must still run where Qt cannot load."""
    probe = (
        "import sys; from app.cli.commands import main; "
        f"code = main(['export', {str(project)!r}, '--format', 'report', '--out', {str(tmp_path)!r}, '--quiet']); "
        f"print(code, sorted({{m.split('.')[0] for m in sys.modules}} & set({QT_MODULES!r})))"
    )
    loaded = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, cwd=ROOT, timeout=240)
    assert loaded.stdout.splitlines()[-1] == "0 []", loaded.stderr


def test_csv_and_json_tables(project: Path, tmp_path: Path) -> None:
    for fmt in ("csv", "json"):
        result = run("export", str(project), "--format", fmt, "--out", str(tmp_path), "--quiet")
        assert result.returncode == 0, result.stderr
        assert result.stdout.strip() == str(tmp_path / f"segments.{fmt}")
    with (tmp_path / "segments.csv").open(newline="", encoding="utf-8") as handle:
        assert [row["label"] for row in csv.DictReader(handle)] == ["irony", ""]
    assert [row["label"] for row in json.loads((tmp_path / "segments.json").read_text(encoding="utf-8"))] == [
        "irony",
        "",
    ]

    again = run("export", str(project), "--format", "csv", "--out", str(tmp_path))
    assert again.returncode == 6
    assert (
        again.stderr
        == f"salient: error: {tmp_path / 'segments.csv'} already exists; export with --force to overwrite\n"
    )
    assert run("export", str(project), "--format", "csv", "--out", str(tmp_path), "--force").returncode == 0


def test_tables_and_datasets_hold_what_was_said(project: Path, tmp_path: Path) -> None:
    """A transcript (made through the store) gives each row the words of its segment and those around it."""
    said = Path(shutil.copy(project, tmp_path / "said.salient"))
    with Store.open(said) as store:
        record = store.all_media()[0]
        first = store.segments(store.latest_run(record.id, RUN_AUDIO_PEAKS).id, TRACK_AUDIO_PEAK)[0]
        words = (
            Word("So", first.start_ms - 1500, first.start_ms - 1000, 0.9),
            Word("there", first.start_ms, first.end_ms, 0.9),
            Word("you", first.end_ms + 100, first.end_ms + 300, 0.9),
            Word("are.", first.end_ms + 300, first.end_ms + 600, 0.9),
        )
        run_id = store.start_run(record.id, RUN_TRANSCRIBE, {"model": "test"}, {})
        store.add_transcript_segments(
            run_id, [TranscriptSegment(words[0].start_ms, words[-1].end_ms, "So there you are.", words)]
        )
        store.finish_run(run_id, {"language": "en"}, {}, 0)
    result = run("export", str(said), "--format", "csv", "--out", str(tmp_path / "table"), "--quiet")
    assert result.returncode == 0, result.stderr
    with (tmp_path / "table" / "segments.csv").open(newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    assert (rows[0]["label"], rows[0]["transcript"], rows[0]["transcript_context"]) == (
        "irony",
        "there",
        "So there you are.",
    )
    out = tmp_path / "ds"
    result = run(
        "export", str(said), "--format", "dataset", "--out", str(out), "--labels-only", "--context", "0.2", "--quiet"
    )
    assert result.returncode == 0, result.stderr
    with (out / "audio" / "metadata.csv").open(newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    assert [(row["label"], row["transcript"], row["transcript_context"]) for row in rows] == [
        ("irony", "there", "there you")  # ± the export's context: 0.2 s
    ]


def test_errors_have_their_exit_codes(project: Path, tmp_path: Path) -> None:
    missing = run("export", str(tmp_path / "nope.salient"), "--format", "csv", "--out", str(tmp_path))
    assert missing.returncode == 5
    assert missing.stderr == f"salient: error: {tmp_path / 'nope.salient'}: no such project\n"

    bad_split = run("export", str(project), "--format", "dataset", "--out", str(tmp_path), "--split", "0.5,0.1,0.1")
    assert bad_split.returncode == 2 and "sum to 1" in bad_split.stderr

    negative = run("export", str(project), "--format", "clips", "--out", str(tmp_path), "--context", "-1")
    assert negative.returncode == 2 and "cannot be negative" in negative.stderr

    misplaced = run("export", str(project), "--format", "csv", "--out", str(tmp_path), "--stream-copy")
    assert misplaced.returncode == 2
    assert misplaced.stderr == "salient: error: --stream-copy does not apply to --format csv\n"
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("existing", [False, True], ids=["new folder", "existing folder"])
def test_an_export_killed_midway_leaves_nothing_and_the_retry_needs_no_force(
    project: Path, tmp_path: Path, existing: bool
) -> None:
    """A subprocess on purpose: SIGKILL cannot be caught, so only building the export apart and moving it into
    place at the end keeps it all or nothing. Killed as soon as its first file exists (anywhere), the export
    leaves no file where the export goes, and the retry clears what it left and needs no --force."""
    out = tmp_path / "out"
    if existing:
        out.mkdir()
        (out / "mine.txt").write_text("mine")
    before = {path for path in tmp_path.rglob("*")}
    command = [sys.executable, str(ROOT / "main.py"), "export", str(project), "--format", "clips"]
    child = subprocess.Popen([*command, "--out", str(out), "--context", "3", "--quiet"], cwd=ROOT)
    try:
        deadline = time.monotonic() + 120
        while not any(path.is_file() for path in tmp_path.rglob("*") if path not in before):
            assert child.poll() is None, "the export ended before it could be killed"
            assert time.monotonic() < deadline, "the export wrote nothing"
            time.sleep(0.005)
        child.send_signal(signal.SIGKILL)
        child.wait(30)
    finally:
        child.kill()
    assert child.returncode == -signal.SIGKILL
    # Nothing of the killed export where it goes: only its hidden temporary folder is left.
    assert existing or not out.exists()
    left = [path.relative_to(tmp_path) for path in tmp_path.rglob("*") if path.is_file() and path not in before]
    assert left and all(any(".salient-export-" in part for part in path.parts) for path in left), left

    retry = run(*command[2:], "--out", str(out), "--context", "3", "--quiet")
    assert retry.returncode == 0, retry.stderr
    written = {Path(line) for line in retry.stdout.splitlines()}
    assert len(written) == 2 * 9 and all(path.is_file() for path in written)
    assert set(out.iterdir()) == written | ({out / "mine.txt"} if existing else set())
    assert sorted(path.name for path in tmp_path.iterdir()) == ["out"]  # the killed export's temporary is gone
