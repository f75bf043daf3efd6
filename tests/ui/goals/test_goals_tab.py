"""Family tab "Hilfeplan" with real widgets: a goal with the live SMART hint, progress,
minutes noting goals not SMART yet, the printed plan, and the Familien filter "mit
offenen Zielen" (issue 20)."""

from __future__ import annotations

import io
from pathlib import Path

import pypdf
import pytest
from PySide6.QtCore import Qt

from casework.models.goals import GoalDraft
from casework.models.ids import HouseholdId
from casework.services import goals
from casework.services.session import Session
from casework.ui.context import UiContext
from casework.ui.goals import family_tab as tab_module
from casework.ui.households.screen import FamilienScreen
from tests.conftest import add_family
from tests.ui.conftest import MessageLog


def click(qtbot, button) -> None:  # type: ignore[no-untyped-def]
    assert button.isEnabled(), button.accessibleName()
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)


def make_tab(qtbot, ctx: UiContext, session: Session,  # type: ignore[no-untyped-def]
             family: HouseholdId) -> tab_module.HilfeplanTab:
    ctx.attach(session)
    tab = tab_module.create(ctx, family)
    assert isinstance(tab, tab_module.HilfeplanTab)
    qtbot.addWidget(tab)
    return tab


def test_goal_with_smart_hint_progress_and_minutes(
        qtbot, ctx: UiContext, session: Session, family: HouseholdId,  # type: ignore[no-untyped-def]
        message_log: MessageLog) -> None:
    tab = make_tab(qtbot, ctx, session, family)
    assert not tab.empty.isHidden()
    click(qtbot, tab.new_button)
    dialog = tab.dialog
    assert isinstance(dialog, tab_module.GoalDialog)
    qtbot.keyClicks(dialog.what, "Mehr Ruhe")
    assert "bis wann?" in dialog.smart_hint.text()
    dialog.what.setPlainText("Lena geht jeden Morgen pünktlich in die Kita")
    dialog.measure.setText("höchstens zweimal im Monat zu spät")
    dialog.due.setText("31.03.2027")
    dialog.responsibilities.setPlainText("Mutter: Wecker; Fachkraft: Gespräch mit der Kita")
    assert dialog.smart_hint.text() == "SMART ✓"
    dialog.review.setText("01.01.2020")
    dialog.accept()
    assert "Vergangenheit" in dialog.form.error_text("Nächste Überprüfung")
    dialog.review.setText("15.12.2026")
    dialog.accept()
    assert dialog.result() == 1
    assert tab.model.rows[0][0][4:] == ("offen", "SMART ✓")
    tab.view.selectRow(0)
    click(qtbot, tab.progress_button)
    entry = tab.dialog
    assert isinstance(entry, tab_module.EntryDialog)
    entry.accept()
    assert "bitte angeben" in entry.form.error_text("Notiz")
    entry.text.setPlainText("erste Woche an vier Tagen pünktlich")
    entry.rating.setValue(4)
    entry.accept()
    assert tab.model.rows[0][0][3] == "4/10"
    goals.create(session, GoalDraft(family, "Mehr Ruhe"))
    tab.refresh()
    click(qtbot, tab.meeting_button)
    meeting = tab.dialog
    assert isinstance(meeting, tab_module.MeetingDialog)
    assert "Mehr Ruhe" in meeting.not_smart.text()
    assert "pünktlich" not in meeting.not_smart.text()
    qtbot.keyClicks(meeting.participants, "Frau Mueller, Fachkraft")
    meeting.accept()
    assert "noch nicht SMART: „Mehr Ruhe“" in tab.meetings.text()
    assert message_log.texts("error") == []


def test_print_plan_and_filter(qtbot, ctx: UiContext, session: Session,  # type: ignore[no-untyped-def]
                               family: HouseholdId, tmp_path: Path,
                               monkeypatch: pytest.MonkeyPatch) -> None:
    add_family(session, "Ohneziel")
    goals.create(session, GoalDraft(family, "Lena geht pünktlich in die Kita"))
    tab = make_tab(qtbot, ctx, session, family)
    target = tmp_path / "Hilfeplan.pdf"
    from casework.ui import documents as save_dialogs

    monkeypatch.setattr(save_dialogs, "choose_pdf_target", lambda *_a: str(target))
    click(qtbot, tab.print_button)
    text = " ".join(p.extract_text() for p in pypdf.PdfReader(io.BytesIO(
        target.read_bytes())).pages)
    assert "Unser Hilfeplan" in text and "pünktlich" in text
    screen = FamilienScreen(ctx, search_delay_ms=0)
    qtbot.addWidget(screen)
    assert screen.model.rowCount() == 2
    screen.status_filter.setCurrentIndex(screen.status_filter.findData("open_goals"))
    assert screen.model.rowCount() == 1
    assert screen.model.row_at(0).name == "Müller"  # type: ignore[union-attr]
