"""Shared pieces of the § 8a UI: saving its documents, date/time inputs, worker pickers
and `EntryDialog`.

`EntryDialog` is a window-modal form (opened with `open()`, kept on its owner as
`owner.dialog` so tests fill and save it like a user). `save()` collects the values,
calls the service through `ctx.apply` and shows a `ValidationError` next to the field it
names; any other `UserError` (e.g. `PermissionDenied`) goes through the message seam.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from pathlib import Path
from typing import Any, TypeVar

from PySide6.QtCore import QDate, QDateTime, Qt, QTime
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDateEdit,
    QDateTimeEdit,
    QDialog,
    QDialogButtonBox,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QPlainTextEdit,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from casework.clock import BERLIN
from casework.errors import UserError, ValidationError
from casework.models.kinderschutz.procedure import ProcedureFile
from casework.services.kinderschutz import documents
from casework.services.persons import workers as worker_service
from casework.ui.context import UiContext
from casework.ui.documents import save_pdf
from casework.ui.widgets import ValidatingForm, named

W = TypeVar("W", bound=QWidget)
FIT_HEIGHT = 690  # the highest a § 8a form opens (1366x768 minus taskbar and title bar)
ID_ROLE = Qt.ItemDataRole.UserRole

# Document key → (button text, save-dialog title, suggested file name without personal data)
DOCUMENTS: dict[str, tuple[str, str, str]] = {
    "dokumentation": ("&Dokumentation drucken …", "Dokumentation der Gefährdungseinschätzung "
                      "speichern", "Kinderschutz-Dokumentation.pdf"),
    "mitteilung": ("&Mitteilung drucken …", "Mitteilung an das Jugendamt speichern",
                   "Mitteilung-Jugendamt.pdf"),
    "schutzplan": ("Schutz&plan drucken …", "Schutzplan speichern", "Schutzplan.pdf"),
    "isef": ("iseF-Auszug (pseudonymisiert) …", "Pseudonymisierten Auszug für die iseF "
             "speichern", "iseF-Auszug-pseudonymisiert.pdf"),
}


# --------------------------------------------------------------------------- documents


def print_document(ctx: UiContext, parent: QWidget | None, procedure_id: str,
                   document: str) -> Path | None:
    """Ask where to save, then let the service produce the document (it logs the print)
    and write it atomically. Cancelling changes nothing."""
    _label, title, suggested = DOCUMENTS[document]
    marked: list[str] = []
    if document == "isef":  # the worker reviews the redaction first (issue 19)
        from casework.ui.kinderschutz import redaction_review

        reviewed = redaction_review.review_isef(ctx, parent, procedure_id)
        if reviewed is None:
            return None
        marked = reviewed

    def produce() -> bytes:
        doc, _changes = ctx.apply(documents.document, procedure_id, document, marked=marked)
        return doc.pdf

    return save_pdf(ctx, parent, title, suggested, produce)


# --------------------------------------------------------------------------- inputs


def now_local(ctx: UiContext) -> datetime:
    return ctx.clock.now().astimezone(BERLIN)


def datetime_edit(ctx: UiContext, name: str, parent: QWidget | None = None) -> QDateTimeEdit:
    edit = QDateTimeEdit(parent)
    edit.setDisplayFormat("dd.MM.yyyy HH:mm")
    edit.setCalendarPopup(True)
    now = now_local(ctx)
    edit.setDateTime(QDateTime(QDate(now.year, now.month, now.day),
                               QTime(now.hour, now.minute)))
    named(edit, name)
    return edit


def date_edit(ctx: UiContext, name: str, parent: QWidget | None = None,
              value: date | None = None) -> QDateEdit:
    edit = QDateEdit(parent)
    edit.setDisplayFormat("dd.MM.yyyy")
    edit.setCalendarPopup(True)
    day = value or now_local(ctx).date()
    edit.setDate(QDate(day.year, day.month, day.day))
    named(edit, name)
    return edit


def aware(edit: QDateTimeEdit) -> datetime:
    d, t = edit.date(), edit.time()
    return datetime(d.year(), d.month(), d.day(), t.hour(), t.minute(), tzinfo=BERLIN)


def day_of(edit: QDateEdit) -> date:
    d = edit.date()
    return date(d.year(), d.month(), d.day())


def set_day(edit: QDateEdit, day: date) -> None:
    edit.setDate(QDate(day.year, day.month, day.day))


def text_box(name: str, parent: QWidget | None = None, lines: int = 3,
             placeholder: str = "") -> QPlainTextEdit:
    box = QPlainTextEdit(parent)
    box.setTabChangesFocus(True)  # Tab moves on, as in every other field
    box.setFixedHeight(box.fontMetrics().lineSpacing() * lines + 14)
    if placeholder:
        box.setPlaceholderText(placeholder)
    named(box, name)
    return box


def combo(name: str, items: Sequence[tuple[str, Any]], parent: QWidget | None = None,
          prompt: str = "") -> QComboBox:
    """A combo box; with `prompt`, the first entry means "nothing chosen yet" (data None)."""
    box = QComboBox(parent)
    if prompt:
        box.addItem(prompt, None)
    for text, data in items:
        box.addItem(text, data)
    named(box, name)
    return box


def select_data(box: QComboBox, data: Any) -> None:
    index = box.findData(data)
    if index >= 0:
        box.setCurrentIndex(index)


def check_list(name: str, items: Sequence[tuple[str, str, bool]],
               parent: QWidget | None = None) -> QListWidget:
    """A keyboard-operable checklist (Space toggles); items are (text, id, checked)."""
    widget = QListWidget(parent)
    for text, item_id, checked in items:
        item = QListWidgetItem(text, widget)
        item.setData(ID_ROLE, item_id)
        item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
        item.setCheckState(Qt.CheckState.Checked if checked else Qt.CheckState.Unchecked)
    widget.setWordWrap(True)  # long observations wrap instead of scrolling sideways
    widget.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
    widget.setMinimumHeight(70)
    widget.setMaximumHeight(max(70, min(len(items), 5) * 2 * (widget.fontMetrics().height() + 4)
                                + 8))
    named(widget, name)
    return widget


def checked_ids(widget: QListWidget) -> tuple[str, ...]:
    return tuple(str(widget.item(i).data(ID_ROLE)) for i in range(widget.count())
                 if widget.item(i).checkState() == Qt.CheckState.Checked)


def set_checked(widget: QListWidget, ids: Sequence[str]) -> None:
    wanted = set(ids)
    for i in range(widget.count()):
        item = widget.item(i)
        item.setCheckState(Qt.CheckState.Checked if item.data(ID_ROLE) in wanted
                           else Qt.CheckState.Unchecked)


def worker_items(ctx: UiContext) -> list[tuple[str, str]]:
    session = ctx.require_session()
    return [(f"{w.name} ({w.data.role.value})", w.id)
            for w in worker_service.all_workers(session)]


def worker_names(ctx: UiContext) -> dict[str, str]:
    return {w.id: w.name for w in worker_service.all_workers(ctx.require_session())}


def hint(text: str, parent: QWidget | None = None) -> QLabel:
    label = QLabel(text, parent)
    label.setWordWrap(True)
    label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
    named(label, "Hinweis", text)
    return label


def checkbox(text: str, name: str, parent: QWidget | None = None) -> QCheckBox:
    box = QCheckBox(text, parent)
    named(box, name)
    return box


# --------------------------------------------------------------------------- dialog


class EntryDialog(QDialog):
    """Base of every § 8a form: a `ValidatingForm` in a scroll area, Save/Cancel."""

    TITLE = ""
    INTRO = ""
    CONFIRM = "Im § 8a-Verfahren festgehalten."  # status-bar confirmation after saving

    def __init__(self, ctx: UiContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.result_value: Any = None
        self.setWindowTitle(self.TITLE)
        named(self, self.TITLE)
        self.setWindowModality(Qt.WindowModality.WindowModal)
        self.form = ValidatingForm()
        self.form.form_layout.setRowWrapPolicy(self.form.form_layout.RowWrapPolicy.WrapLongRows)
        scroll = QScrollArea(self)
        scroll.setWidgetResizable(True)
        scroll.setWidget(self.form)
        scroll.setFrameShape(QScrollArea.Shape.NoFrame)
        named(scroll, self.TITLE)
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel, self)
        save = self.buttons.button(QDialogButtonBox.StandardButton.Save)
        save.setText("&Speichern")
        named(save, "Speichern")
        cancel = self.buttons.button(QDialogButtonBox.StandardButton.Cancel)
        cancel.setText("Abbrechen")
        named(cancel, "Abbrechen")
        self.buttons.accepted.connect(self.save)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        if self.INTRO:
            layout.addWidget(hint(self.INTRO, self))
        layout.addWidget(scroll, 1)
        layout.addWidget(self.buttons)
        self.build()
        # 1366x768 minus a taskbar and the title bar leaves about 690 px: the form scrolls
        # vertically inside, the buttons stay visible.
        screen = self.screen()
        room = screen.availableGeometry().height() - 40 if screen is not None else FIT_HEIGHT
        self.resize(820, min(FIT_HEIGHT, room, max(420, self.form.sizeHint().height() + 140)))

    def add(self, label: str, widget: W, *, aliases: tuple[str, ...] = ()) -> W:
        """A form row whose ValidationError (field `label` or an alias) shows under it."""
        self.form.add_row(label, widget, aliases=aliases)
        return widget

    def build(self) -> None:  # pragma: no cover - every subclass builds its form
        raise NotImplementedError

    def submit(self) -> Any:
        """Collect the values and call the service through `self.ctx.apply`."""
        raise NotImplementedError

    def save(self) -> bool:
        self.form.clear_errors()
        try:
            self.result_value = self.submit()
        except ValidationError as error:
            self.form.show_error(error)
            return False
        except UserError as error:  # PermissionDenied, NotFound …: the message seam
            self.ctx.report(error)
            return False
        self.accept()
        self.ctx.confirm(self.CONFIRM)
        return True

    def error_text(self, field: str) -> str:
        return self.form.error_text(field)


class ProcedureDialog(EntryDialog):
    """An `EntryDialog` about one procedure (`file`), for the step and record forms."""

    def __init__(self, ctx: UiContext, file: ProcedureFile,
                 parent: QWidget | None = None) -> None:
        self.file = file
        self.procedure_id = file.procedure.id
        super().__init__(ctx, parent)
