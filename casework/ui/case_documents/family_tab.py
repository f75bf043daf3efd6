"""Family-file tab "Dokumente": letters, notices, certificates and photos of the family
or one person, stored as encrypted attachments. Add by file chooser or by dropping files
on the tab; view inside the app (images; PDFs when Qt PDF is installed) without writing
plaintext to disk; describe, remove, or save a copy where the worker chooses.

`choose_files` and `choose_save_target` are the file choosers (tests patch them)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtGui import QDragEnterEvent, QDropEvent
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from casework.errors import UserError, ValidationError
from casework.forms.base import write_pdf_atomic as write_file_atomic
from casework.models.changes import Changes
from casework.models.documents import Document, DocumentCategory, DocumentDraft
from casework.services import documents as service
from casework.services.households import households
from casework.ui.case_documents.viewer import DocumentViewer
from casework.ui.context import UiContext
from casework.ui.households.lifecycle_dialogs import button_box, text_box
from casework.ui.simple_model import SimpleTableModel
from casework.ui.widgets import (
    ValidatingForm,
    format_date,
    line_edit,
    list_table,
    named,
    parse_date,
)

TITLE = "Dokumente"
FILE_FILTER = "Dokumente (*.pdf *.jpg *.jpeg *.png *.tif *.tiff *.gif *.webp);;Alle Dateien (*)"
MAX_READ = 64 * 1024 * 1024


def choose_files(parent: QWidget | None) -> list[str]:
    paths, _ = QFileDialog.getOpenFileNames(parent, "Dokument hinzufügen", "", FILE_FILTER)
    return list(paths)


def choose_save_target(parent: QWidget | None, suggested: str) -> str:
    path, _ = QFileDialog.getSaveFileName(parent, "Kopie speichern", suggested)
    return path


def read_file(path: Path) -> bytes:
    """The chosen file's bytes (the original stays where it is, untouched)."""
    try:
        if path.stat().st_size > MAX_READ:
            raise UserError(f"„{path.name}“ ist zu groß (höchstens 64 MB).")
        return path.read_bytes()
    except OSError:
        raise UserError(f"„{path.name}“ kann nicht gelesen werden.") from None


class DocumentDialog(QDialog):
    """What a document is: kind, title, date, whom it concerns, note. With `data` it adds
    a new document, otherwise it changes the description of `document`."""

    def __init__(self, ctx: UiContext, household_id: str, parent: QWidget | None = None, *,
                 data: bytes = b"", file_name: str = "",
                 document: Document | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.household_id = household_id
        self.data = data
        self.file_name = file_name
        self.document = document
        self.document_id: str | None = document.id if document else None
        title = "Dokument beschreiben" if document else "Dokument hinzufügen"
        self.setWindowTitle(title)
        named(self, title)
        session = ctx.require_session()
        self.form = ValidatingForm(self)
        if file_name:
            self.form.add_widget_row(QLabel(f"Datei: {Path(file_name).name}", self))
        self.category = QComboBox(self)
        for category in DocumentCategory:
            self.category.addItem(category.value, category.value)
        self.form.add_row("Art", self.category)
        self.title = line_edit("Bezeichnung", self, "z. B. Bescheid Wohngeld")
        self.form.add_row("Bezeichnung", self.title)
        self.on = line_edit("Datum", self, "TT.MM.JJJJ – Datum des Schreibens")
        self.form.add_row("Datum", self.on)
        self.persons = QListWidget(self)
        named(self.persons, "Betrifft")
        self.persons.setMaximumHeight(90)
        for person in households.members(session, household_id):
            item = QListWidgetItem(person.display_name)
            item.setData(Qt.ItemDataRole.UserRole, person.id)
            item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
            checked = document is not None and person.id in document.data.person_ids
            item.setCheckState(Qt.CheckState.Checked if checked else Qt.CheckState.Unchecked)
            self.persons.addItem(item)
        self.form.add_row("Betrifft", self.persons)
        self.note = text_box("Notiz", self)
        self.form.add_row("Notiz", self.note)
        layout = QVBoxLayout(self)
        layout.addWidget(self.form)
        layout.addWidget(button_box(self, "Speichern"))
        if document is not None:
            d = document.data
            self.category.setCurrentIndex(self.category.findData(d.category.value))
            self.title.setText(d.title)
            self.on.setText(format_date(d.on))
            self.note.setPlainText(d.note)
        elif file_name:
            self.title.setText(Path(file_name).stem[:120])

    def check_person(self, person_id: str) -> None:
        for i in range(self.persons.count()):
            item = self.persons.item(i)
            if item.data(Qt.ItemDataRole.UserRole) == person_id:
                item.setCheckState(Qt.CheckState.Checked)

    def accept(self) -> None:
        try:
            persons = tuple(str(self.persons.item(i).data(Qt.ItemDataRole.UserRole))
                            for i in range(self.persons.count())
                            if self.persons.item(i).checkState() == Qt.CheckState.Checked)
            draft = DocumentDraft(self.household_id,
                                  DocumentCategory(self.category.currentData()),
                                  self.title.text(), parse_date(self.on.text(), "Datum"),
                                  self.note.toPlainText(), persons)
            if self.document_id is None:
                self.document_id = self.ctx.apply(service.add, draft, self.data,
                                                  self.file_name)[0]
            else:
                self.ctx.apply(service.update, self.document_id, draft)
        except ValidationError as error:
            self.form.show_error(error)
            return
        except UserError as error:
            self.ctx.report(error)
            return
        self.ctx.confirm("Dokument gespeichert.")
        super().accept()


class DokumenteTab(QWidget):
    COLUMNS = ("Datum", "Art", "Bezeichnung", "Betrifft", "Datei", "Notiz")

    def __init__(self, ctx: UiContext, household_id: str,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.household_id = household_id
        self.dialog: QDialog | None = None
        self.pending: list[Path] = []  # dropped/chosen files still to describe
        self.setAcceptDrops(True)
        self.model = SimpleTableModel(self.COLUMNS, self)
        self.view = list_table("Dokumente der Familie", self.model, self)
        self.empty = QLabel("Noch keine Dokumente. Dateien hierher ziehen oder "
                            "„Hinzufügen …“ wählen.", self)
        self.add_button = self._button("&Hinzufügen …", "Dokument hinzufügen", self.add_files)
        self.view_button = self._button("&Anzeigen", "Dokument anzeigen", self.show_selected)
        self.edit_button = self._button("&Beschreiben …", "Beschreibung ändern", self.edit)
        self.save_button = self._button("Kopie &speichern …", "Kopie speichern", self.save_copy)
        self.remove_button = self._button("&Entfernen …", "Dokument entfernen", self.remove)
        buttons = QHBoxLayout()
        for b in (self.add_button, self.view_button, self.edit_button, self.save_button,
                  self.remove_button):
            buttons.addWidget(b)
        buttons.addStretch(1)
        hint = QLabel("Dateien werden verschlüsselt in der Akte abgelegt; das Original "
                      "bleibt, wo es ist.", self)
        hint.setWordWrap(True)
        layout = QVBoxLayout(self)
        layout.addLayout(buttons)
        layout.addWidget(self.empty)
        layout.addWidget(self.view, 1)
        layout.addWidget(hint)
        self.view.selectionModel().selectionChanged.connect(lambda *_: self._update())
        self.view.doubleClicked.connect(lambda _i: self.show_selected())
        ctx.changed.connect(self._on_changed)
        self.refresh()

    def _button(self, text: str, name: str, slot: Callable[[], None]) -> QPushButton:
        button = QPushButton(text, self)
        named(button, name)
        button.clicked.connect(slot)
        return button

    def refresh(self) -> None:
        session = self.ctx.session
        if session is None or not session.is_open:
            return
        names = {str(p.id): p.data.first_name for p in households.members(session,
                                                                     self.household_id)}
        rows = [((format_date(d.data.on), d.data.category.value, d.data.title,
                  ", ".join(names.get(str(p), "–") for p in d.data.person_ids) or "Familie",
                  d.file_name, d.data.note), d)
                for d in service.for_household(session, self.household_id)]
        self.model.set_rows(rows)
        self.empty.setVisible(not rows)
        self._update()

    def selected(self) -> Document | None:
        return self.model.selected_payload(self.view, Document)

    def _update(self) -> None:
        has = self.selected() is not None
        for b in (self.view_button, self.edit_button, self.save_button, self.remove_button):
            b.setEnabled(has)

    def _on_changed(self, changes: Changes) -> None:
        if changes.affects("case_document", "person") or \
                self.household_id in changes.ids("household"):
            self.refresh()

    # --- adding ----------------------------------------------------------------------------

    def add_files(self) -> None:
        self.add_paths([Path(p) for p in choose_files(self)])

    def add_paths(self, paths: list[Path]) -> None:
        """Describe each file in turn (one dialog after the other)."""
        self.pending = [p for p in paths if p.is_file()]
        self._next()

    def _next(self) -> None:
        if not self.pending:
            return
        path = self.pending.pop(0)
        try:
            data = read_file(path)
        except UserError as error:
            self.ctx.report(error)
            self._next()
            return
        dialog = DocumentDialog(self.ctx, self.household_id, self, data=data,
                                file_name=path.name)
        dialog.finished.connect(lambda _r: self._next())
        self.dialog = dialog
        dialog.open()

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:
        if event.mimeData().hasUrls() and any(u.isLocalFile() for u in event.mimeData().urls()):
            event.acceptProposedAction()
        else:
            event.ignore()

    def dropEvent(self, event: QDropEvent) -> None:
        paths = [Path(u.toLocalFile()) for u in event.mimeData().urls() if u.isLocalFile()]
        if paths:
            event.acceptProposedAction()
            self.add_paths(paths)

    # --- the selected document -------------------------------------------------------------

    def show_selected(self) -> None:
        document = self.selected()
        if document is None:
            return
        data = self.ctx.run(service.content, document.id)
        if data is None:
            return
        viewer = DocumentViewer(document, data, self)
        viewer.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.dialog = viewer
        viewer.open()

    def edit(self) -> None:
        document = self.selected()
        if document is not None:
            dialog = DocumentDialog(self.ctx, self.household_id, self, document=document)
            self.dialog = dialog
            dialog.open()

    def save_copy(self) -> None:
        document = self.selected()
        if document is None:
            return
        target = choose_save_target(self, document.file_name or "Dokument")
        if not target:
            return
        data = self.ctx.run(service.export_copy, document.id)
        if data is None:
            return
        try:
            write_file_atomic(target, data)
        except UserError as error:
            self.ctx.report(error)
            return
        self.ctx.confirm("Kopie gespeichert.")

    def remove(self) -> None:
        document = self.selected()
        if document is None:
            return
        if self.ctx.messages.confirm(self, "Dokument entfernen",
                                     f"„{document.data.title}“ aus der Akte entfernen?") \
                and self.ctx.run(service.remove, document.id) is not None:
            self.ctx.confirm("Dokument aus der Akte entfernt.")


def create(ctx: UiContext, household_id: str) -> QWidget:
    return DokumenteTab(ctx, household_id)
