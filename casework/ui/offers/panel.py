"""Gruppenangebote des Stadtteilbüros (part of the Berichte screen): create offers and
record sessions with anonymous headcounts by age group and gender, and named participants
where an Einwilligung exists (the consent module is asked; otherwise "Einwilligung liegt
vor" must be confirmed). These counts feed the Jahresbericht."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QDoubleSpinBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QSpinBox,
    QTableWidget,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from casework.clock import local_today
from casework.errors import UserError
from casework.models.changes import Changes
from casework.models.offers import (
    AgeGroup,
    AttendeeGender,
    Headcount,
    OfferDraft,
    OfferKind,
    SessionDraft,
)
from casework.services import offers
from casework.services.households import households
from casework.ui.context import UiContext
from casework.ui.widgets import format_date, line_edit, named, parse_date

ID_ROLE = Qt.ItemDataRole.UserRole
AGE_GROUPS = [g for g in AgeGroup]
GENDERS = [g for g in AttendeeGender]


class OffersPanel(QWidget):
    def __init__(self, ctx: UiContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.list = QTreeWidget(self)
        named(self.list, "Gruppenangebote")
        self.list.setHeaderLabels(["Angebot", "Art", "Termine", "Zielgruppe"])
        self.list.setRootIsDecorated(False)
        self.list.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.list.header().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.list.currentItemChanged.connect(lambda *_: self.show_sessions())
        self.title = line_edit("Titel des Angebots", self)
        self.kind = QComboBox(self)
        named(self.kind, "Art des Angebots")
        self.kind.addItems([k.value for k in OfferKind])
        self.target = line_edit("Zielgruppe", self, "z. B. Mütter mit Kindern unter 3")
        self.planned = QSpinBox(self)
        self.planned.setRange(0, 500)
        self.planned.setSpecialValueText("offen")
        named(self.planned, "Geplante Termine")
        self.create_button = QPushButton("Angebot &anlegen", self)
        named(self.create_button, "Angebot anlegen")
        self.create_button.clicked.connect(self.create_offer)
        new_box = QGroupBox("Neues Angebot", self)
        new_form = QFormLayout(new_box)
        new_form.addRow("Titel", self.title)
        new_form.addRow("Art", self.kind)
        new_form.addRow("Zielgruppe", self.target)
        new_form.addRow("Geplante Termine", self.planned)
        new_form.addRow("", self.create_button)

        self.sessions = QTreeWidget(self)
        named(self.sessions, "Termine des Angebots")
        self.sessions.setHeaderLabels(["Datum", "Stunden", "Teilnehmende", "davon namentlich"])
        self.sessions.setRootIsDecorated(False)
        self.day = line_edit("Datum des Termins", self, "TT.MM.JJJJ (leer = heute)")
        self.hours = QDoubleSpinBox(self)
        self.hours.setRange(0, 24)
        self.hours.setSingleStep(0.5)
        self.hours.setValue(2.0)
        named(self.hours, "Dauer in Stunden")
        self.counts = QTableWidget(len(AGE_GROUPS), len(GENDERS), self)
        named(self.counts, "Anzahl Teilnehmende nach Altersgruppe und Geschlecht")
        self.counts.setVerticalHeaderLabels([g.value for g in AGE_GROUPS])
        self.counts.setHorizontalHeaderLabels([g.value for g in GENDERS])
        self.spins: dict[tuple[AgeGroup, AttendeeGender], QSpinBox] = {}
        for r, group in enumerate(AGE_GROUPS):
            for c, gender in enumerate(GENDERS):
                spin = QSpinBox(self.counts)
                spin.setRange(0, 10_000)
                named(spin, f"Anzahl {group.value}, {gender.value}")
                self.counts.setCellWidget(r, c, spin)
                self.spins[(group, gender)] = spin
        self.family_search = line_edit(
            "Familie suchen (namentliche Teilnahme)", self, "Familienname"
        )
        self.family_search.returnPressed.connect(self.search_people)
        self.person = QComboBox(self)
        named(self.person, "Person aus der Familie")
        self.add_person_button = QPushButton("Person &hinzufügen", self)
        named(self.add_person_button, "Person namentlich zur Teilnahme hinzufügen")
        self.add_person_button.clicked.connect(self.add_person)
        self.participants = QListWidget(self)
        named(self.participants, "Namentlich Teilnehmende")
        self.participants.setMaximumHeight(80)
        self.consent = QCheckBox("Einwilligung liegt vor (für alle namentlich Genannten)", self)
        named(self.consent, "Einwilligung liegt vor")
        self.record_button = QPushButton("&Termin erfassen", self)
        named(self.record_button, "Termin mit Teilnahme erfassen")
        self.record_button.clicked.connect(self.record_session)
        session_box = QGroupBox("Termin erfassen", self)  # a long title would set the width
        session_layout = QVBoxLayout(session_box)
        rule = QLabel("Anonyme Zählung; namentlich nur mit Einwilligung.", session_box)
        rule.setWordWrap(True)
        session_layout.addWidget(rule)
        row = QHBoxLayout()
        row.addWidget(self.day)
        row.addWidget(self.hours)
        row.addWidget(self.record_button)
        session_layout.addLayout(row)
        session_layout.addWidget(self.counts)
        people_row = QHBoxLayout()
        people_row.addWidget(self.family_search, 1)
        people_row.addWidget(self.person, 1)
        people_row.addWidget(self.add_person_button)
        session_layout.addLayout(people_row)
        session_layout.addWidget(self.participants)
        session_layout.addWidget(self.consent)

        left = QVBoxLayout()
        left.addWidget(self.list, 1)
        left.addWidget(new_box)
        right = QVBoxLayout()
        right.addWidget(self.sessions, 1)
        right.addWidget(session_box)
        layout = QHBoxLayout(self)
        layout.addLayout(left, 1)
        layout.addLayout(right, 1)
        ctx.changed.connect(self.on_changed)
        ctx.session_changed.connect(self.reload)
        self.reload()

    def on_changed(self, changes: Changes) -> None:
        if changes.affects("offer", "offer_session"):
            self.reload()

    def current_offer(self) -> str | None:
        item = self.list.currentItem()
        return None if item is None else str(item.data(0, ID_ROLE))

    def reload(self) -> None:
        if not self.ctx.is_unlocked:
            return
        keep = self.current_offer()
        self.list.clear()
        for offer in offers.offers(self.ctx.require_session()):
            if offer.data.household_id:
                continue  # a family's own Familientraining lives in its family file
            planned = f" von {offer.data.sessions_planned}" if offer.data.sessions_planned else ""
            item = QTreeWidgetItem(
                [
                    offer.data.title,
                    offer.data.kind.value,
                    f"{offer.sessions_held}{planned}",
                    offer.data.target_group,
                ]
            )
            item.setData(0, ID_ROLE, offer.id)
            self.list.addTopLevelItem(item)
            if offer.id == keep:
                self.list.setCurrentItem(item)
        self.show_sessions()

    def show_sessions(self) -> None:
        self.sessions.clear()
        offer_id = self.current_offer()
        self.record_button.setEnabled(offer_id is not None)
        if offer_id is None or not self.ctx.is_unlocked:
            return
        for held in offers.sessions(self.ctx.require_session(), offer_id):
            hours = "" if held.hours is None else f"{held.hours:g}".replace(".", ",")
            self.sessions.addTopLevelItem(
                QTreeWidgetItem(
                    [format_date(held.held_on), hours, str(held.total), str(held.named)]
                )
            )

    def create_offer(self) -> str | None:
        draft = OfferDraft(
            self.title.text(),
            OfferKind(self.kind.currentText()),
            target_group=self.target.text(),
            sessions_planned=self.planned.value() or None,
        )
        result = self.ctx.run(offers.create_offer, draft)
        if result is None:
            return None
        self.ctx.confirm("Angebot gespeichert.")
        self.title.clear()
        self.target.clear()
        for i in range(self.list.topLevelItemCount()):
            row = self.list.topLevelItem(i)
            if row is not None and row.data(0, ID_ROLE) == result[0]:
                self.list.setCurrentItem(row)
        return result[0]

    def search_people(self) -> None:
        self.person.clear()
        text = self.family_search.text().strip()
        if not text or not self.ctx.is_unlocked:
            return
        session = self.ctx.require_session()
        ids = households.list_ids(session, search=text, include_notes=False, limit=20)
        for row in households.list_rows(session, ids):
            for member in households.members(session, row.id):
                self.person.addItem(f"{member.display_name} – Familie {row.label}", member.id)

    def add_person(self) -> None:
        person_id = self.person.currentData()
        if person_id is None:
            return
        present = {
            self.participants.item(i).data(ID_ROLE) for i in range(self.participants.count())
        }
        if person_id in present:
            return
        item = QListWidgetItem(self.person.currentText(), self.participants)
        item.setData(ID_ROLE, person_id)

    def record_session(self) -> None:
        offer_id = self.current_offer()
        if offer_id is None:
            return
        try:
            day = parse_date(self.day.text(), "Datum") or local_today(self.ctx.clock)
            counts = tuple(
                Headcount(group, gender, spin.value())
                for (group, gender), spin in self.spins.items()
                if spin.value()
            )
            people = tuple(
                str(self.participants.item(i).data(ID_ROLE))
                for i in range(self.participants.count())
            )
            draft = SessionDraft(
                day, self.hours.value() or None, counts, people, self.consent.isChecked()
            )
            self.ctx.apply(offers.record_session, offer_id, draft)
        except UserError as error:
            self.ctx.report(error)
            return
        self.day.clear()
        for spin in self.spins.values():
            spin.setValue(0)
        self.ctx.confirm("Termin des Angebots gespeichert.")
        self.participants.clear()
        self.consent.setChecked(False)
