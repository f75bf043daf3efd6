"""Small helpers shared by the hub tests (imported as `tests.hub.helpers`)."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta
from typing import Any

from casework.clock import FixedClock
from casework.models.contacts import ContactDraft, ContactType, NoteEntry, NoteKind
from casework.models.households.household import HouseholdDraft
from casework.models.ids import HouseholdId
from casework.services import contacts
from casework.services.households import households
from casework.services.session import Session

# Columns compared between devices (everything a user could see, plus bookkeeping).
COMPARED = {
    "households": "id, name, street, plz, city, district, quarter, languages, "
                  "interpreter_needed, target_groups, access_route, resources, risks, "
                  "assigned_worker_id, status, last_contact_at, open_followups, sort_name, "
                  "created_at, created_by, updated_at, updated_by, version, deleted",
    "persons": "id, household_id, first_name, last_name, birth_date, gender, role, custody, "
               "created_at, created_by, updated_at, updated_by, version, deleted",
    "contacts": "id, household_id, occurred_at, type, next_steps, follow_up, follow_up_done, "
                "created_at, created_by, updated_at, updated_by, version, deleted",
    "contact_notes": "contact_id, seq, kind, source, text, disputed",  # as `_NOTES` reads them
}


# A contact's notes by its id (they refer to it by its integer key, storage/contact_rows.py).
_NOTES = ("(SELECT c.id AS contact_id, n.seq, n.kind, n.source, n.text, n.disputed "
          "FROM contact_notes n JOIN contact_rows c ON c.rid = n.contact)")


def new_household(session: Session, name: str, assigned: str | None = None) -> HouseholdId:
    hid, _ = households.create(session, HouseholdDraft(
        name=name, street="Gärtnerstraße 12", plz="46236", city="Bottrop",
        district="Batenbrock-Süd", assigned_worker_id=assigned))  # type: ignore[arg-type]
    return hid


def edit(session: Session, hid: str, **fields: Any) -> None:
    household = households.get(session, hid)
    households.update(session, HouseholdId(hid), replace(household.data, **fields))


def log_visit(session: Session, hid: str, text: str) -> str:
    clock = session.clock
    assert isinstance(clock, FixedClock)
    cid, _ = contacts.log_contact(session, HouseholdId(hid), ContactDraft(
        occurred_at=clock.now() - timedelta(hours=1), type=ContactType.HAUSBESUCH,
        duration_min=30, notes=(NoteEntry(NoteKind.BEOBACHTUNG, text),)))
    return str(cid)


def snapshot(session: Session) -> dict[str, list[tuple[Any, ...]]]:
    out = {}
    for table, columns in COMPARED.items():
        order = "contact_id, seq" if table == "contact_notes" else "id"
        source = _NOTES if table == "contact_notes" else table
        out[table] = [tuple(r) for r in session.db.query(
            f"SELECT {columns} FROM {source} ORDER BY {order}")]  # noqa: S608
    return out


def open_conflict_keys(session: Session) -> set[tuple[str, str, str, frozenset[Any]]]:
    from casework.services import hub as sync_service

    return {(c.entity, c.entity_id, c.field, frozenset(h.value for h in c.heads))
            for c in sync_service.conflicts(session)}


def change_ids(session: Session) -> set[str]:
    """Every synced change id (worker rows stay on their device: persons and roles come
    from the hub's roster)."""
    return {str(r[0]) for r in session.db.query(
        "SELECT change_id FROM changelog WHERE entity <> 'worker'")}


def seal(device: Session, items: list[Any]) -> list[Any]:
    """Crafted push items encrypted and signed with `device`'s own keys (what a modified
    app of that worker could send); anything that is no change object goes as it is."""
    from casework.storage import hub_crypto, hub_device_keys

    out: list[Any] = []
    with device.db.transaction():
        hub_device_keys.ensure_device_key(device.db, device.vault.device_id,
                                          device.vault.owner_id, "2026-11-21T09:00:00.000000Z")
        for item in items:
            if not (isinstance(item, dict) and {"fields", "entity", "hlc"} <= set(item)):
                out.append(item)
                continue
            full = {"scope_id": None, "bases": {}, "op": "insert",
                    "at": "2026-11-21T09:00:00.000000Z", **item}
            full.setdefault("actor", device.vault.owner_id)
            [sealed] = hub_crypto.seal_changes(device.db, device.vault.device_id, [full],
                                               "2026-11-21T09:00:00.000000Z")
            if "actor" not in item:
                sealed.pop("actor")
            out.append(sealed)
    return out


def inject(hub: Any, author: Session, item: dict[str, Any]) -> None:
    """A compromised hub (or its DBA) stores a change directly, bypassing every check of
    the hub; the change is sealed with `author`'s own device key (a colluding worker)."""
    import base64
    import json

    [sealed] = seal(author, [item])
    with hub.superuser() as conn:
        conn.execute(
            "INSERT INTO casework.changes (change_id, entity, entity_id, scope_id, op, key_id, "
            "meta, payload, sig, hlc, actor, device, at) "
            "VALUES (%s, %s, %s, %s, %s, %s, %s::jsonb, %s, %s, %s, %s, %s, %s)",
            (sealed["change_id"], sealed["entity"], sealed["entity_id"], sealed["scope_id"],
             sealed["op"], sealed["key_id"], json.dumps(sealed["meta"]),
             base64.b64decode(sealed["payload"]), base64.b64decode(sealed["sig"]),
             sealed["hlc"], item.get("actor", author.vault.owner_id), author.vault.device_id,
             sealed["at"]))
        # The key of that change sealed to every device, as a colluding author would.
        conn.execute("INSERT INTO casework.keys (key_id, scope_id, device) VALUES (%s, %s, %s) "
                     "ON CONFLICT DO NOTHING",
                     (sealed["key_id"], sealed["scope_id"] or "*", author.vault.device_id))


def share_injected_keys(author: Session, hub: Any) -> None:
    """The colluding author's device seals its keys to everyone entitled."""
    from casework.sync import client

    with hub.connect_device(author) as conn:
        client.exchange_keys(author, conn)
        client.share_keys(author, conn)


def pg_dump(hub: Any, *options: str) -> str:
    """The hub database as its administrator can copy it (data and schema)."""
    import os
    import subprocess

    from tests.hub.conftest import SUPERUSER_PASSWORD

    out = subprocess.run(
        [str(hub.cluster.bin / "pg_dump"), "-h", "127.0.0.1", "-p", str(hub.cluster.port),
         "-U", "postgres", "-d", hub.dbname, *options],
        check=True, capture_output=True, timeout=120,
        env={**os.environ, "PGPASSWORD": SUPERUSER_PASSWORD})
    return out.stdout.decode("utf-8")
