"""Consents (Einwilligungen): declaration, purpose × recipient items, proof/withdrawal events.

All three tables are append-only (ARCHITECTURE §4): a consent and its items are written
once; every proof step and every withdrawal is a new `consent_events` row (LR-30, LR-31).
Triggers refuse updates of the professional content; only the bookkeeping columns
(`deleted`, `updated_*`, `version`) may change, for tombstones and the retention engine.
"""

VERSION = 20

SQL = """
CREATE TABLE consents (
    id TEXT PRIMARY KEY,
    household_id TEXT NOT NULL REFERENCES households(id),
    person_id TEXT NOT NULL REFERENCES persons(id),
    capacity TEXT NOT NULL CHECK (capacity IN ('selbst', 'personensorgeberechtigt')),
    guardian_ids TEXT NOT NULL DEFAULT '[]',
    single_guardian_reason TEXT NOT NULL DEFAULT '',
    insight_assessed_by TEXT NOT NULL DEFAULT '',
    insight_reason TEXT NOT NULL DEFAULT '',
    data_categories TEXT NOT NULL DEFAULT '[]',
    consent_date TEXT NOT NULL,
    valid_from TEXT NOT NULL,
    valid_until TEXT,
    age_at_consent INTEGER,
    renewal_on TEXT,
    template_version TEXT NOT NULL,
    template_hash TEXT NOT NULL,
    note TEXT NOT NULL DEFAULT '',
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    created_by TEXT NOT NULL,
    updated_by TEXT NOT NULL,
    version TEXT NOT NULL,
    deleted INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX consents_household ON consents(household_id, deleted);
CREATE INDEX consents_person ON consents(person_id, deleted);

-- One row per purpose x recipient: the unit of status and of partial withdrawal (LR-28).
CREATE TABLE consent_items (
    id TEXT PRIMARY KEY,
    consent_id TEXT NOT NULL REFERENCES consents(id),
    household_id TEXT NOT NULL,
    purpose_key TEXT NOT NULL,
    purpose_detail TEXT NOT NULL DEFAULT '',
    recipient_key TEXT NOT NULL,
    recipient_detail TEXT NOT NULL DEFAULT '',
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    created_by TEXT NOT NULL,
    updated_by TEXT NOT NULL,
    version TEXT NOT NULL,
    deleted INTEGER NOT NULL DEFAULT 0,
    UNIQUE (consent_id, purpose_key, recipient_key)
);
CREATE INDEX consent_items_consent ON consent_items(consent_id);

CREATE TABLE consent_events (
    id TEXT PRIMARY KEY,
    consent_id TEXT NOT NULL REFERENCES consents(id),
    household_id TEXT NOT NULL,
    kind TEXT NOT NULL CHECK (kind IN
        ('prepared', 'printed', 'signed', 'oral', 'scan', 'refused', 'withdrawn')),
    on_date TEXT,
    obtained_by TEXT,
    reason TEXT NOT NULL DEFAULT '',
    via TEXT NOT NULL DEFAULT '',
    declared_by TEXT NOT NULL DEFAULT '',
    capacity TEXT NOT NULL DEFAULT '',
    total INTEGER NOT NULL DEFAULT 0,
    item_ids TEXT NOT NULL DEFAULT '[]',
    purposes TEXT NOT NULL DEFAULT '[]',
    recipients TEXT NOT NULL DEFAULT '[]',
    attachment_id TEXT,
    content_hash TEXT NOT NULL DEFAULT '',
    age INTEGER,
    place TEXT NOT NULL DEFAULT '',
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    created_by TEXT NOT NULL,
    updated_by TEXT NOT NULL,
    version TEXT NOT NULL,
    deleted INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX consent_events_consent ON consent_events(consent_id, created_at);

CREATE TRIGGER consents_append_only BEFORE UPDATE OF
    household_id, person_id, capacity, guardian_ids, single_guardian_reason,
    insight_assessed_by, insight_reason, data_categories, consent_date, valid_from,
    valid_until, age_at_consent, template_version, template_hash, note ON consents
BEGIN
    SELECT RAISE(ABORT, 'consents are append-only');
END;
CREATE TRIGGER consent_items_append_only BEFORE UPDATE OF
    consent_id, purpose_key, purpose_detail, recipient_key, recipient_detail ON consent_items
BEGIN
    SELECT RAISE(ABORT, 'consent items are append-only');
END;
CREATE TRIGGER consent_events_append_only BEFORE UPDATE OF
    consent_id, kind, on_date, obtained_by, reason, via, declared_by, capacity, total, item_ids,
    purposes, recipients, attachment_id, content_hash, age ON consent_events
BEGIN
    SELECT RAISE(ABORT, 'consent events are append-only');
END;
"""
