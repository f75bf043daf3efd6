"""The change log as releases before migration 57 stored it, for tests that turn a vault
back into what an earlier release wrote."""

from __future__ import annotations

from casework.storage.db import Database

_TABLE = """CREATE TABLE changelog (
    seq INTEGER PRIMARY KEY,
    change_id TEXT NOT NULL UNIQUE,
    entity TEXT NOT NULL,
    entity_id TEXT NOT NULL,
    op TEXT NOT NULL CHECK (op IN ('insert', 'update', 'delete')),
    fields TEXT NOT NULL,
    hlc TEXT NOT NULL,
    actor TEXT NOT NULL,
    device TEXT NOT NULL,
    at TEXT NOT NULL,
    scope_id TEXT
);
CREATE INDEX changelog_entity ON changelog(entity_id);
CREATE INDEX changelog_scope ON changelog(scope_id);"""

TRIGGERS = ("contacts_log_stamp_bu", "contacts_log_keep_au", "contacts_log_keep_ad",
            "contact_notes_log_keep_au", "contact_notes_log_keep_ad")


def log_as_one_table(db: Database) -> None:
    """Inside the caller's transaction: the log as one table `changelog` with every value
    in its rows (as read through today's view), no log triggers, migration 57 not
    applied (the next unlock runs it again)."""
    rows = [tuple(r) for r in db.query("SELECT * FROM changelog ORDER BY seq")]
    for trigger in TRIGGERS:
        db.execute(f"DROP TRIGGER {trigger}")
    db.execute("DROP VIEW changelog")
    db.execute("DROP TABLE changelog_rows")
    db.executescript(_TABLE)
    db.executemany("INSERT INTO changelog VALUES (?,?,?,?,?,?,?,?,?,?,?)", rows)
    db.execute("DELETE FROM schema_migrations WHERE version = 57")
