"""Restricted files (Einschränkung der Verarbeitung, LR-35) for the case-life record kinds:
no new entries, and out of the daily lists of ordinary roles. Its own module so the
record kinds (appointments, goals, documents) and the closure check can all use it
without importing each other."""

from __future__ import annotations

from casework.errors import PermissionDenied
from casework.services.session import Session


def require_unrestricted(session: Session, household_id: str) -> None:
    """A restricted file takes no new entries: appointments, goals, documents,
    hand-overs, reopening."""
    from casework.storage.privacy import retention as restriction_store

    if restriction_store.active_restriction(session.db, household_id) is not None:
        raise PermissionDenied("Diese Akte ist eingeschränkt (Aufbewahrung ohne laufende "
                               "Bearbeitung); neue Einträge sind nicht möglich.")


def visible_household_ids(session: Session, ids: list[str]) -> set[str]:
    """Of `ids`, those the acting worker sees in daily lists (restricted files are hidden
    from ordinary roles)."""
    from casework.models.ids import HouseholdId
    from casework.services.privacy.retention import visible_ids

    return set(visible_ids(session, [HouseholdId(i) for i in ids]))
