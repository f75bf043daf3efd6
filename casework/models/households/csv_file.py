"""Reading a CSV list (as Excel exports it) into a table: encoding, delimiter, rows with
their line numbers. Pure: bytes in, `CsvTable` out, `ValidationError` for a file that
cannot be read as a table at all."""

from __future__ import annotations

import csv
import re
from collections.abc import Iterator
from dataclasses import dataclass

from casework.errors import ValidationError

MAX_BYTES = 50 * 1024 * 1024
MAX_ROWS = 200_000
MAX_FIELD_CHARS = 10_000
FILE_FIELD = "Datei"


@dataclass(frozen=True, slots=True)
class CsvRow:
    line: int  # 1-based line in the file where the row starts
    cells: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class CsvTable:
    header: tuple[str, ...]
    rows: tuple[CsvRow, ...]
    encoding: str  # "UTF-8" or "Windows-1252"
    delimiter: str


def decode(data: bytes) -> tuple[str, str]:
    """Text and the German name of its encoding: UTF-8 (with or without BOM), else
    Windows-1252 (what Excel writes as "CSV (Trennzeichen-getrennt)")."""
    if len(data) > MAX_BYTES:
        raise ValidationError(FILE_FIELD, "ist zu groß (höchstens 50 MB).")
    if b"\x00" in data:
        raise ValidationError(FILE_FIELD, "ist keine Textdatei (CSV).")
    try:
        return data.decode("utf-8-sig"), "UTF-8"
    except UnicodeDecodeError:
        pass
    _refuse_mixed_encodings(data)
    try:
        return data.decode("cp1252"), "Windows-1252"
    except UnicodeDecodeError:
        raise ValidationError(FILE_FIELD, "Zeichenkodierung nicht erkannt (erwartet UTF-8 "
                              "oder Windows-1252).") from None


# A line that decodes as UTF-8 and is not ASCII holds a lead byte directly followed by a
# continuation byte, also once the ASCII bytes are taken out; in a Windows-1252 file
# such a pair ("Ã¼") is rare, so a file without one skips the per-line check below.
_ASCII = bytes(range(0x80))
_UTF8_PAIR = re.compile(rb"[\xc2-\xf4][\x80-\xbf]")


def _refuse_mixed_encodings(data: bytes) -> None:
    """A file that is not UTF-8 as a whole but has lines that are (with umlauts encoded as
    UTF-8) mixes two encodings, e.g. rows pasted from two sources: decoding it as
    Windows-1252 would silently turn "Müller" into "MÃ¼ller". Refuse and name the lines."""
    if _UTF8_PAIR.search(data.translate(None, _ASCII)) is None:
        return  # no line can be UTF-8 (the file as a whole is not)
    utf8_line = cp1252_line = 0
    for number, line in enumerate(data.splitlines(), 1):
        if line.isascii():
            continue
        try:
            line.decode("utf-8")
        except UnicodeDecodeError:
            cp1252_line = cp1252_line or number
        else:
            utf8_line = utf8_line or number
        if utf8_line and cp1252_line:
            raise ValidationError(
                FILE_FIELD, f"mischt zwei Zeichenkodierungen (Zeile {utf8_line} UTF-8, Zeile "
                f"{cp1252_line} Windows-1252). Bitte die Datei einheitlich speichern, z. B. in "
                "Excel als „CSV UTF-8“.")


def sniff_delimiter(text: str) -> str:
    """`;` (German Excel) or `,` or a tab, by counting outside quotes in the first line."""
    first = text.lstrip("\r\n").split("\n", 1)[0]
    counts = {";": 0, ",": 0, "\t": 0}
    quoted = False
    for ch in first:
        if ch == '"':
            quoted = not quoted
        elif not quoted and ch in counts:
            counts[ch] += 1
    best = max(counts, key=lambda d: (counts[d], d == ";"))
    return best if counts[best] else ";"


def read_table(data: bytes) -> CsvTable:
    text, encoding = decode(data)
    if not text.strip():
        raise ValidationError(FILE_FIELD, "ist leer.")
    delimiter = sniff_delimiter(text)
    rows: list[CsvRow] = []
    header: tuple[str, ...] | None = None
    for line, length, record in _records(text, delimiter):
        cells = tuple(map(str.strip, record))
        if length > MAX_FIELD_CHARS and max(map(len, cells), default=0) > MAX_FIELD_CHARS:
            raise ValidationError(FILE_FIELD, f"Zeile {line}: ein Feld ist zu lang.")
        if not any(cells):
            continue
        if header is None:
            header = cells
            continue
        rows.append(CsvRow(line, cells))
        if len(rows) > MAX_ROWS:
            raise ValidationError(FILE_FIELD, f"hat zu viele Zeilen (höchstens {MAX_ROWS}).")
    if header is None:
        raise ValidationError(FILE_FIELD, "ist leer.")
    return CsvTable(header, tuple(rows), encoding, delimiter)


# Characters str.splitlines() ends a line at besides \r and \n (a file opened with
# newline="" does not).
_OTHER_LINE_BREAKS = re.compile("[\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029]")


def _records(text: str, delimiter: str) -> Iterator[tuple[int, int, list[str]]]:
    """(line where it starts, an upper bound of its longest cell, cells) of each record.
    Lines end at \\r\\n, \\n or \\r, as in a file opened with newline=""."""
    if '"' not in text:
        # Without a quote character every line is one record, split at the delimiter:
        # what csv.reader returns, without its per-character state machine (a third of
        # the time of reading 100,000 rows).
        if _OTHER_LINE_BREAKS.search(text):
            lines = [raw.rstrip("\r\n") for raw in _lines(text)]
        else:
            lines = text.splitlines()
        return _split_records(lines, delimiter)
    return _quoted_records(text, delimiter)


def _split_records(lines: list[str], delimiter: str) -> Iterator[tuple[int, int, list[str]]]:
    limit = csv.field_size_limit()  # what csv.reader refuses as malformed
    for number, line in enumerate(lines, 1):
        record = line.split(delimiter) if line else []
        if len(line) > limit and max(map(len, record)) > limit:
            raise _malformed(number)
        yield number, len(line), record


def _quoted_records(text: str, delimiter: str) -> Iterator[tuple[int, int, list[str]]]:
    reader = csv.reader(_lines(text), delimiter=delimiter, strict=True)
    start = 1
    try:
        for record in reader:
            yield start, MAX_FIELD_CHARS + 1, record
            start = reader.line_num + 1
    except csv.Error:
        raise _malformed(reader.line_num) from None


_LINE = re.compile(r"[^\r\n]*(?:\r\n|\r|\n|$)")


def _lines(text: str) -> list[str]:
    """Lines with their endings (\\r\\n, \\n or \\r), as in a file opened with newline=""."""
    return [m.group(0) for m in _LINE.finditer(text) if m.group(0)]


def _malformed(line: int) -> ValidationError:
    return ValidationError(FILE_FIELD, f"Zeile {line}: fehlerhaftes CSV "
                           "(Anführungszeichen oder Trennzeichen).")
