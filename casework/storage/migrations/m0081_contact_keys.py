"""Contacts with integer keys inside the vault (issue 23: 1,481 bytes per contact against
a budget of 1,200; storage/contact_rows.py says what is stored how).

The table `contacts` becomes `contact_rows`, with its household, author and the version's
device as integer keys into `id_keys`, NULL `updated_*` for rows never changed and the
clock part of the version apart; `contacts` is now a view with the columns as before.
A contact's notes refer to it by its integer key. The change log's household index leaves
out the contact-insert rows, which store none (NULL).

The rows keep their order: a contact's key is its row number before. Foreign keys are
off while the tables are rebuilt (SQLite's documented procedure for changing a table that
others refer to) and checked before the migration commits. The note index is not touched:
the notes keep their row numbers."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from casework.storage.db import Database

VERSION = 81
FOREIGN_KEYS_OFF = True
_SLICE = 50_000  # rows copied per statement (SQLite keeps one statement's undo in memory)

# The triggers on the two tables as they stand before (m0045, m0055, m0057); anything
# else on them would be lost by the rebuild, so the migration refuses to guess.
_KNOWN = frozenset({
    "contacts_facts_ai", "contacts_facts_ad", "contacts_facts_au", "contacts_log_stamp_bu",
    "contacts_log_keep_au", "contacts_log_keep_ad", "contact_notes_log_keep_au",
    "contact_notes_log_keep_ad", "contact_notes_ai", "contact_notes_ad", "contact_notes_au",
})
_NOTE_INDEX = ("contact_notes_ai", "contact_notes_ad", "contact_notes_au")


def _sliced(db: Database, sql: str, table: str) -> None:
    last = int(db.scalar(f"SELECT COALESCE(max(rowid), 0) FROM {table}"))
    for start in range(0, last, _SLICE):
        db.execute(sql, (start, start + _SLICE))


def apply(db: Database) -> None:
    from casework.storage import contact_rows, report_facts
    from casework.storage.changelog import VIEW_SQL, triggers_sql, version_device_sql

    triggers = {str(r[0]): str(r[1]) for r in db.query(
        "SELECT name, sql FROM sqlite_master WHERE type = 'trigger' "
        "AND tbl_name IN ('contacts', 'contact_notes')")}
    unknown = sorted(set(triggers) - _KNOWN)
    if unknown:
        raise RuntimeError(f"unexpected triggers on contacts: {unknown}")
    db.execute("DROP VIEW changelog")
    for name in triggers:
        db.execute(f"DROP TRIGGER {name}")
    _compact_log_indexes(db)
    # Renaming the table first points the references of other tables (corrections and
    # addenda refer to a contact's id) at its new name; the rebuilt table takes it over.
    db.execute("ALTER TABLE contacts RENAME TO contact_rows")
    before = int(db.scalar("SELECT (SELECT count(*) FROM contact_rows) + "
                           "(SELECT count(*) FROM contact_notes)"))
    db.executescript(contact_rows.TABLE_SQL.replace(
        "CREATE TABLE contact_rows", "CREATE TABLE contact_rows_new"))
    db.execute("INSERT OR IGNORE INTO id_keys (id) SELECT id FROM households ORDER BY rowid")
    # households, authors and devices of the contacts in one pass
    db.execute(
        "INSERT OR IGNORE INTO id_keys (id) SELECT DISTINCT CASE k.n WHEN 1 THEN c.household_id "
        f"WHEN 2 THEN c.created_by WHEN 3 THEN c.updated_by "
        f"ELSE {version_device_sql('c.version')} END FROM contact_rows c CROSS JOIN "
        "(SELECT 1 AS n UNION ALL SELECT 2 UNION ALL SELECT 3 UNION ALL SELECT 4) k")
    key = contact_rows.key_sql
    _sliced(db, f"""
INSERT INTO contact_rows_new (rid, id, household, occurred_at, duration_min, type,
    persons_present, topics, next_steps, follow_up, follow_up_done, created_at, updated_at,
    created_by, updated_by, clock, device, deleted)
SELECT c.rowid, c.id, {key('c.household_id')}, c.occurred_at, c.duration_min, c.type,
    c.persons_present, c.topics, c.next_steps, c.follow_up, c.follow_up_done, c.created_at,
    NULLIF(c.updated_at, c.created_at), {key('c.created_by')},
    CASE WHEN c.updated_by = c.created_by THEN NULL ELSE {key('c.updated_by')} END,
    {contact_rows.clock_sql('c.version')}, {key(version_device_sql('c.version'))},
    c.deleted
FROM contact_rows c WHERE c.rowid > ? AND c.rowid <= ? ORDER BY c.rowid""", "contact_rows")
    # The old rows go in slices before their table is dropped (SQLite keeps what one
    # statement changes in memory until it ends: dropping a million contacts at once took
    # 780 MB), and before the notes are copied, which then reuse their pages.
    for name in ("contacts_household", "contacts_report", "contacts_created",
                 "contacts_follow_up"):
        db.execute(f"DROP INDEX IF EXISTS {name}")
    _sliced(db, "DELETE FROM contact_rows WHERE rowid > ? AND rowid <= ?", "contact_rows")
    db.execute("""
CREATE TABLE contact_notes_new (
    rowid INTEGER PRIMARY KEY,
    contact INTEGER NOT NULL REFERENCES contact_rows(rid),
    seq INTEGER NOT NULL,
    kind TEXT NOT NULL,
    source TEXT NOT NULL DEFAULT '',
    text TEXT NOT NULL,
    disputed INTEGER NOT NULL DEFAULT 0,
    UNIQUE (contact, seq)
)""")
    _sliced(db, """
INSERT INTO contact_notes_new (rowid, contact, seq, kind, source, text, disputed)
SELECT n.rowid, c.rid, n.seq, n.kind, n.source, n.text, n.disputed
FROM contact_notes n JOIN contact_rows_new c ON c.id = n.contact_id
WHERE n.rowid > ? AND n.rowid <= ? ORDER BY n.rowid""", "contact_notes")
    lost = before - int(db.scalar("SELECT (SELECT count(*) FROM contact_rows_new) + "
                                  "(SELECT count(*) FROM contact_notes_new)"))
    if lost:
        raise RuntimeError(f"{lost} contact or note rows without their contact")
    _sliced(db, "DELETE FROM contact_notes WHERE rowid > ? AND rowid <= ?", "contact_notes")
    db.executescript("""
DROP TABLE contact_notes;
DROP TABLE contact_rows;
ALTER TABLE contact_rows_new RENAME TO contact_rows;
ALTER TABLE contact_notes_new RENAME TO contact_notes;
""")
    db.executescript(contact_rows.INDEXES_SQL)
    db.executescript(contact_rows.VIEW_SQL)
    db.executescript(contact_rows.TRIGGERS_SQL)
    db.executescript(report_facts.ROW_TRIGGERS_SQL)
    for name in _NOTE_INDEX:
        if name in triggers:
            db.execute(triggers[name])  # they name only the note's rowid and text
    db.executescript(f"{VIEW_SQL};\n{triggers_sql()}")
    # The old tables' pages back to the file system (new vaults use incremental
    # auto-vacuum; secure_delete has overwritten them already).
    db.query("PRAGMA incremental_vacuum")


def _compact_log_indexes(db: Database) -> None:
    """The change log's household index without the contact-insert rows, which store no
    household (NULL); a lookup by household (`scope_id = ?`) still uses it. (The unique
    index of the change id would need the log rebuilt: 5 s and 250 MB of memory on
    240,000 contacts for 5 bytes per contact.)"""
    db.executescript("""
DROP INDEX changelog_scope;
CREATE INDEX changelog_scope ON changelog_rows(scope_id) WHERE scope_id IS NOT NULL;
""")
