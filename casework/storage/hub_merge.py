"""Per-field versions (field heads), the merge of concurrent edits, open conflicts.

Merge rule (ARCHITECTURE §6). Every field of every synced record has one or more *heads*
in `sync_field_versions`: versions that no other known version has superseded. A change
names, per field, the versions it superseded (its *bases*): a local edit supersedes the
version the device showed (the winning head), a conflict resolution supersedes all heads.
The row holds the value of the head with the highest hybrid-logical-clock version, so
every device that has seen the same changes shows the same value, in any order. Two or
more heads with different values are a conflict: two edits made without seeing each
other. It stays visible until a person picks a value (a new change superseding all heads).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from casework.storage.db import Database, Row
from casework.storage.hub import ApplyResult, RemoteChange, chunks, dump


@dataclass(frozen=True, slots=True)
class FieldHead:
    hlc: str
    value: Any
    actor: str
    actor_name: str
    device: str
    at: str
    change_id: str


@dataclass(frozen=True, slots=True)
class Conflict:
    id: str
    entity: str
    entity_id: str
    field: str
    scope_id: str | None
    detected_at: str
    heads: tuple[FieldHead, ...]  # highest version (the value shown) first



def _conflict_id(entity: str, entity_id: str, name: str, hlcs: Iterable[str]) -> str:
    text = "\x1f".join([entity, entity_id, name, *sorted(hlcs)])
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:32]


@dataclass(frozen=True, slots=True)
class _Head:
    hlc: str
    value: str  # JSON
    change_id: str
    actor: str
    device: str
    at: str


Heads = dict[str, _Head]  # hlc → head


@dataclass(slots=True)
class _Plan:
    change: RemoteChange
    fields: dict[str, Heads]  # field → heads after the change
    wins: set[str]  # fields whose shown value is now this change's
    bases: dict[str, list[str]]


class FieldState:
    """Heads and open conflicts of the records a batch touches, held in memory (the
    vault is slow per statement with SQLCipher memory security) and flushed at the end."""

    def __init__(self, db: Database) -> None:
        self.db = db
        self.heads: dict[tuple[str, str], dict[str, Heads]] = {}
        self.initial: dict[tuple[str, str, str], set[str]] = {}
        self.open: dict[tuple[str, str, str], str] = {}
        self.new_conflicts: list[tuple[str, str, str, str, str | None, str]] = []
        self.resolved: list[tuple[str, str, str, str]] = []

    def load(self, keys: Iterable[tuple[str, str]]) -> None:
        wanted = {k for k in keys if k not in self.heads}
        for chunk in chunks(sorted({i for _, i in wanted})):
            marks = ",".join("?" for _ in chunk)
            for r in self.db.query(
                    "SELECT entity, entity_id, field, hlc, value, change_id, actor, device, at "
                    f"FROM sync_field_versions WHERE entity_id IN ({marks})",
                    list(chunk)):
                key = (str(r[0]), str(r[1]))
                if key in wanted:
                    self.heads.setdefault(key, {}).setdefault(str(r[2]), {})[str(r[3])] = \
                        _Head(str(r[3]), str(r[4]), str(r[5]), str(r[6]), str(r[7]), str(r[8]))
            for r in self.db.query(
                    "SELECT id, entity, entity_id, field FROM sync_conflicts "
                    f"WHERE resolved_at IS NULL AND entity_id IN ({marks})",
                    list(chunk)):
                if (str(r[1]), str(r[2])) in wanted:
                    self.open[(str(r[1]), str(r[2]), str(r[3]))] = str(r[0])
        for key in wanted:
            self.heads.setdefault(key, {})

    def plan(self, change: RemoteChange,
             choose: Callable[[str, Heads], list[str]]) -> _Plan:
        """What `change` does to its fields, without doing it yet."""
        key = (change.entity, change.entity_id)
        self.load([key])
        fields: dict[str, Heads] = {}
        wins: set[str] = set()
        bases: dict[str, list[str]] = {}
        for name, value in change.fields.items():
            current = self.heads[key].get(name, {})
            if change.hlc in current:
                continue
            if change.op == "insert" and not current:
                # The insert's own version is the field's implicit head: no row is kept
                # (most records are never edited); a later edit names the insert's
                # version as its base (`insert_version`).
                wins.add(name)
                continue
            chosen = choose(name, current)
            superseded = set(chosen)
            after = {h: head for h, head in current.items() if h not in superseded}
            after[change.hlc] = _Head(change.hlc, dump(value), change.change_id, change.actor,
                                      change.device, change.at)
            fields[name] = after
            bases[name] = chosen
            if max(after) == change.hlc:
                wins.add(name)
        return _Plan(change, fields, wins, bases)

    def commit(self, plan: _Plan, result: ApplyResult) -> None:
        change = plan.change
        key = (change.entity, change.entity_id)
        for name, after in plan.fields.items():
            fkey = (change.entity, change.entity_id, name)
            if fkey not in self.initial:
                self.initial[fkey] = set(self.heads[key].get(name, {}))
            self.heads[key][name] = after
            open_id = self.open.get(fkey)
            if len({h.value for h in after.values()}) > 1:
                if open_id is None:
                    cid = _conflict_id(change.entity, change.entity_id, name, after)
                    self.open[fkey] = cid
                    self.new_conflicts.append((cid, change.entity, change.entity_id, name,
                                               change.scope_id, change.at))
                    result.new_conflicts += 1
            elif open_id is not None:
                self.resolved.append((change.at, change.actor, change.change_id, open_id))
                del self.open[fkey]

    def forget(self, entity: str, entity_id: str) -> None:
        """A purged record: its versions and conflicts go too."""
        self.flush()
        self.db.execute("DELETE FROM sync_field_versions WHERE entity = ? AND entity_id = ?",
                        (entity, entity_id))
        self.db.execute(
            "UPDATE sync_conflicts SET resolved_at = COALESCE(resolved_at, 'gelöscht') "
            "WHERE entity = ? AND entity_id = ? AND resolved_at IS NULL", (entity, entity_id))
        self.heads[(entity, entity_id)] = {}
        self.open = {k: v for k, v in self.open.items() if k[:2] != (entity, entity_id)}

    def flush(self) -> None:
        deletes: list[tuple[str, str, str, str]] = []
        inserts: list[tuple[str, ...]] = []
        for (entity, entity_id, name), before in self.initial.items():
            after = self.heads[(entity, entity_id)].get(name, {})
            deletes += [(entity, entity_id, name, h) for h in before - after.keys()]
            inserts += [(entity, entity_id, name, h.hlc, h.change_id, h.actor, h.device, h.at,
                         h.value) for h in after.values() if h.hlc not in before]
        if deletes:
            self.db.executemany(
                "DELETE FROM sync_field_versions WHERE entity = ? AND entity_id = ? "
                "AND field = ? AND hlc = ?", deletes)
        if inserts:
            self.db.executemany(
                "INSERT OR REPLACE INTO sync_field_versions (entity, entity_id, field, hlc, "
                "change_id, actor, device, at, value) VALUES (?,?,?,?,?,?,?,?,?)", inserts)
        if self.new_conflicts:
            self.db.executemany(
                "INSERT OR IGNORE INTO sync_conflicts (id, entity, entity_id, field, scope_id, "
                "detected_at) VALUES (?,?,?,?,?,?)", self.new_conflicts)
        if self.resolved:
            self.db.executemany(
                "UPDATE sync_conflicts SET resolved_at = ?, resolved_by = ?, "
                "resolution_change_id = ? WHERE id = ?", self.resolved)
        self.initial.clear()
        self.new_conflicts.clear()
        self.resolved.clear()


# --- conflicts -------------------------------------------------------------------------

def field_heads(db: Database, entity: str, entity_id: str, name: str) -> list[FieldHead]:
    rows = db.query(
        "SELECT v.hlc, v.value, v.actor, COALESCE(w.name, '') AS actor_name, v.device, v.at, "
        "v.change_id FROM sync_field_versions v LEFT JOIN workers w ON w.id = v.actor "
        "WHERE v.entity = ? AND v.entity_id = ? AND v.field = ? ORDER BY v.hlc DESC",
        (entity, entity_id, name))
    return [FieldHead(r["hlc"], json.loads(r["value"]), r["actor"], r["actor_name"],
                      r["device"], r["at"], r["change_id"]) for r in rows]


def _conflict_from_row(db: Database, r: Row) -> Conflict:
    return Conflict(r["id"], r["entity"], r["entity_id"], r["field"], r["scope_id"],
                    r["detected_at"],
                    tuple(field_heads(db, r["entity"], r["entity_id"], r["field"])))


def open_conflicts(db: Database, scope_id: str | None = None) -> list[Conflict]:
    sql = ("SELECT * FROM sync_conflicts WHERE resolved_at IS NULL"
           + (" AND scope_id = ?" if scope_id is not None else "")
           + " ORDER BY detected_at, entity, entity_id, field")
    rows = db.query(sql, (scope_id,) if scope_id is not None else ())
    return [_conflict_from_row(db, r) for r in rows]


def get_conflict(db: Database, conflict_id: str) -> Conflict | None:
    row = db.query_one("SELECT * FROM sync_conflicts WHERE id = ?", (conflict_id,))
    return None if row is None else _conflict_from_row(db, row)


def conflict_is_open(db: Database, conflict_id: str) -> bool:
    return bool(db.scalar("SELECT 1 FROM sync_conflicts WHERE id = ? AND resolved_at IS NULL",
                          (conflict_id,)))


def open_conflict_count(db: Database) -> int:
    return int(db.scalar("SELECT count(*) FROM sync_conflicts WHERE resolved_at IS NULL"))
