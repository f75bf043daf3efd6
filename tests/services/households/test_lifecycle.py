"""Closure, reopening and hand-over of family cases on real vaults (issue 20)."""

from __future__ import annotations

from datetime import timedelta

import pytest

from casework.clock import FixedClock
from casework.errors import PermissionDenied, ValidationError
from casework.models.households.household import HouseholdStatus
from casework.models.households.lifecycle import ClosureEventKind, ClosureReason, HandoverState
from casework.models.ids import HouseholdId, WorkerId
from casework.models.persons.worker import WorkerDraft, WorkerRole
from casework.models.privacy.retention import StartEvent
from casework.models.referrals import ReferralDraft
from casework.services import persons, referrals
from casework.services.households import households, lifecycle
from casework.services.kinderschutz import procedures as kinderschutz
from casework.services.persons import workers
from casework.services.privacy import retention
from casework.services.session import Session
from casework.storage.changelog import history
from tests.conftest import add_family, add_person, sign


def colleague(session: Session, name: str = "Jonas Kollege",
              role: WorkerRole = WorkerRole.FACHKRAFT) -> WorkerId:
    wid, _ = workers.create(session, WorkerDraft(name, role))
    return wid


def assigned(session: Session, hid: str) -> str | None:
    return households.get(session, hid).data.assigned_worker_id


# --------------------------------------------------------------------------- closure


def test_closing_needs_a_reason(session: Session, family: HouseholdId) -> None:
    with pytest.raises(ValidationError) as info:
        lifecycle.close(session, family, None)
    assert info.value.field == "Grund des Abschlusses"
    with pytest.raises(ValidationError) as info:
        lifecycle.close(session, family, ClosureReason.UEBERGEBEN, "")
    assert info.value.field == "Notiz"  # to whom: the note must say
    assert households.get(session, family).data.status is HouseholdStatus.AKTIV


def test_open_kinderschutz_procedure_refuses_closure_with_the_reason(
        session: Session, family: HouseholdId) -> None:
    child = [p.id for p in households.members(session, family) if p.data.first_name == "Lena"]
    kinderschutz.open_procedure(session, family, tuple(child))
    check = lifecycle.closure_check(session, family)
    assert not check.allowed
    with pytest.raises(ValidationError) as info:
        lifecycle.close(session, family, ClosureReason.ZIELE_ERREICHT,
                        confirm_warnings=True)
    assert "§ 8a" in info.value.message and "noch offen" in info.value.message
    assert households.get(session, family).data.status is HouseholdStatus.AKTIV
    assert lifecycle.closure_history(session, family) == []


def test_open_referral_is_a_warning_to_confirm(session: Session, family: HouseholdId) -> None:
    choices = referrals.recipient_choices(session, family)
    person = households.members(session, family)[0].id
    referrals.create(session, ReferralDraft(family, (person,), choices.suggested[0],
                                            "Unterstützung bei Erziehungsfragen"))
    check = lifecycle.closure_check(session, family)
    assert check.allowed and any("offene Vermittlung" in w for w in check.warnings)
    with pytest.raises(ValidationError) as info:
        lifecycle.close(session, family, ClosureReason.ZIELE_ERREICHT)
    assert "offene Vermittlung" in info.value.message
    lifecycle.close(session, family, ClosureReason.ZIELE_ERREICHT, confirm_warnings=True)
    assert households.get(session, family).data.status is HouseholdStatus.ABGESCHLOSSEN


def test_closure_starts_the_retention_clock_and_reopen_stops_it(
        session: Session, family: HouseholdId, clock: FixedClock) -> None:
    def closed_fact() -> object:
        facts = retention.facts(session, family)
        return facts[StartEvent.CASE_CLOSED]

    assert closed_fact().on is None  # type: ignore[attr-defined]
    changes = lifecycle.close(session, family, ClosureReason.UMZUG, "nach Essen verzogen")
    assert family in changes.ids("household")
    assert closed_fact().on == clock.now().date()  # type: ignore[attr-defined]
    clock.advance(timedelta(days=3))
    lifecycle.reopen(session, family, "Familie ist zurückgezogen und bittet um Hilfe")
    assert households.get(session, family).data.status is HouseholdStatus.AKTIV
    assert closed_fact().on is None  # type: ignore[attr-defined]
    kinds = [e.kind for e in lifecycle.closure_history(session, family)]
    assert kinds == [ClosureEventKind.ABGESCHLOSSEN, ClosureEventKind.WIEDERAUFGENOMMEN]
    with pytest.raises(ValidationError):
        lifecycle.reopen(session, family, "schon offen")


def test_reopen_needs_a_reason(session: Session, family: HouseholdId) -> None:
    lifecycle.close(session, family, ClosureReason.KEIN_KONTAKT)
    with pytest.raises(ValidationError) as info:
        lifecycle.reopen(session, family, " ")
    assert info.value.field == "Grund der Wiederaufnahme"
    assert households.get(session, family).data.status is HouseholdStatus.ABGESCHLOSSEN


def test_status_cannot_be_closed_by_editing(session: Session, family: HouseholdId) -> None:
    from dataclasses import replace

    current = households.get(session, family)
    with pytest.raises(ValidationError) as info:
        households.update(session, family, replace(current.data,
                                                   status=HouseholdStatus.ABGESCHLOSSEN))
    assert info.value.field == "Status"


def test_closed_families_leave_daily_lists_but_stay_findable(
        session: Session, family: HouseholdId) -> None:
    other = add_family(session, "Schneider")
    lifecycle.close(session, family, ClosureReason.ZIELE_ERREICHT)
    assert households.list_ids(session, open_cases=True) == [other]
    assert set(households.list_ids(session)) == {family, other}
    assert households.list_ids(session, search="Müller") == [family]
    assert households.list_ids(session, status="abgeschlossen") == [family]


def test_closure_with_leitung_approval(session: Session, family: HouseholdId) -> None:
    lead = add_person(session, "Petra Leitung", WorkerRole.LEITUNG)
    fachkraft = colleague(session, "Frieda Fachkraft")
    session.act_as(fachkraft)
    with pytest.raises(PermissionDenied):
        lifecycle.set_requires_approval(session, True)
    session.act_as(lead)
    lifecycle.set_requires_approval(session, True)
    session.act_as(fachkraft)
    lifecycle.close(session, family, ClosureReason.ZIELE_ERREICHT, "alle Ziele erreicht")
    assert households.get(session, family).data.status is HouseholdStatus.AKTIV
    assert lifecycle.pending_closure(session, family) is not None
    assert lifecycle.closure_requests(session) == []  # only the Leitung sees the queue
    with pytest.raises(PermissionDenied):
        lifecycle.approve_closure(session, family)
    with pytest.raises(ValidationError):  # asked twice
        lifecycle.close(session, family, ClosureReason.ZIELE_ERREICHT)
    session.act_as(lead)
    assert [r.household_id for r in lifecycle.closure_requests(session)] == [family]
    lifecycle.refuse_closure(session, family, "Bitte erst das Abschlussgespräch führen")
    assert lifecycle.closure_requests(session) == []
    assert households.get(session, family).data.status is HouseholdStatus.AKTIV
    session.act_as(fachkraft)
    lifecycle.close(session, family, ClosureReason.ZIELE_ERREICHT, "Abschlussgespräch geführt")
    session.act_as(lead)
    lifecycle.approve_closure(session, family, authorization=sign(session))
    assert households.get(session, family).data.status is HouseholdStatus.ABGESCHLOSSEN
    signed = persons.signatures(session, "household", [family])[family]
    assert [s.act for s in signed] == ["household.close_approve"]  # re-authenticated, signed
    kinds = [e.kind for e in lifecycle.closure_history(session, family)]
    assert kinds == [ClosureEventKind.BEANTRAGT, ClosureEventKind.ABGELEHNT,
                     ClosureEventKind.BEANTRAGT, ClosureEventKind.ABGESCHLOSSEN]
    assert lifecycle.closure_history(session, family)[-1].reason is ClosureReason.ZIELE_ERREICHT


def test_closure_events_are_append_only(session: Session, family: HouseholdId) -> None:
    lifecycle.close(session, family, ClosureReason.ZIELE_ERREICHT)
    with pytest.raises(Exception, match="append-only"), session.db.transaction():
        session.db.execute("UPDATE household_closures SET reason = 'x'")
    with pytest.raises(Exception, match="append-only"), session.db.transaction():
        session.db.execute("DELETE FROM household_closures")


# --------------------------------------------------------------------------- hand-over


def test_handover_stays_until_accepted(session: Session, family: HouseholdId) -> None:
    me = session.actor_id
    households.update(session, family, households.get(session, family).data.__class__(
        **{**_fields(session, family), "assigned_worker_id": me}))
    other = colleague(session)
    with pytest.raises(ValidationError) as info:
        lifecycle.offer_handover(session, family, other, "")
    assert info.value.field == "Übergabenotiz"
    hid, _ = lifecycle.offer_handover(session, family, other,
                                      "Mutter braucht Begleitung zum Jobcenter")
    assert assigned(session, family) == me  # still mine
    assert households.list_ids(session, handover_to=other) == [family]
    with pytest.raises(PermissionDenied):  # only the colleague answers
        lifecycle.accept_handover(session, hid)
    session.act_as(other)
    assert [h.id for h in lifecycle.handovers_to_me(session)] == [hid]
    lifecycle.accept_handover(session, hid)
    assert assigned(session, family) == other
    assert households.list_ids(session, handover_to=other) == []
    entries = [e for e in history(session.db, scope_id=family) if e.entity == "household"]
    assert entries[0].fields == {"assigned_worker_id": other}  # the hub follows this field


def test_declined_handover_leaves_the_family_with_its_worker(
        session: Session, family: HouseholdId) -> None:
    me = session.actor_id
    households.update(session, family, households.get(session, family).data.__class__(
        **{**_fields(session, family), "assigned_worker_id": me}))
    other = colleague(session)
    hid, _ = lifecycle.offer_handover(session, family, other, "Übergabe wegen Elternzeit")
    session.act_as(other)
    with pytest.raises(ValidationError):
        lifecycle.decline_handover(session, hid, "")
    lifecycle.decline_handover(session, hid, "Kapazität voll")
    assert assigned(session, family) == me
    handover = lifecycle.handovers(session, family)[0]
    assert handover.state is HandoverState.ABGELEHNT
    assert handover.decision_note == "Kapazität voll"
    with pytest.raises(ValidationError):  # decided once
        lifecycle.accept_handover(session, hid)


def test_only_one_open_offer_and_withdraw(session: Session, family: HouseholdId) -> None:
    other = colleague(session)
    hid, _ = lifecycle.offer_handover(session, family, other, "Übergabe wegen Umzug")
    with pytest.raises(ValidationError):
        lifecycle.offer_handover(session, family, other, "noch einmal")
    with pytest.raises(ValidationError):  # an open offer blocks closing
        lifecycle.close(session, family, ClosureReason.ZIELE_ERREICHT)
    lifecycle.withdraw_handover(session, hid)
    assert lifecycle.open_handover(session, family) is None


def test_leitung_reassigns_several_families_with_a_reason(session: Session) -> None:
    first = add_family(session, "Müller")
    second = add_family(session, "Yilmaz")
    lead = colleague(session, "Petra Leitung", WorkerRole.LEITUNG)
    other = colleague(session)
    lifecycle.offer_handover(session, first, lead, "offenes Angebot")
    session.act_as(other)
    with pytest.raises(PermissionDenied):
        lifecycle.reassign(session, [first, second], other, "Elternzeit")
    session.act_as(lead)
    with pytest.raises(ValidationError) as info:
        lifecycle.reassign(session, [first, second], other, "")
    assert info.value.field == "Grund der Umverteilung"
    lifecycle.reassign(session, [first, second], other, "Elternzeit von Frau Beispiel")
    assert assigned(session, first) == other and assigned(session, second) == other
    states = [h.state for h in lifecycle.handovers(session, first)]
    assert states == [HandoverState.UMVERTEILT, HandoverState.ZURUECKGEZOGEN]
    batch = {lifecycle.handovers(session, h)[0].batch_id for h in (first, second)}
    assert len(batch) == 1


def _fields(session: Session, hid: str) -> dict[str, object]:
    data = households.get(session, hid).data
    return {name: getattr(data, name) for name in data.__dataclass_fields__}


def test_restricted_file_takes_no_new_entries_and_leaves_heute(
        session: Session, family: HouseholdId) -> None:
    from datetime import datetime

    from casework.clock import BERLIN
    from casework.models.appointments import AppointmentDraft
    from casework.models.goals import GoalDraft
    from casework.services import appointments, goals

    start = datetime(2026, 11, 21, 15, 0, tzinfo=BERLIN)
    appointments.create(session, AppointmentDraft(family, start))
    assert len(appointments.today(session)) == 1
    lead = colleague(session, "Petra Leitung", WorkerRole.LEITUNG)
    fachkraft = colleague(session, "Frieda Fachkraft")
    session.act_as(lead)
    retention.restrict(session, family, "Aufbewahrung wegen laufenden Verfahrens")
    session.act_as(fachkraft)
    assert appointments.today(session) == []  # hidden from the daily list
    with pytest.raises(PermissionDenied, match="eingeschränkt"):
        appointments.create(session, AppointmentDraft(family, start))
    with pytest.raises(PermissionDenied, match="eingeschränkt"):
        goals.create(session, GoalDraft(family, "Wohnung finden"))
    with pytest.raises(PermissionDenied, match="eingeschränkt"):
        lifecycle.offer_handover(session, family, lead, "Übergabe")


def test_history_names_the_new_record_kinds(session: Session, family: HouseholdId) -> None:
    other = colleague(session)
    offer, _ = lifecycle.offer_handover(session, family, other, "Übergabe vor Elternzeit")
    lifecycle.withdraw_handover(session, offer)
    lifecycle.close(session, family, ClosureReason.ZIELE_ERREICHT)
    lines = [e.summary() for e in history(session.db, scope_id=family)]
    assert "Fallabschluss/Wiederaufnahme angelegt" in lines
    assert "Haushalt geändert: Status" in lines
    assert "Übergabe angelegt" in lines
    assert any(line.startswith("Übergabe geändert:") and "Entschieden am" in line
               for line in lines)
