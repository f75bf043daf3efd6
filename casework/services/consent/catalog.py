"""Reading consent data shared by the lifecycle and the transfer question: the profile's
consent catalogue, the German texts of purposes and recipients, and whether a guardians'
consent is due for renewal by the young person (sources §4.4)."""

from __future__ import annotations

from datetime import date

from casework.models.consent import Capacity, Consent
from casework.models.directory.profile import ConsentCatalog, Profile
from casework.services.directory.shipped import load_profile
from casework.services.session import Session
from casework.storage import consent as store


def profile(session: Session) -> Profile:
    return load_profile(session.profile_name)


def catalog(session: Session) -> ConsentCatalog:
    return profile(session).consent


def choice_text(label: str, detail_label: str, detail: str) -> str:
    """"Teilnahme an der Veranstaltung: Sommerfest", "sonstige und zwar: Jobcenter"."""
    parts = [label.strip()]
    if detail:
        if detail_label:
            parts.append(detail_label.strip())
        parts.append(detail)
    return " ".join(parts)


def purpose_text(cat: ConsentCatalog, key: str, detail: str = "") -> str:
    entry = next((p for p in cat.purposes if p.key == key), None)
    return choice_text(entry.label, entry.detail_label, detail) if entry else key


def recipient_text(cat: ConsentCatalog, key: str, detail: str = "") -> str:
    entry = next((r for r in cat.recipients if r.key == key), None)
    return choice_text(entry.label, entry.detail_label, detail) if entry else key


def renewal_due_for(session: Session, consent: Consent, on: date) -> bool:
    """Guardians' consent for a child who turned 16, not yet renewed by the young person
    (a consent of their own signed on or after the birthday)."""
    if not consent.renewal_due(on):
        return False
    assert consent.renewal_on is not None
    for other in store.consents_of_person(session.db, consent.person_id):
        signed = other.signed_on
        if (other.capacity is Capacity.SELF and other.is_given and signed is not None
                and signed >= consent.renewal_on):
            return False
    return True
