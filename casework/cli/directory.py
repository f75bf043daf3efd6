"""`casework verzeichnis …`: look up reference data of a profile.

    casework verzeichnis asd-bezirk --stadtteil NAME [--profile NAME] [--json]
    casework verzeichnis asd-bezirk --plz 46236 [--profile NAME] [--json]
    casework verzeichnis export --profile NAME --out FILE.json   (shipped profile)
    casework verzeichnis export --vault V --out FILE.json        (the vault's directory)
    casework verzeichnis import --vault V FILE.json      (warns about data to check)
    casework verzeichnis offen [--vault V | --profile NAME] [--zeit "TT.MM.JJJJ HH:MM"]
                               [--ort TEXT] [--json]         („Wer hat jetzt offen?“)

More subcommands (e.g. `export`/`import`) hang off the same sub-parser
(`dest="verzeichnis_command"`): add a `_register_<name>(verzeichnis_sub)` in `register`.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import tempfile
from datetime import datetime
from pathlib import Path
from typing import Any

from casework.cli import EXIT_OK, EXIT_USER_ERROR, CliFailure
from casework.cli._common import add_worker_argument, open_for_act, open_session
from casework.clock import BERLIN, SystemClock
from casework.errors import UserError
from casework.models.directory.profile import (
    AsdDistrict,
    all_stadtteile,
    close_matches,
    districts_for_plz,
    resolve_district,
)
from casework.services.directory import vault_profile as directory_service
from casework.services.directory.shipped import load_profile, open_partners, profile_to_json

_PLZ = re.compile(r"^\d{5}$")


def register(sub: Any) -> None:
    parser = sub.add_parser("verzeichnis", help="Referenzdaten nachschlagen (ASD-Bezirke …)")
    verzeichnis_sub = parser.add_subparsers(dest="verzeichnis_command", required=True)
    _register_asd_bezirk(verzeichnis_sub)
    _register_export(verzeichnis_sub)
    _register_import(verzeichnis_sub)
    _register_open(verzeichnis_sub)


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


# --- export / import (issue 6) ----------------------------------------------------------------


def _register_export(verzeichnis_sub: Any) -> None:
    parser = verzeichnis_sub.add_parser(
        "export", help="Referenzdaten-Profil als JSON-Datei speichern"
    )
    which = parser.add_mutually_exclusive_group()
    which.add_argument("--profile", help="mitgeliefertes Profil (Standard: bottrop-beispiel)")
    which.add_argument("--vault", type=Path, help="stattdessen das Verzeichnis dieser Akte")
    parser.add_argument("--out", required=True, type=Path, help="Ziel-Datei (.json)")
    parser.set_defaults(handler=_export)


def _register_import(verzeichnis_sub: Any) -> None:
    parser = verzeichnis_sub.add_parser(
        "import", help="Verzeichnis einer Akte aus einer JSON-Datei ersetzen (geprüft)"
    )
    parser.add_argument("--vault", required=True, type=Path, help="Akten-Ordner")
    add_worker_argument(parser)
    parser.add_argument("file", type=Path, metavar="DATEI.json", help="Profil-Datei (JSON)")
    parser.set_defaults(handler=_import)


def _export(args: argparse.Namespace) -> int:
    if args.vault is not None:
        session = open_session(args.vault)
        try:
            text = directory_service.export_profile_json(session)
        finally:
            session.close()
    else:
        text = profile_to_json(load_profile(args.profile))
    _write_text(args.out, text)
    print(f"Verzeichnis gespeichert: {args.out}")
    return EXIT_OK


def _write_text(target: Path, text: str) -> None:
    """Write via a temporary file in the same folder, so a failed write leaves no stub."""
    folder = target.parent if str(target.parent) else Path(".")
    if not folder.is_dir():
        raise CliFailure(f"Der Ordner für {target.name} existiert nicht.", EXIT_USER_ERROR)
    try:
        fd, tmp = tempfile.mkstemp(prefix=".verzeichnis-", suffix=".json", dir=folder)
        try:
            with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as handle:
                handle.write(text)
            os.replace(tmp, target)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
    except OSError as error:
        raise CliFailure(
            f"{target.name} kann nicht geschrieben werden (Ordner schreibgeschützt, voll "
            "oder Datei gesperrt).",
            EXIT_USER_ERROR,
        ) from error


def _import(args: argparse.Namespace) -> int:
    path: Path = args.file
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError as error:
        raise CliFailure(f"Die Datei {path.name} wurde nicht gefunden.", EXIT_USER_ERROR) from error
    except UnicodeDecodeError as error:
        raise CliFailure(
            f"Profil-Datei {path.name}: ist kein UTF-8-Text. Es wurde nichts importiert.",
            EXIT_USER_ERROR,
        ) from error
    except OSError as error:
        raise CliFailure(
            f"Die Datei {path.name} kann nicht gelesen werden.", EXIT_USER_ERROR
        ) from error
    session, auth = open_for_act(args.vault)
    try:
        changes = directory_service.import_profile_json(
            session, text, path.name, auth=auth)  # type: ignore[arg-type]
        revision = directory_service.revisions(session, limit=1)
        imported_name = directory_service.active_profile(session).name
        warnings = directory_service.quality_warnings(session)
        vault_profile = session.profile_name
    except UserError as error:
        raise CliFailure(f"{error.message} Es wurde nichts importiert.", EXIT_USER_ERROR) from error
    finally:
        session.close()
    if not changes:
        print("Das Verzeichnis der Akte entspricht bereits dieser Datei; nichts geändert.")
    else:
        print(f"Verzeichnis importiert (Stand {revision[0].revision}).")
    for warning in warnings:
        print(f"Bitte prüfen: {warning}")
    if imported_name != vault_profile:
        print(
            f"Hinweis: Die Datei enthält das Profil „{imported_name}“; es ersetzt in dieser "
            f"Akte das Profil „{vault_profile}“."
        )
    return EXIT_OK


# --- „Wer hat jetzt offen?“ (issue 21) ---------------------------------------------------------

_MOMENT = re.compile(r"^\s*(\d{1,2})\.(\d{1,2})\.(\d{4})(?:\s+(\d{1,2})[:.](\d{2}))?\s*$")


def _register_open(verzeichnis_sub: Any) -> None:
    parser = verzeichnis_sub.add_parser(
        "offen", help="welche Partner jetzt (oder zu einer Zeit) geöffnet haben")
    which = parser.add_mutually_exclusive_group()
    which.add_argument("--profile", help="mitgeliefertes Profil (Standard: bottrop-beispiel)")
    which.add_argument("--vault", type=Path, help="stattdessen das Verzeichnis dieser Akte")
    add_worker_argument(parser)
    parser.add_argument("--zeit", help="Zeitpunkt „TT.MM.JJJJ HH:MM“ (Standard: jetzt)")
    parser.add_argument("--ort", default="", help="Stadtteil, Straße oder PLZ")
    parser.add_argument("--alle", action="store_true",
                        help="auch geschlossene Partner und solche ohne Öffnungszeiten")
    parser.add_argument("--json", action="store_true", help="maschinenlesbar ausgeben")
    parser.set_defaults(handler=_open)


def _moment(text: str | None, clock: SystemClock) -> datetime:
    if text is None:
        return clock.now().astimezone(BERLIN)
    match = _MOMENT.match(text)
    if match is None:
        raise CliFailure("--zeit: bitte als „TT.MM.JJJJ HH:MM“ angeben.", EXIT_USER_ERROR)
    day, month, year, hour, minute = match.groups()
    try:
        return datetime(int(year), int(month), int(day), int(hour or 12), int(minute or 0),
                        tzinfo=BERLIN)
    except ValueError as error:
        raise CliFailure("--zeit: ist kein gültiger Zeitpunkt.", EXIT_USER_ERROR) from error


def _open(args: argparse.Namespace) -> int:
    clock = SystemClock()
    moment = _moment(args.zeit, clock)
    if args.vault is not None:
        session = open_session(args.vault)
        try:
            profile = directory_service.active_profile(session)
        finally:
            session.close()
    else:
        profile = load_profile(args.profile)
    states = open_partners(profile, clock, args.ort, moment)
    shown = states if args.alle else [s for s in states if s.is_open]
    if args.json:
        print(json.dumps([{"partner": s.partner.name, "offen": s.is_open,
                           "bis": s.until.isoformat() if s.until else None,
                           "oeffnet": s.opens_at.isoformat() if s.opens_at else None,
                           "telefon": s.partner.phone, "adresse": s.partner.address}
                          for s in shown], ensure_ascii=False, indent=2))
        return EXIT_OK
    where = f" ({args.ort.strip()})" if args.ort.strip() else ""
    print(f"Geöffnet am {moment:%d.%m.%Y um %H:%M}{where}:")
    if not states:
        print("  Kein Partner passt zu diesem Ort.")
    elif not any(s.is_open for s in states):
        print("  Niemand hat geöffnet.")
    for state in shown:
        print(f"  {state.partner.name}: {state.text(moment)}"
              + (f" – {state.partner.phone}" if state.partner.phone else ""))
    if not args.alle:
        closed = [s for s in states if not s.is_open and s.partner.opening_hours]
        for state in closed[:5]:
            print(f"  {state.partner.name}: {state.text(moment)}")
        if len(closed) > 5:
            print(f"  … und {len(closed) - 5} weitere (--alle zeigt alle)")
    return EXIT_OK
