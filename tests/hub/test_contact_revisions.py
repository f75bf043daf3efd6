"""Corrections and addenda of contacts travel through the hub like the contact itself:
the receiving device shows the corrected wording, keeps the earlier one readable and
finds the corrected words in note search (issue 18)."""

from __future__ import annotations

from datetime import timedelta

from casework.models.contacts import AddendumDraft, CorrectionDraft, NoteEntry, NoteKind
from casework.models.ids import ContactId
from casework.services import contacts, contacts_corrections
from casework.sync import client
from tests.hub.conftest import Devices, Hub, team_of_two
from tests.hub.helpers import log_visit, new_household, snapshot


def test_a_correction_reaches_the_other_device_with_the_earlier_wording(
        hub: Hub, devices: Devices) -> None:
    a, b = team_of_two(hub, devices)
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
    # the Nachtrag is found on the receiving device too, with its snippet
    assert [(h.contact_id, h.snippet) for h in contacts.search_notes(b, "haushal")] == [
        (cid, "[Nachtrag] Onkel wohnt nicht im Haushalt.")]
    assert snapshot(a)["contact_notes"] == snapshot(b)["contact_notes"]


def test_a_corrected_date_and_type_reach_the_other_device_with_the_earlier_values(
        hub: Hub, devices: Devices) -> None:
    """Date, type and next step are corrected through the same `contact_revision` kind
    (with its `fields`/`previous_fields`) plus the contact's own update: the other device
    shows the corrected values and keeps the earlier ones readable (issue 18)."""
    from casework.clock import BERLIN
    from casework.models.contacts import ContactType, revision_lines

    a, b = team_of_two(hub, devices)
    hid = new_household(a, "Yilmaz", assigned=b.vault.owner_id)
    cid = ContactId(log_visit(a, hid, "Gespräch über die Kita"))
    client.sync_vault(a)
    client.sync_vault(b)
    before = contacts.get(b, cid).data
    a.clock.advance(timedelta(minutes=10))  # type: ignore[attr-defined]
    moment = before.occurred_at.astimezone(BERLIN).replace(hour=8, minute=15)
    contacts_corrections.correct(a, cid, CorrectionDraft(
        before.notes, "war ein Anruf am Morgen", occurred_at=moment,
        type=ContactType.TELEFONAT, next_steps="Kita-Platz beantragen"))
    assert client.sync_vault(a).pushed == 2  # the correction and the contact's update
    assert client.sync_vault(b).pulled == 2
    shown = contacts.get(b, cid)
    assert shown.data.type is ContactType.TELEFONAT
    assert shown.data.occurred_at == moment
    assert shown.data.next_steps == "Kita-Platz beantragen"
    assert [n.text for n in shown.data.notes] == ["Gespräch über die Kita"]
    (correction,) = shown.corrections
    assert correction.previous_fields["type"] == before.type.value
    assert f"  Art: {before.type.value}" in revision_lines(shown)
    assert snapshot(a)["contacts"] == snapshot(b)["contacts"]
    query = "SELECT id, fields, previous_fields FROM contact_revisions ORDER BY id"
    assert [tuple(r) for r in a.db.query(query)] == [tuple(r) for r in b.db.query(query)]
