"""Contacts arriving by sync keep the Jahresbericht's contact facts (m0045) of the
receiving device exact: the triggers run for the applied rows as for local ones."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from casework.clock import BERLIN
from casework.models.contacts import (
    ContactDraft,
    ContactType,
    CorrectionDraft,
    NoteEntry,
    NoteKind,
)
from casework.models.ids import ContactId, HouseholdId
from casework.services import contacts, contacts_corrections
from casework.sync import client
from tests.hub.conftest import Devices, Hub, team_of_two
from tests.hub.helpers import log_visit, new_household
from tests.reports.facts_check import assert_facts_match


def test_synced_contacts_and_corrections_keep_the_report_facts_exact(
        hub: Hub, devices: Devices) -> None:
    a, b = team_of_two(hub, devices)
    hid = new_household(a, "Yilmaz", assigned=b.vault.owner_id)
    log_visit(a, hid, "Gespräch über die Kita")
    # On the local New Year boundary: 23:00 UTC belongs to the new year.
    new_year = datetime(a.clock.now().year, 1, 1, tzinfo=BERLIN).astimezone(UTC)
    cid, _ = contacts.log_contact(a, HouseholdId(hid), ContactDraft(
        occurred_at=new_year, type=ContactType.BERATUNG, duration_min=20,
        notes=(NoteEntry(NoteKind.BEOBACHTUNG, "Neujahr"),)))
    client.sync_vault(a)
    client.sync_vault(b)
    facts = assert_facts_match(b.db)
    assert facts == assert_facts_match(a.db)
    assert facts[0][(hid, new_year.astimezone(BERLIN).year)] == 2
    # A correction one microsecond earlier moves the contact into the previous year.
    a.clock.advance(timedelta(minutes=10))  # type: ignore[attr-defined]
    contacts_corrections.correct(a, ContactId(cid), CorrectionDraft(
        (NoteEntry(NoteKind.BEOBACHTUNG, "Neujahr"),), "Uhrzeit verwechselt",
        occurred_at=new_year - timedelta(microseconds=1), type=ContactType.TELEFONAT))
    client.sync_vault(a)
    client.sync_vault(b)
    facts = assert_facts_match(b.db)
    assert facts == assert_facts_match(a.db)
    assert facts[0][(hid, new_year.astimezone(BERLIN).year - 1)] == 1
