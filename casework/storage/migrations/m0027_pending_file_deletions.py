"""Attachment files still to be overwritten and removed after a real deletion.

The purge writes the ids in the same transaction that deletes the rows; the files go
after the commit, and whatever a crash or power cut left is finished at the next open.
So a deleted family's scans never outlive its rows for longer than one session."""

VERSION = 27

SQL = """
CREATE TABLE pending_file_deletions (
    attachment_id TEXT PRIMARY KEY
) WITHOUT ROWID;
"""
