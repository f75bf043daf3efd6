"""Verzeichnis: the reference data of the vault's profile (issue 6).

Tabs: ASD-Bezirke (with a search by Stadtteil or PLZ), Sprechzeiten & Notdienst,
Sonderfunktionen, Partner (with a filter), Rote Mappe and Hinweise (the profile's notes on
data quality and contradictions, plus the vault's edit history). Leitung/Admin edit
district contacts, partners and Rote-Mappe entries and import/export the whole directory
as JSON; everyone else sees it read-only (`services.directory.can_edit`).

Table models, the district search and text helpers live in `models`, the edit dialogs in
`dialogs`, the tables' building blocks in `screen_widgets`, the text of the hours and notes
tabs in `screen_pages`, the JSON export and import in `screen_transfer`.
"""

from __future__ import annotations

from datetime import datetime
from typing import TypeVar

from PySide6.QtWidgets import (
    QDialog,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QTableView,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from casework.forms.directory import render_rote_mappe
from casework.models.changes import Changes
from casework.models.directory.opening import OpenState
from casework.models.directory.profile import Profile
from casework.models.directory.texts import partner_text
from casework.services.directory import vault_profile as directory
from casework.services.directory.shipped import load_profile
from casework.ui import documents
from casework.ui.context import UiContext
from casework.ui.directory import screen_transfer
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
from casework.ui.directory.screen_pages import date_text, fill_hours, fill_notes
from casework.ui.directory.screen_widgets import (
    action_button,
    fit_columns,
    label,
    rows_fit_text,
    table,
    vertical_scroll,
)
from casework.ui.persons import reauth
from casework.ui.widgets import FlowLayout, heading, line_edit, stretch_column

D = TypeVar("D", bound=QDialog)

TITLE = "Verzeichnis"
SEARCH_HINT = "Stadtteil oder PLZ"
READ_ONLY_NOTE = "Nur Leitung oder Admin können das Verzeichnis ändern (Ansicht nur lesend)."


def create(ctx: UiContext) -> QWidget:
    return VerzeichnisScreen(ctx)


# --- the screen ------------------------------------------------------------------------------


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
        self.status = label("", self)
        top.addWidget(self.status, 1)
        actions = FlowLayout()  # below the title: four buttons beside it do not fit at 125 %
        self.print_button = action_button("Rote Mappe als PDF…", self, self.print_rote_mappe)
        self.export_button = action_button("JSON exportieren…", self, self.export_json)
        self.import_button = action_button("JSON importieren…", self, self.import_json)
        self.reset_button = action_button(
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
        self.read_only_note = label(READ_ONLY_NOTE, self)
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
        self.edit_district_button = action_button("Bezirk bearbeiten…", tab, self.edit_district)
        self.edit_buttons.append(self.edit_district_button)
        row.addWidget(self.edit_district_button)
        box.addLayout(row)
        self.search_result = label("", tab, bold=True)
        self.search_result.setAccessibleName("Suchergebnis")
        box.addWidget(self.search_result)
        self.district_model = district_model(tab)
        self.district_view = table(self.district_model, "ASD-Bezirke", tab)
        self.district_view.doubleClicked.connect(lambda _i: self.edit_district())
        # Stadtteile, PLZ, contact and e-mail share the width and wrap (rows grow), the
        # short columns keep theirs: no sideways scrolling at 125 % (issue 18).
        stretch_column(self.district_view, 1, 2, 3, 6)
        rows_fit_text(self.district_view)
        self.district_view.verticalHeader().hide()  # row numbers repeat the Bezirk
        box.addWidget(self.district_view, 1)
        return tab

    def _hours_tab(self) -> QWidget:
        self.hours_tab = QWidget(self)
        box = QVBoxLayout(self.hours_tab)
        row = QHBoxLayout()
        row.addStretch(1)
        self.edit_hours_button = action_button(
            "Sprechzeiten und Notdienst bearbeiten…", self.hours_tab, self.edit_hours
        )
        self.edit_buttons.append(self.edit_hours_button)
        row.addWidget(self.edit_hours_button)
        box.addLayout(row)
        self.hours_body = QWidget()
        QVBoxLayout(self.hours_body)
        box.addWidget(vertical_scroll(self.hours_body, self.hours_tab), 1)
        return self.hours_tab

    def _special_tab(self) -> QWidget:
        tab = QWidget(self)
        box = QVBoxLayout(tab)
        row = QHBoxLayout()
        row.addStretch(1)
        self.add_special_button = action_button(
            "Sonderfunktion hinzufügen…", tab, lambda: self.edit_special(True)
        )
        self.edit_special_button = action_button(
            "Sonderfunktion bearbeiten…", tab, self.edit_special
        )
        for button in (self.add_special_button, self.edit_special_button):
            row.addWidget(button)
            self.edit_buttons.append(button)
        box.addLayout(row)
        self.special_model = special_function_model(tab)
        self.special_view = table(self.special_model, "Sonderfunktionen des ASD", tab)
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
        self.add_partner_button = action_button(
            "Partner hinzufügen…", tab, lambda: self.edit_partner(True)
        )
        self.edit_partner_button = action_button("Partner bearbeiten…", tab, self.edit_partner)
        self.remove_partner_button = action_button("Partner entfernen…", tab, self.remove_partner)
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
        self.partner_view = table(self.partner_model, "Partner", tab)
        self.partner_view.doubleClicked.connect(lambda _i: self.edit_partner())
        box.addWidget(self.partner_view, 1)
        self.partner_detail = label("", tab)
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
        row.addWidget(label("Notfallkontakte „Rote Mappe Kinderschutz“", tab, bold=True), 1)
        self.add_emergency_button = action_button(
            "Eintrag hinzufügen…", tab, lambda: self.edit_emergency(True)
        )
        self.edit_emergency_button = action_button("Eintrag bearbeiten…", tab, self.edit_emergency)
        self.remove_emergency_button = action_button(
            "Eintrag entfernen…", tab, self.remove_emergency
        )
        for button in (
            self.add_emergency_button,
            self.edit_emergency_button,
            self.remove_emergency_button,
        ):
            row.addWidget(button)
            self.edit_buttons.append(button)
        box.addLayout(row)
        self.emergency_model = emergency_model(tab)
        self.emergency_view = table(self.emergency_model, "Rote Mappe", tab)
        self.emergency_view.doubleClicked.connect(lambda _i: self.edit_emergency())
        box.addWidget(self.emergency_view, 1)
        return tab

    def _notes_tab(self) -> QWidget:
        tab = QWidget(self)
        self.notes_tab = QWidget()
        self.notes_box = QVBoxLayout(self.notes_tab)
        box = QVBoxLayout(tab)
        box.setContentsMargins(0, 0, 0, 0)
        box.addWidget(vertical_scroll(self.notes_tab, tab))
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
        fill_hours(self.hours_body, self.profile)
        fill_notes(self.ctx, self.notes_box, self.notes_tab, self.profile)

    def _fit_shown(self) -> None:
        """Fit the columns of the tables on the tab shown (measuring the text of every cell
        of the hidden ones cost the first opening a quarter of its time)."""
        for view in [v for v in self.unfitted if self.tabs.currentWidget().isAncestorOf(v)]:
            self.unfitted.discard(view)
            fit_columns(view)

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
            f"{date_text(latest.created_at)}, {latest.author_name or 'unbekannt'})"
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
        screen_transfer.export_json(self.ctx, self, self.profile)

    def print_rote_mappe(self) -> None:
        """The printable Rote Mappe with the ASD list: print, open or save it."""
        documents.save_pdf(self.ctx, self, "Rote Mappe als PDF speichern", "rote-mappe.pdf",
                           lambda: render_rote_mappe(self.profile, self.ctx.clock))

    def import_json(self) -> None:
        if not self.can_edit:
            return
        screen_transfer.import_json(self.ctx, self)

    def reset_profile(self) -> None:
        if not self.can_edit:
            return
        screen_transfer.reset_profile(self.ctx, self)
