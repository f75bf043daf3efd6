"""Corrections of a contact's date and time, type and next step (issue 18): a correction
keeps the values it changed (`fields`) and the values they replaced (`previous_fields`),
both JSON objects keyed like the contact's columns; '{}' for a correction of the notes
only (and for every correction made before). The table stays append-only: adding columns
updates no row."""

VERSION = 76

SQL = """
ALTER TABLE contact_revisions ADD COLUMN fields TEXT NOT NULL DEFAULT '{}';
ALTER TABLE contact_revisions ADD COLUMN previous_fields TEXT NOT NULL DEFAULT '{}';
"""
