"""Households and their members."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from casework.clock import local_today
from casework.errors import NotFound, ValidationError
from casework.models.changes import Changes
from casework.models.contacts import NoteHit
from casework.models.households.household import (
    Household,
    HouseholdDraft,
    HouseholdListRow,
    HouseholdStatus,
)
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
    """Edit the household's fields. Closing and reopening are not an edit: they ask for a
    reason and check open procedures (services.households.lifecycle)."""
    clean = draft.validated()
    with session.db.transaction():
        current = _require(session, household_id)
        closed = HouseholdStatus.ABGESCHLOSSEN
        if (current.data.status is closed) != (clean.status is closed):
            raise ValidationError("Status", "Abschließen und Wiederaufnehmen bitte über "
                                            "„Fall abschließen …“ bzw. „Wieder aufnehmen …“ "
                                            "(mit Grund).")
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
             exclude_restricted: bool = True, open_cases: bool = False,
             handover_to: str | None = None, open_goals: bool = False,
             note_hits: Sequence[NoteHit] | None = None) -> list[HouseholdId]:
    """Household ids for the family list: names and addresses by folded prefix; with
    `include_notes`, also households whose contact notes contain the words (FTS).
    Restricted ("eingeschränkt", LR-35) households are left out when the acting worker's
    role may not see them in daily work (services.retention); that is the safe default.
    `note_hits`: the note search already run by the caller (it shows their snippets)."""
    note_ids: list[str] | None = None
    if search and include_notes and note_hits is not None:
        note_ids = list(dict.fromkeys(h.household_id for h in note_hits))
    elif search and include_notes:
        from casework.storage.contacts import search_notes

        note_ids = list(dict.fromkeys(h.household_id for h in
                                      search_notes(session.db, search, limit=200)))
    ids = store.list_household_ids(session.db, search=search, status=status,
                                   worker_id=worker_id, sort=sort, descending=descending,
                                   note_match_ids=note_ids, limit=limit,
                                   open_cases=open_cases, handover_to=handover_to,
                                   open_goals=open_goals)
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


def labels(session: Session, ids: list[HouseholdId]) -> dict[str, str]:
    """Distinguishable names, 'Müller (Sabine, Thomas) · Hauptstr. 5', by id (issue 18)."""
    return store.household_labels(session.db, list(ids))


def label(session: Session, household_id: str) -> str:
    found = store.household_labels(session.db, [household_id])
    if household_id not in found:
        raise NotFound("Der Haushalt")
    return found[household_id]


@dataclass(frozen=True, slots=True)
class Resemblance:
    """An existing household a new family or person resembles (duplicate warning)."""

    household: HouseholdListRow
    why: str  # "gleicher Name und gleiche Straße", "Sabine Müller, geb. 04.05.1988"


def similar_families(session: Session, name: str, street: str = "",
                     exclude: str | None = None) -> list[Resemblance]:
    """Existing families with the same (folded) surname and street."""
    from casework.services.privacy.retention import visible_ids

    ids = [HouseholdId(i) for i in store.similar_households(session.db, name, street)
           if i != exclude]
    rows = store.household_list_rows(session.db, list(visible_ids(session, ids)))
    return [Resemblance(r, "gleicher Familienname und gleiche Straße") for r in rows]


def similar_persons(session: Session, draft: PersonDraft, household_id: str,
                    exclude_person: str | None = None) -> list[Resemblance]:
    """Persons in other families with the same (folded) last name and the same first
    name or birth date."""
    from casework.services.privacy.retention import visible_ids

    hits = [(h, p) for h, p in store.similar_persons(
        session.db, draft.first_name, draft.last_name, draft.birth.birth_date,
        exclude_person) if h != household_id]
    visible = set(visible_ids(session, [HouseholdId(h) for h, _ in hits]))
    rows = {str(r.id): r for r in store.household_list_rows(session.db, sorted(visible))}
    found: list[Resemblance] = []
    for household, person_id in hits:
        person = store.get_person(session.db, person_id)
        if household in rows and person is not None:
            born = person.data.birth.birth_date
            why = person.display_name + (f", geb. {born:%d.%m.%Y}" if born else "")
            found.append(Resemblance(rows[household], why))
    return found
