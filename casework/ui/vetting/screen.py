"""Führungszeugnisse (§ 72a SGB VIII): the Leitung's register. Who may currently work
with children and young people, each person's activities with the scheme's answer, the
inspections (fact, date of the certificate, relevant entry yes/no), what is due, and the
real deletion of records whose deadline has come (confirmed with the passphrase).

Only Leitung and Admin see it; for everyone else the screen says so (and looks again
when the acting person changes)."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QComboBox,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSplitter,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from casework.clock import BERLIN, from_utc_iso, local_today
from casework.models.changes import Changes
from casework.models.vetting.register import Activity, Clearance
from casework.services import vetting as service
from casework.ui.context import UiContext
from casework.ui.persons import reauth
from casework.ui.simple_model import SimpleTableModel
from casework.ui.vetting.dialogs import ActivityDialog, EndDialog, InspectionDialog, MemberDialog
from casework.ui.widgets import format_date, heading, list_table, named

TITLE = "Führungszeugnisse (§ 72a)"
CLOSED = "Das Register der Führungszeugnisse sehen und führen nur Leitung oder Admin."
FILTERS = (("alle Personen", "all"), ("darf mit Kindern arbeiten", "may"),
           ("darf nicht / ungeklärt", "may_not"), ("etwas fällig", "due"),
           ("Löschung fällig", "delete"))


def _table(model: SimpleTableModel, name: str, parent: QWidget) -> QTableView:
    return list_table(name, model, parent)


def _button(text: str, parent: QWidget, slot: object, name: str = "") -> QPushButton:
    button = QPushButton(text, parent)
    named(button, name or text.replace("&", "").rstrip("…"))
    if name:
        button.setToolTip(name)
    button.clicked.connect(slot)
    return button


class VettingScreen(QWidget):
    def __init__(self, ctx: UiContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.setAccessibleName(TITLE)
        self.notice = QLabel(CLOSED, self)
        self.notice.setWordWrap(True)
        named(self.notice, CLOSED)
        self.entries: list[service.Entry] = []
        self._viewed = False
        self.due: dict[str, list[str]] = {}  # person id -> what is due (Heute's reminders)
        self.filter = QComboBox(self)
        named(self.filter, "Filter")
        for label, key in FILTERS:
            self.filter.addItem(label, key)
        self.filter.currentIndexChanged.connect(lambda _i: self.reload())
        self.summary = QLabel(self)
        named(self.summary, "Übersicht")
        self.model = SimpleTableModel(["Name", "Mitarbeit", "Laufende Tätigkeit",
                                       "Mit Kindern arbeiten", "Gültig bis", "Löschen bis"], self)
        self.view = _table(self.model, "Personen im Register", self)
        self.view.selectionModel().selectionChanged.connect(lambda *_: self._show_detail())
        self.view.doubleClicked.connect(lambda _i: self.edit_member())
        self.detail = QLabel(self)
        self.detail.setWordWrap(True)
        named(self.detail, "Status der ausgewählten Person")
        self.activity_model = SimpleTableModel(["Tätigkeit", "Zeitraum", "Führungszeugnis",
                                                "Begründung"], self)
        self.activities = _table(self.activity_model, "Tätigkeiten", self)
        self.activities.doubleClicked.connect(lambda _i: self.edit_activity())
        self.inspection_model = SimpleTableModel(["Einsicht am", "Datum des FZ", "Ergebnis"],
                                                 self)
        self.inspections = _table(self.inspection_model, "Einsichten", self)
        self.history_model = SimpleTableModel(["Wann", "Wer", "Was"], self)
        self.history = _table(self.history_model, "Verlauf", self)

        self.add_button = _button("Person auf&nehmen…", self, self.add_member)
        self.edit_button = _button("Bearbeiten…", self, self.edit_member,
                                   "Person bearbeiten")
        self.activity_button = _button("&Tätigkeit…", self, self.add_activity,
                                       "Tätigkeit erfassen und einschätzen")
        self.end_button = _button("Tätigkeit beenden…", self, self.end_activity)
        self.inspect_button = _button("&Einsicht festhalten…", self, self.record_inspection)
        self.indication_button = _button(
            "Anhaltspunkte…", self, self.record_indication,
            "Konkrete Anhaltspunkte: aktuelles Führungszeugnis anfordern")
        self.delete_due_button = _button(
            "Fällige Löschungen…", self, self.delete_due, "Fällige Löschungen ausführen")
        self.delete_button = _button("Eintrag löschen…", self, self.delete_member)

        top = QHBoxLayout()
        top.addWidget(heading(TITLE, self))
        top.addWidget(self.summary, 1)
        top.addWidget(QLabel("Anzeigen:", self))
        top.addWidget(self.filter)
        buttons = QHBoxLayout()
        for button in (self.add_button, self.edit_button, self.activity_button,
                       self.end_button, self.inspect_button, self.indication_button):
            buttons.addWidget(button)
        buttons.addStretch(1)
        buttons.addWidget(self.delete_due_button)
        buttons.addWidget(self.delete_button)
        lower = QWidget(self)
        lower_box = QHBoxLayout(lower)
        lower_box.setContentsMargins(0, 0, 0, 0)
        left = QVBoxLayout()
        left.addWidget(heading("Tätigkeiten", lower, 1.05))
        left.addWidget(self.activities)
        middle = QVBoxLayout()
        middle.addWidget(heading("Einsichten", lower, 1.05))
        middle.addWidget(self.inspections)
        right = QVBoxLayout()
        right.addWidget(heading("Verlauf", lower, 1.05))
        right.addWidget(self.history)
        lower_box.addLayout(left, 5)
        lower_box.addLayout(middle, 3)
        lower_box.addLayout(right, 3)
        upper = QWidget(self)
        upper_box = QVBoxLayout(upper)
        upper_box.setContentsMargins(0, 0, 0, 0)
        upper_box.addWidget(self.view, 1)
        upper_box.addWidget(self.detail)
        splitter = QSplitter(Qt.Orientation.Vertical, self)
        splitter.addWidget(upper)
        splitter.addWidget(lower)
        splitter.setStretchFactor(0, 3)
        splitter.setStretchFactor(1, 2)
        self.body = QWidget(self)
        body = QVBoxLayout(self.body)
        body.setContentsMargins(0, 0, 0, 0)
        body.addLayout(buttons)
        body.addWidget(splitter, 1)
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(self.notice)
        layout.addWidget(self.body, 1)
        ctx.changed.connect(self._on_changed)
        ctx.session_changed.connect(self.reload)
        self.reload()

    # --- loading ---------------------------------------------------------------------------

    def reload(self) -> None:
        session = self.ctx.session
        if session is None or not session.is_open:
            return
        allowed = service.can_maintain(session)
        self.notice.setVisible(not allowed)
        self.body.setVisible(allowed)
        self.summary.setVisible(allowed)
        self.filter.setVisible(allowed)
        if not allowed:
            self.entries, self.due = [], {}
            self.model.set_rows([])
            self._show_detail()
            return
        selected = self.selected()
        day = local_today(self.ctx.clock)
        # The access log notes that the register was shown, once per screen (not per refresh).
        self.entries = service.overview(session, audit=not self._viewed)
        self._viewed = True
        self.due = {}
        for item in service.due(session, day):
            late = " (überfällig)" if item.overdue(day) else ""
            self.due.setdefault(item.member_id, []).append(f"{item.text}{late}")
        counts = service.clearance_counts(self.entries)
        may = counts[Clearance.CLEARED] + counts[Clearance.NOT_NEEDED]
        may_not = sum(n for c, n in counts.items() if not c.may_work and c is not
                      Clearance.INACTIVE)
        deletions = [e for e in self.entries if e.deletion_on is not None
                     and e.deletion_on <= day]
        self.summary.setText(f"{may} dürfen jetzt mit Kindern arbeiten · {may_not} nicht "
                             f"oder ungeklärt · {len(deletions)} Löschung(en) fällig")
        wanted = self.filter.currentData()
        shown = [e for e in self.entries if wanted == "all"
                 or (wanted == "may" and e.status.clearance.may_work)
                 or (wanted == "may_not" and not e.status.clearance.may_work
                     and e.status.clearance is not Clearance.INACTIVE)
                 or (wanted == "due" and e.id in self.due)
                 or (wanted == "delete" and e in deletions)]
        self.model.set_rows([
            ((e.name, e.file.member.data.engagement.value
              + (" (minderjährig)" if e.file.member.is_minor(day) else ""),
              e.current_titles(day) or "–", e.status.clearance.value,
              format_date(e.status.valid_until) or "–",
              format_date(e.deletion_on) or "–"), e)
            for e in shown])
        self.delete_due_button.setEnabled(bool(deletions))
        if selected is not None:
            self.model.select_id(self.view, selected.id)
        self._show_detail()

    def selected(self) -> service.Entry | None:
        return self.model.selected_payload(self.view, service.Entry)

    def selected_activity(self) -> Activity | None:
        return self.activity_model.selected_payload(self.activities, Activity)

    def _show_detail(self) -> None:
        entry = self.selected()
        for button in (self.edit_button, self.activity_button, self.inspect_button,
                       self.indication_button, self.delete_button):
            button.setEnabled(entry is not None)
        if entry is None:
            self.detail.setText("Eine Person auswählen, um Tätigkeiten und Einsichten zu sehen.")
            for model in (self.activity_model, self.inspection_model, self.history_model):
                model.set_rows([])
            self.end_button.setEnabled(False)
            return
        day = local_today(self.ctx.clock)
        due = self.due.get(entry.id, [])
        self.detail.setText(f"{entry.name}: {entry.status.detail}."
                            + (f" Fällig: {' · '.join(due)}" if due else ""))
        rules = service.scheme(self.ctx.require_session())
        rows = []
        for activity in entry.file.activities:
            d = activity.data
            span = f"{d.starts_on:%d.%m.%Y} – " + (f"{d.ends_on:%d.%m.%Y}" if d.ends_on else "")
            result = activity.assessment(rules, entry.file.member, max(day, d.starts_on))
            needed = ("erforderlich" if activity.requires_certificate(
                rules, entry.file.member, max(day, d.starts_on)) else "nicht erforderlich")
            reason = (f"{d.decision.value}: {d.decision_reason}" if d.decision_reason
                      else result.reason)
            rows.append(((d.title, span, needed, reason), activity))
        self.activity_model.set_rows(rows)
        self.inspection_model.set_rows([
            ((f"{i.data.inspected_on:%d.%m.%Y}", f"{i.data.certificate_date:%d.%m.%Y}",
              "einschlägige Eintragung" if i.data.relevant_entry else "keine Eintragung"), i)
            for i in reversed(entry.file.inspections)]
            + [((f"{x.requested_on:%d.%m.%Y}", "–", "aktuelles FZ angefordert"), x)
               for x in reversed(entry.file.indications)])
        self.history_model.set_rows([
            ((f"{from_utc_iso(h.at).astimezone(BERLIN):%d.%m.%Y %H:%M}", h.actor_name,
              h.summary()), h)
            for h in service.history(self.ctx.require_session(), entry.id)])
        self.end_button.setEnabled(bool(entry.file.activities))

    def _on_changed(self, changes: Changes) -> None:
        if changes.affects(service.KIND) and self.isVisible():
            self.reload()

    # --- actions ---------------------------------------------------------------------------

    def _open(self, dialog: MemberDialog | ActivityDialog | InspectionDialog | EndDialog
              ) -> bool:
        return bool(dialog.exec())

    def add_member(self) -> MemberDialog:
        dialog = MemberDialog(self.ctx, self)
        if self._open(dialog):
            self.reload()
            self.model.select_id(self.view, dialog.member_id)
        return dialog

    def edit_member(self) -> None:
        entry = self.selected()
        if entry is not None and self._open(MemberDialog(self.ctx, self, entry.file.member)):
            self.reload()

    def add_activity(self) -> None:
        entry = self.selected()
        if entry is not None and self._open(ActivityDialog(self.ctx, entry.file.member, self)):
            self.reload()

    def edit_activity(self) -> None:
        entry, activity = self.selected(), self.selected_activity()
        if entry is not None and activity is not None and self._open(
                ActivityDialog(self.ctx, entry.file.member, self, activity)):
            self.reload()

    def end_activity(self) -> None:
        activity = self.selected_activity()
        entry = self.selected()
        if activity is None and entry is not None:
            running = [a for a in entry.file.activities if a.data.ends_on is None]
            activity = running[0] if len(running) == 1 else None
        if activity is None:
            self.ctx.messages.info(self, "Tätigkeit beenden",
                                   "Bitte unten die Tätigkeit auswählen, die endet.")
            return
        if self._open(EndDialog(self.ctx, activity, self)):
            self.reload()

    def record_inspection(self) -> None:
        entry = self.selected()
        if entry is not None and self._open(InspectionDialog(self.ctx, entry.file.member, self)):
            self.reload()

    def record_indication(self) -> None:
        entry = self.selected()
        if entry is None or not self.ctx.messages.confirm(
                self, "Konkrete Anhaltspunkte",
                "Bestehen konkrete Anhaltspunkte für eine einschlägige Verurteilung, wird "
                "sofort ein aktuelles erweitertes Führungszeugnis angefordert – unabhängig "
                "von der Frist von fünf Jahren. Bis zur Einsicht gilt die Person als nicht "
                "einsatzfähig mit Kindern und Jugendlichen. Festgehalten wird nur das Datum "
                "der Anforderung. Bei einem Verdacht auf Übergriffe den Schutzauftrag "
                "(Kinderschutz) beachten und über ein Strafverfahren den öffentlichen Träger "
                "informieren.\n\nAnforderung jetzt festhalten?"):
            return
        if self.ctx.run(service.record_indication, entry.id) is not None:
            self.ctx.confirm("Anforderung festgehalten.")

    def delete_due(self) -> None:
        session = self.ctx.require_session()
        due = service.deletions_due(session)
        if not due:
            return
        if not self.ctx.messages.confirm(
                self, "Fällige Löschungen",
                f"Für {len(due)} Person(en) ist die Löschfrist nach § 72a Abs. 5 SGB VIII "
                "erreicht. Die Einsichten werden endgültig gelöscht, Personen ohne laufende "
                "oder geplante Tätigkeit ganz aus dem Register entfernt. Das kann nicht "
                "rückgängig gemacht werden.\n\nJetzt löschen?"):
            return
        auth = reauth.authorize(self.ctx, self, "Fällige Löschungen")
        if auth is not None:
            result = self.ctx.run(service.delete_due, auth)
            if result is not None:
                self.ctx.confirm(f"{result[0].inspections} Einsicht(en) gelöscht.")

    def delete_member(self) -> None:
        entry = self.selected()
        if entry is None or not self.ctx.messages.confirm(
                self, "Eintrag löschen",
                "Den ganzen Eintrag dieser Person (Tätigkeiten, Einsichten, Verlauf) "
                "endgültig löschen? Das kann nicht rückgängig gemacht werden."):
            return
        auth = reauth.authorize(self.ctx, self, "Eintrag löschen")
        if auth is not None and self.ctx.run(service.delete_member, auth, entry.id) is not None:
            self.ctx.confirm("Eintrag gelöscht.")


def create(ctx: UiContext) -> QWidget:
    return VettingScreen(ctx)
