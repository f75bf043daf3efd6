"""`casework report …`: statistics reports as PDF (and CSV).

    casework report jahresbericht --vault V --von 2026-01-01 --bis 2026-12-31 \\
        --out BERICHT.pdf [--csv BERICHT.csv] [--k 5]
    casework report monitoring --vault V --von … --bis … --out MONITORING.pdf [--csv …]
    casework report kinderschutz --vault V --jahr 2025 --out AUSWERTUNG.pdf [--csv …]

Instead of --von/--bis, --jahr JJJJ reports one calendar year.

Dates are calendar days in Europe/Berlin, both inclusive. Bad dates or von > bis end with
exit code 2 and a German message before the vault is opened.
"""

from __future__ import annotations

import argparse
import sys
from datetime import date
from pathlib import Path
from typing import Any

from casework.cli import EXIT_OK, EXIT_USAGE, CliFailure
from casework.cli._common import add_vault_argument, open_session
from casework.errors import ValidationError


def register(subparsers: Any) -> None:
    report = subparsers.add_parser("report", help="Statistik-Berichte (PDF, CSV)")
    kinds = report.add_subparsers(dest="report_command", required=True)
    for name, help_text in (
        ("jahresbericht", "Jahresbericht Quartiersarbeit"),
        ("monitoring", "Programm-Monitoring Teilhabemanagement"),
        ("kinderschutz", "Jahresauswertung Kinderschutz (§ 8a) für das Jugendamt"),
    ):
        parser = kinds.add_parser(name, help=help_text)
        add_vault_argument(parser)
        parser.add_argument(
            "--von", metavar="JJJJ-MM-TT", help="erster Tag des Berichtszeitraums"
        )
        parser.add_argument(
            "--bis",
            metavar="JJJJ-MM-TT",
            help="letzter Tag des Berichtszeitraums (einschließlich)",
        )
        parser.add_argument(
            "--jahr", type=int, metavar="JJJJ", help="statt --von/--bis: ein Kalenderjahr"
        )
        parser.add_argument(
            "--out", required=True, type=Path, metavar="DATEI.pdf", help="Zieldatei (PDF)"
        )
        parser.add_argument(
            "--csv",
            type=Path,
            metavar="DATEI.csv",
            help="zusätzlich als CSV (Semikolon, UTF-8 für Excel)",
        )
        parser.add_argument(
            "--k",
            type=int,
            default=5,
            metavar="K",
            help="kleinste ausgewiesene Fallzahl (Standard 5)",
        )
        parser.add_argument(
            "--zeiten", action="store_true", help="Rechenzeiten ausgeben (Benchmark)"
        )
        parser.set_defaults(handler=run_report, report_kind=name)


def _period(args: argparse.Namespace) -> tuple[date, date]:
    from casework.reports.period import parse_day, window

    if args.jahr is not None:
        if args.von or args.bis:
            raise CliFailure("Entweder --jahr oder --von/--bis angeben.", EXIT_USAGE)
        if not 2000 <= args.jahr <= 2100:
            raise CliFailure("--jahr muss ein Jahr wie 2025 sein.", EXIT_USAGE)
        args.von, args.bis = f"{args.jahr}-01-01", f"{args.jahr}-12-31"
    if not args.von or not args.bis:
        raise CliFailure("Bitte --von und --bis oder --jahr angeben.", EXIT_USAGE)
    try:
        first = parse_day(args.von, "--von")
        last = parse_day(args.bis, "--bis")
        window(first, last)
    except ValidationError as error:
        raise CliFailure(error.message, EXIT_USAGE) from None
    if args.k > 100:  # below 5 the report service refuses (a floor, not a usage slip)
        raise CliFailure("--k darf höchstens 100 sein.", EXIT_USAGE)
    return first, last


def run_report(args: argparse.Namespace) -> int:
    first, last = _period(args)
    if args.out.suffix.lower() != ".pdf":
        raise CliFailure("--out muss auf .pdf enden.", EXIT_USAGE)
    from casework.reports.export import ReportKind, produce

    session = open_session(args.vault)
    try:
        produced = produce(
            session,
            ReportKind(args.report_kind),
            first,
            last,
            pdf_path=args.out,
            csv_path=args.csv,
            k=args.k,
        )
    finally:
        session.close()
    print(f"{produced.report.title} gespeichert: {produced.pdf}", file=sys.stdout)
    if produced.csv is not None:
        print(f"CSV gespeichert: {produced.csv}", file=sys.stdout)
    if args.zeiten:
        print(
            f"Statistik: {produced.statistics_seconds:.2f} s, PDF: {produced.pdf_seconds:.2f} s",
            file=sys.stdout,
        )
    return EXIT_OK
