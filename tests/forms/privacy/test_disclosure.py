"""Art. 15 report: PDF and JSON from plain data (umlauts intact, withheld parts listed
without content, refusal shown with its reason)."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, date, datetime

from casework.clock import FixedClock
from casework.forms.privacy.disclosure import (
    ContactEntry,
    Decision,
    DisclosureData,
    Field,
    HouseholdPart,
    NoteLine,
    Record,
    RecordSection,
    Withheld,
    render_disclosure,
    to_json,
)
from casework.models.directory.profile import Organisation


def _data(organisation: Organisation) -> DisclosureData:
    return DisclosureData(
        organisation=organisation, received_on=date(2026, 11, 21),
        due_on=date(2026, 12, 21), subject_name="Ayşe Müller",
        person=(Field("Vorname", "Ayşe"), Field("Nachname", "Müller")),
        households=(HouseholdPart("Müller", (Field("Anschrift", "Gärtnerstraße 12"),),
                                  "Aufbewahrung bis auf Weiteres (Fall offen)."),),
        contacts=(ContactEntry(datetime(2026, 11, 16, 13, 0, tzinfo=UTC), "Hausbesuch", 30,
                               ("Wohnung",), (NoteLine("Fakt", "Sucht größere Wohnung."),),
                               "Termin beim Jobcenter", True),),
        sections=(RecordSection("einwilligungen", "Einwilligungen", (Record(
            "Einwilligung vom 12.03.2026", (Field("Zweck", "Fotos", "purpose_key"),)),)),),
        purposes=("Beratung",), recipients=("Keine Übermittlungen an Dritte verzeichnet.",),
        source="Von Ihnen selbst.",
        withheld=(Withheld("Angaben zur meldenden Person", 1, "Schutz der meldenden Person"),),
        decisions=(Decision("Schwärzung/Beschränkung", "Schutz Dritter", date(2026, 11, 21),
                            "Leitung Eins (Leitung)"),),
        salutation="Sehr geehrte Frau Müller,",
        address_lines=("Ayşe Müller", "Gärtnerstraße 12", "46236 Bottrop"),
    )


def test_pdf_contains_package_and_withheld_list(organisation: Organisation, clock: FixedClock,
                                                pdf_text: Callable[[bytes], str]) -> None:
    text = pdf_text(render_disclosure(_data(organisation), clock))
    for expected in ("Auskunft nach Art. 15 DSGVO", "Ayşe Müller", "Gärtnerstraße 12",
                     "Sucht größere Wohnung.", "Termin beim Jobcenter",
                     "Einwilligung vom 12.03.2026", "Zweck Fotos", "Zwecke und Kategorien",
                     "Empfänger", "Herkunft der Daten", "Angaben zur meldenden Person",
                     "Schutz der meldenden Person", "Speicherdauer", "Art. 77",
                     "Leitung Eins (Leitung)", "Sehr geehrte Frau Müller",
                     "Mit freundlichen Grüßen", "Unterschrift"):
        assert expected in text, expected
    assert "purpose_key" not in text and "{" not in text


def test_refused_answer_shows_reason_but_no_data(organisation: Organisation,
                                                 clock: FixedClock,
                                                 pdf_text: Callable[[bytes], str]) -> None:
    data = replace(_data(organisation), refusal_reason="Exzessives Ersuchen.")
    text = pdf_text(render_disclosure(data, clock))
    assert "nicht erteilen" in text and "Exzessives Ersuchen." in text
    assert "Sucht größere Wohnung." not in text


def test_json_is_structured_and_keeps_umlauts(organisation: Organisation) -> None:
    data = json.loads(to_json(_data(organisation)))
    assert data["format"] == "casework-auskunft-art15" and data["format_version"] == 2
    assert data["subject"] == {"name": "Ayşe Müller",
                               "data": {"Vorname": "Ayşe", "Nachname": "Müller"}}
    assert data["contacts"][0]["notes"] == [{"kind": "Fakt", "text": "Sucht größere Wohnung."}]
    assert data["withheld"] == [{"what": "Angaben zur meldenden Person", "count": 1,
                                 "reason": "Schutz der meldenden Person"}]
    assert data["records"] == {"einwilligungen": [{"heading": "Einwilligung vom 12.03.2026",
                                                   "data": {"purpose_key": "Fotos"}}]}
    assert "request_id" not in json.dumps(data) and "id" not in data["request"]
    assert "Ayşe" in to_json(_data(organisation))  # not \\u-escaped


def test_address_sits_in_the_din_5008_window(organisation: Organisation, clock: FixedClock) -> None:
    """The recipient's address lies inside the window of a DL envelope (Form B: 20 mm
    from the left, 62.7-90 mm from the top edge), the text starts below it."""
    import io

    import pypdf

    page = pypdf.PdfReader(io.BytesIO(render_disclosure(_data(organisation), clock))).pages[0]
    found: dict[str, tuple[float, float]] = {}

    def visit(text: str, _cm: object, tm: list[float], *_rest: object) -> None:
        if text.strip():
            found.setdefault(text.strip(), (tm[4], tm[5]))

    page.extract_text(visitor_text=visit)
    mm = 72 / 25.4
    height = float(page.mediabox.height)
    x, y = found["46236 Bottrop"]
    assert abs(x - 20 * mm) < 1
    assert 62.7 * mm < height - y < 90 * mm
    x, y = found["Ayşe Müller"]
    assert 62.7 * mm < height - y < 90 * mm
    subject_y = next(v[1] for k, v in found.items() if k.startswith("Ihr Antrag auf Auskunft"))
    assert height - subject_y > 95 * mm
