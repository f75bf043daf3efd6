"""Pick a family by typing (Ctrl+K outside a family file, then the quick entry).

Type-ahead over the folded name index (surname, first names, address: "Muller" finds
"Müller"); each hit is named distinguishably ("Müller (Sabine, Thomas) · Hauptstr. 5").
With nothing typed it lists the families opened last. Enter takes the selected family,
Up/Down move in the list while the cursor stays in the search field. The window title
names no family."""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject, Qt, QTimer
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QVBoxLayout,
    QWidget,
)

from casework.models.households.household import HouseholdStatus
from casework.models.ids import HouseholdId
from casework.services.households import households
from casework.ui.context import UiContext
from casework.ui.widgets import heading, named

ID_ROLE = Qt.ItemDataRole.UserRole
MAX_HITS = 50
SEARCH_DELAY_MS = 120


class FamilyPicker(QDialog):
    def __init__(self, ctx: UiContext, parent: QWidget | None = None, *,
                 search_delay_ms: int = SEARCH_DELAY_MS) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.chosen: HouseholdId | None = None
        self.setWindowTitle("Familie wählen")
        named(self, "Familie für den Kontakt wählen")
        self.search = QLineEdit(self)
        self.search.setPlaceholderText("Name, Vorname oder Straße …")
        self.search.setClearButtonEnabled(True)
        named(self.search, "Familie suchen",
              "Umlaute egal; Pfeiltasten wählen, Enter öffnet die Kontakterfassung")
        self.hits = QListWidget(self)
        named(self.hits, "Gefundene Familien")
        self.hint = QLabel(self)
        named(self.hint, "Hinweis zur Suche")
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok
                                   | QDialogButtonBox.StandardButton.Cancel, self)
        self.ok_button = buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.ok_button.setText("Kontakt &erfassen")
        buttons.button(QDialogButtonBox.StandardButton.Cancel).setText("Abbrechen")
        buttons.accepted.connect(self.take)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(heading("Kontakt erfassen – für welche Familie?", self))
        layout.addWidget(self.search)
        layout.addWidget(self.hint)
        layout.addWidget(self.hits, 1)
        layout.addWidget(buttons)
        self.resize(520, 440)
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(search_delay_ms)
        self._timer.timeout.connect(self.refresh)
        self.search.textChanged.connect(lambda _t: self._timer.start())
        self.search.installEventFilter(self)
        self.hits.itemActivated.connect(lambda _item: self.take())
        self.hits.currentRowChanged.connect(
            lambda row: self.ok_button.setEnabled(row >= 0))
        self.refresh()
        self.search.setFocus()

    def refresh(self) -> None:
        self._timer.stop()
        session = self.ctx.session
        self.hits.clear()
        if session is None or not session.is_open:
            return
        text = self.search.text().strip()
        if text:
            ids = households.list_ids(session, search=text, include_notes=False,
                                      limit=MAX_HITS)
            rows = households.list_rows(session, ids)
            self.hint.setText(f"{len(rows)} Treffer" if rows else "Keine Familie gefunden.")
        else:
            rows = households.recently_opened(session)
            self.hint.setText("Zuletzt geöffnet – oder Namen tippen:" if rows else
                              "Namen, Vornamen oder Straße tippen:")
        for row in rows:
            closed = "" if row.status == HouseholdStatus.AKTIV.value else f" – {row.status}"
            item = QListWidgetItem(row.label + closed, self.hits)
            item.setData(ID_ROLE, row.id)
            if row.district:
                item.setToolTip(row.district)
        if self.hits.count():
            self.hits.setCurrentRow(0)
        self.ok_button.setEnabled(self.hits.currentRow() >= 0)

    def labels(self) -> list[str]:
        return [self.hits.item(r).text() for r in range(self.hits.count())]

    def take(self) -> None:
        if self._timer.isActive():
            self.refresh()  # Enter right after typing: search what was typed
        item = self.hits.currentItem()
        if item is None:
            return
        self.chosen = HouseholdId(str(item.data(ID_ROLE)))
        self.accept()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if watched is self.search and event.type() == QEvent.Type.KeyPress \
                and isinstance(event, QKeyEvent):
            if event.key() in (Qt.Key.Key_Down, Qt.Key.Key_Up):
                if self._timer.isActive():
                    self.refresh()
                step = 1 if event.key() == Qt.Key.Key_Down else -1
                row = min(max(self.hits.currentRow() + step, 0), self.hits.count() - 1)
                self.hits.setCurrentRow(row)
                return True
            if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
                self.take()
                return True
        return super().eventFilter(watched, event)
