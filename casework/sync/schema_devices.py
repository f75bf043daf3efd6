"""The hub's functions (schema `casework`, see `casework.sync.schema`), part 3: a device's
enrolment with a one-time code, issuing codes, revoking devices; and (version 4) the
signed roster statements and device bindings."""

from __future__ import annotations

# Enrolment, one-time codes, revocation (worker logins; Admin/Leitung manage).
ENROLMENT = r"""
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
