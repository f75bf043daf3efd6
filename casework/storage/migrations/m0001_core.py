"""Core schema: meta, workers, households, persons, contacts, notes, search, change log,
audit chain.

Every record row carries id (UUIDv7 text), created_at/updated_at (UTC ISO), created_by,
updated_by, version (hybrid logical clock) and deleted (tombstone flag).
"""

VERSION = 1

SQL = """
CREATE TABLE meta (
    key TEXT PRIMARY KEY,
    value TEXT NOT NULL
) WITHOUT ROWID;

CREATE TABLE workers (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    role TEXT NOT NULL,
    team TEXT NOT NULL DEFAULT '',
    fte REAL NOT NULL DEFAULT 1.0,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    created_by TEXT NOT NULL,
    updated_by TEXT NOT NULL,
    version TEXT NOT NULL,
    deleted INTEGER NOT NULL DEFAULT 0
);

CREATE TABLE households (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    street TEXT NOT NULL DEFAULT '',
    plz TEXT NOT NULL DEFAULT '',
    city TEXT NOT NULL DEFAULT '',
    district TEXT NOT NULL DEFAULT '',
    quarter TEXT NOT NULL DEFAULT '',
    languages TEXT NOT NULL DEFAULT '[]',
    interpreter_needed INTEGER NOT NULL DEFAULT 0,
    target_groups TEXT NOT NULL DEFAULT '[]',
    access_route TEXT,
    resources TEXT NOT NULL DEFAULT '',
    risks TEXT NOT NULL DEFAULT '',
    assigned_worker_id TEXT REFERENCES workers(id),
    status TEXT NOT NULL DEFAULT 'aktiv',
    -- denormalised for the family list (kept by the contact service)
    last_contact_at TEXT,
    open_followups INTEGER NOT NULL DEFAULT 0,
    sort_name TEXT NOT NULL DEFAULT '',
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    created_by TEXT NOT NULL,
    updated_by TEXT NOT NULL,
    version TEXT NOT NULL,
    deleted INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX households_sort_name ON households(deleted, sort_name, id);
CREATE INDEX households_last_contact ON households(deleted, last_contact_at);
CREATE INDEX households_district ON households(deleted, district);
CREATE INDEX households_worker ON households(assigned_worker_id, deleted);

CREATE TABLE persons (
    id TEXT PRIMARY KEY,
    household_id TEXT NOT NULL REFERENCES households(id),
    first_name TEXT NOT NULL DEFAULT '',
    last_name TEXT NOT NULL DEFAULT '',
    birth_date TEXT,
    birth_year INTEGER,
    due_date TEXT,
    gender TEXT NOT NULL,
    role TEXT NOT NULL,
    custody INTEGER NOT NULL DEFAULT 0,
    school TEXT NOT NULL DEFAULT '',
    residence_status TEXT,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    created_by TEXT NOT NULL,
    updated_by TEXT NOT NULL,
    version TEXT NOT NULL,
    deleted INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX persons_household ON persons(household_id, deleted);

CREATE TABLE contacts (
    id TEXT PRIMARY KEY,
    household_id TEXT NOT NULL REFERENCES households(id),
    occurred_at TEXT NOT NULL,
    duration_min INTEGER NOT NULL DEFAULT 0,
    type TEXT NOT NULL,
    persons_present TEXT NOT NULL DEFAULT '[]',
    topics TEXT NOT NULL DEFAULT '[]',
    next_steps TEXT NOT NULL DEFAULT '',
    follow_up TEXT,
    follow_up_done INTEGER NOT NULL DEFAULT 0,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    created_by TEXT NOT NULL,
    updated_by TEXT NOT NULL,
    version TEXT NOT NULL,
    deleted INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX contacts_household ON contacts(household_id, deleted, occurred_at DESC);
CREATE INDEX contacts_occurred ON contacts(occurred_at);
CREATE INDEX contacts_follow_up ON contacts(follow_up)
    WHERE follow_up IS NOT NULL AND follow_up_done = 0 AND deleted = 0;

-- Note entries of a contact, typed per LR-09. rowid orders them by insertion, which the
-- note search uses for newest-first results.
CREATE TABLE contact_notes (
    rowid INTEGER PRIMARY KEY,
    contact_id TEXT NOT NULL REFERENCES contacts(id),
    household_id TEXT NOT NULL,
    seq INTEGER NOT NULL,
    kind TEXT NOT NULL,
    source TEXT NOT NULL DEFAULT '',
    text TEXT NOT NULL,
    disputed INTEGER NOT NULL DEFAULT 0,
    UNIQUE (contact_id, seq)
);
CREATE INDEX contact_notes_household ON contact_notes(household_id);

-- Note search over FOLDED text (casework_fold is registered on every connection by
-- casework.storage.db), so "Strasse" finds "Straße" and "Mueller" finds "Müller" in notes
-- too. Contentless: the index holds no readable copy of the notes; snippets are cut from
-- contact_notes.text in Python.
CREATE VIRTUAL TABLE note_fts USING fts5(
    text,
    content='',
    contentless_delete=1,
    tokenize='unicode61 remove_diacritics 0'
);
INSERT INTO note_fts(note_fts, rank) VALUES ('secure-delete', 1);
CREATE TRIGGER contact_notes_ai AFTER INSERT ON contact_notes BEGIN
    INSERT INTO note_fts(rowid, text) VALUES (new.rowid, casework_fold(new.text));
END;
CREATE TRIGGER contact_notes_ad AFTER DELETE ON contact_notes BEGIN
    DELETE FROM note_fts WHERE rowid = old.rowid;
END;
CREATE TRIGGER contact_notes_au AFTER UPDATE OF text ON contact_notes BEGIN
    DELETE FROM note_fts WHERE rowid = old.rowid;
    INSERT INTO note_fts(rowid, text) VALUES (new.rowid, casework_fold(new.text));
END;

-- Folded names/addresses of a household and its members for prefix search
-- ("Muller" finds "Müller"). Maintained by the household repository.
CREATE TABLE household_search (
    rowid INTEGER PRIMARY KEY,
    household_id TEXT NOT NULL UNIQUE REFERENCES households(id),
    text TEXT NOT NULL
);
CREATE VIRTUAL TABLE household_fts USING fts5(
    text,
    content='household_search',
    content_rowid='rowid',
    tokenize='unicode61 remove_diacritics 0',
    prefix='1 2 3'
);
INSERT INTO household_fts(household_fts, rank) VALUES ('secure-delete', 1);
CREATE TRIGGER household_search_ai AFTER INSERT ON household_search BEGIN
    INSERT INTO household_fts(rowid, text) VALUES (new.rowid, new.text);
END;
CREATE TRIGGER household_search_ad AFTER DELETE ON household_search BEGIN
    INSERT INTO household_fts(household_fts, rowid, text) VALUES ('delete', old.rowid, old.text);
END;
CREATE TRIGGER household_search_au AFTER UPDATE OF text ON household_search BEGIN
    INSERT INTO household_fts(household_fts, rowid, text) VALUES ('delete', old.rowid, old.text);
    INSERT INTO household_fts(rowid, text) VALUES (new.rowid, new.text);
END;

-- The change log: the history users see ("Verlauf") and the outbox sync pushes.
CREATE TABLE changelog (
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
CREATE INDEX changelog_scope ON changelog(scope_id);

-- Append-only, hash-chained security log: ids and actions only, never content.
CREATE TABLE audit_log (
    seq INTEGER PRIMARY KEY,
    at TEXT NOT NULL,
    actor TEXT NOT NULL,
    device TEXT NOT NULL,
    action TEXT NOT NULL,
    entity TEXT NOT NULL DEFAULT '',
    entity_id TEXT NOT NULL DEFAULT '',
    detail TEXT NOT NULL DEFAULT '',
    prev_hash TEXT NOT NULL,
    hash TEXT NOT NULL
);
CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log BEGIN
    SELECT RAISE(ABORT, 'audit log is append-only');
END;
CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log BEGIN
    SELECT RAISE(ABORT, 'audit log is append-only');
END;
"""
