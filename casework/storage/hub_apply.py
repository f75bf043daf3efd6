"""Applying pulled changes, in hub order, in the caller's transaction.

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

import json
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import sqlcipher3

from casework.models import hub as kind_table
from casework.models.text import fold
from casework.storage import changelog
from casework.storage import contacts as contact_store
from casework.storage import households as household_store
from casework.storage.changelog import Hlc
from casework.storage.db import Database
from casework.storage.hub import ApplyResult, RemoteChange, chunks, dump, ident, set_state
from casework.storage.hub_merge import FieldState
from casework.storage.hub_outbox import catch_up_local, remote_from_row
from casework.storage.hub_quarantine import known_change_ids, quarantine_row
from casework.storage.hub_tables import (
    AFTER_APPLY,
    Rows,
    Tables,
    insert_notes,
    insert_sql,
    note_rows,
)
from casework.storage.privacy import purge as purge_store
from casework.storage.privacy import retention as retention_store

# Bookkeeping columns are derived from the change itself, never taken from its fields.
_BOOKKEEPING = frozenset({"id", "created_at", "updated_at", "created_by", "updated_by",
                          "version", "deleted"})

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
    tables: Tables
    state: FieldState
    rows: Rows
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
        insert_notes(self.db, self.pending_notes)
        self.pending_notes = []
        if not self.pending_log:
            return
        fresh = self.pending_log
        by_reference = _contacts_as_applied(self.db, fresh)
        self.db.executemany(
            "INSERT INTO changelog_rows (change_id, entity, entity_id, op, fields, hlc, "
            "actor, device, at, scope_id) VALUES (?,?,?,?,?,?,?,?,?,?)",
            [by_reference[c.change_id] if c.change_id in by_reference else
             (c.change_id, c.entity, c.entity_id, c.op, dump(c.fields), c.hlc, c.actor,
              c.device, c.at, c.scope_id) for c in fresh])
        self.db.executemany(
            "INSERT OR IGNORE INTO sync_change_bases (change_id, bases) VALUES (?, ?)",
            [(c.change_id, dump(c.bases)) for c in fresh if c.bases])
        self.pending_log = []

    def load_owners(self, scopes: Iterable[str]) -> None:
        wanted = sorted({s for s in scopes if s not in self.owners})
        for chunk in chunks(wanted):
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
    for chunk in chunks(ids):
        marks = ",".join("?" for _ in chunk)
        for r in db.query(f"SELECT id, version, created_by, created_at, household_id "
                          f"FROM contacts WHERE id IN ({marks})", list(chunk)):
            rows[str(r[0])] = (str(r[1]), str(r[2]), str(r[3]), str(r[4]))
    found: dict[str, tuple[Any, ...]] = {}
    for c in inserts:
        # compared as logged text: 45 and 45.0, 1 and true are not the same there
        if c.entity_id not in rows or dump(stored[c.entity_id]) != dump(c.fields):
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
    tables = Tables(db)
    batch = _Batch(db, tables, FieldState(db), Rows(db, tables), result)
    batch.roster = {str(r[0]): (str(r[1]), str(r[2]))
                    for r in db.query("SELECT id, role, team FROM workers")}
    quarantine: list[tuple[Any, ...]] = []
    checked: list[RemoteChange] = []
    for change in fresh:
        reason = _shape(change)
        if reason is not None:
            quarantine.append(quarantine_row(change, reason, now))
        else:
            checked.append(change)
    batch.state.load((c.entity, c.entity_id) for c in checked)
    batch.rows.load(checked)
    batch.load_owners(c.scope_id for c in checked if c.scope_id is not None)
    parked = []
    for change in checked:
        reason = _entitled(batch, change)
        if reason is not None:
            quarantine.append(quarantine_row(change, reason, now))
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
        change = remote_from_row(batch.db, r, json.loads(r["bases"]))
        if _apply_one(batch, change):
            batch.db.execute("DELETE FROM sync_parked WHERE change_id = ?", (change.change_id,))
            if change.change_id in just_parked:
                batch.result.parked -= 1
                batch.result.applied += 1


# Team data applied only with its author's signature as Leitung/Admin (a reserved act,
# verified with the public key it carries): directory and Rote Mappe revisions.
_NEEDS_SIGNATURE = frozenset({"directory"})



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
    t = ident(table)
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
            db.execute(insert_sql(t, tuple(values)), tuple(values.values()))
            row = {"id": change.entity_id, "version": change.hlc, "updated_at": change.at,
                   "updated_by": change.actor, "household_id": values.get("household_id")}
            batch.rows.rows[(table, change.entity_id)] = row
        else:
            if change.hlc > str(row["version"]):
                shown.update(version=change.hlc, updated_at=change.at, updated_by=change.actor)
            shown = {k: v for k, v in shown.items() if k in columns}
            if shown:
                assignments = ", ".join(f"{ident(c)} = ?" for c in shown)
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
        batch.pending_notes += note_rows(change.entity_id, notes)
    contact_id = change.fields.get("contact_id")
    if change.entity == "contact_revision" and change.op == "insert" \
            and isinstance(contact_id, str):
        # The original notes of a contact in this batch first, then the corrected wording.
        insert_notes(batch.db, batch.pending_notes)
        batch.pending_notes = []
        contact_store.apply_current_wording(batch.db, contact_id)
    target = change.fields.get("target_id")
    if change.entity == "deletion_execution" and change.op == "insert" \
            and isinstance(target, str) and target:
        _purge_household(batch, target, change.at)
    hook = AFTER_APPLY.get(change.entity)
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
    batch.state = FieldState(db)
    batch.rows = Rows(db, batch.tables)
    batch.refresh.discard(household_id)
    batch.owners[household_id] = None
    batch.result.purged_households.append(household_id)
    batch.result.purged_attachments.extend(purged.attachment_ids)
