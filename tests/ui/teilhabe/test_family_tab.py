"""Family-file tab: Familientraining progress of the family."""

from __future__ import annotations

from PySide6.QtCore import Qt

from casework.models.ids import HouseholdId
from casework.services.session import Session
from casework.ui import registry
from casework.ui.context import UiContext
from casework.ui.teilhabe import family_tab as teilhabe


def test_start_training_and_record_sessions(
    qtbot,
    ctx: UiContext,
    session: Session,  # type: ignore[no-untyped-def]
    family: HouseholdId,
) -> None:
    ctx.attach(session)
    tab = teilhabe.create(ctx, family)
    assert isinstance(tab, teilhabe.TeilhabeTab)
    qtbot.addWidget(tab)
    assert tab.training.topLevelItemCount() == 0
    qtbot.mouseClick(tab.start_button, Qt.MouseButton.LeftButton)
    assert tab.training.topLevelItem(0).text(1) == "0 von 10 Terminen"
    for day in ("02.11.2026", "09.11.2026"):
        qtbot.keyClicks(tab.session_date, day)
        qtbot.mouseClick(tab.session_button, Qt.MouseButton.LeftButton)
    item = tab.training.topLevelItem(0)
    assert (item.text(1), item.text(2)) == ("2 von 10 Terminen (4 Std.)", "nein")
    assert registry.family_tab("teilhabe").title == "Angebote/Teilhabe"


def test_enrol_a_household_member(
    qtbot,
    ctx: UiContext,
    session: Session,  # type: ignore[no-untyped-def]
    family: HouseholdId,
    message_log,
) -> None:
    from casework.services import teilhabe as tm

    ctx.attach(session)
    tab = teilhabe.create(ctx, family)
    qtbot.addWidget(tab)
    # the mother (38) is offered, the child (7) is not
    assert [tab.member.itemText(i) for i in range(tab.member.count())] == ["Ayşe Müller (38 J.)"]
    tab.status.setCurrentText("Duldung")
    qtbot.mouseClick(tab.enrol_button, Qt.MouseButton.LeftButton)
    item = tab.clients.topLevelItem(0)
    assert (item.text(0), item.text(1), item.text(2)) == (
        "Ayşe Müller",
        "wartend",
        "nicht in der Zielgruppe",
    )
    assert item.text(3) == (
        "seit 04.05.2016 älter als 27 Jahre (38 Jahre); Status seit 21.11.2026 Duldung"
    )
    assert tab.member.count() == 0 and not tab.enrol_button.isEnabled()
    [row] = tm.waiting_list(session)
    assert row.client.household_id == family
    # Warned before (38 is outside 18-27) and told where the person is now.
    assert message_log.texts("confirm")[0].startswith("38 Jahre alt: außerhalb der Zielgruppe")
    assert ctx.last_confirmation == (
        "Aufgenommen – auf der Warteliste des Teilhabemanagements, Platz 1 von 1.")
