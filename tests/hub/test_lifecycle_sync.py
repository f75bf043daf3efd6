"""The case-life record kinds (issue 20) go through the change log and reach the
assigned worker's device through a real PostgreSQL hub, with the hub's kind checks."""

from __future__ import annotations

from datetime import datetime

from casework.clock import BERLIN
from casework.models.appointments import AppointmentDraft
from casework.models.goals import EntryKind, GoalDraft
from casework.models.households.lifecycle import ClosureEventKind, ClosureReason
from casework.services import appointments, goals
from casework.services.households import households, lifecycle
from casework.sync import client
from tests.hub.conftest import Devices, Hub, team_of_two
from tests.hub.helpers import new_household


def test_appointments_goals_and_closure_reach_the_assigned_worker(
        hub: Hub, devices: Devices) -> None:
    a, b = team_of_two(hub, devices)
    hid = new_household(a, "Yilmaz", assigned=b.vault.owner_id)
    aid, _ = appointments.create(a, AppointmentDraft(
        hid, datetime(2026, 11, 24, 9, 0, tzinfo=BERLIN), topic="Kita-Anmeldung"))
    gid, _ = goals.create(a, GoalDraft(hid, "Kita-Platz für Emre bis Februar finden"))
    goals.add_entry(a, gid, EntryKind.FORTSCHRITT, "Anmeldung abgegeben", rating=3)
    appointments.cancel(a, aid, "Familie krank")
    lifecycle.close(a, hid, ClosureReason.UMZUG, "nach Essen", confirm_warnings=True)
    pushed = client.sync_vault(a)
    assert pushed.pushed >= 7
    client.sync_vault(b)
    assert [x.data.topic for x in appointments.for_household(b, hid)] == ["Kita-Anmeldung"]
    assert appointments.get(b, aid).cancel_reason == "Familie krank"
    goal = goals.get(b, gid)
    assert goal.entries[0].text == "Anmeldung abgegeben" and goal.last_rating == 3
    assert [e.kind for e in lifecycle.closure_history(b, hid)] == [
        ClosureEventKind.ABGESCHLOSSEN]
    assert households.get(b, hid).data.status.value == "abgeschlossen"
