"""Start page: choose a vault, create one, unlock it (and the demo vault's first fill).

Only the vault FOLDER is remembered (QSettings), never a passphrase or key. Creating a
vault and filling the demo vault run on the task worker with their own session, which
is closed there; the app then unlocks the vault normally, so every connection the GUI
uses is opened on the GUI thread.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QProgressBar,
    QPushButton,
    QSizePolicy,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from casework.clock import Clock
from casework.errors import UserError, ValidationError
from casework.models.persons.worker import WorkerRole
from casework.services import session as session_service
from casework.ui.context import UiContext
from casework.ui.settings import Settings
from casework.ui.unlock import UnlockPanel
from casework.ui.widgets import ValidatingForm, heading, line_edit, named

NEW_VAULT_SUBFOLDER = "Casework-Akte"


def create_vault_job(folder: Path, passphrase: str, clock: Clock, owner_name: str,
                     role: WorkerRole) -> None:
    """Worker-thread job: create the vault and close it again (opened later on the GUI
    thread)."""
    session = session_service.create(folder, passphrase, clock, owner_name=owner_name,
                                     owner_role=role)
    session.close()


def create_demo_job(folder: Path, clock: Clock, families: int, contacts_per_family: float,
                    progress: object) -> None:
    """Worker-thread job: build the demo vault in a temp folder, then move it into place,
    so an interrupted fill never leaves a half demo behind."""
    from casework.services import demo  # most services: loaded when a demo is made

    temp = folder.with_name(folder.name + ".tmp")
    if temp.exists():
        shutil.rmtree(temp)  # leftover of an interrupted fill: fictitious data only
    # Fictitious bulk data only: SQLCipher's memory wiping costs ~12x in bulk writes.
    session = session_service.create(temp, demo.DEMO_PASSPHRASE, clock,
                                     owner_name="Lena Beispiel", memory_security=False)
    try:
        demo.fill(session, families, contacts_per_family=contacts_per_family,
                  progress=progress, passphrase=demo.DEMO_PASSPHRASE)  # type: ignore[arg-type]
    finally:
        session.close()
    temp.rename(folder)


class CreatePanel(QWidget):
    """First run: a new vault with owner name, role and passphrase (twice)."""

    created = Signal(object)  # Path of the new vault
    cancelled = Signal()

    def __init__(self, ctx: UiContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.form = ValidatingForm(self)
        self.folder = line_edit("Ordner der neuen Akte", self)
        choose = QPushButton("&Wählen …", self)
        named(choose, "Ordner wählen")
        folder_row = QWidget(self)
        row = QHBoxLayout(folder_row)
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(self.folder, 1)
        row.addWidget(choose)
        named(folder_row, "Ordner")
        self.owner = line_edit("Ihr Name", self)
        self.role = QComboBox(self)
        named(self.role, "Ihre Rolle")
        for role in WorkerRole:
            self.role.addItem(role.value, role.value)
        self.passphrase = line_edit("Passphrase", self)
        self.passphrase.setEchoMode(QLineEdit.EchoMode.Password)
        self.repeat = line_edit("Passphrase wiederholen", self)
        self.repeat.setEchoMode(QLineEdit.EchoMode.Password)
        self.strength = QLabel(self)
        named(self.strength, "Stärke der Passphrase")
        self.strength.setWordWrap(True)
        self.form.add_row("Ordner", folder_row)
        self.form.add_row("Name", self.owner)
        self.form.add_row("Rolle", self.role)
        self.form.add_row("Passphrase", self.passphrase)
        self.form.add_row("Wiederholung", self.repeat, aliases=("Passphrase wiederholen",))
        self.form.add_widget_row(self.strength)
        hint = QLabel("Mindestens 12 Zeichen; am besten mehrere Wörter. Die Passphrase wird "
                      "nirgends gespeichert – ohne sie lässt sich die Akte nicht öffnen. Sie "
                      "sind die Inhaberin dieser Akte (Admin). Legen Sie gleich danach den "
                      "Wiederherstellungsschlüssel an (Menü Datei) und verwahren Sie das "
                      "Blatt im Tresor: Ohne ihn ist bei vergessener Passphrase alles "
                      "verloren.", self)
        hint.setWordWrap(True)
        self.form.add_widget_row(hint)
        self.create_button = QPushButton("Akte &anlegen", self)
        named(self.create_button, "Akte anlegen")
        back = QPushButton("&Zurück", self)
        named(back, "Zurück")
        self.status = QLabel(self)
        named(self.status, "Meldung")
        buttons = QHBoxLayout()
        buttons.addWidget(back)
        buttons.addStretch(1)
        buttons.addWidget(self.create_button)
        layout = QVBoxLayout(self)
        layout.addWidget(heading("Neue Akte anlegen", self, 1.5))
        layout.addWidget(self.form)
        layout.addWidget(self.status)
        layout.addLayout(buttons)
        layout.addStretch(1)

        choose.clicked.connect(self._choose)
        self.passphrase.textChanged.connect(self._update_strength)
        self.create_button.clicked.connect(self.submit)
        self.repeat.returnPressed.connect(self.submit)
        back.clicked.connect(self.cancelled)
        self._update_strength("")

    def _choose(self) -> None:
        chosen = self.ctx.messages.choose_folder(self, "Ordner für die neue Akte wählen")
        if not chosen:
            return
        folder = Path(chosen)
        if folder.exists() and any(folder.iterdir()):
            folder = folder / NEW_VAULT_SUBFOLDER
        self.folder.setText(str(folder))

    def _update_strength(self, text: str) -> None:
        if not text:
            self.strength.setText("Stärke: –")
            return
        problem = session_service.passphrase_problem(text)
        score, label = session_service.passphrase_strength(text)
        self.strength.setText(f"Stärke: {label}" + (f" – {problem}" if problem else ""))
        self.strength.setAccessibleDescription(f"{score} von 4")

    def _validated(self) -> tuple[Path, str, str, WorkerRole]:
        folder_text = self.folder.text().strip()
        if not folder_text:
            raise ValidationError("Ordner", "bitte einen Ordner für die Akte wählen.")
        folder = Path(folder_text).expanduser()
        if folder.exists() and (not folder.is_dir() or any(folder.iterdir())):
            raise ValidationError("Ordner", "muss neu oder leer sein; es wird nichts "
                                            "überschrieben.")
        owner = self.owner.text().strip()
        if not owner:
            raise ValidationError("Name", "darf nicht leer sein.")
        passphrase = self.passphrase.text()
        problem = session_service.passphrase_problem(passphrase)
        if problem is not None:
            raise ValidationError("Passphrase", problem)
        if self.repeat.text() != passphrase:
            raise ValidationError("Wiederholung", "stimmt nicht mit der Passphrase überein.")
        return folder, passphrase, owner, WorkerRole(self.role.currentData())

    def submit(self) -> None:
        self.form.clear_errors()
        try:
            folder, passphrase, owner, role = self._validated()
        except ValidationError as error:
            self.form.show_error(error)
            return
        self.passphrase.clear()
        self.repeat.clear()
        self.create_button.setEnabled(False)
        self.status.setText("Die Akte wird angelegt …")
        self.ctx.tasks.submit(create_vault_job, folder, passphrase, self.ctx.clock, owner, role,
                              on_done=lambda _r: self._done(folder), on_error=self._failed)

    def _done(self, folder: Path) -> None:
        self.create_button.setEnabled(True)
        self.status.setText("")
        self.created.emit(folder)

    def _failed(self, error: BaseException) -> None:
        self.create_button.setEnabled(True)
        self.status.setText("")
        if isinstance(error, ValidationError):
            self.form.show_error(error)
        elif isinstance(error, UserError):
            self.form.show_error(ValidationError("Ordner", error.message))
        else:
            raise error


class ChoosePanel(QWidget):
    open_requested = Signal(object)  # Path
    create_requested = Signal()

    def __init__(self, ctx: UiContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.message = QLabel(self)
        self.message.setWordWrap(True)
        named(self.message, "Meldung")
        open_button = QPushButton("Vorhandene Akte &öffnen …", self)
        named(open_button, "Vorhandene Akte öffnen")
        create_button = QPushButton("&Neue Akte anlegen …", self)
        named(create_button, "Neue Akte anlegen")
        layout = QVBoxLayout(self)
        layout.addWidget(heading("Willkommen bei Casework", self, 1.5))
        intro = QLabel("Casework speichert Familienakten verschlüsselt auf diesem Gerät. "
                       "Öffnen Sie eine vorhandene Akte oder legen Sie eine neue an.", self)
        intro.setWordWrap(True)
        layout.addWidget(intro)
        layout.addSpacing(12)
        layout.addWidget(open_button, 0, Qt.AlignmentFlag.AlignLeft)
        layout.addWidget(create_button, 0, Qt.AlignmentFlag.AlignLeft)
        layout.addWidget(self.message)
        layout.addStretch(1)
        open_button.clicked.connect(self._choose)
        create_button.clicked.connect(self.create_requested)

    def _choose(self) -> None:
        chosen = self.ctx.messages.choose_folder(self, "Akten-Ordner wählen")
        if not chosen:
            return
        folder = Path(chosen)
        if not session_service.is_vault(folder):
            self.message.setText("In diesem Ordner liegt keine Casework-Akte (vault.json "
                                 "fehlt).")
            return
        self.message.setText("")
        self.open_requested.emit(folder)


class ProgressPanel(QWidget):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.label = QLabel(self)
        self.label.setWordWrap(True)
        named(self.label, "Fortschritt")
        self.bar = QProgressBar(self)
        named(self.bar, "Fortschrittsbalken")
        layout = QVBoxLayout(self)
        layout.addWidget(heading("Demo-Akte wird vorbereitet", self, 1.5))
        layout.addWidget(self.label)
        layout.addWidget(self.bar)
        layout.addStretch(1)

    def show_progress(self, done: int, total: int) -> None:
        self.bar.setMaximum(max(total, 1))
        self.bar.setValue(done)
        self.label.setText(f"{done} von {total} erfundenen Familien angelegt …")


class StartPage(QWidget):
    """Everything before a vault is open; also the lock screen. Emits `unlocked`."""

    unlocked = Signal(object)  # Session

    def __init__(self, ctx: UiContext, settings: Settings, *, demo_folder: Path | None = None,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.settings = settings
        self.demo_folder = demo_folder
        self.stack = QStackedWidget(self)
        self.choose = ChoosePanel(ctx, self)
        self.create_panel = CreatePanel(ctx, self)
        self.unlock = UnlockPanel(ctx, self)
        self.progress = ProgressPanel(self)
        for panel in (self.choose, self.create_panel, self.unlock, self.progress):
            self.stack.addWidget(panel)
        row = QHBoxLayout()
        row.addStretch(1)
        row.addWidget(self.stack, 3)
        row.addStretch(1)
        self.stack.setMaximumWidth(720)
        self.stack.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Maximum)
        outer = QVBoxLayout(self)
        outer.addStretch(1)  # a calm, slightly raised centre instead of a top-left corner
        outer.addLayout(row)
        outer.addStretch(2)

        self.choose.open_requested.connect(lambda f: self.show_unlock(f))
        self.choose.create_requested.connect(self.show_create)
        self.create_panel.created.connect(lambda f: self.show_unlock(f))
        self.create_panel.cancelled.connect(self.show_choose)
        self.unlock.other_vault_requested.connect(self.show_choose)
        self.unlock.unlocked.connect(self._unlocked)

    @property
    def current_panel(self) -> QWidget | None:
        return self.stack.currentWidget()

    def show_choose(self) -> None:
        self.stack.setCurrentWidget(self.choose)

    def show_create(self) -> None:
        self.stack.setCurrentWidget(self.create_panel)
        self.create_panel.folder.setFocus()

    def show_unlock(self, folder: Path, *, locked: bool = False) -> None:
        is_demo = self.demo_folder is not None and Path(folder) == self.demo_folder
        self.unlock.set_vault(Path(folder), locked=locked, demo_vault=is_demo)
        self.stack.setCurrentWidget(self.unlock)
        self.unlock.focus_passphrase()

    def start(self, folder: Path | None = None) -> None:
        """Initial panel: the given or last vault if it exists, else choose/create."""
        candidate = folder or (Path(self.settings.last_vault) if self.settings.last_vault
                               else None)
        if candidate is not None and session_service.is_vault(candidate):
            self.show_unlock(candidate)
        elif folder is not None and not folder.exists():
            self.create_panel.folder.setText(str(folder))
            self.show_create()
        else:
            self.show_choose()

    def prepare_demo(self, folder: Path, families: int = 300,
                     contacts_per_family: float = 12) -> None:
        """Create and fill the demo vault if it is missing, then show its unlock panel."""
        self.demo_folder = folder
        if session_service.is_vault(folder):
            self.show_unlock(folder)
            return
        folder.parent.mkdir(parents=True, exist_ok=True)
        self.stack.setCurrentWidget(self.progress)
        self.progress.show_progress(0, families)
        tasks = self.ctx.tasks
        tasks.progress.connect(self.progress.show_progress)

        def finished(_result: object) -> None:
            tasks.progress.disconnect(self.progress.show_progress)
            self.show_unlock(folder)

        def failed(error: BaseException) -> None:
            tasks.progress.disconnect(self.progress.show_progress)
            if not isinstance(error, UserError):
                raise error
            self.ctx.messages.error(self, "Demo-Akte", error.message)
            self.show_choose()

        tasks.submit(create_demo_job, folder, self.ctx.clock, families, contacts_per_family,
                     tasks.report_progress, on_done=finished, on_error=failed)

    def _unlocked(self, session: object) -> None:
        assert isinstance(session, session_service.Session)
        self.settings.last_vault = str(session.vault.folder)
        self.unlocked.emit(session)
