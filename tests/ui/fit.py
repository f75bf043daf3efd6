"""Does a screen or dialog fit the usual municipal laptop? `assert_fits(widget, 1366, 738)`.

1366 x 768 minus a 30-pixel taskbar is what a window gets. A widget fits when
- it asks for no more than that (its minimum size hint and minimum size),
- laid out at that size (a top-level window: its frame; dialogs at their own size, which
  must fit too), no scroll area inside shows a horizontal scroll bar or has content
  wider than its viewport (one that scrolls only vertically would cut it off),
- no tab bar has to scroll its tabs, and
- no line edit cuts off its placeholder text, and
- no list gives a third of its width to an empty last column.
Findings name the widget by accessible or object name so a failure says where to look.
"""

from __future__ import annotations

from PySide6.QtCore import QSize, Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QAbstractScrollArea,
    QApplication,
    QLineEdit,
    QMainWindow,
    QScrollArea,
    QStyle,
    QStyleOptionFrame,
    QTabBar,
    QTableView,
    QToolButton,
    QTreeView,
    QWidget,
)

TITLE_BAR = 30  # window decoration the available geometry still has to hold


def describe(widget: QWidget) -> str:
    names: list[str] = []
    current: QWidget | None = widget
    while current is not None and len(names) < 4:
        name = current.accessibleName() or current.objectName()
        if name:
            names.append(name)
        current = current.parentWidget()
    return f"{type(widget).__name__} ({' < '.join(names) or 'ohne Namen'})"


def _placeholder_cut(edit: QLineEdit) -> bool:
    text = edit.placeholderText()
    if not text or edit.text():
        return False
    option = QStyleOptionFrame()
    edit.initStyleOption(option)
    inner = edit.style().subElementRect(QStyle.SubElement.SE_LineEditContents, option, edit)
    margins = edit.textMargins()
    room = inner.width() - margins.left() - margins.right() - 4  # QLineEdit's own margin
    return edit.fontMetrics().horizontalAdvance(text) > room


def _empty_column_hogs(view: QAbstractItemView) -> str:
    """The stretched last column is empty in every row yet takes a third of the width."""
    header = view.header() if isinstance(view, QTreeView) else (
        view.horizontalHeader() if isinstance(view, QTableView) else None)
    model = view.model()
    if header is None or model is None or not header.stretchLastSection():
        return ""
    columns = [c for c in range(model.columnCount()) if not header.isSectionHidden(c)]
    rows = min(model.rowCount(), 200)
    if len(columns) < 2 or rows == 0:
        return ""
    last = columns[-1]
    empty = all(not str(model.index(r, last).data() or "").strip() for r in range(rows))
    if empty and header.sectionSize(last) > view.viewport().width() / 3:
        return str(model.headerData(last, Qt.Orientation.Horizontal) or last)
    return ""


def problems(widget: QWidget, width: int = 1366, height: int = 738) -> list[str]:
    """Everything that does not fit; [] if the widget fits `width` x `height`."""
    found: list[str] = []
    room = QSize(width, height - (TITLE_BAR if widget.isWindow() else 0))
    if widget.isWindow() and isinstance(widget, QMainWindow):
        widget.resize(room)
    elif widget.isWindow():
        widget.resize(widget.size().boundedTo(room))
    else:
        widget.resize(room)
    if not widget.isVisible():
        widget.show()
    QApplication.processEvents()
    for label, size in (("Mindestgröße", widget.minimumSizeHint()),
                        ("feste Mindestgröße", widget.minimumSize()),
                        ("Größe", widget.size())):
        if size.width() > room.width() or size.height() > room.height():
            found.append(f"{describe(widget)}: {label} {size.width()}x{size.height()} "
                         f"> {room.width()}x{room.height()}")
    for area in widget.findChildren(QAbstractScrollArea):
        if area.isVisible() and area.horizontalScrollBar().isVisible():
            found.append(f"{describe(area)}: waagerechter Rollbalken "
                         f"({area.viewport().width()} px Platz)")
        inner = area.widget() if isinstance(area, QScrollArea) else None
        if (area.isVisible() and inner is not None and area.widgetResizable()
                and inner.minimumSizeHint().width() > area.viewport().width()):
            # a scroll area that never scrolls sideways would cut its content off
            found.append(f"{describe(area)}: Inhalt braucht {inner.minimumSizeHint().width()}"
                         f" px, sichtbar sind {area.viewport().width()} px")
    for view in widget.findChildren(QAbstractItemView):
        hog = _empty_column_hogs(view) if view.isVisible() else ""
        if hog:
            found.append(f"{describe(view)}: leere Spalte „{hog}“ nimmt die Breite")
    for bar in widget.findChildren(QTabBar):
        scrolling = [b for b in bar.findChildren(QToolButton) if b.isVisible()]
        if bar.isVisible() and scrolling:
            found.append(f"{describe(bar)}: Reiter passen nicht, die Leiste rollt")
    for edit in widget.findChildren(QLineEdit):
        if edit.isVisible() and _placeholder_cut(edit):
            found.append(f"{describe(edit)}: Platzhalter abgeschnitten "
                         f"„{edit.placeholderText()}“")
    return found


def assert_fits(widget: QWidget, width: int = 1366, height: int = 738) -> None:
    found = problems(widget, width, height)
    assert not found, f"passt nicht auf {width}x{height}:\n  " + "\n  ".join(found)
