"""Family-file tab "Termine": the household's appointments; plan, change, cancel, log
the contact of a past appointment in one step, export one appointment as .ics (no
personal data unless the worker ticks "mit Details").

`choose_ics_target` is the one file chooser (tests patch it)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from casework.clock import BERLIN, local_now
from casework.errors import UserError, ValidationError
from casework.forms.base import write_pdf_atomic as write_file_atomic
from casework.models.appointments import (
    MAX_DURATION,
    MIN_DURATION,
    Appointment,
    AppointmentDraft,
    PlaceType,
)
from casework.models.changes import Changes
from casework.services import appointments as service
from casework.services.households import households
from casework.ui.context import UiContext
from casework.ui.households.lifecycle_dialogs import ReasonDialog, button_box, text_box
from casework.ui.simple_model import SimpleTableModel
from casework.ui.widgets import (
    ValidatingForm,
    format_date,
    line_edit,
    list_table,
    named,
    parse_date,
    parse_time,
    weekday_date,
)

TITLE = "Termine"
ORDER = 50
ICS_FILTER = "Kalenderdatei (*.ics)"


def choose_ics_target(parent: QWidget | None, suggested: str) -> str:
    """Where to save the .ics; '' if cancelled. The suggested name holds no names."""
    path, _ = QFileDialog.getSaveFileName(parent, "Termin exportieren", suggested, ICS_FILTER)
    return path


def when_text(appointment: Appointment) -> tuple[str, str]:
    local = appointment.data.starts_at.astimezone(BERLIN)
    end = appointment.ends_at.astimezone(BERLIN)
    return weekday_date(local), f"{local:%H:%M}–{end:%H:%M}"


class AppointmentDialog(QDialog):
    """New or changed appointment: date, time, duration, kind of place, place, persons,
    topic, note."""

    def __init__(self, ctx: UiContext, household_id: str, parent: QWidget | None = None,
                 appointment: Appointment | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.household_id = household_id
        self.editing = appointment
        self.appointment_id: str | None = appointment.id if appointment else None
        title = "Termin ändern" if appointment else "Neuer Termin"
        self.setWindowTitle(title)
        named(self, title)
        session = ctx.require_session()
        self.form = ValidatingForm(self)
        self.day = line_edit("Datum", self, "TT.MM.JJJJ")
        self.form.add_row("Datum", self.day, aliases=("Datum/Uhrzeit",))
        self.time = line_edit("Uhrzeit", self, "HH:MM")
        self.form.add_row("Uhrzeit", self.time)
        self.duration = QSpinBox(self)
        self.duration.setRange(MIN_DURATION, MAX_DURATION)
        self.duration.setSingleStep(15)
        self.duration.setSuffix(" Min.")
        self.duration.setValue(60)
        self.form.add_row("Dauer", self.duration)
        self.place_type = QComboBox(self)
        for kind in PlaceType:
            self.place_type.addItem(kind.value, kind.value)
        self.form.add_row("Art des Ortes", self.place_type)
        self.place = line_edit("Ort", self, "Adresse oder Raum (bleibt in der Akte)")
        self.form.add_row("Ort", self.place)
        self.persons = QListWidget(self)
        named(self.persons, "Personen")
        self.persons.setMaximumHeight(110)
        for person in households.members(session, household_id):
            item = QListWidgetItem(person.display_name)
            item.setData(Qt.ItemDataRole.UserRole, person.id)
            item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
            item.setCheckState(Qt.CheckState.Unchecked)
            self.persons.addItem(item)
        self.form.add_row("Personen", self.persons)
        self.topic = line_edit("Anlass", self, "z. B. Begleitung zum Jobcenter")
        self.form.add_row("Anlass", self.topic)
        self.note = text_box("Notiz", self)
        self.form.add_row("Notiz", self.note)
        layout = QVBoxLayout(self)
        layout.addWidget(self.form)
        layout.addWidget(button_box(self, "Speichern"))
        if appointment is not None:
            self._fill(appointment)
        else:
            start = local_now(ctx.clock) + timedelta(days=1)
            self.day.setText(f"{start:%d.%m.%Y}")
            self.time.setText("10:00")

    def _fill(self, a: Appointment) -> None:
        local = a.data.starts_at.astimezone(BERLIN)
        self.day.setText(f"{local:%d.%m.%Y}")
        self.time.setText(f"{local:%H:%M}")
        self.duration.setValue(a.data.duration_min)
        self.place_type.setCurrentIndex(max(self.place_type.findData(a.data.place_type.value),
                                            0))
        self.place.setText(a.data.place)
        self.topic.setText(a.data.topic)
        self.note.setPlainText(a.data.note)
        for i in range(self.persons.count()):
            item = self.persons.item(i)
            if item.data(Qt.ItemDataRole.UserRole) in a.data.person_ids:
                item.setCheckState(Qt.CheckState.Checked)

    def check_person(self, person_id: str) -> None:
        for i in range(self.persons.count()):
            item = self.persons.item(i)
            if item.data(Qt.ItemDataRole.UserRole) == person_id:
                item.setCheckState(Qt.CheckState.Checked)

    def draft(self) -> AppointmentDraft:
        day = parse_date(self.day.text(), "Datum")
        if day is None:
            raise ValidationError("Datum", "bitte angeben.")
        start = datetime.combine(day, parse_time(self.time.text(), "Uhrzeit"), BERLIN)
        persons = tuple(str(self.persons.item(i).data(Qt.ItemDataRole.UserRole))
                        for i in range(self.persons.count())
                        if self.persons.item(i).checkState() == Qt.CheckState.Checked)
        return AppointmentDraft(self.household_id, start, self.duration.value(),
                                PlaceType(self.place_type.currentData()), self.place.text(),
                                persons, self.topic.text(), self.note.toPlainText())

    def accept(self) -> None:
        try:
            draft = self.draft()
            if self.appointment_id is None:
                result = self.ctx.apply(service.create, draft)
                self.appointment_id = result[0]
            else:
                self.ctx.apply(service.update, self.appointment_id, draft)
        except ValidationError as error:
            self.form.show_error(error)
            return
        except UserError as error:
            self.ctx.report(error)
            return
        self.ctx.confirm("Termin gespeichert.")
        super().accept()


class ExportDialog(QDialog):
    """Asks whether details go into the calendar file (default: no)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Termin exportieren")
        named(self, "Termin exportieren")
        text = QLabel("Die Kalenderdatei enthält nur „Termin – Casework“, Datum, Uhrzeit "
                      "und die Art des Ortes. Kalender werden oft in Clouds "
                      "synchronisiert – Namen und Adressen gehören dort nicht hin.", self)
        text.setWordWrap(True)
        self.details = QCheckBox("Familie, Anlass und Ort mit aufnehmen", self)
        named(self.details, "Details in die Kalenderdatei aufnehmen")
        layout = QVBoxLayout(self)
        layout.addWidget(text)
        layout.addWidget(self.details)
        layout.addWidget(button_box(self, "Exportieren …"))


def export_appointment(ctx: UiContext, parent: QWidget | None, appointment_id: str,
                       with_details: bool) -> Path | None:
    target = choose_ics_target(parent, "Termin.ics")
    if not target:
        return None
    path = Path(target)
    if path.suffix.lower() != ".ics":
        path = path.with_suffix(".ics")
    data = ctx.run(service.export_ics, appointment_id, with_details=with_details)
    if data is None:
        return None
    try:
        write_file_atomic(path, data)  # any bytes: temp file, fsync, rename
    except UserError as error:
        ctx.report(error)
        return None
    return path


class TermineTab(QWidget):
    COLUMNS = ("Tag", "Uhrzeit", "Art des Ortes", "Anlass", "Personen", "Status")

    def __init__(self, ctx: UiContext, household_id: str,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.household_id = household_id
        self.dialog: QDialog | None = None
        self.model = SimpleTableModel(self.COLUMNS, self)
        self.view = list_table("Termine der Familie", self.model, self)
        self.empty = QLabel("Noch keine Termine geplant.", self)
        self.new_button = self._button("&Neuer Termin …", "Neuen Termin planen", self.new)
        self.edit_button = self._button("Ä&ndern …", "Termin ändern", self.edit)
        self.cancel_button = self._button("&Absagen …", "Termin absagen", self.cancel)
        self.contact_button = self._button("&Kontakt erfassen", "Kontakt aus dem Termin "
                                           "erfassen", self.log_contact)
        self.export_button = self._button("Als .ics e&xportieren …", "Termin als "
                                          "Kalenderdatei exportieren", self.export)
        buttons = QHBoxLayout()
        for b in (self.new_button, self.edit_button, self.cancel_button, self.contact_button,
                  self.export_button):
            buttons.addWidget(b)
        buttons.addStretch(1)
        layout = QVBoxLayout(self)
        layout.addLayout(buttons)
        layout.addWidget(self.empty)
        layout.addWidget(self.view, 1)
        self.view.selectionModel().selectionChanged.connect(lambda *_: self._update())
        self.view.doubleClicked.connect(lambda _i: self.edit())
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
        selected = self.selected()
        names = {str(p.id): p.data.first_name for p in households.members(session,
                                                                     self.household_id)}
        rows = []
        for a in reversed(service.for_household(session, self.household_id)):
            day, hours = when_text(a)
            status = a.status.value + (f" ({a.cancel_reason})" if a.cancel_reason else "")
            persons = ", ".join(names.get(str(p), "–") for p in a.data.person_ids)
            rows.append(((day, hours, a.data.place_type.value, a.data.topic, persons, status),
                         a))
        self.model.set_rows(rows)
        self.empty.setVisible(not rows)
        if selected is not None:
            self.select(selected.id)
        self._update()

    def select(self, appointment_id: str | None) -> None:
        self.model.select_id(self.view, appointment_id)

    def selected(self) -> Appointment | None:
        return self.model.selected_payload(self.view, Appointment)

    def _update(self) -> None:
        a = self.selected()
        now = self.ctx.clock.now()
        planned = a is not None and a.is_planned
        self.edit_button.setEnabled(planned)
        self.cancel_button.setEnabled(planned)
        self.contact_button.setEnabled(planned and a is not None and a.is_past(now))
        self.export_button.setEnabled(a is not None)

    def _on_changed(self, changes: Changes) -> None:
        if changes.affects("appointment", "person") or \
                self.household_id in changes.ids("household"):
            self.refresh()

    def _open(self, dialog: QDialog) -> None:
        self.dialog = dialog
        dialog.open()

    def new(self) -> None:
        dialog = AppointmentDialog(self.ctx, self.household_id, self)
        dialog.accepted.connect(lambda: self.select(dialog.appointment_id))
        self._open(dialog)

    def edit(self) -> None:
        a = self.selected()
        if a is not None and a.is_planned:
            self._open(AppointmentDialog(self.ctx, self.household_id, self, a))

    def cancel(self) -> None:
        a = self.selected()
        if a is not None:
            aid = a.id
            self._open(ReasonDialog(self.ctx, "Termin absagen", "Grund",
                                    lambda s, text: service.cancel(s, aid, text),
                                    ok_text="Termin absagen", parent=self))

    def log_contact(self) -> None:
        a = self.selected()
        if a is None:
            return
        result = self.ctx.run(service.log_contact, a.id)
        if result is not None:
            self.ctx.confirm("Kontakt gespeichert.")
            day = format_date(a.data.starts_at.astimezone(BERLIN))
            self.ctx.messages.info(self, "Kontakt erfasst",
                                   f"Der Kontakt vom {day} steht jetzt unter „Kontakte“; "
                                   "Notizen dort ergänzen.")

    def export(self) -> None:
        a = self.selected()
        if a is None:
            return
        dialog = ExportDialog(self)
        aid = a.id
        dialog.accepted.connect(lambda: export_appointment(self.ctx, self, aid,
                                                           dialog.details.isChecked()))
        self._open(dialog)


def create(ctx: UiContext, household_id: str) -> QWidget:
    return TermineTab(ctx, household_id)
