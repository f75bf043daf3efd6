"""Teilhabemanagement services on a real vault: enrolment, capacity from the profile,
assignment and reassignment history, waiting list, intake, measures."""

from __future__ import annotations

from datetime import date

import pytest

from casework.errors import PermissionDenied, ValidationError
from casework.models.households.person import BirthInfo, Gender
from casework.models.persons.worker import WorkerDraft, WorkerRole
from casework.models.teilhabe.clients import ClientDraft
from casework.models.teilhabe.eligibility import ClientState, Eligibility, ResidenceRecord, TmStatus
from casework.models.teilhabe.measures import (
    Foerderbaustein,
    Handlungsfeld,
    MeasureDraft,
    MeasureStatus,
    Outcome,
)
from casework.services import history
from casework.services import teilhabe as tm
from casework.services.persons import workers
from casework.services.session import Session
from tests.conftest import add_person, sign


def _client(
    session: Session,
    first: str,
    intake: date,
    status: TmStatus = TmStatus.DULDUNG,
    born: date = date(2001, 4, 2),
) -> str:
    cid, _ = tm.enrol_new_person(
        session,
        first,
        "Beispiel",
        BirthInfo(birth_date=born),
        Gender.MAENNLICH,
        ClientDraft(intake),
        ResidenceRecord(status, date(2024, 1, 1)),
    )
    return cid


@pytest.fixture
def team(session: Session) -> dict[str, str]:
    samira, _ = workers.create(
        session, WorkerDraft("Samira Test", WorkerRole.TEILHABEMANAGEMENT, fte=0.5)
    )
    tarek, _ = workers.create(
        session, WorkerDraft("Tarek Probe", WorkerRole.TEILHABEMANAGEMENT, fte=0.75)
    )
    lead = add_person(session, "Dr. Petra Probe", WorkerRole.LEITUNG)  # signs reassignments
    return {"samira": samira, "tarek": tarek, "lead": lead}


def test_enrol_creates_one_person_household_on_the_waiting_list(session: Session) -> None:
    cid = _client(session, "Yonas", date(2026, 3, 1))
    client = tm.get(session, cid)
    assert client.state is ClientState.WARTEND
    assert client.display_name == "Yonas Beispiel"
    assert [r.status for r in client.residence] == [TmStatus.DULDUNG]
    result = tm.eligibility(session, cid)
    assert result.verdict is Eligibility.JA
    assert result.ends_because == "wird am 02.04.2029 28 Jahre alt"


def test_capacity_uses_fte_and_profile_key(session: Session, team: dict[str, str]) -> None:
    assert tm.programme_key(session) == (100, 0.9)
    assert tm.capacity_of(session, team["samira"]).places == 50
    assert tm.capacity_of(session, team["tarek"]).places == 75


def test_assignment_and_reassignment_are_recorded(session: Session, team: dict[str, str]) -> None:
    cid = _client(session, "Yonas", date(2026, 3, 1))
    session.act_as(team["tarek"])  # (the owner is the vault's Admin)
    with pytest.raises(PermissionDenied):
        tm.assign(session, cid, team["samira"])  # only the Leitung assigns others
    session.act_as(team["lead"])
    changes = tm.assign(session, cid, team["samira"])
    assert changes.affects("tm_client")
    assert tm.get(session, cid).worker_id == team["samira"]
    assert tm.capacity_of(session, team["samira"]).text() == "1/50 (2 %)"
    with pytest.raises(ValidationError) as info:
        tm.assign(session, cid, team["tarek"])
    assert info.value.field == "Grund"
    with pytest.raises(PermissionDenied, match="Passphrase"):
        tm.assign(session, cid, team["tarek"], "Sprache Tigrinya")  # reserved: re-authenticate
    tm.assign(session, cid, team["tarek"], "Sprache Tigrinya", auth=sign(session))
    entries = tm.assignment_history(session, cid)
    assert [(e.from_worker, e.to_worker, e.reason) for e in entries] == [
        ("", "Samira Test", ""),
        ("Samira Test", "Tarek Probe", "Sprache Tigrinya"),
    ]
    assert all(e.by == "Dr. Petra Probe" for e in entries)
    # also in the household's Verlauf (change log)
    client = tm.get(session, cid)
    summaries = [h.entity for h in history.for_household(session, client.household_id)]
    assert summaries.count("tm_assignment") == 2
    dash = {load.worker.name: load.capacity.text() for load in tm.dashboard(session)}
    assert dash == {"Samira Test": "0/50 (0 %)", "Tarek Probe": "1/75 (1 %)"}


def test_teilhabemanagerin_may_take_a_waiting_client_herself(
    session: Session, team: dict[str, str]
) -> None:
    cid = _client(session, "Yonas", date(2026, 3, 1))
    session.act_as(team["samira"])
    tm.assign(session, cid, team["samira"])
    assert [row.client.id for row in tm.caseload(session)] == [cid]


def test_capacity_limit_needs_explicit_override(session: Session, team: dict[str, str]) -> None:
    session.act_as(team["lead"])
    workers.update(
        session, team["samira"], WorkerDraft("Samira Test", WorkerRole.TEILHABEMANAGEMENT, fte=0.01)
    )
    first = _client(session, "A", date(2026, 1, 1))
    second = _client(session, "B", date(2026, 1, 2))
    tm.assign(session, first, team["samira"])
    with pytest.raises(ValidationError) as info:
        tm.assign(session, second, team["samira"])
    assert "Kapazität ist erreicht (1/1 (100 %))" in info.value.reason
    tm.assign(session, second, team["samira"], "Vertretung bis März", allow_over_capacity=True,
              auth=sign(session))
    load = {w.worker.id: w.capacity for w in tm.dashboard(session)}[team["samira"]]
    assert load.text() == "2/1 (200 %)" and load.warning


def test_waiting_list_order_and_fair_distribution(session: Session, team: dict[str, str]) -> None:
    late = _client(session, "Spät", date(2026, 5, 1))
    early = _client(session, "Früh", date(2026, 2, 1))
    excluded = _client(session, "Aus", date(2026, 1, 1), TmStatus.AUFENTHALTSERLAUBNIS)
    assert [r.client.id for r in tm.waiting_list(session)] == [excluded, early, late]
    session.act_as(team["lead"])
    tm.distribute_waiting(session)
    assert tm.get(session, excluded).state is ClientState.WARTEND  # not in the target group
    assert tm.get(session, early).worker_id == team["tarek"]  # most free places first
    assert tm.get(session, late).worker_id == team["tarek"]


def test_intake_answers_and_needs_are_stored(session: Session) -> None:
    cid = _client(session, "Yonas", date(2026, 3, 1))
    tm.record_intake(
        session,
        cid,
        {
            "language_level": "A2",
            "wish": ["Ausbildung"],
            "housing": "Gemeinschaftsunterkunft",
            "remarks": " ok ",
        },
    )
    intake = tm.intake(session, cid)
    assert intake is not None
    assert intake.answers == {
        "language_level": "A2",
        "wish": ["Ausbildung"],
        "housing": "Gemeinschaftsunterkunft",
        "remarks": "ok",
    }
    assert intake.needs == {
        "2 Bildung und Sprache": ["Sprachförderung"],
        "3 Jugendhilfe, Gesundheit und Soziales": ["Wohnraum / Wohnsituation"],
        "4 Arbeitsmarkt und Wirtschaft": ["Ausbildungsvorbereitung / Vermittlung in Ausbildung"],
    }
    with pytest.raises(ValidationError):
        tm.record_intake(session, cid, {"language_level": "fließend"})


def test_measures_with_status_and_transition(session: Session) -> None:
    cid = _client(session, "Yonas", date(2026, 3, 1))
    mid, _ = tm.add_measure(
        session,
        cid,
        MeasureDraft(
            "HSA-Kurs", Foerderbaustein.B3, Handlungsfeld.HF2, "Berufskolleg", date(2026, 2, 1)
        ),
    )
    tm.update_measure(
        session,
        mid,
        MeasureDraft(
            "HSA-Kurs",
            Foerderbaustein.B3,
            Handlungsfeld.HF2,
            "Berufskolleg",
            date(2026, 2, 1),
            date(2026, 7, 15),
            MeasureStatus.ABGESCHLOSSEN,
            Outcome.SCHULE,
        ),
    )
    [measure] = tm.measures(session, cid)
    assert measure.data.outcome is Outcome.SCHULE
    with pytest.raises(ValidationError) as info:
        tm.add_measure(
            session,
            cid,
            MeasureDraft(
                "X", Foerderbaustein.B1, Handlungsfeld.HF1, status=MeasureStatus.ABGESCHLOSSEN
            ),
        )
    assert info.value.field == "Ende"


def test_status_change_moves_client_out_of_target_group(session: Session) -> None:
    cid = _client(session, "Yonas", date(2026, 3, 1))
    tm.add_residence(
        session, cid, ResidenceRecord(TmStatus.AUFENTHALTSERLAUBNIS, date(2026, 10, 1))
    )
    result = tm.eligibility(session, cid)
    assert result.verdict is Eligibility.NEIN
    assert "Status seit 01.10.2026 Aufenthaltserlaubnis" in result.reasons


def test_back_to_waiting_list_and_close(session: Session, team: dict[str, str]) -> None:
    cid = _client(session, "Yonas", date(2026, 3, 1))
    with pytest.raises(PermissionDenied):
        tm.close(session, cid)  # a Fachkraft who is not responsible
    session.act_as(team["lead"])
    tm.assign(session, cid, team["samira"])
    with pytest.raises(ValidationError):
        tm.to_waiting_list(session, cid, " ")
    tm.to_waiting_list(session, cid, "Elternzeit der Fachkraft")
    assert tm.get(session, cid).state is ClientState.WARTEND
    assert [r.client.id for r in tm.waiting_list(session)] == [cid]
    tm.close(session, cid, date(2026, 11, 20))
    client = tm.get(session, cid)
    assert (client.state, client.closed_on) == (ClientState.ABGESCHLOSSEN, date(2026, 11, 20))
    assert tm.waiting_list(session) == []
    with pytest.raises(ValidationError):
        tm.assign(session, cid, team["samira"])
