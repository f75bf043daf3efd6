"""Datenschutz, tab Löschfristen: files past their retention period (computed on the worker
thread), the four-eyes deletion (one person proposes, another Leitung approves), the real
deletion with VACUUM behind a window-modal progress, and the Löschprotokoll."""

from __future__ import annotations

import threading
from concurrent.futures import CancelledError

from PySide6.QtWidgets import QHBoxLayout, QLabel, QVBoxLayout, QWidget

from casework.errors import UserError
from casework.models.changes import Changes
from casework.models.ids import HouseholdId
from casework.models.privacy.retention import DeletionApproval, DeletionRequest
from casework.services.privacy import retention
from casework.services.session import Session
from casework.ui import documents, vault_jobs
from casework.ui.context import UiContext
from casework.ui.persons import reauth
from casework.ui.privacy.screen_parts import TITLE, button, date_text, selected, table
from casework.ui.simple_model import SimpleTableModel


def _deletions_job(session: Session, cancel: threading.Event,
                   ) -> tuple[list[retention.DueItem], list[DeletionRequest]]:
    """On the worker thread, on the vault's own second connection (`vault_jobs.read`)."""
    return (retention.deletion_due(session, cancel.is_set),
            [r for r in retention.requests(session) if r.executed_at])


def _delete_job(session: Session, cancel: threading.Event, request_id: str,
                ) -> tuple[object, Changes]:
    """On the worker thread: the real deletion (one transaction) and VACUUM."""
    vault_jobs.check(cancel)
    return retention.execute_deletion(session, request_id)


class DeletionTab(QWidget):
    """The Löschfristen tab of the Datenschutz screen."""

    def __init__(self, ctx: UiContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self._deletions_asked = 0  # the newest load of the deletion lists
        self.deletions_pending = 0
        self.delete_job: vault_jobs.VaultJob | None = None
        box = QVBoxLayout(self)
        hint = QLabel("Akten, deren Aufbewahrungsfrist abgelaufen ist. Löschen erfordert "
                      "zwei Personen: eine schlägt vor, eine andere Leitung gibt frei.")
        hint.setWordWrap(True)
        box.addWidget(hint)
        self.due_model = SimpleTableModel(("Akte", "Aktenart", "Regel", "Aufbewahrung bis",
                                    "Eingeschränkt", "Stand"), self)
        self.due_view = table(self.due_model, "Löschfällige Akten")
        box.addWidget(self.due_view)
        actions = QHBoxLayout()
        actions.addWidget(button("Akte öffnen", "Akte öffnen", self.open_due))
        actions.addWidget(button("Löschung vorschlagen", "Löschung vorschlagen", self.propose))
        actions.addWidget(button("Freigeben", "Löschung freigeben", self.approve))
        actions.addWidget(button("Endgültig löschen…", "Endgültig löschen", self.delete))
        actions.addStretch(1)
        box.addLayout(actions)
        self.done_model = SimpleTableModel(
            ("Löschantrag", "Akte", "Gelöscht am", "Datensätze"), self)
        self.done_view = table(self.done_model, "Ausgeführte Löschungen")
        box.addWidget(QLabel("Ausgeführte Löschungen"))
        box.addWidget(self.done_view)
        box.addWidget(button("Löschprotokoll speichern…", "Löschprotokoll speichern",
                             self.save_protocol))

    def refresh_deletions(self) -> None:
        """Which households are due for deletion is computed on the worker thread (it
        weighs every household's retention rules: seconds on a large vault)."""
        session = self.ctx.session
        if session is None:
            return
        self._deletions_asked += 1
        asked = self._deletions_asked
        self.deletions_pending += 1
        if not vault_jobs.read(self.ctx, self, _deletions_job,
                               on_done=lambda lists: self._show_deletions(asked, lists),
                               on_failed=lambda error: self._deletions_failed(asked, error)):
            self.deletions_pending -= 1

    def _show_deletions(self, asked: int, lists: tuple[list[retention.DueItem],
                                                       list[DeletionRequest]]) -> None:
        self.deletions_pending -= 1
        if asked != self._deletions_asked:
            return  # a newer load is on its way
        due, done = lists
        self.due_model.set_rows(
            [([d.label, d.file_type.value,
               (d.decision.governing.label + (" (Beispielregel)" if d.decision.governing.example
                                               else "")) if d.decision.governing else "–",
               date_text(d.decision.keep_until), "ja" if d.restricted else "nein", d.state], d)
             for d in due])
        self.done_model.set_rows(
            [([retention.neutral_label("deletion_request", r.id),
               retention.neutral_label("household", r.target_id),
               (r.executed_at or "")[:10], str(sum((r.counts or {}).values()))], r.id)
             for r in done])

    def _deletions_failed(self, asked: int, error: BaseException) -> None:
        self.deletions_pending -= 1
        if isinstance(error, CancelledError):
            return  # the vault was locked before the job ran
        if not isinstance(error, UserError):
            raise error
        if asked == self._deletions_asked and self.ctx.is_unlocked:
            self.ctx.report(error)

    # --- deletion ------------------------------------------------------------------------

    def _due(self) -> retention.DueItem | None:
        item = selected(self.due_view, self.due_model)
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
        request_id = selected(self.done_view, self.done_model)
        if request_id is None:
            self.ctx.messages.warn(self, TITLE, "Bitte eine ausgeführte Löschung auswählen.")
            return
        session = self.ctx.require_session()
        documents.save_pdf(self.ctx, self, "Löschprotokoll speichern", "Loeschprotokoll.pdf",
                           lambda: retention.render_protocol(session, request_id))
