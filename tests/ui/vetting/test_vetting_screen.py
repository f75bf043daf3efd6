"""The Führungszeugnisse screen on a real vault with real widgets: a person, an activity
whose scheme answer updates while answering, an inspection, the Leitung's filter „darf
mit Kindern arbeiten“, the deletion confirmed with the passphrase, and the way from
Heute. Source requirements: Trägervereinbarung § 72a (000:2189–2236), § 72a Abs. 5
(LR-38)."""

from __future__ import annotations

from datetime import date

import pytest
from pytestqt.qtbot import QtBot

from casework.models.persons.worker import WorkerRole
from casework.models.vetting.register import ActivityDraft, InspectionDraft, MemberDraft
from casework.models.vetting.scheme import Answers, Engagement
from casework.services import vetting
from casework.services.session import Session
from casework.ui.context import UiContext
from casework.ui.main_window import MainWindow
from casework.ui.vetting import screen as vetting_screen
from casework.ui.vetting.dialogs import ActivityDialog, InspectionDialog, MemberDialog
from casework.ui.vetting.screen import VettingScreen
from tests.conftest import add_person
from tests.ui.conftest import MessageLog
from tests.ui.test_accessibility import unnamed_controls


@pytest.fixture
def screen(qtbot: QtBot, ctx: UiContext, session: Session) -> VettingScreen:
    ctx.attach(session)
    widget = vetting_screen.create(ctx)
    assert isinstance(widget, VettingScreen)
    qtbot.addWidget(widget)
    widget.resize(1180, 640)
    widget.show()
    return widget


def _cells(screen: VettingScreen) -> list[tuple[str, ...]]:
    return [cells for cells, _ in screen.model.rows]


def test_person_activity_and_inspection_through_the_dialogs(
        qtbot: QtBot, screen: VettingScreen, ctx: UiContext,
        monkeypatch: pytest.MonkeyPatch) -> None:
    dialogs: list[object] = []

    def run(dialog: MemberDialog | ActivityDialog | InspectionDialog) -> bool:
        qtbot.addWidget(dialog)
        dialogs.append(dialog)
        dialog.show()
        assert unnamed_controls(dialog) == []  # every control has a screen-reader name
        if isinstance(dialog, MemberDialog):
            dialog.name.setText("Jonas Ehrenfeld")
            dialog.engagement.setCurrentIndex(dialog.engagement.findData("ehrenamtlich"))
        elif isinstance(dialog, ActivityDialog):
            dialog.title.setText("Ferienfreizeit")
            dialog.starts.setText("01.11.2026")
            assert "nicht erforderlich" in dialog.outcome.text()
            dialog.triggers[1]["overnight"].setChecked(True)
            assert "erforderlich – Übernachtung" in dialog.outcome.text()
        else:
            assert isinstance(dialog, InspectionDialog)
            dialog.certificate.setText("01.05.2026")
            dialog.accept()  # older than three months: refused next to the field
            assert "älter als 3 Monate" in dialog.form.error_text(
                "Datum des Führungszeugnisses")
            dialog.certificate.setText("10.11.2026")
        dialog.accept()
        return dialog.result() == 1

    monkeypatch.setattr(screen, "_open", run)
    assert unnamed_controls(screen) == []
    screen.add_member()
    assert _cells(screen)[0][:2] == ("Jonas Ehrenfeld", "ehrenamtlich")
    screen.view.selectRow(0)
    screen.add_activity()
    assert _cells(screen)[0][3] == "nein – Einsicht fehlt"
    screen.record_inspection()
    assert _cells(screen)[0][3] == "ja"
    assert _cells(screen)[0][4] == "10.11.2031"
    assert ctx.last_confirmation == "Einsicht festgehalten."
    assert screen.inspection_model.rows[0][0][2] == "keine Eintragung"
    assert "Einsicht Führungszeugnis angelegt" in [c[2] for c, _ in screen.history_model.rows]


def test_filter_who_may_work_with_children_and_delete_due(
        screen: VettingScreen, session: Session, message_log: MessageLog) -> None:
    camp = Answers(True, (), ("overnight",))
    for name, end in (("Jonas Ehrenfeld", None), ("Klaus Ende", date(2026, 7, 31))):
        member_id, _ = vetting.add_member(session, MemberDraft(name, Engagement.EHRENAMTLICH))
        vetting.add_activity(session, ActivityDraft(member_id, "Gruppe", date(2025, 1, 1),
                                                    camp, end))
        vetting.record_inspection(session, InspectionDraft(member_id, date(2025, 1, 2),
                                                           date(2024, 12, 20), False))
    screen.reload()
    assert "1 dürfen jetzt mit Kindern arbeiten" in screen.summary.text()
    assert "1 Löschung(en) fällig" in screen.summary.text()
    screen.filter.setCurrentIndex(screen.filter.findData("may"))
    assert [c[0] for c in _cells(screen)] == ["Jonas Ehrenfeld"]
    screen.filter.setCurrentIndex(screen.filter.findData("delete"))
    assert [c[0] for c in _cells(screen)] == ["Klaus Ende"]
    assert screen.delete_due_button.isEnabled()
    screen.delete_due()
    assert [k for k, *_ in message_log.shown] == ["confirm", "passphrase"]
    assert _cells(screen) == []
    assert not screen.delete_due_button.isEnabled()
    assert screen.ctx.last_confirmation == "1 Einsicht(en) gelöscht."


def test_a_fachkraft_sees_why_the_register_is_closed(
        qtbot: QtBot, unlocked: MainWindow) -> None:
    workspace = unlocked.workspace
    assert workspace is not None
    session = unlocked.ctx.require_session()
    vetting.add_member(session, MemberDraft("Jonas Ehrenfeld", Engagement.EHRENAMTLICH))
    page = workspace.show_page("fuehrungszeugnisse")
    assert isinstance(page, VettingScreen) and page.model.rowCount() == 1
    colleague = add_person(session, "Kim Kollegin", WorkerRole.FACHKRAFT)
    session.act_as(colleague)
    unlocked.ctx.session_changed.emit()  # what switching the person does
    assert page.notice.isVisible() and "nur Leitung oder Admin" in page.notice.text()
    assert not page.body.isVisible() and page.model.rowCount() == 0


def test_heute_item_opens_the_register(qtbot: QtBot, unlocked: MainWindow) -> None:
    session = unlocked.ctx.require_session()
    member_id, _ = vetting.add_member(session, MemberDraft("Tobias Brandt", Engagement.HONORAR))
    workspace = unlocked.workspace
    assert workspace is not None
    heute = workspace.show_page("heute")
    unlocked.ctx.run(vetting.add_activity, ActivityDraft(  # Heute refreshes on the change
        member_id, "Ferienfreizeit", date(2026, 12, 1), Answers(True, (), ("overnight",))))
    qtbot.waitUntil(lambda: not heute.loading)  # type: ignore[union-attr]
    rows = [cells for cells, _ in heute.agenda_model.rows]  # type: ignore[union-attr]
    row = next(i for i, cells in enumerate(rows) if cells[1] == "Führungszeugnisse")
    assert rows[row][4] == "1 fällig – Einsicht fehlt: Tobias Brandt"
    heute._open(heute.agenda, row)  # type: ignore[union-attr]
    assert workspace.current_key == "fuehrungszeugnisse"
