"""The change log as releases before migration 57 stored it, and contacts as releases
before migration 81 stored them, for tests that turn a vault back into what an earlier
release wrote."""

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


def _contacts_as_migration_1_made_them() -> str:
    """The contacts table as migration 1 creates it (unchanged until migration 81)."""
    lines = m0001_core.SQL.splitlines(keepends=True)
    first = next(i for i, line in enumerate(lines) if line.startswith("CREATE TABLE contacts "))
    last = next(i for i in range(first, len(lines)) if lines[i].startswith(");"))
    return "".join(lines[first:last + 1]).replace("CREATE TABLE contacts ",
                                                 "CREATE TABLE contacts_old ")


# The notes as migration 58 left them (without their household).
_NOTES_BEFORE_KEYS = """
CREATE TABLE contact_notes_old (
    rowid INTEGER PRIMARY KEY,
    contact_id TEXT NOT NULL REFERENCES contacts(id),
    seq INTEGER NOT NULL,
    kind TEXT NOT NULL,
    source TEXT NOT NULL DEFAULT '',
    text TEXT NOT NULL,
    disputed INTEGER NOT NULL DEFAULT 0,
    UNIQUE (contact_id, seq)
);
"""
_INDEXES_BEFORE_KEYS = """
CREATE INDEX contacts_household ON contacts(household_id, deleted, occurred_at DESC);
CREATE INDEX contacts_report ON contacts(deleted, occurred_at, type);
CREATE INDEX contacts_created ON contacts(created_at);
CREATE INDEX contacts_follow_up ON contacts(follow_up)
    WHERE follow_up IS NOT NULL AND follow_up_done = 0 AND deleted = 0;
"""


def contacts_before_keys(db: Database) -> None:
    """Outside any transaction: contacts and their notes as releases before migration 81
    stored them (the table `contacts` with every UUID, notes by the contact's id), with
    the triggers and log view of then; migration 81 not applied (the next unlock runs it
    again). Foreign keys are off meanwhile, as for the migration itself."""
    from casework.storage import report_facts
    from casework.storage.changelog import CONTACT_IN_ROW, triggers_sql, version_device_sql
    from casework.storage.migrations.m0057_change_log_rows import _view_sql

    note_index = [str(r[0]) for r in db.query(
        "SELECT sql FROM sqlite_master WHERE type = 'trigger' AND name IN "
        "('contact_notes_ai', 'contact_notes_ad', 'contact_notes_au')")]
    db.query("PRAGMA foreign_keys = OFF")
    try:
        with db.transaction():
            for r in db.query("SELECT name FROM sqlite_master WHERE type = 'trigger' "
                              "AND tbl_name IN ('contact_rows', 'contact_notes')"):
                db.execute(f"DROP TRIGGER {r[0]}")
            db.executescript(_contacts_as_migration_1_made_them() + _NOTES_BEFORE_KEYS)
            db.execute("INSERT INTO contacts_old SELECT v.* FROM contacts v "
                       "JOIN contact_rows r ON r.id = v.id ORDER BY r.rid")
            db.execute("INSERT INTO contact_notes_old SELECT n.rowid, c.id, n.seq, n.kind, "
                       "n.source, n.text, n.disputed FROM contact_notes n "
                       "JOIN contact_rows c ON c.rid = n.contact ORDER BY n.rowid")
            db.executescript("""
DROP VIEW changelog;
DROP VIEW contacts;
ALTER TABLE contact_rows RENAME TO contacts;
DROP TABLE contact_notes;
DROP TABLE contacts;
DROP TABLE id_keys;
ALTER TABLE contacts_old RENAME TO contacts;
ALTER TABLE contact_notes_old RENAME TO contact_notes;
""")
            db.executescript(_INDEXES_BEFORE_KEYS)
            for sql in note_index:
                db.execute(sql)
            db.executescript(report_facts.TRIGGERS_SQL)
            db.executescript(f"{_view_sql(CONTACT_IN_ROW, version_device_sql)};\n"
                             f"{triggers_sql(keyed=False)}")
            db.execute("DELETE FROM schema_migrations WHERE version = 81")
            assert not db.query("PRAGMA foreign_key_check")
    finally:
        db.query("PRAGMA foreign_keys = ON")
