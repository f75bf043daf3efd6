"""Everything fits the municipal laptop: 1366 x 768 minus the taskbar, and the same at
125 % scaling (1093 x 590 logical pixels), on a vault with the demo's example cases (§ 8a,
consents, referrals, Teilhabe, offers), so lists have real contents.
See tests/ui/fit.py for what "fits" means."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from casework.clock import FixedClock
from casework.services import demo
from casework.services import session as session_service
from casework.services.kinderschutz import procedures as ks
from casework.ui.households.family_file import FamilyFile
from casework.ui.households.form import NewHouseholdDialog
from casework.ui.households.members import PersonDialog
from casework.ui.main_window import MainWindow
from tests.conftest import NOW
from tests.ui.conftest import unlock
from tests.ui.fit import assert_fits, problems

LAPTOP = (1366, 738)
SCALED = (1093, 590)  # 1366 x 738 at QT_SCALE_FACTOR=1.25
MAIN_SCREENS = ("heute", "familien", "verzeichnis", "datenschutz", "berichte",
                "einstellungen", "kinderschutz", "einwilligungen", "vermittlungen", "teilhabe")


@pytest.fixture(scope="session")
def showcase_vault(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("showcase") / "vault"
    session = session_service.create(folder, demo.DEMO_PASSPHRASE, FixedClock(NOW),
                                     owner_name="Lena Beispiel", memory_security=False)
    try:
        demo.fill(session, 8, contacts_per_family=4)
    finally:
        session.close()
    return folder


@pytest.fixture
def showcase(qtbot: QtBot, window: MainWindow, showcase_vault: Path,
             tmp_path: Path) -> MainWindow:
    import shutil

    folder = tmp_path / "vault"
    shutil.copytree(showcase_vault, folder)
    unlock(qtbot, window, folder, demo.DEMO_PASSPHRASE)
    return window


def _richest_family(window: MainWindow) -> str:
    """A household of the example cases with a § 8a procedure (and more besides)."""
    session = window.ctx.require_session()
    return ks.list_procedures(session)[0].household_id


def test_main_screens_and_dialogs_fit_the_laptop(qtbot: QtBot, showcase: MainWindow) -> None:
    workspace = showcase.workspace
    assert workspace is not None
    found: list[str] = []
    for key in MAIN_SCREENS:
        workspace.show_page(key)
        found += [f"[{key}] {p}" for p in problems(showcase, *LAPTOP)]
    assert not found, "\n".join(found)

    household_id = _richest_family(showcase)
    person = PersonDialog(showcase.ctx, household_id, None, showcase)
    qtbot.addWidget(person)
    assert_fits(person, *LAPTOP)
    new = NewHouseholdDialog(showcase.ctx, showcase)
    qtbot.addWidget(new)
    assert_fits(new, *LAPTOP)
    assert_fits(new, *SCALED)
    entry = workspace.open_quick_entry(household_id, ask=False)
    assert entry is not None
    assert_fits(entry, *LAPTOP)
    from casework.services import contacts
    from casework.services.households import households
    from casework.ui.contacts.correction import CorrectionDialog

    session = showcase.ctx.require_session()
    contact = next(c for h in households.list_ids(session)
                   for c in contacts.contacts(session, h, limit=1))
    correction = CorrectionDialog(showcase.ctx, contact, showcase)
    qtbot.addWidget(correction)
    assert_fits(correction, *LAPTOP)
    assert_fits(correction, *SCALED)


def test_family_file_every_area_fits_without_scrolling_tabs(qtbot: QtBot,
                                                            showcase: MainWindow) -> None:
    workspace = showcase.workspace
    assert workspace is not None
    page = workspace.open_family(_richest_family(showcase))
    assert isinstance(page, FamilyFile)
    assert not page.tabs.tabBar().isVisible()  # the areas are a list at the side
    assert page.sections.count() == page.tabs.count() >= 12
    found: list[str] = []
    for index in range(page.tabs.count()):
        page.sections.setCurrentRow(index)
        assert page.tabs.currentIndex() == index
        found += [f"[{page.sections.item(index).text()}] {p}"
                  for p in problems(showcase, *LAPTOP)]
    assert not found, "\n".join(found)
    # every area is in reach of the side list and, from anywhere, of Strg+Bild ab
    assert {page.sections.item(i).text() for i in range(page.sections.count())} >= {
        "Übersicht", "Personen", "Kontakte", "Verlauf", "Zuständigkeit & Abschluss"}
    page.sections.setCurrentRow(0)
    seen = {page.tabs.currentIndex()}
    for _ in range(page.tabs.count()):
        qtbot.keyClick(page.sections, Qt.Key.Key_PageDown, Qt.KeyboardModifier.ControlModifier)
        seen.add(page.tabs.currentIndex())
    assert seen == set(range(page.tabs.count()))
    qtbot.keyClick(page.sections, Qt.Key.Key_P, Qt.KeyboardModifier.AltModifier)
    assert page.tabs.currentWidget() is page.persons
    assert page.sections.currentRow() == page.tabs.currentIndex()


def test_main_window_fits_at_125_percent(showcase: MainWindow) -> None:
    workspace = showcase.workspace
    assert workspace is not None
    page = workspace.open_family(_richest_family(showcase))
    assert isinstance(page, FamilyFile)
    found: list[str] = []
    for key in MAIN_SCREENS:
        workspace.show_page(key)
        found += [f"[{key}] {p}" for p in problems(showcase, *SCALED)]
    workspace.open_family(page.household_id)
    for index in range(page.tabs.count()):
        page.tabs.setCurrentIndex(index)
        found += [f"[{page.sections.item(index).text()}] {p}"
                  for p in problems(showcase, *SCALED)]
    assert not found, "\n".join(found)


def test_default_window_fits_the_screen_at_125_percent(tmp_path: Path) -> None:
    """A real Qt platform with a 1366 x 768 screen (taskbar 30 px) and QT_SCALE_FACTOR=1.25:
    a new window (no remembered geometry) takes at most the available area."""
    config = tmp_path / "screen.json"
    config.write_text('{"synchronousWindowSystem": true, "windowFrameMargins": false, '
                      '"screens": [{"name": "laptop", "x": 0, "y": 0, "width": 1366, '
                      '"height": 768, "logicalDpi": 96, "logicalBaseDpi": 96, "dpr": 1}]}')
    script = textwrap.dedent(f"""
        from PySide6.QtCore import QSettings
        from PySide6.QtWidgets import QApplication
        from casework.clock import FixedClock
        from casework.ui.context import UiContext
        from casework.ui.main_window import MainWindow
        from casework.ui.settings import Settings
        from tests.conftest import NOW
        app = QApplication([])
        screen = app.primaryScreen().availableGeometry()
        settings = Settings(QSettings({str(tmp_path / 'ui.ini')!r}, QSettings.Format.IniFormat))
        window = MainWindow(UiContext(FixedClock(NOW), settings=settings))
        window.show()
        app.processEvents()
        hint = window.minimumSizeHint()
        print(screen.width(), screen.height(), window.width(), window.height(),
              hint.width(), hint.height())
        window.close()
    """)
    env = {**os.environ, "QT_SCALE_FACTOR": "1.25",
           "QT_QPA_PLATFORM": f"offscreen:configfile={config}",
           "PYTHONPATH": str(Path(__file__).resolve().parents[2])}
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                            env=env, timeout=120, check=False)
    assert result.returncode == 0, result.stderr[-2000:]
    values = [int(v) for v in result.stdout.split()[-6:]]
    screen_w, screen_h, width, height, min_w, min_h = values
    assert (screen_w, screen_h) == (1093, 614)  # 1366 x 768 at 125 %
    assert width <= screen_w and height <= screen_h - 30
    assert min_w <= screen_w and min_h <= screen_h - 30
