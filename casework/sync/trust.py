"""The signed roster at the hub (issue 16): the founding Admin sets the team's trust
anchor, an Admin signs roles, and the plain roster is read for her to check first.

Each call connects with this device's own hub login, pushes what the Admin signed (the
hub's own tables follow it for its entitlement rules) and applies the result here."""

from __future__ import annotations

from typing import Any

from casework.services import hub_trust
from casework.services.session import Session
from casework.sync import client


def _connect(session: Session) -> Any:
    target = client.device_target(session)
    if not target:
        raise client.HubError("Diese Akte ist noch mit keinem Team-Hub verbunden "
                              "(zuerst das Gerät mit einem Einmal-Code anmelden).")
    conn = client.connect(target, device=True)
    with client.hub_errors():
        client._check_version(conn)
    return conn


def plain_roster(session: Session) -> list[tuple[Any, ...]]:
    """The hub's workers as it lists them (id, name, role, team, disabled); after this the
    person keys of enrolled devices are known here too."""
    with _connect(session) as conn:
        client.exchange_keys(session, conn)
        with client.hub_errors():
            return [tuple(r) for r in conn.execute("SELECT * FROM casework.casework_roster()")]


def found_team(session: Session, auth: Any) -> list[hub_trust.RosterEntry]:
    with _connect(session) as conn:
        client.exchange_keys(session, conn)
        with client.hub_errors():
            plain = [tuple(r) for r in conn.execute("SELECT * FROM casework.casework_roster()")]
        entries = hub_trust.found_team(session, auth, plain)
        client.push_roster(session, conn)
        client.fetch_roster(session, conn)
        client.exchange_keys(session, conn)
    return entries


def sign(session: Session, auth: Any, worker_id: str, **change: Any) -> hub_trust.RosterEntry:
    with _connect(session) as conn:
        client.exchange_keys(session, conn)
        with client.hub_errors():
            plain = [tuple(r) for r in conn.execute("SELECT * FROM casework.casework_roster()")]
        client.fetch_roster(session, conn)
        entry = hub_trust.sign_entry(session, auth, worker_id, plain=plain, **change)
        client.push_roster(session, conn)
        client.fetch_roster(session, conn)
        client.exchange_keys(session, conn)
    return entry


def bind(session: Session, auth: Any) -> str:
    """A device enrolled before bindings existed: its person signs its keys now."""
    fingerprint = hub_trust.bind_device(session, auth)
    with _connect(session) as conn:
        client.exchange_keys(session, conn)
    return fingerprint
