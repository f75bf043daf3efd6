"""Pure rules of the Teilhabemanagement funding (issue 21; sources-reference §3.14)."""

from __future__ import annotations

from datetime import date

import pytest

from casework.errors import ValidationError
from casework.models.households.person import BirthInfo
from casework.models.teilhabe.eligibility import Exclusion, TmStatus
from casework.models.teilhabe.funding import (
    ExclusionFact,
    funding_block,
    funding_warnings,
    target_group_check,
)
from casework.models.teilhabe.measures import Foerderbaustein, Handlungsfeld, MeasureDraft

ON = date(2026, 11, 21)


def test_target_group_check() -> None:
    # Source 000:3509-3510: "in der Regel 18 und nicht älter als 27", Duldung/Gestattung.
    inside = target_group_check(BirthInfo(date(2001, 4, 2)), TmStatus.DULDUNG, ON)
    assert not inside.outside and inside.messages == ()
    old = target_group_check(BirthInfo(date(1991, 3, 1)), TmStatus.DULDUNG, ON)
    assert old.outside and not old.youth_welfare
    titled = target_group_check(BirthInfo(date(2001, 4, 2)), TmStatus.AUFENTHALTSERLAUBNIS, ON)
    assert titled.outside and titled.messages[0].startswith("Aufenthaltserlaubnis: außerhalb")
    minor = target_group_check(BirthInfo(date(2009, 3, 1)), TmStatus.GESTATTUNG, ON)
    assert minor.outside and minor.youth_welfare
    assert "unbegleiteter minderjähriger Ausländer (umA)" in minor.messages[0]
    unknown = target_group_check(BirthInfo(), TmStatus.DULDUNG, ON)
    assert not unknown.outside and unknown.messages[0].startswith("Geburtsdatum fehlt")


def test_funding_block_names_the_exclusion() -> None:
    # Source 000:3384.
    assert funding_block(frozenset()) == ""
    text = funding_block(frozenset({Exclusion.LANDESAUFNAHME}))
    assert "(wohnt in einer Landesaufnahmeeinrichtung)" in text
    assert text.endswith("Es wurde nichts gebucht.")


def test_exclusion_fact_needs_its_source_and_no_future_day() -> None:
    with pytest.raises(ValidationError):
        ExclusionFact(Exclusion.GEFAEHRDER, True, ON, " ").validated(ON)
    with pytest.raises(ValidationError):
        ExclusionFact(Exclusion.GEFAEHRDER, True, date(2026, 12, 1), "Polizei").validated(ON)


def test_baustein_5_statement_and_funding_period() -> None:
    # Source 000:3409-3410 (Innovationsfonds) and 000:3559-3561 (funding period).
    with pytest.raises(ValidationError):
        MeasureDraft("Projekt", Foerderbaustein.B5, Handlungsfeld.HF4).validated()
    ok = MeasureDraft("Projekt", Foerderbaustein.B5, Handlungsfeld.HF4,
                      statement_on=date(2026, 1, 1)).validated()
    assert ok.statement_on == date(2026, 1, 1)
    other = MeasureDraft("Kurs", Foerderbaustein.B2, Handlungsfeld.HF2,
                         statement_on=date(2026, 1, 1)).validated()
    assert other.statement_on is None  # only Baustein 5 keeps a statement
    late = MeasureDraft("Kurs", Foerderbaustein.B2, Handlungsfeld.HF2,
                        start_on=date(2022, 1, 1), end_on=date(2022, 7, 1))
    assert funding_warnings(late, date(2022, 6, 30))[0].startswith(
        "Die Maßnahme endet am 01.07.2022, nach dem Ende des Förderzeitraums (30.06.2022)")
    assert funding_warnings(late, None) == ()


def test_an_enrolled_minor_is_pointed_to_youth_welfare() -> None:
    from casework.models.teilhabe.eligibility import Eligibility, ResidenceRecord, eligibility

    result = eligibility(BirthInfo(date(2009, 3, 1)),
                         (ResidenceRecord(TmStatus.GESTATTUNG, date(2025, 1, 1)),),
                         frozenset(), ON)
    assert result.verdict is Eligibility.NEIN
    assert any("Kinder- und Jugendhilfe" in r and "umA" in r for r in result.reasons)
