"""Heute shows overdue § 8a steps prominently, above everything else."""

from __future__ import annotations

from datetime import timedelta

from casework.models.kinderschutz.procedure import State
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
    clock.advance(timedelta(days=3))
    screen = unlocked.workspace.show_page("heute")
    screen.reload()
    assert screen.agenda_alert.isVisible()
    alert = screen.agenda_alert.text()
    assert alert.endswith("– bitte zuerst bearbeiten.")
    assert ("1 überfälliger Schritt in einem Kinderschutzverfahren" in alert
            or "überfällige Schritte in Kinderschutzverfahren" in alert)
    first = [screen.agenda_model.index(0, c).data() for c in range(4)]
    assert first[0] == "Kinderschutz § 8a"
    assert first[2] == "Sonnenblum"
    assert "(überfällig)" in first[1]
    with qtbot.waitSignal(ctx.household_requested, timeout=2000) as opened:
        screen._open(screen.agenda, 0)
    assert opened.args == [family, ""]
