"""Append-only, hash-chained audit log (LR-23, LR-50). Ids and actions only, never
content: `detail` is for codes such as a reason category, not free text."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from concurrent.futures import CancelledError
from dataclasses import dataclass

from casework.clock import Clock, to_utc_iso
from casework.storage.db import Database

GENESIS = "0" * 64


@dataclass(frozen=True, slots=True)
class AuditEntry:
    seq: int
    at: str
    actor: str
    device: str
    action: str
    entity: str
    entity_id: str
    detail: str


def _digest(prev: str, at: str, actor: str, device: str, action: str, entity: str,
            entity_id: str, detail: str) -> str:
    payload = json.dumps([prev, at, actor, device, action, entity, entity_id, detail],
                         ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()


def append(db: Database, clock: Clock, actor: str, device: str, action: str,
           entity: str = "", entity_id: str = "", detail: str = "") -> None:
    """Append one event. Joins the caller's transaction or opens its own."""
    with db.transaction():
        prev = db.scalar("SELECT hash FROM audit_log ORDER BY seq DESC LIMIT 1") or GENESIS
        at = to_utc_iso(clock.now())
        digest = _digest(prev, at, actor, device, action, entity, entity_id, detail)
        db.execute(
            "INSERT INTO audit_log (at, actor, device, action, entity, entity_id, detail, "
            "prev_hash, hash) VALUES (?,?,?,?,?,?,?,?,?)",
            (at, actor, device, action, entity, entity_id, detail, prev, digest),
        )


def verify(db: Database, stop: Callable[[], bool] | None = None) -> list[str]:
    """German descriptions of every break in the chain (empty = intact). `stop`: asked
    every thousand entries; when it says yes (the app locks), `CancelledError`."""
    problems: list[str] = []
    prev = GENESIS
    for number, row in enumerate(db.query("SELECT * FROM audit_log ORDER BY seq")):
        if stop is not None and number % 1000 == 0 and stop():
            raise CancelledError()
        if row["prev_hash"] != prev:
            problems.append(f"Protokolleintrag {row['seq']}: Verkettung unterbrochen.")
        expected = _digest(row["prev_hash"], row["at"], row["actor"], row["device"],
                           row["action"], row["entity"], row["entity_id"], row["detail"])
        if expected != row["hash"]:
            problems.append(f"Protokolleintrag {row['seq']}: Inhalt verändert.")
        prev = row["hash"]
    return problems


def head(db: Database) -> tuple[int, str] | None:
    """(seq, hash) of the newest entry: anchored outside the chain (vault header, backups)."""
    row = db.query_one("SELECT seq, hash FROM audit_log ORDER BY seq DESC LIMIT 1")
    return None if row is None else (int(row[0]), str(row[1]))


def verify_anchor(db: Database, anchor: tuple[int, str] | None) -> list[str]:
    """The chain must still reach the anchored head: a cut-off tail is reported."""
    if anchor is None:
        return []
    seq, digest = anchor
    row = db.query_one("SELECT hash FROM audit_log WHERE seq = ?", (seq,))
    if row is None:
        last = head(db)
        have = last[0] if last is not None else 0
        return [f"Protokoll gekürzt: verankert ist Eintrag {seq}, vorhanden nur bis {have}."]
    if str(row[0]) != digest:
        return [f"Protokolleintrag {seq}: passt nicht zum verankerten Stand (ersetzt oder "
                "gekürzt und neu geschrieben)."]
    return []


def entries(db: Database, limit: int = 1000) -> list[AuditEntry]:
    return [
        AuditEntry(r["seq"], r["at"], r["actor"], r["device"], r["action"], r["entity"],
                   r["entity_id"], r["detail"])
        for r in db.query("SELECT * FROM audit_log ORDER BY seq DESC LIMIT ?", (limit,))
    ]


def recent_entities(db: Database, action: str, actor: str, limit: int) -> list[str]:
    """Ids of the entities `actor` most recently did `action` to (e.g. viewed)."""
    rows = db.query(
        "SELECT entity_id, max(seq) AS last FROM audit_log WHERE action = ? AND actor = ? "
        "GROUP BY entity_id ORDER BY last DESC LIMIT ?", (action, actor, limit))
    return [str(r[0]) for r in rows]
