"""Closure events and hand-overs of households (tables of migration m0070)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any

from casework.clock import from_utc_iso, to_utc_iso
from casework.models.households.lifecycle import (
    ClosureEvent,
    ClosureEventKind,
    ClosureReason,
    Handover,
    HandoverState,
)
from casework.storage.changelog import RecordWriter
from casework.storage.db import Database, Row

# --------------------------------------------------------------------------- closure


def insert_closure_event(w: RecordWriter, household_id: str, kind: ClosureEventKind,
                         on: date, *, reason: ClosureReason | None = None, note: str = "",
                         request_id: str = "") -> str:
    return w.insert("household_closures", "household_closure", {
        "household_id": household_id, "kind": kind.value,
        "reason": reason.value if reason else "", "note": note, "on_date": on.isoformat(),
        "request_id": request_id}, scope_id=household_id)


def _closure(r: Row) -> ClosureEvent:
    return ClosureEvent(r["id"], r["household_id"], ClosureEventKind(r["kind"]),
                        ClosureReason(r["reason"]) if r["reason"] else None, r["note"],
                        date.fromisoformat(r["on_date"]), from_utc_iso(r["created_at"]),
                        r["created_by"], r["by_name"] or "", r["request_id"])


def closure_events(db: Database, household_id: str) -> list[ClosureEvent]:
    """Oldest first (HLC order)."""
    return [_closure(r) for r in db.query(
        "SELECT c.*, w.name AS by_name FROM household_closures c "
        "LEFT JOIN workers w ON w.id = c.created_by "
        "WHERE c.household_id = ? AND c.deleted = 0 ORDER BY c.version", (household_id,))]


def pending_closure_household_ids(db: Database) -> list[str]:
    """Households whose last request/decision row is a request (waits for the Leitung)."""
    return [str(r[0]) for r in db.query(
        "SELECT c.household_id FROM household_closures c "
        "JOIN households h ON h.id = c.household_id AND h.deleted = 0 "
        "WHERE c.deleted = 0 AND c.kind IN (?, ?, ?) "
        "AND c.version = (SELECT max(x.version) FROM household_closures x "
        "  WHERE x.household_id = c.household_id AND x.deleted = 0 AND x.kind IN (?, ?, ?)) "
        "AND c.kind = ? ORDER BY c.version",
        (*_DECISION_KINDS, *_DECISION_KINDS, ClosureEventKind.BEANTRAGT.value))]


_DECISION_KINDS = (ClosureEventKind.BEANTRAGT.value, ClosureEventKind.ABGESCHLOSSEN.value,
                   ClosureEventKind.ABGELEHNT.value)


def set_status(w: RecordWriter, household_id: str, status: str) -> bool:
    current = w.db.query_one("SELECT status FROM households WHERE id = ? AND deleted = 0",
                             (household_id,))
    if current is None:
        raise LookupError(household_id)
    return w.update("households", "household", household_id, {"status": status},
                    scope_id=household_id, current=dict(current))


def set_assigned_worker(w: RecordWriter, household_id: str, worker_id: str) -> bool:
    """The household's worker (`assigned_worker_id`): the field the hub's entitlement and
    the "nur meine" lists follow."""
    current = w.db.query_one("SELECT assigned_worker_id FROM households "
                             "WHERE id = ? AND deleted = 0", (household_id,))
    if current is None:
        raise LookupError(household_id)
    return w.update("households", "household", household_id,
                    {"assigned_worker_id": worker_id}, scope_id=household_id,
                    current=dict(current))


# --------------------------------------------------------------------------- hand-over


def insert_handover(w: RecordWriter, household_id: str, from_worker_id: str,
                    to_worker_id: str, note: str, state: HandoverState, *,
                    batch_id: str = "") -> str:
    values: dict[str, Any] = {
        "household_id": household_id, "from_worker_id": from_worker_id,
        "to_worker_id": to_worker_id, "note": note, "state": state.value,
        "batch_id": batch_id}
    if state is not HandoverState.OFFEN:
        values.update(decided_at=to_utc_iso(w.clock.now()), decided_by=w.actor.worker_id)
    return w.insert("handovers", "handover", values, scope_id=household_id)


def decide_handover(w: RecordWriter, handover: Handover, state: HandoverState,
                    note: str) -> None:
    w.update("handovers", "handover", handover.id, {
        "state": state.value, "decided_at": to_utc_iso(w.clock.now()),
        "decided_by": w.actor.worker_id, "decision_note": note},
        scope_id=handover.household_id)


_HANDOVER_SQL = (
    "SELECT o.*, h.name AS household_name, COALESCE(f.name, '') AS from_name, "
    "COALESCE(t.name, '') AS to_name FROM handovers o "
    "JOIN households h ON h.id = o.household_id AND h.deleted = 0 "
    "LEFT JOIN workers f ON f.id = o.from_worker_id "
    "LEFT JOIN workers t ON t.id = o.to_worker_id WHERE o.deleted = 0 AND ")


def _handover(r: Row) -> Handover:
    return Handover(r["id"], r["household_id"], r["household_name"], r["from_worker_id"],
                    r["from_name"], r["to_worker_id"], r["to_name"], r["note"],
                    HandoverState(r["state"]), from_utc_iso(r["created_at"]),
                    r["created_by"],
                    from_utc_iso(r["decided_at"]) if r["decided_at"] else None,
                    r["decision_note"], r["batch_id"])


def _handovers(db: Database, where: str, params: Sequence[Any]) -> list[Handover]:
    return [_handover(r) for r in db.query(
        _HANDOVER_SQL + where + " ORDER BY o.version DESC", params)]


def get_handover(db: Database, handover_id: str) -> Handover | None:
    found = _handovers(db, "o.id = ?", (handover_id,))
    return found[0] if found else None


def handovers_of(db: Database, household_id: str) -> list[Handover]:
    """Newest first."""
    return _handovers(db, "o.household_id = ?", (household_id,))


def open_handover(db: Database, household_id: str) -> Handover | None:
    found = _handovers(db, "o.household_id = ? AND o.state = ?",
                       (household_id, HandoverState.OFFEN.value))
    return found[0] if found else None


def open_handovers_to(db: Database, worker_id: str) -> list[Handover]:
    return _handovers(db, "o.to_worker_id = ? AND o.state = ?",
                      (worker_id, HandoverState.OFFEN.value))


def open_handovers_from(db: Database, worker_id: str) -> list[Handover]:
    return _handovers(db, "o.from_worker_id = ? AND o.state = ?",
                      (worker_id, HandoverState.OFFEN.value))
