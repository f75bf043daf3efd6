"""Spreadsheet safety for every CSV the app writes (issue 19, CSV/formula injection).

A cell that begins with =, +, -, @, a tab or a carriage return is read as a formula by
Excel and LibreOffice ("=HYPERLINK(…)", "+cmd|' /C calc'!A0"). `safe_cell` puts an
apostrophe in front of such a cell — the spreadsheet then shows the text as typed — and
leaves plain numbers ("-3", "+2,5", "-12 %") alone. `csv_text` writes rows with it.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Iterable, Sequence

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
_NUMBER = re.compile(r"[+-]?\d+(?:[.,]\d+)*(?:\s?%)?")


def safe_cell(value: object) -> str:
    """The cell as text, neutralised if a spreadsheet would run it as a formula."""
    text = "" if value is None else str(value)
    if text.startswith(FORMULA_PREFIXES) and not _NUMBER.fullmatch(text):
        return "'" + text
    return text


def csv_text(rows: Iterable[Sequence[object]], *, delimiter: str = ";") -> str:
    """Rows as CSV text (CRLF line ends, minimal quoting), every cell through
    `safe_cell`."""
    parts: list[str] = []

    class _Collect:  # csv.writer wants an object with write(); no I/O in models
        def write(self, text: str) -> int:
            parts.append(text)
            return len(text)

    writer = csv.writer(_Collect(), delimiter=delimiter, lineterminator="\r\n")
    for row in rows:
        writer.writerow([safe_cell(cell) for cell in row])
    return "".join(parts)
