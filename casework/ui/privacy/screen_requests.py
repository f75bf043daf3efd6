"""Datenschutz, tab Auskunftsersuchen (Art. 15 DSGVO): recording a person's request, the
answer as PDF + JSON gathered on the worker thread, balancing decisions and refusals."""

from __future__ import annotations

import threading
from pathlib import Path

from PySide6.QtWidgets import QComboBox, QHBoxLayout, QLineEdit, QVBoxLayout, QWidget

from casework.clock import local_today
from casework.models.changes import Changes
from casework.models.ids import PersonId
from casework.services.households import households
from casework.services.privacy import disclosure, disclosure_answer, retention
from casework.services.session import Session
from casework.ui import documents, vault_jobs
from casework.ui.context import UiContext
from casework.ui.privacy.screen_parts import (
    TITLE,
    ask_choice,
    ask_reason,
    button,
    date_text,
    selected,
    table,
)
from casework.ui.simple_model import SimpleTableModel


def _export_job(session: Session, _cancel: threading.Event, request_id: str, pdf_path: str,
                json_path: str) -> Changes:
    """On the worker thread: answer the Art. 15 request and write both files atomically."""
    return disclosure_answer.export(session, request_id, pdf_path, json_path)


class RequestsTab(QWidget):
    """The Auskunftsersuchen tab of the Datenschutz screen."""

    def __init__(self, ctx: UiContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.export_job: vault_jobs.VaultJob | None = None
        box = QVBoxLayout(self)
        form = QHBoxLayout()
        self.person_search = QLineEdit()
        self.person_search.setPlaceholderText("Familienname suchen")
        self.person_search.setAccessibleName("Familie für Auskunftsersuchen suchen")
        self.person_search.returnPressed.connect(self._search_persons)
        self.person_choice = QComboBox()
        self.person_choice.setAccessibleName("Betroffene Person")
        form.addWidget(self.person_search, 1)
        form.addWidget(button("Suchen", "Personen suchen", self._search_persons))
        form.addWidget(self.person_choice, 1)
        form.addWidget(button("Ersuchen erfassen", "Auskunftsersuchen erfassen",
                              self.record_request))
        box.addLayout(form)
        self.request_model = SimpleTableModel(("Ersuchen", "Person", "Eingang", "Fällig bis",
                                        "Status"), self)
        self.request_view = table(self.request_model, "Auskunftsersuchen")
        box.addWidget(self.request_view)
        actions = QHBoxLayout()
        actions.addWidget(button("Auskunft erstellen (PDF + JSON)…", "Auskunft erstellen",
                                 self.answer_request))
        actions.addWidget(button("Interessenabwägung/Schwärzung…",
                                 "Entscheidung zur Auskunft dokumentieren",
                                 self.record_decision))
        actions.addWidget(button("Ablehnen…", "Auskunft ablehnen", self.refuse_request))
        actions.addStretch(1)
        box.addLayout(actions)

    def refresh_requests(self) -> None:
        session = self.ctx.session
        if session is None:
            return
        today = local_today(self.ctx.clock)
        items = disclosure.requests(session)
        status = {None: "offen", "erteilt": "erteilt", "teilweise": "teilweise erteilt",
                  "abgelehnt": "abgelehnt"}
        self.request_model.set_rows(
            [([i.label, retention.neutral_label("person", i.person_id), date_text(i.received_on),
               date_text(i.due_on), "überfällig" if i.overdue(today) else status.get(
                   i.outcome, i.outcome or "")], i.id) for i in items])

    # --- Art. 15 -------------------------------------------------------------------------

    def _search_persons(self) -> None:
        session = self.ctx.session
        self.person_choice.clear()
        if session is None:
            return
        ids = households.list_ids(session, search=self.person_search.text(),
                                  include_notes=False, limit=20)
        for row in households.list_rows(session, ids):
            # "Sabine Müller – Familie Müller (Sabine, Thomas) · Hauptstr. 5" (issue 18)
            for person in households.members(session, row.id):
                self.person_choice.addItem(f"{person.display_name} – Familie {row.label}",
                                           person.id)

    def record_request(self) -> None:
        person = self.person_choice.currentData()
        if not person:
            self.ctx.messages.warn(self, TITLE, "Bitte zuerst eine Person auswählen.")
            return
        result = self.ctx.run(disclosure.open_request, PersonId(str(person)))
        if result is not None:
            info = disclosure.get_request(self.ctx.require_session(), result[0])
            self.ctx.messages.info(self, TITLE, f"Auskunftsersuchen erfasst; Antwort fällig "
                                                f"bis {date_text(info.due_on)}.")

    def answer_request(self) -> None:
        request_id = selected(self.request_view, self.request_model)
        if request_id is None:
            self.ctx.messages.warn(self, TITLE, "Bitte ein Auskunftsersuchen auswählen.")
            return
        path = documents.choose_pdf_target(self, "Auskunft speichern", "Auskunft.pdf")
        if not path:
            return
        pdf_path = Path(path).with_suffix(".pdf")
        json_path = pdf_path.with_suffix(".json")
        # Gathering everything stored about a person takes seconds on a large vault: on
        # the worker thread, the app stays usable. A lock interrupts its queries or the
        # transaction that records the answer (rolled back: no answer recorded, no file
        # written); once recorded, the two files are written before the lock goes on.
        self.export_job = vault_jobs.start(
            self.ctx, self, "Auskunft erstellen", "Die Auskunft wird zusammengestellt …",
            _export_job, request_id, str(pdf_path), str(json_path), interruptible=True,
            on_done=lambda _changes: self.ctx.messages.info(
                self, TITLE, "Auskunft gespeichert (PDF und JSON)."))

    def record_decision(self) -> None:
        request_id = selected(self.request_view, self.request_model)
        if request_id is None:
            self.ctx.messages.warn(self, TITLE, "Bitte ein Auskunftsersuchen auswählen.")
            return
        kinds = [k for k in disclosure.DecisionKind if k is not disclosure.DecisionKind.REFUSAL]
        choice = ask_choice(self, "Entscheidung dokumentieren", "Art der Entscheidung:",
                            [k.value for k in kinds])
        if choice is None:
            return
        reason = ask_reason(self, choice, "Begründung (wird dokumentiert):")
        if reason is None:
            return
        self.ctx.run(disclosure.record_decision, request_id,
                     disclosure.DecisionKind(choice), reason)

    def refuse_request(self) -> None:
        request_id = selected(self.request_view, self.request_model)
        if request_id is None:
            self.ctx.messages.warn(self, TITLE, "Bitte ein Auskunftsersuchen auswählen.")
            return
        reason = ask_reason(self, "Auskunft ablehnen", "Begründung (wird dokumentiert):")
        if reason is None:
            return
        self.ctx.run(disclosure.refuse, request_id, reason)
