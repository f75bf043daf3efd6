"""The people who work in a vault, and persons who sign (issue 15): each person's own
credential, re-authenticated reserved acts and their signatures.

A reserved act (Leitung review and approval of § 8a content, a deletion proposal and its
approval, adding or removing persons, role changes, the recovery key) needs an
`Authorization`: the acting person types her passphrase at that moment, her private keys
are unwrapped from her key slot, and the act is signed with her Ed25519 key over the
content hash of exactly what she approves. The key is wiped right after that one
signature — there is no lasting elevation. Four eyes means two persons with two keys.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from casework.clock import Clock, to_utc_iso
from casework.errors import (
    NotFound,
    PermissionDenied,
    UserError,
    ValidationError,
    VaultError,
    WrongPassphrase,
)
from casework.models.changes import Changes
from casework.models.ids import WorkerId, new_id
from casework.models.persons.signing import (
    Signature,
    message,
    parse_roles,
    primary_role,
    roles_text,
)
from casework.models.persons.worker import Worker, WorkerDraft, WorkerRole
from casework.services.session import (
    Session,
    UnwrappedKey,
    open_background,
    passphrase_problem,
)
from casework.storage import crypto, vault_header, vault_slots
from casework.storage import persons as worker_store
from casework.storage import signatures as store


class Authorization:
    """One person's passphrase, proven for one reserved act. `sign` may be called once;
    the private key is wiped afterwards (and when the object is dropped)."""

    def __init__(self, worker_id: WorkerId, private: bytearray, fingerprint: str) -> None:
        self.worker_id = worker_id
        self.fingerprint = fingerprint
        self._private = private
        self._used = False

    @property
    def used(self) -> bool:
        return self._used

    @property
    def key_buffer(self) -> bytearray:
        return self._private

    def sign(self, data: bytes) -> bytes:
        if self._used:
            raise PermissionDenied("Diese Bestätigung wurde schon verwendet. Bitte die "
                                   "Passphrase für diesen Schritt erneut eingeben.")
        try:
            return crypto.sign(self._private, data)
        finally:
            self.wipe()

    def wipe(self) -> None:
        self._used = True
        crypto.wipe(self._private)

    def __del__(self) -> None:
        self.wipe()


def authorize(session: Session, passphrase: str, worker_id: str | None = None) -> Authorization:
    """Prove the acting person's passphrase for one reserved act (one Argon2id run).
    Raises `WrongPassphrase` (audited) or `PermissionDenied` (no key slot yet)."""
    who = WorkerId(worker_id or session.actor_id)
    try:
        private = unwrap_for_act(session.vault.header, who, passphrase)
    except WrongPassphrase:
        record_failed_proof(session, who)
        raise
    return authorization(session, who, private)


def unwrap_for_act(header: vault_header.VaultHeader, worker_id: str,
                   passphrase: str) -> bytearray:
    """The slow half of `authorize` (Argon2id; touches no database, so the app runs it on
    its worker thread): the person's private keys from her key slot (caller wipes them or
    hands them to `authorization`). Raises `WrongPassphrase`, or `PermissionDenied` when
    she has no key slot yet."""
    slot = header.slot(worker_id)
    if slot is None:
        raise PermissionDenied("Für Sie gibt es in dieser Akte noch keinen Schlüssel: bitte "
                               "zuerst eine eigene Passphrase festlegen lassen.")
    return vault_slots.unwrap_private(header, slot, passphrase)


def discard_keys(private: bytearray) -> None:
    """Keys from `unwrap_for_act` nobody will use (cancelled, locked): zeroed."""
    crypto.wipe(private)


def record_failed_proof(session: Session, worker_id: str) -> None:
    """A wrong passphrase for a reserved act goes into the access log."""
    session.vault.audit("persons.reauth_failed", "worker", worker_id, actor_id=session.actor_id)


def authorization(session: Session, worker_id: str, private: bytearray) -> Authorization:
    """The fast half of `authorize`: the unwrapped keys must be the person's current keys
    in the vault's person directory (else they are wiped and refused)."""
    who = WorkerId(worker_id)
    slot = session.vault.header.slot(who)
    current = store.current_key(session.db, who)
    if slot is None or current is None or current[1] != slot.sign_public:
        crypto.wipe(private)
        raise UserError("Der Schlüssel dieser Person passt nicht zum Personenverzeichnis der "
                        "Akte (casework vault check).")
    return Authorization(who, private, current[0])


def roles(session: Session, worker_id: str) -> tuple[WorkerRole, ...]:
    return store.roles_of(session.db, worker_id)


def check_auth(session: Session, auth: Authorization,
               allowed: tuple[WorkerRole, ...] = tuple(WorkerRole)) -> str:
    """Validate `auth` for an act before anything is written (does not consume it);
    returns the role in which the person acts."""
    return _acting_role(session, auth, allowed)


def _acting_role(session: Session, auth: Authorization, allowed: tuple[WorkerRole, ...]) -> str:
    if auth.used:
        raise PermissionDenied("Diese Bestätigung wurde schon verwendet. Bitte die "
                               "Passphrase für diesen Schritt erneut eingeben.")
    if auth.worker_id != session.actor_id:
        raise PermissionDenied("Die Bestätigung gehört zu einer anderen Person als der, die "
                               "gerade angemeldet ist.")
    held = roles(session, auth.worker_id)
    for role in allowed:
        if role in held:
            return role.value
    raise PermissionDenied(f"Dafür ist die Rolle {', '.join(r.value for r in allowed)} nötig.")


def sign_act(session: Session, auth: Authorization, act: str, entity: str, entity_id: str,
             payload: Mapping[str, Any] | None = None, *,
             allowed: tuple[WorkerRole, ...] = tuple(WorkerRole)) -> None:
    """Sign one reserved act with `auth` (consumes it). With `payload` None the record's own
    row is signed (`storage.signatures.SIGNED_RECORDS`). Call inside the act's transaction."""
    role = _acting_role(session, auth, allowed)
    content = payload if payload is not None else store.record_payload(session.db, entity,
                                                                       entity_id)
    if content is None:
        raise NotFound("Der zu signierende Datensatz")
    from casework.models.persons.signing import content_hash

    digest = content_hash(content)
    signed_at = to_utc_iso(session.clock.now())
    vault_id = session.vault.header.vault_id
    signature = auth.sign(message(vault_id, act, entity, entity_id, digest, auth.worker_id,
                                  role, signed_at))
    seq = store.insert_signature(session.db, vault_id=vault_id, act=act, entity=entity,
                                 entity_id=entity_id, payload=content,
                                 signer_id=auth.worker_id, role=role,
                                 fingerprint=auth.fingerprint, signed_at=signed_at,
                                 signature=signature)
    _share_signature(session, seq, entity, entity_id)


def _share_signature(session: Session, seq: int, entity: str, entity_id: str) -> None:
    """A signature of a record that syncs travels with it (with the signer's public key),
    so `vault check` verifies it on every device that has the record."""
    from casework.models import hub as kinds
    from casework.models.ids import new_id

    kind = kinds.KINDS.get(entity)
    if kind is None or kind.cls == "worker":
        return
    session.writer().log_only(store.SYNCED_SIGNATURE, new_id(), "insert",
                              store.synced_fields(session.db, seq,
                                                  session.vault.header.vault_id),
                              scope_id=store.record_scope(session.db, entity_id))


def require_other_key(session: Session, auth: Authorization, author_id: str) -> None:
    """Four eyes: the approving person and key differ from the author's."""
    if author_id == auth.worker_id:
        raise PermissionDenied("Vier-Augen-Prinzip: Eigene Einträge kann nur eine andere "
                               "Person freigeben.")
    theirs = store.current_key(session.db, author_id)
    if theirs is not None and theirs[0] == auth.fingerprint:
        raise PermissionDenied("Vier-Augen-Prinzip: Freigabe und Eintrag stammen vom selben "
                               "Schlüssel.")


def signatures(session: Session, entity: str, entity_ids: list[str]) -> dict[str, list[Signature]]:
    return store.signatures_for(session.db, session.vault.header.vault_id, entity, entity_ids)


def is_legacy(session: Session, entity: str, entity_id: str) -> bool:
    return store.is_legacy(session.db, entity, entity_id)


# --- the team -----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Member:
    """One person of the vault as `casework team list` and Einstellungen show her."""

    worker: Worker
    roles: tuple[WorkerRole, ...]
    fingerprint: str | None
    has_slot: bool
    owner: bool
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def id(self) -> WorkerId:
        return self.worker.id

    @property
    def name(self) -> str:
        return self.worker.name

    @property
    def roles_label(self) -> str:
        return roles_text(self.roles)


def team(session: Session) -> list[Member]:
    header = session.vault.header
    members = []
    for worker in worker_store.list_workers(session.db):
        key = store.current_key(session.db, worker.id)
        slot = header.slot(worker.id)
        members.append(Member(worker, store.roles_of(session.db, worker.id),
                              key[0] if key is not None and slot is not None else None,
                              slot is not None, worker.id == session.vault.owner_id))
    return members


def find(session: Session, name: str) -> Member:
    wanted = " ".join(name.split()).casefold()
    for member in team(session):
        if " ".join(member.name.split()).casefold() == wanted:
            return member
    raise UserError(f"Keine Person „{name.strip()}“ in dieser Akte.")


def _require_admin(session: Session, auth: Authorization) -> str:
    return _acting_role(session, auth, (WorkerRole.ADMIN,))


def _check_passphrase(passphrase: str) -> None:
    problem = passphrase_problem(passphrase)
    if problem is not None:
        raise ValidationError("Passphrase der neuen Person", problem)


@dataclass
class NewPerson:
    """A person `begin_add_person` has checked but not yet written: her key slot is
    derived from `request` (Argon2id, no database; the app runs it on a worker thread),
    then `finish_add_person` writes her row, roles and slot."""

    worker_id: WorkerId
    draft: WorkerDraft
    roles: tuple[WorkerRole, ...]
    request: vault_slots.SlotRequest = field(repr=False)


def begin_add_person(session: Session, auth: Authorization, name: str,
                     person_roles: Iterable[WorkerRole], passphrase: str, *,
                     team_name: str = "", fte: float = 1.0) -> NewPerson:
    """The checks of `add_person`; nothing is written. The request holds a copy of the
    data key, which `derive_person_slot` wipes (or `NewPerson.request.wipe()`)."""
    _require_admin(session, auth)
    chosen = parse_roles(r.value for r in person_roles)
    if not chosen:
        raise ValidationError("Rolle", "bitte mindestens eine Rolle wählen.")
    draft = WorkerDraft(name, primary_role(chosen), team_name, fte).validated()
    _check_passphrase(passphrase)
    if any(" ".join(m.name.split()).casefold() == " ".join(draft.name.split()).casefold()
           for m in team(session)):
        raise ValidationError("Name", "diese Person gibt es in der Akte schon.")
    vault = session.vault
    worker_id = WorkerId(new_id())
    request = vault_slots.SlotRequest(vault.header, worker_id, draft.name, passphrase,
                                      vault.data_key_copy(), owner=False)
    return NewPerson(worker_id, draft, tuple(chosen), request)


def derive_person_slot(request: vault_slots.SlotRequest) -> vault_header.KeySlot:
    """The slow step of adding a person (one Argon2id run; no database)."""
    return vault_slots.derive_person_slot(request)


def finish_add_person(session: Session, auth: Authorization, person: NewPerson,
                      slot: vault_header.KeySlot) -> tuple[WorkerId, Changes]:
    """Write the person checked by `begin_add_person` with her derived key slot. Signed by
    the Admin; audited as `person.created`."""
    _require_admin(session, auth)
    wid, chosen, vault = person.worker_id, person.roles, session.vault
    with session.db.transaction():
        worker_store.insert_worker(session.writer(), person.draft, wid)
        store.set_roles(session.db, wid, chosen)
    fingerprint = vault_slots.install_person_slot(vault, slot)
    with session.db.transaction():
        sign_act(session, auth, "person.add", "worker", wid,
                 {"worker_id": wid, "name": person.draft.name,
                  "roles": [r.value for r in chosen], "fingerprint": fingerprint},
                 allowed=(WorkerRole.ADMIN,))
        session.audit("person.created", "worker", wid, f"roles={'+'.join(r.value for r in chosen)}")
    vault.anchor_audit()
    return wid, Changes.of("worker", wid)


def add_person(session: Session, auth: Authorization, name: str,
               person_roles: Iterable[WorkerRole], passphrase: str, *, team_name: str = "",
               fte: float = 1.0) -> tuple[WorkerId, Changes]:
    """An Admin adds a person; the new person has typed her own passphrase. Signed by the
    Admin; audited as `person.created`. (The app runs the three steps itself, the key
    derivation on a worker thread.)"""
    person = begin_add_person(session, auth, name, person_roles, passphrase,
                              team_name=team_name, fte=fte)
    return finish_add_person(session, auth, person, derive_person_slot(person.request))


def set_roles(session: Session, auth: Authorization, worker_id: str,
              new_roles: Iterable[WorkerRole]) -> Changes:
    """An Admin changes a person's roles (signed, audited `person.roles_changed`)."""
    _require_admin(session, auth)
    chosen = parse_roles(r.value for r in new_roles)
    if not chosen:
        raise ValidationError("Rolle", "bitte mindestens eine Rolle wählen.")
    worker = worker_store.get_worker(session.db, worker_id)
    if worker is None:
        raise NotFound("Die Person")
    owner = worker_id == session.vault.owner_id
    if owner and WorkerRole.ADMIN not in chosen:
        raise ValidationError("Rolle", "die Inhaberin der Akte bleibt Admin (sonst könnte "
                                       "niemand mehr Personen und Wiederherstellung verwalten).")
    before = store.roles_of(session.db, worker_id)
    with session.db.transaction():
        draft = WorkerDraft(worker.data.name, primary_role(chosen), worker.data.team,
                            worker.data.fte)
        worker_store.update_worker(session.writer(), worker, draft)
        store.set_roles(session.db, worker_id, chosen, owner=owner)
        sign_act(session, auth, "person.roles", "worker", worker_id,
                 {"worker_id": worker_id, "before": [r.value for r in before],
                  "roles": [r.value for r in chosen]}, allowed=(WorkerRole.ADMIN,))
        session.audit("person.roles_changed", "worker", worker_id,
                      f"roles={'+'.join(r.value for r in chosen)}")
    session.vault.anchor_audit()
    session._actor = None
    return Changes.of("worker", worker_id)


def remove_person(session: Session, auth: Authorization, worker_id: str) -> Changes:
    """An Admin removes a person: her key slot is deleted (she can no longer unlock); her
    public key stays so her signatures remain verifiable. Not the owner, not oneself."""
    _require_admin(session, auth)
    if worker_id == session.vault.owner_id:
        raise PermissionDenied("Die Inhaberin der Akte kann nicht entfernt werden.")
    if worker_id == auth.worker_id:
        raise PermissionDenied("Sich selbst kann man nicht entfernen.")
    if worker_store.get_worker(session.db, worker_id) is None:
        raise NotFound("Die Person")
    with session.db.transaction():
        session.writer().tombstone("workers", "worker", worker_id)
        store.mark_removed(session.db, worker_id, to_utc_iso(session.clock.now()))
        sign_act(session, auth, "person.remove", "worker", worker_id,
                 {"worker_id": worker_id, "removed": True}, allowed=(WorkerRole.ADMIN,))
        session.audit("person.removed", "worker", worker_id)
    vault_slots.remove_slot(session.vault, worker_id)
    session.vault.anchor_audit()
    return Changes.of("worker", worker_id)


def set_passphrase(session: Session, worker_id: str, new_passphrase: str, *,
                   current_passphrase: str | None = None,
                   auth: Authorization | None = None) -> str:
    """A person sets a new passphrase (proving her current one), or an Admin (`auth`) gives
    a person without a key slot — or one who forgot hers — a first passphrase that person
    types. Either way the person gets a fresh key pair; returns its fingerprint."""
    problem = passphrase_problem(new_passphrase)
    if problem is not None:
        raise ValidationError("Neue Passphrase", problem)
    if worker_store.get_worker(session.db, worker_id) is None:
        raise NotFound("Die Person")
    if auth is not None:
        _require_admin(session, auth)
        auth.wipe()
    else:
        slot = session.vault.header.slot(worker_id)
        if slot is None or current_passphrase is None:
            raise PermissionDenied("Eine erste Passphrase legt eine Person mit Admin-Rolle fest.")
        crypto.wipe(vault_slots.unwrap_private(session.vault.header, slot, current_passphrase))
    fingerprint = vault_slots.set_person_key(session.vault, worker_id, new_passphrase)
    session.audit("person.passphrase_set", "worker", worker_id,
                  "admin" if auth is not None else "self")
    session.vault.anchor_audit()
    return fingerprint


def switch_person(session: Session, person: str, passphrase: str) -> None:
    """Switch who is acting: only with that person's own passphrase (one Argon2id run).
    The app runs the same three steps with `prove_passphrase` on a worker thread."""
    worker_id = person_with_key(session, person)
    try:
        prove_passphrase(session.vault.header, worker_id, passphrase)
    except WrongPassphrase:
        record_failed_switch(session, worker_id)
        raise
    session.act_as(WorkerId(worker_id))


def person_with_key(session: Session, person: str) -> str:
    """The id of the person named `person` (name or id) who has a key slot; raises a
    `VaultError` naming what is missing."""
    return vault_slots.find_slot(session.vault.header, person).worker_id


def record_failed_switch(session: Session, worker_id: str) -> None:
    session.vault.audit("vault.unlock_failed", "worker", worker_id, "switch",
                        actor_id=session.actor_id)


def rekey(session: Session, auth: Authorization) -> int:
    """Re-encrypt the vault under a new data key (owner/Admin, re-authenticated, signed);
    returns the number of re-encrypted attachments."""
    check_auth(session, auth, (WorkerRole.ADMIN,))
    from casework.storage import rekey as rekey_store

    count = rekey_store.rekey(session.vault)
    vault_id = session.vault.header.vault_id
    with session.db.transaction():
        sign_act(session, auth, "vault.rekey", "vault", vault_id,
                 {"vault_id": vault_id, "attachments": count}, allowed=(WorkerRole.ADMIN,))
    session.vault.anchor_audit()
    return count


def rekey_locked(key: UnwrappedKey, clock: Clock, worker_id: WorkerId,
                 passphrase: str) -> int:
    """`rekey` as the app runs it: on the worker thread, after the app has locked the
    vault, because no other connection may be open while the database file is replaced.
    Opens its own connection with `key` (a copy taken before the lock), re-authenticates
    the person (her passphrase was proven before the lock: `prove_passphrase`),
    re-encrypts, closes; the key copy is wiped on close."""
    session = open_background(key, clock, worker_id, "")
    try:
        return rekey(session, authorize(session, passphrase))
    finally:
        session.close()


def prove_passphrase(header: vault_header.VaultHeader, worker_id: str, passphrase: str) -> None:
    """Check a person's passphrase against her key slot (slow; touches no database, so it
    may run on a worker thread). Raises `WrongPassphrase`, or `PermissionDenied` when she
    has no key slot yet."""
    slot = header.slot(worker_id)
    if slot is None:
        raise PermissionDenied("Für Sie gibt es noch keinen Schlüssel: eine Person mit "
                               "Admin-Rolle legt Ihre erste Passphrase fest.")
    crypto.wipe(vault_slots.unwrap_private(header, slot, passphrase))


def recovery_sheet_missing(session: Session) -> bool:
    """Whether Heute reminds the acting person: she is the owner and the vault has no
    recovery key yet (without it a forgotten passphrase loses everything)."""
    return (session.actor_id == session.vault.owner_id
            and session.vault.header.key("recovery") is None)


def has_key_slot(folder: Path, person: str) -> bool:
    """Whether `person` (name or id) has a key slot in the vault at `folder` (reads only
    the header: before anything is unlocked)."""
    header = vault_header.read_header(Path(folder))
    if header.format_version < 2:
        return False
    try:
        vault_slots.find_slot(header, person)
    except VaultError:
        return False
    return True
