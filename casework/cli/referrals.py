"""`casework vermittlung …`: referrals from scripts (read-only).

    casework vermittlung liste --vault DIR [--alle]
    casework vermittlung wiedervorlagen --vault DIR [--am JJJJ-MM-TT]
    casework vermittlung statistik --vault DIR --von JJJJ-MM-TT --bis JJJJ-MM-TT

`statistik` prints one line per recipient: total and counts by state (no personal data).
"""

from __future__ import annotations

import argparse
from datetime import date
from typing import Any

from casework.cli import CliFailure
from casework.cli._common import add_vault_argument, open_session
from casework.models.referrals import ReferralState
from casework.services import referrals_reading as reading


def _iso_date(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"kein Datum im Format JJJJ-MM-TT: {text}") from None


def register(sub: Any) -> None:
    parser = sub.add_parser("vermittlung", help="Vermittlungen auflisten und auswerten")
    commands = parser.add_subparsers(dest="vermittlung_command", required=True)

    listing = commands.add_parser("liste", aliases=["list"],
                                  help="offene Vermittlungen (älteste zuerst)")
    add_vault_argument(listing)
    listing.add_argument("--alle", action="store_true", help="auch abgeschlossene")
    listing.set_defaults(handler=_list)

    due = commands.add_parser("wiedervorlagen", help="fällige Wiedervorlagen")
    add_vault_argument(due)
    due.add_argument("--am", type=_iso_date, default=None, help="Stichtag (Standard: heute)")
    due.set_defaults(handler=_due)

    stats = commands.add_parser("statistik", help="Vermittlungen je Empfänger nach Stand")
    add_vault_argument(stats)
    stats.add_argument("--von", type=_iso_date, required=True, help="erster Tag (JJJJ-MM-TT)")
    stats.add_argument("--bis", type=_iso_date, required=True, help="letzter Tag (JJJJ-MM-TT)")
    stats.set_defaults(handler=_statistics)


def _list(args: argparse.Namespace) -> int:
    session = open_session(args.vault)
    try:
        rows = reading.overview(session, open_only=not args.alle)
        for r in rows:
            follow = f"{r.follow_up_on:%d.%m.%Y}" if r.follow_up_on else "-"
            print(f"{r.id}\t{r.household_name}\t{r.recipient}\t{r.state.value}\t"
                  f"{r.age_days} Tage\t{follow}")
        print(f"{len(rows)} Vermittlung(en)")
    finally:
        session.close()
    return 0


def _due(args: argparse.Namespace) -> int:
    session = open_session(args.vault)
    try:
        items = reading.follow_ups_due(session, args.am)
        for f in items:
            print(f"{f.due_on:%d.%m.%Y}\t{f.household_name}\t{f.recipient}\t{f.state.value}")
        print(f"{len(items)} Wiedervorlage(n) fällig")
    finally:
        session.close()
    return 0


def _statistics(args: argparse.Namespace) -> int:
    if args.bis < args.von:
        raise CliFailure("--bis liegt vor --von.")
    session = open_session(args.vault)
    try:
        stats = reading.statistics(session, args.von, args.bis)
        print("Empfänger\tgesamt\t" + "\t".join(s.value for s in ReferralState))
        for s in stats:
            print(f"{s.recipient}\t{s.total}\t"
                  + "\t".join(str(s.count(state)) for state in ReferralState))
    finally:
        session.close()
    return 0
