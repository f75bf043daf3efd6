"""`stretch_column`: the short columns are measured once after the rows change (issue 23)
and still fit what they show; the running-text column takes the rest."""

from __future__ import annotations

from PySide6.QtWidgets import QTableView

from casework.ui.simple_model import SimpleTableModel
from casework.ui.widgets import capped_column, stretch_column


def test_short_columns_follow_their_rows_and_a_capped_column_keeps_its_cap(qtbot) -> None:  # type: ignore[no-untyped-def]
    model = SimpleTableModel(["Fällig", "Familie", "Nächster Schritt"])
    view = QTableView()
    qtbot.addWidget(view)
    view.setModel(model)
    stretch_column(view, 2)
    capped_column(view, 1, 0.3)
    view.resize(900, 300)
    view.show()
    qtbot.waitExposed(view)
    model.set_rows([(("06.12.2026", "Becker", "anrufen"), None)])
    qtbot.waitUntil(lambda: view.columnWidth(0) >= view.sizeHintForColumn(0))
    short = view.columnWidth(0)

    model.set_rows([(("10.11.2026 (überfällig)", "Müller-Lüdenscheidt (Ayşe, Björn) · "
                      "Gärtnerstraße 12, Hinterhaus links", "Kita anrufen"), None)])
    qtbot.waitUntil(lambda: view.columnWidth(0) > short)
    assert view.columnWidth(0) >= view.sizeHintForColumn(0)  # nothing of the date elided
    qtbot.waitUntil(lambda: view.columnWidth(1) <= int(view.viewport().width() * 0.3))
    header = view.horizontalHeader()
    assert sum(header.sectionSize(c) for c in range(3)) <= view.viewport().width() + 1
