"""`casework sync --vault V [--dsn DSN] [--status]`: push, pull, apply (ARCHITECTURE §6)."""

from __future__ import annotations

import argparse
import getpass
import sys
from typing import Any

from casework.cli import EXIT_OK
from casework.cli._common import add_vault_argument, open_session
from casework.cli.hub import hub_dsn
from casework.clock import BERLIN, from_utc_iso
from casework.services import hub as sync_service
from casework.services import hub_trust
from casework.sync import require_driver


def register(sub: Any) -> None:
    parser = sub.add_parser("sync", help="mit dem Team-Hub abgleichen")
    add_vault_argument(parser)
    parser.add_argument("--dsn", default=None,
                        help="Hub-Verbindung (ohne Angabe: die bei der Anmeldung gespeicherte)")
    parser.add_argument("--status", action="store_true",
                        help="nur Stand anzeigen (letzter Abgleich, offene Änderungen, Konflikte)")
    parser.set_defaults(handler=_sync)


def _print_status(status: sync_service.SyncStatus, trust: hub_trust.TrustStatus) -> None:
    last = (f"{from_utc_iso(status.last_sync_at).astimezone(BERLIN):%d.%m.%Y %H:%M} Uhr"
            if status.last_sync_at else "noch nie")
    print(f"Team-Hub: {status.hub or 'nicht verbunden'}")
    print(f"Gerät: {status.device_id}  Person: {status.worker_id}")
    print(f"Letzter Abgleich: {last}")
    print(f"Nicht übertragene Änderungen: {status.pending}")
    print(f"Offene Konflikte: {status.conflicts}")
    for line in trust.lines():
        print(line)


def _sync(args: argparse.Namespace) -> int:
    if not args.status:
        require_driver()
    session = open_session(args.vault)
    try:
        if not args.status:
            from casework.sync import client

            # After enrolment the device signs in with its own hub login (its secret is
            # in the vault); a personal password only applies to a given --dsn.
            target = hub_dsn(args.dsn) if args.dsn else None
            try:
                result = client.sync_vault(session, target)
            except client.HubError as error:
                if not (target and error.code == "28P01" and sys.stdin.isatty()):
                    raise
                password = getpass.getpass("Passwort für den Team-Hub: ")
                result = client.sync_vault(session, client.with_password(target, password))
            print(f"Abgeglichen: {result.pushed} gesendet, {result.pulled} empfangen"
                  + (f", {result.new_conflicts} neue Konflikte (bitte in der App lösen)"
                     if result.new_conflicts else "") + ".")
        _print_status(sync_service.status(session), hub_trust.status(session))
    finally:
        session.close()
    return EXIT_OK
