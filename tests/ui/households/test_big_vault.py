"""A 2,000-household demo vault opens and the Familien screen is usable: rows render
from a lazily filled cache, search works, sorting happens in SQL. (The 20,000 run is a
benchmark, not part of CI.)"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt

from casework.models.text import fold
from casework.services.demo import DEMO_PASSPHRASE
from casework.ui.households.family_model import COLUMNS
from casework.ui.households.screen import FamilienScreen
from casework.ui.main_window import MainWindow
from tests.ui.conftest import unlock


def test_familien_on_2000_households(qtbot, window: MainWindow, demo_vault_2000: Path,  # type: ignore[no-untyped-def]
                                     qtmodeltester) -> None:
    unlock(qtbot, window, demo_vault_2000, DEMO_PASSPHRASE)
    workspace = window.workspace
    assert workspace is not None
    screen = workspace.show_page("familien")
    assert isinstance(screen, FamilienScreen)
    model = screen.model
    # The daily list leaves closed cases out; "alle Familien" shows every household.
    running = model.rowCount()
    assert 1500 < running < 2000
    assert not any(model.row_at(r).status == "abgeschlossen"  # type: ignore[union-attr]
                   for r in range(50))
    screen.status_filter.setCurrentIndex(screen.status_filter.findData("all"))
    assert model.rowCount() == 2000
    assert screen.count.text() == "2.000 Familien"
    qtbot.waitUntil(lambda: model.pages_loaded >= 1, timeout=20000)
    first_pages = model.pages_loaded
    assert first_pages <= 2  # only what the view shows was fetched
    names = [model.data(model.index(r, 0)) for r in range(20)]
    assert all(names) and names == sorted(names, key=fold)
    screen.view.scrollToBottom()
    assert model.data(model.index(1999, 0))
    assert model.pages_loaded <= first_pages + 2  # the end of the list, not every page
    qtmodeltester.check(model)

    # Sorting by header click goes to SQL: newest last contact first.
    screen.view.sortByColumn(COLUMNS.index("Letzter Kontakt"), Qt.SortOrder.DescendingOrder)
    assert model.sort_key == "last_contact" and model.descending
    dates = [model.row_at(r).last_contact_at for r in range(50)]  # type: ignore[union-attr]
    assert dates == sorted(dates, reverse=True)

    # Filters go to SQL as well: status and "nur meine".
    screen.status_filter.setCurrentIndex(screen.status_filter.findData("status:ruhend"))
    assert 0 < model.rowCount() < 2000
    assert {model.row_at(r).status for r in range(model.rowCount())} == {"ruhend"}  # type: ignore[union-attr]
    screen.status_filter.setCurrentIndex(screen.status_filter.findData("all"))
    screen.mine_only.setChecked(True)
    session = window.ctx.session
    assert session is not None
    mine = model.rowCount()
    assert 0 < mine < 2000
    names = {model.row_at(r).worker_name for r in range(min(mine, 300))}  # type: ignore[union-attr]
    assert names == {session.actor.name}
    screen.mine_only.setChecked(False)
    assert model.rowCount() == 2000

    qtbot.keyClicks(screen.search, "Muller")
    qtbot.waitUntil(lambda: model.search == "Muller", timeout=20000)
    assert 0 < model.rowCount() < 2000
    assert screen.count.text().endswith("Treffer")
    from casework.services.households import households

    for row in range(min(model.rowCount(), 30)):
        hid = model.household_id(row)
        assert hid is not None
        people = " ".join(p.display_name for p in households.members(session, hid))
        assert "muller" in fold(model.data(model.index(row, 0)) + " " + people)

    screen.search.clear()
    qtbot.keyClicks(screen.search, "Schimmel")
    qtbot.waitUntil(lambda: model.search == "Schimmel", timeout=20000)
    assert model.rowCount() > 0
    qtbot.keyClick(screen.search, Qt.Key.Key_Down)
    assert screen.view.currentIndex().row() == 0
    qtbot.keyClick(screen.view, Qt.Key.Key_Return)
    page = workspace.stack.currentWidget()
    assert page is workspace.family_file(model.household_id(0))  # type: ignore[arg-type]
