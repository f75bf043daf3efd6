"""Correct a saved contact visibly (Berichtigung) or append a Nachtrag.

A correction shows the contact as it stands – date and time, type, next step and the
note entries – takes what is corrected and a required reason; the earlier wording and
values stay readable in the contact's detail, the Verlauf and printed documents. A
Nachtrag adds dated text without changing the contact."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QLabel,
    QPlainTextEdit,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from casework.clock import BERLIN
from casework.errors import UserError, ValidationError
from casework.models.contacts import (
    AddendumDraft,
    Contact,
    ContactType,
    CorrectionDraft,
    NoteEntry,
    NoteKind,
)
from casework.services import contacts_corrections, drafts
from casework.ui.contacts.note_block import NoteBlock
from casework.ui.context import UiContext
from casework.ui.widgets import (
    DATE_HINT,
    ValidatingForm,
    format_date,
    heading,
    line_edit,
    named,
    parse_date,
    parse_time,
)

INTRO = ("Die bisherige Fassung bleibt erhalten: Sie ist in der Kontaktansicht, im Verlauf "
         "und in Ausdrucken weiter lesbar, mit Datum, Ihrem Namen und dem Grund.")


def _keep_typed_text(ctx: UiContext, dialog: QDialog, typed: bool) -> bool:
    """Escape or "Abbrechen" with typed text asks first (default: keep typing)."""
    return typed and not ctx.messages.confirm(
        dialog, "Eingabe verwerfen?", "Das Geschriebene wurde nicht gespeichert. Verwerfen?")


class _AskBeforeDiscarding(QDialog):
    """Escape and "Abbrechen" ask before typed text is dropped (No is the default).
    Closing from outside (locking, closing the family file) keeps what was typed as an
    encrypted draft in the vault; opening the same dialog for the contact offers it."""

    DRAFT_KIND = ""
    ctx: UiContext
    contact: Contact
    saved = False

    def typed(self) -> bool:
        raise NotImplementedError

    def payload(self) -> dict[str, Any]:
        raise NotImplementedError

    def restore(self, payload: dict[str, Any]) -> None:
        raise NotImplementedError

    def cancel(self) -> None:
        if not self.saved and _keep_typed_text(self.ctx, self, self.typed()):
            return
        self._drop_draft()
        super().reject()

    def reject(self) -> None:
        """Closed without a decision (lock, window close): the typed text waits."""
        session = self.ctx.session
        if not self.saved and self.typed() and session is not None and session.is_open:
            drafts.save_draft(session, self.DRAFT_KIND, self.contact.id,
                              json.dumps(self.payload(), ensure_ascii=False))
        super().reject()

    def offer_draft(self) -> bool:
        session = self.ctx.require_session()
        stored = drafts.load_draft(session, self.DRAFT_KIND, self.contact.id)
        if stored is None:
            return False
        if not self.ctx.messages.restore_draft(
                self, "Für diesen Kontakt gibt es eine nicht gespeicherte Eingabe. "
                "Wiederherstellen oder verwerfen?"):
            self._drop_draft()
            return False
        self.restore(json.loads(stored))
        return True

    def _drop_draft(self) -> None:
        session = self.ctx.session
        if session is not None and session.is_open:
            drafts.discard_draft(session, self.DRAFT_KIND, self.contact.id)

    def _saved(self, text: str) -> None:
        self.saved = True
        self._drop_draft()
        self.ctx.confirm(text)
        self.accept()

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.key() == Qt.Key.Key_Escape and event.modifiers() == \
                Qt.KeyboardModifier.NoModifier:
            self.cancel()
            return
        super().keyPressEvent(event)


def _buttons(dialog: _AskBeforeDiscarding, save_text: str) -> QDialogButtonBox:
    buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Save
                               | QDialogButtonBox.StandardButton.Cancel, dialog)
    save = buttons.button(QDialogButtonBox.StandardButton.Save)
    save.setText(save_text)
    save.setDefault(False)  # Enter in a field never saves by accident
    save.setAutoDefault(False)
    buttons.button(QDialogButtonBox.StandardButton.Cancel).setText("Abbrechen")
    buttons.button(QDialogButtonBox.StandardButton.Cancel).setAutoDefault(False)
    buttons.rejected.connect(dialog.cancel)
    return buttons


class CorrectionDialog(_AskBeforeDiscarding):
    DRAFT_KIND = "contact_correction"

    def __init__(self, ctx: UiContext, contact: Contact, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.contact = contact
        self.setWindowTitle("Kontakt berichtigen")
        named(self, "Kontakt berichtigen")
        intro = QLabel(INTRO, self)
        intro.setWordWrap(True)
        self.form = ValidatingForm(self)
        # Date and time, type and next step as they stand; what is changed here is
        # corrected like the notes (the earlier value stays readable).
        local = contact.data.occurred_at.astimezone(BERLIN)
        self.shown = (format_date(local), f"{local:%H:%M}")
        self.date = line_edit("Datum", self, DATE_HINT)
        self.date.setText(self.shown[0])
        self.time = line_edit("Uhrzeit", self, "HH:MM")
        self.time.setText(self.shown[1])
        when = QWidget(self)
        when_row = QHBoxLayout(when)
        when_row.setContentsMargins(0, 0, 0, 0)
        when_row.addWidget(self.date, 2)
        when_row.addWidget(self.time, 1)
        named(when, "Datum und Uhrzeit")
        self.form.add_row("Datum/Uhrzeit", when, aliases=("Datum", "Uhrzeit"))
        self.type = QComboBox(self)
        for kind in ContactType:
            self.type.addItem(kind.value, kind.value)
        self.type.setCurrentIndex(max(0, self.type.findData(contact.data.type.value)))
        self.form.add_row("Art", self.type)
        self.next_step = self.form.add_row(
            "Nächster Schritt", line_edit("Nächster Schritt", self))
        self.next_step.setText(contact.data.next_steps)
        self.blocks: list[NoteBlock] = []
        notes = contact.data.notes or (NoteEntry(NoteKind.FAKT, ""),)
        holder = QWidget(self)
        box = QVBoxLayout(holder)
        box.setContentsMargins(0, 0, 0, 0)
        for number, note in enumerate(notes, start=1):
            block = NoteBlock(number, holder)
            block.restore({"kind": note.kind.value, "source": note.source,
                           "disputed": note.disputed, "text": note.text})
            block.remove_button.setVisible(len(notes) > 1)
            block.remove_requested.connect(self._remove)
            box.addWidget(block)
            self.blocks.append(block)
        self.form.add_row("Berichtigte Fassung", holder, aliases=("Notiz",))
        self.reason = self.form.add_row(
            "Grund der Berichtigung", line_edit("Grund der Berichtigung", self,
                                                "z. B. Namen verwechselt (Pflichtangabe)"))
        scroll = QScrollArea(self)
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QScrollArea.Shape.NoFrame)
        scroll.setWidget(self.form)
        self.buttons = _buttons(self, "Berichtigung &speichern")
        self.buttons.button(QDialogButtonBox.StandardButton.Save).clicked.connect(self.save)
        layout = QVBoxLayout(self)
        layout.addWidget(heading("Kontakt berichtigen", self))
        layout.addWidget(intro)
        layout.addWidget(scroll, 1)
        layout.addWidget(self.buttons)
        room = self.screen().availableGeometry()  # 614 px high at 125 % on the laptop
        self.resize(min(640, room.width() - 40), min(600, room.height() - 70))
        if self.blocks:
            self.blocks[0].text.setFocus(Qt.FocusReason.OtherFocusReason)

    def _remove(self, block: NoteBlock) -> None:
        if block in self.blocks and len(self.blocks) > 1:
            self.blocks.remove(block)
            block.hide()
            block.deleteLater()
            for number, other in enumerate(self.blocks, start=1):
                other.set_number(number)
                other.remove_button.setVisible(len(self.blocks) > 1)

    def _moment(self) -> datetime | None:
        """The typed date and time if they differ from the contact's (None: unchanged;
        a contact saved with seconds is not "corrected" by showing it in minutes)."""
        if (self.date.text().strip(), self.time.text().strip()) == self.shown:
            return None
        day = parse_date(self.date.text(), "Datum")
        if day is None:
            raise ValidationError("Datum", "bitte angeben.")
        return datetime.combine(day, parse_time(self.time.text(), "Uhrzeit"), BERLIN)

    def draft(self) -> CorrectionDraft:
        notes = tuple(e for e in (b.entry() for b in self.blocks) if e is not None)
        kind = ContactType(self.type.currentData())
        steps = self.next_step.text()
        return CorrectionDraft(
            notes, self.reason.text(), occurred_at=self._moment(),
            type=kind if kind is not self.contact.data.type else None,
            next_steps=steps if steps.strip() != self.contact.data.next_steps else None)

    def save(self) -> bool:
        self.form.clear_errors()
        try:
            self.ctx.apply(contacts_corrections.correct, self.contact.id, self.draft())
        except ValidationError as error:
            if error.field in ("Datum", "Uhrzeit"):
                error = ValidationError("Datum/Uhrzeit", f"{error.field}: {error.reason}")
            field = error.field
            if field.startswith("Notiz ") or field == "Notiz":
                error = ValidationError("Notiz", error.reason if field == "Notiz"
                                        else f"{field}: {error.reason}")
            self.form.show_error(error)
            return False
        except UserError as error:
            self.ctx.report(error)
            return False
        self._saved("Berichtigung gespeichert; die frühere Fassung bleibt lesbar.")
        return True

    def payload(self) -> dict[str, Any]:
        return {"version": 2, "reason": self.reason.text(),
                "notes": [b.payload() for b in self.blocks],
                "date": self.date.text(), "time": self.time.text(),
                "type": self.type.currentData(), "next_step": self.next_step.text()}

    def restore(self, payload: dict[str, Any]) -> None:
        self.reason.setText(str(payload.get("reason", "")))
        self.date.setText(str(payload.get("date", self.date.text())))
        self.time.setText(str(payload.get("time", self.time.text())))
        found = self.type.findData(payload.get("type", self.type.currentData()))
        if found >= 0:
            self.type.setCurrentIndex(found)
        self.next_step.setText(str(payload.get("next_step", self.next_step.text())))
        notes = [n for n in payload.get("notes", []) if isinstance(n, dict)]
        for block, note in zip(self.blocks, notes, strict=False):
            block.restore(note)
        for block in self.blocks[len(notes):]:
            self._remove(block)

    def typed(self) -> bool:
        before = [n.text for n in self.contact.data.notes]
        fields_changed = (
            (self.date.text().strip(), self.time.text().strip()) != self.shown
            or self.type.currentData() != self.contact.data.type.value
            or self.next_step.text().strip() != self.contact.data.next_steps)
        return (fields_changed or bool(self.reason.text().strip())
                or [b.text.toPlainText() for b in self.blocks
                    if b.text.toPlainText().strip()] != before)


class AddendumDialog(_AskBeforeDiscarding):
    DRAFT_KIND = "contact_addendum"

    def __init__(self, ctx: UiContext, contact: Contact, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.contact = contact
        self.setWindowTitle("Nachtrag zum Kontakt")
        named(self, "Nachtrag zum Kontakt")
        intro = QLabel("Der Nachtrag wird mit Datum und Ihrem Namen an den Kontakt angehängt; "
                       "der Kontakt selbst bleibt unverändert.", self)
        intro.setWordWrap(True)
        self.form = ValidatingForm(self)
        self.text = QPlainTextEdit(self)
        self.text.setTabChangesFocus(True)
        self.text.setMinimumHeight(self.text.fontMetrics().lineSpacing() * 6 + 12)
        self.form.add_row("Nachtrag", self.text)
        self.buttons = _buttons(self, "Nachtrag &speichern")
        self.buttons.button(QDialogButtonBox.StandardButton.Save).clicked.connect(self.save)
        layout = QVBoxLayout(self)
        layout.addWidget(heading("Nachtrag zum Kontakt", self))
        layout.addWidget(intro)
        layout.addWidget(self.form, 1)
        layout.addWidget(self.buttons)
        self.resize(560, 360)
        self.text.setFocus(Qt.FocusReason.OtherFocusReason)

    def save(self) -> bool:
        self.form.clear_errors()
        try:
            self.ctx.apply(contacts_corrections.add_addendum, self.contact.id,
                           AddendumDraft(self.text.toPlainText()))
        except ValidationError as error:
            self.form.show_error(error)
            return False
        except UserError as error:
            self.ctx.report(error)
            return False
        self._saved("Nachtrag gespeichert.")
        return True

    def typed(self) -> bool:
        return bool(self.text.toPlainText().strip())

    def payload(self) -> dict[str, Any]:
        return {"version": 1, "text": self.text.toPlainText()}

    def restore(self, payload: dict[str, Any]) -> None:
        self.text.setPlainText(str(payload.get("text", "")))
