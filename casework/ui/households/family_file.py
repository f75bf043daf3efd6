"""The family file ("Familienakte"), opened as a page of the main window.

Header with the members (age from the birth date, "ungeboren, ET …"), buttons for the
household actions of the registry, and the areas: Übersicht, Personen, Kontakte, Verlauf,
then the registry's family tabs in its order (created when first shown), chosen in a list
at the side (a row of thirteen tabs does not fit a laptop screen). Opening the file
is recorded as an access (`households.record_view`, LR-23).
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from casework.clock import local_today
from casework.errors import UserError
from casework.models.changes import Changes
from casework.models.households.household import Household
from casework.models.households.person import Person
from casework.models.ids import HouseholdId
from casework.services.households import households
from casework.ui import registry
from casework.ui.contacts.quick_entry import QUICK_ENTRY_SHORTCUT
from casework.ui.contacts.tabs import ContactsTab, HistoryTab
from casework.ui.context import UiContext
from casework.ui.households.form import OverviewTab
from casework.ui.households.members import PersonsTab
from casework.ui.widgets import heading, named


def section_label(title: str) -> str:
    """A tab title as shown in the section list: "Ü&bersicht" → "Übersicht",
    "Zuständigkeit && Abschluss" → "Zuständigkeit & Abschluss"."""
    return title.replace("&&", "\0").replace("&", "").replace("\0", "&")


def mnemonic(title: str) -> str:
    """The letter after a single "&" ("Ü&bersicht" → "B"); "" if none."""
    plain = title.replace("&&", "")
    at = plain.find("&")
    return plain[at + 1].upper() if 0 <= at < len(plain) - 1 else ""


def members_text(persons: list[Person], ctx: UiContext) -> str:
    today = local_today(ctx.clock)
    return " · ".join(f"{p.display_name} ({p.data.birth.age_text(today)})" for p in persons)


class LazyTab(QWidget):
    """Holds a tab's factory until the tab is first shown (keeps opening a file fast)."""

    def __init__(self, factory: Callable[[], QWidget], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._factory: Callable[[], QWidget] | None = factory
        self.content: QWidget | None = None
        self._layout = QVBoxLayout(self)
        self._layout.setContentsMargins(0, 0, 0, 0)

    def materialize(self) -> QWidget:
        if self.content is None and self._factory is not None:
            factory, self._factory = self._factory, None
            self.content = factory()
            self._layout.addWidget(self.content)
        assert self.content is not None
        return self.content


class FamilyFile(QWidget):
    close_requested = Signal(str)  # household id
    label_changed = Signal(str, str)  # household id, distinguishable name (navigation)

    def __init__(self, ctx: UiContext, household_id: HouseholdId,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.household_id = household_id
        self.label = ""
        session = ctx.require_session()
        household = households.get(session, household_id)
        households.record_view(session, household_id)

        self.title = heading("", self, 1.5)
        named(self.title, "Familie")
        self.address = QLabel(self)
        named(self.address, "Adresse")
        self.members = QLabel(self)
        self.members.setWordWrap(True)
        self.members.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        named(self.members, "Haushaltsmitglieder")
        self.quick_button = QPushButton("Kontakt &erfassen (Strg+K)", self)
        named(self.quick_button, "Kontakt erfassen")
        self.quick_button.clicked.connect(self.request_quick_entry)
        close_button = QPushButton("Akte schließen", self)
        named(close_button, "Familienakte schließen")
        close_button.setToolTip("Strg+W")
        close_button.clicked.connect(lambda: self.close_requested.emit(self.household_id))

        actions = QHBoxLayout()
        actions.addWidget(self.quick_button)
        self.action_buttons: list[QPushButton] = []
        for entry in registry.HOUSEHOLD_ACTIONS:
            button = self._action_button(entry)
            actions.addWidget(button)
            self.action_buttons.append(button)
        actions.addStretch(1)
        actions.addWidget(close_button)

        self.tabs = QTabWidget(self)
        named(self.tabs, "Bereiche der Familienakte")
        self.overview = OverviewTab(ctx, household_id, self)
        self.persons = PersonsTab(ctx, household_id, self)
        self.contacts = ContactsTab(ctx, household_id, self)
        self.history = HistoryTab(ctx, household_id, self)
        self.tabs.addTab(self.overview, "Ü&bersicht")
        self.tabs.addTab(self.persons, "&Personen")
        self.tabs.addTab(self.contacts, "&Kontakte")
        self.tabs.addTab(self.history, "&Verlauf")
        self.lazy_tabs: dict[str, LazyTab] = {}
        self._add_feature_tabs()
        self.tabs.currentChanged.connect(self._tab_shown)
        self.sections = self._section_list()

        body = QHBoxLayout()
        body.setContentsMargins(0, 0, 0, 0)
        body.addWidget(self.sections)
        body.addWidget(self.tabs, 1)

        layout = QVBoxLayout(self)
        layout.addWidget(self.title)
        layout.addWidget(self.address)
        layout.addWidget(self.members)
        layout.addLayout(actions)
        layout.addLayout(body, 1)

        # Inside the workspace its own Ctrl+K handles every page (`Workspace`), and it
        # disables this one so the two never make the key ambiguous.
        self.quick_shortcut = QShortcut(QKeySequence(QUICK_ENTRY_SHORTCUT), self,
                                        self.request_quick_entry,
                                        context=Qt.ShortcutContext.WidgetWithChildrenShortcut)
        QShortcut(QKeySequence("Ctrl+W"), self,
                  lambda: self.close_requested.emit(self.household_id),
                  context=Qt.ShortcutContext.WidgetWithChildrenShortcut)
        ctx.changed.connect(self._on_changed)
        self._show_header(household)

    # --- feature modules -----------------------------------------------------------------

    def _action_button(self, entry: registry.HouseholdAction) -> QPushButton:
        button = QPushButton(entry.label, self)
        named(button, entry.label.replace("&", ""))
        QShortcut(QKeySequence(entry.shortcut), self, button.click,
                  context=Qt.ShortcutContext.WidgetWithChildrenShortcut)
        button.setToolTip(entry.shortcut)

        def trigger() -> None:
            try:
                entry.trigger(self.ctx, self.household_id, self)
            except UserError as error:
                self.ctx.report(error)

        button.clicked.connect(trigger)
        return button

    def _add_feature_tabs(self) -> None:
        for entry in registry.FAMILY_TABS:
            lazy = LazyTab(partial(entry.create, self.ctx, self.household_id), self)
            self.lazy_tabs[entry.key] = lazy
            self.tabs.addTab(lazy, entry.title)

    def _section_list(self) -> QListWidget:
        """The tabs as a list at the side: thirteen areas do not fit in one row of tabs
        at 1366 pixels, and a scrolling tab row hides some. The QTabWidget stays the
        owner of the pages (its tab row hidden); Alt+letter, Strg+Bild ab/auf and the
        arrow keys in the list switch areas."""
        sections = QListWidget(self)
        named(sections, "Bereiche der Familienakte",
              "Bereich wählen; Strg+Bild ab/auf wechselt von überall")
        self.tabs.tabBar().hide()
        self.tabs.setDocumentMode(True)
        for index in range(self.tabs.count()):
            title = self.tabs.tabText(index)
            item = QListWidgetItem(section_label(title), sections)
            key = mnemonic(title)
            if key:
                item.setToolTip(f"Alt+{key}")
                QShortcut(QKeySequence(f"Alt+{key}"), self,
                          partial(self.tabs.setCurrentIndex, index),
                          context=Qt.ShortcutContext.WidgetWithChildrenShortcut)
        sections.setCurrentRow(self.tabs.currentIndex())
        sections.currentRowChanged.connect(self._section_chosen)
        self.tabs.currentChanged.connect(self._tab_changed)
        metrics = sections.fontMetrics()
        # As narrow as the longest one-line label; "Zuständigkeit & Abschluss" wraps after
        # "&" (the § 8a view and the lists need the width more than this list does).
        sections.setWordWrap(True)
        sections.setResizeMode(QListWidget.ResizeMode.Adjust)
        widest = max(metrics.horizontalAdvance(part)
                     for i in range(sections.count())
                     for part in sections.item(i).text().split(" & "))
        sections.setFixedWidth(widest + 3 * metrics.averageCharWidth()
                               + 2 * sections.frameWidth())
        sections.setSpacing(1)
        QShortcut(QKeySequence("Ctrl+PgDown"), self, partial(self._step, 1),
                  context=Qt.ShortcutContext.WidgetWithChildrenShortcut)
        QShortcut(QKeySequence("Ctrl+PgUp"), self, partial(self._step, -1),
                  context=Qt.ShortcutContext.WidgetWithChildrenShortcut)
        return sections

    def _section_chosen(self, row: int) -> None:
        if row >= 0 and row != self.tabs.currentIndex():
            self.tabs.setCurrentIndex(row)

    def _tab_changed(self, index: int) -> None:
        if self.sections.currentRow() != index:
            self.sections.setCurrentRow(index)

    def _step(self, delta: int) -> None:
        self.tabs.setCurrentIndex((self.tabs.currentIndex() + delta) % self.tabs.count())

    def show_tab(self, key: str) -> QWidget:
        """Show the feature tab `key` (a registry key) and return its content."""
        lazy = self.lazy_tabs[key]
        self.tabs.setCurrentWidget(lazy)
        return lazy.materialize()

    def _tab_shown(self, index: int) -> None:
        widget = self.tabs.widget(index)
        if isinstance(widget, LazyTab):
            widget.materialize()

    # --- state ---------------------------------------------------------------------------

    def _show_header(self, household: Household) -> None:
        self.title.setText(f"Familie {household.name}")
        self.address.setText(household.address_line() or "Keine Adresse erfasst")
        session = self.ctx.require_session()
        label = households.label(session, self.household_id)
        if label != self.label:
            self.label = label
            self.label_changed.emit(str(self.household_id), label)
        persons = households.members(session, self.household_id)
        self.members.setText(members_text(persons, self.ctx) or "Noch keine Personen erfasst.")

    def request_quick_entry(self) -> None:
        self.ctx.quick_entry_requested.emit(self.household_id)

    def _on_changed(self, changes: Changes) -> None:
        if self.household_id not in changes.ids("household"):
            return
        session = self.ctx.session
        if session is None or not session.is_open:
            return
        try:
            household = households.get(session, self.household_id)
        except UserError:
            self.close_requested.emit(self.household_id)
            return
        self._show_header(household)
        if not self.overview.is_dirty():
            self.overview.reload()
        if changes.affects("person"):
            self.persons.reload()
        if changes.affects("contact"):
            self.contacts.reload()
        self.history.reload()

    @property
    def household_name(self) -> str:
        """The distinguishable name (surname, adults' first names, street) for lists and
        the navigation; never for window titles."""
        return self.label
