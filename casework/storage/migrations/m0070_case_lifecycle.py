"""Closure and hand-over of family cases (issue 20).

`household_closures` is append-only (a closure, a request for it, the Leitung's decision,
a reopening are each a new row). `handovers` holds one row per hand-over offer; its
`state` changes once (accepted, declined, withdrawn) through the change log, which is the
history. Table names are the entity name plus "s", so the hub client finds them; every row
carries `household_id`, so retention, restriction and the real deletion find them.
"""

VERSION = 70

_BOOK = """
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    created_by TEXT NOT NULL,
    updated_by TEXT NOT NULL,
    version TEXT NOT NULL,
    deleted INTEGER NOT NULL DEFAULT 0
"""

SQL = f"""
CREATE TABLE household_closures (
    id TEXT PRIMARY KEY,
    household_id TEXT NOT NULL REFERENCES households(id),
    kind TEXT NOT NULL,                  -- ClosureEventKind value
    reason TEXT NOT NULL DEFAULT '',     -- ClosureReason value ('' for a reopening)
    note TEXT NOT NULL DEFAULT '',
    on_date TEXT NOT NULL,
    request_id TEXT NOT NULL DEFAULT '', -- the request an approval/refusal decides
    {_BOOK}
);
CREATE INDEX household_closures_household ON household_closures(household_id, version);
CREATE TRIGGER household_closures_no_update BEFORE UPDATE ON household_closures BEGIN
    SELECT RAISE(ABORT, 'household_closures is append-only');
END;
CREATE TRIGGER household_closures_no_delete BEFORE DELETE ON household_closures BEGIN
    SELECT RAISE(ABORT, 'household_closures is append-only');
END;

CREATE TABLE handovers (
    id TEXT PRIMARY KEY,
    household_id TEXT NOT NULL REFERENCES households(id),
    from_worker_id TEXT NOT NULL DEFAULT '',
    to_worker_id TEXT NOT NULL REFERENCES workers(id),
    note TEXT NOT NULL DEFAULT '',
    state TEXT NOT NULL,                 -- HandoverState value
    batch_id TEXT NOT NULL DEFAULT '',
    decided_at TEXT,
    decided_by TEXT NOT NULL DEFAULT '',
    decision_note TEXT NOT NULL DEFAULT '',
    {_BOOK}
);
CREATE INDEX handovers_household ON handovers(household_id, deleted);
CREATE INDEX handovers_to ON handovers(to_worker_id, state, deleted);
"""
