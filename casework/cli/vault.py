"""`casework vault create|check|passwd`."""

from __future__ import annotations

import argparse
from typing import Any

from casework.cli import EXIT_OK, EXIT_USER_ERROR, CliFailure
from casework.cli._common import (
    ENV_NEW_PASSPHRASE,
    add_vault_argument,
    open_session,
    read_passphrase,
)
from casework.clock import SystemClock
from casework.models.persons.worker import WorkerRole
from casework.services import session as session_service


def register(sub: Any) -> None:
    parser = sub.add_parser("vault", help="Akte anlegen, prüfen, Passphrase ändern")
    vault_sub = parser.add_subparsers(dest="vault_command", required=True)

    create = vault_sub.add_parser("create", help="neue verschlüsselte Akte anlegen")
    add_vault_argument(create)
    create.add_argument("--name", default="Fachkraft", help="Name der Person, die die Akte führt")
    create.add_argument("--rolle", default=WorkerRole.FACHKRAFT.value,
                        choices=[r.value for r in WorkerRole],
                        help="Rolle der ersten Person (sie ist zugleich Eigentümerin der Akte)")
    create.add_argument("--profile", default="bottrop-beispiel", help="Referenzdaten-Profil")
    create.set_defaults(handler=_create)

    check = vault_sub.add_parser("check", help="Integrität, Protokollkette und Kopf prüfen")
    add_vault_argument(check)
    check.set_defaults(handler=_check)

    passwd = vault_sub.add_parser("passwd", help="Passphrase ändern (ohne Neuverschlüsselung)")
    add_vault_argument(passwd)
    passwd.set_defaults(handler=_passwd)

    # Data safety (issue 10): backup, backup-schedule, restore, recovery-key, recover.
    from casework.cli.backup import register_vault_subcommands

    register_vault_subcommands(vault_sub)


def _create(args: argparse.Namespace) -> int:
    passphrase = read_passphrase("Neue Passphrase: ", confirm=True)
    session = session_service.create(args.vault, passphrase, SystemClock(),
                                     owner_name=args.name, owner_role=WorkerRole(args.rolle),
                                     profile=args.profile)
    session.close()
    print(f"Akte angelegt in {args.vault}")
    return EXIT_OK


def _check(args: argparse.Namespace) -> int:
    session = open_session(args.vault)
    try:
        report = session_service.check(session)
    finally:
        session.close()
    if report.ok:
        print(f"Akte in Ordnung: Schema {report.schema_version}, "
              f"{report.audit_entries} Protokolleinträge, Kette unversehrt, "
              f"{report.households} Haushalte.")
        return EXIT_OK
    for problem in report.problems:
        print(f"Problem: {problem}")
    raise CliFailure("Die Prüfung hat Probleme gefunden (siehe oben).", EXIT_USER_ERROR)


def _passwd(args: argparse.Namespace) -> int:
    session = open_session(args.vault)
    try:
        new = read_passphrase("Neue Passphrase: ", env=ENV_NEW_PASSPHRASE, confirm=True)
        session_service.change_passphrase(session, new)
    finally:
        session.close()
    print("Passphrase geändert.")
    return EXIT_OK
