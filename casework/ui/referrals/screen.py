"""Screen "Vermittlungen": open referrals of the vault by status and age (days since the
last step), filtered by status, recipient and minimum age; opening the family file; and
simple statistics per recipient (counts by outcome) for a period."""

from __future__ import annotations

from datetime import date

from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QSpinBox,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from casework.clock import local_today
from casework.errors import UserError
from casework.models.changes import Changes
from casework.models.referrals import OPEN_STATES, ReferralState
from casework.services import referrals_reading as reading
from casework.ui.context import UiContext
from casework.ui.simple_model import SimpleTableModel
from casework.ui.widgets import (
    FlowLayout,
    capped_column,
    format_date,
    heading,
    labelled,
    line_edit,
    named,
    parse_date,
    stretch_column,
)

ALL_OPEN = "Alle offenen"
ALL_RECIPIENTS = "Alle Stellen"
STATE_ORDER = [s for s in ReferralState if s in OPEN_STATES]


def _two_lines(header: str) -> str:
    """'mit Einverständnis der Familie' → two lines, so a column of small numbers is not
    as wide as its state's name (the statistics fit at 125 %)."""
    words = header.split(" ")
    if len(header) <= 14 or len(words) < 2:
        return header
    cut = min(range(1, len(words)),
              key=lambda i: abs(len(" ".join(words[:i])) - len(" ".join(words[i:]))))
    return " ".join(words[:cut]) + "\n" + " ".join(words[cut:])


class VermittlungenScreen(QWidget):
    # two-line headers where the words are long and the values short (fits at 125 %)
    COLUMNS = ("Familie", "Empfänger", "Status", "Tage seit\nletztem Schritt",
               "Wieder-\nvorlage", "vorgeschlagen\nam", "Anlass")

    def __init__(self, ctx: UiContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.state = QComboBox(self)
        named(self.state, "Status-Filter")
        self.state.addItem(ALL_OPEN, None)
        for state in STATE_ORDER:
            self.state.addItem(state.value, state.value)
        self.recipient = QComboBox(self)
        named(self.recipient, "Empfänger-Filter")
        self.min_age = QSpinBox(self)
        named(self.min_age, "Mindestens Tage seit letztem Schritt")
        self.min_age.setRange(0, 3650)
        self.min_age.setSuffix(" Tage")
        self.count = QLabel(self)
        named(self.count, "Anzahl")
        self.open_button = QPushButton("Familie ö&ffnen", self)
        named(self.open_button, "Familie öffnen")
        self.open_button.clicked.connect(self.open_selected)

        self.model = SimpleTableModel(self.COLUMNS, self)
        self.view = self._table(self.model, "Offene Vermittlungen")
        # Anlass takes the room; the family's label, the recipient and the state as much
        # as they need up to a share, eliding beyond it: no scrolling at 125 %
        stretch_column(self.view, 6)
        capped_column(self.view, 0, 0.22)
        capped_column(self.view, 1, 0.16)
        capped_column(self.view, 2, 0.2)
        self.view.doubleClicked.connect(lambda _index: self.open_selected())

        self.von = line_edit("Statistik von", self, "TT.MM.JJJJ")
        self.bis = line_edit("Statistik bis", self, "TT.MM.JJJJ")
        self.stats_button = QPushButton("Aus&werten", self)
        named(self.stats_button, "Statistik auswerten")
        self.stats_button.clicked.connect(self.refresh_statistics)
        self.stats_model = SimpleTableModel(
            ("Empfänger", "gesamt", *(_two_lines(s.value) for s in ReferralState)), self)
        self.stats_view = self._table(self.stats_model, "Vermittlungen je Empfänger")
        # one column per state, as wide as its (two-line) name; the recipient takes the rest
        stretch_column(self.stats_view, 0)

        bar = FlowLayout()
        filters: tuple[tuple[str, QWidget], ...] = (
            ("&Status:", self.state), ("&Empfänger:", self.recipient),
            ("&Mindestens:", self.min_age))
        for label_text, widget in filters:
            bar.addWidget(labelled(label_text, widget, self))
        bar.addWidget(self.count)
        bar.addStretch(1)
        bar.addWidget(self.open_button)
        stats_bar = QHBoxLayout()
        for label_text, edit in (("&von:", self.von), ("&bis:", self.bis)):
            label = QLabel(label_text, self)
            label.setBuddy(edit)
            stats_bar.addWidget(label)
            stats_bar.addWidget(edit)
        stats_bar.addWidget(self.stats_button)
        stats_bar.addStretch(1)
        layout = QVBoxLayout(self)
        layout.addWidget(heading("Vermittlungen", self))
        layout.addLayout(bar)
        layout.addWidget(self.view, 2)
        layout.addWidget(heading("Statistik je Empfänger", self, 1.05))
        layout.addLayout(stats_bar)
        layout.addWidget(self.stats_view, 1)
        self.state.currentIndexChanged.connect(self.refresh)
        self.recipient.currentIndexChanged.connect(self.refresh)
        self.min_age.valueChanged.connect(self.refresh)
        ctx.changed.connect(self._on_changed)
        ctx.session_changed.connect(self._reset)
        self._reset()

    def _table(self, model: SimpleTableModel, name: str) -> QTableView:
        view = QTableView(self)
        named(view, name)
        view.setModel(model)
        view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        view.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        view.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        view.verticalHeader().hide()
        view.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        view.horizontalHeader().setStretchLastSection(True)
        return view

    def _reset(self) -> None:
        today = local_today(self.ctx.clock)
        self.von.setText(format_date(date(today.year, 1, 1)))
        self.bis.setText(format_date(date(today.year, 12, 31)))
        self.refresh()
        self.refresh_statistics()

    def _on_changed(self, changes: Changes) -> None:
        if changes.affects("referral", "household"):
            self.refresh()
            self.refresh_statistics()

    def _recipients(self, labels: list[str]) -> None:
        current = self.recipient.currentText()
        self.recipient.blockSignals(True)
        self.recipient.clear()
        self.recipient.addItem(ALL_RECIPIENTS)
        self.recipient.addItems(labels)
        index = self.recipient.findText(current)
        self.recipient.setCurrentIndex(max(index, 0))
        self.recipient.blockSignals(False)

    def refresh(self) -> None:
        session = self.ctx.session
        if session is None or not session.is_open:
            self.model.set_rows([])
            self.count.setText("")
            return
        everything = reading.overview(session)
        self._recipients(sorted({r.recipient for r in everything}))
        recipient = self.recipient.currentText()
        state = self.state.currentData()
        rows = reading.overview(
            session, state=ReferralState(state) if state else None,
            recipient="" if recipient == ALL_RECIPIENTS else recipient,
            min_age_days=self.min_age.value())
        self.model.set_rows([(
            (r.household_name, r.recipient, r.state.value, str(r.age_days),
             format_date(r.follow_up_on), format_date(r.referral.referred_on),
             r.referral.data.reason), r.referral.data.household_id)
            for r in rows])
        self.count.setText(f"{len(rows)} offen")

    def refresh_statistics(self) -> None:
        session = self.ctx.session
        if session is None or not session.is_open:
            self.stats_model.set_rows([])
            return
        try:
            von = parse_date(self.von.text(), "Statistik von")
            bis = parse_date(self.bis.text(), "Statistik bis")
            if von is None or bis is None:
                raise UserError("Bitte Beginn und Ende des Zeitraums angeben.")
            stats = reading.statistics(session, von, bis)
        except UserError as error:
            self.ctx.report(error)
            return
        self.stats_model.set_rows([(
            (s.recipient, str(s.total), *(str(s.count(state)) for state in ReferralState)),
            s.recipient) for s in stats])

    def open_selected(self) -> None:
        rows = self.view.selectionModel().selectedRows()
        if rows:
            household_id = self.model.payload(rows[0].row())
            if isinstance(household_id, str):
                self.ctx.open_household(household_id)


def create(ctx: UiContext) -> QWidget:
    return VermittlungenScreen(ctx)
