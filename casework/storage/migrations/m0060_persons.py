"""Persons who sign (issue 15): roles per person (the owner is Admin plus a working role),
signing public keys (append-only: old signatures stay verifiable after a key change) and
signatures of reserved acts (append-only). Records written before this migration are
remembered by rowid, so `vault check` shows them as "vor Einführung der Signaturen
erfasst" instead of reporting a missing signature."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from casework.storage.db import Database

VERSION = 60  # after consent (20s) and retention (25): it marks their rows as legacy

SQL = """
CREATE TABLE person_roles (
    worker_id TEXT PRIMARY KEY,
    roles TEXT NOT NULL,
    owner INTEGER NOT NULL DEFAULT 0,
    removed_at TEXT
);

CREATE TABLE signing_keys (
    fingerprint TEXT PRIMARY KEY,
    worker_id TEXT NOT NULL,
    public_key BLOB NOT NULL,
    created_at TEXT NOT NULL
);
CREATE INDEX signing_keys_worker ON signing_keys(worker_id);
CREATE TRIGGER signing_keys_no_update BEFORE UPDATE ON signing_keys BEGIN
    SELECT RAISE(ABORT, 'signing_keys is append-only');
END;
CREATE TRIGGER signing_keys_no_delete BEFORE DELETE ON signing_keys BEGIN
    SELECT RAISE(ABORT, 'signing_keys is append-only');
END;

CREATE TABLE signatures (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    act TEXT NOT NULL,
    entity TEXT NOT NULL,
    entity_id TEXT NOT NULL,
    payload TEXT NOT NULL,
    content_hash TEXT NOT NULL,
    signer_id TEXT NOT NULL,
    role TEXT NOT NULL,
    fingerprint TEXT NOT NULL,
    signed_at TEXT NOT NULL,
    signature BLOB NOT NULL
);
CREATE INDEX signatures_entity ON signatures(entity, entity_id);
CREATE TRIGGER signatures_no_update BEFORE UPDATE ON signatures BEGIN
    SELECT RAISE(ABORT, 'signatures is append-only');
END;
CREATE TRIGGER signatures_no_delete BEFORE DELETE ON signatures BEGIN
    SELECT RAISE(ABORT, 'signatures is append-only');
END;
"""

# Tables whose rows must carry a signature from now on (see storage/signatures.SIGNED_RECORDS).
LEGACY_TABLES = ("ks_review_decisions", "deletion_requests", "deletion_approvals")


def apply(db: Database) -> None:
    db.executescript(SQL)
    marks = {table: int(db.scalar(f"SELECT coalesce(max(rowid), 0) FROM {table}"))
             for table in LEGACY_TABLES}
    db.execute("INSERT INTO meta(key, value) VALUES ('signatures_since', ?)",
               (json.dumps(marks, sort_keys=True),))
    owner = db.scalar("SELECT value FROM meta WHERE key = 'owner_worker_id'")
    for row in db.query("SELECT id, role FROM workers"):
        roles = [row["role"]]
        if row["id"] == owner and row["role"] != "Admin":
            roles.append("Admin")  # the owner of a vault is its Admin (issue 15)
        db.execute("INSERT INTO person_roles(worker_id, roles, owner) VALUES (?, ?, ?)",
                   (row["id"], json.dumps(roles), int(row["id"] == owner)))
