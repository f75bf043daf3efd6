"""Kinderschutz (§ 8a) tab, procedure view and screen with real widgets on a real vault.

Dialogs are filled like a user would and saved with `save()` (the Save button's slot);
message boxes go through the patched `casework.ui.messages`; the PDF file chooser is
`casework.ui.documents.choose_pdf_target`, patched here."""

from __future__ import annotations

import io
import re
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

import pypdf
import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel
from pytestqt.qtbot import QtBot

from casework.clock import BERLIN
from casework.models.contacts import NoteKind
from casework.models.households.household import HouseholdDraft
from casework.models.ids import HouseholdId, WorkerId
from casework.models.kinderschutz.findings import Observation
from casework.models.kinderschutz.vocabulary import (
    EntryKind,
    InvolvementTarget,
    Rating,
    ResultCategory,
    State,
)
from casework.models.persons.worker import WorkerDraft, WorkerRole
from casework.services.households import households
from casework.services.kinderschutz import procedures as ks
from casework.services.kinderschutz import review
from casework.services.persons import workers
from casework.services.session import Session
from casework.storage import audit as audit_store
from casework.ui import documents
from casework.ui.context import UiContext
from casework.ui.kinderschutz import common, redaction_review
from casework.ui.kinderschutz import dialogs_records as rec
from casework.ui.kinderschutz import dialogs_steps as steps
from casework.ui.kinderschutz import family_tab as tab_module
from casework.ui.kinderschutz import screen as screen_module
from casework.ui.kinderschutz.common import select_data, set_checked
from casework.ui.kinderschutz.procedure_view import ProcedureView
from tests.conftest import add_person
from tests.ui.conftest import MessageLog

S = State


def pdf_text(path: Path) -> str:
    reader = pypdf.PdfReader(io.BytesIO(path.read_bytes()))
    return re.sub(r"\s+", " ", " ".join(p.extract_text() for p in reader.pages)
                  .replace("\xa0", " "))


class Team:
    def __init__(self, session: Session) -> None:
        self.fk = session.actor_id
        self.fk2, _ = workers.create(session, WorkerDraft("Tom Zweitkraft", WorkerRole.FACHKRAFT))
        self.isef, _ = workers.create(session, WorkerDraft("Ina Kinderschutz",
                                                           WorkerRole.FACHKRAFT))
        self.leitung = add_person(session, "Dana Leitung", WorkerRole.LEITUNG)


@pytest.fixture
def kctx(ctx: UiContext, session: Session) -> Iterator[UiContext]:
    ctx.attach(session)
    yield ctx


@pytest.fixture
def team(session: Session) -> Team:
    return Team(session)


def make_tab(qtbot: QtBot, ctx: UiContext, household_id: str) -> tab_module.KinderschutzTab:
    tab = tab_module.create(ctx, household_id)
    assert isinstance(tab, tab_module.KinderschutzTab)
    qtbot.addWidget(tab)
    tab.resize(1200, 900)
    return tab


def record(qtbot: QtBot, view: ProcedureView, key: str) -> common.EntryDialog:
    button = view.record_buttons[key]
    assert button.isEnabled(), button.toolTip()
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)
    dialog = view.dialog
    assert isinstance(dialog, common.EntryDialog)
    qtbot.addWidget(dialog)
    return dialog


def step(qtbot: QtBot, view: ProcedureView, target: State) -> None:
    button = view.step_buttons[target]
    assert button.isEnabled(), view.step_reasons[target].text()
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)


def fact_id(view: ProcedureView) -> str:
    assert view.file is not None
    return view.file.of(EntryKind.OBSERVATION)[0].id


def observe(qtbot: QtBot, view: ProcedureView, text: str, kind: str = "Fakt") -> None:
    d = record(qtbot, view, "observation")
    assert isinstance(d, rec.ObservationDialog)
    assert d.kind.currentData() is None  # no judging default (issue 18)
    d.kind.setCurrentText(kind)
    qtbot.keyClicks(d.text, text)
    assert d.save(), d.form.general_error.text()


def open_with_observation(qtbot: QtBot, ctx: UiContext, family: HouseholdId
                          ) -> tuple[tab_module.KinderschutzTab, ProcedureView]:
    tab = make_tab(qtbot, ctx, family)
    assert tab.model.rowCount() == 0 and tab.empty.isVisibleTo(tab)
    dialog = tab.open_procedure()
    qtbot.addWidget(dialog)
    children = [dialog.child_list.item(i) for i in range(dialog.child_list.count())]
    checked = [i.text() for i in children if i.checkState() == Qt.CheckState.Checked]
    assert checked == ["Lena Müller (Kind)"]  # the child is preselected, the mother not
    assert dialog.save()
    view = tab.procedure
    assert view.state_label.text() == "Aktueller Schritt: Wahrnehmung"
    # S1 needs an observation first: disabled, reason visible and as tooltip
    assert not view.step_buttons[S.S1].isEnabled()
    assert "zuerst mindestens eine Beobachtung" in view.step_reasons[S.S1].text()
    assert "zuerst mindestens eine Beobachtung" in view.step_buttons[S.S1].toolTip()
    observe(qtbot, view, "Lena kam ohne Jacke bei 3 Grad in die Kita.")
    return tab, view


def assess(qtbot: QtBot, view: ProcedureView, team: Team) -> None:
    d = record(qtbot, view, "assessment")
    assert isinstance(d, rec.AssessmentDialog)
    assert any("nicht schematisch anzuwenden" in label.text()
               for label in d.findChildren(QLabel))  # LR-17 note next to the ratings
    assert d.count_note.text().startswith("⚠ Bisher 1 Fachkraft beteiligt")
    select_data(d.participants[1][0], team.fk2)
    assert d.count_note.text() == "2 verschiedene Fachkräfte beteiligt."
    qtbot.keyClicks(d.participants[1][2], "Zweitkraft")
    d.instrument.setText("Beispielbogen")
    d.add_rating("Grundversorgung", None)
    qtbot.keyClicks(d.summary, "Versorgung wiederholt unzureichend.")
    set_checked(d.facts, [fact_id(view)])
    # issue 18 "defaults that judge": a new rating has no value until one is chosen
    assert d.ratings[0][1].currentData() is None
    assert not d.save()
    assert "Bewertung ausdrücklich wählen" in d.error_text("Bewertungen (Module)")
    select_data(d.ratings[0][1], Rating.SCHLECHT)
    assert d.save(), d.form.general_error.text()


def consult_isef(qtbot: QtBot, view: ProcedureView, team: Team) -> None:
    d = record(qtbot, view, "isef")
    assert isinstance(d, rec.IsefDialog)
    select_data(d.isef_worker, team.isef)
    assert d.isef_name.text() == "Ina Kinderschutz"
    qtbot.keyClicks(d.organisation, "Beratungsstelle (Beispiel)")
    qtbot.keyClicks(d.recommendation, "Schutzplan mit der Mutter vereinbaren.")
    assert d.save(), d.form.general_error.text()


def involve(qtbot: QtBot, view: ProcedureView) -> None:
    for target, text in ((InvolvementTarget.ELTERN, "Gespraech mit der Mutter."),
                         (InvolvementTarget.KIND, "Lena erzaehlt, dass sie oft friert.")):
        d = record(qtbot, view, "involvement")
        assert isinstance(d, rec.InvolvementDialog)
        select_data(d.target, target)
        qtbot.keyClicks(d.content, text)
        assert d.save(), d.form.general_error.text()


def set_result(qtbot: QtBot, view: ProcedureView, justification: str) -> None:
    d = record(qtbot, view, "result")
    assert isinstance(d, rec.ResultDialog)
    d.category_buttons[ResultCategory.HILFEBEDARF].setChecked(True)
    d.justification.setPlainText(justification)
    set_checked(d.facts, [fact_id(view)])
    assert d.save(), d.form.general_error.text()


def drive_to_result(qtbot: QtBot, ctx: UiContext, family: HouseholdId,
                    team: Team) -> tuple[tab_module.KinderschutzTab, ProcedureView]:
    tab, view = open_with_observation(qtbot, ctx, family)
    observe(qtbot, view, "Die Mutter ist ueberfordert.", kind="Hypothese")
    step(qtbot, view, S.S1)
    assert view.state_label.text() == "Aktueller Schritt: Gewichtige Anhaltspunkte"
    step(qtbot, view, S.S2)
    assess(qtbot, view, team)
    step(qtbot, view, S.S3)
    consult_isef(qtbot, view, team)
    step(qtbot, view, S.S4)
    involve(qtbot, view)
    step(qtbot, view, S.S5)
    set_result(qtbot, view, "Versorgungsmaengel, Mutter nimmt Hilfe an.")
    assert ctx.last_confirmation == "Im § 8a-Verfahren festgehalten."
    # Review gate (issue 18): nothing builds on the result before the Leitung approved it.
    assert not view.step_buttons[S.S6].isEnabled()
    assert "An die Leitung geben" in view.step_reasons[S.S6].text()
    hand_over_in_view(qtbot, ctx, view)
    assert not view.step_buttons[S.S6].isEnabled()
    assert "noch offen" in view.step_reasons[S.S6].text()
    assert view.acute_button.isEnabled()  # acute action never waits
    return tab, view


def hand_over_in_view(qtbot: QtBot, ctx: UiContext, view: ProcedureView) -> None:
    button = view.handover_button
    assert button is not None and button.isEnabled()
    assert view.handover_reason is not None
    assert "noch bei Ihnen" in view.handover_reason.text()
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)
    assert ctx.last_confirmation == "Ergebnis an die Leitung gegeben."
    assert view.handover_button is not None and not view.handover_button.isEnabled()
    assert view.handover_reason is not None
    assert view.handover_reason.text().startswith("Liegt bei der Leitung zur Prüfung")


def leitung_screen(qtbot: QtBot, ctx: UiContext, session: Session, team: Team,
                   qtmodeltester: object) -> screen_module.KinderschutzScreen:
    session.act_as(WorkerId(team.leitung))
    ctx.session_changed.emit()
    screen = screen_module.create(ctx)
    assert isinstance(screen, screen_module.KinderschutzScreen)
    qtbot.addWidget(screen)
    for model in (screen.queue_model, screen.open_model, screen.overdue_model):
        qtmodeltester.check(model)  # type: ignore[attr-defined]
    return screen


def queue_row(screen: screen_module.KinderschutzScreen, label: str) -> int:
    for i in range(screen.queue_model.rowCount()):
        if screen.queue_model.index(i, 0).data() == label:
            return i
    return -1


# --------------------------------------------------------------------------- tests


def test_full_procedure_reaches_result_and_leitung_approves(
        qtbot: QtBot, kctx: UiContext, session: Session, family: HouseholdId, team: Team,
        message_log: MessageLog, qtmodeltester: object) -> None:
    tab, view = drive_to_result(qtbot, kctx, family, team)
    qtmodeltester.check(tab.model)  # type: ignore[attr-defined]
    for model in (view.entries_model, view.history_model, view.reviews_model):
        qtmodeltester.check(model)  # type: ignore[attr-defined]
    assert view.state_label.text() == "Aktueller Schritt: Ergebnis"
    assert message_log.texts("error") == []
    # the timeline shows who moved it from where to where, with the role
    history = [[view.history_model.index(r, c).data() for c in range(6)]
               for r in range(view.history_model.rowCount())]
    assert history[3][1:5] == ["Gefährdungseinschätzung",
                               "Beratung durch die insoweit erfahrene Fachkraft",
                               "Lena Beispiel", "Fachkraft"]
    assert "Fassung 1" in view.versions.toPlainText()
    assert "Tom Zweitkraft" in view.versions.toPlainText()
    assert "Liegt bei der Leitung: Ergebnis der Gefährdungseinschätzung (offen)" in \
        view.next_label.text()
    # the list row shows the state
    assert tab.model.index(0, 2).data() == "Ergebnis"

    screen = leitung_screen(qtbot, kctx, session, team, qtmodeltester)
    assert screen.queue_box.isVisibleTo(screen)
    row = queue_row(screen, "Ergebnis der Gefährdungseinschätzung")
    assert row >= 0
    assert screen.queue_model.index(row, 3).data() == "offen"
    assert screen.queue_model.index(row, 2).data() == "Lena Beispiel"
    screen.select_item(row)
    assert "Versorgungsmaengel" in screen.preview.toPlainText()
    assert screen.approve_button.isEnabled()
    qtbot.mouseClick(screen.approve_button, Qt.MouseButton.LeftButton)
    assert queue_row(screen, "Ergebnis der Gefährdungseinschätzung") == -1
    statuses = {v.label: v.status.value for v in review.items_for(session, view.procedure_id)}
    assert statuses["Ergebnis der Gefährdungseinschätzung"] == "freigegeben"
    # the procedure view (as seen by anyone) shows the decision
    reviews = [view.reviews_model.index(r, 1).data() for r in range(view.reviews_model.rowCount())]
    assert "freigegeben" in reviews
    # returning needs a comment, shown next to the comment field
    row = queue_row(screen, "Gewichtige Anhaltspunkte – Leitung informiert")
    screen.select_item(row)
    assert screen.approve_button.text() == "&Zur Kenntnis genommen"
    assert not screen.return_selected()
    assert "bitte angeben, was überarbeitet werden soll" in screen.comment_error.text()
    # double-click on an open procedure navigates to the family file
    with qtbot.waitSignal(kctx.household_requested) as opened:
        screen.open_view.doubleClicked.emit(screen.open_model.index(0, 0))
    assert opened.args == [family, "kinderschutz"]


def test_editing_the_result_makes_the_approval_stale(
        qtbot: QtBot, kctx: UiContext, session: Session, family: HouseholdId, team: Team,
        qtmodeltester: object) -> None:
    _tab, view = drive_to_result(qtbot, kctx, family, team)
    screen = leitung_screen(qtbot, kctx, session, team, qtmodeltester)
    screen.select_item(queue_row(screen, "Ergebnis der Gefährdungseinschätzung"))
    assert screen.approve()
    assert queue_row(screen, "Ergebnis der Gefährdungseinschätzung") == -1

    session.act_as(WorkerId(team.fk))
    kctx.session_changed.emit()
    view.refresh()
    assert view.record_buttons["result"].text() == "E&rgebnis ändern (neue Fassung) …"
    d = record(qtbot, view, "result")
    assert isinstance(d, rec.ResultDialog)
    assert d.category() is ResultCategory.HILFEBEDARF  # starts from the current version
    d.justification.setPlainText("Neue Erkenntnisse: Versorgung weiterhin unzureichend.")
    assert d.save()
    assert "Fassung 2" in view.versions.toPlainText() and "Fassung 1" in \
        view.versions.toPlainText()
    hand_over_in_view(qtbot, kctx, view)

    session.act_as(WorkerId(team.leitung))
    kctx.session_changed.emit()
    row = queue_row(screen, "Ergebnis der Gefährdungseinschätzung")
    assert row >= 0
    assert screen.queue_model.index(row, 3).data() == "veraltet"
    screen.select_item(row)
    assert "Veraltet" in screen.preview.toPlainText()
    assert "Neue Erkenntnisse" in screen.preview.toPlainText()


def test_result_disabled_with_isef_reason_before_consultation(
        qtbot: QtBot, kctx: UiContext, family: HouseholdId, team: Team) -> None:
    _tab, view = open_with_observation(qtbot, kctx, family)
    step(qtbot, view, S.S1)
    step(qtbot, view, S.S2)
    assess(qtbot, view, team)
    step(qtbot, view, S.S3)
    button = view.record_buttons["result"]
    assert not button.isEnabled()
    assert "Beratung durch die insoweit erfahrene Fachkraft dokumentiert" in button.toolTip()
    assert view.result_reason.isVisibleTo(view)
    assert view.result_reason.text().startswith("Ergebnis noch nicht möglich – Beratung "
                                                "durch die iseF")
    assert not view.step_buttons[S.S4].isEnabled()
    assert "Beratung durch die iseF" in view.step_reasons[S.S4].text()
    consult_isef(qtbot, view, team)
    # now the next missing piece is named instead
    assert "Einbeziehung" in view.record_buttons["result"].toolTip()
    assert view.step_buttons[S.S4].isEnabled()


def test_lead_worker_cannot_be_isef_error_next_to_field(
        qtbot: QtBot, kctx: UiContext, session: Session, family: HouseholdId,
        team: Team) -> None:
    _tab, view = open_with_observation(qtbot, kctx, family)
    step(qtbot, view, S.S1)
    step(qtbot, view, S.S2)
    d = record(qtbot, view, "isef")
    assert isinstance(d, rec.IsefDialog)
    select_data(d.isef_worker, session.actor_id)
    d.organisation.setText("Team")
    d.recommendation.setPlainText("Empfehlung")
    assert not d.save()
    assert "fallführende Fachkraft kann nicht zugleich iseF" in \
        d.error_text("Insoweit erfahrene Fachkraft")


def test_acute_flow_records_action_and_follow_up_tasks(
        qtbot: QtBot, kctx: UiContext, session: Session, family: HouseholdId, team: Team,
        qtmodeltester: object) -> None:
    tab = make_tab(qtbot, kctx, family)
    tab.acute()
    assert tab.acute_window is not None
    qtbot.addWidget(tab.acute_window)
    assert tab.acute_window.isVisible()  # "Wen rufe ich jetzt an?"
    dialog = tab.dialog
    assert isinstance(dialog, steps.AcuteRecordDialog)
    qtbot.addWidget(dialog)
    qtbot.keyClicks(dialog.description, "Kind allein in der Wohnung, weint laut.")
    qtbot.keyClicks(dialog.measures, "Bei der Nachbarin geblieben.")
    dialog.calls.item(0, 0).setText("09:40")
    dialog.calls.item(0, 1).setText("Jugendamt Notdienst")
    dialog.add_call("09:45", "Polizei 110")
    assert dialog.save(), dialog.form.general_error.text()

    view = tab.procedure
    assert view.procedure_id == dialog.procedure_id
    assert view.state_label.text() == "Aktueller Schritt: Akut – dringende Gefahr"
    assert view.acute_badge.isVisibleTo(view)
    assert tab.model.index(0, 3).data() == "ja"
    text = view.next_label.text()
    assert "Nacharbeit: Gefährdungseinschätzung mit zwei Fachkräften nachholen" in text
    assert "Nacharbeit: Beratung durch die iseF nachholen oder Verzicht begründen" in text
    assert view.record_buttons["isef_skip"].isVisibleTo(view)
    file = ks.get_file(session, view.procedure_id or "")
    acute = file.of(EntryKind.ACUTE)[0].data
    assert [c.whom for c in acute.calls] == ["Jugendamt Notdienst", "Polizei 110"]
    assert len(file.of(EntryKind.TASK)) == 4
    entries = [view.entries_model.index(r, 1).data() for r in range(view.entries_model.rowCount())]
    assert "Akutfall" in entries and "Nacharbeit" in entries
    # the Leitung is informed at once
    screen = leitung_screen(qtbot, kctx, session, team, qtmodeltester)
    assert queue_row(screen, "Akutfall – Leitung informiert") >= 0


def test_printing_the_documentation_writes_a_pdf(
        qtbot: QtBot, kctx: UiContext, session: Session, family: HouseholdId, team: Team,
        monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    used: list[str] = []

    def choose(_parent: object, _title: str, suggested: str) -> str:
        assert "Müller" not in suggested and "Lena" not in suggested
        used.append(suggested)
        return str(tmp_path / suggested)

    monkeypatch.setattr(documents, "choose_pdf_target", choose)
    _tab, view = drive_to_result(qtbot, kctx, family, team)
    qtbot.mouseClick(view.print_buttons["dokumentation"], Qt.MouseButton.LeftButton)
    assert used == ["Kinderschutz-Dokumentation.pdf"]
    text = pdf_text(tmp_path / used[0])
    for heading in ("Dokumentation der Gefährdungseinschätzung nach § 8a SGB VIII",
                    "Verlauf des Verfahrens", "Wahrnehmungen: Tatsachen",
                    "Gefährdungseinschätzung – alle Fassungen",
                    "Beratung durch die insoweit erfahrene Fachkraft (iseF)",
                    "Einbeziehung der Eltern und des Kindes",
                    "Ergebnis der Gefährdungseinschätzung"):
        assert heading in text
    assert "Lena kam ohne Jacke" in text
    actions = [e.action for e in audit_store.entries(session.db)]
    assert "kinderschutz.print" in actions and "kinderschutz.view" in actions
    # the pseudonymised iseF extract holds no family name; the review step comes first
    reviewed: list[str] = []

    def review_isef(_ctx: object, _parent: object, procedure_id: str) -> list[str]:
        reviewed.append(procedure_id)
        return ["Jacke"]

    monkeypatch.setattr(redaction_review, "review_isef", review_isef)
    qtbot.mouseClick(view.print_buttons["isef"], Qt.MouseButton.LeftButton)
    assert reviewed
    extract = pdf_text(tmp_path / "iseF-Auszug-pseudonymisiert.pdf")
    assert "pseudonymisierter Auszug" in extract
    assert "Müller" not in extract
    assert "Jacke" not in extract and "[geschwärzt]" in extract  # marked in the review
    # Mitteilung/Schutzplan are only printable once recorded
    assert not view.print_buttons["mitteilung"].isEnabled()
    assert not view.print_buttons["schutzplan"].isEnabled()


def test_own_entry_cannot_be_approved(
        qtbot: QtBot, kctx: UiContext, session: Session, family: HouseholdId, team: Team,
        qtmodeltester: object, message_log: MessageLog) -> None:
    # The Leitung herself records the observation and enters S1: her own notification.
    session.act_as(WorkerId(team.leitung))
    kctx.session_changed.emit()
    _tab, view = open_with_observation(qtbot, kctx, family)
    step(qtbot, view, S.S1)
    screen = leitung_screen(qtbot, kctx, session, team, qtmodeltester)
    screen.select_item(queue_row(screen, "Gewichtige Anhaltspunkte – Leitung informiert"))
    assert not screen.approve_button.isEnabled()
    assert "Vier-Augen-Prinzip" in screen.approve_button.toolTip()
    assert screen.own_note.isVisibleTo(screen)
    assert not screen.approve()  # the service refuses too, through the message seam
    assert any("Vier-Augen-Prinzip" in t for t in message_log.texts("error"))


def test_redaction_review_shows_replaced_and_suspicious_spans(
        qtbot: QtBot, kctx: UiContext, session: Session, family: HouseholdId) -> None:
    """The worker sees what the redaction replaced and what looks suspicious, ticks a
    word and types another; both are marked for the extract."""
    _neighbours, _ = households.create(session, HouseholdDraft(
        name="Schwarzkopf", street="Lindenallee 7", plz="46236", city="Bottrop"))
    child = next(p.id for p in households.members(session, family)
                 if p.data.first_name == "Lena")
    procedure, _ = ks.open_procedure(session, family, (child,))
    ks.record_observation(session, procedure, Observation(
        datetime(2026, 11, 19, 9, 0, tzinfo=BERLIN), NoteKind.FAKT,
        "Lena spielte mit Jovanka bei Schwarzkopfs in der Lindenalle 7, Zimmer 12b."))
    dialog = redaction_review.RedactionReviewDialog(kctx, procedure)
    qtbot.addWidget(dialog)
    rows = [(dialog.table.item(r, 0).text(), dialog.table.item(r, 1).text())
            for r in range(dialog.table.rowCount())]
    assert ("ersetzt", "Schwarzkopfs") in rows and ("ersetzt", "Lindenalle 7") in rows
    assert ("prüfen", "Jovanka") in rows and ("prüfen", "12b") in rows
    assert "nicht garantieren" in dialog.limits.text()
    row = rows.index(("prüfen", "Jovanka"))
    dialog.table.item(row, 3).setCheckState(Qt.CheckState.Checked)
    qtbot.keyClicks(dialog.extra, "Zimmer 12b")
    assert dialog.marked() == ["Jovanka", "Zimmer 12b"]
    qtbot.mouseClick(dialog.recheck, Qt.MouseButton.LeftButton)
    rows = [(dialog.table.item(r, 0).text(), dialog.table.item(r, 1).text())
            for r in range(dialog.table.rowCount())]
    assert ("ersetzt", "Jovanka") in rows and ("prüfen", "Jovanka") not in rows
    assert ("ersetzt", "Zimmer 12b") in rows
