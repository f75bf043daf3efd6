"""The hostile colleague (issue 16): hand-written SQL and crafted pushes with one worker's
own device credentials, and a compromised hub feeding devices directly. Each attack is
refused by the hub or quarantined by the receiving device; nothing on the victim's
device is lost or changed, and sync goes on for everything else."""

from __future__ import annotations

import itertools
import json
import time
from typing import Any

import psycopg
import pytest

from casework.errors import UserError
from casework.models.ids import new_id
from casework.models.persons.worker import WorkerRole
from casework.services import contacts, persons
from casework.services import hub as sync_service
from casework.services.households import households
from casework.services.session import Session
from casework.storage.privacy import retention as retention_store
from casework.sync import client, schema
from tests.conftest import PASSPHRASE
from tests.hub.conftest import Devices, Hub, enrol
from tests.hub.helpers import inject, log_visit, new_household, seal, share_injected_keys, snapshot

_ms = itertools.count(1_900_000_000_000)


def _change(device: Session, entity: str, entity_id: str, scope_id: str | None,
            fields: dict[str, Any], op: str = "insert", **extra: Any) -> dict[str, Any]:
    change = {"change_id": new_id(), "entity": entity, "entity_id": entity_id,
              "scope_id": scope_id, "op": op, "fields": fields, "bases": {},
              "hlc": f"{next(_ms):013d}.000000.{device.vault.device_id}",
              "at": "2026-11-21T09:00:00.000000Z"}
    change.update(extra)
    return change


def _push(hub: Hub, device: Session, changes: list[Any]) -> list[tuple[str, str]]:
    """A crafted push with the device's own hub credentials and keys; returns the
    refusals."""
    with hub.connect_device(device) as conn:
        return [tuple(r) for r in conn.execute(  # type: ignore[misc]
            "SELECT * FROM casework.casework_push(%s::jsonb)",
            (json.dumps(seal(device, changes)),))]


def _hub_rows(hub: Hub, scope_id: str) -> list[tuple[Any, ...]]:
    with hub.superuser() as conn:
        return conn.execute("SELECT entity, entity_id, meta, actor, purged "
                            "FROM casework.changes WHERE scope_id = %s ORDER BY seq",
                            (scope_id,)).fetchall()


def _inject(hub: Hub, author: Session, change: dict[str, Any]) -> None:
    inject(hub, author, change)
    share_injected_keys(author, hub)


@pytest.fixture
def team(hub: Hub, devices: Devices) -> tuple[Session, Session, Session]:
    """Anna (Fachkraft, Nord), Ben (Fachkraft, Süd, the attacker), Lea (Leitung, Nord)."""
    anna, ben, lea = devices.open(0), devices.open(1), devices.open(2)
    hub.add_worker("anna", worker_id=anna.vault.owner_id, team="Nord", display="Anna")
    hub.add_worker("ben", worker_id=ben.vault.owner_id, team="Süd", display="Ben")
    hub.add_worker("lea", role=WorkerRole.LEITUNG, worker_id=lea.vault.owner_id, team="Nord",
                   display="Lea")
    for s, login in ((anna, "anna"), (ben, "ben"), (lea, "lea")):
        enrol(hub, s, login)
    for s in (anna, ben, lea):
        client.sync_vault(s)
    return anna, ben, lea


def _victim_household(anna: Session) -> tuple[str, str]:
    hid = new_household(anna, "Arslan", assigned=anna.vault.owner_id)
    cid = log_visit(anna, hid, "Vertrauliche Beobachtung")
    client.sync_vault(anna)
    return hid, cid


def test_forged_actor_is_refused_and_the_hub_records_the_real_author(
        hub: Hub, team: tuple[Session, Session, Session]) -> None:
    anna, ben, _lea = team
    own = new_id()
    forged = _change(ben, "household", own, own, {"name": "Fälschung"},
                     actor=anna.vault.owner_id)
    honest = _change(ben, "household", new_id(), None, {"name": "Eigene"})
    honest["scope_id"] = honest["entity_id"]
    assert _push(hub, ben, [forged, honest]) == [(forged["change_id"], "CW010")]
    [row] = _hub_rows(hub, honest["entity_id"])
    assert row[3] == ben.vault.owner_id  # the session's worker, not the payload's
    assert _hub_rows(hub, own) == []
    with hub.superuser() as conn:
        devices_seen = conn.execute("SELECT DISTINCT device FROM casework.changes "
                                    "WHERE actor = %s", (ben.vault.owner_id,)).fetchall()
    assert devices_seen == [(ben.vault.device_id,)]


def test_cross_team_write_and_forged_purge_are_refused_and_the_victim_keeps_everything(
        hub: Hub, team: tuple[Session, Session, Session]) -> None:
    anna, ben, _lea = team
    hid, cid = _victim_household(anna)
    before = snapshot(anna)
    attacks = [
        _change(ben, "household", hid, hid, {"name": "Umbenannt"}, op="update"),
        _change(ben, "household", hid, hid, {"assigned_worker_id": ben.vault.owner_id},
                op="update"),
        _change(ben, "contact", new_id(), hid, {"household_id": hid, "type": "Hausbesuch",
                                                "notes": []}),
        _change(ben, "contact", cid, hid, {}, op="delete"),
        _change(ben, "contact", cid, hid, {"purged": True}, op="delete"),
    ]
    refused = dict(_push(hub, ben, attacks))
    assert refused == {
        attacks[0]["change_id"]: "CW011", attacks[1]["change_id"]: "CW011",
        attacks[2]["change_id"]: "CW011", attacks[3]["change_id"]: "CW011",
        attacks[4]["change_id"]: "CW011"}
    rows = _hub_rows(hub, hid)
    assert len(rows) == 2 and not any(r[4] for r in rows)  # household + visit, intact
    client.sync_vault(anna)
    assert snapshot(anna) == before
    assert [c.id for c in contacts.contacts(anna, hid)] == [cid]
    # Ben's own device does not get Anna's family either.
    client.sync_vault(ben)
    assert hid not in households.list_ids(ben)


def test_forged_deletion_with_one_approval_is_refused_at_the_hub_and_on_devices(
        hub: Hub, team: tuple[Session, Session, Session]) -> None:
    anna, ben, lea = team
    hid, _cid = _victim_household(anna)
    before = snapshot(anna)
    # The Leitung alone: request, her own "approval", execution. Only the request passes.
    request = _change(lea, "deletion_request", new_id(), None,
                      {"target_id": hid, "rule_key": "x", "reason_code": "frist"})
    approval = _change(lea, "deletion_approval", new_id(), None,
                       {"request_id": request["entity_id"], "decision": "freigegeben"})
    execution = _change(lea, "deletion_execution", new_id(), None,
                        {"request_id": request["entity_id"], "target_id": hid,
                         "counts": "{}", "attachments": 0})
    assert _push(hub, lea, [request, approval, execution]) == [
        (approval["change_id"], "CW014"), (execution["change_id"], "CW014")]
    # A Fachkraft may not even approve.
    ben_approval = _change(ben, "deletion_approval", new_id(), None,
                           {"request_id": request["entity_id"], "decision": "freigegeben"})
    assert _push(hub, ben, [ben_approval]) == [(ben_approval["change_id"], "CW014")]
    assert not any(r[4] for r in _hub_rows(hub, hid))

    # A compromised hub delivers an execution anyway (one approval, by a Fachkraft):
    # every device verifies it itself, quarantines it, and writes no journal.
    _inject(hub, ben, ben_approval)
    _inject(hub, lea, execution)
    result = client.sync_vault(anna)
    assert result.quarantined == 2
    assert snapshot(anna) == before
    assert households.get(anna, hid).name == "Arslan"
    assert not retention_store.journal_has(anna.db, "household", hid)
    shown = {(q.entity, q.reason) for q in sync_service.quarantine(anna)}
    assert shown == {("deletion_approval", "CW014"), ("deletion_execution", "CW014")}


def test_forged_role_changes_are_refused_and_quarantined(
        hub: Hub, team: tuple[Session, Session, Session]) -> None:
    _anna, ben, lea = team
    promote = _change(ben, "worker", ben.vault.owner_id, None, {"role": "Admin"}, op="update")
    demote = _change(ben, "worker", lea.vault.owner_id, None, {"role": "Fachkraft"},
                     op="update")
    assert dict(_push(hub, ben, [promote, demote])) == {
        promote["change_id"]: "CW013", demote["change_id"]: "CW013"}
    # Delivered by a compromised hub: quarantined; roles stay as the hub's roster says.
    _inject(hub, ben, demote)
    result = client.sync_vault(lea)
    assert result.quarantined == 1
    assert lea.db.scalar("SELECT role FROM workers WHERE id = ?",
                         (lea.vault.owner_id,)) == "Leitung"
    assert lea.db.scalar("SELECT role FROM workers WHERE id = ?",
                         (ben.vault.owner_id,)) == "Fachkraft"


def test_malformed_and_oversized_payloads_are_refused_and_never_stop_sync(
        hub: Hub, team: tuple[Session, Session, Session]) -> None:
    anna, ben, _lea = team
    own = new_id()
    good = _change(ben, "household", own, own, {"name": "Gut"})
    bad = [
        _change(ben, "household", new_id(), None, {"name": ["eine", "Liste"]}),
        _change(ben, "household", new_id(), None, {"unbekannt": "x"}),
        _change(ben, "household", new_id(), None, {"name": "x"}, hlc="1.2.3"),
        _change(ben, "no_such_kind", new_id(), None, {}),
        {"change_id": new_id(), "entity": "household", "extra": 1},
        "kein Objekt",
        _change(ben, "household", new_id(), None, {"name": "x" * (300 * 1024)}),
    ]
    for change in bad[:4] + bad[6:]:
        change["scope_id"] = change["entity_id"]
    not_base64 = dict(seal(ben, [_change(ben, "household", own, own, {})])[0])
    not_base64.update(change_id=new_id(), payload="kein base64!")
    refused = _push(hub, ben, [good, *bad, not_base64])
    # The hub checks what it can see (metadata, size); wrong field types inside the
    # ciphertext are the receivers' to quarantine (below).
    assert [reason for _id, reason in refused] == [
        "CW020", "CW022", "CW020", "CW020", "CW021", "CW020"]
    assert len(_hub_rows(hub, own)) == 1
    with hub.connect_device(ben) as conn, pytest.raises(psycopg.Error) as not_a_list:
        conn.execute("SELECT * FROM casework.casework_push('{\"a\": 1}'::jsonb)")
    assert not_a_list.value.sqlstate == "CW020"

    # A compromised hub delivers a poisoned change among good ones: the device
    # quarantines it, applies the rest, and the next sync is clean.
    hid = new_household(anna, "Arslan", assigned=anna.vault.owner_id)
    client.sync_vault(anna)
    poison = _change(anna, "household", hid, hid, {"name": ["x"]}, op="update")
    _inject(hub, anna, poison)
    huge = _change(anna, "household", hid, hid, {"name": "x" * (300 * 1024)}, op="update")
    _inject(hub, anna, huge)
    result = client.sync_vault(anna)
    assert result.quarantined == 2
    assert households.get(anna, hid).name == "Arslan"
    again = client.sync_vault(anna)
    assert (again.quarantined, again.pulled) == (0, 0)
    reasons = {q.change_id: q.reason for q in sync_service.quarantine(anna)}
    assert reasons == {poison["change_id"]: "CW020", huge["change_id"]: "CW021"}


def test_a_held_push_lock_gives_one_german_line_instead_of_a_hang(
        hub: Hub, team: tuple[Session, Session, Session],
        monkeypatch: pytest.MonkeyPatch) -> None:
    anna, _ben, _lea = team
    new_household(anna, "Wartet")
    monkeypatch.setattr(client, "LOCK_TIMEOUT_MS", 300)
    with hub.superuser() as holder:
        holder.execute("SELECT pg_advisory_lock(%s)", (schema.PUSH_LOCK_KEY,))
        started = time.monotonic()
        with pytest.raises(UserError) as busy:
            client.sync_vault(anna)
        assert time.monotonic() - started < 5
    assert "antwortet nicht rechtzeitig" in str(busy.value)
    assert "\n" not in str(busy.value)
    assert sync_service.status(anna).pending == 1  # nothing lost; sent next time
    assert client.sync_vault(anna).pushed == 1


def test_a_revoked_device_login_reads_nothing_even_in_an_open_session(
        hub: Hub, team: tuple[Session, Session, Session]) -> None:
    anna, _ben, lea = team
    _victim_household(anna)
    session = hub.connect_device(anna)
    assert session.execute("SELECT count(*) FROM casework.changes").fetchone() != (0,)
    from casework.sync import admin

    assert admin.revoke_device(hub.dsn("lea"), anna.vault.device_id)
    try:
        seen = session.execute("SELECT count(*) FROM casework.changes").fetchone()
    except psycopg.OperationalError:
        seen = None  # the session was ended
    assert seen in (None, (0,))
    session.close()
    with pytest.raises(psycopg.OperationalError):
        hub.connect_device(anna).close()
    with hub.superuser() as conn:
        login = conn.execute("SELECT login FROM casework.devices WHERE id = %s",
                             (anna.vault.device_id,)).fetchone()
        assert login is not None
        can_login = conn.execute("SELECT rolcanlogin FROM pg_roles WHERE rolname = %s",
                                 (login[0],)).fetchone()
    assert can_login == (False,)
    assert lea.is_open


def test_after_reassignment_the_previous_worker_receives_nothing_new(
        hub: Hub, devices: Devices) -> None:
    anna, ben = devices.open(0), devices.open(1)
    hub.add_worker("anna", worker_id=anna.vault.owner_id, team="Nord")
    hub.add_worker("ben", worker_id=ben.vault.owner_id, team="Nord")
    enrol(hub, anna, "anna")
    enrol(hub, ben, "ben")
    for s in (anna, ben, anna):
        client.sync_vault(s)
    hid = new_household(anna, "Lorenz", assigned=anna.vault.owner_id)
    log_visit(anna, hid, "Vor der Übergabe")
    client.sync_vault(anna)
    from tests.hub.helpers import edit

    edit(anna, hid, assigned_worker_id=ben.vault.owner_id)  # hand-over
    client.sync_vault(anna)
    client.sync_vault(ben)
    secret = log_visit(ben, hid, "Nach der Übergabe: nur für Ben")
    client.sync_vault(ben)
    result = client.sync_vault(anna)
    assert result.pulled == 0
    assert secret not in [c.id for c in contacts.contacts(anna, hid)]
    with hub.connect_device(anna) as conn:  # direct SQL, row-level security
        seen = {r[0] for r in conn.execute(
            "SELECT entity_id FROM casework.changes WHERE scope_id = %s", (hid,))}
        rows = conn.execute("SELECT entity_id FROM casework.casework_pull(0, 0, 1000)")
        assert secret not in {r[0] for r in rows}
    assert secret not in seen
    # Her own later edits of that family are refused (kept on her laptop as abgewiesen).
    log_visit(anna, hid, "zu spät")
    assert client.sync_vault(anna).refused == 1
    assert [q.reason for q in sync_service.quarantine(anna)] == ["CW011"]


def test_plaintext_to_a_non_local_host_is_refused_before_connecting(
        devices: Devices, monkeypatch: pytest.MonkeyPatch, tmp_path: Any) -> None:
    attempts: list[str] = []
    real_connect = psycopg.connect

    def spy(*args: Any, **kwargs: Any) -> Any:
        attempts.append(str(args[0]))
        return real_connect(*args, **kwargs)

    monkeypatch.setattr(psycopg, "connect", spy)
    for dsn in ("host=hub.example dbname=casework user=kaya",
                "host=hub.example dbname=casework user=kaya sslmode=require",
                "host=10.1.2.3 dbname=casework user=kaya sslmode=verify-full",
                f"host=hub.example sslmode=verify-full sslrootcert={tmp_path}/fehlt.pem",
                "host=localhost hostaddr=192.0.2.7 dbname=casework sslmode=prefer"):
        with pytest.raises(UserError, match="verschlüsselt mit Zertifikatsprüfung") as refused:
            client.connect(dsn)
        assert "\n" not in str(refused.value)
    a = devices.open(0)
    with pytest.raises(UserError, match="Zertifikatsprüfung"):
        client.sync_vault(a, "host=hub.example dbname=casework user=kaya password=x")
    assert attempts == []
    # Local hubs need no TLS: loopback addresses and Unix sockets are tried.
    for dsn in ("host=127.0.0.9 port=1 dbname=x user=y connect_timeout=2",
                "host=/nonexistent/socket dbname=x user=y"):
        with pytest.raises(UserError, match="nicht erreichbar"):
            client.connect(dsn)
    assert len(attempts) == 2


def test_reference_data_reaches_every_device_and_only_from_leitung_or_admin(
        hub: Hub, team: tuple[Session, Session, Session]) -> None:
    from casework.models.kinderschutz.deadlines import deadline_profile_to_data
    from casework.services.directory import vault_profile as directory
    from casework.services.kinderschutz import deadlines as ks_deadlines
    from casework.storage import directory as directory_store

    anna, ben, lea = team
    shipped = directory.active_profile(anna)
    assert shipped.emergency_contacts
    # the Leitung edits the Rote Mappe (a reserved act: her passphrase, signed)
    directory.remove_emergency_contact(lea, 0, auth=persons.authorize(lea, PASSPHRASE))
    profile = ks_deadlines.deadline_profile(lea)
    data = json.loads(json.dumps(deadline_profile_to_data(profile)))
    data["title"] = "Teamvereinbarung"
    ks_deadlines.set_deadline_profile(lea, data)
    assert client.sync_vault(lea).refused == 0
    for s in (anna, ben):
        client.sync_vault(s)
        assert directory.active_profile(s).emergency_contacts == \
            directory.active_profile(lea).emergency_contacts
        assert len(directory.active_profile(s).emergency_contacts) == \
            len(shipped.emergency_contacts) - 1
        assert ks_deadlines.deadline_profile(s).title == "Teamvereinbarung"
        assert s.db.scalar("SELECT count(*) FROM sync_parked") == 0
    # A Fachkraft's edit (a modified app) is refused and reaches nobody.
    before = directory.active_profile(anna)
    with ben.db.transaction():
        directory_store.insert_revision(
            ben.writer(), profile_name=ben.profile_name, revision=99,
            data=directory.canonical_json(shipped), content_hash="x", changed_paths=(),
            source="edit")
    assert client.sync_vault(ben).refused == 1
    client.sync_vault(anna)
    assert directory.active_profile(anna) == before
