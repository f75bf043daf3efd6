"""The hub's functions (schema `casework`, see `casework.sync.schema`), part 2: what a
device receives: changes after its cursor, public device keys and sealed household keys,
and the roster of workers."""

from __future__ import annotations

# Changes visible to the device after its cursor (pos, seq).
PULL = r"""
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
"""

# Public keys, sealed copies of household and team keys, the roster.
KEYS = r"""
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
"""
