"""Contacts (Kontakte/Besuche), follow-ups and note search."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import date, datetime, time, timedelta

from casework.clock import BERLIN, local_today, to_utc_iso
from casework.errors import NotFound, ValidationError
from casework.models.changes import Changes
from casework.models.contacts import Contact, ContactDraft, FollowUp, NoteHit
from casework.models.ids import ContactId, HouseholdId
from casework.services.session import Session
from casework.storage import contacts as store
from casework.storage import households as household_store


def log_contact(session: Session, household_id: HouseholdId,
                draft: ContactDraft) -> tuple[ContactId, Changes]:
    """Record one contact; durable when this returns (WAL + synchronous=FULL)."""
    clean = draft.validated(session.clock.now())
    with session.db.transaction():
        if household_store.get_household(session.db, household_id) is None:
            raise NotFound("Der Haushalt")
        members = {p.id for p in household_store.persons_of(session.db, household_id)}
        if any(p not in members for p in clean.persons_present):
            raise ValidationError("Anwesende Personen",
                                  "enthält jemanden, der nicht zum Haushalt gehört.")
        cid = store.insert_contact(session.writer(), household_id, clean)
    return cid, Changes.of("contact", cid) | Changes.of("household", household_id)


def contacts(session: Session, household_id: str, limit: int | None = None,
             offset: int = 0) -> list[Contact]:
    return store.contacts_of(session.db, household_id, limit, offset)


def count(session: Session, household_id: str) -> int:
    return store.count_contacts(session.db, household_id)


def get(session: Session, contact_id: str) -> Contact:
    contact = store.get_contact(session.db, contact_id)
    if contact is None:
        raise NotFound("Der Kontakt")
    return contact


def complete_follow_up(session: Session, contact_id: ContactId, done: bool = True) -> Changes:
    with session.db.transaction():
        contact = get(session, contact_id)
        if contact.data.follow_up is None:
            raise ValidationError("Wiedervorlage", "dieser Kontakt hat keine Wiedervorlage.")
        changed = store.set_follow_up_done(session.writer(), contact, done)
    if not changed:
        return Changes()
    return Changes.of("contact", contact_id) | Changes.of("household", contact.household_id)


def follow_ups_due(session: Session, on: date | None = None,
                   mine_only: bool = False, newest_first: bool = False) -> list[FollowUp]:
    """Due today or overdue (Heute screen; it lists the newest first, so today's and
    yesterday's come before follow-ups forgotten long ago)."""
    day = on or local_today(session.clock)
    due = store.follow_ups_due(session.db, day, session.actor_id if mine_only else None,
                               newest_first=newest_first)
    # the household label, not the bare surname: families with the same surname (issue 18)
    labels = household_store.household_labels(session.db, sorted({f.household_id for f in due}))
    return [replace(f, household_name=labels.get(f.household_id, f.household_name))
            for f in due]


def complete_follow_ups(session: Session, contact_ids: Sequence[ContactId]) -> Changes:
    """Mark several follow-ups done at once (Heute: "erledigt" in bulk), one transaction."""
    changes = Changes()
    with session.db.transaction():
        for contact_id in dict.fromkeys(contact_ids):
            contact = get(session, contact_id)
            if contact.data.follow_up is None:
                raise ValidationError("Wiedervorlage", "dieser Kontakt hat keine Wiedervorlage.")
            if store.set_follow_up_done(session.writer(), contact, True):
                changes = (changes | Changes.of("contact", contact_id)
                           | Changes.of("household", contact.household_id))
    return changes


def logged_today(session: Session) -> list[tuple[Contact, str]]:
    """Contacts recorded today (local day), with the household name."""
    day = local_today(session.clock)
    start = datetime.combine(day, time.min, BERLIN)
    end = start + timedelta(days=1)
    logged = store.contacts_logged_between(session.db, to_utc_iso(start), to_utc_iso(end))
    labels = household_store.household_labels(
        session.db, sorted({c.household_id for c, _ in logged}))
    return [(c, labels.get(c.household_id, name)) for c, name in logged]


def search_notes(session: Session, text: str, limit: int = 50,
                 ranked: bool = False) -> list[NoteHit]:
    return store.search_notes(session.db, text, limit, ranked)
