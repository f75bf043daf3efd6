"""§ 8a forms after the result: Schutzplan, Mitteilung an das Jugendamt (LR-12: errors
next to the field), Meldung with protected reporter fields, closing; printing the
Mitteilung and the Schutzplan. The procedure is driven to S5 through the services; the
forms are filled through the widgets."""

from __future__ import annotations

import io
import re
from datetime import timedelta
from pathlib import Path

import pypdf
import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QGroupBox
from pytestqt.qtbot import QtBot

from casework.models.ids import HouseholdId
from casework.models.kinderschutz.actions import Acute
from casework.models.kinderschutz.vocabulary import EntryKind, LegalBasis, ResultCategory, State
from casework.services.kinderschutz import procedures as ks
from casework.services.session import Session
from casework.ui import documents
from casework.ui.context import UiContext
from casework.ui.kinderschutz import dialogs_records as rec
from casework.ui.kinderschutz import dialogs_steps as steps
from casework.ui.kinderschutz.common import EntryDialog, select_data
from casework.ui.kinderschutz.family_tab import KinderschutzTab
from casework.ui.kinderschutz.procedure_view import ProcedureView
from casework.ui.kinderschutz.screen import KinderschutzScreen
from casework.ui.main_window import MainWindow
from tests.conftest import add_family
from tests.services.kinderschutz.support import drive_to_s5, make_team, result, result_approved


def pdf_text(path: Path) -> str:
    reader = pypdf.PdfReader(io.BytesIO(path.read_bytes()))
    return re.sub(r"\s+", " ", " ".join(p.extract_text() for p in reader.pages)
                  .replace("\xa0", " "))


@pytest.fixture
def kctx(ctx: UiContext, session: Session) -> UiContext:
    ctx.attach(session)
    return ctx


@pytest.fixture
def latent(session: Session, family: HouseholdId) -> str:
    """A procedure with the result "latente KWG", still in S5."""
    team = make_team(session)
    pid, fact = drive_to_s5(session, team, family)
    ks.record_result(session, pid, result(fact, ResultCategory.LATENT))
    result_approved(session, team, pid)
    return pid


def open_view(qtbot: QtBot, ctx: UiContext, pid: str) -> ProcedureView:
    view = ProcedureView(ctx)
    qtbot.addWidget(view)
    view.resize(1200, 900)
    view.load(pid)
    return view


def dialog_of(qtbot: QtBot, view: ProcedureView, key: str) -> EntryDialog:
    button = view.record_buttons[key]
    assert button.isEnabled(), button.toolTip()
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)
    assert isinstance(view.dialog, EntryDialog)
    qtbot.addWidget(view.dialog)
    return view.dialog


def test_schutzplan_needs_review_date_then_prints(
        qtbot: QtBot, kctx: UiContext, latent: str, monkeypatch: pytest.MonkeyPatch,
        tmp_path: Path) -> None:
    view = open_view(qtbot, kctx, latent)
    d = dialog_of(qtbot, view, "plan")
    assert isinstance(d, steps.PlanDialog)
    d.set_measure(0, "Kita täglich besuchen", "Mutter", "01.12.2026",
                  "Rückmeldung der Kita", "Jugendamt wird informiert")
    assert not d.save()
    assert d.error_text("Nächste Überprüfung") == "⚠ ein Datum ist Pflicht."
    d.review_date.setText("15.12.2026")
    assert d.save()
    assert view.file is not None and view.file.current_plan() is not None
    # S5 → S6 is now possible (latent: Hinwirken auf Hilfen)
    assert view.step_buttons[State.S6].isEnabled()
    assert not view.step_buttons[State.S9].isEnabled()
    assert "passt nicht zum Ergebnis" in view.step_reasons[State.S9].text()
    monkeypatch.setattr(documents, "choose_pdf_target",
                        lambda _p, _t, suggested: str(tmp_path / suggested))
    assert view.print_buttons["schutzplan"].isEnabled()
    qtbot.mouseClick(view.print_buttons["schutzplan"], Qt.MouseButton.LeftButton)
    text = pdf_text(tmp_path / "Schutzplan.pdf")
    assert "Kita täglich besuchen" in text and "15.12.2026" in text


def test_mitteilung_requires_legal_basis_and_prior_notice(
        qtbot: QtBot, kctx: UiContext, session: Session, latent: str,
        monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    view = open_view(qtbot, kctx, latent)
    assert not view.record_buttons["mitteilung"].isEnabled()
    assert "nicht vorgesehen" in view.record_buttons["mitteilung"].toolTip()
    qtbot.mouseClick(view.step_buttons[State.S7], Qt.MouseButton.LeftButton)
    assert view.state_label.text() == "Aktueller Schritt: Information an das Jugendamt"
    d = dialog_of(qtbot, view, "mitteilung")
    assert isinstance(d, steps.MitteilungDialog)
    qtbot.keyClicks(d.office, "ASD Bezirk 6")
    qtbot.keyClicks(d.person, "Fachkraft ASD")
    select_data(d.channel, "Telefon")
    d.content.setPlainText("Versorgungsmängel trotz Schutzplan.")
    assert not d.save()
    assert d.error_text("Rechtsgrundlage der Übermittlung") == "⚠ muss gewählt werden."
    select_data(d.legal_basis, LegalBasis.VEREINBARUNG)
    assert not d.save()
    assert "entweder das Datum" in d.error_text("Betroffene vorab informiert")
    d.notice_not_given.setChecked(True)
    assert d.no_notice_reason.isEnabled() and not d.notice_on.isEnabled()
    qtbot.keyClicks(d.no_notice_reason, "Schutz des Kindes sonst gefaehrdet")
    # sources 000:2132: the joint meeting (date, participants) and the responsibilities
    assert not d.meeting_on.isEnabled() and not d.meeting_participants.isEnabled()
    d.meeting_held.setChecked(True)
    assert not d.save()
    assert "wer teilgenommen hat" in d.error_text("Gemeinsames Gespräch")
    qtbot.keyClicks(d.meeting_participants, "Mutter, ASD Bezirk 6, Stadtteilbuero")
    d.responsibilities.setPlainText("ASD: Hausbesuch; Traeger: begleitet zur Beratung")
    assert d.save()
    assert kctx.last_confirmation == "Mitteilung an das Jugendamt festgehalten."
    file = ks.get_file(session, latent)
    m = file.of(EntryKind.MITTEILUNG)[0].data
    assert m.legal_basis is LegalBasis.VEREINBARUNG and m.prior_notice_on is None
    assert m.meeting_on is not None and m.meeting_participants.startswith("Mutter")
    monkeypatch.setattr(documents, "choose_pdf_target",
                        lambda _p, _t, suggested: str(tmp_path / suggested))
    qtbot.mouseClick(view.print_buttons["mitteilung"], Qt.MouseButton.LeftButton)
    printed = pdf_text(tmp_path / "Mitteilung-Jugendamt.pdf")
    assert "Vereinbarung nach § 8a Abs. 4 SGB VIII" in printed
    assert "Mutter, ASD Bezirk 6, Stadtteilbuero" in printed
    assert "ASD: Hausbesuch; Traeger: begleitet zur Beratung" in printed
    # S8 is possible now; closing needs the Leitung's approvals first
    qtbot.mouseClick(view.step_buttons[State.S8], Qt.MouseButton.LeftButton)
    assert not view.step_buttons[State.S9].isEnabled()
    assert "Leitung" in view.step_reasons[State.S9].text()


def test_report_marks_reporter_fields_protected(
        qtbot: QtBot, kctx: UiContext, session: Session, latent: str) -> None:
    view = open_view(qtbot, kctx, latent)
    d = dialog_of(qtbot, view, "report")
    assert isinstance(d, rec.ReportDialog)
    groups = [g.title() for g in d.findChildren(QGroupBox)]
    assert "🔒 Meldende Person – geschützt" in groups
    assert d.name.accessibleName() == "Name der meldenden Person (geschützt)"
    d.content.setPlainText("Kind weint oft nachts.")
    assert not d.save()  # neither a name nor "anonym"
    assert "Namen angeben oder „anonym“ wählen" in d.error_text("Meldende Person")
    d.anonymous.setChecked(True)
    assert not d.name.isEnabled()
    assert d.save()
    row = view.entries_model.rowCount() - 1
    assert "Angaben zur meldenden Person geschützt" in str(view.entries_model.index(row, 3)
                                                           .data())


def test_observation_disputed_stays_marked(
        qtbot: QtBot, kctx: UiContext, latent: str) -> None:
    view = open_view(qtbot, kctx, latent)
    d = dialog_of(qtbot, view, "dispute")
    assert isinstance(d, rec.DisputeDialog)
    d.entry.setCurrentIndex(1)
    assert not d.save()
    assert d.error_text("Bestritten von") == "⚠ muss ausgefüllt werden."
    qtbot.keyClicks(d.by_whom, "Mutter")
    assert d.save()
    kinds = [view.entries_model.index(r, 3).data() for r in range(view.entries_model.rowCount())]
    assert any(str(k).startswith("[bestritten] Fakt") for k in kinds)
    assert "[bestritten]" in view.versions.toPlainText()


def test_screen_double_click_opens_the_family_file_at_kinderschutz(
        qtbot: QtBot, unlocked: MainWindow) -> None:
    ctx = unlocked.ctx
    session = ctx.require_session()
    household = add_family(session)
    team = make_team(session)
    pid, _fact = drive_to_s5(session, team, household)
    workspace = unlocked.workspace
    assert workspace is not None
    screen = workspace.show_page("kinderschutz")
    assert isinstance(screen, KinderschutzScreen)
    screen.refresh()
    assert screen.open_model.rowCount() == 1
    screen.open_view.doubleClicked.emit(screen.open_model.index(0, 0))
    page = workspace.family_file(household)
    assert page is not None and workspace.current_key.endswith(household)
    assert page.tabs.tabText(page.tabs.currentIndex()) == "Kinderschutz"
    tab = page.lazy_tabs["kinderschutz"].findChild(KinderschutzTab)
    assert tab is not None
    assert tab.procedure.procedure_id == pid  # the (only) procedure is open
    assert tab.procedure.state_label.text() == "Aktueller Schritt: Ergebnis"


def test_children_assigned_after_an_acute_start(
        qtbot: QtBot, kctx: UiContext, session: Session, family: HouseholdId) -> None:
    now = session.clock.now()
    pid, _ = ks.acute(session, family, Acute(now - timedelta(minutes=5), "Kind allein."))
    view = open_view(qtbot, kctx, pid)
    assert "noch kein Kind zugeordnet" in view.title.text()
    assert view.children_button.text() == "Kinder &zuordnen …"
    assert view.acute_button.text() == "⚠  &Akut: wen anrufen? / Anruf festhalten"
    dialog = view.edit_children()
    assert isinstance(dialog, steps.ChildrenDialog)
    qtbot.addWidget(dialog)
    assert dialog.save()
    assert "für Lena Müller" in view.title.text()
