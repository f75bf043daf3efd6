"""Property: random interleavings of offline edits and syncs on three devices converge to
identical vault contents, every concurrent same-field edit is a visible conflict, and no
change is lost."""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from casework.services import contacts
from casework.services import hub as sync_service
from casework.services.households import households
from casework.services.session import Session
from casework.sync import client
from tests.hub.conftest import Cluster, Devices, Hub, enrol, make_hub
from tests.hub.helpers import change_ids, edit, log_visit, new_household, snapshot

FIELDS = ("street", "risks")


@dataclass
class Trio:
    hub: Hub
    devices: list[Session]
    counter: Iterator[int] = field(default_factory=itertools.count)

    def sync(self, i: int) -> None:
        self.devices[i].clock.advance(timedelta(seconds=1))  # type: ignore[attr-defined]
        client.sync_vault(self.devices[i])


@pytest.fixture
def trio(pg_cluster: Cluster, _device_templates: list[Path], tmp_path: Path) -> Iterator[Trio]:
    """One worker with three laptops, kept for all examples (each example works on a new
    household, and every example ends with the devices converged)."""
    hub = make_hub(pg_cluster)
    opener = Devices(_device_templates, tmp_path)
    sessions = [opener.open(i) for i in range(3)]
    first = sessions[0]
    hub.add_worker("kim", worker_id=first.vault.owner_id, display="Anna Beispiel")
    for s in sessions:
        enrol(hub, s, "kim")
    t = Trio(hub, sessions)
    for i in (0, 1, 2, 0, 1):
        t.sync(i)
    yield t
    opener.close_all()


operations = st.lists(
    st.one_of(
        st.tuples(st.just("edit"), st.integers(0, 2), st.sampled_from(FIELDS)),
        st.tuples(st.just("edit"), st.integers(0, 2), st.sampled_from(FIELDS)),
        st.tuples(st.just("visit"), st.integers(0, 2), st.just("")),
        st.tuples(st.just("sync"), st.integers(0, 2), st.just("")),
        st.tuples(st.just("sync"), st.integers(0, 2), st.just("")),
    ),
    min_size=3, max_size=16)


@settings(max_examples=15, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(ops=operations)
def test_random_interleavings_converge_with_every_concurrent_edit_a_conflict(
        trio: Trio, ops: list[tuple[str, int, str]]) -> None:
    devices = trio.devices
    hid = new_household(devices[0], f"Familie {next(trio.counter)}")
    for i in (0, 1, 2):
        trio.sync(i)

    # Model of who has seen what: the hub holds what any device pushed; a device knows
    # its own edits and everything the hub had when it last pulled. A local edit
    # supersedes the version the device showed (highest version among its heads).
    initial = households.get(devices[0], hid).data
    hlc_of: dict[str, str] = {}
    edits: dict[str, tuple[str, frozenset[str]]] = {}  # value → (field, edits it saw)
    bases: dict[str, set[str]] = {}
    for name in FIELDS:
        start = getattr(initial, name)
        edits[start] = (name, frozenset())
        hlc_of[start] = ""
        bases[start] = set()
    hub_has: set[str] = set()
    known: list[set[str]] = [set(edits), set(edits), set(edits)]
    visits = 0

    def heads(values: set[str], name: str) -> set[str]:
        mine = {v for v in values if edits[v][0] == name}
        return mine - set().union(*(bases[v] for v in mine))

    for kind, d, name in ops:
        devices[d].clock.advance(timedelta(seconds=1))  # type: ignore[attr-defined]
        if kind == "edit":
            value = f"{name}-{next(trio.counter)}"
            seen = frozenset(v for v in known[d] if edits[v][0] == name)
            shown = max(heads(known[d], name), key=lambda v: hlc_of[v])
            edit(devices[d], hid, **{name: value})
            hlc_of[value] = str(devices[d].db.scalar(
                "SELECT hlc FROM changelog ORDER BY seq DESC LIMIT 1"))
            edits[value] = (name, seen)
            bases[value] = {shown}
            known[d].add(value)
        elif kind == "visit":
            log_visit(devices[d], hid, f"Besuch {next(trio.counter)}")
            visits += 1
        else:
            trio.sync(d)
            hub_has |= known[d]
            known[d] |= hub_has
    for i in (0, 1, 2, 0, 1):
        trio.sync(i)

    # Identical vault contents everywhere, no change lost.
    first = snapshot(devices[0])
    assert snapshot(devices[1]) == first
    assert snapshot(devices[2]) == first
    everything = change_ids(devices[0]) | change_ids(devices[1]) | change_ids(devices[2])
    for s in devices:
        assert change_ids(s) == everything
        assert sync_service.status(s).pending == 0
        assert len(contacts.contacts(s, hid)) == visits

    # Conflicts: exactly the fields with two edits that did not see each other, showing
    # exactly the versions nobody superseded; the highest version is shown.
    for name in FIELDS:
        on_field = [v for v, (f, _) in edits.items() if f == name and hlc_of[v]]
        concurrent = any(a not in edits[b][1] and b not in edits[a][1]
                         for a, b in itertools.combinations(on_field, 2))
        expected = heads(set(edits), name)
        assert concurrent == (len(expected) > 1), (name, ops)
        for s in devices:
            found = [c for c in sync_service.conflicts(s, hid) if c.field == name]
            shown = getattr(households.get(s, hid).data, name)
            assert shown == max(expected, key=lambda v: hlc_of[v])
            if concurrent:
                assert len(found) == 1, (name, ops)
                assert {h.value for h in found[0].heads} == expected
                assert {h.actor_name for h in found[0].heads} == {"Anna Beispiel"}
            else:
                assert found == [], (name, ops)
