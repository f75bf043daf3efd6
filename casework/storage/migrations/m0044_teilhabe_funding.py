"""Teilhabemanagement funding rules (issue 21): exclusions from funding recorded as dated
facts with their source (append-only), the municipality's positive statement for a
Baustein 5 measure, and the target-group count of the Ausländerbehörde on a Stichtag
(the basis of the staffing, source 000:3453-3455)."""

VERSION = 44

_BOOK = """
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    created_by TEXT NOT NULL,
    updated_by TEXT NOT NULL,
    version TEXT NOT NULL,
    deleted INTEGER NOT NULL DEFAULT 0
"""

SQL = f"""
ALTER TABLE tm_measures ADD COLUMN statement_on TEXT;

CREATE TABLE tm_exclusion_facts (
    id TEXT PRIMARY KEY,
    client_id TEXT NOT NULL REFERENCES tm_clients(id),
    exclusion TEXT NOT NULL,
    present INTEGER NOT NULL CHECK (present IN (0, 1)),
    since TEXT NOT NULL,
    source TEXT NOT NULL,
    {_BOOK}
);
CREATE INDEX tm_exclusion_facts_client ON tm_exclusion_facts(client_id, deleted);
CREATE TRIGGER tm_exclusion_facts_no_update BEFORE UPDATE ON tm_exclusion_facts
WHEN NEW.deleted = OLD.deleted BEGIN
    SELECT RAISE(ABORT, 'tm_exclusion_facts is append-only');
END;

CREATE TABLE tm_target_counts (
    id TEXT PRIMARY KEY,
    programme TEXT NOT NULL,
    stichtag TEXT NOT NULL,
    duldung INTEGER NOT NULL CHECK (duldung >= 0),
    gestattung INTEGER NOT NULL CHECK (gestattung >= 0),
    source TEXT NOT NULL DEFAULT '',
    {_BOOK}
);
CREATE INDEX tm_target_counts_day ON tm_target_counts(deleted, programme, stichtag);
"""
