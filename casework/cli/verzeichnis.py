"""`casework verzeichnis …`: look up reference data of a profile.

    casework verzeichnis asd-bezirk --stadtteil NAME [--profile NAME] [--json]
    casework verzeichnis asd-bezirk --plz 46236 [--profile NAME] [--json]

More subcommands (e.g. `export`/`import`) hang off the same sub-parser
(`dest="verzeichnis_command"`): add a `_register_<name>(verzeichnis_sub)` in `register`.
"""

from __future__ import annotations

import argparse
import json
import re
from typing import Any

from casework.cli import EXIT_OK, EXIT_USER_ERROR, CliFailure
from casework.models.directory import (
    AsdDistrict,
    all_stadtteile,
    close_matches,
    districts_for_plz,
    resolve_district,
)
from casework.services.reference import load_profile

_PLZ = re.compile(r"^\d{5}$")


def register(sub: Any) -> None:
    parser = sub.add_parser("verzeichnis", help="Referenzdaten nachschlagen (ASD-Bezirke …)")
    verzeichnis_sub = parser.add_subparsers(dest="verzeichnis_command", required=True)
    _register_asd_bezirk(verzeichnis_sub)


def _register_asd_bezirk(verzeichnis_sub: Any) -> None:
    parser = verzeichnis_sub.add_parser(
        "asd-bezirk", help="zuständigen ASD-Bezirk nach Stadtteil oder PLZ finden"
    )
    which = parser.add_mutually_exclusive_group(required=True)
    which.add_argument("--stadtteil", help="Name des Stadtteils, z. B. „Batenbrock-Süd“")
    which.add_argument("--plz", help="Postleitzahl (listet alle infrage kommenden Bezirke)")
    parser.add_argument("--profile", help="Referenzdaten-Profil (Standard: bottrop-beispiel)")
    parser.add_argument("--json", action="store_true", help="maschinenlesbar ausgeben")
    parser.set_defaults(handler=_asd_bezirk)


def _asd_bezirk(args: argparse.Namespace) -> int:
    profile = load_profile(args.profile)
    if args.stadtteil is not None:
        name = args.stadtteil.strip()
        districts = resolve_district(profile, name)
        if not districts:
            raise CliFailure(
                _unknown_stadtteil(name, close_matches(profile, name), all_stadtteile(profile)),
                EXIT_USER_ERROR,
            )
        heading = (
            f"Stadtteil „{name}“: ASD-Bezirk"
            if len(districts) == 1
            else f"„{name}“ passt zu mehreren ASD-Bezirken:"
        )
    else:
        plz = args.plz.strip()
        if not _PLZ.match(plz):
            raise CliFailure("Die PLZ muss aus 5 Ziffern bestehen.", EXIT_USER_ERROR)
        districts = districts_for_plz(profile, plz)
        if not districts:
            raise CliFailure(f"Für die PLZ {plz} ist kein ASD-Bezirk hinterlegt.", EXIT_USER_ERROR)
        heading = (
            f"PLZ {plz}: ASD-Bezirk"
            if len(districts) == 1
            else f"PLZ {plz} gehört zu {len(districts)} ASD-Bezirken; zuständig ist der "
            "Bezirk des Stadtteils:"
        )
    if args.json:
        print(json.dumps([_as_json(d) for d in districts], ensure_ascii=False, indent=2))
    else:
        print(heading)
        for district in districts:
            print(_as_text(district))
    return EXIT_OK


def _unknown_stadtteil(name: str, matches: tuple[str, ...], known: tuple[str, ...]) -> str:
    if matches:
        return f"Unbekannter Stadtteil „{name}“. Meinten Sie: {', '.join(matches)}?"
    return f"Unbekannter Stadtteil „{name}“. Bekannte Stadtteile: {', '.join(known)}."


def _as_json(district: AsdDistrict) -> dict[str, Any]:
    return {
        "bezirk": district.number,
        "stadtteile": list(district.stadtteile),
        "plz": list(district.plz),
        "kontakt": district.contact_role,
        "telefon": district.phone,
        "email": district.email,
    }


def _as_text(district: AsdDistrict) -> str:
    lines = [
        f"  Bezirk {district.number}",
        f"    Stadtteile: {', '.join(district.stadtteile)}",
        f"    PLZ:        {', '.join(district.plz) or '(keine angegeben)'}",
        f"    Kontakt:    {district.contact_role}",
        f"    Telefon:    {district.phone or '–'}",
        f"    E-Mail:     {district.email or '–'}",
    ]
    return "\n".join(lines)
