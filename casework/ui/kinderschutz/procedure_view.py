"""One § 8a procedure: where it stands, what is needed next, the step actions (disabled
with the German reason, visible and as tooltip), the record forms, printing, and the
readable history (entries, all assessment and result versions, transitions, Leitung).

Opening a procedure for a person (`load`) calls `services.kinderschutz.view` (audit);
refreshes after a change use `get_file` (no audit entry).
"""

from __future__ import annotations

from html import escape
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QFrame,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QTableView,
    QTabWidget,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from casework.errors import UserError
from casework.models.changes import Changes
from casework.models.kinderschutz.procedure import ProcedureFile
from casework.models.kinderschutz.review import ReviewStatus
from casework.models.kinderschutz.rules import TRANSITIONS, ActorInfo, actions, open_tasks
from casework.models.kinderschutz.vocabulary import INSTRUMENT_NOTE, EntryKind, State
from casework.services.households import households
from casework.services.kinderschutz import deadlines as ks_deadlines
from casework.services.kinderschutz import procedures as ks
from casework.services.kinderschutz import review
from casework.ui.context import UiContext
from casework.ui.kinderschutz import dialogs_records as rec
from casework.ui.kinderschutz import dialogs_steps as steps
from casework.ui.kinderschutz.acute_dialog import show_acute_dialog
from casework.ui.kinderschutz.common import DOCUMENTS, print_document, worker_names
from casework.ui.kinderschutz.guidance import (
    ENTRY_NAMES,
    entry_blocker,
    entry_summary,
    result_blocker,
    when,
)
from casework.ui.persons import reauth
from casework.ui.simple_model import SimpleTableModel
from casework.ui.widgets import FlowLayout, SideBySide, compact_rows, heading, named

S = State

# Record buttons: key → (button text, accessible name)
RECORDS: dict[str, tuple[str, str]] = {
    "observation": ("&Wahrnehmung …", "Wahrnehmung festhalten"),
    "report": ("Meldung …", "Meldung festhalten"),
    "assessment": ("&Gefährdungseinschätzung …", "Gefährdungseinschätzung festhalten"),
    "isef": ("&iseF-Beratung …", "Beratung durch die iseF festhalten"),
    "involvement": ("Einbe&ziehung Eltern/Kind …", "Einbeziehung festhalten"),
    "result": ("E&rgebnis …", "Ergebnis festhalten"),
    "plan": ("Schutzplan …", "Schutzplan festhalten"),
    "mitteilung": ("Mitteilung an das &Jugendamt …", "Mitteilung an das Jugendamt festhalten"),
    "note": ("&Notiz …", "Notiz festhalten"),
    "dispute": ("Als bestritten markieren …", "Eintrag als bestritten markieren"),
    # only on the acute path (hidden otherwise, so they come last)
    "isef_skip": ("Verzicht auf iseF (Akutfall) …", "Verzicht auf die iseF-Beratung"),
    "call": ("Anruf …", "Anruf festhalten"),
}
_ENTRY_OF = {"assessment": EntryKind.ASSESSMENT, "isef": EntryKind.ISEF,
             "involvement": EntryKind.INVOLVEMENT, "plan": EntryKind.PLAN,
             "mitteilung": EntryKind.MITTEILUNG}
_DIALOGS: dict[str, Any] = {
    "observation": rec.ObservationDialog, "report": rec.ReportDialog,
    "assessment": rec.AssessmentDialog, "isef": rec.IsefDialog,
    "isef_skip": rec.IsefSkipDialog, "involvement": rec.InvolvementDialog,
    "result": rec.ResultDialog, "plan": steps.PlanDialog,
    "mitteilung": steps.MitteilungDialog, "call": steps.CallDialog,
    "note": steps.NoteDialog, "dispute": rec.DisputeDialog,
}


def table_view(parent: QWidget, name: str, model: SimpleTableModel) -> QTableView:
    view = QTableView(parent)
    named(view, name)
    view.setModel(model)
    view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    view.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
    view.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    view.setWordWrap(False)
    compact_rows(view)
    view.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
    view.horizontalHeader().setStretchLastSection(True)
    return view


def _reason_label(parent: QWidget) -> QLabel:
    label = QLabel(parent)
    label.setWordWrap(True)
    label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
    return label


class ProcedureView(QWidget):
    def __init__(self, ctx: UiContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.procedure_id: str | None = None
        self.file: ProcedureFile | None = None
        self.dialog: QDialog | None = None
        self.acute_window: QDialog | None = None
        named(self, "§ 8a-Verfahren")

        self.title = heading("", self, 1.15)
        named(self.title, "Verfahren")
        self.title.setWordWrap(True)
        self.state_label = heading("", self, 1.5)
        named(self.state_label, "Aktueller Schritt")
        self.acute_badge = QLabel("⚠ Akutverfahren (dringende Gefahr)", self)
        named(self.acute_badge, "Akutverfahren")
        font = self.acute_badge.font()
        font.setBold(True)
        self.acute_badge.setFont(font)
        self.acute_button = QPushButton("⚠  &Akut: dringende Gefahr", self)
        named(self.acute_button, "Akut: dringende Gefahr",
              "Zeigt, wen Sie jetzt anrufen, und hält den Akutfall fest")
        self.acute_button.setToolTip("Wen rufe ich jetzt an? – und den Akutfall festhalten")
        big = self.acute_button.font()
        big.setBold(True)
        big.setPointSizeF(big.pointSizeF() * 1.2)
        self.acute_button.setFont(big)
        self.acute_button.setMinimumHeight(44)
        self.acute_button.clicked.connect(self.acute)
        self.children_button = QPushButton("Betroffene Kinder ändern …", self)
        named(self.children_button, "Betroffene Kinder zuordnen")
        self.children_button.clicked.connect(self.edit_children)

        self.next_box = QGroupBox("Was ist als Nächstes nötig?", self)
        named(self.next_box, "Was ist als Nächstes nötig?")
        self.next_label = _reason_label(self.next_box)
        named(self.next_label, "Was ist als Nächstes nötig")
        QVBoxLayout(self.next_box).addWidget(self.next_label)

        self.steps_box = QGroupBox("Nächster Schritt im Verfahren", self)
        named(self.steps_box, "Nächster Schritt im Verfahren")
        self.steps_grid = QGridLayout(self.steps_box)
        self.steps_grid.setColumnStretch(1, 1)
        self.step_buttons: dict[State, QPushButton] = {}
        self.step_reasons: dict[State, QLabel] = {}
        self.handover_button: QPushButton | None = None
        self.handover_reason: QLabel | None = None

        self.records_box = QGroupBox("Festhalten", self)
        named(self.records_box, "Festhalten")
        grid = QGridLayout(self.records_box)
        self.record_buttons: dict[str, QPushButton] = {}
        for number, (key, (text, name)) in enumerate(RECORDS.items()):
            button = QPushButton(text, self.records_box)
            named(button, name)
            button.clicked.connect(lambda _c=False, key=key: self.open_record(key))
            grid.addWidget(button, number // 2, number % 2)
            self.record_buttons[key] = button
        self.result_reason = _reason_label(self.records_box)
        named(self.result_reason, "Warum kein Ergebnis möglich ist")
        grid.addWidget(self.result_reason, len(RECORDS) // 2 + 1, 0, 1, 2)

        self.print_box = QGroupBox("Drucken / Exportieren", self)
        named(self.print_box, "Drucken und Exportieren")
        # One row of buttons under the steps (three columns side by side do not fit the
        # family file at 1366x768), wrapping at 125 %.
        pbox = FlowLayout(self.print_box)
        self.print_buttons: dict[str, QPushButton] = {}
        for key, (text, title, _name) in DOCUMENTS.items():
            button = QPushButton(text, self.print_box)
            named(button, title.removesuffix(" speichern") + " drucken")
            button.clicked.connect(lambda _c=False, key=key: self.print_file(key))
            pbox.addWidget(button)
            self.print_buttons[key] = button
        pbox.addStretch(1)

        self.entries_model = SimpleTableModel(("Zeitpunkt", "Art", "Von", "Inhalt"), self)
        self.history_model = SimpleTableModel(
            ("Zeitpunkt", "Von", "Nach", "Wer", "Rolle", "Begründung"), self)
        self.reviews_model = SimpleTableModel(
            ("Prüfung durch die Leitung", "Status", "Verfasst von", "Entscheidung",
             "Kommentar"), self)
        self.tabs = QTabWidget(self)
        named(self.tabs, "Inhalte des Verfahrens")
        self.entries_view = table_view(self.tabs, "Einträge des Verfahrens", self.entries_model)
        self.versions = QTextBrowser(self.tabs)
        named(self.versions, "Einschätzungen und Ergebnisse – alle Fassungen")
        self.history_view = table_view(self.tabs, "Verlauf der Schritte", self.history_model)
        self.reviews_view = table_view(self.tabs, "Prüfungen durch die Leitung", self.reviews_model)
        self.tabs.addTab(self.entries_view, "Einträge")
        self.tabs.addTab(self.versions, "Einschätzungen und Ergebnisse (alle Fassungen)")
        self.tabs.addTab(self.history_view, "Verlauf der Schritte")
        self.tabs.addTab(self.reviews_view, "Leitung")

        head = QHBoxLayout()
        titles = QVBoxLayout()
        titles.addWidget(self.title)
        titles.addWidget(self.state_label)
        titles.addWidget(self.acute_badge)
        head.addLayout(titles, 1)
        side = QVBoxLayout()
        side.addWidget(self.acute_button)
        side.addWidget(self.children_button, 0, Qt.AlignmentFlag.AlignRight)
        head.addLayout(side)
        # steps and records side by side, one below the other at 125 % (issue 18)
        middle = SideBySide(self, (self.steps_box, 3), (self.records_box, 2))
        line = QFrame(self)
        line.setFrameShape(QFrame.Shape.HLine)
        layout = QVBoxLayout(self)
        layout.addLayout(head)
        layout.addWidget(self.next_box)
        layout.addWidget(middle)
        layout.addWidget(self.print_box)
        layout.addWidget(line)
        layout.addWidget(self.tabs, 1)
        ctx.changed.connect(self._on_changed)
        self.setEnabled(False)

    # --- data ----------------------------------------------------------------------------

    def load(self, procedure_id: str) -> None:
        """Open a procedure for reading (written to the audit log)."""
        try:
            file = ks.view(self.ctx.require_session(), procedure_id)
        except UserError as error:
            self.ctx.report(error)
            return
        self.procedure_id = procedure_id
        self._show(file)

    def clear(self) -> None:
        self.procedure_id = None
        self.file = None
        self.setEnabled(False)

    def refresh(self) -> None:
        session = self.ctx.session
        if self.procedure_id is None or session is None or not session.is_open:
            return
        try:
            self._show(ks.get_file(session, self.procedure_id))
        except UserError as error:
            self.ctx.report(error)

    def _on_changed(self, changes: Changes) -> None:
        if self.procedure_id is None:
            return
        if (self.procedure_id in changes.ids("kinderschutz")
                or changes.affects("kinderschutz_review", "worker", "kinderschutz_deadlines")):
            self.refresh()

    def _show(self, file: ProcedureFile) -> None:
        self.file = file
        self.setEnabled(True)
        session = self.ctx.require_session()
        names = worker_names(self.ctx)
        persons = {p.id: p.display_name
                   for p in households.members(session, file.procedure.household_id)}
        self.names, self.persons = names, persons
        p = file.procedure
        children = (", ".join(persons.get(c, "?") for c in p.child_ids)
                    or "noch kein Kind zugeordnet")
        self.title.setText(f"§ 8a-Verfahren für {children} · eröffnet {when(p.opened_at)} · "
                           f"fallführend: {names.get(p.lead_worker_id, '–')}")
        self.state_label.setText(f"Aktueller Schritt: {file.state.label}")
        self.acute_badge.setVisible(file.was_acute())
        blockers = ks.blockers(session, p.id) if file.state is not S.S9 else {}
        self._fill_steps(file, blockers)
        self._fill_records(file, ActorInfo(session.actor_id, session.actor.data.role))
        self._fill_next(file, blockers)
        self.print_buttons["mitteilung"].setEnabled(bool(file.of(EntryKind.MITTEILUNG)))
        self.print_buttons["schutzplan"].setEnabled(file.current_plan() is not None)
        self.acute_button.setEnabled(file.state is not S.S9)
        if S.SA in TRANSITIONS[file.state] or file.state is S.S9:
            self.acute_button.setText("⚠  &Akut: dringende Gefahr")
        else:  # already on the acute path or past it: whom to call, and record the call
            self.acute_button.setText("⚠  &Akut: wen anrufen? / Anruf festhalten")
        self.children_button.setText("Kinder &zuordnen …" if not p.child_ids
                                     else "Betroffene Kinder ändern …")
        self.children_button.setEnabled(file.state is not S.S9)
        self._fill_tables(file)
        self.versions.setHtml(self._versions_html(file))

    def _fill_steps(self, file: ProcedureFile, blockers: dict[State, str | None]) -> None:
        while self.steps_grid.count():
            item = self.steps_grid.takeAt(0)
            widget = item.widget() if item is not None else None
            if widget is not None:
                widget.deleteLater()
        self.step_buttons.clear()
        self.step_reasons.clear()
        offered = [(t, label) for t, label in actions(file) if t is not S.SA]
        if not offered:
            done = QLabel("Das Verfahren ist abgeschlossen." if file.state is S.S9
                          else "Weiter über die Aufgaben oben.", self.steps_box)
            named(done, "Kein weiterer Schritt")
            self.steps_grid.addWidget(done, 0, 0, 1, 2)
            return
        first = self._fill_handover(file)
        for row, (target, label) in enumerate(offered, start=first):
            needs_form = target in (S.S0, S.S9)
            button = QPushButton(label + (" …" if needs_form else ""), self.steps_box)
            named(button, label)
            reason = blockers.get(target)
            text = _reason_label(self.steps_box)
            named(text, f"Hinweis zu: {label}")
            if reason:
                button.setEnabled(False)
                button.setToolTip(reason)
                button.setAccessibleDescription(reason)
                text.setText(f"Noch nicht möglich – {reason}")
            else:
                text.setText("möglich")
            button.clicked.connect(lambda _c=False, t=target: self.step(t))
            self.steps_grid.addWidget(button, row, 0)
            self.steps_grid.addWidget(text, row, 1)
            self.step_buttons[target] = button
            self.step_reasons[target] = text
        self.steps_grid.setRowStretch(len(offered) + first, 1)  # rows stay at the top

    def _fill_handover(self, file: ProcedureFile) -> int:
        """The "An die Leitung geben" row while a result exists; returns the rows used."""
        self.handover_button = None
        self.handover_reason = None
        if file.current_result() is None or file.state is S.S9:
            return 0
        status = review.result_status(self.ctx.require_session(), file.procedure.id)
        button = QPushButton("An die &Leitung geben …", self.steps_box)
        named(button, "An die Leitung geben",
              "Gibt das Ergebnis zur Prüfung an die Leitung (mit Ihrer Passphrase)")
        text = _reason_label(self.steps_box)
        named(text, "Hinweis zu: An die Leitung geben")
        texts = {
            ReviewStatus.IN_ARBEIT: "Das Ergebnis ist noch bei Ihnen – die Leitung sieht es "
                                    "erst nach der Übergabe.",
            ReviewStatus.OFFEN: "Liegt bei der Leitung zur Prüfung.",
            ReviewStatus.VERALTET: "Liegt bei der Leitung zur Prüfung (geänderte Fassung).",
            ReviewStatus.FREIGEGEBEN: "Von der Leitung freigegeben.",
            ReviewStatus.ZURUECKGEGEBEN: "Von der Leitung zurückgegeben – bitte das Ergebnis "
                                         "überarbeiten (neue Fassung).",
        }
        text.setText(texts.get(status, "") if status is not None else "")
        button.setEnabled(status is ReviewStatus.IN_ARBEIT)
        if status is not ReviewStatus.IN_ARBEIT:
            button.setToolTip(text.text())
            button.setAccessibleDescription(text.text())
        button.clicked.connect(self.hand_over)
        self.steps_grid.addWidget(button, 0, 0)
        self.steps_grid.addWidget(text, 0, 1)
        self.handover_button = button
        self.handover_reason = text
        return 1

    def _fill_records(self, file: ProcedureFile, actor: ActorInfo) -> None:
        closed = file.state is S.S9
        for key, button in self.record_buttons.items():
            reason: str | None = None
            if key == "mitteilung" and not closed and ks.mitteilung_possible(
                    file, ks_deadlines.deadline_profile(self.ctx.require_session())):
                reason = None
            elif key in _ENTRY_OF:
                reason = entry_blocker(file, _ENTRY_OF[key])
            elif key == "result":
                reason = result_blocker(file, actor)
            elif key == "dispute":
                reason = None if file.of(EntryKind.OBSERVATION) else "Noch keine Wahrnehmung."
            elif closed:
                reason = "Das Verfahren ist abgeschlossen; es kann nur gelesen werden."
            button.setEnabled(reason is None)
            button.setToolTip(reason or "")
            button.setAccessibleDescription(reason or "")
        self.record_buttons["isef_skip"].setVisible(
            file.was_acute() and not file.of(EntryKind.ISEF) and not closed)
        self.record_buttons["call"].setVisible(file.was_acute())
        has_result = file.current_result() is not None
        self.record_buttons["result"].setText("E&rgebnis ändern (neue Fassung) …" if has_result
                                              else "E&rgebnis festhalten …")
        reason = self.record_buttons["result"].toolTip()
        self.result_reason.setText(f"Ergebnis noch nicht möglich – {reason}" if reason else "")
        self.result_reason.setVisible(bool(reason) and not closed)

    def _fill_next(self, file: ProcedureFile, blockers: dict[State, str | None]) -> None:
        session = self.ctx.require_session()
        lines: list[str] = []
        if file.state is S.S9:
            lines.append("Das Verfahren ist abgeschlossen.")
        now = self.ctx.clock.now()
        tasks = open_tasks(file)
        for key in tasks:
            due = next((e.data.due_at for e in file.of(EntryKind.TASK) if e.data.key is key),
                       None)
            mark = "⚠ ÜBERFÄLLIG: " if due is not None and due < now else ""
            lines.append(f"• {mark}Nacharbeit: {key.label} (fällig {when(due)})")
        for step in ks_deadlines.due_steps(session, file.procedure.id):
            if any(step.label == key.label for key in tasks):
                continue  # already listed as a follow-up task
            mark = "⚠ ÜBERFÄLLIG: " if step.overdue else ""
            lines.append(f"• {mark}{step.label} – bis {when(step.due_at)}")
        for v in review.items_for(session, file.procedure.id):
            if v.status is ReviewStatus.ZURUECKGEGEBEN and v.last_decision is not None:
                lines.append(f"• Von der Leitung zurückgegeben ({v.label}): "
                             f"{v.last_decision.comment}")
            elif v.status in (ReviewStatus.OFFEN, ReviewStatus.VERALTET):
                lines.append(f"• Liegt bei der Leitung: {v.label} ({v.status.value})")
            elif v.status is ReviewStatus.IN_ARBEIT:
                lines.append(f"• Noch „An die Leitung geben“: {v.label} – Hilfen und die "
                             "Information des Jugendamtes warten auf ihre Freigabe.")
        possible = [t.label for t, r in blockers.items() if r is None and t is not S.SA]
        waiting = [r for t, r in blockers.items() if r and t is not S.SA]
        if possible:
            lines.append("• Möglich als nächster Schritt: " + "; ".join(possible))
        elif waiting:
            lines.append("• Vor dem nächsten Schritt: " + waiting[0])
        self.next_label.setText("\n".join(lines) or "Nichts offen.")

    def _fill_tables(self, file: ProcedureFile) -> None:
        names = self.names
        rows = []
        for e in file.entries:
            if e.kind is EntryKind.OBSERVATION:
                continue
            rows.append((e.seq, (when(e.created_at), ENTRY_NAMES[e.kind],
                                 names.get(e.created_by, ""), entry_summary(e)), e.id))
        for e in file.observations():
            rows.append((e.seq, (when(e.data.observed_at), ENTRY_NAMES[e.kind],
                                 names.get(e.created_by, ""), entry_summary(e)), e.id))
        rows.sort(key=lambda r: r[0])
        self.entries_model.set_rows([(cells, eid) for _seq, cells, eid in rows])
        self.history_model.set_rows([
            ((when(t.at), t.from_state.label if t.from_state else "–", t.to_state.label,
              names.get(t.actor_id, ""), t.actor_role, t.reason), t.id)
            for t in file.transitions])
        session = self.ctx.require_session()
        review_rows = []
        for v in review.items_for(session, file.procedure.id):
            last = v.last_decision
            decision = (f"{last.decision.value} von {names.get(last.decided_by, '')} am "
                        f"{when(last.decided_at)}" if last is not None else "–")
            review_rows.append(((v.label, v.status.value, v.author_name, decision,
                                 last.comment if last is not None else ""), v.id))
        self.reviews_model.set_rows(review_rows)

    def _versions_html(self, file: ProcedureFile) -> str:
        names, out = self.names, []
        facts = {e.id: e.data for e in file.observations()}

        def fact_list(ids: tuple[str, ...]) -> str:
            items = "".join(
                f"<li>{escape(('[bestritten] ' if facts[i].disputed else '') + facts[i].kind.value + ': ' + facts[i].text)}</li>"  # noqa: E501
                for i in ids if i in facts)
            return f"<ul>{items}</ul>" if items else "–"

        assessments = file.assessments()
        out.append("<h3>Gefährdungseinschätzung</h3>")
        if not assessments:
            out.append("<p>Noch keine Einschätzung.</p>")
        for n, e in enumerate(assessments, start=1):
            a = e.data
            who = ", ".join(escape(p.name + (f" ({p.function})" if p.function else ""))
                            for p in a.participants)
            out.append(f"<h4>Fassung {n} vom {when(a.assessed_at)} (erfasst von "
                       f"{escape(names.get(e.created_by, ''))})</h4>")
            out.append(f"<p><b>Beteiligte:</b> {who}</p>")
            if a.instrument:
                out.append(f"<p><b>Instrument:</b> {escape(a.instrument)} "
                           f"{escape(a.instrument_version)}</p>")
            if a.ratings:
                out.append("<p><i>" + escape(INSTRUMENT_NOTE) + "</i></p><ul>" + "".join(
                    f"<li>{escape(r.module)}: {escape(r.rating.value)}</li>" for r in a.ratings)
                    + "</ul>")
            for label, value in (("Ressourcen / Schutzfaktoren", a.resources),
                                 ("Risikofaktoren", a.risks),
                                 ("Kooperationsbereitschaft", a.cooperation),
                                 ("Sicherheitseinschätzung", a.safety),
                                 ("Fachliche Einschätzung", a.summary)):
                if value:
                    out.append(f"<p><b>{label}:</b> {escape(value)}</p>")
            if a.fact_ids:
                out.append("<p><b>Tragende Tatsachen:</b></p>" + fact_list(a.fact_ids))
        out.append("<h3>Ergebnis</h3>")
        results = file.results()
        if not results:
            out.append("<p>Noch kein Ergebnis.</p>")
        for n, re in enumerate(results, start=1):
            r = re.data
            current = " – aktuelle Fassung" if n == len(results) else ""
            out.append(f"<h4>Fassung {n} vom {when(re.created_at)} (erfasst von "
                       f"{escape(names.get(re.created_by, ''))}){current}</h4>")
            out.append(f"<p><b>{escape(r.category.value)}</b></p>")
            out.append(f"<p><b>Begründung:</b> {escape(r.justification)}</p>")
            out.append("<p><b>Tragende Tatsachen:</b></p>" + fact_list(r.fact_ids))
        plan = file.current_plan()
        if plan is not None:
            out.append(f"<h3>Schutzplan (Fassung {len(file.of(EntryKind.PLAN))})</h3><ul>")
            for m in plan.data.measures:
                out.append(f"<li>{escape(m.measure)} – {escape(m.responsible)}, bis "
                           f"{when(m.due)}, Überprüfung: {escape(m.verification)}, "
                           f"Stand: {escape(m.status.value)}</li>")
            out.append(f"</ul><p><b>Nächste Überprüfung:</b> "
                       f"{when(plan.data.review_date)}</p>")
        return "".join(out)

    # --- actions -------------------------------------------------------------------------

    def open_record(self, key: str) -> QDialog | None:
        if self.file is None:
            return None
        dialog = _DIALOGS[key](self.ctx, self.file, self)
        self.dialog = dialog
        dialog.open()
        return dialog  # type: ignore[no-any-return]

    def edit_children(self) -> QDialog | None:
        if self.file is None:
            return None
        self.dialog = steps.ChildrenDialog(self.ctx, self.file, self)
        self.dialog.open()
        return self.dialog

    def step(self, target: State) -> None:
        if self.file is None:
            return
        if target is S.S0:
            self.dialog = steps.BackToS0Dialog(self.ctx, self.file, self)
            self.dialog.open()
        elif target is S.S9:
            self.dialog = steps.CloseDialog(self.ctx, self.file, self)
            self.dialog.open()
        else:
            self.ctx.run(ks.transition, self.file.procedure.id, target)

    def hand_over(self) -> bool:
        """"An die Leitung geben": re-authenticate and hand the current result over."""
        if self.file is None:
            return False
        auth = reauth.authorize(self.ctx, self, "An die Leitung geben")
        if auth is None:
            return False
        try:
            self.ctx.apply(ks.hand_over, self.file.procedure.id, auth=auth)
        except UserError as error:
            self.ctx.report(error)
            return False
        self.ctx.confirm("Ergebnis an die Leitung gegeben.")
        return True

    def acute(self) -> None:
        """Whom to call now (the routing dialog) and the form to record the acute action;
        once the procedure is past the acute step, the form records a further call."""
        if self.file is None:
            return
        household_id = self.file.procedure.household_id
        try:
            household = households.get(self.ctx.require_session(), household_id)
        except UserError as error:
            self.ctx.report(error)
            return
        self.acute_window = show_acute_dialog(self.ctx, self.window(),
                                              household.data.district or None, household_id)
        if S.SA in TRANSITIONS[self.file.state]:
            self.dialog = steps.AcuteRecordDialog(self.ctx, household_id,
                                                  self.file.procedure.id, self)
        else:
            self.dialog = steps.CallDialog(self.ctx, self.file, self)
        self.dialog.open()

    def print_file(self, document: str) -> None:
        if self.procedure_id is not None:
            print_document(self.ctx, self, self.procedure_id, document)
