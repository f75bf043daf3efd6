"""Small shared widget helpers: forms with inline validation, German dates, placeholders."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date, datetime, time
from typing import TypeVar

from PySide6.QtCore import QAbstractItemModel, QEvent, QObject, QPoint, QRect, QSize, Qt, QTimer
from PySide6.QtGui import QColor, QPalette, QResizeEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QBoxLayout,
    QComboBox,
    QDialog,
    QFormLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLayout,
    QLayoutItem,
    QLineEdit,
    QSizePolicy,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from casework.errors import ValidationError

W = TypeVar("W", bound=QWidget)

DATE_HINT = "TT.MM.JJJJ"
_DATE = re.compile(r"^\s*(\d{1,2})\.(\d{1,2})\.(\d{4})\s*$")
_TIME = re.compile(r"^\s*(\d{1,2})[:.](\d{2})\s*$")


def named(widget: W, name: str, description: str = "") -> W:
    """Give a control its German screen-reader name (every control has one)."""
    widget.setAccessibleName(name)
    if description:
        widget.setAccessibleDescription(description)
    return widget


def parse_date(text: str, field: str) -> date | None:
    """'21.11.2026' → date; '' → None; anything else → ValidationError naming `field`."""
    if not text.strip():
        return None
    match = _DATE.match(text)
    if match is None:
        raise ValidationError(field, f"bitte als {DATE_HINT} eingeben.")
    day, month, year = (int(g) for g in match.groups())
    try:
        return date(year, month, day)
    except ValueError:
        raise ValidationError(field, "ist kein gültiges Datum.") from None


def parse_time(text: str, field: str) -> time:
    match = _TIME.match(text)
    if match is None:
        raise ValidationError(field, "bitte als HH:MM eingeben.")
    hour, minute = (int(g) for g in match.groups())
    if hour > 23 or minute > 59:
        raise ValidationError(field, "ist keine gültige Uhrzeit.")
    return time(hour, minute)


WEEKDAYS = ("Mo", "Di", "Mi", "Do", "Fr", "Sa", "So")


def weekday_date(value: date | datetime) -> str:
    """'Sa 21.11.2026': German weekday abbreviations, whatever the C locale says."""
    return f"{WEEKDAYS[value.weekday()]} {value:%d.%m.%Y}"


def format_date(value: date | datetime | None) -> str:
    return "" if value is None else f"{value:%d.%m.%Y}"


def error_label(parent: QWidget | None = None) -> QLabel:
    """A label for inline error text: bold with a warning sign instead of a hard-coded
    colour, so it reads well in light and dark palettes and to screen readers."""
    label = QLabel(parent)
    label.setWordWrap(True)
    label.setVisible(False)
    label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
    font = label.font()
    font.setBold(True)
    label.setFont(font)
    return label


class ValidatingForm(QWidget):
    """A QFormLayout whose rows can show a `ValidationError` next to the named field.

    `add_row(label, widget, aliases=…)`: `label` is the German label shown (without
    colon); a ValidationError whose `field` equals the label or one of the aliases is
    shown under that widget, and the widget gets focus.
    """

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._layout = QFormLayout(self)
        self._layout.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        self.general_error = error_label(self)
        self._layout.addRow(self.general_error)
        self._fields: dict[str, tuple[QWidget, QLabel]] = {}

    @property
    def form_layout(self) -> QFormLayout:
        return self._layout

    def add_row(self, label: str, widget: W, *, aliases: tuple[str, ...] = (),
                description: str = "") -> W:
        holder = QWidget(self)
        box = QVBoxLayout(holder)
        box.setContentsMargins(0, 0, 0, 0)
        box.setSpacing(2)
        box.addWidget(widget)
        err = error_label(holder)
        err.setAccessibleName(f"Fehler bei {label}")
        box.addWidget(err)
        caption = QLabel(f"{label}:", self)
        caption.setBuddy(widget)
        if not widget.accessibleName():
            named(widget, label, description)
        self._layout.addRow(caption, holder)
        for key in (label, *aliases):
            self._fields[key] = (widget, err)
        return widget

    def add_widget_row(self, widget: QWidget) -> None:
        self._layout.addRow(widget)

    def clear_errors(self) -> None:
        self.general_error.clear()
        self.general_error.setVisible(False)
        for _, err in self._fields.values():
            err.clear()
            err.setVisible(False)

    def show_error(self, error: ValidationError) -> None:
        self.clear_errors()
        target = self._fields.get(error.field)
        if target is None:
            self.general_error.setText(f"⚠ {error.message}")
            self.general_error.setVisible(True)
            self._grow_dialog()
            return
        widget, err = target
        err.setText(f"⚠ {error.reason}")
        err.setVisible(True)
        widget.setFocus(Qt.FocusReason.OtherFocusReason)
        self._grow_dialog()

    def _grow_dialog(self) -> None:
        # A dialog grows so a newly shown message is never cut off.
        window = self.window()
        layout = window.layout()
        if isinstance(window, QDialog) and layout is not None:
            layout.activate()
            hint = window.sizeHint()
            window.resize(max(window.width(), hint.width()),
                          max(window.height(), window.heightForWidth(window.width()),
                              hint.height()))

    def error_text(self, field: str) -> str:
        target = self._fields.get(field)
        if target is None:
            return self.general_error.text()
        return target[1].text()


class MessagePage(QWidget):
    """A page that says why a screen cannot be shown (e.g. "Die Akte ist gesperrt.")."""

    def __init__(self, title: str, text: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        layout = QVBoxLayout(self)
        heading = QLabel(title, self)
        font = heading.font()
        font.setPointSizeF(font.pointSizeF() * 1.4)
        font.setBold(True)
        heading.setFont(font)
        message = QLabel(text, self)
        message.setWordWrap(True)
        named(message, text)
        layout.addWidget(heading)
        layout.addWidget(message)
        layout.addStretch(1)


def line_edit(name: str, parent: QWidget | None = None, placeholder: str = "") -> QLineEdit:
    edit = QLineEdit(parent)
    named(edit, name)
    if placeholder:
        set_placeholder(edit, placeholder)
    return edit


def set_placeholder(edit: QLineEdit, placeholder: str) -> None:
    """A hint in the empty field that is never cut off: the field is at least as wide as
    the hint (text margins and frame: about three characters); also the tooltip."""
    edit.setPlaceholderText(placeholder)
    edit.setToolTip(placeholder)  # also readable once something is typed
    room = edit.fontMetrics().horizontalAdvance(placeholder + "MMM")
    edit.setMinimumWidth(min(room, PLACEHOLDER_MAX_PX))


PLACEHOLDER_MAX_PX = 320  # longer hints must be shorter, not widen every form


def compact_rows(view: QTableView) -> None:
    """Fixed, text-height rows: calmer tables, and the view never measures every row."""
    header = view.verticalHeader()
    header.setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
    header.setDefaultSectionSize(view.fontMetrics().height() + 8)
    header.hide()


def list_table(name: str, model: QAbstractItemModel, parent: QWidget | None = None) -> QTableView:
    """A read-only list: whole rows selected one at a time, compact, columns sized to
    their contents with the last one taking the rest."""
    view = QTableView(parent)
    named(view, name)
    view.setModel(model)
    view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    view.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
    view.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    view.setAlternatingRowColors(True)
    view.setWordWrap(False)
    compact_rows(view)
    header = view.horizontalHeader()
    header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
    header.setStretchLastSection(True)
    return view


def heading(text: str, parent: QWidget | None = None, scale: float = 1.3) -> QLabel:
    label = QLabel(text, parent)
    font = label.font()
    font.setPointSizeF(font.pointSizeF() * scale)
    font.setBold(True)
    label.setFont(font)
    return label


def warning_colour(palette: QPalette) -> QColor:
    """A red that reads on this palette's window background: dark red on light
    backgrounds, a light red on dark ones (a system dark theme)."""
    dark_background = palette.color(QPalette.ColorRole.Window).lightness() < 128
    return QColor("#ff8a80") if dark_background else QColor("#a00000")


def warning_label(text: str = "", parent: QWidget | None = None) -> QLabel:
    """Bold warning text in `warning_colour`, following the palette it was made under."""
    label = QLabel(text, parent)
    label.setWordWrap(True)
    font = label.font()
    font.setBold(True)
    label.setFont(font)
    palette = label.palette()
    palette.setColor(QPalette.ColorRole.WindowText, warning_colour(palette))
    label.setPalette(palette)
    return label


class FlowLayout(QLayout):
    """Buttons in rows that wrap when the width runs out (a row of eight buttons does not
    fit beside the navigation on a 1366-pixel laptop at 125 %). `addStretch` of a box
    layout has no meaning here; items flow left to right."""

    def __init__(self, parent: QWidget | None = None, spacing: int = 6) -> None:
        super().__init__(parent)
        self._items: list[QLayoutItem] = []
        self._spacing = spacing
        if parent is None:
            self.setContentsMargins(0, 0, 0, 0)

    def addItem(self, item: QLayoutItem) -> None:
        self._items.append(item)

    def addStretch(self, _stretch: int = 0) -> None:
        """Accepted for drop-in use where a QHBoxLayout was; flows ignore stretch."""

    def count(self) -> int:
        return len(self._items)

    def itemAt(self, index: int) -> QLayoutItem | None:
        return self._items[index] if 0 <= index < len(self._items) else None

    def takeAt(self, index: int) -> QLayoutItem | None:
        return self._items.pop(index) if 0 <= index < len(self._items) else None

    def expandingDirections(self) -> Qt.Orientation:
        return Qt.Orientation(0)

    def hasHeightForWidth(self) -> bool:
        return True

    def heightForWidth(self, width: int) -> int:
        return self._arrange(QRect(0, 0, width, 0), move=False)

    def setGeometry(self, rect: QRect) -> None:
        super().setGeometry(rect)
        self._arrange(rect, move=True)

    def sizeHint(self) -> QSize:
        width = sum(i.sizeHint().width() + self._spacing for i in self._visible())
        height = max((i.sizeHint().height() for i in self._visible()), default=0)
        margins = self.contentsMargins()
        return QSize(width + margins.left() + margins.right(),
                     height + margins.top() + margins.bottom())

    def minimumSize(self) -> QSize:
        size = QSize()
        for item in self._visible():
            size = size.expandedTo(item.minimumSize())
        margins = self.contentsMargins()
        return size + QSize(margins.left() + margins.right(), margins.top() + margins.bottom())

    def _visible(self) -> list[QLayoutItem]:
        shown = []
        for item in self._items:
            widget = item.widget()
            if widget is None or not widget.isHidden():
                shown.append(item)
        return shown

    def _arrange(self, rect: QRect, *, move: bool) -> int:
        margins = self.contentsMargins()
        area = rect.adjusted(margins.left(), margins.top(), -margins.right(), -margins.bottom())
        x, y, line = area.x(), area.y(), 0
        for item in self._visible():
            hint = item.sizeHint()
            if x > area.x() and x + hint.width() > area.right() + 1:
                x, y, line = area.x(), y + line + self._spacing, 0
            if move:
                item.setGeometry(QRect(QPoint(x, y), hint))
            x += hint.width() + self._spacing
            line = max(line, hint.height())
        return y + line - rect.y() + margins.bottom()


class SideBySide(QWidget):
    """Two or more panels side by side where the width allows, one below the other where
    it does not (the § 8a view's steps and records at 125 %, issue 18). Its minimum width
    is that of the widest panel, so a scroll area around it never scrolls sideways."""

    def __init__(self, parent: QWidget | None, *panels: tuple[QWidget, int]) -> None:
        super().__init__(parent)
        self.panels = [panel for panel, _stretch in panels]
        self.box = QBoxLayout(QBoxLayout.Direction.LeftToRight, self)
        self.box.setContentsMargins(0, 0, 0, 0)
        for panel, stretch in panels:
            self.box.addWidget(panel, stretch)

    def _side_by_side_width(self) -> int:
        shown = [p for p in self.panels if not p.isHidden()]
        return (sum(p.minimumSizeHint().width() for p in shown)
                + self.box.spacing() * max(len(shown) - 1, 0))

    def minimumSizeHint(self) -> QSize:
        hints = [p.minimumSizeHint() for p in self.panels if not p.isHidden()]
        width = max((h.width() for h in hints), default=0)
        if self.box.direction() == QBoxLayout.Direction.LeftToRight:
            height = max((h.height() for h in hints), default=0)
        else:
            height = sum(h.height() for h in hints) + self.box.spacing() * max(len(hints) - 1, 0)
        return QSize(width, height)

    def resizeEvent(self, event: QResizeEvent) -> None:
        wide = event.size().width() >= self._side_by_side_width()
        direction = (QBoxLayout.Direction.LeftToRight if wide
                     else QBoxLayout.Direction.TopToBottom)
        if self.box.direction() != direction:
            self.box.setDirection(direction)
            self.updateGeometry()
        super().resizeEvent(event)


def labelled(text: str, widget: QWidget, parent: QWidget | None = None) -> QWidget:
    """A caption and its field as one piece, so a `FlowLayout` never wraps between them;
    the caption is the field's buddy (Alt+letter)."""
    pair = QWidget(parent)
    row = QHBoxLayout(pair)
    row.setContentsMargins(0, 0, 0, 0)
    caption = QLabel(text, pair)
    caption.setBuddy(widget)
    row.addWidget(caption)
    row.addWidget(widget)
    return pair


CAPPED = "casework_capped_columns"  # columns `capped_column` sizes (a view property)


def stretch_column(view: QTableView, *columns: int) -> None:
    """Columns as wide as their contents, and `columns` (those with running text) share
    the rest: no empty last column eating half the width, no squeezed text column, and no
    sideways scrolling (stretched columns shrink and elide instead).

    The other columns are measured once after the rows changed, not by the header's
    ResizeToContents mode: that measured every cell again on each layout pass of a
    list's first showing (Heute's lists: a third of filling them, issue 23)."""
    header = view.horizontalHeader()
    header.setStretchLastSection(False)
    header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
    for column in columns:
        header.setSectionResizeMode(column, QHeaderView.ResizeMode.Stretch)
    refit = QTimer(view)
    refit.setSingleShot(True)
    refit.setInterval(0)

    def fit() -> None:
        capped = view.property(CAPPED) or []
        for column in range(header.count()):
            if column not in columns and column not in capped \
                    and not header.isSectionHidden(column):
                view.resizeColumnToContents(column)

    refit.timeout.connect(fit)
    model = view.model()
    for signal in (model.modelReset, model.layoutChanged, model.rowsInserted,
                   model.rowsRemoved, model.dataChanged, model.headerDataChanged):
        signal.connect(lambda *_args: refit.start())
    _Refit(view.viewport(), refit.start)  # first shown (style and font final), resized
    fit()


class _Refit(QObject):
    """Calls `fit` whenever the watched viewport changes its size."""

    def __init__(self, watched: QWidget, fit: Callable[[], None]) -> None:
        super().__init__(watched)
        self.fit = fit
        watched.installEventFilter(self)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.Resize:
            self.fit()
        return False


def capped_column(view: QTableView, column: int, share: float = 0.35) -> None:
    """`column` as wide as its contents but at most `share` of the list's width, eliding
    beyond: a household label ('Müller (Sabine, Thomas) · Hauptstr. 5') is readable
    without taking the room of the text beside it, and nothing scrolls sideways at 125 %
    (issue 18). Use with `stretch_column` for the text column."""
    header = view.horizontalHeader()
    header.setSectionResizeMode(column, QHeaderView.ResizeMode.Interactive)
    view.setProperty(CAPPED, [*(view.property(CAPPED) or []), column])  # not stretch_column's

    def fit() -> None:
        wanted = max(view.sizeHintForColumn(column), header.sectionSizeHint(column))
        header.resizeSection(column, max(40, min(wanted, int(view.viewport().width() * share))))

    model = view.model()
    for signal in (model.modelReset, model.layoutChanged, model.rowsInserted,
                   model.dataChanged):
        signal.connect(lambda *_args: fit())
    _Refit(view.viewport(), fit)


def shrinkable_combo(box: QComboBox, chars: int = 22) -> QComboBox:
    """A choice list with long entries that may get narrower than its longest entry (it
    elides; the open list and the tooltip show the whole text) and takes the room a form
    gives it: long funding or exclusion names must not make a screen wider than a 125 %
    laptop (issue 18)."""
    box.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
    box.setMinimumContentsLength(chars)
    box.setSizePolicy(QSizePolicy.Policy.Expanding, box.sizePolicy().verticalPolicy())
    box.setToolTip(box.currentText())
    box.currentTextChanged.connect(box.setToolTip)
    return box
