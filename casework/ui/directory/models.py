"""Table models, district search and texts of the Verzeichnis screen.

The directory lists are a few dozen rows held in memory, so `RowsModel` filters in Python
(no proxy over a partly fetched model). The search and text helpers are plain functions
so they are easy to test.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from typing import Any, Generic, TypeVar

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtWidgets import QWidget

from casework.models.directory.profile import (
    AsdDistrict,
    EmergencyContact,
    Partner,
    Profile,
    SpecialFunction,
    check_status,
    close_matches,
    districts_for_plz,
    resolve_district,
    stadtteil_key,
)
from casework.models.text import fold
from casework.ui.directory.dialogs import format_slots

T = TypeVar("T")
AnyIndex = QModelIndex | QPersistentModelIndex

_PLZ = re.compile(r"^\d{5}$")


# --- table models ------------------------------------------------------------------------------


Column = tuple[str, Callable[[Any], str]]


class RowsModel(QAbstractTableModel, Generic[T]):
    """A small in-memory list shown as a table; `set_filter` hides rows, keeping the
    position of each item in the profile (`source_index`) for editing."""

    def __init__(self, columns: Sequence[Column], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._columns = list(columns)
        self._items: list[T] = []
        self._visible: list[int] = []
        self._keep: Callable[[T], bool] | None = None

    def set_items(self, items: Sequence[T]) -> None:
        self.beginResetModel()
        self._items = list(items)
        self._apply_filter()
        self.endResetModel()

    def set_filter(self, keep: Callable[[T], bool] | None) -> None:
        self.beginResetModel()
        self._keep = keep
        self._apply_filter()
        self.endResetModel()

    def _apply_filter(self) -> None:
        keep = self._keep
        self._visible = [i for i, item in enumerate(self._items) if keep is None or keep(item)]

    def item(self, row: int) -> T:
        return self._items[self._visible[row]]

    def source_index(self, row: int) -> int:
        return self._visible[row]

    def visible_items(self) -> list[T]:
        return [self._items[i] for i in self._visible]

    def rowCount(self, parent: AnyIndex = QModelIndex()) -> int:  # noqa: B008 (Qt default argument)
        return 0 if parent.isValid() else len(self._visible)

    def columnCount(self, parent: AnyIndex = QModelIndex()) -> int:  # noqa: B008 (Qt default argument)
        return 0 if parent.isValid() else len(self._columns)

    def data(self, index: AnyIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self._visible):
            return None
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ToolTipRole):
            return self._columns[index.column()][1](self.item(index.row()))
        return None

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if role != Qt.ItemDataRole.DisplayRole:
            return None
        if orientation == Qt.Orientation.Horizontal and 0 <= section < len(self._columns):
            return self._columns[section][0]
        if orientation == Qt.Orientation.Vertical:
            return str(section + 1)
        return None


def district_model(parent: QWidget | None = None) -> RowsModel[AsdDistrict]:
    return RowsModel(
        [
            ("Bezirk", lambda d: str(d.number)),
            ("Stadtteile", lambda d: ", ".join(d.stadtteile)),
            ("PLZ", lambda d: ", ".join(d.plz) or "(keine angegeben)"),
            ("Kontakt", lambda d: d.contact_role),
            ("Telefon", lambda d: d.phone),
            ("Rufnummer", lambda d: check_status(d.source)),
            ("E-Mail", lambda d: d.email),
        ],
        parent,
    )


def special_function_model(parent: QWidget | None = None) -> RowsModel[SpecialFunction]:
    return RowsModel(
        [
            ("Funktion", lambda f: f.name),
            ("Kontakt", lambda f: f.contact_role),
            ("Telefon", lambda f: f.phone),
            ("E-Mail", lambda f: f.email),
        ],
        parent,
    )


def partner_model(parent: QWidget | None = None,
                  state: Callable[[Partner], str] | None = None) -> RowsModel[Partner]:
    """`state`: the „Wer hat offen?“ answer per partner (a first column while asked)."""
    return RowsModel(
        [
            *([("Geöffnet?", state)] if state is not None else []),
            ("Name", lambda p: p.name),
            ("Art", lambda p: p.kind),
            ("Adresse", lambda p: p.address),
            ("Kontakt", lambda p: p.contact_role),
            ("Telefon", lambda p: p.phone),
            ("E-Mail", lambda p: p.email),
            ("Angebote", lambda p: ", ".join(p.offers)),
            ("Öffnungszeiten", lambda p: format_slots(p.opening_hours)),
            ("Hinweise", lambda p: p.notes),
        ],
        parent,
    )


def emergency_model(parent: QWidget | None = None) -> RowsModel[EmergencyContact]:
    return RowsModel(
        [
            ("Name", lambda e: e.name),
            ("Telefon", lambda e: e.phone),
            ("Notruf/Notfall", lambda e: e.emergency_number),
            ("Rufnummer", lambda e: check_status(e.source)),
            ("Erreichbarkeit", lambda e: e.hours),
            ("Adresse", lambda e: e.address),
            ("Wofür", lambda e: e.purpose),
        ],
        parent,
    )


def partner_matches(partner: Partner, query: str) -> bool:
    """Umlaut-insensitive match on name, kind, offers, contact, address."""
    text = fold(
        " ".join(
            (
                partner.name,
                partner.kind,
                partner.contact_role,
                partner.address,
                partner.notes,
                *partner.offers,
            )
        )
    )
    return all(word in text for word in fold(query).split())


# --- district search -------------------------------------------------------------------------


def search_districts(profile: Profile, query: str) -> tuple[tuple[AsdDistrict, ...], str]:
    """Districts for a Stadtteil or PLZ typed by a person, and a German explanation.

    A PLZ lists every district that has it (many-to-many). A Stadtteil in any spelling
    gives its district; a part of a name all districts with such a Stadtteil; a typo the
    districts of the close matches ("Meinten Sie …?").
    """
    text = query.strip()
    if not text:
        return profile.asd.districts, ""
    if _PLZ.match(text):
        found = districts_for_plz(profile, text)
        if not found:
            return (), f"Für die PLZ {text} ist kein ASD-Bezirk hinterlegt."
        if len(found) == 1:
            return found, f"PLZ {text}: Bezirk {found[0].number}."
        numbers = ", ".join(str(d.number) for d in found)
        return found, (
            f"PLZ {text} gehört zu {len(found)} ASD-Bezirken ({numbers}); zuständig ist der "
            "Bezirk des Stadtteils."
        )
    if text.isdigit():
        found = tuple(d for d in profile.asd.districts if any(p.startswith(text) for p in d.plz))
        return found, f"PLZ beginnt mit {text}: {len(found)} Bezirk(e)."
    found = resolve_district(profile, text)
    if len(found) == 1:
        names = ", ".join(found[0].stadtteile)
        return found, f"„{text}“ → Bezirk {found[0].number} ({names})."
    if found:
        numbers = ", ".join(str(d.number) for d in found)
        return found, f"„{text}“ ist nicht eindeutig: Bezirke {numbers}."
    key = stadtteil_key(text)
    found = tuple(
        d for d in profile.asd.districts if any(key in stadtteil_key(n) for n in d.stadtteile)
    )
    if found:
        return found, f"Stadtteile, die „{text}“ enthalten: {len(found)} Bezirk(e)."
    matches = close_matches(profile, text)
    if not matches:
        return (), f"Kein Stadtteil „{text}“ im Verzeichnis."
    numbers_seen: set[int] = set()
    candidates: list[AsdDistrict] = []
    for name in matches:
        for district in resolve_district(profile, name):
            if district.number not in numbers_seen:
                numbers_seen.add(district.number)
                candidates.append(district)
    return tuple(candidates), f"Kein Stadtteil „{text}“. Meinten Sie: {', '.join(matches)}?"
