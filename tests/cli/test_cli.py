"""The headless CLI as a user runs it (``python main.py …``): in this process through ``app.cli.main``, and in a
child process for what only a process shows (Qt never loaded, exit codes reaching the shell, Ctrl+C, the
installed ``salient`` script)."""

from __future__ import annotations

import json
import re
import shutil
import signal
import sqlite3
import subprocess
import sys
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import numpy as np
import pytest

from analysis import media
from app.demo.synth import Scene
from app.project.store import SCHEMA_VERSION, Store, data_dir_for
from tests.helpers.cli import QT_MODULES, ROOT, run, run_process, salient_script, tree_digest
from tests.helpers.media import interior_silences


@pytest.fixture
def talk_copy(tmp_path: Path, talk_video: Path) -> Path:
    return Path(shutil.copy(talk_video, tmp_path / "talk.mp4"))


def test_analyze_json_reports_peaks_pauses_and_stats(talk_copy: Path, talk_scene: Scene) -> None:
    result = run("analyze", str(talk_copy), "--tails", "high", "--json")
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    project = talk_copy.with_suffix(".salient")
    assert report["project"] == str(project) and project.exists()
    m = report["media"]
    assert (m["path"], m["has_video"], m["has_audio"], m["fps"], m["width"], m["height"]) == (
        str(talk_copy),
        True,
        True,
        25.0,
        320,
        240,
    )
    assert abs(m["duration_s"] - talk_scene.duration_ms / 1000) <= 0.05

    bursts = talk_scene.of_kind("burst")
    assert len(report["audio_peaks"]) == len(bursts)
    for peak, burst in zip(report["audio_peaks"], bursts, strict=True):
        assert set(peak) >= {"start_s", "end_s", "peak_s", "z", "pause_before_s", "pause_after_s"}
        assert peak["start_s"] - 1 <= burst.peak_ms / 1000 <= peak["end_s"] + 1
        assert abs(peak["peak_s"] - burst.peak_ms / 1000) <= 0.02
        assert peak["z"] > 2

    expected = interior_silences(talk_scene)
    assert len(report["pauses"]) == len(expected)
    for pause, (start, end) in zip(report["pauses"], expected, strict=True):
        assert abs(pause["start_s"] - start / 1000) <= 0.1 and abs(pause["end_s"] - end / 1000) <= 0.1
    first_peak = report["audio_peaks"][0]
    assert first_peak["pause_before_s"] is None
    assert first_peak["pause_after_s"] == pytest.approx(
        report["pauses"][0]["end_s"] - report["pauses"][0]["start_s"], abs=0.0011
    )

    samples = media.decode_audio(talk_copy)
    windows = [samples[i : i + 16000] for i in range(0, len(samples), 16000)]
    rms = np.array([np.sqrt(np.mean(w.astype(np.float64) ** 2)) for w in windows if len(w) >= 8000])
    stats = report["stats"]
    assert stats["k"] == 2.0 and stats["n_windows"] == len(rms)
    assert stats["mean"] == pytest.approx(rms.mean(), rel=1e-5)
    assert stats["std"] == pytest.approx(rms.std(), rel=1e-5)
    outside = float(np.mean(rms > rms.mean() + 2 * rms.std()))
    assert stats["outlier_fraction"] == pytest.approx(outside)
    assert stats["expected_fraction"] == pytest.approx(0.0227501, rel=1e-5)
    assert stats["tail_ratio"] == pytest.approx(outside / 0.0227501, rel=1e-5)
    assert set(report["timings_s"]) >= {"probe", "decode", "envelope", "peaks", "pauses"}


def test_reanalysis_with_another_k_reuses_the_decoded_audio(talk_copy: Path) -> None:
    assert run("analyze", str(talk_copy), "--json", "--quiet").returncode == 0
    cache = talk_copy.with_name("talk.salient-data") / "cache"
    cached_audio = list(cache.glob("audio-*.npy"))
    assert len(cached_audio) == 1
    mtime = cached_audio[0].stat().st_mtime_ns
    second = run("analyze", str(talk_copy), "--k", "1.5", "--tails", "both", "--json", "--quiet")
    assert second.returncode == 0, second.stderr
    assert json.loads(second.stdout)["stats"]["k"] == 1.5
    assert cached_audio[0].stat().st_mtime_ns == mtime
    with Store.open(talk_copy.with_suffix(".salient")) as store:
        runs = [(r.kind, r.params.get("k"), r.status) for r in store.runs()]
    assert runs == [("audio_peaks", 2.0, "done"), ("pauses", None, "done")] + [
        ("audio_peaks", 1.5, "done"),
        ("pauses", None, "done"),
    ]


def test_audio_only_input_is_analysed(tmp_path: Path, talk_audio_only: Path) -> None:
    project = tmp_path / "elsewhere.salient"
    result = run("analyze", str(talk_audio_only), "--project", str(project), "--json", "--quiet")
    assert result.returncode == 0, result.stderr
    m = json.loads(result.stdout)["media"]
    assert (m["has_video"], m["has_audio"], m["fps"], m["width"], m["height"]) == (False, True, None, None, None)
    assert project.exists()


def test_readable_summary_without_json(talk_copy: Path) -> None:
    result = run("analyze", str(talk_copy), "--tails", "high")
    assert result.returncode == 0, result.stderr
    assert "Audio peaks (rms, 1000 ms windows, μ ± kσ, k = 2, tails: high): 2" in result.stdout
    assert "Pauses ≥ 0.25 s (silero): 3" in result.stdout


@pytest.fixture
def existing_project(tmp_path: Path, talk_copy: Path) -> Path:
    project = tmp_path / "kept.salient"
    assert run("analyze", str(talk_copy), "--project", str(project), "--quiet").returncode == 0
    return project


@pytest.mark.parametrize(
    ("make_input", "code", "message"),
    [
        (lambda tmp, fx: str(tmp / "missing.mp4"), 3, "file not found"),
        (lambda tmp, fx: str(fx["empty_file"]), 3, "the file is empty (0 bytes)"),
        (lambda tmp, fx: str(fx["truncated_video"]), 3, "it may be truncated or corrupt"),
        (lambda tmp, fx: str(fx["not_media"]), 3, "not a readable audio or video file"),
        (lambda tmp, fx: str(fx["zero_length_audio"]), 3, "zero length"),
        (lambda tmp, fx: str(fx["video_only"]), 3, "has no audio track"),
        (lambda tmp, fx: "ftp://example.org/video.mp4", 4, "only http(s) URLs are accepted"),
        (lambda tmp, fx: "javascript:alert(1)", 4, "only http(s) URLs are accepted: javascript:alert(1)"),
        (lambda tmp, fx: "data:video/mp4;base64," + "A" * 400, 4, "accepted: data:video/mp4;base64,AAAA"),
        (lambda tmp, fx: "file:/etc/passwd", 4, "only http(s) URLs are accepted: file:/etc/passwd"),
        (lambda tmp, fx: "http://[::1/x.mp4", 4, "not a valid web address: 'http://[::1/x.mp4' (Invalid IPv6 URL)"),
        (lambda tmp, fx: "http://127.0.0.1:9/nothing.mp4", 4, "could not connect"),
    ],
)
def test_bad_input_fails_cleanly_and_leaves_the_project_unchanged(
    request: pytest.FixtureRequest, tmp_path: Path, existing_project: Path, make_input, code: int, message: str
) -> None:
    names = ["empty_file", "truncated_video", "not_media", "zero_length_audio", "video_only"]
    fixtures = {name: request.getfixturevalue(name) for name in names}
    data_dir = existing_project.with_name(existing_project.name + "-data")
    before = tree_digest(existing_project, data_dir)
    result = run("analyze", make_input(tmp_path, fixtures), "--project", str(existing_project), "--json", "--quiet")
    assert result.returncode == code
    assert result.stdout == ""
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("salient: error: ") and message in lines[0]
    assert "Traceback" not in result.stderr
    assert tree_digest(existing_project, data_dir) == before


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("http://127.0.0.1:9/nothing.mp4", "could not connect to 127.0.0.1:9: check your internet connection"),
        ("http://[::1/x.mp4", "not a valid web address: 'http://[::1/x.mp4' (Invalid IPv6 URL)"),
    ],
)
def test_a_failed_download_leaves_nothing_in_the_current_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, url: str, message: str
) -> None:
    monkeypatch.chdir(tmp_path)
    result = run("analyze", url, "--quiet")
    assert result.returncode == 4
    assert result.stderr.startswith(f"salient: error: {message}") and result.stderr.count("\n") == 1
    assert list(tmp_path.iterdir()) == []  # no nothing.salient-data/media/


def test_a_project_whose_check_reports_bytes_that_are_not_text_exits_5(
    existing_project: Path, talk_copy: Path, tmp_path: Path
) -> None:
    db = sqlite3.connect(existing_project, isolation_level=None)
    db.execute("CREATE TABLE notes(a)")
    db.execute("INSERT INTO notes VALUES (NULL)")
    db.execute("PRAGMA writable_schema = ON")  # NOT NULL on a column whose name is not UTF-8: quick_check names it
    schema = b"CREATE TABLE notes(a\xff NOT NULL)".hex()
    db.execute(f"UPDATE sqlite_master SET sql = CAST(X'{schema}' AS TEXT) WHERE name = 'notes'")
    db.close()
    before = sorted(tmp_path.iterdir())
    expected = (
        f"salient: error: {existing_project}: the project file is damaged (NULL value in notes.a\ufffd); "
        "it was left untouched\n"
    )
    exported = run("export", str(existing_project), "--format", "srt", "--out", str(tmp_path / "talk.srt"))
    assert (exported.returncode, exported.stderr) == (5, expected)
    analyzed = run("analyze", str(talk_copy), "--project", str(existing_project), "--quiet")
    assert (analyzed.returncode, analyzed.stderr) == (5, expected)
    assert sorted(tmp_path.iterdir()) == before  # no -wal or -shm left beside it


def test_project_errors_exit_5_and_touch_nothing(tmp_path: Path, talk_copy: Path, existing_project: Path) -> None:
    db = sqlite3.connect(existing_project)
    db.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    db.commit()
    db.close()
    before = tree_digest(existing_project)
    result = run("analyze", str(talk_copy), "--project", str(existing_project))
    assert result.returncode == 5
    assert "written by a newer version of Salient" in result.stderr
    assert tree_digest(existing_project) == before

    garbage = tmp_path / "garbage.salient"
    garbage.write_bytes(b"\x00garbage" * 100)
    result = run("analyze", str(talk_copy), "--project", str(garbage))
    assert result.returncode == 5 and "not a Salient project, or the file is corrupt" in result.stderr
    assert garbage.read_bytes() == b"\x00garbage" * 100


@pytest.mark.parametrize("stub", [b"", b"SQLite format 3\x00" + bytes(4080)])
def test_analysis_proceeds_over_the_stub_of_an_interrupted_creation(talk_copy: Path, stub: bytes) -> None:
    project = talk_copy.with_suffix(".salient")
    if stub:  # the 4096-byte file SQLite leaves after switching a new file to WAL
        db = sqlite3.connect(project)
        db.execute("PRAGMA journal_mode = WAL")
        db.close()
        assert project.read_bytes()[:16] == stub[:16] and project.stat().st_size == 4096
    else:
        project.write_bytes(stub)
    result = run("analyze", str(talk_copy), "--quiet")
    assert result.returncode == 0, result.stderr
    with Store.open(project) as store:
        assert [record.fingerprint for record in store.all_media()] == [media.fingerprint(talk_copy)]


def test_a_damaged_project_exits_5_with_one_line(existing_project: Path, talk_copy: Path, tmp_path: Path) -> None:
    db = sqlite3.connect(existing_project)
    db.execute("UPDATE media SET added_at = CAST(X'323032362D31322DC328FF' AS TEXT)")
    db.commit()
    db.close()
    expected = (
        f"salient: error: {existing_project}: the project file is damaged (stored text is not UTF-8: "
        "'2026-12-\ufffd(\ufffd')\n"
    )
    analyzed = run("analyze", str(talk_copy), "--project", str(existing_project), "--quiet")
    assert (analyzed.returncode, analyzed.stderr) == (5, expected)
    exported = run("export", str(existing_project), "--format", "csv", "--out", str(tmp_path / "out"))
    assert (exported.returncode, exported.stderr) == (5, expected)


def test_a_file_where_the_sidecar_folder_goes_exits_5(talk_copy: Path, existing_project: Path, tmp_path: Path) -> None:
    expected = "is a file, but Salient keeps the project's media and caches in a folder of that name; move or rename"
    sidecar = tmp_path / "talk.salient-data"
    sidecar.write_text("notes")
    analyzed = run("analyze", str(talk_copy), "--quiet")
    assert analyzed.returncode == 5
    assert analyzed.stderr == f"salient: error: {sidecar}: {expected} the file\n"
    assert not talk_copy.with_suffix(".salient").exists() and sidecar.read_text() == "notes"

    shutil.rmtree(data_dir_for(existing_project))
    data_dir_for(existing_project).write_text("notes")
    for kind in ("csv", "srt"):
        exported = run("export", str(existing_project), "--format", kind, "--out", str(tmp_path / f"out.{kind}"))
        assert exported.returncode == 5
        assert exported.stderr == f"salient: error: {data_dir_for(existing_project)}: {expected} the file\n"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--k", "7"], "k must lie between 0.5 and 5 in steps of 0.1"),
        (["--k", "2.05"], "k must lie between 0.5 and 5 in steps of 0.1"),
        (["--window", "0.01"], "the window must be at least 0.05 s"),
        (["--tails", "middle"], "invalid choice: 'middle'"),
        (["--feature", "loudness"], "invalid choice: 'loudness'"),
    ],
)
def test_wrong_options_exit_2_with_the_reason(talk_copy: Path, args: list[str], message: str) -> None:
    result = run("analyze", str(talk_copy), *args)
    assert result.returncode == 2
    assert message in result.stderr
    assert not talk_copy.with_suffix(".salient").exists()


def test_debug_shows_the_traceback(tmp_path: Path) -> None:
    result = run("analyze", str(tmp_path / "missing.mp4"), "--debug")
    assert result.returncode == 3
    assert "Traceback" in result.stderr and "salient: error:" in result.stderr


def test_help_documents_every_command_and_option() -> None:
    top = run("--help")
    assert top.returncode == 0
    for word in ("analyze", "demo", "exit codes", "130"):
        assert word in top.stdout
    analyze = run("analyze", "--help")
    for option in (
        "--project",
        "--k",
        "--window",
        "--feature",
        "--tails",
        "--robust",
        "--min-pause",
        "--json",
        "--cookies",
        "--pause-method",
        "--debug",
    ):
        assert option in analyze.stdout


@pytest.mark.slow
def test_demo_generates_and_analyses_the_demo_video(tmp_path: Path) -> None:
    result = run("demo", "--out", str(tmp_path), "--json", "--quiet")
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    assert report["media"]["has_video"] and report["media"]["width"] == 640
    assert len(report["audio_peaks"]) == 3
    assert report["pause_metrics"]["count"] >= 5
    assert (tmp_path / "demo.mp4").exists() and (tmp_path / "demo.salient").exists()


def test_the_command_line_runs_without_loading_qt() -> None:
    """A subprocess on purpose: the import contracts (lint-imports) forbid Qt below app.gui; this proves it in a
    fresh interpreter, where no other test has loaded Qt already."""
    probe = (
        "import sys, app.cli.commands, app.pipelines.audio; "
        f"print([m for m in sys.modules if m.split('.')[0] in {QT_MODULES!r}])"
    )
    loaded = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, cwd=ROOT)
    assert loaded.stdout.strip() == "[]"


def test_a_truncated_file_that_still_opens_is_analysed_with_a_warning(truncated_faststart_video: Path) -> None:
    result = run("analyze", str(truncated_faststart_video), "--json", "--quiet")
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    (warning,) = report["warnings"]
    assert "the file is probably truncated" in warning and "declares 17.2 s" in warning
    assert result.stderr == f"salient: warning: {warning}\n"
    assert report["media"]["duration_s"] == pytest.approx(17.2, abs=0.05)
    assert report["pauses"][-1]["end_s"] < 10


def test_a_complete_file_has_no_warning(talk_copy: Path) -> None:
    report = json.loads(run("analyze", str(talk_copy), "--json", "--quiet").stdout)
    assert report["warnings"] == []


# -- what only a process shows: these run the command in a child process on purpose -----------------------


@pytest.mark.parametrize(
    ("args", "code", "message"),
    [
        (["analyze", "{tmp}/missing.mp4"], 3, "salient: error: "),
        (["analyze", "{tmp}/missing.mp4", "--k", "7"], 2, "k must lie between 0.5 and 5 in steps of 0.1"),
    ],
)
def test_exit_codes_reach_the_shell(tmp_path: Path, args: list[str], code: int, message: str) -> None:
    """A subprocess on purpose: the code main() returns (3) or argparse exits with (2) must become the exit status
    a shell sees, with the reason as the last line on stderr and nothing on stdout."""
    done = run_process(*(arg.format(tmp=tmp_path) for arg in args))
    assert done.returncode == code
    assert done.stdout == ""
    assert message in done.stderr.splitlines()[-1] and "Traceback" not in done.stderr


def test_the_installed_salient_script_runs_the_command_line() -> None:
    """A subprocess on purpose: the ``salient`` console script (pyproject's [project.scripts]) reaches the command
    line for ``--help`` (not the window) and exits 0."""
    done = run_process("--help", script=salient_script())
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("usage: salient [-h] COMMAND ...\n")
    assert "exit codes:" in done.stdout and "130  cancelled (Ctrl+C)" in done.stdout
    assert done.stderr == ""


class _StallingHandler(BaseHTTPRequestHandler):
    """Every request gets the start of a big MP4 and then nothing more: a download that never ends. yt-dlp's first
    request looks the URL up, its second downloads."""

    server: _StallingServer

    def do_GET(self) -> None:
        self.server.requests += 1
        if self.server.requests == 2:
            self.server.downloading.set()
        self.send_response(200)
        self.send_header("Content-Type", "video/mp4")
        self.send_header("Content-Length", str(100_000_000))
        self.end_headers()
        self.wfile.write(bytes(4096))
        self.wfile.flush()
        self.server.released.wait(60)

    def log_message(self, format: str, *args: object) -> None:
        """Keep the test output clean."""


class _StallingServer(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _StallingHandler)
        self.requests = 0
        self.downloading = threading.Event()
        self.released = threading.Event()


@pytest.fixture
def stalling_url() -> Iterator[tuple[str, _StallingServer]]:
    server = _StallingServer()
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}/talk.mp4", server
    server.released.set()
    server.shutdown()
    server.server_close()


def _threads_taking_sigint(pid: int) -> list[int]:
    """The threads of process ``pid`` that do not block SIGINT: the kernel may hand a Ctrl+C to any of them."""
    taking = []
    for task in sorted((Path("/proc") / str(pid) / "task").iterdir()):
        blocked = re.search(r"^SigBlk:\s*([0-9a-f]+)$", (task / "status").read_text(), re.MULTILINE)
        if blocked is None or not int(blocked.group(1), 16) & (1 << (signal.SIGINT - 1)):
            taking.append(int(task.name))
    return taking


def test_ctrl_c_cancels_with_exit_130_and_leaves_no_partial_download(
    tmp_path: Path, stalling_url: tuple[str, _StallingServer]
) -> None:
    """A subprocess on purpose: Ctrl+C is a SIGINT to the process. Sent while the command waits on a download
    that never ends (so it always lands mid-work), it stops the command with code 130 and one line, and the
    partial download is removed. Only the main thread takes the signal: handed to one of the threads libraries
    start (numpy's BLAS pool), it would wait for the main thread's socket to time out (30 s) to take effect."""
    url, server = stalling_url
    project = tmp_path / "p.salient"
    command = [sys.executable, str(ROOT / "main.py"), "analyze", url, "--project", str(project)]
    child = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=ROOT)
    try:
        assert server.downloading.wait(60), "the command never started the download"
        if sys.platform == "linux":
            assert _threads_taking_sigint(child.pid) == [child.pid]
        child.send_signal(signal.SIGINT)
        stdout, stderr = child.communicate(timeout=30)
    finally:
        child.kill()
    assert child.returncode == 130, stderr
    assert stdout == ""
    assert stderr.splitlines()[-1] == "salient: cancelled" and "Traceback" not in stderr
    assert list(tmp_path.iterdir()) == []  # no partial file, no project, no empty media folder
