"""Rows of the retention and data-subject-rights tables (migration m0025) and the facts
the retention engine needs (case closure, birth dates, consent end, last contact).

Deletion requests, approvals and executions refer to a household as `target_id`, so the
purge (storage/purge.py) keeps them: they are the proof that a deletion was approved.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from casework.storage.changelog import RecordWriter
from casework.storage.db import Database, Row

# --------------------------------------------------------------------------- schema


_IDENT = frozenset("abcdefghijklmnopqrstuvwxyz_0123456789")


def plain_ident(name: str) -> bool:
    """Schema names are interpolated into SQL below: only our own lower-case names."""
    return bool(name) and not set(name) - _IDENT


def table_names(db: Database) -> list[str]:
    """Ordinary tables (no SQLite internals, no FTS virtual or shadow tables)."""
    rows = db.query("PRAGMA table_list")
    return sorted(str(r["name"]) for r in rows
                  if r["schema"] == "main" and r["type"] == "table"
                  and not str(r["name"]).startswith("sqlite_") and plain_ident(str(r["name"])))


def columns(db: Database, table: str) -> list[str]:
    return [str(r["name"]) for r in db.query("SELECT name FROM pragma_table_info(?)", (table,))
            if plain_ident(str(r["name"]))]


# --------------------------------------------------------------------------- file types


def file_type_of(db: Database, household_id: str) -> str | None:
    value = db.scalar("SELECT file_type FROM household_file_types "
                      "WHERE household_id = ? AND deleted = 0", (household_id,))
    return None if value is None else str(value)


def set_file_type(w: RecordWriter, household_id: str, file_type: str) -> bool:
    row = w.db.query_one("SELECT id, file_type FROM household_file_types "
                         "WHERE household_id = ? AND deleted = 0", (household_id,))
    if row is None:
        w.insert("household_file_types", "household_file_type",
                 {"household_id": household_id, "file_type": file_type},
                 scope_id=household_id)
        return True
    return w.update("household_file_types", "household_file_type", row["id"],
                    {"file_type": file_type}, scope_id=household_id,
                    current={"file_type": row["file_type"]})


# --------------------------------------------------------------------------- restriction


@dataclass(frozen=True, slots=True)
class RestrictionRow:
    id: str
    household_id: str
    reason: str
    created_at: str
    created_by: str


def active_restriction(db: Database, household_id: str) -> RestrictionRow | None:
    r = db.query_one("SELECT * FROM household_restrictions WHERE household_id = ? "
                     "AND lifted_at IS NULL AND deleted = 0 ORDER BY created_at DESC LIMIT 1",
                     (household_id,))
    return None if r is None else RestrictionRow(r["id"], r["household_id"], r["reason"],
                                                 r["created_at"], r["created_by"])


def restricted_household_ids(db: Database) -> set[str]:
    return {str(r[0]) for r in db.query(
        "SELECT DISTINCT household_id FROM household_restrictions "
        "WHERE lifted_at IS NULL AND deleted = 0")}


def insert_restriction(w: RecordWriter, household_id: str, reason: str) -> str:
    return w.insert("household_restrictions", "household_restriction",
                    {"household_id": household_id, "reason": reason}, scope_id=household_id)


def lift_restriction(w: RecordWriter, restriction: RestrictionRow, at: str) -> None:
    w.update("household_restrictions", "household_restriction", restriction.id,
             {"lifted_at": at, "lifted_by": w.actor.worker_id},
             scope_id=restriction.household_id)


# --------------------------------------------------------------------------- facts


@dataclass(frozen=True, slots=True)
class HouseholdFacts:
    id: str
    status: str
    updated_at: str
    created_at: str
    last_contact_at: str | None
    file_type: str | None


def household_facts(db: Database, household_ids: list[str] | None = None) -> list[HouseholdFacts]:
    sql = ("SELECT h.id, h.status, h.updated_at, h.created_at, h.last_contact_at, "
           "t.file_type FROM households h LEFT JOIN household_file_types t "
           "ON t.household_id = h.id AND t.deleted = 0 WHERE h.deleted = 0")
    params: list[Any] = []
    if household_ids is not None:
        if not household_ids:
            return []
        sql += f" AND h.id IN ({','.join('?' for _ in household_ids)})"
        params.extend(household_ids)
    return [HouseholdFacts(r[0], r[1], r[2], r[3], r[4], r[5])
            for r in db.query(sql + " ORDER BY h.sort_name, h.id", params)]


def closed_at(db: Database, household_id: str) -> str | None:
    """When the household was last set to „abgeschlossen“ (change log), if recorded."""
    value = db.scalar(
        "SELECT max(at) FROM changelog WHERE entity = 'household' AND entity_id = ? "
        "AND op IN ('insert', 'update') AND json_extract(fields, '$.status') = 'abgeschlossen'",
        (household_id,))
    return None if value is None else str(value)


def births(db: Database, household_id: str) -> list[tuple[str | None, int | None, str | None]]:
    """(birth_date, birth_year, due_date) of the household's persons."""
    return [(r[0], r[1], r[2]) for r in db.query(
        "SELECT birth_date, birth_year, due_date FROM persons "
        "WHERE household_id = ? AND deleted = 0", (household_id,))]


@dataclass(frozen=True, slots=True)
class ConsentEnd:
    """`open_count`: consents without an end date; `last_end`: latest end date."""

    open_count: int
    last_end: str | None


def consent_end(db: Database, household_id: str) -> ConsentEnd | None:
    """Looked up defensively: the consent feature's tables may not exist. Any table whose
    name contains "consent" with a `valid_until` column and a household reference counts;
    withdrawn/ended ones are recognised by a `withdrawn_at` or `status` column if present.
    None: no consent recorded for this household."""
    found = False
    open_count = 0
    last_end: str | None = None
    for table in table_names(db):
        if "consent" not in table:
            continue
        cols = set(columns(db, table))
        ref = "household_id" if "household_id" in cols else (
            "scope_id" if "scope_id" in cols else None)
        if ref is None or "valid_until" not in cols:
            continue
        deleted = " AND deleted = 0" if "deleted" in cols else ""
        withdrawn = "withdrawn_at" if "withdrawn_at" in cols else "NULL"
        rows = db.query(f"SELECT valid_until, {withdrawn} AS withdrawn FROM {table} "  # noqa: S608
                        f"WHERE {ref} = ?{deleted}", (household_id,))
        for r in rows:
            found = True
            end = r["withdrawn"] or r["valid_until"]
            if end is None:
                open_count += 1
            elif last_end is None or str(end) > last_end:
                last_end = str(end)
    return ConsentEnd(open_count, last_end) if found else None


# --------------------------------------------------------------------------- deletion


@dataclass(frozen=True, slots=True)
class DeletionRequestRow:
    id: str
    target_id: str
    rule_key: str
    keep_until: str | None
    reason_code: str
    created_at: str
    created_by: str
    approval: str | None  # 'freigegeben' | 'abgelehnt' | None
    approved_by: str | None
    approved_at: str | None
    executed_at: str | None
    executed_by: str | None
    counts: dict[str, int] | None
    attachments: int


_REQUEST_SELECT = (
    "SELECT r.*, a.decision AS approval, a.created_by AS approved_by, "
    "a.created_at AS approved_at, e.created_at AS executed_at, e.created_by AS executed_by, "
    "e.counts AS counts, e.attachments AS attachments FROM deletion_requests r "
    "LEFT JOIN deletion_approvals a ON a.id = (SELECT id FROM deletion_approvals "
    "  WHERE request_id = r.id AND deleted = 0 ORDER BY created_at DESC, id DESC LIMIT 1) "
    "LEFT JOIN deletion_executions e ON e.request_id = r.id WHERE r.deleted = 0")


def _request(r: Row) -> DeletionRequestRow:
    return DeletionRequestRow(
        r["id"], r["target_id"], r["rule_key"], r["keep_until"], r["reason_code"],
        r["created_at"], r["created_by"], r["approval"], r["approved_by"], r["approved_at"],
        r["executed_at"], r["executed_by"],
        json.loads(r["counts"]) if r["counts"] else None, int(r["attachments"] or 0))


def insert_deletion_request(w: RecordWriter, target_id: str, rule_key: str,
                            keep_until: str | None, reason_code: str) -> str:
    # No scope_id: the request (ids, dates, codes) must outlive the household.
    return w.insert("deletion_requests", "deletion_request",
                    {"target_id": target_id, "rule_key": rule_key, "keep_until": keep_until,
                     "reason_code": reason_code})


def insert_deletion_approval(w: RecordWriter, request_id: str, decision: str) -> str:
    return w.insert("deletion_approvals", "deletion_approval",
                    {"request_id": request_id, "decision": decision})


def insert_deletion_execution(w: RecordWriter, request_id: str, target_id: str,
                              counts: dict[str, int], attachments: int) -> str:
    return w.insert("deletion_executions", "deletion_execution",
                    {"request_id": request_id, "target_id": target_id,
                     "counts": json.dumps(counts, sort_keys=True), "attachments": attachments})


def deletion_request(db: Database, request_id: str) -> DeletionRequestRow | None:
    r = db.query_one(_REQUEST_SELECT + " AND r.id = ?", (request_id,))  # noqa: S608
    return None if r is None else _request(r)


def deletion_requests(db: Database, *, open_only: bool = False) -> list[DeletionRequestRow]:
    sql = _REQUEST_SELECT + (" AND e.id IS NULL" if open_only else "")
    return [_request(r) for r in db.query(sql + " ORDER BY r.created_at DESC, r.id")]


def open_request_for(db: Database, target_id: str) -> DeletionRequestRow | None:
    r = db.query_one(_REQUEST_SELECT + " AND r.target_id = ? AND e.id IS NULL "  # noqa: S608
                     "AND (a.decision IS NULL OR a.decision = 'freigegeben') "
                     "ORDER BY r.created_at DESC LIMIT 1", (target_id,))
    return None if r is None else _request(r)


# --------------------------------------------------------------------------- journal


@dataclass(frozen=True, slots=True)
class JournalRow:
    seq: int
    entity: str
    entity_id: str
    scope_id: str | None
    deleted_at: str


def add_journal(db: Database, entity: str, entity_id: str, scope_id: str | None,
                at: str) -> None:
    db.execute("INSERT INTO deletion_journal (entity, entity_id, scope_id, deleted_at) "
               "VALUES (?, ?, ?, ?)", (entity, entity_id, scope_id, at))


def journal(db: Database, since_iso: str = "") -> list[JournalRow]:
    return [JournalRow(int(r[0]), str(r[1]), str(r[2]), r[3], str(r[4])) for r in db.query(
        "SELECT seq, entity, entity_id, scope_id, deleted_at FROM deletion_journal "
        "WHERE deleted_at >= ? ORDER BY seq", (since_iso,))]


def journal_has(db: Database, entity: str, entity_id: str) -> bool:
    return db.scalar("SELECT 1 FROM deletion_journal WHERE entity = ? AND entity_id = ?",
                     (entity, entity_id)) is not None


# --------------------------------------------------------------------------- Art. 15


@dataclass(frozen=True, slots=True)
class DisclosureRequestRow:
    id: str
    person_id: str
    received_on: str
    due_on: str
    channel: str
    created_at: str
    created_by: str
    outcome: str | None
    answered_at: str | None


def insert_disclosure_request(w: RecordWriter, person_id: str, received_on: str, due_on: str,
                              channel: str) -> str:
    return w.insert("disclosure_requests", "disclosure_request",
                    {"person_id": person_id, "received_on": received_on, "due_on": due_on,
                     "channel": channel})


_DISCLOSURE_SELECT = (
    "SELECT r.*, s.outcome AS outcome, s.created_at AS answered_at "
    "FROM disclosure_requests r LEFT JOIN disclosure_responses s ON s.id = "
    "(SELECT id FROM disclosure_responses WHERE request_id = r.id AND deleted = 0 "
    " ORDER BY created_at DESC, id DESC LIMIT 1) WHERE r.deleted = 0")


def _disclosure(r: Row) -> DisclosureRequestRow:
    return DisclosureRequestRow(r["id"], r["person_id"], r["received_on"], r["due_on"],
                                r["channel"], r["created_at"], r["created_by"], r["outcome"],
                                r["answered_at"])


def disclosure_request(db: Database, request_id: str) -> DisclosureRequestRow | None:
    r = db.query_one(_DISCLOSURE_SELECT + " AND r.id = ?", (request_id,))  # noqa: S608
    return None if r is None else _disclosure(r)


def disclosure_requests(db: Database) -> list[DisclosureRequestRow]:
    return [_disclosure(r) for r in db.query(_DISCLOSURE_SELECT + " ORDER BY r.due_on, r.id")]


@dataclass(frozen=True, slots=True)
class DisclosureDecisionRow:
    id: str
    kind: str
    reason: str
    created_at: str
    created_by: str


def insert_disclosure_decision(w: RecordWriter, request_id: str, kind: str, reason: str) -> str:
    return w.insert("disclosure_decisions", "disclosure_decision",
                    {"request_id": request_id, "kind": kind, "reason": reason})


def disclosure_decisions(db: Database, request_id: str) -> list[DisclosureDecisionRow]:
    return [DisclosureDecisionRow(r["id"], r["kind"], r["reason"], r["created_at"],
                                  r["created_by"]) for r in db.query(
        "SELECT * FROM disclosure_decisions WHERE request_id = ? AND deleted = 0 "
        "ORDER BY created_at, id", (request_id,))]


def insert_disclosure_response(w: RecordWriter, request_id: str, outcome: str,
                               content_sha256: str) -> str:
    return w.insert("disclosure_responses", "disclosure_response",
                    {"request_id": request_id, "outcome": outcome,
                     "content_sha256": content_sha256})


# --------------------------------------------------------------------------- other records


def records_mentioning(db: Database, person_id: str, household_id: str,
                       skip: frozenset[str]) -> dict[str, list[dict[str, Any]]]:
    """Rows of other features' tables (§ 8a, consents, referrals …) about a person:
    discovered at run time, so tables that do not exist yet simply do not appear.

    A row counts when a person-reference column (`*person_id`, `child_id`, `subject_id`,
    `*person_ids`) holds the person's id, or — for household-level rows without any
    person reference — when its `household_id`/`scope_id` is the person's household.
    """
    found: dict[str, list[dict[str, Any]]] = {}
    for table in table_names(db):
        if table in skip:
            continue
        cols = columns(db, table)
        person_cols = [c for c in cols if c.endswith("person_id") or c.endswith("person_ids")
                       or c in ("child_id", "subject_id")]
        ref = next((c for c in ("household_id", "scope_id") if c in cols), None)
        clauses: list[str] = []
        params: list[Any] = []
        for c in person_cols:
            if c.endswith("_ids"):
                clauses.append(f"instr({c}, ?) > 0")
            else:
                clauses.append(f"{c} = ?")
            params.append(person_id)
        if ref is not None and not person_cols:
            clauses.append(f"{ref} = ?")
            params.append(household_id)
        if not clauses:
            continue
        deleted = " AND deleted = 0" if "deleted" in cols else ""
        rows = db.query(f"SELECT * FROM {table} WHERE ({' OR '.join(clauses)}){deleted}",  # noqa: S608
                        params)
        if rows:
            found[table] = [dict(r) for r in rows]
    return found
