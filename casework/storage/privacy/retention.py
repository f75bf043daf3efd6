"""Rows of the retention and data-subject-rights tables (migration m0025) and the facts
the retention engine needs (case closure, birth dates, consent end, last contact).

Deletion requests, approvals and executions refer to a household as `target_id`, so the
purge (storage/purge.py) keeps them: they are the proof that a deletion was approved.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from casework.models.privacy.retention import (
    DeletionApproval,
    DeletionJournalEntry,
    DeletionRequest,
)
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
class ConsentEnd:
    """`open_count`: consents without an end date; `last_end`: latest end date."""

    open_count: int
    last_end: str | None


@dataclass(frozen=True, slots=True)
class HouseholdFacts:
    id: str
    status: str
    updated_at: str
    created_at: str
    last_contact_at: str | None
    file_type: str | None
    closed_at: str | None  # last change to „abgeschlossen“ in the change log
    births: tuple[tuple[str | None, int | None, str | None], ...]  # date, year, ET
    consent: ConsentEnd | None  # None: no consent recorded
    open_procedures: int = 0  # § 8a procedures not closed (S9)


def _in(column: str, ids: list[str] | None) -> tuple[str, list[Any]]:
    if ids is None:
        return "", []
    return f" AND {column} IN ({','.join('?' for _ in ids)})", list(ids)


def household_facts(db: Database, household_ids: list[str] | None = None) -> list[HouseholdFacts]:
    """Everything the retention rules look at, for all (or the given) households, in a
    handful of queries (the deletion-due list evaluates every household)."""
    if household_ids is not None and not household_ids:
        return []
    where, params = _in("h.id", household_ids)
    rows = db.query(
        "SELECT h.id, h.status, h.updated_at, h.created_at, h.last_contact_at, t.file_type "
        "FROM households h LEFT JOIN household_file_types t ON t.household_id = h.id "
        f"AND t.deleted = 0 WHERE h.deleted = 0{where} ORDER BY h.sort_name, h.id",
        params)
    closed_where, closed_params = _in("entity_id", household_ids)
    closed = {str(r[0]): str(r[1]) for r in db.query(
        "SELECT entity_id, max(at) FROM changelog WHERE entity = 'household' "
        "AND op IN ('insert', 'update') AND instr(fields, 'abgeschlossen') > 0 "
        "AND json_extract(fields, '$.status') = 'abgeschlossen'"
        f"{closed_where} GROUP BY entity_id", closed_params)}
    births: dict[str, list[tuple[str | None, int | None, str | None]]] = {}
    person_where, person_params = _in("household_id", household_ids)
    for r in db.query("SELECT household_id, birth_date, birth_year, due_date FROM persons "
                      f"WHERE deleted = 0{person_where}", person_params):
        births.setdefault(str(r[0]), []).append((r[1], r[2], r[3]))
    consents = consent_ends(db, household_ids)
    procedures: dict[str, int] = {}
    if "ks_procedures" in table_names(db) and {"household_id", "state"} <= set(
            columns(db, "ks_procedures")):
        ks_where, ks_params = _in("household_id", household_ids)
        procedures = {str(r[0]): int(r[1]) for r in db.query(
            "SELECT household_id, count(*) FROM ks_procedures WHERE deleted = 0 "
            f"AND state <> 'S9'{ks_where} GROUP BY household_id", ks_params)}
    return [HouseholdFacts(r[0], r[1], r[2], r[3], r[4], r[5], closed.get(r[0]),
                           tuple(births.get(r[0], ())), consents.get(r[0]),
                           procedures.get(r[0], 0))
            for r in rows]


def _consent_events_table(db: Database, consents: str) -> str | None:
    """`consent_events` (consent_id, kind, on_date) next to `consents`, if present."""
    name = consents.removesuffix("s") + "_events"
    if name in table_names(db) and {"consent_id", "kind", "on_date"} <= set(columns(db, name)):
        return name
    return None


def consent_ends(db: Database, household_ids: list[str] | None = None) -> dict[str, ConsentEnd]:
    """Per household: looked up defensively, the consent feature's tables may not exist.
    Any table whose name contains "consent" with a `valid_until` column and a household
    reference counts; a consent ends at `valid_until`, at `withdrawn_at` if such a column
    exists, or at a total withdrawal / refusal event in `<consent>_events`."""
    found: dict[str, list[str | None]] = {}
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
        events = _consent_events_table(db, table)
        if events is not None and "id" in cols:
            # The consent feature records a total withdrawal or a refusal as an event.
            total = " AND e.total = 1" if "total" in columns(db, events) else ""
            withdrawn = (f"(SELECT max(e.on_date) FROM {events} e WHERE e.consent_id = "
                         f"{table}.id AND (e.kind = 'refused' OR (e.kind = 'withdrawn'{total})))")
        where, params = _in(ref, household_ids)
        for r in db.query(f"SELECT {ref}, valid_until, {withdrawn} AS withdrawn "
                          f"FROM {table} WHERE 1{deleted}{where}", params):
            end = r[2] or r[1]
            found.setdefault(str(r[0]), []).append(None if end is None else str(end))
    result: dict[str, ConsentEnd] = {}
    for household, ends in found.items():
        known = [e for e in ends if e is not None]
        result[household] = ConsentEnd(sum(1 for e in ends if e is None),
                                       max(known) if known else None)
    return result


# --------------------------------------------------------------------------- deletion


_REQUEST_SELECT = (
    "SELECT r.*, a.decision AS approval, a.created_by AS approved_by, "
    "a.created_at AS approved_at, e.created_at AS executed_at, e.created_by AS executed_by, "
    "e.counts AS counts, e.attachments AS attachments FROM deletion_requests r "
    "LEFT JOIN deletion_approvals a ON a.id = (SELECT id FROM deletion_approvals "
    "  WHERE request_id = r.id AND deleted = 0 ORDER BY created_at DESC, id DESC LIMIT 1) "
    "LEFT JOIN deletion_executions e ON e.request_id = r.id WHERE r.deleted = 0")


def _request(r: Row) -> DeletionRequest:
    return DeletionRequest(
        r["id"], r["target_id"], r["rule_key"], r["keep_until"], r["reason_code"],
        r["file_type"], r["created_at"], r["created_by"],
        DeletionApproval(r["approval"]) if r["approval"] else None, r["approved_by"],
        r["approved_at"],
        r["executed_at"], r["executed_by"],
        json.loads(r["counts"]) if r["counts"] else None, int(r["attachments"] or 0))


def insert_deletion_request(w: RecordWriter, target_id: str, rule_key: str,
                            keep_until: str | None, reason_code: str, file_type: str) -> str:
    # No scope_id: the request (ids, dates, codes) must outlive the household.
    return w.insert("deletion_requests", "deletion_request",
                    {"target_id": target_id, "rule_key": rule_key, "keep_until": keep_until,
                     "reason_code": reason_code, "file_type": file_type})


def insert_deletion_approval(w: RecordWriter, request_id: str,
                             decision: DeletionApproval) -> str:
    return w.insert("deletion_approvals", "deletion_approval",
                    {"request_id": request_id, "decision": decision.value})


def insert_deletion_execution(w: RecordWriter, request_id: str, target_id: str,
                              counts: dict[str, int], attachments: int) -> str:
    return w.insert("deletion_executions", "deletion_execution",
                    {"request_id": request_id, "target_id": target_id,
                     "counts": json.dumps(counts, sort_keys=True), "attachments": attachments})


def deletion_request(db: Database, request_id: str) -> DeletionRequest | None:
    r = db.query_one(_REQUEST_SELECT + " AND r.id = ?", (request_id,))
    return None if r is None else _request(r)


def deletion_requests(db: Database, *, open_only: bool = False) -> list[DeletionRequest]:
    sql = _REQUEST_SELECT + (" AND e.id IS NULL" if open_only else "")
    return [_request(r) for r in db.query(sql + " ORDER BY r.created_at DESC, r.id")]


def open_request_for(db: Database, target_id: str) -> DeletionRequest | None:
    r = db.query_one(_REQUEST_SELECT + " AND r.target_id = ? AND e.id IS NULL "
                     "AND (a.decision IS NULL OR a.decision = 'freigegeben') "
                     "ORDER BY r.created_at DESC LIMIT 1", (target_id,))
    return None if r is None else _request(r)


# --------------------------------------------------------------------------- journal


def add_journal(db: Database, entity: str, entity_id: str, scope_id: str | None,
                at: str) -> None:
    db.execute("INSERT INTO deletion_journal (entity, entity_id, scope_id, deleted_at) "
               "VALUES (?, ?, ?, ?)", (entity, entity_id, scope_id, at))


def journal(db: Database, since_iso: str = "") -> list[DeletionJournalEntry]:
    rows = db.query("SELECT seq, entity, entity_id, scope_id, deleted_at FROM deletion_journal "
                    "WHERE deleted_at >= ? ORDER BY seq", (since_iso,))
    return [DeletionJournalEntry(int(r[0]), str(r[1]), str(r[2]), r[3], str(r[4])) for r in rows]


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
    r = db.query_one(_DISCLOSURE_SELECT + " AND r.id = ?", (request_id,))
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


def persons_named(db: Database, first_name: str, last_name: str) -> list[str]:
    """Ids of persons with the same names (case-insensitive; the caller compares the
    folded forms and birth data before treating them as the same human)."""
    return [str(r[0]) for r in db.query(
        "SELECT id FROM persons WHERE deleted = 0 AND lower(first_name) = lower(?) "
        "AND lower(last_name) = lower(?)", (first_name, last_name))]


def _person_columns(cols: list[str]) -> list[str]:
    return [c for c in cols if c.endswith(("person_id", "person_ids", "child_id", "child_ids"))
            or c == "subject_id"]


@dataclass(frozen=True, slots=True)
class FoundRecords:
    about: dict[str, list[dict[str, Any]]]  # table → rows about the person
    others: dict[str, int]  # table → rows of the household about other persons only


def records_mentioning(db: Database, person_ids: set[str], household_id: str,
                       skip: frozenset[str]) -> FoundRecords:
    """Rows of other features' tables (§ 8a, consents, referrals …) about a person:
    discovered at run time, so tables that do not exist yet simply do not appear.

    `person_ids`: the person and whoever else counts as "about them" (the caller decides,
    e.g. a custodial parent's children). A row is about them when
    - a person-reference column (`*person_id`, `*child_id`, `subject_id`, or a JSON list
      `*person_ids`/`*child_ids`) holds one of the ids; or
    - it has no person reference but a declared foreign key to a row that is about them
      (consent items of their consent, entries of a § 8a procedure about their child); or
    - it has neither, only `household_id`/`scope_id` of the household (household-level).
    Household rows that concern other persons only are counted, not returned.
    """
    ids = sorted(person_ids)
    about: dict[str, list[dict[str, Any]]] = {}
    others: dict[str, int] = {}
    about_keys: dict[str, set[str]] = {}
    pending: list[tuple[str, str, str]] = []
    for table in table_names(db):
        if table in skip:
            continue
        cols = columns(db, table)
        person_cols = _person_columns(cols)
        ref = next((c for c in ("household_id", "scope_id") if c in cols), None)
        deleted = " AND deleted = 0" if "deleted" in cols else ""
        if person_cols:
            clauses: list[str] = []
            params: list[Any] = []
            for c in person_cols:
                for pid in ids:
                    clauses.append(f"instr({c}, ?) > 0" if c.endswith("_ids") else f"{c} = ?")
                    params.append(pid)
            rows = db.query(f"SELECT * FROM {table} WHERE ({' OR '.join(clauses)})"
                            f"{deleted}", params)
            _keep(table, rows, about, about_keys)
            if ref is not None:
                _count_others(db, table, ref, deleted, household_id, len(rows), others)
        elif ref is not None:
            pending.append((table, ref, deleted))
    # Child tables: follow foreign keys to rows already classified (a few levels deep).
    for _round in range(6):
        names = {entry[0] for entry in pending}
        remaining: list[tuple[str, str, str]] = []
        for table, ref_col, deleted in pending:
            fks = [(str(fk["table"]), str(fk["from"])) for fk in db.query(
                "SELECT * FROM pragma_foreign_key_list(?)", (table,))
                if plain_ident(str(fk["from"]))]
            fks = [(parent, col) for parent, col in fks
                   if parent != table and (parent in about_keys or parent in names)]
            if any(parent not in about_keys for parent, _ in fks):
                remaining.append((table, ref_col, deleted))
                continue
            rows = db.query(f"SELECT * FROM {table} WHERE {ref_col} = ?{deleted}",
                            (household_id,))
            if fks:
                rows = [r for r in rows
                        if any(str(r[col]) in about_keys[parent] for parent, col in fks)]
                _count_others(db, table, ref_col, deleted, household_id, len(rows), others)
            _keep(table, rows, about, about_keys)
        progressed = len(remaining) < len(pending)
        pending = remaining
        if not pending or not progressed:
            break
    for table, ref_col, deleted in pending:  # unresolved cycles: counted, never shown
        _count_others(db, table, ref_col, deleted, household_id, 0, others)
    return FoundRecords(about, others)


def _keep(table: str, rows: list[Row], about: dict[str, list[dict[str, Any]]],
          about_keys: dict[str, set[str]]) -> None:
    about_keys[table] = {str(r["id"]) for r in rows if "id" in r.keys()}  # noqa: SIM118
    if rows:
        about[table] = [dict(r) for r in rows]


def _count_others(db: Database, table: str, ref: str, deleted: str, household_id: str,
                  matched: int, others: dict[str, int]) -> None:
    total = int(db.scalar(f"SELECT count(*) FROM {table} WHERE {ref} = ?{deleted}",
                          (household_id,)))
    if total > matched:
        others[table] = total - matched
