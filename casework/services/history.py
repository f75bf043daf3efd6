"""History ("Verlauf") of records, read from the change log."""

from __future__ import annotations

from casework.models.history import HistoryEntry
from casework.services.session import Session
from casework.storage import changelog


def for_household(session: Session, household_id: str, limit: int = 500) -> list[HistoryEntry]:
    """Everything logged under the household: itself, members, contacts (newest first)."""
    return changelog.history(session.db, scope_id=household_id, limit=limit)


def for_record(session: Session, record_id: str, limit: int = 200) -> list[HistoryEntry]:
    return changelog.history(session.db, entity_ids=[record_id], limit=limit)
