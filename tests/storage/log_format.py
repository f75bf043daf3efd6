"""The change log as releases before migration 57 stored it, for tests that turn a vault
back into what an earlier release wrote."""

from __future__ import annotations

from casework.storage.db import Database
from casework.storage.migrations import m0001_core


def _as_migration_1_made_it() -> str:
    """The change log's table and indexes as migration 1 creates them."""
    lines = m0001_core.SQL.splitlines(keepends=True)
    first = next(i for i, line in enumerate(lines) if line.startswith("CREATE TABLE changelog "))
    last = next(i for i in range(first, len(lines)) if lines[i].startswith(");"))
    indexes = [line for line in lines if line.startswith("CREATE INDEX changelog_")]
    return "".join(lines[first:last + 1] + indexes)


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
    db.executescript(_as_migration_1_made_it())
    db.executemany("INSERT INTO changelog VALUES (?,?,?,?,?,?,?,?,?,?,?)", rows)
    db.execute("DELETE FROM schema_migrations WHERE version = 57")
