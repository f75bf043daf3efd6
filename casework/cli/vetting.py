"""`casework fz …`: the § 72a register (erweitertes Führungszeugnis), for Leitung and
Admin.

    casework fz liste --vault V [--einsatzfaehig] [--json]
    casework fz faellig --vault V
    casework fz schema [--vault V [--export DATEI | --import DATEI | --mitgeliefert]]
    casework fz person --vault V --name NAME --art ehrenamtlich [--volljaehrig-ab DATUM]
    casework fz taetigkeit --vault V --person NAME --titel TEXT --beginn DATUM [--ende DATUM]
                [--ohne-kinder] [--merkmal trust=hoch …] [--ausloeser overnight …]
                [--ausnahme collegial_team …]
    casework fz ende --vault V --person NAME --titel TEXT --am DATUM
    casework fz pruefung --vault V --person NAME --fz-datum DATUM [--einsicht DATUM]
                [--eintragung ja|nein]
    casework fz anlass --vault V --person NAME [--am DATUM]
    casework fz loeschen --vault V          (reserved act: asks the passphrase again)

Dates as TT.MM.JJJJ. Only the fact of the inspection, the certificate's date and
whether a relevant entry exists are stored.
"""

from __future__ import annotations

import argparse
import json
import re
from datetime import date
from pathlib import Path
from typing import Any

from casework.cli import EXIT_OK, EXIT_USER_ERROR, CliFailure
from casework.cli._common import (
    add_vault_argument,
    add_worker_argument,
    open_for_act,
    open_session,
)
from casework.clock import local_today
from casework.forms.base import write_pdf_atomic as write_file_atomic
from casework.models.text import fold
from casework.models.vetting.register import (
    ActivityDraft,
    InspectionDraft,
    MemberDraft,
)
from casework.models.vetting.scheme import Answers, Engagement, Scheme, parse_scheme
from casework.services import vetting as service
from casework.services.session import Session

_DATE = re.compile(r"^\s*(\d{1,2})\.(\d{1,2})\.(\d{4})\s*$")


def register(sub: Any) -> None:
    parser = sub.add_parser("fz", help="Register der erweiterten Führungszeugnisse (§ 72a)")
    commands = parser.add_subparsers(dest="fz_command", required=True)
    listing = commands.add_parser("liste", aliases=["list"],
                                  help="alle Personen mit Status (wer darf mit Kindern "
                                       "arbeiten?)")
    add_vault_argument(listing)
    listing.add_argument("--einsatzfaehig", action="store_true",
                         help="nur wer jetzt mit Kindern und Jugendlichen arbeiten darf")
    listing.add_argument("--json", action="store_true", help="maschinenlesbar ausgeben")
    listing.set_defaults(handler=_list)
    due = commands.add_parser("faellig", help="fehlende Einsichten, Erneuerungen, Löschungen")
    add_vault_argument(due)
    due.set_defaults(handler=_due)
    scheme = commands.add_parser("schema", help="das Prüfschema (Merkmale, Auslöser, "
                                                 "Ausnahmen) zeigen, exportieren, ersetzen")
    scheme.add_argument("--vault", type=Path, help="das Prüfschema dieser Akte")
    add_worker_argument(scheme)
    which = scheme.add_mutually_exclusive_group()
    which.add_argument("--export", type=Path, metavar="DATEI", help="als JSON speichern")
    which.add_argument("--import", dest="import_file", type=Path, metavar="DATEI",
                       help="eigenes Prüfschema (JSON) für diese Akte übernehmen")
    which.add_argument("--mitgeliefert", action="store_true",
                       help="wieder das mitgelieferte Prüfschema verwenden")
    scheme.set_defaults(handler=_scheme)
    person = commands.add_parser("person", help="eine Person ins Register aufnehmen")
    add_vault_argument(person)
    person.add_argument("--name", required=True, help="Vor- und Nachname")
    person.add_argument("--art", required=True, choices=[e.value for e in Engagement],
                        help="Art der Mitarbeit")
    person.add_argument("--volljaehrig-ab", help="18. Geburtstag einer minderjährigen Person")
    person.set_defaults(handler=_person)
    activity = commands.add_parser("taetigkeit", help="eine Tätigkeit erfassen und einschätzen")
    add_vault_argument(activity)
    activity.add_argument("--person", required=True, help="Name der Person im Register")
    activity.add_argument("--titel", required=True, help="z. B. „Hausaufgabenhilfe“")
    activity.add_argument("--beginn", required=True, help="Beginn (TT.MM.JJJJ)")
    activity.add_argument("--ende", help="Ende (TT.MM.JJJJ), falls schon bekannt")
    activity.add_argument("--ohne-kinder", action="store_true",
                          help="kein Kontakt zu Kindern oder Jugendlichen")
    activity.add_argument("--merkmal", action="append", default=[], metavar="MERKMAL=STUFE",
                          help="Einschätzung, z. B. trust=hoch (siehe „fz schema“)")
    activity.add_argument("--ausloeser", action="append", default=[], metavar="SCHLÜSSEL",
                          help="z. B. overnight, one_to_one (siehe „fz schema“)")
    activity.add_argument("--ausnahme", action="append", default=[], metavar="SCHLÜSSEL",
                          help="Ausnahme für Ehrenamtliche (siehe „fz schema“)")
    activity.set_defaults(handler=_activity)
    end = commands.add_parser("ende", help="eine Tätigkeit beenden (Löschfrist beginnt)")
    add_vault_argument(end)
    end.add_argument("--person", required=True, help="Name der Person im Register")
    end.add_argument("--titel", required=True, help="Bezeichnung der Tätigkeit")
    end.add_argument("--am", required=True, help="letzter Tag der Tätigkeit (TT.MM.JJJJ)")
    end.set_defaults(handler=_end)
    inspection = commands.add_parser("pruefung", help="Einsicht in ein Führungszeugnis festhalten")
    add_vault_argument(inspection)
    inspection.add_argument("--person", required=True, help="Name der Person im Register")
    inspection.add_argument("--fz-datum", required=True, help="Ausstellungsdatum")
    inspection.add_argument("--einsicht", help="Tag der Einsichtnahme (Standard: heute)")
    inspection.add_argument("--eintragung", choices=("ja", "nein"), default="nein",
                            help="einschlägige Eintragung vorhanden?")
    inspection.set_defaults(handler=_inspection)
    indication = commands.add_parser("anlass", help="konkrete Anhaltspunkte: aktuelles "
                                                    "Führungszeugnis angefordert")
    add_vault_argument(indication)
    indication.add_argument("--person", required=True, help="Name der Person im Register")
    indication.add_argument("--am", help="Tag der Anforderung (Standard: heute)")
    indication.set_defaults(handler=_indication)
    delete = commands.add_parser("loeschen", help="fällige Löschungen ausführen (§ 72a Abs. 5)")
    add_vault_argument(delete)
    delete.set_defaults(handler=_delete)


def _date(text: str | None, option: str) -> date | None:
    if text is None:
        return None
    match = _DATE.match(text)
    if match is None:
        raise CliFailure(f"{option}: bitte als TT.MM.JJJJ angeben.", EXIT_USER_ERROR)
    day, month, year = (int(g) for g in match.groups())
    try:
        return date(year, month, day)
    except ValueError as error:
        raise CliFailure(f"{option}: ist kein gültiges Datum.", EXIT_USER_ERROR) from error


def _required_date(text: str, option: str) -> date:
    value = _date(text, option)
    assert value is not None
    return value


def _member_id(session: Session, name: str) -> str:
    wanted = fold(" ".join(name.split()))
    found = [e for e in service.overview(session, audit=False)
             if fold(e.name) == wanted or e.id == name.strip()]
    if not found:
        raise CliFailure(f"Keine Person „{name.strip()}“ im Register.", EXIT_USER_ERROR)
    if len(found) > 1:
        raise CliFailure(f"Mehrere Personen heißen „{name.strip()}“; bitte die Kennung "
                         "aus „fz liste --json“ angeben.", EXIT_USER_ERROR)
    return found[0].id


def _list(args: argparse.Namespace) -> int:
    session = open_session(args.vault)
    try:
        day = local_today(session.clock)
        entries = (service.may_work_with_children(session) if args.einsatzfaehig
                   else service.overview(session))
        if args.json:
            print(json.dumps([{
                "id": e.id, "name": e.name, "art": e.file.member.data.engagement.value,
                "mit_kindern": e.status.clearance.value,
                "darf_mit_kindern_arbeiten": e.status.clearance.may_work,
                "gueltig_bis": e.status.valid_until.isoformat() if e.status.valid_until else None,
                "taetigkeiten": e.current_titles(day)} for e in entries],
                ensure_ascii=False, indent=2))
            return EXIT_OK
        for e in entries:
            until = f"{e.status.valid_until:%d.%m.%Y}" if e.status.valid_until else "–"
            print(f"{e.name}\t{e.file.member.data.engagement.value}\t"
                  f"{e.status.clearance.value}\tgültig bis {until}\t{e.current_titles(day) or '–'}")
        may = sum(1 for e in entries if e.status.clearance.may_work)
        print(f"{len(entries)} Person(en), davon {may} jetzt mit Kindern und Jugendlichen "
              "einsetzbar")
    finally:
        session.close()
    return EXIT_OK


def _due(args: argparse.Namespace) -> int:
    session = open_session(args.vault)
    try:
        items = service.due(session)
        if not service.can_maintain(session):
            raise CliFailure("Das Register der Führungszeugnisse führen nur Leitung oder Admin.")
        day = local_today(session.clock)
        for item in items:
            late = " (überfällig)" if item.overdue(day) else ""
            print(f"{item.on:%d.%m.%Y}{late}\t{item.kind.value}\t{item.member_name}\t{item.text}")
        print(f"{len(items)} fällig" if items else "Nichts fällig.")
    finally:
        session.close()
    return EXIT_OK


def _scheme(args: argparse.Namespace) -> int:
    if args.vault is None:
        if args.export or args.import_file or args.mitgeliefert:
            raise CliFailure("Exportieren und Ersetzen des Prüfschemas gehen nur mit --vault.")
        _print_scheme(parse_scheme(json.loads(service.shipped_scheme_text())))
        return EXIT_OK
    text = None
    if args.import_file is not None:
        try:
            text = args.import_file.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as error:
            raise CliFailure(f"{args.import_file.name} kann nicht als UTF-8-Text gelesen "
                             "werden.") from error
    session = open_session(args.vault)
    try:
        if args.import_file is not None or args.mitgeliefert:
            service.set_scheme(session, text, args.import_file.name if text else "")
            print("Prüfschema übernommen." if text else "Mitgeliefertes Prüfschema gilt wieder.")
        elif args.export is not None:
            write_file_atomic(args.export, service.scheme_text(session).encode("utf-8"))
            print(f"Prüfschema gespeichert: {args.export.name}")
            return EXIT_OK
        rules = service.scheme(session)
    finally:
        session.close()
    _print_scheme(rules)
    return EXIT_OK


def _print_scheme(rules: Scheme) -> None:
    print(rules.title)
    for criterion in rules.criteria:
        options = ", ".join(f"{o.key} ({o.points})" for o in criterion.options)
        print(f"  --merkmal {criterion.key}=…  {criterion.group}: {criterion.label} – {options}")
    for flag in rules.triggers:
        print(f"  --ausloeser {flag.key}  {flag.label}")
    for flag in rules.waivers:
        print(f"  --ausnahme {flag.key}  {flag.label} (nur Ehrenamtliche)")
    print(f"Erforderlich ab {rules.threshold} von {rules.max_points} Punkten oder bei einem "
          "Auslöser.")


def _person(args: argparse.Namespace) -> int:
    draft = MemberDraft(args.name, Engagement(args.art),
                        _date(args.volljaehrig_ab, "--volljaehrig-ab"))
    session = open_session(args.vault)
    try:
        service.add_member(session, draft)
    finally:
        session.close()
    print("Person ins Register aufgenommen.")
    return EXIT_OK


def _answers(args: argparse.Namespace) -> Answers:
    ratings = []
    for text in args.merkmal:
        key, sep, option = text.partition("=")
        if not sep:
            raise CliFailure(f"--merkmal {text}: bitte als MERKMAL=STUFE angeben.",
                             EXIT_USER_ERROR)
        ratings.append((key.strip(), option.strip()))
    return Answers(not args.ohne_kinder, tuple(ratings), tuple(args.ausloeser),
                   tuple(args.ausnahme))


def _activity(args: argparse.Namespace) -> int:
    starts, ends, answers = (_required_date(args.beginn, "--beginn"),
                             _date(args.ende, "--ende"), _answers(args))
    session = open_session(args.vault)
    try:
        member_id = _member_id(session, args.person)
        draft = ActivityDraft(member_id, args.titel, starts, answers, ends)
        service.add_activity(session, draft)
        entry = service.entry(session, member_id)
        activity = entry.file.activities[-1]
        result = activity.assessment(service.scheme(session), entry.file.member,
                                     max(local_today(session.clock), draft.starts_on))
    finally:
        session.close()
    print(f"Tätigkeit erfasst. Führungszeugnis {result.outcome.value}: {result.reason}.")
    return EXIT_OK


def _end(args: argparse.Namespace) -> int:
    ends_on = _required_date(args.am, "--am")
    session = open_session(args.vault)
    try:
        entry = service.entry(session, _member_id(session, args.person))
        wanted = fold(args.titel.strip())
        matches = [a for a in entry.file.activities if fold(a.data.title) == wanted]
        if not matches:
            raise CliFailure(f"Keine Tätigkeit „{args.titel.strip()}“ bei dieser Person.",
                             EXIT_USER_ERROR)
        service.end_activity(session, matches[-1].id, ends_on)
    finally:
        session.close()
    print("Tätigkeit beendet.")
    return EXIT_OK


def _inspection(args: argparse.Namespace) -> int:
    certificate = _required_date(args.fz_datum, "--fz-datum")  # before unlocking
    inspected_on = _date(args.einsicht, "--einsicht")
    session = open_session(args.vault)
    try:
        member_id = _member_id(session, args.person)
        inspected = inspected_on or local_today(session.clock)
        draft = InspectionDraft(member_id, inspected, certificate, args.eintragung == "ja")
        service.record_inspection(session, draft)
        status = service.entry(session, member_id).status
    finally:
        session.close()
    print(f"Einsicht festgehalten. Einsatz mit Kindern: {status.clearance.value} "
          f"({status.detail}).")
    return EXIT_OK


def _indication(args: argparse.Namespace) -> int:
    requested_on = _date(args.am, "--am")
    session = open_session(args.vault)
    try:
        service.record_indication(session, _member_id(session, args.person), requested_on)
    finally:
        session.close()
    print("Anforderung festgehalten: bis zur Einsicht in ein aktuelles Führungszeugnis kein "
          "Einsatz mit Kindern und Jugendlichen.")
    return EXIT_OK


def _delete(args: argparse.Namespace) -> int:
    session, auth = open_for_act(args.vault)
    try:
        result, changes = service.delete_due(session, auth)  # type: ignore[arg-type]
    finally:
        session.close()
    if not changes:
        print("Nichts zu löschen.")
    else:
        print(f"Gelöscht: {result.inspections} Einsicht(en)/Anforderung(en); "
              f"{result.persons} Person(en) vollständig aus dem Register entfernt.")
    return EXIT_OK
