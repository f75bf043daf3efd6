"""Familien: all households in a lazy table, sorted in SQL, instant search as you type.

Search runs ~150 ms after the last keystroke (names and addresses by folded prefix, so
"Muller" finds "Müller", plus note text through FTS). Enter or double-click opens the
family file; Ctrl+N creates a new family.
"""

from __future__ import annotations

from functools import partial

from PySide6.QtCore import QEvent, QObject, Qt, QTimer
from PySide6.QtGui import QKeyEvent, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from casework.models.changes import Changes
from casework.models.households.household import HouseholdStatus
from casework.services.households import lifecycle
from casework.ui.context import UiContext
from casework.ui.households.family_model import (
    COLUMNS,
    SNIPPET_COLUMN,
    SNIPPET_QUERY_ROLE,
    FamilyTableModel,
)
from casework.ui.households.form import NewHouseholdDialog
from casework.ui.households.lifecycle_dialogs import ReassignDialog
from casework.ui.households.snippet import SnippetDelegate
from casework.ui.widgets import compact_rows, heading, named

SEARCH_DELAY_MS = 150
# Columns that step aside while the found place in the notes is shown.
_ASIDE_FOR_SNIPPETS = tuple(COLUMNS.index(c) for c in ("Stadtteil", "offene WV", "Hinweise"))
FILTER_OPEN, FILTER_ALL, FILTER_HANDOVER = "open", "all", "handover_to_me"
FILTER_GOALS = "open_goals"
# The daily list leaves closed cases out; they stay findable under "alle" and
# "abgeschlossen".
FILTERS = (("laufende Fälle", FILTER_OPEN), ("alle Familien", FILTER_ALL),
           *((status.value, f"status:{status.value}") for status in HouseholdStatus),
           ("übergeben an mich", FILTER_HANDOVER), ("mit offenen Zielen", FILTER_GOALS))
OPEN_KEYS = (Qt.Key.Key_Return, Qt.Key.Key_Enter)


def _count_text(count: int, searching: bool) -> str:
    number = f"{count:,}".replace(",", ".")
    if searching:
        return f"{number} Treffer" if count else "Keine Treffer"
    return f"{number} Familie" if count == 1 else f"{number} Familien"


class FamilienScreen(QWidget):
    def __init__(self, ctx: UiContext, parent: QWidget | None = None, *,
                 search_delay_ms: int = SEARCH_DELAY_MS) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.model = FamilyTableModel(ctx, parent=self)
        self.search = QLineEdit(self)
        self.search.setPlaceholderText("Suchen: Name, Adresse oder Wort aus einer Notiz …")
        self.search.setClearButtonEnabled(True)
        named(self.search, "Familien suchen",
              "Name, Adresse oder Notiztext; Umlaute egal; Pfeil runter springt in die Liste")
        self.count = QLabel(self)
        named(self.count, "Anzahl")
        self.status_filter = QComboBox(self)
        named(self.status_filter, "Familien filtern",
              "Laufende Fälle, alle, nach Status, oder mir zur Übergabe angeboten")
        for label, key in FILTERS:
            self.status_filter.addItem(label, key)
        self.mine_only = QCheckBox("nur &meine", self)
        named(self.mine_only, "Nur Familien, für die ich zuständig bin")
        new_button = QPushButton("&Neue Familie … (Strg+N)", self)
        named(new_button, "Neue Familie anlegen")
        new_button.clicked.connect(self.new_family)
        self.reassign_button = QPushButton("&Umverteilen …", self)
        named(self.reassign_button, "Mehrere Familien umverteilen (Leitung)")
        self.reassign_button.clicked.connect(self.reassign)

        self.view = QTableView(self)
        named(self.view, "Familienliste")
        self.view.setModel(self.model)
        self.view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.view.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.view.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.view.setWordWrap(False)
        self.view.setAlternatingRowColors(True)
        compact_rows(self.view)  # fixed row heights: the view never measures 20,000 rows
        header = self.view.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)  # the name gets the room
        header.setStretchLastSection(False)
        char = self.view.fontMetrics().averageCharWidth()
        header_metrics = header.fontMetrics()
        # Name, Vornamen, Straße, Stadtteil, Zuständig, Letzter Kontakt, offene WV,
        # Hinweise: together they fit the 1366 px laptop without horizontal scrolling.
        for column, chars in enumerate((18, 18, 20, 15, 16, 11, 6, 10)):
            title = str(self.model.headerData(column, Qt.Orientation.Horizontal))
            # Room for the title and the sort arrow, never narrower than the content.
            header.resizeSection(column, max(char * chars,
                                             header_metrics.horizontalAdvance(title) + 28))
        self._name_width = char * 18  # the name's width while a snippet stretches
        self.view.setItemDelegateForColumn(SNIPPET_COLUMN,
                                           SnippetDelegate(SNIPPET_QUERY_ROLE, self.view))
        self.view.setColumnHidden(SNIPPET_COLUMN, True)
        header.setSortIndicator(0, Qt.SortOrder.AscendingOrder)  # before enabling: no re-sort
        self.view.setSortingEnabled(True)
        self.view.doubleClicked.connect(lambda index: self.open_row(index.row()))
        self.view.installEventFilter(self)
        self.search.installEventFilter(self)

        top = QHBoxLayout()
        top.addWidget(heading("Familien", self))
        top.addWidget(self.count)
        top.addStretch(1)
        top.addWidget(self.reassign_button)
        top.addWidget(new_button)
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        filters = QHBoxLayout()
        filters.addWidget(self.search, 1)
        filters.addWidget(self.status_filter)
        filters.addWidget(self.mine_only)
        layout.addLayout(filters)
        layout.addWidget(self.view, 1)

        self._search_timer = QTimer(self)
        self._search_timer.setSingleShot(True)
        self._search_timer.setInterval(search_delay_ms)
        self._search_timer.timeout.connect(self.run_search)
        self.search.textChanged.connect(lambda _t: self._search_timer.start())
        self.search.returnPressed.connect(self._search_enter)
        QShortcut(QKeySequence("Ctrl+N"), self, self.new_family,
                  context=Qt.ShortcutContext.WidgetWithChildrenShortcut)
        QShortcut(QKeySequence("Ctrl+F"), self, self.focus_search,
                  context=Qt.ShortcutContext.WidgetWithChildrenShortcut)
        self.status_filter.currentIndexChanged.connect(lambda _i: self.apply_filter())
        self.mine_only.toggled.connect(lambda _c: self.apply_filter())
        self.model.modelReset.connect(self._update_count)
        ctx.changed.connect(self._on_changed)
        ctx.session_changed.connect(self._session_changed)
        self.new_dialog: NewHouseholdDialog | None = None
        self.reassign_dialog: ReassignDialog | None = None
        self._session_changed()
        if not self.apply_filter():  # the list is queried once (at 20,000 households
            self.model.refresh()     # each query is a tenth of a second)

    def focus_search(self) -> None:
        self.search.setFocus(Qt.FocusReason.ShortcutFocusReason)
        self.search.selectAll()

    def run_search(self) -> None:
        self._search_timer.stop()
        self.model.set_search(self.search.text())
        if self.model.rowCount() and not self.view.currentIndex().isValid():
            self.view.setCurrentIndex(self.model.index(0, 0))

    def apply_filter(self) -> bool:
        """True if the list was queried again."""
        session = self.ctx.session
        me = session.actor_id if session is not None else None
        worker = me if self.mine_only.isChecked() else None
        key = str(self.status_filter.currentData())
        return self.model.set_filter(
            status=key.removeprefix("status:") if key.startswith("status:") else None,
            worker_id=worker, open_cases=key == FILTER_OPEN,
            handover_to=me if key == FILTER_HANDOVER else None,
            open_goals=key == FILTER_GOALS)

    def _session_changed(self) -> None:
        session = self.ctx.session
        lead = (session is not None and session.is_open
                and session.has_role(*lifecycle.LEADS))
        self.reassign_button.setVisible(lead)

    def reassign(self) -> None:
        dialog = ReassignDialog(self.ctx, self)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.reassign_dialog = dialog
        dialog.open()

    def _search_enter(self) -> None:
        # Enter in the search field: search now; a single hit opens directly.
        self.run_search()
        if self.model.rowCount() == 1:
            self.open_row(0)
        elif self.model.rowCount():
            self.view.setFocus()
            self.view.setCurrentIndex(self.model.index(0, 0))

    def _update_count(self) -> None:
        self.count.setText(_count_text(self.model.rowCount(), self.model.filtered))
        # The note snippet column appears only while a note word found families.
        self._show_snippets(bool(self.model.snippets))

    def _show_snippets(self, shown: bool) -> None:
        """While a note word found families, the found place gets the room on the 1366 px
        laptop: district, open follow-ups and notes step aside (name, first names and
        street still tell same-surname families apart), and the snippet stretches."""
        if shown == (not self.view.isColumnHidden(SNIPPET_COLUMN)):
            return
        header = self.view.horizontalHeader()
        for column in _ASIDE_FOR_SNIPPETS:
            self.view.setColumnHidden(column, shown)
        if shown:
            header.setSectionResizeMode(0, QHeaderView.ResizeMode.Interactive)
            header.resizeSection(0, self._name_width)
            header.setSectionResizeMode(SNIPPET_COLUMN, QHeaderView.ResizeMode.Stretch)
        else:
            header.setSectionResizeMode(SNIPPET_COLUMN, QHeaderView.ResizeMode.Interactive)
            header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        self.view.setColumnHidden(SNIPPET_COLUMN, not shown)

    def open_row(self, row: int) -> None:
        household_id = self.model.household_id(row)
        if household_id is not None:
            self.ctx.open_household(household_id)

    def new_family(self) -> None:
        dialog = NewHouseholdDialog(self.ctx, self)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.setWindowModality(Qt.WindowModality.WindowModal)
        dialog.accepted.connect(lambda: self._created(dialog))
        dialog.draft_keeper.reopen = partial(reopen_new_family, self.ctx)
        self.new_dialog = dialog
        dialog.show()

    def _created(self, dialog: NewHouseholdDialog) -> None:
        if dialog.created_id is not None:
            self.ctx.open_household(dialog.created_id)

    def _on_changed(self, changes: Changes) -> None:
        self.model.apply_changes(changes)
        self._update_count()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.KeyPress and isinstance(event, QKeyEvent):
            if watched is self.view and event.key() in OPEN_KEYS:
                self.open_row(self.view.currentIndex().row())
                return True
            if watched is self.search and event.key() == Qt.Key.Key_Down:
                self.run_search()
                self.view.setFocus()
                if self.model.rowCount():
                    self.view.setCurrentIndex(self.model.index(0, 0))
                return True
        return super().eventFilter(watched, event)


def reopen_new_family(ctx: UiContext) -> None:
    """"Neue Familie" again after unlocking, with the draft kept at the lock."""
    workspace = getattr(ctx.window, "workspace", None)
    screen = workspace.show_page("familien") if workspace is not None else None
    if isinstance(screen, FamilienScreen):
        screen.new_family()


def create(ctx: UiContext) -> QWidget:
    return FamilienScreen(ctx)
