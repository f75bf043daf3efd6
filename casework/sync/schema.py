"""The hub's PostgreSQL schema (version 4), installed by `casework hub init`.

Everything lives in schema `casework`. Clients never write tables: they call SECURITY
DEFINER functions. Two kinds of login roles (docs/hub-admin.md):
- a *worker login* per person (`casework hub add-worker`): may only enrol a device with a
  one-time code (`casework_enrol`) and, for Admin/Leitung, issue codes and revoke devices;
- a *device login* per enrolled device, created by `casework_enrol` (its password is a
  random secret kept in the device's encrypted vault): pushes, pulls, reads the roster,
  and may SELECT `changes` through row-level security. Revoking the device makes its
  login NOLOGIN, ends its sessions, and every check below refuses it from then on.

Version 3 (issue 17): changes arrive end-to-end encrypted and signed by the writing
device (`casework.storage.hub_crypto`): the hub stores `payload` (AES-256-GCM ciphertext
of the fields), `sig`, `key_id` and in clear only metadata plus `meta` — the few ids the
entitlement rules read (a household's assigned worker, a deletion's request, target and
decision). Household keys exist at the hub only sealed to entitled devices' public keys
(`keys`, `wraps`); a real deletion deletes ciphertexts, keys and sealed copies.

The hub decides who wrote a change: `casework_push` stores the authenticated device and
its worker as `device`/`actor`, never what the payload says (a payload naming another
actor is refused). Every pushed change's metadata is checked against its kind
(`casework.kinds`, filled from `casework.models.hub`: ids, scope, `meta` keys, ciphertext
size ≤ 256 KiB; field types are checked by receivers after decrypting) and against the
pushing worker's write entitlement; refused changes are returned with a
reason code, the rest is stored. Entitlement (see `casework.models.hub` for the classes):
a household's changes may be written by the worker who created it or is assigned to it
(`assignments.kind = 'full'`), § 8a entities also by the Leitung of the team of an
assigned worker (`review`), reference data by Leitung/Admin, workers only by Admin, and a
retention deletion only with a request and an approval at the hub by two different
Leitung/Admin workers. A reassignment ends the previous worker's (and the creator's)
grant, so they receive nothing new of that household.

Version 4 (issue 16): the roster the hub cannot forge (`casework.storage.hub_roster`). The
hub stores Admin-signed roster statements (`roster_statements`) and each device's binding
(its person's signature over its keys); devices verify both and believe no plain roster
row. `casework hub init` upgrades a version 3 hub in place (`UPGRADE_4`).

Visibility: a change is visible to a device if it has no household scope or the device's
worker holds a grant for its household (`full`: everything; `review`: the household and
person rows and § 8a entities). New grants deliver the household's earlier changes too:
each change is delivered at position max(seq, first matching grant), so a device's cursor
(pos, seq) never skips anything.
"""

from __future__ import annotations

from casework.sync import schema_devices, schema_pull, schema_push

SCHEMA_VERSION = 4

# One pusher at a time: sequence values are then handed out in commit order, so a reader
# can never see change n+1 before change n and move its cursor past n. Waiting for it is
# bounded by the client's lock_timeout.
PUSH_LOCK_KEY = 7262001

TABLES = """
CREATE SCHEMA casework;

CREATE TABLE casework.hub_meta (
    key text PRIMARY KEY,
    value text NOT NULL
);

CREATE TABLE casework.teams (
    id text PRIMARY KEY,
    name text NOT NULL UNIQUE
);

CREATE TABLE casework.workers (
    id text PRIMARY KEY,
    login name NOT NULL UNIQUE,
    name text NOT NULL,
    role text NOT NULL CHECK (role IN ('Fachkraft', 'Leitung', 'Teilhabemanagement', 'Admin')),
    team_id text REFERENCES casework.teams(id),
    disabled boolean NOT NULL DEFAULT false,
    created_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE casework.devices (
    id text PRIMARY KEY,
    worker_id text NOT NULL REFERENCES casework.workers(id),
    login name NOT NULL UNIQUE,
    label text NOT NULL DEFAULT '',
    enc_public bytea,
    sign_public bytea,
    keys_at timestamptz,
    enrolled_at timestamptz NOT NULL DEFAULT now(),
    revoked_at timestamptz,
    last_seen_at timestamptz
);

CREATE TABLE casework.enrolment_codes (
    code_hash text PRIMARY KEY,
    worker_id text NOT NULL REFERENCES casework.workers(id),
    issued_by name NOT NULL,
    issued_at timestamptz NOT NULL DEFAULT now(),
    expires_at timestamptz NOT NULL,
    used_at timestamptz,
    device_id text
);

CREATE TABLE casework.kinds (
    entity text PRIMARY KEY,
    class text NOT NULL CHECK (class IN ('household', 'review', 'offer', 'team', 'reference',
                                         'deletion', 'worker')),
    scope text NOT NULL CHECK (scope IN ('required', 'none', 'optional')),
    fields jsonb
);

CREATE SEQUENCE casework.hub_seq;

CREATE TABLE casework.changes (
    seq bigint PRIMARY KEY DEFAULT nextval('casework.hub_seq'),
    change_id text NOT NULL UNIQUE,
    entity text NOT NULL,
    entity_id text NOT NULL,
    scope_id text,
    op text NOT NULL CHECK (op IN ('insert', 'update', 'delete')),
    key_id text NOT NULL,
    meta jsonb NOT NULL DEFAULT '{}'::jsonb,
    payload bytea NOT NULL,
    sig bytea NOT NULL,
    hlc text NOT NULL,
    actor text NOT NULL REFERENCES casework.workers(id),
    device text NOT NULL REFERENCES casework.devices(id),
    at text NOT NULL,
    received_at timestamptz NOT NULL DEFAULT now(),
    purged boolean NOT NULL DEFAULT false
);
CREATE INDEX changes_scope ON casework.changes (scope_id, seq);
CREATE INDEX changes_entity ON casework.changes (entity_id);
CREATE INDEX changes_deletion ON casework.changes ((meta ->> 'request_id'))
    WHERE entity IN ('deletion_approval', 'deletion_execution');

-- Household and team keys (end-to-end, issue 17): the hub knows only which device made a
-- key for which household (`*`: team data) and stores copies sealed to entitled devices'
-- public keys; it never sees a key.
CREATE TABLE casework.keys (
    key_id text PRIMARY KEY,
    scope_id text NOT NULL,
    device text NOT NULL REFERENCES casework.devices(id),
    created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX keys_scope ON casework.keys (scope_id);
CREATE INDEX keys_device ON casework.keys (device);
CREATE SEQUENCE casework.wrap_seq;
CREATE TABLE casework.wraps (
    key_id text NOT NULL REFERENCES casework.keys(key_id) ON DELETE CASCADE,
    device text NOT NULL REFERENCES casework.devices(id),
    seq bigint NOT NULL DEFAULT nextval('casework.wrap_seq'),
    wrapped_by text NOT NULL REFERENCES casework.devices(id),
    sealed bytea NOT NULL,
    sig bytea NOT NULL,
    PRIMARY KEY (key_id, device)
);
CREATE INDEX wraps_device ON casework.wraps (device, seq);
-- Households deleted for real: nothing of them is accepted again.
CREATE TABLE casework.shredded (
    scope_id text PRIMARY KEY,
    at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE casework.assignments (
    worker_id text NOT NULL REFERENCES casework.workers(id),
    scope_id text NOT NULL,
    kind text NOT NULL CHECK (kind IN ('full', 'review')),
    granted_seq bigint NOT NULL,
    granted_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (worker_id, scope_id, kind)
);
CREATE INDEX assignments_scope ON casework.assignments (scope_id);
CREATE INDEX assignments_granted ON casework.assignments (worker_id, granted_seq);
"""

# The functions, in the order they are created (schema_push, schema_pull, schema_devices).
FUNCTIONS = (schema_push.SESSION + schema_push.PUSH + schema_pull.PULL + schema_pull.KEYS
             + schema_devices.ENROLMENT)

# Row-level security and privileges; {workers} and {devices} are the group roles.
SECURITY = """
ALTER TABLE casework.changes ENABLE ROW LEVEL SECURITY;
CREATE POLICY changes_entitled ON casework.changes FOR SELECT
    USING (casework.entitled(scope_id, entity));
ALTER TABLE casework.assignments ENABLE ROW LEVEL SECURITY;
CREATE POLICY assignments_own ON casework.assignments FOR SELECT
    USING (worker_id = casework.session_worker());
ALTER TABLE casework.devices ENABLE ROW LEVEL SECURITY;
CREATE POLICY devices_own ON casework.devices FOR SELECT
    USING (worker_id = casework.session_worker());
ALTER TABLE casework.workers ENABLE ROW LEVEL SECURITY;
CREATE POLICY workers_colleagues ON casework.workers FOR SELECT
    USING (casework.session_worker() IS NOT NULL);
ALTER TABLE casework.enrolment_codes ENABLE ROW LEVEL SECURITY;
ALTER TABLE casework.teams ENABLE ROW LEVEL SECURITY;
ALTER TABLE casework.hub_meta ENABLE ROW LEVEL SECURITY;
ALTER TABLE casework.kinds ENABLE ROW LEVEL SECURITY;
ALTER TABLE casework.keys ENABLE ROW LEVEL SECURITY;
ALTER TABLE casework.wraps ENABLE ROW LEVEL SECURITY;
ALTER TABLE casework.shredded ENABLE ROW LEVEL SECURITY;
REVOKE ALL ON SCHEMA casework FROM PUBLIC;
REVOKE ALL ON ALL TABLES IN SCHEMA casework FROM PUBLIC;
REVOKE ALL ON ALL SEQUENCES IN SCHEMA casework FROM PUBLIC;
REVOKE ALL ON ALL FUNCTIONS IN SCHEMA casework FROM PUBLIC;
GRANT USAGE ON SCHEMA casework TO {workers}, {devices};
GRANT SELECT ON casework.changes, casework.assignments, casework.devices, casework.workers
    TO {devices};
GRANT EXECUTE ON FUNCTION casework.casework_hub_version(),
    casework.casework_issue_code(text, text, integer),
    casework.casework_revoke_device(text)
    TO {workers}, {devices};
GRANT EXECUTE ON FUNCTION casework.casework_enrol(text, text, text, text) TO {workers};
GRANT EXECUTE ON FUNCTION casework.casework_push(jsonb),
    casework.casework_pull(bigint, bigint, integer, bigint[], bigint[]),
    casework.casework_publish_keys(bytea, bytea),
    casework.casework_device_keys(),
    casework.casework_wrap_needs(integer),
    casework.casework_stale_keys(),
    casework.casework_put_wraps(jsonb),
    casework.casework_pull_wraps(bigint, integer),
    casework.casework_roster(),
    casework.session_worker(),
    casework.entitled(text, text),
    casework.review_visible(text),
    casework.review_trigger(text)
    TO {devices};
"""
