"""Forms for the steps of a § 8a procedure: opening it, Schutzplan (LR-14), Mitteilung an
das Jugendamt (LR-12), calls and notes, "keine gewichtigen Anhaltspunkte", closing (S9) and
the acute record (LR-10)."""

from __future__ import annotations

from datetime import date
from typing import Any

from PySide6.QtWidgets import (
    QButtonGroup,
    QCheckBox,
    QGridLayout,
    QHBoxLayout,
    QHeaderView,
    QPushButton,
    QRadioButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from casework.clock import BERLIN
from casework.models.households.person import HouseholdRole
from casework.models.ids import HouseholdId, PersonId, WorkerId
from casework.models.kinderschutz.actions import Acute, Call, Measure, Mitteilung, Note, SafetyPlan
from casework.models.kinderschutz.vocabulary import Channel, LegalBasis, MeasureStatus, State
from casework.models.privacy.retention import FileType
from casework.services.households import households
from casework.services.kinderschutz import procedures as ks
from casework.ui.context import UiContext
from casework.ui.kinderschutz.common import (
    EntryDialog,
    ProcedureDialog,
    aware,
    check_list,
    checked_ids,
    combo,
    date_edit,
    datetime_edit,
    day_of,
    hint,
    select_data,
    text_box,
    worker_items,
)
from casework.ui.kinderschutz.guidance import when
from casework.ui.widgets import format_date, line_edit, named, parse_date, parse_time


def child_items(ctx: UiContext, household_id: str,
                checked: tuple[str, ...] | None = None) -> list[tuple[str, str, bool]]:
    members = households.members(ctx.require_session(), household_id)
    out: list[tuple[str, str, bool]] = []
    for p in members:
        is_child = p.data.role is HouseholdRole.KIND
        on = p.id in checked if checked is not None else is_child
        out.append((f"{p.display_name} ({p.data.role.value})", p.id, on))
    return out


# --------------------------------------------------------------------------- opening


class OpenProcedureDialog(EntryDialog):
    TITLE = "§ 8a-Verfahren eröffnen"
    INTRO = ("Ein eigenes Verfahren für die betroffenen Kinder. Es beginnt mit der "
             "Wahrnehmung; danach führt die Ansicht Schritt für Schritt weiter.")

    def __init__(self, ctx: UiContext, household_id: str,
                 parent: QWidget | None = None) -> None:
        self.household_id = household_id
        self.procedure_id: str | None = None
        super().__init__(ctx, parent)

    def build(self) -> None:
        self.child_list = self.add("Betroffene Kinder", check_list(
            "Betroffene Kinder", child_items(self.ctx, self.household_id)))
        self.lead = self.add("Fallführende Fachkraft", combo(
            "Fallführende Fachkraft", worker_items(self.ctx)))
        select_data(self.lead, self.ctx.require_session().actor_id)

    def submit(self) -> Any:
        pid, changes = self.ctx.apply(
            ks.open_procedure, HouseholdId(self.household_id),
            tuple(PersonId(i) for i in checked_ids(self.child_list)),
            WorkerId(self.lead.currentData()))
        self.procedure_id = pid
        return pid, changes


class ChildrenDialog(ProcedureDialog):
    TITLE = "Betroffene Kinder"
    INTRO = "Welche Kinder des Haushalts betrifft das Verfahren? (Nach einem Akutfall nachholen.)"

    def build(self) -> None:
        self.child_list = self.add("Betroffene Kinder", check_list(
            "Betroffene Kinder", child_items(self.ctx, self.file.procedure.household_id,
                                             self.file.procedure.child_ids or None)))

    def submit(self) -> Any:
        return self.ctx.apply(ks.set_children, self.procedure_id,
                              tuple(PersonId(i) for i in checked_ids(self.child_list)))


# --------------------------------------------------------------------------- Schutzplan


# Two-line headers: at 1366x768 the six columns share ~1000 px and no header is cut.
PLAN_COLUMNS = ("Was?", "Wer?", "Bis wann?\n(TT.MM.JJJJ)", "Wie wird es\nüberprüft?",
                "Folge bei\nNichteinhaltung", "Stand")


class PlanDialog(ProcedureDialog):
    TITLE = "Schutzplan (neue Fassung)"
    INTRO = ("Maßnahmen mit Verantwortlichen, Fristen, Überprüfung und Folgen bei "
             "Nichteinhaltung; ein Datum für die nächste Überprüfung ist Pflicht. Der "
             "Schutzplan ist für die Eltern druckbar.")

    def build(self) -> None:
        holder = QWidget(self.form)
        v = QVBoxLayout(holder)
        v.setContentsMargins(0, 0, 0, 0)
        self.table = QTableWidget(0, len(PLAN_COLUMNS), holder)
        named(self.table, "Maßnahmen des Schutzplans")
        self.table.setHorizontalHeaderLabels(list(PLAN_COLUMNS))
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        # no column narrower than the widest header text: no header is cut
        widest = max(header.sectionSizeHint(c) for c in range(len(PLAN_COLUMNS)))
        header.setMinimumSectionSize(widest)
        self.table.setMinimumWidth(widest * len(PLAN_COLUMNS) + 40)
        self.table.setMinimumHeight(160)
        self.table.setTabKeyNavigation(True)
        v.addWidget(self.table)
        row = QHBoxLayout()
        add = QPushButton("Maßnahme &hinzufügen", holder)
        named(add, "Maßnahme hinzufügen")
        add.clicked.connect(lambda: self.add_measure())
        remove = QPushButton("Markierte Maßnahme &entfernen", holder)
        named(remove, "Markierte Maßnahme entfernen")
        remove.clicked.connect(self.remove_measure)
        row.addWidget(add)
        row.addWidget(remove)
        row.addStretch(1)
        v.addLayout(row)
        fields = ("was", "wer", "bis wann", "Überprüfung", "Folge bei Nichteinhaltung")
        aliases = tuple(f"Maßnahme {n} – {f}" for n in range(1, 31) for f in fields)
        self.add("Maßnahmen", holder, aliases=aliases)
        self.review_date = self.add("Nächste Überprüfung", line_edit(
            "Nächste Überprüfung", placeholder="TT.MM.JJJJ (Pflicht)"))
        self.agreed_with = self.add("Vereinbart mit", line_edit(
            "Vereinbart mit", placeholder="z. B. Mutter"))
        self.agreed_on = self.add("Vereinbart am", line_edit(
            "Vereinbart am", placeholder="TT.MM.JJJJ"))
        self.notes = self.add("Anmerkungen", text_box("Anmerkungen"))
        current = self.file.current_plan()
        if current is None:
            self.add_measure()
            return
        plan: SafetyPlan = current.data
        for m in plan.measures:
            self.add_measure(m)
        self.review_date.setText(format_date(plan.review_date))
        self.agreed_with.setText(plan.agreed_with)
        self.agreed_on.setText(format_date(plan.agreed_on))
        self.notes.setPlainText(plan.notes)

    def add_measure(self, m: Measure | None = None) -> None:
        row = self.table.rowCount()
        self.table.insertRow(row)
        values = ("", "", "", "", "") if m is None else (
            m.measure, m.responsible, format_date(m.due), m.verification, m.consequence)
        for col, text in enumerate(values):
            self.table.setItem(row, col, QTableWidgetItem(text))
        status = combo(f"Stand der Maßnahme {row + 1}", [(s.value, s) for s in MeasureStatus])
        if m is not None:
            select_data(status, m.status)
        self.table.setCellWidget(row, len(PLAN_COLUMNS) - 1, status)

    def remove_measure(self) -> None:
        row = self.table.currentRow()
        if row >= 0:
            self.table.removeRow(row)

    def set_measure(self, row: int, measure: str, responsible: str, due: str,
                    verification: str, consequence: str) -> None:
        for col, text in enumerate((measure, responsible, due, verification, consequence)):
            item = self.table.item(row, col)
            assert item is not None
            item.setText(text)

    def _cell(self, row: int, col: int) -> str:
        item = self.table.item(row, col)
        return item.text() if item is not None else ""

    def plan(self) -> SafetyPlan:
        measures = []
        for row in range(self.table.rowCount()):
            texts = [self._cell(row, c) for c in range(5)]
            if not any(t.strip() for t in texts):
                continue
            due = parse_date(texts[2], f"Maßnahme {row + 1} – bis wann")
            status = self.table.cellWidget(row, 5)
            measures.append(Measure(texts[0], texts[1], due, texts[3],  # type: ignore[arg-type]
                                    texts[4], status.currentData()))  # type: ignore[attr-defined]
        return SafetyPlan(tuple(measures),
                          parse_date(self.review_date.text(), "Nächste Überprüfung"),
                          self.agreed_with.text(),
                          parse_date(self.agreed_on.text(), "Vereinbart am"),
                          self.notes.toPlainText())

    def submit(self) -> Any:
        return self.ctx.apply(ks.save_plan, self.procedure_id, self.plan())


# --------------------------------------------------------------------------- Mitteilung


class MitteilungDialog(ProcedureDialog):
    TITLE = "Mitteilung an das Jugendamt"
    INTRO = ("Erst telefonisch, dann schriftlich. Pflicht: Rechtsgrundlage und ob die "
             "Betroffenen vorab informiert wurden (oder warum nicht). Wenn möglich: ein "
             "gemeinsames Gespräch aller Beteiligten und wer welche Verantwortung übernimmt. "
             "Die Leitung prüft die Mitteilung.")
    CONFIRM = "Mitteilung an das Jugendamt festgehalten."

    def build(self) -> None:
        self.informed_at = self.add(
            "Datum/Uhrzeit der Mitteilung", datetime_edit(self.ctx, "Datum/Uhrzeit der Mitteilung"))
        self.office = self.add("Jugendamt / Stelle", line_edit(
            "Jugendamt / Stelle", placeholder="z. B. ASD Bezirk – Bereitschaftsdienst"))
        self.person = self.add("Ansprechperson beim Jugendamt",
                                        line_edit("Ansprechperson beim Jugendamt"))
        self.channel = self.add("Übermittlungsweg", combo(
            "Übermittlungsweg", [(c.value, c) for c in Channel], prompt="– bitte wählen –"))
        self.legal_basis = self.add("Rechtsgrundlage der Übermittlung", combo(
            "Rechtsgrundlage der Übermittlung", [(b.value, b) for b in LegalBasis],
            prompt="– bitte wählen –"))
        self.reason = self.add("Anlass", text_box(
            "Anlass", placeholder="z. B. Hilfe nicht angenommen, Gefährdung nicht anders "
            "abwendbar"))
        self.content = self.add("Inhalt der Mitteilung", text_box(
            "Inhalt der Mitteilung", lines=5))
        self.attachment = self.add("Anlage", line_edit(
            "Anlage", placeholder="Bezeichnung einer Anlage (optional)"))
        notice = QWidget(self.form)
        grid = QGridLayout(notice)
        grid.setContentsMargins(0, 0, 0, 0)
        self.notice_given = QRadioButton("vorab informiert am", notice)
        named(self.notice_given, "Betroffene vorab informiert")
        self.notice_not_given = QRadioButton("nicht vorab informiert, weil", notice)
        named(self.notice_not_given, "Betroffene nicht vorab informiert")
        group = QButtonGroup(notice)
        group.addButton(self.notice_given)
        group.addButton(self.notice_not_given)
        self.notice_on = date_edit(self.ctx, "Datum der Vorab-Information", notice)
        self.no_notice_reason = line_edit("Grund, warum nicht vorab informiert", notice,
                                          "z. B. wirksamer Schutz sonst gefährdet")
        grid.addWidget(self.notice_given, 0, 0)
        grid.addWidget(self.notice_on, 0, 1)
        grid.addWidget(self.notice_not_given, 1, 0)
        grid.addWidget(self.no_notice_reason, 1, 1)
        self.add("Betroffene vorab informiert", notice)
        self.notice_given.toggled.connect(self._notice)
        self.notice_not_given.toggled.connect(self._notice)
        meeting = QWidget(self.form)
        row = QGridLayout(meeting)
        row.setContentsMargins(0, 0, 0, 0)
        self.meeting_held = QCheckBox("geführt am", meeting)
        named(self.meeting_held, "Gemeinsames Gespräch geführt")
        self.meeting_on = date_edit(self.ctx, "Datum des gemeinsamen Gesprächs", meeting)
        self.meeting_participants = line_edit(
            "Beteiligte am gemeinsamen Gespräch", meeting,
            "z. B. Mutter, Fachkraft ASD, Fachkraft Träger, Kita-Leitung")
        row.addWidget(self.meeting_held, 0, 0)
        row.addWidget(self.meeting_on, 0, 1)
        row.addWidget(self.meeting_participants, 0, 2)
        row.setColumnStretch(2, 1)
        self.add("Gemeinsames Gespräch", meeting, aliases=(
            "Gemeinsames Gespräch – Datum", "Gemeinsames Gespräch – Beteiligte"))
        self.meeting_held.toggled.connect(self._notice)
        self.responsibilities = self.add("Wer übernimmt was", text_box(
            "Wer übernimmt was", placeholder="z. B. ASD: Hausbesuch diese Woche; Träger: "
            "begleitet die Mutter zur Beratung", lines=3), aliases=("Verantwortlichkeiten",))
        self._notice()

    def _notice(self) -> None:
        self.notice_on.setEnabled(self.notice_given.isChecked())
        self.no_notice_reason.setEnabled(self.notice_not_given.isChecked())
        self.meeting_on.setEnabled(self.meeting_held.isChecked())
        self.meeting_participants.setEnabled(self.meeting_held.isChecked())

    def submit(self) -> Any:
        on: date | None = day_of(self.notice_on) if self.notice_given.isChecked() else None
        why = self.no_notice_reason.text() if self.notice_not_given.isChecked() else ""
        return self.ctx.apply(ks.record_mitteilung, self.procedure_id, Mitteilung(
            aware(self.informed_at), self.office.text(), self.person.text(),
            self.channel.currentData(), self.content.toPlainText(),
            self.legal_basis.currentData(), on, why, self.reason.toPlainText(),
            self.attachment.text(),
            day_of(self.meeting_on) if self.meeting_held.isChecked() else None,
            self.meeting_participants.text() if self.meeting_held.isChecked() else "",
            self.responsibilities.toPlainText()))


# --------------------------------------------------------------------------- small steps


class CallDialog(ProcedureDialog):
    TITLE = "Anruf festhalten"

    def build(self) -> None:
        self.at = self.add("Uhrzeit des Anrufs",
                                    datetime_edit(self.ctx, "Uhrzeit des Anrufs"))
        self.whom = self.add("Angerufene Person/Stelle", line_edit(
            "Angerufene Person/Stelle", placeholder="z. B. Jugendamt Notdienst, Polizei 110"))
        self.channel = self.add("Weg", combo("Weg", [(c.value, c) for c in Channel]))
        self.note = self.add("Ergebnis des Anrufs", text_box("Ergebnis des Anrufs"))

    def submit(self) -> Any:
        return self.ctx.apply(ks.record_call, self.procedure_id, Call(
            aware(self.at), self.whom.text(), self.channel.currentData(),
            self.note.toPlainText()))


class NoteDialog(ProcedureDialog):
    TITLE = "Notiz zum Verfahren"
    INTRO = "Z. B. die Rückmeldung des Jugendamtes nach der Meldung oder Absprachen."

    def build(self) -> None:
        self.topic = self.add("Thema", line_edit("Thema"))
        self.text = self.add("Notiz", text_box("Notiz", lines=5))

    def submit(self) -> Any:
        return self.ctx.apply(ks.add_note, self.procedure_id,
                              Note(self.text.toPlainText(), self.topic.text()))


class BackToS0Dialog(ProcedureDialog):
    TITLE = "Keine gewichtigen Anhaltspunkte"
    INTRO = "Zurück zur Wahrnehmung. Bitte begründen, warum die Anhaltspunkte nicht gewichtig sind."

    def build(self) -> None:
        self.reason = self.add("Begründung", text_box("Begründung", lines=4))

    def submit(self) -> Any:
        return self.ctx.apply(ks.transition, self.procedure_id, State.S0,
                              self.reason.toPlainText())


class CloseDialog(ProcedureDialog):
    TITLE = "Verfahren abschließen"
    INTRO = ("Der Abschluss geht an die Leitung. Danach kann das Verfahren nur noch "
             "gelesen werden (Einträge können weiterhin als bestritten markiert werden).")

    def build(self) -> None:
        self.reason = self.add("Grund des Abschlusses",
                                        text_box("Grund des Abschlusses", lines=4))
        self.retention = self.add("Aufbewahrungsklasse", combo(
            "Aufbewahrungsklasse", [(t.value, t.value) for t in FileType]))
        self.retention.setEditable(True)

    def submit(self) -> Any:
        return self.ctx.apply(ks.close, self.procedure_id, self.reason.toPlainText(),
                              self.retention.currentText())


# --------------------------------------------------------------------------- acute


class AcuteRecordDialog(EntryDialog):
    TITLE = "Dringende Gefahr – Akutfall festhalten"
    INTRO = ("Zuerst handeln und anrufen (siehe „Wen rufe ich jetzt an?“). Dann hier "
             "festhalten: wann erkannt, was passiert ist, was sofort getan wurde, wer "
             "angerufen wurde. Die Leitung wird informiert; Aufgaben zum Nachholen der "
             "Einschätzung werden angelegt.")

    def __init__(self, ctx: UiContext, household_id: str, procedure_id: str | None,
                 parent: QWidget | None = None) -> None:
        self.household_id = household_id
        self.procedure_id = procedure_id
        super().__init__(ctx, parent)

    def build(self) -> None:
        if self.procedure_id is None:
            self.form.add_widget_row(hint("Es wird ein neues § 8a-Verfahren angelegt."))
            self.child_list = self.add("Betroffene Kinder", check_list(
                "Betroffene Kinder", child_items(self.ctx, self.household_id)))
        else:
            file = ks.get_file(self.ctx.require_session(), self.procedure_id)
            self.form.add_widget_row(hint(
                f"Wird im laufenden Verfahren vom {when(file.procedure.opened_at)} "
                "festgehalten."))
        self.recognised_at = self.add(
            "Zeitpunkt des Erkennens", datetime_edit(self.ctx, "Zeitpunkt des Erkennens"))
        self.description = self.add("Was ist passiert?", text_box(
            "Was ist passiert?", lines=4))
        self.measures = self.add("Sofortmaßnahmen", text_box(
            "Sofortmaßnahmen", lines=3, placeholder="Was wurde sofort getan?"))
        holder = QWidget(self.form)
        v = QVBoxLayout(holder)
        v.setContentsMargins(0, 0, 0, 0)
        self.calls = QTableWidget(0, 3, holder)
        named(self.calls, "Anrufe")
        self.calls.setHorizontalHeaderLabels(["Uhrzeit (HH:MM)", "Wen?", "Weg"])
        self.calls.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        self.calls.setMinimumHeight(110)
        self.calls.setTabKeyNavigation(True)
        add = QPushButton("Anruf &hinzufügen", holder)
        named(add, "Anruf hinzufügen")
        add.clicked.connect(lambda: self.add_call())
        v.addWidget(self.calls)
        v.addWidget(add)
        self.add("Anrufe", holder,
                          aliases=("Uhrzeit des Anrufs", "Angerufene Person/Stelle"))
        self.add_call()

    def add_call(self, at: str = "", whom: str = "", channel: Channel = Channel.TELEFON) -> None:
        row = self.calls.rowCount()
        self.calls.insertRow(row)
        now = self.ctx.clock.now().astimezone(BERLIN)
        self.calls.setItem(row, 0, QTableWidgetItem(at or f"{now:%H:%M}"))
        self.calls.setItem(row, 1, QTableWidgetItem(whom))
        box = combo(f"Weg des Anrufs {row + 1}", [(c.value, c) for c in Channel])
        select_data(box, channel)
        self.calls.setCellWidget(row, 2, box)

    def acute(self) -> Acute:
        recognised = aware(self.recognised_at)
        calls = []
        for row in range(self.calls.rowCount()):
            at_item, whom_item = self.calls.item(row, 0), self.calls.item(row, 1)
            whom = whom_item.text() if whom_item is not None else ""
            if not whom.strip():
                continue
            at = parse_time(at_item.text() if at_item is not None else "",
                            "Uhrzeit des Anrufs")
            moment = recognised.replace(hour=at.hour, minute=at.minute)
            box = self.calls.cellWidget(row, 2)
            calls.append(Call(moment, whom, box.currentData()))  # type: ignore[attr-defined]
        return Acute(recognised, self.description.toPlainText(),
                     self.measures.toPlainText(), tuple(calls))

    def submit(self) -> Any:
        children: tuple[PersonId, ...] = ()
        if self.procedure_id is None:
            children = tuple(PersonId(i) for i in checked_ids(self.child_list))
        event = self.acute()
        pid, changes = self.ctx.apply(ks.acute, HouseholdId(self.household_id), event,
                                      procedure_id=self.procedure_id, child_ids=children)
        self.procedure_id = pid
        return pid, changes


