"""Forgotten passphrase: open the vault with the organisation recovery key (one sheet, or
both halves) and set a new passphrase at once (LR-42). Opened from the unlock panel.

The new passphrase's key slot (one Argon2id run) and a migration after an update run on
the task runner's worker (`recovery.recover_key`) while the dialog says so, its fields
and buttons disabled; the database is then opened here, on the GUI thread. A key that
arrives after the dialog was closed is wiped."""

from __future__ import annotations

from pathlib import Path

import shiboken6
from PySide6.QtWidgets import (
    QDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from casework.errors import UserError
from casework.services import session as session_service
from casework.services.backup import recovery
from casework.services.session import Session, UnwrappedKey
from casework.ui.context import UiContext
from casework.ui.widgets import named

LINES = 4
WORKING = "Der Schlüssel wird geprüft und die neue Passphrase gesetzt …"


class RecoverDialog(QDialog):
    def __init__(self, ctx: UiContext, folder: Path, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.folder = folder
        self.session: Session | None = None
        self.busy = False
        self.setWindowTitle("Mit Wiederherstellungsschlüssel öffnen")
        named(self, "Mit Wiederherstellungsschlüssel öffnen")
        self.parts = 2 if recovery.is_split(folder) else 1
        layout = QVBoxLayout(self)
        layout.addWidget(QLabel(
            "Die Zeilen vom Blatt aus dem Tresor eingeben, jede mit ihren zwei Prüfzeichen."
            + (" Beide Teile sind nötig (Vier-Augen-Prinzip)." if self.parts == 2 else ""),
            self))
        self.lines: list[list[QLineEdit]] = []
        for part in range(1, self.parts + 1):
            form = QFormLayout()
            fields: list[QLineEdit] = []
            for number in range(1, LINES + 1):
                edit = QLineEdit(self)
                edit.setEchoMode(QLineEdit.EchoMode.Password)
                label = (f"Teil {part}, Zeile {number}" if self.parts == 2 else
                         f"Zeile {number}")
                named(edit, label)
                form.addRow(label, edit)
                fields.append(edit)
            self.lines.append(fields)
            layout.addLayout(form)
        self.new_passphrase = QLineEdit(self)
        self.new_passphrase.setEchoMode(QLineEdit.EchoMode.Password)
        named(self.new_passphrase, "Neue Passphrase")
        self.repeat = QLineEdit(self)
        self.repeat.setEchoMode(QLineEdit.EchoMode.Password)
        named(self.repeat, "Neue Passphrase wiederholen")
        form = QFormLayout()
        form.addRow("&Neue Passphrase", self.new_passphrase)
        form.addRow("&Wiederholen", self.repeat)
        layout.addLayout(form)
        self.error = QLabel(self)
        named(self.error, "Fehlermeldung")
        self.error.setWordWrap(True)
        layout.addWidget(self.error)
        self.status = QLabel(WORKING, self)
        named(self.status, "Stand")
        self.status.setWordWrap(True)
        self.status.setVisible(False)
        layout.addWidget(self.status)
        self.open_button = QPushButton("Öffnen und neue Passphrase &setzen", self)
        named(self.open_button, "Öffnen und neue Passphrase setzen")
        self.open_button.clicked.connect(self.recover)
        self.cancel_button = QPushButton("Abbrechen", self)
        self.cancel_button.clicked.connect(self.reject)
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        buttons.addWidget(self.open_button)
        buttons.addWidget(self.cancel_button)
        layout.addLayout(buttons)

    def recover(self) -> None:
        if self.busy:
            return  # Enter pressed again while working: one recovery only
        self.error.setText("")
        if self.new_passphrase.text() != self.repeat.text():
            self.error.setText("Die beiden Eingaben der neuen Passphrase stimmen nicht überein.")
            return
        texts = tuple("\n".join(edit.text() for edit in fields) for fields in self.lines)
        passphrase = self.new_passphrase.text()
        self.new_passphrase.clear()
        self.repeat.clear()
        self._set_busy(True)
        self.ctx.tasks.submit(recovery.recover_key, self.folder, texts, passphrase,
                              self.ctx.clock, on_done=self._key_ready, on_error=self._failed)

    def _set_busy(self, busy: bool) -> None:
        self.busy = busy
        for widget in (*[edit for fields in self.lines for edit in fields],
                       self.new_passphrase, self.repeat, self.open_button, self.cancel_button):
            widget.setEnabled(not busy)
        self.status.setVisible(busy)

    def _key_ready(self, key: UnwrappedKey) -> None:
        if not shiboken6.isValid(self):
            key.wipe()  # the dialog is gone (the app quit): nobody waits for the key
            return
        try:
            self.session = session_service.open_unwrapped(key, self.ctx.clock)
        except UserError as error:
            self._failed(error)
            return
        self._set_busy(False)
        for fields in self.lines:
            for edit in fields:
                edit.clear()
        self.accept()

    def _failed(self, error: BaseException) -> None:
        if not shiboken6.isValid(self):
            return
        self._set_busy(False)
        if not isinstance(error, UserError):  # ValidationError is one: it names the line
            raise error
        self.error.setText(error.message)

    def reject(self) -> None:
        if self.busy:
            return  # Escape while working: it ends in a moment, then the dialog closes
        super().reject()


def has_recovery_key(folder: Path) -> bool:
    try:
        return recovery.recovery_status(folder) is not None
    except UserError:
        return False
