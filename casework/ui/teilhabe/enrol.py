"""Teilhabemanagement: taking a person in ("Neu aufnehmen") with the target-group check
before saving, and the waiting list everyone can see.

After an enrolment the form says what happened and where the person is now (in the
worker's caseload, or on the waiting list with the place), and the screen shows her there.
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QFormLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from casework.clock import local_today
from casework.errors import UserError, ValidationError
from casework.models.households.person import BirthInfo, Gender
from casework.models.persons.worker import WorkerRole
from casework.models.teilhabe.clients import ClientDraft
from casework.models.teilhabe.eligibility import ClientState, ResidenceRecord, TmStatus
from casework.services import teilhabe as tm
from casework.ui.teilhabe.tables import Host
from casework.ui.widgets import error_label, format_date, heading, line_edit, named, parse_date

ID_ROLE = Qt.ItemDataRole.UserRole
CHOOSE = "– bitte wählen –"


def combo(name: str, items: list[str], parent: QWidget) -> QComboBox:
    box = QComboBox(parent)
    named(box, name)
    box.addItems(items)
    return box


class EnrolForm(QWidget):
    """Neue Klientin / neuer Klient (a one-person household is created)."""

    def __init__(self, screen: Host) -> None:
        super().__init__()  # parented by the screen's tab widget
        self.host = screen
        self.first = line_edit("Vorname", self)
        self.last = line_edit("Nachname", self)
        self.birth = line_edit("Geburtsdatum", self, "TT.MM.JJJJ")
        # No default: a gender is chosen by the person entering it, never preset.
        self.gender = combo("Geschlecht", [CHOOSE, *(g.value for g in Gender)], self)
        self.status = combo("Aufenthaltsstatus", [CHOOSE, *(s.value for s in TmStatus)], self)
        self.valid_from = line_edit("Status gültig ab", self, "TT.MM.JJJJ (leer = heute)")
        self.valid_until = line_edit("Nachweis gültig bis", self, "TT.MM.JJJJ (optional)")
        self.intake = line_edit("Aufnahmedatum", self, "TT.MM.JJJJ (leer = heute)")
        self.check = QLabel(self)
        self.check.setWordWrap(True)
        named(self.check, "Prüfung der Zielgruppe")
        self.submit = QPushButton("Auf&nehmen", self)
        named(self.submit, "Klient/in aufnehmen")
        self.submit.clicked.connect(self.save)
        self.outcome = QLabel(self)
        self.outcome.setWordWrap(True)
        named(self.outcome, "Ergebnis der Aufnahme")
        self.show_button = QPushButton("Dort an&zeigen", self)
        named(self.show_button, "Aufgenommene Person anzeigen")
        self.show_button.setVisible(False)
        self.show_button.clicked.connect(self.show_enrolled)
        self.error = error_label(self)
        self.enrolled: str | None = None
        form = QFormLayout()
        for label, widget in (
            ("Vorname", self.first),
            ("Nachname", self.last),
            ("Geburtsdatum", self.birth),
            ("Geschlecht", self.gender),
            ("Aufenthaltsstatus", self.status),
            ("Status gültig ab", self.valid_from),
            ("Nachweis gültig bis", self.valid_until),
            ("Aufnahme am", self.intake),
        ):
            caption = QLabel(label, self)
            caption.setBuddy(widget)
            form.addRow(caption, widget)
        form.addRow("", self.check)
        form.addRow("", self.submit)
        done = QHBoxLayout()
        done.addWidget(self.outcome, 1)
        done.addWidget(self.show_button, 0, Qt.AlignmentFlag.AlignTop)
        body = QVBoxLayout()
        body.addWidget(heading("Neu aufnehmen", self, 1.05))
        # the target group under the heading, wrapping: as part of the heading it made the
        # form wider than a 125 % laptop leaves (issue 18)
        target = QLabel("Zielgruppe: in der Regel 18 bis 27 Jahre, Duldung oder Gestattung",
                        self)
        target.setWordWrap(True)
        body.addWidget(target)
        body.addWidget(self.error)
        body.addLayout(form)
        body.addLayout(done)
        body.addStretch(1)
        layout = QHBoxLayout(self)
        layout.addLayout(body, 3)
        layout.addStretch(1)
        self.birth.editingFinished.connect(self.update_check)
        self.status.currentIndexChanged.connect(lambda _i: self.update_check())

    def _birth(self) -> BirthInfo:
        return BirthInfo(birth_date=parse_date(self.birth.text(), "Geburtsdatum"))

    def _status(self) -> TmStatus | None:
        text = self.status.currentText()
        return None if text == CHOOSE else TmStatus(text)

    def update_check(self) -> list[str]:
        """Show the target-group check as soon as birth date and status are typed."""
        ctx = self.host.ctx
        if not ctx.is_unlocked:
            return []
        try:
            birth = self._birth()
        except UserError:
            self.check.setText("")
            return []
        if birth.birth_date is None and self._status() is None:
            self.check.setText("")
            return []
        result = tm.check_enrolment(ctx.require_session(), birth, self._status())
        lines = list(result.check.messages)
        if result.youth_contact:
            lines.append(f"Ansprechpartner: {result.youth_contact}")
        prefix = "⚠ Außerhalb der Zielgruppe: " if result.check.outside else ""
        self.check.setText(prefix + " ".join(lines) if lines else "✓ in der Zielgruppe")
        font = self.check.font()
        font.setBold(result.check.outside)
        self.check.setFont(font)
        return lines if result.check.outside else []

    def save(self) -> str | None:
        ctx = self.host.ctx
        self.error.setVisible(False)
        try:
            today = local_today(ctx.clock)
            if not self.first.text().strip() and not self.last.text().strip():
                raise ValidationError("Name", "bitte Vor- oder Nachnamen angeben.")
            birth = self._birth()
            if self.gender.currentText() == CHOOSE:
                raise ValidationError(
                    "Geschlecht", "bitte auswählen (auch „keine Angabe“ ist möglich)."
                )
            status = self._status()
            if status is None:
                raise ValidationError("Aufenthaltsstatus", "bitte auswählen.")
            record = ResidenceRecord(
                status,
                parse_date(self.valid_from.text(), "Status gültig ab") or today,
                parse_date(self.valid_until.text(), "Nachweis gültig bis"),
            )
            draft = ClientDraft(parse_date(self.intake.text(), "Aufnahmedatum") or today)
            outside = self.update_check()
            if outside and not ctx.messages.confirm(
                self,
                "Außerhalb der Zielgruppe",
                "\n".join(outside) + "\n\nTrotzdem in das Teilhabemanagement aufnehmen?",
            ):
                return None
            client_id, _changes = ctx.apply(
                tm.enrol_new_person,
                self.first.text(),
                self.last.text(),
                birth,
                Gender(self.gender.currentText()),
                draft,
                record,
            )
        except UserError as error:
            self.error.setText(error.message)
            self.error.setVisible(True)
            ctx.report(error)
            return None
        name = f"{self.first.text().strip()} {self.last.text().strip()}".strip()
        session = ctx.require_session()
        in_caseload = False
        if session.actor.data.role is WorkerRole.TEILHABEMANAGEMENT:
            # Her own enrolment goes straight into her caseload while there is room.
            try:
                ctx.apply(tm.assign, client_id, session.actor_id)
                in_caseload = True
            except UserError:
                in_caseload = False
        for edit in (self.first, self.last, self.birth, self.valid_from, self.valid_until,
                     self.intake):
            edit.clear()
        self.gender.setCurrentIndex(0)
        self.status.setCurrentIndex(0)
        self.check.setText("")
        self.enrolled = client_id
        if in_caseload:
            self.outcome.setText(f"{name} wurde aufgenommen und steht jetzt in „Meine Fälle“.")
            ctx.confirm("Aufgenommen – jetzt in „Meine Fälle“.")
        else:
            place = tm.waiting_position(session, client_id)
            where = f"Platz {place[0]} von {place[1]}" if place else "Warteliste"
            role = session.actor.data.role
            why = (
                "Ihre Kapazität ist erreicht; die Leitung verteilt freie Plätze."
                if role is WorkerRole.TEILHABEMANAGEMENT
                else "Zuweisen: Reiter „Auslastung und Warteliste“."
                if role in tm.LEAD_ROLES
                else "Zuweisen kann die Leitung oder eine Teilhabemanagerin."
            )
            self.outcome.setText(
                f"{name} wurde aufgenommen und steht auf der Warteliste ({where}). {why}"
            )
            ctx.confirm(f"Aufgenommen – auf der Warteliste, {where}.")
        self.show_button.setVisible(True)
        self.host.reload()
        return client_id

    def show_enrolled(self) -> None:
        if self.enrolled is not None:
            self.host.show_client_where_it_is(self.enrolled)


class WaitingPanel(QWidget):
    """The waiting list, in intake order, for everyone in the programme; a
    Teilhabemanagerin takes a waiting person into her own caseload from here."""

    def __init__(self, screen: Host) -> None:
        super().__init__()  # parented by the screen's tab widget
        self.host = screen
        self.tree = QTreeWidget(self)
        named(self.tree, "Warteliste")
        self.tree.setHeaderLabels(["Platz", "Aufnahme", "Name", "Alter", "Zielgruppe",
                                   "Begründung"])
        self.tree.setRootIsDecorated(False)
        self.tree.setAlternatingRowColors(True)
        self.tree.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        header = self.tree.header()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setStretchLastSection(True)
        self.summary = QLabel(self)
        self.summary.setWordWrap(True)
        named(self.summary, "Stand der Warteliste")
        self.take_button = QPushButton("In meine Fälle ü&bernehmen", self)
        named(self.take_button, "Ausgewählte Person in meine Fälle übernehmen")
        self.take_button.clicked.connect(self.take)
        row = QHBoxLayout()
        row.addWidget(self.summary, 1)
        row.addWidget(self.take_button)
        layout = QVBoxLayout(self)
        layout.addLayout(row)
        layout.addWidget(self.tree, 1)

    def load(self) -> None:
        ctx = self.host.ctx
        session = ctx.require_session()
        keep = self.selected()
        self.tree.clear()
        today = local_today(ctx.clock)
        rows = tm.waiting_list(session)
        for place, row in enumerate(rows, start=1):
            item = QTreeWidgetItem([
                str(place),
                format_date(row.client.data.intake_on),
                row.client.display_name,
                row.client.birth.age_text(today),
                row.eligibility.verdict.value,
                "; ".join(row.eligibility.reasons),
            ])
            item.setData(0, ID_ROLE, row.client.id)
            self.tree.addTopLevelItem(item)
            if row.client.id == keep:
                self.tree.setCurrentItem(item)
        role = session.actor.data.role
        may_take = role is WorkerRole.TEILHABEMANAGEMENT
        self.take_button.setVisible(may_take)
        if not rows:
            self.summary.setText("Niemand wartet.")
        elif may_take:
            cap = tm.capacity_of(session, session.actor_id)
            self.summary.setText(
                f"{len(rows)} Personen warten (nach Aufnahmedatum). Ihre Auslastung: "
                f"{cap.text()}, frei: {cap.free}."
            )
        else:
            self.summary.setText(
                f"{len(rows)} Personen warten (nach Aufnahmedatum). Zuweisen: Reiter "
                "„Auslastung und Warteliste“ (Leitung)."
            )

    def selected(self) -> str | None:
        item = self.tree.currentItem()
        return None if item is None else str(item.data(0, ID_ROLE))

    def select(self, client_id: str) -> bool:
        for i in range(self.tree.topLevelItemCount()):
            item = self.tree.topLevelItem(i)
            if item is not None and item.data(0, ID_ROLE) == client_id:
                self.tree.setCurrentItem(item)
                return True
        return False

    def take(self) -> None:
        ctx = self.host.ctx
        client_id = self.selected()
        if client_id is None:
            ctx.messages.info(self, "Übernehmen", "Bitte eine Person auf der Warteliste wählen.")
            return
        session = ctx.require_session()
        try:
            ctx.apply(tm.assign, client_id, session.actor_id)
        except UserError as error:
            ctx.report(error)
            return
        ctx.confirm("Übernommen – jetzt in „Meine Fälle“.")
        if tm.get(session, client_id).state is ClientState.AKTIV:
            self.host.show_client_where_it_is(client_id)
