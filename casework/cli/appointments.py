"""`casework termine …`: appointments from scripts.

    casework termine liste --vault DIR [--woche]
    casework termine ics --vault DIR --termin ID DATEI [--mit-details]

`ics` writes one appointment as a calendar file without personal data ("Termin –
Casework", time, kind of place) unless `--mit-details` is given.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from casework.cli._common import add_vault_argument, open_session
from casework.forms.base import write_pdf_atomic as write_file_atomic
from casework.services import appointments as service


def register(sub: Any) -> None:
    parser = sub.add_parser("termine", help="Termine auflisten und als Kalenderdatei ausgeben")
    commands = parser.add_subparsers(dest="termine_command", required=True)
    listing = commands.add_parser("liste", aliases=["list"],
                                  help="geplante Termine heute (oder diese Woche)")
    add_vault_argument(listing)
    listing.add_argument("--woche", action="store_true", help="bis Sonntag dieser Woche")
    listing.set_defaults(handler=_list)
    ics = commands.add_parser("ics", help="einen Termin als .ics-Datei speichern")
    add_vault_argument(ics)
    ics.add_argument("--termin", required=True, help="Kennung des Termins (aus „liste“)")
    ics.add_argument("ziel", type=Path, help="Zieldatei (.ics)")
    ics.add_argument("--mit-details", action="store_true",
                     help="Familie, Anlass und Ort aufnehmen (Standard: ohne)")
    ics.set_defaults(handler=_ics)


def _list(args: argparse.Namespace) -> int:
    session = open_session(args.vault)
    try:
        rows = service.this_week(session) if args.woche else service.today(session)
        for r in rows:
            a = r.appointment
            print(f"{a.id}\t{r.local_start:%d.%m.%Y %H:%M}\t{r.household_name}\t"
                  f"{a.data.place_type.value}")
        print(f"{len(rows)} Termin(e)")
    finally:
        session.close()
    return 0


def _ics(args: argparse.Namespace) -> int:
    session = open_session(args.vault)
    try:
        data = service.export_ics(session, args.termin, with_details=args.mit_details)
    finally:
        session.close()
    target = args.ziel if args.ziel.suffix.lower() == ".ics" else args.ziel.with_suffix(".ics")
    write_file_atomic(target, data)
    print(f"Gespeichert: {target.name}")
    return 0
