"""Teilhabemanagement funding rules on a real vault (issue 21; sources-reference §3.14):
the 1:100 key, exclusions from funding, Baustein 5 and the funding period."""

from __future__ import annotations

from datetime import date

import pytest

from casework.errors import PermissionDenied, ValidationError
from casework.models.households.person import BirthInfo, Gender
from casework.models.persons.worker import WorkerDraft, WorkerRole
from casework.models.teilhabe.clients import ClientDraft
from casework.models.teilhabe.eligibility import Eligibility, Exclusion, ResidenceRecord, TmStatus
from casework.models.teilhabe.funding import (
    ExclusionFact,
)
from casework.models.teilhabe.measures import (
    Foerderbaustein,
    Handlungsfeld,
    MeasureDraft,
    MeasureStatus,
)
from casework.services import teilhabe as tm
from casework.services.persons import workers
from casework.services.session import Session
from tests.conftest import add_person, sign


def _client(session: Session, first: str = "Yonas", born: date = date(2001, 4, 2),
            status: TmStatus = TmStatus.DULDUNG) -> str:
    cid, _ = tm.enrol_new_person(
        session, first, "Beispiel", BirthInfo(born), Gender.MAENNLICH,
        ClientDraft(date(2026, 1, 5)), ResidenceRecord(status, date(2024, 1, 1)))
    return cid


@pytest.fixture
def team(session: Session) -> dict[str, str]:
    samira, _ = workers.create(
        session, WorkerDraft("Samira Test", WorkerRole.TEILHABEMANAGEMENT, fte=0.01))
    lead = add_person(session, "Dr. Petra Probe", WorkerRole.LEITUNG)
    return {"samira": samira, "lead": lead}


def test_beyond_the_key_needs_a_written_reason(session: Session, team: dict[str, str]) -> None:
    # Source 000:296-308 (key 1:100 per full-time post): an empty reason is refused.
    session.act_as(team["lead"])
    first, second = _client(session, "A"), _client(session, "B")
    tm.assign(session, first, team["samira"])
    with pytest.raises(ValidationError) as info:
        tm.assign(session, second, team["samira"], "   ", allow_over_capacity=True,
                  auth=sign(session))
    assert info.value.field == "Begründung"
    assert "nur mit schriftlicher Begründung" in info.value.reason
    assert tm.get(session, second).worker_id is None  # nothing booked
    tm.assign(session, second, team["samira"], "Vertretung während Elternzeit",
              allow_over_capacity=True, auth=sign(session))
    history = tm.assignment_history(session, second)
    assert history[-1].reason == "Vertretung während Elternzeit"


def test_excluded_person_gets_no_funded_measure(session: Session) -> None:
    # Source 000:3384: persons in a Landesaufnahmeeinrichtung and Gefährder are excluded
    # from funding; the reason is shown, nothing is booked.
    cid = _client(session)
    with pytest.raises(ValidationError) as empty:
        tm.record_exclusion(session, cid, ExclusionFact(
            Exclusion.GEFAEHRDER, True, date(2026, 10, 1), "  "))
    assert empty.value.field == "Grundlage"
    tm.record_exclusion(session, cid, ExclusionFact(
        Exclusion.GEFAEHRDER, True, date(2026, 10, 1),
        "Mitteilung der Ausländerbehörde vom 05.10.2026"))
    assert tm.get(session, cid).eligibility(date(2026, 11, 21)).verdict is Eligibility.NEIN
    draft = MeasureDraft("Sprachkurs B1", Foerderbaustein.B2, Handlungsfeld.HF2)
    with pytest.raises(ValidationError) as info:
        tm.add_measure(session, cid, draft)
    assert info.value.reason == (
        "Keine geförderte Maßnahme möglich: die Person ist von der Förderung ausgeschlossen "
        "(von einer Sicherheitsbehörde als Gefährder eingestuft). Es wurde nichts gebucht.")
    assert tm.measures(session, cid) == []
    facts = tm.exclusion_facts(session, cid)
    assert [(f.exclusion, f.present, f.source) for f in facts] == [
        (Exclusion.GEFAEHRDER, True, "Mitteilung der Ausländerbehörde vom 05.10.2026")]
    assert facts[0].recorded_by == "Lena Beispiel"
    # Lifted (a new fact, the earlier one stays): measures are possible again.
    tm.record_exclusion(session, cid, ExclusionFact(
        Exclusion.GEFAEHRDER, False, date(2026, 11, 1), "Schreiben der Polizei vom 01.11.2026"))
    assert len(tm.exclusion_facts(session, cid)) == 2
    tm.add_measure(session, cid, draft)
    assert len(tm.measures(session, cid)) == 1


def test_baustein_5_needs_the_municipal_statement_first(session: Session) -> None:
    # Source 000:3409-3410: Innovationsfonds only with a positive municipal statement.
    cid = _client(session)
    project = MeasureDraft("Werkstattprojekt", Foerderbaustein.B5, Handlungsfeld.HF4,
                           start_on=date(2026, 12, 1))
    with pytest.raises(ValidationError) as info:
        tm.add_measure(session, cid, project)
    assert info.value.field == "Stellungnahme der Kommune"
    with pytest.raises(ValidationError):
        tm.add_measure(session, cid, MeasureDraft(
            "Werkstattprojekt", Foerderbaustein.B5, Handlungsfeld.HF4,
            start_on=date(2026, 12, 1), statement_on=date(2026, 12, 2)))
    mid, _ = tm.add_measure(session, cid, MeasureDraft(
        "Werkstattprojekt", Foerderbaustein.B5, Handlungsfeld.HF4,
        start_on=date(2026, 12, 1), statement_on=date(2026, 11, 3)))
    assert tm.measures(session, cid)[0].data.statement_on == date(2026, 11, 3)
    assert mid


def test_measure_ending_after_the_funding_period_warns(session: Session) -> None:
    # Source 000:3559-3561: Durchführungszeitraum until June 2022 (the example profile).
    late = MeasureDraft("Coaching", Foerderbaustein.B1, Handlungsfeld.HF3,
                        start_on=date(2022, 5, 1), end_on=date(2022, 9, 30),
                        status=MeasureStatus.LAUFEND)
    assert tm.measure_warnings(session, late) == (
        "Die Maßnahme endet am 30.09.2022, nach dem Ende des Förderzeitraums (30.06.2022); "
        "die Zeit danach ist nicht gefördert.",)
    inside = MeasureDraft("Coaching", Foerderbaustein.B1, Handlungsfeld.HF3,
                          start_on=date(2022, 1, 1), end_on=date(2022, 6, 30))
    assert tm.measure_warnings(session, inside) == ()


def test_target_count_is_for_the_leitung_and_needs_a_source(
    session: Session, team: dict[str, str]
) -> None:
    session.act_as(team["samira"])
    with pytest.raises(PermissionDenied):
        tm.record_target_count(session, date(2026, 7, 1), 100, 98, "Ausländerbehörde")
    session.act_as(team["lead"])
    with pytest.raises(ValidationError):
        tm.record_target_count(session, date(2026, 7, 1), 100, 98, "")
    tm.record_target_count(session, date(2026, 7, 1), 100, 98, "Ausländerbehörde, Auszug")
    assert tm.target_count(session, date(2026, 11, 21)) == (
        date(2026, 7, 1), 100, 98, "Ausländerbehörde, Auszug")
    assert tm.target_count(session, date(2026, 6, 30)) is None
