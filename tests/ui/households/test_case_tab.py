"""Family tab "Zuständigkeit & Abschluss" and the Familien filters with real widgets and
vaults: closing asks for a reason and refuses during a § 8a procedure, reopening, the
hand-over offered/declined/accepted, the Leitung's reassignment (issue 20)."""

from __future__ import annotations

from PySide6.QtCore import Qt

from casework.models.households.household import HouseholdStatus
from casework.models.ids import HouseholdId
from casework.models.persons.worker import WorkerDraft, WorkerRole
from casework.services.households import households, lifecycle
from casework.services.kinderschutz import procedures as kinderschutz
from casework.services.persons import workers
from casework.services.session import Session
from casework.ui.context import UiContext
from casework.ui.households import case_tab
from casework.ui.households.lifecycle_dialogs import (
    CloseCaseDialog,
    HandoverDialog,
    ReasonDialog,
    ReassignDialog,
)
from casework.ui.households.screen import FamilienScreen
from tests.conftest import add_family, add_person
from tests.ui.conftest import MessageLog


def make_tab(qtbot, ctx: UiContext, session: Session,  # type: ignore[no-untyped-def]
             family: HouseholdId) -> case_tab.CaseTab:
    ctx.attach(session)
    tab = case_tab.create(ctx, family)
    assert isinstance(tab, case_tab.CaseTab)
    qtbot.addWidget(tab)
    return tab


def click(qtbot, button) -> None:  # type: ignore[no-untyped-def]
    assert button.isEnabled(), button.accessibleName()
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)


def status(session: Session, hid: str) -> HouseholdStatus:
    return households.get(session, hid).data.status


def test_close_asks_reason_then_reopen(qtbot, ctx: UiContext, session: Session,  # type: ignore[no-untyped-def]
                                       family: HouseholdId) -> None:
    tab = make_tab(qtbot, ctx, session, family)
    assert "Status: aktiv" in tab.state_label.text()
    assert not tab.reopen_button.isEnabled()
    click(qtbot, tab.close_button)
    dialog = tab.dialog
    assert isinstance(dialog, CloseCaseDialog)
    dialog.accept()  # no reason chosen
    assert "bitte auswählen" in dialog.form.error_text("Grund des Abschlusses")
    assert status(session, family) is HouseholdStatus.AKTIV
    dialog.reason.setCurrentIndex(dialog.reason.findData("Umzug"))
    dialog.accept()
    assert dialog.result() == 1
    assert status(session, family) is HouseholdStatus.ABGESCHLOSSEN
    assert "Status: abgeschlossen" in tab.state_label.text()
    assert tab.model.rows[0][0][1] == "abgeschlossen: Umzug"
    assert tab.reopen_button.isEnabled() and not tab.close_button.isEnabled()
    click(qtbot, tab.reopen_button)
    reopen = tab.dialog
    assert isinstance(reopen, ReasonDialog)
    reopen.accept()
    assert "bitte angeben" in reopen.form.error_text("Grund der Wiederaufnahme")
    qtbot.keyClicks(reopen.text, "Familie meldet sich erneut")
    reopen.accept()
    assert status(session, family) is HouseholdStatus.AKTIV
    assert tab.model.rows[0][0][1] == "wieder aufgenommen"


def test_close_refused_during_kinderschutz(qtbot, ctx: UiContext, session: Session,  # type: ignore[no-untyped-def]
                                           family: HouseholdId) -> None:
    child = [p.id for p in households.members(session, family) if p.data.first_name == "Lena"]
    kinderschutz.open_procedure(session, family, tuple(child))
    tab = make_tab(qtbot, ctx, session, family)
    click(qtbot, tab.close_button)
    dialog = tab.dialog
    assert isinstance(dialog, CloseCaseDialog)
    assert "§ 8a" in dialog.check_label.text()
    assert not dialog.ok_button.isEnabled()


def test_handover_declined_then_accepted(qtbot, ctx: UiContext, session: Session,  # type: ignore[no-untyped-def]
                                         family: HouseholdId,
                                         message_log: MessageLog) -> None:
    me = session.actor_id
    other, _ = workers.create(session, WorkerDraft("Jonas Kollege"))
    tab = make_tab(qtbot, ctx, session, family)
    click(qtbot, tab.handover_button)
    dialog = tab.dialog
    assert isinstance(dialog, HandoverDialog)
    dialog.colleague.setCurrentIndex(dialog.colleague.findData(other))
    dialog.accept()
    assert "bitte angeben" in dialog.form.error_text("Übergabenotiz")
    qtbot.keyClicks(dialog.note, "Termin beim Jobcenter am Montag")
    dialog.accept()
    assert dialog.result() == 1
    assert "wartet auf Annahme" in tab.pending_label.text()
    assert tab.withdraw_button.isVisibleTo(tab) and not tab.accept_button.isVisibleTo(tab)
    # The colleague answers in her own session.
    session.act_as(other)
    ctx.session_changed.emit()
    tab.refresh()
    assert tab.accept_button.isVisibleTo(tab)
    click(qtbot, tab.decline_button)
    decline = tab.dialog
    assert isinstance(decline, ReasonDialog)
    qtbot.keyClicks(decline.text, "Keine Kapazitaet")
    decline.accept()
    assert households.get(session, family).data.assigned_worker_id != other
    assert "abgelehnt" in tab.model.rows[0][0][1]
    session.act_as(me)
    lifecycle.offer_handover(session, family, other, "zweiter Versuch nach Rückkehr")
    session.act_as(other)
    tab.refresh()
    click(qtbot, tab.accept_button)
    assert households.get(session, family).data.assigned_worker_id == other
    assert "Jonas Kollege" in tab.state_label.text()
    assert message_log.texts("error") == []


def test_familien_filters_closed_and_handed_over(qtbot, ctx: UiContext,  # type: ignore[no-untyped-def]
                                                 session: Session) -> None:
    closed = add_family(session, "Abgeschlossen")
    offered = add_family(session, "Angeboten")
    add_family(session, "Laufend")
    lifecycle.close(session, closed, "Ziele erreicht")
    ctx.attach(session)
    other, _ = workers.create(session, WorkerDraft("Jonas Kollege"))
    lifecycle.offer_handover(session, offered, other, "Übergabe wegen Urlaub")
    screen = FamilienScreen(ctx, search_delay_ms=0)
    qtbot.addWidget(screen)
    names = lambda: {screen.model.row_at(r).name  # type: ignore[union-attr]  # noqa: E731
                     for r in range(screen.model.rowCount())}
    assert names() == {"Angeboten", "Laufend"}  # the daily list: closed cases left out
    screen.status_filter.setCurrentIndex(screen.status_filter.findData("all"))
    assert names() == {"Abgeschlossen", "Angeboten", "Laufend"}
    screen.status_filter.setCurrentIndex(
        screen.status_filter.findData("status:abgeschlossen"))
    assert names() == {"Abgeschlossen"}
    screen.status_filter.setCurrentIndex(screen.status_filter.findData("handover_to_me"))
    assert names() == set()  # offered to Jonas, not to me
    session.act_as(other)
    ctx.session_changed.emit()
    screen.apply_filter()
    screen.model.refresh()
    assert names() == {"Angeboten"}
    assert not screen.reassign_button.isVisibleTo(screen)  # a Fachkraft


def test_leitung_reassigns_from_familien(qtbot, ctx: UiContext, session: Session,  # type: ignore[no-untyped-def]
                                         message_log: MessageLog) -> None:
    first = add_family(session, "Erste")
    second = add_family(session, "Zweite")
    lead = add_person(session, "Petra Leitung", WorkerRole.LEITUNG)
    other, _ = workers.create(session, WorkerDraft("Jonas Kollege"))
    session.act_as(lead)
    ctx.attach(session)
    screen = FamilienScreen(ctx, search_delay_ms=0)
    qtbot.addWidget(screen)
    assert screen.reassign_button.isVisibleTo(screen)
    click(qtbot, screen.reassign_button)
    dialog = screen.reassign_dialog
    assert isinstance(dialog, ReassignDialog)
    assert dialog.families.count() == 2
    for i in range(2):
        dialog.families.item(i).setCheckState(Qt.CheckState.Checked)
    dialog.target.setCurrentIndex(dialog.target.findData(other))
    dialog.accept()
    assert "bitte angeben" in dialog.form.error_text("Grund der Umverteilung")
    assert message_log.texts("passphrase") == []  # asked only once the form is complete
    qtbot.keyClicks(dialog.reason, "Elternzeit")
    message_log.passphrase = "falsch falsch falsch"
    dialog.accept()
    assert households.get(session, first).data.assigned_worker_id != other  # nothing done
    message_log.passphrase = None
    dialog.accept()
    for hid in (first, second):
        assert households.get(session, hid).data.assigned_worker_id == other
    assert len(message_log.texts("passphrase")) == 2
    assert message_log.texts("error") == ["Die Passphrase ist nicht richtig. Es wurde nichts "
                                          "gespeichert."]


def test_case_rules_in_einstellungen(qtbot, ctx: UiContext, session: Session) -> None:  # type: ignore[no-untyped-def]
    from casework.services import milestones
    from casework.ui.settings_screen import EinstellungenScreen

    fachkraft, _ = workers.create(session, WorkerDraft("Frieda Fachkraft"))
    lead, _ = workers.create(session, WorkerDraft("Petra Leitung", WorkerRole.LEITUNG))
    session.act_as(fachkraft)
    ctx.attach(session)
    screen = EinstellungenScreen(ctx)
    qtbot.addWidget(screen)
    assert not screen.closure_approval.isEnabled()  # a Fachkraft cannot change them
    session.act_as(lead)
    screen._load_case_settings()
    assert screen.closure_approval.isEnabled()
    screen.closure_approval.setChecked(True)
    assert lifecycle.requires_approval(session)
    screen.outcome_days.setValue(28)
    screen.outcome_days.editingFinished.emit()
    assert milestones.referral_outcome_days(session) == 28
