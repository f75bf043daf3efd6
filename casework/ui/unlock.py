"""Unlock panel (also the lock screen) with an increasing delay after failed attempts.

The passphrase is read from the field, the field is cleared at once, and the slow key
derivation (Argon2id) and, after a program update, the schema migration run on the task
worker; the database is then opened on the GUI thread (`services.session.open_unwrapped`),
so its connection never crosses threads.
Nothing of a case is shown here: only the vault folder and, for the demo vault, the
demo passphrase.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtWidgets import (
    QDialog,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from casework.errors import UserError, WrongPassphrase
from casework.services import session as session_service
from casework.services.session import UnwrappedKey
from casework.ui.backup import recover_dialog
from casework.ui.context import UiContext
from casework.ui.widgets import heading, named

FREE_ATTEMPTS = 2
MAX_DELAY = timedelta(seconds=60)

MIGRATION_NOTE = (
    "Das kann bei einer großen Akte einige Minuten dauern. Abbrechen ist dabei nicht "
    "möglich: Bitte Casework nicht schließen und den Computer nicht ausschalten. Fällt "
    "doch einmal der Strom aus, bleibt die Akte heil – jeder Schritt wird ganz oder gar "
    "nicht ausgeführt.")


def migration_text(step: int, steps: int) -> str:
    """What the unlock panel says while the vault is converted after an update (step 0:
    the backup made before the first step)."""
    if step == 0:
        return ("Casework wurde aktualisiert: Die Akte wird auf die neue Version umgestellt. "
                "Zuerst wird eine geprüfte Sicherung angelegt (im Ordner „backups“ der "
                "Akte) …\n\n" + MIGRATION_NOTE)
    return (f"Die Akte wird auf die neue Version umgestellt (Schritt {step} von {steps}) …"
            "\nDie Sicherung von vorher liegt im Ordner „backups“ der Akte.\n\n"
            + MIGRATION_NOTE)


def failure_delay(failures: int) -> timedelta:
    """Waiting time after `failures` wrong passphrases in a row: none for the first two,
    then 2, 4, 8 … seconds, at most one minute (slows guessing, not a slip of the hand)."""
    if failures <= FREE_ATTEMPTS:
        return timedelta(0)
    return min(timedelta(seconds=2 ** (failures - FREE_ATTEMPTS)), MAX_DELAY)


class UnlockPanel(QWidget):
    """Passphrase entry for one vault folder. Emits `unlocked(Session)`."""

    unlocked = Signal(object)
    other_vault_requested = Signal()
    # step, steps of the migration after an update (emitted on the worker thread)
    migration_step = Signal(int, int)

    def __init__(self, ctx: UiContext, parent: QWidget | None = None, *,
                 delay_policy: Callable[[int], timedelta] = failure_delay,
                 poll_ms: int = 250) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.folder: Path | None = None
        self.failures = 0
        self.blocked_until: datetime | None = None
        self._delay_policy = delay_policy
        self._busy = False
        self.migrating = False  # converting after an update: nothing may interrupt it
        # Called just before a session is opened on the GUI thread (used by the recovery
        # path of issue 10); None = nothing to do.
        self.on_before_open: Callable[[], None] | None = None

        self.title = heading("Akte entsperren", self, 1.5)
        self.folder_label = QLabel(self)
        self.folder_label.setWordWrap(True)
        self.folder_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        named(self.folder_label, "Akten-Ordner")
        self.demo_hint = QLabel(self)
        self.demo_hint.setWordWrap(True)
        self.demo_hint.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        named(self.demo_hint, "Hinweis zur Demo-Akte")
        self.demo_hint.setVisible(False)

        who = QLabel("&Wer sind Sie? (Name, leer = Inhaberin der Akte)", self)
        self.person = QLineEdit(self)
        named(self.person, "Name der Person")
        who.setBuddy(self.person)
        caption = QLabel("&Passphrase:", self)
        self.passphrase = QLineEdit(self)
        self.passphrase.setEchoMode(QLineEdit.EchoMode.Password)
        named(self.passphrase, "Passphrase")
        caption.setBuddy(self.passphrase)
        self.unlock_button = QPushButton("&Entsperren", self)
        named(self.unlock_button, "Entsperren")
        self.unlock_button.setDefault(True)
        self.message = QLabel(self)
        self.message.setWordWrap(True)
        named(self.message, "Meldung")
        self.message.setVisible(False)
        self.other_button = QPushButton("Andere Akte öffnen oder anlegen …", self)
        named(self.other_button, "Andere Akte öffnen oder anlegen")
        self.other_button.setFlat(True)
        # Issue 10: forgotten passphrase → organisation recovery key
        # (casework.ui.backup.recover_dialog).
        self.recover_button = QPushButton("Passphrase vergessen? Mit Wiederherstellungs"
                                          "schlüssel öffnen …", self)
        named(self.recover_button, "Mit Wiederherstellungsschlüssel öffnen")
        self.recover_button.setFlat(True)
        self.recover_button.setVisible(False)

        row = QHBoxLayout()
        row.addWidget(self.passphrase, 1)
        row.addWidget(self.unlock_button)
        layout = QVBoxLayout(self)
        layout.addWidget(self.title)
        layout.addWidget(self.folder_label)
        layout.addSpacing(12)
        layout.addWidget(who)
        layout.addWidget(self.person)
        layout.addWidget(caption)
        layout.addLayout(row)
        layout.addWidget(self.message)
        layout.addWidget(self.demo_hint)
        layout.addSpacing(12)
        layout.addWidget(self.other_button, 0, Qt.AlignmentFlag.AlignLeft)
        layout.addWidget(self.recover_button, 0, Qt.AlignmentFlag.AlignLeft)
        layout.addStretch(1)

        self.migration_step.connect(self._show_migration)
        self.passphrase.returnPressed.connect(self.submit)
        self.unlock_button.clicked.connect(self.submit)
        self.other_button.clicked.connect(self.other_vault_requested)
        self.recover_button.clicked.connect(self.recover)
        self._poll = QTimer(self)
        self._poll.setInterval(poll_ms)
        self._poll.timeout.connect(self._update_block)

    # --- configuration -------------------------------------------------------------------

    def set_vault(self, folder: Path, *, locked: bool = False, demo_vault: bool = False) -> None:
        if folder != self.folder:
            self.failures = 0
            self.blocked_until = None
        self.folder = folder
        self.title.setText("Casework ist gesperrt" if locked else "Akte entsperren")
        self.folder_label.setText(f"Akte: {folder}")
        self.other_button.setVisible(not locked)
        self.demo_hint.setVisible(demo_vault)
        self.recover_button.setVisible(recover_dialog.has_recovery_key(folder))
        if demo_vault:
            # Loaded only for the demo vault: the demo module pulls in most services.
            from casework.services import demo, demo_showcase

            self.demo_hint.setText(
                "Dies ist die Demo-Akte mit erfundenen Familien. Ihre Passphrase lautet: "
                f"„{demo.DEMO_PASSPHRASE}“ (auch für die Leitung "
                f"„{demo_showcase.LEITUNG_NAME}“).")
        self._show_message("")
        self.passphrase.clear()
        self.person.setText(self.ctx.settings.last_person(str(folder)))
        self._set_busy(False)
        self._update_block()

    def focus_passphrase(self) -> None:
        self.passphrase.setFocus(Qt.FocusReason.OtherFocusReason)

    # --- unlocking -----------------------------------------------------------------------

    def remaining_delay(self) -> timedelta:
        if self.blocked_until is None:
            return timedelta(0)
        return max(self.blocked_until - self.ctx.clock.now(), timedelta(0))

    def submit(self) -> None:
        if self._busy or self.folder is None:
            return
        if self.remaining_delay() > timedelta(0):
            self._update_block()
            self.focus_passphrase()
            return
        passphrase = self.passphrase.text()
        self.passphrase.clear()
        if not passphrase:
            self._show_message("Bitte die Passphrase eingeben.")
            self.focus_passphrase()
            return
        person = self.person.text().strip() or None
        self._set_busy(True)
        self._show_message("Die Akte wird entsperrt …")
        self.ctx.tasks.submit(session_service.unwrap_and_migrate, self.folder, passphrase,
                              person, self.ctx.clock, self.migration_step.emit,
                              on_done=self._key_ready, on_error=self._failed)

    def _show_migration(self, step: int, steps: int) -> None:
        if self._busy:
            self.migrating = True
            self._show_message(migration_text(step, steps))

    def recover(self) -> None:
        if self._busy or self.folder is None:
            return
        dialog = recover_dialog.RecoverDialog(self.ctx, self.folder, self)
        if dialog.exec() != QDialog.DialogCode.Accepted or dialog.session is None:
            return
        if self.on_before_open is not None:
            self.on_before_open()
        self.failures = 0
        self.blocked_until = None
        self.unlocked.emit(dialog.session)

    def _key_ready(self, key: UnwrappedKey) -> None:
        if self.on_before_open is not None:
            self.on_before_open()
        try:
            session = session_service.open_unwrapped(key, self.ctx.clock,
                                                     failed_attempts=self.failures)
        except UserError as error:
            self._failed(error)
            return
        self.failures = 0
        self.blocked_until = None
        self._set_busy(False)
        self._show_message("")
        if self.folder is not None:
            self.ctx.settings.set_last_person(str(self.folder), self.person.text().strip())
        self.unlocked.emit(session)

    def _failed(self, error: BaseException) -> None:
        self._set_busy(False)
        if isinstance(error, WrongPassphrase):
            self.failures += 1
            delay = self._delay_policy(self.failures)
            self.blocked_until = self.ctx.clock.now() + delay if delay else None
            self._show_message(error.message + " Bitte erneut eingeben.")
            self._update_block()
        elif isinstance(error, UserError):
            self._show_message(error.message)
        else:
            raise error
        self.focus_passphrase()

    # --- state display -------------------------------------------------------------------

    def _set_busy(self, busy: bool) -> None:
        self._busy = busy
        if not busy:
            self.migrating = False
        self.unlock_button.setEnabled(not busy and self.remaining_delay() == timedelta(0))
        # no other vault, no recovery while this one is being opened (or converted)
        for widget in (self.person, self.passphrase, self.other_button, self.recover_button):
            widget.setEnabled(not busy)

    def _show_message(self, text: str) -> None:
        self.message.setText(text)
        self.message.setVisible(bool(text))

    def _update_block(self) -> None:
        remaining = self.remaining_delay()
        if remaining > timedelta(0):
            seconds = int(remaining.total_seconds() + 0.999)
            self.unlock_button.setEnabled(False)
            self.unlock_button.setText(f"Warten ({seconds} s)")
            if not self._poll.isActive():
                self._poll.start()
            return
        self._poll.stop()
        self.unlock_button.setText("&Entsperren")
        self.unlock_button.setEnabled(not self._busy)

