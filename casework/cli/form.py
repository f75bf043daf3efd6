"""`casework form …`: print forms as PDF without opening a vault.

    casework form einwilligung --blank --out FORMULAR.pdf [--profile NAME]

writes the empty consent form of a reference-data profile (for home visits). Filled
forms come from the app, which has the records.
"""

from __future__ import annotations

import argparse
import sys
from typing import Any

from casework.cli import EXIT_OK, EXIT_USAGE, CliFailure


def register(subparsers: Any) -> None:
    form = subparsers.add_parser("form", help="Formulare als PDF erzeugen")
    forms = form.add_subparsers(dest="form_command", required=True)
    consent = forms.add_parser(
        "einwilligung", help="Einverständniserklärung zur DSGVO (leeres Formular)"
    )
    consent.add_argument(
        "--blank", action="store_true", help="leeres Formular zum Ausfüllen von Hand"
    )
    consent.add_argument("--out", required=True, metavar="DATEI.pdf", help="Zieldatei")
    consent.add_argument(
        "--profile",
        metavar="NAME",
        default=None,
        help="Referenzdaten-Profil (Standard: das Beispielprofil)",
    )
    consent.set_defaults(handler=run_consent)


def run_consent(args: argparse.Namespace) -> int:
    if not args.blank:
        raise CliFailure(
            "Ohne geöffnete Akte gibt es nur das leere Formular: bitte --blank angeben.",
            EXIT_USAGE,
        )
    from casework.clock import SystemClock
    from casework.forms.base import write_pdf_atomic
    from casework.forms.consent import blank_consent_form_data, render_consent_form
    from casework.services.directory.shipped import load_profile

    # An unknown or malformed profile is a UserError (German message, exit 3).
    profile = load_profile(args.profile)
    data = render_consent_form(blank_consent_form_data(profile), SystemClock())
    target = write_pdf_atomic(args.out, data)
    print(f"Leeres Einwilligungsformular gespeichert: {target}", file=sys.stdout)
    return EXIT_OK
