"""`casework team list|add|passwd|remove`: the persons of a vault (issue 15).

    casework team list   --vault V [--json]
    casework team add    --vault V --name NAME --rolle ROLLE [--rolle …]
    casework team passwd --vault V --worker NAME
    casework team remove --vault V --name NAME
    casework team geraet-bestaetigen --vault V --geraet ID --fingerabdruck "XXXX …"

`liste` also shows the Team-Hub key of every device this vault knows (fingerprint and
whether it was confirmed); `geraet-bestaetigen` is the Leitung's (or Admin's) signed
confirmation after comparing the fingerprint with the person.

`add` and `remove` act as `--worker` (default: the owner), who must hold the Admin role and
proves her passphrase; the new person's passphrase comes from a prompt or
`CASEWORK_NEW_PASSPHRASE`. `passwd` changes NAME's passphrase: NAME proves her current one
(`CASEWORK_PASSPHRASE`); a person who has no key slot yet (a profile from before persons
had keys) gets her first passphrase from the owner: then the passphrase asked is the
owner's.
"""

from __future__ import annotations

import argparse
import json
from typing import Any

from casework.cli import EXIT_OK, CliFailure
from casework.cli._common import (
    ENV_NEW_PASSPHRASE,
    add_vault_argument,
    open_for_act,
    open_session,
    read_passphrase,
    worker_name,
)
from casework.models.persons.worker import WorkerRole


def register(sub: Any) -> None:
    parser = sub.add_parser("team", help="Personen der Akte: auflisten, hinzufügen, entfernen")
    commands = parser.add_subparsers(dest="team_command", required=True)

    listing = commands.add_parser("liste", aliases=["list"],
                                  help="Personen mit Rollen und Schlüssel")
    add_vault_argument(listing)
    listing.add_argument("--json", action="store_true", help="maschinenlesbar ausgeben")
    listing.set_defaults(handler=_list)

    add = commands.add_parser("add", help="Person hinzufügen (Admin)")
    add_vault_argument(add)
    add.add_argument("--name", required=True, help="Name der neuen Person")
    add.add_argument("--rolle", required=True, action="append",
                     choices=[r.value for r in WorkerRole], help="Rolle (mehrfach möglich)")
    add.set_defaults(handler=_add)

    passwd = commands.add_parser("passwd", help="Passphrase einer Person setzen oder ändern")
    add_vault_argument(passwd)
    passwd.set_defaults(handler=_passwd)

    remove = commands.add_parser("remove", help="Person entfernen (Admin)")
    add_vault_argument(remove)
    remove.add_argument("--name", required=True, help="Name der Person")
    remove.set_defaults(handler=_remove)

    confirm = commands.add_parser("geraet-bestaetigen",
                                  help="Team-Hub-Schlüssel eines Geräts bestätigen (Leitung)")
    add_vault_argument(confirm)
    confirm.add_argument("--geraet", required=True,
                         help="Geräte-Kennung (die letzten 8 Zeichen genügen)")
    confirm.add_argument("--fingerabdruck", required=True,
                         help="der mit der Person verglichene Fingerabdruck")
    confirm.set_defaults(handler=_confirm_device)


def _list(args: argparse.Namespace) -> int:
    from casework.services import hub as sync_service
    from casework.services import persons

    session = open_session(args.vault)
    try:
        members = persons.team(session)
        devices = sync_service.device_keys(session)
    finally:
        session.close()
    rows: list[dict[str, Any]] = [{"name": m.name, "rollen": [r.value for r in m.roles],
             "fingerabdruck": m.fingerprint or "", "schluessel": m.has_slot,
             "inhaberin": m.owner} for m in members]
    hub_rows = [{"name": d.worker_name, "geraet": d.device_id, "fingerabdruck": d.fingerprint,
                 "bestaetigt": d.confirmed, "geaendert_auf": d.changed_to or ""}
                for d in devices]
    if args.json:
        print(json.dumps(rows if not hub_rows else {"personen": rows, "hub_geraete": hub_rows},
                         ensure_ascii=False, indent=2))
        return EXIT_OK
    for row in rows:
        key = row["fingerabdruck"] if row["schluessel"] else "kein Schlüssel"
        owner = " (Inhaberin)" if row["inhaberin"] else ""
        print(f"{row['name']}{owner}\t{' + '.join(row['rollen'])}\t{key}")
    if devices:
        print("Team-Hub-Geräte (Fingerabdruck mit der Person vergleichen):")
        for d in devices:
            print(f"{d.worker_name}\tGerät …{d.device_id[-8:]}\t{d.fingerprint}\t{d.status}")
    return EXIT_OK


def _confirm_device(args: argparse.Namespace) -> int:
    from casework.services import hub as sync_service

    session, auth = open_for_act(args.vault)
    try:
        sync_service.confirm_device_key(session, auth, args.geraet, args.fingerabdruck)
    finally:
        session.close()
    print("Schlüssel des Geräts bestätigt (signiert).")
    return EXIT_OK


def _require_admin(session: Any) -> None:
    if not session.has_role(WorkerRole.ADMIN):
        raise CliFailure(f"Personen verwaltet nur eine Person mit Admin-Rolle; "
                         f"{session.actor.name} hat diese Rolle nicht.")


def _add(args: argparse.Namespace) -> int:
    from casework.services import persons

    session, auth = open_for_act(args.vault)
    try:
        _require_admin(session)
        new = read_passphrase(f"Passphrase für {args.name.strip()} (von ihr/ihm eingeben): ",
                              env=ENV_NEW_PASSPHRASE, confirm=True)
        _wid, _ = persons.add_person(session, auth, args.name,  # type: ignore[arg-type]
                                     [WorkerRole(r) for r in args.rolle], new)
        member = persons.find(session, args.name)
    finally:
        session.close()
    print(f"Person hinzugefügt: {member.name} ({member.roles_label}), "
          f"Schlüssel {member.fingerprint}.")
    return EXIT_OK


def _remove(args: argparse.Namespace) -> int:
    from casework.services import persons

    session, auth = open_for_act(args.vault)
    try:
        _require_admin(session)
        member = persons.find(session, args.name)
        persons.remove_person(session, auth, member.id)  # type: ignore[arg-type]
    finally:
        session.close()
    print(f"Person entfernt: {member.name}. Ihr Schlüssel öffnet die Akte nicht mehr; ihre "
          "Signaturen bleiben prüfbar.")
    return EXIT_OK


def _passwd(args: argparse.Namespace) -> int:
    from casework.services import persons

    name = worker_name()
    if not name:
        raise CliFailure("Bitte mit --worker NAME angeben, wessen Passphrase gesetzt wird.")
    has_slot = persons.has_key_slot(args.vault, name)
    if has_slot:
        current = read_passphrase(f"Bisherige Passphrase von {name}: ")
        session = open_session(args.vault, name, passphrase=current)
        try:
            new = read_passphrase("Neue Passphrase: ", env=ENV_NEW_PASSPHRASE, confirm=True)
            fp = persons.set_passphrase(session, session.actor_id, new,
                                        current_passphrase=current)
        finally:
            session.close()
    else:
        owner_passphrase = read_passphrase("Passphrase der Inhaberin (Admin): ")
        session = open_session(args.vault, passphrase=owner_passphrase, as_owner=True)
        try:
            _require_admin(session)
            member = persons.find(session, name)
            auth = persons.authorize(session, owner_passphrase)
            new = read_passphrase(f"Neue Passphrase für {member.name} (von ihr/ihm "
                                  "eingeben): ", env=ENV_NEW_PASSPHRASE, confirm=True)
            fp = persons.set_passphrase(session, member.id, new, auth=auth)
        finally:
            session.close()
    print(f"Passphrase von {name} gesetzt; neuer Schlüssel {fp}.")
    return EXIT_OK
