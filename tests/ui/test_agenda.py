"""Heute shows overdue § 8a steps prominently, above everything else."""

from __future__ import annotations

from datetime import timedelta

from casework.models.kinderschutz.vocabulary import State
from casework.services.kinderschutz import procedures as ks
from tests.conftest import add_family
from tests.services.kinderschutz.support import child_ids, observe


def test_overdue_child_protection_step_is_prominent_on_heute(qtbot, unlocked, clock) -> None:
    ctx = unlocked.ctx
    session = ctx.session
    family = add_family(session, "Sonnenblum")
    pid, _ = ks.open_procedure(session, family, child_ids(session, family))
    observe(session, pid)
    ks.transition(session, pid, State.S1)
    unlocked.idle.stop()  # three days later is not three days of idleness
    clock.advance(timedelta(days=3))
    screen = unlocked.workspace.show_page("heute")
    screen.reload()
    qtbot.waitUntil(lambda: not screen.loading)
    assert screen.agenda_alert.isVisible()
    alert = screen.agenda_alert.text()
    assert alert.endswith("– bitte zuerst bearbeiten.")
    assert ("1 überfälliger Schritt in einem Kinderschutzverfahren" in alert
            or "überfällige Schritte in Kinderschutzverfahren" in alert)
    first = [screen.agenda_model.index(0, c).data() for c in range(5)]
    assert first[0] == "überfällig"  # the group heading
    assert first[1] == "Kinderschutz § 8a"
    assert first[3] == "Sonnenblum (Ayşe) · Gärtnerstr. 12"
    with qtbot.waitSignal(ctx.household_requested, timeout=2000) as opened:
        screen._open(screen.agenda, 0)
    assert opened.args == [family, "kinderschutz"]  # the reminder leads to the procedure


def test_issue18_many_old_follow_ups_newest_first_and_done_in_bulk(
        qtbot, unlocked, session, clock, message_log) -> None:
    """93 follow-ups from long ago are no to-do list: the newest overdue come first, and
    the old ones can be marked done together after a question (No does nothing)."""
    from datetime import date, datetime

    from casework.clock import BERLIN
    from casework.models.contacts import ContactDraft, ContactType
    from casework.services import contacts

    family = add_family(session, "Altlast")
    today = clock.now().astimezone(BERLIN).date()
    for n in range(1, 13):  # due 10, 20, … 120 days ago
        contacts.log_contact(session, family, ContactDraft(
            occurred_at=datetime(2026, 1, 5, 9, 0, tzinfo=BERLIN),
            type=ContactType.TELEFONAT, duration_min=10, next_steps=f"Schritt {n}",
            follow_up=today - timedelta(days=10 * n)))
    screen = unlocked.workspace.show_page("heute")
    screen.reload()
    qtbot.waitUntil(lambda: not screen.loading)
    dues = screen.follow_up_due
    assert dues == sorted(dues, reverse=True) and dues[0] == today - timedelta(days=10)
    assert screen.select_older_than(30) == 9  # 40 … 120 days ago
    message_log.confirm_answer = False
    assert not screen.complete_selected()
    assert screen.follow_up_model.rowCount() == 12  # nothing happened
    assert ("confirm", "Wiedervorlagen erledigt",
            "9 Wiedervorlagen als erledigt markieren? Sie verschwinden aus der Liste; die "
            "Kontakte bleiben unverändert in der Akte.") in message_log.shown
    message_log.confirm_answer = True
    assert screen.complete_selected()
    qtbot.waitUntil(lambda: screen.follow_up_model.rowCount() == 3)
    assert screen.follow_up_model.rowCount() == 3
    assert unlocked.ctx.last_confirmation == "9 Wiedervorlagen als erledigt markiert."
    assert isinstance(dues[0], date)
