"""Teilhabemanagement: my caseload (search, sort) with eligibility and reasons, taking a
person in, the waiting list, residence documents, exclusions from funding recorded as
dated facts with their source, the intake questionnaire (Erstgespräch) and measures; for
the Leitung a dashboard of utilisation per worker (e.g. 87/100) and reassignment."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QFormLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QScrollArea,
    QSplitter,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from casework.clock import local_today
from casework.errors import UserError
from casework.models.changes import Changes
from casework.models.persons.worker import WorkerRole
from casework.models.teilhabe.eligibility import (
    ClientState,
    Eligibility,
    Exclusion,
    ResidenceRecord,
    TmStatus,
)
from casework.models.teilhabe.funding import (
    ExclusionFact,
)
from casework.models.teilhabe.intake import Questionnaire
from casework.services import teilhabe as tm
from casework.ui.context import UiContext
from casework.ui.teilhabe.enrol import EnrolForm, WaitingPanel, combo
from casework.ui.teilhabe.lead import LeadDashboard
from casework.ui.teilhabe.measures import MeasuresPanel
from casework.ui.teilhabe.tables import ID_ROLE, SORT_ROLE, SortItem, tree
from casework.ui.widgets import (
    format_date,
    heading,
    line_edit,
    named,
    parse_date,
    shrinkable_combo,
)

SHORT_VERDICT = {Eligibility.JA: "ja", Eligibility.NEIN: "nein", Eligibility.PRUEFEN: "prüfen"}
KINDS = ("tm_client", "tm_measure", "worker", "person", "tm_target_count", "directory")


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
                widget = combo(q.label, ["", *q.options], inner)
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
        done = self.host.ctx.run(
            tm.record_intake, client_id, self.answers(), questionnaire=self.questionnaire
        )
        if done is not None:
            self.host.ctx.confirm("Erstgespräch gespeichert.")



class TeilhabeScreen(QWidget):
    def __init__(self, ctx: UiContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.search = line_edit("Fälle durchsuchen", self, "Suchen: Name, Status, Zielgruppe …")
        self.search.setClearButtonEnabled(True)
        self.search.textChanged.connect(lambda _t: self.apply_filter())
        # The reasons stay out of the list (tooltip, and the Zielgruppe tab on the right):
        # at 1366x768 the list must fit without scrolling sideways.
        self.caseload = tree(
            "Meine Fälle",
            ["Name", "Alter", "Status", "Zielgruppe", "endet am"],
            self,
            sortable=True,
        )
        header = self.caseload.header()
        header.setStretchLastSection(False)
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        self.caseload.currentItemChanged.connect(lambda *_: self.show_client())
        self.capacity = QLabel(self)
        named(self.capacity, "Meine Auslastung")
        self.count = QLabel(self)
        named(self.count, "Anzahl der gezeigten Fälle")
        self.enrol = EnrolForm(self)
        self.waiting = WaitingPanel(self)
        self.eligibility = QLabel(self)
        self.eligibility.setWordWrap(True)
        named(self.eligibility, "Zielgruppe und Begründung")
        self.residence_status = combo("Neuer Aufenthaltsstatus", [s.value for s in TmStatus], self)
        self.residence_from = line_edit("Neuer Status gültig ab", self, "gültig ab TT.MM.JJJJ")
        self.residence_until = line_edit(
            "Neuer Nachweis gültig bis", self, "gültig bis TT.MM.JJJJ"
        )
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
        dates = QHBoxLayout()  # the status on its own line, the two dates below it
        dates.addWidget(self.residence_from)
        dates.addWidget(self.residence_until)
        status_form.addRow("Neuer Status", self.residence_status)
        status_form.addRow("", dates)
        status_form.addRow("", self.residence_button)
        # Exclusions from funding are facts an authority established: recorded with the
        # day and what they rest on, never ticked as an opinion (source 000:3384).
        self.exclusion = shrinkable_combo(combo(
            "Ausschluss von der Förderung", [e.label for e in Exclusion], status_page
        ))
        self.exclusion_since = line_edit("Ausschluss seit", status_page, "seit TT.MM.JJJJ")
        self.exclusion_source = line_edit(
            "Grundlage der Angabe", status_page, "Grundlage: Stelle, Schreiben, Datum"
        )
        self.exclusion_set = QPushButton("Ausschluss festhal&ten", status_page)
        named(self.exclusion_set, "Ausschluss von der Förderung festhalten")
        self.exclusion_set.clicked.connect(lambda: self.record_exclusion(True))
        self.exclusion_lift = QPushButton("Ausschluss aufhe&ben", status_page)
        named(self.exclusion_lift, "Ausschluss von der Förderung aufheben")
        self.exclusion_lift.clicked.connect(lambda: self.record_exclusion(False))
        self.exclusion_facts = QLabel(status_page)
        self.exclusion_facts.setWordWrap(True)
        named(self.exclusion_facts, "Festgehaltene Ausschlüsse")
        status_form.addRow(heading("Ausschluss von der Förderung", status_page, 1.0))
        status_form.addRow("Ausschluss", self.exclusion)
        status_form.addRow("seit", self.exclusion_since)
        status_form.addRow("Grundlage", self.exclusion_source)
        buttons = QHBoxLayout()
        buttons.addWidget(self.exclusion_set)
        buttons.addWidget(self.exclusion_lift)
        buttons.addStretch(1)
        status_form.addRow("", buttons)
        status_form.addRow(self.exclusion_facts)
        status_scroll = QScrollArea(self)
        status_scroll.setWidgetResizable(True)
        status_scroll.setWidget(status_page)
        self.tabs = QTabWidget(self)
        named(self.tabs, "Klient/in")
        self.tabs.addTab(status_scroll, "&Zielgruppe")
        if self.intake is not None:
            self.tabs.addTab(self.intake, "&Erstgespräch")
        self.tabs.addTab(self.measures, "&Maßnahmen")
        left = QWidget(self)
        left_layout = QVBoxLayout(left)
        left_layout.setContentsMargins(0, 0, 0, 0)
        top = QHBoxLayout()
        top.addWidget(self.search, 1)
        top.addWidget(self.count)
        left_layout.addLayout(top)
        left_layout.addWidget(self.caseload, 1)
        left_layout.addWidget(self.capacity)
        self.split = QSplitter(self)
        self.split.addWidget(left)
        self.split.addWidget(self.tabs)
        self.split.setStretchFactor(0, 1)
        self.split.setStretchFactor(1, 1)
        self.split.setSizes([520, 560])
        self.lead = LeadDashboard(self)
        self.main_tabs = QTabWidget(self)
        named(self.main_tabs, "Teilhabemanagement")
        self.caseload_index = self.main_tabs.addTab(self.split, "Meine &Fälle")
        self.enrol_index = self.main_tabs.addTab(self.enrol, "&Neu aufnehmen")
        self.waiting_index = self.main_tabs.addTab(self.waiting, "&Warteliste")
        # The Leitung's overview is long (bars, two lists, the count): it scrolls up and
        # down rather than making the window taller than a 125 % laptop (issue 18).
        lead_scroll = QScrollArea(self)
        lead_scroll.setWidgetResizable(True)
        lead_scroll.setFrameShape(QScrollArea.Shape.NoFrame)
        lead_scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        lead_scroll.setWidget(self.lead)
        self.lead_index = self.main_tabs.addTab(lead_scroll, "Auslastung und Warteliste")
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
        return None if item is None or item.isHidden() else str(item.data(0, ID_ROLE))

    def reload(self) -> None:
        if not self.ctx.is_unlocked:
            return
        session = self.ctx.require_session()
        keep = self.current_client_id()
        self.caseload.setSortingEnabled(False)
        self.caseload.clear()
        today = local_today(self.ctx.clock)
        for row in tm.caseload(session):
            client, result = row.client, row.eligibility
            record = max(client.residence, key=lambda r: r.valid_from, default=None)
            item = SortItem([
                client.display_name,
                client.birth.age_text(today),
                record.status.value if record else "",
                SHORT_VERDICT[result.verdict],
                format_date(result.ends_on),
            ])
            item.setData(0, ID_ROLE, client.id)
            item.setData(1, SORT_ROLE, client.birth.age_years(today) or -1)
            item.setData(4, SORT_ROLE, result.ends_on.isoformat() if result.ends_on else "9")
            for column in range(self.caseload.columnCount()):
                item.setToolTip(column, result.text())
            self.caseload.addTopLevelItem(item)
            if client.id == keep:
                self.caseload.setCurrentItem(item)
        self.caseload.setSortingEnabled(True)
        self.apply_filter()
        role = session.actor.data.role
        if role is WorkerRole.TEILHABEMANAGEMENT:
            self.capacity.setText(f"Auslastung: {tm.capacity_of(session, session.actor_id).text()}")
        else:
            self.capacity.setText("")
        is_lead = role in tm.LEAD_ROLES
        self.main_tabs.setTabVisible(self.lead_index, is_lead)
        waiting = len(tm.waiting_list(session))
        self.main_tabs.setTabText(self.waiting_index, f"&Warteliste ({waiting})")
        self.waiting.load()
        if is_lead:
            self.lead.load()
        self.show_client()

    def apply_filter(self) -> None:
        """Hide caseload rows that do not contain every typed word (name, status, the
        reasons of the target-group check)."""
        words = self.search.text().casefold().split()
        shown = 0
        total = self.caseload.topLevelItemCount()
        for i in range(total):
            item = self.caseload.topLevelItem(i)
            if item is None:
                continue
            text = " ".join(
                [item.text(c) for c in range(self.caseload.columnCount())] + [item.toolTip(0)]
            ).casefold()
            hide = any(w not in text for w in words)
            item.setHidden(hide)
            shown += 0 if hide else 1
        self.count.setText(f"{shown} von {total}" if words else f"{total} Fälle")

    def show_client_where_it_is(self, client_id: str) -> None:
        """Open the tab where the person now is (my caseload or the waiting list) and
        select her there."""
        self.search.clear()
        for i in range(self.caseload.topLevelItemCount()):
            item = self.caseload.topLevelItem(i)
            if item is not None and item.data(0, ID_ROLE) == client_id:
                self.main_tabs.setCurrentIndex(self.caseload_index)
                self.caseload.setCurrentItem(item)
                self.caseload.scrollToItem(item)
                return
        if self.waiting.select(client_id):
            self.main_tabs.setCurrentIndex(self.waiting_index)

    def show_client(self) -> None:
        client_id = self.current_client_id()
        if client_id is None or not self.ctx.is_unlocked:
            self.eligibility.setText("Bitte links eine Person auswählen.")
            self.exclusion_facts.setText("")
            for button in (self.residence_button, self.exclusion_set, self.exclusion_lift):
                button.setEnabled(False)
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
            for button in (self.residence_button, self.exclusion_set, self.exclusion_lift):
                button.setEnabled(client.state is not ClientState.ABGESCHLOSSEN)
            facts = tm.exclusion_facts(session, client_id)
            self.exclusion_facts.setText("\n".join(
                f"{'Festgehalten' if f.present else 'Aufgehoben'} am {format_date(f.recorded_on)}"
                f"{' von ' + f.recorded_by if f.recorded_by else ''}: {f.exclusion.label} "
                f"(seit {format_date(f.since)}; Grundlage: {f.source})"
                for f in facts
            ) or "Kein Ausschluss von der Förderung festgehalten.")
        if self.intake is not None and self.ctx.is_unlocked:
            self.intake.load(client_id)
        if self.ctx.is_unlocked:
            self.measures.load(client_id)

    def record_exclusion(self, present: bool) -> None:
        client_id = self.current_client_id()
        if client_id is None:
            return
        exclusion = next(e for e in Exclusion if e.label == self.exclusion.currentText())
        try:
            since = parse_date(self.exclusion_since.text(), "seit") or local_today(self.ctx.clock)
            fact = ExclusionFact(exclusion, present, since, self.exclusion_source.text())
            self.ctx.apply(tm.record_exclusion, client_id, fact)
        except UserError as error:
            self.ctx.report(error)
            return
        self.ctx.confirm("Ausschluss festgehalten." if present else "Ausschluss aufgehoben.")
        self.exclusion_since.clear()
        self.exclusion_source.clear()

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
        self.ctx.confirm("Statusänderung gespeichert.")
        self.residence_from.clear()
        self.residence_until.clear()


def create(ctx: UiContext) -> QWidget:
    return TeilhabeScreen(ctx)
