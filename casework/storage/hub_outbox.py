"""Own changes: folded into the field heads before anything remote is applied (with
what each superseded, its bases), and handed to the push as the outbox."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any

from casework.models import hub as kind_table
from casework.storage import changelog
from casework.storage.db import Database, Row
from casework.storage.hub import (
    ApplyResult,
    OutgoingChange,
    RemoteChange,
    chunks,
    dump,
    int_state,
    pushed_seq,
    set_state,
)
from casework.storage.hub_merge import FieldState, Heads

# The § 72a register never leaves the device (models/hub.LOCAL_ONLY_ENTITIES).
_LOCAL_MARKS = ",".join("?" for _ in kind_table.LOCAL_ONLY_ENTITIES)


def pending_count(db: Database, device: str) -> int:
    return int(db.scalar("SELECT count(*) FROM changelog WHERE seq > ? AND device = ? "
                         f"AND entity NOT IN ({_LOCAL_MARKS})",
                         (pushed_seq(db), device, *kind_table.LOCAL_ONLY_ENTITIES)))


def catch_up_local(db: Database, device: str, limit: int | None = None,
                   parsed: dict[str, dict[str, Any]] | None = None) -> int:
    """Fold this device's own new change-log rows into the field heads and record what
    each of them superseded (its bases, pushed with it). Runs before anything remote is
    applied, so a local edit supersedes exactly the version the person saw.

    `limit`: fold at most that many rows (the oldest) and move the catch-up cursor only
    past them, so a vault with years of unsynced history is caught up in bounded steps
    (each its own transaction; memory bounded by `limit`, not by the vault).
    `parsed`: filled with the fields of the folded rows (change id → fields), so the
    outbox that follows need not parse them again."""
    after = int_state(db, "local_seq")
    rows = db.query(
        "SELECT seq, change_id, entity, entity_id, scope_id, op, fields, hlc, actor, device, at "
        f"FROM changelog WHERE seq > ? AND device = ? AND entity NOT IN ({_LOCAL_MARKS}) "
        "ORDER BY seq" + ("" if limit is None else " LIMIT ?"),
        (after, device, *kind_table.LOCAL_ONLY_ENTITIES,
         *(() if limit is None else (limit,))))
    if rows:
        state = FieldState(db)
        stored = changelog.stored_fields(db, rows)
        changes = [remote_from_row(db, r, {}, stored) for r in rows]
        if parsed is not None:
            parsed.update((c.change_id, c.fields) for c in changes)
        state.load((c.entity, c.entity_id) for c in changes)
        overrides: dict[str, dict[str, list[str]]] = {}
        ids = [c.change_id for c in changes]
        for chunk in chunks(ids):
            marks = ",".join("?" for _ in chunk)
            for r in db.query(f"SELECT change_id, bases FROM sync_change_bases "
                              f"WHERE change_id IN ({marks})", list(chunk)):
                overrides[str(r[0])] = json.loads(r[1])
        scratch = ApplyResult()
        recorded: list[tuple[str, str]] = []
        for change in changes:
            if change.op == "delete":
                continue
            override = overrides.get(change.change_id, {})

            def choose(name: str, current: Heads, override: dict[str, list[str]] = override,
                       change: RemoteChange = change) -> list[str]:
                if name in override:
                    return list(override[name])
                if current:
                    return [max(current)]
                first = insert_version(db, change.entity, change.entity_id)
                return [first] if first and first != change.hlc else []

            plan = state.plan(change, choose)
            state.commit(plan, scratch)
            if plan.bases:
                recorded.append((change.change_id, dump(plan.bases)))
        state.flush()
        db.executemany("INSERT INTO sync_change_bases (change_id, bases) VALUES (?, ?) "
                       "ON CONFLICT(change_id) DO UPDATE SET bases = excluded.bases", recorded)
    if limit is not None and len(rows) >= limit:
        set_state(db, "local_seq", str(int(rows[-1]["seq"])))  # more to fold next step
        return len(rows)
    last = db.scalar("SELECT max(seq) FROM changelog")
    if last is not None and int(last) > after:
        set_state(db, "local_seq", str(int(last)))
    return len(rows)


def insert_version(db: Database, entity: str, entity_id: str) -> str | None:
    """The version of a record's insert: the implicit head of its never-edited fields."""
    value = db.scalar("SELECT hlc FROM changelog WHERE entity_id = ? AND entity = ? "
                      "AND op = 'insert' ORDER BY seq LIMIT 1", (entity_id, entity))
    return None if value is None else str(value)


def set_bases(db: Database, change_id: str, bases: Mapping[str, Sequence[str]]) -> None:
    """Declare what a local change supersedes before `catch_up_local` sees it (used by a
    conflict resolution, which supersedes every head)."""
    db.execute("INSERT INTO sync_change_bases (change_id, bases) VALUES (?, ?) "
               "ON CONFLICT(change_id) DO UPDATE SET bases = excluded.bases",
               (change_id, dump({k: list(v) for k, v in bases.items()})))


def last_change_id(db: Database, device: str) -> str | None:
    value = db.scalar("SELECT change_id FROM changelog WHERE device = ? "
                      "ORDER BY seq DESC LIMIT 1", (device,))
    return None if value is None else str(value)


def outbox(db: Database, device: str, limit: int, after: int | None = None,
           parsed: Mapping[str, dict[str, Any]] | None = None) -> list[OutgoingChange]:
    """Own changes the hub has not acknowledged yet (or: after local seq `after`, the
    batch following one still in flight), oldest first."""
    rows = db.query(
        "SELECT c.seq, c.change_id, c.entity, c.entity_id, c.scope_id, c.op, c.fields, c.hlc, "
        "c.actor, c.device, c.at, COALESCE(b.bases, '{}') AS bases FROM changelog c "
        "LEFT JOIN sync_change_bases b ON b.change_id = c.change_id "
        f"WHERE c.seq > ? AND c.device = ? AND c.entity NOT IN ({_LOCAL_MARKS}) "
        "ORDER BY c.seq LIMIT ?",
        (pushed_seq(db) if after is None else after, device, *kind_table.LOCAL_ONLY_ENTITIES,
         limit))
    known = parsed or {}
    # A contact insert is logged by reference to its row (changelog.CONTACT_IN_ROW);
    # those the catch-up read already (`parsed`) are not read again.
    stored = changelog.stored_fields(db, [r for r in rows if r["change_id"] not in known])
    return [OutgoingChange(int(r["seq"]), r["change_id"], r["entity"], r["entity_id"],
                           r["scope_id"], r["op"],
                           changelog.expand_fields(
                               db, r["entity"], r["op"], r["entity_id"],
                               known.get(r["change_id"]) or json.loads(r["fields"]), stored),
                           json.loads(r["bases"]), r["hlc"], r["actor"], r["device"], r["at"])
            for r in rows]


def remote_from_row(db: Database, r: Row, bases: dict[str, list[str]],
                     stored: changelog.Stored | None = None) -> RemoteChange:
    """A change-log row as a change (a contact insert's fields read from its row)."""
    fields = changelog.expand_fields(db, r["entity"], r["op"], r["entity_id"],
                                     json.loads(r["fields"]), stored)
    return RemoteChange(r["change_id"], r["entity"], r["entity_id"], r["scope_id"], r["op"],
                        fields, bases, r["hlc"], r["actor"], r["device"], r["at"])
