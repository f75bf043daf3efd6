"""The shared PDF base: page template, fonts, escaping, metadata, atomic writes."""

from __future__ import annotations

import io
import os
import subprocess
import sys
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import pypdf
import pytest

from casework.clock import FixedClock
from casework.errors import UserError
from casework.forms import base
from casework.forms import flowables as fl
from casework.models.directory.profile import Organisation

REPO = Path(__file__).resolve().parents[2]
LETTERHEAD = base.Letterhead(
    name="Stadtteilbüro Süd",
    address_lines=("Am Übergang 3", "46236 Bottrop"),
    contact_line="Tel. 02041 55-1234 · info@traeger.bottrop.example",
)


def _doc(story: list[object], clock: FixedClock, **kwargs: str) -> bytes:
    return base.build_document(
        story, letterhead=LETTERHEAD, title="Testdokument", clock=clock, **kwargs
    )


def _long_story(paragraphs: int = 12) -> list[object]:
    text = "Ein Absatz mit genug Text, damit die Seite voll wird. " * 25
    return [fl.para(text) for _ in range(paragraphs)]


def test_escape_keeps_markup_characters_literal() -> None:
    assert base.escape("a & b <b>c</b> > d") == "a &amp; b &lt;b&gt;c&lt;/b&gt; &gt; d"
    assert base.markup("<b>Name:</b> {name}", name="<i>X</i> & Y") == (
        "<b>Name:</b> &lt;i&gt;X&lt;/i&gt; &amp; Y"
    )


def test_user_text_with_markup_is_printed_literally(
    clock: FixedClock, pdf_text: Callable[[bytes], str]
) -> None:
    hostile = 'Familie <b>Groß</b> & Söhne <font size="40">x</font> <br/> 3 > 2'
    pdf = _doc([fl.para(hostile), fl.data_table(["Feld"], [[hostile]])], clock)
    text = pdf_text(pdf)
    assert text.count('Familie <b>Groß</b> & Söhne <font size="40">x</font> <br/> 3 > 2') == 2


def test_letterhead_footer_and_page_numbers_on_every_page(
    clock: FixedClock, pdf_text: Callable[[bytes], str], pdf_pages: Callable[[bytes], int]
) -> None:
    pdf = _doc(_long_story(), clock, footer_note="Vorlage 2026-01")
    pages = pdf_pages(pdf)
    assert pages >= 2
    reader = pypdf.PdfReader(io.BytesIO(pdf))
    for number, page in enumerate(reader.pages, start=1):
        text = " ".join(page.extract_text().split())
        assert "Stadtteilbüro Süd" in text
        assert "Am Übergang 3 · 46236 Bottrop" in text
        assert f"Seite {number} von {pages}" in text
        assert "Testdokument" in text
        assert "Erstellt am 21.11.2026, 08:48 Uhr" in text
        assert "Vorlage 2026-01" in text


def test_creation_date_is_berlin_local_time_from_the_clock(
    pdf_text: Callable[[bytes], str],
) -> None:
    # 23:30 UTC on 21 Nov is already 22 Nov in Berlin; in summer the offset is +2 h.
    winter = _doc([fl.para("x")], FixedClock(datetime(2026, 11, 21, 23, 30, tzinfo=UTC)))
    summer = _doc([fl.para("x")], FixedClock(datetime(2026, 7, 1, 22, 15, tzinfo=UTC)))
    assert "Erstellt am 22.11.2026, 00:30 Uhr" in pdf_text(winter)
    assert "Erstellt am 02.07.2026, 00:15 Uhr" in pdf_text(summer)
    info = pypdf.PdfReader(io.BytesIO(winter)).metadata
    assert info is not None
    assert info["/CreationDate"] == "D:20261122003000+01'00'"


def test_metadata_is_neutral(clock: FixedClock) -> None:
    pdf = _doc([fl.para("Vertraulich: Erika Beispielname, geb. 01.02.2010")], clock)
    info = pypdf.PdfReader(io.BytesIO(pdf)).metadata
    assert info is not None
    assert info["/Title"] == "Testdokument"
    assert info["/Author"] == "Casework"
    meta = " ".join(str(value) for value in info.values())
    assert "Beispielname" not in meta
    assert "ReportLab" not in meta


def test_fonts_are_embedded_dejavu_only(
    clock: FixedClock, pdf_fonts: Callable[[bytes], set[str]]
) -> None:
    story = [
        fl.para("Überschrift", base.styles().title),
        fl.checkbox_line("Ankreuzfeld", True, detail_label="und zwar:", detail="Text"),
        fl.field_line([("Name:", "")]),
        fl.signature_row(),
        fl.data_table(["A", "B"], [["1", "2"]]),
        fl.key_value_table([("Feld:", "Wert")]),
        fl.bullets(["eins", "zwei"]),
    ]
    pdf = _doc(story, clock)
    names = pdf_fonts(pdf)
    assert names, "the page uses fonts"
    assert all(name.split("+")[-1] in {"DejaVuSans", "DejaVuSans-Bold"} for name in names), names
    reader = pypdf.PdfReader(io.BytesIO(pdf))
    fonts = reader.pages[0]["/Resources"]["/Font"]
    for ref in fonts.values():
        descriptor = ref.get_object()["/FontDescriptor"].get_object()
        assert "/FontFile2" in descriptor, "TrueType program embedded"


def test_check_boxes_are_drawn_not_typed(
    clock: FixedClock, pdf_text: Callable[[bytes], str], ticked_boxes: Callable[[bytes], int]
) -> None:
    story = [
        fl.checkbox_line("erstens", True),
        fl.checkbox_line("zweitens", False),
        fl.checkbox_line("drittens", True, detail_label="und zwar:", detail="Näheres"),
    ]
    pdf = _doc(story, clock)
    text = pdf_text(pdf)
    assert "erstens" in text and "drittens und zwar: Näheres" in text
    assert not {"☐", "☒", "☑"} & set(text)
    assert ticked_boxes(pdf) == 2


def test_same_input_gives_identical_bytes(clock: FixedClock) -> None:
    first = _doc(_long_story(3), clock)
    second = _doc(_long_story(3), clock)
    assert first == second
    later = _doc(_long_story(3), FixedClock(datetime(2026, 11, 22, 7, 48, tzinfo=UTC)))
    assert later != first


def test_long_table_repeats_its_header_on_the_next_page(clock: FixedClock) -> None:
    rows = [[f"Zeile {i}", "Inhalt <mit> Zeichen & mehr"] for i in range(90)]
    pdf = _doc([fl.data_table(["Spalte Nr.", "Spalte Text"], rows)], clock)
    reader = pypdf.PdfReader(io.BytesIO(pdf))
    assert len(reader.pages) >= 2
    for page in reader.pages:
        assert "Spalte Nr." in page.extract_text()
    assert "Zeile 89" in reader.pages[-1].extract_text()


def test_letterhead_from_profile_lines_or_fields(organisation: Organisation) -> None:
    from dataclasses import replace

    built = base.letterhead_from_organisation(organisation)
    assert built.name == organisation.name
    assert built.address_lines == ("Am Übergang 3", "46236 Bottrop")
    assert built.contact_line == "Tel. 02041 55-1234 · stadtteilbuero@traeger.bottrop.example"
    given = replace(organisation, letterhead_lines=("Träger", "Weg 1 · 46236 Bottrop", "Tel. 1"))
    assert base.letterhead_from_organisation(given) == base.Letterhead(
        "Träger", ("Weg 1 · 46236 Bottrop",), "Tel. 1"
    )


def test_write_pdf_atomic_writes_and_replaces(tmp_path: Path, clock: FixedClock) -> None:
    target = tmp_path / "formular.pdf"
    target.write_bytes(b"old")
    pdf = _doc([fl.para("x")], clock)
    assert base.write_pdf_atomic(target, pdf) == target
    assert target.read_bytes() == pdf
    assert os.listdir(tmp_path) == ["formular.pdf"]


def test_write_pdf_atomic_missing_folder_is_a_user_error(tmp_path: Path) -> None:
    with pytest.raises(UserError) as caught:
        base.write_pdf_atomic(tmp_path / "fehlt" / "formular.pdf", b"%PDF-1.4")
    assert "nicht geschrieben" in caught.value.message
    assert "fehlt" not in caught.value.message.split(":")[0]
    assert not (tmp_path / "fehlt").exists()


def test_write_pdf_atomic_leaves_nothing_half_written(tmp_path: Path) -> None:
    target = tmp_path / "ordner.pdf"
    target.mkdir()  # renaming a file over a directory fails, also for root
    with pytest.raises(UserError):
        base.write_pdf_atomic(target, b"%PDF-1.4 data")
    assert target.is_dir()
    assert os.listdir(tmp_path) == ["ordner.pdf"]
    assert os.listdir(target) == []


def test_importing_a_form_module_does_not_load_reportlab() -> None:
    code = "import sys, casework.forms.consent; print('reportlab' in sys.modules)"
    result = subprocess.run(
        [sys.executable, "-c", code],
        cwd=REPO,
        capture_output=True,
        text=True,
        check=True,
        env={**os.environ, "PYTHONPATH": str(REPO)},
    )
    assert result.stdout.strip() == "False"
