"""Entitlement is decided by the hub: hand-written SQL sessions as each worker's role."""

from __future__ import annotations

import json

import psycopg
import pytest

from casework.models.households.person import BirthInfo, Gender, HouseholdRole, PersonDraft
from casework.models.ids import new_id
from casework.models.persons.worker import WorkerRole
from casework.services import contacts
from casework.services.households import households
from casework.services.kinderschutz import procedures as kinderschutz
from casework.services.session import Session
from casework.sync import client
from tests.hub.conftest import Devices, Hub, enrol
from tests.hub.helpers import log_visit, new_household, seal


def _visible(hub: Hub, device: Session) -> set[tuple[str, str]]:
    with hub.connect_device(device) as conn:
        return {(r[0], r[1]) for r in conn.execute(
            "SELECT entity, scope_id FROM casework.changes WHERE scope_id IS NOT NULL")}


def test_each_role_sees_exactly_its_households_even_with_direct_sql(
        hub: Hub, devices: Devices) -> None:
    anna, ben, lea = devices.open(0), devices.open(1), devices.open(2)
    hub.add_worker("anna", worker_id=anna.vault.owner_id, team="Nord")
    hub.add_worker("ben", worker_id=ben.vault.owner_id, team="Süd")
    hub.add_worker("lea", role=WorkerRole.LEITUNG, worker_id=lea.vault.owner_id, team="Nord")
    hub.add_worker("sven", role=WorkerRole.LEITUNG, team="Süd")
    for s, login in ((anna, "anna"), (ben, "ben"), (lea, "lea")):
        enrol(hub, s, login)
        client.sync_vault(s)
    client.sync_vault(anna)

    h_anna = new_household(anna, "Arslan", assigned=anna.vault.owner_id)
    child, _ = households.add_person(anna, h_anna, PersonDraft(
        "Emre", "Arslan", BirthInfo(birth_year=2018), Gender.MAENNLICH, HouseholdRole.KIND))
    log_visit(anna, h_anna, "Vertrauliche Beobachtung")
    procedure_id, _ = kinderschutz.open_procedure(anna, h_anna, (child,))
    h_other = new_household(anna, "Ohne Verfahren", assigned=anna.vault.owner_id)
    h_ben = new_household(ben, "Brandt", assigned=ben.vault.owner_id)
    log_visit(ben, h_ben, "Nur für Ben")
    client.sync_vault(anna)
    client.sync_vault(ben)

    assert {s for _, s in _visible(hub, anna)} == {h_anna, h_other}
    assert {s for _, s in _visible(hub, ben)} == {h_ben}
    # The Leitung of Anna's team: the § 8a procedure with household and persons, no
    # contacts, and nothing of households without a procedure or of another team.
    lea_sees = _visible(hub, lea)
    assert {s for _, s in lea_sees} == {h_anna}
    assert {e for e, _ in lea_sees} >= {"household", "person", "ks_procedure", "ks_transition"}
    assert "contact" not in {e for e, _ in lea_sees}
    # A personal login reads no table at all.
    with hub.connect_as("sven") as conn, pytest.raises(psycopg.errors.InsufficientPrivilege):
        conn.execute("SELECT count(*) FROM casework.changes")

    # The same through the app: Lea's vault gets the procedure to review, with the family.
    result = client.sync_vault(lea)
    assert result.parked == 0
    assert households.list_ids(lea) == [h_anna]
    assert households.get(lea, h_anna).name == "Arslan"
    assert [p.id for p in kinderschutz.list_procedures(lea, h_anna)] == [procedure_id]
    assert kinderschutz.get_file(lea, procedure_id).procedure.household_id == h_anna
    assert contacts.contacts(lea, h_anna) == []
    # Ben's laptop gets nothing of Anna's families.
    client.sync_vault(ben)
    assert households.list_ids(ben) == [h_ben]


def test_a_modified_client_cannot_read_write_or_use_another_device(
        hub: Hub, devices: Devices) -> None:
    anna, ben = devices.open(0), devices.open(1)
    hub.add_worker("anna", worker_id=anna.vault.owner_id, team="Nord")
    hub.add_worker("ben", worker_id=ben.vault.owner_id, team="Nord")
    enrol(hub, anna, "anna")
    enrol(hub, ben, "ben")
    h_anna = new_household(anna, "Arslan")
    client.sync_vault(anna)

    with hub.connect_as("ben") as conn:
        # The personal login may enrol a device, nothing else.
        for statement in ("SELECT * FROM casework.casework_pull(0, 0, 1000)",
                          "SELECT * FROM casework.casework_push('[]'::jsonb)",
                          "SELECT count(*) FROM casework.changes"):
            with pytest.raises(psycopg.errors.InsufficientPrivilege):
                conn.execute(statement)
    with hub.connect_device(ben) as conn:
        # Own device: nothing of Anna's household.
        rows = conn.execute("SELECT scope_id FROM casework.casework_pull(0, 0, 1000)").fetchall()
        assert h_anna not in {r[0] for r in rows}
        # No writing to tables, no reading of codes, no granting oneself a household.
        for statement in (
                "INSERT INTO casework.assignments VALUES (%s, %s, 'full', 1)",
                "UPDATE casework.changes SET scope_id = %s WHERE scope_id = %s",
                "DELETE FROM casework.changes WHERE scope_id = %s OR scope_id = %s"):
            with pytest.raises(psycopg.errors.InsufficientPrivilege):
                conn.execute(statement, (ben.vault.owner_id, h_anna))
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            conn.execute("SELECT * FROM casework.enrolment_codes")
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            conn.execute("SELECT * FROM casework.grant_after_push(%s, 0)", (ben.vault.owner_id,))
        # Writing into Anna's household (a guessed id), e.g. assigning it to himself, is
        # refused with a reason and grants nothing.
        claim = [{"change_id": new_id(), "entity": "household", "entity_id": h_anna,
                  "scope_id": h_anna, "op": "update",
                  "hlc": f"9999999999999.000000.{ben.vault.device_id}",
                  "fields": {"assigned_worker_id": ben.vault.owner_id}, "bases": {},
                  "actor": ben.vault.owner_id, "at": "2026-11-21T09:00:00.000000Z"}]
        refused = conn.execute("SELECT * FROM casework.casework_push(%s::jsonb)",
                               (json.dumps(seal(ben, claim)),)).fetchall()
        assert refused == [(claim[0]["change_id"], "CW011")]
        rows = conn.execute("SELECT scope_id FROM casework.casework_pull(0, 0, 1000)").fetchall()
        assert h_anna not in {r[0] for r in rows}
        assert conn.execute("SELECT count(*) FROM casework.changes "
                            "WHERE scope_id IS NOT NULL").fetchone() == (0,)
        assert conn.execute("SELECT count(*) FROM casework.assignments").fetchone() == (0,)
        assert conn.execute("SELECT count(*) FROM casework.devices").fetchone() == (1,)
    with hub.superuser() as conn:
        assert conn.execute("SELECT count(*) FROM casework.changes WHERE scope_id = %s",
                            (h_anna,)).fetchone() == (1,)
