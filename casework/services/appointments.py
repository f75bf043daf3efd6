"""Appointments (Termine): plan, change, cancel, list for Heute ("heute", "diese Woche"),
remind while the app runs, log the contact of a past appointment in one step, and export
one appointment for the worker's own calendar (.ics, without personal data by default).

Access log: `appointment.export` (id and whether details were included; no content).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, datetime, time, timedelta

from casework.clock import BERLIN, local_today
from casework.errors import NotFound, ValidationError
from casework.models.appointments import (
    DEFAULT_REMINDER_MINUTES,
    MAX_TEXT,
    Appointment,
    AppointmentDraft,
    AppointmentStatus,
    PlaceType,
    ics_text,
)
from casework.models.changes import Changes
from casework.models.contacts import ContactDraft, ContactType, NoteEntry, NoteKind
from casework.models.households.household import HouseholdStatus
from casework.services.households import restriction as case_lifecycle
from casework.services.session import Session
from casework.storage import appointments as store
from casework.storage import contacts as contact_store
from casework.storage import households as household_store

KIND = "appointment"

# The contact type a past appointment becomes (the worker can change it afterwards).
CONTACT_TYPES: dict[PlaceType, ContactType] = {
    PlaceType.ZUHAUSE: ContactType.HAUSBESUCH,
    PlaceType.STADTTEILBUERO: ContactType.SPRECHSTUNDE,
    PlaceType.BUERO: ContactType.BERATUNG,
    PlaceType.TELEFON: ContactType.TELEFONAT,
    PlaceType.SCHULE_KITA: ContactType.BEGLEITUNG,
    PlaceType.BEHOERDE: ContactType.BEGLEITUNG,
    PlaceType.PRAXIS: ContactType.BEGLEITUNG,
    PlaceType.SONSTIGES: ContactType.SONSTIGES,
}


def get(session: Session, appointment_id: str) -> Appointment:
    found = store.get(session.db, appointment_id)
    if found is None:
        raise NotFound("Der Termin")
    return found


def for_household(session: Session, household_id: str) -> list[Appointment]:
    """All appointments of the household, in time order."""
    return store.of_household(session.db, household_id)


def _members(session: Session, household_id: str) -> set[str]:
    household = household_store.get_household(session.db, household_id)
    if household is None:
        raise NotFound("Der Haushalt")
    case_lifecycle.require_unrestricted(session, household_id)
    if household.data.status is HouseholdStatus.ABGESCHLOSSEN:
        raise ValidationError("Termin", "Der Fall ist abgeschlossen.")
    return {p.id for p in household_store.persons_of(session.db, household_id)}


def create(session: Session, draft: AppointmentDraft) -> tuple[str, Changes]:
    with session.db.transaction():
        clean = draft.validated(_members(session, draft.household_id))
        aid = store.insert(session.writer(), clean)
    return aid, Changes.of(KIND, aid) | Changes.of("household", draft.household_id)


def update(session: Session, appointment_id: str, draft: AppointmentDraft) -> Changes:
    with session.db.transaction():
        current = get(session, appointment_id)
        if not current.is_planned:
            raise ValidationError("Termin", f"ist „{current.status.value}“ und kann nicht "
                                            "mehr geändert werden.")
        draft = replace(draft, household_id=current.data.household_id)
        clean = draft.validated(_members(session, draft.household_id))
        changed = store.update(session.writer(), appointment_id, clean)
    return Changes.of(KIND, appointment_id) if changed else Changes()


def cancel(session: Session, appointment_id: str, reason: str = "") -> Changes:
    clean = reason.strip()
    if len(clean) > MAX_TEXT:
        raise ValidationError("Grund", f"ist zu lang (höchstens {MAX_TEXT} Zeichen).")
    with session.db.transaction():
        current = get(session, appointment_id)
        if not current.is_planned:
            raise ValidationError("Termin", f"ist bereits „{current.status.value}“.")
        store.set_status(session.writer(), current, AppointmentStatus.ABGESAGT,
                         cancel_reason=clean or "abgesagt")
    return Changes.of(KIND, appointment_id)


def log_contact(session: Session, appointment_id: str, *, note: str = "",
                contact_type: ContactType | None = None, next_steps: str = "",
                follow_up: date | None = None) -> tuple[str, Changes]:
    """The past appointment took place: record its contact (time, duration, persons
    present, type from the kind of place) and mark it „stattgefunden“, in one step."""
    with session.db.transaction():
        current = get(session, appointment_id)
        if not current.is_planned:
            raise ValidationError("Termin", f"ist bereits „{current.status.value}“.")
        if not current.is_past(session.clock.now()):
            raise ValidationError("Termin", "liegt noch in der Zukunft.")
        d = current.data
        members = {p.id for p in household_store.persons_of(session.db, d.household_id)}
        notes = (NoteEntry(NoteKind.FAKT, note),) if note.strip() else ()
        draft = ContactDraft(
            occurred_at=d.starts_at, type=contact_type or CONTACT_TYPES[d.place_type],
            duration_min=d.duration_min,
            persons_present=tuple(p for p in d.person_ids if p in members),  # type: ignore[misc]
            topics=(d.topic,) if d.topic else (), notes=notes, next_steps=next_steps,
            follow_up=follow_up).validated(session.clock.now())
        w = session.writer()
        cid = contact_store.insert_contact(w, d.household_id, draft)
        store.set_status(w, current, AppointmentStatus.STATTGEFUNDEN, contact_id=cid)
    return cid, (Changes.of(KIND, appointment_id) | Changes.of("contact", cid)
                 | Changes.of("household", d.household_id))


# --------------------------------------------------------------------------- lists


@dataclass(frozen=True, slots=True)
class AppointmentRow:
    appointment: Appointment
    household_name: str

    @property
    def local_start(self) -> datetime:
        return self.appointment.data.starts_at.astimezone(BERLIN)


def _day_start(day: date) -> datetime:
    return datetime.combine(day, time.min, BERLIN)


def today(session: Session, *, mine_only: bool = False) -> list[AppointmentRow]:
    day = local_today(session.clock)
    return between(session, day, day, mine_only=mine_only)


def this_week(session: Session, *, mine_only: bool = False) -> list[AppointmentRow]:
    """From today to Sunday of this week (local time)."""
    day = local_today(session.clock)
    return between(session, day, day + timedelta(days=6 - day.weekday()),
                   mine_only=mine_only)


def between(session: Session, first: date, last: date, *,
            mine_only: bool = False) -> list[AppointmentRow]:
    """Planned appointments from `first` to `last` (local days, inclusive); families of
    closed cases are left out."""
    rows = store.planned_between(session.db, _day_start(first),
                                 _day_start(last + timedelta(days=1)),
                                 worker_id=session.actor_id if mine_only else None)
    seen = case_lifecycle.visible_household_ids(session, [a.data.household_id for a, _ in rows])
    # the household label, not the bare surname: families with the same surname (issue 18)
    labels = household_store.household_labels(session.db, sorted(seen))
    return [AppointmentRow(a, labels.get(a.data.household_id, name)) for a, name in rows
            if a.data.household_id in seen]


def due_reminders(session: Session, *, lead_minutes: int = DEFAULT_REMINDER_MINUTES
                  ) -> list[AppointmentRow]:
    """Planned appointments of the acting worker's families (or of families without a
    worker) starting within the next `lead_minutes`."""
    now = session.clock.now()
    rows = store.planned_between(session.db, now, now + timedelta(minutes=lead_minutes))
    seen = case_lifecycle.visible_household_ids(session, [a.data.household_id for a, _ in rows])
    rows = [(a, name) for a, name in rows if a.data.household_id in seen]
    out = []
    for appointment, name in rows:
        household = household_store.get_household(session.db, appointment.data.household_id)
        worker = household.data.assigned_worker_id if household is not None else None
        if worker in (None, session.actor_id) or appointment.created_by == session.actor_id:
            out.append(AppointmentRow(appointment, name))
    return out


def open_for_closure(session: Session, household_id: str) -> list[str]:
    """Closure warnings: planned appointments still ahead."""
    now = session.clock.now()
    ahead = [a for a in for_household(session, household_id)
             if a.is_planned and not a.is_past(now)]
    if not ahead:
        return []
    first = ahead[0].data.starts_at.astimezone(BERLIN)
    count = "1 geplanter Termin" if len(ahead) == 1 else f"{len(ahead)} geplante Termine"
    return [f"{count} (nächster am {first:%d.%m.%Y um %H:%M})."]


# --------------------------------------------------------------------------- export


def export_ics(session: Session, appointment_id: str, *, with_details: bool = False) -> bytes:
    """The appointment as .ics for the worker's own calendar. By default only
    "Termin – Casework", the time and the kind of place; `with_details` adds the family
    name, the topic and the place (the worker's explicit choice)."""
    appointment = get(session, appointment_id)
    details = None
    if with_details:
        household = household_store.get_household(session.db, appointment.data.household_id)
        name = household.name if household is not None else ""
        title = " – ".join(p for p in (f"Familie {name}" if name else "",
                                       appointment.data.topic) if p) or "Termin"
        place = ", ".join(p for p in (appointment.data.place,
                                      appointment.data.place_type.value) if p)
        details = (title, place)
    text = ics_text(appointment, session.clock.now(), uid_domain=f"{session.vault.device_id}"
                    ".casework", details=details)
    session.audit("appointment.export", KIND, appointment_id,
                  "details" if with_details else "neutral")
    return text.encode("utf-8")
