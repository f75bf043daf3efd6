"""Vermittlungen: the dialogs of the family-file tab: a new or edited referral (ASD
district pre-selected from the Stadtteil, partner, or free entry), one lifecycle step, and
sending with the consent check at that moment."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QPlainTextEdit,
    QVBoxLayout,
    QWidget,
)

from casework.clock import local_today
from casework.errors import UserError, ValidationError
from casework.models.consent import StatutoryBasis
from casework.models.referrals import (
    CONSENT_OTHER,
    Recipient,
    RecipientKind,
    Referral,
    ReferralDraft,
    ShareField,
    StatutoryTransfer,
    free_recipient,
)
from casework.services import referrals as service
from casework.services import referrals_transfer as transfer
from casework.services.households import households
from casework.ui.context import UiContext
from casework.ui.widgets import (
    ValidatingForm,
    format_date,
    line_edit,
    named,
    parse_date,
)

KINDS = ("ASD-Bezirk", "Kooperationspartner", "freie Angabe")
CHANNELS = (("E-Mail an die zuständige Stelle", "email"),
            ("digitaler Kommunikationsweg", "digital"), ("sonstiger Weg", "other"))
CONSENT_BASIS = "Einwilligung der Betroffenen"


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
