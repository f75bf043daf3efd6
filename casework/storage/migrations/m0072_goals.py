"""Hilfeplan (issue 20): goals, their append-only progress and review entries, and the
append-only minutes of Hilfeplangespräche. `goals.state` caches the state derived from
the entries (kept in the same transaction), so the family list can filter "mit offenen
Zielen" in SQL. Entity names + "s"/"ies" are the table names (the hub client finds them).
"""

VERSION = 72

_BOOK = """
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    created_by TEXT NOT NULL,
    updated_by TEXT NOT NULL,
    version TEXT NOT NULL,
    deleted INTEGER NOT NULL DEFAULT 0
"""


def _append_only(table: str) -> str:
    return f"""
CREATE TRIGGER {table}_no_update BEFORE UPDATE ON {table} BEGIN
    SELECT RAISE(ABORT, '{table} is append-only');
END;
CREATE TRIGGER {table}_no_delete BEFORE DELETE ON {table} BEGIN
    SELECT RAISE(ABORT, '{table} is append-only');
END;
"""


SQL = f"""
CREATE TABLE goals (
    id TEXT PRIMARY KEY,
    household_id TEXT NOT NULL REFERENCES households(id),
    what TEXT NOT NULL,
    measure TEXT NOT NULL DEFAULT '',
    due_on TEXT,
    responsibilities TEXT NOT NULL DEFAULT '',
    person_ids TEXT NOT NULL DEFAULT '[]',
    review_on TEXT,
    procedure_id TEXT NOT NULL DEFAULT '',
    state TEXT NOT NULL DEFAULT 'offen',
    {_BOOK}
);
CREATE INDEX goals_household ON goals(household_id, deleted, state);

CREATE TABLE goal_entries (
    id TEXT PRIMARY KEY,
    goal_id TEXT NOT NULL REFERENCES goals(id),
    household_id TEXT NOT NULL REFERENCES households(id),
    kind TEXT NOT NULL,
    on_date TEXT NOT NULL,
    text TEXT NOT NULL DEFAULT '',
    rating INTEGER,
    state TEXT NOT NULL DEFAULT '',
    next_review_on TEXT,
    {_BOOK}
);
CREATE INDEX goal_entries_goal ON goal_entries(goal_id, deleted, version);
{_append_only("goal_entries")}

CREATE TABLE hilfeplan_meetings (
    id TEXT PRIMARY KEY,
    household_id TEXT NOT NULL REFERENCES households(id),
    on_date TEXT NOT NULL,
    participants TEXT NOT NULL DEFAULT '',
    minutes TEXT NOT NULL DEFAULT '',
    not_smart TEXT NOT NULL DEFAULT '[]',
    {_BOOK}
);
CREATE INDEX hilfeplan_meetings_household ON hilfeplan_meetings(household_id, deleted);
{_append_only("hilfeplan_meetings")}
"""
