"""„Wer hat offen?“ and the data-quality notes on the Verzeichnis screen (real widgets,
real vault). Source requirements: partner opening hours (000:2018–2033) with NRW
holidays (sources-reference §7 no. 3); ASD list quality (§3.20 no. 7, 12)."""

from __future__ import annotations

import pytest
from PySide6.QtWidgets import QLabel
from pytestqt.qtbot import QtBot

from casework.services.session import Session
from casework.ui.context import UiContext
from casework.ui.directory import screen as verzeichnis
from casework.ui.directory.screen import VerzeichnisScreen
from tests.ui.test_accessibility import unnamed_controls


@pytest.fixture
def screen(qtbot: QtBot, ctx: UiContext, session: Session) -> VerzeichnisScreen:
    ctx.attach(session)
    widget = verzeichnis.create(ctx)
    assert isinstance(widget, VerzeichnisScreen)
    qtbot.addWidget(widget)
    return widget


def _names(screen: VerzeichnisScreen) -> list[str]:
    return [p.name for p in screen.partner_model.visible_items()]


def test_who_is_open_at_a_place_and_on_a_holiday(screen: VerzeichnisScreen) -> None:
    bar = screen.open_bar
    screen.show()
    screen.tabs.setCurrentIndex(3)
    assert unnamed_controls(bar) == []
    bar.moment.setText("26.11.2026 15:30")
    bar.place.setText("Batenbrock")
    bar.ask()
    assert bar.answer.text().startswith("Am 26.11.2026 um 15:30 (Batenbrock) geöffnet: AGSB")
    assert "geöffnet bis 17:00" in bar.answer.text()
    assert len(_names(screen)) == 2
    assert screen.partner_model.data(screen.partner_model.index(0, 0)) == "geöffnet bis 17:00"
    bar.moment.setText("25.12.2026 10:00")
    bar.ask()
    assert "hat niemand geöffnet" in bar.answer.text()
    assert "Feiertag – geschlossen, öffnet Mo 08:00" in bar.answer.text()
    bar.moment.setText("25.13.2026")
    bar.ask()
    assert "kein gültiger Zeitpunkt" in bar.error.text()
    bar.reset()
    assert len(_names(screen)) == len(screen.profile.partners)


def test_notes_name_the_data_to_check(screen: VerzeichnisScreen) -> None:
    texts = [label.text() for label in screen.notes_tab.findChildren(QLabel)]
    assert "Bitte prüfen" in texts
    assert any("Bezirk 3 und Bezirk 7" in t for t in texts)
