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
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from cryptography.exceptions import InvalidSignature, InvalidTag
from cryptography.hazmat.primitives.asymmetric.ed25519 import (
    Ed25519PrivateKey,
    Ed25519PublicKey,
)
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from casework.models.ids import new_id
from casework.storage import crypto
from casework.storage.db import Database
from casework.storage.hub import RemoteChange, get_state, set_state

CHANGE_FORMAT = "casework-change-v1"
WRAP_FORMAT = "casework-wrap-v1"
TEAM_SCOPE = "*"
PLAIN = "plain_"  # bench only: see seal_changes
_STATE_KEY = "hub_device_key"
NONCE = 12

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


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


_CANONICAL = json.JSONEncoder(sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode


def _canonical(value: Any) -> bytes:
    """As json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False),
    the same bytes, without building an encoder per call."""
    return _CANONICAL(value).encode("utf-8")


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
                "key_id": self.key_id, "meta": self.meta, "payload": _b64(self.payload),
                "sig": _b64(self.sig)}

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
    return _canonical([CHANGE_FORMAT, change_id, entity, entity_id, scope_id, op, hlc, actor,
                       at, key_id, dict(meta)])


def _signed(aad: bytes, payload: bytes) -> bytes:
    return aad + b"\n" + hashlib.sha256(payload).digest()


# --- one signature per batch: a Merkle tree over the batch, each item with its path ----------
# An item's `sig` is: Ed25519 signature of the root (64) || leaf count (4) || index (4) ||
# the sibling hashes from leaf to root (32 each). A receiver recomputes the root from the
# item and its path and checks the signature (once per batch and signer).

_BATCH = b"casework-batch-v1\n"
MAX_SIG_BYTES = 72 + 32 * 16


def _leaf(data: bytes) -> bytes:
    return hashlib.sha256(b"\x00" + data).digest()


def _node(left: bytes, right: bytes) -> bytes:
    return hashlib.sha256(b"\x01" + left + right).digest()


def _batch_signatures(signer: Ed25519PrivateKey, items: Sequence[bytes]) -> list[bytes]:
    """The `sig` of each item (the data each leaf covers) of one batch."""
    n = len(items)
    if n == 0:
        return []
    levels = [[_leaf(d) for d in items]]
    while len(levels[-1]) > 1:
        below = levels[-1]
        levels.append([_node(below[i], below[i + 1]) if i + 1 < len(below) else below[i]
                       for i in range(0, len(below), 2)])
    root = levels[-1][0]
    head = signer.sign(_BATCH + n.to_bytes(4, "big") + root) + n.to_bytes(4, "big")
    out = []
    for index in range(n):
        path = []
        i = index
        for level in levels[:-1]:
            sibling = i - 1 if i % 2 else i + 1
            if sibling < len(level):
                path.append(level[sibling])
            i //= 2
        out.append(head + index.to_bytes(4, "big") + b"".join(path))
    return out


class _BatchVerifier:
    """Checks batch signatures: each distinct (signer, root) once, and every tree node
    on a verified path is remembered, so the next item of the same batch stops where its
    path meets a known node (usually after one or two hashes)."""

    def __init__(self) -> None:
        self.seen: dict[tuple[int, bytes, bytes], bool] = {}
        self.nodes: dict[tuple[int, bytes, int, int], bytes] = {}

    def ok(self, public: Ed25519PublicKey, data: bytes, sig: bytes) -> bool:
        if len(sig) < 72 or len(sig) > MAX_SIG_BYTES or (len(sig) - 72) % 32:
            return False
        head, signer = sig[:68], id(public)
        n = int.from_bytes(sig[64:68], "big")
        index = int.from_bytes(sig[68:72], "big")
        if not 0 <= index < n:
            return False
        node = _leaf(data)
        trail = [(0, index, node)]
        width, i, level, k = n, index, 0, 72
        while width > 1:
            known = self.nodes.get((signer, head, level, i))
            if known is not None:
                if known != node:
                    return False
                self._remember(signer, head, trail)
                return True
            sibling = i - 1 if i % 2 else i + 1
            if sibling < width:
                if k + 32 > len(sig):
                    return False
                other = sig[k:k + 32]
                k += 32
                node = _node(other, node) if i % 2 else _node(node, other)
            i //= 2
            width = (width + 1) // 2
            level += 1
            trail.append((level, i, node))
        if k != len(sig):
            return False
        message = _BATCH + n.to_bytes(4, "big") + node
        key = (signer, message, sig[:64])
        found = self.seen.get(key)
        if found is None:
            try:
                public.verify(sig[:64], message)
                found = True
            except (InvalidSignature, ValueError):
                found = False
            self.seen[key] = found
        if found:
            self._remember(signer, head, trail)
        return found

    def _remember(self, signer: int, head: bytes, trail: list[tuple[int, int, bytes]]) -> None:
        for level, i, node in trail:
            self.nodes[(signer, head, level, i)] = node


def meta_of(entity: str, fields: Mapping[str, Any]) -> dict[str, Any]:
    return {k: fields[k] for k in META_FIELDS.get(entity, ()) if k in fields}


# --- this device's key pair -----------------------------------------------------------------

def device_private(db: Database) -> bytearray | None:
    raw = get_state(db, _STATE_KEY)
    return None if raw is None else bytearray(base64.b64decode(raw))


def ensure_device_key(db: Database, device_id: str, worker_id: str,
                      now: str) -> tuple[bytes, bytes]:
    """This device's (X25519, Ed25519) public keys; made on first use (caller's
    transaction). Its own public keys are pinned like every other device's."""
    private = device_private(db)
    if private is None:
        private = crypto.new_private_keys()
        set_state(db, _STATE_KEY, _b64(bytes(private)))
    try:
        enc, sign = crypto.public_keys(private)
    finally:
        crypto.wipe(private)
    db.execute(
        "INSERT INTO hub_device_keys (device_id, worker_id, enc_public, sign_public, "
        "fingerprint, first_seen, confirmed_by, confirmed_at) VALUES (?,?,?,?,?,?,?,?) "
        "ON CONFLICT(device_id) DO UPDATE SET worker_id = excluded.worker_id",
        (device_id, worker_id, enc, sign, key_fingerprint(enc, sign), now, worker_id, now))
    return enc, sign


def key_fingerprint(enc_public: bytes, sign_public: bytes) -> str:
    """What two people compare (as messengers compare safety numbers): 8 groups of 4."""
    digest = hashlib.sha256(b"casework-device-key:" + enc_public + sign_public).hexdigest()
    text = digest[:32].upper()
    return " ".join(text[i:i + 4] for i in range(0, 32, 4))


@dataclass(frozen=True, slots=True)
class DeviceKey:
    device_id: str
    worker_id: str
    fingerprint: str
    first_seen: str
    confirmed_by: str | None
    confirmed_at: str | None
    offered_fingerprint: str | None  # a different key the hub offers now (not used)
    bound: bool = False  # its person's signature verifies with the signed roster


def device_keys(db: Database) -> list[DeviceKey]:
    return [DeviceKey(str(r[0]), str(r[1]), str(r[2]), str(r[3]), r[4], r[5], r[6],
                      bool(r[7])) for r in db.query(
        "SELECT device_id, worker_id, fingerprint, first_seen, confirmed_by, confirmed_at, "
        "offered_fingerprint, bound FROM hub_device_keys ORDER BY worker_id, first_seen")]


def pin_device_keys(db: Database, rows: Iterable[tuple[Any, ...]], now: str) -> list[str]:
    """Pin the hub's device keys (device, worker, X25519, Ed25519) seen for the first time;
    a different key for a pinned device is only remembered as offered. Returns the
    devices whose key the hub changed."""
    pinned = {str(r[0]): (str(r[1]), bytes(r[2]), bytes(r[3])) for r in db.query(
        "SELECT device_id, worker_id, enc_public, sign_public FROM hub_device_keys")}
    changed = []
    for device, worker, enc, sign, *bound in rows:
        if enc is None or sign is None:
            continue
        enc, sign = bytes(enc), bytes(sign)
        if len(enc) != 32 or len(sign) != 32:
            continue
        # The person's signature over these keys (issue 16): checked against the signed
        # roster (storage.hub_roster.refresh_bindings), never believed as it comes.
        person, binding = (bytes(b) if b is not None else None for b in (bound or [None, None]))
        known = pinned.get(str(device))
        if known is None:
            db.execute("INSERT INTO hub_device_keys (device_id, worker_id, enc_public, "
                       "sign_public, fingerprint, first_seen, person_key, binding) "
                       "VALUES (?,?,?,?,?,?,?,?)",
                       (str(device), str(worker), enc, sign, key_fingerprint(enc, sign), now,
                        person, binding))
        elif known == (str(worker), enc, sign):
            if binding is not None:
                db.execute("UPDATE hub_device_keys SET person_key = ?, binding = ? "
                           "WHERE device_id = ? AND binding IS NOT ?",
                           (person, binding, str(device), binding))
        else:
            changed.append(str(device))
            db.execute("UPDATE hub_device_keys SET offered_enc = ?, offered_sign = ?, "
                       "offered_fingerprint = ? WHERE device_id = ?",
                       (enc, sign, key_fingerprint(enc, sign), str(device)))
    return changed


def confirm_device_key(db: Database, device_id: str, fingerprint: str, by: str,
                       now: str) -> bool:
    """A Leitung/Admin confirms the fingerprint she compared with the person: an offered
    (changed) key with that fingerprint replaces the pinned one; else the pinned one is
    marked confirmed. False if the fingerprint is neither."""
    row = db.query_one("SELECT fingerprint, offered_fingerprint FROM hub_device_keys "
                       "WHERE device_id = ?", (device_id,))
    if row is None:
        return False
    if row["offered_fingerprint"] == fingerprint:
        db.execute("UPDATE hub_device_keys SET enc_public = offered_enc, "
                   "sign_public = offered_sign, fingerprint = offered_fingerprint, "
                   "offered_enc = NULL, offered_sign = NULL, offered_fingerprint = NULL, "
                   "confirmed_by = ?, confirmed_at = ? WHERE device_id = ?",
                   (by, now, device_id))
        return True
    if row["fingerprint"] == fingerprint:
        db.execute("UPDATE hub_device_keys SET confirmed_by = ?, confirmed_at = ? "
                   "WHERE device_id = ?", (by, now, device_id))
        return True
    return False


def _trusted_only(db: Database) -> str:
    """Once the team signs its roster (storage.hub_roster), a device key counts only if
    bound to a verified person or confirmed by a Leitung/Admin (own key: confirmed)."""
    strict = db.scalar("SELECT 1 FROM sync_state WHERE key IN ('roster_anchor', "
                       "'roster_anchor_check')")
    return (" WHERE bound = 1 OR confirmed_at IS NOT NULL OR pinned_before = 1" if strict
            else "")


def _verifiers(db: Database, *, all_pinned: bool = False
               ) -> dict[str, tuple[str, Ed25519PublicKey]]:
    where = "" if all_pinned else _trusted_only(db)
    return {str(r[0]): (str(r[1]), Ed25519PublicKey.from_public_bytes(bytes(r[2])))
            for r in db.query("SELECT device_id, worker_id, sign_public FROM hub_device_keys"
                              + where)}


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
                 "payload": _b64(_canonical({"fields": i["fields"], "bases": i["bases"]})),
                 "sig": _b64(bytes(72))} for i in items]
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
        plain = _canonical({"fields": item["fields"], "bases": item["bases"]})
        payload = nonce + ring.aead(key_id).encrypt(nonce, plain, aad)
        out.append({"change_id": item["change_id"], "entity": item["entity"],
                    "entity_id": item["entity_id"], "scope_id": item["scope_id"],
                    "op": item["op"], "hlc": item["hlc"], "actor": item["actor"],
                    "at": item["at"], "key_id": key_id, "meta": meta,
                    "payload": _b64(payload)})
        signed.append(_signed(aad, payload))
    for item, sig in zip(out, _batch_signatures(signer, signed), strict=True):
        item["sig"] = _b64(sig)
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
    verifiers = _verifiers(db)
    batches = _BatchVerifier()
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


# --- wraps: keys sealed to other devices -----------------------------------------------------

def _wrap_aad(key_id: str, scope_id: str, key_device: str, recipient: str) -> bytes:
    return _canonical([WRAP_FORMAT, key_id, scope_id, key_device, recipient])


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
        "SELECT device_id, enc_public FROM hub_device_keys" + _trusted_only(db))}
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
        out.append({"key_id": key_id, "device": recipient, "sealed": _b64(sealed)})
        signed.append(aad + hashlib.sha256(sealed).digest())
    for item, sig in zip(out, _batch_signatures(signer, signed), strict=True):
        item["sig"] = _b64(sig)
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
    verifiers = _verifiers(db, all_pinned=True)
    batches = _BatchVerifier()
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


def public_keys_of(db: Database) -> tuple[bytes, bytes] | None:
    private = device_private(db)
    if private is None:
        return None
    try:
        return crypto.public_keys(private)
    finally:
        crypto.wipe(private)
