"""Note search finds a Nachtrag (issue 18): a contentless, folded FTS5 index over the text
of addenda, like `note_fts` over the note entries (no readable copy; secure-delete), kept
by a trigger on `contact_revisions` (append-only: rows are only inserted, and deleted by
the retention purge, which keeps this trigger). Addenda written before are indexed here.

Only the current wording of notes is searchable: a correction replaces the entries in
`contact_notes`, whose triggers take the replaced words out of `note_fts`; the earlier
wording in `contact_revisions.previous_wording` is deliberately not indexed. A social
worker searching finds what the file says now, not words it has corrected away (a name
confused with another person's must not lead back to this family)."""

VERSION = 77

SQL = """
CREATE VIRTUAL TABLE addendum_fts USING fts5(
    text,
    content='',
    contentless_delete=1,
    tokenize='unicode61 remove_diacritics 0'
);
INSERT INTO addendum_fts(addendum_fts, rank) VALUES ('secure-delete', 1);
CREATE TRIGGER contact_revisions_addendum_ai AFTER INSERT ON contact_revisions
WHEN new.kind = 'nachtrag' BEGIN
    INSERT INTO addendum_fts(rowid, text) VALUES (new.rowid, casework_fold(new.text));
END;
CREATE TRIGGER contact_revisions_addendum_ad AFTER DELETE ON contact_revisions
WHEN old.kind = 'nachtrag' BEGIN
    DELETE FROM addendum_fts WHERE rowid = old.rowid;
END;
INSERT INTO addendum_fts(rowid, text)
    SELECT rowid, casework_fold(text) FROM contact_revisions
    WHERE kind = 'nachtrag' AND deleted = 0;
"""
