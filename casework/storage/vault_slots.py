"""Key slots: one per person in `vault.json`. Unlocking the data key with a person's
passphrase, and giving a person a new slot (first passphrase, change, reset)."""

from __future__ import annotations

from dataclasses import dataclass, field

from casework.clock import to_utc_iso
from casework.errors import VaultError, WrongPassphrase
from casework.storage import crypto
from casework.storage.vault import Vault, person_name
from casework.storage.vault_header import (
    FORMAT_VERSION,
    HEADER_FILE,
    KeySlot,
    VaultHeader,
    name_tag,
)


def make_slot(header: VaultHeader, worker_id: str, name: str, kek: bytes | bytearray,
              kdf: crypto.KdfParams, private: bytes | bytearray, data_key: bytes | bytearray,
              *, owner: bool = False) -> KeySlot:
    x_public, sign_public = crypto.public_keys(private)
    nonce, ciphertext = crypto.wrap(kek, private,
                                    header.slot_aad(worker_id, kdf, x_public, sign_public))
    ephemeral, seal_nonce, sealed = crypto.seal(x_public, data_key, header.seal_aad(worker_id))
    return KeySlot(worker_id, kdf, nonce, ciphertext, x_public, sign_public, ephemeral,
                   seal_nonce, sealed, owner, name_tag(header.vault_id, name))


def new_slot(header: VaultHeader, worker_id: str, name: str, passphrase: str,
             data_key: bytes | bytearray, *, owner: bool = False,
             kdf: crypto.KdfParams | None = None) -> KeySlot:
    """A fresh key pair for the person, wrapped under her passphrase (one Argon2id run)."""
    params = kdf or crypto.KdfParams.fresh(max(header.kdf.memory_kib, crypto.MIN_MEMORY_KIB),
                                           max(header.kdf.iterations, crypto.MIN_ITERATIONS))
    private = crypto.new_private_keys()
    kek = crypto.derive_kek(passphrase, params)
    try:
        return make_slot(header, worker_id, name, kek, params, private, data_key, owner=owner)
    finally:
        crypto.wipe(kek)
        crypto.wipe(private)


def unwrap_private(header: VaultHeader, slot: KeySlot, passphrase: str) -> bytearray:
    """The person's private keys (64 bytes; caller wipes). Raises `WrongPassphrase`."""
    kek = crypto.derive_kek(passphrase, slot.kdf)
    try:
        private = crypto.unwrap(kek, slot.nonce, slot.ciphertext,
                                header.slot_aad(slot.worker_id, slot.kdf, slot.x_public,
                                                slot.sign_public))
    finally:
        crypto.wipe(kek)
    if private is None:
        raise WrongPassphrase()
    return private


def unseal_data_key(header: VaultHeader, slot: KeySlot, private: bytes | bytearray) -> bytearray:
    data_key = crypto.unseal(private, slot.seal_ephemeral, slot.seal_nonce,
                             slot.seal_ciphertext, header.seal_aad(slot.worker_id))
    if data_key is None:
        raise VaultError(f"„{HEADER_FILE}“ ist beschädigt (Schlüssel dieser Person passt nicht).")
    return data_key


def find_slot(header: VaultHeader, person: str | None) -> KeySlot:
    """The slot of a person given by id or name (None: the owner)."""
    if person is None:
        slot = header.owner_slot
    else:
        wanted = name_tag(header.vault_id, person)
        slot = header.slot(person) or next((s for s in header.slots if s.tag == wanted), None)
    if slot is None:
        raise VaultError(
            "Für diese Person gibt es in dieser Akte noch keinen Schlüssel. Eine Person mit "
            "Admin-Rolle legt ihn an („Person hinzufügen“ bzw. casework team passwd).")
    return slot


@dataclass
class UnlockedKey:
    """A data key unwrapped by one person's passphrase (`person_id`; None for a format-1
    vault, whose single key belongs to the owner). `legacy_kek` (format 1 only) wraps the
    owner's new key slot during the upgrade and is wiped right after."""

    data_key: bytearray = field(repr=False)
    person_id: str | None
    legacy_kek: bytearray | None = field(default=None, repr=False)
    legacy_person: str | None = None  # the person named at unlock of a format-1 vault

    def wipe(self) -> None:
        crypto.wipe(self.data_key)
        if self.legacy_kek is not None:
            crypto.wipe(self.legacy_kek)


def unlock_person(header: VaultHeader, passphrase: str, person: str | None = None) -> UnlockedKey:
    """Unwrap the data key with one person's passphrase (slow: one Argon2id run)."""
    if header.format_version < 2:
        wrapped = header.key("passphrase")
        if wrapped is None:
            raise VaultError("Die Akte enthält keinen Passphrasen-Schlüssel.")
        kek = crypto.derive_kek(passphrase, header.kdf)
        data_key = crypto.unwrap(kek, wrapped.nonce, wrapped.ciphertext,
                                 header.aad("passphrase"))
        if data_key is None:
            crypto.wipe(kek)
            raise WrongPassphrase()
        return UnlockedKey(data_key, None, kek, person)
    slot = find_slot(header, person)
    private = unwrap_private(header, slot, passphrase)
    try:
        return UnlockedKey(unseal_data_key(header, slot, private), slot.worker_id)
    finally:
        crypto.wipe(private)


def unlock_data_key(header: VaultHeader, passphrase: str, person: str | None = None) -> bytearray:
    key = unlock_person(header, passphrase, person)
    if key.legacy_kek is not None:
        crypto.wipe(key.legacy_kek)
    return key.data_key


def set_person_key(vault: Vault, worker_id: str, passphrase: str, *,
                   kdf: crypto.KdfParams | None = None) -> str:
    """Give a person a fresh key pair and key slot under `passphrase` (first passphrase,
    change or reset); returns the new signing key's fingerprint. Old public keys stay in the
    database, so earlier signatures remain verifiable."""
    return install_person_slot(vault, derive_person_slot(
        prepare_person_slot(vault, worker_id, passphrase, kdf=kdf)))


@dataclass
class SlotRequest:
    """What `derive_person_slot` needs (no database): the app derives the slot on its
    worker thread and installs it on the connection's thread."""

    header: VaultHeader
    worker_id: str
    name: str
    passphrase: str = field(repr=False)
    data_key: bytearray = field(repr=False)
    owner: bool
    kdf: crypto.KdfParams | None = None

    def wipe(self) -> None:
        crypto.wipe(self.data_key)


def prepare_person_slot(vault: Vault, worker_id: str, passphrase: str, *,
                        kdf: crypto.KdfParams | None = None) -> SlotRequest:
    return SlotRequest(vault.header, worker_id, person_name(vault.db, worker_id), passphrase,
                       vault.data_key_copy(), worker_id == vault.owner_id, kdf)


def derive_person_slot(request: SlotRequest) -> KeySlot:
    """The slow part (one Argon2id run); wipes the request's copy of the data key."""
    try:
        return new_slot(request.header, request.worker_id, request.name, request.passphrase,
                        request.data_key, owner=request.owner, kdf=request.kdf)
    finally:
        request.wipe()


def install_person_slot(vault: Vault, slot: KeySlot) -> str:
    from casework.storage import signatures as person_store

    with vault.db.transaction():
        fp = person_store.add_signing_key(vault.db, slot.worker_id, slot.sign_public,
                                          to_utc_iso(vault.clock.now()))
    header = vault.header
    if header.format_version < 2:
        header = header.replace(format_version=FORMAT_VERSION).without_key("passphrase")
    vault.save_header(header.with_slot(slot))
    return fp


def remove_slot(vault: Vault, worker_id: str) -> None:
    if worker_id == vault.owner_id:
        raise VaultError("Die Inhaberin der Akte kann nicht entfernt werden.")
    vault.save_header(vault.header.without_slot(worker_id))


def change_passphrase(vault: Vault, new_passphrase: str,
                      kdf: crypto.KdfParams | None = None, worker_id: str | None = None) -> None:
    """New key pair and key slot for one person (default: the person who unlocked) under a
    new passphrase (fresh salt); the database is not re-encrypted (see `rekey`)."""
    who = worker_id or vault.person_id
    finish_passphrase_change(vault, derive_person_slot(
        prepare_person_slot(vault, who, new_passphrase, kdf=kdf)))


def finish_passphrase_change(vault: Vault, slot: KeySlot) -> None:
    """Install a slot derived by `derive_person_slot` as the person's new passphrase."""
    install_person_slot(vault, slot)
    vault.audit("vault.passphrase_changed", "worker", slot.worker_id, actor_id=vault.person_id)
    vault.anchor_audit()
