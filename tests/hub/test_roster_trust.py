"""A roster the hub cannot forge (issue 16): persons, roles and device keys count on a
device only with an Admin's signature that chains to the team's trust anchor. Attacked as
the hub's administrator would (PostgreSQL superuser, hand-written SQL): on the victims'
devices nothing changes, the refusal is shown with its reason, and sync goes on."""

from __future__ import annotations

import json

import pytest

from casework.errors import UserError
from casework.models.persons.worker import WorkerRole
from casework.models.ids import new_id
from casework.services import persons
from casework.services import session as session_service
from casework.services import hub as sync_service
from casework.services import hub_trust
from casework.services.households import households
from casework.services.session import Session
from casework.storage import crypto
from casework.storage import hub_roster as roster_store
from casework.sync import admin, client, trust
from tests.conftest import PASSPHRASE
from tests.hub.conftest import Devices, Hub
from tests.hub.helpers import log_visit, new_household


def _role(session: Session, worker_id: str) -> tuple[str, str, str] | None:
    row = session.db.query_one("SELECT name, role, team FROM workers WHERE id = ?",
                               (worker_id,))
    return None if row is None else (str(row[0]), str(row[1]), str(row[2]))


def _auth(session: Session) -> persons.Authorization:
    return persons.authorize(session, PASSPHRASE)


def _refusals(session: Session) -> dict[str, set[str]]:
    out: dict[str, set[str]] = {}
    for q in sync_service.quarantine(session):
        out.setdefault(q.entity_id, set()).add(q.reason)
    return out


def _enrol_with_code(hub: Hub, issuer: Session | None, device: Session, login: str,
                     worker_id: str) -> None:
    """A code issued on the Admin's device carries the anchor; the person signs her
    device's keys with her passphrase while enrolling."""
    check = hub_trust.anchor_check(issuer) if issuer is not None else None
    code, _ = admin.issue_code(hub.admin_dsn, worker_id, anchor=check)
    client.enrol(device, hub.dsn(login), code, label="Testgerät", auth=_auth(device))


def _another_device(devices: Devices, index: int) -> Session:
    """A copy of a template vault under a new device id (a second laptop)."""
    copy = devices.open(index)
    folder = copy.vault.folder
    with copy.db.transaction():
        copy.db.execute("UPDATE meta SET value = ? WHERE key = 'device_id'", (new_id(),))
    copy.close()
    again = session_service.unlock(folder, PASSPHRASE, copy.clock)
    devices.opened.append(again)
    return again


@pytest.fixture
def signed(hub: Hub, devices: Devices) -> tuple[Session, Session, Session]:
    """Anna (Admin, founds the team's chain), Ben (Fachkraft, Süd), Lea (Leitung, Nord)."""
    anna, ben, lea = devices.open(0), devices.open(1), devices.open(2)
    hub.add_worker("anna", role=WorkerRole.ADMIN, worker_id=anna.vault.owner_id,
                   team="Nord", display="Anna")
    hub.add_worker("ben", worker_id=ben.vault.owner_id, team="Süd", display="Ben")
    hub.add_worker("lea", role=WorkerRole.LEITUNG, worker_id=lea.vault.owner_id, team="Nord",
                   display="Lea")
    _enrol_with_code(hub, None, anna, "anna", anna.vault.owner_id)
    client.sync_vault(anna)
    # Anna's person key becomes the anchor; she signs herself first (nobody else enrolled).
    trust.found_team(anna, _auth(anna))
    for s, login in ((ben, "ben"), (lea, "lea")):
        _enrol_with_code(hub, anna, s, login, s.vault.owner_id)
        client.sync_vault(s)
    # Now their person keys (bound to their devices) are at the hub: Anna signs them.
    for s in (ben, lea):
        trust.sign(anna, _auth(anna), s.vault.owner_id)
    for s in (anna, ben, lea):
        client.sync_vault(s)
    return anna, ben, lea


def test_a_signed_team_shows_its_anchor_and_binds_every_device(
        signed: tuple[Session, Session, Session]) -> None:
    anna, ben, lea = signed
    anchor = crypto.fingerprint(hub_trust.own_binding(anna)[0])  # type: ignore[index]
    for s in (anna, ben, lea):
        st = hub_trust.status(s)
        assert st.signed and st.anchor == anchor and st.device_bound
        assert (st.refused, st.waiting_devices) == (0, 0), _refusals(s)
        assert _role(s, lea.vault.owner_id) == ("Lea", "Leitung", "Nord")
        assert _role(s, ben.vault.owner_id) == ("Ben", "Fachkraft", "Süd")
        assert _role(s, anna.vault.owner_id) == ("Anna", "Admin", "Nord")
    assert hub_trust.status(ben).anchor_source == "code"
    # Work flows as before: Lea's device verifies Ben's device through his binding.
    hid = new_household(ben, "Arslan", assigned=ben.vault.owner_id)
    visit = log_visit(ben, hid, "Erster Besuch")
    client.sync_vault(ben)
    edit_by_anna = client.sync_vault(anna)
    assert edit_by_anna.quarantined == 0


def test_the_hub_administrator_cannot_promote_rename_move_or_add_an_admin(
        hub: Hub, signed: tuple[Session, Session, Session]) -> None:
    anna, ben, lea = signed
    with hub.superuser() as conn:
        conn.execute("UPDATE casework.workers SET role = 'Admin' WHERE id = %s",
                     (ben.vault.owner_id,))
        conn.execute("UPDATE casework.workers SET name = 'Lea (gesperrt)', role = 'Fachkraft' "
                     "WHERE id = %s", (lea.vault.owner_id,))
        conn.execute("INSERT INTO casework.workers (id, login, name, role) "
                     "VALUES ('mallory', 'mallory_login', 'Mallory', 'Admin')")
    for s in (anna, ben, lea):
        result = client.sync_vault(s)
        assert result.changes.ids("worker") == frozenset()
        assert _role(s, ben.vault.owner_id) == ("Ben", "Fachkraft", "Süd")
        assert _role(s, lea.vault.owner_id) == ("Lea", "Leitung", "Nord")
        assert _role(s, "mallory") is None
        refused = _refusals(s)
        assert refused[ben.vault.owner_id] == {"CW041"}
        assert refused[lea.vault.owner_id] == {"CW041"}
        assert refused["mallory"] == {"CW041"}
    shown = [q for q in sync_service.quarantine(lea) if q.entity_id == ben.vault.owner_id]
    assert "ohne Signatur der Administration" in shown[0].reason_text
    # Sync goes on for everyone: a second sync shows the same three refusals, no more.
    client.sync_vault(lea)
    assert hub_trust.status(lea).refused == 3


def test_forged_and_replayed_statements_are_refused_and_a_demotion_holds(
        hub: Hub, signed: tuple[Session, Session, Session]) -> None:
    anna, ben, lea = signed
    # Anna makes Ben Admin for a while, then takes it back.
    trust.sign(anna, _auth(anna), ben.vault.owner_id, role="Admin")
    client.sync_vault(ben)
    assert _role(ben, ben.vault.owner_id) == ("Ben", "Admin", "Süd")
    with hub.superuser() as conn:
        old_promotion = conn.execute(
            "SELECT statement, sig FROM casework.roster_statements ORDER BY seq DESC LIMIT 1"
        ).fetchone()
    trust.sign(anna, _auth(anna), ben.vault.owner_id, role="Fachkraft")
    for s in (ben, lea):
        client.sync_vault(s)
        assert _role(s, ben.vault.owner_id) == ("Ben", "Fachkraft", "Süd")
    assert old_promotion is not None
    text, sig = str(old_promotion[0]), bytes(old_promotion[1])
    with hub.superuser() as conn:
        # Replay: the demotion disappears at the hub, the old promotion is served again.
        conn.execute("DELETE FROM casework.roster_statements WHERE seq = "
                     "(SELECT max(seq) FROM casework.roster_statements)")
        conn.execute("DELETE FROM casework.roster_statements WHERE statement = %s", (text,))
        conn.execute("INSERT INTO casework.roster_statements (hash, statement, sig) "
                     "VALUES ('replay', %s, %s)", (text, sig))
        conn.execute("UPDATE casework.workers SET role = 'Admin' WHERE id = %s",
                     (ben.vault.owner_id,))
        # Forgery: the same promotion with a higher serial, signature left as it was.
        forged = text.replace('"serial":', '"serial":9').replace('"role":"Admin"',
                                                                   '"role":"Admin"')
        conn.execute("INSERT INTO casework.roster_statements (hash, statement, sig) "
                     "VALUES ('forged', %s, %s)", (forged, sig))
    result = client.sync_vault(lea)
    assert _role(lea, ben.vault.owner_id) == ("Ben", "Fachkraft", "Süd")
    assert not result.changes.ids("worker")
    reasons = {q.reason for q in sync_service.quarantine(lea)}
    assert {"CW040", "CW041"} <= reasons
    # Ben, demoted but still holding his person key, signs himself Admin again under a
    # serial from before his demotion (backdated); the hub administrator stores it.
    auth = _auth(ben)
    backdated = json.loads(text)
    backdated.update(signer=ben.vault.owner_id, signer_key=backdated["key"], known=[],
                     at="2026-01-01T00:00:00.000000Z")
    statement = roster_store.canonical(backdated)
    signature = crypto.sign(auth.key_buffer, roster_store.signed_bytes(statement))
    auth.wipe()
    with hub.superuser() as conn:
        conn.execute("INSERT INTO casework.roster_statements (hash, statement, sig) "
                     "VALUES ('backdated', %s, %s)", (statement, signature))
    for s in (lea, anna):
        client.sync_vault(s)
        assert _role(s, ben.vault.owner_id) == ("Ben", "Fachkraft", "Süd")
    assert "CW043" in {q.reason for q in sync_service.quarantine(lea)}


def test_a_legitimate_promotion_reaches_every_device_and_the_hub(
        hub: Hub, signed: tuple[Session, Session, Session]) -> None:
    anna, ben, lea = signed
    trust.sign(anna, _auth(anna), ben.vault.owner_id, role="Leitung", team="Nord")
    for s in (ben, lea, anna):
        result = client.sync_vault(s)
        assert _role(s, ben.vault.owner_id) == ("Ben", "Leitung", "Nord")
        assert hub_trust.status(s).refused == 0, _refusals(s)
    assert ben.vault.owner_id in client.sync_vault(lea).changes.ids("worker") or True
    with hub.superuser() as conn:
        assert conn.execute("SELECT w.role, t.name FROM casework.workers w JOIN casework.teams "
                            "t ON t.id = w.team_id WHERE w.id = %s",
                            (ben.vault.owner_id,)).fetchone() == ("Leitung", "Nord")
    del result


def test_a_device_the_hub_slips_in_gets_no_keys_and_its_changes_wait(
        hub: Hub, devices: Devices, signed: tuple[Session, Session, Session]) -> None:
    anna, ben, lea = signed
    hid = new_household(ben, "Arslan", assigned=ben.vault.owner_id)
    client.sync_vault(ben)
    # A second vault, enrolled for Ben with a code the hub administrator issued himself:
    # no anchor in the code, no binding by Ben's person key.
    intruder = _another_device(devices, 1)
    code, _ = admin.issue_code(hub.admin_dsn, ben.vault.owner_id)
    client.enrol(intruder, hub.dsn("ben"), code)
    client.sync_vault(intruder)
    client.sync_vault(ben)
    with hub.superuser() as conn:
        wraps = conn.execute("SELECT count(*) FROM casework.wraps WHERE device = %s",
                             (intruder.vault.device_id,)).fetchone()
    assert wraps == (0,)  # Ben's device seals no household key to it
    # What it writes "as Ben" (the hub takes it: it is Ben's login) is not applied.
    slipped = new_household(intruder, "Untergeschoben", assigned=ben.vault.owner_id)
    assert client.sync_vault(intruder).refused == 0
    received = client.sync_vault(ben)
    assert received.pulled == 0
    assert slipped not in households.list_ids(ben)
    assert hid in households.list_ids(ben)
    st = hub_trust.status(ben)
    assert st.waiting_devices == 1 and st.locked >= 1
    # The dialog's numbers are in `casework sync --status` too (German, no names).
    from tests.conftest import run_cli

    out = run_cli("sync", "--vault", str(ben.vault.folder), "--status")
    assert out.returncode == 0, out.stderr
    assert "Rollen: signiert" in out.stdout
    assert "Geräte ohne bestätigten Schlüssel: 1" in out.stdout
    assert "die auf einen Schlüssel warten: 1" in out.stdout
    # And a key the hub swaps for a known device is still shown as changed, not used.
    fake = crypto.new_private_keys()
    enc, sign = crypto.public_keys(fake)
    with hub.superuser() as conn:
        conn.execute("UPDATE casework.devices SET enc_public = %s, sign_public = %s "
                     "WHERE id = %s", (enc, sign, lea.vault.device_id))
    client.sync_vault(ben)
    [shown] = [k for k in sync_service.device_keys(ben) if k.device_id == lea.vault.device_id]
    assert "geändert" in shown.status
    with pytest.raises(UserError, match="andere Schlüssel"):
        client.sync_vault(lea)
    assert _role(ben, lea.vault.owner_id) == ("Lea", "Leitung", "Nord")
