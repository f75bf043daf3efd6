"""A contact's notes no longer repeat its household (issue 23: 82 bytes per contact with
its index). Nothing read the column; the deletion of a household finds the notes through
their contact (`contact_notes.contact_id` references `contacts`, and the purge follows
declared references). SQLite rewrites the table once."""

VERSION = 58

SQL = """
DROP INDEX IF EXISTS contact_notes_household;
ALTER TABLE contact_notes DROP COLUMN household_id;
"""
