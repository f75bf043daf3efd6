"""Family-file tab "Kinderschutz": the household's § 8a procedures (state, acute flag,
opened, lead), opening a new one, the acute button, and the selected procedure's view."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QDialog,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QScrollArea,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from casework.errors import UserError
from casework.models.changes import Changes
from casework.models.kinderschutz.rules import TRANSITIONS
from casework.models.kinderschutz.vocabulary import State
from casework.services.households import households
from casework.services.kinderschutz import procedures as ks
from casework.ui.context import UiContext
from casework.ui.kinderschutz.acute_dialog import show_acute_dialog
from casework.ui.kinderschutz.dialogs_steps import AcuteRecordDialog, OpenProcedureDialog
from casework.ui.kinderschutz.guidance import when
from casework.ui.kinderschutz.procedure_view import ProcedureView, table_view
from casework.ui.simple_model import SimpleTableModel
from casework.ui.widgets import named


class KinderschutzTab(QWidget):
    def __init__(self, ctx: UiContext, household_id: str,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.household_id = household_id
        self.dialog: QDialog | None = None
        self.acute_window: QDialog | None = None
        self.rows: list[Any] = []  # services.kinderschutz.list_procedures rows
        self.model = SimpleTableModel(
            ("Eröffnet", "Betroffene Kinder", "Aktueller Schritt", "Akut", "Fallführend"), self)
        top = QWidget(self)
        self.view = table_view(top, "§ 8a-Verfahren der Familie", self.model)
        self.view.setMinimumHeight(90)
        self.empty = QLabel("Für diese Familie gibt es noch kein § 8a-Verfahren.", top)
        named(self.empty, "Hinweis")
        self.open_button = QPushButton("Verfahren &eröffnen …", top)
        named(self.open_button, "§ 8a-Verfahren eröffnen")
        self.open_button.clicked.connect(self.open_procedure)
        self.acute_button = QPushButton("⚠  Akut: neues Akutverfahren …", top)
        named(self.acute_button, "Akut: dringende Gefahr (Familie)",
              "Wen rufe ich jetzt an? – und den Akutfall festhalten")
        font = self.acute_button.font()
        font.setBold(True)
        self.acute_button.setFont(font)
        self.acute_button.clicked.connect(self.acute)
        bar = QHBoxLayout()
        bar.addWidget(self.open_button)
        bar.addStretch(1)
        bar.addWidget(self.acute_button)
        top_layout = QVBoxLayout(top)
        top_layout.setContentsMargins(0, 0, 0, 0)
        top_layout.addLayout(bar)
        top_layout.addWidget(self.empty)
        top_layout.addWidget(self.view, 1)

        self.procedure = ProcedureView(ctx)
        scroll = QScrollArea(self)
        scroll.setWidgetResizable(True)
        # Up and down only: the view reflows to the width (steps and records one below
        # the other, buttons wrap), so it never needs scrolling sideways (issue 18).
        scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        scroll.setWidget(self.procedure)
        named(scroll, "Ausgewähltes Verfahren")
        self.procedure_area = scroll
        splitter = QSplitter(Qt.Orientation.Vertical, self)
        splitter.addWidget(top)
        splitter.addWidget(scroll)
        splitter.setStretchFactor(0, 1)
        splitter.setStretchFactor(1, 5)
        splitter.setSizes([130, 800])
        layout = QVBoxLayout(self)
        layout.addWidget(splitter)
        self.view.selectionModel().selectionChanged.connect(self._selected)
        ctx.changed.connect(self._on_changed)
        self.refresh()
        if self.rows:
            self.select(self.rows[0].id)
        self._update_acute()

    def _update_acute(self) -> None:
        # The procedure view has its own acute button; this one starts a new acute
        # procedure when none is open here (no procedure yet, or a closed one shown).
        file = self.procedure.file
        self.acute_button.setVisible(file is None or file.state is State.S9)
        # No procedure selected: show no disabled, empty procedure form at all.
        self.procedure_area.setVisible(file is not None)

    # --- data ----------------------------------------------------------------------------

    def refresh(self) -> None:
        session = self.ctx.session
        if session is None or not session.is_open:
            self.rows = []
            self.model.set_rows([])
            self.procedure.clear()
            return
        selected = self.procedure.procedure_id
        persons = {p.id: p.display_name for p in households.members(session, self.household_id)}
        self.rows = ks.list_procedures(session, self.household_id)
        self.model.set_rows([
            ((when(r.opened_at), ", ".join(persons.get(c, "?") for c in r.child_ids) or "–",
              r.state.label, "ja" if r.acute else "", r.lead_worker_name), r.id)
            for r in self.rows])
        self.empty.setVisible(not self.rows)
        if selected is not None:
            self._reselect(selected)
        self._update_acute()

    def _reselect(self, procedure_id: str) -> None:
        for i, r in enumerate(self.rows):
            if r.id == procedure_id:
                blocker = self.view.selectionModel().blockSignals(True)
                self.view.selectRow(i)
                self.view.selectionModel().blockSignals(blocker)
                return

    def _on_changed(self, changes: Changes) -> None:
        if self.household_id in changes.ids("household") or changes.affects("person",
                                                                             "worker"):
            self.refresh()

    def select(self, procedure_id: str) -> None:
        """Select (and open, with an audit entry) a procedure of this household."""
        for i, r in enumerate(self.rows):
            if r.id == procedure_id:
                self.view.selectRow(i)
                if self.procedure.procedure_id != procedure_id:
                    self.procedure.load(procedure_id)
                return

    def _selected(self) -> None:
        rows = self.view.selectionModel().selectedRows()
        if rows and 0 <= rows[0].row() < len(self.rows):
            pid = self.rows[rows[0].row()].id
            if pid != self.procedure.procedure_id:
                self.procedure.load(pid)
        self._update_acute()

    # --- actions -------------------------------------------------------------------------

    def open_procedure(self) -> OpenProcedureDialog:
        dialog = OpenProcedureDialog(self.ctx, self.household_id, self)
        dialog.accepted.connect(lambda: self._after(dialog.procedure_id))
        self.dialog = dialog
        dialog.open()
        return dialog

    def _after(self, procedure_id: str | None) -> None:
        self.refresh()
        if procedure_id is not None:
            self.select(procedure_id)

    def acute(self) -> None:
        """The selected procedure's acute path if it still has one, else a new acute
        procedure; the routing dialog ("Wen rufe ich jetzt an?") opens first."""
        file = self.procedure.file
        if file is not None and State.SA in TRANSITIONS[file.state]:
            self.procedure.acute()
            self.dialog = self.procedure.dialog
            return
        try:
            household = households.get(self.ctx.require_session(), self.household_id)
        except UserError as error:
            self.ctx.report(error)
            return
        self.acute_window = show_acute_dialog(self.ctx, self.window(),
                                              household.data.district or None,
                                              self.household_id)
        dialog = AcuteRecordDialog(self.ctx, self.household_id, None, self)
        dialog.accepted.connect(lambda: self._after(dialog.procedure_id))
        self.dialog = dialog
        dialog.open()


def create(ctx: UiContext, household_id: str) -> QWidget:
    return KinderschutzTab(ctx, household_id)
