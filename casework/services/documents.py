"""Documents per family or person: add (from a file's bytes: chooser or drag-and-drop),
describe, view inside the app (decrypted in memory only), remove (tombstone; the file
goes with the real deletion at the end of retention).

Files are encrypted attachments (storage.attachments, like the consent scans): a backup
copies the attachments folder, `vault check` verifies every file is referenced and
intact, and the real deletion of a household overwrites and removes them.

Access log: `document.view`, `document.export` (id; no content).
"""

from __future__ import annotations

import hashlib
from dataclasses import replace
from pathlib import PurePath

from casework.clock import local_today
from casework.errors import NotFound, ValidationError
from casework.models.changes import Changes
from casework.models.documents import Document, DocumentDraft, sniff
from casework.models.households.household import HouseholdStatus
from casework.services.households import restriction as case_lifecycle
from casework.services.session import Session
from casework.storage import attachments
from casework.storage import documents as store
from casework.storage import households as household_store

KIND = "case_document"
MAX_NAME = 200


def get(session: Session, document_id: str) -> Document:
    found = store.get(session.db, document_id)
    if found is None:
        raise NotFound("Das Dokument")
    return found


def for_household(session: Session, household_id: str) -> list[Document]:
    return store.of_household(session.db, household_id)


def _members(session: Session, household_id: str) -> set[str]:
    household = household_store.get_household(session.db, household_id)
    if household is None:
        raise NotFound("Der Haushalt")
    case_lifecycle.require_unrestricted(session, household_id)
    if household.data.status is HouseholdStatus.ABGESCHLOSSEN:
        raise ValidationError("Dokument", "Der Fall ist abgeschlossen.")
    return {p.id for p in household_store.persons_of(session.db, household_id)}


def add(session: Session, draft: DocumentDraft, data: bytes, file_name: str = ""
        ) -> tuple[str, Changes]:
    """Store `data` encrypted and record what it is. The original file on disk is the
    caller's; nothing is written in plaintext."""
    if not data:
        raise ValidationError("Datei", "ist leer.")
    today = local_today(session.clock)
    clean = draft.validated(_members(session, draft.household_id), today)
    name = PurePath(file_name.replace("\\", "/")).name[:MAX_NAME]
    attachment_id = attachments.put(session.vault, data)
    try:
        with session.db.transaction():
            clean = draft.validated(_members(session, draft.household_id), today)
            did = store.insert(session.writer(), clean, attachment_id, name, sniff(data),
                               len(data), hashlib.sha256(data).hexdigest())
    except BaseException:
        attachments.delete(session.vault, attachment_id)  # no orphan file
        raise
    return did, Changes.of(KIND, did) | Changes.of("household", draft.household_id)


def update(session: Session, document_id: str, draft: DocumentDraft) -> Changes:
    today = local_today(session.clock)
    with session.db.transaction():
        current = get(session, document_id)
        draft = replace(draft, household_id=current.data.household_id)
        clean = draft.validated(_members(session, draft.household_id), today)
        changed = store.update(session.writer(), document_id, clean)
    return Changes.of(KIND, document_id) if changed else Changes()


def remove(session: Session, document_id: str) -> Changes:
    """Take a wrongly filed document out of the file (tombstone, logged); its encrypted
    file stays until the household's real deletion."""
    with session.db.transaction():
        current = get(session, document_id)
        store.tombstone(session.writer(), current)
    return Changes.of(KIND, document_id) | Changes.of("household", current.data.household_id)


def content(session: Session, document_id: str) -> bytes:
    """The decrypted bytes, for showing inside the app (in memory only); logged."""
    document = get(session, document_id)
    data = attachments.get(session.vault, document.attachment_id)
    session.audit("document.view", KIND, document_id)
    return data


def export_copy(session: Session, document_id: str) -> bytes:
    """The bytes for a copy the worker saves where they choose; logged as an export."""
    document = get(session, document_id)
    data = attachments.get(session.vault, document.attachment_id)
    session.audit("document.export", KIND, document_id)
    return data
