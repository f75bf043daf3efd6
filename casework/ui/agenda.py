"""Heute: deadlines from other areas (overdue § 8a steps first, the Leitung's review
queue, referral follow-ups, consents to renew, hand-overs and closures to answer),
follow-ups due today or overdue (complete them here), appointments ("heute" or "diese
Woche"), recently opened families, contacts logged today. Double-click or Enter opens
the family file."""

from __future__ import annotations

import threading
from concurrent.futures import CancelledError
from dataclasses import dataclass
from datetime import date

from PySide6.QtCore import QEvent, QObject, Qt, QTimer
from PySide6.QtGui import QKeyEvent, QShowEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSizePolicy,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from casework.clock import BERLIN, local_today
from casework.errors import UserError
from casework.models.changes import Changes
from casework.models.persons.worker import WorkerRole
from casework.services import agenda, appointments, contacts, persons
from casework.services.backup import backups as backup
from casework.services.households import households
from casework.services.session import Session
from casework.ui import vault_jobs
from casework.ui.context import UiContext
from casework.ui.households.family_model import local_date
from casework.ui.simple_model import SimpleTableModel
from casework.ui.widgets import (
    capped_column,
    format_date,
    heading,
    list_table,
    named,
    stretch_column,
    weekday_date,
)

OPEN_KEYS = (Qt.Key.Key_Return, Qt.Key.Key_Enter)
FOLLOW_UP_LIMIT = 200  # what services.contacts.follow_ups_due returns at most
EXTRA_KINDS = ("appointment", "goal", "goal_entry")  # issue 20 record kinds shown here
PAINT_FIRST_MS = 1  # Heute's load starts after the paint (a timer, not a posted event)
RESIZE_PRECISION = 40  # rows Qt measures for a column's width (its default: 1,000)


@dataclass(frozen=True, slots=True)
class Target:
    household_id: str
    contact_id: str = ""
    tab: str | None = None  # the family file's tab to open (§ 8a steps: "kinderschutz")
    screen: str = ""  # an item without a family: the screen to open


Row = tuple[tuple[str, ...], Target]


@dataclass(frozen=True, slots=True)
class HeuteLists:
    """Everything Heute shows, as display rows (gathered on the worker thread)."""

    today: date
    week: bool  # appointments of this week, not only today's
    backup_overdue: bool
    recovery_sheet_missing: bool
    may_create_recovery_key: bool
    agenda: tuple[Row, ...]
    agenda_groups: tuple[str, ...]
    urgent: int  # overdue § 8a steps
    follow_ups: tuple[Row, ...]
    follow_up_due: tuple[date, ...]
    appointments: tuple[Row, ...]
    recent: tuple[Row, ...]
    logged_today: tuple[Row, ...]


def gather(session: Session, *, mine_only: bool, week: bool,
           cancel: threading.Event | None = None) -> HeuteLists:
    """The lists of Heute for the acting person (any thread, its own session). `cancel`:
    set by a lock; checked between the lists, so the lock waits for one list at most."""
    today = local_today(session.clock)
    items = agenda.items(session, today, mine_only=mine_only)
    _check(cancel)
    rows: list[Row] = []
    shown = ""
    for item in items:  # the group label only on its first row: a visual heading
        label = item.group if item.group != shown else ""
        shown = item.group
        rows.append(((label, item.area, format_date(item.due), item.household_name,
                      item.text),
                     Target(item.household_id,
                            tab="kinderschutz" if item.procedure_id else None,
                            screen=item.screen)))
    due = contacts.follow_ups_due(session, mine_only=mine_only, newest_first=True)
    _check(cancel)
    planned = (appointments.this_week(session, mine_only=mine_only) if week
               else appointments.today(session, mine_only=mine_only))
    _check(cancel)
    return HeuteLists(
        today=today, week=week,
        backup_overdue=backup.backup_overdue(session),
        recovery_sheet_missing=persons.recovery_sheet_missing(session),
        may_create_recovery_key=session.has_role(WorkerRole.LEITUNG, WorkerRole.ADMIN),
        agenda=tuple(rows), agenda_groups=tuple(item.group for item in items),
        urgent=sum(1 for item in items if item.rank == agenda.KINDERSCHUTZ and item.overdue),
        follow_ups=tuple(
            ((format_date(f.due) + (" (überfällig)" if f.due < today else ""),
              f.household_name, f.next_steps), Target(f.household_id, f.contact_id))
            for f in due),
        follow_up_due=tuple(f.due for f in due),
        appointments=tuple(
            ((weekday_date(row.local_start), f"{row.local_start:%H:%M}", row.household_name,
              row.appointment.data.place_type.value), Target(row.appointment.data.household_id))
            for row in planned),
        recent=tuple(
            ((row.label, row.district, format_date(local_date(row.last_contact_at))),
             Target(row.id))
            for row in households.recently_opened(session)),
        logged_today=tuple(
            ((f"{contact.data.occurred_at.astimezone(BERLIN):%H:%M}", name,
              contact.data.type.value), Target(contact.household_id))
            for contact, name in contacts.logged_today(session)))


def _check(cancel: threading.Event | None) -> None:
    if cancel is not None and cancel.is_set():
        raise CancelledError()


def _gather_job(session: Session, cancel: threading.Event, mine_only: bool,
                week: bool) -> HeuteLists:
    """On the worker thread, on the vault's second connection (`vault_jobs.read`)."""
    return gather(session, mine_only=mine_only, week=week, cancel=cancel)


def _set_rows(model: SimpleTableModel, rows: tuple[Row, ...]) -> None:
    if tuple(model.rows) != rows:  # an unchanged list keeps its selection and widths
        model.set_rows(rows)


def _table(name: str, model: SimpleTableModel, parent: QWidget) -> QTableView:
    view = list_table(name, model, parent)
    # Columns fit the first rows, not all 200 follow-ups and 470 deadlines (a fifth of
    # the time it took to show Heute again at 20,000 households was Qt measuring rows).
    view.horizontalHeader().setResizeContentsPrecision(RESIZE_PRECISION)
    return view


class HeuteScreen(QWidget):
    def __init__(self, ctx: UiContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self._asked = 0  # the newest load of the lists
        self._pending = 0
        self._again = False
        self._scheduled = False  # shown: a load follows the first paint
        self._shown: HeuteLists | None = None
        self.date_label = QLabel(self)
        named(self.date_label, "Datum")
        self.loading_label = QLabel("Wird geladen …", self)
        named(self.loading_label, "Heute wird geladen")
        self.backup_hint = QLabel(self)  # issue 10: overdue backup (services.backup)
        # issue 15: the owner is reminded until the recovery key sheet exists; a panel of
        # its own below the heading (issue 18: squeezed into the heading row it wrapped
        # into a narrow column of words)
        self.recovery_hint = self._recovery_panel()
        self.recovery_hint.setVisible(False)
        named(self.backup_hint, "Hinweis Sicherung")
        self.backup_hint.setVisible(False)
        self.follow_up_model = SimpleTableModel(["Fällig", "Familie", "Nächster Schritt"], self)
        self.agenda_model = SimpleTableModel(["Wann", "Bereich", "Fällig", "Familie", "Was"],
                                             self)
        self.agenda = _table("Fristen aus Kinderschutz, Vermittlungen und Einwilligungen",
                             self.agenda_model, self)
        self.agenda_alert = QLabel(self)
        named(self.agenda_alert, "Warnung überfällige Kinderschutz-Schritte")
        self.agenda_alert.setWordWrap(True)
        font = self.agenda_alert.font()
        font.setBold(True)
        self.agenda_alert.setFont(font)
        self.recent_model = SimpleTableModel(["Familie", "Stadtteil", "Letzter Kontakt"], self)
        self.today_model = SimpleTableModel(["Uhrzeit", "Familie", "Art"], self)
        self.follow_ups = _table("Wiedervorlagen, fällig oder überfällig",
                                 self.follow_up_model, self)
        self.recent = _table("Zuletzt geöffnete Familien", self.recent_model, self)
        stretch_column(self.recent, 0)  # the family's name, not an often empty date
        self.today = _table("Heute erfasste Kontakte", self.today_model, self)
        # Household labels are long ("Müller (Sabine, Thomas) · Hauptstr. 5"): they take
        # at most a share of the width and elide at 125 % instead of scrolling sideways.
        stretch_column(self.agenda, 4)
        capped_column(self.agenda, 3)
        stretch_column(self.follow_ups, 2)
        capped_column(self.follow_ups, 1, 0.3)
        stretch_column(self.today, 1)
        self.follow_ups.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.done_button = QPushButton("Als &erledigt markieren …", self)
        named(self.done_button, "Ausgewählte Wiedervorlagen als erledigt markieren",
              "Mehrere auswählen mit Umschalt oder Strg; fragt vorher nach")
        self.done_button.clicked.connect(self.complete_selected)
        self.select_old_button = QPushButton("Ältere als 30 Tage auswählen", self)
        named(self.select_old_button, "Wiedervorlagen älter als 30 Tage auswählen")
        self.select_old_button.clicked.connect(lambda: self.select_older_than(30))
        self.mine_only = QCheckBox("nur &meine Familien", self)
        named(self.mine_only, "Nur Wiedervorlagen meiner Familien")
        self.mine_only.toggled.connect(lambda _c: self.reload())
        self.follow_up_due: list[date] = []
        self.agenda_groups: list[str] = []
        self.follow_up_count = QLabel(self)
        named(self.follow_up_count, "Anzahl Wiedervorlagen")
        self.appointment_model = SimpleTableModel(["Tag", "Uhrzeit", "Familie", "Ort"], self)
        self.appointments = _table("Termine", self.appointment_model, self)
        stretch_column(self.appointments, 2)
        self.appointment_range = QComboBox(self)
        named(self.appointment_range, "Zeitraum der Termine")
        self.appointment_range.addItem("heute", "today")
        self.appointment_range.addItem("diese Woche", "week")
        self.appointment_range.currentIndexChanged.connect(lambda _i: self.reload())
        self.appointments_empty = QLabel(self)
        self.recent_empty = QLabel("Noch keine Familienakte geöffnet.", self)
        self.today_empty = QLabel("Heute wurde noch kein Kontakt erfasst.", self)

        top = QHBoxLayout()
        top.addWidget(heading("Heute", self))
        top.addWidget(self.date_label)
        top.addWidget(self.loading_label)
        top.addWidget(self.backup_hint)
        top.addStretch(1)
        top.addWidget(self.mine_only)
        self.agenda_empty = QLabel(
            f"Keine Fristen in den nächsten {agenda.HORIZON_DAYS} Tagen (Kinderschutz, "
            "Vermittlungen, Einwilligungen, Hilfeplan).", self)
        named(self.agenda_empty, "Keine Fristen")
        self.horizon_note = QLabel(
            f"überfällig, heute, diese Woche und demnächst (bis {agenda.HORIZON_DAYS} Tage "
            "im Voraus)", self)
        named(self.horizon_note, "Zeitraum der Fristen")
        agenda_head = QHBoxLayout()
        agenda_head.addWidget(heading("Fristen", self, 1.1))
        agenda_head.addWidget(self.horizon_note)
        agenda_head.addStretch(1)
        agenda_box = QVBoxLayout()
        agenda_box.addLayout(agenda_head)
        agenda_box.addWidget(self.agenda_alert)
        agenda_box.addWidget(self.agenda_empty)
        agenda_box.addWidget(self.agenda, 1)
        grid = QGridLayout()
        follow_head = QHBoxLayout()
        follow_head.addWidget(heading("Wiedervorlagen", self, 1.1))
        follow_head.addStretch(1)
        follow_head.addWidget(self.follow_up_count)
        grid.addLayout(follow_head, 0, 0)
        grid.addWidget(self.follow_ups, 1, 0)
        follow_buttons = QHBoxLayout()
        follow_buttons.addStretch(1)
        follow_buttons.addWidget(self.select_old_button)
        follow_buttons.addWidget(self.done_button)
        grid.addLayout(follow_buttons, 2, 0)
        appointment_head = QHBoxLayout()
        appointment_head.addWidget(heading("Termine", self, 1.1))
        appointment_head.addStretch(1)
        appointment_head.addWidget(self.appointment_range)
        grid.addLayout(appointment_head, 0, 1)
        appointment_box = QVBoxLayout()
        appointment_box.addWidget(self.appointments_empty)
        appointment_box.addWidget(self.appointments, 1)
        grid.addLayout(appointment_box, 1, 1)
        grid.addWidget(heading("Zuletzt geöffnet", self, 1.1), 3, 0)
        grid.addWidget(self.recent_empty, 4, 0)
        grid.addWidget(self.recent, 5, 0)
        grid.addWidget(heading("Heute erfasste Kontakte", self, 1.1), 3, 1)
        grid.addWidget(self.today_empty, 4, 1)
        grid.addWidget(self.today, 5, 1)
        grid.setRowStretch(1, 3)
        grid.setRowStretch(5, 2)
        self.grid = grid
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(self.recovery_hint)
        # The deadlines and the lists below share the height by their stretch alone (at
        # 125 % the deadlines' own size hint left one row for the follow-ups); each list
        # keeps at least two rows.
        layout.addLayout(agenda_box, 2)
        layout.addLayout(grid, 3)
        for view in (self.agenda, self.follow_ups, self.appointments, self.recent, self.today):
            view.setSizePolicy(view.sizePolicy().horizontalPolicy(),
                               QSizePolicy.Policy.Ignored)
            view.setMinimumHeight(view.horizontalHeader().sizeHint().height()
                                  + 2 * view.verticalHeader().defaultSectionSize() + 4)

        for view in (self.agenda, self.follow_ups, self.recent, self.today, self.appointments):
            view.doubleClicked.connect(lambda index, v=view: self._open(v, index.row()))
            view.installEventFilter(self)
        self.follow_ups.selectionModel().currentRowChanged.connect(
            lambda *_: self._update_buttons())
        # Until the first lists arrive no "nothing due" line may claim an empty day.
        for empty in (self.agenda_empty, self.appointments_empty, self.recent_empty,
                      self.today_empty):
            empty.setVisible(False)
        ctx.changed.connect(self._on_changed)
        # Lists load when the screen is shown (showEvent), not twice on first display.

    def _recovery_panel(self) -> QFrame:
        panel = QFrame(self)
        panel.setFrameShape(QFrame.Shape.StyledPanel)
        named(panel, "Hinweis Wiederherstellungsschlüssel")
        title = QLabel("<b>Noch kein Wiederherstellungsschlüssel</b>", panel)
        self.recovery_text = QLabel(
            "Ohne ihn ist bei vergessener Passphrase alles verloren: Niemand kann die Akte "
            "dann noch öffnen. Das Blatt ausdrucken und im Tresor verwahren "
            "(auch über Akte → „Wiederherstellungsschlüssel…“).", panel)
        self.recovery_text.setWordWrap(True)
        self.recovery_button = QPushButton("Schlüssel &jetzt erstellen …", panel)
        named(self.recovery_button, "Wiederherstellungsschlüssel jetzt erstellen")
        self.recovery_button.clicked.connect(self._create_recovery_key)
        text = QVBoxLayout()
        text.addWidget(title)
        text.addWidget(self.recovery_text)
        row = QHBoxLayout(panel)
        row.addLayout(text, 1)
        row.addWidget(self.recovery_button, 0, Qt.AlignmentFlag.AlignVCenter)
        return panel

    def _create_recovery_key(self) -> None:
        from casework.ui.backup.recovery_key_action import trigger

        if trigger(self.ctx, self):
            self.reload()

    @property
    def loading(self) -> bool:
        """The lists are being gathered on the worker thread (or will be in a moment)."""
        return self._scheduled or self._pending > 0

    def reload(self) -> None:
        """Gather the lists on the worker thread, on the vault's second connection (a
        third of a second at 20,000 households); the lists shown stay until the new ones
        arrive, then change only where they differ (selections stay)."""
        self._scheduled = False
        session = self.ctx.session
        if session is None or not session.is_open:
            return
        today = local_today(self.ctx.clock)
        self.date_label.setText(f"{today:%d.%m.%Y}")
        if self._pending:  # one more load after this one (shown again, changed meanwhile)
            self._again = True
            return
        self._asked += 1
        asked = self._asked
        self._pending += 1
        if self._shown is None:
            self.loading_label.setVisible(True)
        vault_jobs.read(self.ctx, self, _gather_job, self.mine_only.isChecked(),
                        self.appointment_range.currentData() == "week",
                        on_done=lambda lists: self._loaded(asked, lists),
                        on_failed=lambda error: self._failed(error))

    def _load_again(self) -> None:
        if self._again:
            self._again = False
            self.reload()

    def _failed(self, error: BaseException) -> None:
        self._pending -= 1
        self._load_again()
        if isinstance(error, CancelledError):
            return  # locked before the lists were gathered
        if not isinstance(error, UserError):
            raise error
        if self.ctx.is_unlocked:
            self.ctx.report(error)

    def _loaded(self, asked: int, lists: HeuteLists) -> None:
        self._pending -= 1
        if asked == self._asked and self.ctx.is_unlocked:  # else locked meanwhile
            self.loading_label.setVisible(False)
            if lists != self._shown:  # else nothing changed since Heute was last shown
                self._shown = lists
                self._fill(lists)
        self._load_again()

    def _fill(self, lists: HeuteLists) -> None:
        self.date_label.setText(f"{lists.today:%d.%m.%Y}")
        self.backup_hint.setText("Sicherung überfällig – Akte → „Sicherung erstellen…“"
                                 if lists.backup_overdue else "")
        self.backup_hint.setVisible(lists.backup_overdue)
        self.recovery_button.setVisible(lists.may_create_recovery_key)
        self.recovery_hint.setVisible(lists.recovery_sheet_missing)
        _set_rows(self.agenda_model, lists.agenda)
        self.agenda_groups = list(lists.agenda_groups)
        urgent = lists.urgent
        steps = ("1 überfälliger Schritt in einem Kinderschutzverfahren" if urgent == 1
                 else f"{urgent} überfällige Schritte in Kinderschutzverfahren")
        self.agenda_alert.setText(f"⚠ {steps} – bitte zuerst bearbeiten." if urgent else "")
        self.agenda_alert.setVisible(bool(urgent))
        self.agenda.setVisible(bool(lists.agenda))
        self.agenda_empty.setVisible(not lists.agenda)
        _set_rows(self.follow_up_model, lists.follow_ups)
        self.follow_up_due = list(lists.follow_up_due)
        count = len(lists.follow_ups)
        if count >= FOLLOW_UP_LIMIT:
            text = f"mindestens {count} offen – die neuesten werden angezeigt"
        else:
            text = f"{count} offen" if count else "Keine fälligen Wiedervorlagen."
        self.follow_up_count.setText(text)
        _set_rows(self.appointment_model, lists.appointments)
        self.appointments_empty.setText("Keine Termine diese Woche." if lists.week
                                        else "Heute keine Termine.")
        self.appointments_empty.setVisible(not lists.appointments)
        _set_rows(self.recent_model, lists.recent)
        _set_rows(self.today_model, lists.logged_today)
        self.recent_empty.setVisible(self.recent_model.rowCount() == 0)
        self.today_empty.setVisible(self.today_model.rowCount() == 0)
        # an empty list under its "nothing yet" line only takes room
        self.recent.setVisible(self.recent_model.rowCount() > 0)
        self.today.setVisible(self.today_model.rowCount() > 0)
        # no room kept for two empty lists: the follow-ups take it
        self.grid.setRowStretch(5, 2 if self.recent_model.rowCount()
                                or self.today_model.rowCount() else 0)
        self._update_buttons()

    def _update_buttons(self) -> None:
        self.done_button.setEnabled(bool(self.selected_follow_ups()))
        self.select_old_button.setEnabled(self.follow_up_model.rowCount() > 0)

    def selected_follow_ups(self) -> list[Target]:
        rows = sorted(i.row() for i in self.follow_ups.selectionModel().selectedRows())
        out = []
        for row in rows:
            target = self.follow_up_model.payload(row)
            if isinstance(target, Target) and target.contact_id:
                out.append(target)
        return out

    def select_older_than(self, days: int) -> int:
        """Select every follow-up due more than `days` days ago (for "erledigt" in bulk)."""
        today = local_today(self.ctx.clock)
        selection = self.follow_ups.selectionModel()
        selection.clearSelection()
        count = 0
        for row, due in enumerate(self.follow_up_due):
            if (today - due).days > days:
                selection.select(self.follow_up_model.index(row, 0),
                                 selection.SelectionFlag.Select | selection.SelectionFlag.Rows)
                count += 1
        self._update_buttons()
        return count

    def _open(self, view: QTableView, row: int) -> None:
        model = view.model()
        assert isinstance(model, SimpleTableModel)
        target = model.payload(row)
        if isinstance(target, Target) and target.screen and not target.household_id:
            self.ctx.open_screen(target.screen)
        elif isinstance(target, Target):
            if target.tab:
                self.ctx.open_household(target.household_id, tab=target.tab)
            else:
                self.ctx.open_household(target.household_id)

    def complete_selected(self) -> bool:
        """Mark the selected follow-ups done, after a question (never by accident)."""
        targets = self.selected_follow_ups()
        if not targets:
            return False
        count = len(targets)
        what = "1 Wiedervorlage" if count == 1 else f"{count} Wiedervorlagen"
        if count > 1 and not self.ctx.messages.confirm(
                self, "Wiedervorlagen erledigt",
                f"{what} als erledigt markieren? Sie verschwinden aus der Liste; die "
                "Kontakte bleiben unverändert in der Akte."):
            return False
        done = self.ctx.run(contacts.complete_follow_ups, [t.contact_id for t in targets])
        if done is None:
            return False
        self.ctx.confirm(f"{what} als erledigt markiert.")
        return True

    def _on_changed(self, changes: Changes) -> None:
        if changes.affects("household", "contact", "kinderschutz", "kinderschutz_review",
                           "kinderschutz_deadlines",
                           "referral", "consent", "handover", "household_closure",
                           "vetting", *EXTRA_KINDS) and self.isVisible():
            self.reload()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if (event.type() == QEvent.Type.KeyPress and isinstance(event, QKeyEvent)
                and event.key() in OPEN_KEYS and isinstance(watched, QTableView)):
            self._open(watched, watched.currentIndex().row())
            return True
        return super().eventFilter(watched, event)

    def showEvent(self, event: QShowEvent) -> None:
        # Coming back to Heute (after midnight, after opening files): fresh lists, asked
        # for once the screen has been painted (the load holds Python's lock part of the
        # time, and painting the lists calls into Python row by row).
        self._scheduled = True
        QTimer.singleShot(PAINT_FIRST_MS, self, self.reload)
        super().showEvent(event)


def create(ctx: UiContext) -> QWidget:
    return HeuteScreen(ctx)
