"""Documents per family or person (issue 20): one row per encrypted attachment. The file
column is `attachment_id`, so `vault check` (every file referenced), backups and the
real deletion (purge finds attachment columns by name) cover it; `person_ids` names whom
it concerns (Art. 15 finds rows by the suffix). Table = entity name + "s"."""

VERSION = 73

SQL = """
CREATE TABLE case_documents (
    id TEXT PRIMARY KEY,
    household_id TEXT NOT NULL REFERENCES households(id),
    person_ids TEXT NOT NULL DEFAULT '[]',
    attachment_id TEXT NOT NULL,
    category TEXT NOT NULL,
    title TEXT NOT NULL,
    on_date TEXT,
    note TEXT NOT NULL DEFAULT '',
    file_name TEXT NOT NULL DEFAULT '',
    media_type TEXT NOT NULL,
    size INTEGER NOT NULL,
    content_hash TEXT NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    created_by TEXT NOT NULL,
    updated_by TEXT NOT NULL,
    version TEXT NOT NULL,
    deleted INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX case_documents_household ON case_documents(household_id, deleted);
"""
