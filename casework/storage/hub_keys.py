"""Household and team keys (issue 17; the scheme is described in `hub_crypto`): the key
ring each writing device makes its own keys in, retiring and forgetting keys, and wraps:
keys sealed to the X25519 key of another entitled device and signed by this one."""

from __future__ import annotations

import hashlib
import os
from collections.abc import Iterable, Sequence
from typing import Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from casework.models.ids import new_id
from casework.storage import crypto
from casework.storage.db import Database
from casework.storage.hub_device_keys import device_private, device_verifiers, trusted_only
from casework.storage.hub_signing import BatchVerifier, b64, batch_signatures, canonical

WRAP_FORMAT = "casework-wrap-v1"
NONCE = 12


# --- household and team keys ----------------------------------------------------------------

class KeyRing:
    """The household/team keys of this vault, loaded once per sync step."""

    def __init__(self, db: Database, device: str) -> None:
        self.db = db
        self.device = device
        self.keys: dict[str, tuple[str, bytes]] = {}  # key_id → (scope, key)
        self.own: dict[str, str] = {}  # scope → newest key id this device made
        for r in db.query("SELECT key_id, scope_id, key, created_device, retired "
                          "FROM hub_keys ORDER BY created_at, rowid"):
            self.keys[str(r[0])] = (str(r[1]), bytes(r[2]))
            if r[3] == device and not r[4]:
                self.own[str(r[1])] = str(r[0])
        self._aead: dict[str, AESGCM] = {}

    def aead(self, key_id: str) -> AESGCM:
        found = self._aead.get(key_id)
        if found is None:
            found = self._aead[key_id] = AESGCM(self.keys[key_id][1])
        return found

    def writing_key(self, scope: str, now: str) -> str:
        """The key this device writes `scope` under: its own, made on first use."""
        key_id = self.own.get(scope)
        if key_id is None:
            key_id = new_id()
            key = os.urandom(crypto.KEY_BYTES)
            self.db.execute("INSERT INTO hub_keys (key_id, scope_id, key, created_device, "
                            "created_at) VALUES (?,?,?,?,?)",
                            (key_id, scope, key, self.device, now))
            self.keys[key_id] = (scope, key)
            self.own[scope] = key_id
        return key_id


def retire_keys(db: Database, device: str, key_ids: Iterable[str]) -> int:
    """Own keys that reached a device no longer entitled: never written under again."""
    return sum(db.execute("UPDATE hub_keys SET retired = 1 WHERE key_id = ? "
                          "AND created_device = ? AND retired = 0", (k, device))
               for k in key_ids)


def forget_scope(db: Database, scope_id: str) -> None:
    """A household deleted for real: its keys go too (crypto-shredding on the device)."""
    db.execute("DELETE FROM hub_keys WHERE scope_id = ?", (scope_id,))
    db.execute("DELETE FROM sync_locked WHERE key_id NOT IN (SELECT key_id FROM hub_keys) "
               "AND sealed LIKE ?", (f'%"scope_id": "{scope_id}"%',))


# --- wraps: keys sealed to other devices -----------------------------------------------------

def _wrap_aad(key_id: str, scope_id: str, key_device: str, recipient: str) -> bytes:
    return canonical([WRAP_FORMAT, key_id, scope_id, key_device, recipient])


def make_wraps(db: Database, device: str,
               needs: Sequence[tuple[str, str, str, str]]) -> list[dict[str, Any]]:
    """Seal keys this device holds to devices the hub says are entitled and lack them
    (key_id, scope, device that made the key, recipient). Only to pinned keys whose
    person is the one the hub names for that device."""
    private = device_private(db)
    if private is None or not needs:
        return []
    try:
        signer = Ed25519PrivateKey.from_private_bytes(bytes(private[crypto.PRIVATE_BYTES:]))
    finally:
        crypto.wipe(private)
    ring = KeyRing(db, device)
    targets = {str(r[0]): bytes(r[1]) for r in db.query(
        "SELECT device_id, enc_public FROM hub_device_keys" + trusted_only(db))}
    out = []
    signed: list[bytes] = []
    sessions: dict[str, tuple[bytes, AESGCM]] = {}  # one key agreement per recipient
    for key_id, scope, key_device, recipient in needs:
        key = ring.keys.get(key_id)
        public = targets.get(recipient)
        if key is None or key[0] != scope or public is None:
            continue
        if recipient not in sessions:
            ephemeral, session_key = crypto.seal_session(public)
            sessions[recipient] = (ephemeral, AESGCM(session_key))
        ephemeral, aead = sessions[recipient]
        aad = _wrap_aad(key_id, scope, key_device, recipient)
        nonce = os.urandom(NONCE)
        sealed = ephemeral + nonce + aead.encrypt(nonce, key[1], aad)
        out.append({"key_id": key_id, "device": recipient, "sealed": b64(sealed)})
        signed.append(aad + hashlib.sha256(sealed).digest())
    for item, sig in zip(out, batch_signatures(signer, signed), strict=True):
        item["sig"] = b64(sig)
    return out


def store_wraps(db: Database, device: str, rows: Iterable[tuple[Any, ...]],
                now: str) -> int:
    """Open wraps addressed to this device (key_id, scope, key device, wrapped by,
    sealed, sig) and keep the keys; a wrap that does not verify or open is ignored."""
    private = device_private(db)
    if private is None:
        return 0
    # A sealed key only opens changes whose signer is trusted; a wrap from a device not
    # (yet) bound is kept, or the key would never come again.
    verifiers = device_verifiers(db, all_pinned=True)
    batches = BatchVerifier()
    sessions: dict[bytes, AESGCM | None] = {}
    known = {str(r[0]) for r in db.query("SELECT key_id FROM hub_keys")}
    added = 0
    try:
        for key_id, scope, key_device, wrapped_by, sealed, sig in rows:
            key_id, scope, sealed = str(key_id), str(scope), bytes(sealed)
            if key_id in known or len(sealed) < 32 + NONCE + 16:
                continue
            aad = _wrap_aad(key_id, scope, str(key_device), device)
            signer = verifiers.get(str(wrapped_by))
            if signer is None:
                continue
            if not batches.ok(signer[1], aad + hashlib.sha256(sealed).digest(), bytes(sig)):
                continue
            ephemeral = sealed[:32]
            if ephemeral not in sessions:
                session_key = crypto.unseal_session(private, ephemeral)
                sessions[ephemeral] = None if session_key is None else AESGCM(session_key)
            aead = sessions[ephemeral]
            if aead is None:
                continue
            try:
                key = aead.decrypt(sealed[32:32 + NONCE], sealed[32 + NONCE:], aad)
            except InvalidTag:
                continue
            if len(key) != crypto.KEY_BYTES:
                continue
            db.execute("INSERT OR IGNORE INTO hub_keys (key_id, scope_id, key, created_device, "
                       "created_at) VALUES (?,?,?,?,?)",
                       (key_id, scope, key, str(key_device), now))
            known.add(key_id)
            added += 1
    finally:
        crypto.wipe(private)
    return added
