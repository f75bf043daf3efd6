"""Appointments on real vaults: plan, Heute lists, reminders, one-step contact from a
past appointment, the closure warning, and an .ics export without personal data."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from casework.clock import BERLIN, FixedClock
from casework.errors import ValidationError
from casework.models.appointments import AppointmentDraft, AppointmentStatus, PlaceType
from casework.models.contacts import ContactType
from casework.models.households.lifecycle import ClosureReason
from casework.models.ids import HouseholdId
from casework.services import appointments, contacts
from casework.services.households import households, lifecycle
from casework.services.session import Session
from casework.storage import audit as audit_store
from casework.storage.changelog import history

# NOW in tests/conftest.py: Saturday 21 November 2026, 10:00 in Bottrop.


def at(day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, 11, day, hour, minute, tzinfo=BERLIN)


def plan(session: Session, hid: str, start: datetime, **kw: object) -> str:
    persons = tuple(p.id for p in households.members(session, hid))
    aid, _ = appointments.create(session, AppointmentDraft(
        hid, start, person_ids=persons, place="Gärtnerstraße 12",
        topic="Gespräch über Kita-Anmeldung", **kw))  # type: ignore[arg-type]
    return aid


def test_create_validates(session: Session, family: HouseholdId) -> None:
    with pytest.raises(ValidationError) as info:
        appointments.create(session, AppointmentDraft(family, at(23, 9), duration_min=0))
    assert info.value.field == "Dauer"
    with pytest.raises(ValidationError) as info:
        appointments.create(session, AppointmentDraft(family, at(23, 9),
                                                      person_ids=("fremd",)))
    assert info.value.field == "Personen"
    aid = plan(session, family, at(23, 9))
    assert history(session.db, entity_ids=[aid])[0].op == "insert"  # change log: syncs


def test_today_and_this_week(session: Session, family: HouseholdId) -> None:
    morning = plan(session, family, at(21, 14))
    monday = plan(session, family, at(22, 9))  # Sunday is still this week
    plan(session, family, at(23, 9))  # next week
    cancelled = plan(session, family, at(21, 16))
    appointments.cancel(session, cancelled, "Familie krank")
    assert [r.appointment.id for r in appointments.today(session)] == [morning]
    assert [r.appointment.id for r in appointments.this_week(session)] == [morning, monday]
    assert appointments.this_week(session)[0].household_name == "Müller (Ayşe) · Gärtnerstr. 12"


def test_reminders_within_lead_time(session: Session, family: HouseholdId,
                                    clock: FixedClock) -> None:
    aid = plan(session, family, at(21, 10, 45))
    assert appointments.due_reminders(session, lead_minutes=30) == []
    clock.advance(timedelta(minutes=20))
    assert [r.appointment.id for r in appointments.due_reminders(session)] == [aid]


def test_log_contact_from_past_appointment(session: Session, family: HouseholdId,
                                           clock: FixedClock) -> None:
    aid = plan(session, family, at(21, 11), duration_min=45)
    with pytest.raises(ValidationError, match="Zukunft"):
        appointments.log_contact(session, aid)
    clock.advance(timedelta(hours=2))
    cid, changes = appointments.log_contact(session, aid, note="Anmeldung ausgefüllt")
    assert cid in changes.ids("contact")
    contact = contacts.get(session, cid)
    assert contact.data.type is ContactType.HAUSBESUCH
    assert contact.data.duration_min == 45
    assert contact.data.occurred_at == at(21, 11)
    assert len(contact.data.persons_present) == 2
    assert contact.data.notes[0].text == "Anmeldung ausgefüllt"
    done = appointments.get(session, aid)
    assert done.status is AppointmentStatus.STATTGEFUNDEN and done.contact_id == cid
    with pytest.raises(ValidationError):  # only once
        appointments.log_contact(session, aid)


def test_planned_appointment_is_a_closure_warning(session: Session,
                                                  family: HouseholdId) -> None:
    plan(session, family, at(24, 9, 30))
    check = lifecycle.closure_check(session, family)
    assert check.allowed
    assert check.warnings == ("1 geplanter Termin (nächster am 24.11.2026 um 09:30).",)
    lifecycle.close(session, family, ClosureReason.ZIELE_ERREICHT, confirm_warnings=True)
    assert appointments.this_week(session) == []  # closed: off the daily lists
    with pytest.raises(ValidationError):
        plan(session, family, at(25, 9))


def test_ics_export_contains_no_personal_data(session: Session, family: HouseholdId) -> None:
    aid = plan(session, family, at(23, 9, 15), duration_min=30,
               place_type=PlaceType.ZUHAUSE)
    text = appointments.export_ics(session, aid).decode()
    assert "SUMMARY:Termin – Casework" in text
    assert "LOCATION:bei der Familie zu Hause" in text
    assert "DTSTART:20261123T081500Z" in text and "DTEND:20261123T084500Z" in text
    names = [p.data.first_name for p in households.members(session, family)]
    for word in ("Müller", "Gärtnerstraße", "Kita", *names):
        assert word not in text, word
    assert text.count("\r\n") == len(text.splitlines())  # CRLF lines (RFC 5545)
    detailed = appointments.export_ics(session, aid, with_details=True).decode()
    assert "Familie Müller" in detailed and "Gärtnerstraße 12" in detailed
    actions = [e.action for e in audit_store.entries(session.db)]
    assert actions.count("appointment.export") == 2


def test_demo_has_lifecycle_examples(session: Session) -> None:
    from casework.services import demo

    demo.fill(session, 30, contacts_per_family=1, showcase=False)
    today = datetime(2026, 11, 21).date()
    assert len(appointments.between(session, today, today + timedelta(days=7))) == 3
    assert len(appointments.today(session)) == 1
    assert len(lifecycle.handovers_to_me(session)) == 1
    from casework.services import goals

    assert len(goals.reviews_due(session)) == 1
    assert len(households.list_ids(session, open_goals=True)) == 1
    from casework.services import documents
    from casework.storage import attachments

    found = [d for h in households.list_ids(session, open_goals=True)
             for d in documents.for_household(session, h)]
    assert len(found) == 1 and documents.content(session, found[0].id).startswith(b"\x89PNG")
    assert attachments.check(session.vault) == []
    from casework.models.milestones import MilestoneKind
    from casework.services import milestones

    assert MilestoneKind.VOLLJAEHRIG_UMA in {m.kind for m in milestones.due(session)}
    closed = households.list_ids(session, status="abgeschlossen")
    assert any(lifecycle.closure_history(session, h) for h in closed)
