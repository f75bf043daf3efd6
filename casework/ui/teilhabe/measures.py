"""Measures (Maßnahmen) of one client: booking under a Förderbaustein with the funding
rules of the programme — nothing for a person excluded from funding (the reason is
shown), the municipality's statement first for Baustein 5, a warning when a measure runs
past the funding period."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtWidgets import (
    QFormLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from casework.errors import UserError
from casework.models.teilhabe.funding import (
    funding_block,
)
from casework.models.teilhabe.measures import (
    Foerderbaustein,
    Handlungsfeld,
    MeasureDraft,
    MeasureStatus,
    Outcome,
)
from casework.services import teilhabe as tm
from casework.ui.teilhabe.enrol import combo
from casework.ui.teilhabe.tables import ID_ROLE, SORT_ROLE, Host, SortItem, tree
from casework.ui.widgets import (
    FlowLayout,
    error_label,
    format_date,
    line_edit,
    named,
    parse_date,
    shrinkable_combo,
)


class MeasuresPanel(QWidget):
    def __init__(self, screen: Host) -> None:
        super().__init__()  # parented by the screen's tab widget
        self.host = screen
        # Handlungsfeld and Träger are in the row's tooltip: no sideways scrolling.
        self.table = tree(
            "Maßnahmen", ["Maßnahme", "Baustein", "Beginn", "Ende", "Status", "Ergebnis"], self
        )
        header = self.table.header()
        header.setStretchLastSection(False)
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        self.blocked = error_label(self)
        named(self.blocked, "Keine geförderte Maßnahme möglich")
        self.title = line_edit("Maßnahme (Titel)", self)
        self.baustein = shrinkable_combo(
            combo("Förderbaustein", [b.value for b in Foerderbaustein], self))
        self.field = shrinkable_combo(
            combo("Handlungsfeld", [h.value for h in Handlungsfeld], self))
        self.provider = line_edit("Träger/Anbieter", self)
        self.start = line_edit("Beginn", self, "TT.MM.JJJJ")
        self.end = line_edit("Ende", self, "TT.MM.JJJJ")
        self.statement = line_edit(
            "Positive Stellungnahme der Kommune am", self, "TT.MM.JJJJ (nur Baustein 5)"
        )
        self.status = combo("Status", [s.value for s in MeasureStatus], self)
        self.outcome = combo("Ergebnis", [o.value or "offen" for o in Outcome], self)
        self.add_button = QPushButton("Maßnahme &hinzufügen", self)
        named(self.add_button, "Maßnahme hinzufügen")
        self.add_button.clicked.connect(self.add)
        self.update_button = QPushButton("Ausgewählte Maßnahme &ändern", self)
        named(self.update_button, "Ausgewählte Maßnahme mit diesen Angaben speichern")
        self.update_button.clicked.connect(self.update_selected)
        self.table.currentItemChanged.connect(lambda *_: self.fill_from_selection())
        self.baustein.currentIndexChanged.connect(lambda _i: self._statement_enabled())
        self.loaded: dict[str, MeasureDraft] = {}
        self.period = QLabel(self)
        self.period.setWordWrap(True)
        named(self.period, "Förderzeitraum")
        form = QFormLayout()
        for label, widget in (
            ("Maßnahme", self.title),
            ("Förderbaustein", self.baustein),
            ("Stellungnahme Kommune", self.statement),
            ("Handlungsfeld", self.field),
            ("Träger", self.provider),
            ("Beginn", self.start),
            ("Ende", self.end),
            ("Status", self.status),
            ("Ergebnis", self.outcome),
        ):
            caption = QLabel(label, self)
            caption.setBuddy(widget)
            form.addRow(caption, widget)
        # the period on a line of its own, the buttons wrap: the panel fits beside the
        # caseload at 125 % (issue 18)
        buttons = FlowLayout()
        buttons.addWidget(self.add_button)
        buttons.addWidget(self.update_button)
        form.addRow(self.period)
        form.addRow(buttons)
        layout = QVBoxLayout(self)
        layout.addWidget(self.blocked)
        layout.addWidget(self.table, 1)
        layout.addLayout(form)
        self._statement_enabled()

    def _statement_enabled(self) -> None:
        self.statement.setEnabled(
            self.baustein.currentText() == Foerderbaustein.B5.value
        )

    def load(self, client_id: str | None) -> None:
        self.table.clear()
        self.loaded = {}
        self.update_button.setEnabled(False)
        self.blocked.setVisible(False)
        self.add_button.setEnabled(client_id is not None)
        session = self.host.ctx.require_session()
        last = tm.funding_period_last(session)
        self.period.setText(f"Förderzeitraum bis {format_date(last)}" if last else "")
        if client_id is None:
            return
        block = funding_block(tm.get(session, client_id).data.exclusions)
        if block:
            self.blocked.setText(block.replace(" Es wurde nichts gebucht.", ""))
            self.blocked.setVisible(True)
            self.add_button.setEnabled(False)
        for m in tm.measures(session, client_id):
            d = m.data
            self.loaded[m.id] = d
            late = bool(last and d.end_on and d.end_on > last)
            item = SortItem([
                d.title,
                str(d.baustein.number),
                format_date(d.start_on),
                format_date(d.end_on) + (" ⚠ nach Förderende" if late else ""),
                d.status.value,
                d.outcome.value or "offen",
            ])
            tip = (f"Förderbaustein {d.baustein.value}; Handlungsfeld {d.handlungsfeld.value}"
                   + (f"; Träger: {d.provider}" if d.provider else "")
                   + (f"; Stellungnahme der Kommune vom {format_date(d.statement_on)}"
                      if d.statement_on else "")
                   + (f"; endet nach dem Förderzeitraum (bis {format_date(last)})"
                      if late else ""))
            for column in range(self.table.columnCount()):
                item.setToolTip(column, tip)
            item.setData(0, ID_ROLE, m.id)
            item.setData(2, SORT_ROLE, d.start_on.isoformat() if d.start_on else "")
            item.setData(3, SORT_ROLE, d.end_on.isoformat() if d.end_on else "")
            self.table.addTopLevelItem(item)

    def draft(self) -> MeasureDraft:
        outcome_text = self.outcome.currentText()
        baustein = Foerderbaustein(self.baustein.currentText())
        return MeasureDraft(
            self.title.text(),
            baustein,
            Handlungsfeld(self.field.currentText()),
            self.provider.text(),
            parse_date(self.start.text(), "Beginn"),
            parse_date(self.end.text(), "Ende"),
            MeasureStatus(self.status.currentText()),
            Outcome("" if outcome_text == "offen" else outcome_text),
            statement_on=parse_date(self.statement.text(), "Stellungnahme der Kommune")
            if baustein is Foerderbaustein.B5 else None,
        )

    def _confirm_warnings(self, draft: MeasureDraft) -> bool:
        ctx = self.host.ctx
        warnings = tm.measure_warnings(ctx.require_session(), draft)
        if not warnings:
            return True
        return bool(ctx.messages.confirm(
            self, "Förderzeitraum", "\n".join(warnings) + "\n\nTrotzdem speichern?"
        ))

    def add(self) -> None:
        client_id = self.host.current_client_id()
        if client_id is not None and self._save(tm.add_measure, client_id):
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
        self.statement.setText(format_date(d.statement_on))
        self.status.setCurrentText(d.status.value)
        self.outcome.setCurrentText(d.outcome.value or "offen")

    def update_selected(self) -> None:
        measure_id = self.selected_measure()
        if measure_id is not None:
            self._save(tm.update_measure, measure_id)

    def _save(self, action: Callable[..., Any], target_id: str) -> bool:
        """Validate the form, ask about funding-period warnings, save; True when saved."""
        ctx = self.host.ctx
        try:
            draft = self.draft()
            if not self._confirm_warnings(draft):
                return False
            ctx.apply(action, target_id, draft)
        except UserError as error:
            ctx.report(error)
            return False
        ctx.confirm("Maßnahme gespeichert.")
        return True
