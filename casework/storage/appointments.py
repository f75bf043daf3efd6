"""Appointment rows (migration m0071)."""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from casework.clock import from_utc_iso, to_utc_iso
from casework.models.appointments import (
    Appointment,
    AppointmentDraft,
    AppointmentStatus,
    PlaceType,
)
from casework.storage.changelog import RecordWriter
from casework.storage.db import Database, Row


def _values(d: AppointmentDraft) -> dict[str, Any]:
    return {"household_id": d.household_id, "starts_at": to_utc_iso(d.starts_at),
            "duration_min": d.duration_min, "place_type": d.place_type.value,
            "place": d.place, "person_ids": json.dumps(list(d.person_ids)),
            "topic": d.topic, "note": d.note}


def insert(w: RecordWriter, draft: AppointmentDraft) -> str:
    return w.insert("appointments", "appointment",
                    {**_values(draft), "status": AppointmentStatus.GEPLANT.value},
                    scope_id=draft.household_id)


def _current(db: Database, appointment_id: str) -> dict[str, Any]:
    row = db.query_one("SELECT * FROM appointments WHERE id = ?", (appointment_id,))
    if row is None:
        raise LookupError(appointment_id)
    return dict(row)


def update(w: RecordWriter, appointment_id: str, draft: AppointmentDraft) -> bool:
    return w.update("appointments", "appointment", appointment_id, _values(draft),
                    scope_id=draft.household_id, current=_current(w.db, appointment_id))


def set_status(w: RecordWriter, appointment: Appointment, status: AppointmentStatus, *,
               cancel_reason: str = "", contact_id: str = "") -> None:
    values: dict[str, Any] = {"status": status.value}
    if cancel_reason:
        values["cancel_reason"] = cancel_reason
    if contact_id:
        values["contact_id"] = contact_id
    w.update("appointments", "appointment", appointment.id, values,
             scope_id=appointment.data.household_id, current=_current(w.db, appointment.id))


def _from_row(r: Row) -> Appointment:
    draft = AppointmentDraft(r["household_id"], from_utc_iso(r["starts_at"]),
                             int(r["duration_min"]), PlaceType(r["place_type"]), r["place"],
                             tuple(json.loads(r["person_ids"])), r["topic"], r["note"])
    return Appointment(r["id"], draft, AppointmentStatus(r["status"]), r["contact_id"],
                       r["cancel_reason"], r["created_by"])


def _load(db: Database, where: str, params: Sequence[Any]) -> list[Appointment]:
    return [_from_row(r) for r in db.query(
        f"SELECT * FROM appointments WHERE deleted = 0 AND {where} ORDER BY starts_at, id",
        params)]


def get(db: Database, appointment_id: str) -> Appointment | None:
    found = _load(db, "id = ?", (appointment_id,))
    return found[0] if found else None


def of_household(db: Database, household_id: str) -> list[Appointment]:
    return _load(db, "household_id = ?", (household_id,))


def planned_between(db: Database, start: datetime, end: datetime, *,
                    worker_id: str | None = None) -> list[tuple[Appointment, str]]:
    """Planned appointments starting in [start, end) of households not closed, with the
    household name; `worker_id`: only that worker's families."""
    params: list[Any] = [AppointmentStatus.GEPLANT.value, to_utc_iso(start), to_utc_iso(end)]
    clause = ""
    if worker_id is not None:
        clause = " AND h.assigned_worker_id = ?"
        params.append(worker_id)
    rows = db.query(
        "SELECT a.*, h.name AS household_name FROM appointments a "
        "JOIN households h ON h.id = a.household_id AND h.deleted = 0 "
        "AND h.status <> 'abgeschlossen' "
        f"WHERE a.deleted = 0 AND a.status = ? AND a.starts_at >= ? AND a.starts_at < ?{clause} "
        "ORDER BY a.starts_at, h.sort_name", params)
    return [(_from_row(r), str(r["household_name"])) for r in rows]
