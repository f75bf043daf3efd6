"""The contact counts of a report period that is not made of whole months (read from the
contacts, not from the facts tables) go through an index, never through the table
(m0059 took the household out of the report index: 90 → 52 bytes per contact), and
read no contact row (m0081: the view `contacts` would look up every row's keys)."""

from __future__ import annotations

from datetime import timedelta

from casework.models.contacts import ContactDraft, ContactType
from casework.reports.period import window
from casework.services import contacts
from casework.storage import reports


def test_a_free_period_counts_contacts_and_households_through_indexes(session, family) -> None:
    today = session.clock.now()
    for days in (3, 10, 40):
        contacts.log_contact(session, family, ContactDraft(
            today - timedelta(days=days), ContactType.HAUSBESUCH))
    local = today.date()
    w = window(local - timedelta(days=20), local)  # not whole months: read from contacts
    assert reports.facts_months(session.db, w) is None
    statements: list[str] = []
    session.db.conn.set_trace_callback(statements.append)
    try:
        assert reports.contacts_total(session.db, w) == 2
        assert reports.contacts_of_type(session.db, w, ContactType.HAUSBESUCH.value) == 2
        by_month = reports.contacts_by_type_month(
            session.db, [("x", w.start_utc, w.end_utc)], [ContactType.TELEFONAT.value])
        assert by_month == {(ContactType.HAUSBESUCH.value, "x"): 2}
        assert sum(reports.households_reached(session.db, w).values()) == 1
    finally:
        session.db.conn.set_trace_callback(None)
    reading = [s for s in statements if "contacts" in s or "contact_rows" in s]
    assert len(reading) >= 4
    for statement in reading:
        plan = " ".join(str(r[3]) for r in session.db.query("EXPLAIN QUERY PLAN " + statement))
        assert "SCAN contact_rows" not in plan and "SCAN c " not in plan \
            and "SCAN p " not in plan, (statement, plan)
        # Covering: the counts never read a contact row.
        assert ("COVERING INDEX contacts_report" in plan
                or "COVERING INDEX contacts_household" in plan), (statement, plan)
