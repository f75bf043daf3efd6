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

FUNCTIONS = r"""
CREATE FUNCTION casework.review_trigger(p_entity text) RETURNS boolean
LANGUAGE sql IMMUTABLE AS $$
    SELECT p_entity LIKE 'kinderschutz%' OR p_entity LIKE 'ks\_%' OR p_entity LIKE 'review%'
$$;

CREATE FUNCTION casework.review_visible(p_entity text) RETURNS boolean
LANGUAGE sql IMMUTABLE AS $$
    SELECT casework.review_trigger(p_entity) OR p_entity IN ('household', 'person')
$$;

-- The worker of this session's device login (NULL unless an enrolled, unrevoked device
-- of an enabled worker).
CREATE FUNCTION casework.session_worker() RETURNS text
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = casework, pg_temp AS $$
    SELECT d.worker_id FROM casework.devices d JOIN casework.workers w ON w.id = d.worker_id
    WHERE d.login = session_user AND d.revoked_at IS NULL AND NOT w.disabled
$$;

-- The worker of this session's worker login (enrolment and administration).
CREATE FUNCTION casework.login_worker() RETURNS text
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = casework, pg_temp AS $$
    SELECT w.id FROM casework.workers w WHERE w.login = session_user AND NOT w.disabled
$$;

CREATE FUNCTION casework.acting_worker() RETURNS text
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = casework, pg_temp AS $$
    SELECT coalesce(casework.session_worker(), casework.login_worker())
$$;

CREATE FUNCTION casework.entitled(p_scope text, p_entity text) RETURNS boolean
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = casework, pg_temp AS $$
    SELECT casework.session_worker() IS NOT NULL AND (p_scope IS NULL OR EXISTS (
        SELECT 1 FROM casework.assignments a
        WHERE a.worker_id = casework.session_worker() AND a.scope_id = p_scope
          AND (a.kind = 'full' OR casework.review_visible(p_entity))))
$$;

CREATE FUNCTION casework.casework_hub_version() RETURNS integer
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = casework, pg_temp AS $$
    SELECT value::integer FROM casework.hub_meta WHERE key = 'schema_version'
$$;

-- The device session: (device, worker, role), or a refusal with a reason code.
CREATE FUNCTION casework.require_device(OUT o_device text, OUT o_worker text, OUT o_role text)
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = casework, pg_temp AS $$
DECLARE
    v_dev casework.devices%ROWTYPE;
BEGIN
    SELECT * INTO v_dev FROM casework.devices d WHERE d.login = session_user;
    IF NOT FOUND THEN
        IF casework.login_worker() IS NOT NULL THEN
            RAISE EXCEPTION 'sync needs the device login from enrolment' USING ERRCODE = 'CW002';
        END IF;
        RAISE EXCEPTION 'login is not an enabled casework device' USING ERRCODE = 'CW001';
    END IF;
    IF v_dev.revoked_at IS NOT NULL THEN
        RAISE EXCEPTION 'device revoked' USING ERRCODE = 'CW003';
    END IF;
    SELECT v_dev.id, w.id, w.role INTO o_device, o_worker, o_role
    FROM casework.workers w WHERE w.id = v_dev.worker_id AND NOT w.disabled;
    IF o_worker IS NULL THEN
        RAISE EXCEPTION 'login is not an enabled casework worker' USING ERRCODE = 'CW001';
    END IF;
END $$;

CREATE FUNCTION casework.grant_after_push(p_worker text, p_before bigint) RETURNS void
LANGUAGE plpgsql SECURITY DEFINER SET search_path = casework, pg_temp AS $$
DECLARE
    r record;
    v_prev text;
    v_keep text;
    v_touched text[];
BEGIN
    -- Whoever creates a household may read and write it (until it is reassigned).
    INSERT INTO casework.assignments (worker_id, scope_id, kind, granted_seq)
    SELECT DISTINCT p_worker, c.scope_id, 'full', nextval('casework.hub_seq')
    FROM casework.changes c
    WHERE c.seq > p_before AND c.entity = 'household' AND c.op = 'insert'
    ON CONFLICT DO NOTHING;
    -- The assigned worker named when a household is created.
    INSERT INTO casework.assignments (worker_id, scope_id, kind, granted_seq)
    SELECT s.wid, s.scope_id, 'full', nextval('casework.hub_seq')
    FROM (SELECT DISTINCT c.meta ->> 'assigned_worker_id' AS wid, c.scope_id
          FROM casework.changes c
          WHERE c.seq > p_before AND c.entity = 'household' AND c.op = 'insert'
            AND c.meta ->> 'assigned_worker_id' IS NOT NULL) s
    WHERE EXISTS (SELECT 1 FROM casework.workers w WHERE w.id = s.wid)
    ON CONFLICT DO NOTHING;
    -- A reassignment: the new worker gets the household, everyone else's full grant
    -- (the previous worker's, the creator's) ends.
    FOR r IN SELECT c.seq, c.scope_id, c.meta ->> 'assigned_worker_id' AS wid
             FROM casework.changes c
             WHERE c.seq > p_before AND c.entity = 'household' AND c.op = 'update'
               AND c.meta ? 'assigned_worker_id'
             ORDER BY c.seq LOOP
        SELECT p.meta ->> 'assigned_worker_id' INTO v_prev FROM casework.changes p
        WHERE p.scope_id = r.scope_id AND p.entity = 'household' AND p.seq < r.seq
          AND p.meta ? 'assigned_worker_id'
        ORDER BY p.seq DESC LIMIT 1;
        IF r.wid IS NOT NULL AND EXISTS (SELECT 1 FROM casework.workers w WHERE w.id = r.wid)
        THEN
            INSERT INTO casework.assignments (worker_id, scope_id, kind, granted_seq)
            VALUES (r.wid, r.scope_id, 'full', nextval('casework.hub_seq'))
            ON CONFLICT DO NOTHING;
        END IF;
        IF r.wid IS DISTINCT FROM v_prev THEN
            v_keep := coalesce(r.wid, p_worker);
            DELETE FROM casework.assignments a
            WHERE a.scope_id = r.scope_id AND a.kind = 'full' AND a.worker_id <> v_keep;
        END IF;
    END LOOP;
    -- The Leitung of the team of anyone assigned to a household with a § 8a procedure,
    -- recomputed for every household this push touched.
    v_touched := ARRAY(SELECT DISTINCT c.scope_id FROM casework.changes c
                       WHERE c.seq > p_before AND c.scope_id IS NOT NULL);
    DELETE FROM casework.assignments x
    WHERE x.kind = 'review' AND x.scope_id IN (SELECT unnest(v_touched))
      AND NOT EXISTS (
            SELECT 1 FROM casework.assignments a
            JOIN casework.workers w ON w.id = a.worker_id
            JOIN casework.workers l ON l.team_id = w.team_id AND l.role = 'Leitung'
                                     AND NOT l.disabled
            WHERE a.scope_id = x.scope_id AND a.kind = 'full' AND l.id = x.worker_id);
    INSERT INTO casework.assignments (worker_id, scope_id, kind, granted_seq)
    SELECT s.lid, s.scope_id, 'review', nextval('casework.hub_seq')
    FROM (SELECT DISTINCT l.id AS lid, a.scope_id
          FROM casework.assignments a
          JOIN casework.workers w ON w.id = a.worker_id
          JOIN casework.workers l ON l.team_id = w.team_id AND l.role = 'Leitung'
                                   AND NOT l.disabled
          WHERE a.kind = 'full'
            AND a.scope_id IN (SELECT unnest(v_touched))
            AND EXISTS (SELECT 1 FROM casework.changes k WHERE k.scope_id = a.scope_id
                        AND casework.review_trigger(k.entity))) s
    WHERE NOT EXISTS (SELECT 1 FROM casework.assignments x WHERE x.worker_id = s.lid
                      AND x.scope_id = s.scope_id)
    ON CONFLICT DO NOTHING;
    -- A verified retention deletion (two Leitung/Admin approvals, checked in
    -- casework_push) is crypto-shredding plus removal at the hub: the household's
    -- ciphertexts, its keys and every sealed copy of them are deleted, and nothing of it
    -- is accepted again.
    v_touched := ARRAY(SELECT DISTINCT d.meta ->> 'target_id' FROM casework.changes d
                       WHERE d.seq > p_before AND d.entity = 'deletion_execution'
                         AND d.meta ->> 'target_id' IS NOT NULL);
    IF cardinality(v_touched) > 0 THEN
        INSERT INTO casework.shredded (scope_id) SELECT unnest(v_touched)
        ON CONFLICT DO NOTHING;
        DELETE FROM casework.changes c WHERE c.scope_id = ANY (v_touched);
        DELETE FROM casework.keys k WHERE k.scope_id = ANY (v_touched);
        DELETE FROM casework.assignments a WHERE a.scope_id = ANY (v_touched);
    END IF;
END $$;

CREATE FUNCTION casework.casework_push(p_changes jsonb)
RETURNS TABLE (change_id text, reason text)
LANGUAGE plpgsql SECURITY DEFINER SET search_path = casework, pg_temp AS $$
#variable_conflict use_column
DECLARE
    v_device text;
    v_worker text;
    v_role text;
    v_before bigint;
    v_oversight boolean;
BEGIN
    SELECT d.o_device, d.o_worker, d.o_role INTO v_device, v_worker, v_role
    FROM casework.require_device() d;
    v_oversight := v_role IN ('Leitung', 'Admin');
    IF jsonb_typeof(p_changes) IS DISTINCT FROM 'array' THEN
        RAISE EXCEPTION 'a push is a JSON array of changes' USING ERRCODE = 'CW020';
    END IF;
    IF jsonb_array_length(p_changes) > 5000 THEN
        RAISE EXCEPTION 'at most 5000 changes per push' USING ERRCODE = 'CW021';
    END IF;
    PERFORM pg_advisory_xact_lock(7262001);
    SELECT coalesce(max(c.seq), 0) INTO v_before FROM casework.changes c;

    IF to_regclass('pg_temp.cw_push') IS NULL THEN
        CREATE TEMP TABLE cw_push (
            ord bigint PRIMARY KEY, scope_type text, change_id text, entity text,
            entity_id text, scope_id text, op text, key_id text, meta jsonb, payload bytea,
            sig bytea, hlc text, at text, cls text, kscope text, reason text,
            dup boolean NOT NULL DEFAULT false
        ) ON COMMIT DELETE ROWS;
        CREATE INDEX cw_push_entity ON cw_push (entity_id);
        CREATE INDEX cw_push_change ON cw_push (change_id);
    END IF;
    DELETE FROM cw_push;
    -- The payload is ciphertext: the hub checks the metadata only (ids, kind, clock,
    -- size, the entitlement ids in `meta`); receivers check the content after decrypting.
    INSERT INTO cw_push (ord, scope_type, change_id, entity, entity_id, scope_id, op, key_id,
                         meta, payload, sig, hlc, at, cls, kscope, reason)
    SELECT e.ord, jsonb_typeof(e.item -> 'scope_id'),
           CASE WHEN jsonb_typeof(e.item -> 'change_id') = 'string'
                THEN e.item ->> 'change_id' END,
           CASE WHEN jsonb_typeof(e.item -> 'entity') = 'string' THEN e.item ->> 'entity' END,
           CASE WHEN jsonb_typeof(e.item -> 'entity_id') = 'string'
                THEN e.item ->> 'entity_id' END,
           CASE WHEN jsonb_typeof(e.item -> 'scope_id') = 'string'
                THEN e.item ->> 'scope_id' END,
           CASE WHEN jsonb_typeof(e.item -> 'op') = 'string' THEN e.item ->> 'op' END,
           CASE WHEN jsonb_typeof(e.item -> 'key_id') = 'string'
                THEN e.item ->> 'key_id' END,
           CASE WHEN e.item -> 'meta' IS NULL OR jsonb_typeof(e.item -> 'meta') = 'null'
                THEN '{}'::jsonb
                WHEN jsonb_typeof(e.item -> 'meta') = 'object' THEN e.item -> 'meta' END,
           casework.b64(e.item -> 'payload'),
           casework.b64(e.item -> 'sig'),
           CASE WHEN jsonb_typeof(e.item -> 'hlc') = 'string' THEN e.item ->> 'hlc' END,
           CASE WHEN jsonb_typeof(e.item -> 'at') = 'string' THEN e.item ->> 'at' END,
           k.class, k.scope,
           CASE
             WHEN jsonb_typeof(e.item) <> 'object' THEN 'CW020'
             WHEN pg_column_size(e.item) > 352256 THEN 'CW021'
             WHEN (e.item - ARRAY['change_id', 'entity', 'entity_id', 'scope_id', 'op',
                                  'key_id', 'meta', 'payload', 'sig', 'hlc', 'actor', 'at'])
                  <> '{}'::jsonb
               THEN 'CW020'
             WHEN e.item ? 'actor' AND (jsonb_typeof(e.item -> 'actor') <> 'string'
                                        OR e.item ->> 'actor' <> v_worker) THEN 'CW010'
             WHEN jsonb_typeof(e.item -> 'entity') = 'string' AND k.entity IS NULL
               THEN 'CW022'
           END
    FROM jsonb_array_elements(p_changes) WITH ORDINALITY AS e(item, ord)
    LEFT JOIN casework.kinds k ON jsonb_typeof(e.item) = 'object'
                              AND k.entity = e.item ->> 'entity';
    ANALYZE cw_push;

    -- Shape: ids, operation, clock, time, scope as the kind requires, key, size.
    UPDATE cw_push p SET reason = 'CW021'
    WHERE p.reason IS NULL AND octet_length(p.payload) > 262144;
    UPDATE cw_push p SET reason = 'CW020'
    WHERE p.reason IS NULL AND NOT coalesce(
        p.change_id ~ '^[0-9A-Za-z_-]+$' AND length(p.change_id) <= 64
        AND p.entity IS NOT NULL AND p.cls IS NOT NULL
        AND length(p.entity_id) BETWEEN 1 AND 128 AND p.entity_id !~ '[\x01-\x1f\x7f]'
        AND (p.scope_id IS NULL
             OR (p.scope_id ~ '^[0-9A-Za-z_-]+$' AND length(p.scope_id) <= 64))
        AND (p.scope_type IS NULL OR p.scope_type IN ('string', 'null'))
        AND p.op IN ('insert', 'update', 'delete')
        AND p.key_id ~ '^[0-9A-Za-z_-]+$' AND length(p.key_id) <= 64
        AND p.meta IS NOT NULL AND p.payload IS NOT NULL AND octet_length(p.payload) >= 28
        AND octet_length(p.sig) BETWEEN 72 AND 584 AND (octet_length(p.sig) - 72) % 32 = 0
        AND p.hlc ~ '^[0-9]{13}[.][0-9]{6}[.][0-9A-Za-z_-]+$' AND length(p.hlc) <= 85
        AND split_part(p.hlc, '.', 3) = v_device
        AND p.at ~ '^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}([.][0-9]{1,6})?Z$'
        AND NOT (p.kscope = 'required' AND p.scope_id IS NULL)
        AND NOT (p.kscope = 'none' AND p.scope_id IS NOT NULL), false);
    -- Meta: only the ids the entitlement rules read for this kind, as strings.
    UPDATE cw_push p SET reason = 'CW020'
    WHERE p.reason IS NULL AND EXISTS (
        SELECT 1 FROM jsonb_each(p.meta) m
        WHERE jsonb_typeof(m.value) NOT IN ('string', 'null') OR length(m.value #>> '{}') > 64
           OR NOT (m.key = ANY (CASE p.entity
                    WHEN 'household' THEN ARRAY['assigned_worker_id']
                    WHEN 'deletion_request' THEN ARRAY['target_id']
                    WHEN 'deletion_approval' THEN ARRAY['request_id', 'decision']
                    WHEN 'deletion_execution' THEN ARRAY['request_id', 'target_id']
                    ELSE ARRAY[]::text[] END)));
    -- A key belongs to one household (or the team) and to the device that made it.
    UPDATE cw_push p SET reason = 'CW023'
    FROM casework.keys k
    WHERE p.reason IS NULL AND k.key_id = p.key_id
      AND (k.scope_id <> coalesce(p.scope_id, '*') OR k.device <> v_device);
    UPDATE cw_push p SET reason = 'CW023'
    WHERE p.reason IS NULL AND p.entity = 'household' AND p.entity_id <> p.scope_id;
    -- Repeats of changes the hub already has from this device (a lost acknowledgement)
    -- are fine; a change id of another device is not.
    UPDATE cw_push p SET dup = true
    FROM casework.changes c
    WHERE p.reason IS NULL AND c.change_id = p.change_id AND c.device = v_device;
    UPDATE cw_push p SET reason = 'CW020'
    FROM casework.changes c
    WHERE p.reason IS NULL AND NOT p.dup AND c.change_id = p.change_id;
    UPDATE cw_push p SET reason = 'CW023'
    WHERE p.reason IS NULL AND NOT p.dup AND EXISTS (
        SELECT 1 FROM casework.changes c WHERE c.entity_id = p.entity_id
          AND (c.entity <> p.entity OR c.scope_id IS DISTINCT FROM p.scope_id));

    -- Write entitlement.
    UPDATE cw_push p SET reason = 'CW011'
    WHERE p.reason IS NULL AND NOT p.dup AND p.scope_id IS NOT NULL
      AND EXISTS (SELECT 1 FROM casework.shredded s WHERE s.scope_id = p.scope_id);
    UPDATE cw_push p SET reason = 'CW011'
    WHERE p.reason IS NULL AND NOT p.dup AND p.scope_id IS NOT NULL
      AND NOT EXISTS (
            SELECT 1 FROM casework.assignments a
            WHERE a.worker_id = v_worker AND a.scope_id = p.scope_id
              AND (a.kind = 'full' OR (a.kind = 'review' AND p.cls = 'review')))
      AND NOT (
            EXISTS (SELECT 1 FROM cw_push h WHERE h.reason IS NULL AND h.entity = 'household'
                    AND h.op = 'insert' AND h.entity_id = p.scope_id)
            AND NOT EXISTS (SELECT 1 FROM casework.changes c WHERE c.scope_id = p.scope_id)
            AND NOT EXISTS (SELECT 1 FROM casework.assignments a
                            WHERE a.scope_id = p.scope_id));
    UPDATE cw_push p SET reason = 'CW012'
    WHERE p.reason IS NULL AND NOT p.dup AND p.cls = 'reference' AND NOT v_oversight;
    UPDATE cw_push p SET reason = 'CW013'
    WHERE p.reason IS NULL AND NOT p.dup AND p.cls = 'worker' AND v_role <> 'Admin';
    UPDATE cw_push p SET reason = 'CW014'
    WHERE p.reason IS NULL AND NOT p.dup AND p.cls = 'deletion' AND NOT v_oversight;
    -- An approval: of a known request, by someone other than its proposer.
    UPDATE cw_push p SET reason = 'CW014'
    WHERE p.reason IS NULL AND NOT p.dup AND p.entity = 'deletion_approval'
      AND NOT EXISTS (
            SELECT 1 FROM casework.changes r
            WHERE r.entity = 'deletion_request' AND r.entity_id = p.meta ->> 'request_id'
              AND r.actor <> v_worker);
    INSERT INTO casework.keys (key_id, scope_id, device)
    SELECT DISTINCT p.key_id, coalesce(p.scope_id, '*'), v_device
    FROM cw_push p WHERE p.reason IS NULL AND NOT p.dup
    ON CONFLICT (key_id) DO NOTHING;
    INSERT INTO casework.changes (change_id, entity, entity_id, scope_id, op, key_id, meta,
                                  payload, sig, hlc, actor, device, at)
    SELECT p.change_id, p.entity, p.entity_id, p.scope_id, p.op, p.key_id, p.meta,
           p.payload, p.sig, p.hlc, v_worker, v_device, p.at
    FROM cw_push p WHERE p.reason IS NULL AND NOT p.dup AND p.entity <> 'deletion_execution'
    ORDER BY p.ord
    ON CONFLICT (change_id) DO NOTHING;
    -- An execution: a request by one Leitung/Admin and an approval by another, both
    -- recorded at the hub (this push's other changes included).
    UPDATE cw_push p SET reason = 'CW014'
    WHERE p.reason IS NULL AND NOT p.dup AND p.entity = 'deletion_execution'
      AND NOT EXISTS (
            SELECT 1 FROM casework.changes r
            JOIN casework.workers rw ON rw.id = r.actor AND rw.role IN ('Leitung', 'Admin')
            JOIN casework.changes a ON a.entity = 'deletion_approval'
                 AND a.meta ->> 'request_id' = r.entity_id
                 AND a.meta ->> 'decision' = 'freigegeben' AND a.actor <> r.actor
            JOIN casework.workers aw ON aw.id = a.actor AND aw.role IN ('Leitung', 'Admin')
            WHERE r.entity = 'deletion_request' AND r.entity_id = p.meta ->> 'request_id'
              AND r.meta ->> 'target_id' = p.meta ->> 'target_id');

    INSERT INTO casework.changes (change_id, entity, entity_id, scope_id, op, key_id, meta,
                                  payload, sig, hlc, actor, device, at)
    SELECT p.change_id, p.entity, p.entity_id, p.scope_id, p.op, p.key_id, p.meta,
           p.payload, p.sig, p.hlc, v_worker, v_device, p.at
    FROM cw_push p WHERE p.reason IS NULL AND NOT p.dup AND p.entity = 'deletion_execution'
    ORDER BY p.ord
    ON CONFLICT (change_id) DO NOTHING;
    PERFORM casework.grant_after_push(v_worker, v_before);
    UPDATE casework.devices SET last_seen_at = now() WHERE id = v_device;
    -- The hub positions this call stored (the push lock keeps other pushers out of the
    -- range): the device may ask `casework_pull` to leave its own changes there out.
    PERFORM set_config('casework.pushed_range', v_before || ':' ||
                       (SELECT coalesce(max(c.seq), v_before) FROM casework.changes c), true);
    RETURN QUERY SELECT coalesce(p.change_id, '#' || p.ord::text), p.reason
                 FROM cw_push p WHERE p.reason IS NOT NULL ORDER BY p.ord;
    -- cw_push is emptied at commit (ON COMMIT DELETE ROWS) and at the next call's start.
END $$;

-- p_own_from/p_own_to: ranges of hub positions where this device's own changes are all
-- in its vault (its acknowledged pushes, `casework.pushed_range`): they are left out (a
-- device only ever leaves out changes of its own device).
CREATE FUNCTION casework.casework_pull(p_after_pos bigint, p_after_seq bigint,
                                       p_limit integer, p_own_from bigint[] DEFAULT '{}',
                                       p_own_to bigint[] DEFAULT '{}')
RETURNS TABLE (pos bigint, seq bigint, change_id text, entity text, entity_id text,
               scope_id text, op text, key_id text, meta jsonb, payload bytea, sig bytea,
               hlc text, actor text, device text, at text)
LANGUAGE plpgsql SECURITY DEFINER SET search_path = casework, pg_temp AS $$
#variable_conflict use_column
DECLARE
    v_device text;
    v_worker text;
    v_own int8range[];
BEGIN
    SELECT d.o_device, d.o_worker INTO v_device, v_worker FROM casework.require_device() d;
    UPDATE casework.devices SET last_seen_at = now() WHERE id = v_device;
    v_own := ARRAY(SELECT int8range(r.lo, r.hi, '[]') FROM unnest(p_own_from, p_own_to)
                   AS r(lo, hi) WHERE r.lo IS NOT NULL AND r.hi IS NOT NULL AND r.lo <= r.hi
                   LIMIT 64);
    -- Two sources, each already in delivery order so each can stop after p_limit rows:
    -- changes made after the worker could see their household (position = seq), and the
    -- earlier history of a household delivered at the position of the first grant.
    RETURN QUERY
    WITH normal AS (
        SELECT c.seq AS pos, c.seq AS seq FROM casework.changes c
        WHERE c.seq >= p_after_pos AND (c.seq, c.seq) > (p_after_pos, p_after_seq)
          AND NOT c.purged
          AND NOT (c.device = v_device AND c.seq <@ ANY (v_own))
          AND (c.scope_id IS NULL OR EXISTS (
                SELECT 1 FROM casework.assignments g
                WHERE g.worker_id = v_worker AND g.scope_id = c.scope_id
                  AND g.granted_seq < c.seq
                  AND (g.kind = 'full' OR casework.review_visible(c.entity))))
        ORDER BY c.seq
        LIMIT p_limit
    ), backfill AS (
        SELECT g.granted_seq AS pos, c.seq AS seq
        FROM casework.assignments g
        JOIN casework.changes c ON c.scope_id = g.scope_id AND c.seq < g.granted_seq
        WHERE g.worker_id = v_worker
          AND g.granted_seq >= p_after_pos AND (g.granted_seq, c.seq) > (p_after_pos, p_after_seq)
          AND NOT c.purged
          AND NOT (c.device = v_device AND c.seq <@ ANY (v_own))
          AND (g.kind = 'full' OR casework.review_visible(c.entity))
          AND NOT EXISTS (
                SELECT 1 FROM casework.assignments g2
                WHERE g2.worker_id = v_worker AND g2.scope_id = c.scope_id
                  AND g2.granted_seq < g.granted_seq
                  AND (g2.kind = 'full' OR casework.review_visible(c.entity)))
        ORDER BY g.granted_seq, c.seq
        LIMIT p_limit
    ), picked AS (
        SELECT n.pos, n.seq FROM normal n
        UNION ALL
        SELECT b.pos, b.seq FROM backfill b
        ORDER BY 1, 2
        LIMIT p_limit
    )
    SELECT p.pos, c.seq, c.change_id, c.entity, c.entity_id, c.scope_id, c.op, c.key_id,
           c.meta, c.payload, c.sig, c.hlc, c.actor, c.device, c.at
    FROM picked p JOIN casework.changes c ON c.seq = p.seq
    ORDER BY p.pos, p.seq;
END $$;

-- base64 text of a JSON string as bytea; NULL if it is not one (no exception handler:
-- that would cost a subtransaction per call).
CREATE FUNCTION casework.b64(p jsonb) RETURNS bytea
LANGUAGE sql IMMUTABLE AS $$
    SELECT CASE WHEN jsonb_typeof(p) = 'string'
                     AND length(p #>> '{}') % 4 = 0
                     AND (p #>> '{}') ~ '^[A-Za-z0-9+/]*={0,2}$'
                THEN decode(p #>> '{}', 'base64') END
$$;

-- A device publishes its public keys once (X25519 for sealed keys, Ed25519 for its
-- signatures); a device's keys never change (a new key is a new enrolment).
CREATE FUNCTION casework.casework_publish_keys(p_enc bytea, p_sign bytea) RETURNS boolean
LANGUAGE plpgsql SECURITY DEFINER SET search_path = casework, pg_temp AS $$
DECLARE
    v_device text;
    v_dev casework.devices%ROWTYPE;
BEGIN
    SELECT d.o_device INTO v_device FROM casework.require_device() d;
    IF octet_length(p_enc) <> 32 OR octet_length(p_sign) <> 32 THEN
        RAISE EXCEPTION 'bad public key' USING ERRCODE = 'CW020';
    END IF;
    SELECT * INTO v_dev FROM casework.devices d WHERE d.id = v_device;
    IF v_dev.enc_public IS NULL THEN
        UPDATE casework.devices SET enc_public = p_enc, sign_public = p_sign, keys_at = now()
        WHERE id = v_device;
        RETURN true;
    END IF;
    IF v_dev.enc_public <> p_enc OR v_dev.sign_public <> p_sign THEN
        RAISE EXCEPTION 'device keys already published' USING ERRCODE = 'CW006';
    END IF;
    RETURN false;
END $$;

-- Every device's public keys (devices pin them the first time they see them).
CREATE FUNCTION casework.casework_device_keys()
RETURNS TABLE (device text, worker_id text, enc_public bytea, sign_public bytea)
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = casework, pg_temp AS $$
#variable_conflict use_column
BEGIN
    PERFORM casework.require_device();
    RETURN QUERY SELECT d.id, d.worker_id, d.enc_public, d.sign_public
                 FROM casework.devices d WHERE d.enc_public IS NOT NULL ORDER BY d.id;
END $$;

-- May device p_device receive the keys of scope p_scope (a grant of its worker; team
-- keys: every enabled worker's unrevoked device)?
CREATE FUNCTION casework.key_entitled(p_device text, p_scope text) RETURNS boolean
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = casework, pg_temp AS $$
    SELECT EXISTS (
        SELECT 1 FROM casework.devices d JOIN casework.workers w ON w.id = d.worker_id
        WHERE d.id = p_device AND d.revoked_at IS NULL AND NOT w.disabled
          AND d.enc_public IS NOT NULL
          AND (p_scope = '*' OR EXISTS (SELECT 1 FROM casework.assignments a
                                        WHERE a.worker_id = w.id AND a.scope_id = p_scope)))
$$;

-- Keys this device holds (made them, or has a sealed copy) that an entitled device lacks.
CREATE FUNCTION casework.casework_wrap_needs(p_limit integer)
RETURNS TABLE (key_id text, scope_id text, key_device text, device text)
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = casework, pg_temp AS $$
#variable_conflict use_column
DECLARE
    v_device text;
BEGIN
    SELECT d.o_device INTO v_device FROM casework.require_device() d;
    RETURN QUERY
    WITH held AS (
        SELECT k.key_id, k.scope_id, k.device FROM casework.keys k WHERE k.device = v_device
        UNION
        SELECT k.key_id, k.scope_id, k.device FROM casework.wraps x
        JOIN casework.keys k ON k.key_id = x.key_id WHERE x.device = v_device
    ), targets AS (
        SELECT h.key_id, h.scope_id, h.device AS key_device, d.id AS device
        FROM held h
        JOIN casework.assignments a ON a.scope_id = h.scope_id
        JOIN casework.devices d ON d.worker_id = a.worker_id
        UNION
        SELECT h.key_id, h.scope_id, h.device, d.id
        FROM held h CROSS JOIN casework.devices d WHERE h.scope_id = '*'
    )
    SELECT DISTINCT t.key_id, t.scope_id, t.key_device, t.device FROM targets t
    WHERE t.device <> t.key_device AND t.device <> v_device
      AND casework.key_entitled(t.device, t.scope_id)
      AND NOT EXISTS (SELECT 1 FROM casework.wraps x
                      WHERE x.key_id = t.key_id AND x.device = t.device)
    LIMIT p_limit;
END $$;

-- Keys this device made that were sealed to a device which is no longer entitled (a
-- reassignment, a revoked device, a disabled worker): the device writes under a new key.
CREATE FUNCTION casework.casework_stale_keys()
RETURNS TABLE (key_id text)
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = casework, pg_temp AS $$
#variable_conflict use_column
DECLARE
    v_device text;
BEGIN
    SELECT d.o_device INTO v_device FROM casework.require_device() d;
    RETURN QUERY SELECT DISTINCT k.key_id FROM casework.keys k
                 JOIN casework.wraps x ON x.key_id = k.key_id
                 WHERE k.device = v_device AND NOT casework.key_entitled(x.device, k.scope_id);
END $$;

-- Store sealed copies of keys this device holds for entitled devices; returns how many.
CREATE FUNCTION casework.casework_put_wraps(p_wraps jsonb) RETURNS integer
LANGUAGE plpgsql SECURITY DEFINER SET search_path = casework, pg_temp AS $$
DECLARE
    v_device text;
    v_count integer;
BEGIN
    SELECT d.o_device INTO v_device FROM casework.require_device() d;
    IF jsonb_typeof(p_wraps) IS DISTINCT FROM 'array' OR jsonb_array_length(p_wraps) > 5000 THEN
        RAISE EXCEPTION 'a list of at most 5000 sealed keys' USING ERRCODE = 'CW020';
    END IF;
    INSERT INTO casework.wraps (key_id, device, wrapped_by, sealed, sig)
    SELECT w.item ->> 'key_id', w.item ->> 'device', v_device,
           casework.b64(w.item -> 'sealed'), casework.b64(w.item -> 'sig')
    FROM jsonb_array_elements(p_wraps) AS w(item)
    JOIN casework.keys k ON k.key_id = w.item ->> 'key_id'
    WHERE jsonb_typeof(w.item) = 'object'
      AND octet_length(casework.b64(w.item -> 'sealed')) BETWEEN 60 AND 200
      AND octet_length(casework.b64(w.item -> 'sig')) BETWEEN 72 AND 584
      AND (k.device = v_device OR EXISTS (SELECT 1 FROM casework.wraps x
                                          WHERE x.key_id = k.key_id AND x.device = v_device))
      AND casework.key_entitled(w.item ->> 'device', k.scope_id)
    ON CONFLICT (key_id, device) DO NOTHING;
    GET DIAGNOSTICS v_count = ROW_COUNT;
    RETURN v_count;
END $$;

-- Sealed keys addressed to this device after a position.
CREATE FUNCTION casework.casework_pull_wraps(p_after bigint, p_limit integer)
RETURNS TABLE (seq bigint, key_id text, scope_id text, key_device text, wrapped_by text,
               sealed bytea, sig bytea)
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = casework, pg_temp AS $$
#variable_conflict use_column
DECLARE
    v_device text;
BEGIN
    SELECT d.o_device INTO v_device FROM casework.require_device() d;
    RETURN QUERY SELECT x.seq, x.key_id, k.scope_id, k.device, x.wrapped_by, x.sealed, x.sig
                 FROM casework.wraps x JOIN casework.keys k ON k.key_id = x.key_id
                 WHERE x.device = v_device AND x.seq > p_after
                 ORDER BY x.seq LIMIT p_limit;
END $$;

-- Who is who: the hub's list of workers with their roles and teams. Devices take roles
-- from here (persons and roles are the hub administration's business).
CREATE FUNCTION casework.casework_roster()
RETURNS TABLE (id text, name text, role text, team text, disabled boolean)
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = casework, pg_temp AS $$
#variable_conflict use_column
BEGIN
    PERFORM casework.require_device();
    RETURN QUERY SELECT w.id, w.name, w.role, coalesce(t.name, ''), w.disabled
                 FROM casework.workers w LEFT JOIN casework.teams t ON t.id = w.team_id
                 ORDER BY w.id;
END $$;

CREATE FUNCTION casework.device_login(p_device text) RETURNS name
LANGUAGE sql IMMUTABLE AS $$
    SELECT ('cwd_' || substr(encode(sha256(convert_to(current_database() || ':' || p_device,
                                                      'UTF8')), 'hex'), 1, 28))::name
$$;

CREATE FUNCTION casework.casework_enrol(p_code text, p_device text, p_label text,
                                        p_verifier text)
RETURNS TABLE (worker_id text, name text, role text, team text, login name)
LANGUAGE plpgsql SECURITY DEFINER SET search_path = casework, pg_temp AS $$
#variable_conflict use_column
DECLARE
    v_worker text;
    v_dev casework.devices%ROWTYPE;
    v_code casework.enrolment_codes%ROWTYPE;
    v_login name;
BEGIN
    v_worker := casework.login_worker();
    IF v_worker IS NULL THEN
        RAISE EXCEPTION 'login is not an enabled casework worker' USING ERRCODE = 'CW001';
    END IF;
    IF p_device !~ '^[0-9A-Za-z_-]{1,64}$' OR p_verifier !~
       '^SCRAM-SHA-256[$][0-9]{4,7}:[A-Za-z0-9+/=]+[$][A-Za-z0-9+/=]+:[A-Za-z0-9+/=]+$' THEN
        RAISE EXCEPTION 'bad enrolment request' USING ERRCODE = 'CW020';
    END IF;
    SELECT * INTO v_dev FROM casework.devices d WHERE d.id = p_device;
    IF FOUND THEN
        -- A repeated enrolment (reply lost on a cut connection) is fine; anything else not.
        IF v_dev.worker_id <> v_worker THEN
            RAISE EXCEPTION 'device belongs to another worker' USING ERRCODE = 'CW002';
        END IF;
        IF v_dev.revoked_at IS NOT NULL THEN
            RAISE EXCEPTION 'device revoked' USING ERRCODE = 'CW003';
        END IF;
        SELECT * INTO v_code FROM casework.enrolment_codes c
        WHERE c.code_hash = encode(sha256(convert_to(upper(p_code), 'UTF8')), 'hex');
        IF NOT FOUND OR v_code.device_id IS DISTINCT FROM p_device THEN
            RAISE EXCEPTION 'enrolment code not valid' USING ERRCODE = 'CW004';
        END IF;
        v_login := v_dev.login;
        EXECUTE format('ALTER ROLE %I LOGIN PASSWORD %L', v_login, p_verifier);
    ELSE
        SELECT * INTO v_code FROM casework.enrolment_codes c
        WHERE c.code_hash = encode(sha256(convert_to(upper(p_code), 'UTF8')), 'hex')
        FOR UPDATE;
        IF NOT FOUND OR v_code.used_at IS NOT NULL OR v_code.expires_at < now()
           OR v_code.worker_id <> v_worker THEN
            RAISE EXCEPTION 'enrolment code not valid' USING ERRCODE = 'CW004';
        END IF;
        UPDATE casework.enrolment_codes c SET used_at = now(), device_id = p_device
        WHERE c.code_hash = v_code.code_hash;
        v_login := casework.device_login(p_device);
        IF EXISTS (SELECT 1 FROM pg_roles r WHERE r.rolname = v_login) THEN
            EXECUTE format('ALTER ROLE %I LOGIN PASSWORD %L', v_login, p_verifier);
        ELSE
            EXECUTE format('CREATE ROLE %I LOGIN PASSWORD %L', v_login, p_verifier);
        END IF;
        EXECUTE format('GRANT %I TO %I',
                       (SELECT value FROM casework.hub_meta WHERE key = 'device_role'), v_login);
        -- The hub owner may end this login's sessions when the device is revoked.
        BEGIN
            EXECUTE format('GRANT %I TO %I', v_login,
                           (SELECT value FROM casework.hub_meta WHERE key = 'owner'));
        EXCEPTION WHEN insufficient_privilege OR invalid_grant_operation THEN
            NULL;
        END;
        INSERT INTO casework.devices (id, worker_id, login, label)
        VALUES (p_device, v_worker, v_login, p_label);
    END IF;
    RETURN QUERY
    SELECT w.id, w.name, w.role, coalesce(t.name, ''), v_login
    FROM casework.workers w LEFT JOIN casework.teams t ON t.id = w.team_id
    WHERE w.id = v_worker;
END $$;

CREATE FUNCTION casework.may_manage(p_worker text) RETURNS boolean
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = casework, pg_temp AS $$
    SELECT session_user::text = (SELECT value FROM casework.hub_meta WHERE key = 'owner')
        OR EXISTS (SELECT 1 FROM casework.workers me JOIN casework.workers target
                   ON target.id = p_worker
                   WHERE me.id = casework.acting_worker()
                     AND (me.role = 'Admin' OR me.id = target.id
                          OR (me.role = 'Leitung' AND me.team_id = target.team_id)))
$$;

CREATE FUNCTION casework.casework_issue_code(p_worker text, p_code text, p_valid_hours integer)
RETURNS timestamptz
LANGUAGE plpgsql SECURITY DEFINER SET search_path = casework, pg_temp AS $$
DECLARE
    v_expires timestamptz := now() + make_interval(hours => greatest(1, least(p_valid_hours, 168)));
BEGIN
    IF NOT EXISTS (SELECT 1 FROM casework.workers w WHERE w.id = p_worker AND NOT w.disabled)
       OR NOT casework.may_manage(p_worker)
       OR (casework.acting_worker() = p_worker
           AND session_user::text <> (SELECT value FROM casework.hub_meta WHERE key = 'owner')) THEN
        RAISE EXCEPTION 'not allowed to issue a code for this worker' USING ERRCODE = 'CW005';
    END IF;
    IF length(p_code) < 16 THEN
        RAISE EXCEPTION 'enrolment code too short' USING ERRCODE = 'CW004';
    END IF;
    INSERT INTO casework.enrolment_codes (code_hash, worker_id, issued_by, expires_at)
    VALUES (encode(sha256(convert_to(upper(p_code), 'UTF8')), 'hex'), p_worker, session_user,
            v_expires);
    RETURN v_expires;
END $$;

-- Revocation ends access at once: the device login may no longer log in, its open
-- sessions are ended, and every function and row policy refuses it from now on.
CREATE FUNCTION casework.casework_revoke_device(p_device text) RETURNS boolean
LANGUAGE plpgsql SECURITY DEFINER SET search_path = casework, pg_temp AS $$
DECLARE
    v_dev casework.devices%ROWTYPE;
BEGIN
    SELECT * INTO v_dev FROM casework.devices d WHERE d.id = p_device;
    IF NOT FOUND THEN
        RETURN false;
    END IF;
    IF NOT casework.may_manage(v_dev.worker_id) THEN
        RAISE EXCEPTION 'not allowed to revoke this device' USING ERRCODE = 'CW005';
    END IF;
    UPDATE casework.devices d SET revoked_at = coalesce(d.revoked_at, now())
    WHERE d.id = p_device;
    EXECUTE format('ALTER ROLE %I NOLOGIN', v_dev.login);
    BEGIN
        PERFORM pg_terminate_backend(a.pid) FROM pg_stat_activity a
        WHERE a.usename = v_dev.login AND a.pid <> pg_backend_pid();
    EXCEPTION WHEN insufficient_privilege THEN
        NULL;  -- the row policies and functions refuse the session anyway
    END;
    RETURN true;
END $$;
"""

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


# Version 4: signed roster statements and device bindings ({devices}: the device group).
ROSTER = """
ALTER TABLE casework.devices ADD COLUMN person_public bytea, ADD COLUMN binding bytea;

CREATE TABLE casework.roster_statements (
    seq bigserial PRIMARY KEY,
    hash text NOT NULL UNIQUE,
    statement text NOT NULL,
    sig bytea NOT NULL,
    device text REFERENCES casework.devices(id),
    received_at timestamptz NOT NULL DEFAULT now()
);
ALTER TABLE casework.roster_statements ENABLE ROW LEVEL SECURITY;
REVOKE ALL ON casework.roster_statements FROM PUBLIC;

DROP FUNCTION casework.casework_device_keys();
-- Every device's public keys and its person's binding (devices verify the binding against
-- the signed roster; the hub cannot make one).
CREATE FUNCTION casework.casework_device_keys()
RETURNS TABLE (device text, worker_id text, enc_public bytea, sign_public bytea,
               person_public bytea, binding bytea)
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = casework, pg_temp AS $$
#variable_conflict use_column
BEGIN
    PERFORM casework.require_device();
    RETURN QUERY SELECT d.id, d.worker_id, d.enc_public, d.sign_public, d.person_public,
                        d.binding
                 FROM casework.devices d WHERE d.enc_public IS NOT NULL ORDER BY d.id;
END $$;

-- The device's person signed its keys (at enrolment, with her passphrase).
CREATE FUNCTION casework.casework_bind_device(p_person bytea, p_binding bytea)
RETURNS boolean
LANGUAGE plpgsql SECURITY DEFINER SET search_path = casework, pg_temp AS $$
DECLARE
    v_device text;
BEGIN
    SELECT d.o_device INTO v_device FROM casework.require_device() d;
    IF octet_length(p_person) <> 32 OR octet_length(p_binding) <> 64 THEN
        RAISE EXCEPTION 'bad binding' USING ERRCODE = 'CW020';
    END IF;
    UPDATE casework.devices SET person_public = p_person, binding = p_binding
    WHERE id = v_device AND (person_public IS DISTINCT FROM p_person
                             OR binding IS DISTINCT FROM p_binding);
    RETURN FOUND;
END $$;

-- Signed roster statements after a position (devices keep and verify every one).
CREATE FUNCTION casework.casework_roster_statements(p_after bigint)
RETURNS TABLE (seq bigint, statement text, sig bytea)
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = casework, pg_temp AS $$
#variable_conflict use_column
BEGIN
    PERFORM casework.require_device();
    RETURN QUERY SELECT r.seq, r.statement, r.sig FROM casework.roster_statements r
                 WHERE r.seq > p_after ORDER BY r.seq LIMIT 5000;
END $$;

-- An Admin's device stores statements its person signed; the hub's own tables follow
-- them (its entitlement rules read roles and teams). Devices never rely on that copy.
CREATE FUNCTION casework.casework_put_roster(p_items jsonb) RETURNS integer
LANGUAGE plpgsql SECURITY DEFINER SET search_path = casework, pg_temp AS $$
DECLARE
    v_device text;
    v_role text;
    v_count integer := 0;
    r record;
    v_data jsonb;
    v_team text;
BEGIN
    SELECT d.o_device, d.o_role INTO v_device, v_role FROM casework.require_device() d;
    IF v_role <> 'Admin' THEN
        RAISE EXCEPTION 'roster statements only from an Admin' USING ERRCODE = 'CW005';
    END IF;
    IF jsonb_typeof(p_items) IS DISTINCT FROM 'array' OR jsonb_array_length(p_items) > 500 THEN
        RAISE EXCEPTION 'a list of at most 500 statements' USING ERRCODE = 'CW020';
    END IF;
    FOR r IN SELECT e.item ->> 'statement' AS statement, casework.b64(e.item -> 'sig') AS sig
             FROM jsonb_array_elements(p_items) AS e(item)
             WHERE jsonb_typeof(e.item) = 'object'
               AND jsonb_typeof(e.item -> 'statement') = 'string' LOOP
        IF r.sig IS NULL OR octet_length(r.sig) <> 64 OR length(r.statement) > 16384 THEN
            RAISE EXCEPTION 'bad roster statement' USING ERRCODE = 'CW020';
        END IF;
        BEGIN
            v_data := r.statement::jsonb;
        EXCEPTION WHEN others THEN
            RAISE EXCEPTION 'bad roster statement' USING ERRCODE = 'CW020';
        END;
        INSERT INTO casework.roster_statements (hash, statement, sig, device)
        VALUES (encode(sha256(convert_to(r.statement, 'UTF8')), 'hex'), r.statement, r.sig,
                v_device)
        ON CONFLICT (hash) DO NOTHING;
        IF NOT FOUND THEN
            CONTINUE;
        END IF;
        v_count := v_count + 1;
        IF v_data ->> 'role' NOT IN ('Fachkraft', 'Leitung', 'Teilhabemanagement', 'Admin')
           OR jsonb_typeof(v_data -> 'disabled') <> 'boolean' THEN
            CONTINUE;
        END IF;
        v_team := NULL;
        IF coalesce(v_data ->> 'team', '') <> '' THEN
            INSERT INTO casework.teams (id, name) VALUES (gen_random_uuid()::text,
                                                          v_data ->> 'team')
            ON CONFLICT (name) DO NOTHING;
            SELECT t.id INTO v_team FROM casework.teams t WHERE t.name = v_data ->> 'team';
        END IF;
        UPDATE casework.workers w SET name = v_data ->> 'name', role = v_data ->> 'role',
               team_id = v_team, disabled = (v_data ->> 'disabled')::boolean
        WHERE w.id = v_data ->> 'worker';
    END LOOP;
    RETURN v_count;
END $$;

REVOKE ALL ON ALL FUNCTIONS IN SCHEMA casework FROM PUBLIC;
GRANT EXECUTE ON FUNCTION casework.casework_device_keys(),
    casework.casework_bind_device(bytea, bytea),
    casework.casework_roster_statements(bigint),
    casework.casework_put_roster(jsonb)
    TO {devices};
"""
