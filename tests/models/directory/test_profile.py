"""Profile validation and Stadtteil/PLZ lookup (casework.models.directory.profile)."""

from __future__ import annotations

import copy
import hashlib
import json
import re
from collections.abc import Callable
from typing import Any

import pytest

from casework.errors import ValidationError
from casework.models.directory.parsing import parse_profile
from casework.models.directory.profile import (
    Profile,
    close_matches,
    districts_for_plz,
    resolve_district,
)
from casework.models.text import fold
from tests.conftest import REPO_ROOT

PROFILES = REPO_ROOT / "resources" / "profiles"


def raw(name: str = "bottrop-beispiel") -> dict[str, Any]:
    return json.loads((PROFILES / f"{name}.json").read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def bottrop() -> Profile:
    return parse_profile(raw())


@pytest.fixture(scope="module")
def musterstadt() -> Profile:
    return parse_profile(raw("musterstadt"))


def numbers(districts: tuple[Any, ...]) -> list[int]:
    return [d.number for d in districts]


# --- the Bottrop example profile mirrors sources-reference §3.7–3.9 -------------------------


def test_bottrop_profile_has_the_eleven_districts_of_the_asd_list(bottrop: Profile) -> None:
    asd = bottrop.asd
    assert numbers(asd.districts) == list(range(1, 12))
    assert asd.districts[8].stadtteile == (
        "Batenbrock-Süd",
        "Welheimer Mark",
        "Ebel",
        "Lehmkuhle-Ost",
    )
    assert asd.districts[4].plz == ("46238", "46242")
    assert asd.districts[10].plz == ()  # Bezirk 11 has no PLZ in the source
    assert sum(len(d.stadtteile) for d in asd.districts) == 24
    assert [f.name for f in asd.special_functions][2] == (
        "Hilfe für junge Volljährige (§ 41 SGB VIII)"
    )
    assert [s.label() for s in asd.office_hours] == [
        "Mo 08:30–12:30",
        "Mi 08:30–12:30",
        "Do 08:30–12:30",
        "Do 14:00–17:00",
    ]
    rule = asd.after_hours
    assert (f"{rule.daily_from:%H:%M}", f"{rule.until:%H:%M}") == ("16:00", "08:30")
    assert rule.starts_at(2).strftime("%H:%M") == "12:30"
    assert rule.phones == ("110", "112")
    assert bottrop.programme_key("Teilhabemanagement") is not None
    key = bottrop.programme_key("Teilhabemanagement")
    assert key is not None and (key.clients_per_fte, key.warn_above) == (100, 0.9)


def test_bottrop_profile_keeps_source_quirks_and_records_them_in_notes(bottrop: Profile) -> None:
    by_number = {d.number: d for d in bottrop.asd.districts}
    assert by_number[3].phone == by_number[7].phone  # source data error, kept and flagged
    notes = "\n".join(bottrop.notes)
    assert "Bezirke 3 und 7" in notes
    assert "Donnerstags von 16:00 bis 17:00" in notes
    assert "Prosper III" in notes
    assert any("@" in p.email and not p.email.isascii() for p in bottrop.partners)
    prosper = next(p for p in bottrop.partners if "Prosper III" in p.name)
    assert [s.label() for s in prosper.opening_hours] == ["Mo 12:00–16:00", "Do 09:00–13:00"]
    assert "08:00–12:00" in prosper.notes


def test_bottrop_profile_contains_no_real_staff_names_or_addresses() -> None:
    text = (PROFILES / "bottrop-beispiel.json").read_text(encoding="utf-8")
    # Surnames of the real staff in the source documents, as truncated SHA-256 of their
    # folded form, so the guard does not itself ship the names.
    real_name_hashes = {
        "1411b682f3aef1b2",
        "277fbf5a9140ff62",
        "2ae66f839582c4ac",
        "34276367a797d445",
        "3cf4fdc2837d810d",
        "40ca1301f8316e30",
        "40e7bda903ae72a7",
        "42d5e0dc1969f0df",
        "57530bc1553f5593",
        "5ad02bf648b850a4",
        "8aca4f36774f82a6",
        "9c4569379694d6a1",
        "aac2c1606f61eb15",
        "af81b32475cfd7b2",
        "b01936c8d50f3ac9",
        "c50fb7a6be78f7b2",
        "c7d9c4d08cc9e2c8",
        "e06a063ae98d88d0",
        "e0af18104ffdccf3",
        "ebe9dba710d3ec56",
    }
    words = {fold(w) for w in re.findall(r"[^\W\d_]+", text)}
    leaked = [w for w in words
              if hashlib.sha256(w.encode()).hexdigest()[:16] in real_name_hashes]
    assert not leaked
    emails = re.findall(r"[\w.+-]+@[\w.-]+", text)
    assert emails
    # Staff addresses are placeholders; institutions' own published addresses may stay.
    institutional = {"frauenhaus.bottrop@awo-gelsenkirchen.de", "gegenwind-bottrop@t-online.de"}
    assert all(e.endswith(".example") or e in institutional for e in emails), emails


# Source 000:2037-2058 (Rote Mappe, Liste ASD, Notdienst), published with "Stand 11/2019".
PUBLISHED_EMERGENCY_NUMBERS = {
    "Polizei – Polizeiwache Bottrop": ("02041 695-2132", "110"),
    "Feuerwehr Bottrop": ("02041 78 03-0", "112"),
    "Stadt Bottrop – ASD": ("siehe ASD-Bezirke", "02041/704470"),
    "Marienhospital Bottrop – Kinderklinik / Ärztliche Kinderschutzambulanz":
        ("0 20 41 106-1550", "0 20 41 106-1550"),
    "Frauenhaus Bottrop (AWO)": ("02041 409203", ""),
    "Gegenwind e. V.": ("02041 20811", ""),
}


def test_public_emergency_numbers_are_the_published_ones_and_marked_unchecked(
        bottrop: Profile) -> None:
    """Issue: invented numbers that look dialable are dangerous in an emergency dialog.
    Every number of a public institution is the published one, with its date, and counts
    as unchecked until the organisation enters a check date."""
    shipped = {c.name: (c.phone, c.emergency_number) for c in bottrop.emergency_contacts}
    assert shipped == PUBLISHED_EMERGENCY_NUMBERS
    assert bottrop.asd.notdienst_phone == "02041/704470"
    assert bottrop.asd.office_phone == ""  # the sources publish none: no invented one
    assert {d.number: d.phone for d in bottrop.asd.districts}[9] == "02041-70 3626"
    numbered = [*bottrop.emergency_contacts, *bottrop.asd.districts,
                *bottrop.asd.special_functions]
    assert all(e.source.published == "11/2019" and e.source.unverified for e in numbered)
    assert bottrop.asd.notdienst_source.note() == (
        "Rufnummer ungeprüft (veröffentlicht, Stand 11/2019) – vor Gebrauch vom Träger prüfen")
    text = " ".join(bottrop.notes)
    assert "Platzhalter" not in text and "office_phone" not in text


def test_contact_roles_are_placeholders(bottrop: Profile) -> None:
    assert bottrop.asd.districts[2].contact_role == "ASD Bezirk 3 – Fachkraft"
    assert bottrop.organisation.name == "Beispielträger Quartiersarbeit e. V."
    assert bottrop.organisation.data_protection_contact.role


def test_consent_catalogue_follows_the_contract(bottrop: Profile) -> None:
    consent = bottrop.consent
    assert [p.key for p in consent.purposes] == ["email", "event", "photo", "digital", "other"]
    assert [r.key for r in consent.recipients] == ["traeger", "stadt", "fbs", "icm", "other"]
    guardians = {p.key: p.guardians_required_under for p in consent.purposes}
    assert guardians == {"email": None, "event": None, "photo": 16, "digital": 16, "other": None}
    assert consent.min_age_self_consent_digital == 16
    assert consent.insight_warning_age == 14


# --- lookup ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "spelling",
    [
        "Batenbrock-Süd",
        "batenbrock sued",
        "BATENBROCK SÜD",
        "  batenbrock – süd ",
        "Batenbrock_Sud",
    ],
)
def test_resolve_district_is_tolerant_of_spelling(bottrop: Profile, spelling: str) -> None:
    assert numbers(resolve_district(bottrop, spelling)) == [9]


def test_resolve_district_exact_name_beats_prefix(bottrop: Profile) -> None:
    assert numbers(resolve_district(bottrop, "Boy")) == [3]
    assert numbers(resolve_district(bottrop, "Stadtmitte")) == [7]
    assert numbers(resolve_district(bottrop, "boy sued west")) == [5]


def test_resolve_district_gives_candidates_for_a_name_prefix(bottrop: Profile) -> None:
    assert numbers(resolve_district(bottrop, "Batenbrock")) == [6, 9, 10]
    assert numbers(resolve_district(bottrop, "eigen")) == [3, 4, 11]


def test_resolve_district_unknown_or_empty(bottrop: Profile) -> None:
    assert resolve_district(bottrop, "Batenbrok") == ()
    assert resolve_district(bottrop, "   ") == ()
    assert resolve_district(bottrop, "Batenbrock-Süd-Ost") == ()


def test_resolve_district_folds_sharp_s(musterstadt: Profile) -> None:
    assert numbers(resolve_district(musterstadt, "am weissen stein")) == [2]
    assert numbers(resolve_district(musterstadt, "MUEHLENTAL")) == [2]


@pytest.mark.parametrize(
    ("plz", "expected"),
    [
        ("46236", [6, 7, 9]),
        ("46240", [3, 4]),
        ("46242", [2, 5, 8]),
        ("46238", [5, 10]),
        (" 46244 ", [1]),
        ("12345", []),
    ],
)
def test_districts_for_plz_is_many_to_many(bottrop: Profile, plz: str, expected: list[int]) -> None:
    assert numbers(districts_for_plz(bottrop, plz)) == expected


def test_close_matches_suggests_stadtteile(bottrop: Profile) -> None:
    assert close_matches(bottrop, "Batenbrok Sud")[0] == "Batenbrock-Süd"
    assert close_matches(bottrop, "Fulenbrock")[0] == "Fuhlenbrock"
    assert len(close_matches(bottrop, "Batenbrok", n=2)) == 2
    assert close_matches(bottrop, "xyzzy") == ()


# --- validation: each malformed field is named -------------------------------------------------

Mutation = Callable[[dict[str, Any]], None]


def _set(path: list[Any], value: Any) -> Mutation:
    def mutate(data: dict[str, Any]) -> None:
        target: Any = data
        for step in path[:-1]:
            target = target[step]
        target[path[-1]] = value

    return mutate


def _delete(path: list[Any]) -> Mutation:
    def mutate(data: dict[str, Any]) -> None:
        target: Any = data
        for step in path[:-1]:
            target = target[step]
        del target[path[-1]]

    return mutate


def _append_stadtteil(data: dict[str, Any]) -> None:
    data["asd"]["districts"][5]["stadtteile"].append("boy")


def _duplicate_purpose(data: dict[str, Any]) -> None:
    data["consent"]["purposes"][1]["key"] = "email"


def _no_phone(data: dict[str, Any]) -> None:
    data["emergency_contacts"][0]["phone"] = ""
    data["emergency_contacts"][0]["emergency_number"] = ""


INVALID = [
    (
        _set(["asd", "districts", 3, "plz", 0], "4624"),
        "asd.districts[3].plz[0]",
        "muss aus 5 Ziffern bestehen",
    ),
    (
        _set(["asd", "districts", 3, "plz", 0], 46240),
        "asd.districts[3].plz[0]",
        "muss aus 5 Ziffern bestehen",
    ),
    (_set(["extra"], 1), "extra", "ist kein bekanntes Feld"),
    (
        _set(["asd", "districts", 0, "telefon"], "1"),
        "asd.districts[0].telefon",
        "ist kein bekanntes Feld",
    ),
    (_delete(["asd"]), "asd", "fehlt"),
    (_set(["title"], "  "), "title", "darf nicht leer sein"),
    (_set(["city"], 5), "city", "muss ein Text sein"),
    (_set(["holiday_subdivision"], "XX"), "holiday_subdivision", "Länderkürzel"),
    (
        _set(["asd", "office_hours", 1, "start"], "8:30"),
        "asd.office_hours[1].start",
        "muss eine Uhrzeit im Format HH:MM sein",
    ),
    (
        _set(["asd", "office_hours", 1, "end"], "24:00"),
        "asd.office_hours[1].end",
        "muss eine Uhrzeit im Format HH:MM sein",
    ),
    (
        _set(["asd", "office_hours", 2, "end"], "08:00"),
        "asd.office_hours[2].end",
        "muss nach dem Beginn liegen",
    ),
    (
        _set(["asd", "office_hours", 0, "weekday"], 7),
        "asd.office_hours[0].weekday",
        "muss ein Wochentag von 0 (Montag) bis 6 (Sonntag) sein",
    ),
    (_set(["asd", "office_hours", 0, "weekday"], True), "asd.office_hours[0].weekday", "Wochentag"),
    (_set(["asd", "working_days"], [0, 1, 1]), "asd.working_days", "doppelt"),
    (_set(["asd", "working_days", 4], -1), "asd.working_days[4]", "Wochentag"),
    (
        _set(["asd", "districts", 4, "number"], 3),
        "asd.districts[4].number",
        "Bezirk 3 ist doppelt vergeben",
    ),
    (
        _set(["asd", "districts", 4, "number"], "5"),
        "asd.districts[4].number",
        "muss eine ganze Zahl sein",
    ),
    (_append_stadtteil, "asd.districts[5].stadtteile[2]", "gehört schon zu Bezirk 3"),
    (
        _set(["asd", "districts", 2, "stadtteile"], []),
        "asd.districts[2].stadtteile",
        "mindestens einen Stadtteil",
    ),
    (
        _set(["asd", "districts", 2, "email"], "asd-bezirk3.bottrop.example"),
        "asd.districts[2].email",
        "ist keine gültige E-Mail-Adresse",
    ),
    (
        _set(["asd", "after_hours", "until"], "17:00"),
        "asd.after_hours.until",
        "muss vor daily_from liegen",
    ),
    (_set(["asd", "after_hours", "daily_from"], "16.00"), "asd.after_hours.daily_from", "HH:MM"),
    (
        _set(["asd", "after_hours", "early_from", 0, "from"], "17:00"),
        "asd.after_hours.early_from[0].from",
        "zwischen until und daily_from",
    ),
    (
        _set(["asd", "after_hours", "weekends"], "ja"),
        "asd.after_hours.weekends",
        "muss true oder false sein",
    ),
    (_set(["asd", "after_hours", "phones"], []), "asd.after_hours.phones", "mindestens eine"),
    (_delete(["asd", "notdienst_phone"]), "asd.notdienst_phone", "fehlt"),
    (_set(["asd", "districts"], {}), "asd.districts", "muss eine Liste sein"),
    (
        _set(["organisation", "data_protection_contact", "email"], "kein at"),
        "organisation.data_protection_contact.email",
        "E-Mail",
    ),
    (
        _set(["partners", 21, "opening_hours", 2, "start"], "13:3"),
        "partners[21].opening_hours[2].start",
        "HH:MM",
    ),
    (_set(["partners", 0], "Tiefbauamt"), "partners[0]", "muss ein Objekt sein"),
    (_no_phone, "emergency_contacts[0].phone", "fehlt"),
    (_set(["programme_keys", 0, "warn_above"], 0), "programme_keys[0].warn_above", "über 0"),
    (
        _set(["programme_keys", 0, "clients_per_fte"], 0),
        "programme_keys[0].clients_per_fte",
        "mindestens 1",
    ),
    (_duplicate_purpose, "consent.purposes[1].key", "„email“ ist doppelt vergeben"),
    (_set(["consent", "recipients", 0, "key"], "Träger"), "consent.recipients[0].key", "a–z"),
    (
        _set(["consent", "min_age_self_consent_digital"], 19),
        "consent.min_age_self_consent_digital",
        "höchstens 18",
    ),
    (
        _set(["consent", "purposes", 2, "guardians_required_under"], "16"),
        "consent.purposes[2].guardians_required_under",
        "ganze Zahl",
    ),
    (_set(["notes", 0], None), "notes[0]", "muss ein Text sein"),
]


@pytest.mark.parametrize(("mutate", "field", "message"), INVALID, ids=[i[1] for i in INVALID])
def test_parse_profile_names_the_malformed_field(
    mutate: Mutation, field: str, message: str
) -> None:
    data = copy.deepcopy(raw())
    mutate(data)
    with pytest.raises(ValidationError) as caught:
        parse_profile(data)
    assert caught.value.field == field
    assert message in caught.value.reason
    assert str(caught.value).startswith(f"{field}: ")


def test_the_example_error_message_reads_as_specified() -> None:
    data = copy.deepcopy(raw())
    data["asd"]["districts"][3]["plz"][0] = "462400"
    with pytest.raises(ValidationError) as caught:
        parse_profile(data)
    assert str(caught.value) == "asd.districts[3].plz[0]: muss aus 5 Ziffern bestehen"


def test_parse_profile_rejects_a_non_object() -> None:
    with pytest.raises(ValidationError, match="muss ein Objekt sein"):
        parse_profile([])  # type: ignore[arg-type]


def test_optional_sections_may_be_absent() -> None:
    data = raw("musterstadt")
    for key in ("partners", "emergency_contacts", "programme_keys", "notes"):
        del data[key]
    del data["asd"]["special_functions"]
    profile = parse_profile(data)
    assert profile.partners == () and profile.emergency_contacts == ()
    assert profile.asd.special_functions == ()
