"""Refused changes (`sync_quarantine`): received ones that failed their checks, and own
ones the hub refused; kept with their reason, never applied, shown as "abgewiesene
Änderung"."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from casework.models import hub as kind_table
from casework.storage import changelog
from casework.storage.db import Database
from casework.storage.hub import OutgoingChange, RemoteChange, chunks


@dataclass(frozen=True, slots=True)
class QuarantinedChange:
    change_id: str
    direction: str  # "in": received, not applied; "out": own change the hub refused
    entity: str
    entity_id: str
    scope_id: str | None
    actor: str
    actor_name: str
    at: str
    reason: str  # code, see casework.models.hub.REASONS
    recorded_at: str

    @property
    def reason_text(self) -> str:
        return kind_table.reason_text(self.reason, own=self.direction == "out")


def record_refused(db: Database, refused: Sequence[tuple[OutgoingChange, str]],
                   now: str) -> None:
    """Own changes the hub refused: kept with the reason, shown as abgewiesen."""
    db.executemany(
        "INSERT OR REPLACE INTO sync_quarantine (change_id, direction, entity, entity_id, "
        "scope_id, op, actor, device, at, hlc, reason, payload, recorded_at) "
        "VALUES (?, 'out', ?, ?, ?, ?, ?, ?, ?, ?, ?, NULL, ?)",
        [(c.change_id, c.entity, c.entity_id, c.scope_id, c.op, c.actor, c.device, c.at,
          c.hlc, reason[:16], now) for c, reason in refused])


def quarantine_row(change: RemoteChange, reason: str, now: str) -> tuple[Any, ...]:
    try:
        payload: str | None = json.dumps({"fields": change.fields, "bases": change.bases},
                                         ensure_ascii=False)
    except (TypeError, ValueError):
        payload = None
    if payload is not None and len(payload) > kind_table.MAX_CHANGE_BYTES:
        payload = None  # too large to keep; the ids and the reason are kept
    return (str(change.change_id)[:64], str(change.entity)[:64], str(change.entity_id)[:128],
            None if change.scope_id is None else str(change.scope_id)[:64],
            str(change.op)[:16], str(change.actor)[:64], str(change.device)[:64],
            str(change.at)[:40], str(change.hlc)[:100], reason, payload, now)


def known_change_ids(db: Database, ids: Sequence[str]) -> set[str]:
    """Which of these change ids this device already has (applied or quarantined)."""
    known = changelog.known_change_ids(db, ids)
    for chunk in chunks(list(ids)):
        marks = ",".join("?" for _ in chunk)
        known.update(str(r[0]) for r in db.query(
            f"SELECT change_id FROM sync_quarantine WHERE change_id IN ({marks})", chunk))
    return known


def quarantine_unopened(db: Database, rows: Sequence[tuple[Any, ...]], now: str) -> None:
    """Received changes that failed their signature or decryption (change id, entity,
    entity id, scope, op, actor, device, at, hlc, reason): kept without content."""
    db.executemany(
        "INSERT OR IGNORE INTO sync_quarantine (change_id, direction, entity, entity_id, "
        "scope_id, op, actor, device, at, hlc, reason, payload, recorded_at) "
        "VALUES (?, 'in', ?, ?, ?, ?, ?, ?, ?, ?, ?, NULL, ?)",
        [(str(r[0])[:64], str(r[1])[:64], str(r[2])[:128],
          None if r[3] is None else str(r[3])[:64], str(r[4])[:16], str(r[5])[:64],
          str(r[6])[:64], str(r[7])[:40], str(r[8])[:100], r[9], now) for r in rows])


def quarantined(db: Database, limit: int = 500) -> list[QuarantinedChange]:
    rows = db.query(
        "SELECT q.change_id, q.direction, q.entity, q.entity_id, q.scope_id, q.actor, "
        "COALESCE(w.name, '') AS actor_name, q.at, q.reason, q.recorded_at "
        "FROM sync_quarantine q LEFT JOIN workers w ON w.id = q.actor "
        "ORDER BY q.recorded_at DESC, q.change_id LIMIT ?", (limit,))
    return [QuarantinedChange(*tuple(r)) for r in rows]


def quarantine_count(db: Database) -> int:
    return int(db.scalar("SELECT count(*) FROM sync_quarantine"))
