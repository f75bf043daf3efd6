"""Covering index for the annual report: members of reached households are counted by
age band and gender from the index alone (no table rows are read)."""

VERSION = 43

SQL = """
CREATE INDEX IF NOT EXISTS persons_report
    ON persons(household_id, deleted, gender, birth_date, birth_year, due_date);
"""
