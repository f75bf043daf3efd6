"""Corrections (Berichtigung) and addenda (Nachtrag) of contacts (issue 18).

A correction is a new, append-only row naming who, when and why, with the corrected
wording and the wording it replaced; `contact_notes` then holds the current wording (so
note search finds what is valid now), the earlier wording stays readable here. An addendum
adds dated text to a contact without changing it."""

VERSION = 75

SQL = """
CREATE TABLE contact_revisions (
    id TEXT PRIMARY KEY,
    contact_id TEXT NOT NULL REFERENCES contacts(id),
    household_id TEXT NOT NULL,
    kind TEXT NOT NULL CHECK (kind IN ('berichtigung', 'nachtrag')),
    reason TEXT NOT NULL DEFAULT '',
    wording TEXT NOT NULL DEFAULT '[]',
    previous_wording TEXT NOT NULL DEFAULT '[]',
    text TEXT NOT NULL DEFAULT '',
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    created_by TEXT NOT NULL,
    updated_by TEXT NOT NULL,
    version TEXT NOT NULL,
    deleted INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX contact_revisions_contact ON contact_revisions(contact_id, version);
CREATE INDEX contact_revisions_household ON contact_revisions(household_id);
CREATE TRIGGER contact_revisions_no_update BEFORE UPDATE ON contact_revisions BEGIN
    SELECT RAISE(ABORT, 'contact_revisions is append-only');
END;
CREATE TRIGGER contact_revisions_no_delete BEFORE DELETE ON contact_revisions BEGIN
    SELECT RAISE(ABORT, 'contact_revisions is append-only');
END;
"""
