"""End-to-end encryption and signatures of hub changes (issue 17).

What leaves the device for the hub, per change:
- metadata in clear, because the hub needs it for delivery and entitlement: change id,
  kind (`entity`), record id, household (`scope_id`), operation, HLC version, time, the
  author (set again by the hub from the login), the key id, and `meta` — the few ids the
  hub's entitlement rules read (a household's assigned worker; a deletion's request,
  target and decision). No names, no notes, no addresses.
- `payload`: the change's fields and bases, AES-256-GCM encrypted under the household key
  (team key for changes without a household), associated data = the metadata above;
- `sig`: Ed25519 signature of the writing device over metadata and ciphertext (one
  signature per pushed batch over a Merkle tree of its changes; each change carries its
  path, so it verifies on its own).

Keys. Every writing device makes its own random key per household (and one team key) and
uses only keys it made itself: after a reassignment the new worker's device writes under
a key the previous worker never receives. A key reaches other devices only sealed to their
X25519 public key (ephemeral X25519 + HKDF-SHA256 + AES-256-GCM, `crypto.seal`), signed by
the sealing device; the hub lists which entitled devices still lack a key
(`casework_wrap_needs`) and stores the sealed copies ("wraps").

Device keys. Each enrolled device has its own X25519 + Ed25519 key pair (the private half
only in this encrypted vault: sync runs in the background without the person's passphrase,
so the person's own key slot keys stay reserved for re-authenticated acts). Public keys are
published to the hub and pinned here the first time they are seen; the hub cannot swap
them later (`hub_device_keys.offered_*`). Once the team signs its roster, a pinned key is
used (to verify changes, to seal keys to) only if its person's binding verifies with the
signed roster, or a Leitung/Admin confirmed its fingerprint.

The change format, sealing and opening changes, and changes waiting for their key are here;
device keys in `hub_device_keys`, household/team keys and wraps in `hub_keys`, the batch
signatures in `hub_signing`.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from casework.storage import crypto
from casework.storage.db import Database
from casework.storage.hub import RemoteChange
from casework.storage.hub_device_keys import device_private, device_verifiers
from casework.storage.hub_keys import NONCE, KeyRing
from casework.storage.hub_signing import BatchVerifier, b64, batch_signatures, canonical

CHANGE_FORMAT = "casework-change-v1"
TEAM_SCOPE = "*"
PLAIN = "plain_"  # bench only: see seal_changes

# The payload ids the hub's entitlement rules need, per kind (sent in clear as `meta`).
META_FIELDS: dict[str, tuple[str, ...]] = {
    "household": ("assigned_worker_id",),
    "deletion_request": ("target_id",),
    "deletion_approval": ("request_id", "decision"),
    "deletion_execution": ("request_id", "target_id"),
}

# Quarantine reasons of this layer (texts in casework.models.hub.REASONS).
BAD_SIGNATURE = "CW030"
BAD_CIPHERTEXT = "CW031"


@dataclass(frozen=True, slots=True)
class SealedChange:
    """A change as the hub stores and returns it (nothing in it is trusted)."""

    change_id: str
    entity: str
    entity_id: str
    scope_id: str | None
    op: str
    hlc: str
    actor: str
    device: str
    at: str
    key_id: str
    meta: dict[str, Any]
    payload: bytes
    sig: bytes

    def to_json(self) -> dict[str, Any]:
        return {"change_id": self.change_id, "entity": self.entity,
                "entity_id": self.entity_id, "scope_id": self.scope_id, "op": self.op,
                "hlc": self.hlc, "actor": self.actor, "device": self.device, "at": self.at,
                "key_id": self.key_id, "meta": self.meta, "payload": b64(self.payload),
                "sig": b64(self.sig)}

    @classmethod
    def from_json(cls, raw: Mapping[str, Any]) -> SealedChange:
        return cls(raw["change_id"], raw["entity"], raw["entity_id"], raw["scope_id"],
                   raw["op"], raw["hlc"], raw["actor"], raw["device"], raw["at"],
                   raw["key_id"], dict(raw["meta"]), base64.b64decode(raw["payload"]),
                   base64.b64decode(raw["sig"]))


def associated_data(change_id: str, entity: str, entity_id: str, scope_id: str | None,
                    op: str, hlc: str, actor: str, at: str, key_id: str,
                    meta: Mapping[str, Any]) -> bytes:
    """The metadata every ciphertext and signature is bound to."""
    return canonical([CHANGE_FORMAT, change_id, entity, entity_id, scope_id, op, hlc, actor,
                      at, key_id, dict(meta)])


def _signed(aad: bytes, payload: bytes) -> bytes:
    return aad + b"\n" + hashlib.sha256(payload).digest()


def meta_of(entity: str, fields: Mapping[str, Any]) -> dict[str, Any]:
    return {k: fields[k] for k in META_FIELDS.get(entity, ()) if k in fields}


def seal_changes(db: Database, device: str, items: Sequence[dict[str, Any]], now: str,
                 *, encrypt: bool = True) -> list[dict[str, Any]]:
    """Encrypt and sign push items ({change_id, entity, …, fields, bases, actor}) in the
    caller's transaction (new keys are stored before anything leaves the device).
    `encrypt=False` only measures the cost of the cryptography (bench step 8): plaintext
    under the key id `plain`, no signature, which receivers refuse unless told so."""
    if not encrypt:
        return [{"change_id": i["change_id"], "entity": i["entity"],
                 "entity_id": i["entity_id"], "scope_id": i["scope_id"], "op": i["op"],
                 "hlc": i["hlc"], "actor": i["actor"], "at": i["at"],
                 "key_id": PLAIN + hashlib.sha256(str(i["scope_id"]).encode()).hexdigest()[:24],
                 "meta": meta_of(i["entity"], i["fields"]),
                 "payload": b64(canonical({"fields": i["fields"], "bases": i["bases"]})),
                 "sig": b64(bytes(72))} for i in items]
    private = device_private(db)
    if private is None:
        raise RuntimeError("no device key")
    try:
        signer = Ed25519PrivateKey.from_private_bytes(bytes(private[crypto.PRIVATE_BYTES:]))
    finally:
        crypto.wipe(private)
    ring = KeyRing(db, device)
    out = []
    signed: list[bytes] = []
    for item in items:
        scope = item["scope_id"] or TEAM_SCOPE
        key_id = ring.writing_key(scope, now)
        meta = meta_of(item["entity"], item["fields"])
        aad = associated_data(item["change_id"], item["entity"], item["entity_id"],
                              item["scope_id"], item["op"], item["hlc"], item["actor"],
                              item["at"], key_id, meta)
        nonce = os.urandom(NONCE)
        plain = canonical({"fields": item["fields"], "bases": item["bases"]})
        payload = nonce + ring.aead(key_id).encrypt(nonce, plain, aad)
        out.append({"change_id": item["change_id"], "entity": item["entity"],
                    "entity_id": item["entity_id"], "scope_id": item["scope_id"],
                    "op": item["op"], "hlc": item["hlc"], "actor": item["actor"],
                    "at": item["at"], "key_id": key_id, "meta": meta,
                    "payload": b64(payload)})
        signed.append(_signed(aad, payload))
    for item, sig in zip(out, batch_signatures(signer, signed), strict=True):
        item["sig"] = b64(sig)
    return out


@dataclass
class Opened:
    changes: list[RemoteChange]
    refused: list[tuple[SealedChange, str]]
    locked: list[SealedChange]


def open_changes(db: Database, device: str, sealed: Sequence[SealedChange], *,
                 accept_plaintext: bool = False) -> Opened:
    """Verify (signature of the pinned key of the sending device, whose person must be the
    hub-recorded author) and decrypt received changes. Unverifiable ones are refused with a
    reason; ones whose key has not arrived yet are returned as locked."""
    ring = KeyRing(db, device)
    verifiers = device_verifiers(db)
    batches = BatchVerifier()
    result = Opened([], [], [])
    for c in sealed:
        if accept_plaintext and c.key_id.startswith(PLAIN):
            plain = json.loads(c.payload)
            result.changes.append(RemoteChange(
                c.change_id, c.entity, c.entity_id, c.scope_id, c.op, plain["fields"],
                plain["bases"], c.hlc, c.actor, c.device, c.at))
            continue
        try:
            aad = associated_data(c.change_id, c.entity, c.entity_id, c.scope_id, c.op, c.hlc,
                                  c.actor, c.at, c.key_id, c.meta)
        except (TypeError, ValueError):
            result.refused.append((c, BAD_SIGNATURE))
            continue
        signer = verifiers.get(c.device)
        if signer is None:
            # A device this one has not pinned yet (it enrolled during this sync): the
            # change waits and is checked once its key is known.
            result.locked.append(c)
            continue
        if signer[0] != c.actor:
            result.refused.append((c, BAD_SIGNATURE))
            continue
        if not batches.ok(signer[1], _signed(aad, c.payload), c.sig):
            result.refused.append((c, BAD_SIGNATURE))
            continue
        key = ring.keys.get(c.key_id)
        if key is None:
            result.locked.append(c)
            continue
        if key[0] != (c.scope_id or TEAM_SCOPE) or len(c.payload) < NONCE + 16:
            result.refused.append((c, BAD_CIPHERTEXT))
            continue
        try:
            plain = json.loads(ring.aead(c.key_id).decrypt(c.payload[:NONCE],
                                                           c.payload[NONCE:], aad))
            fields, bases = plain["fields"], plain["bases"]
        except (InvalidTag, ValueError, TypeError, KeyError):
            result.refused.append((c, BAD_CIPHERTEXT))
            continue
        if not isinstance(fields, dict) or meta_of(c.entity, fields) != c.meta:
            result.refused.append((c, "CW020"))
            continue
        result.changes.append(RemoteChange(c.change_id, c.entity, c.entity_id, c.scope_id,
                                           c.op, fields, bases, c.hlc, c.actor, c.device,
                                           c.at))
    return result


def lock(db: Database, changes: Sequence[SealedChange]) -> None:
    db.executemany("INSERT OR IGNORE INTO sync_locked (change_id, key_id, sealed) "
                   "VALUES (?, ?, ?)",
                   [(c.change_id, c.key_id, json.dumps(c.to_json(), ensure_ascii=False))
                    for c in changes])


def unlockable(db: Database) -> list[SealedChange]:
    """Locked changes whose key has arrived (removed from the lock table; whatever still
    cannot be checked is locked again)."""
    rows = db.query("SELECT l.change_id, l.sealed FROM sync_locked l "
                    "JOIN hub_keys k ON k.key_id = l.key_id")
    if not rows:
        return []
    db.executemany("DELETE FROM sync_locked WHERE change_id = ?",
                   [(r[0],) for r in rows])
    return [SealedChange.from_json(json.loads(r[1])) for r in rows]


def locked_count(db: Database) -> int:
    return int(db.scalar("SELECT count(*) FROM sync_locked"))
