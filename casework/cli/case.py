"""`casework fall …`: closing and reopening a family case from scripts.

    casework fall abschliessen --vault DIR --familie ID --grund GRUND [--notiz TEXT] [--trotzdem]
    casework fall wiederaufnehmen --vault DIR --familie ID --grund TEXT

An open § 8a procedure refuses the closure with the reason (exit 3); open referrals,
appointments or goals are named and need `--trotzdem`.
"""

from __future__ import annotations

import argparse
from typing import Any

from casework.cli._common import add_vault_argument, open_session
from casework.models.households.lifecycle import ClosureReason
from casework.services.households import lifecycle


def register(sub: Any) -> None:
    parser = sub.add_parser("fall", help="Fall abschließen oder wieder aufnehmen")
    commands = parser.add_subparsers(dest="fall_command", required=True)
    close = commands.add_parser("abschliessen", help="Fall mit Grund abschließen")
    add_vault_argument(close)
    close.add_argument("--familie", required=True, help="Kennung des Haushalts")
    close.add_argument("--grund", required=True, choices=[r.value for r in ClosureReason],
                       help="Grund des Abschlusses")
    close.add_argument("--notiz", default="", help="Notiz (bei „an andere Stelle übergeben“ "
                                                  "und „sonstiger Grund“ nötig)")
    close.add_argument("--trotzdem", action="store_true",
                       help="offene Vermittlungen, Termine, Ziele sind geprüft")
    close.set_defaults(handler=_close)
    reopen = commands.add_parser("wiederaufnehmen", help="abgeschlossenen Fall wieder öffnen")
    add_vault_argument(reopen)
    reopen.add_argument("--familie", required=True, help="Kennung des Haushalts")
    reopen.add_argument("--grund", required=True, help="Grund der Wiederaufnahme")
    reopen.set_defaults(handler=_reopen)


def _close(args: argparse.Namespace) -> int:
    session = open_session(args.vault)
    try:
        lifecycle.close(session, args.familie, args.grund, args.notiz,
                        confirm_warnings=args.trotzdem)
        pending = lifecycle.pending_closure(session, args.familie)
    finally:
        session.close()
    print("Abschluss beantragt; die Leitung gibt ihn frei." if pending is not None
          else "Fall abgeschlossen.")
    return 0


def _reopen(args: argparse.Namespace) -> int:
    session = open_session(args.vault)
    try:
        lifecycle.reopen(session, args.familie, args.grund)
    finally:
        session.close()
    print("Fall wieder aufgenommen.")
    return 0
