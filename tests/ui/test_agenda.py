"""Heute shows overdue § 8a steps prominently, above everything else; its lists load on the
worker thread."""

from __future__ import annotations

from datetime import timedelta

from casework.models.kinderschutz.vocabulary import State
from casework.services.kinderschutz import procedures as ks
from tests.conftest import add_family
from tests.services.kinderschutz.support import child_ids, observe
from tests.ui.conftest import visible_text_blob


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


def test_heute_loads_on_the_worker_and_a_lock_stops_the_load(
        qtbot, unlocked, monkeypatch) -> None:
    """The lists are gathered on the worker thread, on a connection of its own; a lock
    while they load stops the load before it returns: its connection closed, its key
    copy zeroed, nothing of it shown."""
    import threading

    from casework.services import session as session_service
    from casework.ui import agenda

    opened: list = []
    running = threading.Event()
    open_background = session_service.open_background

    def recorded(*args):  # type: ignore[no-untyped-def]
        session = open_background(*args)
        opened.append((threading.current_thread().name, session,
                       bytes(session.vault.key_buffer)))
        return session

    def held(session, *, mine_only, week, cancel):  # type: ignore[no-untyped-def]
        running.set()
        assert cancel.wait(20)  # a lock comes; without it the test fails here
        return gather(session, mine_only=mine_only, week=week, cancel=cancel)

    gather = agenda.gather
    qtbot.waitUntil(lambda: not unlocked.ctx.tasks.busy)  # the landing page's load
    monkeypatch.setattr(session_service, "open_background", recorded)
    monkeypatch.setattr(agenda, "gather", held)
    workspace = unlocked.workspace
    workspace.open_family(add_family(unlocked.ctx.session, "Sonnenblum"))
    assert "Sonnenblum" in visible_text_blob()
    workspace.show_page("heute")
    qtbot.waitUntil(running.is_set)
    unlocked.lock()
    thread, session, key = opened[0]
    assert thread.startswith("casework-task") and any(key)
    assert not session.is_open  # closed before the lock returned
    assert not any(session.vault.key_buffer)  # the key copy handed to the load: zeros
    qtbot.waitUntil(lambda: not unlocked.ctx.tasks.busy)
    assert "Sonnenblum" not in visible_text_blob() and unlocked.workspace is None
