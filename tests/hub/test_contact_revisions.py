"""Corrections and addenda of contacts travel through the hub like the contact itself:
the receiving device shows the corrected wording, keeps the earlier one readable and
finds the corrected words in note search (issue 18)."""

from __future__ import annotations

from datetime import timedelta

from casework.models.contacts import AddendumDraft, CorrectionDraft, NoteEntry, NoteKind
from casework.models.ids import ContactId
from casework.services import contacts, contacts_corrections
from casework.sync import client
from tests.hub.conftest import Devices, Hub, enrol
from tests.hub.helpers import log_visit, new_household, snapshot


def test_a_correction_reaches_the_other_device_with_the_earlier_wording(
        hub: Hub, devices: Devices) -> None:
    a = devices.open(0)
    b = devices.open(1)
    hub.add_worker("anna", worker_id=a.vault.owner_id, team="Nord", display="Anna Beispiel")
    hub.add_worker("ben", worker_id=b.vault.owner_id, team="Nord", display="Ben Muster")
    enrol(hub, a, "anna")
    enrol(hub, b, "ben")
    for device in (a, b, a):
        client.sync_vault(device)
    hid = new_household(a, "Yilmaz", assigned=b.vault.owner_id)
    cid = ContactId(log_visit(a, hid, "Der Vater wirkte betrunken"))
    a.clock.advance(timedelta(minutes=10))  # type: ignore[attr-defined]
    # Contact, correction and addendum arrive in one batch on the other device.
    contacts_corrections.correct(a, cid, CorrectionDraft(
        (NoteEntry(NoteKind.BEOBACHTUNG, "Der Onkel wirkte übermüdet"),), "Person verwechselt"))
    contacts_corrections.add_addendum(a, cid, AddendumDraft("Onkel wohnt nicht im Haushalt."))
    assert client.sync_vault(a).pushed == 4
    assert client.sync_vault(b).pulled == 4
    shown = contacts.get(b, cid)
    assert [n.text for n in shown.data.notes] == ["Der Onkel wirkte übermüdet"]
    assert [n.text for n in shown.original_notes] == ["Der Vater wirkte betrunken"]
    assert [r.reason for r in shown.corrections] == ["Person verwechselt"]
    assert [r.text for r in shown.addenda] == ["Onkel wohnt nicht im Haushalt."]
    assert [h.contact_id for h in contacts.search_notes(b, "übermüdet")] == [cid]
    assert contacts.search_notes(b, "betrunken") == []
    assert snapshot(a)["contact_notes"] == snapshot(b)["contact_notes"]
