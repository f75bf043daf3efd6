"""Household and person rows ↔ domain dataclasses, and the folded search index."""

from __future__ import annotations

import json
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

import sqlcipher3

from casework.models.households.csv_import import identities
from casework.models.households.household import (
    AccessRoute,
    Household,
    HouseholdDraft,
    HouseholdListRow,
    HouseholdStatus,
    TargetGroup,
)
from casework.models.households.person import (
    BirthInfo,
    Gender,
    HouseholdRole,
    Person,
    PersonDraft,
    ResidenceStatus,
)
from casework.models.ids import HouseholdId, PersonId, WorkerId, new_id
from casework.models.text import fold, fold_words
from casework.storage.changelog import RecordWriter
from casework.storage.db import Database, Row, raise_translated

# What json.dumps(..., ensure_ascii=False) writes, without building an encoder per call
# (json.dumps does that whenever it gets a keyword argument: 7 of the 10 µs of a row).
_JSON = json.JSONEncoder(ensure_ascii=False)


def household_values(d: HouseholdDraft,
                     fold_name: Callable[[str], str] = fold) -> dict[str, Any]:
    """The row's columns. `fold_name`: `fold`, or a remembering one (bulk writes, where
    a few thousand names repeat)."""
    return {
        "name": d.name,
        "street": d.street,
        "plz": d.plz,
        "city": d.city,
        "district": d.district,
        "quarter": d.quarter,
        "languages": _JSON.encode(list(d.languages)) if d.languages else "[]",
        "interpreter_needed": int(d.interpreter_needed),
        "target_groups": (_JSON.encode(sorted(t.value for t in d.target_groups))
                          if d.target_groups else "[]"),
        "access_route": d.access_route.value if d.access_route else None,
        "resources": d.resources,
        "risks": d.risks,
        "assigned_worker_id": d.assigned_worker_id,
        "status": d.status.value,
        "sort_name": fold_name(d.name),
    }


def household_from_row(r: Row) -> Household:
    draft = HouseholdDraft(
        name=r["name"],
        street=r["street"],
        plz=r["plz"],
        city=r["city"],
        district=r["district"],
        quarter=r["quarter"],
        languages=tuple(json.loads(r["languages"])),
        interpreter_needed=bool(r["interpreter_needed"]),
        target_groups=frozenset(TargetGroup(t) for t in json.loads(r["target_groups"])),
        access_route=AccessRoute(r["access_route"]) if r["access_route"] else None,
        resources=r["resources"],
        risks=r["risks"],
        assigned_worker_id=WorkerId(r["assigned_worker_id"]) if r["assigned_worker_id"] else None,
        status=HouseholdStatus(r["status"]),
    )
    return Household(HouseholdId(r["id"]), draft, r["created_at"], r["updated_at"], r["version"],
                     r["last_contact_at"], int(r["open_followups"]))


def person_values(d: PersonDraft) -> dict[str, Any]:
    b = d.birth
    return {
        "first_name": d.first_name,
        "last_name": d.last_name,
        "birth_date": b.birth_date.isoformat() if b.birth_date else None,
        "birth_year": b.birth_year,
        "due_date": b.due_date.isoformat() if b.due_date else None,
        "gender": d.gender.value,
        "role": d.role.value,
        "custody": int(d.custody),
        "school": d.school,
        "residence_status": d.residence_status.value if d.residence_status else None,
        "unaccompanied": int(d.unaccompanied),
    }


def person_from_row(r: Row) -> Person:
    birth = BirthInfo(
        birth_date=date.fromisoformat(r["birth_date"]) if r["birth_date"] else None,
        birth_year=r["birth_year"],
        due_date=date.fromisoformat(r["due_date"]) if r["due_date"] else None,
    )
    draft = PersonDraft(
        first_name=r["first_name"],
        last_name=r["last_name"],
        birth=birth,
        gender=Gender(r["gender"]),
        role=HouseholdRole(r["role"]),
        custody=bool(r["custody"]),
        school=r["school"],
        residence_status=ResidenceStatus(r["residence_status"]) if r["residence_status"] else None,
        unaccompanied=bool(r["unaccompanied"]),
    )
    return Person(PersonId(r["id"]), HouseholdId(r["household_id"]), draft, r["created_at"],
                  r["updated_at"], r["version"])


def get_household(db: Database, household_id: str) -> Household | None:
    row = db.query_one("SELECT * FROM households WHERE id = ? AND deleted = 0", (household_id,))
    return None if row is None else household_from_row(row)


def household_row(db: Database, household_id: str) -> Row | None:
    return db.query_one("SELECT * FROM households WHERE id = ? AND deleted = 0", (household_id,))


def persons_of(db: Database, household_id: str) -> list[Person]:
    rows = db.query(
        "SELECT * FROM persons WHERE household_id = ? AND deleted = 0 "
        "ORDER BY CASE role WHEN 'Elternteil' THEN 0 WHEN 'Kind' THEN 1 ELSE 2 END, "
        "COALESCE(birth_date, due_date, printf('%04d', birth_year)), created_at",
        (household_id,),
    )
    return [person_from_row(r) for r in rows]


def get_person(db: Database, person_id: str) -> Person | None:
    row = db.query_one("SELECT * FROM persons WHERE id = ? AND deleted = 0", (person_id,))
    return None if row is None else person_from_row(row)


def refresh_search(db: Database, household_id: str) -> None:
    """Rebuild the folded search text of one household (name, members, address)."""
    row = household_row(db, household_id)
    if row is None:
        db.execute("DELETE FROM household_search WHERE household_id = ?", (household_id,))
        return
    parts = [row["name"], row["street"], row["plz"], row["city"], row["district"],
             row["quarter"]]
    for p in db.query("SELECT first_name, last_name FROM persons "
                      "WHERE household_id = ? AND deleted = 0", (household_id,)):
        parts += [p["first_name"], p["last_name"]]
    text = " ".join(fold_words(" ".join(parts)))
    db.execute(
        "INSERT INTO household_search(household_id, text) VALUES (?, ?) "
        "ON CONFLICT(household_id) DO UPDATE SET text = excluded.text",
        (household_id, text),
    )


def refresh_search_many(db: Database, household_ids: list[str]) -> None:
    """`refresh_search` for many households with a few statements (sync batches)."""
    for start in range(0, len(household_ids), 400):
        chunk = household_ids[start:start + 400]
        marks = ",".join("?" for _ in chunk)
        parts: dict[str, list[str]] = {
            str(r[0]): [r[1], r[2], r[3], r[4], r[5], r[6]] for r in db.query(
                "SELECT id, name, street, plz, city, district, quarter FROM households "
                f"WHERE id IN ({marks})", chunk)}
        for r in db.query("SELECT household_id, first_name, last_name FROM persons "
                          f"WHERE household_id IN ({marks}) AND deleted = 0 ORDER BY rowid",
                          chunk):
            if str(r[0]) in parts:
                parts[str(r[0])] += [r[1], r[2]]
        db.executemany(
            "INSERT INTO household_search(household_id, text) VALUES (?, ?) "
            "ON CONFLICT(household_id) DO UPDATE SET text = excluded.text",
            [(hid, " ".join(fold_words(" ".join(p or "" for p in texts))))
             for hid, texts in parts.items()])
        gone = [hid for hid in chunk if hid not in parts]
        db.executemany("DELETE FROM household_search WHERE household_id = ?",
                       [(hid,) for hid in gone])


def insert_household(w: RecordWriter, draft: HouseholdDraft) -> HouseholdId:
    values = household_values(draft)
    log = {k: v for k, v in values.items() if k != "sort_name"}
    hid = new_id()
    w.insert("households", "household", values, record_id=hid, scope_id=hid, log_fields=log)
    refresh_search(w.db, hid)
    return HouseholdId(hid)


def update_household(w: RecordWriter, household_id: str, draft: HouseholdDraft) -> bool:
    current = household_row(w.db, household_id)
    if current is None:
        raise LookupError(household_id)
    values = household_values(draft)
    changed = w.update("households", "household", household_id, values,
                       scope_id=household_id, current=dict(current))
    if changed:
        refresh_search(w.db, household_id)
    return changed


def insert_person(w: RecordWriter, household_id: str, draft: PersonDraft) -> PersonId:
    values = person_values(draft)
    pid = w.insert("persons", "person", {"household_id": household_id, **values},
                   scope_id=household_id)
    refresh_search(w.db, household_id)
    return PersonId(pid)


def update_person(w: RecordWriter, person: Person, draft: PersonDraft) -> bool:
    current = w.db.query_one("SELECT * FROM persons WHERE id = ?", (person.id,))
    assert current is not None
    changed = w.update("persons", "person", person.id, person_values(draft),
                       scope_id=person.household_id, current=dict(current))
    if changed:
        refresh_search(w.db, person.household_id)
    return changed


def remove_person(w: RecordWriter, person: Person) -> None:
    w.tombstone("persons", "person", person.id, scope_id=person.household_id)
    refresh_search(w.db, person.household_id)


HANDOVER_OPEN = "wartet auf Annahme"  # HandoverState.OFFEN (models.households.lifecycle)

SORT_COLUMNS = {
    "name": "h.sort_name",
    "district": "h.district",
    "worker": "w.name",
    "last_contact": "h.last_contact_at",
    "open_followups": "h.open_followups",
    "street": "h.street",
}


def fts_prefix_query(text: str) -> str | None:
    words = fold_words(text)
    if not words:
        return None
    return " AND ".join(f'"{w}"*' for w in words)


def list_household_ids(db: Database, *, search: str = "", status: str | None = None,
                       worker_id: str | None = None, sort: str = "name",
                       descending: bool = False, note_match_ids: list[str] | None = None,
                       limit: int | None = None, open_cases: bool = False,
                       handover_to: str | None = None,
                       open_goals: bool = False) -> list[HouseholdId]:
    """Ids only, sorted and filtered in SQL; the UI model loads rows lazily.
    `open_cases`: without closed cases (the daily lists); `handover_to`: families offered
    to that worker and not yet accepted or declined."""
    clauses = ["h.deleted = 0"]
    params: list[Any] = []
    query = fts_prefix_query(search) if search else None
    if search and query is None and not note_match_ids:
        return []
    if query is not None or note_match_ids:
        alternatives: list[str] = []
        if query is not None:
            alternatives.append(
                "h.id IN (SELECT s.household_id FROM household_fts f JOIN household_search s "
                "ON s.rowid = f.rowid WHERE household_fts MATCH ?)")
            params.append(query)
        if note_match_ids:
            alternatives.append(f"h.id IN ({','.join('?' for _ in note_match_ids)})")
            params.extend(note_match_ids)
        clauses.append("(" + " OR ".join(alternatives) + ")")
    if status is not None:
        clauses.append("h.status = ?")
        params.append(status)
    if worker_id is not None:
        clauses.append("h.assigned_worker_id = ?")
        params.append(worker_id)
    if open_cases:
        clauses.append("h.status <> 'abgeschlossen'")
    if handover_to is not None:
        clauses.append("h.id IN (SELECT o.household_id FROM handovers o WHERE "
                       "o.to_worker_id = ? AND o.state = ? AND o.deleted = 0)")
        params += [handover_to, HANDOVER_OPEN]
    if open_goals:
        clauses.append("h.id IN (SELECT g.household_id FROM goals g WHERE g.state = 'offen' "
                       "AND g.deleted = 0)")
    column = SORT_COLUMNS.get(sort, "h.sort_name")
    direction = "DESC" if descending else "ASC"
    nulls = "NULLS LAST"
    # the workers only to sort by their names: without the join, the default view's ids
    # come from the name index alone (m0046)
    join = ("LEFT JOIN workers w ON w.id = h.assigned_worker_id " if column.startswith("w.")
            else "")
    sql = (
        f"SELECT h.id FROM households h {join}"
        f"WHERE {' AND '.join(clauses)} ORDER BY {column} {direction} {nulls}, h.id"
    )
    if limit is not None:
        sql += " LIMIT ?"
        params.append(limit)
    return [HouseholdId(r[0]) for r in _tuples(db, sql, params)]


# The ids come as ONE JSON parameter: binding 200 text parameters copies each of them
# into a fresh allocation, and under SQLCipher's memory security every allocation is an
# mlock/munlock system-call pair (75 % of the allocations of a family-list page).
_LIST_ROW_SQL = (
    "SELECT h.id, h.name, h.district, COALESCE(w.name, ''), h.last_contact_at, "
    "h.open_followups, h.status, h.interpreter_needed, h.member_count, h.street "
    "FROM json_each(?) j JOIN households h ON h.id = j.value "
    "LEFT JOIN workers w ON w.id = h.assigned_worker_id"
)
# The adults' first names tell families with the same surname apart (issue 18). They are
# kept on the household row (`adult_first_names`, triggers on persons, m0007), so a page
# is one primary-key lookup per row and no second query (5–8 ms → well under 1 ms on the
# 20,000-household vault).
# The workers' names come from one query over the (small) workers table instead of a join
# per row (0.4 ms of a page).
_LIST_ROW_SQL = (
    "SELECT h.id, h.name, h.district, h.assigned_worker_id, h.last_contact_at, "
    "h.open_followups, h.status, h.interpreter_needed, h.member_count, h.street, "
    "h.adult_first_names FROM json_each(?) j CROSS JOIN households h ON h.id = j.value"
)
ADULT_NAMES_SEPARATOR = "\x1f"  # after every name (m0007)


def refresh_adult_first_names(db: Database, household_ids: Sequence[str]) -> None:
    """`adult_first_names` of these households recomputed as the m0007 triggers keep it
    (bulk paths suspend the per-person trigger and call this once per batch)."""
    db.execute(
        "UPDATE households SET adult_first_names = (SELECT coalesce(group_concat("
        "first_name || char(31), '' ORDER BY rowid), '') FROM persons "
        "WHERE household_id = households.id AND deleted = 0 AND role <> 'Kind') "
        "WHERE id IN (SELECT value FROM json_each(?))", (json.dumps(list(household_ids)),))


def _tuples(db: Database, sql: str, params: list[Any]) -> list[tuple[Any, ...]]:
    """Plain tuples instead of name-addressable rows: a quarter of the time of a family
    list page went into building and reading `Row` objects."""
    cursor = db.conn.cursor()
    cursor.row_factory = None
    try:
        return list(cursor.execute(sql, params))
    except sqlcipher3.Error as error:
        raise_translated(error)
        raise
    finally:
        cursor.close()


def household_list_rows(db: Database, ids: list[str]) -> list[HouseholdListRow]:
    """One family-list page (ids in the caller's order; unknown ids are skipped). The
    member count is the denormalised `member_count` column (kept by triggers on persons,
    migration m0004) instead of a count per row."""
    if not ids:
        return []
    rows = _tuples(db, _LIST_ROW_SQL, [json.dumps(list(ids))])
    # CROSS JOIN keeps the ids as the outer loop, so rows come in the caller's order; an
    # ORDER BY cost a sort (a tenth of the page). Checked, and reordered if ever not.
    if len(rows) != len(ids) or any(r[0] != i for r, i in zip(rows, ids, strict=True)):
        by_id = {r[0]: r for r in rows}
        rows = [by_id[i] for i in ids if i in by_id]
    workers = dict(_tuples(db, "SELECT id, name FROM workers", []))
    split = ADULT_NAMES_SEPARATOR
    # The named tuple built directly from its field values, in field order (its Python
    # `__new__` only packs them: a quarter of the page's Python time). open_followups and
    # member_count are INTEGER NOT NULL, ints already.
    new = tuple.__new__
    return [new(HouseholdListRow, (r[0], r[1], r[2], workers.get(r[3], "") if r[3] else "",
                                   r[4], r[5], r[6], bool(r[7]), r[8],
                                   tuple(r[10].split(split)[:-1]), r[9]))
            for r in rows]


def count_households(db: Database) -> int:
    return int(db.scalar("SELECT count(*) FROM households WHERE deleted = 0"))


def person_identities(db: Database, born: Collection[str]) -> set[tuple[str, str, str]]:
    """Folded (first name, last name, birth date) of every person born on one of the
    `born` ISO dates; the CSV importer flags rows that match one. One query: the dates
    go in as one JSON array."""
    if not born:
        return set()
    return identities((r["first_name"], r["last_name"], r["birth_date"])
                      for r in db.query("SELECT first_name, last_name, birth_date FROM persons "
                                        "WHERE deleted = 0 AND birth_date IN "
                                        "(SELECT value FROM json_each(?))",
                                        (json.dumps(sorted(born)),)))


@dataclass(frozen=True, slots=True)
class DatedPerson:
    """A person with a birth or due date in a household whose case is not closed."""

    person: Person
    household_name: str
    worker_id: str | None


def dated_persons_of_running_households(db: Database, born_from: date | None = None,
                                        born_until: date | None = None,
                                        due_before: date | None = None) -> list[DatedPerson]:
    """With the window arguments: only persons born between `born_from` and `born_until`,
    or not yet born with a due date before `due_before` (Heute's milestones look at a few
    months of birthdays; reading every person took half a second at 2,000 households)."""
    window = ""
    params: tuple[str, ...] = ()
    if born_from is not None and born_until is not None and due_before is not None:
        window = ("AND (p.birth_date BETWEEN ? AND ? "
                  "OR (p.birth_date IS NULL AND p.due_date < ?))")
        params = (born_from.isoformat(), born_until.isoformat(), due_before.isoformat())
    rows = db.query(
        "SELECT p.*, h.name AS household_name, h.assigned_worker_id AS worker_id "
        "FROM persons p JOIN households h ON h.id = p.household_id AND h.deleted = 0 "
        "AND h.status <> 'abgeschlossen' WHERE p.deleted = 0 "
        "AND (p.birth_date IS NOT NULL OR p.due_date IS NOT NULL) " + window, params)
    return [DatedPerson(person_from_row(r), str(r["household_name"]), r["worker_id"])
            for r in rows]


def household_labels(db: Database, ids: list[str]) -> dict[str, str]:
    """Distinguishable names (`models.households.household.household_label`) by id."""
    return {r.id: r.label for r in household_list_rows(db, ids)}


def similar_households(db: Database, name: str, street: str = "") -> list[str]:
    """Households with the same folded surname and the same folded street (house number
    included), or a member with that surname: candidates for a duplicate warning."""
    folded = fold(name.strip())
    if not folded:
        return []
    rows = db.query("SELECT id, street FROM households WHERE deleted = 0 AND sort_name = ? "
                    "ORDER BY id LIMIT 50", (folded,))
    wanted = fold(street.strip())
    return [str(r["id"]) for r in rows if wanted and fold(str(r["street"])) == wanted]


def similar_persons(db: Database, first_name: str, last_name: str,
                    birth_date: date | None, exclude_person: str | None = None
                    ) -> list[tuple[str, str]]:
    """(household id, person id) of persons with the same folded last name and either the
    same folded first name or the same birth date."""
    last = fold(last_name.strip())
    first = fold(first_name.strip())
    if not last or not (first or birth_date):
        return []
    words = fold_words(last_name)
    if not words:
        return []
    # Candidates through the folded name index (whole words), then exact comparison.
    found: list[tuple[str, str]] = []
    for r in db.query(
            "SELECT p.id, p.household_id, p.first_name, p.last_name, p.birth_date "
            "FROM persons p JOIN households h ON h.id = p.household_id AND h.deleted = 0 "
            "WHERE p.deleted = 0 AND p.household_id IN (SELECT s.household_id "
            "FROM household_fts f JOIN household_search s ON s.rowid = f.rowid "
            "WHERE household_fts MATCH ? LIMIT 500)",
            (" AND ".join(f'"{w}"' for w in words),)):
        if str(r["id"]) == exclude_person or fold(str(r["last_name"])) != last:
            continue
        same_first = bool(first) and fold(str(r["first_name"])) == first
        same_birth = birth_date is not None and r["birth_date"] == birth_date.isoformat()
        if same_first or same_birth:
            found.append((str(r["household_id"]), str(r["id"])))
    return found
