"""`casework vault create|check|passwd`."""

from __future__ import annotations

import argparse
from typing import Any

from casework.cli import EXIT_OK, EXIT_USER_ERROR, CliFailure
from casework.cli._common import (
    ENV_NEW_PASSPHRASE,
    add_vault_argument,
    open_for_act,
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

    passwd = vault_sub.add_parser(
        "passwd", help="eigene Passphrase ändern (ohne Neuverschlüsselung; siehe rekey)",
        description="Ändert die Passphrase der handelnden Person (--worker) und gibt ihr einen "
                    "neuen Schlüssel. Die Datenbank wird dabei nicht neu verschlüsselt: Wer "
                    "eine ältere Sicherung samt der alten Passphrase hat, könnte die Akte "
                    "weiter öffnen. Ging ein Gerät verloren oder ist eine Passphrase "
                    "bekannt geworden, danach „casework vault rekey“ ausführen.")
    add_vault_argument(passwd)
    passwd.set_defaults(handler=_passwd)

    rekey = vault_sub.add_parser(
        "rekey", help="Akte unter einem neuen Schlüssel neu verschlüsseln (Inhaberin/Admin)",
        description="Nach dem Verlust eines Geräts oder wenn eine Passphrase bekannt sein "
                    "könnte: neuer Datenschlüssel für Datenbank und Anhänge; die Schlüssel "
                    "aller Personen und der Wiederherstellungsschlüssel werden neu "
                    "verpackt. Kopf-Dateien älterer Sicherungen öffnen die Akte danach nicht "
                    "mehr.")
    add_vault_argument(rekey)
    rekey.set_defaults(handler=_rekey)

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
    legacy = (f", {report.legacy_records} Einträge vor Einführung der Signaturen erfasst"
              if report.legacy_records else "")
    print(f"Signaturen geprüft: {report.signatures} gültig{legacy}.")
    if report.ok:
        print(f"Akte in Ordnung: Schema {report.schema_version}, "
              f"{report.audit_entries} Protokolleinträge, Kette unversehrt, "
              f"{report.households} Haushalte, {report.signatures} Signaturen gültig.")
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
    print("Passphrase geändert (neuer persönlicher Schlüssel). Die Datenbank wurde nicht neu "
          "verschlüsselt: Ging ein Gerät verloren oder könnte die alte Passphrase bekannt "
          "sein, jetzt „casework vault rekey“ ausführen.")
    return EXIT_OK


def _rekey(args: argparse.Namespace) -> int:
    from casework.services import persons

    session, auth = open_for_act(args.vault)
    try:
        count = persons.rekey(session, auth)  # type: ignore[arg-type]
    finally:
        session.close()
    print(f"Akte neu verschlüsselt ({count} Anhänge). Ältere Sicherungen öffnen sich nur noch "
          "mit ihrem eigenen Kopf; bitte jetzt eine neue Sicherung anlegen und, wo eine "
          "Passphrase bekannt sein könnte, sie mit „casework vault passwd“ ändern lassen.")
    return EXIT_OK
