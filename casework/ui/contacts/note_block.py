"""One more typed note entry in the quick contact entry ("Weitere Notiz").

A contact may hold several note entries, each with its own kind, so a fact, an
observation and a hypothesis from the same visit stay apart (LR-09)."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QWidget,
)

from casework.errors import ValidationError
from casework.models.contacts import NoteEntry, NoteKind
from casework.ui.widgets import line_edit, named


class NoteBlock(QGroupBox):
    changed = Signal()
    remove_requested = Signal(object)  # self

    def __init__(self, number: int, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.kind = QComboBox(self)
        for kind in NoteKind:
            self.kind.addItem(kind.value, kind.value)
        self.source: QLineEdit = line_edit("Quelle der Aussage", self)
        self.disputed = QCheckBox("von der Familie bestritten", self)
        self.text = QPlainTextEdit(self)
        self.text.setTabChangesFocus(True)
        self.text.setMinimumHeight(self.text.fontMetrics().lineSpacing() * 3 + 12)
        self.remove_button = QPushButton("Notiz entfernen", self)
        self.remove_button.setAutoDefault(False)
        layout = QFormLayout(self)
        layout.addRow("Notiz-Art:", self.kind)
        layout.addRow("Quelle:", self.source)
        layout.addRow("", self.disputed)
        layout.addRow("Text:", self.text)
        remove_row = QHBoxLayout()
        remove_row.addStretch(1)
        remove_row.addWidget(self.remove_button)
        layout.addRow(remove_row)
        self.set_number(number)
        self.kind.currentIndexChanged.connect(self._kind_changed)
        self.kind.currentIndexChanged.connect(lambda _i: self.changed.emit())
        self.source.textEdited.connect(lambda _t: self.changed.emit())
        self.disputed.toggled.connect(lambda _c: self.changed.emit())
        self.text.textChanged.connect(self.changed)
        self.remove_button.clicked.connect(lambda: self.remove_requested.emit(self))
        self._kind_changed()

    def set_number(self, number: int) -> None:
        self.number = number
        self.setTitle(f"Notiz {number}")
        named(self, f"Notiz {number}")
        named(self.kind, f"Art von Notiz {number}")
        named(self.source, f"Quelle von Notiz {number}")
        named(self.disputed, f"Notiz {number} von der Familie bestritten")
        named(self.text, f"Text von Notiz {number}")
        named(self.remove_button, f"Notiz {number} entfernen")

    def _kind_changed(self) -> None:
        self.source.setEnabled(self.kind.currentData() == NoteKind.AUSSAGE_DRITTER.value)

    def focus_widgets(self) -> list[QWidget]:
        return [self.kind, self.source, self.disputed, self.text, self.remove_button]

    def entry(self) -> NoteEntry | None:
        """The note entry, None if no text was written; errors name this note."""
        if not self.text.toPlainText().strip():
            return None
        entry = NoteEntry(NoteKind(self.kind.currentData()), self.text.toPlainText(),
                          self.source.text(), self.disputed.isChecked())
        try:
            return entry.validated()
        except ValidationError as error:
            raise ValidationError(f"Notiz {self.number} – {error.field}", error.reason) from None

    def payload(self) -> dict[str, Any]:
        return {"kind": str(self.kind.currentData()), "source": self.source.text(),
                "disputed": self.disputed.isChecked(), "text": self.text.toPlainText()}

    def restore(self, payload: dict[str, Any]) -> None:
        self.kind.setCurrentIndex(max(self.kind.findData(str(payload.get("kind"))), 0))
        self.source.setText(str(payload.get("source", "")))
        self.disputed.setChecked(bool(payload.get("disputed", False)))
        self.text.setPlainText(str(payload.get("text", "")))
