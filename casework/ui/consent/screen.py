"""Screen "Einwilligungen": all consents of the vault with filters (status, renewal due
at 16, withdrawn), opening the family file, and the blank form for home visits."""

from __future__ import annotations

from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from casework.models.changes import Changes
from casework.models.consent import ConsentStatus
from casework.services.consent import lifecycle as service
from casework.ui.consent import dialogs
from casework.ui.context import UiContext
from casework.ui.widgets import capped_column, heading, named, stretch_column

# Filter entries: label → (status, renewal_due, withdrawn)
FILTERS: tuple[tuple[str, ConsentStatus | None, bool, bool], ...] = (
    ("Alle", None, False, False),
    ("Erneuerung fällig (16 Jahre)", None, True, False),
    ("Widerrufen (ganz oder teilweise)", None, False, True),
    *((f"Status: {s.value}", s, False, False) for s in ConsentStatus),
)


class EinwilligungenScreen(QWidget):
    def __init__(self, ctx: UiContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.filter = QComboBox(self)
        named(self.filter, "Filter")
        for label, *_ in FILTERS:
            self.filter.addItem(label)
        self.filter.currentIndexChanged.connect(self.refresh)
        self.count = QLabel(self)
        named(self.count, "Anzahl")
        self.blank_button = QPushButton("&Blankoformular drucken …", self)
        named(self.blank_button, "Blankoformular drucken")
        self.blank_button.clicked.connect(lambda: dialogs.print_blank(self.ctx, self))
        self.open_button = QPushButton("Familie ö&ffnen", self)
        named(self.open_button, "Familie öffnen")
        self.open_button.clicked.connect(self.open_selected)

        self.model = dialogs.ConsentTableModel(with_family=True, parent=self)
        self.view = QTableView(self)
        named(self.view, "Einwilligungen")
        self.view.setModel(self.model)
        self.view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.view.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.view.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.view.verticalHeader().hide()
        columns = self.model.columns
        stretch_column(self.view, columns.index("Zwecke"), columns.index("Empfänger"))
        # Long values take at most a share of the width and elide (the tooltip has all):
        # at 125 % eight columns fit only so (issue 18).
        for name, share in (("Familie", 0.17), ("Person", 0.12), ("Nachweis", 0.13),
                            ("Gültig", 0.13)):
            capped_column(self.view, columns.index(name), share)
        self.view.doubleClicked.connect(lambda _index: self.open_selected())

        bar = QHBoxLayout()
        filter_label = QLabel("Fi&lter:", self)
        filter_label.setBuddy(self.filter)
        bar.addWidget(filter_label)
        bar.addWidget(self.filter)
        bar.addWidget(self.count)
        bar.addStretch(1)
        bar.addWidget(self.open_button)
        bar.addWidget(self.blank_button)
        layout = QVBoxLayout(self)
        layout.addWidget(heading("Einwilligungen", self))
        layout.addLayout(bar)
        layout.addWidget(self.view, 1)
        ctx.changed.connect(self._on_changed)
        ctx.session_changed.connect(self.refresh)
        self.refresh()

    def set_filter(self, label: str) -> None:
        self.filter.setCurrentIndex(self.filter.findText(label))

    def refresh(self) -> None:
        session = self.ctx.session
        if session is None or not session.is_open:
            self.model.set_rows([])
        else:
            _, status, renewal, withdrawn = FILTERS[max(self.filter.currentIndex(), 0)]
            self.model.set_rows(service.overview(session, status=status,
                                                 renewal_due=renewal, withdrawn=withdrawn))
        n = self.model.rowCount()
        self.count.setText("1 Einwilligung" if n == 1 else f"{n} Einwilligungen")
        self.open_button.setEnabled(n > 0)

    def _on_changed(self, changes: Changes) -> None:
        if changes.affects("consent", "person", "household"):
            self.refresh()

    def open_selected(self) -> None:
        rows = self.view.selectionModel().selectedRows()
        row = self.model.row_at(rows[0].row()) if rows else None
        if row is not None:
            self.ctx.open_household(row.consent.household_id)


def create(ctx: UiContext) -> QWidget:
    return EinwilligungenScreen(ctx)
