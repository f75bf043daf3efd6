"""The unlocked workspace: left navigation, screens loaded lazily, open family files and
their quick-entry dialogs. It exists only while the vault is unlocked; locking deletes it
with every model and page it holds."""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt, QTimer
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QStackedWidget,
    QWidget,
)

from casework.errors import UserError
from casework.models.ids import HouseholdId
from casework.ui import registry
from casework.ui.appointments.reminders import AppointmentReminder
from casework.ui.contacts.quick_entry import QUICK_ENTRY_SHORTCUT, QuickEntryDialog
from casework.ui.context import UiContext
from casework.ui.warmup import WarmUp
from casework.ui.widgets import MessagePage, named

if TYPE_CHECKING:  # loaded when a family is first opened, not with the main window
    from casework.ui.households.family_file import FamilyFile
    from casework.ui.households.picker import FamilyPicker

KEY_ROLE = Qt.ItemDataRole.UserRole
FAMILY_PREFIX = "family:"
MAX_OPEN_FAMILIES = 8


def _nav_text(label: str) -> str:
    """The navigation is narrow: name and first names on one line, street on the next."""
    return label.replace(" · ", "\n", 1)


@dataclass
class Location:
    """Where the user was, kept across a lock (ids only, no case content)."""

    page: str = "heute"
    families: list[str] = field(default_factory=list)
    family_tabs: dict[str, int] = field(default_factory=dict)
    quick_entries: list[str] = field(default_factory=list)


class Workspace(QWidget):
    def __init__(self, ctx: UiContext, parent: QWidget | None = None, *,
                 building: Callable[[], AbstractContextManager[None]] | None = None) -> None:
        """`building`: entered while a screen or family file is constructed (the main
        window pauses its app-wide event filter then)."""
        super().__init__(parent)
        self.ctx = ctx
        self._building = building or nullcontext
        self.nav = QListWidget(self)
        named(self.nav, "Navigation", "Bereiche der Akte; geöffnete Familien darunter")
        for screen in registry.SCREENS:
            item = QListWidgetItem(screen.label, self.nav)
            item.setData(KEY_ROLE, screen.key)
        self.separator = QListWidgetItem("Geöffnete Familien", self.nav)
        self.separator.setFlags(Qt.ItemFlag.NoItemFlags)
        self.separator.setHidden(True)
        self.nav.setSpacing(3)
        self.nav.setMaximumWidth(240)
        self.nav.setMinimumWidth(180)
        self.stack = QStackedWidget(self)
        # Shown for the moment between unlocking and the first screen (`show_landing`).
        self.landing = QLabel("Wird geladen …", self.stack)
        self.landing.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.stack.addWidget(self.landing)
        self.pages: dict[str, QWidget] = {}
        self.quick_entries: dict[str, QuickEntryDialog] = {}
        layout = QHBoxLayout(self)
        layout.addWidget(self.nav)
        layout.addWidget(self.stack, 1)
        self.nav.currentItemChanged.connect(self._nav_changed)
        ctx.household_requested.connect(self.open_family)
        ctx.screen_requested.connect(self.show_page)
        # Appointment reminders run only while the vault is unlocked (this page exists).
        self.reminders = AppointmentReminder(ctx, parent=self)
        self.reminders.start()
        ctx.quick_entry_requested.connect(self.open_quick_entry)
        # Ctrl+K everywhere: in a family file its quick entry, elsewhere a family picker
        # first (issue 18).
        QShortcut(QKeySequence(QUICK_ENTRY_SHORTCUT), self, self.quick_entry_anywhere,
                  context=Qt.ShortcutContext.WidgetWithChildrenShortcut)
        self.picker: FamilyPicker | None = None
        # The other screens' modules, imported in idle time once the first page shows.
        self.warmup = WarmUp(ctx, parent=self)
        for number, screen in enumerate(registry.SCREENS[:10], start=1):
            QShortcut(QKeySequence(f"Ctrl+{number % 10}"), self,
                      lambda key=screen.key: self.show_page(key))

    # --- pages ---------------------------------------------------------------------------

    @property
    def current_key(self) -> str:
        item = self.nav.currentItem()
        return str(item.data(KEY_ROLE)) if item is not None else ""

    def _nav_changed(self, current: QListWidgetItem | None, _previous: object) -> None:
        if current is not None and current.data(KEY_ROLE):
            self._show(str(current.data(KEY_ROLE)))

    def _item(self, key: str) -> QListWidgetItem | None:
        for row in range(self.nav.count()):
            item = self.nav.item(row)
            if item.data(KEY_ROLE) == key:
                return item
        return None

    def show_page(self, key: str) -> QWidget | None:
        """Show a screen ("familien") or an open family file ("family:<id>")."""
        item = self._item(key)
        if item is None:
            return None
        if self.nav.currentItem() is not item:
            self.nav.setCurrentItem(item)  # → _nav_changed → _show
        else:
            self._show(key)
        return self.pages.get(key)

    def show_landing(self, key: str) -> None:
        """After unlocking: select `key` in the navigation and build it only after the
        workspace has been painted — and not at all if another page was asked for
        meanwhile. So the family list is usable without waiting for Heute's lists
        (issue 23: start to a usable list)."""
        item = self._item(key)
        if item is None:
            return
        self.nav.blockSignals(True)
        self.nav.setCurrentItem(item)
        self.nav.blockSignals(False)
        self.stack.setCurrentWidget(self.landing)
        QTimer.singleShot(0, lambda: self._build_landing(key))

    def _build_landing(self, key: str) -> None:
        if self.current_key == key and self.stack.currentWidget() is self.landing:
            self._show(key)

    def _show(self, key: str) -> None:
        page = self.pages.get(key)
        if page is None:
            page = self._create_screen(key)
            self.pages[key] = page
            self.stack.addWidget(page)
        self.stack.setCurrentWidget(page)
        self.warmup.start()  # once, a moment after this first page has been painted

    def _create_screen(self, key: str) -> QWidget:
        screen = registry.screen(key)
        try:
            with self._building():
                widget = screen.create(self.ctx)
        except UserError as error:
            return MessagePage(screen.label, error.message)
        if not widget.accessibleName():
            widget.setAccessibleName(screen.label)
        return widget

    # --- family files --------------------------------------------------------------------

    def family_file(self, household_id: str) -> FamilyFile | None:
        from casework.ui.households.family_file import FamilyFile

        page = self.pages.get(FAMILY_PREFIX + household_id)
        return page if isinstance(page, FamilyFile) else None

    def open_family(self, household_id: str, tab: str = "") -> FamilyFile | None:
        """Open (or show) the family file; `tab`: a family-tab key of the registry to show."""
        from casework.ui.households.family_file import FamilyFile

        key = FAMILY_PREFIX + household_id
        if key not in self.pages:
            try:
                with self._building():
                    page = FamilyFile(self.ctx, HouseholdId(household_id), self)
            except UserError as error:
                self.ctx.report(error)
                return None
            page.close_requested.connect(self.close_family)
            page.label_changed.connect(self._family_renamed)
            page.quick_shortcut.setEnabled(False)  # the workspace's Ctrl+K serves it
            self.pages[key] = page
            self.stack.addWidget(page)
            item = QListWidgetItem(_nav_text(page.household_name), self.nav)
            item.setData(KEY_ROLE, key)
            item.setToolTip(f"{page.household_name}\nFamilienakte (Strg+W schließt)")
            self.separator.setHidden(False)
            open_keys = self.open_family_ids()
            if len(open_keys) > MAX_OPEN_FAMILIES:
                self.close_family(open_keys[0])
        self.show_page(key)
        opened = self.family_file(household_id)
        if opened is not None and tab:
            opened.show_tab(tab)
        return opened

    def _family_renamed(self, household_id: str, label: str) -> None:
        item = self._item(FAMILY_PREFIX + household_id)
        if item is not None:
            item.setText(_nav_text(label))
            item.setToolTip(f"{label}\nFamilienakte (Strg+W schließt)")

    def open_family_ids(self) -> list[str]:
        return [str(self.nav.item(r).data(KEY_ROLE)).removeprefix(FAMILY_PREFIX)
                for r in range(self.nav.count())
                if str(self.nav.item(r).data(KEY_ROLE) or "").startswith(FAMILY_PREFIX)]

    def close_family(self, household_id: str) -> None:
        key = FAMILY_PREFIX + household_id
        dialog = self.quick_entries.pop(household_id, None)
        if dialog is not None:
            dialog.close()
        was_current = self.current_key == key
        family_page = self.family_file(household_id)
        if family_page is not None:
            family_page.overview.flush_draft()  # unsaved edits wait for the next opening
        item = self._item(key)
        if item is not None:
            self.nav.takeItem(self.nav.row(item))
        page = self.pages.pop(key, None)
        if page is not None:
            self.stack.removeWidget(page)
            page.deleteLater()
        self.separator.setHidden(not self.open_family_ids())
        if was_current:
            self.show_page("familien")

    def open_quick_entry(self, household_id: str, *, ask: bool = True) -> QuickEntryDialog | None:
        dialog = self.quick_entries.get(household_id)
        if dialog is None:
            try:
                dialog = QuickEntryDialog(self.ctx, HouseholdId(household_id), self.window())
            except UserError as error:
                self.ctx.report(error)
                return None
            dialog.finished.connect(lambda _r, d=dialog: self._quick_entry_done(household_id, d))
            self.quick_entries[household_id] = dialog
            dialog.offer_draft(ask=ask)
        dialog.show()
        dialog.raise_()
        dialog.activateWindow()
        return dialog

    def quick_entry_anywhere(self) -> FamilyPicker | QuickEntryDialog | None:
        """Ctrl+K: the quick entry of the family shown, or pick a family first."""
        from casework.ui.households.family_file import FamilyFile
        from casework.ui.households.picker import FamilyPicker

        current = self.pages.get(self.current_key)
        if isinstance(current, FamilyFile):
            return self.open_quick_entry(current.household_id)
        if self.picker is not None:
            self.picker.raise_()
            self.picker.activateWindow()
            return self.picker
        picker = FamilyPicker(self.ctx, self.window())
        picker.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        picker.finished.connect(lambda _r, p=picker: self._picked(p))
        self.picker = picker
        picker.open()
        return picker

    def _picked(self, picker: FamilyPicker) -> None:
        self.picker = None
        if picker.chosen is not None:
            self.open_quick_entry(picker.chosen)

    def _quick_entry_done(self, household_id: str, dialog: QuickEntryDialog) -> None:
        if self.quick_entries.get(household_id) is dialog:
            del self.quick_entries[household_id]
        dialog.deleteLater()

    # --- lock / restore ------------------------------------------------------------------

    def location(self) -> Location:
        tabs = {}
        for household_id in self.open_family_ids():
            page = self.family_file(household_id)
            if page is not None:
                tabs[household_id] = page.tabs.currentIndex()
        return Location(page=self.current_key or "heute", families=self.open_family_ids(),
                        family_tabs=tabs, quick_entries=list(self.quick_entries))

    def restore(self, location: Location) -> None:
        for household_id in location.families:
            page = self.open_family(household_id)
            if page is not None:
                page.tabs.setCurrentIndex(location.family_tabs.get(household_id, 0))
        self.show_page(location.page if self._item(location.page) else "heute")
        for household_id in location.quick_entries:
            # The draft was flushed at lock time: restore it without asking.
            self.open_quick_entry(household_id, ask=False)

    def flush_drafts(self) -> None:
        for dialog in list(self.quick_entries.values()):
            dialog.flush_draft()
        for household_id in self.open_family_ids():
            page = self.family_file(household_id)
            if page is not None:
                page.overview.flush_draft()

    def teardown(self) -> None:
        """Close dialogs and drop every page (called while the session is still open)."""
        self.warmup.stop()
        self.reminders.stop()
        if self.picker is not None:
            self.picker.reject()
        self.flush_drafts()
        for dialog in list(self.quick_entries.values()):
            dialog.dirty = False  # already flushed; nothing more to write
            dialog.reject()
        self.quick_entries.clear()
        for page in self.pages.values():
            page.hide()
            page.deleteLater()
        self.pages.clear()
