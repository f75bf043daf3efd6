"""Corrections (Berichtigung) and addenda (Nachtrag) of saved contacts (issue 18).

Professional records are corrected visibly: a correction is a new, append-only version
naming who, when and why; the earlier wording stays readable in the family file, in the
history and in every printed document that shows the notes. An addendum adds dated text
to a contact without changing it. Both sync to the team like the contact itself
(`contact_revision`), are deleted with the household and are part of an Art. 15 answer.
"""

from __future__ import annotations

from casework.errors import NotFound
from casework.models.changes import Changes
from casework.models.contacts import AddendumDraft, CorrectionDraft
from casework.models.ids import ContactId
from casework.services.privacy.retention import check_access
from casework.services.session import Session
from casework.storage import contacts as store


def correct(session: Session, contact_id: ContactId, draft: CorrectionDraft) -> Changes:
    """Correct a contact: its note entries and, where the draft says so, its date and
    time, type or next step; `draft.reason` is required and the replaced wording and
    values are kept with the correction."""
    with session.db.transaction():
        contact = store.get_contact(session.db, contact_id)
        if contact is None:
            raise NotFound("Der Kontakt")
        check_access(session, contact.household_id)
        clean = draft.validated(contact.data, session.clock.now())
        store.insert_correction(session.writer(), contact, clean)
    return (Changes.of("contact", contact_id) | Changes.of("contact_revision", contact_id)
            | Changes.of("household", contact.household_id))


def add_addendum(session: Session, contact_id: ContactId, draft: AddendumDraft) -> Changes:
    """Append a dated Nachtrag to a contact; the contact itself stays as it is."""
    clean = draft.validated()
    with session.db.transaction():
        contact = store.get_contact(session.db, contact_id)
        if contact is None:
            raise NotFound("Der Kontakt")
        check_access(session, contact.household_id)
        store.insert_addendum(session.writer(), contact, clean)
    return (Changes.of("contact", contact_id) | Changes.of("contact_revision", contact_id)
            | Changes.of("household", contact.household_id))
