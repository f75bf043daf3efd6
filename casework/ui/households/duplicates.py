"""The duplicate warning of "Neue Familie" and "Person hinzufügen" (issue 18).

Shown inside the dialog (no extra window): it names the existing file(s) the entry
resembles, offers to open one, or to go on and create the new entry anyway. Nothing typed
is lost either way until the person decides."""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QFrame,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from casework.services.households.households import Resemblance
from casework.ui.widgets import named


class DuplicateWarning(QFrame):
    open_requested = Signal(str)  # household id
    proceed = Signal()

    def __init__(self, proceed_text: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setFrameShape(QFrame.Shape.StyledPanel)
        named(self, "Hinweis: ähnliche Akte vorhanden")
        self.text = QLabel(self)
        self.text.setWordWrap(True)
        named(self.text, "Ähnliche Akte")
        self.open_button = QPushButton("Vorhandene Akte ö&ffnen", self)
        named(self.open_button, "Vorhandene Akte öffnen")
        self.open_button.setAutoDefault(False)
        self.proceed_button = QPushButton(proceed_text, self)
        named(self.proceed_button, proceed_text.replace("&", ""))
        self.proceed_button.setAutoDefault(False)
        buttons = QHBoxLayout()
        buttons.addWidget(self.open_button)
        buttons.addWidget(self.proceed_button)
        buttons.addStretch(1)
        layout = QVBoxLayout(self)
        layout.addWidget(self.text)
        layout.addLayout(buttons)
        self.matches: list[Resemblance] = []
        self.open_button.clicked.connect(self._open)
        self.proceed_button.clicked.connect(self.proceed)
        self.hide()

    def show_matches(self, intro: str, matches: list[Resemblance]) -> None:
        self.matches = matches
        lines = [f"• Familie {m.household.label} – {m.why}" for m in matches[:5]]
        if len(matches) > 5:
            lines.append(f"• und {len(matches) - 5} weitere")
        self.text.setText(f"⚠ {intro}\n" + "\n".join(lines))
        self.open_button.setText("Vorhandene Akte ö&ffnen" if len(matches) == 1
                                 else "Erste passende Akte ö&ffnen")
        self.show()
        self.proceed_button.setFocus()

    def _open(self) -> None:
        if self.matches:
            self.open_requested.emit(str(self.matches[0].household.id))
