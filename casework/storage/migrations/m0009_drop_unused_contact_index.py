"""Drop `contacts_occurred` (36 bytes per contact, issue 23): no query of the app uses it.
Date ranges over all contacts (the Jahresbericht) are served by `contacts_report`
(deleted, occurred_at, type, household_id), a household's contacts by date by
`contacts_household`; `EXPLAIN QUERY PLAN` of every statement the list, search, family
file, history, push, purge and reports run showed no plan with it."""

VERSION = 9

SQL = """
DROP INDEX IF EXISTS contacts_occurred;
"""
