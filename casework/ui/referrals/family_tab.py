"""Family-file tab "Vermittlungen": the household's referrals with status, days since the
last step and the next Wiedervorlage; new referral (ASD district pre-selected from the
Stadtteil, partner, or free entry), the lifecycle steps, sending with the consent check at
that moment, and printing the Übermittlungsbogen.

Dialogs here are also used by the Vermittlungen screen. The letter is saved through
`casework.ui.documents` (tests patch its `choose_pdf_target`)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QPlainTextEdit,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from casework.clock import local_today
from casework.errors import UserError, ValidationError
from casework.models.changes import Changes
from casework.models.consent import StatutoryBasis
from casework.models.referrals import (
    CONSENT_OTHER,
    EDITABLE_STATES,
    Recipient,
    RecipientKind,
    Referral,
    ReferralDraft,
    ReferralState,
    ShareField,
    StatutoryTransfer,
    allowed_next,
    free_recipient,
)
from casework.services import referrals as service
from casework.services import referrals_reading as reading
from casework.services import referrals_transfer as transfer
from casework.services.households import households
from casework.ui import documents
from casework.ui.context import UiContext
from casework.ui.simple_model import SimpleTableModel
from casework.ui.widgets import (
    FlowLayout,
    ValidatingForm,
    format_date,
    line_edit,
    named,
    parse_date,
    stretch_column,
)

PDF_FILTER = "PDF-Dokument (*.pdf)"
KINDS = ("ASD-Bezirk", "Kooperationspartner", "freie Angabe")
CHANNELS = (("E-Mail an die zuständige Stelle", "email"),
            ("digitaler Kommunikationsweg", "digital"), ("sonstiger Weg", "other"))
CONSENT_BASIS = "Einwilligung der Betroffenen"


def print_letter(ctx: UiContext, parent: QWidget | None, referral_id: str) -> Path | None:
    """Ask where to save, render through the service (consent checked now, print logged),
    write atomically. Cancelling changes nothing; a refusal is shown in German."""
    return documents.save_pdf(ctx, parent, "Übermittlungsbogen speichern",
                              "Uebermittlungsbogen.pdf",
                              lambda: ctx.run(transfer.print_letter, referral_id))


def _today(ctx: UiContext) -> date:
    return local_today(ctx.clock)


def _buttons(dialog: QDialog, ok_text: str) -> QDialogButtonBox:
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


# --------------------------------------------------------------------------- new referral


class NewReferralDialog(QDialog):
    """Recipient (ASD district pre-selected from the household's Stadtteil, partner, or
    free entry), persons, reason, channel, what the letter may contain, Wiedervorlage."""

    def __init__(self, ctx: UiContext, household_id: str, parent: QWidget | None = None,
                 referral: Referral | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.household_id = household_id
        self.editing = referral
        self.referral_id: str | None = referral.id if referral else None
        title = "Vermittlung bearbeiten" if referral else "Neue Vermittlung"
        self.setWindowTitle(title)
        named(self, title)
        session = ctx.require_session()
        self.choices = service.recipient_choices(session, household_id)
        self.form = ValidatingForm(self)

        self.kind = QComboBox(self)
        self.kind.addItems(KINDS)
        self.form.add_row("Art der Stelle", self.kind)
        self.district = QComboBox(self)
        for rec in self.choices.districts:
            self.district.addItem(rec.label, rec)
        if self.choices.suggested:
            self.district.setCurrentIndex(self.district.findText(self.choices.suggested[0].label))
        hint = ("laut Stadtteil: " + ", ".join(r.label for r in self.choices.suggested)
                if self.choices.suggested else "Stadtteil unbekannt – bitte wählen")
        self.form.add_row("ASD-Bezirk", self.district, description=hint)
        self.district_hint = QLabel(hint, self)
        self.form.add_widget_row(self.district_hint)
        self.partner = QComboBox(self)
        for rec in self.choices.partners:
            self.partner.addItem(rec.label, rec)
        self.form.add_row("Kooperationspartner", self.partner)
        self.free_name = line_edit("Stelle (freie Angabe)", self)
        self.form.add_row("Stelle (freie Angabe)", self.free_name, aliases=("Empfänger",))
        self.free_contact = line_edit("Kontakt der Stelle", self, "Ansprechperson, Telefon …")
        self.form.add_row("Kontakt", self.free_contact)

        self.persons = QListWidget(self)
        named(self.persons, "Personen, deren Daten übermittelt werden")
        for p in households.members(session, household_id):
            item = QListWidgetItem(p.display_name, self.persons)
            item.setData(Qt.ItemDataRole.UserRole, p.id)
            item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
            item.setCheckState(Qt.CheckState.Unchecked)
        self.persons.setMaximumHeight(110)
        self.form.add_row("Personen", self.persons)
        self.reason = line_edit("Anlass / Anliegen", self)
        self.form.add_row("Anlass", self.reason)
        self.offer = line_edit("Gewünschte Hilfe / Angebot", self)
        self.form.add_row("Angebot", self.offer)
        self.channel = QComboBox(self)
        for label, key in CHANNELS:
            self.channel.addItem(label, key)
        self.form.add_row("Übermittlungsweg", self.channel)
        self.purpose_detail = line_edit(
            "Anliegen laut Einwilligung", self,
            "wie in der Einwilligung eingetragen (leer = Name der Stelle)")
        self.form.add_row("Anliegen laut Einwilligung", self.purpose_detail)
        self.share: dict[ShareField, QCheckBox] = {}
        share_box = QWidget(self)
        share_layout = QHBoxLayout(share_box)
        share_layout.setContentsMargins(0, 0, 0, 0)
        for field in ShareField:
            box = QCheckBox(field.value, share_box)
            named(box, f"Im Bogen: {field.value}")
            box.setChecked(field is not ShareField.HINWEISE)
            share_layout.addWidget(box)
            self.share[field] = box
        self.form.add_row("Im Bogen enthalten", share_box)
        self.note = QPlainTextEdit(self)
        self.note.setMaximumHeight(60)
        self.form.add_row("Hinweise", self.note)
        self.follow_up = line_edit("Wiedervorlage", self, "TT.MM.JJJJ (optional)")
        self.form.add_row("Wiedervorlage", self.follow_up)

        layout = QVBoxLayout(self)
        layout.addWidget(self.form)
        layout.addWidget(_buttons(self, "Speichern" if referral else "Vermittlung anlegen"))
        self.kind.currentIndexChanged.connect(self._kind_changed)
        if referral is not None:
            self._fill(referral)
        self._kind_changed()

    def _fill(self, referral: Referral) -> None:
        d = referral.data
        rec = d.recipient
        self.kind.setCurrentIndex([k.value for k in RecipientKind].index(rec.kind.value))
        self.district.setCurrentIndex(max(self.district.findText(rec.label), 0))
        self.partner.setCurrentIndex(max(self.partner.findText(rec.label), 0))
        if rec.kind is RecipientKind.FREI:
            self.free_name.setText(rec.label)
            self.free_contact.setText(rec.contact)
        for pid in d.person_ids:
            self.check_person(pid)
        self.reason.setText(d.reason)
        self.offer.setText(d.offer)
        self.channel.setCurrentIndex(max(self.channel.findData(d.purpose_key), 0))
        self.purpose_detail.setText(d.purpose_detail)
        for field, box in self.share.items():
            box.setChecked(field in d.share)
        self.note.setPlainText(d.note)
        self.follow_up.setEnabled(False)  # a Wiedervorlage is set with a step

    def _kind_changed(self) -> None:
        index = self.kind.currentIndex()
        for widget, visible in ((self.district, index == 0), (self.district_hint, index == 0),
                                (self.partner, index == 1), (self.free_name, index == 2),
                                (self.free_contact, index == 2)):
            widget.setEnabled(visible)

    def check_person(self, person_id: str, checked: bool = True) -> None:
        for i in range(self.persons.count()):
            item = self.persons.item(i)
            if item.data(Qt.ItemDataRole.UserRole) == person_id:
                item.setCheckState(Qt.CheckState.Checked if checked
                                   else Qt.CheckState.Unchecked)

    def recipient(self) -> Recipient:
        index = self.kind.currentIndex()
        if index == 0:
            rec = self.district.currentData()
        elif index == 1:
            rec = self.partner.currentData()
        else:
            rec = free_recipient(self.free_name.text(), self.free_contact.text(),
                                 CONSENT_OTHER)
        if not isinstance(rec, Recipient):
            raise ValidationError("Empfänger", "bitte eine Stelle wählen oder eintragen.")
        return rec

    def draft(self) -> ReferralDraft:
        persons = tuple(str(self.persons.item(i).data(Qt.ItemDataRole.UserRole))
                        for i in range(self.persons.count())
                        if self.persons.item(i).checkState() == Qt.CheckState.Checked)
        return ReferralDraft(
            self.household_id, persons, self.recipient(), self.reason.text(),
            self.offer.text(), str(self.channel.currentData()), self.purpose_detail.text(),
            frozenset(f for f, box in self.share.items() if box.isChecked()),
            self.note.toPlainText(),
            parse_date(self.follow_up.text(), "Wiedervorlage") if self.editing is None
            else None)

    def accept(self) -> None:
        try:
            if self.editing is not None:
                self.ctx.apply(service.update, self.editing.id, self.draft())
            else:
                self.referral_id = self.ctx.apply(service.create, self.draft())[0]
        except ValidationError as error:
            self.form.show_error(error)
            return
        except UserError as error:
            self.ctx.report(error)
            return
        self.ctx.confirm("Vermittlung gespeichert.")
        super().accept()


# --------------------------------------------------------------------------- steps


class StepDialog(QDialog):
    """One lifecycle step: date, a text (reason/outcome/note), optionally feedback and a
    Wiedervorlage. `action(session, on, text, feedback, follow_up)` calls the service."""

    def __init__(self, ctx: UiContext, title: str, text_label: str,
                 action: Callable[..., Any], *,
                 feedback: bool = False, follow_up: bool = True, dated: bool = True,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.action = action
        self.setWindowTitle(title)
        named(self, title)
        self.form = ValidatingForm(self)
        self.on = line_edit("Datum", self, f"TT.MM.JJJJ (leer = {format_date(_today(ctx))})")
        if dated:
            self.form.add_row("Datum", self.on)
        self.text = line_edit(text_label, self)
        self.form.add_row(text_label, self.text, aliases=("Notiz", "Grund",
                                                          "Grund der Ablehnung", "Ergebnis"))
        self.feedback = line_edit("Rückmeldung", self)
        if feedback:
            self.form.add_row("Rückmeldung", self.feedback)
        self.follow_up = line_edit("Wiedervorlage", self, "TT.MM.JJJJ (optional)")
        if follow_up:
            self.form.add_row("Wiedervorlage", self.follow_up)
        layout = QVBoxLayout(self)
        layout.addWidget(self.form)
        layout.addWidget(_buttons(self, title))

    def accept(self) -> None:
        try:
            on = parse_date(self.on.text(), "Datum")
            follow = parse_date(self.follow_up.text(), "Wiedervorlage")
            self.ctx.apply(self.action, on, self.text.text(), self.feedback.text(), follow)
        except ValidationError as error:
            self.form.show_error(error)
            return
        except UserError as error:
            self.ctx.report(error)
            return
        self.ctx.confirm("Schritt der Vermittlung gespeichert.")
        super().accept()


class SendDialog(QDialog):
    """Übermitteln: shows the consent check for each person right now; the legal basis
    is the consent, or (ASD only) a statutory basis with the prior-notice field."""

    def __init__(self, ctx: UiContext, referral: Referral,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.referral = referral
        self.setWindowTitle("Übermittlung festhalten")
        named(self, "Übermittlung festhalten")
        session = ctx.require_session()
        self.check = transfer.check_transfer(session, referral.id)
        self.check_label = QLabel(self.check.message_de(), self)
        self.check_label.setWordWrap(True)
        named(self.check_label, "Prüfung der Einwilligungen")
        self.records_note = QLabel(
            "Casework verschickt nichts: Übermitteln Sie den Bogen selbst (persönlich, "
            "Post, Fax) und halten Sie hier fest, dass und wann es geschehen ist.", self)
        self.records_note.setWordWrap(True)
        named(self.records_note, "Hinweis: Casework verschickt nichts")
        self.ok_reason = QLabel(self)
        self.ok_reason.setWordWrap(True)
        named(self.ok_reason, "Warum nicht festgehalten werden kann")
        self.form = ValidatingForm(self)
        self.basis = QComboBox(self)
        self.basis.addItem(CONSENT_BASIS, None)
        if referral.data.recipient.is_asd:
            for basis in StatutoryBasis:
                self.basis.addItem(basis.value, basis.name)
        self.form.add_row("Rechtsgrundlage", self.basis)
        self.informed_on = line_edit("Betroffene vorab informiert am", self, "TT.MM.JJJJ")
        self.form.add_row("Betroffene vorab informiert am", self.informed_on,
                          aliases=("Betroffene vorab informiert",))
        self.not_informed = line_edit("Nicht informiert, weil", self)
        self.form.add_row("Nicht informiert, weil", self.not_informed)
        self.on = line_edit("Datum", self, f"TT.MM.JJJJ (leer = {format_date(_today(ctx))})")
        self.form.add_row("Datum", self.on)
        self.follow_up = line_edit("Wiedervorlage", self,
                                   f"TT.MM.JJJJ (leer = in {service.SEND_FOLLOW_UP_DAYS} Tagen)")
        self.form.add_row("Wiedervorlage", self.follow_up)
        layout = QVBoxLayout(self)
        layout.addWidget(self.check_label)
        layout.addWidget(self.records_note)
        layout.addWidget(self.form)
        layout.addWidget(self.ok_reason)
        self.button_box = _buttons(self, "Als übermittelt &festhalten")
        self.ok_button = self.button_box.button(QDialogButtonBox.StandardButton.Ok)
        layout.addWidget(self.button_box)
        self.basis.currentIndexChanged.connect(self._basis_changed)
        self._basis_changed()

    def _basis_changed(self) -> None:
        statutory = self.basis.currentData() is not None
        self.informed_on.setEnabled(statutory)
        self.not_informed.setEnabled(statutory)
        # With the consent as basis, the consent check decides; say why when it says no.
        blocked = not statutory and not self.check.allowed
        reason = ("Noch nicht möglich: Die Einwilligungsprüfung oben sagt nein – erst eine "
                  "gültige Einwilligung festhalten"
                  + (" oder eine gesetzliche Rechtsgrundlage wählen."
                     if self.referral.data.recipient.is_asd else ".")) if blocked else ""
        self.ok_button.setEnabled(not blocked)
        self.ok_button.setToolTip(reason)
        self.ok_button.setAccessibleDescription(reason)
        self.ok_reason.setText(reason)
        self.ok_reason.setVisible(blocked)

    def accept(self) -> None:
        try:
            basis = self.basis.currentData()
            statutory = None
            if basis:
                informed = parse_date(self.informed_on.text(), "Betroffene vorab informiert")
                statutory = StatutoryTransfer(StatutoryBasis[str(basis)], informed,
                                              self.not_informed.text())
            self.ctx.apply(service.send, self.referral.id, statutory=statutory,
                           on=parse_date(self.on.text(), "Datum"),
                           follow_up_on=parse_date(self.follow_up.text(), "Wiedervorlage"))
        except ValidationError as error:
            self.form.show_error(error)
            return
        except UserError as error:  # consent missing or withdrawn: say which, in German
            self.check_label.setText(error.message)
            self.ctx.report(error)
            return
        self.ctx.confirm("Übermittlung festgehalten.")
        super().accept()


# --------------------------------------------------------------------------- tab


def steps_text(referral: Referral) -> str:
    """The referral's steps for the detail box: date, state, who, text."""
    lines = []
    for s in referral.steps:
        line = f"{format_date(s.on)} – {s.kind} ({s.by_name or 'unbekannt'})"
        if s.statutory is not None:
            line += f" – {s.statutory.basis.value}; {s.statutory.notice_text()}"
        if s.text:
            line += f": {s.text}"
        if s.feedback:
            line += f" – Rückmeldung: {s.feedback}"
        if s.follow_up_set and s.follow_up_on is not None:
            line += f" – Wiedervorlage {format_date(s.follow_up_on)}"
        lines.append(line)
    return "\n".join(lines)


class VermittlungenTab(QWidget):
    COLUMNS = ("Empfänger", "Status", "Tage seit letztem Schritt", "Wiedervorlage",
               "vorgeschlagen am", "Anlass")

    def __init__(self, ctx: UiContext, household_id: str,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.household_id = household_id
        self.dialog: QDialog | None = None
        self.model = SimpleTableModel(self.COLUMNS, self)
        self.view = QTableView(self)
        named(self.view, "Vermittlungen der Familie")
        self.view.setModel(self.model)
        self.view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.view.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.view.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.view.verticalHeader().hide()
        # the text columns share the room and elide: no sideways scrolling at 125 %
        stretch_column(self.view, *(i for i, c in enumerate(self.COLUMNS)
                                    if c in ("Empfänger", "Anlass")))
        self.empty = QLabel("Noch keine Vermittlungen erfasst.", self)
        named(self.empty, "Hinweis")
        self.details = QLabel(self)
        self.details.setWordWrap(True)
        self.details.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        named(self.details, "Verlauf der Vermittlung")

        self.new_button = self._button("&Neue Vermittlung …", "Neue Vermittlung anlegen",
                                       self.new_referral)
        self.edit_button = self._button("Bearbei&ten …", "Vermittlung bearbeiten",
                                        self.edit_referral)
        self.agree_button = self._button("&Einverständnis …", "Einverständnis der Familie "
                                         "festhalten", self.agree)
        self.send_button = self._button("Ü&bermittlung festhalten …",
                                        "Übermittlung der Vermittlung festhalten", self.send)
        self.accept_button = self._button("&Angenommen …", "Als angenommen festhalten",
                                          self.accepted_step)
        self.reject_button = self._button("Ab&gelehnt …", "Als abgelehnt festhalten",
                                          self.rejected_step)
        self.close_button = self._button("Ab&schließen …", "Vermittlung abschließen",
                                         self.close_step)
        self.withdraw_button = self._button("&Zurückziehen …", "Vermittlung zurückziehen",
                                            self.withdraw)
        self.follow_up_button = self._button("&Wiedervorlage …", "Wiedervorlage setzen",
                                             self.follow_up_step)
        self.print_button = self._button("Bogen &drucken …", "Übermittlungsbogen drucken",
                                         self.print_selected)
        # Two rows so the tab fits a narrow family-file window: the record, then the steps.
        buttons = FlowLayout()
        for b in (self.new_button, self.edit_button, self.follow_up_button,
                  self.print_button):
            buttons.addWidget(b)
        buttons.addStretch(1)
        steps = FlowLayout()
        steps.addWidget(QLabel("Schritt:", self))
        for b in (self.agree_button, self.send_button, self.accept_button,
                  self.reject_button, self.close_button, self.withdraw_button):
            steps.addWidget(b)
        steps.addStretch(1)
        layout = QVBoxLayout(self)
        layout.addLayout(buttons)
        layout.addLayout(steps)
        layout.addWidget(self.empty)
        layout.addWidget(self.view, 1)
        layout.addWidget(self.details)
        self.view.selectionModel().selectionChanged.connect(self._selection_changed)
        ctx.changed.connect(self._on_changed)
        self.refresh()

    def _button(self, text: str, name: str, slot: Callable[[], None]) -> QPushButton:
        button = QPushButton(text, self)
        named(button, name)
        button.clicked.connect(slot)
        return button

    # --- data ----------------------------------------------------------------------------

    def refresh(self) -> None:
        selected = self.selected()
        session = self.ctx.session
        if session is None or not session.is_open:
            self.model.set_rows([])
        else:
            rows = reading.rows(session, reading.for_household(session, self.household_id))
            self.model.set_rows([(
                (r.recipient, r.state.value, str(r.age_days), format_date(r.follow_up_on),
                 format_date(r.referral.referred_on), r.referral.data.reason),
                r.referral) for r in rows])
        self.empty.setVisible(self.model.rowCount() == 0)
        if selected is not None:
            self.select(selected.id)
        self._selection_changed()

    def _on_changed(self, changes: Changes) -> None:
        if changes.affects("referral", "consent", "person") or \
                self.household_id in changes.ids("household"):
            self.refresh()

    def selected(self) -> Referral | None:
        return self.model.selected_payload(self.view, Referral)

    def select(self, referral_id: str | None) -> None:
        self.model.select_id(self.view, referral_id)

    def _selection_changed(self, *_args: object) -> None:
        ref = self.selected()
        nxt = allowed_next(ref.state, statutory=ref.data.recipient.is_asd) if ref else set()
        S = ReferralState
        self.edit_button.setEnabled(ref is not None and ref.state in EDITABLE_STATES)
        self.agree_button.setEnabled(S.EINVERSTAENDNIS in nxt)
        self.send_button.setEnabled(S.UEBERMITTELT in nxt)
        self.accept_button.setEnabled(S.ANGENOMMEN in nxt)
        self.reject_button.setEnabled(S.ABGELEHNT in nxt)
        self.close_button.setEnabled(S.ABGESCHLOSSEN in nxt)
        self.withdraw_button.setEnabled(S.ZURUECKGEZOGEN in nxt)
        self.follow_up_button.setEnabled(ref is not None and ref.is_open)
        self.print_button.setEnabled(ref is not None and ref.state not in (
            S.VORGESCHLAGEN, S.ZURUECKGEZOGEN))
        self.details.setText(steps_text(ref) if ref else "")

    # --- actions -------------------------------------------------------------------------

    def _open(self, dialog: QDialog, referral_id: str | None) -> None:
        dialog.accepted.connect(lambda: self.select(
            getattr(dialog, "referral_id", None) or referral_id))
        self.dialog = dialog
        dialog.open()

    def new_referral(self) -> None:
        self._open(NewReferralDialog(self.ctx, self.household_id, self), None)

    def edit_referral(self) -> None:
        ref = self.selected()
        if ref is not None:
            self._open(NewReferralDialog(self.ctx, self.household_id, self, ref), ref.id)

    def _step(self, title: str, text_label: str,
              call: Callable[..., Any], *,
              feedback: bool = False, follow_up: bool = True, dated: bool = True) -> None:
        ref = self.selected()
        if ref is None:
            return
        rid = ref.id
        self._open(StepDialog(self.ctx, title, text_label,
                              lambda s, on, text, fb, fu: call(s, rid, on, text, fb, fu),
                              feedback=feedback, follow_up=follow_up, dated=dated,
                              parent=self), rid)

    def agree(self) -> None:
        self._step("Einverständnis festhalten", "Notiz",
                   lambda s, rid, on, text, _fb, fu: service.agree(
                       s, rid, on=on, note=text, follow_up_on=fu))

    def accepted_step(self) -> None:
        self._step("Angenommen", "Notiz", lambda s, rid, on, text, _fb, fu: service.accept(
            s, rid, on=on, note=text, follow_up_on=fu))

    def rejected_step(self) -> None:
        self._step("Abgelehnt", "Grund der Ablehnung",
                   lambda s, rid, on, text, _fb, fu: service.reject(
                       s, rid, text, on=on, follow_up_on=fu))

    def close_step(self) -> None:
        self._step("Abschließen", "Ergebnis", lambda s, rid, on, text, fb, _fu: service.close(
            s, rid, text, feedback=fb, on=on), feedback=True, follow_up=False)

    def withdraw(self) -> None:
        self._step("Zurückziehen", "Grund", lambda s, rid, on, text, _fb, _fu:
                   service.withdraw(s, rid, text, on=on), follow_up=False)

    def follow_up_step(self) -> None:
        self._step("Wiedervorlage setzen", "Notiz",
                   lambda s, rid, _on, text, _fb, fu: service.set_follow_up(
                       s, rid, fu, note=text), dated=False)

    def send(self) -> None:
        ref = self.selected()
        if ref is not None:
            self._open(SendDialog(self.ctx, ref, self), ref.id)

    def print_selected(self) -> None:
        ref = self.selected()
        if ref is not None:
            print_letter(self.ctx, self, ref.id)


def create(ctx: UiContext, household_id: str) -> QWidget:
    return VermittlungenTab(ctx, household_id)
