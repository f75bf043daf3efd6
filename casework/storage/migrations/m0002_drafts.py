"""Unsaved form drafts (quick contact entry), kept inside the encrypted vault so an
auto-lock or a crash loses nothing and nothing is ever written in plaintext.

Drafts are device-local scratch space of one worker, not professional records: they are
not change-logged, never synced and never shown in the history, so they do not go
through `RecordWriter`. A draft row is replaced on every save and deleted (secure_delete
is on) when the form is saved or discarded.
"""

VERSION = 2

SQL = """
CREATE TABLE drafts (
    kind TEXT NOT NULL,
    key TEXT NOT NULL,
    worker_id TEXT NOT NULL,
    payload TEXT NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    PRIMARY KEY (kind, key, worker_id)
) WITHOUT ROWID;
"""
