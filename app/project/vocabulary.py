"""Vocabulary files: the controlled vocabulary as JSON, to share between projects and annotators.

The format is the one of ``resources/vocabulary_default.json``::

    {"format": "salient-vocabulary", "version": 1, "name": "…",
     "labels": [{"name": "…", "description": "…", "color": "#rrggbb", "shortcut": "…", "kind": "exclude"}]}

``description``, ``shortcut`` and ``kind`` (``label`` unless ``exclude``) may be left out. Reading checks
everything before anything is used, so a bad file changes nothing and its message names the file and the
label at fault.
"""

from __future__ import annotations

import json
import logging
import os
import re
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from analysis.errors import SalientError, os_error_reason
from app.model.records import VocabularyEntry

log = logging.getLogger(__name__)

FORMAT = "salient-vocabulary"
VERSION = 1
KINDS = ("label", "exclude")
_COLOR = re.compile(r"^#[0-9a-fA-F]{6}$")


class VocabularyError(SalientError):
    """A vocabulary file cannot be read or written: not JSON, not a vocabulary, or a label is malformed."""


def read_vocabulary_json(path: str | Path) -> list[dict[str, str]]:
    """The labels of a vocabulary file, each with name, description, color (lower case), shortcut and kind."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise VocabularyError(f"{path}: cannot read the vocabulary file ({os_error_reason(exc)})") from exc
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise VocabularyError(f"{path}: not valid JSON (line {exc.lineno}, column {exc.colno}: {exc.msg})") from exc
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        found = data.get("format") if isinstance(data, dict) else None
        raise VocabularyError(f'{path}: not a Salient vocabulary ("format" is {found!r}, expected {FORMAT!r})')
    version = data.get("version")
    if not isinstance(version, int) or version < 1:
        raise VocabularyError(f'{path}: "version" should be {VERSION}, found {version!r}')
    if version > VERSION:
        raise VocabularyError(
            f"{path}: written by a newer version of Salient (vocabulary format {version}; this version reads "
            f"up to {VERSION})"
        )
    items = data.get("labels")
    if not isinstance(items, list) or not items:
        raise VocabularyError(f'{path}: "labels" should be a non-empty list of labels')
    labels = [_label(path, number, item) for number, item in enumerate(items, start=1)]
    _check_unique(path, labels, "name", "the name")
    _check_unique(path, [label for label in labels if label["shortcut"]], "shortcut", "the shortcut")
    log.info("read %d vocabulary values from %s", len(labels), path)
    return labels


def _label(path: Path, number: int, item: Any) -> dict[str, str]:
    """One label, checked and cleaned; ``number`` counts from 1 for the messages."""
    if not isinstance(item, dict):
        raise VocabularyError(f"{path}: label {number} should be an object with a name and a colour")
    name = item.get("name")
    if not isinstance(name, str) or not name.strip():
        raise VocabularyError(f"{path}: label {number} has no name")
    name = " ".join(name.split())
    color = item.get("color")
    if not isinstance(color, str) or not _COLOR.match(color):
        raise VocabularyError(f"{path}: label {name!r} has the colour {color!r}; write colours as #rrggbb")
    for key in ("description", "shortcut"):
        if not isinstance(item.get(key, ""), str):
            raise VocabularyError(f"{path}: the {key} of label {name!r} should be text")
    kind = item.get("kind", "label")
    if kind not in KINDS:
        raise VocabularyError(f"{path}: label {name!r} has the kind {kind!r}; it should be 'label' or 'exclude'")
    return {
        "name": name,
        "description": item.get("description", ""),
        "color": color.lower(),
        "shortcut": item.get("shortcut", "").strip(),
        "kind": kind,
    }


def _check_unique(path: Path, labels: Sequence[dict[str, str]], key: str, what: str) -> None:
    """Refuse two labels with the same value of ``key``, compared case-insensitively."""
    seen: dict[str, str] = {}
    for label in labels:
        folded = label[key].casefold()
        if folded in seen:
            raise VocabularyError(
                f"{path}: {what} {label[key]!r} is used twice (by {seen[folded]!r} and {label['name']!r})"
            )
        seen[folded] = label["name"]


def write_vocabulary_json(path: str | Path, entries: Sequence[VocabularyEntry], name: str) -> None:
    """Write ``entries`` as a vocabulary file called ``name``; all or nothing (a temporary file is renamed)."""
    path = Path(path)
    labels = []
    for entry in entries:
        label = {"name": entry.name, "description": entry.description, "color": entry.color, "shortcut": entry.shortcut}
        if entry.kind != "label":
            label["kind"] = entry.kind
        labels.append(label)
    document = {"format": FORMAT, "version": VERSION, "name": name, "labels": labels}
    partial = path.with_name(path.name + ".partial")
    try:
        partial.write_text(json.dumps(document, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
        os.replace(partial, path)
    except OSError as exc:
        partial.unlink(missing_ok=True)
        raise VocabularyError(f"{path}: cannot write the vocabulary file ({os_error_reason(exc)})") from exc
    log.info("wrote %d vocabulary values to %s", len(labels), path)
