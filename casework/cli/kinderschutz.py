"""`casework kinderschutz …`: § 8a procedures from the command line.

    casework kinderschutz list --vault V [--offen] [--json]
    casework kinderschutz export-isef --vault V --verfahren ID --out FILE.pdf [--fragestellung T]
    casework kinderschutz pdf --vault V --verfahren ID --dokument NAME --out FILE.pdf
    casework kinderschutz erreichbarkeit --stadtteil NAME --zeit ISO [--profile NAME] [--json]
    casework kinderschutz an-leitung --vault V --verfahren ID
    casework kinderschutz jugendamt-information --vault V --regel unverzueglich|im_verfahren

`export-isef` writes the pseudonymised consultation extract (LR-05); the re-identification
key stays in the vault. `erreichbarkeit` answers "whom do I call now?" for an acute case
(JSON fields: route, contacts, asd_wieder_erreichbar, hinweise, rote_mappe).
"""

from __future__ import annotations

import argparse
import json
from datetime import datetime
from typing import Any

from casework.cli import EXIT_OK, EXIT_USER_ERROR, CliFailure
from casework.cli._common import add_vault_argument, open_session, read_passphrase, worker_name
from casework.clock import BERLIN, FixedClock
from casework.forms.base import write_pdf_atomic
from casework.models.directory.profile import WEEKDAY_ABBR, all_stadtteile, close_matches
from casework.models.kinderschutz.routing import AcuteRouting, Route, RouteKind
from casework.services.directory.shipped import acute_routing, load_profile
from casework.services.kinderschutz import deadlines as ks_deadlines
from casework.services.kinderschutz import documents
from casework.services.kinderschutz import procedures as service

_ROUTE_KEYS = {RouteKind.ASD: "asd", RouteKind.NOTDIENST: "notdienst",
               RouteKind.NOTFALL: "polizei_feuerwehr"}
_DOCUMENTS = ("dokumentation", "mitteilung", "schutzplan")


def register(sub: Any) -> None:
    parser = sub.add_parser("kinderschutz", help="§ 8a-Verfahren: Liste, PDFs, Erreichbarkeit")
    commands = parser.add_subparsers(dest="kinderschutz_command", required=True)

    listing = commands.add_parser("liste", aliases=["list"],
                                   help="§ 8a-Verfahren mit Kennung und Stand auflisten")
    add_vault_argument(listing)
    listing.add_argument("--offen", action="store_true", help="nur nicht abgeschlossene")
    listing.add_argument("--json", action="store_true", help="maschinenlesbar ausgeben")
    listing.set_defaults(handler=_list)

    isef = commands.add_parser(
        "export-isef", help="pseudonymisierten Auszug für die insoweit erfahrene Fachkraft")
    add_vault_argument(isef)
    isef.add_argument("--verfahren", required=True, help="Kennung des Verfahrens")
    isef.add_argument("--out", required=True, help="Ziel-PDF")
    isef.add_argument("--fragestellung", default="", help="Frage an die iseF")
    isef.set_defaults(handler=_export_isef)

    pdf = commands.add_parser("pdf", help="Dokumentation, Mitteilung oder Schutzplan als PDF")
    add_vault_argument(pdf)
    pdf.add_argument("--verfahren", required=True, help="Kennung des Verfahrens")
    pdf.add_argument("--dokument", required=True, choices=_DOCUMENTS,
                     help="welches Dokument")
    pdf.add_argument("--out", required=True, help="Ziel-PDF")
    pdf.set_defaults(handler=_pdf)

    approve = commands.add_parser(
        "freigeben", help="Einträge eines Verfahrens als Leitung freigeben (signiert)")
    add_vault_argument(approve)
    approve.add_argument("--verfahren", required=True, help="Kennung des Verfahrens")
    approve.add_argument("--eintrag", help="nur diesen Prüfauftrag bzw. Eintrag (Kennung)")
    approve.add_argument("--kommentar", default="", help="Kommentar zur Freigabe")
    approve.set_defaults(handler=_freigeben)

    handover = commands.add_parser(
        "an-leitung", help="Ergebnis eines Verfahrens an die Leitung geben (signiert)")
    add_vault_argument(handover)
    handover.add_argument("--verfahren", required=True, help="Kennung des Verfahrens")
    handover.set_defaults(handler=_an_leitung)

    policy = commands.add_parser(
        "jugendamt-information",
        help="wann das Jugendamt informiert wird: unverzüglich oder im späteren Schritt")
    add_vault_argument(policy)
    policy.add_argument("--regel", required=True, choices=("unverzueglich", "im_verfahren"),
                        help="unverzueglich = sobald gewichtige Anhaltspunkte bekannt sind")
    policy.add_argument("--arbeitstage", type=int, default=0,
                        help="Erinnerung nach so vielen Arbeitstagen (0 = am selben Tag)")
    policy.set_defaults(handler=_jugendamt_information)

    reach = commands.add_parser("erreichbarkeit",
                                help="Akutfall: wen jetzt anrufen? (ASD, Notdienst, 110/112)")
    reach.add_argument("--stadtteil", required=True, help="Stadtteil der Familie")
    reach.add_argument("--zeit", required=True,
                       help="Zeitpunkt, ISO 8601 (ohne Zeitzone: Ortszeit Berlin)")
    reach.add_argument("--profile", help="Referenzdaten-Profil (Standard: bottrop-beispiel)")
    reach.add_argument("--json", action="store_true", help="maschinenlesbar ausgeben")
    reach.set_defaults(handler=_erreichbarkeit)


def _freigeben(args: argparse.Namespace) -> int:
    """Approve the open review items of a procedure as the acting person (Leitung only;
    never her own entry). One signature per item, each after proving the passphrase."""
    from casework.errors import UserError
    from casework.models.kinderschutz.review import QUEUE_STATUSES
    from casework.models.persons.worker import WorkerRole
    from casework.services import persons
    from casework.services.kinderschutz import review

    passphrase = read_passphrase(f"Passphrase{f' von {worker_name()}' if worker_name() else ''}: ")
    session = open_session(args.vault, passphrase=passphrase)
    try:
        if not session.has_role(WorkerRole.LEITUNG):
            raise CliFailure("Freigeben darf nur die Leitung; "
                             f"{session.actor.name} hat diese Rolle nicht.")
        try:
            items = review.items_for(session, args.verfahren)
        except UserError:
            items = []
        if not items and service_missing(session, args.verfahren):
            raise CliFailure(f"Kein § 8a-Verfahren mit der Kennung „{args.verfahren}“.")
        if args.eintrag:
            items = [v for v in items if args.eintrag in (v.id, v.item.subject)]
            if not items:
                raise CliFailure(f"Kein Prüfauftrag „{args.eintrag}“ in diesem Verfahren.")
            if all(v.status not in QUEUE_STATUSES for v in items):
                raise CliFailure("Dieser Eintrag wartet nicht auf eine Freigabe.")
        pending = [v for v in items if v.status in QUEUE_STATUSES]
        if not pending:
            print("Nichts freizugeben: alle Einträge dieses Verfahrens sind freigegeben.")
            return EXIT_OK
        own = [v for v in pending if v.author_id == session.actor_id]
        if own and (args.eintrag or len(own) == len(pending)):
            raise CliFailure("Vier-Augen-Prinzip: Eigene Einträge kann nur eine andere "
                             "Leitung freigeben.")
        done = 0
        for view in pending:
            if view.author_id == session.actor_id:
                continue
            review.approve(session, view.id, auth=persons.authorize(session, passphrase),
                           expected_hash=view.current_hash, comment=args.kommentar)
            done += 1
    finally:
        session.close()
    print(f"{done} Eintrag/Einträge freigegeben und signiert"
          + (f"; {len(own)} eigene(r) bleibt für eine andere Leitung." if own else "."))
    return EXIT_OK


def _an_leitung(args: argparse.Namespace) -> int:
    """Hand the current result over to the Leitung as the acting person (signed)."""
    from casework.services import persons

    passphrase = read_passphrase(f"Passphrase{f' von {worker_name()}' if worker_name() else ''}: ")
    session = open_session(args.vault, passphrase=passphrase)
    try:
        if service_missing(session, args.verfahren):
            raise CliFailure(f"Kein § 8a-Verfahren mit der Kennung „{args.verfahren}“.")
        service.hand_over(session, args.verfahren,
                          auth=persons.authorize(session, passphrase))
    finally:
        session.close()
    print("Ergebnis an die Leitung gegeben (signiert).")
    return EXIT_OK


def _jugendamt_information(args: argparse.Namespace) -> int:
    from casework.models.kinderschutz.deadlines import InformationPolicy

    session = open_session(args.vault)
    try:
        ks_deadlines.set_information_policy(session, InformationPolicy(args.regel),
                                       args.arbeitstage)
    finally:
        session.close()
    print(f"Information an das Jugendamt: {InformationPolicy(args.regel).label}.")
    return EXIT_OK


def service_missing(session: Any, procedure_id: str) -> bool:
    from casework.errors import UserError

    try:
        service.get_file(session, procedure_id)
    except UserError:
        return True
    return False


def _list(args: argparse.Namespace) -> int:
    session = open_session(args.vault)
    try:
        rows = service.list_procedures(session, open_only=args.offen)
        if args.json:
            print(json.dumps([{
                "id": r.id, "haushalt_id": r.household_id, "haushalt": r.household_name,
                "schritt": r.state.value, "schritt_text": r.state.label, "akut": r.acute,
                "eroeffnet": r.opened_at.astimezone(BERLIN).isoformat(),
                "fallfuehrung": r.lead_worker_name,
            } for r in rows], ensure_ascii=False, indent=2))
        else:
            for r in rows:
                acute = " (Akutfall)" if r.acute else ""
                print(f"{r.id}\t{r.opened_at.astimezone(BERLIN):%d.%m.%Y}\t{r.household_name}"
                      f"\t{r.state.value} {r.state.label}{acute}")
            print(f"{len(rows)} Verfahren")
    finally:
        session.close()
    return EXIT_OK


def _export_isef(args: argparse.Namespace) -> int:
    session = open_session(args.vault)
    try:
        doc, _ = documents.document(session, args.verfahren, "isef", purpose="export",
                                    questions=args.fragestellung)
        write_pdf_atomic(args.out, doc.pdf)
    finally:
        session.close()
    print(f"Pseudonymisierter Auszug gespeichert: {args.out}")
    return EXIT_OK


def _pdf(args: argparse.Namespace) -> int:
    session = open_session(args.vault)
    try:
        doc, _ = documents.document(session, args.verfahren, args.dokument, purpose="export")
        write_pdf_atomic(args.out, doc.pdf)
    finally:
        session.close()
    print(f"PDF gespeichert: {args.out}")
    return EXIT_OK


# --------------------------------------------------------------------------- erreichbarkeit


def _parse_time(text: str) -> datetime:
    try:
        moment = datetime.fromisoformat(text.strip())
    except ValueError:
        raise CliFailure(f"Zeitpunkt „{text}“ ist kein ISO-Datum mit Uhrzeit, z. B. "
                         "2026-11-25T14:30 oder 2026-11-25T14:30+01:00.", EXIT_USER_ERROR) from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=BERLIN)
    return moment


def _contacts(route: Route) -> list[dict[str, str]]:
    phones = route.phones or ("",)
    out = []
    for phone in phones:
        item = {"name": route.label, "role": route.contact_role or route.reason, "phone": phone}
        if route.email:
            item["email"] = route.email
        out.append(item)
    return out


def _answer(routing: AcuteRouting) -> dict[str, Any]:
    notes = []
    if routing.conflict_note:
        notes.append(routing.conflict_note)
    if len(routing.districts) > 1:
        notes.append("Der Stadtteil gehört zu mehreren ASD-Bezirken; zuständig ist der Bezirk "
                     "der genauen Anschrift.")
    notes.extend(r.reason for r in routing.routes)
    again = routing.moment if routing.in_sprechzeit else routing.next_asd_sprechzeit
    return {
        "route": _ROUTE_KEYS[routing.routes[0].kind],
        "routes": [_ROUTE_KEYS[r.kind] for r in routing.routes],
        "contacts": [c for r in routing.routes for c in _contacts(r)],
        "asd_wieder_erreichbar": again.isoformat() if again is not None else None,
        "hinweise": notes,
        "rote_mappe": [{"name": c.name, "phone": c.phone, "notruf": c.emergency_number,
                        "erreichbar": c.hours, "wofuer": c.purpose}
                       for c in routing.emergency_contacts],
    }


def _erreichbarkeit(args: argparse.Namespace) -> int:
    moment = _parse_time(args.zeit)
    profile = load_profile(args.profile)
    name = args.stadtteil.strip()
    routing = acute_routing(FixedClock(moment), name, profile)
    if not routing.districts:
        matches = close_matches(profile, name)
        if matches:
            message = f"Unbekannter Stadtteil „{name}“. Meinten Sie: {', '.join(matches)}?"
        else:
            message = (f"Unbekannter Stadtteil „{name}“. Bekannte Stadtteile: "
                       f"{', '.join(all_stadtteile(profile))}.")
        raise CliFailure(message, EXIT_USER_ERROR)
    answer = _answer(routing)
    if args.json:
        print(json.dumps(answer, ensure_ascii=False, indent=2))
        return EXIT_OK
    day = WEEKDAY_ABBR[routing.moment.weekday()]
    print(f"{day} {routing.moment:%d.%m.%Y %H:%M} Uhr, Stadtteil {name}:")
    for contact in answer["contacts"]:
        print(f"  Anrufen: {contact['name']} – {contact['phone'] or 'keine Nummer hinterlegt'}"
              f" ({contact['role']})")
    for note in answer["hinweise"]:
        print(f"  Hinweis: {note}")
    if answer["asd_wieder_erreichbar"]:
        again = datetime.fromisoformat(answer["asd_wieder_erreichbar"])
        print(f"  ASD erreichbar ab: {again:%d.%m.%Y %H:%M} Uhr")
    for c in routing.emergency_contacts:
        print(f"  Rote Mappe: {c.name} – {c.phone} ({c.purpose})")
    return EXIT_OK
