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
    RecordSection,
    Withheld,
    render_disclosure,
    to_json,
)
from casework.models.directory.profile import Organisation


def _data(organisation: Organisation) -> DisclosureData:
    return DisclosureData(
        organisation=organisation, request_id="req-1", received_on=date(2026, 11, 21),
        due_on=date(2026, 12, 21), subject_name="Ayşe Müller",
        person=(Field("Vorname", "Ayşe"), Field("Nachname", "Müller")),
        households=(HouseholdPart("Müller", (Field("Anschrift", "Gärtnerstraße 12"),),
                                  "Aufbewahrung bis auf Weiteres (Fall offen)."),),
        contacts=(ContactEntry(datetime(2026, 11, 16, 13, 0, tzinfo=UTC), "Hausbesuch", 30,
                               ("Wohnung",), (NoteLine("Fakt", "Sucht größere Wohnung."),),
                               "Termin beim Jobcenter", True),),
        sections=(RecordSection("Einwilligungen", ((Field("purpose_key", "foto"),),)),),
        purposes=("Beratung",), recipients=("Keine Übermittlungen an Dritte verzeichnet.",),
        source="Von Ihnen selbst.",
        withheld=(Withheld("Angaben zur meldenden Person", 1, "Schutz der meldenden Person"),),
        decisions=(Decision("Schwärzung/Beschränkung", "Schutz Dritter", date(2026, 11, 21)),),
    )


def test_pdf_contains_package_and_withheld_list(organisation: Organisation, clock: FixedClock,
                                                pdf_text: Callable[[bytes], str]) -> None:
    text = pdf_text(render_disclosure(_data(organisation), clock))
    for expected in ("Auskunft nach Art. 15 DSGVO", "Ayşe Müller", "Gärtnerstraße 12",
                     "21.12.2026", "Sucht größere Wohnung.", "Termin beim Jobcenter",
                     "Einwilligungen (1)", "Zwecke der Verarbeitung", "Empfänger",
                     "Herkunft der Daten", "Angaben zur meldenden Person",
                     "Schutz der meldenden Person", "Speicherdauer", "Art. 77"):
        assert expected in text, expected


def test_refused_answer_shows_reason_but_no_data(organisation: Organisation,
                                                 clock: FixedClock,
                                                 pdf_text: Callable[[bytes], str]) -> None:
    data = replace(_data(organisation), refusal_reason="Exzessives Ersuchen.")
    text = pdf_text(render_disclosure(data, clock))
    assert "Ablehnung der Auskunft" in text and "Exzessives Ersuchen." in text
    assert "Sucht größere Wohnung." not in text


def test_json_is_structured_and_keeps_umlauts(organisation: Organisation) -> None:
    data = json.loads(to_json(_data(organisation)))
    assert data["format"] == "casework-auskunft-art15" and data["format_version"] == 1
    assert data["subject"] == {"name": "Ayşe Müller",
                               "data": {"Vorname": "Ayşe", "Nachname": "Müller"}}
    assert data["contacts"][0]["notes"] == [{"kind": "Fakt", "text": "Sucht größere Wohnung."}]
    assert data["withheld"] == [{"what": "Angaben zur meldenden Person", "count": 1,
                                 "reason": "Schutz der meldenden Person"}]
    assert "Ayşe" in to_json(_data(organisation))  # not \\u-escaped
