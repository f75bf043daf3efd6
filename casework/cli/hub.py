"""`casework hub init|add-worker|issue-code|enrol-device|revoke-device|devices`, and the
signed roster: `anker` (the founding Admin sets the team's trust anchor and signs the
roster once), `rolle` (an Admin signs a role, team, name or lock), `geraet-binden` (a
person signs her device's keys; done at enrolment from now on).

Administration of the PostgreSQL team hub (docs/hub-admin.md) and enrolment of this
device. Passwords never go on the command line: the hub login password comes from
CASEWORK_HUB_PASSWORD, ~/.pgpass, or a prompt; a new worker's password from
CASEWORK_HUB_WORKER_PASSWORD or a prompt.
"""

from __future__ import annotations

import argparse
import getpass
import os
import sys
from pathlib import Path
from typing import Any

from casework.cli import EXIT_OK, CliFailure
from casework.cli._common import (
    add_vault_argument,
    open_for_act,
    open_session,
    read_passphrase,
    worker_name,
)
from casework.clock import BERLIN
from casework.models.persons.worker import WorkerRole
from casework.sync import require_driver

ENV_HUB_PASSWORD = "CASEWORK_HUB_PASSWORD"  # noqa: S105 - a variable name
ENV_WORKER_PASSWORD = "CASEWORK_HUB_WORKER_PASSWORD"  # noqa: S105 - a variable name


def register(sub: Any) -> None:
    parser = sub.add_parser("hub", help="Team-Hub (PostgreSQL) einrichten und Geräte anmelden")
    hub_sub = parser.add_subparsers(dest="hub_command", required=True)

    init = hub_sub.add_parser("init", help="Hub-Schema, Rollen und Zugriffsregeln installieren")
    _dsn(init)
    init.set_defaults(handler=_init)

    worker = hub_sub.add_parser("add-worker", help="Person mit eigener Hub-Anmeldung anlegen")
    _dsn(worker)
    worker.add_argument("--login", required=True, help="PostgreSQL-Anmeldename (a-z, 0-9, _)")
    worker.add_argument("--name", required=True, help="Name, wie er in der App erscheint")
    worker.add_argument("--rolle", default=WorkerRole.FACHKRAFT.value,
                        choices=[r.value for r in WorkerRole], help="Rolle im Team")
    worker.add_argument("--team", default="", help="Team (die Leitung sieht ihr Team)")
    worker.add_argument("--worker-id", default=None,
                        help="Kennung aus einer bestehenden Akte übernehmen (casework sync "
                             "--status zeigt sie)")
    worker.set_defaults(handler=_add_worker)

    code = hub_sub.add_parser("issue-code", help="Einmal-Code zum Anmelden eines Geräts")
    _dsn(code)
    code.add_argument("--worker", required=True, help="Kennung der Person")
    code.add_argument("--stunden", type=int, default=48, help="gültig für (1–168 Stunden)")
    code.add_argument("--vault", type=Path, default=None,
                      help="Akte einer Admin/Leitung: der Code nennt dann den "
                           "Vertrauensanker des Teams")
    code.set_defaults(handler=_issue_code)

    anchor = hub_sub.add_parser("anker", help="Vertrauensanker des Teams setzen und die "
                                              "Personenliste einmal signieren (Admin)")
    add_vault_argument(anchor)
    anchor.set_defaults(handler=_anchor)

    role = hub_sub.add_parser("rolle", help="Rolle, Team, Name oder Sperre einer Person "
                                            "signieren (Admin)")
    add_vault_argument(role)
    role.add_argument("--person", required=True, help="Kennung der Person am Hub")
    role.add_argument("--rolle", default=None, choices=[r.value for r in WorkerRole],
                      help="neue Rolle (sonst bleibt sie)")
    role.add_argument("--team", default=None, help="neues Team (sonst bleibt es)")
    role.add_argument("--name", default=None, help="neuer Name (sonst bleibt er)")
    locked = role.add_mutually_exclusive_group()
    locked.add_argument("--sperren", action="store_true", help="Person sperren")
    locked.add_argument("--entsperren", action="store_true", help="Sperre aufheben")
    role.set_defaults(handler=_role)

    bind = hub_sub.add_parser("geraet-binden", help="Schlüssel dieses Geräts mit der eigenen "
                                                    "Passphrase signieren")
    add_vault_argument(bind)
    bind.set_defaults(handler=_bind)

    enrol = hub_sub.add_parser("enrol-device", help="dieses Gerät mit einem Einmal-Code anmelden")
    add_vault_argument(enrol)
    _dsn(enrol)
    enrol.add_argument("--code", required=True, help="Einmal-Code von Leitung/Administration")
    enrol.add_argument("--label", default="", help="Gerätename, z. B. „Laptop Büro“")
    enrol.set_defaults(handler=_enrol)

    revoke = hub_sub.add_parser("revoke-device", help="verlorenes Gerät sperren")
    _dsn(revoke)
    revoke.add_argument("--device", required=True, help="Gerätekennung")
    revoke.set_defaults(handler=_revoke)

    devices = hub_sub.add_parser("devices", help="angemeldete Geräte auflisten")
    _dsn(devices)
    devices.set_defaults(handler=_devices)


def _dsn(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--dsn", required=True,
                        help="PostgreSQL-Verbindung, z. B. "
                             "'host=hub.example dbname=casework user=… sslmode=verify-full'")


def hub_dsn(dsn: str) -> str:
    """Add the hub password from the environment, if given (else ~/.pgpass / prompt)."""
    password = os.environ.get(ENV_HUB_PASSWORD)
    if not password:
        return dsn
    require_driver()
    from casework.sync import client

    return client.with_password(dsn, password)


def _worker_password() -> str:
    value = os.environ.get(ENV_WORKER_PASSWORD)
    if value:
        return value
    if not sys.stdin.isatty():
        raise CliFailure(f"Kein Passwort: bitte im Terminal eingeben oder {ENV_WORKER_PASSWORD} "
                         "setzen.")
    first = getpass.getpass("Passwort für die neue Hub-Anmeldung: ")
    if first != getpass.getpass("Passwort wiederholen: "):
        raise CliFailure("Die beiden Passwörter stimmen nicht überein.")
    return first


def _init(args: argparse.Namespace) -> int:
    require_driver()
    from casework.sync import admin, schema

    if admin.init_hub(hub_dsn(args.dsn)):
        print(f"Team-Hub eingerichtet (Schema-Version {schema.SCHEMA_VERSION}).")
    else:
        print("Team-Hub ist bereits eingerichtet; nichts geändert.")
    return EXIT_OK


def _add_worker(args: argparse.Namespace) -> int:
    require_driver()
    from casework.sync import admin

    worker_id = admin.add_worker(hub_dsn(args.dsn), login=args.login, name=args.name,
                                 role=WorkerRole(args.rolle), password=_worker_password(),
                                 team=args.team, worker_id=args.worker_id)
    print(f"Person angelegt: {worker_id}")
    return EXIT_OK


def _issue_code(args: argparse.Namespace) -> int:
    require_driver()
    from casework.sync import admin

    anchor = None
    if args.vault is not None:
        from casework.services import hub_trust

        session = open_session(args.vault)
        try:
            anchor = hub_trust.anchor_check(session)
        finally:
            session.close()
        if anchor is None:
            raise CliFailure("Diese Akte kennt keinen Vertrauensanker (das Team hat noch "
                             "nicht signiert: casework hub anker).")
    code, expires = admin.issue_code(hub_dsn(args.dsn), args.worker, args.stunden, anchor)
    print(f"Einmal-Code: {code}")
    print(f"gültig bis {expires.astimezone(BERLIN):%d.%m.%Y %H:%M} Uhr")
    return EXIT_OK


def _enrol(args: argparse.Namespace) -> int:
    require_driver()
    from casework.errors import PermissionDenied
    from casework.services import persons
    from casework.sync import client

    # The person signs her new device's keys with her passphrase (the one just asked);
    # a person without her own key slot yet enrols unbound (fingerprint comparison).
    passphrase = read_passphrase(
        f"Passphrase{f' von {worker_name()}' if worker_name() else ''}: ")
    session = open_session(args.vault, passphrase=passphrase)
    try:
        try:
            auth: Any = persons.authorize(session, passphrase)
        except PermissionDenied:
            auth = None
        worker, _ = client.enrol(session, hub_dsn(args.dsn), args.code, args.label, auth)
        print(f"Gerät angemeldet für {worker.name} ({worker.role}). "
              f"Gerätekennung: {session.vault.device_id}")
    finally:
        session.close()
    return EXIT_OK


def _anchor(args: argparse.Namespace) -> int:
    require_driver()
    from casework.sync import trust

    session, auth = open_for_act(args.vault)
    try:
        entries = trust.found_team(session, auth)
        from casework.services import hub_trust

        status = hub_trust.status(session)
    finally:
        session.close()
    print(f"Vertrauensanker des Teams: {status.anchor}")
    print("Signiert (Schlüssel mit jeder Person vergleichen, z. B. casework team liste):")
    for e in entries:
        print(f"  {e.name}\t{e.role}\t{e.team or '-'}\t{'gesperrt' if e.disabled else 'aktiv'}"
              f"\t{e.fingerprint}")
    return EXIT_OK


def _role(args: argparse.Namespace) -> int:
    require_driver()
    from casework.sync import trust

    disabled = True if args.sperren else (False if args.entsperren else None)
    session, auth = open_for_act(args.vault)
    try:
        entry = trust.sign(session, auth, args.person, role=args.rolle, team=args.team,
                           name=args.name, disabled=disabled)
    finally:
        session.close()
    print(f"Signiert: {entry.name} – {entry.role}, Team {entry.team or '-'}, "
          f"{'gesperrt' if entry.disabled else 'aktiv'}, Schlüssel {entry.fingerprint}.")
    return EXIT_OK


def _bind(args: argparse.Namespace) -> int:
    require_driver()
    from casework.sync import trust

    session, auth = open_for_act(args.vault)
    try:
        fingerprint = trust.bind(session, auth)
    finally:
        session.close()
    print(f"Geräteschlüssel signiert mit dem Personenschlüssel {fingerprint}.")
    return EXIT_OK


def _revoke(args: argparse.Namespace) -> int:
    require_driver()
    from casework.sync import admin

    if not admin.revoke_device(hub_dsn(args.dsn), args.device):
        raise CliFailure("Dieses Gerät ist am Hub nicht bekannt.")
    print("Gerät gesperrt: es empfängt nichts mehr, seine Übertragungen werden abgewiesen.")
    return EXIT_OK


def _devices(args: argparse.Namespace) -> int:
    require_driver()
    from casework.sync import admin

    for d in admin.list_devices(hub_dsn(args.dsn)):
        state = "gesperrt" if d.revoked_at else "aktiv"
        seen = f"{d.last_seen_at.astimezone(BERLIN):%d.%m.%Y %H:%M}" if d.last_seen_at else "nie"
        print(f"{d.id}  {d.worker_name}  {d.label or '-'}  {state}  zuletzt: {seen}")
    return EXIT_OK
