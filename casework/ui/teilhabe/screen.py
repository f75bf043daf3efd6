"""Teilhabemanagement: my caseload with eligibility and reasons, enrolment, residence
documents, the intake questionnaire (Erstgespräch) and measures; for the Leitung a
dashboard of utilisation per worker (e.g. 87/100), the waiting list and reassignment."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QProgressBar,
    QPushButton,
    QScrollArea,
    QSplitter,
    QTabWidget,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from casework.clock import local_today
from casework.errors import UserError
from casework.models.changes import Changes
from casework.models.households.person import BirthInfo, Gender
from casework.models.persons.worker import WorkerRole
from casework.models.teilhabe import (
    ClientDraft,
    Exclusion,
    Foerderbaustein,
    Handlungsfeld,
    MeasureDraft,
    MeasureStatus,
    Outcome,
    Questionnaire,
    ResidenceRecord,
    TmStatus,
)
from casework.services import teilhabe as tm
from casework.ui.context import UiContext
from casework.ui.persons import reauth
from casework.ui.widgets import format_date, heading, line_edit, named, parse_date

ID_ROLE = Qt.ItemDataRole.UserRole
KINDS = ("tm_client", "tm_measure", "worker", "person")


def _tree(name: str, columns: list[str], parent: QWidget) -> QTreeWidget:
    tree = QTreeWidget(parent)
    named(tree, name)
    tree.setHeaderLabels(columns)
    tree.setRootIsDecorated(False)
    tree.setAlternatingRowColors(True)
    tree.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
    tree.header().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
    tree.header().setStretchLastSection(True)
    return tree


def _combo(name: str, items: list[str], parent: QWidget) -> QComboBox:
    combo = QComboBox(parent)
    named(combo, name)
    combo.addItems(items)
    return combo


class EnrolForm(QGroupBox):
    """Neue Klientin / neuer Klient (a one-person household is created)."""

    def __init__(self, screen: TeilhabeScreen) -> None:
        super().__init__("Neu aufnehmen", screen)
        self.host = screen
        self.first = line_edit("Vorname", self)
        self.last = line_edit("Nachname", self)
        self.birth = line_edit("Geburtsdatum", self, "TT.MM.JJJJ")
        self.gender = _combo("Geschlecht", [g.value for g in Gender], self)
        self.status = _combo("Aufenthaltsstatus", [s.value for s in TmStatus], self)
        self.valid_from = line_edit("Status gültig ab", self, "TT.MM.JJJJ")
        self.valid_until = line_edit("Nachweis gültig bis", self, "TT.MM.JJJJ (optional)")
        self.intake = line_edit("Aufnahmedatum", self, "TT.MM.JJJJ (leer = heute)")
        self.exclusions = [QCheckBox(e.value, self) for e in Exclusion]
        for box, excl in zip(self.exclusions, Exclusion, strict=True):
            named(box, f"Ausschluss: {excl.value}")
        self.submit = QPushButton("Auf&nehmen", self)
        named(self.submit, "Klient/in aufnehmen")
        self.submit.clicked.connect(self.save)
        form = QFormLayout(self)
        for label, widget in (
            ("Vorname", self.first),
            ("Nachname", self.last),
            ("Geburtsdatum", self.birth),
            ("Geschlecht", self.gender),
            ("Aufenthaltsstatus", self.status),
            ("gültig ab", self.valid_from),
            ("gültig bis", self.valid_until),
            ("Aufnahme am", self.intake),
        ):
            form.addRow(label, widget)
        for box in self.exclusions:
            form.addRow("", box)
        form.addRow("", self.submit)

    def save(self) -> str | None:
        ctx = self.host.ctx
        try:
            today = local_today(ctx.clock)
            birth = parse_date(self.birth.text(), "Geburtsdatum")
            start = parse_date(self.valid_from.text(), "Status gültig ab") or today
            record = ResidenceRecord(
                TmStatus(self.status.currentText()),
                start,
                parse_date(self.valid_until.text(), "Nachweis gültig bis"),
            )
            draft = ClientDraft(
                parse_date(self.intake.text(), "Aufnahmedatum") or today,
                frozenset(
                    e for e, box in zip(Exclusion, self.exclusions, strict=True) if box.isChecked()
                ),
            )
            result = ctx.apply(
                tm.enrol_new_person,
                self.first.text(),
                self.last.text(),
                BirthInfo(birth_date=birth),
                Gender(self.gender.currentText()),
                draft,
                record,
            )
        except UserError as error:
            ctx.report(error)
            return None
        for edit in (
            self.first,
            self.last,
            self.birth,
            self.valid_from,
            self.valid_until,
            self.intake,
        ):
            edit.clear()
        session = ctx.require_session()
        if session.actor.data.role is WorkerRole.TEILHABEMANAGEMENT:
            # Her own enrolment goes straight into her caseload (capacity permitting;
            # otherwise it stays on the waiting list and the message says why).
            ctx.run(tm.assign, result[0], session.actor_id)
        return result[0]


class IntakeForm(QWidget):
    """The Erstgespräch, built from the questionnaire file."""

    def __init__(self, screen: TeilhabeScreen, questionnaire: Questionnaire) -> None:
        super().__init__(screen)
        self.host = screen
        self.questionnaire = questionnaire
        self.inputs: dict[str, Any] = {}
        inner = QWidget(self)
        form = QFormLayout(inner)
        section = ""
        for q in questionnaire.questions:
            if q.section != section:
                section = q.section
                form.addRow(heading(section, inner, 1.05))
            widget: QWidget
            if q.kind == "choice":
                widget = _combo(q.label, ["", *q.options], inner)
            elif q.kind == "multi":
                widget = QListWidget(inner)
                named(widget, q.label)
                for option in q.options:
                    item = QListWidgetItem(option, widget)
                    item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
                    item.setCheckState(Qt.CheckState.Unchecked)
                widget.setMaximumHeight(22 * min(len(q.options), 6) + 6)
            elif q.kind == "bool":
                widget = QCheckBox(inner)
                named(widget, q.label)
            else:
                widget = QLineEdit(inner)
                named(widget, q.label)
            self.inputs[q.key] = widget
            form.addRow(q.label, widget)
        self.needs = QLabel(inner)
        self.needs.setWordWrap(True)
        named(self.needs, "Abgeleitete Bedarfe")
        self.save_button = QPushButton("Erstgespräch &speichern", inner)
        named(self.save_button, "Erstgespräch speichern")
        self.save_button.clicked.connect(self.save)
        form.addRow("Bedarfe", self.needs)
        form.addRow("", self.save_button)
        scroll = QScrollArea(self)
        scroll.setWidgetResizable(True)
        scroll.setWidget(inner)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(scroll)

    def answers(self) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for key, widget in self.inputs.items():
            if isinstance(widget, QComboBox):
                out[key] = widget.currentText()
            elif isinstance(widget, QListWidget):
                out[key] = [
                    widget.item(i).text()
                    for i in range(widget.count())
                    if widget.item(i).checkState() == Qt.CheckState.Checked
                ]
            elif isinstance(widget, QCheckBox):
                out[key] = widget.isChecked()
            else:
                out[key] = widget.text()
        return out

    def load(self, client_id: str | None) -> None:
        intake = tm.intake(self.host.ctx.require_session(), client_id) if client_id else None
        answers = intake.answers if intake else {}
        for key, widget in self.inputs.items():
            value = answers.get(key)
            if isinstance(widget, QComboBox):
                widget.setCurrentText(str(value or ""))
            elif isinstance(widget, QListWidget):
                chosen = set(value or [])
                for i in range(widget.count()):
                    item = widget.item(i)
                    item.setCheckState(
                        Qt.CheckState.Checked if item.text() in chosen else Qt.CheckState.Unchecked
                    )
            elif isinstance(widget, QCheckBox):
                widget.setChecked(bool(value))
            else:
                widget.setText(str(value or ""))
        lines = [
            f"{hf}: {', '.join(items)}"
            for hf, items in (intake.needs if intake else {}).items()
            if items
        ]
        when = f"Erstgespräch vom {format_date(intake.interviewed_on)}. " if intake else ""
        self.needs.setText(when + ("; ".join(lines) if lines else "noch keine Bedarfe"))
        self.save_button.setEnabled(client_id is not None)

    def save(self) -> None:
        client_id = self.host.current_client_id()
        if client_id is None:
            return
        self.host.ctx.run(
            tm.record_intake, client_id, self.answers(), questionnaire=self.questionnaire
        )


class MeasuresPanel(QWidget):
    def __init__(self, screen: TeilhabeScreen) -> None:
        super().__init__(screen)
        self.host = screen
        self.table = _tree(
            "Maßnahmen",
            [
                "Maßnahme",
                "Baustein",
                "Handlungsfeld",
                "Träger",
                "Beginn",
                "Ende",
                "Status",
                "Ergebnis",
            ],
            self,
        )
        self.title = line_edit("Maßnahme (Titel)", self)
        self.baustein = _combo("Förderbaustein", [b.value for b in Foerderbaustein], self)
        self.field = _combo("Handlungsfeld", [h.value for h in Handlungsfeld], self)
        self.provider = line_edit("Träger/Anbieter", self)
        self.start = line_edit("Beginn", self, "TT.MM.JJJJ")
        self.end = line_edit("Ende", self, "TT.MM.JJJJ")
        self.status = _combo("Status", [s.value for s in MeasureStatus], self)
        self.outcome = _combo("Ergebnis", [o.value or "offen" for o in Outcome], self)
        self.add_button = QPushButton("Maßnahme &hinzufügen", self)
        named(self.add_button, "Maßnahme hinzufügen")
        self.add_button.clicked.connect(self.add)
        self.update_button = QPushButton("Ausgewählte Maßnahme ä&ndern", self)
        named(self.update_button, "Ausgewählte Maßnahme mit diesen Angaben speichern")
        self.update_button.clicked.connect(self.update_selected)
        self.table.currentItemChanged.connect(lambda *_: self.fill_from_selection())
        self.loaded: dict[str, MeasureDraft] = {}
        form = QFormLayout()
        for label, widget in (
            ("Maßnahme", self.title),
            ("Förderbaustein", self.baustein),
            ("Handlungsfeld", self.field),
            ("Träger", self.provider),
            ("Beginn", self.start),
            ("Ende", self.end),
            ("Status", self.status),
            ("Ergebnis", self.outcome),
        ):
            form.addRow(label, widget)
        buttons = QHBoxLayout()
        buttons.addWidget(self.add_button)
        buttons.addWidget(self.update_button)
        form.addRow("", buttons)
        layout = QVBoxLayout(self)
        layout.addWidget(self.table, 1)
        layout.addLayout(form)

    def load(self, client_id: str | None) -> None:
        self.table.clear()
        self.loaded = {}
        self.add_button.setEnabled(client_id is not None)
        self.update_button.setEnabled(False)
        if client_id is None:
            return
        for m in tm.measures(self.host.ctx.require_session(), client_id):
            d = m.data
            self.loaded[m.id] = d
            item = QTreeWidgetItem(
                [
                    d.title,
                    d.baustein.value,
                    d.handlungsfeld.value,
                    d.provider,
                    format_date(d.start_on),
                    format_date(d.end_on),
                    d.status.value,
                    d.outcome.value or "offen",
                ]
            )
            item.setData(0, ID_ROLE, m.id)
            self.table.addTopLevelItem(item)

    def draft(self) -> MeasureDraft:
        outcome_text = self.outcome.currentText()
        return MeasureDraft(
            self.title.text(),
            Foerderbaustein(self.baustein.currentText()),
            Handlungsfeld(self.field.currentText()),
            self.provider.text(),
            parse_date(self.start.text(), "Beginn"),
            parse_date(self.end.text(), "Ende"),
            MeasureStatus(self.status.currentText()),
            Outcome("" if outcome_text == "offen" else outcome_text),
        )

    def add(self) -> None:
        client_id = self.host.current_client_id()
        if client_id is None:
            return
        ctx = self.host.ctx
        try:
            ctx.apply(tm.add_measure, client_id, self.draft())
        except UserError as error:
            ctx.report(error)
            return
        self.title.clear()
        self.provider.clear()

    def selected_measure(self) -> str | None:
        item = self.table.currentItem()
        return None if item is None else str(item.data(0, ID_ROLE))

    def fill_from_selection(self) -> None:
        measure_id = self.selected_measure()
        d = self.loaded.get(measure_id or "")
        self.update_button.setEnabled(d is not None)
        if d is None:
            return
        self.title.setText(d.title)
        self.baustein.setCurrentText(d.baustein.value)
        self.field.setCurrentText(d.handlungsfeld.value)
        self.provider.setText(d.provider)
        self.start.setText(format_date(d.start_on))
        self.end.setText(format_date(d.end_on))
        self.status.setCurrentText(d.status.value)
        self.outcome.setCurrentText(d.outcome.value or "offen")

    def update_selected(self) -> None:
        measure_id = self.selected_measure()
        if measure_id is None:
            return
        ctx = self.host.ctx
        try:
            ctx.apply(tm.update_measure, measure_id, self.draft())
        except UserError as error:
            ctx.report(error)


class LeadDashboard(QWidget):
    """Leitung: utilisation per worker, waiting list, (re)assignment."""

    def __init__(self, screen: TeilhabeScreen) -> None:
        super().__init__(screen)
        self.host = screen
        self.loads = QVBoxLayout()
        self.warning = QLabel(self)
        named(self.warning, "Auslastungswarnung")
        self.warning.setStyleSheet("color: #a00000; font-weight: bold;")
        self.warning.setWordWrap(True)
        self.waiting = _tree("Warteliste", ["Aufnahme", "Name", "Zielgruppe", "Begründung"], self)
        self.all_clients = _tree(
            "Alle Klient/innen", ["Name", "Zuständig", "Status", "Zielgruppe"], self
        )
        self.worker = QComboBox(self)
        named(self.worker, "Zuweisen an")
        self.reason = line_edit(
            "Grund der Umverteilung", self, "Grund (bei Umverteilung erforderlich)"
        )
        self.assign_button = QPushButton("&Zuweisen / umverteilen", self)
        named(self.assign_button, "Ausgewählte Person zuweisen oder umverteilen")
        self.assign_button.clicked.connect(self.assign_selected)
        self.distribute_button = QPushButton("Warteliste &verteilen", self)
        named(self.distribute_button, "Warteliste gerecht auf freie Plätze verteilen")
        self.distribute_button.clicked.connect(self.distribute)
        self.history = QLabel(self)
        self.history.setWordWrap(True)
        named(self.history, "Zuweisungsverlauf")
        self.all_clients.currentItemChanged.connect(lambda *_: self.show_history())
        row = QHBoxLayout()
        row.addWidget(QLabel("Zuweisen an", self))
        row.addWidget(self.worker)
        row.addWidget(self.reason, 1)
        row.addWidget(self.assign_button)
        layout = QVBoxLayout(self)
        layout.addWidget(heading("Auslastung je Fachkraft (Schlüssel laut Profil)", self, 1.05))
        layout.addLayout(self.loads)
        layout.addWidget(self.warning)
        layout.addWidget(heading("Warteliste", self, 1.05))
        layout.addWidget(self.waiting, 1)
        layout.addWidget(self.distribute_button, 0, Qt.AlignmentFlag.AlignRight)
        layout.addWidget(heading("Alle Klient/innen", self, 1.05))
        layout.addWidget(self.all_clients, 1)
        layout.addLayout(row)
        layout.addWidget(self.history)
        self.bars: dict[str, QProgressBar] = {}

    def load(self) -> None:
        session = self.host.ctx.require_session()
        while self.loads.count():
            layout_item = self.loads.takeAt(0)
            widget = layout_item.widget() if layout_item is not None else None
            if widget is not None:
                widget.deleteLater()
        self.bars = {}
        warnings = []
        self.worker.clear()
        for load in tm.dashboard(session):
            cap = load.capacity
            bar = QProgressBar(self)
            named(bar, f"Auslastung {load.worker.name}")
            bar.setRange(0, max(cap.places, 1))
            bar.setValue(min(cap.active, max(cap.places, 1)))
            bar.setFormat(f"{load.worker.name}: {cap.text()}")
            bar.setTextVisible(True)
            self.loads.addWidget(bar)
            self.bars[load.worker.id] = bar
            if cap.warning:
                warnings.append(
                    f"{load.worker.name}: {cap.text()} – über {round(cap.warn_above * 100)} %"
                )
            if load.worker.data.role is WorkerRole.TEILHABEMANAGEMENT:
                self.worker.addItem(f"{load.worker.name} ({cap.text()})", load.worker.id)
        self.warning.setText("Warnung: " + "; ".join(warnings) if warnings else "")
        self.waiting.clear()
        for row in tm.waiting_list(session):
            item = QTreeWidgetItem(
                [
                    format_date(row.client.data.intake_on),
                    row.client.display_name,
                    row.eligibility.verdict.value,
                    "; ".join(row.eligibility.reasons),
                ]
            )
            item.setData(0, ID_ROLE, row.client.id)
            self.waiting.addTopLevelItem(item)
        self.all_clients.clear()
        for row in tm.all_clients(session):
            item = QTreeWidgetItem(
                [
                    row.client.display_name,
                    row.worker_name or "Warteliste",
                    row.client.state.value,
                    row.eligibility.verdict.value,
                ]
            )
            item.setData(0, ID_ROLE, row.client.id)
            self.all_clients.addTopLevelItem(item)

    def selected_client(self) -> str | None:
        for tree in (self.waiting, self.all_clients):
            item = tree.currentItem()
            if item is not None and tree.hasFocus():
                return str(item.data(0, ID_ROLE))
        for tree in (self.all_clients, self.waiting):
            item = tree.currentItem()
            if item is not None:
                return str(item.data(0, ID_ROLE))
        return None

    def assign_selected(self) -> None:
        client_id = self.selected_client()
        worker_id = self.worker.currentData()
        if client_id is None or worker_id is None:
            self.host.ctx.messages.info(
                self, "Zuweisen", "Bitte eine Person und eine Fachkraft auswählen."
            )
            return
        ctx = self.host.ctx
        current = tm.get(ctx.require_session(), client_id).worker_id
        auth = None
        if current is not None and current != worker_id:  # reassignment: a reserved act
            auth = reauth.authorize(ctx, self, "Umverteilen")
            if auth is None:
                return
        ctx.run(tm.assign, client_id, worker_id, self.reason.text(), auth=auth)
        self.reason.clear()

    def distribute(self) -> None:
        self.host.ctx.run(tm.distribute_waiting)

    def show_history(self) -> None:
        item = self.all_clients.currentItem()
        if item is None:
            self.history.setText("")
            return
        entries = tm.assignment_history(
            self.host.ctx.require_session(), str(item.data(0, ID_ROLE))
        )
        parts = []
        for e in entries:
            step = f"{format_date(e.on)} {e.from_worker or 'Warteliste'} → "
            step += e.to_worker or "Warteliste"
            parts.append(step + (f" ({e.reason})" if e.reason else ""))
        self.history.setText("Verlauf: " + "; ".join(parts) if parts else "")


class TeilhabeScreen(QWidget):
    def __init__(self, ctx: UiContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.caseload = _tree(
            "Meine Fälle",
            ["Name", "Alter", "Aufenthaltsstatus", "Zielgruppe", "endet am", "Begründung"],
            self,
        )
        self.caseload.currentItemChanged.connect(lambda *_: self.show_client())
        self.capacity = QLabel(self)
        named(self.capacity, "Meine Auslastung")
        self.enrol = EnrolForm(self)
        self.eligibility = QLabel(self)
        self.eligibility.setWordWrap(True)
        named(self.eligibility, "Zielgruppe und Begründung")
        self.residence_status = _combo("Neuer Aufenthaltsstatus", [s.value for s in TmStatus], self)
        self.residence_from = line_edit("Neuer Status gültig ab", self, "TT.MM.JJJJ")
        self.residence_until = line_edit("Neuer Nachweis gültig bis", self, "TT.MM.JJJJ")
        self.residence_button = QPushButton("Status&änderung erfassen", self)
        named(self.residence_button, "Statusänderung erfassen")
        self.residence_button.clicked.connect(self.add_residence)
        try:
            questionnaire = tm.load_questionnaire()
        except UserError:
            questionnaire = None
        self.intake = IntakeForm(self, questionnaire) if questionnaire else None
        self.measures = MeasuresPanel(self)
        status_page = QWidget(self)
        status_form = QFormLayout(status_page)
        status_form.addRow(self.eligibility)
        status_form.addRow("Neuer Status", self.residence_status)
        status_form.addRow("gültig ab", self.residence_from)
        status_form.addRow("gültig bis", self.residence_until)
        status_form.addRow("", self.residence_button)
        self.exclusion_boxes = [QCheckBox(e.value, status_page) for e in Exclusion]
        for box, excl in zip(self.exclusion_boxes, Exclusion, strict=True):
            named(box, f"Ausschlussgrund: {excl.value}")
            status_form.addRow("Ausschluss" if excl is Exclusion.LANDESAUFNAHME else "", box)
        self.exclusion_button = QPushButton("Ausschlussgründe s&peichern", status_page)
        named(self.exclusion_button, "Ausschlussgründe speichern")
        self.exclusion_button.clicked.connect(self.save_exclusions)
        status_form.addRow("", self.exclusion_button)
        self.tabs = QTabWidget(self)
        named(self.tabs, "Klient/in")
        self.tabs.addTab(status_page, "&Zielgruppe")
        if self.intake is not None:
            self.tabs.addTab(self.intake, "&Erstgespräch")
        self.tabs.addTab(self.measures, "&Maßnahmen")
        left = QWidget(self)
        left_layout = QVBoxLayout(left)
        left_layout.addWidget(heading("Meine Fälle", left, 1.1))
        left_layout.addWidget(self.capacity)
        left_layout.addWidget(self.caseload, 1)
        left_layout.addWidget(self.enrol)
        split = QSplitter(self)
        split.addWidget(left)
        split.addWidget(self.tabs)
        self.lead = LeadDashboard(self)
        self.main_tabs = QTabWidget(self)
        named(self.main_tabs, "Teilhabemanagement")
        self.main_tabs.addTab(split, "Meine Fälle")
        self.lead_index = self.main_tabs.addTab(self.lead, "Auslastung und Warteliste")
        layout = QVBoxLayout(self)
        layout.addWidget(heading("Teilhabemanagement", self))
        layout.addWidget(self.main_tabs, 1)
        ctx.changed.connect(self.on_changed)
        ctx.session_changed.connect(self.reload)
        self.reload()

    def on_changed(self, changes: Changes) -> None:
        if changes.affects(*KINDS):
            self.reload()

    def current_client_id(self) -> str | None:
        item = self.caseload.currentItem()
        return None if item is None else str(item.data(0, ID_ROLE))

    def reload(self) -> None:
        if not self.ctx.is_unlocked:
            return
        session = self.ctx.require_session()
        keep = self.current_client_id()
        self.caseload.clear()
        today = local_today(self.ctx.clock)
        for row in tm.caseload(session):
            client, result = row.client, row.eligibility
            record = max(client.residence, key=lambda r: r.valid_from, default=None)
            item = QTreeWidgetItem(
                [
                    client.display_name,
                    client.birth.age_text(today),
                    record.status.value if record else "",
                    result.verdict.value,
                    format_date(result.ends_on),
                    "; ".join(result.reasons),
                ]
            )
            item.setData(0, ID_ROLE, client.id)
            item.setToolTip(5, result.text())
            self.caseload.addTopLevelItem(item)
            if client.id == keep:
                self.caseload.setCurrentItem(item)
        role = session.actor.data.role
        if role is WorkerRole.TEILHABEMANAGEMENT:
            self.capacity.setText(f"Auslastung: {tm.capacity_of(session, session.actor_id).text()}")
        else:
            self.capacity.setText("")
        is_lead = role in tm.LEAD_ROLES
        self.main_tabs.setTabVisible(self.lead_index, is_lead)
        if is_lead:
            self.lead.load()
        self.show_client()

    def show_client(self) -> None:
        client_id = self.current_client_id()
        if client_id is None or not self.ctx.is_unlocked:
            self.eligibility.setText("Bitte links eine Person auswählen.")
            self.residence_button.setEnabled(False)
            self.exclusion_button.setEnabled(False)
        else:
            session = self.ctx.require_session()
            client = tm.get(session, client_id)
            result = client.eligibility(local_today(self.ctx.clock))
            docs = "; ".join(
                f"{r.status.value} ab {format_date(r.valid_from)}"
                + (f" bis {format_date(r.valid_until)}" if r.valid_until else "")
                for r in client.residence
            )
            self.eligibility.setText(
                f"{client.display_name}: {result.text()}\nNachweise: {docs or 'keine'}"
            )
            self.residence_button.setEnabled(True)
            self.exclusion_button.setEnabled(True)
            for box, excl in zip(self.exclusion_boxes, Exclusion, strict=True):
                box.setChecked(excl in client.data.exclusions)
        if self.intake is not None and self.ctx.is_unlocked:
            self.intake.load(client_id)
        if self.ctx.is_unlocked:
            self.measures.load(client_id)

    def save_exclusions(self) -> None:
        client_id = self.current_client_id()
        if client_id is None:
            return
        client = tm.get(self.ctx.require_session(), client_id)
        chosen = frozenset(
            e for e, box in zip(Exclusion, self.exclusion_boxes, strict=True) if box.isChecked()
        )
        self.ctx.run(tm.update_client, client_id, replace(client.data, exclusions=chosen))

    def add_residence(self) -> None:
        client_id = self.current_client_id()
        if client_id is None:
            return
        try:
            start = parse_date(self.residence_from.text(), "gültig ab") or local_today(
                self.ctx.clock
            )
            record = ResidenceRecord(
                TmStatus(self.residence_status.currentText()),
                start,
                parse_date(self.residence_until.text(), "gültig bis"),
            )
            self.ctx.apply(tm.add_residence, client_id, record)
        except UserError as error:
            self.ctx.report(error)
            return
        self.residence_from.clear()
        self.residence_until.clear()


def create(ctx: UiContext) -> QWidget:
    return TeilhabeScreen(ctx)
