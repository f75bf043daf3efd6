"""`casework datenschutz …`: Art. 15 disclosure and the deletion workflow from the shell.

    casework datenschutz auskunft --vault V --person ID --out AUSKUNFT.pdf [--json A.json]
    casework datenschutz loeschfristen --vault V
    casework datenschutz vorschlagen --vault V --household ID
    casework datenschutz freigeben --vault V --request ID
    casework datenschutz loeschen --vault V --request ID --protokoll PROTOKOLL.pdf

`--worker ID` acts as that worker (Leitung/Admin rights are checked by the services; the
four-eyes rule needs two different workers for `vorschlagen` and `freigeben`).
Output names ids and neutral labels only, never content.
"""

from __future__ import annotations

import argparse
import sys
from typing import Any

from casework.cli import EXIT_OK
from casework.cli._common import add_vault_argument, open_for_act, open_session
from casework.forms.base import write_pdf_atomic
from casework.models.ids import HouseholdId, PersonId
from casework.services.privacy import disclosure, disclosure_answer, retention
from casework.services.session import Session


def register(subparsers: Any) -> None:
    group = subparsers.add_parser("datenschutz", help="Auskunft (Art. 15) und Löschfristen")
    commands = group.add_subparsers(dest="datenschutz_command", required=True)

    def command(name: str, help_text: str) -> argparse.ArgumentParser:
        parser: argparse.ArgumentParser = commands.add_parser(name, help=help_text)
        add_vault_argument(parser)
        return parser

    auskunft = command("auskunft", "Auskunft nach Art. 15 DSGVO als PDF (und JSON)")
    auskunft.add_argument("--person", required=True, metavar="ID", help="Kennung der Person")
    auskunft.add_argument("--out", required=True, metavar="DATEI.pdf", help="PDF-Datei")
    auskunft.add_argument("--json", metavar="DATEI.json", help="maschinenlesbare Kopie")
    auskunft.set_defaults(handler=run_auskunft)

    command("loeschfristen", "Akten mit abgelaufener Aufbewahrungsfrist").set_defaults(
        handler=run_due)

    propose = command("vorschlagen", "Löschung einer fälligen Akte vorschlagen")
    propose.add_argument("--household", required=True, metavar="ID",
                         help="Kennung der Familie (aus der App oder einer Liste)")
    propose.set_defaults(handler=run_propose)

    approve = command("freigeben", "Löschung freigeben (zweite Person)")
    approve.add_argument("--request", required=True, metavar="ID",
                         help="Kennung des Löschantrags (aus „loeschfristen“)")
    approve.set_defaults(handler=run_approve)

    delete = command("loeschen", "freigegebene Löschung ausführen")
    delete.add_argument("--request", required=True, metavar="ID",
                        help="Kennung des freigegebenen Löschantrags")
    delete.add_argument("--protokoll", required=True, metavar="DATEI.pdf",
                        help="Löschprotokoll (PDF)")
    delete.set_defaults(handler=run_delete)


def _session(args: argparse.Namespace) -> Session:
    return open_session(args.vault)


def run_auskunft(args: argparse.Namespace) -> int:
    session = _session(args)
    try:
        request_id, _ = disclosure.open_request(session, PersonId(args.person))
        disclosure_answer.export(session, request_id, args.out, args.json)
        info = disclosure.get_request(session, request_id)
    finally:
        session.close()
    print(f"Auskunft gespeichert ({info.label}, Ergebnis: {info.outcome}).", file=sys.stdout)
    return EXIT_OK


def run_due(args: argparse.Namespace) -> int:
    session = _session(args)
    try:
        items = retention.deletion_due(session)
    finally:
        session.close()
    if not items:
        print("Keine Akte mit abgelaufener Aufbewahrungsfrist.")
    for item in items:
        request = item.request.id if item.request else "-"
        keep = item.decision.keep_until.isoformat() if item.decision.keep_until else "-"
        print(f"{item.household_id}\t{item.file_type.value}\t{keep}\t{item.state}\t{request}")
    return EXIT_OK


def run_propose(args: argparse.Namespace) -> int:
    session, auth = open_for_act(args.vault)
    try:
        request_id, _ = retention.propose_deletion(session, HouseholdId(args.household),
                                                   auth=auth)  # type: ignore[arg-type]
    finally:
        session.close()
    print(f"Löschung vorgeschlagen: {request_id}")
    return EXIT_OK


def run_approve(args: argparse.Namespace) -> int:
    session, auth = open_for_act(args.vault)
    try:
        retention.approve_deletion(session, args.request, auth=auth)  # type: ignore[arg-type]
    finally:
        session.close()
    print("Löschung freigegeben.")
    return EXIT_OK


def run_delete(args: argparse.Namespace) -> int:
    session = _session(args)
    try:
        retention.execute_deletion(session, args.request)
        write_pdf_atomic(args.protokoll, retention.render_protocol(session, args.request))
    finally:
        session.close()
    print("Akte gelöscht; Löschprotokoll gespeichert.")
    return EXIT_OK
