"""Local side of the team hub sync: the records that travel, the sync state and cursors,
the hub's workers on this device.

The rest of the local side: own changes and the outbox (`hub_outbox`), per-field versions,
the merge and conflicts (`hub_merge`), applying pulled changes (`hub_apply`, writing
through `hub_tables`), refused changes (`hub_quarantine`); the signed roster
(`hub_roster`) and encryption (`hub_crypto`).
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

from casework.storage.changelog import RecordWriter
from casework.storage.db import Database, Row

IDENT_OK = frozenset("abcdefghijklmnopqrstuvwxyz_0123456789")


def ident(name: str) -> str:
    if not name or set(name) - IDENT_OK:
        raise ValueError(f"bad identifier {name!r}")
    return name


_DUMP = json.JSONEncoder(ensure_ascii=False, sort_keys=True).encode


def dump(value: Any) -> str:
    """As json.dumps(value, ensure_ascii=False, sort_keys=True), without building an
    encoder per call (called several times per synced change)."""
    return _DUMP(value)


def chunks(items: Sequence[str], size: int = 400) -> Iterator[Sequence[str]]:
    for start in range(0, len(items), size):
        yield items[start:start + size]


@dataclass(frozen=True, slots=True)
class OutgoingChange:
    seq: int
    change_id: str
    entity: str
    entity_id: str
    scope_id: str | None
    op: str
    fields: dict[str, Any]
    bases: dict[str, list[str]]
    hlc: str
    actor: str
    device: str
    at: str


@dataclass(frozen=True, slots=True)
class RemoteChange:
    change_id: str
    entity: str
    entity_id: str
    scope_id: str | None
    op: str
    fields: dict[str, Any]
    bases: dict[str, list[str]]
    hlc: str
    actor: str
    device: str
    at: str



@dataclass
class ApplyResult:
    applied: int = 0
    known: int = 0
    parked: int = 0
    quarantined: int = 0
    new_conflicts: int = 0
    locked: int = 0  # received, waiting for their household key
    touched: set[tuple[str, str]] = field(default_factory=set)
    purged_households: list[str] = field(default_factory=list)
    purged_attachments: list[str] = field(default_factory=list)

    def merge(self, other: ApplyResult) -> None:
        self.applied += other.applied
        self.known += other.known
        self.parked += other.parked
        self.quarantined += other.quarantined
        self.new_conflicts += other.new_conflicts
        self.locked += other.locked
        self.touched |= other.touched
        self.purged_households += other.purged_households
        self.purged_attachments += other.purged_attachments


# --- small key/value state -------------------------------------------------------------

def get_state(db: Database, key: str) -> str | None:
    value = db.scalar("SELECT value FROM sync_state WHERE key = ?", (key,))
    return None if value is None else str(value)


def set_state(db: Database, key: str, value: str) -> None:
    db.execute("INSERT INTO sync_state(key, value) VALUES (?, ?) "
               "ON CONFLICT(key) DO UPDATE SET value = excluded.value", (key, value))


def delete_state(db: Database, key: str) -> None:
    db.execute("DELETE FROM sync_state WHERE key = ?", (key,))


def int_state(db: Database, key: str) -> int:
    return int(get_state(db, key) or 0)


def cursor(db: Database) -> tuple[int, int]:
    """The hub position after the last applied remote change: (pos, seq)."""
    return int_state(db, "pull_pos"), int_state(db, "pull_seq")


def pushed_seq(db: Database) -> int:
    return int_state(db, "pushed_seq")


def caught_up_seq(db: Database) -> int:
    """Own change-log rows up to here are folded into the field heads."""
    return int_state(db, "local_seq")


def acknowledge(db: Database, up_to_seq: int) -> None:
    """The hub holds every own change with local seq <= up_to_seq."""
    if up_to_seq > pushed_seq(db):
        set_state(db, "pushed_seq", str(up_to_seq))


# Hub positions of this device's own acknowledged pushes (one range per push run, the
# newest few): every change of this device stored there is in this vault, so the pull
# leaves them out. Kept in the vault with the push cursor, so a vault restored from a
# backup forgets the pushes it no longer holds and receives those changes again.
_OWN_RANGES = 16


def own_ranges(db: Database) -> list[tuple[int, int]]:
    raw = get_state(db, "own_ranges")
    try:
        found = json.loads(raw) if raw else []
        return [(int(lo), int(hi)) for lo, hi in found]
    except (TypeError, ValueError):
        return []


def record_own_range(db: Database, low: int, high: int, extend: bool) -> None:
    """`extend`: the next batch of the same push run (nothing else of this device can lie
    between its batches)."""
    ranges = own_ranges(db)
    if extend and ranges:
        ranges[-1] = (min(low, ranges[-1][0]), max(high, ranges[-1][1]))
    else:
        ranges.append((low, high))
    set_state(db, "own_ranges", json.dumps(ranges[-_OWN_RANGES:]))



def apply_roster(db: Database, roster: Sequence[tuple[Any, ...]], now: str) -> list[str]:
    """Upsert the hub's workers (id, name, role, team, disabled); returns changed ids.
    Written directly (not logged): the hub administration owns persons and roles."""
    current = {str(r[0]): (str(r[1]), str(r[2]), str(r[3])) for r in db.query(
        "SELECT id, name, role, team FROM workers")}
    changed = []
    for wid, name, role, team, _disabled in roster:
        if current.get(str(wid)) == (str(name), str(role), str(team)):
            continue
        changed.append(str(wid))
        db.execute(
            "INSERT INTO workers (id, name, role, team, fte, created_at, updated_at, "
            "created_by, updated_by, version) VALUES (?, ?, ?, ?, 1.0, ?, ?, 'hub', 'hub', '') "
            "ON CONFLICT(id) DO UPDATE SET name = excluded.name, role = excluded.role, "
            "team = excluded.team, updated_at = excluded.updated_at",
            (str(wid), str(name), str(role), str(team), now, now))
    return changed


def worker_names(db: Database) -> list[Row]:
    return db.query("SELECT id, name FROM workers")


def newest_hlc_since(db: Database, seq: int) -> str | None:
    value = db.scalar("SELECT max(hlc) FROM changelog WHERE seq > ?", (seq,))
    return None if value is None else str(value)


def local_max_seq(db: Database) -> int:
    return int(db.scalar("SELECT coalesce(max(seq), 0) FROM changelog"))


def set_vault_meta(db: Database, key: str, value: str) -> None:
    db.execute("INSERT INTO meta(key, value) VALUES (?, ?) "
               "ON CONFLICT(key) DO UPDATE SET value = excluded.value", (key, value))


def set_owner(db: Database, worker_id: str) -> None:
    """After enrolment the vault acts as the hub's worker id (meta is the vault's table)."""
    db.execute("UPDATE meta SET value = ? WHERE key = 'owner_worker_id'", (worker_id,))


def reassign_households(writer: RecordWriter, old_worker_id: str, new_worker_id: str
                        ) -> list[str]:
    """Households assigned to the vault's pre-enrolment identity now belong to the hub's
    worker id (a logged change each, so the hub grants the assignment)."""
    ids = [str(r[0]) for r in writer.db.query(
        "SELECT id FROM households WHERE assigned_worker_id = ? AND deleted = 0",
        (old_worker_id,))]
    for hid in ids:
        writer.update("households", "household", hid, {"assigned_worker_id": new_worker_id},
                      scope_id=hid)
    return ids


def ensure_worker_row(writer: RecordWriter, worker_id: str, name: str, role: str,
                      team: str) -> bool:
    if writer.db.scalar("SELECT 1 FROM workers WHERE id = ?", (worker_id,)):
        return False
    writer.insert("workers", "worker", {"name": name, "role": role, "team": team, "fte": 1.0},
                  record_id=worker_id)
    return True
