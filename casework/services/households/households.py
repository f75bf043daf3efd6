"""Households and their members."""

from __future__ import annotations

from casework.clock import local_today
from casework.errors import NotFound
from casework.models.changes import Changes
from casework.models.households.household import Household, HouseholdDraft, HouseholdListRow
from casework.models.households.person import Person, PersonDraft
from casework.models.ids import HouseholdId, PersonId
from casework.services.session import Session
from casework.storage import audit
from casework.storage import households as store


def _require(session: Session, household_id: str) -> Household:
    household = store.get_household(session.db, household_id)
    if household is None:
        raise NotFound("Der Haushalt")
    return household


def create(session: Session, draft: HouseholdDraft) -> tuple[HouseholdId, Changes]:
    clean = draft.validated()
    with session.db.transaction():
        hid = store.insert_household(session.writer(), clean)
    return hid, Changes.of("household", hid)


def update(session: Session, household_id: HouseholdId, draft: HouseholdDraft) -> Changes:
    clean = draft.validated()
    with session.db.transaction():
        _require(session, household_id)
        changed = store.update_household(session.writer(), household_id, clean)
    return Changes.of("household", household_id) if changed else Changes()


def get(session: Session, household_id: str) -> Household:
    return _require(session, household_id)


def members(session: Session, household_id: str) -> list[Person]:
    return store.persons_of(session.db, household_id)


def add_person(session: Session, household_id: HouseholdId,
               draft: PersonDraft) -> tuple[PersonId, Changes]:
    clean = draft.validated(local_today(session.clock))
    with session.db.transaction():
        _require(session, household_id)
        pid = store.insert_person(session.writer(), household_id, clean)
    return pid, Changes.of("person", pid) | Changes.of("household", household_id)


def update_person(session: Session, person_id: PersonId, draft: PersonDraft) -> Changes:
    clean = draft.validated(local_today(session.clock))
    with session.db.transaction():
        person = store.get_person(session.db, person_id)
        if person is None:
            raise NotFound("Die Person")
        changed = store.update_person(session.writer(), person, clean)
    if not changed:
        return Changes()
    return Changes.of("person", person_id) | Changes.of("household", person.household_id)


def remove_person(session: Session, person_id: PersonId) -> Changes:
    with session.db.transaction():
        person = store.get_person(session.db, person_id)
        if person is None:
            raise NotFound("Die Person")
        store.remove_person(session.writer(), person)
    return Changes.of("person", person_id) | Changes.of("household", person.household_id)


def list_ids(session: Session, *, search: str = "", status: str | None = None,
             worker_id: str | None = None, sort: str = "name", descending: bool = False,
             include_notes: bool = True, limit: int | None = None,
             exclude_restricted: bool = True) -> list[HouseholdId]:
    """Household ids for the family list: names and addresses by folded prefix; with
    `include_notes`, also households whose contact notes contain the words (FTS).
    Restricted ("eingeschränkt", LR-35) households are left out when the acting worker's
    role may not see them in daily work (services.retention); that is the safe default."""
    note_ids: list[str] | None = None
    if search and include_notes:
        from casework.storage.contacts import search_notes

        note_ids = list(dict.fromkeys(h.household_id for h in
                                      search_notes(session.db, search, limit=200)))
    ids = store.list_household_ids(session.db, search=search, status=status,
                                   worker_id=worker_id, sort=sort, descending=descending,
                                   note_match_ids=note_ids, limit=limit)
    if exclude_restricted:
        from casework.services.privacy.retention import visible_ids

        ids = visible_ids(session, ids)
    return ids


def list_rows(session: Session, ids: list[HouseholdId]) -> list[HouseholdListRow]:
    return store.household_list_rows(session.db, list(ids))


def count(session: Session) -> int:
    return store.count_households(session.db)


def record_view(session: Session, household_id: HouseholdId) -> None:
    """Opening a family file is an access (LR-23); also feeds 'recently opened'.
    A restricted file (LR-35) is refused to ordinary roles (PermissionDenied) and its
    opening by Leitung/Admin is logged separately."""
    from casework.services.privacy.retention import check_access

    check_access(session, household_id)
    session.audit("household.view", "household", household_id)


def recently_opened(session: Session, limit: int = 10) -> list[HouseholdListRow]:
    from casework.services.privacy.retention import visible_ids

    ids = [HouseholdId(i) for i in
           audit.recent_entities(session.db, "household.view", session.actor_id, limit)]
    return store.household_list_rows(session.db, list(visible_ids(session, ids)))
