"""Family-file tab "Zuständigkeit & Abschluss": who holds the case, a hand-over waiting
for an answer (accept/decline for the colleague, withdraw for the offerer), a closure
waiting for the Leitung (approve/refuse), the buttons to hand over, close and reopen, and
the case's history of hand-overs and closures."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from functools import partial
from typing import Any

from PySide6.QtWidgets import (
    QDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from casework.clock import BERLIN
from casework.errors import UserError
from casework.models.changes import Changes
from casework.models.households.household import HouseholdStatus
from casework.models.households.lifecycle import Handover, HandoverState
from casework.services.households import households, lifecycle
from casework.ui.context import UiContext
from casework.ui.households.lifecycle_dialogs import (
    CloseCaseDialog,
    HandoverDialog,
    ReasonDialog,
)
from casework.ui.persons import reauth
from casework.ui.simple_model import SimpleTableModel
from casework.ui.widgets import compact_rows, heading, named

TITLE = "Zuständigkeit && Abschluss"
ORDER = 90


def _when(moment: datetime) -> str:
    return f"{moment.astimezone(BERLIN):%d.%m.%Y}"


def handover_line(h: Handover) -> str:
    if h.state is HandoverState.UMVERTEILT:
        return f"Umverteilt von {h.from_name or 'niemand'} an {h.to_name}"
    return f"Übergabe von {h.from_name or 'niemand'} an {h.to_name}: {h.state.value}"


class CaseTab(QWidget):
    def __init__(self, ctx: UiContext, household_id: str,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.household_id = household_id
        self.dialog: QDialog | None = None
        self.state_label = QLabel(self)
        self.state_label.setWordWrap(True)
        named(self.state_label, "Stand des Falls")
        self.pending_label = QLabel(self)
        self.pending_label.setWordWrap(True)
        named(self.pending_label, "Offene Übergabe oder Freigabe")
        self.handover_button = self._button("&Übergeben …", "Familie übergeben",
                                            self.offer_handover)
        self.close_button = self._button("Fall &abschließen …", "Fall abschließen",
                                         self.close_case)
        self.reopen_button = self._button("&Wieder aufnehmen …", "Fall wieder aufnehmen",
                                          self.reopen)
        self.accept_button = self._button("Übergabe a&nnehmen", "Übergabe annehmen",
                                          self.accept_handover)
        self.decline_button = self._button("Übergabe a&blehnen …", "Übergabe ablehnen",
                                           self.decline_handover)
        self.withdraw_button = self._button("Übergabe &zurückziehen", "Übergabe zurückziehen",
                                            self.withdraw_handover)
        self.approve_button = self._button("Abschluss &freigeben", "Abschluss freigeben",
                                           self.approve)
        self.refuse_button = self._button("Abschluss &nicht freigeben …",
                                          "Abschluss nicht freigeben", self.refuse)
        self.model = SimpleTableModel(["Datum", "Was", "Von", "Notiz"], self)
        self.view = QTableView(self)
        named(self.view, "Verlauf von Zuständigkeit und Abschluss")
        self.view.setModel(self.model)
        compact_rows(self.view)
        self.view.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.view.horizontalHeader().setStretchLastSection(True)

        main = QHBoxLayout()
        for b in (self.handover_button, self.close_button, self.reopen_button):
            main.addWidget(b)
        main.addStretch(1)
        answers = QHBoxLayout()
        for b in (self.accept_button, self.decline_button, self.withdraw_button,
                  self.approve_button, self.refuse_button):
            answers.addWidget(b)
        answers.addStretch(1)
        layout = QVBoxLayout(self)
        layout.addWidget(self.state_label)
        layout.addLayout(main)
        layout.addWidget(self.pending_label)
        layout.addLayout(answers)
        layout.addWidget(heading("Verlauf", self, 1.1))
        layout.addWidget(self.view, 1)
        ctx.changed.connect(self._on_changed)
        self.refresh()

    def _button(self, text: str, name: str, slot: Callable[[], None]) -> QPushButton:
        button = QPushButton(text, self)
        named(button, name)
        button.clicked.connect(slot)
        return button

    # --- data ----------------------------------------------------------------------------

    def refresh(self) -> None:
        session = self.ctx.session
        if session is None or not session.is_open:
            return
        household = households.get(session, self.household_id)
        worker_id = household.data.assigned_worker_id
        worker = ""
        if worker_id:
            from casework.services.persons import workers

            try:
                worker = workers.get(session, worker_id).name
            except UserError:
                worker = ""
        closed = household.data.status is HouseholdStatus.ABGESCHLOSSEN
        self.state_label.setText(f"Status: {household.data.status.value} · Zuständig: "
                                 f"{worker or 'niemand eingetragen'}")
        self.offer = lifecycle.open_handover(session, self.household_id)
        self.request = lifecycle.pending_closure(session, self.household_id)
        lines = []
        if self.offer is not None:
            lines.append(f"Übergabe an {self.offer.to_name} wartet auf Annahme "
                         f"(seit {_when(self.offer.created_at)}): „{self.offer.note}“")
        if self.request is not None:
            reason = self.request.reason.value if self.request.reason else ""
            lines.append(f"Abschluss beantragt von {self.request.by_name} am "
                         f"{self.request.on:%d.%m.%Y} ({reason}) – wartet auf die Leitung.")
        self.pending_label.setText("\n".join(lines))
        self.pending_label.setVisible(bool(lines))
        me = session.actor_id
        lead = session.has_role(*lifecycle.LEADS)
        offer = self.offer
        self.handover_button.setEnabled(not closed and offer is None)
        self.close_button.setEnabled(not closed and self.request is None and offer is None)
        self.reopen_button.setEnabled(closed)
        self.accept_button.setVisible(offer is not None and offer.to_worker_id == me)
        self.decline_button.setVisible(offer is not None and offer.to_worker_id == me)
        self.withdraw_button.setVisible(offer is not None and (
            me in (offer.from_worker_id, offer.created_by) or lead))
        self.approve_button.setVisible(self.request is not None and lead)
        self.refuse_button.setVisible(self.request is not None and lead)
        rows: list[tuple[tuple[str, ...], Any]] = []
        for event in lifecycle.closure_history(session, self.household_id):
            what = event.kind.value + (f": {event.reason.value}" if event.reason else "")
            rows.append(((event.at.isoformat(), f"{event.on:%d.%m.%Y}", what, event.by_name,
                          event.note), None))
        for h in reversed(lifecycle.handovers(session, self.household_id)):
            note = h.note + (f" – {h.decision_note}" if h.decision_note else "")
            moment = h.decided_at or h.created_at
            rows.append(((moment.isoformat(), _when(moment), handover_line(h), h.from_name,
                          note), None))
        # Newest first; entries of the same moment keep the order they were written in.
        order = sorted(range(len(rows)), key=lambda i: (rows[i][0][0], i), reverse=True)
        self.model.set_rows([(rows[i][0][1:], rows[i][1]) for i in order])

    def _on_changed(self, changes: Changes) -> None:
        if self.household_id in changes.ids("household") or changes.affects("handover"):
            self.refresh()

    # --- actions -------------------------------------------------------------------------

    def _open(self, dialog: QDialog) -> None:
        self.dialog = dialog
        dialog.open()

    def offer_handover(self) -> None:
        self._open(HandoverDialog(self.ctx, self.household_id, self))

    def close_case(self) -> None:
        self._open(CloseCaseDialog(self.ctx, self.household_id, self))

    def reopen(self) -> None:
        self._open(ReasonDialog(self.ctx, "Fall wieder aufnehmen", "Grund der Wiederaufnahme",
                                partial(_call, lifecycle.reopen, self.household_id),
                                ok_text="Wieder aufnehmen", parent=self))

    def accept_handover(self) -> None:
        if self.offer is not None:
            self.ctx.run(lifecycle.accept_handover, self.offer.id)

    def decline_handover(self) -> None:
        if self.offer is not None:
            self._open(ReasonDialog(
                self.ctx, "Übergabe ablehnen", "Grund der Ablehnung",
                partial(_call, lifecycle.decline_handover, self.offer.id),
                intro="Die Familie bleibt bei der bisherigen Zuständigkeit.",
                ok_text="Ablehnen", parent=self))

    def withdraw_handover(self) -> None:
        if self.offer is not None:
            self.ctx.run(lifecycle.withdraw_handover, self.offer.id)

    def approve(self) -> None:
        auth = reauth.authorize(self.ctx, self, "Abschluss freigeben")
        if auth is not None:
            self.ctx.run(lifecycle.approve_closure, self.household_id, authorization=auth)

    def refuse(self) -> None:
        self._open(ReasonDialog(self.ctx, "Abschluss nicht freigeben", "Begründung",
                                partial(_call, lifecycle.refuse_closure, self.household_id),
                                ok_text="Nicht freigeben", parent=self))


def _call(fn: Callable[..., Changes], target: str, session: Any, text: str) -> Changes:
    return fn(session, target, text)


def create(ctx: UiContext, household_id: str) -> QWidget:
    return CaseTab(ctx, household_id)
