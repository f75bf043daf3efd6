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
from casework.models.ids import WorkerId, new_id
from casework.services.session import Session, UnwrappedKey
from casework.storage import (
    attachments,
    hub_apply,
    hub_crypto,
    hub_device_keys,
    hub_keys,
    hub_merge,
    hub_outbox,
    hub_quarantine,
    hub_tables,
    vault_open,
    vault_slots,
)
from casework.storage import hub as store
from casework.storage import signatures as signature_store
from casework.storage.db import Database
from casework.storage.hub import ApplyResult, OutgoingChange, RemoteChange
from casework.storage.hub_crypto import SealedChange
from casework.storage.hub_merge import Conflict, FieldHead
from casework.storage.hub_quarantine import QuarantinedChange
from casework.storage.privacy import purge as purge_store

__all__ = [
    "ApplyResult",
    "Conflict",
    "EnrolledWorker",
    "FieldHead",
    "OutgoingChange",
    "QuarantinedChange",
    "RemoteChange",
    "SealedChange",
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


def _apply_signature(db: Database, change: RemoteChange) -> None:
    signature_store.store_synced(db, change.fields)


def _apply_key_confirmation(db: Database, change: RemoteChange) -> None:
    """A Leitung/Admin's confirmation of a device key, made on her device."""
    fields = change.fields
    hub_device_keys.confirm_device_key(db, str(fields.get("device_id")),
                                       str(fields.get("fingerprint")), change.actor, change.at)


hub_apply.register_handler("key_confirmation", _apply_key_confirmation)
hub_apply.register_validator(signature_store.SYNCED_SIGNATURE, signature_store.synced_ok)
hub_apply.register_handler(signature_store.SYNCED_SIGNATURE, _apply_signature)
hub_apply.register_validator("directory", _directory_ok)
hub_apply.register_validator("ks_deadline_profile", _deadlines_ok)
hub_apply.register_handler("ks_deadline_profile", _apply_deadlines)


@dataclass(frozen=True, slots=True)
class SyncStatus:
    hub: str | None  # connection target without password, None if never enrolled
    device_id: str
    worker_id: str  # the hub's worker id (before enrolment: this vault's owner id)
    last_sync_at: str | None  # UTC ISO
    pending: int | None  # own changes not yet at the hub (None: not counted)
    conflicts: int  # open conflicts
    refused: int = 0  # changes refused by the hub or quarantined here
    locked: int = 0  # received changes waiting for their household key


@dataclass(frozen=True, slots=True)
class EnrolledWorker:
    worker_id: str
    name: str
    role: str
    team: str


def device_id(session: Session) -> str:
    return session.vault.device_id


def status(session: Session, *, count_pending: bool = True) -> SyncStatus:
    """`count_pending`: count the own changes not yet at the hub (reads every one of
    them: seconds before the first sync of a large vault; the window counts them on the
    worker thread, `pending_count`)."""
    db = session.db
    return SyncStatus(store.get_state(db, "hub_dsn"), session.vault.device_id,
                      store.get_state(db, "hub_worker_id") or session.vault.owner_id,
                      store.get_state(db, "last_sync_at"),
                      pending_count(session) if count_pending else None,
                      hub_merge.open_conflict_count(db), hub_quarantine.quarantine_count(db),
                      hub_crypto.locked_count(db))


def pending_count(session: Session) -> int:
    return hub_outbox.pending_count(session.db, session.vault.device_id)


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
            for key in ("pushed_seq", "pull_pos", "pull_seq", "wrap_seq", "own_ranges",
                        "roster_seq"):
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
    return hub_quarantine.quarantined(session.db)


def background_key(session: Session) -> UnwrappedKey:
    """On the GUI thread: what a worker thread needs to open its own connection to this
    vault for a sync (a connection never crosses threads; the job wipes the key)."""
    return UnwrappedKey(session.vault.folder, session.vault.header,
                        vault_slots.UnlockedKey(session.vault.data_key_copy(),
                                                session.vault.person_id))


def open_background(key: UnwrappedKey, clock: Clock) -> Session:
    """On the worker thread: the vault's second connection, closed by the caller."""
    vault = vault_open.open_with_key(key.folder, key.header, key.data_key, clock,
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


def outbox(session: Session, limit: int = 1000, after: int | None = None
           ) -> list[OutgoingChange]:
    """The next own changes to push, oldest first (with what each one superseded);
    `after`: those after this local seq (the batch following one still in flight).
    Own history not yet folded into the field heads (a vault joining a hub with years of
    data) is folded only as far as this batch needs, `limit` rows per transaction."""
    db, device = session.db, session.vault.device_id
    parsed: dict[str, dict[str, Any]] = {}
    while True:
        with db.transaction():
            folded = hub_outbox.catch_up_local(db, device, limit, parsed)
        rows = hub_outbox.outbox(db, device, limit, after, parsed)
        if folded < limit or not rows or store.caught_up_seq(db) >= rows[-1].seq:
            return rows


def acknowledge(session: Session, up_to_seq: int,
                refused: Sequence[tuple[OutgoingChange, str]] = (),
                hub_range: tuple[int, int] | None = None, extend: bool = False) -> None:
    """The hub holds (or refused, with a reason code) every own change up to here;
    `hub_range`: the hub positions where it stored them (`extend`: a further batch of
    the same push run)."""
    with session.db.transaction():
        store.acknowledge(session.db, up_to_seq)
        if hub_range is not None:
            store.record_own_range(session.db, hub_range[0], hub_range[1], extend)
        if refused:
            hub_quarantine.record_refused(session.db, refused, to_utc_iso(session.clock.now()))


def own_ranges(session: Session) -> list[tuple[int, int]]:
    """Hub positions where every change of this device is in this vault."""
    return store.own_ranges(session.db)


def cursor(session: Session) -> tuple[int, int]:
    return store.cursor(session.db)


def apply_remote(session: Session, changes: Sequence[RemoteChange],
                 new_cursor: tuple[int, int]) -> tuple[ApplyResult, Changes]:
    """Apply pulled changes and move the cursor in ONE transaction: a cut connection
    before this point leaves the vault exactly as it was."""
    with session.db.transaction():
        result = hub_apply.apply_remote(session.db, session.vault.hlc, session.vault.device_id,
                                        changes, new_cursor, to_utc_iso(session.clock.now()))
    return _after_apply(session, result)


def _after_apply(session: Session, result: ApplyResult) -> tuple[ApplyResult, Changes]:
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
    return hub_merge.open_conflicts(session.db, scope_id)


def resolve_conflict(session: Session, conflict_id: str, chosen_hlc: str) -> Changes:
    """A person picks one of the conflicting values. The choice is written as a new change
    that supersedes every conflicting version, so all devices end the conflict alike."""
    db = session.db
    device = session.vault.device_id
    with db.transaction():
        hub_outbox.catch_up_local(db, device)
        conflict = hub_merge.get_conflict(db, conflict_id)
        if conflict is None or not hub_merge.conflict_is_open(db, conflict_id):
            raise NotFound("Der Konflikt")
        chosen = next((h for h in conflict.heads if h.hlc == chosen_hlc), None)
        if chosen is None:
            raise ValidationError("Auswahl", "gehört nicht zu diesem Konflikt.")
        table, columns = hub_tables.entity_table(db, conflict.entity)
        writer = session.writer()
        values = {conflict.field: chosen.value}
        if table is not None and conflict.field in columns:
            if hub_tables.record_deleted(db, table, conflict.entity_id):
                raise UserError("Der Datensatz wurde inzwischen gelöscht; der Konflikt "
                                "kann nicht mehr aufgelöst werden.")
            writer.update(table, conflict.entity, conflict.entity_id, values,
                          scope_id=conflict.scope_id)
        else:
            writer.log_only(conflict.entity, conflict.entity_id, "update", values,
                            scope_id=conflict.scope_id)
        change_id = hub_outbox.last_change_id(db, device)
        assert change_id is not None
        hub_outbox.set_bases(db, change_id, {conflict.field: [h.hlc for h in conflict.heads]})
        hub_outbox.catch_up_local(db, device)
        hub_tables.run_after_apply(db, conflict.entity, conflict.entity_id, values)
    session.audit("sync.conflict_resolved", conflict.entity, conflict.entity_id)
    return Changes.of(conflict.entity, conflict.entity_id) | Changes.of("sync_conflict",
                                                                         conflict_id)


def consent_is_current(session: Session,
                       max_age: timedelta = DEFAULT_CONSENT_FRESHNESS) -> bool:
    """May this device rely on its local consent records for a transfer right now?
    Without a hub every consent change is made on this device, so yes; with a hub only if
    the last successful sync (a pull) is at most `max_age` old. Without counting the
    pending changes (a scan of the change log: seconds on a large vault, for every
    transfer check)."""
    st = status(session, count_pending=False)
    if st.hub is None:
        return True
    if st.last_sync_at is None:
        return False
    return session.clock.now() - from_utc_iso(st.last_sync_at) <= max_age


# --- end-to-end encryption (issue 17; see storage.hub_crypto) -----------------------------

def device_public_keys(session: Session) -> tuple[bytes, bytes]:
    """This device's (X25519, Ed25519) public keys for the hub, made on first use."""
    worker = store.get_state(session.db, "hub_worker_id") or session.vault.owner_id
    with session.db.transaction():
        return hub_device_keys.ensure_device_key(session.db, session.vault.device_id, worker,
                                                 to_utc_iso(session.clock.now()))


def pin_device_keys(session: Session, rows: Sequence[tuple[Any, ...]]) -> list[str]:
    """Pin the hub's device public keys; returns devices whose key the hub changed."""
    with session.db.transaction():
        return hub_device_keys.pin_device_keys(session.db, rows,
                                               to_utc_iso(session.clock.now()))


def seal_outgoing(session: Session, rows: Sequence[OutgoingChange],
                  actors: Mapping[str, str], *, encrypt: bool = True) -> list[dict[str, Any]]:
    """Own changes encrypted under their household (team) key and signed by this device,
    ready for the hub; new keys are stored in the vault before they are used."""
    items = [{"change_id": r.change_id, "entity": r.entity, "entity_id": r.entity_id,
              "scope_id": r.scope_id, "op": r.op, "fields": r.fields, "bases": r.bases,
              "hlc": r.hlc, "actor": actors.get(r.actor, r.actor), "at": r.at}
             for r in rows]
    with session.db.transaction():
        return hub_crypto.seal_changes(session.db, session.vault.device_id, items,
                                       to_utc_iso(session.clock.now()), encrypt=encrypt)


def retire_keys(session: Session, key_ids: Sequence[str]) -> int:
    with session.db.transaction():
        return hub_keys.retire_keys(session.db, session.vault.device_id, key_ids)


def wraps_for(session: Session, needs: Sequence[tuple[str, str, str, str]]
              ) -> list[dict[str, Any]]:
    return hub_keys.make_wraps(session.db, session.vault.device_id, needs)


def receive_wraps(session: Session, rows: Sequence[tuple[Any, ...]], up_to: int) -> int:
    """Keys sealed to this device: opened, kept, and the wrap cursor moved (one step)."""
    with session.db.transaction():
        added = hub_keys.store_wraps(session.db, session.vault.device_id, rows,
                                     to_utc_iso(session.clock.now()))
        if up_to > int(store.get_state(session.db, "wrap_seq") or 0):
            store.set_state(session.db, "wrap_seq", str(up_to))
    return added


def wrap_cursor(session: Session) -> int:
    return int(store.get_state(session.db, "wrap_seq") or 0)


def apply_sealed(session: Session, sealed: Sequence[SealedChange],
                 new_cursor: tuple[int, int], *, encrypt: bool = True
                 ) -> tuple[ApplyResult, Changes]:
    """Verify, decrypt and apply pulled changes (and earlier ones whose key has arrived
    since), with the cursor, in ONE transaction. A change that fails its signature or
    decryption is quarantined; one whose key has not reached this device waits."""
    db = session.db
    with db.transaction():
        known = hub_quarantine.known_change_ids(db, [c.change_id for c in sealed])
        fresh = [c for c in sealed if c.change_id not in known]
        fresh += hub_crypto.unlockable(db)
        opened = hub_crypto.open_changes(db, session.vault.device_id, fresh,
                                         accept_plaintext=not encrypt)
        hub_crypto.lock(db, opened.locked)
        now = to_utc_iso(session.clock.now())
        hub_quarantine.quarantine_unopened(
            db, [(c.change_id, c.entity, c.entity_id, c.scope_id, c.op, c.actor, c.device, c.at,
                  c.hlc, reason) for c, reason in opened.refused], now)
        result = hub_apply.apply_remote(db, session.vault.hlc, session.vault.device_id,
                                        opened.changes, new_cursor, now)
        result.known += len(known)
        result.quarantined += len(opened.refused)
        result.locked = len(opened.locked)
    return _after_apply(session, result)


def locked_count(session: Session) -> int:
    return hub_crypto.locked_count(session.db)


@dataclass(frozen=True, slots=True)
class HubDeviceKey:
    """One device's hub key as this device knows it (Team screen, `casework team liste`)."""

    device_id: str
    worker_id: str
    worker_name: str
    fingerprint: str
    confirmed: bool
    changed_to: str | None  # a different key the hub now offers: not used until confirmed
    bound: bool = False  # signed by its person, whose key the signed roster names

    @property
    def status(self) -> str:
        if self.changed_to:
            return f"Schlüssel geändert auf {self.changed_to} – bitte bestätigen"
        if self.confirmed:
            return "bestätigt"
        return "an die Person gebunden" if self.bound else "unbestätigt"


def device_keys(session: Session) -> list[HubDeviceKey]:
    names = {str(r[0]): str(r[1]) for r in store.worker_names(session.db)}
    return [HubDeviceKey(k.device_id, k.worker_id, names.get(k.worker_id, k.worker_id[:8]),
                         k.fingerprint, k.confirmed_at is not None, k.offered_fingerprint,
                         k.bound)
            for k in hub_device_keys.device_keys(session.db)]


def confirm_device_key(session: Session, auth: Any, device_id: str, fingerprint: str) -> None:
    """A Leitung/Admin confirms a device's key after comparing its fingerprint with the
    person (in person or by phone, as messengers compare safety numbers): a signed act.
    A changed key the hub offers is used only after this."""
    from casework.models.persons.worker import WorkerRole
    from casework.services import persons

    allowed = (WorkerRole.LEITUNG, WorkerRole.ADMIN)
    persons.check_auth(session, auth, allowed)
    wanted = " ".join(fingerprint.upper().split())
    found = [k for k in device_keys(session)
             if device_id and (k.device_id == device_id or k.device_id.endswith(device_id))]
    if len(found) != 1:
        raise ValidationError("Gerät", "ist nicht (eindeutig) bekannt.")
    key = found[0]
    with session.db.transaction():
        if not hub_device_keys.confirm_device_key(session.db, key.device_id, wanted,
                                                  session.actor_id,
                                                  to_utc_iso(session.clock.now())):
            raise ValidationError("Fingerabdruck", "passt nicht zum Schlüssel dieses Geräts.")
        # The confirmation travels (team data, signed): every device trusts that key then.
        content = {"device_id": key.device_id, "worker_id": key.worker_id,
                   "fingerprint": wanted}
        record = new_id()
        session.writer().log_only("key_confirmation", record, "insert", content)
        persons.sign_act(session, auth, "hub.key_confirm", "key_confirmation", record,
                         content, allowed=allowed)
    session.audit("hub.key_confirmed", "device", key.device_id)
