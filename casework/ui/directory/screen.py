"""Verzeichnis: the reference data of the vault's profile (issue 6).

Tabs: ASD-Bezirke (with a search by Stadtteil or PLZ), Sprechzeiten & Notdienst,
Sonderfunktionen, Partner (with a filter), Rote Mappe and Hinweise (the profile's notes on
data quality and contradictions, plus the vault's edit history). Leitung/Admin edit
district contacts, partners and Rote-Mappe entries and import/export the whole directory
as JSON; everyone else sees it read-only (`services.directory.can_edit`).

Table models, the district search and text helpers live in `_verzeichnis_models`, the
edit dialogs in `_verzeichnis_dialogs`.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import TypeVar

from PySide6.QtCore import QAbstractTableModel, QEvent, QObject, QSize, Qt, QTimer
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QFileDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QScrollArea,
    QTableView,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from casework.clock import BERLIN, from_utc_iso
from casework.errors import UserError
from casework.forms.directory import render_rote_mappe
from casework.models.changes import Changes
from casework.models.directory import quality
from casework.models.directory.opening import OpenState
from casework.models.directory.profile import Profile
from casework.models.directory.texts import (
    WEEKDAYS,
    after_hours_text,
    overlap_lines,
    partner_text,
    sprechzeiten_lines,
)
from casework.services.directory import vault_profile as directory
from casework.services.directory.shipped import load_profile
from casework.ui import documents
from casework.ui.context import UiContext
from casework.ui.directory.dialogs import (
    DistrictDialog,
    EmergencyDialog,
    HoursDialog,
    PartnerDialog,
    SpecialFunctionDialog,
)
from casework.ui.directory.models import (
    district_model,
    emergency_model,
    partner_matches,
    partner_model,
    search_districts,
    special_function_model,
)
from casework.ui.directory.opening import OpenNowBar
from casework.ui.kinderschutz.acute_dialog import phone_row
from casework.ui.persons import reauth
from casework.ui.widgets import FlowLayout, heading, line_edit, stretch_column

D = TypeVar("D", bound=QDialog)

TITLE = "Verzeichnis"
SEARCH_HINT = "Stadtteil oder PLZ"
READ_ONLY_NOTE = "Nur Leitung oder Admin können das Verzeichnis ändern (Ansicht nur lesend)."


def create(ctx: UiContext) -> QWidget:
    return VerzeichnisScreen(ctx)


# --- file dialogs (one seam; tests patch these functions) --------------------------------


def choose_import_file(parent: QWidget | None) -> str:
    """Path of a JSON file to import, or '' if cancelled."""
    path, _ = QFileDialog.getOpenFileName(
        parent, "Verzeichnis importieren", "", "JSON-Dateien (*.json)"
    )
    return path


def choose_export_file(parent: QWidget | None, suggested: str) -> str:
    """Target path for the JSON export, or '' if cancelled."""
    path, _ = QFileDialog.getSaveFileName(
        parent, "Verzeichnis exportieren", suggested, "JSON-Dateien (*.json)"
    )
    return path


# --- the screen ------------------------------------------------------------------------------


def _table(model: QAbstractTableModel, name: str, parent: QWidget) -> QTableView:
    view = QTableView(parent)
    view.setModel(model)
    view.setAccessibleName(name)
    view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    view.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
    view.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    view.setWordWrap(True)
    view.setAlternatingRowColors(True)
    view.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
    view.horizontalHeader().setStretchLastSection(True)
    return view


class _ScrollArea(QScrollArea):
    """Its size hint does not ask the content: the tab widget asks every page's hint when
    the screen is first shown, and the long word-wrapped columns of labels cost a third of
    that (issue 23). The content scrolls anyway."""

    def sizeHint(self) -> QSize:
        return QSize(480, 320)


def _vertical_scroll(content: QWidget, parent: QWidget) -> QScrollArea:
    """`content` in a scroll area that scrolls up and down only: the ASD's hours and the
    notes are a long column of lines, taller than a 125 % laptop leaves (issue 18)."""
    area = _ScrollArea(parent)
    area.setWidgetResizable(True)
    area.setFrameShape(QScrollArea.Shape.NoFrame)
    area.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
    area.setWidget(content)
    return area


def _fit_columns(view: QTableView, cap: int = 300) -> None:
    """Columns as wide as their content, but none wider than `cap` pixels."""
    view.resizeColumnsToContents()
    header = view.horizontalHeader()
    for column in range(header.count()):
        if header.sectionSize(column) > cap:
            header.resizeSection(column, cap)


def _rows_fit_text(view: QTableView) -> None:
    """Rows as tall as their wrapped text, measured once after the widths or the rows
    changed. (The header's ResizeToContents measured every cell again on each of the
    layout passes of the first showing: a third of the screen's first opening.)"""
    refit = QTimer(view)
    refit.setSingleShot(True)
    refit.setInterval(0)
    refit.timeout.connect(view.resizeRowsToContents)
    model = view.model()
    for signal in (model.modelReset, model.layoutChanged, model.rowsInserted,
                   model.dataChanged, view.horizontalHeader().sectionResized):
        signal.connect(lambda *_args: refit.start())
    _Resized(view.viewport(), refit.start)


class _Resized(QObject):
    """Calls `then` whenever the watched widget changes its size."""

    def __init__(self, watched: QWidget, then: Callable[[], None]) -> None:
        super().__init__(watched)
        self.then = then
        watched.installEventFilter(self)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.Resize:
            self.then()
        return False


def _button(text: str, parent: QWidget, slot: Callable[[], object]) -> QPushButton:
    button = QPushButton(text, parent)
    button.setAccessibleName(text.rstrip("…"))
    button.clicked.connect(lambda: slot())
    return button


def _label(text: str, parent: QWidget, *, bold: bool = False) -> QLabel:
    label = QLabel(text, parent)
    label.setWordWrap(True)
    label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
    label.setAccessibleName(text)
    if bold:
        font = label.font()
        font.setBold(True)
        label.setFont(font)
    return label


class VerzeichnisScreen(QWidget):
    def __init__(self, ctx: UiContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.setAccessibleName(TITLE)
        self.profile: Profile = ctx.profile or load_profile()
        self.can_edit = False
        self.edit_buttons: list[QPushButton] = []

        layout = QVBoxLayout(self)
        top = QHBoxLayout()
        top.addWidget(heading(TITLE, self))
        self.status = _label("", self)
        top.addWidget(self.status, 1)
        actions = FlowLayout()  # below the title: four buttons beside it do not fit at 125 %
        self.print_button = _button("Rote Mappe als PDF…", self, self.print_rote_mappe)
        self.export_button = _button("JSON exportieren…", self, self.export_json)
        self.import_button = _button("JSON importieren…", self, self.import_json)
        self.reset_button = _button(
            "Mitgeliefertes Profil wiederherstellen…", self, self.reset_profile
        )
        for button in (
            self.print_button,
            self.export_button,
            self.import_button,
            self.reset_button,
        ):
            actions.addWidget(button)
        self.edit_buttons += [self.import_button, self.reset_button]
        layout.addLayout(top)
        layout.addLayout(actions)
        self.read_only_note = _label(READ_ONLY_NOTE, self)
        layout.addWidget(self.read_only_note)

        self.tabs = QTabWidget(self)
        self.tabs.setAccessibleName("Bereiche des Verzeichnisses")
        layout.addWidget(self.tabs, 1)
        self.tabs.addTab(self._districts_tab(), "ASD-Bezirke")
        self.tabs.addTab(self._hours_tab(), "Sprechzeiten && Notdienst")
        self.tabs.addTab(self._special_tab(), "Sonderfunktionen")
        self.tabs.addTab(self._partner_tab(), "Partner")
        self.tabs.addTab(self._rote_mappe_tab(), "Rote Mappe")
        self.tabs.addTab(self._notes_tab(), "Hinweise")
        # Tables on a tab not shown yet get their column widths when it is first shown.
        self.unfitted: set[QTableView] = set()
        self.tabs.currentChanged.connect(lambda _i: self._fit_shown())

        ctx.changed.connect(self._on_changed)
        ctx.session_changed.connect(self._session_changed)
        self.reload()

    # --- tabs -----------------------------------------------------------------------------

    def _districts_tab(self) -> QWidget:
        tab = QWidget(self)
        box = QVBoxLayout(tab)
        row = QHBoxLayout()
        self.search = line_edit("Bezirk suchen: Stadtteil oder PLZ", tab, SEARCH_HINT)
        self.search.setClearButtonEnabled(True)
        self.search.textChanged.connect(self._search)
        caption = QLabel("Suche:", tab)
        caption.setBuddy(self.search)
        row.addWidget(caption)
        row.addWidget(self.search, 1)
        self.edit_district_button = _button("Bezirk bearbeiten…", tab, self.edit_district)
        self.edit_buttons.append(self.edit_district_button)
        row.addWidget(self.edit_district_button)
        box.addLayout(row)
        self.search_result = _label("", tab, bold=True)
        self.search_result.setAccessibleName("Suchergebnis")
        box.addWidget(self.search_result)
        self.district_model = district_model(tab)
        self.district_view = _table(self.district_model, "ASD-Bezirke", tab)
        self.district_view.doubleClicked.connect(lambda _i: self.edit_district())
        # Stadtteile, PLZ, contact and e-mail share the width and wrap (rows grow), the
        # short columns keep theirs: no sideways scrolling at 125 % (issue 18).
        stretch_column(self.district_view, 1, 2, 3, 6)
        _rows_fit_text(self.district_view)
        self.district_view.verticalHeader().hide()  # row numbers repeat the Bezirk
        box.addWidget(self.district_view, 1)
        return tab

    def _hours_tab(self) -> QWidget:
        self.hours_tab = QWidget(self)
        box = QVBoxLayout(self.hours_tab)
        row = QHBoxLayout()
        row.addStretch(1)
        self.edit_hours_button = _button(
            "Sprechzeiten und Notdienst bearbeiten…", self.hours_tab, self.edit_hours
        )
        self.edit_buttons.append(self.edit_hours_button)
        row.addWidget(self.edit_hours_button)
        box.addLayout(row)
        self.hours_body = QWidget()
        QVBoxLayout(self.hours_body)
        box.addWidget(_vertical_scroll(self.hours_body, self.hours_tab), 1)
        return self.hours_tab

    def _special_tab(self) -> QWidget:
        tab = QWidget(self)
        box = QVBoxLayout(tab)
        row = QHBoxLayout()
        row.addStretch(1)
        self.add_special_button = _button(
            "Sonderfunktion hinzufügen…", tab, lambda: self.edit_special(True)
        )
        self.edit_special_button = _button("Sonderfunktion bearbeiten…", tab, self.edit_special)
        for button in (self.add_special_button, self.edit_special_button):
            row.addWidget(button)
            self.edit_buttons.append(button)
        box.addLayout(row)
        self.special_model = special_function_model(tab)
        self.special_view = _table(self.special_model, "Sonderfunktionen des ASD", tab)
        self.special_view.doubleClicked.connect(lambda _i: self.edit_special())
        box.addWidget(self.special_view, 1)
        return tab

    def _partner_tab(self) -> QWidget:
        tab = QWidget(self)
        box = QVBoxLayout(tab)
        row = QHBoxLayout()
        self.partner_filter = line_edit("Partner filtern", tab, "Name, Art oder Angebot")
        self.partner_filter.setClearButtonEnabled(True)
        self.partner_filter.textChanged.connect(self._filter_partners)
        row.addWidget(self.partner_filter, 1)
        self.add_partner_button = _button(
            "Partner hinzufügen…", tab, lambda: self.edit_partner(True)
        )
        self.edit_partner_button = _button("Partner bearbeiten…", tab, self.edit_partner)
        self.remove_partner_button = _button("Partner entfernen…", tab, self.remove_partner)
        for button in (
            self.add_partner_button,
            self.edit_partner_button,
            self.remove_partner_button,
        ):
            row.addWidget(button)
            self.edit_buttons.append(button)
        box.addLayout(row)
        # „Wer hat offen?“ (issue 21): answer, then only the partners at that place.
        self.open_states: dict[int, str] = {}
        self.open_bar = OpenNowBar(self.ctx, lambda: self.profile, self._show_open, tab)
        box.addWidget(self.open_bar)
        self.partner_model = partner_model(tab, lambda p: self.open_states.get(id(p), "–"))
        self.partner_view = _table(self.partner_model, "Partner", tab)
        self.partner_view.doubleClicked.connect(lambda _i: self.edit_partner())
        box.addWidget(self.partner_view, 1)
        self.partner_detail = _label("", tab)
        self.partner_detail.setAccessibleName("Ausgewählter Partner")
        box.addWidget(self.partner_detail)
        self.partner_view.selectionModel().selectionChanged.connect(self._show_partner)
        return tab

    def _show_partner(self) -> None:
        row = self._selected(self.partner_view)
        if row is None:
            self.partner_detail.setText("")
            return
        self.partner_detail.setText(partner_text(self.partner_model.item(row)))

    def _rote_mappe_tab(self) -> QWidget:
        tab = QWidget(self)
        box = QVBoxLayout(tab)
        row = QHBoxLayout()
        row.addWidget(_label("Notfallkontakte „Rote Mappe Kinderschutz“", tab, bold=True), 1)
        self.add_emergency_button = _button(
            "Eintrag hinzufügen…", tab, lambda: self.edit_emergency(True)
        )
        self.edit_emergency_button = _button("Eintrag bearbeiten…", tab, self.edit_emergency)
        self.remove_emergency_button = _button("Eintrag entfernen…", tab, self.remove_emergency)
        for button in (
            self.add_emergency_button,
            self.edit_emergency_button,
            self.remove_emergency_button,
        ):
            row.addWidget(button)
            self.edit_buttons.append(button)
        box.addLayout(row)
        self.emergency_model = emergency_model(tab)
        self.emergency_view = _table(self.emergency_model, "Rote Mappe", tab)
        self.emergency_view.doubleClicked.connect(lambda _i: self.edit_emergency())
        box.addWidget(self.emergency_view, 1)
        return tab

    def _notes_tab(self) -> QWidget:
        tab = QWidget(self)
        self.notes_tab = QWidget()
        self.notes_box = QVBoxLayout(self.notes_tab)
        box = QVBoxLayout(tab)
        box.setContentsMargins(0, 0, 0, 0)
        box.addWidget(_vertical_scroll(self.notes_tab, tab))
        return tab

    # --- loading -----------------------------------------------------------------------------

    def _session_changed(self) -> None:
        # Locked: this screen goes with the workspace; refilling it with the shipped
        # profile first cost the lock 50 ms (more for each screen not yet deleted).
        if self.ctx.is_unlocked:
            self.reload()

    def reload(self) -> None:
        session = self.ctx.session if self.ctx.is_unlocked else None
        if session is not None:
            self.profile = directory.active_profile(session)
            self.ctx.profile = self.profile  # keep the app-wide profile current after edits
            self.can_edit = directory.can_edit(session)
        else:
            self.profile = self.ctx.profile or load_profile()
            self.can_edit = False
        for button in self.edit_buttons:
            button.setVisible(self.can_edit)
        self.export_button.setVisible(session is not None)
        self.read_only_note.setVisible(not self.can_edit)
        self.status.setText(self._status_text())
        self.status.setAccessibleName(self.status.text())
        self._search(self.search.text())
        self.special_model.set_items(self.profile.asd.special_functions)
        self.partner_model.set_items(self.profile.partners)
        self.open_states = {}
        self.emergency_model.set_items(self.profile.emergency_contacts)
        self._show_partner()
        self.unfitted = {self.special_view, self.partner_view, self.emergency_view}
        self._fit_shown()
        self._fill_hours()
        self._fill_notes()

    def _fit_shown(self) -> None:
        """Fit the columns of the tables on the tab shown (measuring the text of every cell
        of the hidden ones cost the first opening a quarter of its time)."""
        for view in [v for v in self.unfitted if self.tabs.currentWidget().isAncestorOf(v)]:
            self.unfitted.discard(view)
            _fit_columns(view)

    def _status_text(self) -> str:
        text = f"Profil: {self.profile.title}"
        if not self.ctx.is_unlocked:
            return text
        revisions = directory.revisions(self.ctx.require_session(), limit=1)
        if not revisions:
            return text + " · mitgeliefert, in dieser Akte unverändert"
        latest = revisions[0]
        return (
            f"{text} · in dieser Akte geändert (Stand {latest.revision}, "
            f"{_date(latest.created_at)}, {latest.author_name or 'unbekannt'})"
        )

    def _on_changed(self, changes: Changes) -> None:
        if changes.affects(directory.KIND, "worker"):
            self.reload()

    def _search(self, text: str) -> None:
        found, explanation = search_districts(self.profile, text)
        self.district_model.set_items(self.profile.asd.districts)
        numbers = {d.number for d in found}
        self.district_model.set_filter(None if not text.strip() else lambda d: d.number in numbers)
        self.search_result.setText(explanation)
        self.search_result.setVisible(bool(explanation))
        if self.district_model.rowCount() == 1:
            self.district_view.selectRow(0)

    def _show_open(self, states: list[OpenState] | None, moment: datetime | None) -> None:
        if states is None or moment is None:
            self.open_states = {}
            self._filter_partners(self.partner_filter.text())
            return
        # Partners without opening hours say nothing about „now“: left out, unless the
        # place only matched such partners.
        with_hours = [s for s in states if s.partner.opening_hours] or states
        self.open_states = {id(s.partner): s.text(moment) for s in with_hours}
        # Filter, never reorder: editing goes by the partner's place in the profile.
        self.partner_model.set_filter(lambda p: id(p) in self.open_states)
        self.unfitted.add(self.partner_view)
        self._fit_shown()

    def _filter_partners(self, text: str) -> None:
        query = text.strip()
        self.partner_model.set_filter(None if not query else lambda p: partner_matches(p, query))

    def _clear_layout(self, layout: QVBoxLayout) -> None:
        while layout.count():
            item = layout.takeAt(0)
            widget = item.widget() if item is not None else None
            if widget is not None:
                widget.deleteLater()

    def _fill_hours(self) -> None:
        layout = self.hours_body.layout()
        assert isinstance(layout, QVBoxLayout)
        self._clear_layout(layout)
        asd = self.profile.asd
        tab = self.hours_body
        layout.addWidget(_label(asd.office_name, tab, bold=True))
        if asd.office_address:
            layout.addWidget(_label(asd.office_address, tab))
        if asd.office_phone:
            layout.addWidget(phone_row(asd.office_phone, tab, caption="Zentrale:", factor=1.2))
        layout.addWidget(_label("Allgemeine Sprechzeiten des ASD", tab, bold=True))
        for line in sprechzeiten_lines(asd.office_hours, asd.working_days):
            layout.addWidget(_label(line, tab))
        for line in overlap_lines(self.profile):
            layout.addWidget(_label(line, tab, bold=True))
        layout.addWidget(_label(asd.notdienst_label, tab, bold=True))
        layout.addWidget(
            _label(
                "Außerhalb der allgemeinen Sprechzeiten in dringenden Fällen (an Arbeitstagen, "
                "bevor die Notfallregelung beginnt):",
                tab,
            )
        )
        layout.addWidget(phone_row(asd.notdienst_phone, tab, factor=1.4))
        layout.addWidget(_label("Notfälle außerhalb der Dienstzeit", tab, bold=True))
        layout.addWidget(_label(after_hours_text(self.profile), tab))
        for phone in asd.after_hours.phones:
            layout.addWidget(phone_row(phone, tab, factor=1.4))
        days = ", ".join(WEEKDAYS[d] for d in sorted(asd.working_days))
        layout.addWidget(_label(f"Arbeitstage: {days}", tab))
        layout.addStretch(1)

    def _fill_notes(self) -> None:
        self._clear_layout(self.notes_box)
        tab = self.notes_tab
        self.notes_box.addWidget(
            _label("Hinweise zu den Daten (Widersprüche, Lücken)", tab, bold=True)
        )
        if not self.profile.notes:
            self.notes_box.addWidget(_label("Keine Hinweise im Profil.", tab))
        for note in self.profile.notes:
            self.notes_box.addWidget(_label(f"• {note}", tab))
        warnings = quality.warnings(self.profile)
        if warnings:
            self.notes_box.addWidget(_label("Bitte prüfen", tab, bold=True))
        for warning in warnings:
            self.notes_box.addWidget(_label(f"• {warning}", tab))
        if self.ctx.is_unlocked:
            revisions = directory.revisions(self.ctx.require_session(), limit=20)
            if revisions:
                self.notes_box.addWidget(_label("Änderungen in dieser Akte", tab, bold=True))
            for info in revisions:
                what = {"edit": "geändert", "import": "importiert", "reset": "zurückgesetzt"}
                fields = ", ".join(info.changed_paths[:6])
                more = " …" if len(info.changed_paths) > 6 else ""
                self.notes_box.addWidget(
                    _label(
                        f"Stand {info.revision}: {what.get(info.source, info.source)} am "
                        f"{_date(info.created_at)} von {info.author_name or 'unbekannt'}"
                        + (f" ({fields}{more})" if fields else ""),
                        tab,
                    )
                )
        self.notes_box.addStretch(1)

    # --- editing ----------------------------------------------------------------------------

    def _selected(self, view: QTableView) -> int | None:
        rows = view.selectionModel().selectedRows()
        return rows[0].row() if rows else None

    def _open(self, dialog: D) -> D:
        dialog.setModal(True)
        dialog.open()
        return dialog

    def edit_district(self) -> DistrictDialog | None:
        row = self._selected(self.district_view)
        if not self.can_edit or row is None:
            return None
        return self._open(DistrictDialog(self.ctx, self.district_model.item(row), self))

    def edit_hours(self) -> HoursDialog | None:
        if not self.can_edit:
            return None
        return self._open(HoursDialog(self.ctx, self.profile.asd, self))

    def edit_special(self, new: bool = False) -> SpecialFunctionDialog | None:
        if not self.can_edit:
            return None
        if new:
            return self._open(SpecialFunctionDialog(self.ctx, None, None, self))
        row = self._selected(self.special_view)
        if row is None:
            return None
        index = self.special_model.source_index(row)
        return self._open(
            SpecialFunctionDialog(self.ctx, index, self.special_model.item(row), self)
        )

    def edit_partner(self, new: bool = False) -> PartnerDialog | None:
        if not self.can_edit:
            return None
        if new:
            return self._open(PartnerDialog(self.ctx, None, None, self))
        row = self._selected(self.partner_view)
        if row is None:
            return None
        index = self.partner_model.source_index(row)
        return self._open(PartnerDialog(self.ctx, index, self.partner_model.item(row), self))

    def remove_partner(self) -> None:
        row = self._selected(self.partner_view)
        if not self.can_edit or row is None:
            return
        partner = self.partner_model.item(row)
        if self.ctx.messages.confirm(
            self, "Partner entfernen", f"„{partner.name}“ aus dem Verzeichnis entfernen?"
        ):
            auth = reauth.authorize(self.ctx, self, "Partner entfernen")
            if auth is not None:
                self.ctx.run(directory.remove_partner, self.partner_model.source_index(row),
                             partner, auth=auth)

    def edit_emergency(self, new: bool = False) -> EmergencyDialog | None:
        if not self.can_edit:
            return None
        if new:
            return self._open(EmergencyDialog(self.ctx, None, None, self))
        row = self._selected(self.emergency_view)
        if row is None:
            return None
        index = self.emergency_model.source_index(row)
        return self._open(EmergencyDialog(self.ctx, index, self.emergency_model.item(row), self))

    def remove_emergency(self) -> None:
        row = self._selected(self.emergency_view)
        if not self.can_edit or row is None:
            return
        contact = self.emergency_model.item(row)
        if self.ctx.messages.confirm(
            self, "Eintrag entfernen", f"„{contact.name}“ aus der Roten Mappe entfernen?"
        ):
            auth = reauth.authorize(self.ctx, self, "Eintrag entfernen")
            if auth is not None:
                self.ctx.run(directory.remove_emergency_contact,
                             self.emergency_model.source_index(row), contact, auth=auth)

    # --- import / export ------------------------------------------------------------------

    def export_json(self) -> None:
        if not self.ctx.is_unlocked:
            return
        target = choose_export_file(self, f"{self.profile.name}.json")
        if not target:
            return
        text = self.ctx.run(directory.export_profile_json)
        if text is None:
            return
        try:
            Path(target).write_text(text, encoding="utf-8")
        except OSError:
            self.ctx.messages.error(
                self,
                "Verzeichnis exportieren",
                f"{Path(target).name} kann nicht geschrieben werden.",
            )
            return
        self.ctx.messages.info(
            self,
            "Verzeichnis exportieren",
            f"Das Verzeichnis wurde in {Path(target).name} gespeichert.",
        )

    def print_rote_mappe(self) -> None:
        """The printable Rote Mappe with the ASD list: print, open or save it."""
        documents.save_pdf(self.ctx, self, "Rote Mappe als PDF speichern", "rote-mappe.pdf",
                           lambda: render_rote_mappe(self.profile, self.ctx.clock))

    def import_json(self) -> None:
        if not self.can_edit:
            return
        source = choose_import_file(self)
        if not source:
            return
        path = Path(source)
        try:
            text = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError):
            self.ctx.messages.error(
                self,
                "Verzeichnis importieren",
                f"{path.name} kann nicht als UTF-8-Text gelesen werden.",
            )
            return
        if not self.ctx.messages.confirm(
            self,
            "Verzeichnis importieren",
            f"Das Verzeichnis dieser Akte durch den Inhalt von {path.name} ersetzen? "
            "Der bisherige Stand bleibt im Verlauf erhalten.",
        ):
            return
        auth = reauth.authorize(self.ctx, self, "Verzeichnis importieren")
        if auth is None:
            return
        try:
            changes = self.ctx.apply(directory.import_profile_json, text, path.name, auth=auth)
        except UserError as error:
            self.ctx.messages.error(
                self, "Verzeichnis importieren", f"{error.message} Es wurde nichts importiert."
            )
            return
        message = (
            "Das Verzeichnis wurde importiert."
            if changes
            else "Die Datei entspricht dem aktuellen Verzeichnis; nichts geändert."
        )
        # Doubtful data is imported, but named (issue 21): same phone for two districts,
        # umlauts before the "@".
        warnings = directory.quality_warnings(self.ctx.require_session())
        if warnings:
            message += "\n\nBitte prüfen (auch unter „Hinweise“):\n" + "\n".join(
                f"• {w}" for w in warnings)
            self.ctx.messages.warn(self, "Verzeichnis importieren", message)
            return
        self.ctx.messages.info(self, "Verzeichnis importieren", message)

    def reset_profile(self) -> None:
        if not self.can_edit:
            return
        if self.ctx.messages.confirm(
            self,
            "Mitgeliefertes Profil wiederherstellen",
            "Alle Änderungen am Verzeichnis dieser Akte durch das mitgelieferte Profil "
            "ersetzen? Die bisherigen Stände bleiben im Verlauf erhalten.",
        ):
            auth = reauth.authorize(self.ctx, self, "Mitgeliefertes Profil wiederherstellen")
            if auth is not None:
                self.ctx.run(directory.reset_to_shipped, auth=auth)


def _date(utc_iso: str) -> str:
    return f"{from_utc_iso(utc_iso).astimezone(BERLIN):%d.%m.%Y %H:%M}"
