"""Termine: family tab (plan, contact in one step, .ics without names), Heute section
("heute" / "diese Woche") and the reminder timer driven by the injected clock."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path

import pytest
from PySide6.QtCore import Qt

from casework.clock import BERLIN, FixedClock
from casework.models.appointments import AppointmentDraft, AppointmentStatus
from casework.models.changes import Changes
from casework.models.ids import HouseholdId
from casework.services import appointments, contacts
from casework.services.households import households
from casework.services.session import Session
from casework.ui.agenda import HeuteScreen
from casework.ui.appointments import family_tab as tab_module
from casework.ui.appointments.reminders import AppointmentReminder
from casework.ui.context import UiContext
from tests.ui.conftest import MessageLog


def at(day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, 11, day, hour, minute, tzinfo=BERLIN)


def click(qtbot, button) -> None:  # type: ignore[no-untyped-def]
    assert button.isEnabled(), button.accessibleName()
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)


def make_tab(qtbot, ctx: UiContext, session: Session,  # type: ignore[no-untyped-def]
             family: HouseholdId) -> tab_module.TermineTab:
    ctx.attach(session)
    tab = tab_module.create(ctx, family)
    assert isinstance(tab, tab_module.TermineTab)
    qtbot.addWidget(tab)
    return tab


def test_plan_then_log_contact_in_one_step(qtbot, ctx: UiContext, session: Session,  # type: ignore[no-untyped-def]
                                           family: HouseholdId, clock: FixedClock,
                                           message_log: MessageLog) -> None:
    tab = make_tab(qtbot, ctx, session, family)
    assert not tab.empty.isHidden()
    click(qtbot, tab.new_button)
    dialog = tab.dialog
    assert isinstance(dialog, tab_module.AppointmentDialog)
    dialog.time.setText("25:00")
    dialog.accept()
    assert "keine gültige Uhrzeit" in dialog.form.error_text("Uhrzeit")
    dialog.day.setText("21.11.2026")
    dialog.time.setText("11:30")
    mother = next(p.id for p in households.members(session, family)
                  if p.data.first_name == "Ayşe")
    dialog.check_person(mother)
    qtbot.keyClicks(dialog.topic, "Kita-Anmeldung")
    dialog.accept()
    assert dialog.result() == 1
    assert tab.model.rowCount() == 1
    assert tab.model.rows[0][0][1] == "11:30–12:30"
    tab.view.selectRow(0)
    assert not tab.contact_button.isEnabled()  # still ahead
    clock.advance(timedelta(hours=3))
    tab.refresh()
    tab.view.selectRow(0)
    click(qtbot, tab.contact_button)
    assert tab.model.rows[0][0][5] == "stattgefunden"
    logged = contacts.contacts(session, family)
    assert len(logged) == 1 and logged[0].data.persons_present == (mother,)
    assert message_log.texts("info") and not message_log.texts("error")


def test_ics_export_has_no_name(qtbot, ctx: UiContext, session: Session,  # type: ignore[no-untyped-def]
                                family: HouseholdId, tmp_path: Path,
                                monkeypatch: pytest.MonkeyPatch) -> None:
    appointments.create(session, AppointmentDraft(family, at(24, 9), place="Gärtnerstraße 12",
                                                  topic="Hilfeplan"))
    tab = make_tab(qtbot, ctx, session, family)
    target = tmp_path / "Termin.ics"
    monkeypatch.setattr(tab_module, "choose_ics_target", lambda *_a: str(target))
    tab.view.selectRow(0)
    click(qtbot, tab.export_button)
    dialog = tab.dialog
    assert isinstance(dialog, tab_module.ExportDialog)
    assert not dialog.details.isChecked()  # no personal data by default
    dialog.accept()
    text = target.read_text(encoding="utf-8")
    assert "Termin – Casework" in text
    for word in ("Müller", "Ayşe", "Lena", "Gärtnerstraße", "Hilfeplan"):
        assert word not in text


def test_heute_shows_today_and_this_week(qtbot, ctx: UiContext, session: Session,  # type: ignore[no-untyped-def]
                                         family: HouseholdId) -> None:
    appointments.create(session, AppointmentDraft(family, at(21, 15)))
    appointments.create(session, AppointmentDraft(family, at(22, 9, 30)))
    ctx.attach(session)
    screen = HeuteScreen(ctx)
    qtbot.addWidget(screen)
    screen.show()
    qtbot.waitUntil(lambda: not screen.loading)
    assert screen.appointment_model.rowCount() == 1
    assert screen.appointment_model.rows[0][0][1:3] == ("15:00", "Müller (Ayşe) · Gärtnerstr. 12")
    screen.appointment_range.setCurrentIndex(screen.appointment_range.findData("week"))
    qtbot.waitUntil(lambda: not screen.loading)
    assert screen.appointment_model.rowCount() == 2
    appointments.create(session, AppointmentDraft(family, at(21, 17)))
    ctx.changed.emit(Changes.of("appointment", "x"))
    qtbot.waitUntil(lambda: not screen.loading)
    assert screen.appointment_model.rowCount() == 3


def test_reminder_timer_uses_the_injected_clock(qtbot, ctx: UiContext, session: Session,  # type: ignore[no-untyped-def]
                                                family: HouseholdId, clock: FixedClock,
                                                message_log: MessageLog) -> None:
    aid, _ = appointments.create(session, AppointmentDraft(family, at(21, 11),
                                                           topic="Hausbesuch"))
    ctx.attach(session)
    reminder = AppointmentReminder(ctx, interval_ms=5, lead_minutes=30)
    reminder.start()
    assert message_log.texts("notify") == []  # 60 minutes ahead
    clock.advance(timedelta(minutes=40))
    with qtbot.waitSignal(reminder.reminded, timeout=2000) as blocker:
        pass
    assert [r.appointment.id for r in blocker.args[0]] == [aid]
    assert message_log.texts("notify") == [
        "Termin in 20 Minuten (11:00 Uhr): Familie Müller – Hausbesuch – "
        "bei der Familie zu Hause"]
    assert reminder.check() == []  # announced once
    appointments.cancel(session, aid)
    assert appointments.get(session, aid).status is AppointmentStatus.ABGESAGT
    reminder.stop()
