"""Device side of the team hub: enrol, push, pull (ARCHITECTURE §6).

One sync: push own change-log rows the hub has not acknowledged (in batches, each batch
one hub call in one hub transaction, acknowledged locally only after the hub committed
it; the hub ignores change ids it already has, so a batch repeated after a cut
connection does no harm; changes the hub refuses come back with a reason and are kept
as "abgewiesen" on the device), then fetch the hub's roster (who has which role), then
pull every change the hub lets this device see after its cursor, page by page, each page
applied with the new cursor in one vault transaction. A connection cut anywhere leaves
both sides consistent; the next sync completes the work.

Connections: TLS with certificate and host name checks (`sslmode=verify-full` and a CA
file) is required for every hub that is not on this machine (localhost, 127.0.0.0/8, ::1
or a Unix socket); the check is made before connecting. Lock waits and statements have
timeouts and TCP keepalives detect a dead peer, so a stuck or unreachable hub gives one
German line instead of a hang.
"""

from __future__ import annotations

import base64
import ipaddress
import json
import os
import secrets
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, NoReturn

import psycopg
from psycopg.conninfo import conninfo_to_dict, make_conninfo

from casework.errors import UserError
from casework.models import hub as kinds
from casework.models.changes import Changes
from casework.services import hub as sync_service
from casework.services import hub_trust
from casework.services.hub import EnrolledWorker, SealedChange
from casework.services.session import Session
from casework.sync.scram import scram_verifier

SUPPORTED_SCHEMA = 4
PUSH_BATCH = 5000  # the hub's limit per call
PULL_PAGE = 5000
CONNECT_TIMEOUT_S = 10
LOCK_TIMEOUT_MS = 10_000
STATEMENT_TIMEOUT_MS = 120_000

Progress = Callable[[str, int], None]

_HUB_CODES = {
    "CW001": "Diese Anmeldung gehört zu keiner aktiven Person am Team-Hub.",
    "CW002": "Dieses Gerät ist am Team-Hub nicht (für diese Person) angemeldet.",
    "CW003": "Dieses Gerät wurde am Team-Hub gesperrt. Es empfängt und sendet nichts mehr; "
             "bitte an die Leitung oder Administration wenden.",
    "CW004": "Der Einmal-Code ist ungültig, abgelaufen oder schon benutzt.",
    "CW005": "Dafür fehlt am Team-Hub die Berechtigung.",
    "CW006": "Der Team-Hub kennt für dieses Gerät andere Schlüssel. Bitte das Gerät neu "
             "anmelden (Einmal-Code der Leitung).",
    "CW020": "Der Team-Hub hat die Übertragung als fehlerhaft abgewiesen.",
    "CW021": "Der Team-Hub hat die Übertragung als zu groß abgewiesen.",
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
HUB_BUSY = ("Der Team-Hub antwortet nicht rechtzeitig (blockiert oder überlastet). Es ist "
            "nichts verloren gegangen; bitte später erneut synchronisieren.")
HUB_CANCELLED = "Abgleich abgebrochen. Es ist nichts verloren gegangen."


class HubError(UserError):
    """The hub refused or could not be reached; `code` is the SQLSTATE if any."""

    def __init__(self, message: str, code: str | None = None) -> None:
        super().__init__(message)
        self.code = code


class Cancelled(HubError):
    def __init__(self) -> None:
        super().__init__(HUB_CANCELLED, "cancelled")


@contextmanager
def hub_errors() -> Iterator[None]:
    """Translate psycopg errors by SQLSTATE and class (never by message text)."""
    try:
        yield
    except psycopg.Error as error:
        code = error.sqlstate
        if code in _HUB_CODES:
            raise HubError(_HUB_CODES[code], code) from None
        if code in ("55P03", "57014"):  # lock_timeout, statement_timeout
            raise HubError(HUB_BUSY, code) from None
        if isinstance(error, psycopg.OperationalError) or (code or "").startswith(("08", "57")):
            raise HubError(HUB_CUT, code) from None
        raise


# --- TLS policy ------------------------------------------------------------------------

def _is_local(host: str) -> bool:
    host = host.strip()
    if not host or host.startswith(("/", "@")) or host.lower() == "localhost":
        return True
    try:
        address = ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        return False
    return address.is_loopback


def require_tls(dsn: str) -> None:
    """Refuse, before connecting, a hub that is not on this machine unless the
    connection is TLS with certificate and host name checks against a CA file."""
    try:
        parts = conninfo_to_dict(dsn)
    except psycopg.ProgrammingError:
        raise HubError("Die Hub-Adresse (DSN) ist ungültig.") from None

    def value(key: str, env: str) -> str:
        found = parts.get(key)
        return str(found) if found not in (None, "") else os.environ.get(env, "")

    hosts = [h for h in value("host", "PGHOST").split(",")] or [""]
    addresses = [a for a in value("hostaddr", "PGHOSTADDR").split(",") if a.strip()]
    remote = [h for h in hosts + addresses if not _is_local(h)]
    if not remote:
        return
    mode = value("sslmode", "PGSSLMODE")
    rootcert = value("sslrootcert", "PGSSLROOTCERT")
    if mode != "verify-full" or not rootcert or not os.path.isfile(rootcert):
        raise HubError(
            f"Der Team-Hub „{remote[0].strip()}“ ist nicht auf diesem Rechner: Casework "
            "verbindet sich nur verschlüsselt mit Zertifikatsprüfung (in der Hub-Adresse "
            "sslmode=verify-full und sslrootcert=<CA-Datei> angeben).", "TLS")


def connect(dsn: str, *, device: bool = False) -> psycopg.Connection:
    """`device`: signing in with this device's own hub login (after enrolment)."""
    require_tls(dsn)
    try:
        conn = psycopg.connect(dsn, autocommit=True, connect_timeout=CONNECT_TIMEOUT_S,
                               application_name="casework", keepalives=1,
                               keepalives_idle=15, keepalives_interval=5, keepalives_count=3,
                               tcp_user_timeout=STATEMENT_TIMEOUT_MS)
    except psycopg.OperationalError as error:
        pgconn = error.pgconn
        if device and pgconn is not None and pgconn.used_password:
            # The device's random secret is set only by the hub: a refused sign-in means
            # the device login was disabled (revoked).
            raise HubError(_HUB_CODES["CW003"], "CW003") from None
        _raise_connect_error(error)
    except psycopg.ProgrammingError:
        raise HubError("Die Hub-Adresse (DSN) ist ungültig.") from None
    with hub_errors():
        # A push is acknowledged on the device only once the hub has it on disk; no wait
        # for a lock or a statement is unbounded.
        conn.execute("SET synchronous_commit = on")
        conn.execute(f"SET lock_timeout = {int(LOCK_TIMEOUT_MS)}")
        conn.execute(f"SET statement_timeout = {int(STATEMENT_TIMEOUT_MS)}")
        conn.execute(f"SET idle_in_transaction_session_timeout = {int(STATEMENT_TIMEOUT_MS)}")
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
    """The DSN without password, for storing in the vault."""
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
    if found and found[0] == 3:
        raise HubError("Der Team-Hub hat noch Schema-Version 3: bitte die Hub-Administration "
                       "„casework hub init“ erneut ausführen lassen (Aktualisierung).")
    if not found or found[0] != SUPPORTED_SCHEMA:
        raise HubError("Der Team-Hub hat eine andere Schema-Version als diese Casework-Version. "
                       "Bitte Casework aktualisieren.")


def split_code(code: str) -> tuple[str, str | None]:
    """A one-time code is five groups (the secret the hub checks), optionally followed by
    four groups naming the team's trust anchor (issue 16), which never go to the hub."""
    groups = [g for g in code.strip().upper().replace(" ", "-").split("-") if g]
    if len(groups) == 9:
        return "-".join(groups[:5]), "-".join(groups[5:])
    return "-".join(groups), None


def enrol(session: Session, dsn: str, code: str, label: str = "",
          auth: Any = None) -> tuple[EnrolledWorker, Changes]:
    """Register this vault's device at the hub with a one-time code (signed in with the
    worker's own login). The hub creates a login for this device; its random password
    is kept only in this (encrypted) vault and used for every sync from now on.
    `auth` (the person's passphrase, `services.persons.Authorization`): she signs the
    device's keys, so colleagues' devices accept them without comparing fingerprints."""
    secret = secrets.token_urlsafe(32)
    hub_code, anchor = split_code(code)
    with connect(dsn) as conn, hub_errors():
        _check_version(conn)
        row = conn.execute("SELECT * FROM casework.casework_enrol(%s, %s, %s, %s)",
                           (hub_code, sync_service.device_id(session),
                            label, scram_verifier(secret))).fetchone()
    if row is None:
        raise HubError(_HUB_CODES["CW001"], "CW001")
    worker = EnrolledWorker(str(row[0]), str(row[1]), str(row[2]), str(row[3]))
    device_dsn = make_conninfo(safe_dsn(dsn), user=str(row[4]))
    changes = sync_service.record_enrolment(session, device_dsn, worker, secret)
    hub_trust.remember_code_anchor(session, anchor)
    if auth is not None:
        hub_trust.bind_device(session, auth)
    return worker, changes


@dataclass(frozen=True, slots=True)
class SyncResult:
    pushed: int  # own changes sent
    pulled: int  # changes received and applied (new to this device)
    parked: int  # received changes waiting for their record
    new_conflicts: int
    changes: Changes
    refused: int = 0  # own changes the hub refused (kept, shown as "abgewiesen")
    quarantined: int = 0  # received changes not applied (kept, shown as "abgewiesen")


def _remote(row: tuple[Any, ...]) -> SealedChange:
    """A pulled row as it came (not trusted: verified and decrypted before it is applied)."""
    (_pos, _seq, change_id, entity, entity_id, scope_id, op, key_id, meta, payload, sig, hlc,
     actor, device, at) = row
    return SealedChange(str(change_id), str(entity), str(entity_id),
                        None if scope_id is None else str(scope_id), str(op), str(hlc),
                        str(actor), str(device), str(at), str(key_id),
                        meta if isinstance(meta, dict) else {"": meta}, bytes(payload),
                        bytes(sig))


def exchange_keys(session: Session, conn: psycopg.Connection) -> None:
    """Publish this device's public keys (once) and pin every device's keys."""
    enc, sign = sync_service.device_public_keys(session)
    binding = hub_trust.own_binding(session)
    with hub_errors():
        conn.execute("SELECT casework.casework_publish_keys(%s, %s)", (enc, sign))
        if binding is not None:
            conn.execute("SELECT casework.casework_bind_device(%s, %s)", binding)
        rows = conn.execute("SELECT * FROM casework.casework_device_keys()").fetchall()
    sync_service.pin_device_keys(session, [tuple(r) for r in rows])
    hub_trust.refresh_bindings(session)


def fetch_roster(session: Session, conn: psycopg.Connection) -> Changes:
    """The hub's plain roster and the signed statements since the last sync; applied as
    far as the statements prove it (services.hub_trust)."""
    with hub_errors():
        plain = conn.execute("SELECT * FROM casework.casework_roster()").fetchall()
        statements = conn.execute("SELECT * FROM casework.casework_roster_statements(%s)",
                                  (hub_trust.roster_cursor(session),)).fetchall()
    return hub_trust.apply_roster(session, [tuple(r) for r in plain],
                                  [tuple(r) for r in statements])


def push_roster(session: Session, conn: psycopg.Connection) -> int:
    """Roster statements an Admin signed on this device, not yet at the hub."""
    items = hub_trust.outgoing(session)
    if not items:
        return 0
    payload = json.dumps([{"statement": t, "sig": base64.b64encode(s).decode("ascii")}
                          for t, s in items])
    try:
        with hub_errors():
            conn.execute("SELECT casework.casework_put_roster(%s::jsonb)", (payload,))
    except HubError as error:
        if error.code != "CW005":
            raise
        # The hub no longer lists this person as Admin: the statements stay here (and
        # count on this device); the rest of the sync goes on.
        return 0
    hub_trust.pushed(session, [t for t, _ in items])
    return len(items)


def share_keys(session: Session, conn: psycopg.Connection) -> int:
    """Seal the household/team keys this device holds to entitled devices that lack
    them (new colleagues on a case, a person's second device, a Leitung's review)."""
    shared = 0
    while True:
        with hub_errors():
            needs = conn.execute("SELECT * FROM casework.casework_wrap_needs(%s)",
                                 (PUSH_BATCH,)).fetchall()
        wraps = sync_service.wraps_for(session, [(str(r[0]), str(r[1]), str(r[2]), str(r[3]))
                                                 for r in needs])
        if not wraps:
            return shared
        with hub_errors():
            row = conn.execute("SELECT casework.casework_put_wraps(%s::jsonb)",
                               (json.dumps(wraps),)).fetchone()
        added = int(row[0]) if row else 0
        shared += added
        if added == 0 or len(needs) < PUSH_BATCH:
            return shared


def receive_keys(session: Session, conn: psycopg.Connection) -> int:
    """Keys sealed to this device since the last sync."""
    received = 0
    while True:
        with hub_errors():
            rows = conn.execute("SELECT * FROM casework.casework_pull_wraps(%s, %s)",
                                (sync_service.wrap_cursor(session), PULL_PAGE)).fetchall()
        if not rows:
            return received
        received += sync_service.receive_wraps(session, [tuple(r[1:]) for r in rows],
                                               int(rows[-1][0]))
        if len(rows) < PULL_PAGE:
            return received


@dataclass(frozen=True, slots=True)
class _Batch:
    """One push batch, sealed and ready: its outbox rows and what goes to the hub."""

    rows: list[sync_service.OutgoingChange]
    sent: list[sync_service.OutgoingChange]  # without persons/roles (hub administration)
    payload: str | None


def _prepare(session: Session, actors: dict[str, str], after: int | None, *,
             encrypt: bool) -> _Batch | None:
    rows = sync_service.outbox(session, PUSH_BATCH, after)
    if not rows:
        return None
    # Persons and roles come from the hub's administration, not from devices.
    sent = [r for r in rows if kinds.KINDS.get(r.entity) is None
            or kinds.KINDS[r.entity].cls != "worker"]
    payload = json.dumps(sync_service.seal_outgoing(session, sent, actors,
                                                    encrypt=encrypt)) if sent else None
    return _Batch(rows, sent, payload)


def _send(conn: psycopg.Connection, batch: _Batch
          ) -> tuple[list[tuple[Any, ...]], tuple[int, int] | None]:
    """One hub call in one hub transaction (runs on the push thread): the refusals and
    the hub positions where the call stored its changes (None: not told)."""
    if batch.payload is None:
        return [], None
    with hub_errors(), conn.transaction():
        answer = [tuple(r) for r in conn.execute(
            "SELECT * FROM casework.casework_push(%s::jsonb)", (batch.payload,)).fetchall()]
        row = conn.execute("SELECT current_setting('casework.pushed_range', true)"
                           ).fetchone()
    try:
        before, after = (int(v) for v in str(row[0] if row else "").split(":"))
    except ValueError:
        return answer, None
    return answer, ((before + 1, after) if after > before else None)


def push(session: Session, conn: psycopg.Connection, progress: Progress | None = None,
         cancelled: Callable[[], bool] | None = None, *, encrypt: bool = True
         ) -> tuple[int, int]:
    """Send own changes; returns (sent, refused by the hub).

    Pipelined: while the hub stores batch n (its call runs on a second thread; the vault
    is used only on this one), this thread reads and seals batch n + 1. A batch is
    acknowledged in the vault only after the hub committed it, in order; a cut or a
    cancel leaves the rest unacknowledged, to be sent again (the hub skips repeats)."""
    pushed = refused = 0
    actors = sync_service.outgoing_actors(session)
    if encrypt:
        # Someone who held one of this device's keys lost access: write under new keys.
        with hub_errors():
            stale = conn.execute("SELECT * FROM casework.casework_stale_keys()").fetchall()
        sync_service.retire_keys(session, [str(r[0]) for r in stale])
    if cancelled is not None and cancelled():
        raise Cancelled
    batch = _prepare(session, actors, None, encrypt=encrypt)
    extend = False
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="casework-push") as pool:
        while batch is not None:
            if cancelled is not None and cancelled():
                raise Cancelled  # the sealed batch is not sent: sealed again next time
            in_flight = pool.submit(_send, conn, batch)
            following: _Batch | None = None
            stop: BaseException | None = None
            try:
                following = _prepare(session, actors, batch.rows[-1].seq, encrypt=encrypt)
            except BaseException as error:  # re-raised below, after the batch in flight
                stop = error
            answer, stored = in_flight.result()  # the hub's error, if any, comes first
            # Only now does the hub hold them for sure; a cut before this line means the
            # batch is sent again next time and the hub skips what it already has.
            refusals = {str(change_id): str(reason) for change_id, reason in answer}
            sync_service.acknowledge(session, batch.rows[-1].seq,
                                     [(r, refusals[r.change_id]) for r in batch.sent
                                      if r.change_id in refusals], stored, extend)
            extend = extend or stored is not None
            pushed += len(batch.sent) - len(refusals)
            refused += len(refusals)
            if progress is not None:
                progress("push", pushed)
            if stop is not None:
                raise stop
            batch = following
    return pushed, refused


def pull(session: Session, conn: psycopg.Connection, progress: Progress | None = None,
         cancelled: Callable[[], bool] | None = None, *, encrypt: bool = True
         ) -> tuple[sync_service.ApplyResult, Changes]:
    """Fetch the roster, then pages of changes; each page is applied with its cursor in
    one vault transaction (memory stays bounded, a cut loses nothing)."""
    changes = fetch_roster(session, conn)
    exchange_keys(session, conn)
    receive_keys(session, conn)
    total = sync_service.ApplyResult()
    pos, seq = sync_service.cursor(session)
    # This device's own changes the hub would send back (e.g. the whole history after a
    # first sync) are left out where the vault holds them all.
    own = sync_service.own_ranges(session)
    with hub_errors():
        found = conn.execute("SELECT to_regprocedure('casework.casework_pull(bigint, bigint, "
                             "integer, bigint[], bigint[])') IS NOT NULL").fetchone()
    if found and found[0]:
        query = "SELECT * FROM casework.casework_pull(%s, %s, %s, %s, %s)"
        extra: tuple[Any, ...] = ([r[0] for r in own], [r[1] for r in own])
    else:
        query, extra = "SELECT * FROM casework.casework_pull(%s, %s, %s)", ()
    while True:
        if cancelled is not None and cancelled():
            raise Cancelled
        with hub_errors():
            page = conn.execute(query, (pos, seq, PULL_PAGE, *extra)).fetchall()
        if not page:
            break
        pos, seq = int(page[-1][0]), int(page[-1][1])
        result, touched = sync_service.apply_sealed(session, [_remote(r) for r in page],
                                                    (pos, seq), encrypt=encrypt)
        total.merge(result)
        changes = changes | touched
        if progress is not None:
            progress("pull", total.applied + total.known + total.parked + total.quarantined)
        if len(page) < PULL_PAGE:
            break
    if sync_service.locked_count(session):
        # Keys sealed for earlier changes may have arrived only now.
        result, touched = sync_service.apply_sealed(session, [], (pos, seq))
        total.merge(result)
        changes = changes | touched
    return total, changes


def device_target(session: Session, dsn: str | None = None) -> str | None:
    """The connection for syncing: the given DSN or the stored one, with this device's
    secret when it signs in as this device's login."""
    target = dsn or sync_service.hub_dsn(session)
    if not target:
        return None
    secret = sync_service.device_secret(session)
    try:
        parts = conninfo_to_dict(target)
    except psycopg.ProgrammingError:
        raise HubError("Die Hub-Adresse (DSN) ist ungültig.") from None
    stored = sync_service.hub_dsn(session)
    stored_user = conninfo_to_dict(stored).get("user") if stored else None
    if secret and not parts.get("password") and parts.get("user") == stored_user:
        return with_password(target, secret)
    return target


def sync_vault(session: Session, dsn: str | None = None, *,
               progress: Progress | None = None,
               cancelled: Callable[[], bool] | None = None) -> SyncResult:
    """Push, then pull and apply. Raises `HubError` (a UserError) if the hub is
    unreachable, refuses, or the connection is cut; nothing is half-applied then."""
    target = device_target(session, dsn)
    if not target:
        raise HubError("Diese Akte ist noch mit keinem Team-Hub verbunden "
                       "(zuerst das Gerät mit einem Einmal-Code anmelden).")
    secret = sync_service.device_secret(session)
    with connect(target, device=bool(secret) and target != dsn) as conn:
        with hub_errors():
            _check_version(conn)
        push_roster(session, conn)
        exchange_keys(session, conn)
        pushed, refused = push(session, conn, progress, cancelled)
        share_keys(session, conn)
        if progress is not None:
            progress("pushed", pushed)
        result, changes = pull(session, conn, progress, cancelled)
    sync_service.mark_synced(session)
    if refused or result.quarantined:
        changes = changes | Changes.of("sync_quarantine", "*")
    return SyncResult(pushed, result.applied, result.parked, result.new_conflicts, changes,
                      refused, result.quarantined)
