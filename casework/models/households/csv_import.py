"""Import of existing lists (CSV exported from Excel): per-row validation and the import
plan. Pure: no I/O, no database. Reading the file is `csv_file`, the column mapping
`csv_columns`, the conversion of single cells `csv_cells`.

One row is one person (or only a household when no person columns are filled); rows are
grouped into households by a "Haushalt-Nr." column, or else by family name, street and PLZ.
Every bad row is listed with its line number and a German reason, never with the value
itself (the list may end up in a log or on a screen share). Duplicates — the same folded
first and last name with the same date of birth, within the file or already in the vault —
are flagged, never merged silently.
"""

from __future__ import annotations

import operator
import re
from collections.abc import Callable, Container, Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum

from casework.clock import BERLIN
from casework.errors import ValidationError
from casework.models.contacts import ContactDraft
from casework.models.households.csv_cells import BadCell, Cells, ContactKey, Once, birth, fold_cell
from casework.models.households.csv_columns import (
    FIELD_BY_KEY,
    HOUSEHOLD_FIELDS,
    check_mapping,
)
from casework.models.households.csv_file import FILE_FIELD, CsvTable
from casework.models.households.household import HouseholdDraft, TargetGroup
from casework.models.households.person import BirthInfo, PersonDraft

Identity = tuple[str, str, str]  # folded first name, folded last name, ISO birth date
PROGRESS_ROWS = 5_000  # rows between two progress reports


class DuplicatePolicy(StrEnum):
    REFUSE = "ablehnen"  # nothing is imported while duplicates are flagged
    SKIP = "überspringen"  # duplicate person rows are left out
    IMPORT = "trotzdem anlegen"  # imported as separate persons (never merged)


@dataclass(frozen=True, slots=True)
class RowProblem:
    line: int
    field: str
    reason: str

    def text(self) -> str:
        return f"Zeile {self.line}: {self.field}: {self.reason}"


@dataclass(frozen=True, slots=True)
class Duplicate:
    line: int
    other_line: int | None  # None: already in the vault

    def text(self) -> str:
        if self.other_line is None:
            return (f"Zeile {self.line}: eine Person mit gleichem Namen und Geburtsdatum ist "
                    "bereits in der Akte.")
        return (f"Zeile {self.line}: gleiche Person wie in Zeile {self.other_line} (Name und "
                "Geburtsdatum).")


@dataclass(frozen=True, slots=True)
class PlannedPerson:
    line: int
    draft: PersonDraft


@dataclass(frozen=True, slots=True)
class PlannedContact:
    line: int
    draft: ContactDraft


@dataclass(frozen=True, slots=True)
class PlannedHousehold:
    first_line: int
    draft: HouseholdDraft
    persons: tuple[PlannedPerson, ...]
    contacts: tuple[PlannedContact, ...]


@dataclass(frozen=True, slots=True)
class ImportPlan:
    households: tuple[PlannedHousehold, ...]
    problems: tuple[RowProblem, ...]
    duplicates: tuple[Duplicate, ...]
    rows: int

    @property
    def ok(self) -> bool:
        return not self.problems

    @property
    def person_count(self) -> int:
        return sum(len(h.persons) for h in self.households)

    @property
    def contact_count(self) -> int:
        return sum(len(h.contacts) for h in self.households)

    def without_duplicates(self) -> ImportPlan:
        """The plan with flagged person rows left out (and households left empty by that)."""
        lines = {d.line for d in self.duplicates}
        kept: list[PlannedHousehold] = []
        for h in self.households:
            persons = tuple(p for p in h.persons if p.line not in lines)
            if h.persons and not persons:
                continue
            kept.append(PlannedHousehold(h.first_line, h.draft, persons, h.contacts))
        return ImportPlan(tuple(kept), self.problems, (), self.rows)


def identity_key(first_name: str, last_name: str, birth_date: date) -> Identity:
    return fold_cell(first_name), fold_cell(last_name), birth_date.isoformat()


def identities(people: Iterable[tuple[str, str, str]]) -> set[Identity]:
    """`identity_key` of many (first name, last name, ISO birth date), e.g. the vault's
    persons: each distinct name and date is folded or read once (100,000 persons have a
    few thousand names)."""
    names = Once(fold_cell)
    dates = Once(_iso_date)
    return {(names[first], names[last], dates[born]) for first, last, born in people}


def _iso_date(text: str) -> str:
    return date.fromisoformat(text).isoformat()


def birth_dates(table: CsvTable, mapping: Mapping[str, int],
                births: Once[str, BirthInfo] | None = None) -> set[str]:
    """The exact birth dates (ISO) the file's rows give: persons of the vault born on any
    other day cannot be a row's duplicate, so the vault is asked only for these.
    `births`: the birth cells converted so far, shared with `plan_import` (each distinct
    text is then read once for both)."""
    column = mapping.get("birth_date")
    if column is None:
        return set()
    births = Once(birth) if births is None else births

    def exact(text: str) -> str:
        try:
            born = births[text].birth_date
        except BadCell:
            return ""
        return born.isoformat() if born is not None else ""

    dates = Once(exact)
    return {dates[row.cells[column]] for row in table.rows if column < len(row.cells)} - {""}


# The mapped fields in the order `plan_import` unpacks them.
_ORDER = ("household_key", "household_name", "first_name", "last_name", "birth_date",
          "gender", "role", "custody", "school", "street", "plz", "city", "district",
          "quarter", "languages", "interpreter", "contact_date", "contact_type",
          "contact_note")


class _Group:
    """The rows of one household so far. `cells`: the household cells (and derived name)
    of its first row; `values` stays None while every row repeats them, as most rows do."""

    __slots__ = ("cells", "contacts", "first_line", "merged", "persons", "values")

    def __init__(self, first_line: int, cells: tuple[str, ...]) -> None:
        self.first_line = first_line
        self.cells = cells
        # field → (first value given, its line), once rows differ in their household cells
        self.values: dict[str, tuple[str, int]] | None = None
        # household cells of rows merged without conflict: merging them again changes
        # nothing, so those rows skip the comparison
        self.merged: set[tuple[str, ...]] = set()
        self.persons: list[PlannedPerson] = []
        self.contacts: dict[ContactKey, PlannedContact] = {}


def plan_import(table: CsvTable, mapping: Mapping[str, int], now: datetime,
                existing: Container[Identity] = frozenset(), *,
                progress: Callable[[int, int], None] | None = None,
                births: Once[str, BirthInfo] | None = None) -> ImportPlan:
    """Validate every row and group them into households. `existing` holds the identity
    keys (`identity_key`) of persons already in the vault. `progress(done, total)` is
    called every few thousand rows (it may raise to stop the check). `births`: as for
    `birth_dates`."""
    check_mapping(mapping, table.header)
    today = now.astimezone(BERLIN).date()
    cells = Cells(now, births)
    fold = cells.fold.__getitem__
    iso_date = Once(date.isoformat).__getitem__
    problems: list[RowProblem] = []
    duplicates: list[Duplicate] = []
    seen: dict[Identity, int] = {}
    groups: dict[str, _Group] = {}
    width = len(table.header)
    # Columns chosen once per file: one C call picks a row's 19 fields; a field without
    # a column (and a short row's missing cells) reads the empty padding.
    pad = ("",) * (width + 1)
    pick = operator.itemgetter(*(mapping.get(key, width) for key in _ORDER))
    total = len(table.rows)

    for done, row in enumerate(table.rows):
        if progress is not None and not done % PROGRESS_ROWS:
            progress(done, total)
        line = row.line
        if len(row.cells) > width and any(row.cells[width:]):
            problems.append(RowProblem(line, FILE_FIELD, "mehr Spalten als die Kopfzeile."))
            continue
        (household_key, household_name, first, last, birth, gender, role, custody, school,
         street, plz, city, district, quarter, languages, interpreter, contact_date,
         contact_type, contact_note) = pick(row.cells + pad)
        try:
            cells.plz[plz]
            cells.interpreter[interpreter]
            person: PersonDraft | None = None
            if first or last:
                # positional: a third faster than by keyword (first_name, last_name,
                # birth, gender, role, custody, school)
                person = PersonDraft(first, last or household_name, cells.birth[birth],
                                     cells.gender[gender], cells.role[role],
                                     cells.custody[custody], school).validated(today)
            elif birth:
                raise BadCell("Name", "Geburtsdatum ohne Vor- oder Nachname.")
            contact = cells.contact[contact_date, contact_type, contact_note]
        except BadCell as bad:
            problems.append(RowProblem(line, bad.label, bad.reason))
            continue
        except ValidationError as error:
            problems.append(RowProblem(line, error.field, error.reason))
            continue
        name = household_name or last
        if household_key:
            group_key = "key:" + fold(household_key)
        elif name:
            group_key = "name:" + "|".join((fold(name), fold(street), fold(plz)))
        else:
            problems.append(RowProblem(line, "Familienname", "fehlt (weder Familienname "
                                       "noch Nachname angegeben)."))
            continue
        household = (household_name, street, plz, city, district, quarter, languages,
                     interpreter, "" if household_name else name)
        group = groups.get(group_key)
        if group is None:
            group = groups[group_key] = _Group(line, household)
        elif household != group.cells and household not in group.merged:
            conflict = _merge_household_values(group, household, line, fold)
            if conflict is not None:
                problems.append(conflict)
                continue
        if person is not None:
            group.persons.append(PlannedPerson(line, person))
            birth_date = person.birth.birth_date
            if birth_date is not None:
                identity = (fold(person.first_name), fold(person.last_name),
                            iso_date(birth_date))
                if identity in seen:
                    duplicates.append(Duplicate(line, seen[identity]))
                else:
                    seen[identity] = line
                    if identity in existing:
                        duplicates.append(Duplicate(line, None))
        if contact is not None:
            draft, key = contact
            if key not in group.contacts:
                group.contacts[key] = PlannedContact(line, draft)

    households: list[PlannedHousehold] = []
    for group in groups.values():
        try:
            household_draft = _household(group, cells.interpreter.__getitem__)
        except ValidationError as error:
            problems.append(RowProblem(group.first_line, error.field, error.reason))
            continue
        households.append(PlannedHousehold(group.first_line, household_draft,
                                           tuple(group.persons), tuple(group.contacts.values())))
    problems.sort(key=lambda p: p.line)
    if progress is not None:
        progress(total, total)
    return ImportPlan(tuple(households), tuple(problems), tuple(duplicates), total)


def _candidate(household: tuple[str, ...]) -> dict[str, str]:
    """The household fields a row fills (its derived name last)."""
    candidate = {key: value for key, value in zip(HOUSEHOLD_FIELDS, household, strict=False)
                 if value}
    if household[-1]:
        candidate["derived_name"] = household[-1]
    return candidate


def _merge_household_values(group: _Group, household: tuple[str, ...], line: int,
                            fold: Callable[[str], str]) -> RowProblem | None:
    """The row's household cells must agree with what earlier rows of the household gave
    (folded: "Gärtnerstraße" and "Gaertnerstrasse" agree); new ones are added."""
    if group.values is None:
        group.values = {key: (value, group.first_line)
                        for key, value in _candidate(group.cells).items()}
    candidate = _candidate(household)
    for key, value in candidate.items():
        known = group.values.get(key)
        if known is None:
            continue
        if key != "derived_name" and known[0] != value and fold(known[0]) != fold(value):
            label = FIELD_BY_KEY[key].label
            return RowProblem(line, label, f"weicht von Zeile {known[1]} desselben Haushalts ab.")
    for key, value in candidate.items():
        group.values.setdefault(key, (value, line))
    group.merged.add(household)
    return None


_LANGUAGES = re.compile(r"[,;/]")
_NO_TARGET_GROUPS: frozenset[TargetGroup] = frozenset()  # one for all, not one per household


def _household(group: _Group, interpreter_needed: Callable[[str], bool]) -> HouseholdDraft:
    if group.values is None:
        # every row repeated the first row's cells (most households): the fields
        # straight from them, as the merged values below would give them
        (household_name, street, plz, city, district, quarter, language_cell, interpreter_cell,
         derived_name) = group.cells
        name = household_name or derived_name
    else:
        values = {k: v for k, (v, _) in group.values.items()}
        name = values.get("household_name") or values.get("derived_name", "")
        street, plz, city = values.get("street", ""), values.get("plz", ""), values.get("city", "")
        district, quarter = values.get("district", ""), values.get("quarter", "")
        language_cell = values.get("languages", "")
        interpreter_cell = values.get("interpreter", "")
    languages: tuple[str, ...] = ()
    if language_cell:
        languages = tuple(p.strip() for p in _LANGUAGES.split(language_cell) if p.strip())
    try:
        interpreter = interpreter_needed(interpreter_cell)
    except BadCell as bad:
        raise ValidationError(bad.label, bad.reason) from None
    return HouseholdDraft(name=name, street=street, plz=plz, city=city, district=district,
                          quarter=quarter, languages=languages, interpreter_needed=interpreter,
                          target_groups=_NO_TARGET_GROUPS).validated()
