"""DSGVO data-subject rights and retention: Aktenart per household, the restricted state
(LR-35), deletion requests/approvals/executions (four-eyes, LR-36), the deletion journal
that restores re-apply (LR-37), and Art. 15 requests with their decisions (LR-24).

Tables that must SURVIVE the purge of a household refer to it as `target_id` /
`person_id`, never as `household_id` or `scope_id`: the purge deletes every row of every
table that carries one of those two columns (so later features are covered automatically).
They hold ids, dates and codes only, never content.
"""

VERSION = 25

_BOOKKEEPING = """
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    created_by TEXT NOT NULL,
    updated_by TEXT NOT NULL,
    version TEXT NOT NULL,
    deleted INTEGER NOT NULL DEFAULT 0"""

SQL = f"""
CREATE TABLE deletion_journal (
    seq INTEGER PRIMARY KEY,
    entity TEXT,
    entity_id TEXT,
    scope_id TEXT,
    deleted_at TEXT
);
CREATE INDEX deletion_journal_at ON deletion_journal(deleted_at);

CREATE TABLE household_file_types (
    id TEXT PRIMARY KEY,
    household_id TEXT NOT NULL UNIQUE REFERENCES households(id),
    file_type TEXT NOT NULL,{_BOOKKEEPING}
);

CREATE TABLE household_restrictions (
    id TEXT PRIMARY KEY,
    household_id TEXT NOT NULL REFERENCES households(id),
    reason TEXT NOT NULL,
    lifted_at TEXT,
    lifted_by TEXT,{_BOOKKEEPING}
);
CREATE INDEX household_restrictions_active ON household_restrictions(household_id)
    WHERE lifted_at IS NULL AND deleted = 0;

CREATE TABLE deletion_requests (
    id TEXT PRIMARY KEY,
    target_id TEXT NOT NULL,
    rule_key TEXT NOT NULL,
    keep_until TEXT,
    reason_code TEXT NOT NULL,{_BOOKKEEPING}
);
CREATE INDEX deletion_requests_target ON deletion_requests(target_id);

CREATE TABLE deletion_approvals (
    id TEXT PRIMARY KEY,
    request_id TEXT NOT NULL REFERENCES deletion_requests(id),
    decision TEXT NOT NULL CHECK (decision IN ('freigegeben', 'abgelehnt')),{_BOOKKEEPING}
);
CREATE INDEX deletion_approvals_request ON deletion_approvals(request_id);

CREATE TABLE deletion_executions (
    id TEXT PRIMARY KEY,
    request_id TEXT NOT NULL UNIQUE REFERENCES deletion_requests(id),
    target_id TEXT NOT NULL,
    counts TEXT NOT NULL,
    attachments INTEGER NOT NULL DEFAULT 0,{_BOOKKEEPING}
);

CREATE TABLE disclosure_requests (
    id TEXT PRIMARY KEY,
    person_id TEXT NOT NULL,
    received_on TEXT NOT NULL,
    due_on TEXT NOT NULL,
    channel TEXT NOT NULL DEFAULT '',{_BOOKKEEPING}
);
CREATE INDEX disclosure_requests_due ON disclosure_requests(due_on);

CREATE TABLE disclosure_decisions (
    id TEXT PRIMARY KEY,
    request_id TEXT NOT NULL REFERENCES disclosure_requests(id),
    kind TEXT NOT NULL,
    reason TEXT NOT NULL CHECK (length(trim(reason)) > 0),{_BOOKKEEPING}
);
CREATE INDEX disclosure_decisions_request ON disclosure_decisions(request_id);

CREATE TABLE disclosure_responses (
    id TEXT PRIMARY KEY,
    request_id TEXT NOT NULL REFERENCES disclosure_requests(id),
    outcome TEXT NOT NULL CHECK (outcome IN ('erteilt', 'teilweise', 'abgelehnt')),
    content_sha256 TEXT NOT NULL DEFAULT '',{_BOOKKEEPING}
);
CREATE INDEX disclosure_responses_request ON disclosure_responses(request_id);
"""
