"""Teilhabe without dead ends (issue 18): after enrolling the screen says where the person
is now, the waiting list is visible, the target-group check warns before saving, no
gender is preset, the caseload can be searched and sorted and fits 1366x768."""

from __future__ import annotations

from datetime import date

import pytest
from PySide6.QtCore import Qt

from casework.models.households.person import BirthInfo, Gender
from casework.models.persons.worker import WorkerDraft, WorkerRole
from casework.models.teilhabe.clients import ClientDraft
from casework.models.teilhabe.eligibility import ClientState, ResidenceRecord, TmStatus
from casework.services import teilhabe as tm
from casework.services.persons import workers
from casework.services.session import Session
from casework.ui.context import UiContext
from casework.ui.teilhabe.screen import TeilhabeScreen


@pytest.fixture
def samira(session: Session) -> str:
    wid, _ = workers.create(
        session, WorkerDraft("Samira Test", WorkerRole.TEILHABEMANAGEMENT, fte=0.5)
    )
    return wid


def _screen(qtbot, ctx: UiContext, session: Session) -> TeilhabeScreen:  # type: ignore[no-untyped-def]
    ctx.attach(session)
    screen = TeilhabeScreen(ctx)
    qtbot.addWidget(screen)
    screen.show()
    return screen


def _fill(qtbot, screen: TeilhabeScreen, birth: str, status: str,  # type: ignore[no-untyped-def]
          gender: str | None = "männlich") -> None:
    form = screen.enrol
    qtbot.keyClicks(form.first, "Yonas")
    qtbot.keyClicks(form.last, "Beispiel")
    qtbot.keyClicks(form.birth, birth)
    if gender is not None:
        form.gender.setCurrentText(gender)
    form.status.setCurrentText(status)


def test_fachkraft_enrols_and_is_told_the_person_waits_on_the_visible_list(
    qtbot, ctx: UiContext, session: Session, message_log  # type: ignore[no-untyped-def]
) -> None:
    # The owner is a Fachkraft, not a Teilhabemanagerin: the person goes onto the list.
    screen = _screen(qtbot, ctx, session)
    screen.main_tabs.setCurrentIndex(screen.enrol_index)
    _fill(qtbot, screen, "02.04.2001", "Duldung")
    qtbot.mouseClick(screen.enrol.submit, Qt.MouseButton.LeftButton)
    assert screen.enrol.outcome.text().startswith(
        "Yonas Beispiel wurde aufgenommen und steht auf der Warteliste (Platz 1 von 1)."
    )
    assert ctx.last_confirmation == "Aufgenommen – auf der Warteliste, Platz 1 von 1."
    assert "Yonas" not in ctx.last_confirmation  # the status bar carries no names
    assert screen.main_tabs.tabText(screen.waiting_index) == "&Warteliste (1)"
    assert screen.enrol.first.text() == "" and screen.enrol.gender.currentIndex() == 0
    qtbot.mouseClick(screen.enrol.show_button, Qt.MouseButton.LeftButton)
    assert screen.main_tabs.currentIndex() == screen.waiting_index
    item = screen.waiting.tree.currentItem()
    assert item is not None and (item.text(0), item.text(2)) == ("1", "Yonas Beispiel")
    assert message_log.texts("error") == []


def test_teilhabemanagerin_takes_a_waiting_person_into_her_caseload(
    qtbot, ctx: UiContext, session: Session, samira: str  # type: ignore[no-untyped-def]
) -> None:
    cid, _ = tm.enrol_new_person(
        session, "Hewan", "Beispiel", BirthInfo(date(1999, 1, 20)), Gender.WEIBLICH,
        ClientDraft(date(2026, 1, 5)), ResidenceRecord(TmStatus.GESTATTUNG, date(2025, 1, 1)))
    session.act_as(samira)
    screen = _screen(qtbot, ctx, session)
    assert "1 Personen warten" in screen.waiting.summary.text()
    screen.waiting.tree.setCurrentItem(screen.waiting.tree.topLevelItem(0))
    qtbot.mouseClick(screen.waiting.take_button, Qt.MouseButton.LeftButton)
    assert tm.get(session, cid).state is ClientState.AKTIV
    assert ctx.last_confirmation == "Übernommen – jetzt in „Meine Fälle“."
    assert screen.main_tabs.currentIndex() == screen.caseload_index
    assert screen.current_client_id() == cid


def test_no_gender_is_preset_and_none_chosen_is_refused(
    qtbot, ctx: UiContext, session: Session, message_log  # type: ignore[no-untyped-def]
) -> None:
    screen = _screen(qtbot, ctx, session)
    assert screen.enrol.gender.currentText() == "– bitte wählen –"
    _fill(qtbot, screen, "02.04.2001", "Duldung", gender=None)
    qtbot.mouseClick(screen.enrol.submit, Qt.MouseButton.LeftButton)
    assert message_log.texts("error") == [
        "Geschlecht: bitte auswählen (auch „keine Angabe“ ist möglich)."
    ]
    assert tm.all_clients(session) == []


def test_a_35_year_old_is_warned_about_before_saving(
    qtbot, ctx: UiContext, session: Session, message_log  # type: ignore[no-untyped-def]
) -> None:
    # Target group "in der Regel 18 und nicht älter als 27" (source 000:3509-3510).
    screen = _screen(qtbot, ctx, session)
    _fill(qtbot, screen, "01.03.1991", "Duldung")
    screen.enrol.update_check()
    assert screen.enrol.check.text().startswith("⚠ Außerhalb der Zielgruppe: 35 Jahre alt")
    message_log.confirm_answer = False
    qtbot.mouseClick(screen.enrol.submit, Qt.MouseButton.LeftButton)
    asked = message_log.texts("confirm")
    assert len(asked) == 1 and asked[0].startswith(
        "35 Jahre alt: außerhalb der Zielgruppe (in der Regel 18 bis 27 Jahre)."
    )
    assert tm.all_clients(session) == []  # "Nein" saves nothing
    message_log.confirm_answer = True
    qtbot.mouseClick(screen.enrol.submit, Qt.MouseButton.LeftButton)
    assert len(tm.all_clients(session)) == 1


def test_a_17_year_old_with_gestattung_is_pointed_to_youth_welfare(
    qtbot, ctx: UiContext, session: Session, message_log  # type: ignore[no-untyped-def]
) -> None:
    # Issue 21: a minor with Gestattung belongs to the Jugendhilfe / umA support.
    screen = _screen(qtbot, ctx, session)
    _fill(qtbot, screen, "01.03.2009", "Gestattung")
    message_log.confirm_answer = False
    qtbot.mouseClick(screen.enrol.submit, Qt.MouseButton.LeftButton)
    text = message_log.texts("confirm")[0]
    assert "17 Jahre alt, wird am 01.03.2027 18" in text
    assert "an das Jugendamt verweisen" in text
    assert "unbegleitete minderjährige Ausländer (umA): ASD – Fachkraft umA, Tel. " in text
    assert tm.all_clients(session) == []


def test_caseload_search_and_sort(
    qtbot, ctx: UiContext, session: Session, samira: str  # type: ignore[no-untyped-def]
) -> None:
    session.act_as(samira)
    for first, born in (("Zeynep", date(2000, 5, 1)), ("Adil", date(2005, 6, 1)),
                        ("Mona", date(1999, 7, 1))):
        cid, _ = tm.enrol_new_person(
            session, first, "Beispiel", BirthInfo(born), Gender.KEINE_ANGABE,
            ClientDraft(date(2026, 1, 5)), ResidenceRecord(TmStatus.DULDUNG, date(2025, 1, 1)))
        tm.assign(session, cid, samira)
    screen = _screen(qtbot, ctx, session)
    tree = screen.caseload

    def names() -> list[str]:
        return [tree.topLevelItem(i).text(0) for i in range(tree.topLevelItemCount())  # type: ignore[union-attr]
                if not tree.topLevelItem(i).isHidden()]  # type: ignore[union-attr]

    assert names() == ["Adil Beispiel", "Mona Beispiel", "Zeynep Beispiel"]
    tree.sortByColumn(1, Qt.SortOrder.DescendingOrder)  # by age, numerically
    assert names() == ["Mona Beispiel", "Zeynep Beispiel", "Adil Beispiel"]
    qtbot.keyClicks(screen.search, "mon")
    assert names() == ["Mona Beispiel"]
    assert screen.count.text() == "1 von 3"


def test_screen_fits_the_1366x768_laptop(
    qtbot, ctx: UiContext, session: Session  # type: ignore[no-untyped-def]
) -> None:
    screen = _screen(qtbot, ctx, session)
    hint = screen.minimumSizeHint()
    # The navigation takes about 220 px, title bar, menu and status bar about 120 px.
    assert hint.width() <= 1366 - 220, hint
    assert hint.height() <= 768 - 120, hint
