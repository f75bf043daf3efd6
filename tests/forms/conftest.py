"""Fixtures for PDF tests: real reportlab output, read back with pypdf."""

from __future__ import annotations

import io
import json
import re
from collections.abc import Callable
from datetime import UTC, datetime

import pypdf
import pytest

from casework import resources
from casework.clock import FixedClock
from casework.models.directory.parsing import parse_profile
from casework.models.directory.profile import (
    DataProtectionContact,
    Organisation,
    Profile,
)

# A diagonal stroke "n x1 y1 m x2 y2 l S" with x1 != x2 and y1 != y2: the two halves of
# the cross in a ticked box. Rules, grids and signature lines are horizontal/vertical.
_STROKE = re.compile(rb"n ([-\d.]+) ([-\d.]+) m ([-\d.]+) ([-\d.]+) l S")


def extract_text(pdf: bytes) -> str:
    """All pages' text with whitespace collapsed (line breaks do not split phrases)."""
    reader = pypdf.PdfReader(io.BytesIO(pdf))
    text = " ".join(page.extract_text() for page in reader.pages)
    return re.sub(r"\s+", " ", text.replace("\xa0", " "))


def count_pages(pdf: bytes) -> int:
    return len(pypdf.PdfReader(io.BytesIO(pdf)).pages)


def count_ticked_boxes(pdf: bytes) -> int:
    """How many drawn check boxes carry a cross."""
    reader = pypdf.PdfReader(io.BytesIO(pdf))
    diagonals = 0
    for page in reader.pages:
        content = page.get_contents()
        data = content.get_data() if content is not None else b""
        for x1, y1, x2, y2 in _STROKE.findall(data):
            if float(x1) != float(x2) and float(y1) != float(y2):
                diagonals += 1
    assert diagonals % 2 == 0, "a cross has two strokes"
    return diagonals // 2


def font_names(pdf: bytes) -> set[str]:
    """BaseFont names of all fonts the pages use."""
    reader = pypdf.PdfReader(io.BytesIO(pdf))
    names: set[str] = set()
    for page in reader.pages:
        fonts = page["/Resources"].get_object().get("/Font")
        if fonts is None:
            continue
        for ref in fonts.get_object().values():
            names.add(str(ref.get_object()["/BaseFont"]))
    return names


@pytest.fixture
def pdf_text() -> Callable[[bytes], str]:
    return extract_text


@pytest.fixture
def pdf_pages() -> Callable[[bytes], int]:
    return count_pages


@pytest.fixture
def ticked_boxes() -> Callable[[bytes], int]:
    return count_ticked_boxes


@pytest.fixture
def pdf_fonts() -> Callable[[bytes], set[str]]:
    return font_names


@pytest.fixture
def clock() -> FixedClock:
    # 07:48 UTC = 08:48 in Berlin (CET).
    return FixedClock(datetime(2026, 11, 21, 7, 48, tzinfo=UTC))


@pytest.fixture
def organisation() -> Organisation:
    return Organisation(
        name="Stadtteilbüro Süd – Träger Beispiel gGmbH",
        address_lines=(
            "Stadtteilbüro Süd – Träger Beispiel gGmbH",
            "Am Übergang 3",
            "46236 Bottrop",
        ),
        phone="02041 55-1234",
        email="stadtteilbuero@traeger.bottrop.example",
        data_protection_contact=DataProtectionContact(
            role="Datenschutzbeauftragte/r des Trägers",
            address="Postfach 12 34, 46201 Bottrop",
            phone="02041 55-9999",
            email="datenschutz@traeger.bottrop.example",
        ),
        letterhead_lines=(),
    )


@pytest.fixture
def profile() -> Profile:
    """The shipped example profile, parsed by the real parser."""
    text = resources.files("profiles", "bottrop-beispiel.json")
    return parse_profile(json.loads(text.read_text(encoding="utf-8")))


def first_page_positions(pdf: bytes) -> dict[str, tuple[float, float]]:
    """Text runs of page 1 → (x, distance from the top edge), both in millimetres."""
    import io as _io

    import pypdf as _pypdf

    page = _pypdf.PdfReader(_io.BytesIO(pdf)).pages[0]
    height = float(page.mediabox.height)
    found: dict[str, tuple[float, float]] = {}

    def visit(text: str, _cm: object, tm: list[float], *_rest: object) -> None:
        if text.strip():
            found.setdefault(text.strip(), (tm[4] / 72 * 25.4, (height - tm[5]) / 72 * 25.4))

    page.extract_text(visitor_text=visit)
    return found


def assert_in_window(pdf: bytes, *lines: str) -> None:
    """DIN 5008 Form B: the address lines sit 20 mm from the left edge inside the
    address zone (62.7–90 mm from the top) of a window envelope."""
    positions = first_page_positions(pdf)
    for line in lines:
        assert line in positions, (line, sorted(positions))
        x, top = positions[line]
        assert abs(x - 20) < 0.5 and 62.7 < top < 90, (line, x, top)
