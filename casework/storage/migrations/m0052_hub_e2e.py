"""End-to-end encrypted hub changes (issue 17): the household and team keys this device
holds, the pinned public keys of the hub's devices, and received changes waiting for
their key.

- `hub_keys`: random AES-256 keys per (scope, writing device); `scope_id` is the
  household id, or `*` for team data (changes without a household). An own key that was
  sealed to a device no longer entitled is `retired`: later changes use a new one. Only inside the
  encrypted vault; at the hub a key exists only sealed to entitled devices' public keys.
- `hub_device_keys`: the X25519 and Ed25519 public keys of every device, pinned the first
  time the hub shows them. A different key offered later for the same device is kept in
  `offered_*` and not used until a Leitung/Admin confirms it (`confirmed_*`).
- `sync_locked`: received changes whose household key has not reached this device yet;
  kept sealed and retried on every sync.
"""

VERSION = 52

SQL = """
CREATE TABLE hub_keys (
    key_id TEXT PRIMARY KEY,
    scope_id TEXT NOT NULL,
    key BLOB NOT NULL,
    created_device TEXT NOT NULL,
    created_at TEXT NOT NULL,
    retired INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX hub_keys_scope ON hub_keys(scope_id, created_device);

CREATE TABLE hub_device_keys (
    device_id TEXT PRIMARY KEY,
    worker_id TEXT NOT NULL,
    enc_public BLOB NOT NULL,
    sign_public BLOB NOT NULL,
    fingerprint TEXT NOT NULL,
    first_seen TEXT NOT NULL,
    confirmed_by TEXT,
    confirmed_at TEXT,
    offered_enc BLOB,
    offered_sign BLOB,
    offered_fingerprint TEXT
);
CREATE INDEX hub_device_keys_worker ON hub_device_keys(worker_id);

CREATE TABLE sync_locked (
    change_id TEXT PRIMARY KEY,
    key_id TEXT NOT NULL,
    sealed TEXT NOT NULL
);
CREATE INDEX sync_locked_key ON sync_locked(key_id);
"""
