"""Issue 18/21 in the § 8a screens: both sides see what waits for the Leitung; the
organisation's information policy is chosen on the Kinderschutz screen and then the
Mitteilung can be recorded right after the weighty indications."""

from __future__ import annotations

from pytestqt.qtbot import QtBot

from casework.models.ids import HouseholdId, WorkerId
from casework.models.kinderschutz.deadlines import InformationPolicy
from casework.models.kinderschutz.vocabulary import State
from casework.services.kinderschutz import deadlines as ks_deadlines
from casework.services.kinderschutz import procedures as ks
from casework.services.session import Session
from casework.ui.context import UiContext
from casework.ui.kinderschutz import screen as screen_module
from casework.ui.kinderschutz.procedure_view import ProcedureView
from tests.services.kinderschutz.support import (
    child_ids,
    drive_to_s5,
    hand_over,
    make_team,
    observe,
    result,
)


def make_screen(qtbot: QtBot, ctx: UiContext) -> screen_module.KinderschutzScreen:
    screen = screen_module.create(ctx)
    assert isinstance(screen, screen_module.KinderschutzScreen)
    qtbot.addWidget(screen)
    return screen


def column(model: object, col: int) -> list[str]:
    return [model.index(r, col).data() for r in range(model.rowCount())]  # type: ignore[attr-defined]


def test_issue18_both_sides_see_what_waits_for_the_leitung(
        qtbot: QtBot, ctx: UiContext, session: Session, family: HouseholdId) -> None:
    team = make_team(session)
    pid, fact = drive_to_s5(session, team, family)
    ks.record_result(session, pid, result(fact))
    ctx.attach(session)
    screen = make_screen(qtbot, ctx)
    assert not screen.queue_box.isVisibleTo(screen)  # the owner is no Leitung
    label = "Ergebnis der Gefährdungseinschätzung"
    row = column(screen.waiting_model, 0).index(label)
    assert screen.waiting_model.index(row, 2).data() == "bei Ihnen: noch an die Leitung geben"
    hand_over(session, pid)
    ctx.changed.emit(ks._changes(ks.get_file(session, pid)))
    row = column(screen.waiting_model, 0).index(label)
    assert screen.waiting_model.index(row, 2).data() == "liegt bei der Leitung"
    session.act_as(WorkerId(team.leitung))
    ctx.session_changed.emit()
    assert screen.queue_box.isVisibleTo(screen)
    assert screen.queue_box.title() == "Wartet auf Ihre Prüfung (Leitung)"
    assert label in column(screen.queue_model, 0)


def test_issue21_policy_on_the_screen_then_mitteilung_after_weighty_indications(
        qtbot: QtBot, ctx: UiContext, session: Session, family: HouseholdId) -> None:
    """Sources 000:1274 (unverzüglich) vs 000:2132 (at step 4): the organisation chooses."""
    pid, _ = ks.open_procedure(session, family, child_ids(session, family))
    observe(session, pid)
    ks.transition(session, pid, State.S1)
    ctx.attach(session)
    view = ProcedureView(ctx)
    qtbot.addWidget(view)
    view.load(pid)
    assert not view.record_buttons["mitteilung"].isEnabled()
    screen = make_screen(qtbot, ctx)
    assert screen.policy_row.isVisibleTo(screen)  # the owner is Admin
    assert screen.policy.currentData() == InformationPolicy.IM_VERFAHREN.value
    screen.policy.setCurrentIndex(screen.policy.findData("unverzueglich"))
    assert screen.save_policy()
    assert ctx.last_confirmation == "Regel zur Information des Jugendamtes gespeichert."
    assert ks_deadlines.deadline_profile(session).immediate
    assert view.record_buttons["mitteilung"].isEnabled()  # refreshed by the change
    assert "Jugendamt unverzüglich informieren" in view.next_label.text()
