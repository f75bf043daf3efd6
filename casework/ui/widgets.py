"""Small shared widget helpers: forms with inline validation, German dates, placeholders."""

from __future__ import annotations

import re
from datetime import date, datetime, time
from typing import TypeVar

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QDialog,
    QFormLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
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
        edit.setPlaceholderText(placeholder)
    return edit


def compact_rows(view: QTableView) -> None:
    """Fixed, text-height rows: calmer tables, and the view never measures every row."""
    header = view.verticalHeader()
    header.setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
    header.setDefaultSectionSize(view.fontMetrics().height() + 8)
    header.hide()


def heading(text: str, parent: QWidget | None = None, scale: float = 1.3) -> QLabel:
    label = QLabel(text, parent)
    font = label.font()
    font.setPointSizeF(font.pointSizeF() * scale)
    font.setBold(True)
    label.setFont(font)
    return label
