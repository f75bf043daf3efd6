"""Edit dialogs of the Verzeichnis screen: ASD district contact, partner, Rote-Mappe entry.

Each dialog saves through `ctx.apply` (a service in
`casework.services.directory.vault_profile`), so a
`ValidationError` naming a profile path (`partners[3].email`) is shown next to the field
it belongs to, and nothing is saved until the whole profile validates.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import time

from PySide6.QtWidgets import (
    QCheckBox,
    QDialog,
    QDialogButtonBox,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QVBoxLayout,
    QWidget,
)

from casework.errors import UserError, ValidationError
from casework.models.directory.profile import (
    CHECKED_ON_FIELD,
    WEEKDAY_ABBR,
    AfterHoursRule,
    AsdConfig,
    AsdDistrict,
    EmergencyContact,
    NumberSource,
    Partner,
    SpecialFunction,
    WeeklySlot,
    format_checked_on,
    parse_checked_on,
)
from casework.models.text import fold
from casework.services.directory import vault_profile as directory
from casework.ui.context import UiContext
from casework.ui.persons import reauth
from casework.ui.widgets import ValidatingForm, line_edit, parse_time

# "Mo 09:00–12:00" (also "Mo 9:00-12:00", "mo 09.00 - 12.00").
_SLOT = re.compile(
    r"^\s*([A-Za-z]{2})[a-z]*\.?\s+(\d{1,2}[:.]\d{2})\s*[-–—]\s*(\d{1,2}[:.]\d{2})\s*$"
)
_DAY_KEYS = {fold(abbr): i for i, abbr in enumerate(WEEKDAY_ABBR)}
# `partners[3].opening_hours[1].end` → "opening_hours"
_ITEM_FIELD = re.compile(r"^[a-z_.]+\[\d+\]\.([a-z_]+)")

HOURS_FIELD = "Öffnungszeiten"
HOURS_HINT = "z. B. Mo 09:00–12:00; Do 14:00–16:00"


def format_slots(slots: tuple[WeeklySlot, ...]) -> str:
    return "; ".join(slot.label() for slot in slots)


def parse_slots(text: str, field: str = HOURS_FIELD) -> tuple[WeeklySlot, ...]:
    """'Mo 09:00–12:00; Do 14:00–16:00' → weekly slots; ValidationError naming `field`."""
    slots: list[WeeklySlot] = []
    for part in (p for p in re.split(r"[;\n]", text) if p.strip()):
        match = _SLOT.match(part)
        day = _DAY_KEYS.get(fold(match.group(1))) if match else None
        if match is None or day is None:
            raise ValidationError(
                field, f"„{part.strip()}“ bitte als Wochentag und Zeit angeben ({HOURS_HINT})."
            )
        start = parse_time(match.group(2), field)
        end = parse_time(match.group(3), field)
        if end <= start:
            raise ValidationError(field, f"„{part.strip()}“: das Ende muss nach dem Beginn liegen.")
        slots.append(WeeklySlot(day, start, end))
    return tuple(slots)


def field_of(error: ValidationError) -> str:
    """The item field a profile path names (`asd.districts[8].email` → `email`)."""
    match = _ITEM_FIELD.match(error.field)
    return match.group(1) if match else error.field


class _EditDialog(QDialog):
    """A form, Speichern/Abbrechen; `save()` calls `_submit` and shows errors inline."""

    def __init__(self, ctx: UiContext, title: str, parent: QWidget | None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.setWindowTitle(title)
        self.setAccessibleName(title)
        layout = QVBoxLayout(self)
        self.form = ValidatingForm(self)
        layout.addWidget(self.form)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel, self
        )
        self.save_button = buttons.button(QDialogButtonBox.StandardButton.Save)
        self.save_button.setText("Speichern")
        self.save_button.setAccessibleName("Speichern")
        cancel = buttons.button(QDialogButtonBox.StandardButton.Cancel)
        cancel.setText("Abbrechen")
        cancel.setAccessibleName("Abbrechen")
        buttons.accepted.connect(self.save)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)

    def _line(self, label: str, key: str, value: str, placeholder: str = "") -> QLineEdit:
        """A text row; `key` is the profile field whose validation errors it shows."""
        edit = line_edit(label, self, placeholder)
        edit.setText(value)
        self.form.add_row(label, edit, aliases=(key,))
        return edit

    def _checked_on_line(self, source: NumberSource) -> QLineEdit:
        """When the organisation last checked the number (unchecked numbers are marked in
        the acute dialog and the Rote Mappe)."""
        hint = f"TT.MM.JJJJ – leer: ungeprüft (Stand {source.published})" if source.published \
            else "TT.MM.JJJJ – leer: ungeprüft"
        return self._line(CHECKED_ON_FIELD, CHECKED_ON_FIELD, format_checked_on(source), hint)

    def _submit(self) -> None:
        raise NotImplementedError

    def _error_key(self, error: ValidationError) -> str:
        """The form field (label or alias) a ValidationError belongs to."""
        return field_of(error)

    def save(self) -> bool:
        self.form.clear_errors()
        try:
            self._submit()
        except ValidationError as error:
            self.form.show_error(ValidationError(self._error_key(error), error.reason))
            return False
        except UserError as error:
            self.form.general_error.setText(f"⚠ {error.message}")
            self.form.general_error.setVisible(True)
            return False
        self.ctx.confirm("Verzeichnis gespeichert.")
        self.accept()
        return True

    def _apply(self, fn: Callable[..., object], *args: object, **kwargs: object) -> None:
        # A directory edit is a reserved act: confirmed with the passphrase and signed.
        auth = reauth.authorize(self.ctx, self, "Verzeichnis ändern")
        if auth is None:
            raise UserError("Nicht bestätigt – es wurde nichts geändert.")
        self.ctx.apply(fn, *args, auth=auth, **kwargs)


class DistrictDialog(_EditDialog):
    def __init__(self, ctx: UiContext, district: AsdDistrict, parent: QWidget | None) -> None:
        super().__init__(ctx, f"ASD-Bezirk {district.number} bearbeiten", parent)
        self.number = district.number
        stadtteile = QLabel(f"Stadtteile: {', '.join(district.stadtteile)}", self)
        stadtteile.setWordWrap(True)
        stadtteile.setAccessibleName(stadtteile.text())
        self.form.add_widget_row(stadtteile)
        self.contact_role = self._line("Kontakt", "contact_role", district.contact_role)
        self.phone = self._line("Telefon", "phone", district.phone)
        self.checked_on = self._checked_on_line(district.source)
        self.email = self._line("E-Mail", "email", district.email)

    def _submit(self) -> None:
        self._apply(
            directory.update_district,
            self.number,
            contact_role=self.contact_role.text(),
            phone=self.phone.text(),
            email=self.email.text(),
            checked_on=parse_checked_on(self.checked_on.text()),
        )


class PartnerDialog(_EditDialog):
    """Add (`index` None) or edit one partner organisation."""

    def __init__(
        self, ctx: UiContext, index: int | None, partner: Partner | None, parent: QWidget | None
    ) -> None:
        title = "Partner bearbeiten" if partner is not None else "Partner hinzufügen"
        super().__init__(ctx, title, parent)
        self.index = index
        self.original = partner
        p = partner or Partner("", "", "", "", "", "", (), (), "")
        self.name = self._line("Name", "name", p.name)
        self.kind = self._line("Art", "kind", p.kind, "z. B. Stadt, Schule, Träger")
        self.address = self._line("Adresse", "address", p.address)
        self.contact_role = self._line("Kontakt", "contact_role", p.contact_role)
        self.phone = self._line("Telefon", "phone", p.phone)
        self.email = self._line("E-Mail", "email", p.email)
        self.offers = QPlainTextEdit(self)
        self.offers.setPlainText("\n".join(p.offers))
        self.offers.setPlaceholderText("ein Angebot je Zeile")
        self.offers.setTabChangesFocus(True)
        self.form.add_row("Angebote", self.offers, aliases=("offers",))
        self.hours = self._line(
            HOURS_FIELD, "opening_hours", format_slots(p.opening_hours), HOURS_HINT
        )
        self.notes = self._line("Hinweise", "notes", p.notes)

    def partner(self) -> Partner:
        offers = tuple(line.strip() for line in self.offers.toPlainText().splitlines())
        return Partner(
            name=self.name.text(),
            kind=self.kind.text(),
            address=self.address.text(),
            contact_role=self.contact_role.text(),
            phone=self.phone.text(),
            email=self.email.text().strip(),
            offers=tuple(o for o in offers if o),
            opening_hours=parse_slots(self.hours.text()),
            notes=self.notes.text(),
        )

    def _submit(self) -> None:
        self._apply(directory.save_partner, self.index, self.partner(), self.original)


class EmergencyDialog(_EditDialog):
    """Add (`index` None) or edit one entry of the Rote Mappe."""

    def __init__(
        self,
        ctx: UiContext,
        index: int | None,
        contact: EmergencyContact | None,
        parent: QWidget | None,
    ) -> None:
        title = "Eintrag der Roten Mappe " + ("bearbeiten" if contact else "hinzufügen")
        super().__init__(ctx, title, parent)
        self.index = index
        self.original = contact
        c = contact or EmergencyContact("", "", "", "", "", "")
        self.name = self._line("Name", "name", c.name)
        self.address = self._line("Adresse", "address", c.address)
        self.phone = self._line("Telefon", "phone", c.phone)
        self.emergency_number = self._line(
            "Notruf/Notfallnummer", "emergency_number", c.emergency_number
        )
        self.checked_on = self._checked_on_line(c.source)
        self.hours = self._line("Erreichbarkeit", "hours", c.hours, "z. B. 24 Stunden")
        self.purpose = self._line("Wofür", "purpose", c.purpose)

    def contact(self) -> EmergencyContact:
        return EmergencyContact(
            name=self.name.text(),
            address=self.address.text(),
            phone=self.phone.text(),
            emergency_number=self.emergency_number.text(),
            hours=self.hours.text(),
            purpose=self.purpose.text(),
            source=NumberSource(
                self.original.source.published if self.original else "",
                parse_checked_on(self.checked_on.text()),
            ),
        )

    def _submit(self) -> None:
        self._apply(directory.save_emergency_contact, self.index, self.contact(), self.original)


_EARLY = re.compile(r"^\s*([A-Za-z]{2})[a-z]*\.?\s+(?:ab\s+)?(\d{1,2}[:.]\d{2})\s*(?:Uhr)?\s*$")


def _path_key(error: ValidationError) -> str:
    """`asd.after_hours.early_from[0].from` → `early_from`; `asd.office_hours[1].end` →
    `office_hours`: the form field of the hours dialog a profile path belongs to."""
    path = error.field.removeprefix("asd.").removeprefix("after_hours.")
    return re.split(r"[.\[]", path, maxsplit=1)[0]


class HoursDialog(_EditDialog):
    """Sprechzeiten, Notdienst and the after-hours rule of the ASD (drive „Akut“)."""

    def __init__(self, ctx: UiContext, asd: AsdConfig, parent: QWidget | None) -> None:
        super().__init__(ctx, "Sprechzeiten und Notdienst bearbeiten", parent)
        rule = asd.after_hours
        self.office_hours = self._line(
            "Sprechzeiten", "office_hours", format_slots(asd.office_hours), HOURS_HINT
        )
        self.notdienst_label = self._line("Notdienst", "notdienst_label", asd.notdienst_label)
        self.notdienst_phone = self._line(
            "Notdienst-Rufnummer", "notdienst_phone", asd.notdienst_phone
        )
        self.daily_from = self._line("Notfallregel ab", "daily_from", f"{rule.daily_from:%H:%M}")
        self.until = self._line(
            "bis (nächster Arbeitstag)", "until", f"{rule.until:%H:%M}", "HH:MM"
        )
        early = "; ".join(f"{WEEKDAY_ABBR[d]} {t:%H:%M}" for d, t in rule.early_from)
        self.early_from = self._line("Früher ab", "early_from", early, "z. B. Mi 12:30")
        self.weekends = QCheckBox("an Wochenenden ganztägig", self)
        self.weekends.setChecked(rule.weekends)
        self.form.add_row("Wochenenden", self.weekends, aliases=("weekends",))
        self.holidays = QCheckBox("an gesetzlichen Feiertagen ganztägig", self)
        self.holidays.setChecked(rule.holidays)
        self.form.add_row("Feiertage", self.holidays, aliases=("holidays",))
        self.route_label = self._line("Weg", "route_label", rule.route_label)
        self.phones = self._line(
            "Notrufnummern", "phones", ", ".join(rule.phones), "z. B. 110, 112"
        )

    def _error_key(self, error: ValidationError) -> str:
        return _path_key(error)

    def _early(self) -> tuple[tuple[int, time], ...]:
        result: list[tuple[int, time]] = []
        for part in (p for p in self.early_from.text().split(";") if p.strip()):
            match = _EARLY.match(part)
            day = _DAY_KEYS.get(fold(match.group(1))) if match else None
            if match is None or day is None:
                raise ValidationError(
                    "Früher ab", f"„{part.strip()}“ bitte wie „Mi 12:30“ angeben."
                )
            result.append((day, parse_time(match.group(2), "Früher ab")))
        return tuple(result)

    def _submit(self) -> None:
        rule = AfterHoursRule(
            daily_from=parse_time(self.daily_from.text(), "Notfallregel ab"),
            until=parse_time(self.until.text(), "bis (nächster Arbeitstag)"),
            early_from=self._early(),
            weekends=self.weekends.isChecked(),
            holidays=self.holidays.isChecked(),
            route_label=self.route_label.text(),
            phones=tuple(p.strip() for p in self.phones.text().split(",") if p.strip()),
        )
        self._apply(
            directory.update_asd_hours,
            office_hours=parse_slots(self.office_hours.text(), "Sprechzeiten"),
            notdienst_label=self.notdienst_label.text(),
            notdienst_phone=self.notdienst_phone.text(),
            after_hours=rule,
        )


class SpecialFunctionDialog(_EditDialog):
    """Add (`index` None) or edit one special function of the ASD."""

    def __init__(
        self,
        ctx: UiContext,
        index: int | None,
        function: SpecialFunction | None,
        parent: QWidget | None,
    ) -> None:
        title = "Sonderfunktion " + ("bearbeiten" if function else "hinzufügen")
        super().__init__(ctx, title, parent)
        self.index = index
        self.original = function
        f = function or SpecialFunction("", "", "", "")
        self.name = self._line("Funktion", "name", f.name)
        self.contact_role = self._line("Kontakt", "contact_role", f.contact_role)
        self.phone = self._line("Telefon", "phone", f.phone)
        self.email = self._line("E-Mail", "email", f.email)

    def _submit(self) -> None:
        function = SpecialFunction(
            name=self.name.text(),
            contact_role=self.contact_role.text(),
            phone=self.phone.text(),
            email=self.email.text().strip(),
        )
        self._apply(directory.save_special_function, self.index, function, self.original)
