"""Datenschutz (Leitung/Admin): access log with hash-chain status (LR-23), Art. 15
requests with due dates (LR-24), and the deletion-due list with four-eyes approval, real
deletion and the Löschprotokoll (LR-34…LR-37).

The access log shows ids resolved to neutral labels ("Haushalt …3f9c2d"), never content.
File and text dialogs go through `casework.ui.documents.choose_pdf_target` /
`ask_reason` (tests patch them),
messages through `ctx.messages`.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from concurrent.futures import CancelledError
from datetime import date
from pathlib import Path
from typing import Any

from PySide6.QtCore import QModelIndex, QPersistentModelIndex
from PySide6.QtGui import QShowEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QHBoxLayout,
    QHeaderView,
    QInputDialog,
    QLabel,
    QLineEdit,
    QPushButton,
    QTableView,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from casework.clock import BERLIN, local_today
from casework.errors import UserError
from casework.models.changes import Changes
from casework.models.ids import HouseholdId, PersonId
from casework.models.persons.worker import WorkerRole
from casework.models.privacy.retention import DeletionApproval, DeletionRequest, FileType
from casework.services.households import households
from casework.services.privacy import access_log, disclosure, disclosure_answer, retention
from casework.services.session import Session
from casework.ui import documents, vault_jobs
from casework.ui.context import UiContext
from casework.ui.persons import reauth
from casework.ui.simple_model import SimpleTableModel
from casework.ui.widgets import stretch_column

TITLE = "Datenschutz"
ROLES = (WorkerRole.LEITUNG, WorkerRole.ADMIN)
NO_ACCESS = ("Der Bereich Datenschutz (Zugriffsprotokoll, Auskunftsersuchen, Löschfristen) "
             "steht nur Leitung und Admin zur Verfügung.")
KINDS = ("deletion_request", "disclosure_request", "household")

Index = QModelIndex | QPersistentModelIndex


def create(ctx: UiContext) -> QWidget:
    return DatenschutzScreen(ctx)


# --- dialog seams (tests patch these) ---------------------------------------------------




def ask_reason(parent: QWidget | None, title: str, label: str) -> str | None:
    """A free-text reason, or None when cancelled."""
    text, ok = QInputDialog.getMultiLineText(parent, title, label)
    return text if ok else None


def ask_choice(parent: QWidget | None, title: str, label: str,
               items: Sequence[str]) -> str | None:
    """One of `items`, or None when cancelled."""
    text, ok = QInputDialog.getItem(parent, title, label, list(items), 0, False)
    return text if ok else None


def _table(model: SimpleTableModel, name: str) -> QTableView:
    view = QTableView()
    view.setModel(model)
    view.setAccessibleName(name)
    view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    view.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
    view.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    view.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
    view.horizontalHeader().setStretchLastSection(True)
    # Column widths from the first rows only: measuring a thousand log entries on every
    # paint took longer than building the screen.
    view.horizontalHeader().setResizeContentsPrecision(50)
    view.verticalHeader().hide()
    return view


def _button(text: str, name: str, slot: Callable[[], None]) -> QPushButton:
    button = QPushButton(text)
    button.setAccessibleName(name)
    button.clicked.connect(slot)
    return button


def _deletions_job(session: Session, cancel: threading.Event,
                   ) -> tuple[list[retention.DueItem], list[DeletionRequest]]:
    """On the worker thread, on the vault's own second connection (`vault_jobs.read`)."""
    return (retention.deletion_due(session, cancel.is_set),
            [r for r in retention.requests(session) if r.executed_at])


def _export_job(session: Session, _cancel: threading.Event, request_id: str, pdf_path: str,
                json_path: str) -> Changes:
    """On the worker thread: answer the Art. 15 request and write both files atomically."""
    return disclosure_answer.export(session, request_id, pdf_path, json_path)


def _delete_job(session: Session, cancel: threading.Event, request_id: str,
                ) -> tuple[object, Changes]:
    """On the worker thread: the real deletion (one transaction) and VACUUM."""
    vault_jobs.check(cancel)
    return retention.execute_deletion(session, request_id)


def _log_job(session: Session, cancel: threading.Event,
             ) -> tuple[list[str], list[access_log.AccessLogRow]]:
    """On the worker thread: verify the audit chain and read its newest entries."""
    return (access_log.verify_access_log(session, cancel.is_set),
            access_log.access_log(session))


def _date(value: date | None) -> str:
    return value.strftime("%d.%m.%Y") if value is not None else "–"


def _selected(view: QTableView, model: SimpleTableModel) -> Any:
    rows = view.selectionModel().selectedRows()
    if not rows:
        return None
    return model.payload(rows[0].row())


# --- the screen ---------------------------------------------------------------------------


class DatenschutzScreen(QWidget):
    def __init__(self, ctx: UiContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self._deletions_asked = 0  # the newest load of the deletion lists
        self._deletions_pending = 0
        self._log_asked = 0
        self._log_pending = 0
        self.export_job: vault_jobs.VaultJob | None = None
        self.delete_job: vault_jobs.VaultJob | None = None
        self.setAccessibleName(TITLE)
        layout = QVBoxLayout(self)
        self.notice = QLabel(NO_ACCESS)
        self.notice.setWordWrap(True)
        self.notice.setAccessibleName("Hinweis Zugriff")
        layout.addWidget(self.notice)
        self.tabs = QTabWidget()
        self.tabs.setAccessibleName("Datenschutz-Bereiche")
        layout.addWidget(self.tabs)
        self.tabs.addTab(self._build_log(), "Zugriffsprotokoll")
        self.tabs.addTab(self._build_requests(), "Auskunftsersuchen")
        self.tabs.addTab(self._build_deletion(), "Löschfristen")
        self.tabs.addTab(self._build_file(), "Aktenart und Einschränkung")
        # The due list evaluates every household: load only while the screen is shown.
        self._dirty = True
        ctx.changed.connect(self._on_changed)
        ctx.session_changed.connect(self._on_session)

    # --- building ------------------------------------------------------------------------

    def _build_log(self) -> QWidget:
        page = QWidget()
        box = QVBoxLayout(page)
        row = QHBoxLayout()
        self.chain_status = QLabel()
        self.chain_status.setAccessibleName("Prüfstatus Protokollkette")
        row.addWidget(self.chain_status, 1)
        row.addWidget(_button("Neu laden und prüfen", "Zugriffsprotokoll prüfen",
                              self.refresh_log))
        box.addLayout(row)
        self.log_model = SimpleTableModel(("Nr.", "Zeitpunkt", "Person", "Aktion", "Objekt",
                                    "Kennungen"), self)
        self.log_view = _table(self.log_model, "Zugriffsprotokoll")
        stretch_column(self.log_view, 3, 5)  # Aktion and Detail share the room, no scrolling
        box.addWidget(self.log_view)
        return page

    def _build_requests(self) -> QWidget:
        page = QWidget()
        box = QVBoxLayout(page)
        form = QHBoxLayout()
        self.person_search = QLineEdit()
        self.person_search.setPlaceholderText("Familienname suchen")
        self.person_search.setAccessibleName("Familie für Auskunftsersuchen suchen")
        self.person_search.returnPressed.connect(self._search_persons)
        self.person_choice = QComboBox()
        self.person_choice.setAccessibleName("Betroffene Person")
        form.addWidget(self.person_search, 1)
        form.addWidget(_button("Suchen", "Personen suchen", self._search_persons))
        form.addWidget(self.person_choice, 1)
        form.addWidget(_button("Ersuchen erfassen", "Auskunftsersuchen erfassen",
                               self.record_request))
        box.addLayout(form)
        self.request_model = SimpleTableModel(("Ersuchen", "Person", "Eingang", "Fällig bis",
                                        "Status"), self)
        self.request_view = _table(self.request_model, "Auskunftsersuchen")
        box.addWidget(self.request_view)
        actions = QHBoxLayout()
        actions.addWidget(_button("Auskunft erstellen (PDF + JSON)…", "Auskunft erstellen",
                                  self.answer_request))
        actions.addWidget(_button("Interessenabwägung/Schwärzung…",
                                  "Entscheidung zur Auskunft dokumentieren",
                                  self.record_decision))
        actions.addWidget(_button("Ablehnen…", "Auskunft ablehnen", self.refuse_request))
        actions.addStretch(1)
        box.addLayout(actions)
        return page

    def _build_deletion(self) -> QWidget:
        page = QWidget()
        box = QVBoxLayout(page)
        hint = QLabel("Akten, deren Aufbewahrungsfrist abgelaufen ist. Löschen erfordert "
                      "zwei Personen: eine schlägt vor, eine andere Leitung gibt frei.")
        hint.setWordWrap(True)
        box.addWidget(hint)
        self.due_model = SimpleTableModel(("Akte", "Aktenart", "Regel", "Aufbewahrung bis",
                                    "Eingeschränkt", "Stand"), self)
        self.due_view = _table(self.due_model, "Löschfällige Akten")
        box.addWidget(self.due_view)
        actions = QHBoxLayout()
        actions.addWidget(_button("Akte öffnen", "Akte öffnen", self.open_due))
        actions.addWidget(_button("Löschung vorschlagen", "Löschung vorschlagen", self.propose))
        actions.addWidget(_button("Freigeben", "Löschung freigeben", self.approve))
        actions.addWidget(_button("Endgültig löschen…", "Endgültig löschen", self.delete))
        actions.addStretch(1)
        box.addLayout(actions)
        self.done_model = SimpleTableModel(
            ("Löschantrag", "Akte", "Gelöscht am", "Datensätze"), self)
        self.done_view = _table(self.done_model, "Ausgeführte Löschungen")
        box.addWidget(QLabel("Ausgeführte Löschungen"))
        box.addWidget(self.done_view)
        box.addWidget(_button("Löschprotokoll speichern…", "Löschprotokoll speichern",
                              self.save_protocol))
        return page

    def _build_file(self) -> QWidget:
        page = QWidget()
        box = QVBoxLayout(page)
        row = QHBoxLayout()
        self.file_search = QLineEdit()
        self.file_search.setPlaceholderText("Familienname suchen")
        self.file_search.setAccessibleName("Akte suchen")
        self.file_search.returnPressed.connect(self._search_files)
        self.file_choice = QComboBox()
        self.file_choice.setAccessibleName("Akte")
        self.file_choice.currentIndexChanged.connect(self._show_file)
        row.addWidget(self.file_search, 1)
        row.addWidget(_button("Suchen", "Akten suchen", self._search_files))
        row.addWidget(self.file_choice, 1)
        box.addLayout(row)
        kind_row = QHBoxLayout()
        self.file_type = QComboBox()
        self.file_type.setAccessibleName("Aktenart")
        for kind in FileType:
            self.file_type.addItem(kind.value, kind)
        kind_row.addWidget(QLabel("Aktenart:"))
        kind_row.addWidget(self.file_type, 1)
        kind_row.addWidget(_button("Aktenart speichern", "Aktenart speichern",
                                   self.save_file_type))
        box.addLayout(kind_row)
        self.file_status = QLabel()
        self.file_status.setWordWrap(True)
        self.file_status.setAccessibleName("Aufbewahrung und Einschränkung")
        box.addWidget(self.file_status)
        actions = QHBoxLayout()
        actions.addWidget(_button("Einschränken…", "Verarbeitung einschränken", self.restrict))
        actions.addWidget(_button("Einschränkung aufheben", "Einschränkung aufheben",
                                  self.lift))
        actions.addStretch(1)
        box.addLayout(actions)
        box.addStretch(1)
        return page

    # --- state ---------------------------------------------------------------------------

    @property
    def allowed(self) -> bool:
        session = self.ctx.session
        return (session is not None and session.is_open
                and session.has_role(*(WorkerRole(r) for r in ROLES)))

    def refresh(self) -> None:
        self._dirty = False
        allowed = self.allowed
        self.notice.setVisible(not allowed)
        self.tabs.setVisible(allowed)
        if not allowed:
            for model in (self.log_model, self.request_model, self.due_model, self.done_model):
                model.set_rows([])
            return
        self.refresh_log()
        self.refresh_requests()
        self.refresh_deletions()

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        if self._dirty:
            self.refresh()

    def _on_session(self) -> None:
        if self.isVisible():
            self.refresh()
        else:
            self._dirty = True

    def _on_changed(self, changes: Changes) -> None:
        if not changes.affects(*KINDS):
            return
        if self.isVisible() and self.allowed:
            self.refresh_requests()
            self.refresh_deletions()
            self.refresh_log()
        else:
            self._dirty = True

    def refresh_log(self) -> None:
        """Reading and verifying the whole hash chain grows with the vault's age: on the
        worker thread, on the vault's second connection."""
        session = self.ctx.session
        if session is None or not self.allowed:
            return
        self._log_asked += 1
        asked = self._log_asked
        self._log_pending += 1
        self.chain_status.setText("Protokollkette wird geprüft …")
        if not vault_jobs.read(self.ctx, self, _log_job,
                               on_done=lambda result: self._show_log(asked, result),
                               on_failed=lambda error: self._log_failed(error)):
            self._log_pending -= 1

    def _show_log(self, asked: int,
                  result: tuple[list[str], list[access_log.AccessLogRow]]) -> None:
        self._log_pending -= 1
        if asked != self._log_asked:
            return  # a newer load is on its way
        problems, entries = result
        if problems:
            self.chain_status.setText("Achtung: Protokollkette verändert – "
                                      + " ".join(problems[:3]))
        else:
            self.chain_status.setText(f"Protokollkette geprüft: unverändert "
                                      f"({len(entries)} Einträge angezeigt).")
        self.log_model.set_rows(
            [([str(e.seq), e.at.astimezone(BERLIN).strftime("%d.%m.%Y %H:%M:%S"), e.actor,
               e.action_label, e.object_label, e.detail], e.seq) for e in entries])

    def _log_failed(self, error: BaseException) -> None:
        self._log_pending -= 1
        self.chain_status.setText("")
        if isinstance(error, CancelledError):
            return
        if not isinstance(error, UserError):
            raise error
        if self.ctx.is_unlocked:
            self.ctx.report(error)

    def refresh_requests(self) -> None:
        session = self.ctx.session
        if session is None:
            return
        today = local_today(self.ctx.clock)
        items = disclosure.requests(session)
        status = {None: "offen", "erteilt": "erteilt", "teilweise": "teilweise erteilt",
                  "abgelehnt": "abgelehnt"}
        self.request_model.set_rows(
            [([i.label, retention.neutral_label("person", i.person_id), _date(i.received_on),
               _date(i.due_on), "überfällig" if i.overdue(today) else status.get(
                   i.outcome, i.outcome or "")], i.id) for i in items])

    @property
    def loading(self) -> bool:
        """The access log or the deletion lists are being loaded on the worker thread."""
        return bool(self._deletions_pending or self._log_pending)

    def refresh_deletions(self) -> None:
        """Which households are due for deletion is computed on the worker thread (it
        weighs every household's retention rules: seconds on a large vault)."""
        session = self.ctx.session
        if session is None:
            return
        self._deletions_asked += 1
        asked = self._deletions_asked
        self._deletions_pending += 1
        if not vault_jobs.read(self.ctx, self, _deletions_job,
                               on_done=lambda lists: self._show_deletions(asked, lists),
                               on_failed=lambda error: self._deletions_failed(asked, error)):
            self._deletions_pending -= 1

    def _show_deletions(self, asked: int, lists: tuple[list[retention.DueItem],
                                                       list[DeletionRequest]]) -> None:
        self._deletions_pending -= 1
        if asked != self._deletions_asked:
            return  # a newer load is on its way
        due, done = lists
        self.due_model.set_rows(
            [([d.label, d.file_type.value,
               (d.decision.governing.label + (" (Beispielregel)" if d.decision.governing.example
                                               else "")) if d.decision.governing else "–",
               _date(d.decision.keep_until), "ja" if d.restricted else "nein", d.state], d)
             for d in due])
        self.done_model.set_rows(
            [([retention.neutral_label("deletion_request", r.id),
               retention.neutral_label("household", r.target_id),
               (r.executed_at or "")[:10], str(sum((r.counts or {}).values()))], r.id)
             for r in done])

    def _deletions_failed(self, asked: int, error: BaseException) -> None:
        self._deletions_pending -= 1
        if isinstance(error, CancelledError):
            return  # the vault was locked before the job ran
        if not isinstance(error, UserError):
            raise error
        if asked == self._deletions_asked and self.ctx.is_unlocked:
            self.ctx.report(error)

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
                                                f"bis {_date(info.due_on)}.")

    def answer_request(self) -> None:
        request_id = _selected(self.request_view, self.request_model)
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
        request_id = _selected(self.request_view, self.request_model)
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
        request_id = _selected(self.request_view, self.request_model)
        if request_id is None:
            self.ctx.messages.warn(self, TITLE, "Bitte ein Auskunftsersuchen auswählen.")
            return
        reason = ask_reason(self, "Auskunft ablehnen", "Begründung (wird dokumentiert):")
        if reason is None:
            return
        self.ctx.run(disclosure.refuse, request_id, reason)

    # --- Aktenart and restriction ---------------------------------------------------------

    def _search_files(self) -> None:
        session = self.ctx.session
        self.file_choice.clear()
        if session is None:
            return
        for row in households.list_rows(session, households.list_ids(
                session, search=self.file_search.text(), include_notes=False, limit=50)):
            self.file_choice.addItem(f"{row.label} ({row.district or 'ohne Stadtteil'})", row.id)

    def _file_id(self) -> HouseholdId | None:
        value = self.file_choice.currentData()
        return HouseholdId(str(value)) if value else None

    def _show_file(self) -> None:
        session, household_id = self.ctx.session, self._file_id()
        if session is None or household_id is None:
            self.file_status.setText("")
            return
        kind = retention.file_type(session, household_id)
        self.file_type.setCurrentIndex(self.file_type.findText(kind.value))
        state = ("eingeschränkt" if retention.is_restricted(session, household_id)
                 else "nicht eingeschränkt")
        self.file_status.setText(f"{retention.decision(session, household_id).summary()} "
                                 f"Verarbeitung: {state}.")

    def save_file_type(self) -> None:
        household_id = self._file_id()
        if household_id is None:
            return
        self.ctx.run(retention.set_file_type, household_id,
                     FileType(str(self.file_type.currentData())))
        self._show_file()

    def restrict(self) -> None:
        household_id = self._file_id()
        if household_id is None:
            return
        reason = ask_reason(self, "Verarbeitung einschränken",
                            "Begründung (z. B. Aufbewahrungspflicht, Löschersuchen):")
        if reason is None:
            return
        self.ctx.run(retention.restrict, household_id, reason)
        self._show_file()

    def lift(self) -> None:
        household_id = self._file_id()
        if household_id is None:
            return
        self.ctx.run(retention.lift_restriction, household_id)
        self._show_file()

    # --- deletion ------------------------------------------------------------------------

    def _due(self) -> retention.DueItem | None:
        item = _selected(self.due_view, self.due_model)
        if item is None:
            self.ctx.messages.warn(self, TITLE, "Bitte eine Akte in der Liste auswählen.")
        return item  # type: ignore[no-any-return]

    def open_due(self) -> None:
        item = self._due()
        if item is not None:
            self.ctx.open_household(item.household_id)

    def propose(self) -> None:
        item = self._due()
        if item is None:
            return
        auth = reauth.authorize(self.ctx, self, "Löschung vorschlagen")
        if auth is not None:
            self.ctx.run(retention.propose_deletion, HouseholdId(item.household_id), auth=auth)

    def approve(self) -> None:
        item = self._due()
        if item is None:
            return
        if item.request is None:
            self.ctx.messages.warn(self, TITLE, "Die Löschung ist noch nicht vorgeschlagen.")
            return
        auth = reauth.authorize(self.ctx, self, "Löschung freigeben")
        if auth is not None:
            self.ctx.run(retention.approve_deletion, item.request.id, auth=auth)

    def delete(self) -> None:
        item = self._due()
        if item is None:
            return
        if item.request is None or item.request.approval is not DeletionApproval.APPROVED:
            self.ctx.messages.warn(self, TITLE, "Die Löschung ist noch nicht freigegeben "
                                                "(Vier-Augen-Prinzip).")
            return
        if not self.ctx.messages.confirm(
                self, "Endgültig löschen",
                f"{item.label} wird mit allen Personen, Kontakten, Anhängen und "
                "Verlaufseinträgen endgültig gelöscht. Das kann nicht rückgängig gemacht "
                "werden. Fortfahren?"):
            return
        label = item.label
        # Deleting ends with VACUUM (seconds, on a large vault half a minute): on the
        # worker thread behind a window-modal progress, because nobody may edit the
        # household while it is being deleted. "Abbrechen" stops it only before the
        # deletion's transaction begins. A lock interrupts it wherever it is: inside the
        # transaction SQLite rolls it back (the household is complete), during VACUUM only
        # the compaction is dropped (the deletion is committed and journaled, and
        # secure_delete has already overwritten the freed pages).
        self.delete_job = vault_jobs.start(
            self.ctx, self, "Endgültig löschen", f"{label} wird gelöscht …", _delete_job,
            item.request.id, modal=True, cancellable=True, interruptible=True,
            on_done=lambda _result: self.ctx.messages.info(
                self, TITLE, f"{label} wurde gelöscht. Das Löschprotokoll kann jetzt "
                             "gespeichert werden."))

    def save_protocol(self) -> None:
        request_id = _selected(self.done_view, self.done_model)
        if request_id is None:
            self.ctx.messages.warn(self, TITLE, "Bitte eine ausgeführte Löschung auswählen.")
            return
        session = self.ctx.require_session()
        documents.save_pdf(self.ctx, self, "Löschprotokoll speichern", "Loeschprotokoll.pdf",
                           lambda: retention.render_protocol(session, request_id))
