"""Table model of the family list: household ids plus a lazy row cache (Anki's browser
table model).

Search, filter and sort happen in SQL (`services.households.list_ids`); the model holds
only the ordered ids and loads rows for the visible part in pages of `page_size`
(`services.households.list_rows`). `data()` never queries per row: a missing row loads
its whole page once. No QSortFilterProxyModel on top: over a partly fetched model it would
silently hide families.
"""

from __future__ import annotations

from datetime import date
from typing import Any, Protocol

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt

from casework.clock import BERLIN, from_utc_iso
from casework.models.changes import Changes
from casework.models.contacts import ADDENDUM_MARK
from casework.models.households.household import HouseholdStatus
from casework.models.ids import HouseholdId
from casework.models.text import fold_words
from casework.services import contacts
from casework.services.households import households
from casework.ui.context import UiContext
from casework.ui.households.snippet import around_match

Index = QModelIndex | QPersistentModelIndex

# Surname, the adults' first names and the street tell same-surname families apart; the
# last column shows why a note search found a family (issue 18).
COLUMNS = ("Name", "Vornamen", "Straße", "Stadtteil", "Zuständig", "Letzter Kontakt",
           "offene WV", "Hinweise", "Fundstelle in Notizen")
SORT_KEYS: tuple[str | None, ...] = ("name", None, "street", "district", "worker",
                                     "last_contact", "open_followups", None, None)
FOLLOWUP_COLUMN = COLUMNS.index("offene WV")
SNIPPET_COLUMN = COLUMNS.index("Fundstelle in Notizen")
SNIPPET_QUERY_ROLE = Qt.ItemDataRole.UserRole + 2  # the folded query words of a snippet
HOUSEHOLD_ID_ROLE = Qt.ItemDataRole.UserRole + 1
DEFAULT_PAGE = 200
MIN_NOTE_SEARCH = 3


class ListRow(Protocol):
    """What the table shows of a household (services.households.list_rows)."""

    @property
    def id(self) -> HouseholdId: ...
    @property
    def name(self) -> str: ...
    @property
    def adults(self) -> tuple[str, ...]: ...
    @property
    def street(self) -> str: ...
    @property
    def label(self) -> str: ...
    @property
    def district(self) -> str: ...
    @property
    def worker_name(self) -> str: ...
    @property
    def last_contact_at(self) -> str | None: ...
    @property
    def open_followups(self) -> int: ...
    @property
    def status(self) -> str: ...
    @property
    def interpreter_needed(self) -> bool: ...


def local_date(utc_iso: str | None) -> date | None:
    if not utc_iso:
        return None
    return from_utc_iso(utc_iso).astimezone(BERLIN).date()


def flags_text(row: ListRow) -> str:
    flags = []
    if row.interpreter_needed:
        flags.append("Dolmetscher")
    if row.status != HouseholdStatus.AKTIV.value:
        flags.append(row.status)
    return ", ".join(flags)


class FamilyTableModel(QAbstractTableModel):
    def __init__(self, ctx: UiContext, *, page_size: int = DEFAULT_PAGE,
                 parent: Any = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.page_size = page_size
        self.search = ""
        self.status: str | None = None  # None: every status
        self.worker_id: str | None = None  # None: every worker
        self.open_cases = False  # True: without closed cases (the daily list)
        self.handover_to: str | None = None  # families offered to this worker
        self.open_goals = False  # only families with open Hilfeplan goals
        self.sort_key = "name"
        self.descending = False
        self._ids: list[HouseholdId] = []
        self._rows: dict[str, ListRow | None] = {}
        # Why a note search found a family: a short piece of the newest matching note,
        # cut from the decrypted text in memory only (issue 18).
        self.snippets: dict[str, str] = {}
        self.snippet_words: list[str] = []
        self.pages_loaded = 0  # for tests and the benchmark: how often we went to SQL

    # --- loading -------------------------------------------------------------------------

    def _query_ids(self) -> list[HouseholdId]:
        session = self.ctx.session
        if session is None or not session.is_open:
            return []
        # Note text is searched from the third letter on: a one- or two-letter prefix
        # matches most notes, costs most of the time, and tells nobody anything.
        notes = len(self.search.strip()) >= MIN_NOTE_SEARCH
        hits = contacts.search_notes(session, self.search, limit=200) if notes else []
        self.snippets = {}
        for hit in hits:  # newest first: the first hit of a family is its newest note
            self.snippets.setdefault(hit.household_id, hit.snippet)
        self.snippet_words = fold_words(self.search) if hits else []
        return households.list_ids(session, search=self.search, status=self.status,
                                   worker_id=self.worker_id, sort=self.sort_key,
                                   descending=self.descending, include_notes=notes,
                                   open_cases=self.open_cases, handover_to=self.handover_to,
                                   open_goals=self.open_goals, note_hits=hits)

    def refresh(self) -> None:
        self.beginResetModel()
        self._ids = self._query_ids()
        self._rows.clear()
        self.endResetModel()

    def set_search(self, text: str) -> None:
        text = text.strip()
        if text == self.search:
            return
        self.search = text
        self.refresh()

    def set_filter(self, *, status: str | None, worker_id: str | None,
                   open_cases: bool = False, handover_to: str | None = None,
                   open_goals: bool = False) -> bool:
        """True if the filter changed (and the list was queried again)."""
        wanted = (status, worker_id, open_cases, handover_to, open_goals)
        if wanted == (self.status, self.worker_id, self.open_cases, self.handover_to,
                      self.open_goals):
            return False
        (self.status, self.worker_id, self.open_cases, self.handover_to,
         self.open_goals) = wanted
        self.refresh()
        return True

    @property
    def filtered(self) -> bool:
        return (bool(self.search) or self.status is not None or self.worker_id is not None
                or self.handover_to is not None or self.open_goals)

    def _load_page(self, row: int) -> None:
        session = self.ctx.session
        if session is None or not session.is_open:
            return
        start = (row // self.page_size) * self.page_size
        wanted = [i for i in self._ids[start:start + self.page_size] if i not in self._rows]
        loaded = {r.id: r for r in households.list_rows(session, wanted)}
        self.pages_loaded += 1
        for household_id in wanted:
            self._rows[household_id] = loaded.get(household_id)  # None: deleted meanwhile

    def row_at(self, row: int) -> ListRow | None:
        if not 0 <= row < len(self._ids):
            return None
        household_id = self._ids[row]
        if household_id not in self._rows:
            self._load_page(row)
        return self._rows.get(household_id)

    def household_id(self, row: int) -> HouseholdId | None:
        return self._ids[row] if 0 <= row < len(self._ids) else None

    def row_of(self, household_id: str) -> int:
        try:
            return self._ids.index(HouseholdId(household_id))
        except ValueError:
            return -1

    def apply_changes(self, changes: Changes) -> None:
        """Refresh after a write: changed rows in place if the order is unchanged,
        otherwise re-query the ids (new household, renamed, resorted)."""
        if not changes.affects("household"):
            return
        ids = self._query_ids()
        if ids != self._ids:
            self.refresh()
            return
        for household_id in changes.ids("household"):
            self._rows.pop(household_id, None)
            row = self.row_of(household_id)
            if row >= 0:
                self.dataChanged.emit(self.index(row, 0), self.index(row, len(COLUMNS) - 1))

    # --- Qt model API --------------------------------------------------------------------

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008 (Qt default)
        return 0 if parent.isValid() else len(self._ids)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008 (Qt default)
        return 0 if parent.isValid() else len(COLUMNS)

    def headerData(self, section: int, orientation: Qt.Orientation,
                   role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if (orientation == Qt.Orientation.Horizontal and 0 <= section < len(COLUMNS)
                and role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.AccessibleTextRole)):
            return COLUMNS[section]
        return None

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        if role == HOUSEHOLD_ID_ROLE:
            return self.household_id(index.row())
        if role == SNIPPET_QUERY_ROLE:
            return self.snippet_words
        if role == Qt.ItemDataRole.TextAlignmentRole and index.column() == FOLLOWUP_COLUMN:
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        if role not in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ToolTipRole,
                        Qt.ItemDataRole.AccessibleTextRole):
            return None
        row = self.row_at(index.row())
        if row is None:
            return None
        column = COLUMNS[index.column()]
        if column == "Name":
            return row.name
        if column == "Vornamen":
            return ", ".join(row.adults)
        if column == "Straße":
            return row.street
        if column == "Stadtteil":
            return row.district
        if column == "Zuständig":
            return row.worker_name
        if column == "Letzter Kontakt":
            day = local_date(row.last_contact_at)
            return "" if day is None else f"{day:%d.%m.%Y}"
        if column == "offene WV":
            return str(row.open_followups) if row.open_followups else ""
        if column == "Hinweise":
            return flags_text(row)
        found = self.snippets.get(row.id, "")
        if role == Qt.ItemDataRole.ToolTipRole or not found:
            return found
        mark = ADDENDUM_MARK if found.startswith(ADDENDUM_MARK) else ""  # found in a Nachtrag
        return mark + around_match(found[len(mark):], self.snippet_words)

    def flags(self, index: Index) -> Qt.ItemFlag:
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        return Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        if not 0 <= column < len(SORT_KEYS):
            return
        key = SORT_KEYS[column]
        if key is None:
            return
        descending = order == Qt.SortOrder.DescendingOrder
        if (key, descending) == (self.sort_key, self.descending):
            return
        self.sort_key = key
        self.descending = descending
        self.refresh()
