"""Abgewiesene Änderungen: changes the hub refused (own, `out`) or this device did not
apply (received, `in`: malformed, or their author was not entitled), kept with the
reason and never applied."""

VERSION = 51

SQL = """
CREATE TABLE sync_quarantine (
    change_id TEXT PRIMARY KEY,
    direction TEXT NOT NULL CHECK (direction IN ('in', 'out')),
    entity TEXT NOT NULL,
    entity_id TEXT NOT NULL,
    scope_id TEXT,
    op TEXT NOT NULL,
    actor TEXT NOT NULL,
    device TEXT NOT NULL,
    at TEXT NOT NULL,
    hlc TEXT NOT NULL,
    reason TEXT NOT NULL,
    payload TEXT,
    recorded_at TEXT NOT NULL
);
CREATE INDEX sync_quarantine_recorded ON sync_quarantine(recorded_at);
"""
