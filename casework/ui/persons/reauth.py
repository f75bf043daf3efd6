"""A small dialog that asks the acting person's passphrase for ONE reserved act (a Leitung
approval, a deletion approval, adding a person, the recovery key …). The field is read
once and cleared at once; the proof (`services.persons.Authorization`) signs that one act
and is wiped. Nothing is remembered: the next act asks again."""

from __future__ import annotations

from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QLabel,
    QLineEdit,
    QVBoxLayout,
    QWidget,
)

from casework.errors import UserError, WrongPassphrase
from casework.services import persons
from casework.services.persons import Authorization
from casework.ui.context import UiContext
from casework.ui.widgets import named

TITLE = "Mit Passphrase bestätigen"


class PassphraseDialog(QDialog):
    def __init__(self, parent: QWidget | None, title: str, text: str) -> None:
        super().__init__(parent)
        self.setWindowTitle(title)
        self.setAccessibleName(title)
        label = QLabel(text, self)
        label.setWordWrap(True)
        self.field = QLineEdit(self)
        self.field.setEchoMode(QLineEdit.EchoMode.Password)
        named(self.field, "Passphrase")
        label.setBuddy(self.field)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok
                                   | QDialogButtonBox.StandardButton.Cancel, self)
        ok = buttons.button(QDialogButtonBox.StandardButton.Ok)
        ok.setText("Bestätigen")
        named(ok, "Bestätigen")
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(label)
        layout.addWidget(self.field)
        layout.addWidget(buttons)

    def take(self) -> str:
        """The typed passphrase; the field is emptied at once."""
        text = self.field.text()
        self.field.clear()
        return text


def ask(parent: QWidget | None, title: str, text: str) -> str:
    """Modal passphrase prompt; '' if cancelled (the seam `messages.ask_passphrase`)."""
    dialog = PassphraseDialog(parent, title, text)
    try:
        accepted = dialog.exec() == QDialog.DialogCode.Accepted
        value = dialog.take()
        return value if accepted else ""
    finally:
        dialog.deleteLater()


def authorize(ctx: UiContext, parent: QWidget | None, act: str) -> Authorization | None:
    """Ask the acting person's passphrase for `act`; None if cancelled or wrong (then a
    German message has been shown and nothing is done)."""
    session = ctx.require_session()
    passphrase = ctx.messages.ask_passphrase(
        parent, TITLE, f"{act}: Bitte bestätigen Sie mit Ihrer eigenen Passphrase "
                       f"({session.actor.name}). Die Freigabe wird mit Ihrem Schlüssel "
                       "signiert.")
    if not passphrase:
        return None
    try:
        return persons.authorize(session, passphrase)
    except WrongPassphrase:
        ctx.messages.error(parent, TITLE, "Die Passphrase ist nicht richtig. Es wurde nichts "
                                          "gespeichert.")
    except UserError as error:
        ctx.messages.error(parent, TITLE, error.message)
    return None
