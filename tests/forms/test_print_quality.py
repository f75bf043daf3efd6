"""Print quality (issue 19): a date, a phone number and an e-mail address never break
across lines, words never break mid-word; no internal codes, requirement ids, source
citations or developer notes on paper."""

from __future__ import annotations

import io
import json
import re
from itertools import pairwise
from pathlib import Path

import pypdf

from casework.clock import FixedClock
from casework.forms.directory import render_rote_mappe
from casework.services.directory.shipped import load_profile

PROFILE_FILE = Path(__file__).resolve().parents[2] / "resources" / "profiles" / \
    "bottrop-beispiel.json"
PHONE = re.compile(r"(?:\+\d{2} ?)?\(?0\d{2,5}\)?(?:[ /-]\d{2,}){1,4}")
EMAIL = re.compile(r"[\w.+\-]+@[\w\-]+(?:\.[\w\-]+)+")
DATE = re.compile(r"\b\d{2}\.\d{2}\.\d{4}\b")


def lines_of(pdf: bytes) -> list[str]:
    reader = pypdf.PdfReader(io.BytesIO(pdf))
    text = "\n".join(page.extract_text() for page in reader.pages)
    return [re.sub(r"\s+", " ", line.replace("\xa0", " ")).strip()
            for line in text.splitlines()]


def tokens_in(value: object, pattern: re.Pattern[str]) -> set[str]:
    found: set[str] = set()
    if isinstance(value, dict):
        for inner in value.values():
            found |= tokens_in(inner, pattern)
    elif isinstance(value, list):
        for inner in value:
            found |= tokens_in(inner, pattern)
    elif isinstance(value, str):
        found |= {m.group(0) for m in pattern.finditer(value)}
    return found


def assert_unbroken(lines: list[str], tokens: set[str]) -> None:
    """Every token that is printed stands whole on one line; none is cut in two."""
    joined = " ".join(lines)
    broken = [t for t in tokens if t in joined.replace("- ", "-") and not any(
        t in line for line in lines)]
    assert not broken, broken
    for token in tokens:
        for cut in range(3, len(token) - 2):
            head, tail = token[:cut], token[cut:]
            for first, second in pairwise(lines):
                assert not (first.endswith(head) and second.startswith(tail)
                            and not any(token in line for line in (first, second))), token


def test_rote_mappe_keeps_phones_and_emails_whole(clock: FixedClock) -> None:
    raw = json.loads(PROFILE_FILE.read_text(encoding="utf-8"))
    lines = lines_of(render_rote_mappe(load_profile("bottrop-beispiel"), clock))
    phones = {p for p in tokens_in(raw, PHONE) if len(re.sub(r"\D", "", p)) >= 6}
    emails = tokens_in(raw, EMAIL)
    assert phones and emails
    text = "\n".join(lines)
    printed_emails = {e for e in emails if e in text}
    assert len(printed_emails) >= 10, printed_emails
    assert_unbroken(lines, phones | emails)
    # words never break mid-word: no line ends in a lone fragment of a known long word
    for word in ("Notfallrufbereitschaft", "Gefährdungseinschätzung", "sorgeberechtigt"):
        for cut in range(2, len(word) - 1):
            assert not any(a.endswith(word[:cut]) and b.startswith(word[cut:])
                           for a, b in pairwise(lines)), word


def test_rote_mappe_holds_no_developer_notes(clock: FixedClock) -> None:
    text = " ".join(lines_of(render_rote_mappe(load_profile("bottrop-beispiel"), clock)))
    for note in ("office_phone", "ist ein Platzhalter", "Nicht-ASCII", "Quelle:", "Widerspruch",
                 "vermutlich", "(sic)", "LR-", "Quelle 0"):
        assert note not in text, note


def test_dates_in_narrow_cells_stay_whole(clock: FixedClock) -> None:
    from casework.forms import base
    from casework.forms import flowables as fl
    from casework.forms.base import Letterhead

    rows = [("15.12.2026", "02041 99-0001", "asd-koordination-gesundheit@bottrop.example",
             "Gefährdungseinschätzung sorgeberechtigt Notfallrufbereitschaft")] * 3
    story = [fl.data_table(("Datum", "Telefon", "E-Mail", "Bemerkung"), rows,
                           col_widths=(base.mm(14), base.mm(16), base.mm(30), base.mm(112)))]
    pdf = base.build_document(story, letterhead=Letterhead("Träger"), title="Test",
                              clock=clock)
    lines = lines_of(pdf)
    assert_unbroken(lines, {"15.12.2026", "02041 99-0001",
                            "asd-koordination-gesundheit@bottrop.example"})
    assert all(any(t in line for line in lines) for t in ("15.12.2026", "02041 99-0001"))
