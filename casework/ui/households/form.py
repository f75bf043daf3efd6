"""The household form (family file tab "Übersicht" and the "Neue Familie" dialog).

Validation lives in `HouseholdDraft.validated()`; a `ValidationError` names the German
field label and is shown next to that field.
"""

from __future__ import annotations

import json
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QKeySequence, QPalette, QShortcut
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from casework.errors import UserError, ValidationError
from casework.models.directory.profile import all_stadtteile
from casework.models.households.household import (
    AccessRoute,
    Household,
    HouseholdDraft,
    HouseholdStatus,
    TargetGroup,
)
from casework.models.ids import HouseholdId, WorkerId
from casework.services import drafts
from casework.services.households import households
from casework.services.persons import workers
from casework.ui.context import UiContext
from casework.ui.dialog_drafts import DialogDraft
from casework.ui.households.duplicates import DuplicateWarning
from casework.ui.widgets import ValidatingForm, line_edit, named


def _text_edit(name: str, parent: QWidget) -> QPlainTextEdit:
    edit = QPlainTextEdit(parent)
    edit.setTabChangesFocus(True)
    edit.setFixedHeight(edit.fontMetrics().lineSpacing() * 3 + 12)
    named(edit, name)
    return edit


DRAFT_KIND = "household_form"


def _scrolling(form: QWidget, parent: QWidget) -> QScrollArea:
    """The form at its natural height (extra space below it, not between its rows)."""
    body = QWidget(parent)
    column = QVBoxLayout(body)
    column.setContentsMargins(0, 0, 0, 0)
    column.addWidget(form)
    column.addStretch(1)
    scroll = QScrollArea(parent)
    scroll.setWidgetResizable(True)
    scroll.setWidget(body)
    return scroll


class HouseholdForm(ValidatingForm):
    def __init__(self, ctx: UiContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.name = self.add_row("Familienname", line_edit("Familienname", self))
        self.street = self.add_row("Straße", line_edit("Straße und Hausnummer", self))
        self.plz = self.add_row("PLZ", line_edit("PLZ", self, "5 Ziffern"))
        self.city = self.add_row("Ort", line_edit("Ort", self))
        self.district = QComboBox(self)
        self.district.setEditable(True)
        self.district.setInsertPolicy(QComboBox.InsertPolicy.NoInsert)
        named(self.district, "Stadtteil")
        self.district.addItem("")
        if ctx.profile is not None:
            self.district.addItems(sorted(all_stadtteile(ctx.profile)))
        self.add_row("Stadtteil", self.district)
        self.quarter = self.add_row("Quartier/Sozialraum", line_edit("Quartier/Sozialraum", self))
        self.languages = self.add_row(
            "Sprachen", line_edit("Sprachen", self, "durch Komma getrennt"))
        self.interpreter = QCheckBox("Dolmetscher nötig", self)
        named(self.interpreter, "Dolmetscher nötig")
        self.add_row("Dolmetscher", self.interpreter, aliases=("Dolmetscher nötig",))
        targets = QWidget(self)
        grid = QGridLayout(targets)
        grid.setContentsMargins(0, 0, 0, 0)
        self.target_boxes: dict[TargetGroup, QCheckBox] = {}
        for i, group in enumerate(TargetGroup):
            box = QCheckBox(group.value, targets)
            named(box, f"Zielgruppe {group.value}")
            grid.addWidget(box, i, 0)  # one column: two do not fit beside the areas list at 125 %
            self.target_boxes[group] = box
        named(targets, "Zielgruppenkriterien")
        self.add_row("Zielgruppenkriterien", targets)
        self.access = QComboBox(self)
        named(self.access, "Zugangsweg")
        self.access.addItem("–", None)
        for route in AccessRoute:
            self.access.addItem(route.value, route.value)
        self.add_row("Zugangsweg", self.access)
        self.resources = self.add_row("Ressourcen", _text_edit("Ressourcen", self))
        self.risks = self.add_row("Risiken", _text_edit("Risiken", self))
        self.worker = QComboBox(self)
        named(self.worker, "Zuständig")
        self.add_row("Zuständig", self.worker)
        self.status = QComboBox(self)
        named(self.status, "Status")
        for status in HouseholdStatus:
            self.status.addItem(status.value, status.value)
        self.add_row("Status", self.status)
        self.reload_workers()

    def reload_workers(self) -> None:
        current = self.worker.currentData()
        self.worker.clear()
        self.worker.addItem("– niemand –", None)
        session = self.ctx.session
        if session is not None and session.is_open:
            for w in workers.all_workers(session):
                self.worker.addItem(f"{w.name} ({w.data.role.value})", w.id)
        index = self.worker.findData(current)
        self.worker.setCurrentIndex(max(index, 0))

    def set_household(self, household: Household) -> None:
        d = household.data
        self.name.setText(d.name)
        self.street.setText(d.street)
        self.plz.setText(d.plz)
        self.city.setText(d.city)
        self.district.setCurrentText(d.district)
        self.quarter.setText(d.quarter)
        self.languages.setText(", ".join(d.languages))
        self.interpreter.setChecked(d.interpreter_needed)
        for group, box in self.target_boxes.items():
            box.setChecked(group in d.target_groups)
        route = d.access_route.value if d.access_route else None
        self.access.setCurrentIndex(max(self.access.findData(route), 0))
        self.resources.setPlainText(d.resources)
        self.risks.setPlainText(d.risks)
        self.worker.setCurrentIndex(max(self.worker.findData(d.assigned_worker_id), 0))
        self.status.setCurrentIndex(max(self.status.findData(d.status.value), 0))
        self.clear_errors()

    def draft(self) -> HouseholdDraft:
        targets = frozenset(g for g, box in self.target_boxes.items() if box.isChecked())
        worker = self.worker.currentData()
        return HouseholdDraft(
            name=self.name.text(),
            street=self.street.text(),
            plz=self.plz.text(),
            city=self.city.text(),
            district=self.district.currentText(),
            quarter=self.quarter.text(),
            languages=tuple(p.strip() for p in self.languages.text().split(",")),
            interpreter_needed=self.interpreter.isChecked(),
            target_groups=targets,
            access_route=AccessRoute(route) if (route := self.access.currentData()) else None,
            resources=self.resources.toPlainText(),
            risks=self.risks.toPlainText(),
            assigned_worker_id=WorkerId(worker) if worker else None,
            status=HouseholdStatus(self.status.currentData()),
        )


FORM_FIELDS = ("name", "street", "plz", "city", "quarter", "languages")


def form_payload(form: HouseholdForm) -> dict[str, Any]:
    """The raw form contents (also invalid ones) for an encrypted draft."""
    payload: dict[str, Any] = {key: getattr(form, key).text() for key in FORM_FIELDS}
    payload.update(
        district=form.district.currentText(), interpreter=form.interpreter.isChecked(),
        targets=[g.value for g, box in form.target_boxes.items() if box.isChecked()],
        access=form.access.currentData(), resources=form.resources.toPlainText(),
        risks=form.risks.toPlainText(), worker=form.worker.currentData(),
        status=form.status.currentData())
    return payload


def restore_form(form: HouseholdForm, payload: dict[str, Any]) -> None:
    for key in FORM_FIELDS:
        getattr(form, key).setText(str(payload.get(key, "")))
    form.district.setCurrentText(str(payload.get("district", "")))
    form.interpreter.setChecked(bool(payload.get("interpreter")))
    targets = set(payload.get("targets", []))
    for group, box in form.target_boxes.items():
        box.setChecked(group.value in targets)
    form.access.setCurrentIndex(max(form.access.findData(payload.get("access")), 0))
    form.resources.setPlainText(str(payload.get("resources", "")))
    form.risks.setPlainText(str(payload.get("risks", "")))
    form.worker.setCurrentIndex(max(form.worker.findData(payload.get("worker")), 0))
    form.status.setCurrentIndex(max(form.status.findData(payload.get("status")), 0))


class OverviewTab(QWidget):
    """Family file tab "Übersicht": the household form, read-only until "Bearbeiten"
    (F2); then "Änderungen speichern" (Strg+S) or "Abbrechen" (Escape), which asks before
    it throws typed changes away. A draft restored after a lock opens in editing mode."""

    saved = Signal()

    def __init__(self, ctx: UiContext, household_id: HouseholdId,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.household_id = household_id
        self.loaded: HouseholdDraft | None = None
        self.form = HouseholdForm(ctx, self)
        scroll = _scrolling(self.form, self)
        scroll.setFrameShape(QScrollArea.Shape.NoFrame)
        self.edit_button = QPushButton("Bearbei&ten", self)
        named(self.edit_button, "Übersicht bearbeiten", "F2")
        self.edit_button.setToolTip("F2")
        self.save_button = QPushButton("Änderungen &speichern", self)
        named(self.save_button, "Änderungen speichern")
        self.save_button.setToolTip("Strg+S")
        self.reset_button = QPushButton("Abbrechen", self)
        named(self.reset_button, "Bearbeiten abbrechen")
        self.reset_button.setToolTip("Esc")
        self.draft_note = QLabel(self)
        named(self.draft_note, "Hinweis zum Entwurf")
        self.draft_note.setWordWrap(True)
        buttons = QHBoxLayout()
        buttons.addWidget(self.draft_note, 1)
        buttons.addWidget(self.edit_button)
        buttons.addWidget(self.reset_button)
        buttons.addWidget(self.save_button)
        layout = QVBoxLayout(self)
        layout.addWidget(scroll, 1)
        layout.addLayout(buttons)
        self.editing = False
        self.edit_button.clicked.connect(lambda: self.set_editing(True))
        self.save_button.clicked.connect(self.save)
        self.reset_button.clicked.connect(self.cancel)
        QShortcut(QKeySequence.StandardKey.Save, self, self._save_if_editing,
                  context=Qt.ShortcutContext.WidgetWithChildrenShortcut)
        QShortcut(QKeySequence(Qt.Key.Key_F2), self, lambda: self.set_editing(True),
                  context=Qt.ShortcutContext.WidgetWithChildrenShortcut)
        QShortcut(QKeySequence(Qt.Key.Key_Escape), self, self.cancel,
                  context=Qt.ShortcutContext.WidgetWithChildrenShortcut)
        self.reload()
        self.set_editing(self.restore_draft())

    # --- read-only until "Bearbeiten" ----------------------------------------------------

    def set_editing(self, editing: bool) -> None:
        """Fields editable or read-only (texts stay readable and selectable)."""
        self.editing = editing
        # Read-only fields take the window's background, so reading and editing look
        # different (in light and dark palettes alike).
        reading = QPalette(self.palette())
        reading.setColor(QPalette.ColorRole.Base, reading.color(QPalette.ColorRole.Window))
        fields: list[QLineEdit | QPlainTextEdit] = [*self.form.findChildren(QLineEdit),
                                                    *self.form.findChildren(QPlainTextEdit)]
        for field in fields:
            field.setReadOnly(not editing)
            field.setPalette(self.palette() if editing else reading)
        for choice in (*self.form.findChildren(QComboBox), *self.form.findChildren(QCheckBox)):
            choice.setEnabled(editing)
        self.edit_button.setVisible(not editing)
        self.save_button.setVisible(editing)
        self.reset_button.setVisible(editing)
        if editing and self.isVisible():
            self.form.name.setFocus()

    def _save_if_editing(self) -> None:
        if self.editing:
            self.save()

    def cancel(self) -> bool:
        """"Abbrechen" / Escape: back to reading; typed changes go only when confirmed."""
        if not self.editing:
            return True
        if self.is_dirty() and not self.ctx.messages.confirm(
                self, "Änderungen verwerfen?",
                "Die Änderungen an der Übersicht sind nicht gespeichert. Verwerfen?"):
            return False
        self.reset()
        self.set_editing(False)
        return True

    # --- drafts: unsaved edits survive an auto-lock (encrypted in the vault) ----------

    def flush_draft(self) -> None:
        session = self.ctx.session
        if session is None or not session.is_open:
            return
        if self.is_dirty():
            drafts.save_draft(session, DRAFT_KIND, self.household_id,
                              json.dumps(form_payload(self.form), ensure_ascii=False))
        else:
            drafts.discard_draft(session, DRAFT_KIND, self.household_id)

    def restore_draft(self) -> bool:
        session = self.ctx.session
        if session is None or not session.is_open:
            return False
        stored = drafts.load_draft(session, DRAFT_KIND, self.household_id)
        if stored is None:
            return False
        restore_form(self.form, json.loads(stored))
        self.draft_note.setText("Nicht gespeicherte Änderungen wurden wiederhergestellt.")
        return True

    def _discard_draft(self) -> None:
        session = self.ctx.session
        if session is not None and session.is_open:
            drafts.discard_draft(session, DRAFT_KIND, self.household_id)
        self.draft_note.clear()

    def reset(self) -> None:
        """"Verwerfen": back to the stored state; a stored draft goes too."""
        self._discard_draft()
        self.reload()

    def reload(self) -> None:
        session = self.ctx.session
        if session is None or not session.is_open:
            return
        self.form.reload_workers()
        household = households.get(session, self.household_id)
        self.loaded = household.data
        self.form.set_household(household)

    def is_dirty(self) -> bool:
        """Unsaved edits in the form (compared with what was last loaded)."""
        try:
            return self.form.draft().validated() != self.loaded
        except ValidationError:
            return True

    def save(self) -> bool:
        self.form.clear_errors()
        try:
            self.ctx.apply(households.update, self.household_id, self.form.draft())
        except ValidationError as error:
            self.form.show_error(error)
            return False
        except UserError as error:
            self.ctx.report(error)
            return False
        self._discard_draft()
        self.set_editing(False)
        self.ctx.confirm("Übersicht gespeichert.")
        self.saved.emit()
        return True


class NewHouseholdDialog(QDialog):
    """"Neue Familie": the same form; on success `created_id` holds the new id."""

    def __init__(self, ctx: UiContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.created_id: HouseholdId | None = None
        self.setWindowTitle("Neue Familie")
        named(self, "Neue Familie anlegen")
        self.form = HouseholdForm(ctx, self)
        if ctx.session is not None and ctx.session.is_open:
            self.form.worker.setCurrentIndex(
                max(self.form.worker.findData(ctx.session.actor_id), 0))
        if ctx.profile is not None:
            self.form.city.setText(ctx.profile.city)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Save
                                   | QDialogButtonBox.StandardButton.Cancel, self)
        buttons.button(QDialogButtonBox.StandardButton.Save).setText("Familie &anlegen")
        buttons.button(QDialogButtonBox.StandardButton.Cancel).setText("Abbrechen")
        buttons.accepted.connect(self.save)
        buttons.rejected.connect(self.reject)
        scroll = _scrolling(self.form, self)
        # Same surname and street as an existing family: say so before creating another.
        self.duplicates = DuplicateWarning("&Trotzdem neu anlegen", self)
        self.duplicates.proceed.connect(lambda: self.save(checked_duplicates=True))
        self.duplicates.open_requested.connect(self._open_existing)
        layout = QVBoxLayout(self)
        layout.addWidget(scroll, 1)
        layout.addWidget(self.duplicates)
        layout.addWidget(buttons)
        self.resize(640, 720)
        self.form.name.setFocus()
        self.draft_keeper = DialogDraft(ctx, self, "new_household", "new",
                                 lambda: form_payload(self.form),
                                 lambda payload: restore_form(self.form, payload))
        self.draft_keeper.offer()

    def reject(self) -> None:
        """Escape / Abbrechen: asks before typed text goes; a lock keeps it."""
        if self.draft_keeper.may_close():
            super().reject()

    def _open_existing(self, household_id: str) -> None:
        self.done(QDialog.DialogCode.Rejected.value)  # the person chose the existing file
        self.ctx.open_household(household_id)

    def save(self, checked_duplicates: bool = False) -> None:
        self.form.clear_errors()
        try:
            draft = self.form.draft()
            if not checked_duplicates:
                similar = households.similar_families(self.ctx.require_session(),
                                                      draft.name, draft.street)
                if similar:
                    self.duplicates.show_matches(
                        "Es gibt schon eine Akte mit diesem Familiennamen an dieser Adresse:",
                        similar)
                    return
            hid, _changes = self.ctx.apply(households.create, draft)
        except ValidationError as error:
            self.form.show_error(error)
            return
        except UserError as error:
            self.ctx.report(error)
            return
        self.created_id = hid
        self.draft_keeper.discard()
        self.ctx.confirm("Familie angelegt.")
        self.accept()
