"""Forgotten passphrase: open the vault with the organisation recovery key (one sheet, or
both halves) and set a new passphrase at once (LR-42). Opened from the unlock panel."""

from __future__ import annotations

from pathlib import Path

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

from casework.errors import UserError, ValidationError
from casework.services.backup import recovery
from casework.services.session import Session
from casework.ui.context import UiContext
from casework.ui.widgets import named

LINES = 4


class RecoverDialog(QDialog):
    def __init__(self, ctx: UiContext, folder: Path, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.folder = folder
        self.session: Session | None = None
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
        self.open_button = QPushButton("Öffnen und neue Passphrase &setzen", self)
        named(self.open_button, "Öffnen und neue Passphrase setzen")
        self.open_button.clicked.connect(self.recover)
        cancel = QPushButton("Abbrechen", self)
        cancel.clicked.connect(self.reject)
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        buttons.addWidget(self.open_button)
        buttons.addWidget(cancel)
        layout.addLayout(buttons)

    def recover(self) -> None:
        if self.new_passphrase.text() != self.repeat.text():
            self.error.setText("Die beiden Eingaben der neuen Passphrase stimmen nicht überein.")
            return
        texts = tuple("\n".join(edit.text() for edit in fields) for fields in self.lines)
        try:
            self.session = recovery.recover(self.folder, texts, self.new_passphrase.text(),
                                            self.ctx.clock)
        except ValidationError as error:
            self.error.setText(error.message)
            return
        except UserError as error:
            self.error.setText(error.message)
            return
        finally:
            self.new_passphrase.clear()
            self.repeat.clear()
        for fields in self.lines:
            for edit in fields:
                edit.clear()
        self.accept()


def has_recovery_key(folder: Path) -> bool:
    try:
        return recovery.recovery_status(folder) is not None
    except UserError:
        return False
