"""Teilhabemanagement: clients (linked to a person), residence-status documents, intake
answers, measures and the assignment history (sources-reference §3.14, §4.6).

A client is a person of a household (a young adult alone is a one-person household), so
contacts, consents and referrals work for them like for any family; the programme data
lives in `tm_clients`. Residence documents, intake answers and assignments are
append-only rows.
"""

VERSION = 40

_BOOK = """
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    created_by TEXT NOT NULL,
    updated_by TEXT NOT NULL,
    version TEXT NOT NULL,
    deleted INTEGER NOT NULL DEFAULT 0
"""

SQL = f"""
CREATE TABLE tm_clients (
    id TEXT PRIMARY KEY,
    person_id TEXT NOT NULL REFERENCES persons(id),
    household_id TEXT NOT NULL REFERENCES households(id),
    programme TEXT NOT NULL DEFAULT 'Teilhabemanagement',
    worker_id TEXT REFERENCES workers(id),
    state TEXT NOT NULL DEFAULT 'wartend',
    intake_on TEXT NOT NULL,
    exclusions TEXT NOT NULL DEFAULT '[]',
    benefit_basis TEXT NOT NULL DEFAULT '',
    age_exception TEXT NOT NULL DEFAULT '',
    note TEXT NOT NULL DEFAULT '',
    closed_on TEXT,
    {_BOOK}
);
CREATE INDEX tm_clients_worker ON tm_clients(deleted, programme, worker_id, state);
CREATE INDEX tm_clients_waiting ON tm_clients(deleted, programme, state, intake_on);
CREATE UNIQUE INDEX tm_clients_person ON tm_clients(person_id, programme) WHERE deleted = 0;

CREATE TABLE tm_residence (
    id TEXT PRIMARY KEY,
    client_id TEXT NOT NULL REFERENCES tm_clients(id),
    status TEXT NOT NULL,
    valid_from TEXT NOT NULL,
    valid_until TEXT,
    note TEXT NOT NULL DEFAULT '',
    {_BOOK}
);
CREATE INDEX tm_residence_client ON tm_residence(client_id, deleted, valid_from);

CREATE TABLE tm_intake (
    id TEXT PRIMARY KEY,
    client_id TEXT NOT NULL REFERENCES tm_clients(id),
    questionnaire TEXT NOT NULL,
    questionnaire_version TEXT NOT NULL,
    interviewed_on TEXT NOT NULL,
    answers TEXT NOT NULL,
    needs TEXT NOT NULL DEFAULT '{{}}',
    {_BOOK}
);
CREATE INDEX tm_intake_client ON tm_intake(client_id, deleted, interviewed_on);

CREATE TABLE tm_measures (
    id TEXT PRIMARY KEY,
    client_id TEXT NOT NULL REFERENCES tm_clients(id),
    title TEXT NOT NULL,
    baustein INTEGER NOT NULL CHECK (baustein BETWEEN 1 AND 6),
    handlungsfeld INTEGER NOT NULL CHECK (handlungsfeld BETWEEN 1 AND 4),
    provider TEXT NOT NULL DEFAULT '',
    start_on TEXT,
    end_on TEXT,
    status TEXT NOT NULL,
    outcome TEXT NOT NULL DEFAULT '',
    note TEXT NOT NULL DEFAULT '',
    {_BOOK}
);
CREATE INDEX tm_measures_client ON tm_measures(client_id, deleted);

CREATE TABLE tm_assignments (
    id TEXT PRIMARY KEY,
    client_id TEXT NOT NULL REFERENCES tm_clients(id),
    from_worker_id TEXT,
    to_worker_id TEXT,
    assigned_on TEXT NOT NULL,
    reason TEXT NOT NULL DEFAULT '',
    {_BOOK}
);
CREATE INDEX tm_assignments_client ON tm_assignments(client_id);
"""
