"""Local side of the team hub sync: cursors, outbox, per-field versions, merge, conflicts.

Merge rule (ARCHITECTURE §6). Every field of every synced record has one or more *heads*
in `sync_field_versions`: versions that no other known version has superseded. A change
names, per field, the versions it superseded (its *bases*): a local edit supersedes the
version the device showed (the winning head), a conflict resolution supersedes all heads.
The row holds the value of the head with the highest hybrid-logical-clock version, so
every device that has seen the same changes shows the same value, in any order. Two or
more heads with different values are a conflict: two edits made without seeing each
other. It stays visible until a person picks a value (a new change superseding all heads).

Append-only records (contacts, § 8a versions, consent proofs, withdrawals) are new rows
with new ids, so they are simply unioned. Tombstones (`op = delete`) win over edits. Real
deletion comes only as a retention `deletion_execution` backed by a request and an
approval of two different Leitung/Admin workers.

Receivers trust nothing they pull: every change is checked against its kind
(`casework.models.hub`: fields, JSON types, ids, size) and its hub-recorded author must
have been entitled to write that record under the rules this device knows (the hub's
roster of roles and teams, the household's creator and assigned worker). Anything else
is quarantined (`sync_quarantine`: kept with its reason, never applied, shown as
"abgewiesene Änderung"); the rest of the batch goes on.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import sqlcipher3

from casework.models import hub as kind_table
from casework.models.text import fold
from casework.storage import changelog
from casework.storage import contacts as contact_store
from casework.storage import households as household_store
from casework.storage.changelog import Hlc, RecordWriter
from casework.storage.db import Database, Row
from casework.storage.privacy import purge as purge_store
from casework.storage.privacy import retention as retention_store

# The § 72a register never leaves the device (models/hub.LOCAL_ONLY_ENTITIES).
_LOCAL_MARKS = ",".join("?" for _ in kind_table.LOCAL_ONLY_ENTITIES)

# Core entities whose table name is not simply found by convention.
# Bookkeeping columns are derived from the change itself, never taken from its fields.
_BOOKKEEPING = frozenset({"id", "created_at", "updated_at", "created_by", "updated_by",
                          "version", "deleted"})
_IDENT_OK = frozenset("abcdefghijklmnopqrstuvwxyz_0123456789")

AfterApply = Callable[[Database, str, Mapping[str, Any]], None]
# Derived rows that reference a record and go with it when it is purged.
_PURGE_FIRST = {
    "household": ("DELETE FROM household_search WHERE household_id = ?",),
    "contact": ("DELETE FROM contact_notes WHERE contact_id = ?",),
}


def _ident(name: str) -> str:
    if not name or set(name) - _IDENT_OK:
        raise ValueError(f"bad identifier {name!r}")
    return name


_DUMP = json.JSONEncoder(ensure_ascii=False, sort_keys=True).encode


def _dump(value: Any) -> str:
    """As json.dumps(value, ensure_ascii=False, sort_keys=True), without building an
    encoder per call (called several times per synced change)."""
    return _DUMP(value)


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


def _int_state(db: Database, key: str) -> int:
    return int(get_state(db, key) or 0)


def cursor(db: Database) -> tuple[int, int]:
    """The hub position after the last applied remote change: (pos, seq)."""
    return _int_state(db, "pull_pos"), _int_state(db, "pull_seq")


def pushed_seq(db: Database) -> int:
    return _int_state(db, "pushed_seq")


def caught_up_seq(db: Database) -> int:
    """Own change-log rows up to here are folded into the field heads."""
    return _int_state(db, "local_seq")


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


def pending_count(db: Database, device: str) -> int:
    return int(db.scalar("SELECT count(*) FROM changelog WHERE seq > ? AND device = ? "
                         f"AND entity NOT IN ({_LOCAL_MARKS})",
                         (pushed_seq(db), device, *kind_table.LOCAL_ONLY_ENTITIES)))


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


def record_refused(db: Database, refused: Sequence[tuple[OutgoingChange, str]],
                   now: str) -> None:
    """Own changes the hub refused: kept with the reason, shown as abgewiesen."""
    db.executemany(
        "INSERT OR REPLACE INTO sync_quarantine (change_id, direction, entity, entity_id, "
        "scope_id, op, actor, device, at, hlc, reason, payload, recorded_at) "
        "VALUES (?, 'out', ?, ?, ?, ?, ?, ?, ?, ?, ?, NULL, ?)",
        [(c.change_id, c.entity, c.entity_id, c.scope_id, c.op, c.actor, c.device, c.at,
          c.hlc, reason[:16], now) for c, reason in refused])


def _quarantine_row(change: RemoteChange, reason: str, now: str) -> tuple[Any, ...]:
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


def worker_names(db: Database) -> list[Row]:
    return db.query("SELECT id, name FROM workers")


def known_change_ids(db: Database, ids: Sequence[str]) -> set[str]:
    """Which of these change ids this device already has (applied or quarantined)."""
    known = changelog.known_change_ids(db, ids)
    for chunk in _chunks(list(ids)):
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


# --- tables of entities ----------------------------------------------------------------

class _Tables:
    """Entity → local table and its columns, looked up once per apply run."""

    def __init__(self, db: Database) -> None:
        self.db = db
        self._tables: dict[str, str | None] = {}
        self._columns: dict[str, frozenset[str]] = {}

    def table(self, entity: str) -> str | None:
        if entity not in self._tables:
            kind = kind_table.KINDS.get(entity)
            candidates = [kind.table or ""] if kind is not None else []
            found = None
            for name in candidates:
                if name and not set(name) - _IDENT_OK and self.db.scalar(
                        "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?",
                        (name,)):
                    found = name
                    break
            self._tables[entity] = found
        return self._tables[entity]

    def columns(self, table: str) -> frozenset[str]:
        if table not in self._columns:
            rows = self.db.query(f"PRAGMA table_info({_ident(table)})")
            self._columns[table] = frozenset(str(r["name"]) for r in rows)
        return self._columns[table]


# --- derived data after remote changes -------------------------------------------------

_AFTER_APPLY: dict[str, AfterApply] = {}


def register_after_apply(entity: str, hook: AfterApply) -> None:
    """Features with derived data (search indexes, child tables) keep it in step when a
    remote change of `entity` is applied: `hook(db, entity_id, fields)`."""
    _AFTER_APPLY[entity] = hook


def _refresh_household(db: Database, household_id: str) -> None:
    if db.scalar("SELECT 1 FROM households WHERE id = ?", (household_id,)):
        household_store.refresh_search(db, household_id)
        contact_store.refresh_household_stats(db, household_id)


def _note_rows(contact_id: str, notes: list[Any]) -> list[tuple[Any, ...]]:
    return [(contact_id, i, str(n.get("kind", "")), str(n.get("source", "")),
             str(n.get("text", "")), int(bool(n.get("disputed", False))))
            for i, n in enumerate(notes) if isinstance(n, dict)]


def _insert_notes(db: Database, rows: Sequence[tuple[Any, ...]]) -> None:
    """Insert note rows and index them once (not row by row through the trigger), in
    the caller's transaction, so no other reader sees the table without its trigger."""
    if not rows:
        return
    trigger = db.scalar("SELECT sql FROM sqlite_master WHERE type = 'trigger' "
                        "AND name = 'contact_notes_ai'")
    first = int(db.scalar("SELECT COALESCE(max(rowid), 0) FROM contact_notes"))
    if trigger is not None:
        db.execute("DROP TRIGGER contact_notes_ai")
    db.executemany(
        "INSERT OR IGNORE INTO contact_notes (contact_id, seq, kind, source, text, disputed) "
        "VALUES (?,?,?,?,?,?)", rows)
    if trigger is not None:
        db.execute("INSERT INTO note_fts(rowid, text) SELECT rowid, casework_fold(text) "
                   "FROM contact_notes WHERE rowid > ?", (first,))
        db.execute(str(trigger))


def run_after_apply(db: Database, entity: str, entity_id: str,
                    fields: Mapping[str, Any]) -> None:
    """Derived data of one record after a local write outside the normal storage path
    (a conflict resolution)."""
    if entity == "household":
        if "name" in fields:
            db.execute("UPDATE households SET sort_name = ? WHERE id = ?",
                       (fold(str(fields["name"])), entity_id))
        _refresh_household(db, entity_id)
    elif entity in ("person", "contact"):
        table = "persons" if entity == "person" else "contacts"
        hid = db.scalar(f"SELECT household_id FROM {table} WHERE id = ?",
                        (entity_id,))
        if hid is not None:
            _refresh_household(db, str(hid))
    hook = _AFTER_APPLY.get(entity)
    if hook is not None:
        hook(db, entity_id, fields)


# --- field heads (in memory per batch, flushed with a few statements) ------------------

def _chunks(items: Sequence[str], size: int = 400) -> Iterator[Sequence[str]]:
    for start in range(0, len(items), size):
        yield items[start:start + size]


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


class _FieldState:
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
        for chunk in _chunks(sorted({i for _, i in wanted})):
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
            after[change.hlc] = _Head(change.hlc, _dump(value), change.change_id, change.actor,
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


# --- own changes -----------------------------------------------------------------------

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
    after = _int_state(db, "local_seq")
    rows = db.query(
        "SELECT seq, change_id, entity, entity_id, scope_id, op, fields, hlc, actor, device, at "
        f"FROM changelog WHERE seq > ? AND device = ? AND entity NOT IN ({_LOCAL_MARKS}) "
        "ORDER BY seq" + ("" if limit is None else " LIMIT ?"),
        (after, device, *kind_table.LOCAL_ONLY_ENTITIES,
         *(() if limit is None else (limit,))))
    if rows:
        state = _FieldState(db)
        stored = changelog.stored_fields(db, rows)
        changes = [_remote_from_row(db, r, {}, stored) for r in rows]
        if parsed is not None:
            parsed.update((c.change_id, c.fields) for c in changes)
        state.load((c.entity, c.entity_id) for c in changes)
        overrides: dict[str, dict[str, list[str]]] = {}
        ids = [c.change_id for c in changes]
        for chunk in _chunks(ids):
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
                recorded.append((change.change_id, _dump(plan.bases)))
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
               (change_id, _dump({k: list(v) for k, v in bases.items()})))


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


def _remote_from_row(db: Database, r: Row, bases: dict[str, list[str]],
                     stored: changelog.Stored | None = None) -> RemoteChange:
    """A change-log row as a change (a contact insert's fields read from its row)."""
    fields = changelog.expand_fields(db, r["entity"], r["op"], r["entity_id"],
                                     json.loads(r["fields"]), stored)
    return RemoteChange(r["change_id"], r["entity"], r["entity_id"], r["scope_id"], r["op"],
                        fields, bases, r["hlc"], r["actor"], r["device"], r["at"])


# --- remote changes --------------------------------------------------------------------

class _Rows:
    """Existence and bookkeeping columns of the rows a batch touches."""

    def __init__(self, db: Database, tables: _Tables) -> None:
        self.db = db
        self.tables = tables
        self.rows: dict[tuple[str, str], dict[str, Any] | None] = {}

    def load(self, changes: Iterable[RemoteChange]) -> None:
        by_table: dict[str, set[str]] = {}
        for c in changes:
            table = self.tables.table(c.entity)
            if table is not None and (table, c.entity_id) not in self.rows:
                by_table.setdefault(table, set()).add(c.entity_id)
        for table, ids in by_table.items():
            extra = ", household_id" if "household_id" in self.tables.columns(table) else ""
            for chunk in _chunks(sorted(ids)):
                marks = ",".join("?" for _ in chunk)
                for r in self.db.query(
                        f"SELECT id, version, updated_at, updated_by{extra} "
                        f"FROM {_ident(table)} WHERE id IN ({marks})", list(chunk)):
                    self.rows[(table, str(r["id"]))] = dict(r)
            for i in ids:
                self.rows.setdefault((table, i), None)

    def get(self, table: str, record_id: str) -> dict[str, Any] | None:
        if (table, record_id) not in self.rows:
            found = self.db.query_one(f"SELECT * FROM {_ident(table)} WHERE id = ?",
                                      (record_id,))
            self.rows[(table, record_id)] = None if found is None else dict(found)
        return self.rows[(table, record_id)]


# Checks of single kinds beyond their field types (e.g. a directory revision must parse
# as a profile); registered by the features: `validator(fields) -> bool`.
Validator = Callable[[Mapping[str, Any]], bool]
_VALIDATORS: dict[str, Validator] = {}
# Kinds without a table of their own, applied by a handler: `handler(db, change)`.
Handler = Callable[[Database, "RemoteChange"], None]
_HANDLERS: dict[str, Handler] = {}


def register_validator(entity: str, validator: Validator) -> None:
    _VALIDATORS[entity] = validator


def register_handler(entity: str, handler: Handler) -> None:
    _HANDLERS[entity] = handler


@dataclass
class _Batch:
    db: Database
    tables: _Tables
    state: _FieldState
    rows: _Rows
    result: ApplyResult
    refresh: set[str] = field(default_factory=set)
    roster: dict[str, tuple[str, str]] = field(default_factory=dict)  # id → (role, team)
    # household → (creator, assigned worker) as applied so far, in hub order
    owners: dict[str, tuple[str | None, str | None] | None] = field(default_factory=dict)
    pending_log: list[RemoteChange] = field(default_factory=list)
    pending_notes: list[tuple[Any, ...]] = field(default_factory=list)

    def flush_log(self) -> None:
        """Applied remote changes join the change log (history shows them); contact
        notes are written and indexed."""
        _insert_notes(self.db, self.pending_notes)
        self.pending_notes = []
        if not self.pending_log:
            return
        fresh = self.pending_log
        by_reference = _contacts_as_applied(self.db, fresh)
        self.db.executemany(
            "INSERT INTO changelog_rows (change_id, entity, entity_id, op, fields, hlc, "
            "actor, device, at, scope_id) VALUES (?,?,?,?,?,?,?,?,?,?)",
            [by_reference[c.change_id] if c.change_id in by_reference else
             (c.change_id, c.entity, c.entity_id, c.op, _dump(c.fields), c.hlc, c.actor,
              c.device, c.at, c.scope_id) for c in fresh])
        self.db.executemany(
            "INSERT OR IGNORE INTO sync_change_bases (change_id, bases) VALUES (?, ?)",
            [(c.change_id, _dump(c.bases)) for c in fresh if c.bases])
        self.pending_log = []

    def load_owners(self, scopes: Iterable[str]) -> None:
        wanted = sorted({s for s in scopes if s not in self.owners})
        for chunk in _chunks(wanted):
            marks = ",".join("?" for _ in chunk)
            for r in self.db.query(
                    f"SELECT id, created_by, assigned_worker_id FROM households "
                    f"WHERE id IN ({marks})", list(chunk)):
                self.owners[str(r[0])] = (r[1], r[2])
        for scope in wanted:
            self.owners.setdefault(scope, None)

    def owner(self, scope: str) -> tuple[str | None, str | None] | None:
        if scope not in self.owners:
            self.load_owners([scope])
        return self.owners[scope]


def _contacts_as_applied(db: Database, changes: Sequence[RemoteChange]
                         ) -> dict[str, tuple[Any, ...]]:
    """The contact inserts among `changes` whose fields are exactly what the contact's
    row and notes hold now, by change id → their log row: stored by reference, as an own
    insert is (storage.changelog; a first sync pulls every contact of the team), each
    bookkeeping value NULL where the row holds the same. Parked ones have no row yet, and
    one changed again in the same batch no longer matches: both keep their fields."""
    inserts = [c for c in changes if c.entity == "contact" and c.op == "insert"]
    if not inserts:
        return {}
    stored = changelog.stored_contacts(db, [c.entity_id for c in inserts])
    rows: dict[str, tuple[str, str, str, str]] = {}
    ids = [c.entity_id for c in inserts if c.entity_id in stored]
    for chunk in _chunks(ids):
        marks = ",".join("?" for _ in chunk)
        for r in db.query(f"SELECT id, version, created_by, created_at, household_id "
                          f"FROM contacts WHERE id IN ({marks})", list(chunk)):
            rows[str(r[0])] = (str(r[1]), str(r[2]), str(r[3]), str(r[4]))
    found: dict[str, tuple[Any, ...]] = {}
    for c in inserts:
        # compared as logged text: 45 and 45.0, 1 and true are not the same there
        if c.entity_id not in rows or _dump(stored[c.entity_id]) != _dump(c.fields):
            continue
        version, author, created, household = rows[c.entity_id]
        hlc = None if c.hlc == version else c.hlc
        found[c.change_id] = (
            None if c.change_id == c.entity_id else c.change_id, "contact", c.entity_id,
            "insert", None, hlc, None if c.actor == author else c.actor,
            None if c.device == c.hlc.split(".", 2)[2] else c.device,
            None if c.at == created else c.at,
            None if c.scope_id == household else c.scope_id)
    return found


def _shape(change: RemoteChange) -> str | None:
    reason = kind_table.check_shape(change.change_id, change.entity, change.entity_id,
                                    change.scope_id, change.op, change.fields, change.bases,
                                    change.hlc, change.at)
    if reason is not None:
        return reason
    if change.hlc.split(".", 2)[2] != change.device:
        return "CW020"  # a version stamped by another device than the one that sent it
    validator = _VALIDATORS.get(change.entity)
    if validator is not None and change.op != "delete":
        try:
            if not validator(change.fields):
                return "CW020"
        except Exception:
            return "CW020"
    return None


def _entitled(batch: _Batch, change: RemoteChange) -> str | None:
    """Was the hub-recorded author entitled to write this, by the rules this device
    knows (same classes as the hub; None if yes, else the reason code)?"""
    kind = kind_table.KINDS[change.entity]
    author = batch.roster.get(change.actor)
    if author is None:
        return "CW010"  # not a person the hub knows
    role, team = author
    oversight = role in kind_table.OVERSIGHT_ROLES
    if change.entity == "review_signature" and change.fields.get("signer_id") != change.actor:
        return "CW010"  # a signature is sent only by its signer
    if kind.cls == "worker":
        return None if role == "Admin" else "CW013"
    if kind.cls == "reference":
        return None if oversight else "CW012"
    if kind.cls == "deletion":
        return None if oversight and _deletion_ok(batch, change) else "CW014"
    if change.scope_id is None:
        return None  # team-wide records (offers without a family, Art. 15 requests)
    if change.entity == "household" and change.op == "insert" \
            and batch.owner(change.scope_id) is None:
        return None  # whoever creates a household may write it
    owner = batch.owner(change.scope_id)
    if owner is None:
        return "CW011"
    creator, assigned = owner
    if change.actor in (creator, assigned):
        return None
    if kind.cls == "review" and role == "Leitung" and assigned is not None:
        assigned_team = batch.roster.get(str(assigned), ("", ""))[1]
        if assigned_team and assigned_team == team:
            return None
    return "CW011"


def _deletion_ok(batch: _Batch, change: RemoteChange) -> bool:
    """Approvals by someone other than the proposer; executions only with a request and
    an approval recorded by two different Leitung/Admin workers."""
    db = batch.db
    fields = change.fields
    if change.entity == "deletion_request":
        return True
    request = db.query_one("SELECT target_id, created_by FROM deletion_requests WHERE id = ?",
                           (str(fields.get("request_id", "")),))
    if request is None:
        return False
    if change.entity == "deletion_approval":
        return bool(request["created_by"] != change.actor)
    proposer = str(request["created_by"])
    if request["target_id"] != fields.get("target_id") or \
            batch.roster.get(proposer, ("", ""))[0] not in kind_table.OVERSIGHT_ROLES:
        return False
    for r in db.query("SELECT created_by FROM deletion_approvals WHERE request_id = ? "
                      "AND decision = 'freigegeben' AND deleted = 0",
                      (str(fields.get("request_id")),)):
        approver = str(r[0])
        if approver != proposer and \
                batch.roster.get(approver, ("", ""))[0] in kind_table.OVERSIGHT_ROLES:
            return True
    return False


def apply_remote(db: Database, hlc: Hlc, device: str, changes: Sequence[RemoteChange],
                 new_cursor: tuple[int, int], now: str = "") -> ApplyResult:
    """Check and apply pulled changes in hub order and move the cursor, in the caller's
    (one) transaction. Changes already known (own ones, repeats after a cut) are skipped;
    malformed or unentitled ones are quarantined, never applied."""
    result = ApplyResult()
    catch_up_local(db, device)
    known = known_change_ids(db, [str(c.change_id) for c in changes])
    fresh: list[RemoteChange] = []
    for change in changes:
        if change.change_id in known:
            result.known += 1
            continue
        known.add(change.change_id)
        fresh.append(change)
    tables = _Tables(db)
    batch = _Batch(db, tables, _FieldState(db), _Rows(db, tables), result)
    batch.roster = {str(r[0]): (str(r[1]), str(r[2]))
                    for r in db.query("SELECT id, role, team FROM workers")}
    quarantine: list[tuple[Any, ...]] = []
    checked: list[RemoteChange] = []
    for change in fresh:
        reason = _shape(change)
        if reason is not None:
            quarantine.append(_quarantine_row(change, reason, now))
        else:
            checked.append(change)
    batch.state.load((c.entity, c.entity_id) for c in checked)
    batch.rows.load(checked)
    batch.load_owners(c.scope_id for c in checked if c.scope_id is not None)
    parked = []
    for change in checked:
        reason = _entitled(batch, change)
        if reason is not None:
            quarantine.append(_quarantine_row(change, reason, now))
            continue
        hlc.observe(change.hlc)
        batch.pending_log.append(change)
        if _apply_one(batch, change):
            result.applied += 1
        else:
            parked.append((change.change_id,))
            result.parked += 1
    batch.flush_log()
    db.executemany("INSERT OR IGNORE INTO sync_parked (change_id) VALUES (?)", parked)
    db.executemany(
        "INSERT OR IGNORE INTO sync_quarantine (change_id, direction, entity, entity_id, "
        "scope_id, op, actor, device, at, hlc, reason, payload, recorded_at) "
        "VALUES (?, 'in', ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", quarantine)
    result.quarantined = len(quarantine)
    _retry_parked(batch, {p[0] for p in parked})
    batch.flush_log()
    batch.state.flush()
    refresh = sorted(batch.refresh)
    household_store.refresh_search_many(db, refresh)
    contact_store.refresh_household_stats_many(db, refresh)
    set_state(db, "pull_pos", str(new_cursor[0]))
    set_state(db, "pull_seq", str(new_cursor[1]))
    return result


def _retry_parked(batch: _Batch, just_parked: set[str]) -> None:
    parked = batch.db.query(
        "SELECT c.seq, c.change_id, c.entity, c.entity_id, c.scope_id, c.op, c.fields, c.hlc, "
        "c.actor, c.device, c.at, COALESCE(b.bases, '{}') AS bases FROM sync_parked p "
        "JOIN changelog_rows r ON r.change_id = p.change_id JOIN changelog c ON c.seq = r.seq "
        "LEFT JOIN sync_change_bases b ON b.change_id = c.change_id ORDER BY c.seq")
    for r in parked:
        if r["change_id"] in just_parked and batch.tables.table(r["entity"]) is None:
            continue
        change = _remote_from_row(batch.db, r, json.loads(r["bases"]))
        if _apply_one(batch, change):
            batch.db.execute("DELETE FROM sync_parked WHERE change_id = ?", (change.change_id,))
            if change.change_id in just_parked:
                batch.result.parked -= 1
                batch.result.applied += 1


_INSERT_SQL: dict[tuple[str, tuple[str, ...]], str] = {}
# Team data applied only with its author's signature as Leitung/Admin (a reserved act,
# verified with the public key it carries): directory and Rote Mappe revisions.
_NEEDS_SIGNATURE = frozenset({"directory"})


def _insert_sql(table: str, columns: tuple[str, ...]) -> str:
    """One statement text per table and column set (SQLite reuses its prepared form)."""
    key = (table, columns)
    sql = _INSERT_SQL.get(key)
    if sql is None:
        sql = (f"INSERT INTO {_ident(table)} ({', '.join(_ident(c) for c in columns)}) "
               f"VALUES ({', '.join('?' for _ in columns)})")
        _INSERT_SQL[key] = sql
    return sql


def _apply_one(batch: _Batch, change: RemoteChange) -> bool:
    """False: cannot be applied yet (no such table in this app version, an update of a
    row that has not arrived, or a reference to a row this device does not have — e.g. a
    § 8a record pointing at a contact the Leitung may not receive); it stays parked."""
    db = batch.db
    handler = _HANDLERS.get(change.entity)
    if handler is not None:
        handler(db, change)
        return True
    table = batch.tables.table(change.entity)
    if table is None:
        return False
    if change.entity in _NEEDS_SIGNATURE and change.op == "insert" and not db.scalar(
            "SELECT 1 FROM signatures WHERE entity = ? AND entity_id = ? AND signer_id = ? "
            "AND role IN ('Leitung', 'Admin')", (change.entity, change.entity_id,
                                                 change.actor)):
        return False  # waits (parked) for its author's signature, which travels after it
    t = _ident(table)
    columns = batch.tables.columns(table)
    row = batch.rows.get(table, change.entity_id)
    if change.op == "delete":
        if row is not None:
            if change.hlc > str(row["version"]):
                row.update(version=change.hlc, updated_at=change.at, updated_by=change.actor)
            db.execute(f"UPDATE {t} SET deleted = 1, version = ?, updated_at = ?, "
                       "updated_by = ? WHERE id = ?",
                       (row["version"], row["updated_at"], row["updated_by"], change.entity_id))
        _after(batch, change, row)
        return True
    if row is None and change.op != "insert":
        return False
    plan = batch.state.plan(change, lambda name, _current: change.bases.get(name, []))
    shown = {n: change.fields[n] for n in plan.wins if n in columns and n not in _BOOKKEEPING}
    if change.entity == "household" and "name" in shown:
        shown["sort_name"] = fold(str(shown["name"]))
    try:
        if row is None:
            values = dict(shown)
            values.update(id=change.entity_id, created_at=change.at, updated_at=change.at,
                          created_by=change.actor, updated_by=change.actor, version=change.hlc)
            values = {k: v for k, v in values.items() if k in columns}
            db.execute(_insert_sql(t, tuple(values)), tuple(values.values()))
            row = {"id": change.entity_id, "version": change.hlc, "updated_at": change.at,
                   "updated_by": change.actor, "household_id": values.get("household_id")}
            batch.rows.rows[(table, change.entity_id)] = row
        else:
            if change.hlc > str(row["version"]):
                shown.update(version=change.hlc, updated_at=change.at, updated_by=change.actor)
            shown = {k: v for k, v in shown.items() if k in columns}
            if shown:
                assignments = ", ".join(f"{_ident(c)} = ?" for c in shown)
                db.execute(f"UPDATE {t} SET {assignments} WHERE id = ?",
                           (*shown.values(), change.entity_id))
                row.update({k: v for k, v in shown.items() if k in row})
    except sqlcipher3.IntegrityError:
        # A failed statement is undone by SQLite on its own; the transaction goes on.
        return False
    batch.state.commit(plan, batch.result)
    _after(batch, change, row)
    return True


def _after(batch: _Batch, change: RemoteChange, row: Mapping[str, Any] | None) -> None:
    """Derived data: household search and list columns once per household at the end of
    the batch, contact notes right away, other features through their hooks."""
    if change.entity == "household" and (change.op == "insert"
                                         or "assigned_worker_id" in change.fields):
        found = batch.db.query_one(
            "SELECT created_by, assigned_worker_id FROM households WHERE id = ?",
            (change.entity_id,))
        batch.owners[change.entity_id] = None if found is None else (found[0], found[1])
    household_id = change.entity_id if change.entity == "household" else (
        change.fields.get("household_id") or (row or {}).get("household_id"))
    if change.entity in ("household", "person", "contact") and household_id:
        batch.refresh.add(str(household_id))
    notes = change.fields.get("notes")
    if change.entity == "contact" and change.op == "insert" and isinstance(notes, list) \
            and household_id:
        batch.pending_notes += _note_rows(change.entity_id, notes)
    contact_id = change.fields.get("contact_id")
    if change.entity == "contact_revision" and change.op == "insert" \
            and isinstance(contact_id, str):
        # The original notes of a contact in this batch first, then the corrected wording.
        _insert_notes(batch.db, batch.pending_notes)
        batch.pending_notes = []
        contact_store.apply_current_wording(batch.db, contact_id)
    target = change.fields.get("target_id")
    if change.entity == "deletion_execution" and change.op == "insert" \
            and isinstance(target, str) and target:
        _purge_household(batch, target, change.at)
    hook = _AFTER_APPLY.get(change.entity)
    if hook is not None:
        hook(batch.db, change.entity_id, change.fields)


def _purge_household(batch: _Batch, household_id: str, at: str) -> None:
    """A deletion executed on another device (retention, four-eyes approved there):
    delete the household here for real too and journal it (LR-36/37)."""
    db = batch.db
    batch.flush_log()
    if not db.scalar("SELECT 1 FROM households WHERE id = ?", (household_id,)) and \
            not db.scalar("SELECT 1 FROM changelog_rows WHERE scope_id = ?", (household_id,)) \
            and not db.scalar("SELECT 1 FROM contacts WHERE household_id = ?", (household_id,)):
        return  # never had it here
    batch.state.flush()
    purged = purge_store.purge_household(db, household_id)
    # purge_household defers foreign keys for the rest of the transaction; later
    # changes of this batch must fail (and be parked) at once again.
    db.query("PRAGMA defer_foreign_keys = OFF")
    if not retention_store.journal_has(db, "household", household_id):
        retention_store.add_journal(db, "household", household_id, household_id, at)
    batch.state = _FieldState(db)
    batch.rows = _Rows(db, batch.tables)
    batch.refresh.discard(household_id)
    batch.owners[household_id] = None
    batch.result.purged_households.append(household_id)
    batch.result.purged_attachments.extend(purged.attachment_ids)


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


def entity_table(db: Database, entity: str) -> tuple[str | None, frozenset[str]]:
    tables = _Tables(db)
    table = tables.table(entity)
    return table, (tables.columns(table) if table else frozenset())


def record_deleted(db: Database, table: str, record_id: str) -> bool:
    return bool(db.scalar(f"SELECT deleted FROM {_ident(table)} WHERE id = ?",
                          (record_id,)))

