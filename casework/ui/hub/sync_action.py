"""Akte → „Synchronisieren…“: sync now, status, conflicts and abgewiesene Änderungen.

Sync runs on the app's worker thread (`ui/tasks.py`) with its own connection to the
vault (a connection never crosses threads), reporting progress; „Abbrechen“ stops it
between two batches, and nothing is lost (each batch is committed with its cursor). A
conflict shows both values with who wrote them and when; choosing one writes a new
change that ends the conflict on every device. Changes of this device the hub refused
are listed with the reason for everyone, changes this device did not apply for the
Leitung/Admin. An Admin signs persons and roles from here (`ui/hub/roster.py`).
"""

from __future__ import annotations

import threading
from datetime import datetime
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QProgressBar,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from casework.clock import BERLIN, Clock, from_utc_iso
from casework.errors import UserError, WrongPassphrase
from casework.models.changes import Changes
from casework.services import hub as sync_service
from casework.services import hub_trust
from casework.services.persons import workers as workers_service
from casework.services.session import Session, UnwrappedKey
from casework.sync import require_driver
from casework.ui import vault_jobs
from casework.ui.context import UiContext
from casework.ui.hub import roster

if TYPE_CHECKING:
    from casework.sync import client


# German names of fields users meet in conflicts; others show their technical name.
FIELD_LABELS = {
    "name": "Familienname", "street": "Straße", "plz": "PLZ", "city": "Ort",
    "district": "Bezirk", "quarter": "Quartier", "resources": "Ressourcen",
    "risks": "Risiken", "assigned_worker_id": "Zuständig", "status": "Status",
    "first_name": "Vorname", "last_name": "Nachname", "birth_date": "Geburtsdatum",
    "school": "Schule/Kita", "next_steps": "Nächste Schritte", "follow_up": "Wiedervorlage",
    "follow_up_done": "Wiedervorlage erledigt",
}
ENTITY_LABELS = {"household": "Familie", "person": "Person", "contact": "Kontakt",
                 "worker": "Mitarbeitende", "directory": "Verzeichnis/Rote Mappe",
                 "ks_deadline_profile": "§-8a-Fristen", "deletion_request": "Löschantrag",
                 "deletion_approval": "Löschfreigabe", "deletion_execution": "Löschung",
                 "ks_procedure": "§-8a-Verfahren", "consent": "Einwilligung",
                 "referral": "Vermittlung", "roster": "Personen und Rollen"}


def _pending_job(session: Session, _cancel: threading.Event) -> int:
    """On the worker thread, on the vault's second connection (`vault_jobs.read`)."""
    return sync_service.pending_count(session)


def _when(iso: str | None) -> str:
    if not iso:
        return "noch nie"
    try:
        return f"{from_utc_iso(iso).astimezone(BERLIN):%d.%m.%Y %H:%M} Uhr"
    except ValueError:
        return iso


def _value_text(value: object) -> str:
    if value is None or value == "":
        return "(leer)"
    return str(value)


def _sync_job(key: UnwrappedKey, clock: Clock, dsn: str | None,
              progress: client.Progress, cancel: threading.Event) -> client.SyncResult:
    """On the worker thread: open the vault's own connection, sync, close."""
    # psycopg is imported only when someone syncs: it costs ~0.4 s of every app start, and
    # a plain install has no psycopg at all.
    from casework.sync import client

    session = sync_service.open_background(key, clock)
    try:
        return client.sync_vault(session, dsn, progress=progress, cancelled=cancel.is_set)
    finally:
        session.close()


def _enrol_job(key: UnwrappedKey, clock: Clock, dsn: str, code: str, label: str,
               passphrase: str) -> tuple[sync_service.EnrolledWorker, Changes]:
    """On the worker thread: the passphrase is proven (Argon2id) before the one-time code
    is spent at the hub, then the device enrols and its person signs its keys."""
    from casework.services import persons
    from casework.sync import client

    session = sync_service.open_background(key, clock)
    try:
        auth = persons.authorize(session, passphrase)
        return client.enrol(session, dsn, code, label, auth)
    finally:
        session.close()


def _issue_code_job(target: str | None, worker_id: str,
                    anchor: str | None = None) -> tuple[str, datetime]:
    """On the worker thread (no vault access): a code for a colleague's device; it names
    the team's trust anchor as this device pinned it."""
    from casework.sync import admin

    if not target:
        raise UserError("Dieses Gerät ist noch nicht am Team-Hub angemeldet.")
    return admin.issue_code(target, worker_id, anchor=anchor)


_STAGES = {"push": "gesendet", "pushed": "gesendet", "pull": "empfangen"}
OVERSIGHT = ("Leitung", "Admin")


class SyncDialog(QDialog):
    progress_changed = Signal(str, int)  # from the worker thread, queued to this one

    def __init__(self, ctx: UiContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self._cancel: threading.Event | None = None
        self._enrolling = False
        self._since_seq = 0
        self.setWindowTitle("Synchronisieren")
        self.setAccessibleName("Synchronisieren mit dem Team-Hub")
        layout = QVBoxLayout(self)

        status_box = QGroupBox("Stand", self)
        form = QFormLayout(status_box)
        self.hub_label = QLabel(status_box)
        self.last_label = QLabel(status_box)
        self.pending_label = QLabel(status_box)
        self.conflict_label = QLabel(status_box)
        self.refused_label = QLabel(status_box)
        self.locked_label = QLabel(status_box)
        self.trust_label = QLabel(status_box)
        self.trust_label.setWordWrap(True)
        self.devices_label = QLabel(status_box)
        for label, widget in (("Team-Hub", self.hub_label), ("Letzter Abgleich", self.last_label),
                              ("Nicht übertragene Änderungen", self.pending_label),
                              ("Offene Konflikte", self.conflict_label),
                              ("Abgewiesene Änderungen", self.refused_label),
                              ("Warten auf einen Schlüssel", self.locked_label),
                              ("Rollen", self.trust_label),
                              ("Geräte ohne bestätigten Schlüssel", self.devices_label)):
            widget.setAccessibleName(label)
            widget.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByKeyboard
                                           | Qt.TextInteractionFlag.TextSelectableByMouse)
            form.addRow(label + ":", widget)
        layout.addWidget(status_box)
        self.roster_button = QPushButton("&Personen und Rollen …", self)
        self.roster_button.setAccessibleName("Personen und Rollen im Team signieren")
        self.roster_button.clicked.connect(self.open_roster)
        layout.addWidget(self.roster_button, 0, Qt.AlignmentFlag.AlignLeft)

        row = QHBoxLayout()
        self.password = QLineEdit(self)
        self.password.setEchoMode(QLineEdit.EchoMode.Password)
        self.password.setPlaceholderText("Hub-Passwort (falls nicht hinterlegt)")
        self.password.setAccessibleName("Hub-Passwort")
        row.addWidget(self.password, 1)
        self.sync_button = QPushButton("&Jetzt synchronisieren", self)
        self.sync_button.setAccessibleName("Jetzt synchronisieren")
        self.sync_button.clicked.connect(self.sync_now)
        row.addWidget(self.sync_button)
        self.cancel_button = QPushButton("&Abbrechen", self)
        self.cancel_button.setAccessibleName("Abgleich abbrechen")
        self.cancel_button.setEnabled(False)
        self.cancel_button.clicked.connect(self.cancel)
        row.addWidget(self.cancel_button)
        layout.addLayout(row)
        self.progress = QProgressBar(self)
        self.progress.setAccessibleName("Fortschritt des Abgleichs")
        self.progress.setRange(0, 0)
        self.progress.setTextVisible(False)
        self.progress.hide()
        layout.addWidget(self.progress)
        self.progress_label = QLabel(self)
        self.progress_label.setAccessibleName("Stand des Abgleichs")
        layout.addWidget(self.progress_label)
        self.progress_changed.connect(self._show_progress)
        self.result_label = QLabel(self)
        self.result_label.setAccessibleName("Ergebnis des Abgleichs")
        self.result_label.setWordWrap(True)
        layout.addWidget(self.result_label)

        # The conflict and refusal boxes show only when they have something: the status
        # counts them anyway, and the dialog must fit a 1366×768 screen.
        self.conflicts_box = conflicts_box = QGroupBox("Konflikte", self)
        conflicts_layout = QVBoxLayout(conflicts_box)
        hint = QLabel("Diese Angaben wurden auf zwei Geräten unabhängig voneinander geändert. "
                      "Bitte den richtigen Wert wählen; die Wahl wird an alle Geräte "
                      "übertragen.", conflicts_box)
        hint.setWordWrap(True)
        conflicts_layout.addWidget(hint)
        self.conflict_list = QListWidget(conflicts_box)
        self.conflict_list.setAccessibleName("Liste der Konflikte")
        self.conflict_list.currentRowChanged.connect(self._show_conflict)
        conflicts_layout.addWidget(self.conflict_list)
        self.choices = QVBoxLayout()
        conflicts_layout.addLayout(self.choices)
        layout.addWidget(conflicts_box)

        self.refused_box = QGroupBox("Abgewiesene Änderungen", self)
        refused_layout = QVBoxLayout(self.refused_box)
        refused_hint = QLabel("Vom Team-Hub abgewiesen oder auf diesem Gerät nicht übernommen "
                              "(fehlerhaft oder ohne Berechtigung). Sie werden nie angewendet.",
                              self.refused_box)
        refused_hint.setWordWrap(True)
        refused_layout.addWidget(refused_hint)
        self.refused_list = QListWidget(self.refused_box)
        self.refused_list.setAccessibleName("Liste der abgewiesenen Änderungen")
        refused_layout.addWidget(self.refused_list)
        layout.addWidget(self.refused_box)

        # Not yet enrolled: hub address, own password and the one-time code.
        self.enrol_box = QGroupBox("Dieses Gerät am Team-Hub anmelden", self)
        enrol_form = QFormLayout(self.enrol_box)
        self.enrol_dsn = QLineEdit(self.enrol_box)
        self.enrol_dsn.setPlaceholderText("host=hub.example dbname=casework user=… "
                                          "sslmode=verify-full sslrootcert=…")
        self.enrol_password = QLineEdit(self.enrol_box)
        self.enrol_password.setEchoMode(QLineEdit.EchoMode.Password)
        self.enrol_code = QLineEdit(self.enrol_box)
        self.enrol_code.setPlaceholderText("ABCD-EFGH-…")
        self.enrol_label = QLineEdit(self.enrol_box)
        self.enrol_label.setPlaceholderText("z. B. Laptop Büro")
        # The person signs the new device's keys with her own passphrase (read once).
        self.enrol_passphrase = QLineEdit(self.enrol_box)
        self.enrol_passphrase.setEchoMode(QLineEdit.EchoMode.Password)
        self.enrol_passphrase.setPlaceholderText("bindet dieses Gerät an Sie")
        for text, line in (("Hub-Adresse", self.enrol_dsn),
                           ("Eigenes Hub-Passwort", self.enrol_password),
                           ("Einmal-Code", self.enrol_code), ("Gerätename", self.enrol_label),
                           ("Eigene Passphrase", self.enrol_passphrase)):
            line.setAccessibleName(text)
            enrol_form.addRow(text + ":", line)
        self.enrol_button = QPushButton("Gerät an&melden", self.enrol_box)
        self.enrol_button.setAccessibleName("Gerät anmelden")
        self.enrol_button.clicked.connect(self.enrol)
        enrol_form.addRow(self.enrol_button)
        layout.addWidget(self.enrol_box)

        # Leitung/Admin: a one-time code for a colleague's device.
        self.code_box = QGroupBox("Einmal-Code für ein Gerät einer Kollegin/eines Kollegen",
                                  self)
        code_row = QHBoxLayout(self.code_box)
        self.code_worker = QComboBox(self.code_box)
        self.code_worker.setAccessibleName("Person für den Einmal-Code")
        code_row.addWidget(self.code_worker, 1)
        self.code_button = QPushButton("Einmal-&Code erzeugen", self.code_box)
        self.code_button.setAccessibleName("Einmal-Code erzeugen")
        self.code_button.clicked.connect(self.issue_code)
        code_row.addWidget(self.code_button)
        self.code_label = QLabel(self.code_box)
        self.code_label.setAccessibleName("Erzeugter Einmal-Code")
        self.code_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse
                                                | Qt.TextInteractionFlag.TextSelectableByKeyboard)
        code_row.addWidget(self.code_label, 1)
        layout.addWidget(self.code_box)

        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, self)
        buttons.rejected.connect(self.reject)
        buttons.button(QDialogButtonBox.StandardButton.Close).setAccessibleName("Schließen")
        layout.addWidget(buttons)
        self._conflicts: list[sync_service.Conflict] = []
        self.choice_buttons: list[QPushButton] = []
        self.refresh()

    def _show_pending(self, count: object) -> None:
        self.pending_label.setText(str(count))

    def _pending_failed(self, _error: BaseException) -> None:
        self.pending_label.setText("–")  # the vault was locked meanwhile

    def refresh(self) -> None:
        session = self.ctx.require_session()
        st = sync_service.status(session, count_pending=False)
        self.hub_label.setText(st.hub or "nicht verbunden (Gerät zuerst anmelden)")
        self.last_label.setText(_when(st.last_sync_at))
        # counted on the worker: before the first sync of a large vault that takes seconds
        self.pending_label.setText("wird gezählt …")
        vault_jobs.read(self.ctx, self, _pending_job, on_done=self._show_pending,
                        on_failed=self._pending_failed)
        self.conflict_label.setText(str(st.conflicts))
        self.refused_label.setText(str(st.refused))
        trust = hub_trust.status(session)
        self.locked_label.setText(str(trust.locked))
        self.trust_label.setText(trust.roles_text)
        self.devices_label.setText(str(trust.waiting_devices))
        oversight = session.actor.data.role.value in OVERSIGHT
        enrolled = sync_service.device_secret(session) is not None
        self.enrol_box.setVisible(not enrolled)
        self.code_box.setVisible(enrolled and oversight)
        self.roster_button.setVisible(enrolled and roster.is_admin(self.ctx))
        if enrolled and oversight:  # again each time: a signed role may have changed
            chosen = self.code_worker.currentData()
            self.code_worker.clear()
            for worker in workers_service.all_workers(session):
                if worker.id != session.actor.id:
                    self.code_worker.addItem(f"{worker.data.name} ({worker.data.role.value})",
                                             worker.id)
            self.code_worker.setCurrentIndex(max(self.code_worker.findData(chosen), 0))
        # Everyone sees what the hub refused of this device's own changes (e.g. a
        # colleague's entries in a shared vault); what this device did not take over from
        # others only Leitung/Admin.
        shown = [q for q in sync_service.quarantine(session)
                 if oversight or q.direction == "out"]
        self.refused_box.setVisible(bool(shown))
        self.refused_list.clear()
        if shown:
            for q in shown:
                where = ("vom Team-Hub abgewiesen" if q.direction == "out"
                         else "hier nicht übernommen")
                who = "Team-Hub" if q.actor == "hub" else (q.actor_name or "unbekannt")
                QListWidgetItem(
                    f"{_when(q.at)} – {ENTITY_LABELS.get(q.entity, q.entity)} von "
                    f"{who}, {where}: {q.reason_text}",
                    self.refused_list)
        self._conflicts = sync_service.conflicts(session)
        self.conflict_list.clear()
        for c in self._conflicts:
            text = (f"{ENTITY_LABELS.get(c.entity, c.entity)}: "
                    f"{FIELD_LABELS.get(c.field, c.field)} – {len(c.heads)} Werte")
            QListWidgetItem(text, self.conflict_list)
        self.conflicts_box.setVisible(bool(self._conflicts))
        if self._conflicts:
            self.conflict_list.setCurrentRow(0)
        else:
            self._show_conflict(-1)

    def _show_conflict(self, row: int) -> None:
        for button in self.choice_buttons:
            self.choices.removeWidget(button)
            button.deleteLater()
        self.choice_buttons = []
        if not 0 <= row < len(self._conflicts):
            return
        conflict = self._conflicts[row]
        for head in conflict.heads:
            who = head.actor_name or "unbekannt"
            button = QPushButton(
                f"„{_value_text(head.value)}“ – {who}, {_when(head.at)} übernehmen", self)
            button.setAccessibleName(f"Wert von {who} vom {_when(head.at)} übernehmen")
            button.clicked.connect(
                lambda _checked=False, c=conflict.id, h=head.hlc: self.resolve(c, h))
            self.choices.addWidget(button)
            self.choice_buttons.append(button)

    def open_roster(self) -> None:
        if not self.busy:
            roster.open_dialog(self.ctx, self)
            self.refresh()

    def resolve(self, conflict_id: str, hlc: str) -> None:
        self.ctx.run(sync_service.resolve_conflict, conflict_id, hlc)
        self.refresh()

    @property
    def busy(self) -> bool:
        return self._cancel is not None or self._enrolling

    def sync_now(self) -> None:
        if self.busy:
            return
        session = self.ctx.require_session()
        dsn = None  # the stored hub address with this device's own hub login
        stored = sync_service.hub_dsn(session)
        try:
            require_driver()
        except UserError as error:
            self.ctx.report(error)
            return
        if stored and self.password.text() and not sync_service.device_secret(session):
            from casework.sync import client

            dsn = client.with_password(stored, self.password.text())
        self._cancel = threading.Event()
        self._since_seq = sync_service.local_seq(session)
        self.sync_button.setEnabled(False)
        self.cancel_button.setEnabled(True)
        self.progress.show()
        self.progress_label.setText("Abgleich läuft …")
        self.result_label.clear()
        self.ctx.tasks.submit(_sync_job, sync_service.background_key(session), self.ctx.clock,
                              dsn, self.progress_changed.emit, self._cancel,
                              on_done=self._done, on_error=self._failed)

    def enrol(self) -> None:
        """The worker's own login (address + password), the code from the Leitung and her
        passphrase, which binds the device to her."""
        if self.busy:
            return
        try:
            require_driver()
        except UserError as error:
            self.ctx.report(error)
            return
        from casework.sync import client

        dsn, code = self.enrol_dsn.text().strip(), self.enrol_code.text().strip()
        if not dsn or not code:
            self.ctx.report(UserError("Bitte Hub-Adresse und Einmal-Code eingeben."))
            return
        if self.enrol_password.text():
            dsn = client.with_password(dsn, self.enrol_password.text())
        passphrase = self.enrol_passphrase.text()
        self.enrol_passphrase.clear()
        if not passphrase:
            self.ctx.report(UserError("Bitte Ihre eigene Passphrase eingeben: sie bindet "
                                      "dieses Gerät an Sie."))
            return
        session = self.ctx.require_session()
        self._since_seq = sync_service.local_seq(session)
        self._enrolling = True
        self.enrol_button.setEnabled(False)
        self.sync_button.setEnabled(False)
        self.result_label.setText("Gerät wird angemeldet …")
        self.ctx.tasks.submit(_enrol_job, sync_service.background_key(session), self.ctx.clock,
                              dsn, code, self.enrol_label.text().strip(), passphrase,
                              on_done=self._enrolled, on_error=self._enrol_failed)

    def _enrol_finished(self) -> None:
        self._enrolling = False
        self.enrol_button.setEnabled(True)
        self.sync_button.setEnabled(True)
        self.enrol_password.clear()
        session = self.ctx.session
        if session is not None and session.is_open:
            sync_service.after_background(session, self._since_seq)
            self.refresh()

    def _enrolled(self, outcome: tuple[sync_service.EnrolledWorker, Changes]) -> None:
        worker, changes = outcome
        self.enrol_code.clear()
        self._enrol_finished()
        self.result_label.setText(f"Gerät angemeldet für {worker.name} ({worker.role}) und "
                                  "mit Ihrer Passphrase an Sie gebunden. Jetzt "
                                  "synchronisieren.")
        self.ctx.changed.emit(changes)

    def _enrol_failed(self, error: BaseException) -> None:
        self._enrol_finished()
        self.result_label.clear()
        if isinstance(error, WrongPassphrase):
            self.ctx.messages.error(self, "Gerät anmelden", "Die Passphrase ist nicht "
                                    "richtig. Das Gerät wurde nicht angemeldet; der "
                                    "Einmal-Code gilt weiter.")
        elif isinstance(error, UserError):
            self.ctx.report(error)
        else:
            raise error

    def issue_code(self) -> None:
        worker_id = self.code_worker.currentData()
        if not worker_id or self.busy:
            return
        try:
            require_driver()
        except UserError as error:
            self.ctx.report(error)
            return
        from casework.sync import client

        session = self.ctx.require_session()
        target = client.device_target(session)
        self.code_button.setEnabled(False)
        self.ctx.tasks.submit(_issue_code_job, target, str(worker_id),
                              hub_trust.anchor_check(session),
                              on_done=self._code_issued, on_error=self._code_failed)

    def _code_issued(self, issued: tuple[str, datetime]) -> None:
        self.code_button.setEnabled(True)
        code, expires = issued
        self.code_label.setText(f"{code} (gültig bis "
                                f"{expires.astimezone(BERLIN):%d.%m.%Y %H:%M} Uhr)")

    def _code_failed(self, error: BaseException) -> None:
        self.code_button.setEnabled(True)
        if not isinstance(error, UserError):
            raise error
        self.ctx.report(error)

    def cancel(self) -> None:
        if self._cancel is not None:
            self._cancel.set()
            self.cancel_button.setEnabled(False)
            self.progress_label.setText("Wird nach dem laufenden Schritt abgebrochen …")

    def _show_progress(self, stage: str, count: int) -> None:
        self.progress_label.setText(f"{count} {_STAGES.get(stage, '')} …")

    def _finish(self) -> None:
        self._cancel = None
        self.sync_button.setEnabled(True)
        self.cancel_button.setEnabled(False)
        self.progress.hide()
        self.progress_label.clear()
        session = self.ctx.session
        if session is not None and session.is_open:
            sync_service.after_background(session, self._since_seq)
            self.refresh()

    def _done(self, result: client.SyncResult) -> None:
        self._finish()
        text = f"Abgeglichen: {result.pushed} gesendet, {result.pulled} empfangen."
        if result.new_conflicts:
            text += f" {result.new_conflicts} neue Konflikte – bitte unten lösen."
        if result.refused or result.quarantined:
            text += (f" {result.refused + result.quarantined} Änderungen abgewiesen "
                     "(siehe unten).")
        self.result_label.setText(text)
        self.ctx.changed.emit(result.changes | Changes.of("sync", "*"))

    def _failed(self, error: BaseException) -> None:
        cancelled = getattr(error, "code", None) == "cancelled"
        self._finish()
        self.ctx.changed.emit(Changes.of("sync", "*"))
        if cancelled and isinstance(error, UserError):
            self.result_label.setText(error.message)
        elif isinstance(error, UserError):
            self.ctx.report(error)
        else:
            raise error

    def reject(self) -> None:
        if self.busy:  # closing while syncing: stop at the next step, nothing is lost
            self.cancel()
            return
        super().reject()


def trigger(ctx: UiContext, parent_widget: QWidget | None) -> None:
    dialog = SyncDialog(ctx, parent_widget)
    dialog.exec()
