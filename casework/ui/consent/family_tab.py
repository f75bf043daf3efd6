"""Family-file tab "Einwilligungen": the household's consents per person with status and
validity; new consent, print, record the signature, file the scan, withdraw."""

from __future__ import annotations

from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from casework.models.changes import Changes
from casework.models.consent import ConsentStatus, ProofState
from casework.services.consent import lifecycle as service
from casework.services.consent.lifecycle import ConsentRow
from casework.ui.consent import dialogs
from casework.ui.context import UiContext
from casework.ui.widgets import named, stretch_column


class EinwilligungenTab(QWidget):
    def __init__(self, ctx: UiContext, household_id: str,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.household_id = household_id
        self.dialog: QDialog | None = None
        self.model = dialogs.ConsentTableModel(with_family=False, parent=self)
        self.view = QTableView(self)
        named(self.view, "Einwilligungen der Familie")
        self.view.setModel(self.model)
        self.view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.view.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.view.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.view.verticalHeader().hide()
        stretch_column(self.view, *(self.model.columns.index(c) for c in ("Zwecke", "Empfänger")))
        self.empty = QLabel("Noch keine Einwilligungen erfasst.", self)
        named(self.empty, "Hinweis")

        self.new_button = self._button("&Neue Einwilligung …", "Neue Einwilligung anlegen",
                                       self.new_consent)
        self.print_button = self._button("&Drucken …", "Einwilligung drucken",
                                         self.print_selected)
        self.sign_button = self._button("&Unterschrift erfassen …", "Unterschrift erfassen",
                                        self.sign_selected)
        self.scan_button = self._button("&Scan ablegen …", "Scan ablegen", self.scan_selected)
        self.withdraw_button = self._button("&Widerrufen …", "Einwilligung widerrufen",
                                            self.withdraw_selected)
        buttons = QHBoxLayout()
        for b in (self.new_button, self.print_button, self.sign_button, self.scan_button,
                  self.withdraw_button):
            buttons.addWidget(b)
        buttons.addStretch(1)
        layout = QVBoxLayout(self)
        layout.addLayout(buttons)
        layout.addWidget(self.empty)
        layout.addWidget(self.view, 1)
        self.view.selectionModel().selectionChanged.connect(self._update_buttons)
        ctx.changed.connect(self._on_changed)
        self.refresh()

    def _button(self, text: str, name: str, slot: object) -> QPushButton:
        button = QPushButton(text, self)
        named(button, name)
        button.clicked.connect(slot)
        return button

    # --- data ----------------------------------------------------------------------------

    def refresh(self) -> None:
        session = self.ctx.session
        if session is None or not session.is_open:
            self.model.set_rows([])
        else:
            consents = service.for_household(session, self.household_id)
            self.model.set_rows(service.rows(session, consents))
        self.empty.setVisible(self.model.rowCount() == 0)
        self._update_buttons()

    def _on_changed(self, changes: Changes) -> None:
        if changes.affects("consent", "person"):
            self.refresh()

    def selected(self) -> ConsentRow | None:
        rows = self.view.selectionModel().selectedRows()
        return self.model.row_at(rows[0].row()) if rows else None

    def select_row(self, index: int) -> None:
        self.view.selectRow(index)

    def _update_buttons(self) -> None:
        row = self.selected()
        state = row.consent.proof_state if row else None
        self.print_button.setEnabled(row is not None and state is not ProofState.VERWEIGERT)
        self.sign_button.setEnabled(state is ProofState.GEDRUCKT)
        self.scan_button.setEnabled(state is ProofState.UNTERSCHRIEBEN)
        self.withdraw_button.setEnabled(
            row is not None and row.status not in (ConsentStatus.ENTWURF,
                                                   ConsentStatus.VERWEIGERT,
                                                   ConsentStatus.WIDERRUFEN))

    # --- actions -------------------------------------------------------------------------

    def _select_consent(self, consent_id: str | None) -> None:
        for i, row in enumerate(self.model.rows):
            if row.id == consent_id:
                self.select_row(i)
                return

    def new_consent(self) -> None:
        dialog = dialogs.NewConsentDialog(self.ctx, self.household_id, self)
        dialog.accepted.connect(lambda: self._select_consent(dialog.consent_id))
        self.dialog = dialog
        dialog.open()

    def print_selected(self) -> None:
        row = self.selected()
        if row is not None:
            dialogs.print_consent(self.ctx, self, row.id)
            self._select_consent(row.id)

    def sign_selected(self) -> None:
        row = self.selected()
        if row is None:
            return
        dialog = dialogs.SignatureDialog(self.ctx, row.id, self)
        dialog.accepted.connect(lambda: self._select_consent(row.id))
        self.dialog = dialog
        dialog.open()

    def scan_selected(self) -> None:
        row = self.selected()
        if row is not None and dialogs.file_scan(self.ctx, self, row.id):
            self._select_consent(row.id)

    def withdraw_selected(self) -> None:
        row = self.selected()
        if row is None:
            return
        dialog = dialogs.WithdrawDialog(self.ctx, row.consent, self)
        dialog.accepted.connect(lambda: self._after_withdrawal(dialog))
        self.dialog = dialog
        dialog.open()

    def _after_withdrawal(self, dialog: dialogs.WithdrawDialog) -> None:
        self._select_consent(dialog.consent.id)
        if dialog.withdrawal_id is not None:
            # LR-31: the person gets a printed confirmation.
            dialogs.save_withdrawal_confirmation(self.ctx, self, dialog.withdrawal_id)


def create(ctx: UiContext, household_id: str) -> QWidget:
    return EinwilligungenTab(ctx, household_id)
