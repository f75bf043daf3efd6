"""Datenschutz: what its tabs share: the title, the dialog seams (tests patch them in the
module that calls them), read-only tables, buttons, dates and the selected row's payload."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import date
from typing import Any

from PySide6.QtWidgets import (
    QAbstractItemView,
    QHeaderView,
    QInputDialog,
    QPushButton,
    QTableView,
    QWidget,
)

from casework.ui.simple_model import SimpleTableModel

TITLE = "Datenschutz"


# --- dialog seams (tests patch these) ---------------------------------------------------


def ask_reason(parent: QWidget | None, title: str, label: str) -> str | None:
    """A free-text reason, or None when cancelled."""
    text, ok = QInputDialog.getMultiLineText(parent, title, label)
    return text if ok else None


def ask_choice(parent: QWidget | None, title: str, label: str,
               items: Sequence[str]) -> str | None:
    """One of `items`, or None when cancelled."""
    text, ok = QInputDialog.getItem(parent, title, label, list(items), 0, False)
    return text if ok else None


def table(model: SimpleTableModel, name: str) -> QTableView:
    view = QTableView()
    view.setModel(model)
    view.setAccessibleName(name)
    view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    view.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
    view.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    view.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
    view.horizontalHeader().setStretchLastSection(True)
    # Column widths from the first rows only: measuring a thousand log entries on every
    # paint took longer than building the screen.
    view.horizontalHeader().setResizeContentsPrecision(50)
    view.verticalHeader().hide()
    return view


def button(text: str, name: str, slot: Callable[[], None]) -> QPushButton:
    button = QPushButton(text)
    button.setAccessibleName(name)
    button.clicked.connect(slot)
    return button


def date_text(value: date | None) -> str:
    return value.strftime("%d.%m.%Y") if value is not None else "–"


def selected(view: QTableView, model: SimpleTableModel) -> Any:
    rows = view.selectionModel().selectedRows()
    if not rows:
        return None
    return model.payload(rows[0].row())
