"""Sync through a real PostgreSQL hub: flow, merge, conflicts, deletions, enrolment."""

from __future__ import annotations

from datetime import timedelta

import psycopg
import pytest

from casework.errors import UserError
from casework.models.households.person import BirthInfo, Gender, HouseholdRole, PersonDraft
from casework.models.ids import PersonId
from casework.models.persons.worker import WorkerRole
from casework.models.privacy.retention import DeletionApproval
from casework.services import contacts
from casework.services import hub as sync_service
from casework.services.households import households
from casework.storage.privacy import purge
from casework.storage.privacy import retention as retention_store
from casework.sync import admin, client
from tests.hub.conftest import Devices, Hub, enrol, team_of_two
from tests.hub.helpers import edit, log_visit, new_household, pg_dump, snapshot


def test_assigned_household_reaches_the_assigned_worker_with_contacts_and_notes(
        hub: Hub, devices: Devices) -> None:
    a, b = team_of_two(hub, devices)
    hid = new_household(a, "Yilmaz", assigned=b.vault.owner_id)
    log_visit(a, hid, "Kinder wirkten ausgeschlafen")
    first = client.sync_vault(a)
    assert first.pushed == 2  # household, contact (the worker row went earlier)
    result = client.sync_vault(b)
    assert result.pulled == 2
    assert households.get(b, hid).name == "Yilmaz"
    # Derived data is rebuilt on the receiving device: search, list columns, note search.
    assert households.list_ids(b, search="yilm") == [hid]
    assert households.list_rows(b, [hid])[0].last_contact_at is not None
    assert [h.household_id for h in contacts.search_notes(b, "ausgeschlafen")] == [hid]
    # Nothing pending, nothing pulled twice.
    again = client.sync_vault(b)
    assert (again.pushed, again.pulled) == (0, 0)
    assert sync_service.status(b).pending == 0


def test_edits_of_different_fields_merge_and_same_field_edits_become_a_conflict(
        hub: Hub, devices: Devices) -> None:
    a, b = team_of_two(hub, devices)
    hid = new_household(a, "Schmidt", assigned=b.vault.owner_id)
    client.sync_vault(a)
    client.sync_vault(b)
    # Offline on both laptops: different fields merge, the same field conflicts.
    edit(a, hid, resources="Oma hilft beim Abholen")
    edit(b, hid, risks="Mietschulden")
    edit(a, hid, street="Hauptstraße 1")
    b.clock.advance(timedelta(minutes=5))  # type: ignore[attr-defined]
    edit(b, hid, street="Kirchplatz 3")
    client.sync_vault(a)
    client.sync_vault(b)
    client.sync_vault(a)
    assert snapshot(a)["households"] == snapshot(b)["households"]
    shown = households.get(a, hid).data
    assert (shown.resources, shown.risks) == ("Oma hilft beim Abholen", "Mietschulden")
    assert shown.street == "Kirchplatz 3"  # later logical version shown …
    for device in (a, b):  # … but the conflict is visible on both devices, both values kept
        [conflict] = sync_service.conflicts(device)
        assert (conflict.entity, conflict.field) == ("household", "street")
        assert [h.value for h in conflict.heads] == ["Kirchplatz 3", "Hauptstraße 1"]
        assert {h.actor_name for h in conflict.heads} == {"Anna Beispiel", "Ben Muster"}
        assert all(h.at for h in conflict.heads)
    assert sync_service.status(a).conflicts == 1
    # Editing the field again does not make the other value disappear: only a person's
    # explicit choice ends the conflict.
    edit(b, hid, street="Kirchplatz 4")
    client.sync_vault(b)
    client.sync_vault(a)
    for device in (a, b):
        [conflict] = sync_service.conflicts(device)
        assert [h.value for h in conflict.heads] == ["Kirchplatz 4", "Hauptstraße 1"]

    # A person on device A picks Anna's value: a new change that ends it everywhere.
    [conflict] = sync_service.conflicts(a)
    older = conflict.heads[1]
    changes = sync_service.resolve_conflict(a, conflict.id, older.hlc)
    assert changes.affects("household")
    assert households.get(a, hid).data.street == "Hauptstraße 1"
    assert sync_service.conflicts(a) == []
    assert households.list_ids(a, search="hauptstr") == [hid]
    client.sync_vault(a)
    client.sync_vault(b)
    assert sync_service.conflicts(b) == []
    assert households.get(b, hid).data.street == "Hauptstraße 1"
    assert snapshot(a)["households"] == snapshot(b)["households"]
    # An ordinary later edit is not a conflict.
    edit(b, hid, street="Neue Straße 5")
    client.sync_vault(b)
    client.sync_vault(a)
    assert households.get(a, hid).data.street == "Neue Straße 5"
    assert sync_service.conflicts(a) == []


def test_append_only_contacts_are_unioned_and_deletions_propagate(
        hub: Hub, devices: Devices) -> None:
    a, b = team_of_two(hub, devices)
    hid = new_household(a, "Weber", assigned=b.vault.owner_id)
    pid, _ = households.add_person(a, hid, PersonDraft(
        "Tom", "Weber", BirthInfo(birth_year=2015), Gender.MAENNLICH, HouseholdRole.KIND))
    client.sync_vault(a)
    client.sync_vault(b)
    assert [p.data.first_name for p in households.members(b, hid)] == ["Tom"]
    log_visit(a, hid, "Besuch von Anna")
    log_visit(b, hid, "Besuch von Ben")
    households.remove_person(b, PersonId(pid))
    for device in (a, b, a):
        client.sync_vault(device)
    for device in (a, b):
        assert len(contacts.contacts(device, hid)) == 2
        assert households.members(device, hid) == []
        assert households.list_ids(device, search="tom") == []
    assert snapshot(a) == snapshot(b)


def test_enrolment_codes_are_single_use_and_bound_to_the_worker(
        hub: Hub, devices: Devices) -> None:
    a = devices.open(0)
    b = devices.open(1)
    anna = hub.add_worker("anna", team="Nord")  # no worker id: the vault adopts it
    ben = hub.add_worker("ben", team="Nord")
    mine = new_household(a, "Vorher", assigned=a.vault.owner_id)  # before enrolment
    code, _ = admin.issue_code(hub.admin_dsn, anna)
    with pytest.raises(UserError) as wrong_worker:
        client.enrol(b, hub.dsn("ben"), code)
    assert getattr(wrong_worker.value, "code", None) == "CW004"
    client.enrol(a, hub.dsn("anna"), code.lower())  # typed in lower case: fine
    assert a.vault.owner_id == anna == a.actor.id
    assert a.actor.data.name == "Anna"
    assert households.get(a, mine).data.assigned_worker_id == anna
    with pytest.raises(UserError):
        client.enrol(devices.open(2), hub.dsn("anna"), code)  # used up
    # A Leitung may issue codes for her team; a Fachkraft may not.
    hub.add_worker("lea", role=WorkerRole.LEITUNG, team="Nord")
    code_b, _ = admin.issue_code(hub.dsn("lea"), ben)
    client.enrol(b, hub.dsn("ben"), code_b)
    client.sync_vault(b)
    client.sync_vault(a)  # Anna's laptop learns about Ben
    with pytest.raises(UserError) as refused:
        admin.issue_code(hub.dsn("ben"), anna)
    assert getattr(refused.value, "code", None) == "CW005"
    # Data written before enrolment is pushed under the adopted worker's rights.
    hid = new_household(a, "Kaya", assigned=ben)
    client.sync_vault(a)
    client.sync_vault(b)
    assert households.get(b, hid).data.assigned_worker_id == ben


def test_revoked_device_receives_nothing_and_its_pushes_are_refused(
        hub: Hub, devices: Devices) -> None:
    a, b = team_of_two(hub, devices)
    hid = new_household(b, "Nowak", assigned=a.vault.owner_id)
    client.sync_vault(b)
    hub.add_worker("lea", role=WorkerRole.LEITUNG, team="Nord")
    assert admin.revoke_device(hub.dsn("lea"), a.vault.device_id)  # Leitung of the team
    with pytest.raises(UserError) as revoked:
        client.sync_vault(a)
    assert getattr(revoked.value, "code", None) == "CW003"
    assert households.count(a) == 0
    new_household(a, "Offline")
    with pytest.raises(UserError):
        client.sync_vault(a)
    assert sync_service.status(a).pending > 0
    # A modified client gets nowhere either: the device's own credentials no longer sign
    # in, and the worker's personal login may neither pull nor read the tables.
    with pytest.raises(psycopg.OperationalError):
        hub.connect_device(a).close()
    with hub.connect_as("anna") as conn:
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            conn.execute("SELECT * FROM casework.casework_pull(0, 0, 100)")
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            conn.execute("SELECT count(*) FROM casework.changes")
    assert hid not in households.list_ids(a)
    devices_seen = {d.id: d for d in admin.list_devices(hub.admin_dsn)}
    assert devices_seen[a.vault.device_id].revoked_at is not None
    assert devices_seen[b.vault.device_id].revoked_at is None


def test_lost_acknowledgement_repush_is_idempotent(hub: Hub, devices: Devices) -> None:
    a, b = team_of_two(hub, devices)
    new_household(a, "Becker", assigned=b.vault.owner_id)
    client.sync_vault(a)
    with hub.superuser() as conn:
        before = conn.execute("SELECT count(*) FROM casework.changes").fetchone()
    # The hub committed but the reply was lost: the device still thinks nothing is sent.
    with a.db.transaction():
        a.db.execute("UPDATE sync_state SET value = '0' WHERE key = 'pushed_seq'")
    assert sync_service.status(a).pending == 2
    again = client.sync_vault(a)
    assert again.pushed == 1  # the household; worker rows come from the hub's roster
    with hub.superuser() as conn:
        after = conn.execute("SELECT count(*) FROM casework.changes").fetchone()
    assert before == after
    client.sync_vault(b)
    assert households.count(b) == 1


def test_sync_without_hub_or_unreachable_hub_is_a_clear_user_error(
        hub: Hub, devices: Devices) -> None:
    a = devices.open(0)
    with pytest.raises(UserError, match="keinem Team-Hub"):
        client.sync_vault(a)
    with pytest.raises(UserError, match="nicht erreichbar"):
        client.sync_vault(a, "host=127.0.0.1 port=1 dbname=x user=y connect_timeout=2")
    with pytest.raises(UserError, match="abgelehnt"):
        client.sync_vault(a, hub.cluster.dsn("nobody", "wrong-password", hub.dbname))


def test_an_executed_deletion_purges_the_household_everywhere_and_at_the_hub(
        hub: Hub, devices: Devices) -> None:
    lea, b, max_ = devices.open(0), devices.open(1), devices.open(2)
    hub.add_worker("lea", role=WorkerRole.LEITUNG, worker_id=lea.vault.owner_id, team="Nord")
    hub.add_worker("ben", worker_id=b.vault.owner_id, team="Nord", display="Ben Muster")
    hub.add_worker("max", role=WorkerRole.LEITUNG, worker_id=max_.vault.owner_id, team="Süd")
    for device, login in ((lea, "lea"), (b, "ben"), (max_, "max")):
        enrol(hub, device, login)
        client.sync_vault(device)
    hid = new_household(lea, "Zimmermann", assigned=b.vault.owner_id)
    log_visit(lea, hid, "Wird gelöscht")
    client.sync_vault(lea)
    client.sync_vault(b)
    assert households.count(b) == 1
    # First pair of eyes (Lea proposes), second pair on another device (Max approves),
    # then Lea executes (what execute_deletion does, at storage level here).
    with lea.db.transaction():
        request = retention_store.insert_deletion_request(lea.writer(), hid, "regel", None,
                                                          "frist", "")
    client.sync_vault(lea)
    client.sync_vault(max_)
    with max_.db.transaction():
        retention_store.insert_deletion_approval(max_.writer(), request,
                                                 DeletionApproval.APPROVED)
    client.sync_vault(max_)
    client.sync_vault(lea)
    with hub.superuser() as conn:
        secrets = [str(r[0]) for r in conn.execute(
            "SELECT encode(payload, 'hex') FROM casework.changes WHERE scope_id = %s "
            "UNION ALL SELECT encode(x.sealed, 'hex') FROM casework.wraps x "
            "JOIN casework.keys k ON k.key_id = x.key_id WHERE k.scope_id = %s",
            (hid, hid))]
    assert len(secrets) >= 3  # household, visit, Ben's sealed copy of the key
    with lea.db.transaction():
        counts = purge.purge_household(lea.db, hid).counts
        retention_store.add_journal(lea.db, "household", hid, hid, "2026-11-21T09:00:00.000000Z")
        retention_store.insert_deletion_execution(lea.writer(), request, hid, counts, 0)
    assert client.sync_vault(lea).refused == 0
    client.sync_vault(b)
    assert households.count(b) == 0
    assert households.list_ids(b, search="zimmer") == []
    assert contacts.search_notes(b, "gelöscht") == []
    assert b.db.scalar("SELECT count(*) FROM changelog WHERE scope_id = ?", (hid,)) == 0
    assert retention_store.journal_has(b.db, "household", hid)
    # Crypto-shredding plus removal: no ciphertext, no key, no sealed copy of a key.
    with hub.superuser() as conn:
        for table in ("changes", "keys"):
            assert conn.execute(f"SELECT count(*) FROM casework.{table} "  # noqa: S608
                                "WHERE scope_id = %s", (hid,)).fetchone() == (0,)
        assert conn.execute("SELECT count(*) FROM casework.wraps x LEFT JOIN casework.keys k "
                            "ON k.key_id = x.key_id WHERE k.key_id IS NULL").fetchone() == (0,)
    assert b.db.scalar("SELECT count(*) FROM hub_keys WHERE scope_id = ?", (hid,)) == 0
    dump = pg_dump(hub)
    assert "COPY casework.changes" in dump
    assert not [x for x in secrets if x[:48] in dump]
    # A Fachkraft's device cannot order the hub to forget a household: refused, kept on
    # the device as "abgewiesen" with the reason, and sync goes on.
    other = new_household(b, "Bleibt")
    with b.db.transaction():
        req = retention_store.insert_deletion_request(b.writer(), other, "regel", None,
                                                      "frist", "")
        retention_store.insert_deletion_execution(b.writer(), req, other, {}, 0)
    result = client.sync_vault(b)
    assert (result.pushed, result.refused) == (1, 2)
    assert {(q.direction, q.entity, q.reason) for q in sync_service.quarantine(b)} == {
        ("out", "deletion_request", "CW014"), ("out", "deletion_execution", "CW014")}
    assert "zwei" in sync_service.quarantine(b)[0].reason_text
    assert sync_service.status(b).pending == 0


def test_consent_is_relied_on_only_after_a_recent_pull(hub: Hub, devices: Devices) -> None:
    a = devices.open(0)
    assert sync_service.consent_is_current(a)  # no hub: every change is made here
    hub.add_worker("anna", worker_id=a.vault.owner_id, display="Anna Beispiel")
    enrol(hub, a, "anna")
    assert not sync_service.consent_is_current(a)  # withdrawals elsewhere not yet pulled
    client.sync_vault(a)
    assert sync_service.consent_is_current(a)
    a.clock.advance(timedelta(hours=25))  # type: ignore[attr-defined]
    assert not sync_service.consent_is_current(a)


def test_a_newly_assigned_worker_receives_the_households_earlier_history(
        hub: Hub, devices: Devices, monkeypatch: pytest.MonkeyPatch) -> None:
    a, b = team_of_two(hub, devices)
    hid = new_household(a, "Lorenz", assigned=a.vault.owner_id)
    for i in range(3):
        log_visit(a, hid, f"Früherer Besuch {i}")
    client.sync_vault(a)
    client.sync_vault(b)
    assert households.count(b) == 0  # not Ben's family (yet)
    edit(a, hid, assigned_worker_id=b.vault.owner_id)  # Anna hands the family over
    client.sync_vault(a)
    monkeypatch.setattr(client, "PULL_PAGE", 2)  # history and new rows over several pages
    result = client.sync_vault(b)
    assert result.pulled == 5  # household, three visits, the hand-over
    assert households.get(b, hid).data.assigned_worker_id == b.vault.owner_id
    assert len(contacts.contacts(b, hid)) == 3
    assert snapshot(a)["contact_notes"] == snapshot(b)["contact_notes"]
