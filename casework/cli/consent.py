"""`casework einwilligung …`: list consents and ask the transfer question from scripts.

    casework einwilligung liste --vault DIR [--erneuerung | --widerrufen]
    casework einwilligung pruefen --vault DIR --person ID --zweck KEY --empfaenger KEY

`pruefen` exits 0 when the transfer is allowed, 1 when not (the reason on stdout).
"""

from __future__ import annotations

import argparse
from typing import Any

from casework.cli._common import add_vault_argument, open_session
from casework.services.consent import lifecycle as service
from casework.services.consent import transfer


def register(sub: Any) -> None:
    parser = sub.add_parser("einwilligung", help="Einwilligungen auflisten und prüfen")
    commands = parser.add_subparsers(dest="einwilligung_command", required=True)

    listing = commands.add_parser("liste", aliases=["list"], help="alle Einwilligungen mit Status")
    add_vault_argument(listing)
    which = listing.add_mutually_exclusive_group()
    which.add_argument("--erneuerung", action="store_true",
                       help="nur Einwilligungen der Sorgeberechtigten, deren Kind 16 ist")
    which.add_argument("--widerrufen", action="store_true",
                       help="nur ganz oder teilweise widerrufene")
    listing.set_defaults(handler=_list)

    check = commands.add_parser("pruefen", help="darf jetzt übermittelt werden?")
    add_vault_argument(check)
    check.add_argument("--person", required=True, help="Kennung der Person")
    check.add_argument("--zweck", required=True, help="Zweck (Schlüssel aus dem Profil)")
    check.add_argument("--empfaenger", required=True, help="Empfänger (Schlüssel)")
    check.set_defaults(handler=_check)


def _list(args: argparse.Namespace) -> int:
    session = open_session(args.vault)
    try:
        rows = service.overview(session, renewal_due=args.erneuerung,
                                withdrawn=args.widerrufen)
        for row in rows:
            c = row.consent
            until = f"{c.valid_until:%d.%m.%Y}" if c.valid_until else "bis auf Widerruf"
            print(f"{c.id}\t{row.household_name}\t{row.person_name}\t"
                  f"{c.proof_state.value}\t{row.status.value}\t{until}\t{row.purposes}")
        print(f"{len(rows)} Einwilligung(en)")
    finally:
        session.close()
    return 0


def _check(args: argparse.Namespace) -> int:
    session = open_session(args.vault)
    try:
        decision = transfer.may_transfer(session, args.person, args.zweck, args.empfaenger)
        print(("JA: " if decision.allowed else "NEIN: ") + decision.reason_de)
        if not decision.allowed:
            print(f"Fehlt: {decision.missing}")
            print(f"Ohne Einwilligung {decision.statutory_only}.")
    finally:
        session.close()
    return 0 if decision.allowed else 1
