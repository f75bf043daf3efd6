"""Pseudonymisation for the iseF (LR-05), pure: pseudonyms, age bands, scrubbing."""

from __future__ import annotations

from datetime import UTC, date, datetime

from casework.models.contacts import NoteKind
from casework.models.households.person import BirthInfo
from casework.models.ids import HouseholdId, PersonId, WorkerId
from casework.models.kinderschutz.dossier import (
    Dossier,
    PersonInfo,
    age_band,
    pseudonymise,
)
from casework.models.kinderschutz.findings import Observation
from casework.models.kinderschutz.procedure import Entry, Procedure, ProcedureFile
from casework.models.kinderschutz.vocabulary import EntryKind, State

NOW = datetime(2026, 11, 20, 9, 0, tzinfo=UTC)
TODAY = date(2026, 11, 20)


def dossier(*texts: str) -> Dossier:
    entries = tuple(Entry(f"e{i}", i, EntryKind.OBSERVATION,
                          Observation(NOW, NoteKind.BEOBACHTUNG, t, "Frau Özdemir-Schäfer"),
                          NOW, WorkerId("w")) for i, t in enumerate(texts, 1))
    procedure = Procedure("0190aaaa-bbbb-7ccc-8ddd-eeeeffff0001", HouseholdId("h"),
                          (PersonId("c2"), PersonId("c1")), WorkerId("w"), State.S2, False,
                          NOW, WorkerId("w"))
    persons = (
        PersonInfo("p1", "Jürgen", "Özdemir-Schäfer", "Elternteil", BirthInfo(date(1980, 2, 3)),
                   custody=True),
        PersonInfo("p2", "Ayşe", "Özdemir-Schäfer", "Elternteil", BirthInfo(birth_year=1991),
                   custody=True),
        PersonInfo("c1", "Mia", "Özdemir-Schäfer", "Kind", BirthInfo(date(2024, 6, 1))),
        PersonInfo("c2", "Ben", "Özdemir-Schäfer", "Kind", BirthInfo(date(2012, 1, 9))),
        PersonInfo("c3", "Noah", "Özdemir-Schäfer", "Kind", BirthInfo(due_date=date(2027, 2, 1))),
    )
    return Dossier(ProcedureFile(procedure, (), entries), "Özdemir-Schäfer",
                   "Gärtnerstraße 12a", "46236", "Bottrop", "Batenbrock-Süd", persons,
                   {"w": "Fachkraft"}, today=TODAY, phones=("+49 176 555 0101",))


def test_LR05_pseudonyms_and_age_bands() -> None:
    extract, key = pseudonymise(dossier())
    by_name = {p.pseudonym: p for p in extract.persons}
    assert key["Kind A"] == "c2" and key["Kind B"] == "c1"  # concerned children, oldest first
    assert key["Elternteil 1"] == "p1" and key["Elternteil 2"] == "p2"
    assert key["Geschwisterkind 1"] == "c3"
    assert by_name["Kind A"].age_band == "14–18 Jahre"
    assert by_name["Kind B"].age_band == "0–3 Jahre"
    assert by_name["Geschwisterkind 1"].age_band == "ungeboren"
    assert by_name["Elternteil 1"].age_band == "erwachsen, 40–49 Jahre"
    assert extract.reference == "Vorgang FF0001"
    assert age_band(BirthInfo(), TODAY) == "Alter unbekannt"
    assert age_band(BirthInfo(date(2020, 11, 21)), TODAY) == "3–6 Jahre"  # 5 until tomorrow
    assert age_band(BirthInfo(date(2020, 11, 20)), TODAY) == "6–14 Jahre"


def test_LR05_free_text_is_scrubbed() -> None:
    text = ("Jürgen Özdemir-Schäfer (geb. 03.02.1980, Tel. +49 176 555 0101 bzw. "
            "0176/5550101) holte Mia und Bens Schwester ab; Mutter Ayse (ayse.oez@web.example) "
            "wohnt Gärtnerstr. 12a, 46236 Bottrop. Herr Oezdemir schrieb am 3. Februar 1980 … "
            "Nachbarn in der Gaertnerstrasse sahen es um 14:30 Uhr.")
    extract, _ = pseudonymise(dossier(text))
    clean = extract.observations[0].text
    for secret in ("Jürgen", "Özdemir", "Oezdemir", "Schäfer", "Mia", "Ben", "Ayse",
                   "03.02.1980", "3. Februar 1980", "176", "5550101", "web.example",
                   "Gärtnerstr", "Gaertnerstrasse", "46236"):
        assert secret not in clean, (secret, clean)
    assert clean.startswith("Elternteil 1 (geb. [Geburtsdatum], Tel. [Telefon]")
    assert "Kind B" in clean and "Kind A" in clean and "Elternteil 2" in clean
    assert "Bottrop" in clean and "14:30 Uhr" in clean  # not identifying on its own
    assert extract.observations[0].source == "Frau [Familienname]"
