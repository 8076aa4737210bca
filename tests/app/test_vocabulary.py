"""Vocabulary files: the shipped default survives a round trip, and each kind of bad file says what is wrong."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from app.model.records import VocabularyEntry
from app.project.vocabulary import VocabularyError, read_vocabulary_json, write_vocabulary_json
from resources import resource_path

DEFAULT = resource_path("vocabulary_default.json")


def entries_from(labels: list[dict[str, str]]) -> list[VocabularyEntry]:
    return [
        VocabularyEntry(
            number, item["name"], item["description"], item["color"], item["shortcut"], item["kind"], number
        )
        for number, item in enumerate(labels, start=1)
    ]


def test_the_default_vocabulary_round_trips(tmp_path: Path) -> None:
    labels = read_vocabulary_json(DEFAULT)
    assert len(labels) == 16
    assert labels[0] == {
        "name": "anger",
        "description": "Ekman: anger",
        "color": "#d62728",
        "shortcut": "1",
        "kind": "label",
    }
    assert labels[-1]["kind"] == "exclude" and labels[-1]["name"] == "not significant"
    out = tmp_path / "copy.json"
    write_vocabulary_json(out, entries_from(labels), "Salient default")
    assert json.loads(out.read_text(encoding="utf-8")) == json.loads(DEFAULT.read_text(encoding="utf-8"))
    assert read_vocabulary_json(out) == labels
    assert not (tmp_path / "copy.json.partial").exists()


def write(tmp_path: Path, document: object) -> Path:
    path = tmp_path / "vocabulary.json"
    path.write_text(document if isinstance(document, str) else json.dumps(document), encoding="utf-8")
    return path


def vocabulary(*labels: dict) -> dict:
    return {"format": "salient-vocabulary", "version": 1, "name": "test", "labels": list(labels)}


RED = {"name": "anger", "color": "#d62728"}


@pytest.mark.parametrize(
    ("document", "message"),
    [
        ('{"format": "salient-vocabulary", "labels": [', "not valid JSON (line 1, column 45: Expecting value)"),
        ({"format": "elan-cv", "version": 1, "labels": [RED]}, "not a Salient vocabulary (\"format\" is 'elan-cv'"),
        ([RED], 'not a Salient vocabulary ("format" is None'),
        ({**vocabulary(RED), "version": 2}, "written by a newer version of Salient (vocabulary format 2"),
        ({**vocabulary(RED), "version": "1"}, "\"version\" should be 1, found '1'"),
        (vocabulary(), '"labels" should be a non-empty list of labels'),
        (vocabulary(RED, {"color": "#00ff00"}), "label 2 has no name"),
        (vocabulary(RED, {"name": "   ", "color": "#00ff00"}), "label 2 has no name"),
        (
            vocabulary({"name": "calm", "color": "green"}),
            "label 'calm' has the colour 'green'; write colours as #rrggbb",
        ),
        (vocabulary({"name": "calm", "color": "#0f0"}), "label 'calm' has the colour '#0f0'"),
        (vocabulary({"name": "calm"}), "label 'calm' has the colour None"),
        (vocabulary(RED, "fear"), "label 2 should be an object with a name and a colour"),
        (vocabulary({**RED, "kind": "skip"}), "label 'anger' has the kind 'skip'"),
        (vocabulary({**RED, "shortcut": 1}), "the shortcut of label 'anger' should be text"),
        (
            vocabulary(RED, {"name": "Anger", "color": "#000000"}),
            "the name 'Anger' is used twice (by 'anger' and 'Anger')",
        ),
        (
            vocabulary({**RED, "shortcut": "x"}, {"name": "fear", "color": "#9467bd", "shortcut": "X"}),
            "the shortcut 'X' is used twice (by 'anger' and 'fear')",
        ),
    ],
)
def test_a_malformed_file_names_itself_and_the_problem(tmp_path: Path, document: object, message: str) -> None:
    path = write(tmp_path, document)
    with pytest.raises(VocabularyError) as caught:
        read_vocabulary_json(path)
    assert str(caught.value).startswith(f"{path}: ")
    assert message in str(caught.value)


def test_a_missing_file_is_reported(tmp_path: Path) -> None:
    with pytest.raises(VocabularyError, match="cannot read the vocabulary file"):
        read_vocabulary_json(tmp_path / "nowhere.json")


def test_names_are_cleaned_and_optional_fields_filled(tmp_path: Path) -> None:
    path = write(tmp_path, vocabulary({"name": "  quiet   anger ", "color": "#ABCDEF"}))
    assert read_vocabulary_json(path) == [
        {"name": "quiet anger", "description": "", "color": "#abcdef", "shortcut": "", "kind": "label"}
    ]


def test_writing_into_a_missing_folder_is_reported(tmp_path: Path) -> None:
    with pytest.raises(VocabularyError, match="cannot write the vocabulary file"):
        write_vocabulary_json(tmp_path / "no" / "such" / "v.json", [], "empty")
