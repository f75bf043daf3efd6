"""§ 8a procedure rows: procedures, append-only transitions/entries, review items/decisions.

Rows are mapped to `casework.models.kinderschutz.procedure*` dataclasses here; every write goes
through `RecordWriter` with `scope_id=<household_id>` (history and sync entitlement).
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from casework.clock import from_utc_iso, to_utc_iso
from casework.models.ids import HouseholdId, PersonId, WorkerId, new_id
from casework.models.kinderschutz.listing import ProcedureRow
from casework.models.kinderschutz.procedure import (
    Entry,
    Procedure,
    ProcedureFile,
    Transition,
    payload_from,
)
from casework.models.kinderschutz.review import (
    Decision,
    ReviewDecision,
    ReviewItem,
    ReviewKind,
)
from casework.models.kinderschutz.vocabulary import EntryKind, State
from casework.storage.changelog import RecordWriter
from casework.storage.db import Database, Row

# --------------------------------------------------------------------------- procedures


def insert_procedure(w: RecordWriter, household_id: str, child_ids: tuple[str, ...],
                     lead_worker_id: str, opened_at: datetime) -> str:
    pid = new_id()
    w.insert("ks_procedures", "ks_procedure", {
        "household_id": household_id,
        "child_ids": json.dumps(list(child_ids)),
        "lead_worker_id": lead_worker_id,
        "state": State.S0.value,
        "acute": 0,
        "opened_at": to_utc_iso(opened_at),
    }, record_id=pid, scope_id=household_id)
    return pid


def _procedure_row(db: Database, procedure_id: str) -> Row | None:
    return db.query_one("SELECT * FROM ks_procedures WHERE id = ? AND deleted = 0",
                        (procedure_id,))


def _procedure_from_row(r: Row) -> Procedure:
    return Procedure(
        id=r["id"], household_id=HouseholdId(r["household_id"]),
        child_ids=tuple(PersonId(c) for c in json.loads(r["child_ids"])),
        lead_worker_id=WorkerId(r["lead_worker_id"]), state=State(r["state"]),
        acute=bool(r["acute"]), opened_at=from_utc_iso(r["opened_at"]),
        created_by=WorkerId(r["created_by"]))


def get_procedure(db: Database, procedure_id: str) -> Procedure | None:
    row = _procedure_row(db, procedure_id)
    return None if row is None else _procedure_from_row(row)


def update_procedure(w: RecordWriter, procedure: Procedure, values: Mapping[str, Any]) -> bool:
    row = _procedure_row(w.db, procedure.id)
    if row is None:
        raise LookupError(procedure.id)
    return w.update("ks_procedures", "ks_procedure", procedure.id, dict(values),
                    scope_id=procedure.household_id, current=dict(row))


def _next_seq(db: Database, procedure_id: str) -> int:
    value = db.scalar(
        "SELECT max(s) FROM (SELECT max(seq) AS s FROM ks_transitions WHERE procedure_id = ?1 "
        "UNION ALL SELECT max(seq) FROM ks_entries WHERE procedure_id = ?1)", (procedure_id,))
    return int(value or 0) + 1


def insert_transition(w: RecordWriter, procedure: Procedure, from_state: State | None,
                      to_state: State, at: datetime, actor_role: str, reason: str,
                      details: Mapping[str, Any]) -> str:
    tid = new_id()
    w.insert("ks_transitions", "ks_transition", {
        "procedure_id": procedure.id,
        "household_id": procedure.household_id,
        "seq": _next_seq(w.db, procedure.id),
        "from_state": from_state.value if from_state is not None else None,
        "to_state": to_state.value,
        "at": to_utc_iso(at),
        "actor_id": w.actor.worker_id,
        "actor_role": actor_role,
        "reason": reason,
        "details": json.dumps(dict(details), ensure_ascii=False, sort_keys=True),
    }, record_id=tid, scope_id=procedure.household_id)
    return tid


def insert_entry(w: RecordWriter, procedure: Procedure, kind: EntryKind,
                 payload: Mapping[str, Any]) -> str:
    eid = new_id()
    w.insert("ks_entries", "ks_entry", {
        "procedure_id": procedure.id,
        "household_id": procedure.household_id,
        "seq": _next_seq(w.db, procedure.id),
        "kind": kind.value,
        "payload": json.dumps(dict(payload), ensure_ascii=False, sort_keys=True),
    }, record_id=eid, scope_id=procedure.household_id)
    return eid


def _transition_from_row(r: Row) -> Transition:
    return Transition(
        id=r["id"], seq=int(r["seq"]),
        from_state=State(r["from_state"]) if r["from_state"] else None,
        to_state=State(r["to_state"]), at=from_utc_iso(r["at"]),
        actor_id=WorkerId(r["actor_id"]), actor_role=r["actor_role"], reason=r["reason"],
        details=json.loads(r["details"]))


def _entry_from_row(r: Row) -> Entry[Any]:
    kind = EntryKind(r["kind"])
    return Entry(r["id"], int(r["seq"]), kind, payload_from(kind, json.loads(r["payload"])),
                 from_utc_iso(r["created_at"]), WorkerId(r["created_by"]))


def load_file(db: Database, procedure_id: str) -> ProcedureFile | None:
    procedure = get_procedure(db, procedure_id)
    if procedure is None:
        return None
    transitions = tuple(_transition_from_row(r) for r in db.query(
        "SELECT * FROM ks_transitions WHERE procedure_id = ? ORDER BY seq, created_at, id",
        (procedure_id,)))
    known = tuple(k.value for k in EntryKind)
    marks = ",".join("?" for _ in known)
    # Kinds a newer Casework version wrote (arriving through sync) are skipped, not fatal.
    entries = tuple(_entry_from_row(r) for r in db.query(
        f"SELECT * FROM ks_entries WHERE procedure_id = ? AND kind IN ({marks}) "
        "ORDER BY seq, created_at, id", (procedure_id, *known)))
    return ProcedureFile(procedure, transitions, entries)


def list_procedures(db: Database, *, household_id: str | None = None,
                    open_only: bool = False, limit: int = 500) -> list[ProcedureRow]:
    clauses = ["p.deleted = 0"]
    params: list[Any] = []
    if household_id is not None:
        clauses.append("p.household_id = ?")
        params.append(household_id)
    if open_only:
        clauses.append("p.state <> 'S9'")
    params.append(limit)
    rows = db.query(
        "SELECT p.*, h.name AS household_name, COALESCE(w.name, '') AS lead_name "
        "FROM ks_procedures p JOIN households h ON h.id = p.household_id "
        "LEFT JOIN workers w ON w.id = p.lead_worker_id "
        f"WHERE {' AND '.join(clauses)} ORDER BY p.opened_at DESC, p.id LIMIT ?",
        params)
    return [_list_row(r) for r in rows]


def _list_row(r: Row) -> ProcedureRow:
    return ProcedureRow(r["id"], HouseholdId(r["household_id"]), r["household_name"],
                        State(r["state"]), bool(r["acute"]), from_utc_iso(r["opened_at"]),
                        WorkerId(r["lead_worker_id"]), r["lead_name"],
                        tuple(PersonId(c) for c in json.loads(r["child_ids"])))


def open_procedure_ids(db: Database) -> list[str]:
    rows = db.query("SELECT id FROM ks_procedures WHERE deleted = 0 "
                    "AND state NOT IN ('S0', 'S9') ORDER BY opened_at")
    return [_first(r) for r in rows]


def _first(r: Row) -> str:
    return str(r[0])


# --------------------------------------------------------------------------- reviews


def _item_from_row(r: Row) -> ReviewItem:
    return ReviewItem(r["id"], r["procedure_id"], r["household_id"], ReviewKind(r["kind"]),
                      r["subject"], from_utc_iso(r["created_at"]), WorkerId(r["created_by"]))


def find_review_item(db: Database, procedure_id: str, kind: ReviewKind,
                     subject: str) -> ReviewItem | None:
    row = db.query_one(
        "SELECT * FROM ks_review_items WHERE procedure_id = ? AND kind = ? AND subject = ?",
        (procedure_id, kind.value, subject))
    return None if row is None else _item_from_row(row)


_REVIEW_NAMESPACE = uuid.UUID("5b0f3c52-8a1e-4c61-9d55-0c8a5e2f7a10")


def review_item_id(procedure_id: str, kind: ReviewKind, subject: str) -> str:
    """Deterministic: two devices that create the same review item offline create the
    same row, so the team hub merges them instead of colliding on (procedure, kind,
    subject)."""
    return str(uuid.uuid5(_REVIEW_NAMESPACE, f"{procedure_id}|{kind.value}|{subject}"))


def insert_review_item(w: RecordWriter, procedure: Procedure, kind: ReviewKind,
                       subject: str) -> str:
    return w.insert("ks_review_items", "ks_review_item", {
        "procedure_id": procedure.id, "household_id": procedure.household_id,
        "kind": kind.value, "subject": subject,
    }, record_id=review_item_id(procedure.id, kind, subject), scope_id=procedure.household_id)


def get_review_item(db: Database, item_id: str) -> ReviewItem | None:
    row = db.query_one("SELECT * FROM ks_review_items WHERE id = ?", (item_id,))
    return None if row is None else _item_from_row(row)


def review_items(db: Database, procedure_id: str | None = None) -> list[ReviewItem]:
    if procedure_id is None:
        rows = db.query(
            "SELECT i.* FROM ks_review_items i JOIN ks_procedures p ON p.id = i.procedure_id "
            "WHERE p.deleted = 0 ORDER BY i.created_at, i.rowid")
    else:
        rows = db.query("SELECT * FROM ks_review_items WHERE procedure_id = ? "
                        "ORDER BY created_at, rowid", (procedure_id,))
    return [_item_from_row(r) for r in rows]


def insert_decision(w: RecordWriter, item: ReviewItem, decision: Decision, comment: str,
                    digest: str) -> str:
    return w.insert("ks_review_decisions", "ks_review_decision", {
        "item_id": item.id, "procedure_id": item.procedure_id,
        "household_id": item.household_id, "decision": decision.value, "comment": comment,
        "content_hash": digest,
    }, scope_id=item.household_id)


def decisions(db: Database, item_ids: list[str]) -> dict[str, list[ReviewDecision]]:
    result: dict[str, list[ReviewDecision]] = {i: [] for i in item_ids}
    if not item_ids:
        return result
    marks = ",".join("?" for _ in item_ids)
    for r in db.query(
            f"SELECT * FROM ks_review_decisions WHERE item_id IN ({marks}) "
            "ORDER BY created_at, rowid", item_ids):
        decision = _decision_from_row(r)
        result[decision.item_id].append(decision)
    return result


def _decision_from_row(r: Row) -> ReviewDecision:
    return ReviewDecision(r["id"], r["item_id"], Decision(r["decision"]), r["comment"],
                          r["content_hash"], from_utc_iso(r["created_at"]),
                          WorkerId(r["created_by"]))
