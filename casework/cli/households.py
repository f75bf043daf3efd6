"""`casework import csv --vault V FILE [--mapping FILE] [--duplikate …] [--vorschau]`."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from casework.cli import EXIT_OK, EXIT_USER_ERROR, CliFailure
from casework.cli._common import add_vault_argument, open_session
from casework.models.households.csv_columns import FIELD_BY_KEY
from casework.models.households.csv_import import DuplicatePolicy
from casework.services.households import csv_import as importer

_POLICIES = {"ablehnen": DuplicatePolicy.REFUSE, "ueberspringen": DuplicatePolicy.SKIP,
             "anlegen": DuplicatePolicy.IMPORT}


def register(sub: Any) -> None:
    parser = sub.add_parser("import", help="bestehende Listen importieren")
    import_sub = parser.add_subparsers(dest="import_command", required=True)
    csv_parser = import_sub.add_parser(
        "csv", help="Haushalte, Personen (und Kontakte) aus CSV – alles oder nichts")
    add_vault_argument(csv_parser)
    csv_parser.add_argument("file", type=Path, help="CSV-Datei (UTF-8 oder Windows-1252, ; "
                                                    "oder ,)")
    csv_parser.add_argument("--mapping", type=Path,
                            help="JSON-Datei {\"Feld\": \"Spaltenüberschrift\"}")
    csv_parser.add_argument("--duplikate", choices=sorted(_POLICIES), default="ablehnen",
                            help="mögliche Doppelungen (Name + Geburtsdatum): ablehnen "
                                 "(Standard), ueberspringen oder trotzdem anlegen")
    csv_parser.add_argument("--vorschau", action="store_true",
                            help="nur prüfen und anzeigen, nichts importieren")
    csv_parser.set_defaults(handler=_import_csv)


def _progress(done: int, total: int) -> None:
    end = "\n" if done >= total else ""
    print(f"\rImport: {100 * done // max(total, 1)} %", end=end, file=sys.stderr, flush=True)


def _import_csv(args: argparse.Namespace) -> int:
    data = importer.read_file(args.file)
    mapping_json = None
    if args.mapping is not None:
        try:
            mapping_json = args.mapping.read_text(encoding="utf-8-sig")
        except (OSError, UnicodeDecodeError):
            raise CliFailure("Die Zuordnungsdatei kann nicht gelesen werden.") from None
    session = open_session(args.vault)
    try:
        prepared = importer.preview(session, data, mapping_json=mapping_json)
        plan = prepared.plan
        columns = ", ".join(f"{FIELD_BY_KEY[k].label} ← „{prepared.table.header[i]}“"
                            for k, i in sorted(prepared.mapping.items(), key=lambda kv: kv[1]))
        print(f"Datei: {prepared.table.encoding}, Trennzeichen „{prepared.table.delimiter}“, "
              f"{plan.rows} Zeilen.")
        print(f"Zuordnung: {columns}")
        print(f"Erkannt: {len(plan.households)} Haushalte, {plan.person_count} Personen, "
              f"{plan.contact_count} Kontakte.")
        for problem in plan.problems:
            print(f"Fehler: {problem.text()}")
        for duplicate in plan.duplicates:
            print(f"Doppelung? {duplicate.text()}")
        if plan.problems:
            raise CliFailure(f"{len(plan.problems)} fehlerhafte Zeile(n): es wurde nichts "
                             "importiert.", EXIT_USER_ERROR)
        if args.vorschau:
            print("Vorschau: nichts importiert.")
            return EXIT_OK
        summary, _ = importer.commit(session, prepared, _POLICIES[args.duplikate],
                                     progress=_progress if sys.stderr.isatty() else None)
    finally:
        session.close()
    print(f"Importiert: {summary.households} Haushalte, {summary.persons} Personen, "
          f"{summary.contacts} Kontakte"
          + (f"; {summary.skipped_duplicates} Doppelungen übersprungen." if
             summary.skipped_duplicates else "."))
    return EXIT_OK
