"""Import of existing lists (CSV exported from Excel): decoding, parsing, column mapping,
per-row validation and the import plan. Pure: no I/O, no database.

One row is one person (or only a household when no person columns are filled); rows are
grouped into households by a "Haushalt-Nr." column, or else by family name, street and PLZ.
Every bad row is listed with its line number and a German reason, never with the value
itself (the list may end up in a log or on a screen share). Duplicates — the same folded
first and last name with the same date of birth, within the file or already in the vault —
are flagged, never merged silently.
"""

from __future__ import annotations

import csv
import functools
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time
from enum import StrEnum

from casework.clock import BERLIN
from casework.errors import ValidationError
from casework.models import safe_json
from casework.models.contacts import ContactDraft, ContactType, NoteEntry, NoteKind
from casework.models.households.household import HouseholdDraft
from casework.models.households.person import BirthInfo, Gender, HouseholdRole, PersonDraft
from casework.models.text import fold

MAX_BYTES = 50 * 1024 * 1024
MAX_ROWS = 200_000
MAX_FIELD_CHARS = 10_000
FILE_FIELD = "Datei"
MAPPING_FIELD = "Zuordnung"


@dataclass(frozen=True, slots=True)
class FieldSpec:
    key: str
    label: str  # German, shown in the mapping dialog and in messages
    synonyms: tuple[str, ...]  # folded header names that map here by default


FIELDS: tuple[FieldSpec, ...] = (
    FieldSpec("household_key", "Haushalt-Nr.",
              ("haushalt nr", "haushaltsnr", "haushalt", "haushalts id", "familien nr",
               "familiennr", "fall nr", "fallnr", "aktenzeichen", "akte")),
    FieldSpec("household_name", "Familienname (Haushalt)",
              ("familienname", "familie", "haushaltsname", "name der familie")),
    FieldSpec("first_name", "Vorname", ("vorname", "vornamen", "rufname")),
    FieldSpec("last_name", "Nachname", ("nachname", "name", "zuname")),
    FieldSpec("birth_date", "Geburtsdatum",
              ("geburtsdatum", "geb datum", "geb", "geboren", "geburtstag", "geboren am")),
    FieldSpec("gender", "Geschlecht", ("geschlecht", "sex")),
    FieldSpec("role", "Rolle im Haushalt", ("rolle", "rolle im haushalt", "funktion",
                                            "stellung")),
    FieldSpec("custody", "Sorgeberechtigt", ("sorgeberechtigt", "personensorge",
                                             "personensorgeberechtigt", "sorgerecht")),
    FieldSpec("school", "Schule/Kita", ("schule", "kita", "schule kita", "einrichtung")),
    FieldSpec("street", "Straße", ("strase", "str", "adresse", "anschrift",
                                   "strase und hausnummer", "strase nr")),
    FieldSpec("plz", "PLZ", ("plz", "postleitzahl")),
    FieldSpec("city", "Ort", ("ort", "wohnort", "stadt")),
    FieldSpec("district", "Stadtteil", ("stadtteil", "bezirk", "ortsteil")),
    FieldSpec("quarter", "Quartier", ("quartier", "sozialraum")),
    FieldSpec("languages", "Sprachen", ("sprachen", "sprache", "familiensprache")),
    FieldSpec("interpreter", "Dolmetscher nötig", ("dolmetscher", "dolmetscher notig",
                                                   "sprachmittlung")),
    FieldSpec("contact_date", "Kontaktdatum", ("kontaktdatum", "kontakt am", "letzter kontakt",
                                               "datum kontakt", "besuch am")),
    FieldSpec("contact_type", "Kontaktart", ("kontaktart", "art des kontakts", "kontakt art")),
    FieldSpec("contact_note", "Kontaktnotiz", ("kontaktnotiz", "notiz", "bemerkung",
                                               "vermerk")),
)
FIELD_BY_KEY = {f.key: f for f in FIELDS}
PERSON_FIELDS = ("first_name", "last_name", "birth_date", "gender", "role", "custody",
                 "school")
HOUSEHOLD_FIELDS = ("household_name", "street", "plz", "city", "district", "quarter",
                    "languages", "interpreter")


# --------------------------------------------------------------------------- reading


@dataclass(frozen=True, slots=True)
class CsvRow:
    line: int  # 1-based line in the file where the row starts
    cells: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class CsvTable:
    header: tuple[str, ...]
    rows: tuple[CsvRow, ...]
    encoding: str  # "UTF-8" or "Windows-1252"
    delimiter: str


def decode(data: bytes) -> tuple[str, str]:
    """Text and the German name of its encoding: UTF-8 (with or without BOM), else
    Windows-1252 (what Excel writes as "CSV (Trennzeichen-getrennt)")."""
    if len(data) > MAX_BYTES:
        raise ValidationError(FILE_FIELD, "ist zu groß (höchstens 50 MB).")
    if b"\x00" in data:
        raise ValidationError(FILE_FIELD, "ist keine Textdatei (CSV).")
    try:
        return data.decode("utf-8-sig"), "UTF-8"
    except UnicodeDecodeError:
        pass
    _refuse_mixed_encodings(data)
    try:
        return data.decode("cp1252"), "Windows-1252"
    except UnicodeDecodeError:
        raise ValidationError(FILE_FIELD, "Zeichenkodierung nicht erkannt (erwartet UTF-8 "
                              "oder Windows-1252).") from None


def _refuse_mixed_encodings(data: bytes) -> None:
    """A file that is not UTF-8 as a whole but has lines that are (with umlauts encoded as
    UTF-8) mixes two encodings, e.g. rows pasted from two sources: decoding it as
    Windows-1252 would silently turn "Müller" into "MÃ¼ller". Refuse and name the lines."""
    utf8_line = cp1252_line = 0
    for number, line in enumerate(data.splitlines(), 1):
        if line.isascii():
            continue
        try:
            line.decode("utf-8")
        except UnicodeDecodeError:
            cp1252_line = cp1252_line or number
        else:
            utf8_line = utf8_line or number
        if utf8_line and cp1252_line:
            raise ValidationError(
                FILE_FIELD, f"mischt zwei Zeichenkodierungen (Zeile {utf8_line} UTF-8, Zeile "
                f"{cp1252_line} Windows-1252). Bitte die Datei einheitlich speichern, z. B. in "
                "Excel als „CSV UTF-8“.")


def sniff_delimiter(text: str) -> str:
    """`;` (German Excel) or `,` or a tab, by counting outside quotes in the first line."""
    first = text.lstrip("\r\n").split("\n", 1)[0]
    counts = {";": 0, ",": 0, "\t": 0}
    quoted = False
    for ch in first:
        if ch == '"':
            quoted = not quoted
        elif not quoted and ch in counts:
            counts[ch] += 1
    best = max(counts, key=lambda d: (counts[d], d == ";"))
    return best if counts[best] else ";"


_LINE = re.compile(r"[^\r\n]*(?:\r\n|\r|\n|$)")


def _lines(text: str) -> list[str]:
    """Lines with their endings (\\r\\n, \\n or \\r), as a file opened with newline=""."""
    return [m.group(0) for m in _LINE.finditer(text) if m.group(0)]


def read_table(data: bytes) -> CsvTable:
    text, encoding = decode(data)
    if not text.strip():
        raise ValidationError(FILE_FIELD, "ist leer.")
    delimiter = sniff_delimiter(text)
    reader = csv.reader(_lines(text), delimiter=delimiter, strict=True)
    rows: list[CsvRow] = []
    header: tuple[str, ...] | None = None
    start = 1
    try:
        for record in reader:
            line = start
            start = reader.line_num + 1
            cells = tuple(map(str.strip, record))
            if cells and max(map(len, cells)) > MAX_FIELD_CHARS:
                raise ValidationError(FILE_FIELD, f"Zeile {line}: ein Feld ist zu lang.")
            if not any(cells):
                continue
            if header is None:
                header = cells
                continue
            rows.append(CsvRow(line, cells))
            if len(rows) > MAX_ROWS:
                raise ValidationError(FILE_FIELD, f"hat zu viele Zeilen (höchstens {MAX_ROWS}).")
    except csv.Error:
        raise ValidationError(FILE_FIELD, f"Zeile {reader.line_num}: fehlerhaftes CSV "
                              "(Anführungszeichen oder Trennzeichen).") from None
    if header is None:
        raise ValidationError(FILE_FIELD, "ist leer.")
    return CsvTable(header, tuple(rows), encoding, delimiter)


# --------------------------------------------------------------------------- mapping


def _norm_header(name: str) -> str:
    return " ".join(re.findall(r"[0-9a-z]+", fold(name)))


def default_mapping(header: Sequence[str]) -> dict[str, int]:
    """Field key → column index, by known header names (umlaut- and case-insensitive)."""
    normalised = [_norm_header(h) for h in header]
    mapping: dict[str, int] = {}
    used: set[int] = set()
    for spec in FIELDS:
        for synonym in spec.synonyms:
            for index, name in enumerate(normalised):
                if index not in used and name == synonym:
                    mapping[spec.key] = index
                    used.add(index)
                    break
            if spec.key in mapping:
                break
    return mapping


def mapping_from_json(text: str, header: Sequence[str]) -> dict[str, int]:
    """A mapping file: a JSON object "field" → "column header", where field is a key
    (`first_name`) or its German label ("Vorname")."""
    try:
        body = safe_json.loads(text, max_bytes=1024 * 1024)
    except safe_json.UnsafeJson:
        raise ValidationError("Zuordnungsdatei", "ist kein gültiges JSON.") from None
    if not isinstance(body, dict):
        raise ValidationError("Zuordnungsdatei", "muss ein Objekt „Feld: Spalte“ sein.")
    by_label = {_norm_header(f.label): f.key for f in FIELDS}
    columns = {name: index for index, name in reversed(list(enumerate(header)))}
    mapping: dict[str, int] = {}
    for raw_field, column in body.items():
        key = raw_field if raw_field in FIELD_BY_KEY else by_label.get(_norm_header(raw_field))
        if key is None:
            raise ValidationError("Zuordnungsdatei", f"unbekanntes Feld „{raw_field}“.")
        if column in (None, ""):
            continue
        if not isinstance(column, str) or column not in columns:
            raise ValidationError("Zuordnungsdatei", f"Spalte für „{FIELD_BY_KEY[key].label}“ "
                                  "gibt es in der Datei nicht.")
        mapping[key] = columns[column]
    return mapping


def check_mapping(mapping: Mapping[str, int], header: Sequence[str]) -> None:
    for key, index in mapping.items():
        if key not in FIELD_BY_KEY:
            raise ValidationError(MAPPING_FIELD, f"unbekanntes Feld „{key}“.")
        if not 0 <= index < len(header):
            raise ValidationError(MAPPING_FIELD, f"Spalte für „{FIELD_BY_KEY[key].label}“ "
                                  "gibt es nicht.")
    if len(set(mapping.values())) != len(mapping):
        raise ValidationError(MAPPING_FIELD, "eine Spalte ist mehreren Feldern zugeordnet.")
    if "last_name" not in mapping and "household_name" not in mapping:
        raise ValidationError(MAPPING_FIELD, "„Nachname“ oder „Familienname (Haushalt)“ muss "
                              "einer Spalte zugeordnet sein.")


# --------------------------------------------------------------------------- values

_DATE = re.compile(r"^(\d{1,2})\.(\d{1,2})\.(\d{4})(?:\s+(\d{1,2}):(\d{2})(?::\d{2})?)?$")
_ISO = re.compile(r"^(\d{4})-(\d{2})-(\d{2})$")
_YEAR = re.compile(r"^\d{4}$")
_YES = {"ja", "j", "x", "1", "wahr", "true", "yes", "y"}
_NO = {"nein", "n", "0", "falsch", "false", "no", ""}


class _Bad(Exception):
    def __init__(self, label: str, reason: str) -> None:
        super().__init__(label)
        self.label = label
        self.reason = reason


@functools.lru_cache(maxsize=65_536)  # contact dates repeat over thousands of rows
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
        raise _Bad(label, "kein gültiges Datum.") from None
    raise _Bad(label, "kein Datum im Format TT.MM.JJJJ.")


@functools.lru_cache(maxsize=65_536)
def _cell(text: str) -> str:
    """Folded, stripped cell text. Columns like Rolle, Kontaktart or Sorgeberechtigt
    repeat a handful of values over 100,000 rows, first and family names a few thousand:
    fold each distinct value once."""
    return fold(text).strip()


def _yes_no(text: str, label: str) -> bool:
    value = _cell(text)
    if value in _YES:
        return True
    if value in _NO:
        return False
    raise _Bad(label, "bitte „ja“ oder „nein“.")


def _gender(text: str) -> Gender:
    value = _cell(text).rstrip(".")
    table = {"w": Gender.WEIBLICH, "weiblich": Gender.WEIBLICH, "f": Gender.WEIBLICH,
             "m": Gender.MAENNLICH, "mannlich": Gender.MAENNLICH, "d": Gender.DIVERS,
             "divers": Gender.DIVERS, "": Gender.KEINE_ANGABE,
             "keine angabe": Gender.KEINE_ANGABE, "k a": Gender.KEINE_ANGABE}
    if value in table:
        return table[value]
    raise _Bad("Geschlecht", "bitte w, m, d oder leer.")


def _role(text: str) -> HouseholdRole:
    value = _cell(text)
    if value in ("kind", "k", "tochter", "sohn", "kinder"):
        return HouseholdRole.KIND
    if value in ("elternteil", "e", "mutter", "vater", "eltern", "erziehungsberechtigt"):
        return HouseholdRole.ELTERNTEIL
    if value in ("", "sonstige", "sonstiges", "s", "andere"):
        return HouseholdRole.SONSTIGE
    raise _Bad("Rolle im Haushalt", "bitte Kind, Elternteil oder sonstige.")


@functools.lru_cache(maxsize=1024)
def _contact_type(text: str) -> ContactType:
    value = _cell(text)
    if not value:
        return ContactType.SONSTIGES
    for kind in ContactType:
        folded = _cell(kind.value)
        if folded.startswith(value) or value.startswith(folded):
            return kind
    raise _Bad("Kontaktart", "unbekannte Kontaktart.")


# --------------------------------------------------------------------------- plan


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


def identity_key(first_name: str, last_name: str, birth_date: date) -> tuple[str, str, str]:
    return _cell(first_name), _cell(last_name), birth_date.isoformat()


@dataclass
class _Group:
    first_line: int
    values: dict[str, tuple[str, int]] = field(default_factory=dict)
    persons: list[PlannedPerson] = field(default_factory=list)
    contacts: dict[tuple[str, str, str], PlannedContact] = field(default_factory=dict)


def plan_import(table: CsvTable, mapping: Mapping[str, int], now: datetime,
                existing: frozenset[tuple[str, str, str]] | set[tuple[str, str, str]]
                = frozenset()) -> ImportPlan:
    """Validate every row and group them into households. `existing` holds the identity
    keys (`identity_key`) of persons already in the vault."""
    check_mapping(mapping, table.header)
    today = now.astimezone(BERLIN).date()
    problems: list[RowProblem] = []
    duplicates: list[Duplicate] = []
    seen: dict[tuple[str, str, str], int] = {}
    groups: dict[str, _Group] = {}
    width = len(table.header)

    for row in table.rows:
        if len(row.cells) > width and any(row.cells[width:]):
            problems.append(RowProblem(row.line, FILE_FIELD, "mehr Spalten als die Kopfzeile."))
            continue
        cells = {key: (row.cells[i] if i < len(row.cells) else "") for key, i in mapping.items()}
        try:
            _check_household_cells(cells)
            person, identity = _person(cells, today)
            contact = _contact(cells, now)
            group_key = _group_key(cells)
        except _Bad as bad:
            problems.append(RowProblem(row.line, bad.label, bad.reason))
            continue
        except ValidationError as error:
            problems.append(RowProblem(row.line, error.field, error.reason))
            continue
        if group_key is None:
            problems.append(RowProblem(row.line, "Familienname", "fehlt (weder Familienname "
                                       "noch Nachname angegeben)."))
            continue
        group = groups.setdefault(group_key, _Group(row.line))
        conflict = _merge_household_values(group, cells, row.line)
        if conflict is not None:
            problems.append(conflict)
            continue
        if person is not None:
            group.persons.append(PlannedPerson(row.line, person))
            if identity is not None:
                if identity in seen:
                    duplicates.append(Duplicate(row.line, seen[identity]))
                else:
                    seen[identity] = row.line
                    if identity in existing:
                        duplicates.append(Duplicate(row.line, None))
        if contact is not None:
            note = contact.notes[0].text if contact.notes else ""
            group.contacts.setdefault((contact.occurred_at.isoformat(), contact.type.value, note),
                                      PlannedContact(row.line, contact))

    households: list[PlannedHousehold] = []
    for group in groups.values():
        try:
            draft = _household(group)
        except ValidationError as error:
            problems.append(RowProblem(group.first_line, error.field, error.reason))
            continue
        households.append(PlannedHousehold(group.first_line, draft, tuple(group.persons),
                                           tuple(group.contacts.values())))
    problems.sort(key=lambda p: p.line)
    return ImportPlan(tuple(households), tuple(problems), tuple(duplicates), len(table.rows))


def _person(cells: Mapping[str, str],
            today: date) -> tuple[PersonDraft | None, tuple[str, str, str] | None]:
    first = cells.get("first_name", "")
    last = cells.get("last_name", "")
    if not first and not last:
        if cells.get("birth_date"):
            raise _Bad("Name", "Geburtsdatum ohne Vor- oder Nachname.")
        return None, None
    if not last:
        last = cells.get("household_name", "")
    birth = BirthInfo()
    raw = cells.get("birth_date", "")
    if raw:
        if _YEAR.match(raw):
            birth = BirthInfo(birth_year=int(raw))
        else:
            birth = BirthInfo(birth_date=parse_date(raw, "Geburtsdatum")[0])
    draft = PersonDraft(
        first_name=first, last_name=last, birth=birth,
        gender=_gender(cells.get("gender", "")),
        role=_role(cells.get("role", "")),
        custody=_yes_no(cells.get("custody", ""), "Sorgeberechtigt"),
        school=cells.get("school", ""),
    ).validated(today)
    identity = None
    if draft.birth.birth_date is not None:
        identity = identity_key(draft.first_name, draft.last_name, draft.birth.birth_date)
    return draft, identity


_PLZ = re.compile(r"^\d{5}$")


def _check_household_cells(cells: Mapping[str, str]) -> None:
    plz = cells.get("plz", "")
    if plz and not _PLZ.match(plz):
        raise _Bad("PLZ", "muss aus genau 5 Ziffern bestehen.")
    _yes_no(cells.get("interpreter", ""), "Dolmetscher nötig")


def _contact(cells: Mapping[str, str], now: datetime) -> ContactDraft | None:
    raw = cells.get("contact_date", "")
    if not raw:
        if cells.get("contact_note") or cells.get("contact_type"):
            raise _Bad("Kontaktdatum", "fehlt (Kontaktart oder Notiz ohne Datum).")
        return None
    day, clock = parse_date(raw, "Kontaktdatum")
    occurred = datetime.combine(day, clock or time(12, 0), BERLIN)
    note = cells.get("contact_note", "")
    notes = (NoteEntry(NoteKind.BEOBACHTUNG, note),) if note else ()
    return ContactDraft(occurred_at=occurred, type=_contact_type(cells.get("contact_type", "")),
                        notes=notes).validated(now)


def _group_key(cells: Mapping[str, str]) -> str | None:
    key = cells.get("household_key", "")
    if key:
        return "key:" + _cell(key)
    name = cells.get("household_name") or cells.get("last_name", "")
    if not name:
        return None
    return "name:" + "|".join(_cell(v) for v in
                              (name, cells.get("street", ""), cells.get("plz", "")))


def _merge_household_values(group: _Group, cells: Mapping[str, str],
                            line: int) -> RowProblem | None:
    name = cells.get("household_name") or cells.get("last_name", "")
    candidate = dict((k, cells[k]) for k in HOUSEHOLD_FIELDS if cells.get(k))
    if name and "household_name" not in candidate:
        candidate["derived_name"] = name
    for key, value in candidate.items():
        known = group.values.get(key)
        if known is None:
            continue
        if key != "derived_name" and known[0] != value and _cell(known[0]) != _cell(value):
            label = FIELD_BY_KEY[key].label
            return RowProblem(line, label, f"weicht von Zeile {known[1]} desselben Haushalts ab.")
    for key, value in candidate.items():
        group.values.setdefault(key, (value, line))
    return None


def _household(group: _Group) -> HouseholdDraft:
    values = {k: v for k, (v, _) in group.values.items()}
    name = values.get("household_name") or values.get("derived_name", "")
    languages = tuple(p.strip() for p in re.split(r"[,;/]", values.get("languages", ""))
                      if p.strip())
    try:
        interpreter = _yes_no(values.get("interpreter", ""), "Dolmetscher nötig")
    except _Bad as bad:
        raise ValidationError(bad.label, bad.reason) from None
    return HouseholdDraft(name=name, street=values.get("street", ""),
                          plz=values.get("plz", ""), city=values.get("city", ""),
                          district=values.get("district", ""),
                          quarter=values.get("quarter", ""), languages=languages,
                          interpreter_needed=interpreter).validated()
