"""Funding rules on the Teilhabemanagement screen (issue 21; sources-reference §3.14):
nothing bookable for a person excluded from funding, Baustein 5 needs the municipality's
statement, a measure past the funding period warns first, beyond the key only with a
written reason."""

from __future__ import annotations

from datetime import date

import pytest
from PySide6.QtCore import Qt

from casework.models.households.person import BirthInfo, Gender
from casework.models.persons.worker import WorkerDraft, WorkerRole
from casework.models.teilhabe.clients import ClientDraft
from casework.models.teilhabe.eligibility import Exclusion, ResidenceRecord, TmStatus
from casework.models.teilhabe.funding import (
    ExclusionFact,
)
from casework.services import teilhabe as tm
from casework.services.persons import workers
from casework.services.session import Session
from casework.ui.context import UiContext
from casework.ui.teilhabe.screen import TeilhabeScreen
from tests.conftest import add_person


@pytest.fixture
def samira(session: Session) -> str:
    wid, _ = workers.create(
        session, WorkerDraft("Samira Test", WorkerRole.TEILHABEMANAGEMENT, fte=0.01))
    return wid


def _client(session: Session, worker: str, first: str = "Yonas") -> str:
    cid, _ = tm.enrol_new_person(
        session, first, "Beispiel", BirthInfo(date(2001, 4, 2)), Gender.MAENNLICH,
        ClientDraft(date(2026, 1, 5)), ResidenceRecord(TmStatus.DULDUNG, date(2024, 1, 1)))
    tm.assign(session, cid, worker)
    return cid


def _screen(qtbot, ctx: UiContext, session: Session) -> TeilhabeScreen:  # type: ignore[no-untyped-def]
    ctx.attach(session)
    screen = TeilhabeScreen(ctx)
    qtbot.addWidget(screen)
    screen.show()
    return screen


def test_excluded_person_shows_why_nothing_can_be_booked(
    qtbot, ctx: UiContext, session: Session, samira: str  # type: ignore[no-untyped-def]
) -> None:
    # Source 000:3384: Landesaufnahmeeinrichtung and Gefährder are excluded from funding.
    session.act_as(samira)
    cid = _client(session, samira)
    tm.record_exclusion(session, cid, ExclusionFact(
        Exclusion.GEFAEHRDER, True, date(2026, 10, 1), "Mitteilung der Polizei vom 02.10.2026"))
    screen = _screen(qtbot, ctx, session)
    screen.show_client_where_it_is(cid)
    panel = screen.measures
    assert not panel.add_button.isEnabled()
    assert panel.blocked.text() == (
        "Keine geförderte Maßnahme möglich: die Person ist von der Förderung ausgeschlossen "
        "(von einer Sicherheitsbehörde als Gefährder eingestuft).")
    assert "Grundlage: Mitteilung der Polizei vom 02.10.2026" in screen.exclusion_facts.text()


def test_baustein_5_and_the_funding_period_warning(
    qtbot, ctx: UiContext, session: Session, samira: str, message_log  # type: ignore[no-untyped-def]
) -> None:
    session.act_as(samira)
    cid = _client(session, samira)
    screen = _screen(qtbot, ctx, session)
    screen.show_client_where_it_is(cid)
    panel = screen.measures
    assert not panel.statement.isEnabled()
    panel.baustein.setCurrentIndex(4)  # 5 Innovationsfonds
    assert panel.statement.isEnabled()
    qtbot.keyClicks(panel.title, "Werkstattprojekt")
    qtbot.mouseClick(panel.add_button, Qt.MouseButton.LeftButton)
    assert message_log.texts("error")[-1].startswith(
        "Stellungnahme der Kommune: ein Projekt aus Baustein 5 (Innovationsfonds) braucht "
        "zuerst die positive Stellungnahme der Kommune")
    assert tm.measures(session, cid) == []
    qtbot.keyClicks(panel.statement, "03.11.2026")
    # The example profile's funding period ends on 30.06.2022 (source 000:3559-3561).
    qtbot.keyClicks(panel.start, "01.12.2026")
    message_log.confirm_answer = False
    qtbot.mouseClick(panel.add_button, Qt.MouseButton.LeftButton)
    assert message_log.texts("confirm")[-1].startswith(
        "Die Maßnahme beginnt am 01.12.2026, nach dem Ende des Förderzeitraums (30.06.2022).")
    assert tm.measures(session, cid) == []  # "Nein": nothing saved
    message_log.confirm_answer = True
    qtbot.mouseClick(panel.add_button, Qt.MouseButton.LeftButton)
    assert [m.data.statement_on for m in tm.measures(session, cid)] == [date(2026, 11, 3)]
    assert ctx.last_confirmation == "Maßnahme gespeichert."


def test_beyond_the_key_asks_for_a_written_reason(
    qtbot, ctx: UiContext, session: Session, samira: str, message_log  # type: ignore[no-untyped-def]
) -> None:
    lead = add_person(session, "Dr. Petra Probe", WorkerRole.LEITUNG)
    session.act_as(lead)
    _client(session, samira, "Erster")
    waiting, _ = tm.enrol_new_person(
        session, "Zweite", "Beispiel", BirthInfo(date(2000, 1, 1)), Gender.WEIBLICH,
        ClientDraft(date(2026, 2, 1)), ResidenceRecord(TmStatus.GESTATTUNG, date(2024, 1, 1)))
    screen = _screen(qtbot, ctx, session)
    dash = screen.lead
    dash.waiting.setCurrentItem(dash.waiting.topLevelItem(0))
    dash.worker.setCurrentIndex(dash.worker.findData(samira))
    dash.over.setChecked(True)
    qtbot.mouseClick(dash.assign_button, Qt.MouseButton.LeftButton)
    assert message_log.texts("error")[-1] == (
        "Begründung: über den Schlüssel hinaus nur mit schriftlicher Begründung zuweisen.")
    assert tm.get(session, waiting).worker_id is None
    dash.reason.setText("Vertretung während der Elternzeit")
    qtbot.mouseClick(dash.assign_button, Qt.MouseButton.LeftButton)
    assert tm.get(session, waiting).worker_id == samira
    assert ctx.last_confirmation == "Zuweisung gespeichert."
