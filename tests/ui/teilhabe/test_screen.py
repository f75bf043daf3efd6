"""Teilhabemanagement screen with real widgets on a real vault."""

from __future__ import annotations

from datetime import date

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QComboBox, QListWidget

from casework.models.households.person import BirthInfo, Gender
from casework.models.persons.worker import WorkerDraft, WorkerRole
from casework.models.teilhabe.clients import ClientDraft
from casework.models.teilhabe.eligibility import ResidenceRecord, TmStatus
from casework.services import teilhabe as tm
from casework.services.persons import workers
from casework.services.session import Session
from casework.ui.context import UiContext
from casework.ui.teilhabe.screen import TeilhabeScreen, create
from tests.conftest import add_person


@pytest.fixture
def staff(session: Session) -> dict[str, str]:
    samira, _ = workers.create(
        session, WorkerDraft("Samira Test", WorkerRole.TEILHABEMANAGEMENT, fte=0.5)
    )
    lead = add_person(session, "Dr. Petra Probe", WorkerRole.LEITUNG)  # signs reassignments
    return {"samira": samira, "lead": lead}


def _screen(qtbot, ctx: UiContext, session: Session) -> TeilhabeScreen:  # type: ignore[no-untyped-def]
    ctx.attach(session)
    screen = create(ctx)
    assert isinstance(screen, TeilhabeScreen)
    qtbot.addWidget(screen)
    screen.show()
    return screen


def _rows(screen: TeilhabeScreen) -> list[list[str]]:
    tree = screen.caseload
    return [
        [tree.topLevelItem(i).text(c) for c in range(tree.columnCount())]
        for i in range(tree.topLevelItemCount())
    ]


def test_teilhabemanagerin_enrols_and_sees_eligibility(
    qtbot,
    ctx: UiContext,
    session: Session,  # type: ignore[no-untyped-def]
    staff: dict[str, str],
) -> None:
    session.act_as(staff["samira"])
    screen = _screen(qtbot, ctx, session)
    assert _rows(screen) == []
    assert screen.capacity.text() == "Auslastung: 0/50 (0 %)"
    assert not screen.main_tabs.isTabVisible(screen.lead_index)
    form = screen.enrol
    qtbot.keyClicks(form.first, "Yonas")
    qtbot.keyClicks(form.last, "Beispiel")
    qtbot.keyClicks(form.birth, "02.04.2001")
    form.gender.setCurrentText("männlich")
    form.status.setCurrentText("Duldung")
    qtbot.keyClicks(form.valid_from, "01.06.2024")
    qtbot.mouseClick(form.submit, Qt.MouseButton.LeftButton)
    rows = _rows(screen)
    assert rows == [
        [
            "Yonas Beispiel",
            "25 J.",
            "Duldung",
            "ja",
            "02.04.2029",
        ]
    ]
    assert screen.capacity.text() == "Auslastung: 1/50 (2 %)"
    screen.caseload.setCurrentItem(screen.caseload.topLevelItem(0))
    assert "wird am 02.04.2029 28 Jahre alt" in screen.eligibility.text()


def test_bad_birth_date_is_reported_and_nothing_saved(
    qtbot,
    ctx: UiContext,
    session: Session,  # type: ignore[no-untyped-def]
    message_log,
    staff: dict[str, str],
) -> None:
    session.act_as(staff["samira"])
    screen = _screen(qtbot, ctx, session)
    qtbot.keyClicks(screen.enrol.first, "Yonas")
    qtbot.keyClicks(screen.enrol.birth, "31.02.2001")
    qtbot.mouseClick(screen.enrol.submit, Qt.MouseButton.LeftButton)
    assert message_log.texts("error") == ["Geburtsdatum: ist kein gültiges Datum."]
    assert tm.all_clients(session) == []


def test_status_change_and_intake_from_the_screen(
    qtbot,
    ctx: UiContext,
    session: Session,  # type: ignore[no-untyped-def]
    staff: dict[str, str],
) -> None:
    session.act_as(staff["samira"])
    cid, _ = tm.enrol_new_person(
        session,
        "Hewan",
        "Beispiel",
        BirthInfo(date(1999, 1, 20)),
        Gender.WEIBLICH,
        ClientDraft(date(2026, 1, 5)),
        ResidenceRecord(TmStatus.GESTATTUNG, date(2025, 1, 1)),
    )
    tm.assign(session, cid, staff["samira"])
    screen = _screen(qtbot, ctx, session)
    screen.caseload.setCurrentItem(screen.caseload.topLevelItem(0))
    screen.residence_status.setCurrentText("Aufenthaltserlaubnis")
    qtbot.keyClicks(screen.residence_from, "01.11.2026")
    qtbot.mouseClick(screen.residence_button, Qt.MouseButton.LeftButton)
    assert _rows(screen)[0][3] == "nein"
    assert "Status seit 01.11.2026 Aufenthaltserlaubnis" in screen.eligibility.text()

    intake = screen.intake
    assert intake is not None
    language = intake.inputs["language_level"]
    assert isinstance(language, QComboBox)
    language.setCurrentText("A1")
    wishes = intake.inputs["wish"]
    assert isinstance(wishes, QListWidget)
    wishes.item(2).setCheckState(Qt.CheckState.Checked)  # Arbeit
    qtbot.mouseClick(intake.save_button, Qt.MouseButton.LeftButton)
    assert "2 Bildung und Sprache: Sprachförderung" in intake.needs.text()
    assert "4 Arbeitsmarkt und Wirtschaft: Vermittlung in Arbeit" in intake.needs.text()
    assert tm.intake(session, cid).answers["wish"] == ["Arbeit"]  # type: ignore[union-attr]


def test_leitung_dashboard_and_reassignment(
    qtbot,
    ctx: UiContext,
    session: Session,  # type: ignore[no-untyped-def]
    staff: dict[str, str],
) -> None:
    other, _ = workers.create(  # profiles are made by the owner (Admin)
        session, WorkerDraft("Tarek Probe", WorkerRole.TEILHABEMANAGEMENT, fte=0.01)
    )
    session.act_as(staff["lead"])
    cid, _ = tm.enrol_new_person(
        session,
        "Samir",
        "Beispiel",
        BirthInfo(date(2003, 8, 9)),
        Gender.MAENNLICH,
        ClientDraft(date(2026, 1, 5)),
        ResidenceRecord(TmStatus.DULDUNG, date(2025, 1, 1)),
    )
    screen = _screen(qtbot, ctx, session)
    lead = screen.lead
    assert screen.main_tabs.isTabVisible(screen.lead_index)
    assert lead.waiting.topLevelItemCount() == 1
    assert lead.bars[staff["samira"]].format() == "Samira Test: 0/50 (0 %)"
    lead.waiting.setCurrentItem(lead.waiting.topLevelItem(0))
    lead.worker.setCurrentIndex(lead.worker.findData(other))
    qtbot.mouseClick(lead.assign_button, Qt.MouseButton.LeftButton)
    assert lead.waiting.topLevelItemCount() == 0
    assert lead.bars[other].format() == "Tarek Probe: 1/1 (100 %)"
    assert lead.warning.text() == "Warnung: Tarek Probe: 1/1 (100 %) – über 90 %"
    lead.all_clients.setCurrentItem(lead.all_clients.topLevelItem(0))
    lead.worker.setCurrentIndex(lead.worker.findData(staff["samira"]))
    qtbot.keyClicks(lead.reason, "Urlaubsvertretung")
    qtbot.mouseClick(lead.assign_button, Qt.MouseButton.LeftButton)
    assert tm.get(session, cid).worker_id == staff["samira"]
    lead.all_clients.setCurrentItem(lead.all_clients.topLevelItem(0))
    assert lead.history.text() == (
        "Verlauf: 21.11.2026 Warteliste → Tarek Probe; "
        "21.11.2026 Tarek Probe → Samira Test (Urlaubsvertretung)"
    )


def test_measure_added_and_completed_with_transition(
    qtbot,
    ctx: UiContext,  # type: ignore[no-untyped-def]
    session: Session,
    staff: dict[str, str],
) -> None:
    session.act_as(staff["samira"])
    cid, _ = tm.enrol_new_person(
        session,
        "Hewan",
        "Beispiel",
        BirthInfo(date(1999, 1, 20)),
        Gender.WEIBLICH,
        ClientDraft(date(2026, 1, 5)),
        ResidenceRecord(TmStatus.GESTATTUNG, date(2025, 1, 1)),
    )
    tm.assign(session, cid, staff["samira"])
    screen = _screen(qtbot, ctx, session)
    screen.caseload.setCurrentItem(screen.caseload.topLevelItem(0))
    panel = screen.measures
    qtbot.keyClicks(panel.title, "Einstiegsqualifizierung")
    panel.baustein.setCurrentText("4 Schul-, ausbildungs- und berufsvorbereitende Kurse")
    panel.field.setCurrentText("4 Arbeitsmarkt und Wirtschaft")
    qtbot.keyClicks(panel.start, "01.02.2026")
    panel.status.setCurrentText("laufend")
    qtbot.mouseClick(panel.add_button, Qt.MouseButton.LeftButton)
    assert panel.table.topLevelItemCount() == 1
    panel.table.setCurrentItem(panel.table.topLevelItem(0))
    assert panel.title.text() == "Einstiegsqualifizierung"
    panel.status.setCurrentText("abgeschlossen")
    qtbot.keyClicks(panel.end, "31.10.2026")
    panel.outcome.setCurrentText("Übergang in Ausbildung")
    qtbot.mouseClick(panel.update_button, Qt.MouseButton.LeftButton)
    [measure] = tm.measures(session, cid)
    assert (measure.data.status.value, measure.data.outcome.value, measure.data.end_on) == (
        "abgeschlossen",
        "Übergang in Ausbildung",
        date(2026, 10, 31),
    )
    item = panel.table.topLevelItem(0)
    assert (item.text(4), item.text(5)) == ("abgeschlossen", "Übergang in Ausbildung")


def test_exclusion_flag_takes_client_out_of_target_group(
    qtbot,
    ctx: UiContext,  # type: ignore[no-untyped-def]
    session: Session,
    staff: dict[str, str],
) -> None:
    session.act_as(staff["samira"])
    cid, _ = tm.enrol_new_person(
        session,
        "Samir",
        "Beispiel",
        BirthInfo(date(2003, 8, 9)),
        Gender.MAENNLICH,
        ClientDraft(date(2026, 1, 5)),
        ResidenceRecord(TmStatus.DULDUNG, date(2025, 1, 1)),
    )
    tm.assign(session, cid, staff["samira"])
    screen = _screen(qtbot, ctx, session)
    screen.caseload.setCurrentItem(screen.caseload.topLevelItem(0))
    assert _rows(screen)[0][3] == "ja"
    screen.exclusion.setCurrentIndex(0)  # wohnt in einer Landesaufnahmeeinrichtung
    qtbot.keyClicks(screen.exclusion_since, "01.10.2026")
    qtbot.keyClicks(screen.exclusion_source, "Schreiben der Bezirksregierung vom 02.10.2026")
    qtbot.mouseClick(screen.exclusion_set, Qt.MouseButton.LeftButton)
    assert _rows(screen)[0][3] == "nein"
    assert "Landesaufnahmeeinrichtung" in screen.caseload.topLevelItem(0).toolTip(0)
    assert "wohnt in einer Landesaufnahmeeinrichtung (seit 01.10.2026; Grundlage: Schreiben " \
        "der Bezirksregierung vom 02.10.2026)" in screen.exclusion_facts.text()
    assert ctx.last_confirmation == "Ausschluss festgehalten."
