"""A connection cut anywhere (backend killed, server stopped) leaves both sides consistent,
and the next sync completes."""

from __future__ import annotations

import pytest

from casework.errors import UserError
from casework.services import hub as sync_service
from casework.services.households import households
from casework.services.session import Session
from casework.sync import client
from tests.hub.conftest import Devices, Hub, team_of_two
from tests.hub.helpers import change_ids, log_visit, new_household, snapshot


def _kill(hub: Hub, session: Session) -> None:
    with hub.superuser() as conn:
        killed = conn.execute(
            "SELECT count(pg_terminate_backend(a.pid)) FROM pg_stat_activity a "
            "JOIN casework.devices d ON d.login = a.usename "
            "WHERE d.id = %s AND a.application_name = 'casework'",
            (session.vault.device_id,)).fetchone()
    assert killed == (1,)


def _hub_count(hub: Hub) -> int:
    with hub.superuser() as conn:
        row = conn.execute("SELECT count(*) FROM casework.changes").fetchone()
    assert row is not None
    return int(row[0])


def test_backend_killed_between_push_and_pull(hub: Hub, devices: Devices) -> None:
    a, b = team_of_two(hub, devices)
    hid = new_household(b, "Lange", assigned=a.vault.owner_id)
    client.sync_vault(b)
    new_household(a, "Krause", assigned=b.vault.owner_id)
    cursor_before = sync_service.cursor(a)

    def cut(stage: str, count: int) -> None:
        if stage == "pushed":
            _kill(hub, a)

    with pytest.raises(UserError, match="unterbrochen"):
        client.sync_vault(a, progress=cut)
    # The push was committed and acknowledged; nothing of the pull was applied.
    assert sync_service.status(a).pending == 0
    assert sync_service.cursor(a) == cursor_before
    assert hid not in households.list_ids(a)
    result = client.sync_vault(a)
    assert (result.pushed, result.pulled) == (0, 1)
    assert households.get(a, hid).name == "Lange"


def test_backend_killed_in_the_middle_of_a_pull_and_of_a_push(
        hub: Hub, devices: Devices, monkeypatch: pytest.MonkeyPatch) -> None:
    a, b = team_of_two(hub, devices)
    hid = new_household(b, "Vogel", assigned=a.vault.owner_id)
    for i in range(5):
        log_visit(b, hid, f"Besuch {i}")
    monkeypatch.setattr(client, "PUSH_BATCH", 2)
    monkeypatch.setattr(client, "PULL_PAGE", 2)

    def cut_push(stage: str, count: int) -> None:
        if stage == "push" and count == 2:  # after the first of three batches
            _kill(hub, b)

    before = _hub_count(hub)
    with pytest.raises(UserError, match="unterbrochen"):
        client.sync_vault(b, progress=cut_push)
    assert _hub_count(hub) == before + 2
    assert sync_service.status(b).pending == 4
    client.sync_vault(b)
    assert _hub_count(hub) == before + 6
    assert sync_service.status(b).pending == 0

    snapshot_before = snapshot(a)
    cursor_before = sync_service.cursor(a)

    def cut_pull(stage: str, count: int) -> None:
        if stage == "pull" and count == 2:  # first page received, more to come
            _kill(hub, a)

    with pytest.raises(UserError, match="unterbrochen"):
        client.sync_vault(a, progress=cut_pull)
    # Page-wise: the first page is applied together with its cursor, nothing of the
    # second page (a page is all or nothing).
    assert sync_service.cursor(a) != cursor_before
    assert snapshot(a) != snapshot_before
    assert len(change_ids(a)) == 2 and change_ids(a) <= change_ids(b)
    result = client.sync_vault(a)
    assert result.pulled == 4
    assert snapshot(a) == snapshot(b)


def test_server_stopped_mid_sync_then_restarted(hub: Hub, devices: Devices) -> None:
    a, b = team_of_two(hub, devices)
    hid = new_household(b, "Roth", assigned=a.vault.owner_id)
    client.sync_vault(b)
    log_visit(a, new_household(a, "Fuchs"), "offline erfasst")
    own_before = change_ids(a)

    def stop(stage: str, count: int) -> None:
        if stage == "pushed":
            hub.cluster.stop("immediate")  # crash: no clean shutdown

    try:
        with pytest.raises(UserError):
            client.sync_vault(a, progress=stop)
        with pytest.raises(UserError, match="nicht erreichbar"):
            client.sync_vault(a)  # offline: the app keeps working
        assert change_ids(a) == own_before
    finally:
        hub.cluster.start()
    result = client.sync_vault(a)
    assert result.pulled == 1
    assert households.get(a, hid).name == "Roth"
    assert sync_service.status(a).pending == 0
    # What the hub acknowledged before the crash is still there.
    with hub.superuser() as conn:
        at_hub = {r[0] for r in conn.execute("SELECT change_id FROM casework.changes")}
    own = {r[0] for r in a.db.query("SELECT change_id FROM changelog WHERE device = ? "
                                    "AND entity <> 'worker'", (a.vault.device_id,))}
    assert own <= at_hub
