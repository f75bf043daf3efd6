"""The change log stored compactly (issue 23: the log row of every contact insert held a
change id, version, author, device and time that the contact row holds too — a quarter of
the vault). The log moves to `changelog_rows`, whose contact-insert rows store NULL for
whatever equals the contact row; the view `changelog` reads the log as written
(`_view_sql`; migration 81 replaced it), so every reader sees the same rows as before. New
contact inserts take their contact's id as change id; existing rows keep theirs (the hub and the
other devices know them by it). The triggers of migration 8 are replaced by ones that
also write the bookkeeping into the log row before the contact changes
(`storage.changelog.triggers_sql(keyed=False)`)."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from casework.storage.db import Database

VERSION = 57
_SLICE = 20_000  # log rows copied per statement


def _view_sql(in_row: str, device_of: Callable[[str], str]) -> str:
    """The view `changelog` as this migration wrote it (on the table `contacts`)."""
    return f"""CREATE VIEW changelog AS
SELECT l.seq, COALESCE(l.change_id, l.entity_id) AS change_id, l.entity, l.entity_id, l.op,
       COALESCE(l.fields, '{in_row}') AS fields,
       COALESCE(l.hlc, c.version) AS hlc, COALESCE(l.actor, c.created_by) AS actor,
       COALESCE(l.device, {device_of('COALESCE(l.hlc, c.version)')}) AS device,
       COALESCE(l.at, c.created_at) AS at, COALESCE(l.scope_id, c.household_id) AS scope_id
FROM changelog_rows l LEFT JOIN contacts c ON l.fields IS NULL AND c.id = l.entity_id"""


def apply(db: Database) -> None:
    from casework.storage.changelog import (
        CONTACT_IN_ROW,
        triggers_sql,
        version_device_sql,
    )

    for name in ("contacts_log_keep_au", "contacts_log_keep_ad", "contact_notes_log_keep_au",
                 "contact_notes_log_keep_ad"):
        db.execute(f"DROP TRIGGER IF EXISTS {name}")
    referring = "c.id IS NOT NULL"
    db.executescript("""
CREATE TABLE changelog_rows (
    seq INTEGER PRIMARY KEY,
    change_id TEXT UNIQUE,
    entity TEXT NOT NULL,
    entity_id TEXT NOT NULL,
    op TEXT NOT NULL CHECK (op IN ('insert', 'update', 'delete')),
    fields TEXT,
    hlc TEXT,
    actor TEXT,
    device TEXT,
    at TEXT,
    scope_id TEXT,
    CHECK (fields IS NOT NULL OR (entity = 'contact' AND op = 'insert')),
    CHECK (fields IS NULL OR (change_id IS NOT NULL AND hlc IS NOT NULL
                              AND actor IS NOT NULL AND device IS NOT NULL AND at IS NOT NULL))
);
""")
    copy = f"""
INSERT INTO changelog_rows (seq, change_id, entity, entity_id, op, fields, hlc, actor, device,
                            at, scope_id)
SELECT l.seq, l.change_id, l.entity, l.entity_id, l.op,
       CASE WHEN {referring} THEN NULL ELSE l.fields END,
       CASE WHEN {referring} AND l.hlc = c.version THEN NULL ELSE l.hlc END,
       CASE WHEN {referring} AND l.actor = c.created_by THEN NULL ELSE l.actor END,
       CASE WHEN {referring} AND l.device = {version_device_sql('l.hlc')} THEN NULL
            ELSE l.device END,
       CASE WHEN {referring} AND l.at = c.created_at THEN NULL ELSE l.at END,
       CASE WHEN {referring} AND l.scope_id = c.household_id THEN NULL ELSE l.scope_id END
FROM changelog l LEFT JOIN contacts c ON l.entity = 'contact' AND l.op = 'insert'
     AND l.fields = '{CONTACT_IN_ROW}' AND c.id = l.entity_id
WHERE l.seq > ? AND l.seq <= ?
ORDER BY l.seq"""
    # In slices: SQLite keeps what one statement changes in memory until it ends (to
    # undo that statement alone), and a million rows in one statement took gigabytes.
    last = int(db.scalar("SELECT COALESCE(max(seq), 0) FROM changelog"))
    for start in range(0, last, _SLICE):
        db.execute(copy, (start, start + _SLICE))
        db.execute("DELETE FROM changelog WHERE seq > ? AND seq <= ?", (start, start + _SLICE))
    db.executescript(f"""
DROP TABLE changelog;
CREATE INDEX changelog_entity ON changelog_rows(entity_id);
CREATE INDEX changelog_scope ON changelog_rows(scope_id);
{_view_sql(CONTACT_IN_ROW, version_device_sql)};
{triggers_sql(keyed=False)}
""")
