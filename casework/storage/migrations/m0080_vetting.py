"""The § 72a register (issue 21): persons of the organisation, their activities, the
inspections of their extended certificates and requests after concrete indications.

An inspection row holds only what § 72a Abs. 5 SGB VIII allows: the day of the
inspection, the certificate's date and whether a relevant entry exists — no free text,
no file. Rows are deleted for real (not tombstoned) when the law's deadline comes; the
tables use `staff_id`, not `person_id`, because they are no client data (the retention
and Art. 15 code finds client rows by `person_id`)."""

VERSION = 80

SQL = """
CREATE TABLE vetting_staff (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    engagement TEXT NOT NULL,
    adult_on TEXT,                          -- 18th birthday of a minor; NULL: adult
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    created_by TEXT NOT NULL,
    updated_by TEXT NOT NULL,
    version TEXT NOT NULL,
    deleted INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE vetting_activities (
    id TEXT PRIMARY KEY,
    staff_id TEXT NOT NULL REFERENCES vetting_staff(id),
    title TEXT NOT NULL,
    starts_on TEXT NOT NULL,
    ends_on TEXT,
    children_contact INTEGER NOT NULL,
    ratings TEXT NOT NULL DEFAULT '{}',     -- criterion key -> option key (scheme)
    triggers TEXT NOT NULL DEFAULT '[]',
    waivers TEXT NOT NULL DEFAULT '[]',
    decision TEXT NOT NULL,
    decision_reason TEXT NOT NULL DEFAULT '',
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    created_by TEXT NOT NULL,
    updated_by TEXT NOT NULL,
    version TEXT NOT NULL,
    deleted INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX vetting_activities_staff ON vetting_activities(staff_id);
CREATE TABLE vetting_inspections (
    id TEXT PRIMARY KEY,
    staff_id TEXT NOT NULL REFERENCES vetting_staff(id),
    inspected_on TEXT NOT NULL,
    certificate_date TEXT NOT NULL,
    relevant_entry INTEGER NOT NULL CHECK (relevant_entry IN (0, 1)),
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    created_by TEXT NOT NULL,
    updated_by TEXT NOT NULL,
    version TEXT NOT NULL,
    deleted INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX vetting_inspections_staff ON vetting_inspections(staff_id);
CREATE TABLE vetting_indications (
    id TEXT PRIMARY KEY,
    staff_id TEXT NOT NULL REFERENCES vetting_staff(id),
    requested_on TEXT NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    created_by TEXT NOT NULL,
    updated_by TEXT NOT NULL,
    version TEXT NOT NULL,
    deleted INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX vetting_indications_staff ON vetting_indications(staff_id);
"""
