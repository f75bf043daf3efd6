"""Dialogs for closing, reopening and handing over a family case, and the Leitung's
reassignment of several families at once (services.households.lifecycle)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QPlainTextEdit,
    QVBoxLayout,
    QWidget,
)

from casework.errors import UserError, ValidationError
from casework.models.households.lifecycle import ClosureReason, clean_text
from casework.services.households import households, lifecycle
from casework.services.persons import workers
from casework.ui.context import UiContext
from casework.ui.persons import reauth
from casework.ui.widgets import ValidatingForm, line_edit, named


def button_box(dialog: QDialog, ok_text: str) -> QDialogButtonBox:
    box = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok
                           | QDialogButtonBox.StandardButton.Cancel, dialog)
    ok = box.button(QDialogButtonBox.StandardButton.Ok)
    ok.setText(ok_text)
    named(ok, ok_text)
    cancel = box.button(QDialogButtonBox.StandardButton.Cancel)
    cancel.setText("Abbrechen")
    named(cancel, "Abbrechen")
    box.accepted.connect(dialog.accept)
    box.rejected.connect(dialog.reject)
    return box


def text_box(name: str, parent: QWidget, placeholder: str = "") -> QPlainTextEdit:
    edit = QPlainTextEdit(parent)
    named(edit, name)
    edit.setTabChangesFocus(True)
    edit.setPlaceholderText(placeholder)
    edit.setFixedHeight(edit.fontMetrics().lineSpacing() * 4 + 12)
    return edit


class _ServiceDialog(QDialog):
    """A form dialog whose OK calls one service function; a `ValidationError` is shown
    next to the field it names, other refusals through the message seam."""

    def __init__(self, ctx: UiContext, title: str, parent: QWidget | None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.setWindowTitle(title)
        named(self, title)
        self.form = ValidatingForm(self)

    def call(self, fn: Callable[..., Any], *args: Any, **kwargs: Any) -> bool:
        try:
            self.ctx.apply(fn, *args, **kwargs)
        except ValidationError as error:
            self.form.show_error(error)
            return False
        except UserError as error:
            self.ctx.report(error)
            return False
        self.ctx.confirm("Gespeichert.")
        return True


class CloseCaseDialog(_ServiceDialog):
    """Reason (required), note; shows what is still open. An open § 8a procedure (or an
    open hand-over) disables closing and says why; open referrals, appointments and
    goals must be confirmed."""

    def __init__(self, ctx: UiContext, household_id: str,
                 parent: QWidget | None = None) -> None:
        super().__init__(ctx, "Fall abschließen", parent)
        self.household_id = household_id
        session = ctx.require_session()
        self.check = lifecycle.closure_check(session, household_id)
        self.check_label = QLabel(self.check.message_de(), self)
        self.check_label.setWordWrap(True)
        named(self.check_label, "Prüfung vor dem Abschluss")
        self.reason = QComboBox(self)
        self.reason.addItem("– bitte wählen –", None)
        for reason in ClosureReason:
            self.reason.addItem(reason.value, reason.value)
        self.form.add_row("Grund des Abschlusses", self.reason)
        self.note = text_box("Notiz", self, "z. B. an welche Stelle übergeben, was erreicht "
                                            "wurde")
        self.form.add_row("Notiz", self.note)
        self.confirm = QCheckBox("Ich habe die offenen Vorgänge geprüft.", self)
        named(self.confirm, "Offene Vorgänge geprüft")
        self.confirm.setVisible(bool(self.check.warnings) and self.check.allowed)
        approval = lifecycle.requires_approval(session) and \
            not session.has_role(*lifecycle.LEADS)
        self.approval_hint = QLabel("Der Abschluss wird der Leitung zur Freigabe vorgelegt.",
                                    self)
        self.approval_hint.setVisible(approval)
        layout = QVBoxLayout(self)
        layout.addWidget(self.check_label)
        layout.addWidget(self.form)
        layout.addWidget(self.confirm)
        layout.addWidget(self.approval_hint)
        self.buttons = button_box(self, "Abschluss beantragen" if approval
                                  else "Fall abschließen")
        self.ok_button = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.ok_button.setEnabled(self.check.allowed)
        layout.addWidget(self.buttons)

    def accept(self) -> None:
        if self.check.warnings and not self.confirm.isChecked():
            self.form.show_error(ValidationError(
                "Abschluss", "bitte bestätigen, dass die offenen Vorgänge geprüft sind."))
            return
        if self.call(lifecycle.close, self.household_id, self.reason.currentData(),
                     self.note.toPlainText(), confirm_warnings=self.confirm.isChecked()):
            super().accept()


class ReasonDialog(_ServiceDialog):
    """One required (or optional) text, then `action(session, text)`."""

    def __init__(self, ctx: UiContext, title: str, label: str,
                 action: Callable[..., Any], *, intro: str = "", ok_text: str = "",
                 parent: QWidget | None = None) -> None:
        super().__init__(ctx, title, parent)
        self.action = action
        self.label = label
        self.text = text_box(label, self)
        self.form.add_row(label, self.text, aliases=("Notiz", "Grund", "Begründung"))
        layout = QVBoxLayout(self)
        if intro:
            intro_label = QLabel(intro, self)
            intro_label.setWordWrap(True)
            layout.addWidget(intro_label)
        layout.addWidget(self.form)
        layout.addWidget(button_box(self, ok_text or title))

    def accept(self) -> None:
        if self.call(self.action, self.text.toPlainText()):
            super().accept()


def _worker_combo(ctx: UiContext, parent: QWidget, exclude: set[str]) -> QComboBox:
    combo = QComboBox(parent)
    combo.addItem("– bitte wählen –", None)
    for worker in workers.all_workers(ctx.require_session()):
        if worker.id not in exclude:
            combo.addItem(f"{worker.name} ({worker.data.role.value})", worker.id)
    return combo


class HandoverDialog(_ServiceDialog):
    def __init__(self, ctx: UiContext, household_id: str,
                 parent: QWidget | None = None) -> None:
        super().__init__(ctx, "Familie übergeben", parent)
        self.household_id = household_id
        session = ctx.require_session()
        current = households.get(session, household_id).data.assigned_worker_id
        self.colleague = _worker_combo(ctx, self, {current} if current else set())
        self.form.add_row("Übergeben an", self.colleague)
        self.note = text_box("Übergabenotiz", self, "Stand, Absprachen mit der Familie, "
                                                    "nächste Schritte")
        self.form.add_row("Übergabenotiz", self.note)
        hint = QLabel("Bis die Kollegin oder der Kollege annimmt, bleibt die Familie bei "
                      "der bisherigen Zuständigkeit.", self)
        hint.setWordWrap(True)
        layout = QVBoxLayout(self)
        layout.addWidget(self.form)
        layout.addWidget(hint)
        layout.addWidget(button_box(self, "Übergabe anbieten"))

    def accept(self) -> None:
        target = self.colleague.currentData()
        if not target:
            self.form.show_error(ValidationError("Übergeben an", "bitte auswählen."))
            return
        if self.call(lifecycle.offer_handover, self.household_id, target,
                     self.note.toPlainText()):
            super().accept()


class ReassignDialog(_ServiceDialog):
    """Leitung: move several families to a colleague at once, with a reason."""

    def __init__(self, ctx: UiContext, parent: QWidget | None = None) -> None:
        super().__init__(ctx, "Familien umverteilen", parent)
        session = ctx.require_session()
        self.source = _worker_combo(ctx, self, set())
        self.source.setItemText(0, "– alle –")
        self.form.add_row("Bisher zuständig", self.source)
        self.families = QListWidget(self)
        named(self.families, "Familien")
        self.form.add_row("Familien", self.families)
        self.target = _worker_combo(ctx, self, set())
        self.form.add_row("Neue Zuständigkeit", self.target)
        self.reason = line_edit("Grund der Umverteilung", self, "z. B. Elternzeit, Wechsel "
                                                                "der Stelle")
        self.form.add_row("Grund der Umverteilung", self.reason)
        self.source.currentIndexChanged.connect(lambda _i: self._load())
        layout = QVBoxLayout(self)
        layout.addWidget(self.form)
        layout.addWidget(button_box(self, "Umverteilen"))
        self.setMinimumWidth(self.fontMetrics().averageCharWidth() * 90)
        del session
        self._load()

    def _load(self) -> None:
        session = self.ctx.require_session()
        ids = households.list_ids(session, worker_id=self.source.currentData(),
                                  open_cases=True)
        self.families.clear()
        for row in households.list_rows(session, ids):
            item = QListWidgetItem(f"{row.label} – {row.district or 'ohne Stadtteil'}"
                                   f" ({row.worker_name or 'niemand zuständig'})")
            item.setData(Qt.ItemDataRole.UserRole, row.id)
            item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
            item.setCheckState(Qt.CheckState.Unchecked)
            self.families.addItem(item)

    def checked_ids(self) -> list[str]:
        out = []
        for i in range(self.families.count()):
            item = self.families.item(i)
            if item.checkState() == Qt.CheckState.Checked:
                out.append(str(item.data(Qt.ItemDataRole.UserRole)))
        return out

    def accept(self) -> None:
        target = self.target.currentData()
        if not target:
            self.form.show_error(ValidationError("Neue Zuständigkeit", "bitte auswählen."))
            return
        if not self.checked_ids():
            self.form.show_error(ValidationError("Familien", "bitte mindestens eine Familie "
                                                             "auswählen."))
            return
        try:  # the reason is checked before the passphrase is asked
            clean_text("Grund der Umverteilung", self.reason.text(), required=True)
        except ValidationError as error:
            self.form.show_error(error)
            return
        auth = reauth.authorize(self.ctx, self, "Familien umverteilen")
        if auth is None:
            return
        if self.call(lifecycle.reassign, self.checked_ids(), target, self.reason.text(),
                     authorization=auth):
            super().accept()
