"""The hub's PostgreSQL schema (version 1), installed by `casework hub init`.

Everything lives in schema `casework`. Clients never touch the tables: they call the
SECURITY DEFINER functions `casework_push`, `casework_pull`, `casework_enrol`,
`casework_issue_code` and `casework_revoke_device`, which check that the login role
(`session_user`) is an enabled worker and that the device is theirs and not revoked.

Entitlement (decided here, never by the client): a change is visible to a worker if it
has no household scope (worker rows, reference data) or the worker holds an assignment
for its household: `full` (assigned worker, or the worker who created it) sees
everything of the household; `review` (the Leitung of the team of an assigned worker,
once the household has a § 8a procedure) sees the household and person rows and the
entities `kinderschutz*` / `review*`. Writing into a household one may not see is
accepted (the assigned worker receives it) but grants nothing. The same function
decides for the RLS policy on direct SELECTs and for `casework_pull`. New assignments
deliver the household's earlier changes too: each change is delivered at position
max(seq, first matching grant), so a device's cursor (pos, seq) never skips anything.
"""

from __future__ import annotations

SCHEMA_VERSION = 1

# One pusher at a time: sequence values are then handed out in commit order, so a reader
# can never see change n+1 before change n and move its cursor past n.
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
    label text NOT NULL DEFAULT '',
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

CREATE SEQUENCE casework.hub_seq;

CREATE TABLE casework.changes (
    seq bigint PRIMARY KEY DEFAULT nextval('casework.hub_seq'),
    change_id text NOT NULL UNIQUE,
    entity text NOT NULL,
    entity_id text NOT NULL,
    scope_id text,
    op text NOT NULL CHECK (op IN ('insert', 'update', 'delete')),
    fields jsonb NOT NULL,
    bases jsonb NOT NULL DEFAULT '{}'::jsonb,
    hlc text NOT NULL CHECK (hlc ~ '^[0-9]{13}[.][0-9]{6}[.].+$'),
    actor text NOT NULL,
    device text NOT NULL REFERENCES casework.devices(id),
    at text NOT NULL,
    received_at timestamptz NOT NULL DEFAULT now(),
    purged boolean NOT NULL DEFAULT false
);
CREATE INDEX changes_scope ON casework.changes (scope_id, seq);
CREATE INDEX changes_entity ON casework.changes (entity_id);

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

CREATE FUNCTION casework.session_worker() RETURNS text
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = casework, pg_temp AS $$
    SELECT w.id FROM casework.workers w WHERE w.login = session_user AND NOT w.disabled
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

CREATE FUNCTION casework.check_device(p_device text) RETURNS text
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = casework, pg_temp AS $$
DECLARE
    v_worker text;
    v_dev casework.devices%ROWTYPE;
BEGIN
    v_worker := casework.session_worker();
    IF v_worker IS NULL THEN
        RAISE EXCEPTION 'login is not an enabled casework worker' USING ERRCODE = 'CW001';
    END IF;
    SELECT * INTO v_dev FROM casework.devices d WHERE d.id = p_device;
    IF NOT FOUND OR v_dev.worker_id <> v_worker THEN
        RAISE EXCEPTION 'device not enrolled for this worker' USING ERRCODE = 'CW002';
    END IF;
    IF v_dev.revoked_at IS NOT NULL THEN
        RAISE EXCEPTION 'device revoked' USING ERRCODE = 'CW003';
    END IF;
    RETURN v_worker;
END $$;

CREATE FUNCTION casework.grant_after_push(p_worker text, p_before bigint) RETURNS void
LANGUAGE plpgsql SECURITY DEFINER SET search_path = casework, pg_temp AS $$
BEGIN
    -- Whoever creates a household may read it. Writing into an existing household
    -- grants nothing (a modified client cannot claim a household by writing to it).
    INSERT INTO casework.assignments (worker_id, scope_id, kind, granted_seq)
    SELECT p_worker, s.scope_id, 'full', nextval('casework.hub_seq')
    FROM (SELECT DISTINCT c.scope_id FROM casework.changes c
          WHERE c.seq > p_before AND c.scope_id IS NOT NULL) s
    WHERE NOT EXISTS (SELECT 1 FROM casework.changes o WHERE o.scope_id = s.scope_id
                      AND o.seq <= p_before)
      AND NOT EXISTS (SELECT 1 FROM casework.assignments a WHERE a.worker_id = p_worker
                      AND a.scope_id = s.scope_id AND a.kind = 'full');
    -- The household's assigned worker, set by someone who may see the household.
    INSERT INTO casework.assignments (worker_id, scope_id, kind, granted_seq)
    SELECT s.wid, s.scope_id, 'full', nextval('casework.hub_seq')
    FROM (SELECT DISTINCT c.fields ->> 'assigned_worker_id' AS wid, c.scope_id
          FROM casework.changes c
          WHERE c.seq > p_before AND c.entity = 'household' AND c.scope_id IS NOT NULL
            AND c.fields ->> 'assigned_worker_id' IS NOT NULL) s
    WHERE EXISTS (SELECT 1 FROM casework.workers w WHERE w.id = s.wid)
      AND EXISTS (SELECT 1 FROM casework.assignments p WHERE p.worker_id = p_worker
                  AND p.scope_id = s.scope_id AND p.kind = 'full')
      AND NOT EXISTS (SELECT 1 FROM casework.assignments a WHERE a.worker_id = s.wid
                      AND a.scope_id = s.scope_id AND a.kind = 'full');
    -- The Leitung of the team of anyone assigned to a household with a § 8a procedure.
    INSERT INTO casework.assignments (worker_id, scope_id, kind, granted_seq)
    SELECT s.lid, s.scope_id, 'review', nextval('casework.hub_seq')
    FROM (SELECT DISTINCT l.id AS lid, a.scope_id
          FROM casework.assignments a
          JOIN casework.workers w ON w.id = a.worker_id
          JOIN casework.workers l ON l.team_id = w.team_id AND l.role = 'Leitung'
                                   AND NOT l.disabled
          WHERE a.kind = 'full'
            AND a.scope_id IN (SELECT c.scope_id FROM casework.changes c
                               WHERE c.seq > p_before AND c.scope_id IS NOT NULL)
            AND EXISTS (SELECT 1 FROM casework.changes k WHERE k.scope_id = a.scope_id
                        AND casework.review_trigger(k.entity))) s
    WHERE NOT EXISTS (SELECT 1 FROM casework.assignments x WHERE x.worker_id = s.lid
                      AND x.scope_id = s.scope_id);
    -- An executed retention deletion (Leitung/Admin, four-eyes approved on the device)
    -- blanks the household's content at the hub too.
    IF EXISTS (SELECT 1 FROM casework.changes d WHERE d.seq > p_before
               AND d.entity = 'deletion_execution') THEN
        IF NOT EXISTS (SELECT 1 FROM casework.workers w WHERE w.id = p_worker
                       AND w.role IN ('Leitung', 'Admin')) THEN
            RAISE EXCEPTION 'only a Leitung may delete households' USING ERRCODE = 'CW005';
        END IF;
        UPDATE casework.changes c SET fields = '{}'::jsonb, bases = '{}'::jsonb, purged = true
        WHERE c.scope_id IN (SELECT d.fields ->> 'target_id' FROM casework.changes d
                             WHERE d.seq > p_before AND d.entity = 'deletion_execution')
          AND EXISTS (SELECT 1 FROM casework.assignments a WHERE a.worker_id = p_worker
                      AND a.scope_id = c.scope_id)
          AND NOT c.purged;
    END IF;
    -- Single records purged with {"purged": true}: the hub forgets their content too.
    UPDATE casework.changes c SET fields = '{}'::jsonb, bases = '{}'::jsonb, purged = true
    WHERE c.entity_id IN (SELECT p.entity_id FROM casework.changes p
                          WHERE p.seq > p_before AND p.op = 'delete'
                            AND p.fields @> '{"purged": true}'::jsonb)
      AND NOT c.purged AND NOT (c.op = 'delete' AND c.fields @> '{"purged": true}'::jsonb);
END $$;

CREATE FUNCTION casework.casework_push(p_device text, p_changes jsonb) RETURNS integer
LANGUAGE plpgsql SECURITY DEFINER SET search_path = casework, pg_temp AS $$
DECLARE
    v_worker text;
    v_before bigint;
    v_count integer;
BEGIN
    v_worker := casework.check_device(p_device);
    PERFORM pg_advisory_xact_lock(7262001);
    SELECT coalesce(max(c.seq), 0) INTO v_before FROM casework.changes c;
    INSERT INTO casework.changes (change_id, entity, entity_id, scope_id, op, fields, bases,
                                  hlc, actor, device, at)
    SELECT x.change_id, x.entity, x.entity_id, x.scope_id, x.op,
           coalesce(x.fields, '{}'::jsonb), coalesce(x.bases, '{}'::jsonb),
           x.hlc, x.actor, p_device, x.at
    FROM jsonb_array_elements(p_changes) WITH ORDINALITY AS e(item, ord)
    CROSS JOIN LATERAL jsonb_to_record(e.item) AS x(change_id text, entity text,
        entity_id text, scope_id text, op text, fields jsonb, bases jsonb, hlc text,
        actor text, at text)
    ORDER BY e.ord
    ON CONFLICT (change_id) DO NOTHING;
    GET DIAGNOSTICS v_count = ROW_COUNT;
    IF v_count > 0 THEN
        PERFORM casework.grant_after_push(v_worker, v_before);
    END IF;
    UPDATE casework.devices SET last_seen_at = now() WHERE id = p_device;
    RETURN v_count;
END $$;

CREATE FUNCTION casework.casework_pull(p_device text, p_after_pos bigint, p_after_seq bigint,
                                       p_limit integer)
RETURNS TABLE (pos bigint, seq bigint, change_id text, entity text, entity_id text,
               scope_id text, op text, fields jsonb, bases jsonb, hlc text, actor text,
               device text, at text)
LANGUAGE plpgsql SECURITY DEFINER SET search_path = casework, pg_temp AS $$
#variable_conflict use_column
DECLARE
    v_worker text;
BEGIN
    v_worker := casework.check_device(p_device);
    UPDATE casework.devices SET last_seen_at = now() WHERE id = p_device;
    -- Two sources, each already in delivery order so each can stop after p_limit rows:
    -- changes made after the worker could see their household (position = seq), and the
    -- earlier history of a household delivered at the position of the first grant.
    RETURN QUERY
    WITH normal AS (
        SELECT c.seq AS pos, c.seq AS seq FROM casework.changes c
        WHERE c.seq >= p_after_pos AND (c.seq, c.seq) > (p_after_pos, p_after_seq)
          AND NOT c.purged
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
    SELECT p.pos, c.seq, c.change_id, c.entity, c.entity_id, c.scope_id, c.op, c.fields,
           c.bases, c.hlc, c.actor, c.device, c.at
    FROM picked p JOIN casework.changes c ON c.seq = p.seq
    ORDER BY p.pos, p.seq;
END $$;

CREATE FUNCTION casework.casework_enrol(p_code text, p_device text, p_label text)
RETURNS TABLE (worker_id text, name text, role text, team text)
LANGUAGE plpgsql SECURITY DEFINER SET search_path = casework, pg_temp AS $$
#variable_conflict use_column
DECLARE
    v_worker text;
    v_dev casework.devices%ROWTYPE;
    v_code casework.enrolment_codes%ROWTYPE;
BEGIN
    v_worker := casework.session_worker();
    IF v_worker IS NULL THEN
        RAISE EXCEPTION 'login is not an enabled casework worker' USING ERRCODE = 'CW001';
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
        INSERT INTO casework.devices (id, worker_id, label) VALUES (p_device, v_worker, p_label);
    END IF;
    RETURN QUERY
    SELECT w.id, w.name, w.role, coalesce(t.name, '')
    FROM casework.workers w LEFT JOIN casework.teams t ON t.id = w.team_id
    WHERE w.id = v_worker;
END $$;

CREATE FUNCTION casework.may_manage(p_worker text) RETURNS boolean
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = casework, pg_temp AS $$
    SELECT session_user::text = (SELECT value FROM casework.hub_meta WHERE key = 'owner')
        OR EXISTS (SELECT 1 FROM casework.workers me JOIN casework.workers target
                   ON target.id = p_worker
                   WHERE me.id = casework.session_worker()
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
       OR (casework.session_worker() = p_worker
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
    RETURN true;
END $$;
"""

# Row-level security and privileges; {group} is the worker group role (an identifier).
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
REVOKE ALL ON SCHEMA casework FROM PUBLIC;
REVOKE ALL ON ALL TABLES IN SCHEMA casework FROM PUBLIC;
REVOKE ALL ON ALL FUNCTIONS IN SCHEMA casework FROM PUBLIC;
GRANT USAGE ON SCHEMA casework TO {group};
GRANT SELECT ON casework.changes, casework.assignments, casework.devices, casework.workers
    TO {group};
GRANT EXECUTE ON FUNCTION casework.casework_push(text, jsonb),
    casework.casework_pull(text, bigint, bigint, integer),
    casework.casework_enrol(text, text, text),
    casework.casework_issue_code(text, text, integer),
    casework.casework_revoke_device(text),
    casework.casework_hub_version(),
    casework.session_worker(),
    casework.entitled(text, text),
    casework.review_visible(text),
    casework.review_trigger(text)
    TO {group};
"""
