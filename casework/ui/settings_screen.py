"""Einstellungen: auto-lock interval, who is acting, worker profiles, passphrase change,
the reference profile in use."""

from __future__ import annotations

from concurrent.futures import CancelledError

import shiboken6
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDoubleSpinBox,
    QFormLayout,
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

from casework.errors import PermissionDenied, UserError, ValidationError, WrongPassphrase
from casework.models.changes import Changes
from casework.models.ids import WorkerId
from casework.models.persons.signing import roles_text
from casework.models.persons.worker import WorkerDraft, WorkerRole
from casework.services import hub as sync_service
from casework.services import milestones, persons
from casework.services import session as session_service
from casework.services.households import lifecycle as case_lifecycle
from casework.services.session import KeySlot, Session, SlotRequest, VaultHeader
from casework.ui.context import UiContext
from casework.ui.persons import reauth
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
        column.addWidget(self._case_box(body))
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
        named(self.actor, "Person")
        self.actor_pass = QLineEdit(box)
        self.actor_pass.setEchoMode(QLineEdit.EchoMode.Password)
        self.actor_pass.setPlaceholderText("Passphrase dieser Person")
        named(self.actor_pass, "Passphrase der Person")
        self.actor_button = QPushButton("&Wechseln", box)
        named(self.actor_button, "Person wechseln (mit ihrer Passphrase)")
        self.actor_button.clicked.connect(self.switch_actor)
        self.actor_pass.returnPressed.connect(self.switch_actor)
        self.actor_label = QLabel(box)
        named(self.actor_label, "Aktuell angemeldet")
        self.actor_message = QLabel(box)
        named(self.actor_message, "Meldung zum Wechsel")
        layout = QVBoxLayout(box)
        layout.addWidget(self.actor_label)
        row = QHBoxLayout()
        row.addWidget(self.actor, 1)
        row.addWidget(self.actor_pass, 1)
        row.addWidget(self.actor_button)
        layout.addLayout(row)
        layout.addWidget(self.actor_message)
        return box

    def _workers_box(self, parent: QWidget) -> QGroupBox:
        box = QGroupBox("Personen", parent)
        self.worker_list = QTreeWidget(box)
        named(self.worker_list, "Personen dieser Akte")
        self.worker_list.setHeaderLabels(["Name", "Rollen", "Team", "VZÄ", "Schlüssel"])
        self.worker_list.setRootIsDecorated(False)
        self.worker_list.header().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.worker_list.setMinimumHeight(120)
        self.worker_form = ValidatingForm(box)
        self.worker_name = self.worker_form.add_row("Name", line_edit("Name", box))
        roles_row = QWidget(box)
        roles_layout = QHBoxLayout(roles_row)
        roles_layout.setContentsMargins(0, 0, 0, 0)
        self.worker_roles: dict[WorkerRole, QCheckBox] = {}
        for role in WorkerRole:
            check = QCheckBox(role.value, roles_row)
            named(check, f"Rolle {role.value}")
            roles_layout.addWidget(check)
            self.worker_roles[role] = check
        self.worker_roles[WorkerRole.FACHKRAFT].setChecked(True)
        self.worker_form.add_row("Rolle", roles_row, aliases=("Rollen",))
        self.worker_team = self.worker_form.add_row("Team", line_edit("Team", box))
        self.worker_fte = QDoubleSpinBox(box)
        self.worker_fte.setRange(0.0, 1.0)
        self.worker_fte.setSingleStep(0.05)
        self.worker_fte.setValue(1.0)
        self.worker_form.add_row("Stellenanteil (VZÄ)", self.worker_fte)
        self.worker_pass = self.worker_form.add_row(
            "Passphrase der neuen Person", line_edit("Passphrase der neuen Person", box))
        self.worker_pass_repeat = self.worker_form.add_row(
            "Wiederholung", line_edit("Passphrase der neuen Person wiederholen", box))
        for edit in (self.worker_pass, self.worker_pass_repeat):
            assert isinstance(edit, QLineEdit)
            edit.setEchoMode(QLineEdit.EchoMode.Password)
        hint = QLabel("Die neue Person tippt ihre eigene Passphrase selbst ein. Danach "
                      "bestätigt eine Person mit Admin-Rolle mit ihrer Passphrase.", box)
        hint.setWordWrap(True)
        self.worker_form.add_widget_row(hint)
        self.worker_button = QPushButton("Person hin&zufügen", box)
        named(self.worker_button, "Person hinzufügen")
        self.worker_button.clicked.connect(self.create_worker)
        self.worker_status = QLabel(box)
        named(self.worker_status, "Stand beim Hinzufügen")
        layout = QVBoxLayout(box)
        layout.addWidget(self.worker_list)
        layout.addWidget(self.worker_form)
        row = QHBoxLayout()
        row.addWidget(self.worker_status, 1)
        row.addWidget(self.worker_button)
        layout.addLayout(row)
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

    def _case_box(self, parent: QWidget) -> QGroupBox:
        """Case rules of this vault (issue 20); only the Leitung/Admin change them."""
        box = QGroupBox("Fallverlauf", parent)
        self.closure_approval = QCheckBox("Abschluss eines Falls nur mit Freigabe der "
                                          "Leitung", box)
        named(self.closure_approval, "Abschluss nur mit Freigabe der Leitung")
        self.outcome_days = QSpinBox(box)
        self.outcome_days.setRange(7, 365)
        self.outcome_days.setSuffix(" Tage")
        named(self.outcome_days, "Nachfrage zur Vermittlung nach")
        self.case_hint = QLabel("Nur die Leitung kann diese Regeln ändern.", box)
        form = QFormLayout(box)
        form.addRow(self.closure_approval)
        form.addRow("Nach einer Vermittlung nachfragen, ob die Hilfe begonnen hat, nach:",
                    self.outcome_days)
        form.addRow(self.case_hint)
        self._load_case_settings()
        self.closure_approval.toggled.connect(self._closure_approval_changed)
        self.outcome_days.editingFinished.connect(self._outcome_days_changed)
        return box

    def _load_case_settings(self) -> None:
        session = self.ctx.session
        if session is None or not session.is_open:
            return
        lead = session.has_role(WorkerRole.LEITUNG, WorkerRole.ADMIN)
        self.closure_approval.blockSignals(True)
        self.closure_approval.setChecked(case_lifecycle.requires_approval(session))
        self.closure_approval.blockSignals(False)
        self.outcome_days.setValue(milestones.referral_outcome_days(session))
        for widget in (self.closure_approval, self.outcome_days):
            widget.setEnabled(lead)
        self.case_hint.setVisible(not lead)

    def _closure_approval_changed(self, checked: bool) -> None:
        if self.ctx.run(case_lifecycle.set_requires_approval, checked) is not None:
            self.ctx.confirm("Einstellung gespeichert.")
        self._load_case_settings()

    def _outcome_days_changed(self) -> None:
        session = self.ctx.session
        if session is None or self.outcome_days.value() == milestones.referral_outcome_days(
                session):
            return
        if self.ctx.run(milestones.set_referral_outcome_days,
                        self.outcome_days.value()) is not None:
            self.ctx.confirm("Einstellung gespeichert.")

    # --- behaviour -----------------------------------------------------------------------

    def _auto_lock_changed(self, minutes: int) -> None:
        self.ctx.settings.auto_lock_minutes = minutes
        self.ctx.settings_changed.emit()
        self.ctx.confirm("Einstellung gespeichert.")

    def reload_workers(self) -> None:
        session = self.ctx.session
        if session is None or not session.is_open:
            return
        everyone = persons.team(session)
        hub_keys: dict[str, list[str]] = {}
        for d in sync_service.device_keys(session):  # Team-Hub keys, to compare in person
            hub_keys.setdefault(d.worker_id, []).append(
                f"Team-Hub-Gerät {d.fingerprint} ({d.status})")
        self.actor.clear()
        self.worker_list.clear()
        for m in everyone:
            if m.has_slot:
                self.actor.addItem(f"{m.name} ({m.roles_label})", m.name)
            QTreeWidgetItem(self.worker_list, [
                m.name + (" (Inhaberin)" if m.owner else ""), m.roles_label, m.worker.data.team,
                f"{m.worker.data.fte:.2f}".replace(".", ","),
                "; ".join([m.fingerprint or "noch keine Passphrase",
                           *hub_keys.get(m.id, [])])])
        self.actor.setCurrentIndex(max(self.actor.findData(session.actor.name), 0))
        self.actor_label.setText(f"Angemeldet: {session.actor.name} – Rolle "
                                 f"{roles_text(session.roles)}")

    @property
    def switching(self) -> bool:
        """A person's passphrase is being checked on the worker thread."""
        return not self.actor_button.isEnabled()

    def switch_actor(self) -> None:
        """Another person takes over: only with HER passphrase (the field is cleared). The
        Argon2id run happens on the worker thread; meanwhile the row says so and waits."""
        session = self.ctx.require_session()
        name = self.actor.currentData()
        passphrase = self.actor_pass.text()
        self.actor_pass.clear()
        if self.switching or not name or name == session.actor.name:
            return
        if not passphrase:
            self.actor_message.setText("Bitte die Passphrase dieser Person eingeben.")
            return
        try:
            worker_id = persons.person_with_key(session, str(name))
        except UserError as error:
            self.ctx.report(error)
            return
        self._actor_row_enabled(False)
        self.actor_message.setText("Die Passphrase wird geprüft …")
        self.ctx.tasks.submit(persons.prove_passphrase, session.vault.header, worker_id,
                              passphrase, derivation=True, owner=self,
                              on_done=lambda _r: self._switch_proven(session, worker_id),
                              on_error=lambda error: self._switch_failed(session, worker_id,
                                                                         error))

    def _actor_row_enabled(self, enabled: bool) -> None:
        for widget in (self.actor, self.actor_pass, self.actor_button):
            widget.setEnabled(enabled)

    def _switch_failed(self, session: Session, worker_id: str, error: BaseException) -> None:
        self._actor_row_enabled(True)
        self.actor_message.setText("")
        if self.ctx.session is not session or not session.is_open:
            return  # locked meanwhile
        if isinstance(error, WrongPassphrase):
            persons.record_failed_switch(session, worker_id)
            self.actor_message.setText("Die Passphrase passt nicht zu dieser Person.")
        elif isinstance(error, UserError):
            self.ctx.report(error)
        else:
            raise error

    def _switch_proven(self, session: Session, worker_id: str) -> None:
        self._actor_row_enabled(True)
        if self.ctx.session is not session or not session.is_open:
            return  # locked meanwhile: whoever unlocks again is the one acting
        try:
            session.act_as(WorkerId(worker_id))
        except UserError as error:
            self.actor_message.setText("")
            self.ctx.report(error)
            return
        self.actor_message.setText("")
        self.ctx.session_changed.emit()
        self.reload_workers()
        self._load_case_settings()

    def create_worker(self) -> None:
        """"Person hinzufügen": the new person types her passphrase into the form, then an
        Admin confirms with hers (re-authentication dialog)."""
        self.worker_form.clear_errors()
        session = self.ctx.require_session()
        chosen = [role for role, check in self.worker_roles.items() if check.isChecked()]
        new = self.worker_pass.text()
        repeat = self.worker_pass_repeat.text()
        try:
            if not session.has_role(WorkerRole.ADMIN):
                raise PermissionDenied("Personen fügt nur eine Person mit Admin-Rolle hinzu.")
            WorkerDraft(self.worker_name.text(), chosen[0] if chosen else WorkerRole.FACHKRAFT,
                        self.worker_team.text(), self.worker_fte.value()).validated()
            if not chosen:
                raise ValidationError("Rolle", "bitte mindestens eine Rolle wählen.")
            problem = session_service.passphrase_problem(new)
            if problem is not None:
                raise ValidationError("Passphrase der neuen Person", problem)
            if repeat != new:
                raise ValidationError("Wiederholung", "stimmt nicht mit der Passphrase überein.")
        except UserError as error:
            self._refuse_person(error)
            return
        self.worker_pass.clear()
        self.worker_pass_repeat.clear()
        auth = reauth.authorize(self.ctx, self, "Person hinzufügen")
        if auth is None:
            return
        try:
            person = self.ctx.apply(persons.begin_add_person, auth, self.worker_name.text(),
                                    chosen, new, team_name=self.worker_team.text(),
                                    fte=self.worker_fte.value())
        except UserError as error:
            auth.wipe()
            self._refuse_person(error)
            return
        # Her key slot is one Argon2id run (about half a second): on the key thread, the
        # row meanwhile says so and takes no second click; nothing is written before.
        self._worker_row_enabled(False)
        self.worker_status.setText("Der Schlüssel der neuen Person wird erstellt …")
        self.ctx.tasks.submit(
            persons.derive_person_slot, person.request, derivation=True,
            on_done=lambda slot: self._person_slot_ready(session, auth, person, slot),
            on_error=lambda error: self._person_slot_failed(session, auth, person, error))

    def _refuse_person(self, error: UserError) -> None:
        """A field's problem next to the field, anything else as a message."""
        if isinstance(error, ValidationError):
            self.worker_form.show_error(error)
        else:
            self.ctx.report(error)

    @property
    def adding_worker(self) -> bool:
        """A new person's key slot is being derived on the key thread."""
        return not self.worker_button.isEnabled()

    def _worker_row_enabled(self, enabled: bool) -> None:
        """Not through the screen after a lock: it is deleted then."""
        if shiboken6.isValid(self):
            self.worker_button.setEnabled(enabled)
            self.worker_status.setText("")

    def _person_slot_ready(self, session: Session, auth: persons.Authorization,
                           person: persons.NewPerson, slot: KeySlot) -> None:
        self._worker_row_enabled(True)
        if self.ctx.session is not session or not session.is_open or not shiboken6.isValid(self):
            auth.wipe()  # locked meanwhile: nobody was added (the slot holds no open key)
            return
        try:
            self.ctx.apply(persons.finish_add_person, auth, person, slot)
        except UserError as error:
            self._refuse_person(error)
            return
        finally:
            auth.wipe()
        self.ctx.confirm("Mitarbeiterin gespeichert.")
        self.worker_name.clear()
        self.worker_team.clear()

    def _person_slot_failed(self, session: Session, auth: persons.Authorization,
                            person: persons.NewPerson, error: BaseException) -> None:
        auth.wipe()
        person.request.wipe()  # a job cancelled before it ran never wiped its copy
        self._worker_row_enabled(True)
        if self.ctx.session is not session or not session.is_open or \
                isinstance(error, CancelledError):
            return
        if isinstance(error, UserError):
            self.ctx.report(error)
        else:
            raise error

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
        # Proof of the current passphrase and the new key slot are two Argon2id runs
        # (about a second): on the worker thread; only the header is written here.
        request = session_service.begin_passphrase_change(session, new)

        def derived(slot: KeySlot) -> None:
            self.pass_button.setEnabled(True)
            current = self.ctx.session
            if current is not session or not current.is_open:
                return
            try:
                session_service.finish_passphrase_change(current, slot)
            except UserError as error:
                self.pass_status.setText("")
                self.ctx.report(error)
                return
            self.new_pass.clear()
            self.repeat_pass.clear()
            self.pass_status.setText("Die Passphrase wurde geändert.")
            self.reload_workers()

        def failed(error: BaseException) -> None:
            self.pass_button.setEnabled(True)
            self.pass_status.setText("")
            if isinstance(error, WrongPassphrase):
                self.pass_form.show_error(ValidationError("Bisherige Passphrase",
                                                          "ist nicht richtig."))
            elif isinstance(error, CancelledError):
                return
            elif isinstance(error, UserError):
                self.ctx.report(error)
            else:
                raise error

        self.pass_job = self.ctx.tasks.submit(
            _new_slot_job, session.vault.header, session.actor_id, old, request,
            on_done=derived, on_error=failed, owner=self)

    def _on_changed(self, changes: Changes) -> None:
        if changes.affects("worker"):
            self.reload_workers()


def _new_slot_job(header: VaultHeader, worker_id: str, old: str,
                  request: SlotRequest) -> KeySlot:
    """On the worker thread (no database): prove the current passphrase, then derive the
    new key slot; the request's copy of the data key is wiped either way."""
    try:
        persons.prove_passphrase(header, worker_id, old)
    except BaseException:
        request.wipe()
        raise
    return session_service.derive_passphrase_slot(request)


def create(ctx: UiContext) -> QWidget:
    return EinstellungenScreen(ctx)
