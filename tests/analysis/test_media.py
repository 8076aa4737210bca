"""Media ingest: probe, fingerprint, streaming decode and the audio cache, on generated files."""

from __future__ import annotations

import tracemalloc
from fractions import Fraction
from pathlib import Path

import av
import numpy as np
import pytest

from analysis import media
from analysis.errors import MediaError
from analysis.progress import Cancelled, NullProgress
from app.demo.synth import Scene, write_media


def test_probe_describes_video_with_sound(talk_video: Path, talk_scene: Scene) -> None:
    info = media.probe(talk_video)
    assert info.container.startswith("mov,mp4")
    assert info.path == str(talk_video.resolve())
    assert info.size_bytes == talk_video.stat().st_size
    assert abs(info.duration_ms - talk_scene.duration_ms) <= 50
    assert info.has_video and info.has_audio
    assert (info.video.width, info.video.height, info.video.fps) == (320, 240, 25.0)
    assert info.video.codec == "h264"
    assert info.video.variable_frame_rate is False
    assert info.video.frame_count == talk_scene.duration_ms * 25 // 1000
    assert (info.audio.sample_rate, info.audio.channels, info.audio.codec) == (48000, 2, "aac")


@pytest.mark.parametrize(
    ("suffix", "has_video", "container"),
    [
        (".mkv", True, "matroska,webm"),
        pytest.param(".webm", True, "matroska,webm", marks=pytest.mark.slow),  # VP8 + Opus encoding takes seconds
        (".mov", True, "mov,mp4,m4a,3gp,3g2,mj2"),
        (".avi", True, "avi"),
        (".mp3", False, "mp3"),
        (".wav", False, "wav"),
        (".m4a", False, "mov,mp4,m4a,3gp,3g2,mj2"),
        (".flac", False, "flac"),
        (".ogg", False, "ogg"),
    ],
)
def test_probe_and_decode_every_common_container(tmp_path: Path, suffix: str, has_video: bool, container: str) -> None:
    scene = Scene(seed=1)
    scene.speech(duration_s=1.0)
    event = scene.burst(0.2)
    scene.speech(duration_s=1.0)
    path = write_media(tmp_path / f"clip{suffix}", scene.samples(), video_size=(160, 120) if has_video else None)
    info = media.probe(path)
    assert info.container == container
    assert info.has_video is has_video and info.has_audio
    assert abs(info.duration_ms - scene.duration_ms) <= 60
    samples = media.decode_audio(path)
    assert samples.dtype == np.float32 and samples.ndim == 1
    assert abs(samples.shape[0] - scene.duration_ms * 16) <= 16 * 60
    loudest_ms = int(np.argmax(np.abs(samples))) / 16
    assert abs(loudest_ms - event.peak_ms) <= 20


def test_variable_frame_rate_is_detected(tmp_path: Path) -> None:
    path = tmp_path / "vfr.mkv"
    times_ms = np.cumsum([0] + [40, 40, 20, 60, 33, 50, 40, 25] * 10)
    with av.open(str(path), "w") as container:
        stream = container.add_stream("libx264", rate=25)
        stream.width, stream.height, stream.pix_fmt = 64, 48, "yuv420p"
        stream.time_base = stream.codec_context.time_base = Fraction(1, 1000)
        for index, t in enumerate(times_ms):
            frame = av.VideoFrame.from_ndarray(np.full((48, 64, 3), index % 255, np.uint8), format="rgb24")
            frame.pts, frame.time_base = int(t), Fraction(1, 1000)
            container.mux(stream.encode(frame))
        container.mux(stream.encode(None))
    info = media.probe(path)
    assert info.has_video and not info.has_audio
    assert info.video.variable_frame_rate is True


def test_decoded_audio_matches_the_source_samples(talk_audio_only: Path, talk_scene: Scene) -> None:
    samples = media.decode_audio(talk_audio_only)
    assert abs(samples.shape[0] - talk_scene.duration_ms * 16) <= 16 * 30
    for burst in talk_scene.of_kind("burst"):
        window = samples[(burst.start_ms - 300) * 16 : (burst.end_ms + 300) * 16]
        loudest_ms = burst.start_ms - 300 + int(np.argmax(np.abs(window))) / 16
        assert abs(loudest_ms - burst.peak_ms) <= 20
    silence = talk_scene.of_kind("silence")[1]
    quiet = samples[(silence.start_ms + 50) * 16 : (silence.end_ms - 50) * 16]
    assert float(np.abs(quiet).max()) < 0.01


@pytest.mark.slow
def test_decode_memory_stays_near_the_size_of_the_result(tmp_path: Path) -> None:
    scene = Scene(seed=2)
    scene.speech(duration_s=120.0)
    path = write_media(tmp_path / "long.m4a", scene.samples(), video_size=None)
    tracemalloc.start()
    try:
        samples = media.decode_audio(path)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert samples.nbytes == pytest.approx(120 * 16000 * 4, rel=0.01)
    assert peak <= 2 * samples.nbytes


def test_decode_reports_progress_and_honours_cancel(talk_video: Path) -> None:
    class Recorder(NullProgress):
        def __init__(self) -> None:
            super().__init__()
            self.fractions: list[float] = []

        def update(self, fraction: float, message: str = "") -> None:
            self.fractions.append(fraction)

    recorder = Recorder()
    media.decode_audio(talk_video, progress=recorder)
    assert recorder.fractions == sorted(recorder.fractions) and recorder.fractions[-1] == 1.0
    cancelled = NullProgress()
    cancelled.cancel()
    with pytest.raises(Cancelled):
        media.decode_audio(talk_video, progress=cancelled)


def test_audio_cache_is_reused_without_decoding(tmp_path: Path, talk_video: Path, monkeypatch) -> None:
    first = media.load_audio(talk_video, tmp_path)
    cached = media.audio_cache_path(tmp_path, media.fingerprint(talk_video))
    assert cached.exists()

    def no_decode(*args: object, **kwargs: object) -> None:
        raise AssertionError("decoded again although the cache exists")

    monkeypatch.setattr(media, "decode_audio", no_decode)
    second = media.load_audio(talk_video, tmp_path)
    assert isinstance(second, np.memmap)
    np.testing.assert_array_equal(first, second)


def test_fingerprint_follows_content_not_name(tmp_path: Path) -> None:
    data = np.random.default_rng(0).integers(0, 256, 5 * 1024 * 1024, dtype=np.uint8).tobytes()
    a, b = tmp_path / "a.bin", tmp_path / "b.bin"
    a.write_bytes(data)
    b.write_bytes(data)
    assert media.fingerprint(a) == media.fingerprint(b)
    changed = bytearray(data)
    changed[len(data) // 2 + 10] ^= 0xFF
    b.write_bytes(bytes(changed))
    assert media.fingerprint(a) != media.fingerprint(b)
    b.write_bytes(data + b"x")
    assert media.fingerprint(a) != media.fingerprint(b)


def test_bad_input_gives_a_readable_media_error(
    tmp_path: Path, empty_file: Path, truncated_video: Path, not_media: Path, zero_length_audio: Path, video_only: Path
) -> None:
    cases = {
        tmp_path / "missing.mp4": "file not found",
        tmp_path: "is a folder",
        empty_file: "the file is empty (0 bytes)",
        truncated_video: "truncated or corrupt",
        not_media: "not a readable audio or video file",
        zero_length_audio: "zero length",
    }
    for path, message in cases.items():
        with pytest.raises(MediaError, match=message.replace("(", r"\(").replace(")", r"\)")):
            media.probe(path)
    with pytest.raises(MediaError, match="has no audio track"):
        media.decode_audio(video_only)
    assert media.probe(video_only).has_audio is False


def test_stereo_is_averaged_into_mono(tmp_path: Path) -> None:
    """Equal channels at amplitude 0.5 decode to 0.5, not FFmpeg's default −3 dB-per-channel sum of 0.71."""
    tone = (0.5 * np.sin(2 * np.pi * 440 * np.arange(48_000) / 48_000)).astype(np.float32)
    path = write_media(tmp_path / "tone.wav", tone, video_size=None, channels=2)
    samples = media.decode_audio(path)
    assert float(np.abs(samples[1000:-1000]).max()) == pytest.approx(0.5, abs=0.005)


def test_a_file_replaced_at_the_same_path_is_probed_again(
    tmp_path: Path, talk_video: Path, talk_audio_only: Path
) -> None:
    import shutil

    path = tmp_path / "media.mp4"
    shutil.copyfile(talk_video, path)
    assert media.probe(path).video is not None
    assert media.probe(path) is media.probe(path)  # read once while the file stays as it is
    shutil.copyfile(talk_audio_only, path)  # another recording copied over it
    assert media.probe(path).video is None
    path.unlink()
    with pytest.raises(MediaError):
        media.probe(path)
