"""The first sync of a vault with history (a provider joining the hub with years of data):
the push streams in bounded batches (own history is folded batch by batch, never all at
once), and it is resumable: cancelled after a batch, the next sync continues, and the hub
holds every change exactly once."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest

from casework.services import hub as sync_service
from casework.services import session as session_service
from casework.services.session import Session
from casework.storage import hub_outbox
from casework.sync import client
from tests.conftest import PASSPHRASE
from tests.hub.conftest import Devices, Hub, enrol
from tests.hub.helpers import change_ids, edit, log_visit, new_household, snapshot

BATCH = 4


def _history(session: Session, households: int, visits: int) -> None:
    """Written before the vault knows any hub (nothing folded for sync yet)."""
    for i in range(households):
        hid = new_household(session, f"Familie Vorher {i}")
        for j in range(visits):
            log_visit(session, hid, f"Besuch {i}/{j}")


def _hub_changes(hub: Hub, session: Session) -> list[str]:
    with hub.superuser() as conn:
        return [str(r[0]) for r in conn.execute(
            "SELECT change_id FROM casework.changes WHERE device = %s",
            (session.vault.device_id,)).fetchall()]


def _joined(hub: Hub, devices: Devices) -> Session:
    a = devices.open(0)
    _history(a, households=3, visits=3)
    hub.add_worker("anna", worker_id=a.vault.owner_id, display="Anna Beispiel")
    enrol(hub, a, "anna")
    return a


def test_first_push_streams_own_history_in_bounded_batches(
        hub: Hub, devices: Devices, monkeypatch: pytest.MonkeyPatch) -> None:
    a = _joined(hub, devices)
    total = sync_service.status(a).pending
    assert total >= 12
    monkeypatch.setattr(client, "PUSH_BATCH", BATCH)
    folded: list[int] = []
    real_fold = hub_outbox.catch_up_local

    def fold(db: Any, device: str, limit: int | None = None, parsed: Any = None) -> int:
        count = real_fold(db, device, limit, parsed)
        folded.append(count)
        return count

    monkeypatch.setattr(hub_outbox, "catch_up_local", fold)
    sent: list[int] = []
    real_send = client._send

    def send(conn: Any, batch: Any) -> Any:
        sent.append(len(batch.sent))
        return real_send(conn, batch)

    monkeypatch.setattr(client, "_send", send)
    result = client.sync_vault(a)
    synced = len(change_ids(a))  # the person row stays (the hub's roster decides roles)
    assert (result.pushed, result.refused) == (synced, 0)
    # Every hub call carried at most one batch, and the history was folded for sync in
    # steps of at most one batch, not all at once before the first call.
    assert sum(sent) == synced and max(sent) <= BATCH
    assert len(sent) == -(-total // BATCH)
    assert max(folded) <= BATCH and sum(folded) == total
    assert sorted(_hub_changes(hub, a)) == sorted(change_ids(a))


def test_first_push_cancelled_after_a_batch_continues_without_repeats(
        hub: Hub, devices: Devices, monkeypatch: pytest.MonkeyPatch) -> None:
    a = _joined(hub, devices)
    b = devices.open(1)
    hub.add_worker("ben", worker_id=b.vault.owner_id, display="Ben Muster")
    enrol(hub, b, "ben")
    client.sync_vault(b)  # publishes its device key
    total = sync_service.status(a).pending
    monkeypatch.setattr(client, "PUSH_BATCH", BATCH)
    acknowledged: list[int] = []

    def progress(stage: str, count: int) -> None:
        if stage == "push":
            acknowledged.append(count)

    with pytest.raises(client.Cancelled):
        client.sync_vault(a, progress=progress, cancelled=lambda: len(acknowledged) >= 1)
    # One batch reached the hub and is acknowledged; the rest waits, nothing is lost.
    assert len(acknowledged) == 1
    first = _hub_changes(hub, a)
    assert 0 < len(first) == acknowledged[0] <= BATCH
    assert sync_service.status(a).pending == total - BATCH
    result = client.sync_vault(a)
    on_hub = _hub_changes(hub, a)
    assert result.pushed == len(on_hub) - len(first)
    assert len(on_hub) == len(set(on_hub)) == len(change_ids(a))
    assert set(on_hub) == change_ids(a)
    assert sync_service.status(a).pending == 0
    # Reassigned to Ben, the household and its whole history reach his device intact.
    hid = str(a.db.scalar("SELECT id FROM households ORDER BY name LIMIT 1"))
    edit(a, hid, assigned_worker_id=b.vault.owner_id)
    client.sync_vault(a)
    client.sync_vault(b)
    got = snapshot(b)
    mine = {t: [r for r in rows if hid in r] for t, rows in snapshot(a).items()}
    assert {t: [r for r in rows if hid in r] for t, rows in got.items()} == mine
    assert len(mine["contacts"]) == 3


def test_own_pushed_changes_do_not_come_back_but_a_restored_vault_gets_them(
        hub: Hub, devices: Devices, tmp_path: Path) -> None:
    a = _joined(hub, devices)
    target = client.device_target(a)
    assert target is not None
    with client.connect(target) as conn:
        client.exchange_keys(a, conn)
        assert client.push(a, conn) == (len(change_ids(a)), 0)
        result, _ = client.pull(a, conn)
    # The whole history just sent is not sent back to the device that holds it.
    assert (result.applied, result.known, result.quarantined) == (0, 0, 0)
    assert len(sync_service.own_ranges(a)) == 1

    # A backup of the vault now; afterwards more work reaches the hub from this vault.
    folder, clock = a.vault.folder, a.clock
    a.close()
    shutil.copytree(folder, tmp_path / "backup")
    a = session_service.unlock(folder, PASSPHRASE, clock)
    devices.opened.append(a)
    hid = str(a.db.scalar("SELECT id FROM households ORDER BY name LIMIT 1"))
    visit = log_visit(a, hid, "Nach der Sicherung")
    client.sync_vault(a)
    a.close()
    # The device goes back to the backup: the visit written after it comes back from
    # the hub (own changes are left out only where this vault holds them all).
    restored = session_service.unlock(tmp_path / "backup", PASSPHRASE, clock)
    devices.opened.append(restored)
    visits = "SELECT count(*) FROM contacts WHERE id = ?"
    assert restored.db.scalar(visits, (visit,)) == 0
    outcome = client.sync_vault(restored)
    assert (outcome.pushed, outcome.pulled) == (0, 1)
    assert restored.db.scalar(visits, (visit,)) == 1
    assert restored.db.scalar("SELECT count(*) FROM contact_notes WHERE text = ?",
                              ("Nach der Sicherung",)) == 1
