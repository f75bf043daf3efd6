"""The passphrase prompt of a reserved act (behind the seam `messages.ask_passphrase`).
The field is read once and cleared at once.

With a `prove` function the dialog checks the passphrase before it closes: "Bestätigen"
hands it to `prove`, which derives the key on a worker thread (Argon2id, a fraction of a
second) while the dialog says so, its buttons disabled (no second submit, no closing
half-way); `prove` calls back when the check has ended, and the dialog closes."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QLabel,
    QLineEdit,
    QVBoxLayout,
    QWidget,
)

from casework.ui.widgets import named

Finished = Callable[[], None]
Prove = Callable[[str, Finished], None]

CHECKING = "Die Passphrase wird geprüft …"


class PassphraseDialog(QDialog):
    def __init__(self, parent: QWidget | None, title: str, text: str,
                 prove: Prove | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(title)
        self.setAccessibleName(title)
        self.prove = prove
        self.checking = False
        label = QLabel(text, self)
        label.setWordWrap(True)
        self.field = QLineEdit(self)
        self.field.setEchoMode(QLineEdit.EchoMode.Password)
        named(self.field, "Passphrase")
        label.setBuddy(self.field)
        self.status = QLabel("", self)
        named(self.status, "Stand der Prüfung")
        self.status.setVisible(False)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok
                                        | QDialogButtonBox.StandardButton.Cancel, self)
        self.ok = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.ok.setText("Bestätigen")
        named(self.ok, "Bestätigen")
        self.buttons.accepted.connect(self.confirm)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(label)
        layout.addWidget(self.field)
        layout.addWidget(self.status)
        layout.addWidget(self.buttons)

    def confirm(self) -> None:
        if self.checking:
            return  # Enter pressed again while checking: one check only
        if self.prove is None or not self.field.text():
            self.accept()
            return
        self.checking = True
        self.field.setReadOnly(True)
        self.buttons.setEnabled(False)
        self.status.setText(CHECKING)
        self.status.setVisible(True)
        self.prove(self.field.text(), self._checked)

    def _checked(self) -> None:
        self.checking = False
        self.accept()

    def reject(self) -> None:
        if self.checking:
            return  # Escape while checking: the check ends in a moment, then it closes
        super().reject()

    def take(self) -> str:
        """The typed passphrase; the field is emptied at once."""
        text = self.field.text()
        self.field.clear()
        return text


def ask(parent: QWidget | None, title: str, text: str, prove: Prove | None = None) -> str:
    """Modal passphrase prompt; '' if cancelled (the seam `messages.ask_passphrase`)."""
    dialog = PassphraseDialog(parent, title, text, prove)
    try:
        accepted = dialog.exec() == QDialog.DialogCode.Accepted
        value = dialog.take()
        return value if accepted else ""
    finally:
        dialog.deleteLater()
