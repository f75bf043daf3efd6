"""Correct a saved contact visibly (Berichtigung) or append a Nachtrag.

A correction shows the wording as it stands, takes the corrected note entries and a
required reason; the earlier wording stays readable in the contact's detail, the Verlauf
and printed documents. A Nachtrag adds dated text without changing the contact."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QLabel,
    QPlainTextEdit,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from casework.errors import UserError, ValidationError
from casework.models.contacts import (
    AddendumDraft,
    Contact,
    CorrectionDraft,
    NoteEntry,
    NoteKind,
)
from casework.services import contacts_corrections
from casework.ui.contacts.note_block import NoteBlock
from casework.ui.context import UiContext
from casework.ui.widgets import ValidatingForm, heading, line_edit, named

INTRO = ("Die bisherige Fassung bleibt erhalten: Sie ist in der Kontaktansicht, im Verlauf "
         "und in Ausdrucken weiter lesbar, mit Datum, Ihrem Namen und dem Grund.")


def _keep_typed_text(ctx: UiContext, dialog: QDialog, typed: bool) -> bool:
    """Escape or "Abbrechen" with typed text asks first (default: keep typing)."""
    return typed and not ctx.messages.confirm(
        dialog, "Eingabe verwerfen?", "Das Geschriebene wurde nicht gespeichert. Verwerfen?")


class _AskBeforeDiscarding(QDialog):
    """Escape and "Abbrechen" ask before typed text is dropped (No is the default);
    closing from outside (locking) does not ask."""

    ctx: UiContext
    saved = False

    def typed(self) -> bool:
        raise NotImplementedError

    def cancel(self) -> None:
        if not self.saved and _keep_typed_text(self.ctx, self, self.typed()):
            return
        self.reject()

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
    def __init__(self, ctx: UiContext, contact: Contact, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.contact = contact
        self.setWindowTitle("Kontakt berichtigen")
        named(self, "Kontakt berichtigen")
        intro = QLabel(INTRO, self)
        intro.setWordWrap(True)
        self.form = ValidatingForm(self)
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
        self.resize(640, 600)
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

    def draft(self) -> CorrectionDraft:
        notes = tuple(e for e in (b.entry() for b in self.blocks) if e is not None)
        return CorrectionDraft(notes, self.reason.text())

    def save(self) -> bool:
        self.form.clear_errors()
        try:
            self.ctx.apply(contacts_corrections.correct, self.contact.id, self.draft())
        except ValidationError as error:
            field = error.field
            if field.startswith("Notiz ") or field == "Notiz":
                error = ValidationError("Notiz", error.reason if field == "Notiz"
                                        else f"{field}: {error.reason}")
            self.form.show_error(error)
            return False
        except UserError as error:
            self.ctx.report(error)
            return False
        self.ctx.confirm("Berichtigung gespeichert; die frühere Fassung bleibt lesbar.")
        self.saved = True
        self.accept()
        return True

    def typed(self) -> bool:
        before = [n.text for n in self.contact.data.notes]
        return (bool(self.reason.text().strip())
                or [b.text.toPlainText() for b in self.blocks
                    if b.text.toPlainText().strip()] != before)


class AddendumDialog(_AskBeforeDiscarding):
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
        self.ctx.confirm("Nachtrag gespeichert.")
        self.saved = True
        self.accept()
        return True

    def typed(self) -> bool:
        return bool(self.text.toPlainText().strip())
