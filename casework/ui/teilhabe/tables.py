"""Small lists of the Teilhabemanagement screen: a tree with sortable columns whose
dates and ages sort by value, not by their German text."""

from __future__ import annotations

from typing import Any, Protocol

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QAbstractItemView, QHeaderView, QTreeWidget, QTreeWidgetItem, QWidget

from casework.ui.context import UiContext
from casework.ui.widgets import named

ID_ROLE = Qt.ItemDataRole.UserRole
SORT_ROLE = Qt.ItemDataRole.UserRole + 1


class SortItem(QTreeWidgetItem):
    """Sorts by `SORT_ROLE` data where a column has it (dates, ages), else by text."""

    def __lt__(self, other: QTreeWidgetItem) -> bool:
        tree = self.treeWidget()
        column = tree.sortColumn() if tree is not None else 0
        mine: Any = self.data(column, SORT_ROLE)
        theirs: Any = other.data(column, SORT_ROLE)
        if mine is not None and theirs is not None:
            return bool(mine < theirs)
        return self.text(column).casefold() < other.text(column).casefold()


def tree(name: str, columns: list[str], parent: QWidget, *, sortable: bool = False) -> QTreeWidget:
    view = QTreeWidget(parent)
    named(view, name)
    view.setHeaderLabels(columns)
    view.setRootIsDecorated(False)
    view.setAlternatingRowColors(True)
    view.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
    view.header().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
    view.header().setStretchLastSection(True)
    if sortable:
        view.setSortingEnabled(True)
        view.sortByColumn(0, Qt.SortOrder.AscendingOrder)
    return view


class Host(Protocol):
    """What the parts of the Teilhabemanagement screen need from the screen itself
    (the parts never import the screen module: no import cycle)."""

    ctx: UiContext

    def reload(self) -> None: ...

    def current_client_id(self) -> str | None: ...

    def show_client_where_it_is(self, client_id: str) -> None: ...
