"""Verzeichnis: the building blocks of its tabs: read-only tables whose rows fit their
wrapped text, a column that scrolls up and down only, labels and buttons."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QAbstractTableModel, QEvent, QObject, QSize, Qt, QTimer
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHeaderView,
    QLabel,
    QPushButton,
    QScrollArea,
    QTableView,
    QWidget,
)


def table(model: QAbstractTableModel, name: str, parent: QWidget) -> QTableView:
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


def vertical_scroll(content: QWidget, parent: QWidget) -> QScrollArea:
    """`content` in a scroll area that scrolls up and down only: the ASD's hours and the
    notes are a long column of lines, taller than a 125 % laptop leaves (issue 18)."""
    area = _ScrollArea(parent)
    area.setWidgetResizable(True)
    area.setFrameShape(QScrollArea.Shape.NoFrame)
    area.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
    area.setWidget(content)
    return area


def fit_columns(view: QTableView, cap: int = 300) -> None:
    """Columns as wide as their content, but none wider than `cap` pixels."""
    view.resizeColumnsToContents()
    header = view.horizontalHeader()
    for column in range(header.count()):
        if header.sectionSize(column) > cap:
            header.resizeSection(column, cap)


def rows_fit_text(view: QTableView) -> None:
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


def action_button(text: str, parent: QWidget, slot: Callable[[], object]) -> QPushButton:
    button = QPushButton(text, parent)
    button.setAccessibleName(text.rstrip("…"))
    button.clicked.connect(lambda: slot())
    return button


def label(text: str, parent: QWidget, *, bold: bool = False) -> QLabel:
    label = QLabel(text, parent)
    label.setWordWrap(True)
    label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
    label.setAccessibleName(text)
    if bold:
        font = label.font()
        font.setBold(True)
        label.setFont(font)
    return label
