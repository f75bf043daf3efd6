"""Family file tabs "Kontakte" (newest first, fetched in pages as you scroll) and
"Verlauf" (the change log of the household)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPlainTextEdit,
    QPushButton,
    QSplitter,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from casework.clock import BERLIN, from_utc_iso
from casework.models.contacts import Contact, correction_mark, revision_lines
from casework.models.history import HistoryEntry
from casework.models.ids import HouseholdId
from casework.services import contacts, history
from casework.services.households import households
from casework.ui.contacts.correction import AddendumDialog, CorrectionDialog
from casework.ui.context import UiContext
from casework.ui.widgets import compact_rows, format_date, named

Index = QModelIndex | QPersistentModelIndex
CONTACT_COLUMNS = ("Datum", "Art", "Dauer", "Notiz", "Wiedervorlage")
HISTORY_COLUMNS = ("Zeitpunkt", "Wer", "Änderung")
PAGE = 50


def note_summary(contact: Contact) -> str:
    """'[Beobachtung] text …' per note entry, with the 'bestritten' marker (LR-09) and
    'berichtigt' / 'Nachtrag' marks (issue 18)."""
    parts = []
    if contact.corrections:
        parts.append("[berichtigt]")
    for note in contact.data.notes:
        parts.append(f"[{note.label()}] {note.text}")
    if contact.addenda:
        parts.append(f"[+ {len(contact.addenda)} Nachtrag" +
                     ("e]" if len(contact.addenda) > 1 else "]"))
    return "  ".join(parts)


def contact_detail(contact: Contact, names: Mapping[str, str]) -> str:
    d = contact.data
    local = d.occurred_at.astimezone(BERLIN)
    lines = [f"{local:%d.%m.%Y %H:%M} · {d.type.value} · {d.duration_min} Min."]
    present = [names.get(p, "(entfernte Person)") for p in d.persons_present]
    if present:
        lines.append("Anwesend: " + ", ".join(present))
    if d.topics:
        lines.append("Themen: " + ", ".join(d.topics))
    if contact.corrections:
        lines += ["", f"Aktuelle Fassung – {correction_mark(contact.corrections[-1])}"]
    for note in d.notes:
        lines.append("")
        lines.append(f"{note.label()}:")
        lines.append(note.text)
    if contact.revisions:
        lines += ["", "— Berichtigungen und Nachträge —", *revision_lines(contact)]
    if d.next_steps:
        lines += ["", f"Nächster Schritt: {d.next_steps}"]
    if d.follow_up is not None:
        done = " (erledigt)" if contact.follow_up_done else ""
        lines.append(f"Wiedervorlage: {format_date(d.follow_up)}{done}")
    return "\n".join(lines)


class ContactsModel(QAbstractTableModel):
    """Contacts of one household, newest first; rows are fetched in pages (fetchMore)."""

    def __init__(self, ctx: UiContext, household_id: HouseholdId, parent: Any = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.household_id = household_id
        self.items: list[Contact] = []
        self.total = 0

    def reload(self) -> None:
        self.beginResetModel()
        self.items = []
        session = self.ctx.session
        self.total = (contacts.count(session, self.household_id)
                      if session is not None and session.is_open else 0)
        self.endResetModel()
        if self.canFetchMore(QModelIndex()):
            self.fetchMore(QModelIndex())

    def canFetchMore(self, parent: Index) -> bool:
        return not parent.isValid() and len(self.items) < self.total

    def fetchMore(self, parent: Index) -> None:
        session = self.ctx.session
        if parent.isValid() or session is None or not session.is_open:
            return
        batch = contacts.contacts(session, self.household_id, limit=PAGE,
                                  offset=len(self.items))
        if not batch:
            self.total = len(self.items)
            return
        self.beginInsertRows(QModelIndex(), len(self.items), len(self.items) + len(batch) - 1)
        self.items.extend(batch)
        self.endInsertRows()

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008 (Qt default)
        return 0 if parent.isValid() else len(self.items)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008 (Qt default)
        return 0 if parent.isValid() else len(CONTACT_COLUMNS)

    def headerData(self, section: int, orientation: Qt.Orientation,
                   role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if (orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole
                and 0 <= section < len(CONTACT_COLUMNS)):
            return CONTACT_COLUMNS[section]
        return None

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or role not in (Qt.ItemDataRole.DisplayRole,
                                               Qt.ItemDataRole.AccessibleTextRole):
            return None
        c = self.items[index.row()]
        d = c.data
        column = index.column()
        if column == 0:
            return f"{d.occurred_at.astimezone(BERLIN):%d.%m.%Y %H:%M}"
        if column == 1:
            return d.type.value
        if column == 2:
            return f"{d.duration_min} Min." if d.duration_min else ""
        if column == 3:
            return note_summary(c)
        if d.follow_up is None:
            return ""
        return format_date(d.follow_up) + (" ✓" if c.follow_up_done else "")


class ContactsTab(QWidget):
    def __init__(self, ctx: UiContext, household_id: HouseholdId,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.household_id = household_id
        self.model = ContactsModel(ctx, household_id, self)
        self.view = QTableView(self)
        named(self.view, "Kontakte, neueste zuerst")
        self.view.setModel(self.model)
        self.view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.view.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.view.setWordWrap(False)
        compact_rows(self.view)
        header = self.view.horizontalHeader()
        for column in (0, 1, 2, 4):
            header.setSectionResizeMode(column, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(3, QHeaderView.ResizeMode.Stretch)
        self.detail = QPlainTextEdit(self)
        self.detail.setReadOnly(True)
        self.detail.setTabChangesFocus(True)
        named(self.detail, "Ausgewählter Kontakt")
        splitter = QSplitter(Qt.Orientation.Vertical, self)
        splitter.addWidget(self.view)
        splitter.addWidget(self.detail)
        splitter.setStretchFactor(0, 3)
        splitter.setStretchFactor(1, 2)
        self.follow_up_button = QPushButton("Wiedervorlage erle&digt", self)
        named(self.follow_up_button, "Wiedervorlage erledigt")
        self.follow_up_button.clicked.connect(self.complete_follow_up)
        self.correct_button = QPushButton("Be&richtigen …", self)
        named(self.correct_button, "Kontakt berichtigen",
              "Neue Fassung mit Grund; die frühere bleibt lesbar")
        self.correct_button.clicked.connect(self.correct)
        self.addendum_button = QPushButton("Nach&trag …", self)
        named(self.addendum_button, "Nachtrag zum Kontakt")
        self.addendum_button.clicked.connect(self.add_addendum)
        self.count_label = QLabel(self)
        named(self.count_label, "Anzahl Kontakte")
        top = QHBoxLayout()
        top.addWidget(self.count_label)
        top.addStretch(1)
        top.addWidget(self.correct_button)
        top.addWidget(self.addendum_button)
        top.addWidget(self.follow_up_button)
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(splitter, 1)
        self.view.selectionModel().currentRowChanged.connect(lambda *_: self._show_detail())
        self.reload()

    def reload(self) -> None:
        current = self.selected()
        self.model.reload()
        if current is not None:
            self.select_contact(current.id)
        total = self.model.total
        self.count_label.setText("Noch keine Kontakte." if total == 0 else
                                 f"{total} Kontakt{'e' if total != 1 else ''}")
        self._show_detail()

    def selected(self) -> Contact | None:
        index = self.view.currentIndex()
        return self.model.items[index.row()] if index.isValid() else None

    def _show_detail(self) -> None:
        contact = self.selected()
        session = self.ctx.session
        self.correct_button.setEnabled(contact is not None)
        self.addendum_button.setEnabled(contact is not None)
        if contact is None or session is None or not session.is_open:
            self.detail.clear()
            self.follow_up_button.setEnabled(False)
            return
        names = {str(p.id): p.display_name
                 for p in households.members(session, self.household_id)}
        self.detail.setPlainText(contact_detail(contact, names))
        self.follow_up_button.setEnabled(contact.data.follow_up is not None
                                         and not contact.follow_up_done)

    def correct(self) -> CorrectionDialog | None:
        """Open the correction of the selected contact (modal unless a test drives it)."""
        contact = self.selected()
        if contact is None:
            return None
        dialog = CorrectionDialog(self.ctx, contact, self)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.offer_draft()
        dialog.open()
        return dialog

    def add_addendum(self) -> AddendumDialog | None:
        contact = self.selected()
        if contact is None:
            return None
        dialog = AddendumDialog(self.ctx, contact, self)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.offer_draft()
        dialog.open()
        return dialog

    def select_contact(self, contact_id: str) -> None:
        for row, item in enumerate(self.model.items):
            if item.id == contact_id:
                self.view.setCurrentIndex(self.model.index(row, 0))
                return

    def complete_follow_up(self) -> None:
        contact = self.selected()
        if contact is not None \
                and self.ctx.run(contacts.complete_follow_up, contact.id) is not None:
            self.ctx.confirm("Wiedervorlage erledigt.")


class HistoryModel(QAbstractTableModel):
    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self.entries: list[HistoryEntry] = []

    def set_entries(self, entries: list[HistoryEntry]) -> None:
        self.beginResetModel()
        self.entries = list(entries)
        self.endResetModel()

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008 (Qt default)
        return 0 if parent.isValid() else len(self.entries)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008 (Qt default)
        return 0 if parent.isValid() else len(HISTORY_COLUMNS)

    def headerData(self, section: int, orientation: Qt.Orientation,
                   role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if (orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole
                and 0 <= section < len(HISTORY_COLUMNS)):
            return HISTORY_COLUMNS[section]
        return None

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or role not in (Qt.ItemDataRole.DisplayRole,
                                               Qt.ItemDataRole.AccessibleTextRole,
                                               Qt.ItemDataRole.ToolTipRole):
            return None
        e = self.entries[index.row()]
        if index.column() == 0:
            return f"{from_utc_iso(e.at).astimezone(BERLIN):%d.%m.%Y %H:%M}"
        if index.column() == 1:
            return e.actor_name or "unbekannt"
        return e.summary()


class HistoryTab(QWidget):
    def __init__(self, ctx: UiContext, household_id: HouseholdId,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.household_id = household_id
        self.model = HistoryModel(self)
        self.view = QTableView(self)
        named(self.view, "Verlauf der Änderungen")
        self.view.setModel(self.model)
        self.view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        compact_rows(self.view)
        header = self.view.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.ResizeToContents)
        header.setStretchLastSection(True)
        layout = QVBoxLayout(self)
        layout.addWidget(self.view)
        self.reload()

    def reload(self) -> None:
        session = self.ctx.session
        if session is not None and session.is_open:
            self.model.set_entries(history.for_household(session, self.household_id))
