"""A team roster the hub cannot forge (issue 16, `casework.storage.hub_roster`).

- `hub_roster_statements`: every signed roster statement this device has received or its
  Admin signed (kept, so the hub cannot take back a statement once seen; verified again
  on every sync); `pushed = 0`: signed here, not yet at the hub; `well_signed = 0`: its
  signature does not verify (kept only to show it, at most a few hundred).
- `hub_roster`: the roster those statements prove (recomputed; what `workers` follows).
- `hub_device_keys.binding`/`bound`: the person's signature over a device's keys and
  whether it verifies with the person key the verified roster names; `pinned_before`: a
  key this device already used before its team signed (it stays trusted, as it was).
"""

VERSION = 56

SQL = """
CREATE TABLE hub_roster_statements (
    hash TEXT PRIMARY KEY,
    statement TEXT NOT NULL,
    sig BLOB NOT NULL,
    first_seen TEXT NOT NULL,
    pushed INTEGER NOT NULL DEFAULT 1,
    well_signed INTEGER NOT NULL DEFAULT 1
);

CREATE TABLE hub_roster (
    worker_id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    role TEXT NOT NULL,
    team TEXT NOT NULL,
    disabled INTEGER NOT NULL DEFAULT 0,
    person_key BLOB,
    serial INTEGER NOT NULL,
    hash TEXT NOT NULL
);

ALTER TABLE hub_device_keys ADD COLUMN person_key BLOB;
ALTER TABLE hub_device_keys ADD COLUMN binding BLOB;
ALTER TABLE hub_device_keys ADD COLUMN bound INTEGER NOT NULL DEFAULT 0;
ALTER TABLE hub_device_keys ADD COLUMN pinned_before INTEGER NOT NULL DEFAULT 0;
"""
