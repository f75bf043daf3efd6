"""Family file tab "Personen": members table and the add/edit dialog.

A birth is given as an exact date, as a year only, or — for an unborn child — as the
expected date of delivery (ET); `BirthInfo.validate` decides what is acceptable.
"""

from __future__ import annotations

from functools import partial
from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from casework.clock import local_today
from casework.errors import UserError, ValidationError
from casework.models.households.person import (
    BirthInfo,
    Gender,
    HouseholdRole,
    Person,
    PersonDraft,
    ResidenceStatus,
)
from casework.models.ids import HouseholdId
from casework.services.households import households
from casework.ui.context import UiContext
from casework.ui.dialog_drafts import DialogDraft
from casework.ui.households.duplicates import DuplicateWarning
from casework.ui.widgets import (
    DATE_HINT,
    ValidatingForm,
    compact_rows,
    format_date,
    line_edit,
    named,
    parse_date,
    stretch_column,
)

Index = QModelIndex | QPersistentModelIndex
COLUMNS = ("Name", "Rolle", "Alter", "Geboren / ET", "Sorgeberechtigt", "Schule/Kita")

BIRTH_DATE, BIRTH_YEAR, DUE_DATE = "date", "year", "due"


def birth_text(birth: BirthInfo) -> str:
    if birth.birth_date is not None:
        return format_date(birth.birth_date)
    if birth.birth_year is not None:
        return str(birth.birth_year)
    if birth.due_date is not None:
        return f"ET {format_date(birth.due_date)}"
    return ""


class PersonsModel(QAbstractTableModel):
    def __init__(self, ctx: UiContext, parent: Any = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.persons: list[Person] = []

    def set_persons(self, persons: list[Person]) -> None:
        self.beginResetModel()
        self.persons = list(persons)
        self.endResetModel()

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008 (Qt default)
        return 0 if parent.isValid() else len(self.persons)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008 (Qt default)
        return 0 if parent.isValid() else len(COLUMNS)

    def headerData(self, section: int, orientation: Qt.Orientation,
                   role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if (orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole
                and 0 <= section < len(COLUMNS)):
            return COLUMNS[section]
        return None

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or role not in (Qt.ItemDataRole.DisplayRole,
                                               Qt.ItemDataRole.AccessibleTextRole):
            return None
        p = self.persons[index.row()]
        today = local_today(self.ctx.clock)
        return (p.display_name, p.data.role.value, p.data.birth.age_text(today),
                birth_text(p.data.birth), "ja" if p.data.custody else "",
                p.data.school)[index.column()]


class PersonDialog(QDialog):
    def __init__(self, ctx: UiContext, household_id: HouseholdId, person: Person | None = None,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.household_id = household_id
        self.person = person
        self.setWindowTitle("Person bearbeiten" if person else "Person hinzufügen")
        named(self, self.windowTitle())
        self.form = ValidatingForm(self)
        self.first = self.form.add_row("Vorname", line_edit("Vorname", self), aliases=("Name",))
        self.last = self.form.add_row("Nachname", line_edit("Nachname", self))
        self.birth_kind = QComboBox(self)
        named(self.birth_kind, "Art der Geburtsangabe")
        self.birth_kind.addItem("Geburtsdatum", BIRTH_DATE)
        self.birth_kind.addItem("nur Geburtsjahr", BIRTH_YEAR)
        self.birth_kind.addItem("ungeboren – errechneter Termin (ET)", DUE_DATE)
        self.form.add_row("Geburtsangabe", self.birth_kind)
        self.birth_value = self.form.add_row(
            "Geboren / ET", line_edit("Geburtsdatum, Geburtsjahr oder ET", self, DATE_HINT),
            aliases=("Geburtsdatum", "Geburtsjahr", "Errechneter Geburtstermin"))
        self.gender = QComboBox(self)
        for gender in Gender:
            self.gender.addItem(gender.value, gender.value)
        self.gender.setCurrentIndex(self.gender.findData(Gender.KEINE_ANGABE.value))
        self.form.add_row("Geschlecht", self.gender)
        self.role = QComboBox(self)
        for role in HouseholdRole:
            self.role.addItem(role.value, role.value)
        self.role.setCurrentIndex(self.role.findData(HouseholdRole.KIND.value))
        self.form.add_row("Rolle", self.role)
        self.custody = QCheckBox("personensorgeberechtigt", self)
        self.form.add_row("Personensorgeberechtigt", self.custody)
        self.school = self.form.add_row("Schule/Kita", line_edit("Schule oder Kita", self))
        self.residence = QComboBox(self)
        self.residence.addItem("–", None)
        for status in ResidenceStatus:
            self.residence.addItem(status.value, status.value)
        self.form.add_row("Aufenthaltsstatus", self.residence)
        self.unaccompanied = QCheckBox("unbegleitet eingereist (umA)", self)
        self.form.add_row("Unbegleitet", self.unaccompanied)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Save
                                   | QDialogButtonBox.StandardButton.Cancel, self)
        buttons.button(QDialogButtonBox.StandardButton.Save).setText("&Speichern")
        buttons.button(QDialogButtonBox.StandardButton.Cancel).setText("Abbrechen")
        buttons.accepted.connect(self.save)
        buttons.rejected.connect(self.reject)
        # Same name (and first name or birth date) in another family: say so first.
        self.duplicates = DuplicateWarning("&Trotzdem hinzufügen", self)
        self.duplicates.proceed.connect(lambda: self.save(checked_duplicates=True))
        self.duplicates.open_requested.connect(self._open_existing)
        layout = QVBoxLayout(self)
        layout.addWidget(self.form)
        layout.addWidget(self.duplicates)
        layout.addWidget(buttons)
        self.setMinimumWidth(520)
        self.birth_kind.currentIndexChanged.connect(self._kind_changed)
        if person is not None:
            self._load(person)
        self._kind_changed()
        self.first.setFocus()
        self.draft_keeper = DialogDraft(
            ctx, self, "person_dialog", household_id + (f"/{person.id}" if person else ""),
            self._payload, self._restore)
        self.draft_keeper.offer()

    def _payload(self) -> dict[str, Any]:
        """The raw contents (also invalid ones) for an encrypted draft."""
        return {"first": self.first.text(), "last": self.last.text(),
                "birth_kind": self.birth_kind.currentData(),
                "birth_value": self.birth_value.text(), "gender": self.gender.currentData(),
                "role": self.role.currentData(), "custody": self.custody.isChecked(),
                "school": self.school.text(), "residence": self.residence.currentData(),
                "unaccompanied": self.unaccompanied.isChecked()}

    def _restore(self, payload: dict[str, Any]) -> None:
        self.first.setText(str(payload.get("first", "")))
        self.last.setText(str(payload.get("last", "")))
        for box, key in ((self.birth_kind, "birth_kind"), (self.gender, "gender"),
                         (self.role, "role"), (self.residence, "residence")):
            box.setCurrentIndex(max(box.findData(payload.get(key)), 0))
        self.birth_value.setText(str(payload.get("birth_value", "")))
        self.custody.setChecked(bool(payload.get("custody")))
        self.school.setText(str(payload.get("school", "")))
        self.unaccompanied.setChecked(bool(payload.get("unaccompanied")))

    def reject(self) -> None:
        """Escape / Abbrechen: asks before typed text goes; a lock keeps it."""
        if self.draft_keeper.may_close():
            super().reject()

    def _kind_changed(self) -> None:
        kind = self.birth_kind.currentData()
        self.birth_value.setPlaceholderText("JJJJ" if kind == BIRTH_YEAR else DATE_HINT)
        if kind == DUE_DATE:
            self.custody.setChecked(False)
        self.custody.setEnabled(kind != DUE_DATE)

    def _load(self, person: Person) -> None:
        d = person.data
        self.first.setText(d.first_name)
        self.last.setText(d.last_name)
        b = d.birth
        if b.birth_year is not None:
            self.birth_kind.setCurrentIndex(self.birth_kind.findData(BIRTH_YEAR))
            self.birth_value.setText(str(b.birth_year))
        elif b.unborn:
            self.birth_kind.setCurrentIndex(self.birth_kind.findData(DUE_DATE))
            self.birth_value.setText(format_date(b.due_date))
        else:
            self.birth_value.setText(format_date(b.birth_date))
        self.gender.setCurrentIndex(self.gender.findData(d.gender.value))
        self.role.setCurrentIndex(self.role.findData(d.role.value))
        self.custody.setChecked(d.custody)
        self.school.setText(d.school)
        self.residence.setCurrentIndex(max(self.residence.findData(
            d.residence_status.value if d.residence_status else None), 0))
        self.unaccompanied.setChecked(d.unaccompanied)

    def birth(self) -> BirthInfo:
        kind = self.birth_kind.currentData()
        text = self.birth_value.text().strip()
        if kind == BIRTH_YEAR:
            if not text:
                return BirthInfo()
            if not (text.isdigit() and len(text) == 4):
                raise ValidationError("Geburtsjahr", "bitte vierstellig angeben (JJJJ).")
            return BirthInfo(birth_year=int(text))
        if kind == DUE_DATE:
            due = parse_date(text, "Errechneter Geburtstermin")
            if due is None:
                raise ValidationError("Errechneter Geburtstermin", "bitte angeben.")
            return BirthInfo(due_date=due)
        return BirthInfo(birth_date=parse_date(text, "Geburtsdatum"))

    def draft(self) -> PersonDraft:
        return PersonDraft(
            first_name=self.first.text(),
            last_name=self.last.text(),
            birth=self.birth(),
            gender=Gender(self.gender.currentData()),
            role=HouseholdRole(self.role.currentData()),
            custody=self.custody.isChecked(),
            school=self.school.text(),
            residence_status=(ResidenceStatus(status) if (status := self.residence.currentData())
                              else None),
            unaccompanied=self.unaccompanied.isChecked(),
        )

    def _open_existing(self, household_id: str) -> None:
        self.done(QDialog.DialogCode.Rejected.value)  # the person chose the existing file
        self.ctx.open_household(household_id)

    def save(self, checked_duplicates: bool = False) -> None:
        self.form.clear_errors()
        try:
            draft = self.draft()
            if self.person is None and not checked_duplicates:
                similar = households.similar_persons(self.ctx.require_session(), draft,
                                                     self.household_id)
                if similar:
                    self.duplicates.show_matches(
                        "Eine Person mit diesem Namen ist schon in einer anderen Akte:",
                        similar)
                    return
            if self.person is None:
                self.ctx.apply(households.add_person, self.household_id, draft)
            else:
                self.ctx.apply(households.update_person, self.person.id, draft)
        except ValidationError as error:
            self.form.show_error(error)
            return
        except UserError as error:
            self.ctx.report(error)
            return
        self.draft_keeper.discard()
        self.ctx.confirm("Person gespeichert.")
        self.accept()


def reopen_person(ctx: UiContext, household_id: HouseholdId, person_id: str | None) -> None:
    """The person dialog again after unlocking, with the draft kept at the lock."""
    workspace = getattr(ctx.window, "workspace", None)
    page = workspace.open_family(household_id) if workspace is not None else None
    tab = getattr(page, "persons", None)
    if page is None or not isinstance(tab, PersonsTab):
        return
    person = None
    if person_id is not None:
        members = households.members(ctx.require_session(), household_id)
        person = next((p for p in members if p.id == person_id), None)
        if person is None:
            return
    page.tabs.setCurrentWidget(tab)
    tab._open(person)


class PersonsTab(QWidget):
    def __init__(self, ctx: UiContext, household_id: HouseholdId,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.household_id = household_id
        self.model = PersonsModel(ctx, self)
        self.view = QTableView(self)
        named(self.view, "Personen im Haushalt")
        self.view.setModel(self.model)
        self.view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.view.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        compact_rows(self.view)
        stretch_column(self.view, COLUMNS.index("Name"))
        self.view.doubleClicked.connect(lambda _i: self.edit())
        add = QPushButton("Person hin&zufügen …", self)
        named(add, "Person hinzufügen")
        edit = QPushButton("Bearbei&ten …", self)
        named(edit, "Person bearbeiten")
        remove = QPushButton("Ent&fernen", self)
        named(remove, "Person entfernen")
        add.clicked.connect(self.add)
        edit.clicked.connect(self.edit)
        remove.clicked.connect(self.remove)
        buttons = QHBoxLayout()
        buttons.addWidget(add)
        buttons.addWidget(edit)
        buttons.addWidget(remove)
        buttons.addStretch(1)
        layout = QVBoxLayout(self)
        layout.addWidget(self.view, 1)
        layout.addLayout(buttons)
        self.dialog: PersonDialog | None = None
        self.reload()

    def reload(self) -> None:
        session = self.ctx.session
        if session is not None and session.is_open:
            self.model.set_persons(households.members(session, self.household_id))

    def selected(self) -> Person | None:
        rows = self.view.selectionModel().selectedRows()
        return self.model.persons[rows[0].row()] if rows else None

    def _open(self, person: Person | None) -> PersonDialog:
        self.dialog = PersonDialog(self.ctx, self.household_id, person, self)
        self.dialog.draft_keeper.reopen = partial(
            reopen_person, self.ctx, self.household_id, person.id if person else None)
        self.dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.dialog.setWindowModality(Qt.WindowModality.WindowModal)
        self.dialog.show()
        return self.dialog

    def add(self) -> PersonDialog:
        return self._open(None)

    def edit(self) -> PersonDialog | None:
        person = self.selected()
        return None if person is None else self._open(person)

    def remove(self) -> None:
        person = self.selected()
        if person is None:
            return
        if self.ctx.messages.confirm(self, "Person entfernen",
                                     "Diese Person aus dem Haushalt entfernen? Der Verlauf "
                                     "bleibt erhalten.") \
                and self.ctx.run(households.remove_person, person.id) is not None:
            self.ctx.confirm("Person aus dem Haushalt entfernt.")
