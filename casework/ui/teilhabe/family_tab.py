"""Family-file tab "Angebote/Teilhabe": Familientraining progress of this family (sessions
held of 10), recording a training session, and Teilhabemanagement clients of the
household with their eligibility; a member (16+) can be taken into the programme here
(the client stays a person of this household)."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QComboBox,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from casework.clock import local_today
from casework.errors import UserError
from casework.models.changes import Changes
from casework.models.offers import OfferDraft, OfferKind, SessionDraft
from casework.models.teilhabe.clients import ClientDraft
from casework.models.teilhabe.eligibility import ResidenceRecord, TmStatus
from casework.services import offers
from casework.services import teilhabe as tm
from casework.services.households import households
from casework.ui.context import UiContext
from casework.ui.widgets import (
    format_date,
    heading,
    line_edit,
    named,
    parse_date,
    set_placeholder,
)

ID_ROLE = Qt.ItemDataRole.UserRole


class TeilhabeTab(QWidget):
    def __init__(self, ctx: UiContext, household_id: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.household_id = household_id
        self.training = QTreeWidget(self)
        named(self.training, "Familientraining dieser Familie")
        self.training.setHeaderLabels(["Angebot", "Fortschritt", "abgeschlossen"])
        self.training.setRootIsDecorated(False)
        self.start_button = QPushButton("Familientraining &anlegen", self)
        named(self.start_button, "Familientraining für diese Familie anlegen")
        self.start_button.clicked.connect(self.start_training)
        self.session_date = line_edit("Datum des Termins", self, "TT.MM.JJJJ (leer = heute)")
        self.session_button = QPushButton("&Termin erfassen", self)
        named(self.session_button, "Termin des ausgewählten Familientrainings erfassen")
        self.session_button.clicked.connect(self.record_session)
        self.clients = QTreeWidget(self)
        named(self.clients, "Teilhabemanagement in diesem Haushalt")
        self.clients.setHeaderLabels(["Name", "Status", "Zielgruppe", "Begründung"])
        self.clients.setRootIsDecorated(False)
        self.member = QComboBox(self)
        named(self.member, "Person für das Teilhabemanagement")
        self.status = QComboBox(self)
        named(self.status, "Aufenthaltsstatus seit heute")
        self.status.addItems([s.value for s in TmStatus])
        self.enrol_button = QPushButton("In Teilhabemanagement auf&nehmen", self)
        named(self.enrol_button, "Ausgewählte Person in das Teilhabemanagement aufnehmen")
        self.enrol_button.clicked.connect(self.enrol)
        enrol_row = QHBoxLayout()
        enrol_row.addWidget(self.member, 1)
        enrol_row.addWidget(self.status)
        enrol_row.addWidget(self.enrol_button)
        row = QHBoxLayout()
        row.addWidget(self.start_button)
        row.addStretch(1)
        row.addWidget(QLabel("Termin am", self))
        row.addWidget(self.session_date)
        row.addWidget(self.session_button)
        layout = QVBoxLayout(self)
        layout.addWidget(heading("Familientraining (10 Termine × 2 Std.)", self, 1.05))
        layout.addWidget(self.training, 1)
        layout.addLayout(row)
        layout.addWidget(heading("Teilhabemanagement", self, 1.05))
        layout.addWidget(self.clients, 1)
        layout.addLayout(enrol_row)
        ctx.changed.connect(self.on_changed)
        self.reload()

    def on_changed(self, changes: Changes) -> None:
        if changes.affects(
            "offer", "offer_session", "tm_client"
        ) or self.household_id in changes.ids("household"):
            self.reload()

    def reload(self) -> None:
        if not self.ctx.is_unlocked:
            return
        session = self.ctx.require_session()
        titles = {o.id: o.data.title for o in offers.offers(session, OfferKind.FAMILIENTRAINING)}
        self.training.clear()
        for progress in offers.training_progress(session, self.household_id):
            item = QTreeWidgetItem(
                [
                    titles.get(progress.offer_id, "Familientraining"),
                    progress.text(),
                    "ja" if progress.complete else "nein",
                ]
            )
            item.setData(0, ID_ROLE, progress.offer_id)
            self.training.addTopLevelItem(item)
        bound = [
            o
            for o in offers.offers(session, OfferKind.FAMILIENTRAINING)
            if o.data.household_id == self.household_id and o.sessions_held == 0
        ]
        for offer in bound:  # created, no session yet
            item = QTreeWidgetItem(
                [offer.data.title, f"0 von {offer.data.sessions_planned} Terminen", "nein"]
            )
            item.setData(0, ID_ROLE, offer.id)
            self.training.addTopLevelItem(item)
        first = self.training.topLevelItem(0)
        if first is not None:
            self.training.setCurrentItem(first)
        today = local_today(self.ctx.clock)
        self.clients.clear()
        enrolled = set()
        for row in tm.all_clients(session):
            if row.client.household_id != self.household_id:
                continue
            enrolled.add(row.client.person_id)
            self.clients.addTopLevelItem(
                QTreeWidgetItem(
                    [
                        row.client.display_name,
                        row.client.state.value,
                        row.eligibility.verdict.value,
                        "; ".join(row.eligibility.reasons),
                    ]
                )
            )
        self.member.clear()
        for person in households.members(session, self.household_id):
            age = person.data.birth.age_years(today)
            if person.id in enrolled or age is None or age < 16:
                continue
            self.member.addItem(
                f"{person.display_name} ({person.data.birth.age_text(today)})", person.id
            )
        self.enrol_button.setEnabled(self.member.count() > 0)
        set_placeholder(self.session_date, f"TT.MM.JJJJ (leer = {format_date(today)})")

    def enrol(self) -> None:
        person_id = self.member.currentData()
        if person_id is None:
            return
        session = self.ctx.require_session()
        today = local_today(self.ctx.clock)
        status = TmStatus(self.status.currentText())
        person = next(p for p in households.members(session, self.household_id)
                      if p.id == person_id)
        # The same target-group check as on the Teilhabemanagement screen, before saving.
        check = tm.check_enrolment(session, person.data.birth, status)
        if check.check.outside:
            lines = list(check.check.messages)
            if check.youth_contact:
                lines.append(f"Ansprechpartner: {check.youth_contact}")
            if not self.ctx.messages.confirm(
                self, "Außerhalb der Zielgruppe",
                "\n".join(lines) + "\n\nTrotzdem in das Teilhabemanagement aufnehmen?",
            ):
                return
        result = self.ctx.run(
            tm.enrol, person_id, ClientDraft(today), ResidenceRecord(status, today)
        )
        if result is None:
            return
        place = tm.waiting_position(session, result[0])
        where = f"Platz {place[0]} von {place[1]}" if place else "Warteliste"
        self.ctx.confirm(
            f"Aufgenommen – auf der Warteliste des Teilhabemanagements, {where}."
        )

    def start_training(self) -> None:
        self.ctx.run(
            offers.create_offer,
            OfferDraft(
                "Familientraining", OfferKind.FAMILIENTRAINING, household_id=self.household_id
            ),
        )

    def record_session(self) -> None:
        item = self.training.currentItem()
        if item is None:
            self.ctx.messages.info(
                self, "Familientraining", "Bitte zuerst ein Familientraining anlegen."
            )
            return
        try:
            day = parse_date(self.session_date.text(), "Datum") or local_today(self.ctx.clock)
            self.ctx.apply(offers.record_session, str(item.data(0, ID_ROLE)), SessionDraft(day))
        except UserError as error:
            self.ctx.report(error)
            return
        self.session_date.clear()


def create(ctx: UiContext, household_id: str) -> QWidget:
    return TeilhabeTab(ctx, household_id)
