"""Hilfe → Über Casework: version, licence (EUPL-1.2) and the third-party licences."""

from __future__ import annotations

from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QLabel,
    QPlainTextEdit,
    QVBoxLayout,
    QWidget,
)

from casework.services import about


class AboutDialog(QDialog):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(f"Über {about.APP_NAME}")
        self.setAccessibleName(f"Über {about.APP_NAME}")
        layout = QVBoxLayout(self)
        self.title = QLabel(f"<b>{about.APP_NAME} {about.app_version()}</b>", self)
        self.title.setAccessibleName("Version")
        layout.addWidget(self.title)
        layout.addWidget(QLabel("Verschlüsselte Fallakte für die soziale Arbeit", self))
        self.licence = QLabel(f"Lizenz: {about.LICENCE} ({about.LICENCE_NAME})", self)
        self.licence.setAccessibleName("Lizenz")
        layout.addWidget(self.licence)
        layout.addWidget(QLabel("Enthaltene Software anderer Hersteller und ihre Lizenzen:",
                                self))
        self.third_party = QPlainTextEdit(self)
        self.third_party.setReadOnly(True)
        self.third_party.setAccessibleName("Lizenzen anderer Hersteller")
        self.third_party.setPlainText("\n".join(
            f"{c.name}{' ' + c.version if c.version else ''} – {c.licence}"
            for c in about.third_party()))
        layout.addWidget(self.third_party)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, self)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)
        self.resize(560, 460)
