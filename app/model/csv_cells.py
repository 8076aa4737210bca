"""Text cells of the CSV files Salient writes, made safe to open in a spreadsheet.

A spreadsheet reads a cell that starts with ``=``, ``+``, ``-`` or ``@`` (and, in some, a tab or a carriage
return) as a formula, so a label, an annotator's name, a note or a line of transcript that came from an imported
tier or a shared vocabulary could run one when the table is opened. Following OWASP's advice on CSV injection,
such a text cell gets a leading apostrophe, which spreadsheets show as text and do not evaluate. Numbers are
written as numbers (a negative z stays a number); only text is changed. NUL characters, which no text needs and
which some readers stop at, are removed.
"""

from __future__ import annotations

from typing import Any

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
"""The first characters that make a spreadsheet read a cell as a formula."""


def safe_text(text: str) -> str:
    """``text`` as a CSV cell: without NUL characters, and after an apostrophe when it would start a formula."""
    text = text.replace("\x00", "")
    return f"'{text}" if text.startswith(FORMULA_STARTS) else text


def safe_cell(value: Any) -> Any:
    """A cell's value as written: text through :func:`safe_text`, anything else (numbers, booleans) as is."""
    return safe_text(value) if isinstance(value, str) else value
