"""The Aktenart of a deletion request: the Löschprotokoll must name it after the household
(and with it its `household_file_types` row) is gone. Separate from m0025 because vaults
with m0025 already exist."""

VERSION = 26

SQL = """
ALTER TABLE deletion_requests ADD COLUMN file_type TEXT NOT NULL DEFAULT '';
"""
