"""The vault's own copy of its reference-data profile (Verzeichnis edits, issue 6).

A vault starts with the shipped profile named in its meta (`profile`). Edits made in the
app (or imported from JSON) are stored here as whole revisions of the profile in
canonical JSON: append-only, so every edit stays in the change log and can be traced or
restored; the newest non-deleted revision of the vault's profile is the active one.
"""

VERSION = 30

SQL = """
CREATE TABLE directory_revisions (
    id TEXT PRIMARY KEY,
    profile_name TEXT NOT NULL,          -- the shipped profile this copy replaces
    revision INTEGER NOT NULL,           -- 1, 2, 3 … per profile_name
    data TEXT NOT NULL,                  -- canonical JSON (sorted keys, compact, UTF-8)
    content_hash TEXT NOT NULL,          -- sha256 of data
    changed_paths TEXT NOT NULL DEFAULT '[]',  -- JSON list of field paths changed
    source TEXT NOT NULL CHECK (source IN ('edit', 'import', 'reset')),
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    created_by TEXT NOT NULL,
    updated_by TEXT NOT NULL,
    version TEXT NOT NULL,
    deleted INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX directory_revisions_profile
    ON directory_revisions(profile_name, deleted, revision);
"""
