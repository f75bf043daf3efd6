"""Synchronisieren… → „Personen und Rollen …“ (Admin): the team's signed roster in the app.

Devices believe a person's name, role, team and lock only as an Admin-signed statement
chained to the team's trust anchor (`casework.services.hub_trust`). Here the founding
Admin sets the anchor and signs the team as the hub lists it, and an Admin signs a
change of role, team, name or lock — each act with her own passphrase. The passphrase
check (Argon2id) and the hub connection run on the worker thread with the vault's
second connection; the table shows only what this device has verified, with each
person's key fingerprint to compare with her in person.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from casework.clock import Clock
from casework.errors import UserError, WrongPassphrase
from casework.models.changes import Changes
from casework.models.persons.worker import WorkerRole
from casework.services import hub as sync_service
from casework.services import hub_trust
from casework.services.persons import workers as workers_service
from casework.services.session import UnwrappedKey
from casework.sync import require_driver
from casework.ui.context import UiContext
from casework.ui.persons import reauth

COLUMNS = ("Name", "Rolle", "Team", "Stand", "Fingerabdruck des Schlüssels")


def _sign_job(key: UnwrappedKey, clock: Clock, passphrase: str, worker_id: str | None,
              change: dict[str, Any]) -> list[hub_trust.RosterEntry]:
    """On the worker thread: prove the passphrase, sign, exchange with the hub, close.
    `worker_id` None: set the team's trust anchor and sign the roster as the hub lists it."""
    from casework.services import persons
    from casework.sync import trust

    session = sync_service.open_background(key, clock)
    try:
        auth = persons.authorize(session, passphrase)
        if worker_id is None:
            return trust.found_team(session, auth)
        return [trust.sign(session, auth, worker_id, **change)]
    finally:
        session.close()


def is_admin(ctx: UiContext) -> bool:
    session = ctx.session
    return session is not None and session.actor.data.role is WorkerRole.ADMIN


class RosterDialog(QDialog):
    """The verified roster; the anchor and signed changes for an Admin."""

    def __init__(self, ctx: UiContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self._since_seq = 0
        self._busy = False
        self._signed: dict[str, hub_trust.RosterEntry] = {}
        self.setWindowTitle("Personen und Rollen im Team")
        self.setAccessibleName("Personen und Rollen im Team")
        layout = QVBoxLayout(self)
        self.anchor_label = QLabel(self)
        self.anchor_label.setWordWrap(True)
        self.anchor_label.setAccessibleName("Vertrauensanker")
        layout.addWidget(self.anchor_label)
        self.table = QTableWidget(0, len(COLUMNS), self)
        self.table.setAccessibleName("Signierte Personen und Rollen")
        self.table.setHorizontalHeaderLabels(COLUMNS)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.verticalHeader().hide()
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        layout.addWidget(self.table, 1)

        self.found_button = QPushButton("Vertrauensanker &setzen und Team signieren …", self)
        self.found_button.setAccessibleName("Vertrauensanker setzen und Team signieren")
        self.found_button.clicked.connect(self.found_team)
        layout.addWidget(self.found_button)

        self.edit_box = QGroupBox("Rolle, Team, Name oder Sperre signieren", self)
        form = QFormLayout(self.edit_box)
        self.person = QComboBox(self.edit_box)
        self.person.setAccessibleName("Person")
        self.person.currentIndexChanged.connect(self._fill_from_person)
        self.role = QComboBox(self.edit_box)
        self.role.setAccessibleName("Rolle")
        self.role.addItems(hub_trust.ROLES)
        self.team = QLineEdit(self.edit_box)
        self.team.setAccessibleName("Team")
        self.name = QLineEdit(self.edit_box)
        self.name.setAccessibleName("Name")
        self.locked = QCheckBox("gesperrt (ihre Geräte gelten nicht mehr als vertrauenswürdig)",
                                self.edit_box)
        self.locked.setAccessibleName("gesperrt")
        for text, widget in (("Person", self.person), ("Rolle", self.role),
                             ("Team", self.team), ("Name", self.name)):
            form.addRow(text + ":", widget)
        form.addRow(self.locked)
        row = QHBoxLayout()
        self.sign_button = QPushButton("Si&gnieren …", self.edit_box)
        self.sign_button.setAccessibleName("Signieren")
        self.sign_button.clicked.connect(self.sign)
        row.addStretch(1)
        row.addWidget(self.sign_button)
        form.addRow(row)
        layout.addWidget(self.edit_box)

        self.result_label = QLabel(self)
        self.result_label.setWordWrap(True)
        self.result_label.setAccessibleName("Ergebnis")
        self.result_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        layout.addWidget(self.result_label)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, self)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)
        self.resize(760, 520)
        self.refresh()

    @property
    def busy(self) -> bool:
        return self._busy

    def refresh(self) -> None:
        session = self.ctx.require_session()
        status = hub_trust.status(session)
        admin = is_admin(self.ctx)
        self.anchor_label.setText(f"Rollen: {status.roles_text}")
        roster = hub_trust.verified_roster(session)
        self.table.setRowCount(len(roster))
        for i, e in enumerate(roster):
            for j, text in enumerate((e.name, e.role, e.team or "–",
                                      "gesperrt" if e.disabled else "aktiv", e.fingerprint)):
                self.table.setItem(i, j, QTableWidgetItem(text))
        self.found_button.setVisible(admin and status.anchor is None)
        self.edit_box.setVisible(admin and status.anchor is not None)
        signed = {e.worker_id: e for e in roster}
        chosen = self.person.currentData()
        self.person.blockSignals(True)
        self.person.clear()
        for worker in workers_service.all_workers(session):
            mark = "" if worker.id in signed else " – noch nicht signiert"
            self.person.addItem(f"{worker.data.name}{mark}", worker.id)
        found = self.person.findData(chosen)
        self.person.setCurrentIndex(max(found, 0))
        self.person.blockSignals(False)
        self._signed = signed
        self._fill_from_person()
        self._enable()

    def _fill_from_person(self) -> None:
        worker_id = self.person.currentData()
        held = self._signed.get(str(worker_id)) if worker_id else None
        if held is None:
            self.name.setText(self.person.currentText().split(" – ")[0])
            self.team.clear()
            self.locked.setChecked(False)
            return
        self.role.setCurrentText(held.role)
        self.team.setText(held.team)
        self.name.setText(held.name)
        self.locked.setChecked(held.disabled)

    def _enable(self) -> None:
        self.found_button.setEnabled(not self._busy)
        self.sign_button.setEnabled(not self._busy and self.person.count() > 0)

    def found_team(self) -> None:
        self._start(None, {}, "Vertrauensanker setzen und das Team signieren")

    def sign(self) -> None:
        worker_id = self.person.currentData()
        if not worker_id:
            return
        name = self.name.text().strip()
        if not name:
            self.ctx.report(UserError("Bitte einen Namen eingeben."))
            return
        change = {"role": self.role.currentText(), "team": self.team.text().strip(),
                  "name": name, "disabled": self.locked.isChecked()}
        self._start(str(worker_id), change,
                    f"Rolle und Team von {name} signieren")

    def _start(self, worker_id: str | None, change: dict[str, Any], act: str) -> None:
        if self._busy:
            return
        try:
            require_driver()
        except UserError as error:
            self.ctx.report(error)
            return
        passphrase = reauth.ask(self.ctx, self, act)
        if not passphrase:
            return
        session = self.ctx.require_session()
        self._busy = True
        self._enable()
        self._since_seq = sync_service.local_seq(session)
        self.result_label.setText("Passphrase wird geprüft und mit dem Team-Hub abgeglichen …")
        self.ctx.tasks.submit(_sign_job, sync_service.background_key(session), self.ctx.clock,
                              passphrase, worker_id, change,
                              on_done=self._done, on_error=self._failed)

    def _finish(self) -> None:
        self._busy = False
        session = self.ctx.session
        if session is not None and session.is_open:
            sync_service.after_background(session, self._since_seq)
            self.refresh()
        self.ctx.changed.emit(Changes.of("sync", "*"))

    def _done(self, entries: list[hub_trust.RosterEntry]) -> None:
        self._finish()
        lines = [f"{e.name} – {e.role}, Team {e.team or '–'}, "
                 f"{'gesperrt' if e.disabled else 'aktiv'}, Schlüssel {e.fingerprint}"
                 for e in entries]
        self.result_label.setText(
            "Signiert und an den Team-Hub übertragen:\n" + "\n".join(lines)
            + "\nBitte die Fingerabdrücke mit den Personen selbst vergleichen.")
        self.ctx.confirm("Rollen signiert.")

    def _failed(self, error: BaseException) -> None:
        self._finish()
        self.result_label.clear()
        if isinstance(error, WrongPassphrase):
            self.ctx.messages.error(self, reauth.TITLE, reauth.wrong_passphrase_text())
        elif isinstance(error, UserError):
            self.ctx.report(error)
        else:
            raise error

    def reject(self) -> None:
        if self._busy:  # the signing finishes on its own; closing waits for it
            return
        super().reject()


def open_dialog(ctx: UiContext, parent: QWidget | None) -> None:
    RosterDialog(ctx, parent).exec()
