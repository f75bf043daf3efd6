"""§ 8a Kinderschutz: procedures, their append-only transitions and entries, Leitung review.

`ks_procedures` holds the current state (denormalised for lists; kept by the service in the
same transaction as the transition). Transitions, entries, review items and review
decisions are professional records: append-only, refused on UPDATE/DELETE by triggers
(LR-01, LR-08), like the audit log. Corrections are new rows.
"""

VERSION = 10

SQL = """
CREATE TABLE ks_procedures (
    id TEXT PRIMARY KEY,
    household_id TEXT NOT NULL REFERENCES households(id),
    child_ids TEXT NOT NULL DEFAULT '[]',
    lead_worker_id TEXT NOT NULL REFERENCES workers(id),
    state TEXT NOT NULL,
    acute INTEGER NOT NULL DEFAULT 0,
    opened_at TEXT NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    created_by TEXT NOT NULL,
    updated_by TEXT NOT NULL,
    version TEXT NOT NULL,
    deleted INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX ks_procedures_household ON ks_procedures(household_id, deleted);
CREATE INDEX ks_procedures_state ON ks_procedures(deleted, state);

CREATE TABLE ks_transitions (
    id TEXT PRIMARY KEY,
    procedure_id TEXT NOT NULL REFERENCES ks_procedures(id),
    household_id TEXT NOT NULL,
    seq INTEGER NOT NULL,
    from_state TEXT,
    to_state TEXT NOT NULL,
    at TEXT NOT NULL,
    actor_id TEXT NOT NULL,
    actor_role TEXT NOT NULL,
    reason TEXT NOT NULL DEFAULT '',
    details TEXT NOT NULL DEFAULT '{}',
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    created_by TEXT NOT NULL,
    updated_by TEXT NOT NULL,
    version TEXT NOT NULL,
    deleted INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX ks_transitions_procedure ON ks_transitions(procedure_id, seq);
CREATE TRIGGER ks_transitions_no_update BEFORE UPDATE ON ks_transitions BEGIN
    SELECT RAISE(ABORT, 'ks_transitions is append-only');
END;
CREATE TRIGGER ks_transitions_no_delete BEFORE DELETE ON ks_transitions BEGIN
    SELECT RAISE(ABORT, 'ks_transitions is append-only');
END;

CREATE TABLE ks_entries (
    id TEXT PRIMARY KEY,
    procedure_id TEXT NOT NULL REFERENCES ks_procedures(id),
    household_id TEXT NOT NULL,
    seq INTEGER NOT NULL,
    kind TEXT NOT NULL,
    payload TEXT NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    created_by TEXT NOT NULL,
    updated_by TEXT NOT NULL,
    version TEXT NOT NULL,
    deleted INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX ks_entries_procedure ON ks_entries(procedure_id, seq);
CREATE INDEX ks_entries_kind ON ks_entries(kind, procedure_id);
CREATE TRIGGER ks_entries_no_update BEFORE UPDATE ON ks_entries BEGIN
    SELECT RAISE(ABORT, 'ks_entries is append-only');
END;
CREATE TRIGGER ks_entries_no_delete BEFORE DELETE ON ks_entries BEGIN
    SELECT RAISE(ABORT, 'ks_entries is append-only');
END;

CREATE TABLE ks_review_items (
    id TEXT PRIMARY KEY,
    procedure_id TEXT NOT NULL REFERENCES ks_procedures(id),
    household_id TEXT NOT NULL,
    kind TEXT NOT NULL,
    subject TEXT NOT NULL DEFAULT '',
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    created_by TEXT NOT NULL,
    updated_by TEXT NOT NULL,
    version TEXT NOT NULL,
    deleted INTEGER NOT NULL DEFAULT 0,
    UNIQUE (procedure_id, kind, subject)
);
CREATE TRIGGER ks_review_items_no_update BEFORE UPDATE ON ks_review_items BEGIN
    SELECT RAISE(ABORT, 'ks_review_items is append-only');
END;
CREATE TRIGGER ks_review_items_no_delete BEFORE DELETE ON ks_review_items BEGIN
    SELECT RAISE(ABORT, 'ks_review_items is append-only');
END;

CREATE TABLE ks_review_decisions (
    id TEXT PRIMARY KEY,
    item_id TEXT NOT NULL REFERENCES ks_review_items(id),
    procedure_id TEXT NOT NULL,
    household_id TEXT NOT NULL,
    decision TEXT NOT NULL CHECK (decision IN ('freigegeben', 'zurückgegeben')),
    comment TEXT NOT NULL DEFAULT '',
    content_hash TEXT NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    created_by TEXT NOT NULL,
    updated_by TEXT NOT NULL,
    version TEXT NOT NULL,
    deleted INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX ks_review_decisions_item ON ks_review_decisions(item_id, created_at);
CREATE TRIGGER ks_review_decisions_no_update BEFORE UPDATE ON ks_review_decisions BEGIN
    SELECT RAISE(ABORT, 'ks_review_decisions is append-only');
END;
CREATE TRIGGER ks_review_decisions_no_delete BEFORE DELETE ON ks_review_decisions BEGIN
    SELECT RAISE(ABORT, 'ks_review_decisions is append-only');
END;
"""
