"""This device's key pair and the pinned keys of the other devices (issue 17; the
scheme is described in `hub_crypto`): pinned the first time they are seen, a changed key
only offered until a Leitung/Admin confirms its fingerprint; once the team signs its roster,
only bound or confirmed keys are trusted."""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from casework.storage import crypto
from casework.storage.db import Database
from casework.storage.hub import get_state, set_state
from casework.storage.hub_signing import b64

_STATE_KEY = "hub_device_key"


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
        set_state(db, _STATE_KEY, b64(bytes(private)))
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


def trusted_only(db: Database) -> str:
    """Once the team signs its roster (storage.hub_roster), a device key counts only if
    bound to a verified person or confirmed by a Leitung/Admin (own key: confirmed)."""
    strict = db.scalar("SELECT 1 FROM sync_state WHERE key IN ('roster_anchor', "
                       "'roster_anchor_check')")
    return (" WHERE bound = 1 OR confirmed_at IS NOT NULL OR pinned_before = 1" if strict
            else "")


def device_verifiers(db: Database, *, all_pinned: bool = False
                     ) -> dict[str, tuple[str, Ed25519PublicKey]]:
    where = "" if all_pinned else trusted_only(db)
    return {str(r[0]): (str(r[1]), Ed25519PublicKey.from_public_bytes(bytes(r[2])))
            for r in db.query("SELECT device_id, worker_id, sign_public FROM hub_device_keys"
                              + where)}
