"""The reached-households set is computed once per report, and never served stale."""

from __future__ import annotations

from datetime import date, timedelta

from casework.models.contacts import ContactDraft, ContactType
from casework.reports.period import window
from casework.services import contacts
from casework.storage import reports as q
from tests.conftest import add_family


def test_reached_set_is_reused_but_follows_new_contacts(session, family, clock) -> None:
    w = window(date(2026, 1, 1), date(2026, 12, 31))
    contacts.log_contact(session, family, ContactDraft(clock.now() - timedelta(days=3),
                                                       ContactType.HAUSBESUCH))
    assert sum(q.households_reached(session.db, w).values()) == 1
    before = session.db.scalar("SELECT key FROM temp.report_reached_window")
    assert sum(q.households_reached(session.db, w).values()) == 1
    assert session.db.scalar("SELECT key FROM temp.report_reached_window") == before  # reused
    other = add_family(session, "Zweitfamilie")
    contacts.log_contact(session, other, ContactDraft(clock.now() - timedelta(days=1),
                                                      ContactType.TELEFONAT))
    assert sum(q.households_reached(session.db, w).values()) == 2
    persons = q.persons_reached(session.db, w)
    assert sum(persons.values()) == 4  # two members in each family
