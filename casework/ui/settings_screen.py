"""Einstellungen: auto-lock interval, who is acting, worker profiles, passphrase change,
the reference profile in use."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QComboBox,
    QDoubleSpinBox,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QScrollArea,
    QSpinBox,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from casework.errors import UserError, ValidationError, WrongPassphrase
from casework.models.changes import Changes
from casework.models.ids import WorkerId
from casework.models.persons.worker import WorkerDraft, WorkerRole
from casework.services import session as session_service
from casework.services.persons import workers
from casework.services.session import UnwrappedKey
from casework.ui.context import UiContext
from casework.ui.settings import AUTO_LOCK_MAX_MIN, AUTO_LOCK_MIN_MIN
from casework.ui.widgets import ValidatingForm, heading, line_edit, named


class EinstellungenScreen(QWidget):
    def __init__(self, ctx: UiContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        body = QWidget(self)
        column = QVBoxLayout(body)
        column.addWidget(heading("Einstellungen", body))
        column.addWidget(self._lock_box(body))
        column.addWidget(self._actor_box(body))
        column.addWidget(self._workers_box(body))
        column.addWidget(self._passphrase_box(body))
        column.addWidget(self._profile_box(body))
        column.addStretch(1)
        scroll = QScrollArea(self)
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QScrollArea.Shape.NoFrame)
        body.setMaximumWidth(960)
        scroll.setWidget(body)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(scroll)
        ctx.changed.connect(self._on_changed)
        self.reload_workers()

    # --- sections ------------------------------------------------------------------------

    def _lock_box(self, parent: QWidget) -> QGroupBox:
        box = QGroupBox("Automatische Sperre", parent)
        self.auto_lock = QSpinBox(box)
        self.auto_lock.setRange(AUTO_LOCK_MIN_MIN, AUTO_LOCK_MAX_MIN)
        self.auto_lock.setSuffix(" Min.")
        self.auto_lock.setValue(self.ctx.settings.auto_lock_minutes)
        named(self.auto_lock, "Sperren nach Minuten ohne Eingabe")
        self.auto_lock.valueChanged.connect(self._auto_lock_changed)
        row = QHBoxLayout(box)
        caption = QLabel("Sperren nach", box)
        caption.setBuddy(self.auto_lock)
        row.addWidget(caption)
        row.addWidget(self.auto_lock)
        row.addWidget(QLabel("ohne Eingabe. Sofort sperren: Strg+L.", box), 1)
        return box

    def _actor_box(self, parent: QWidget) -> QGroupBox:
        box = QGroupBox("Wer arbeitet gerade?", parent)
        self.actor = QComboBox(box)
        named(self.actor, "Angemeldete Person")
        self.actor_button = QPushButton("&Wechseln", box)
        named(self.actor_button, "Angemeldete Person wechseln")
        self.actor_button.clicked.connect(self.switch_actor)
        self.actor_label = QLabel(box)
        named(self.actor_label, "Aktuell angemeldet")
        layout = QVBoxLayout(box)
        layout.addWidget(self.actor_label)
        row = QHBoxLayout()
        row.addWidget(self.actor, 1)
        row.addWidget(self.actor_button)
        layout.addLayout(row)
        return box

    def _workers_box(self, parent: QWidget) -> QGroupBox:
        box = QGroupBox("Mitarbeitende", parent)
        self.worker_list = QTreeWidget(box)
        named(self.worker_list, "Mitarbeitende dieser Akte")
        self.worker_list.setHeaderLabels(["Name", "Rolle", "Team", "VZÄ"])
        self.worker_list.setRootIsDecorated(False)
        self.worker_list.header().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.worker_list.setMinimumHeight(120)
        self.worker_form = ValidatingForm(box)
        self.worker_name = self.worker_form.add_row("Name", line_edit("Name", box))
        self.worker_role = QComboBox(box)
        for role in WorkerRole:
            self.worker_role.addItem(role.value, role.value)
        self.worker_form.add_row("Rolle", self.worker_role)
        self.worker_team = self.worker_form.add_row("Team", line_edit("Team", box))
        self.worker_fte = QDoubleSpinBox(box)
        self.worker_fte.setRange(0.0, 1.0)
        self.worker_fte.setSingleStep(0.05)
        self.worker_fte.setValue(1.0)
        self.worker_form.add_row("Stellenanteil (VZÄ)", self.worker_fte)
        add = QPushButton("Profil &anlegen", box)
        named(add, "Mitarbeiterprofil anlegen")
        add.clicked.connect(self.create_worker)
        layout = QVBoxLayout(box)
        layout.addWidget(self.worker_list)
        layout.addWidget(self.worker_form)
        layout.addWidget(add, 0, Qt.AlignmentFlag.AlignRight)
        return box

    def _passphrase_box(self, parent: QWidget) -> QGroupBox:
        box = QGroupBox("Passphrase ändern", parent)
        self.pass_form = ValidatingForm(box)
        self.old_pass = self.pass_form.add_row("Bisherige Passphrase",
                                               line_edit("Bisherige Passphrase", box))
        self.new_pass = self.pass_form.add_row("Neue Passphrase",
                                               line_edit("Neue Passphrase", box))
        self.repeat_pass = self.pass_form.add_row("Wiederholung",
                                                  line_edit("Neue Passphrase wiederholen", box))
        for edit in (self.old_pass, self.new_pass, self.repeat_pass):
            assert isinstance(edit, QLineEdit)
            edit.setEchoMode(QLineEdit.EchoMode.Password)
        self.pass_strength = QLabel("Stärke: –", box)
        self.pass_form.add_widget_row(self.pass_strength)
        self.new_pass.textChanged.connect(self._strength)
        self.pass_button = QPushButton("Passphrase &ändern", box)
        named(self.pass_button, "Passphrase ändern")
        self.pass_button.clicked.connect(self.change_passphrase)
        self.pass_status = QLabel(box)
        named(self.pass_status, "Meldung")
        layout = QVBoxLayout(box)
        layout.addWidget(self.pass_form)
        row = QHBoxLayout()
        row.addWidget(self.pass_status, 1)
        row.addWidget(self.pass_button)
        layout.addLayout(row)
        return box

    def _profile_box(self, parent: QWidget) -> QGroupBox:
        box = QGroupBox("Referenzdaten", parent)
        profile = self.ctx.profile
        text = (f"Profil in Verwendung: {profile.title} ({profile.name})" if profile
                else "Kein Profil geladen.")
        label = QLabel(text, box)
        label.setWordWrap(True)
        named(label, "Profil in Verwendung")
        layout = QVBoxLayout(box)
        layout.addWidget(label)
        return box

    # --- behaviour -----------------------------------------------------------------------

    def _auto_lock_changed(self, minutes: int) -> None:
        self.ctx.settings.auto_lock_minutes = minutes
        self.ctx.settings_changed.emit()

    def reload_workers(self) -> None:
        session = self.ctx.session
        if session is None or not session.is_open:
            return
        everyone = workers.all_workers(session)
        self.actor.clear()
        self.worker_list.clear()
        for w in everyone:
            self.actor.addItem(f"{w.name} ({w.data.role.value})", w.id)
            QTreeWidgetItem(self.worker_list, [w.name, w.data.role.value, w.data.team,
                                               f"{w.data.fte:.2f}".replace(".", ",")])
        self.actor.setCurrentIndex(max(self.actor.findData(session.actor_id), 0))
        actor = session.actor
        self.actor_label.setText(f"Angemeldet: {actor.name} – Rolle {actor.data.role.value}")

    def switch_actor(self) -> None:
        session = self.ctx.require_session()
        worker_id = self.actor.currentData()
        if not worker_id or worker_id == session.actor_id:
            return
        try:
            session.act_as(WorkerId(worker_id))
        except UserError as error:
            self.ctx.report(error)
            return
        self.ctx.session_changed.emit()
        self.reload_workers()

    def create_worker(self) -> None:
        self.worker_form.clear_errors()
        draft = WorkerDraft(self.worker_name.text(), WorkerRole(self.worker_role.currentData()),
                            self.worker_team.text(), self.worker_fte.value())
        try:
            self.ctx.apply(workers.create, draft)
        except ValidationError as error:
            self.worker_form.show_error(error)
            return
        except UserError as error:
            self.ctx.report(error)
            return
        self.worker_name.clear()
        self.worker_team.clear()

    def _strength(self, text: str) -> None:
        if not text:
            self.pass_strength.setText("Stärke: –")
            return
        problem = session_service.passphrase_problem(text)
        _score, label = session_service.passphrase_strength(text)
        self.pass_strength.setText(f"Stärke: {label}" + (f" – {problem}" if problem else ""))

    def change_passphrase(self) -> None:
        self.pass_form.clear_errors()
        session = self.ctx.require_session()
        new = self.new_pass.text()
        problem = session_service.passphrase_problem(new)
        if problem is not None:
            self.pass_form.show_error(ValidationError("Neue Passphrase", problem))
            return
        if self.repeat_pass.text() != new:
            self.pass_form.show_error(ValidationError(
                "Wiederholung", "stimmt nicht mit der neuen Passphrase überein."))
            return
        old = self.old_pass.text()
        self.old_pass.clear()
        self.pass_button.setEnabled(False)
        self.pass_status.setText("Bisherige Passphrase wird geprüft …")

        def verified(key: UnwrappedKey) -> None:
            key.wipe()  # only a proof that the person knows the current passphrase
            self.pass_button.setEnabled(True)
            current = self.ctx.session
            if current is None or not current.is_open:
                return
            try:
                session_service.change_passphrase(current, new)
            except ValidationError as error:
                self.pass_form.show_error(error)
                self.pass_status.setText("")
                return
            self.new_pass.clear()
            self.repeat_pass.clear()
            self.pass_status.setText("Die Passphrase wurde geändert.")

        def failed(error: BaseException) -> None:
            self.pass_button.setEnabled(True)
            self.pass_status.setText("")
            if isinstance(error, WrongPassphrase):
                self.pass_form.show_error(ValidationError("Bisherige Passphrase",
                                                          "ist nicht richtig."))
            elif isinstance(error, UserError):
                self.ctx.report(error)
            else:
                raise error

        self.ctx.tasks.submit(session_service.unwrap_key, session.vault.folder, old,
                              on_done=verified, on_error=failed)

    def _on_changed(self, changes: Changes) -> None:
        if changes.affects("worker"):
            self.reload_workers()


def create(ctx: UiContext) -> QWidget:
    return EinstellungenScreen(ctx)
