"""Quick contact entry: keyboard-first, seconds per contact.

Opened with Ctrl+K: in a family file for that family, elsewhere after picking the family
(`ui.households.picker`). Date and time default to now (from the injected clock), the
cursor starts in the note; Tab walks the fields in reading order; Ctrl+Enter saves. While
typing, a draft is saved (debounced) encrypted in the vault (`services.drafts`), so an
auto-lock or a crash loses nothing; reopening the entry for the family offers the draft, saving the
contact discards it. The window title never names the family (titles reach the taskbar).
"""

from __future__ import annotations

import itertools
import json
from datetime import datetime, timedelta
from typing import Any

from PySide6.QtCore import QEvent, QObject, Qt, QTimer, Signal
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QPlainTextEdit,
    QPushButton,
    QScrollArea,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from casework.clock import BERLIN, local_now, local_today
from casework.errors import UserError, ValidationError
from casework.models.contacts import ContactDraft, ContactType, NoteEntry, NoteKind
from casework.models.ids import HouseholdId, PersonId
from casework.services import contacts, drafts
from casework.services.households import households
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

QUICK_ENTRY_SHORTCUT = "Ctrl+K"  # in a family file and, with a family picker, everywhere

DRAFT_KIND = "quick_contact"
DRAFT_DELAY_MS = 600
DEFAULT_DURATION_MIN = 30


class QuickEntryDialog(QDialog):
    saved = Signal(str)  # contact id

    def __init__(self, ctx: UiContext, household_id: HouseholdId, parent: QWidget | None = None,
                 *, draft_delay_ms: int = DRAFT_DELAY_MS) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.household_id = household_id
        self.setWindowTitle("Kontakt erfassen")
        named(self, "Kontakt erfassen")
        session = ctx.require_session()
        households.get(session, household_id)  # NotFound: the family is gone
        self._loading = True
        self.dirty = False

        self.form = ValidatingForm(self)
        now = local_now(ctx.clock)
        self.date = line_edit("Datum", self, DATE_HINT)
        self.date.setText(format_date(now))
        self.time = line_edit("Uhrzeit", self, "HH:MM")
        self.time.setText(f"{now:%H:%M}")
        when = QWidget(self)
        when_row = QHBoxLayout(when)
        when_row.setContentsMargins(0, 0, 0, 0)
        when_row.addWidget(self.date, 2)
        when_row.addWidget(self.time, 1)
        self.form.add_row("Datum/Uhrzeit", when, aliases=("Datum", "Uhrzeit"))
        named(when, "Datum und Uhrzeit")
        self.type = QComboBox(self)
        for kind in ContactType:
            self.type.addItem(kind.value, kind.value)
        self.form.add_row("Art", self.type, description="Anfangsbuchstabe wählt die Art")
        self.duration = QSpinBox(self)
        self.duration.setRange(0, 24 * 60)
        self.duration.setSingleStep(15)
        self.duration.setSuffix(" Min.")
        self.duration.setValue(DEFAULT_DURATION_MIN)
        self.form.add_row("Dauer", self.duration)
        self.present = QListWidget(self)
        for person in households.members(session, household_id):
            item = QListWidgetItem(person.display_name, self.present)
            item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
            item.setCheckState(Qt.CheckState.Unchecked)
            item.setData(Qt.ItemDataRole.UserRole, person.id)
        rows = max(min(self.present.count(), 5), 1)
        row_height = (self.present.sizeHintForRow(0) if self.present.count()
                      else self.present.fontMetrics().height() + 4)
        self.present.setFixedHeight(row_height * rows + 8)
        self.form.add_row("Anwesende Personen", self.present,
                          description="Leertaste hakt die gewählte Person an oder ab")
        self.note_kind = QComboBox(self)
        for note_kind in NoteKind:
            self.note_kind.addItem(note_kind.value, note_kind.value)
        self.form.add_row("Notiz-Art", self.note_kind,
                          description="Fakt, Beobachtung, Aussage Dritter, Hypothese oder "
                                      "Bewertung getrennt halten")
        self.source = self.form.add_row("Quelle", line_edit("Quelle der Aussage", self))
        self.disputed = QCheckBox("von der Familie bestritten", self)
        self.form.add_row("bestritten", self.disputed)
        self.note = QPlainTextEdit(self)
        self.note.setTabChangesFocus(True)
        # Seven lines: enough for a visit note, and the rest of the form stays in view.
        self.note.setFixedHeight(self.note.fontMetrics().lineSpacing() * 7 + 12)
        self.form.add_row("Notiz", self.note)
        # More typed entries for the same contact (Strg+Umschalt+N), e.g. a hypothesis
        # next to the facts.
        self.extra_notes: list[NoteBlock] = []
        self.extra_box = QWidget(self)
        self.extra_layout = QVBoxLayout(self.extra_box)
        self.extra_layout.setContentsMargins(0, 0, 0, 0)
        self.add_note_button = QPushButton("+ Weitere Notiz (Strg+Umschalt+N)", self)
        named(self.add_note_button, "Weitere Notiz mit eigener Art hinzufügen")
        self.add_note_button.setAutoDefault(False)
        self.extra_layout.addWidget(self.add_note_button, 0, Qt.AlignmentFlag.AlignLeft)
        self.form.add_row("Weitere Notizen", self.extra_box)
        self.topics = self.form.add_row("Themen", line_edit("Themen", self,
                                                            "durch Komma getrennt"))
        self.next_step = self.form.add_row("Nächster Schritt",
                                           line_edit("Nächster Schritt", self))
        self.follow_up = self.form.add_row("Wiedervorlage", line_edit(
            "Wiedervorlage", self, f"{DATE_HINT} oder +14 (in 14 Tagen); leer = keine"))

        self.save_button = QPushButton("&Speichern (Strg+Enter)", self)
        named(self.save_button, "Kontakt speichern")
        self.save_button.setDefault(False)
        self.save_button.setAutoDefault(False)
        self.discard_button = QPushButton("Entwurf &verwerfen", self)
        named(self.discard_button, "Entwurf verwerfen")
        self.discard_button.setAutoDefault(False)
        self.close_button = QPushButton("Schließen (Entwurf bleibt)", self)
        named(self.close_button, "Schließen, Entwurf bleibt erhalten")
        self.close_button.setAutoDefault(False)
        self.draft_status = QLabel(self)
        named(self.draft_status, "Entwurfsstatus")
        buttons = QHBoxLayout()
        buttons.addWidget(self.draft_status, 1)
        buttons.addWidget(self.discard_button)
        buttons.addWidget(self.close_button)
        buttons.addWidget(self.save_button)
        # The distinguishable name, so a note never lands in the wrong Müller family.
        family = QLabel(f"Familie {households.label(session, household_id)}", self)
        named(family, "Familie")
        self.family_label = family
        layout = QVBoxLayout(self)
        layout.addWidget(heading("Kontakt erfassen", self))
        layout.addWidget(family)
        scroll = QScrollArea(self)  # many extra notes must not push the buttons off screen
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QScrollArea.Shape.NoFrame)
        scroll.setWidget(self.form)
        layout.addWidget(scroll, 1)
        layout.addLayout(buttons)
        self.resize(620, 720)

        self._update_tab_order()

        # Ctrl+Enter saves from any field (an event filter rather than a QShortcut, so it
        # also works while the multi-line note field has focus).
        for child in self.findChildren(QWidget):
            child.installEventFilter(self)
        self.save_button.clicked.connect(self.save)
        self.discard_button.clicked.connect(self.discard)
        self.close_button.clicked.connect(self.close)
        self.add_note_button.clicked.connect(lambda: self.add_note())
        self.note_kind.currentIndexChanged.connect(self._kind_changed)

        self._draft_timer = QTimer(self)
        self._draft_timer.setSingleShot(True)
        self._draft_timer.setInterval(draft_delay_ms)
        self._draft_timer.timeout.connect(self.flush_draft)
        for edit in (self.date, self.time, self.source, self.topics, self.next_step,
                     self.follow_up):
            edit.textEdited.connect(self._edited)
        self.note.textChanged.connect(self._edited)
        for combo in (self.type, self.note_kind):
            combo.currentIndexChanged.connect(self._edited)
        self.duration.valueChanged.connect(self._edited)
        self.disputed.toggled.connect(self._edited)
        self.present.itemChanged.connect(self._edited)
        self._kind_changed()
        self._loading = False
        # Date and time default to now: the note is what is typed first.
        self.note.setFocus()

    def _update_tab_order(self) -> None:
        order: list[QWidget] = [self.date, self.time, self.type, self.duration, self.present,
                                self.note_kind, self.source, self.disputed, self.note]
        for block in self.extra_notes:
            order += block.focus_widgets()
        order += [self.add_note_button, self.topics, self.next_step, self.follow_up,
                  self.save_button, self.discard_button, self.close_button]
        for first, second in itertools.pairwise(order):
            QWidget.setTabOrder(first, second)

    def add_note(self, payload: dict[str, Any] | None = None) -> NoteBlock:
        block = NoteBlock(len(self.extra_notes) + 2, self.extra_box)
        if payload is not None:
            block.restore(payload)
        self.extra_layout.insertWidget(self.extra_layout.count() - 1, block)
        self.extra_notes.append(block)
        for child in (block, *block.findChildren(QWidget)):
            child.installEventFilter(self)
        block.changed.connect(self._edited)
        block.remove_requested.connect(self.remove_note)
        self._update_tab_order()
        if payload is None:
            block.kind.setFocus(Qt.FocusReason.ShortcutFocusReason)
            self._edited()
        return block

    def remove_note(self, block: NoteBlock) -> None:
        if block not in self.extra_notes:
            return
        self.extra_notes.remove(block)
        block.hide()
        block.deleteLater()
        for number, other in enumerate(self.extra_notes, start=2):
            other.set_number(number)
        self._update_tab_order()
        self._edited()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.KeyPress and isinstance(event, QKeyEvent):
            modifiers = event.modifiers()
            if (event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter)
                    and modifiers & Qt.KeyboardModifier.ControlModifier):
                self.save()
                return True
            if (event.key() == Qt.Key.Key_N and modifiers & Qt.KeyboardModifier.ControlModifier
                    and modifiers & Qt.KeyboardModifier.ShiftModifier):
                self.add_note()
                return True
        return super().eventFilter(watched, event)

    # --- form <-> payload ----------------------------------------------------------------

    def payload(self) -> dict[str, Any]:
        present = [str(self.present.item(r).data(Qt.ItemDataRole.UserRole))
                   for r in range(self.present.count())
                   if self.present.item(r).checkState() == Qt.CheckState.Checked]
        return {
            "version": 1, "date": self.date.text(), "time": self.time.text(),
            "type": str(self.type.currentData()), "duration": self.duration.value(),
            "present": present, "note_kind": str(self.note_kind.currentData()),
            "source": self.source.text(), "disputed": self.disputed.isChecked(),
            "note": self.note.toPlainText(), "topics": self.topics.text(),
            "next_step": self.next_step.text(), "follow_up": self.follow_up.text(),
            "extra_notes": [block.payload() for block in self.extra_notes],
        }

    def restore(self, payload: dict[str, Any]) -> None:
        self._loading = True
        try:
            self.date.setText(str(payload.get("date", self.date.text())))
            self.time.setText(str(payload.get("time", self.time.text())))
            self.type.setCurrentIndex(max(self.type.findText(str(payload.get("type"))), 0))
            self.duration.setValue(int(payload.get("duration", DEFAULT_DURATION_MIN)))
            present = set(payload.get("present", []))
            for r in range(self.present.count()):
                item = self.present.item(r)
                checked = item.data(Qt.ItemDataRole.UserRole) in present
                item.setCheckState(Qt.CheckState.Checked if checked else Qt.CheckState.Unchecked)
            self.note_kind.setCurrentIndex(
                max(self.note_kind.findText(str(payload.get("note_kind"))), 0))
            self.source.setText(str(payload.get("source", "")))
            self.disputed.setChecked(bool(payload.get("disputed", False)))
            self.note.setPlainText(str(payload.get("note", "")))
            self.topics.setText(str(payload.get("topics", "")))
            self.next_step.setText(str(payload.get("next_step", "")))
            self.follow_up.setText(str(payload.get("follow_up", "")))
            for block in list(self.extra_notes):
                self.remove_note(block)
            for extra in payload.get("extra_notes", []):
                self.add_note(extra)
        finally:
            self._loading = False
        self.dirty = True
        self._kind_changed()
        self.draft_status.setText("Entwurf wiederhergestellt.")

    def contact_draft(self) -> ContactDraft:
        day = parse_date(self.date.text(), "Datum")
        if day is None:
            raise ValidationError("Datum", "bitte angeben.")
        moment = datetime.combine(day, parse_time(self.time.text(), "Uhrzeit"), BERLIN)
        notes: list[NoteEntry] = []
        text = self.note.toPlainText()
        if text.strip():
            notes.append(NoteEntry(NoteKind(self.note_kind.currentData()), text,
                                   self.source.text(), self.disputed.isChecked()))
        for block in self.extra_notes:
            entry = block.entry()
            if entry is not None:
                notes.append(entry)
        present = tuple(PersonId(str(self.present.item(r).data(Qt.ItemDataRole.UserRole)))
                        for r in range(self.present.count())
                        if self.present.item(r).checkState() == Qt.CheckState.Checked)
        return ContactDraft(
            occurred_at=moment, type=ContactType(self.type.currentData()),
            duration_min=self.duration.value(), persons_present=present,
            topics=tuple(t.strip() for t in self.topics.text().split(",")), notes=tuple(notes),
            next_steps=self.next_step.text(), follow_up=self._follow_up())

    def _follow_up(self) -> Any:
        text = self.follow_up.text().strip()
        if text.startswith("+") and text[1:].isdigit():
            return local_today(self.ctx.clock) + timedelta(days=int(text[1:]))
        return parse_date(text, "Wiedervorlage")

    # --- drafts --------------------------------------------------------------------------

    def _edited(self, *_args: object) -> None:
        if self._loading:
            return
        self.dirty = True
        self._draft_timer.start()

    def _kind_changed(self) -> None:
        is_statement = self.note_kind.currentData() == NoteKind.AUSSAGE_DRITTER.value
        self.source.setEnabled(is_statement)

    def flush_draft(self) -> None:
        """Save the draft now (debounce timer, closing, auto-lock)."""
        self._draft_timer.stop()
        session = self.ctx.session
        if not self.dirty or session is None or not session.is_open:
            return
        drafts.save_draft(session, DRAFT_KIND, self.household_id,
                          json.dumps(self.payload(), ensure_ascii=False))
        self.draft_status.setText("Entwurf verschlüsselt gesichert.")

    def offer_draft(self, *, ask: bool = True) -> bool:
        """Restore a stored draft (asking first unless `ask` is False); True if restored."""
        session = self.ctx.require_session()
        stored = drafts.load_draft(session, DRAFT_KIND, self.household_id)
        if stored is None:
            return False
        if ask and not self.ctx.messages.restore_draft(
                self, "Für diese Familie gibt es einen nicht gespeicherten Kontakt-Entwurf. "
                "Wiederherstellen oder verwerfen?"):
            drafts.discard_draft(session, DRAFT_KIND, self.household_id)
            return False
        self.restore(json.loads(stored))
        return True

    def discard(self) -> None:
        session = self.ctx.session
        self._draft_timer.stop()
        if session is not None and session.is_open:
            drafts.discard_draft(session, DRAFT_KIND, self.household_id)
        self.dirty = False
        self.reject()

    # --- saving --------------------------------------------------------------------------

    def save(self) -> None:
        self.form.clear_errors()
        try:
            contact_id, _changes = self.ctx.apply(contacts.log_contact, self.household_id,
                                                  self.contact_draft())
        except ValidationError as error:
            self.form.show_error(error)
            return
        except UserError as error:
            self.ctx.report(error)
            return
        self._draft_timer.stop()
        drafts.discard_draft(self.ctx.require_session(), DRAFT_KIND, self.household_id)
        self.dirty = False
        self.ctx.confirm("Kontakt gespeichert.")
        self.saved.emit(contact_id)
        self.accept()

    def reject(self) -> None:
        """Escape, "Schließen", window close: the draft stays (saved now)."""
        self.flush_draft()
        super().reject()
