"""The report index no longer carries the household (issue 23: 90 → 52 bytes per
contact). Counting contacts of a period by type reads (deleted, occurred_at, type) only;
the households reached in a period are found per household through `contacts_household`
(one index seek each) or, for whole years, from `household_years`. `EXPLAIN QUERY PLAN`
of every contact query of the reports chose `contacts_household` for the household
lookups before and after, so the household column of this index was never read."""

VERSION = 59

SQL = """
DROP INDEX IF EXISTS contacts_report;
CREATE INDEX contacts_report ON contacts(deleted, occurred_at, type);
"""
