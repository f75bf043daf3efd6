"""A roster the hub cannot forge (issue 16): persons, roles and device keys count on a
device only with an Admin's signature that chains to the team's trust anchor. Attacked as
the hub's administrator would (PostgreSQL superuser, hand-written SQL): on the victims'
devices nothing changes, the refusal is shown with its reason, and sync goes on."""

from __future__ import annotations

import json

import psycopg
import pytest

from casework.errors import UserError
from casework.models.ids import new_id
from casework.models.persons.worker import WorkerRole
from casework.services import hub as sync_service
from casework.services import hub_trust, persons
from casework.services import session as session_service
from casework.services.households import households
from casework.services.session import Session
from casework.storage import crypto
from casework.storage import hub_roster as roster_store
from casework.sync import admin, client, trust
from tests.conftest import PASSPHRASE, run_cli
from tests.hub.conftest import ADMIN_PASSWORD, Cluster, Devices, Hub, _counter, enrol
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
    [ben_key] = [k for k in sync_service.device_keys(lea) if k.device_id == ben.vault.device_id]
    assert ben_key.status == "an die Person gebunden"
    # Work flows as before: Lea's device verifies Ben's device through his binding.
    hid = new_household(ben, "Arslan", assigned=lea.vault.owner_id)
    log_visit(ben, hid, "Erster Besuch")
    client.sync_vault(ben)
    received = client.sync_vault(lea)
    assert (received.pulled, received.quarantined) == (2, 0)
    assert households.get(lea, hid).name == "Arslan"


@pytest.mark.qt_log_ignore(r"This plugin does not support (propagateSizeHints|raise)\(\)")
def test_the_hub_administrator_cannot_promote_rename_move_or_add_an_admin(
        qtbot, monkeypatch: pytest.MonkeyPatch, hub: Hub,  # type: ignore[no-untyped-def]
        signed: tuple[Session, Session, Session]) -> None:
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
    # The Admin sees it in the sync dialog (so would the Leitung), and a code she issues
    # names the anchor (at the hub Lea is no Leitung any more: she could not issue one).
    from PySide6.QtCore import Qt

    from casework.ui import messages
    from casework.ui.context import UiContext
    from casework.ui.hub import sync_action

    shown: list[str] = []
    monkeypatch.setattr(messages, "error", lambda _p, _t, text: shown.append(text))
    ctx = UiContext(anna.clock)
    ctx.attach(anna)
    dialog = sync_action.SyncDialog(ctx)
    qtbot.addWidget(dialog)
    assert dialog.trust_label.text().startswith("signiert (Vertrauensanker ")
    assert dialog.refused_label.text() == "3"
    assert dialog.locked_label.text() == "0"
    items = [dialog.refused_list.item(i).text() for i in range(dialog.refused_list.count())]
    assert sum("Personen und Rollen von Team-Hub" in t and "ohne Signatur der "
               "Administration" in t for t in items) == 3
    dialog.show()
    dialog.code_worker.setCurrentIndex(dialog.code_worker.findData(ben.vault.owner_id))
    qtbot.mouseClick(dialog.code_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: "gültig bis" in dialog.code_label.text() or bool(shown),
                    timeout=30_000)
    assert shown == []
    code = dialog.code_label.text().split()[0]
    assert client.split_code(code)[1] == hub_trust.anchor_check(lea)
    # The administrator takes the Admin role from Anna at the hub: what she signs stays on
    # her device (the hub refuses it), and her sync goes on.
    with hub.superuser() as conn:
        conn.execute("UPDATE casework.workers SET role = 'Fachkraft' WHERE id = %s",
                     (anna.vault.owner_id,))
    trust.sign(anna, _auth(anna), ben.vault.owner_id, name="Ben M.")
    assert client.sync_vault(anna).quarantined == 0
    assert hub_trust.status(anna).unsent == 1
    assert any("noch nicht angenommen hat: 1" in line for line in hub_trust.status(anna).lines())
    assert _role(anna, ben.vault.owner_id) == ("Ben M.", "Fachkraft", "Süd")
    assert _role(anna, anna.vault.owner_id) == ("Anna", "Admin", "Nord")
    client.sync_vault(ben)
    assert _role(ben, ben.vault.owner_id) == ("Ben", "Fachkraft", "Süd")


def test_a_promotion_reaches_everyone_and_forged_replayed_or_backdated_ones_do_not(
        hub: Hub, signed: tuple[Session, Session, Session]) -> None:
    anna, ben, lea = signed
    # Anna makes Ben Admin for a while (every device and the hub follow), then takes it
    # back.
    trust.sign(anna, _auth(anna), ben.vault.owner_id, role="Admin", team="Nord")
    for s in (ben, lea):
        result = client.sync_vault(s)
        assert _role(s, ben.vault.owner_id) == ("Ben", "Admin", "Nord")
        assert ben.vault.owner_id in result.changes.ids("worker")
        assert hub_trust.status(s).refused == 0, _refusals(s)
    with hub.superuser() as conn:
        assert conn.execute("SELECT w.role, t.name FROM casework.workers w JOIN casework.teams "
                            "t ON t.id = w.team_id WHERE w.id = %s",
                            (ben.vault.owner_id,)).fetchone() == ("Admin", "Nord")
    with hub.superuser() as conn:
        old_promotion = conn.execute(
            "SELECT statement, sig FROM casework.roster_statements ORDER BY seq DESC LIMIT 1"
        ).fetchone()
    trust.sign(anna, _auth(anna), ben.vault.owner_id, role="Fachkraft", team="Süd")
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
        forged = text.replace('"serial":', '"serial":9')
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


def test_a_device_the_hub_slips_in_gets_no_keys_and_its_changes_wait(
        hub: Hub, devices: Devices, signed: tuple[Session, Session, Session]) -> None:
    _anna, ben, lea = signed
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


def _version3_hub(cluster: Cluster) -> Hub:
    """A hub installed by the previous Casework version (schema 3: no signed roster)."""
    from psycopg import sql

    from casework.models import hub as kinds
    from casework.sync import schema

    n = next(_counter)
    dbname = f"hub{n}"
    with psycopg.connect(cluster.dsn("hubadmin", ADMIN_PASSWORD), autocommit=True) as conn:
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(dbname)))
    with psycopg.connect(cluster.dsn("hubadmin", ADMIN_PASSWORD, dbname),
                         autocommit=True) as conn, conn.transaction():
        group, device_group = admin.group_role(dbname), admin.device_group_role(dbname)
        for role in (group, device_group):
            conn.execute(sql.SQL("CREATE ROLE {} NOLOGIN").format(sql.Identifier(role)))
        conn.execute(schema.TABLES)
        conn.execute(schema.FUNCTIONS)
        conn.execute(sql.SQL(schema.SECURITY).format(workers=sql.Identifier(group),
                                                     devices=sql.Identifier(device_group)))
        with conn.cursor() as cur:
            cur.executemany("INSERT INTO casework.kinds (entity, class, scope, fields) "
                            "VALUES (%s, %s, %s, %s::jsonb)", kinds.hub_rows())
        conn.execute("INSERT INTO casework.hub_meta (key, value) VALUES ('schema_version', "
                     "'3'), ('owner', current_user), ('worker_role', %s), ('device_role', %s)",
                     (group, device_group))
    return Hub(cluster, dbname, f"h{n}")


def test_an_existing_team_upgrades_its_hub_and_adopts_signing_without_losing_sync(
        pg_cluster: Cluster, devices: Devices) -> None:
    hub = _version3_hub(pg_cluster)
    anna, ben = devices.open(0), devices.open(1)
    hub.add_worker("anna", role=WorkerRole.ADMIN, worker_id=anna.vault.owner_id,
                   team="Nord", display="Anna")
    hub.add_worker("ben", worker_id=ben.vault.owner_id, team="Nord", display="Ben")
    code, _ = admin.issue_code(hub.admin_dsn, ben.vault.owner_id)
    with pytest.raises(UserError, match="hub init"):  # the new app asks for the upgrade
        client.enrol(ben, hub.dsn("ben"), code)
    assert admin.init_hub(hub.admin_dsn)  # 3 → 4 in place
    assert not admin.init_hub(hub.admin_dsn)
    # Devices enrolled the old way (no anchor, no binding) work as before and say so.
    for s, login in ((anna, "anna"), (ben, "ben")):
        enrol(hub, s, login)
        client.sync_vault(s)
    before = hub_trust.status(ben)
    assert not before.signed and "noch nicht signiert" in before.roles_text
    # The Admin signs the roster as it stands, once; Ben's device takes the anchor from
    # the hub (she is an Admin in the roster it had) and shows it for comparison.
    folder, clock = anna.vault.folder, anna.clock
    anna.close()
    done = run_cli("hub", "anker", "--vault", str(folder))
    assert done.returncode == 0, done.stderr
    assert "Vertrauensanker des Teams: " in done.stdout
    assert "Anna\tAdmin\tNord\taktiv" in done.stdout
    assert "Ben\tFachkraft\tNord\taktiv\tkein Schlüssel" in done.stdout
    anna = session_service.unlock(folder, PASSPHRASE, clock)
    devices.opened.append(anna)
    client.sync_vault(ben)
    after = hub_trust.status(ben)
    assert after.signed and after.anchor_source == "hub"
    assert after.anchor == hub_trust.status(anna).anchor
    assert "vergleichen" in after.roles_text
    # From now on the hub's word alone changes nothing; work between them goes on.
    with hub.superuser() as conn:
        conn.execute("UPDATE casework.workers SET role = 'Leitung' WHERE id = %s",
                     (ben.vault.owner_id,))
    hid = new_household(anna, "Lorenz", assigned=ben.vault.owner_id)
    client.sync_vault(anna)
    result = client.sync_vault(ben)
    assert _role(ben, ben.vault.owner_id) == ("Ben", "Fachkraft", "Nord")
    assert _refusals(ben)[ben.vault.owner_id] == {"CW041"}
    assert result.quarantined == 0 and hid in households.list_ids(ben)
