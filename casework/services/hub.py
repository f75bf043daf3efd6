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

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta

from casework.clock import from_utc_iso, to_utc_iso
from casework.errors import NotFound, UserError, ValidationError
from casework.models.changes import Changes
from casework.models.ids import WorkerId
from casework.services.session import Session
from casework.storage import attachments
from casework.storage import hub as store
from casework.storage.hub import (
    ApplyResult,
    Conflict,
    FieldHead,
    OutgoingChange,
    RemoteChange,
)
from casework.storage.privacy import purge as purge_store

__all__ = [
    "ApplyResult",
    "Conflict",
    "EnrolledWorker",
    "FieldHead",
    "OutgoingChange",
    "RemoteChange",
    "SyncStatus",
]

DEFAULT_CONSENT_FRESHNESS = timedelta(hours=24)


@dataclass(frozen=True, slots=True)
class SyncStatus:
    hub: str | None  # connection target without password, None if never enrolled
    device_id: str
    worker_id: str  # the hub's worker id (before enrolment: this vault's owner id)
    last_sync_at: str | None  # UTC ISO
    pending: int  # own changes not yet at the hub
    conflicts: int  # open conflicts


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
                      store.open_conflict_count(db))


def hub_dsn(session: Session) -> str | None:
    return store.get_state(session.db, "hub_dsn")


def record_enrolment(session: Session, safe_dsn: str, worker: EnrolledWorker) -> Changes:
    """Remember the hub and act as the hub's worker from now on. A vault created before
    enrolment adopts the hub's worker id, so assignments mean the same person everywhere."""
    changes = Changes()
    with session.db.transaction():
        store.set_state(session.db, "hub_dsn", safe_dsn)
        store.set_state(session.db, "hub_worker_id", worker.worker_id)
        if session.vault.owner_id != worker.worker_id:
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


def outbox(session: Session, limit: int = 1000) -> list[OutgoingChange]:
    """The next own changes to push, oldest first (with what each one superseded)."""
    with session.db.transaction():
        store.catch_up_local(session.db, session.vault.device_id)
    return store.outbox(session.db, session.vault.device_id, limit)


def acknowledge(session: Session, up_to_seq: int) -> None:
    with session.db.transaction():
        store.acknowledge(session.db, up_to_seq)


def cursor(session: Session) -> tuple[int, int]:
    return store.cursor(session.db)


def apply_remote(session: Session, changes: Sequence[RemoteChange],
                 new_cursor: tuple[int, int]) -> tuple[ApplyResult, Changes]:
    """Apply pulled changes and move the cursor in ONE transaction: a cut connection
    before this point leaves the vault exactly as it was."""
    with session.db.transaction():
        result = store.apply_remote(session.db, session.vault.hlc, session.vault.device_id,
                                    changes, new_cursor)
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
