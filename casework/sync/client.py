"""Device side of the team hub: enrol, push, pull (ARCHITECTURE §6).

One sync: push own change-log rows the hub has not acknowledged (in batches, each batch
one hub transaction, acknowledged locally only after the hub committed it; the hub ignores
change ids it already has, so a batch repeated after a cut connection does no harm), then
pull every change the hub lets this device see after its cursor and apply all of them with
the new cursor in one vault transaction. A connection cut anywhere leaves both sides
consistent; the next sync completes the work.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, NoReturn

import psycopg
from psycopg.conninfo import conninfo_to_dict, make_conninfo

from casework.errors import UserError
from casework.models.changes import Changes
from casework.services import hub as sync_service
from casework.services.hub import EnrolledWorker, RemoteChange
from casework.services.session import Session

SUPPORTED_SCHEMA = 1
PUSH_BATCH = 1000
PULL_PAGE = 2000

Progress = Callable[[str, int], None]

_HUB_CODES = {
    "CW001": "Diese Anmeldung gehört zu keiner aktiven Person am Team-Hub.",
    "CW002": "Dieses Gerät ist am Team-Hub nicht (für diese Person) angemeldet.",
    "CW003": "Dieses Gerät wurde am Team-Hub gesperrt. Es empfängt und sendet nichts mehr; "
             "bitte an die Leitung oder Administration wenden.",
    "CW004": "Der Einmal-Code ist ungültig, abgelaufen oder schon benutzt.",
    "CW005": "Dafür fehlt am Team-Hub die Berechtigung.",
    "28P01": "Die Anmeldung am Team-Hub wurde abgelehnt (Name oder Passwort falsch).",
    "28000": "Die Anmeldung am Team-Hub wurde abgelehnt (keine Berechtigung für diesen Zugang).",
    "42501": "Dafür fehlt am Team-Hub die Berechtigung.",
}

HUB_UNREACHABLE = ("Der Team-Hub ist nicht erreichbar. Casework arbeitet offline weiter; "
                   "bitte später erneut synchronisieren.")
# A message, not a password:
HUB_NEEDS_PASSWORD = ("Der Team-Hub verlangt ein Passwort: bitte eingeben (oder in "  # noqa: S105
                      "~/.pgpass hinterlegen).")
HUB_CUT = ("Die Verbindung zum Team-Hub wurde unterbrochen. Es ist nichts verloren gegangen; "
           "bitte erneut synchronisieren.")


class HubError(UserError):
    """The hub refused or could not be reached; `code` is the SQLSTATE if any."""

    def __init__(self, message: str, code: str | None = None) -> None:
        super().__init__(message)
        self.code = code


@contextmanager
def hub_errors() -> Iterator[None]:
    """Translate psycopg errors by SQLSTATE and class (never by message text)."""
    try:
        yield
    except psycopg.Error as error:
        code = error.sqlstate
        if code in _HUB_CODES:
            raise HubError(_HUB_CODES[code], code) from None
        if isinstance(error, psycopg.OperationalError) or (code or "").startswith(("08", "57")):
            raise HubError(HUB_CUT, code) from None
        raise


def connect(dsn: str) -> psycopg.Connection:
    try:
        conn = psycopg.connect(dsn, autocommit=True, connect_timeout=10,
                               application_name="casework")
    except psycopg.OperationalError as error:
        _raise_connect_error(error)
    except psycopg.ProgrammingError:
        raise HubError("Die Hub-Adresse (DSN) ist ungültig.") from None
    # A push is acknowledged on the device only once the hub has it on disk.
    with hub_errors():
        conn.execute("SET synchronous_commit = on")
    return conn


def _raise_connect_error(error: psycopg.OperationalError) -> NoReturn:
    code = error.sqlstate
    if code in _HUB_CODES:
        raise HubError(_HUB_CODES[code], code) from None
    # Decided by libpq's connection state, not by its message text.
    pgconn = error.pgconn
    if pgconn is not None and pgconn.needs_password and not pgconn.used_password:
        raise HubError(HUB_NEEDS_PASSWORD, "28P01") from None
    if pgconn is not None and (pgconn.used_password or pgconn.protocol_version):
        raise HubError(_HUB_CODES["28P01"], "28P01") from None
    raise HubError(HUB_UNREACHABLE, code) from None


def with_password(dsn: str, password: str) -> str:
    try:
        return make_conninfo(dsn, password=password)
    except psycopg.ProgrammingError:
        raise HubError("Die Hub-Adresse (DSN) ist ungültig.") from None


def safe_dsn(dsn: str) -> str:
    """The DSN without password, for storing in the vault (passwords live in ~/.pgpass
    or are typed in)."""
    try:
        parts = conninfo_to_dict(dsn)
    except psycopg.ProgrammingError:
        raise HubError("Die Hub-Adresse (DSN) ist ungültig.") from None
    parts.pop("password", None)
    return make_conninfo("", **{k: v for k, v in parts.items() if v is not None})


def _check_version(conn: psycopg.Connection) -> None:
    row = conn.execute(
        "SELECT to_regprocedure('casework.casework_hub_version()') IS NOT NULL").fetchone()
    if not row or not row[0]:
        raise HubError("An dieser Adresse ist kein Casework-Team-Hub eingerichtet.")
    found = conn.execute("SELECT casework.casework_hub_version()").fetchone()
    if not found or found[0] != SUPPORTED_SCHEMA:
        raise HubError("Der Team-Hub hat eine andere Schema-Version als diese Casework-Version. "
                       "Bitte Casework aktualisieren.")


def enrol(session: Session, dsn: str, code: str, label: str = "") -> tuple[EnrolledWorker,
                                                                          Changes]:
    """Register this vault's device at the hub with a one-time code."""
    with connect(dsn) as conn, hub_errors():
        _check_version(conn)
        row = conn.execute("SELECT * FROM casework.casework_enrol(%s, %s, %s)",
                           (code.strip().upper(), sync_service.device_id(session),
                            label)).fetchone()
    if row is None:
        raise HubError(_HUB_CODES["CW001"], "CW001")
    worker = EnrolledWorker(str(row[0]), str(row[1]), str(row[2]), str(row[3]))
    return worker, sync_service.record_enrolment(session, safe_dsn(dsn), worker)


@dataclass(frozen=True, slots=True)
class SyncResult:
    pushed: int  # own changes sent
    pulled: int  # changes received and applied (new to this device)
    parked: int  # received changes waiting for a newer app version or their record
    new_conflicts: int
    changes: Changes


def _payload(session: Session, rows: list[sync_service.OutgoingChange]) -> str:
    return json.dumps([
        {"change_id": r.change_id, "entity": r.entity, "entity_id": r.entity_id,
         "scope_id": r.scope_id, "op": r.op, "fields": r.fields, "bases": r.bases,
         "hlc": r.hlc, "actor": r.actor, "at": r.at}
        for r in rows], ensure_ascii=False)


def _remote(row: tuple[Any, ...]) -> RemoteChange:
    (_pos, _seq, change_id, entity, entity_id, scope_id, op, fields, bases, hlc, actor, device,
     at) = row
    return RemoteChange(change_id, entity, entity_id, scope_id, op, dict(fields or {}),
                        {k: list(v) for k, v in (bases or {}).items()}, hlc, actor, device, at)


def push(session: Session, conn: psycopg.Connection, progress: Progress | None = None) -> int:
    device = sync_service.device_id(session)
    pushed = 0
    while True:
        rows = sync_service.outbox(session, PUSH_BATCH)
        if not rows:
            return pushed
        with hub_errors(), conn.transaction():
            conn.execute("SELECT casework.casework_push(%s, %s::jsonb)",
                         (device, _payload(session, rows)))
        # Only now does the hub hold them for sure; a cut before this line means the
        # batch is sent again next time and the hub skips what it already has.
        sync_service.acknowledge(session, rows[-1].seq)
        pushed += len(rows)
        if progress is not None:
            progress("push", pushed)


def pull(session: Session, conn: psycopg.Connection,
         progress: Progress | None = None) -> tuple[sync_service.ApplyResult, Changes]:
    device = sync_service.device_id(session)
    pos, seq = sync_service.cursor(session)
    received: list[RemoteChange] = []
    while True:
        with hub_errors():
            page = conn.execute("SELECT * FROM casework.casework_pull(%s, %s, %s, %s)",
                                (device, pos, seq, PULL_PAGE)).fetchall()
        if not page:
            break
        received.extend(_remote(r) for r in page)
        pos, seq = int(page[-1][0]), int(page[-1][1])
        if progress is not None:
            progress("pull", len(received))
        if len(page) < PULL_PAGE:
            break
    return sync_service.apply_remote(session, received, (pos, seq))


def sync_vault(session: Session, dsn: str | None = None, *,
               progress: Progress | None = None) -> SyncResult:
    """Push, then pull and apply. Raises `HubError` (a UserError) if the hub is
    unreachable, refuses, or the connection is cut; nothing is half-applied then."""
    target = dsn or sync_service.hub_dsn(session)
    if not target:
        raise HubError("Diese Akte ist noch mit keinem Team-Hub verbunden "
                       "(zuerst das Gerät mit einem Einmal-Code anmelden).")
    with connect(target) as conn:
        with hub_errors():
            _check_version(conn)
        pushed = push(session, conn, progress)
        if progress is not None:
            progress("pushed", pushed)
        result, changes = pull(session, conn, progress)
    sync_service.mark_synced(session)
    return SyncResult(pushed, result.applied, result.parked, result.new_conflicts, changes)
