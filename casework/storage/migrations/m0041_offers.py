"""Group offers of the Stadtteilbüro, their sessions and attendance (sources §3.4–3.5).

Attendance rows are either anonymous headcounts (person_id NULL, count n by age group and
gender) or one named participant (person_id set, count 1, consent confirmed).
"""

VERSION = 41

_BOOK = """
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    created_by TEXT NOT NULL,
    updated_by TEXT NOT NULL,
    version TEXT NOT NULL,
    deleted INTEGER NOT NULL DEFAULT 0
"""

SQL = f"""
CREATE TABLE offers (
    id TEXT PRIMARY KEY,
    title TEXT NOT NULL,
    kind TEXT NOT NULL,
    description TEXT NOT NULL DEFAULT '',
    target_group TEXT NOT NULL DEFAULT '',
    location TEXT NOT NULL DEFAULT '',
    start_on TEXT,
    end_on TEXT,
    sessions_planned INTEGER,
    session_hours REAL,
    household_id TEXT REFERENCES households(id),
    {_BOOK}
);
CREATE INDEX offers_household ON offers(household_id) WHERE household_id IS NOT NULL;

CREATE TABLE offer_sessions (
    id TEXT PRIMARY KEY,
    offer_id TEXT NOT NULL REFERENCES offers(id),
    held_on TEXT NOT NULL,
    hours REAL,
    note TEXT NOT NULL DEFAULT '',
    {_BOOK}
);
CREATE INDEX offer_sessions_offer ON offer_sessions(offer_id, deleted, held_on);
CREATE INDEX offer_sessions_held ON offer_sessions(deleted, held_on, offer_id);

CREATE TABLE offer_attendance (
    id TEXT PRIMARY KEY,
    session_id TEXT NOT NULL REFERENCES offer_sessions(id),
    offer_id TEXT NOT NULL REFERENCES offers(id),
    age_group TEXT NOT NULL,
    gender TEXT NOT NULL,
    count INTEGER NOT NULL CHECK (count >= 0),
    person_id TEXT REFERENCES persons(id),
    household_id TEXT REFERENCES households(id),
    consent_basis TEXT NOT NULL DEFAULT '',
    {_BOOK}
);
CREATE INDEX offer_attendance_session ON offer_attendance(session_id, deleted);
CREATE INDEX offer_attendance_household ON offer_attendance(household_id)
    WHERE household_id IS NOT NULL;
"""
