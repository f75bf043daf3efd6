"""Datenschutz (Leitung/Admin): access log with hash-chain status (LR-23), Art. 15
requests with due dates (LR-24), and the deletion-due list with four-eyes approval, real
deletion and the Löschprotokoll (LR-34…LR-37).

The access log shows ids resolved to neutral labels ("Haushalt …3f9c2d"), never content.
File and text dialogs go through `casework.ui.documents.choose_pdf_target` /
`ask_reason` (tests patch them),
messages through `ctx.messages`.

The Auskunftsersuchen tab is in `screen_requests`, the Löschfristen tab in
`screen_deletion`, what the tabs share in `screen_parts`.
"""

from __future__ import annotations

import threading
from concurrent.futures import CancelledError

from PySide6.QtGui import QShowEvent
from PySide6.QtWidgets import (
    QComboBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from casework.clock import BERLIN
from casework.errors import UserError
from casework.models.changes import Changes
from casework.models.ids import HouseholdId
from casework.models.persons.worker import WorkerRole
from casework.models.privacy.retention import FileType
from casework.services.households import households
from casework.services.privacy import access_log, retention
from casework.services.session import Session
from casework.ui import vault_jobs
from casework.ui.context import UiContext
from casework.ui.privacy.screen_deletion import DeletionTab
from casework.ui.privacy.screen_parts import TITLE, ask_reason, button, table
from casework.ui.privacy.screen_requests import RequestsTab
from casework.ui.simple_model import SimpleTableModel
from casework.ui.widgets import stretch_column

ROLES = (WorkerRole.LEITUNG, WorkerRole.ADMIN)
NO_ACCESS = ("Der Bereich Datenschutz (Zugriffsprotokoll, Auskunftsersuchen, Löschfristen) "
             "steht nur Leitung und Admin zur Verfügung.")
KINDS = ("deletion_request", "disclosure_request", "household")


def create(ctx: UiContext) -> QWidget:
    return DatenschutzScreen(ctx)


def _log_job(session: Session, cancel: threading.Event,
             ) -> tuple[list[str], list[access_log.AccessLogRow]]:
    """On the worker thread: verify the audit chain and read its newest entries."""
    return (access_log.verify_access_log(session, cancel.is_set),
            access_log.access_log(session))


# --- the screen ---------------------------------------------------------------------------


class DatenschutzScreen(QWidget):
    def __init__(self, ctx: UiContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self._log_asked = 0
        self._log_pending = 0
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
        self.requests = RequestsTab(ctx)
        self.tabs.addTab(self.requests, "Auskunftsersuchen")
        self.deletion = DeletionTab(ctx)
        self.tabs.addTab(self.deletion, "Löschfristen")
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
        row.addWidget(button("Neu laden und prüfen", "Zugriffsprotokoll prüfen",
                             self.refresh_log))
        box.addLayout(row)
        self.log_model = SimpleTableModel(("Nr.", "Zeitpunkt", "Person", "Aktion", "Objekt",
                                    "Kennungen"), self)
        self.log_view = table(self.log_model, "Zugriffsprotokoll")
        stretch_column(self.log_view, 3, 5)  # Aktion and Detail share the room, no scrolling
        box.addWidget(self.log_view)
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
        row.addWidget(button("Suchen", "Akten suchen", self._search_files))
        row.addWidget(self.file_choice, 1)
        box.addLayout(row)
        kind_row = QHBoxLayout()
        self.file_type = QComboBox()
        self.file_type.setAccessibleName("Aktenart")
        for kind in FileType:
            self.file_type.addItem(kind.value, kind)
        kind_row.addWidget(QLabel("Aktenart:"))
        kind_row.addWidget(self.file_type, 1)
        kind_row.addWidget(button("Aktenart speichern", "Aktenart speichern",
                                  self.save_file_type))
        box.addLayout(kind_row)
        self.file_status = QLabel()
        self.file_status.setWordWrap(True)
        self.file_status.setAccessibleName("Aufbewahrung und Einschränkung")
        box.addWidget(self.file_status)
        actions = QHBoxLayout()
        actions.addWidget(button("Einschränken…", "Verarbeitung einschränken", self.restrict))
        actions.addWidget(button("Einschränkung aufheben", "Einschränkung aufheben",
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
            for model in (self.log_model, self.requests.request_model, self.deletion.due_model,
                          self.deletion.done_model):
                model.set_rows([])
            return
        self.refresh_log()
        self.requests.refresh_requests()
        self.deletion.refresh_deletions()

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
            self.requests.refresh_requests()
            self.deletion.refresh_deletions()
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

    @property
    def loading(self) -> bool:
        """The access log or the deletion lists are being loaded on the worker thread."""
        return bool(self.deletion.deletions_pending or self._log_pending)

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
