"""Contacts stored with integer keys (issue 23, migration 81).

A contact row repeated four UUIDs that only a handful of values ever take: its household,
its author twice and the device in its version (36 bytes each, and the household again in
its index). They are stored as integers into `id_keys` (one row per distinct UUID: the
households, workers and devices of the vault); the contact keeps its own UUID (`id`),
which is what the hub, the other devices and every caller know it by, and gets an integer
`rid` that its notes refer to. `updated_at` and `updated_by` are NULL while the row was
never changed (they then equal the creation), and the version's clock part is stored
apart from its device.

Callers never see the integers: they read and write the view `contacts`, which has the
columns the table had before (UUIDs at the sync boundary, integers inside). Writes to the
view go through the INSTEAD OF triggers below, so every path (the services, the sync
apply, a correction, a test playing a hostile colleague with hand-written SQL) goes
through one mapping; only the bulk writer inserts into `contact_rows` itself, with the
keys it looked up once per batch (`keys`). A statement on the view reports no changed
rows (SQLite counts only the table it names), so callers that need to know whether a row
was there ask before they write (`RecordWriter`).

The household must exist, as the foreign key to `households` demanded before: the
insert trigger refuses a contact of an unknown household with SQLite's own foreign-key
error (the sync apply parks such a change until its household arrives). The purge of a
household finds the contacts through the household's key (`contact_rows.household`
references `id_keys`)."""

from __future__ import annotations

import json
from collections.abc import Iterable

from casework.storage.changelog import version_device_sql as device_sql
from casework.storage.db import Database

# The columns of the view `contacts`, in order (what the table had before migration 81).
COLUMNS = ("id", "household_id", "occurred_at", "duration_min", "type", "persons_present",
           "topics", "next_steps", "follow_up", "follow_up_done", "created_at", "updated_at",
           "created_by", "updated_by", "version", "deleted")


def clock_sql(v: str) -> str:
    """SQL: the clock part 'millis.counter' of a version 'millis.counter.device' (`v`: an
    SQL expression; the counter may have more than six digits after a bulk write). Its
    device part: `changelog.version_device_sql`, the same split."""
    return f"substr({v}, 1, 13 + instr(substr({v}, 15), '.'))"


TABLE_SQL = """
CREATE TABLE id_keys (
    n INTEGER PRIMARY KEY,
    id TEXT NOT NULL UNIQUE
);
CREATE TABLE contact_rows (
    rid INTEGER PRIMARY KEY,
    id TEXT NOT NULL UNIQUE,
    household INTEGER NOT NULL REFERENCES id_keys(n),
    occurred_at TEXT NOT NULL,
    duration_min INTEGER NOT NULL DEFAULT 0,
    type TEXT NOT NULL,
    persons_present TEXT NOT NULL DEFAULT '[]',
    topics TEXT NOT NULL DEFAULT '[]',
    next_steps TEXT NOT NULL DEFAULT '',
    follow_up TEXT,
    follow_up_done INTEGER NOT NULL DEFAULT 0,
    created_at TEXT NOT NULL,
    updated_at TEXT,
    created_by INTEGER NOT NULL,
    updated_by INTEGER,
    clock TEXT NOT NULL,
    device INTEGER NOT NULL,
    deleted INTEGER NOT NULL DEFAULT 0
);
"""

INDEXES_SQL = """
CREATE INDEX contacts_household ON contact_rows(household, deleted, occurred_at DESC);
CREATE INDEX contacts_report ON contact_rows(deleted, occurred_at, type);
CREATE INDEX contacts_created ON contact_rows(created_at);
CREATE INDEX contacts_follow_up ON contact_rows(follow_up)
    WHERE follow_up IS NOT NULL AND follow_up_done = 0 AND deleted = 0;
"""

VIEW_SQL = """
CREATE VIEW contacts AS
SELECT c.id, h.id AS household_id, c.occurred_at, c.duration_min, c.type, c.persons_present,
       c.topics, c.next_steps, c.follow_up, c.follow_up_done, c.created_at,
       COALESCE(c.updated_at, c.created_at) AS updated_at, a.id AS created_by,
       COALESCE(u.id, a.id) AS updated_by, c.clock || '.' || d.id AS version, c.deleted
FROM contact_rows c
LEFT JOIN id_keys h ON h.n = c.household
LEFT JOIN id_keys a ON a.n = c.created_by
LEFT JOIN id_keys u ON u.n = c.updated_by
LEFT JOIN id_keys d ON d.n = c.device;
"""


def key_sql(value: str) -> str:
    """SQL: the integer key of the UUID that the SQL expression `value` gives."""
    return f"(SELECT n FROM id_keys WHERE id = {value})"


def _checks(household_changed: str) -> str:
    version = "NEW.version"
    return f"""
    SELECT RAISE(ABORT, 'FOREIGN KEY constraint failed') WHERE {household_changed}
        AND NOT EXISTS (SELECT 1 FROM households WHERE id = NEW.household_id);
    SELECT RAISE(ABORT, 'CHECK constraint failed: version') WHERE {version} IS NOT NULL
        AND {clock_sql(version)} || '.' || {device_sql(version)} IS NOT {version};
    INSERT OR IGNORE INTO id_keys (id) SELECT value FROM (
        SELECT NEW.household_id AS value UNION ALL SELECT NEW.created_by
        UNION ALL SELECT NEW.updated_by UNION ALL SELECT {device_sql(version)})
        WHERE value IS NOT NULL;"""


TRIGGERS_SQL = f"""
CREATE TRIGGER contacts_insert INSTEAD OF INSERT ON contacts BEGIN{_checks('1')}
    INSERT INTO contact_rows (id, household, occurred_at, duration_min, type, persons_present,
                              topics, next_steps, follow_up, follow_up_done, created_at,
                              updated_at, created_by, updated_by, clock, device, deleted)
    VALUES (NEW.id, {key_sql('NEW.household_id')}, NEW.occurred_at,
            COALESCE(NEW.duration_min, 0), NEW.type, COALESCE(NEW.persons_present, '[]'),
            COALESCE(NEW.topics, '[]'), COALESCE(NEW.next_steps, ''), NEW.follow_up,
            COALESCE(NEW.follow_up_done, 0), NEW.created_at,
            NULLIF(NEW.updated_at, NEW.created_at), {key_sql('NEW.created_by')},
            NULLIF({key_sql('COALESCE(NEW.updated_by, NEW.created_by)')},
                   {key_sql('NEW.created_by')}),
            {clock_sql('NEW.version')}, {key_sql(device_sql('NEW.version'))},
            COALESCE(NEW.deleted, 0));
END;
CREATE TRIGGER contacts_update INSTEAD OF UPDATE ON contacts BEGIN{
    _checks('NEW.household_id IS NOT OLD.household_id')}
    UPDATE contact_rows SET id = NEW.id, household = {key_sql('NEW.household_id')},
        occurred_at = NEW.occurred_at, duration_min = NEW.duration_min, type = NEW.type,
        persons_present = NEW.persons_present, topics = NEW.topics,
        next_steps = NEW.next_steps, follow_up = NEW.follow_up,
        follow_up_done = NEW.follow_up_done, created_at = NEW.created_at,
        updated_at = NULLIF(NEW.updated_at, NEW.created_at),
        created_by = {key_sql('NEW.created_by')},
        updated_by = NULLIF({key_sql('NEW.updated_by')}, {key_sql('NEW.created_by')}),
        clock = {clock_sql('NEW.version')}, device = {key_sql(device_sql('NEW.version'))},
        deleted = NEW.deleted
    WHERE id = OLD.id;
END;
CREATE TRIGGER contacts_delete INSTEAD OF DELETE ON contacts BEGIN
    DELETE FROM contact_rows WHERE id = OLD.id;
END;
"""


def keys(db: Database, ids: Iterable[str]) -> dict[str, int]:
    """The integer keys of these UUIDs, created where missing (inside the caller's
    transaction): for the bulk writer, once per batch."""
    wanted = sorted(set(ids))
    if not wanted:
        return {}
    text = json.dumps(wanted)
    db.execute("INSERT OR IGNORE INTO id_keys (id) SELECT value FROM json_each(?)", (text,))
    return {str(r[0]): int(r[1]) for r in db.query(
        "SELECT id, n FROM id_keys WHERE id IN (SELECT value FROM json_each(?))", (text,))}
