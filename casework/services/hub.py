"""Local use cases of the team hub sync (the network part lives in `casework.sync`).

`casework.sync.client` talks to PostgreSQL and calls these functions for everything that
touches the vault: the outbox, acknowledging pushed changes, applying pulled changes with
the cursor in one transaction, status, and conflict resolution (itself a new change).

Withdrawn consent (LR rule for transfers): consent proofs and withdrawals are append-only
rows that sync like every other change. A device relies on a consent for a transfer only
if `consent_is_current(session, …)`: with a hub configured, the last successful pull must be
recent (the app pulls right before a transfer when online), so a withdrawal made on any
device has reached this one before it sends data relying on the consent again.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from casework.clock import Clock, from_utc_iso, to_utc_iso
from casework.errors import NotFound, UserError, ValidationError
from casework.models.changes import Changes
from casework.models.ids import WorkerId
from casework.services.session import Session, UnwrappedKey
from casework.storage import attachments
from casework.storage import hub as store
from casework.storage import vault as vault_store
from casework.storage.db import Database
from casework.storage.hub import (
    ApplyResult,
    Conflict,
    FieldHead,
    OutgoingChange,
    QuarantinedChange,
    RemoteChange,
)
from casework.storage.privacy import purge as purge_store

__all__ = [
    "ApplyResult",
    "Conflict",
    "EnrolledWorker",
    "FieldHead",
    "OutgoingChange",
    "QuarantinedChange",
    "RemoteChange",
    "SyncStatus",
]

DEFAULT_CONSENT_FRESHNESS = timedelta(hours=24)
# The vault meta key of the § 8a deadline profile (services.kinderschutz).
_META_DEADLINES = "kinderschutz.deadline_profile"


def _directory_ok(fields: Mapping[str, Any]) -> bool:
    """A directory / Rote Mappe revision must be a profile this app can read."""
    from casework.services.directory.shipped import parse_profile_text

    data = fields.get("data")
    if not isinstance(data, str):
        return False
    parse_profile_text(data, "Team-Hub")
    return True


def _deadlines_ok(fields: Mapping[str, Any]) -> bool:
    from casework.models.kinderschutz.deadlines import parse_deadline_profile

    parse_deadline_profile(fields)
    return True


def _apply_deadlines(db: Database, change: RemoteChange) -> None:
    """A Leitung/Admin's § 8a deadline configuration reaches every device."""
    store.set_vault_meta(db, _META_DEADLINES,
                         json.dumps(change.fields, ensure_ascii=False, sort_keys=True))


store.register_validator("directory", _directory_ok)
store.register_validator("ks_deadline_profile", _deadlines_ok)
store.register_handler("ks_deadline_profile", _apply_deadlines)


@dataclass(frozen=True, slots=True)
class SyncStatus:
    hub: str | None  # connection target without password, None if never enrolled
    device_id: str
    worker_id: str  # the hub's worker id (before enrolment: this vault's owner id)
    last_sync_at: str | None  # UTC ISO
    pending: int  # own changes not yet at the hub
    conflicts: int  # open conflicts
    refused: int = 0  # changes refused by the hub or quarantined here


@dataclass(frozen=True, slots=True)
class EnrolledWorker:
    worker_id: str
    name: str
    role: str
    team: str


def device_id(session: Session) -> str:
    return session.vault.device_id


def status(session: Session) -> SyncStatus:
    db = session.db
    return SyncStatus(store.get_state(db, "hub_dsn"), session.vault.device_id,
                      store.get_state(db, "hub_worker_id") or session.vault.owner_id,
                      store.get_state(db, "last_sync_at"),
                      store.pending_count(db, session.vault.device_id),
                      store.open_conflict_count(db), store.quarantine_count(db))


def hub_dsn(session: Session) -> str | None:
    return store.get_state(session.db, "hub_dsn")


def record_enrolment(session: Session, safe_dsn: str, worker: EnrolledWorker,
                     secret: str | None = None) -> Changes:
    """Remember the hub (and this device's hub secret, only ever stored inside the
    encrypted vault) and act as the hub's worker from now on. A vault created before
    enrolment adopts the hub's worker id, so assignments mean the same person everywhere;
    its earlier changes are sent as the hub's worker."""
    changes = Changes()
    with session.db.transaction():
        previous = store.get_state(session.db, "hub_dsn")
        if previous is not None and _hub_identity(previous) != _hub_identity(safe_dsn):
            # Another hub (e.g. a new hub database): send everything of this device again
            # and receive from the start; the hub and the device skip what they have.
            for key in ("pushed_seq", "pull_pos", "pull_seq"):
                store.delete_state(session.db, key)
        store.set_state(session.db, "hub_dsn", safe_dsn)
        store.set_state(session.db, "hub_worker_id", worker.worker_id)
        if secret is not None:
            store.set_state(session.db, "hub_device_secret", secret)
        if session.vault.owner_id != worker.worker_id:
            store.set_state(session.db, "pre_enrol_owner", session.vault.owner_id)
            writer = session.vault.writer(worker.worker_id)
            if store.ensure_worker_row(writer, worker.worker_id, worker.name, worker.role,
                                       worker.team):
                changes = Changes.of("worker", worker.worker_id)
            moved = store.reassign_households(writer, session.vault.owner_id, worker.worker_id)
            changes = changes | Changes.of("household", *moved)
            store.set_owner(session.db, worker.worker_id)
    session.vault.owner_id = worker.worker_id
    session.actor_id = WorkerId(worker.worker_id)
    session.audit("sync.enrol", "device", session.vault.device_id)
    return changes


def _hub_identity(dsn: str) -> tuple[str, ...]:
    parts = dict(p.split("=", 1) for p in dsn.split() if "=" in p)
    return tuple(parts.get(k, "") for k in ("host", "hostaddr", "port", "dbname"))


def device_secret(session: Session) -> str | None:
    return store.get_state(session.db, "hub_device_secret")


def outgoing_actors(session: Session) -> dict[str, str]:
    """Local author ids to send as the hub's worker id (the vault's identity before
    enrolment is the same person)."""
    before = store.get_state(session.db, "pre_enrol_owner")
    worker = store.get_state(session.db, "hub_worker_id")
    return {before: worker} if before and worker else {}


def apply_roster(session: Session, roster: Sequence[tuple[object, ...]]) -> Changes:
    """The hub's workers with roles and teams (the hub administration decides roles)."""
    with session.db.transaction():
        changed = store.apply_roster(session.db, roster, to_utc_iso(session.clock.now()))
    return Changes.of("worker", *changed) if changed else Changes()


def quarantine(session: Session) -> list[QuarantinedChange]:
    """Changes refused by the hub or not applied here ("abgewiesene Änderungen")."""
    return store.quarantined(session.db)


def background_key(session: Session) -> UnwrappedKey:
    """On the GUI thread: what a worker thread needs to open its own connection to this
    vault for a sync (a connection never crosses threads; the job wipes the key)."""
    return UnwrappedKey(session.vault.folder, session.vault.header,
                        vault_store.UnlockedKey(session.vault.data_key_copy(),
                                                session.vault.person_id))


def open_background(key: UnwrappedKey, clock: Clock) -> Session:
    """On the worker thread: the vault's second connection, closed by the caller."""
    vault = vault_store.open_with_key(key.folder, key.header, key.data_key, clock,
                                      audit_action="sync.background", unlocked=key.unlocked,
                                      second_connection=True)
    return Session(vault, clock, WorkerId(vault.person_id))


def after_background(session: Session, since_seq: int) -> None:
    """Back on the GUI thread: this connection's clock takes in what the sync applied,
    so the next local edit sorts after every version this device has seen."""
    newest = store.newest_hlc_since(session.db, since_seq)
    if newest:
        session.vault.hlc.observe(newest)


def local_seq(session: Session) -> int:
    return store.local_max_seq(session.db)


def outbox(session: Session, limit: int = 1000) -> list[OutgoingChange]:
    """The next own changes to push, oldest first (with what each one superseded)."""
    with session.db.transaction():
        store.catch_up_local(session.db, session.vault.device_id)
    return store.outbox(session.db, session.vault.device_id, limit)


def acknowledge(session: Session, up_to_seq: int,
                refused: Sequence[tuple[OutgoingChange, str]] = ()) -> None:
    """The hub holds (or refused, with a reason code) every own change up to here."""
    with session.db.transaction():
        store.acknowledge(session.db, up_to_seq)
        if refused:
            store.record_refused(session.db, refused, to_utc_iso(session.clock.now()))


def cursor(session: Session) -> tuple[int, int]:
    return store.cursor(session.db)


def apply_remote(session: Session, changes: Sequence[RemoteChange],
                 new_cursor: tuple[int, int]) -> tuple[ApplyResult, Changes]:
    """Apply pulled changes and move the cursor in ONE transaction: a cut connection
    before this point leaves the vault exactly as it was."""
    with session.db.transaction():
        result = store.apply_remote(session.db, session.vault.hlc, session.vault.device_id,
                                    changes, new_cursor, to_utc_iso(session.clock.now()))
    if result.purged_households:
        attachments.finish_pending_deletions(session.vault)
        purge_store.compact(session.db)  # no freed pages with deleted content linger
        for household_id in result.purged_households:
            session.audit("sync.retention_delete", "household", household_id)
    touched = Changes(frozenset(result.touched))
    if result.new_conflicts:
        touched = touched | Changes.of("sync_conflict", "*")
    return result, touched


def mark_synced(session: Session) -> None:
    with session.db.transaction():
        store.set_state(session.db, "last_sync_at", to_utc_iso(session.clock.now()))
    session.audit("sync.done")


def conflicts(session: Session, scope_id: str | None = None) -> list[Conflict]:
    return store.open_conflicts(session.db, scope_id)


def resolve_conflict(session: Session, conflict_id: str, chosen_hlc: str) -> Changes:
    """A person picks one of the conflicting values. The choice is written as a new change
    that supersedes every conflicting version, so all devices end the conflict alike."""
    db = session.db
    device = session.vault.device_id
    with db.transaction():
        store.catch_up_local(db, device)
        conflict = store.get_conflict(db, conflict_id)
        if conflict is None or not store.conflict_is_open(db, conflict_id):
            raise NotFound("Der Konflikt")
        chosen = next((h for h in conflict.heads if h.hlc == chosen_hlc), None)
        if chosen is None:
            raise ValidationError("Auswahl", "gehört nicht zu diesem Konflikt.")
        table, columns = store.entity_table(db, conflict.entity)
        writer = session.writer()
        values = {conflict.field: chosen.value}
        if table is not None and conflict.field in columns:
            if store.record_deleted(db, table, conflict.entity_id):
                raise UserError("Der Datensatz wurde inzwischen gelöscht; der Konflikt "
                                "kann nicht mehr aufgelöst werden.")
            writer.update(table, conflict.entity, conflict.entity_id, values,
                          scope_id=conflict.scope_id)
        else:
            writer.log_only(conflict.entity, conflict.entity_id, "update", values,
                            scope_id=conflict.scope_id)
        change_id = store.last_change_id(db, device)
        assert change_id is not None
        store.set_bases(db, change_id, {conflict.field: [h.hlc for h in conflict.heads]})
        store.catch_up_local(db, device)
        store.run_after_apply(db, conflict.entity, conflict.entity_id, values)
    session.audit("sync.conflict_resolved", conflict.entity, conflict.entity_id)
    return Changes.of(conflict.entity, conflict.entity_id) | Changes.of("sync_conflict",
                                                                         conflict_id)


def consent_is_current(session: Session,
                       max_age: timedelta = DEFAULT_CONSENT_FRESHNESS) -> bool:
    """May this device rely on its local consent records for a transfer right now?
    Without a hub every consent change is made on this device, so yes; with a hub only if
    the last successful sync (a pull) is at most `max_age` old."""
    st = status(session)
    if st.hub is None:
        return True
    if st.last_sync_at is None:
        return False
    return session.clock.now() - from_utc_iso(st.last_sync_at) <= max_age
