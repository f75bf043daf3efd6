"""The one small read-only table model over an in-memory list: each row is its cells and
a payload (an id or a value the screen acts on). Heute, referrals, privacy, workers.

For short lists only; big lists use a lazy id model (see family_model.py).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, TypeVar

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtWidgets import QAbstractItemView, QTableView

Index = QModelIndex | QPersistentModelIndex
PAYLOAD_ROLE = Qt.ItemDataRole.UserRole
T = TypeVar("T")


class SimpleTableModel(QAbstractTableModel):
    def __init__(self, columns: Sequence[str], parent: Any = None) -> None:
        super().__init__(parent)
        self.columns = tuple(columns)
        self.rows: list[tuple[tuple[str, ...], Any]] = []

    def set_rows(self, rows: Sequence[tuple[Sequence[str], Any]]) -> None:
        self.beginResetModel()
        self.rows = [(tuple(cells), payload) for cells, payload in rows]
        self.endResetModel()

    def payload(self, row: int) -> Any:
        return self.rows[row][1] if 0 <= row < len(self.rows) else None

    def selected_payload(self, view: QAbstractItemView, kind: type[T]) -> T | None:
        """The payload of the row selected in `view`, if it is a `kind`."""
        model = view.selectionModel()
        rows = model.selectedRows() if model is not None else []
        payload = self.payload(rows[0].row()) if rows else None
        return payload if isinstance(payload, kind) else None

    def select_id(self, view: QTableView, record_id: str | None) -> None:
        """Select the row whose payload has this `id` (after a reload)."""
        for row in range(self.rowCount()):
            if getattr(self.payload(row), "id", None) == record_id:
                view.selectRow(row)
                return

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008 (Qt default)
        return 0 if parent.isValid() else len(self.rows)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008 (Qt default)
        return 0 if parent.isValid() else len(self.columns)

    def headerData(self, section: int, orientation: Qt.Orientation,
                   role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if (orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole
                and 0 <= section < len(self.columns)):
            return self.columns[section]
        return None

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        if role == PAYLOAD_ROLE:
            return self.rows[index.row()][1]
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.AccessibleTextRole,
                    Qt.ItemDataRole.ToolTipRole):
            return self.rows[index.row()][0][index.column()]
        return None
