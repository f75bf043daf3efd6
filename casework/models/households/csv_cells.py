"""Turning the text of one cell into a value: dates, yes/no, gender, role, contact type.

Each converter raises `BadCell` with the German label of the column and the reason, never
the value itself (the list of bad rows may end up on a screen share). `Cells` holds the
converters of one import: a list of 100,000 rows repeats a few hundred dates, a handful of
roles and contact types and a few thousand names, so each distinct text is converted (and
refused) once per import instead of once per row.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Hashable
from datetime import date, datetime, time
from functools import partial
from typing import TypeVar

from casework.clock import BERLIN
from casework.models.contacts import ContactDraft, ContactType, NoteEntry, NoteKind
from casework.models.households.person import BirthInfo, Gender, HouseholdRole
from casework.models.text import fold

_DATE = re.compile(r"^(\d{1,2})\.(\d{1,2})\.(\d{4})(?:\s+(\d{1,2}):(\d{2})(?::\d{2})?)?$")
_ISO = re.compile(r"^(\d{4})-(\d{2})-(\d{2})$")
_YEAR = re.compile(r"^\d{4}$")
_PLZ = re.compile(r"^\d{5}$")
_YES = {"ja", "j", "x", "1", "wahr", "true", "yes", "y"}
_NO = {"nein", "n", "0", "falsch", "false", "no", ""}
_GENDERS = {"w": Gender.WEIBLICH, "weiblich": Gender.WEIBLICH, "f": Gender.WEIBLICH,
            "m": Gender.MAENNLICH, "mannlich": Gender.MAENNLICH, "d": Gender.DIVERS,
            "divers": Gender.DIVERS, "": Gender.KEINE_ANGABE,
            "keine angabe": Gender.KEINE_ANGABE, "k a": Gender.KEINE_ANGABE}


class BadCell(Exception):
    def __init__(self, label: str, reason: str) -> None:
        super().__init__(label)
        self.label = label
        self.reason = reason


def fold_cell(text: str) -> str:
    """Folded, stripped cell text (what names, keys and choices are compared by)."""
    return fold(text).strip()


def parse_date(text: str, label: str) -> tuple[date, time | None]:
    """German `TT.MM.JJJJ` (optionally with `HH:MM`, as Excel exports), or ISO."""
    match = _DATE.match(text)
    try:
        if match:
            day = date(int(match.group(3)), int(match.group(2)), int(match.group(1)))
            clock = None
            if match.group(4) is not None:
                clock = time(int(match.group(4)), int(match.group(5)))
            return day, clock
        iso = _ISO.match(text)
        if iso:
            return date(int(iso.group(1)), int(iso.group(2)), int(iso.group(3))), None
    except ValueError:
        raise BadCell(label, "kein gültiges Datum.") from None
    raise BadCell(label, "kein Datum im Format TT.MM.JJJJ.")


def birth(text: str) -> BirthInfo:
    """A birth date or only a year (validated against today with the person)."""
    if not text:
        return BirthInfo()
    if _YEAR.match(text):
        return BirthInfo(birth_year=int(text))
    return BirthInfo(birth_date=parse_date(text, "Geburtsdatum")[0])


def yes_no(text: str, label: str) -> bool:
    value = fold_cell(text)
    if value in _YES:
        return True
    if value in _NO:
        return False
    raise BadCell(label, "bitte „ja“ oder „nein“.")


def gender(text: str) -> Gender:
    value = fold_cell(text).rstrip(".")
    if value in _GENDERS:
        return _GENDERS[value]
    raise BadCell("Geschlecht", "bitte w, m, d oder leer.")


def role(text: str) -> HouseholdRole:
    value = fold_cell(text)
    if value in ("kind", "k", "tochter", "sohn", "kinder"):
        return HouseholdRole.KIND
    if value in ("elternteil", "e", "mutter", "vater", "eltern", "erziehungsberechtigt"):
        return HouseholdRole.ELTERNTEIL
    if value in ("", "sonstige", "sonstiges", "s", "andere"):
        return HouseholdRole.SONSTIGE
    raise BadCell("Rolle im Haushalt", "bitte Kind, Elternteil oder sonstige.")


def contact_type(text: str) -> ContactType:
    value = fold_cell(text)
    if not value:
        return ContactType.SONSTIGES
    for kind, folded in _CONTACT_TYPES:
        if folded.startswith(value) or value.startswith(folded):
            return kind
    raise BadCell("Kontaktart", "unbekannte Kontaktart.")


_CONTACT_TYPES = tuple((kind, fold_cell(kind.value)) for kind in ContactType)


def plz(text: str) -> str:
    if text and not _PLZ.match(text):
        raise BadCell("PLZ", "muss aus genau 5 Ziffern bestehen.")
    return text


ContactKey = tuple[str, str, str]  # what makes two rows' contacts the same contact


def contact(cells: tuple[str, str, str], now: datetime,
            contact_type: Callable[[str], ContactType] = contact_type,
            ) -> tuple[ContactDraft, ContactKey] | None:
    """The contact of a row from its date, type and note cells, validated; None when the
    row has none."""
    raw, kind, note = cells
    if not raw:
        if note or kind:
            raise BadCell("Kontaktdatum", "fehlt (Kontaktart oder Notiz ohne Datum).")
        return None
    day, clock = parse_date(raw, "Kontaktdatum")
    occurred = datetime.combine(day, clock or time(12, 0), BERLIN)
    notes = (NoteEntry(NoteKind.BEOBACHTUNG, note),) if note else ()
    draft = ContactDraft(occurred_at=occurred, type=contact_type(kind),
                         notes=notes).validated(now)
    text = draft.notes[0].text if draft.notes else ""
    return draft, (draft.occurred_at.isoformat(), draft.type.value, text)


class Contacts:
    """`contact` for the rows of one import, each distinct text converted once: a
    contact's date and type (a few hundred pairs in a list) as a validated contact
    without notes, its note (mostly a new text on every row) as a validated note entry,
    put together without validating the pair again. The same drafts, keys and refusals
    as `contact` (`tests/models/households/test_csv_import.py`)."""

    def __init__(self, now: datetime) -> None:
        self._now = now
        contact_types = Once(contact_type)
        self._bare: Once[tuple[str, str], tuple[ContactDraft, ContactKey] | None] = Once(
            lambda pair: contact((*pair, ""), now, contact_types.__getitem__))
        self._notes: Once[str, NoteEntry] = Once(_note)

    def __getitem__(self, cells: tuple[str, str, str]) -> tuple[ContactDraft, ContactKey] | None:
        raw, kind, note = cells
        if not raw:
            return contact(cells, self._now)  # none, or refused
        bare = self._bare[raw, kind]
        if not note:
            return bare
        assert bare is not None  # a date gives a contact (or is refused)
        draft, (occurred, type_value, _) = bare
        entry = self._notes[note]
        # ContactDraft.validated of the pair: its checks do not read the notes, and the
        # note entry is validated on its own (validated values come back unchanged)
        return (ContactDraft(occurred_at=draft.occurred_at, type=draft.type, notes=(entry,)),
                (occurred, type_value, entry.text))


def _note(text: str) -> NoteEntry:
    return NoteEntry(NoteKind.BEOBACHTUNG, text).validated()


K = TypeVar("K", bound=Hashable)
T = TypeVar("T")


class Once(dict[K, T]):
    """`convert` with its results remembered, for one import: `once[text]` is a plain
    dict lookup for every text seen before. A refusal is not remembered: it raises again
    (bad rows are few, and the message is the same)."""

    def __init__(self, convert: Callable[[K], T]) -> None:
        super().__init__()
        self._convert = convert

    def __missing__(self, key: K) -> T:
        value = self._convert(key)
        self[key] = value
        return value


class Cells:
    """The converters of one import (see the module text)."""

    def __init__(self, now: datetime, births: Once[str, BirthInfo] | None = None) -> None:
        self.fold = Once(fold_cell)
        self.plz = Once(plz)
        self.interpreter = Once(partial(yes_no, label="Dolmetscher nötig"))
        self.custody = Once(partial(yes_no, label="Sorgeberechtigt"))
        self.birth = Once(birth) if births is None else births
        self.gender = Once(gender)
        self.role = Once(role)
        # whole rows' contact cells remembered too: a list that repeats its contacts
        # (one per person of a household) looks each up once
        self.contact = Once(Contacts(now).__getitem__)
