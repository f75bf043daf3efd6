"""Group offers of the Stadtteilbüro: offers, sessions with attendance, family-training
progress.

Named participants need a legal basis: an Einwilligung (DSGVO Art. 6(1)(a)). The consent
service (`casework.services.consent.transfer.may_transfer`) is asked whether a given
consent covers "Teilnahme an der Veranstaltung" for the Träger; where it says no or
cannot answer (e.g. a profile without that purpose), the worker must confirm
"Einwilligung liegt vor" explicitly, and that basis is stored with the attendance row.
"""

from __future__ import annotations

from datetime import date

from casework.clock import local_today
from casework.errors import NotFound, UserError, ValidationError
from casework.models.changes import Changes
from casework.models.offers import (
    AttendeeGender,
    Offer,
    OfferDraft,
    OfferKind,
    OfferSession,
    SessionDraft,
    TrainingProgress,
    age_group,
)
from casework.services.consent import transfer as consent_transfer
from casework.services.session import Session
from casework.storage import households as household_store
from casework.storage import offers as store

CONSENT_PURPOSE = "event"
CONSENT_RECIPIENT = "traeger"
BASIS_CONFIRMED = "Einwilligung liegt vor (bestätigt)"
BASIS_RECORDED = "Einwilligung in der Akte erfasst"


def _offer(session: Session, offer_id: str) -> Offer:
    offer = store.get_offer(session.db, offer_id)
    if offer is None:
        raise NotFound("Das Angebot")
    return offer


def create_offer(session: Session, draft: OfferDraft) -> tuple[str, Changes]:
    clean = draft.validated()
    with session.db.transaction():
        if (
            clean.household_id
            and household_store.get_household(session.db, clean.household_id) is None
        ):
            raise NotFound("Der Haushalt")
        oid = store.insert_offer(session.writer(), clean)
    changes = Changes.of("offer", oid)
    if clean.household_id:
        changes |= Changes.of("household", clean.household_id)
    return oid, changes


def update_offer(session: Session, offer_id: str, draft: OfferDraft) -> Changes:
    clean = draft.validated()
    with session.db.transaction():
        offer = _offer(session, offer_id)
        changed = store.update_offer(session.writer(), offer, clean)
    return Changes.of("offer", offer_id) if changed else Changes()


def offers(session: Session, kind: OfferKind | None = None) -> list[Offer]:
    return store.list_offers(session.db, kind=kind)


def get(session: Session, offer_id: str) -> Offer:
    return _offer(session, offer_id)


def _consent_recorded(session: Session, person_id: str) -> bool:
    try:
        decision = consent_transfer.may_transfer(session, person_id, CONSENT_PURPOSE,
                                                 CONSENT_RECIPIENT)
    except UserError:  # e.g. the profile's catalogue has no such purpose
        return False
    return decision.allowed


def record_session(session: Session, offer_id: str, draft: SessionDraft) -> tuple[str, Changes]:
    """One meeting of an offer with its attendance (headcounts and/or named people)."""
    today = local_today(session.clock)
    with session.db.transaction():
        offer = _offer(session, offer_id)
        clean = draft.validated(today, require_attendance=offer.data.household_id is None)
        if offer.data.end_on and clean.held_on > offer.data.end_on:
            raise ValidationError("Datum", "liegt nach dem Ende des Angebots.")
        named: list[tuple[str, str, str, str, str]] = []
        households: set[str] = set()
        for person_id in clean.participants:
            person = household_store.get_person(session.db, person_id)
            if person is None:
                raise NotFound("Eine teilnehmende Person")
            basis = ""
            if _consent_recorded(session, person_id):
                basis = BASIS_RECORDED
            elif clean.consent_confirmed:
                basis = BASIS_CONFIRMED
            else:
                raise ValidationError(
                    "Teilnehmende mit Namen",
                    "nur mit Einwilligung. Bitte „Einwilligung liegt vor“ bestätigen oder "
                    "die Teilnahme anonym zählen.",
                )
            gender = _gender(person.data.gender.value)
            group = age_group(person.data.birth.age_years(clean.held_on))
            named.append((person.id, person.household_id, group.value, gender.value, basis))
            households.add(person.household_id)
        sid = store.insert_session(session.writer(), offer, clean, named)
    changes = Changes.of("offer_session", sid) | Changes.of("offer", offer_id)
    for hid in households | ({offer.data.household_id} if offer.data.household_id else set()):
        changes |= Changes.of("household", hid)
    return sid, changes


def _gender(value: str) -> AttendeeGender:
    for g in AttendeeGender:
        if g.value == value:
            return g
    return AttendeeGender.UNBEKANNT


def sessions(session: Session, offer_id: str) -> list[OfferSession]:
    return store.sessions(session.db, offer_id)


def training_progress(
    session: Session,
    household_id: str | None = None,
) -> list[TrainingProgress]:
    return store.training_progress(session.db, household_id)


def sessions_between(
    session: Session,
    offer_id: str,
    start: date,
    end: date,
) -> list[OfferSession]:
    return [s for s in sessions(session, offer_id) if start <= s.held_on <= end]
