"""Family-file tab "Vermittlungen": the household's referrals with status, days since the
last step and the next Wiedervorlage; new referral (ASD district pre-selected from the
Stadtteil, partner, or free entry), the lifecycle steps, sending with the consent check at
that moment, and printing the Übermittlungsbogen.

The dialogs are in `dialogs`. The letter is saved through `casework.ui.documents` (tests
patch its `choose_pdf_target`)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QLabel,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from casework.models.changes import Changes
from casework.models.referrals import (
    EDITABLE_STATES,
    Referral,
    ReferralState,
    allowed_next,
)
from casework.services import referrals as service
from casework.services import referrals_reading as reading
from casework.services import referrals_transfer as transfer
from casework.ui import documents
from casework.ui.context import UiContext
from casework.ui.referrals.dialogs import NewReferralDialog, SendDialog, StepDialog
from casework.ui.simple_model import SimpleTableModel
from casework.ui.widgets import (
    FlowLayout,
    format_date,
    named,
    stretch_column,
)

PDF_FILTER = "PDF-Dokument (*.pdf)"


def print_letter(ctx: UiContext, parent: QWidget | None, referral_id: str) -> Path | None:
    """Ask where to save, render through the service (consent checked now, print logged),
    write atomically. Cancelling changes nothing; a refusal is shown in German."""
    return documents.save_pdf(ctx, parent, "Übermittlungsbogen speichern",
                              "Uebermittlungsbogen.pdf",
                              lambda: ctx.run(transfer.print_letter, referral_id))


# --------------------------------------------------------------------------- tab


def steps_text(referral: Referral) -> str:
    """The referral's steps for the detail box: date, state, who, text."""
    lines = []
    for s in referral.steps:
        line = f"{format_date(s.on)} – {s.kind} ({s.by_name or 'unbekannt'})"
        if s.statutory is not None:
            line += f" – {s.statutory.basis.value}; {s.statutory.notice_text()}"
        if s.text:
            line += f": {s.text}"
        if s.feedback:
            line += f" – Rückmeldung: {s.feedback}"
        if s.follow_up_set and s.follow_up_on is not None:
            line += f" – Wiedervorlage {format_date(s.follow_up_on)}"
        lines.append(line)
    return "\n".join(lines)


class VermittlungenTab(QWidget):
    COLUMNS = ("Empfänger", "Status", "Tage seit letztem Schritt", "Wiedervorlage",
               "vorgeschlagen am", "Anlass")

    def __init__(self, ctx: UiContext, household_id: str,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.household_id = household_id
        self.dialog: QDialog | None = None
        self.model = SimpleTableModel(self.COLUMNS, self)
        self.view = QTableView(self)
        named(self.view, "Vermittlungen der Familie")
        self.view.setModel(self.model)
        self.view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.view.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.view.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.view.verticalHeader().hide()
        # the text columns share the room and elide: no sideways scrolling at 125 %
        stretch_column(self.view, *(i for i, c in enumerate(self.COLUMNS)
                                    if c in ("Empfänger", "Anlass")))
        self.empty = QLabel("Noch keine Vermittlungen erfasst.", self)
        named(self.empty, "Hinweis")
        self.details = QLabel(self)
        self.details.setWordWrap(True)
        self.details.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        named(self.details, "Verlauf der Vermittlung")

        self.new_button = self._button("&Neue Vermittlung …", "Neue Vermittlung anlegen",
                                       self.new_referral)
        self.edit_button = self._button("Bearbei&ten …", "Vermittlung bearbeiten",
                                        self.edit_referral)
        self.agree_button = self._button("&Einverständnis …", "Einverständnis der Familie "
                                         "festhalten", self.agree)
        self.send_button = self._button("Ü&bermittlung festhalten …",
                                        "Übermittlung der Vermittlung festhalten", self.send)
        self.accept_button = self._button("&Angenommen …", "Als angenommen festhalten",
                                          self.accepted_step)
        self.reject_button = self._button("Ab&gelehnt …", "Als abgelehnt festhalten",
                                          self.rejected_step)
        self.close_button = self._button("Ab&schließen …", "Vermittlung abschließen",
                                         self.close_step)
        self.withdraw_button = self._button("&Zurückziehen …", "Vermittlung zurückziehen",
                                            self.withdraw)
        self.follow_up_button = self._button("&Wiedervorlage …", "Wiedervorlage setzen",
                                             self.follow_up_step)
        self.print_button = self._button("Bogen &drucken …", "Übermittlungsbogen drucken",
                                         self.print_selected)
        # Two rows so the tab fits a narrow family-file window: the record, then the steps.
        buttons = FlowLayout()
        for b in (self.new_button, self.edit_button, self.follow_up_button,
                  self.print_button):
            buttons.addWidget(b)
        buttons.addStretch(1)
        steps = FlowLayout()
        steps.addWidget(QLabel("Schritt:", self))
        for b in (self.agree_button, self.send_button, self.accept_button,
                  self.reject_button, self.close_button, self.withdraw_button):
            steps.addWidget(b)
        steps.addStretch(1)
        layout = QVBoxLayout(self)
        layout.addLayout(buttons)
        layout.addLayout(steps)
        layout.addWidget(self.empty)
        layout.addWidget(self.view, 1)
        layout.addWidget(self.details)
        self.view.selectionModel().selectionChanged.connect(self._selection_changed)
        ctx.changed.connect(self._on_changed)
        self.refresh()

    def _button(self, text: str, name: str, slot: Callable[[], None]) -> QPushButton:
        button = QPushButton(text, self)
        named(button, name)
        button.clicked.connect(slot)
        return button

    # --- data ----------------------------------------------------------------------------

    def refresh(self) -> None:
        selected = self.selected()
        session = self.ctx.session
        if session is None or not session.is_open:
            self.model.set_rows([])
        else:
            rows = reading.rows(session, reading.for_household(session, self.household_id))
            self.model.set_rows([(
                (r.recipient, r.state.value, str(r.age_days), format_date(r.follow_up_on),
                 format_date(r.referral.referred_on), r.referral.data.reason),
                r.referral) for r in rows])
        self.empty.setVisible(self.model.rowCount() == 0)
        if selected is not None:
            self.select(selected.id)
        self._selection_changed()

    def _on_changed(self, changes: Changes) -> None:
        if changes.affects("referral", "consent", "person") or \
                self.household_id in changes.ids("household"):
            self.refresh()

    def selected(self) -> Referral | None:
        return self.model.selected_payload(self.view, Referral)

    def select(self, referral_id: str | None) -> None:
        self.model.select_id(self.view, referral_id)

    def _selection_changed(self, *_args: object) -> None:
        ref = self.selected()
        nxt = allowed_next(ref.state, statutory=ref.data.recipient.is_asd) if ref else set()
        S = ReferralState
        self.edit_button.setEnabled(ref is not None and ref.state in EDITABLE_STATES)
        self.agree_button.setEnabled(S.EINVERSTAENDNIS in nxt)
        self.send_button.setEnabled(S.UEBERMITTELT in nxt)
        self.accept_button.setEnabled(S.ANGENOMMEN in nxt)
        self.reject_button.setEnabled(S.ABGELEHNT in nxt)
        self.close_button.setEnabled(S.ABGESCHLOSSEN in nxt)
        self.withdraw_button.setEnabled(S.ZURUECKGEZOGEN in nxt)
        self.follow_up_button.setEnabled(ref is not None and ref.is_open)
        self.print_button.setEnabled(ref is not None and ref.state not in (
            S.VORGESCHLAGEN, S.ZURUECKGEZOGEN))
        self.details.setText(steps_text(ref) if ref else "")

    # --- actions -------------------------------------------------------------------------

    def _open(self, dialog: QDialog, referral_id: str | None) -> None:
        dialog.accepted.connect(lambda: self.select(
            getattr(dialog, "referral_id", None) or referral_id))
        self.dialog = dialog
        dialog.open()

    def new_referral(self) -> None:
        self._open(NewReferralDialog(self.ctx, self.household_id, self), None)

    def edit_referral(self) -> None:
        ref = self.selected()
        if ref is not None:
            self._open(NewReferralDialog(self.ctx, self.household_id, self, ref), ref.id)

    def _step(self, title: str, text_label: str,
              call: Callable[..., Any], *,
              feedback: bool = False, follow_up: bool = True, dated: bool = True) -> None:
        ref = self.selected()
        if ref is None:
            return
        rid = ref.id
        self._open(StepDialog(self.ctx, title, text_label,
                              lambda s, on, text, fb, fu: call(s, rid, on, text, fb, fu),
                              feedback=feedback, follow_up=follow_up, dated=dated,
                              parent=self), rid)

    def agree(self) -> None:
        self._step("Einverständnis festhalten", "Notiz",
                   lambda s, rid, on, text, _fb, fu: service.agree(
                       s, rid, on=on, note=text, follow_up_on=fu))

    def accepted_step(self) -> None:
        self._step("Angenommen", "Notiz", lambda s, rid, on, text, _fb, fu: service.accept(
            s, rid, on=on, note=text, follow_up_on=fu))

    def rejected_step(self) -> None:
        self._step("Abgelehnt", "Grund der Ablehnung",
                   lambda s, rid, on, text, _fb, fu: service.reject(
                       s, rid, text, on=on, follow_up_on=fu))

    def close_step(self) -> None:
        self._step("Abschließen", "Ergebnis", lambda s, rid, on, text, fb, _fu: service.close(
            s, rid, text, feedback=fb, on=on), feedback=True, follow_up=False)

    def withdraw(self) -> None:
        self._step("Zurückziehen", "Grund", lambda s, rid, on, text, _fb, _fu:
                   service.withdraw(s, rid, text, on=on), follow_up=False)

    def follow_up_step(self) -> None:
        self._step("Wiedervorlage setzen", "Notiz",
                   lambda s, rid, _on, text, _fb, fu: service.set_follow_up(
                       s, rid, fu, note=text), dated=False)

    def send(self) -> None:
        ref = self.selected()
        if ref is not None:
            self._open(SendDialog(self.ctx, ref, self), ref.id)

    def print_selected(self) -> None:
        ref = self.selected()
        if ref is not None:
            print_letter(self.ctx, self, ref.id)


def create(ctx: UiContext, household_id: str) -> QWidget:
    return VermittlungenTab(ctx, household_id)
