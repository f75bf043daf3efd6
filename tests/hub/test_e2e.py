"""End-to-end encryption (issue 17), attacked as the hub's administrator would: full
database access, `pg_dump`, hand-written UPDATEs. The hub holds ciphertext and metadata
only; a change altered at the hub is quarantined by its receivers; a worker a family was
reassigned away from cannot decrypt what is written afterwards."""

from __future__ import annotations

import base64
import json
import re

import pytest
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from casework.errors import UserError
from casework.models.persons.worker import WorkerRole
from casework.models.privacy.retention import DeletionApproval
from casework.services import contacts, demo, persons
from casework.services import hub as sync_service
from casework.services import session as session_service
from casework.services.households import households
from casework.services.session import Session
from casework.storage import crypto, hub_device_keys
from casework.storage.privacy import retention as retention_store
from casework.sync import client
from tests.conftest import PASSPHRASE, run_cli
from tests.hub.conftest import Devices, Hub, enrol
from tests.hub.helpers import edit, log_visit, new_household, pg_dump, seal


def _team(hub: Hub, devices: Devices) -> tuple[Session, Session, Session]:
    """Anna and Ben (Fachkraft) and Lea (Leitung), all team Nord, enrolled and synced."""
    anna, ben, lea = devices.open(0), devices.open(1), devices.open(2)
    hub.add_worker("anna", worker_id=anna.vault.owner_id, team="Nord")
    hub.add_worker("ben", worker_id=ben.vault.owner_id, team="Nord")
    hub.add_worker("lea", role=WorkerRole.LEITUNG, worker_id=lea.vault.owner_id, team="Nord")
    for s, login in ((anna, "anna"), (ben, "ben"), (lea, "lea")):
        enrol(hub, s, login)
        client.sync_vault(s)
    return anna, ben, lea


def test_after_a_realistic_sync_a_dump_of_the_hub_holds_no_names_and_no_note_words(
        hub: Hub, devices: Devices) -> None:
    anna, _ben, lea = _team(hub, devices)
    demo.fill(anna, 6, seed=7, contacts_per_family=3, passphrase=PASSPHRASE)
    first = client.sync_vault(anna)
    assert first.pushed > 100
    client.sync_vault(lea)
    client.sync_vault(anna)  # seals the keys for what the Leitung may now review
    received = client.sync_vault(lea)
    # The Leitung reviews the § 8a households: decrypted on her laptop, not at the hub.
    assert households.count(lea) > 0 and received.quarantined == 0
    dump = pg_dump(hub)
    assert "COPY casework.changes" in dump and anna.vault.device_id in dump
    words: set[str] = set()
    for r in anna.db.query("SELECT name, street FROM households"):
        words.update(w for w in re.split(r"\W+", f"{r[0]} {r[1]}") if len(w) >= 4)
    for r in anna.db.query("SELECT first_name, last_name FROM persons"):
        words.update(w for w in (r[0], r[1]) if w and len(w) >= 4)
    for r in anna.db.query("SELECT text FROM contact_notes"):
        words.update(w for w in re.split(r"\W+", r[0]) if len(w) >= 7)
    assert len(words) > 40
    schema = pg_dump(hub, "--schema-only")  # e.g. the role name "Teilhabemanagement"
    found = sorted(w for w in words if w in dump and w not in schema)
    assert found == []


def test_a_change_altered_at_the_hub_is_quarantined_by_its_receiver(
        hub: Hub, devices: Devices) -> None:
    anna, ben, _lea = _team(hub, devices)
    hid = new_household(anna, "Arslan", assigned=ben.vault.owner_id)
    visits = [log_visit(anna, hid, f"Beobachtung {i}") for i in range(5)]
    client.sync_vault(anna)
    # The hostile administrator, with hand-written SQL: one ciphertext byte, the time,
    # the author, the record id and the key id of four visits.
    with hub.superuser() as conn:
        # one byte flipped (XOR, so it always differs from what was signed)
        conn.execute("UPDATE casework.changes SET payload = set_byte(payload, 19, "
                     "get_byte(payload, 19) # 255) WHERE entity_id = %s", (visits[0],))
        conn.execute("UPDATE casework.changes SET at = '2020-01-01T00:00:00.000000Z' "
                     "WHERE entity_id = %s", (visits[1],))
        conn.execute("UPDATE casework.changes SET actor = %s WHERE entity_id = %s",
                     (ben.vault.owner_id, visits[2]))
        conn.execute("UPDATE casework.changes SET entity_id = entity_id || 'x' "
                     "WHERE entity_id = %s", (visits[3],))
    result = client.sync_vault(ben)
    assert result.quarantined == 4
    assert [c.id for c in contacts.contacts(ben, hid)] == [visits[4]]
    assert households.get(ben, hid).name == "Arslan"
    shown = sync_service.quarantine(ben)
    assert {q.reason for q in shown} == {"CW030"}
    assert "Signatur" in shown[0].reason_text
    # Sync goes on: the next one is clean, and untouched changes keep arriving.
    log_visit(anna, hid, "Danach")
    client.sync_vault(anna)
    again = client.sync_vault(ben)
    assert (again.pulled, again.quarantined) == (1, 0)


def test_a_worker_reassigned_away_cannot_decrypt_what_is_written_afterwards(
        hub: Hub, devices: Devices) -> None:
    anna, ben, _lea = _team(hub, devices)
    hid = new_household(anna, "Lorenz", assigned=anna.vault.owner_id)
    log_visit(anna, hid, "Vor der Übergabe")
    client.sync_vault(anna)
    edit(anna, hid, assigned_worker_id=ben.vault.owner_id)  # hand-over to Ben
    client.sync_vault(anna)
    client.sync_vault(ben)
    # Ben reads the history: Anna's device sealed her key to his.
    assert [n.text for c in contacts.contacts(ben, hid) for n in c.data.notes] == [
        "Vor der Übergabe"]
    secret = log_visit(ben, hid, "Nach der Übergabe: nur für Ben")
    client.sync_vault(ben)
    client.sync_vault(anna)
    with hub.superuser() as conn:
        key_id, payload = conn.execute(
            "SELECT key_id, payload FROM casework.changes WHERE entity_id = %s",
            (secret,)).fetchone()
        sealed_for_anna = conn.execute(
            "SELECT count(*) FROM casework.wraps WHERE key_id = %s AND device = %s",
            (key_id, anna.vault.device_id)).fetchone()
    assert sealed_for_anna == (0,)
    held = [(str(r[0]), bytes(r[1])) for r in anna.db.query(
        "SELECT key_id, key FROM hub_keys WHERE scope_id = ?", (hid,))]
    assert held and key_id not in {k for k, _ in held}
    for _key_id, key in held:  # even with the ciphertext from the hub's table files
        with pytest.raises(InvalidTag):
            AESGCM(key).decrypt(bytes(payload[:12]), bytes(payload[12:]), None)
    assert secret not in [c.id for c in contacts.contacts(anna, hid)]
    # Ben hands the family back: Anna's device writes under a new key now, because her old
    # one was sealed to Ben, who has no access any more.
    edit(ben, hid, assigned_worker_id=anna.vault.owner_id)
    client.sync_vault(ben)
    client.sync_vault(anna)
    again = log_visit(anna, hid, "Wieder bei Anna")
    client.sync_vault(anna)
    client.sync_vault(ben)
    with hub.superuser() as conn:
        [(later_key,)] = conn.execute("SELECT key_id FROM casework.changes "
                                      "WHERE entity_id = %s", (again,)).fetchall()
    assert later_key not in {str(r[0]) for r in ben.db.query("SELECT key_id FROM hub_keys")}
    assert again not in [c.id for c in contacts.contacts(ben, hid)]


def test_approvals_signed_on_one_device_verify_in_vault_check_on_another(
        hub: Hub, devices: Devices) -> None:
    lea, max_ = devices.open(0), devices.open(2)
    hub.add_worker("lea", role=WorkerRole.LEITUNG, worker_id=lea.vault.owner_id, team="Nord")
    hub.add_worker("max", role=WorkerRole.LEITUNG, worker_id=max_.vault.owner_id, team="Süd")
    for s, login in ((lea, "lea"), (max_, "max")):
        enrol(hub, s, login)
        client.sync_vault(s)
    hid = new_household(lea, "Zimmermann", assigned=lea.vault.owner_id)
    with lea.db.transaction():  # first pair of eyes: proposed and signed on Lea's laptop
        request = retention_store.insert_deletion_request(lea.writer(), hid, "regel", None,
                                                          "frist", "")
        persons.sign_act(lea, persons.authorize(lea, PASSPHRASE), "retention.propose",
                         "deletion_request", request)
    client.sync_vault(lea)
    client.sync_vault(max_)
    with max_.db.transaction():  # second pair of eyes on Max's laptop
        approval = retention_store.insert_deletion_approval(max_.writer(), request,
                                                            DeletionApproval.APPROVED)
        persons.sign_act(max_, persons.authorize(max_, PASSPHRASE), "retention.approve",
                         "deletion_approval", approval)
    client.sync_vault(max_)
    client.sync_vault(lea)
    for s in (lea, max_):
        report = session_service.check(s)
        assert report.problems == (), report.problems
        assert report.signatures == 2
    assert lea.db.scalar("SELECT count(*) FROM signature_vaults") == 1  # Max's, kept


def test_a_device_key_swapped_at_the_hub_is_shown_and_not_trusted_until_confirmed(
        hub: Hub, devices: Devices) -> None:
    anna, ben, lea = _team(hub, devices)
    hid = new_household(anna, "Arslan", assigned=ben.vault.owner_id)
    client.sync_vault(anna)
    client.sync_vault(ben)
    # The administrator puts his own key pair in place of Anna's device keys, then
    # "writes as Anna" with it.
    fake = crypto.new_private_keys()
    enc, sign = crypto.public_keys(fake)
    with hub.superuser() as conn:
        conn.execute("UPDATE casework.devices SET enc_public = %s, sign_public = %s "
                     "WHERE id = %s", (enc, sign, anna.vault.device_id))
    with pytest.raises(UserError, match="andere Schlüssel"):  # Anna's app notices
        client.sync_vault(anna)
    forged = log_visit(anna, hid, "untergeschoben")
    with anna.db.transaction():  # sealed with the administrator's key instead of Anna's
        anna.db.execute("UPDATE sync_state SET value = ? WHERE key = 'hub_device_key'",
                        (base64.b64encode(bytes(fake)).decode("ascii"),))
    client.sync_vault(anna)
    result = client.sync_vault(ben)
    assert result.quarantined == 1
    assert forged not in [c.id for c in contacts.contacts(ben, hid)]
    [shown] = [k for k in sync_service.device_keys(ben) if k.device_id == anna.vault.device_id]
    assert shown.changed_to == hub_device_keys.key_fingerprint(enc, sign)
    assert "geändert" in shown.status and shown.fingerprint != shown.changed_to
    listed = run_cli("team", "liste", "--vault", str(ben.vault.folder))
    assert listed.returncode == 0, listed.stderr
    assert f"{shown.fingerprint}\tSchlüssel geändert auf {shown.changed_to}" in listed.stdout
    # The Leitung confirms only the fingerprint she compared with Anna; a wrong one fails.
    with pytest.raises(UserError, match="Fingerabdruck"):
        sync_service.confirm_device_key(lea, persons.authorize(lea, PASSPHRASE),
                                        anna.vault.device_id, "0000 1111")
    client.sync_vault(lea)
    [real] = [k for k in sync_service.device_keys(lea) if k.device_id == anna.vault.device_id]
    sync_service.confirm_device_key(lea, persons.authorize(lea, PASSPHRASE),
                                    anna.vault.device_id[-8:], real.fingerprint)
    [done] = [k for k in sync_service.device_keys(lea) if k.device_id == anna.vault.device_id]
    assert done.confirmed and done.fingerprint == real.fingerprint
    assert session_service.check(lea).signatures >= 1
    # Had Anna really got a new key, the Leitung would confirm the new fingerprint after
    # comparing it with her: that confirmation travels, and Ben's device takes the key.
    sync_service.confirm_device_key(lea, persons.authorize(lea, PASSPHRASE),
                                    anna.vault.device_id, shown.changed_to)
    client.sync_vault(lea)
    client.sync_vault(ben)
    [taken] = [k for k in sync_service.device_keys(ben) if k.device_id == anna.vault.device_id]
    assert (taken.fingerprint, taken.confirmed, taken.changed_to) == (shown.changed_to, True,
                                                                      None)
    assert session_service.check(ben).problems == ()


def test_changes_whose_key_has_not_arrived_wait_sealed_and_apply_once_it_has(
        hub: Hub, devices: Devices, monkeypatch: pytest.MonkeyPatch) -> None:
    anna, ben, _lea = _team(hub, devices)
    hid = new_household(anna, "Arslan", assigned=ben.vault.owner_id)
    log_visit(anna, hid, "Erster Besuch")
    with monkeypatch.context() as m:  # Anna's laptop goes offline right after its push
        m.setattr(client, "share_keys", lambda session, conn: 0)
        client.sync_vault(anna)
    first = client.sync_vault(ben)
    assert (first.pulled, first.quarantined) == (0, 0)
    assert households.count(ben) == 0
    assert sync_service.locked_count(ben) == 2 == sync_service.status(ben).locked
    assert ben.db.scalar("SELECT count(*) FROM sync_locked WHERE sealed LIKE '%Arslan%'") == 0
    client.sync_vault(anna)  # back online: seals her key to Ben's device
    second = client.sync_vault(ben)
    assert (second.pulled, second.quarantined) == (2, 0)
    assert households.get(ben, hid).name == "Arslan"
    assert sync_service.locked_count(ben) == 0


def test_a_directory_revision_without_its_leitung_signature_is_not_applied(
        hub: Hub, devices: Devices) -> None:
    from casework.models.ids import new_id
    from casework.services.directory import vault_profile as directory

    anna, _ben, lea = _team(hub, devices)
    before = directory.active_profile(anna)
    # The Leitung's modified app sends a revision but not the signed act behind it.
    unsigned = {"change_id": new_id(), "entity": "directory", "entity_id": new_id(),
                "op": "insert", "hlc": f"1900000000000.000000.{lea.vault.device_id}",
                "fields": {"profile_name": lea.profile_name, "revision": 99, "source": "edit",
                           "data": directory.canonical_json(directory.active_profile(lea))
                           .replace("Jugendamt", "Fälschung")}}
    with hub.connect_device(lea) as conn:
        assert conn.execute("SELECT * FROM casework.casework_push(%s::jsonb)",
                            (json.dumps(seal(lea, [unsigned])),)).fetchall() == []
        client.share_keys(lea, conn)
    client.sync_vault(anna)
    assert directory.active_profile(anna) == before
    assert anna.db.scalar("SELECT count(*) FROM sync_parked") == 1
    # A signed edit by the Leitung is applied everywhere.
    directory.remove_emergency_contact(lea, 0, auth=persons.authorize(lea, PASSPHRASE))
    client.sync_vault(lea)
    client.sync_vault(anna)
    assert directory.active_profile(anna).emergency_contacts == \
        directory.active_profile(lea).emergency_contacts != before.emergency_contacts
