"""The passphrase prompt of a reserved act (behind the seam `messages.ask_passphrase`).
The field is read once and cleared at once."""

from __future__ import annotations

from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QLabel,
    QLineEdit,
    QVBoxLayout,
    QWidget,
)

from casework.ui.widgets import named


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
