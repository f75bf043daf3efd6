"""Family-file tab "Hilfeplan": the goals agreed with the family, whether each is SMART
yet, progress (0–10) and the next review; new goal, sharpen a goal, progress note,
review, closing with the result, minutes of a Hilfeplangespräch, and the Hilfeplan PDF
for the family to sign.

The PDF is saved through `casework.ui.documents.save_pdf` (tests patch its chooser)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from casework.errors import UserError, ValidationError
from casework.models.changes import Changes
from casework.models.goals import EntryKind, Goal, GoalDraft, GoalState, smart_gaps
from casework.services import goals as service
from casework.services.households import households
from casework.ui.context import UiContext
from casework.ui.documents import save_pdf
from casework.ui.households.lifecycle_dialogs import button_box, text_box
from casework.ui.simple_model import SimpleTableModel
from casework.ui.widgets import (
    FlowLayout,
    ValidatingForm,
    format_date,
    line_edit,
    list_table,
    named,
    parse_date,
)

TITLE = "Hilfeplan"
NO_RATING = -1


def smart_text(gaps: tuple[str, ...]) -> str:
    return "SMART ✓" if not gaps else "noch klären: " + "; ".join(gaps)


class GoalDialog(QDialog):
    def __init__(self, ctx: UiContext, household_id: str, parent: QWidget | None = None,
                 goal: Goal | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.household_id = household_id
        self.goal_id: str | None = goal.id if goal else None
        title = "Ziel schärfen" if goal else "Neues Ziel"
        self.setWindowTitle(title)
        named(self, title)
        session = ctx.require_session()
        self.form = ValidatingForm(self)
        self.what = text_box("Ziel", self, "Was soll sich ändern – in den Worten der Familie")
        self.form.add_row("Ziel", self.what)
        self.measure = line_edit("Woran erkennbar", self, "Daran merken wir, dass es "
                                                         "geklappt hat")
        self.form.add_row("Woran erkennbar", self.measure)
        self.due = line_edit("Bis wann", self, "TT.MM.JJJJ")
        self.form.add_row("Bis wann", self.due)
        self.responsibilities = text_box("Wer macht was", self, "Familie: …; Fachkraft: …")
        self.form.add_row("Wer macht was", self.responsibilities)
        self.persons = QListWidget(self)
        named(self.persons, "Für wen")
        self.persons.setMaximumHeight(90)
        for person in households.members(session, household_id):
            item = QListWidgetItem(person.display_name)
            item.setData(Qt.ItemDataRole.UserRole, person.id)
            item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
            checked = goal is not None and person.id in goal.data.person_ids
            item.setCheckState(Qt.CheckState.Checked if checked else Qt.CheckState.Unchecked)
            self.persons.addItem(item)
        self.form.add_row("Für wen", self.persons, aliases=("Personen",))
        self.review = line_edit("Nächste Überprüfung", self, "TT.MM.JJJJ")
        self.form.add_row("Nächste Überprüfung", self.review)
        self.smart_hint = QLabel(self)
        self.smart_hint.setWordWrap(True)
        named(self.smart_hint, "SMART-Prüfung")
        layout = QVBoxLayout(self)
        layout.addWidget(self.form)
        layout.addWidget(self.smart_hint)
        layout.addWidget(button_box(self, "Speichern"))
        if goal is not None:
            d = goal.data
            self.what.setPlainText(d.what)
            self.measure.setText(d.measure)
            self.due.setText(format_date(d.due_on))
            self.responsibilities.setPlainText(d.responsibilities)
            self.review.setText(format_date(goal.next_review))
        for signal in (self.what.textChanged, self.measure.textChanged, self.due.textChanged,
                       self.responsibilities.textChanged):
            signal.connect(self._update_hint)
        self._update_hint()

    def draft(self, *, strict: bool = True) -> GoalDraft:
        try:
            due = parse_date(self.due.text(), "Bis wann")
        except ValidationError:
            if strict:
                raise
            due = None
        review = parse_date(self.review.text(), "Nächste Überprüfung") if strict else None
        persons = tuple(str(self.persons.item(i).data(Qt.ItemDataRole.UserRole))
                        for i in range(self.persons.count())
                        if self.persons.item(i).checkState() == Qt.CheckState.Checked)
        return GoalDraft(self.household_id, self.what.toPlainText(), self.measure.text(), due,
                         self.responsibilities.toPlainText(), persons, review)

    def _update_hint(self) -> None:
        self.smart_hint.setText(smart_text(smart_gaps(self.draft(strict=False))))

    def accept(self) -> None:
        try:
            draft = self.draft()
            if self.goal_id is None:
                self.goal_id = self.ctx.apply(service.create, draft)[0]
            else:
                self.ctx.apply(service.update, self.goal_id, draft)
        except ValidationError as error:
            self.form.show_error(error)
            return
        except UserError as error:
            self.ctx.report(error)
            return
        self.ctx.confirm("Ziel gespeichert.")
        super().accept()


class EntryDialog(QDialog):
    """Progress note, review, or closing of a goal."""

    def __init__(self, ctx: UiContext, goal: Goal, kind: EntryKind,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.goal = goal
        self.kind = kind
        title = {EntryKind.FORTSCHRITT: "Fortschritt festhalten",
                 EntryKind.UEBERPRUEFUNG: "Ziel überprüfen",
                 EntryKind.ABSCHLUSS: "Ziel abschließen"}[kind]
        self.setWindowTitle(title)
        named(self, title)
        self.form = ValidatingForm(self)
        goal_label = QLabel(goal.data.what, self)
        goal_label.setWordWrap(True)
        self.form.add_widget_row(goal_label)
        self.on = line_edit("Datum", self, "TT.MM.JJJJ (leer = heute)")
        self.form.add_row("Datum", self.on)
        self.text = text_box("Notiz", self)
        self.form.add_row("Notiz", self.text)
        self.rating = QSpinBox(self)
        self.rating.setRange(NO_RATING, 10)
        self.rating.setSpecialValueText("keine Einschätzung")
        self.rating.setValue(NO_RATING)
        self.form.add_row("Einschätzung", self.rating,
                          description="0 = noch gar nicht, 10 = ganz erreicht")
        self.outcome = QComboBox(self)
        self.outcome.addItem("– bitte wählen –", None)
        for state in GoalState:
            if state is not GoalState.OFFEN:
                self.outcome.addItem(state.value, state.value)
        if kind is EntryKind.ABSCHLUSS:
            self.form.add_row("Ergebnis", self.outcome)
        self.next_review = line_edit("Nächste Überprüfung", self, "TT.MM.JJJJ")
        if kind is not EntryKind.ABSCHLUSS:
            self.form.add_row("Nächste Überprüfung", self.next_review)
        layout = QVBoxLayout(self)
        layout.addWidget(self.form)
        layout.addWidget(button_box(self, title))

    def accept(self) -> None:
        try:
            on = parse_date(self.on.text(), "Datum")
            rating = None if self.rating.value() == NO_RATING else self.rating.value()
            state = GoalState(self.outcome.currentData()) if self.outcome.currentData() else None
            self.ctx.apply(service.add_entry, self.goal.id, self.kind,
                           self.text.toPlainText(), rating=rating, state=state,
                           next_review_on=parse_date(self.next_review.text(),
                                                     "Nächste Überprüfung"), on=on)
        except ValidationError as error:
            self.form.show_error(error)
            return
        except UserError as error:
            self.ctx.report(error)
            return
        self.ctx.confirm("Eintrag zum Ziel gespeichert.")
        super().accept()


class MeetingDialog(QDialog):
    """Minutes of a Hilfeplangespräch; lists the goals that are not SMART yet."""

    def __init__(self, ctx: UiContext, household_id: str,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.household_id = household_id
        self.setWindowTitle("Hilfeplangespräch")
        named(self, "Hilfeplangespräch")
        session = ctx.require_session()
        open_goals = [g for g in service.for_household(session, household_id) if g.is_open]
        lines = [f"• {g.data.what}: {smart_text(g.gaps)}" for g in open_goals if g.gaps]
        self.not_smart = QLabel("Noch nicht SMART:\n" + "\n".join(lines) if lines
                                else "Alle offenen Ziele sind SMART.", self)
        self.not_smart.setWordWrap(True)
        named(self.not_smart, "Ziele, die noch nicht SMART sind")
        self.form = ValidatingForm(self)
        self.on = line_edit("Datum", self, "TT.MM.JJJJ (leer = heute)")
        self.form.add_row("Datum", self.on)
        self.participants = line_edit("Teilnehmende", self, "Familie, Fachkraft, …")
        self.form.add_row("Teilnehmende", self.participants)
        self.notes = text_box("Protokoll", self)
        self.notes.setFixedHeight(self.notes.fontMetrics().lineSpacing() * 8 + 12)
        self.form.add_row("Protokoll", self.notes)
        layout = QVBoxLayout(self)
        layout.addWidget(self.not_smart)
        layout.addWidget(self.form)
        layout.addWidget(button_box(self, "Protokoll speichern"))

    def accept(self) -> None:
        try:
            self.ctx.apply(service.record_meeting, self.household_id,
                           self.participants.text(), self.notes.toPlainText(),
                           on=parse_date(self.on.text(), "Datum"))
        except ValidationError as error:
            self.form.show_error(error)
            return
        except UserError as error:
            self.ctx.report(error)
            return
        self.ctx.confirm("Hilfeplangespräch gespeichert.")
        super().accept()


def print_plan(ctx: UiContext, parent: QWidget | None, household_id: str) -> Path | None:
    return save_pdf(ctx, parent, "Hilfeplan speichern", "Hilfeplan.pdf",
                    lambda: ctx.run(service.print_hilfeplan, household_id))


class HilfeplanTab(QWidget):
    COLUMNS = ("Ziel", "Bis wann", "Nächste Überprüfung", "Einschätzung", "Stand", "SMART")

    def __init__(self, ctx: UiContext, household_id: str,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.household_id = household_id
        self.dialog: QDialog | None = None
        self.model = SimpleTableModel(self.COLUMNS, self)
        self.view = list_table("Ziele der Familie", self.model, self)
        self.empty = QLabel("Noch keine Ziele vereinbart.", self)
        self.details = QLabel(self)
        self.details.setWordWrap(True)
        self.details.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        named(self.details, "Verlauf des Ziels")
        self.meetings = QLabel(self)
        self.meetings.setWordWrap(True)
        named(self.meetings, "Letztes Hilfeplangespräch")
        self.new_button = self._button("&Neues Ziel …", "Neues Ziel", self.new_goal)
        self.edit_button = self._button("Ziel &schärfen …", "Ziel schärfen", self.edit_goal)
        self.progress_button = self._button("&Fortschritt …", "Fortschritt festhalten",
                                            lambda: self.entry(EntryKind.FORTSCHRITT))
        self.review_button = self._button("Über&prüfen …", "Ziel überprüfen",
                                          lambda: self.entry(EntryKind.UEBERPRUEFUNG))
        self.close_button = self._button("Ab&schließen …", "Ziel abschließen",
                                         lambda: self.entry(EntryKind.ABSCHLUSS))
        self.meeting_button = self._button("Hilfeplan&gespräch …", "Hilfeplangespräch "
                                           "protokollieren", self.meeting)
        self.print_button = self._button("Hilfeplan &drucken …", "Hilfeplan drucken",
                                         self.print_plan)
        buttons = FlowLayout()
        for b in (self.new_button, self.edit_button, self.progress_button, self.review_button,
                  self.close_button):
            buttons.addWidget(b)
        buttons.addStretch(1)
        buttons.addWidget(self.meeting_button)
        buttons.addWidget(self.print_button)
        layout = QVBoxLayout(self)
        layout.addLayout(buttons)
        layout.addWidget(self.empty)
        layout.addWidget(self.view, 1)
        layout.addWidget(self.details)
        layout.addWidget(self.meetings)
        self.view.selectionModel().selectionChanged.connect(lambda *_: self._update())
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
        rows = []
        for g in service.for_household(session, self.household_id):
            rating = g.last_rating
            rows.append(((g.data.what, format_date(g.data.due_on), format_date(g.next_review)
                          if g.is_open else "", "" if rating is None else f"{rating}/10",
                          g.state.value, smart_text(g.gaps) if g.is_open else ""), g))
        self.model.set_rows(rows)
        self.empty.setVisible(not rows)
        minutes = service.meetings(session, self.household_id)
        if minutes:
            m = minutes[0]
            open_points = ", ".join(f"„{t}“" for t, _ in m.not_smart)
            self.meetings.setText(
                f"Letztes Hilfeplangespräch am {m.on:%d.%m.%Y} ({m.participants})"
                + (f" – noch nicht SMART: {open_points}" if open_points else ""))
        else:
            self.meetings.setText("Noch kein Hilfeplangespräch protokolliert.")
        if selected is not None:
            self.select(selected.id)
        self._update()

    def select(self, goal_id: str | None) -> None:
        self.model.select_id(self.view, goal_id)

    def selected(self) -> Goal | None:
        return self.model.selected_payload(self.view, Goal)

    def _update(self) -> None:
        g = self.selected()
        open_goal = g is not None and g.is_open
        for b in (self.edit_button, self.progress_button, self.review_button,
                  self.close_button):
            b.setEnabled(open_goal)
        if g is None:
            self.details.setText("")
            return
        lines = [f"Woran erkennbar: {g.data.measure or '–'} · Wer macht was: "
                 f"{g.data.responsibilities or '–'}"]
        for e in g.entries:
            rating = f" ({e.rating}/10)" if e.rating is not None else ""
            result = f" – {e.state.value}" if e.state else ""
            lines.append(f"{e.on:%d.%m.%Y} {e.kind.value}{result}{rating}: {e.text} "
                         f"({e.by_name})")
        self.details.setText("\n".join(lines))

    def _on_changed(self, changes: Changes) -> None:
        if changes.affects("goal", "goal_entry", "hilfeplan_meeting", "person") or \
                self.household_id in changes.ids("household"):
            self.refresh()

    def _open(self, dialog: QDialog) -> None:
        self.dialog = dialog
        dialog.open()

    def new_goal(self) -> None:
        dialog = GoalDialog(self.ctx, self.household_id, self)
        dialog.accepted.connect(lambda: self.select(dialog.goal_id))
        self._open(dialog)

    def edit_goal(self) -> None:
        g = self.selected()
        if g is not None:
            self._open(GoalDialog(self.ctx, self.household_id, self, g))

    def entry(self, kind: EntryKind) -> None:
        g = self.selected()
        if g is not None:
            self._open(EntryDialog(self.ctx, g, kind, self))

    def meeting(self) -> None:
        self._open(MeetingDialog(self.ctx, self.household_id, self))

    def print_plan(self) -> None:
        print_plan(self.ctx, self, self.household_id)


def create(ctx: UiContext, household_id: str) -> QWidget:
    return HilfeplanTab(ctx, household_id)
