"""The fields an imported list can fill and which column of the file fills each: known
German header names by default, or a mapping file ("Feld": "Spalte")."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from casework.errors import ValidationError
from casework.models import safe_json
from casework.models.text import fold

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
HOUSEHOLD_FIELDS = ("household_name", "street", "plz", "city", "district", "quarter",
                    "languages", "interpreter")


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
