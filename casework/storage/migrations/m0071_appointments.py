"""Appointments (Termine) with a family (issue 20). `person_ids` is a JSON list (the
retention, purge and Art. 15 code finds rows by the `*person_ids` suffix); `contact_id`
names the contact logged from the appointment."""

VERSION = 71

SQL = """
CREATE TABLE appointments (
    id TEXT PRIMARY KEY,
    household_id TEXT NOT NULL REFERENCES households(id),
    starts_at TEXT NOT NULL,               -- UTC
    duration_min INTEGER NOT NULL,
    place_type TEXT NOT NULL,
    place TEXT NOT NULL DEFAULT '',
    person_ids TEXT NOT NULL DEFAULT '[]',
    topic TEXT NOT NULL DEFAULT '',
    note TEXT NOT NULL DEFAULT '',
    status TEXT NOT NULL DEFAULT 'geplant',
    cancel_reason TEXT NOT NULL DEFAULT '',
    contact_id TEXT NOT NULL DEFAULT '',
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    created_by TEXT NOT NULL,
    updated_by TEXT NOT NULL,
    version TEXT NOT NULL,
    deleted INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX appointments_household ON appointments(household_id, deleted);
CREATE INDEX appointments_start ON appointments(deleted, status, starts_at);
"""
