"""Team hub sync: local cursors, per-field versions, conflict records (ARCHITECTURE §6).

`sync_field_versions` holds the current *heads* of every synced field: the versions no
other known version has superseded. One head is the normal case; two or more heads with
different values are a conflict that a person resolves (the resolution is a new change
whose bases are all heads).
"""

VERSION = 50

SQL = """
CREATE TABLE sync_state (
    key TEXT PRIMARY KEY,
    value TEXT NOT NULL
) WITHOUT ROWID;

CREATE TABLE sync_field_versions (
    entity TEXT NOT NULL,
    entity_id TEXT NOT NULL,
    field TEXT NOT NULL,
    hlc TEXT NOT NULL,
    change_id TEXT NOT NULL,
    actor TEXT NOT NULL,
    device TEXT NOT NULL,
    at TEXT NOT NULL,
    value TEXT NOT NULL,
    PRIMARY KEY (entity, entity_id, field, hlc)
) WITHOUT ROWID;

-- Which versions each of this device's own changes superseded, per field (JSON
-- {field: [hlc, ...]}); computed when the change is first seen by sync and pushed with it.
CREATE TABLE sync_change_bases (
    change_id TEXT PRIMARY KEY,
    bases TEXT NOT NULL
) WITHOUT ROWID;

-- Conflicts ever detected; open while the field still has several heads.
CREATE TABLE sync_conflicts (
    id TEXT PRIMARY KEY,
    entity TEXT NOT NULL,
    entity_id TEXT NOT NULL,
    field TEXT NOT NULL,
    scope_id TEXT,
    detected_at TEXT NOT NULL,
    resolved_at TEXT,
    resolved_by TEXT,
    resolution_change_id TEXT
);
CREATE INDEX sync_conflicts_open ON sync_conflicts(entity, entity_id, field)
    WHERE resolved_at IS NULL;

-- Remote changes for tables this version of the app does not have yet, or updates whose
-- row has not arrived; retried on every sync.
CREATE TABLE sync_parked (
    change_id TEXT PRIMARY KEY
) WITHOUT ROWID;
"""
