"""`casework hub init|add-worker|issue-code|enrol-device|revoke-device|devices`.

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
from typing import Any

from casework.cli import EXIT_OK, CliFailure
from casework.cli._common import add_vault_argument, open_session
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
    code.set_defaults(handler=_issue_code)

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

    code, expires = admin.issue_code(hub_dsn(args.dsn), args.worker, args.stunden)
    print(f"Einmal-Code: {code}")
    print(f"gültig bis {expires.astimezone(BERLIN):%d.%m.%Y %H:%M} Uhr")
    return EXIT_OK


def _enrol(args: argparse.Namespace) -> int:
    require_driver()
    from casework.sync import client

    session = open_session(args.vault)
    try:
        worker, _ = client.enrol(session, hub_dsn(args.dsn), args.code, args.label)
        print(f"Gerät angemeldet für {worker.name} ({worker.role}). "
              f"Gerätekennung: {session.vault.device_id}")
    finally:
        session.close()
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
