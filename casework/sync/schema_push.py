"""The hub's functions (schema `casework`, see `casework.sync.schema`), part 1: who is
calling (the session's worker and device, read entitlement to a household) and the push,
which checks each change against its kind and the pushing worker's write entitlement and
then brings the households' grants up to date (`grant_after_push`)."""

from __future__ import annotations

# Who is calling: the session's worker (device or worker login), read entitlement.
SESSION = r"""
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
"""

# The push: one pusher at a time (schema.PUSH_LOCK_KEY), refused changes with a reason code.
PUSH = r"""
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
"""
