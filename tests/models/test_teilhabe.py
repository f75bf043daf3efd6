"""Eligibility at boundary dates, capacity arithmetic, fair distribution, questionnaire."""

from __future__ import annotations

from datetime import date

import pytest

from casework.errors import ValidationError
from casework.models.households.person import BirthInfo
from casework.models.teilhabe.clients import Capacity, fair_assignment
from casework.models.teilhabe.eligibility import (
    Eligibility,
    Exclusion,
    ResidenceRecord,
    TmStatus,
    eligibility,
    status_on,
)
from casework.models.teilhabe.intake import parse_questionnaire

BORN = BirthInfo(birth_date=date(1999, 5, 3))
DULDUNG = (ResidenceRecord(TmStatus.DULDUNG, date(2024, 1, 10)),)


def test_eligible_with_duldung_says_when_it_ends() -> None:
    result = eligibility(BORN, DULDUNG, frozenset(), date(2026, 11, 21))
    assert result.verdict is Eligibility.JA
    assert "27 Jahre alt" in result.reasons
    assert "Status seit 10.01.2024 Duldung" in result.reasons
    assert result.ends_on == date(2027, 5, 3)
    assert result.ends_because == "wird am 03.05.2027 28 Jahre alt"


def test_day_before_28th_birthday_still_eligible_and_birthday_ends_it() -> None:
    assert eligibility(BORN, DULDUNG, frozenset(), date(2027, 5, 2)).verdict is Eligibility.JA
    on_birthday = eligibility(BORN, DULDUNG, frozenset(), date(2027, 5, 3))
    assert on_birthday.verdict is Eligibility.NEIN
    assert "seit 03.05.2027 älter als 27 Jahre (28 Jahre)" in on_birthday.reasons
    assert on_birthday.ends_on is None


def test_18th_birthday_starts_eligibility() -> None:
    young = BirthInfo(birth_date=date(2008, 12, 1))
    before = eligibility(young, DULDUNG, frozenset(), date(2026, 11, 30))
    assert before.verdict is Eligibility.NEIN
    assert "17 Jahre alt, wird am 01.12.2026 18 Jahre alt" in before.reasons
    assert eligibility(young, DULDUNG, frozenset(), date(2026, 12, 1)).verdict is Eligibility.JA


def test_27th_birthday_is_inside_the_range() -> None:
    result = eligibility(BORN, DULDUNG, frozenset(), date(2026, 5, 3))
    assert result.verdict is Eligibility.JA
    assert "27 Jahre alt" in result.reasons


def test_status_change_day_to_aufenthaltserlaubnis() -> None:
    history = (*DULDUNG, ResidenceRecord(TmStatus.AUFENTHALTSERLAUBNIS, date(2026, 2, 1)))
    before = eligibility(BORN, history, frozenset(), date(2026, 1, 31))
    assert before.verdict is Eligibility.JA
    # the recorded later change ends eligibility earlier than the 28th birthday
    assert before.ends_on == date(2026, 2, 1)
    assert before.ends_because == "ab 01.02.2026 Aufenthaltserlaubnis"
    after = eligibility(BORN, history, frozenset(), date(2026, 2, 1))
    assert after.verdict is Eligibility.NEIN
    assert "Status seit 01.02.2026 Aufenthaltserlaubnis" in after.reasons


def test_document_expiry_needs_checking_the_day_after() -> None:
    history = (ResidenceRecord(TmStatus.GESTATTUNG, date(2025, 6, 1), date(2026, 12, 31)),)
    last_day = eligibility(BORN, history, frozenset(), date(2026, 12, 31))
    assert last_day.verdict is Eligibility.JA
    assert last_day.ends_on == date(2027, 1, 1)
    assert last_day.ends_because == "Nachweis (Gestattung) gültig bis 31.12.2026"
    expired = eligibility(BORN, history, frozenset(), date(2027, 1, 1))
    assert expired.verdict is Eligibility.PRUEFEN
    assert expired.reasons[-1] == (
        "Gestattung – Nachweis am 31.12.2026 abgelaufen, aktuellen Nachweis erfassen"
    )


def test_exclusion_overrides() -> None:
    result = eligibility(BORN, DULDUNG, frozenset({Exclusion.LANDESAUFNAHME}), date(2026, 11, 21))
    assert result.verdict is Eligibility.NEIN
    assert result.reasons[0] == "Landesaufnahmeeinrichtung"
    assert result.text().startswith("nicht in der Zielgruppe – Landesaufnahmeeinrichtung")


def test_age_exception_in_der_regel() -> None:
    old = BirthInfo(birth_date=date(1996, 1, 1))
    result = eligibility(
        old,
        DULDUNG,
        frozenset(),
        date(2026, 11, 21),
        age_exception="Schulabschluss läuft bis Sommer",
    )
    assert result.verdict is Eligibility.JA
    assert "Ausnahme von der Altersgrenze: Schulabschluss läuft bis Sommer" in result.reasons


def test_missing_status_and_birth_year_only() -> None:
    result = eligibility(BirthInfo(birth_year=2000), (), frozenset(), date(2026, 11, 21))
    assert result.verdict is Eligibility.PRUEFEN
    assert "kein Aufenthaltsstatus erfasst" in result.reasons
    assert "nur Geburtsjahr 2000 bekannt (25–26 Jahre)" in result.reasons


def test_status_on_picks_latest_started_record() -> None:
    history = (
        ResidenceRecord(TmStatus.GESTATTUNG, date(2023, 1, 1)),
        ResidenceRecord(TmStatus.DULDUNG, date(2024, 3, 1)),
    )
    assert status_on(history, date(2024, 2, 29)).status is TmStatus.GESTATTUNG  # type: ignore[union-attr]
    assert status_on(history, date(2024, 3, 1)).status is TmStatus.DULDUNG  # type: ignore[union-attr]
    assert status_on(history, date(2022, 12, 31)) is None


def test_residence_record_rejects_until_before_from() -> None:
    with pytest.raises(ValidationError) as info:
        ResidenceRecord(TmStatus.DULDUNG, date(2026, 2, 1), date(2026, 1, 1)).validated()
    assert info.value.field == "Gültig bis"


@pytest.mark.parametrize(("fte", "places"), [(1.0, 100), (0.5, 50), (0.75, 75), (0.333, 33)])
def test_capacity_is_fte_times_key(fte: float, places: int) -> None:
    assert Capacity(fte, 100, 0.9, 0).places == places


def test_utilisation_text_and_warning_threshold() -> None:
    cap = Capacity(1.0, 100, 0.9, 87)
    assert cap.text() == "87/100 (87 %)"
    assert not cap.warning
    assert Capacity(1.0, 100, 0.9, 90).warning is False  # "above" 90 %, not at
    assert Capacity(1.0, 100, 0.9, 91).warning is True
    half = Capacity(0.5, 100, 0.9, 46)
    assert half.text() == "46/50 (92 %)"
    assert half.warning and half.free == 4


def test_fair_assignment_fills_most_free_first_and_respects_capacity() -> None:
    caps = {"a": Capacity(1.0, 100, 0.9, 98), "b": Capacity(0.5, 100, 0.9, 47)}
    pairs = fair_assignment(["c1", "c2", "c3", "c4", "c5", "c6"], caps)
    # b has 3 free, a has 2 free → 5 places; order of the waiting list is kept
    assert [c for c, _ in pairs] == ["c1", "c2", "c3", "c4", "c5"]
    assert sum(1 for _, w in pairs if w == "a") == 2
    assert sum(1 for _, w in pairs if w == "b") == 3
    assert pairs[0] == ("c1", "b")


def test_questionnaire_rules_derive_needs_per_handlungsfeld() -> None:
    q = parse_questionnaire(
        {
            "key": "t",
            "title": "T",
            "sections": [
                {
                    "title": "S",
                    "questions": [
                        {
                            "key": "lang",
                            "label": "Sprache",
                            "kind": "choice",
                            "options": ["A1", "B2"],
                        },
                        {"key": "debts", "label": "Schulden", "kind": "bool"},
                    ],
                }
            ],
            "rules": [
                {
                    "question": "lang",
                    "values": ["A1"],
                    "handlungsfeld": 2,
                    "need": "Sprachförderung",
                },
                {
                    "question": "debts",
                    "values": [],
                    "handlungsfeld": 3,
                    "need": "Schuldnerberatung",
                },
            ],
        }
    )
    needs = q.needs(q.validate_answers({"lang": "A1", "debts": True}))
    assert {hf.number: items for hf, items in needs.items()} == {
        2: ("Sprachförderung",),
        3: ("Schuldnerberatung",),
    }
    assert q.needs(q.validate_answers({"lang": "B2", "debts": False})) == {}
    with pytest.raises(ValidationError) as info:
        q.validate_answers({"lang": "C2"})
    assert info.value.field == "Sprache"


def test_questionnaire_errors_name_the_path() -> None:
    with pytest.raises(ValidationError) as info:
        parse_questionnaire(
            {
                "key": "t",
                "title": "T",
                "sections": [
                    {"title": "S", "questions": [{"key": "x", "label": "X", "kind": "choice"}]}
                ],
            }
        )
    assert info.value.field == "sections[0].questions[0].options"
