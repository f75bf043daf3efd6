"""Hub administration: install the schema, add workers (PostgreSQL login roles), issue
one-time enrolment codes, revoke devices.

`init_hub` and `add_worker` run with the hub owner's connection (a role with CREATEROLE
that owns the database, see docs/hub-admin.md). Issuing codes and revoking devices also
works for a Leitung (her team) through the hub's functions.
"""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass
from datetime import datetime

import psycopg
from psycopg import sql

from casework.errors import UserError, ValidationError
from casework.models import hub as kinds
from casework.models.ids import new_id
from casework.models.persons.worker import WorkerRole
from casework.sync import schema, schema_devices
from casework.sync.client import connect, hub_errors
from casework.sync.scram import scram_verifier

_LOGIN_OK = re.compile(r"^[a-z][a-z0-9_]{2,62}$")
_CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I


@dataclass(frozen=True, slots=True)
class DeviceInfo:
    id: str
    worker_id: str
    worker_name: str
    label: str
    enrolled_at: datetime
    revoked_at: datetime | None
    last_seen_at: datetime | None


def group_role(dbname: str) -> str:
    """The NOLOGIN role all worker logins of this hub database are members of."""
    safe = re.sub(r"[^a-z0-9_]", "_", dbname.lower())[:40]
    return f"casework_{safe}_workers"


def device_group_role(dbname: str) -> str:
    """The NOLOGIN role all device logins of this hub database are members of."""
    safe = re.sub(r"[^a-z0-9_]", "_", dbname.lower())[:40]
    return f"casework_{safe}_devices"


def installed_version(conn: psycopg.Connection) -> int | None:
    row = conn.execute(
        "SELECT to_regprocedure('casework.casework_hub_version()') IS NOT NULL").fetchone()
    if not row or not row[0]:
        return None
    found = conn.execute("SELECT casework.casework_hub_version()").fetchone()
    return int(found[0]) if found and found[0] is not None else None


def init_hub(dsn: str) -> bool:
    """Install the hub schema; False if this version is already installed."""
    with connect(dsn) as conn, hub_errors():
        version = installed_version(conn)
        if version == schema.SCHEMA_VERSION:
            return False
        if version == 3:
            _upgrade_to_4(conn)
            return True
        if version is not None and version < schema.SCHEMA_VERSION:
            raise UserError(f"Der Hub hat die ältere Schema-Version {version} (Inhalte dort "
                            "unverschlüsselt): bitte eine neue Hub-Datenbank einrichten, die "
                            "Geräte neu anmelden und die alte samt Sicherungen löschen.")
        if version is not None:
            raise UserError(f"Der Hub hat Schema-Version {version}; diese Casework-Version "
                            f"kennt {schema.SCHEMA_VERSION}. Bitte Casework aktualisieren.")
        dbname = conn.execute("SELECT current_database()").fetchone()
        assert dbname is not None
        group = group_role(str(dbname[0]))
        devices = device_group_role(str(dbname[0]))
        with conn.transaction():
            for role in (group, devices):
                exists = conn.execute("SELECT 1 FROM pg_roles WHERE rolname = %s",
                                      (role,)).fetchone()
                if not exists:
                    conn.execute(sql.SQL("CREATE ROLE {} NOLOGIN").format(sql.Identifier(role)))
            conn.execute(schema.TABLES)
            conn.execute(schema.FUNCTIONS)
            conn.execute(sql.SQL(schema.SECURITY).format(workers=sql.Identifier(group),
                                                         devices=sql.Identifier(devices)))
            conn.execute(sql.SQL(schema_devices.ROSTER).format(devices=sql.Identifier(devices)))
            with conn.cursor() as cur:
                cur.executemany("INSERT INTO casework.kinds (entity, class, scope, fields) "
                                "VALUES (%s, %s, %s, %s::jsonb)", kinds.hub_rows())
            conn.execute(
                "INSERT INTO casework.hub_meta (key, value) VALUES "
                "('schema_version', %s), ('owner', current_user), ('worker_role', %s), "
                "('device_role', %s)",
                (str(schema.SCHEMA_VERSION), group, devices))
        return True


def _upgrade_to_4(conn: psycopg.Connection) -> None:
    """Version 3 → 4 in place: signed roster statements and device bindings. Nothing
    changes for devices until the team's Admin signs the roster (docs/hub-admin.md)."""
    roles: dict[str, str] = dict(conn.execute("SELECT key, value FROM casework.hub_meta "
                              "WHERE key IN ('worker_role', 'device_role')").fetchall())
    group = sql.Identifier(str(roles["worker_role"]))
    devices = sql.Identifier(str(roles["device_role"]))
    with conn.transaction():
        # Functions are code: all of them are replaced by this version's (the row policies
        # that use them go with them and are made again by SECURITY); tables keep their rows.
        for (signature,) in conn.execute(
                "SELECT p.oid::regprocedure::text FROM pg_proc p "
                "JOIN pg_namespace n ON n.oid = p.pronamespace "
                "WHERE n.nspname = 'casework'").fetchall():
            conn.execute(sql.SQL("DROP FUNCTION IF EXISTS {} CASCADE").format(
                sql.SQL(str(signature))))
        conn.execute(schema.FUNCTIONS)
        conn.execute(sql.SQL(schema.SECURITY).format(workers=group, devices=devices))
        conn.execute(sql.SQL(schema_devices.ROSTER).format(devices=devices))
        conn.execute("DELETE FROM casework.kinds")
        with conn.cursor() as cur:
            cur.executemany("INSERT INTO casework.kinds (entity, class, scope, fields) "
                            "VALUES (%s, %s, %s, %s::jsonb)", kinds.hub_rows())
        conn.execute("UPDATE casework.hub_meta SET value = %s WHERE key = 'schema_version'",
                     (str(schema.SCHEMA_VERSION),))


def add_worker(dsn: str, *, login: str, name: str, role: WorkerRole, password: str,
               team: str = "", worker_id: str | None = None) -> str:
    """Create (or update) a worker and their PostgreSQL login role; returns the worker id.

    Pass `worker_id` = the owner id of the worker's existing vault to keep it; otherwise the
    vault adopts the new id at enrolment."""
    if not _LOGIN_OK.match(login):
        raise ValidationError("Anmeldename", "nur Kleinbuchstaben, Ziffern und _, 3–63 Zeichen, "
                              "beginnend mit einem Buchstaben.")
    if not name.strip():
        raise ValidationError("Name", "darf nicht leer sein.")
    if len(password) < 12:
        raise ValidationError("Passwort", "muss mindestens 12 Zeichen lang sein.")
    wid = worker_id or new_id()
    with connect(dsn) as conn, hub_errors():
        _require_schema(conn)
        group_row = conn.execute(
            "SELECT value FROM casework.hub_meta WHERE key = 'worker_role'").fetchone()
        assert group_row is not None
        with conn.transaction():
            exists = conn.execute("SELECT 1 FROM pg_roles WHERE rolname = %s",
                                  (login,)).fetchone()
            verb = "ALTER" if exists else "CREATE"
            conn.execute(sql.SQL(verb + " ROLE {} LOGIN PASSWORD {}").format(
                sql.Identifier(login), sql.Literal(scram_verifier(password))))
            conn.execute(sql.SQL("GRANT {} TO {}").format(sql.Identifier(str(group_row[0])),
                                                          sql.Identifier(login)))
            team_id = None
            if team.strip():
                conn.execute("INSERT INTO casework.teams (id, name) VALUES (%s, %s) "
                             "ON CONFLICT (name) DO NOTHING", (new_id(), team.strip()))
                found = conn.execute("SELECT id FROM casework.teams WHERE name = %s",
                                     (team.strip(),)).fetchone()
                team_id = found[0] if found else None
            conn.execute(
                "INSERT INTO casework.workers (id, login, name, role, team_id) "
                "VALUES (%s, %s, %s, %s, %s) ON CONFLICT (login) DO UPDATE SET "
                "name = excluded.name, role = excluded.role, team_id = excluded.team_id, "
                "disabled = false",
                (wid, login, name.strip(), role.value, team_id))
            row = conn.execute("SELECT id FROM casework.workers WHERE login = %s",
                               (login,)).fetchone()
            assert row is not None
        return str(row[0])


def new_code() -> str:
    """20 random characters (100 bits) in groups of four: ABCD-EFGH-…"""
    raw = "".join(secrets.choice(_CODE_ALPHABET) for _ in range(20))
    return "-".join(raw[i:i + 4] for i in range(0, 20, 4))


def issue_code(dsn: str, worker_id: str, valid_hours: int = 48,
               anchor: str | None = None) -> tuple[str, datetime]:
    """A one-time enrolment code for one of `worker_id`'s devices (hub owner, Admin, or
    the Leitung of the worker's team). Only its hash is stored at the hub. `anchor`: the
    team's trust anchor check as the issuing device pinned it (`services.hub_trust`),
    appended as four more groups that never go to the hub."""
    code = new_code()
    with connect(dsn) as conn, hub_errors():
        _require_schema(conn)
        row = conn.execute("SELECT casework.casework_issue_code(%s, %s, %s)",
                           (worker_id, code, valid_hours)).fetchone()
    assert row is not None
    return (f"{code}-{anchor}" if anchor else code), row[0]


def revoke_device(dsn: str, device_id: str) -> bool:
    """A lost device receives nothing more and its pushes are refused from now on."""
    with connect(dsn) as conn, hub_errors():
        _require_schema(conn)
        row = conn.execute("SELECT casework.casework_revoke_device(%s)",
                           (device_id,)).fetchone()
    return bool(row and row[0])


def list_devices(dsn: str) -> list[DeviceInfo]:
    with connect(dsn) as conn, hub_errors():
        _require_schema(conn)
        rows = conn.execute(
            "SELECT d.id, d.worker_id, w.name, d.label, d.enrolled_at, d.revoked_at, "
            "d.last_seen_at FROM casework.devices d JOIN casework.workers w "
            "ON w.id = d.worker_id ORDER BY w.name, d.enrolled_at").fetchall()
    return [DeviceInfo(*r) for r in rows]


def _require_schema(conn: psycopg.Connection) -> None:
    if installed_version(conn) is None:
        raise UserError("Auf diesem Hub ist noch kein Casework-Schema installiert "
                        "(zuerst: casework hub init).")
