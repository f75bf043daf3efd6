"""Berichte screen: compute a report, see the numbers, save PDF + CSV via the patched
file chooser."""

from __future__ import annotations

import io
from pathlib import Path

import pypdf
import pytest
from PySide6.QtCore import QDate, Qt

from casework.reports.export import TITLES, ReportKind
from casework.services import session as session_service
from casework.ui import documents
from casework.ui.context import UiContext
from casework.ui.reports import screen as berichte
from tests.conftest import PASSPHRASE
from tests.reports.conftest import build


@pytest.fixture
def report_ctx(ctx: UiContext, vault_dir: Path, clock) -> UiContext:  # type: ignore[no-untyped-def]
    session = session_service.unlock(vault_dir, PASSPHRASE, clock)
    build(session)
    ctx.attach(session)
    return ctx


def _values(screen: berichte.BerichteScreen) -> dict[tuple[str, str, str], str]:
    out = {}
    for i in range(screen.table.topLevelItemCount()):
        section = screen.table.topLevelItem(i)
        for j in range(section.childCount()):
            table = section.child(j)
            for r in range(table.childCount()):
                row = table.child(r)
                out[(table.text(0), row.text(0), row.text(1))] = row.text(2)
    return out


def test_compute_shows_suppressed_numbers(qtbot, report_ctx: UiContext) -> None:  # type: ignore[no-untyped-def]
    screen = berichte.create(report_ctx)
    qtbot.addWidget(screen)
    screen.show()
    assert isinstance(screen, berichte.BerichteScreen)
    # default period: the previous calendar year (the fixed clock is in 2026)
    assert screen.von.date() == QDate(2025, 1, 1) and screen.bis.date() == QDate(2025, 12, 31)
    qtbot.mouseClick(screen.compute_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not screen.computing)  # computed on the worker thread
    values = _values(screen)
    assert values[("Kontakte nach Monat", "Summe", "Kontakte")] == "3"
    assert values[("Erreichte Haushalte (mind. ein Kontakt im Zeitraum)", "neu", "Anzahl")] == "< 5"
    assert "Erreichte Haushalte: < 5" in screen.summary.text()
    assert "„< 5“: Wert zwischen 1 und 4" in screen.legend.text()
    screen.k.setValue(1)  # LR-39: the floor holds; nobody can switch suppression off
    assert screen.k.value() == 5
    qtbot.mouseClick(screen.compute_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not screen.computing)
    assert (
        _values(screen)[("Erreichte Haushalte (mind. ein Kontakt im Zeitraum)", "neu", "Anzahl")]
        == "< 5"
    )


def test_save_writes_pdf_and_csv(
    qtbot,
    report_ctx: UiContext,
    tmp_path: Path,  # type: ignore[no-untyped-def]
    monkeypatch: pytest.MonkeyPatch,
    message_log,
) -> None:
    target = tmp_path / "bericht"
    asked: list[str] = []

    def choose(_parent, _title: str, suggested: str) -> str:  # type: ignore[no-untyped-def]
        asked.append(suggested)
        return str(target)

    monkeypatch.setattr(documents, "choose_pdf_target", choose)
    screen = berichte.create(report_ctx)
    qtbot.addWidget(screen)
    screen.show()
    screen.kind.setCurrentIndex(screen.kind.findData("monitoring"))
    qtbot.mouseClick(screen.save_button, Qt.MouseButton.LeftButton)
    assert asked == ["monitoring_2025-01-01_2025-12-31.pdf"]
    job = screen.save_job  # computed and written on the worker thread
    assert job is not None and report_ctx.tasks.busy and job.progress is not None
    assert job.progress.isVisible() and not screen.save_button.isEnabled()
    qtbot.waitUntil(lambda: job.finished, timeout=30000)
    assert screen.save_button.isEnabled()
    text = " ".join(page.extract_text() for page in pypdf.PdfReader(
        io.BytesIO((tmp_path / "bericht.pdf").read_bytes())).pages)
    assert TITLES[ReportKind.MONITORING] in text and "01.01.2025" in text
    assert (tmp_path / "bericht.csv").read_bytes().startswith(b"\xef\xbb\xbf")
    assert message_log.texts("info") == [
        "PDF und CSV wurden gespeichert (bericht.pdf, bericht.csv)."
    ]


def test_reversed_period_is_reported(qtbot, report_ctx: UiContext, message_log) -> None:  # type: ignore[no-untyped-def]
    screen = berichte.create(report_ctx)
    qtbot.addWidget(screen)
    screen.show()
    screen.von.setDate(QDate(2025, 12, 31))
    screen.bis.setDate(QDate(2025, 1, 1))
    qtbot.mouseClick(screen.compute_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not screen.computing)
    assert message_log.texts("error") == ["Zeitraum: „von“ liegt nach „bis“."]


def test_group_offer_with_anonymous_attendance(qtbot, report_ctx: UiContext) -> None:  # type: ignore[no-untyped-def]
    from casework.models.offers import AgeGroup, AttendeeGender
    from casework.services import offers

    screen = berichte.create(report_ctx)
    qtbot.addWidget(screen)
    screen.show()
    panel = screen.offers
    screen.resize(1200, 1000)
    screen.tabs.setCurrentWidget(panel)
    before = panel.list.topLevelItemCount()  # the fixture's Müttercafé (training is per family)
    assert before == 1
    panel.title.setText("Nähtreff Batenbrock")  # QTest types ASCII only
    panel.kind.setCurrentText("Nähtreff")
    qtbot.mouseClick(panel.create_button, Qt.MouseButton.LeftButton)
    assert panel.list.topLevelItemCount() == 2
    assert panel.current_offer() is not None
    assert panel.list.currentItem().text(0) == "Nähtreff Batenbrock"
    qtbot.keyClicks(panel.day, "12.11.2026")
    panel.spins[(AgeGroup.U65, AttendeeGender.WEIBLICH)].setValue(7)
    panel.spins[(AgeGroup.U6, AttendeeGender.MAENNLICH)].setValue(2)
    qtbot.mouseClick(panel.record_button, Qt.MouseButton.LeftButton)
    item = panel.sessions.topLevelItem(0)
    assert [item.text(c) for c in range(4)] == ["12.11.2026", "2", "9", "0"]
    assert panel.list.currentItem().text(2) == "1"
    held = offers.sessions(report_ctx.require_session(), panel.current_offer())
    assert [s.total for s in held] == [9]


def test_named_participant_needs_consent_confirmation(
    qtbot,
    report_ctx: UiContext,  # type: ignore[no-untyped-def]
    message_log,
) -> None:
    from casework.services import offers

    screen = berichte.create(report_ctx)
    qtbot.addWidget(screen)
    screen.show()
    panel = screen.offers
    screen.resize(1200, 1000)
    screen.tabs.setCurrentWidget(panel)
    panel.list.setCurrentItem(panel.list.topLevelItem(0))  # Müttercafé
    qtbot.keyClicks(panel.family_search, "Neujahr")
    qtbot.keyClick(panel.family_search, Qt.Key.Key_Return)
    assert [panel.person.itemText(i) for i in range(panel.person.count())] == [
        "Jörg Neujahr – Familie Neujahr (Jörg) · Gärtnerstr. 12"
    ]
    qtbot.mouseClick(panel.add_person_button, Qt.MouseButton.LeftButton)
    assert panel.participants.count() == 1
    qtbot.keyClicks(panel.day, "12.11.2026")
    qtbot.mouseClick(panel.record_button, Qt.MouseButton.LeftButton)
    assert message_log.texts("error") == [
        "Teilnehmende mit Namen: nur mit Einwilligung. Bitte „Einwilligung liegt vor“ "
        "bestätigen oder die Teilnahme anonym zählen."
    ]
    assert panel.participants.count() == 1  # nothing lost
    panel.consent.setChecked(True)
    qtbot.mouseClick(panel.record_button, Qt.MouseButton.LeftButton)
    held = offers.sessions(report_ctx.require_session(), panel.current_offer())
    assert [(s.held_on.isoformat(), s.total, s.named) for s in held][-1] == ("2026-11-12", 1, 1)
    assert panel.participants.count() == 0


def test_targets_and_the_kinderschutz_evaluation_on_the_screen(
    qtbot, report_ctx: UiContext  # type: ignore[no-untyped-def]
) -> None:
    # Issue 21: the Jahresbericht against the targets of the year; the yearly § 8a
    # evaluation for the Jugendamt is a report of the Berichte screen too.
    screen = berichte.create(report_ctx)
    qtbot.addWidget(screen)
    screen.show()
    assert isinstance(screen, berichte.BerichteScreen)
    qtbot.mouseClick(screen.compute_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not screen.computing)
    values = _values(screen)
    title = "Ziele 2025: Zielwert, erreicht, Quote"
    assert values[(title, "Erreichte Familien", "Zielwert")] == "40"
    assert values[(title, "Erreichte Familien", "erreicht")] == "< 5"
    assert values[(title, "Erreichte Familien", "Quote")] == "–"
    screen.kind.setCurrentIndex(screen.kind.findData("kinderschutz"))
    qtbot.mouseClick(screen.compute_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not screen.computing)
    values = _values(screen)
    assert values[("Eröffnete Verfahren nach Jahr der Eröffnung", "Summe", "2025")] == "0"
    assert screen.summary.text().startswith("Jahresauswertung Kinderschutz (§ 8a SGB VIII)")
