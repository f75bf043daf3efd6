"""Parsing, mapping and validating CSV lists (pure)."""

from __future__ import annotations

import csv
import io
from datetime import date, datetime

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from casework.clock import BERLIN
from casework.errors import ValidationError
from casework.models.contacts import ContactType
from casework.models.households.csv_cells import BadCell, Contacts, contact
from casework.models.households.csv_columns import (
    check_mapping,
    default_mapping,
    mapping_from_json,
)
from casework.models.households.csv_file import (
    CsvRow,
    CsvTable,
    decode,
    read_table,
    sniff_delimiter,
)
from casework.models.households.csv_import import (
    Duplicate,
    DuplicatePolicy,
    identities,
    identity_key,
    plan_import,
)
from casework.models.households.person import Gender, HouseholdRole

NOW = datetime(2026, 11, 21, 10, 0, tzinfo=BERLIN)

HEADER = ("Haushalt-Nr.;Vorname;Nachname;Geburtsdatum;Geschlecht;Rolle;Sorgeberechtigt;"
          "Straße;PLZ;Ort")


def _plan(text: str, encoding: str = "utf-8", existing: frozenset[tuple[str, str, str]]
          = frozenset()):  # type: ignore[no-untyped-def]
    table = read_table(text.encode(encoding))
    return plan_import(table, default_mapping(table.header), NOW, existing)


def test_utf8_with_and_without_bom_and_windows_1252_decode_the_same() -> None:
    text = "Nachname;Straße\nMüller;Gärtnerstraße 12\n"
    assert decode(text.encode("utf-8")) == (text, "UTF-8")
    assert decode(b"\xef\xbb\xbf" + text.encode("utf-8")) == (text, "UTF-8")
    assert decode(text.encode("cp1252")) == (text, "Windows-1252")


def test_binary_and_undecodable_files_are_refused() -> None:
    with pytest.raises(ValidationError, match="keine Textdatei"):
        decode(b"PK\x03\x04\x00\x00")
    with pytest.raises(ValidationError, match="Zeichenkodierung"):
        decode(b"Name\n\x81\x8d\x8f\x90\x9d")


@pytest.mark.parametrize(("line", "expected"), [
    ("a;b;c", ";"), ("a,b,c", ","), ('"Müller, Anna";b;c', ";"), ("a\tb", "\t"), ("a", ";"),
])
def test_delimiter_is_sniffed_from_the_header(line: str, expected: str) -> None:
    assert sniff_delimiter(line + "\nx") == expected


def test_default_mapping_understands_common_german_headers() -> None:
    header = ("Fall-Nr", "Vorname", "Name", "geb. am", "Straße", "Postleitzahl", "Wohnort",
              "Notiz", "Irgendwas")
    mapping = default_mapping(header)
    assert mapping["household_key"] == 0
    assert mapping["first_name"] == 1
    assert mapping["last_name"] == 2
    assert mapping["street"] == 4
    assert mapping["plz"] == 5
    assert mapping["city"] == 6
    assert mapping["contact_note"] == 7
    assert 8 not in mapping.values()


def test_rows_become_households_with_persons() -> None:
    plan = _plan(HEADER + "\n"
                 "1;Anna;Müller;04.05.1988;w;Elternteil;ja;Gärtnerstraße 12;46236;Bottrop\n"
                 "1;Lena;Müller;01.03.2019;w;Kind;nein;Gärtnerstraße 12;46236;Bottrop\n"
                 "2;Max;Beispiel;2015;m;Kind;;Hauptstraße 1;46236;Bottrop\n")
    assert plan.ok and plan.rows == 3
    assert [h.draft.name for h in plan.households] == ["Müller", "Beispiel"]
    mother, child = plan.households[0].persons
    assert mother.draft.custody and mother.draft.role is HouseholdRole.ELTERNTEIL
    assert child.draft.birth.birth_date == date(2019, 3, 1)
    assert child.draft.gender is Gender.WEIBLICH
    assert plan.households[1].persons[0].draft.birth.birth_year == 2015
    assert plan.households[0].draft.street == "Gärtnerstraße 12"


def test_without_household_number_rows_group_by_name_and_address() -> None:
    plan = _plan("Vorname,Nachname,Straße,PLZ\n"
                 "Anna,Müller,Gärtnerstraße 12,46236\n"
                 "Lena,Mueller,Gärtnerstrasse 12,46236\n"
                 "Tim,Müller,Hauptstraße 1,46236\n")
    assert [len(h.persons) for h in plan.households] == [2, 1]


def test_every_bad_row_is_listed_with_line_and_german_reason() -> None:
    plan = _plan(HEADER + "\n"
                 "1;Anna;Müller;31.02.1988;w;;;;;\n"
                 "2;Ben;Schmidt;01.01.2010;x;;;;;\n"
                 "3;Cem;Kaya;01.01.2010;m;;vielleicht;;;\n"
                 '4;"Dana";Ok;01.01.2010;w;;;;4623;\n'
                 "5;Eva;Zukunft;01.01.2030;w;;;;;\n"
                 "6;;;01.01.2010;;;;;;\n"
                 "7;Fritz;Lang;1.1.10;m;;;;;\n"
                 "8;Gül;Gut;01.01.2010;w;;;;;;;zu viel\n"
                 "9;Hans;Richtig;01.01.2010;m;;;;;\n")
    texts = [p.text() for p in plan.problems]
    assert texts == [
        "Zeile 2: Geburtsdatum: kein gültiges Datum.",
        "Zeile 3: Geschlecht: bitte w, m, d oder leer.",
        "Zeile 4: Sorgeberechtigt: bitte „ja“ oder „nein“.",
        "Zeile 5: PLZ: muss aus genau 5 Ziffern bestehen.",
        "Zeile 6: Geburtsdatum: liegt in der Zukunft. Für ein ungeborenes Kind bitte den "
        "errechneten Geburtstermin (ET) angeben.",
        "Zeile 7: Name: Geburtsdatum ohne Vor- oder Nachname.",
        "Zeile 8: Geburtsdatum: kein Datum im Format TT.MM.JJJJ.",
        "Zeile 9: Datei: mehr Spalten als die Kopfzeile.",
    ]
    assert not plan.ok
    for text in texts:  # reasons never repeat the (personal) value
        assert "Müller" not in text and "31.02" not in text


def test_line_numbers_count_physical_lines_with_multiline_cells() -> None:
    plan = _plan('Nachname;Notiz;Kontaktdatum\n'
                 'Müller;"zwei\nZeilen";01.10.2026\n'
                 'Schulz;;99.99.2026\n')
    assert [p.line for p in plan.problems] == [4]


def test_conflicting_household_data_is_a_problem_not_a_guess() -> None:
    plan = _plan(HEADER + "\n"
                 "1;Anna;Müller;;;;;Gärtnerstraße 12;46236;Bottrop\n"
                 "1;Lena;Müller;;;;;Hauptstraße 9;46236;Bottrop\n")
    assert [p.text() for p in plan.problems] == [
        "Zeile 3: Straße: weicht von Zeile 2 desselben Haushalts ab."]


def test_duplicates_in_the_file_and_in_the_vault_are_flagged() -> None:
    existing = frozenset({identity_key("Ayşe", "Müller", date(1988, 5, 4))})
    plan = _plan(HEADER + "\n"
                 "1;Ayse;Mueller;04.05.1988;w;;;;;\n"
                 "2;Lena;Schmidt;01.03.2019;w;;;;;\n"
                 "3;LENA;Schmidt;01.03.2019;w;;;;;\n"
                 "4;Lena;Schmidt;02.03.2019;w;;;;;\n", existing=existing)
    assert plan.ok
    assert plan.duplicates == (Duplicate(2, None), Duplicate(4, 3))
    assert "bereits in der Akte" in plan.duplicates[0].text()
    assert plan.person_count == 4  # flagged, not merged
    assert plan.without_duplicates().person_count == 2
    assert DuplicatePolicy.REFUSE.value == "ablehnen"


def test_contacts_are_optional_and_not_repeated_per_person() -> None:
    plan = _plan("Haushalt;Vorname;Nachname;Kontaktdatum;Kontaktart;Notiz\n"
                 "1;Anna;Müller;03.11.2026 14:30;Hausbesuch;Erstkontakt\n"
                 "1;Lena;Müller;03.11.2026 14:30;Hausbesuch;Erstkontakt\n"
                 "2;Tim;Kaya;;;\n")
    first, second = plan.households
    assert len(first.contacts) == 1 and len(second.contacts) == 0
    contact = first.contacts[0].draft
    assert contact.type is ContactType.HAUSBESUCH
    assert contact.occurred_at == datetime(2026, 11, 3, 14, 30, tzinfo=BERLIN)
    assert contact.notes[0].text == "Erstkontakt"


def test_contact_in_the_future_is_refused() -> None:
    plan = _plan("Nachname;Kontaktdatum\nMüller;01.12.2026\n")
    assert [p.text() for p in plan.problems] == ["Zeile 2: Datum/Uhrzeit: liegt in der Zukunft."]


def test_mapping_file_by_field_key_or_german_label() -> None:
    header = ("Kind Vorname", "Familie", "Geb")
    mapping = mapping_from_json('{"first_name": "Kind Vorname", "Nachname": "Familie", '
                                '"Geburtsdatum": "Geb", "Ort": ""}', header)
    assert mapping == {"first_name": 0, "last_name": 1, "birth_date": 2}
    with pytest.raises(ValidationError, match="unbekanntes Feld"):
        mapping_from_json('{"Lieblingsfarbe": "Familie"}', header)
    with pytest.raises(ValidationError, match="gibt es in der Datei nicht"):
        mapping_from_json('{"Vorname": "Fehlt"}', header)
    with pytest.raises(ValidationError, match="kein gültiges JSON"):
        mapping_from_json("{", header)


def test_a_mapping_needs_a_name_and_distinct_columns() -> None:
    with pytest.raises(ValidationError, match="Nachname"):
        check_mapping({"first_name": 0}, ("Vorname",))
    with pytest.raises(ValidationError, match="mehreren Feldern"):
        check_mapping({"first_name": 0, "last_name": 0}, ("Name",))


def test_broken_quoting_and_empty_files_are_validation_errors() -> None:
    with pytest.raises(ValidationError, match="ist leer"):
        read_table(b"\n\n  \n")
    with pytest.raises(ValidationError, match="fehlerhaftes CSV"):
        read_table(b'Nachname;Ort\n"Meier"x;Bottrop\n')


def test_a_file_mixing_utf8_and_windows_1252_is_refused_with_line_numbers() -> None:
    header = b"Familienname;Vorname\n"
    utf8 = "Müller;Ayşe\n".encode()
    cp1252 = "Jäger;Jörg\n".encode("cp1252")
    with pytest.raises(ValidationError) as caught:
        decode(header + utf8 + cp1252)
    assert "Zeile 2 UTF-8, Zeile 3 Windows-1252" in str(caught.value)
    # a pure Windows-1252 file still decodes as before
    text, encoding = decode(header + cp1252)
    assert encoding == "Windows-1252" and "Jäger" in text


# --------------------------------------------------------------------------- reading


@pytest.mark.parametrize("quote", ["", '"'])
def test_a_field_over_10000_characters_is_refused_with_its_line(quote: str) -> None:
    ok = f"Nachname;Notiz\nMeier;{quote}{'x' * 10_000}{quote}\n"
    assert len(read_table(ok.encode()).rows[0].cells[1]) == 10_000
    with pytest.raises(ValidationError, match="Zeile 3: ein Feld ist zu lang"):
        read_table((ok + f"Schulz;{quote}{'x' * 10_001}{quote}\n").encode())


@pytest.mark.parametrize("quote", ["", '"'])
def test_a_field_beyond_what_csv_reads_is_malformed_with_or_without_quotes(quote: str) -> None:
    data = f"Nachname;Notiz\nMeier;ok\nSchulz;{quote}{'x' * 140_000}{quote}\n".encode()
    with pytest.raises(ValidationError, match="Zeile 3: fehlerhaftes CSV"):
        read_table(data)


_CHARS = st.sampled_from(list("ab ;,\t\r\n\x0b\x0c\x1c\x85\u2028äß"))


@settings(max_examples=200, deadline=None)
@given(text=st.text(_CHARS, max_size=60), delimiter=st.sampled_from([";", ",", "\t"]))
def test_a_file_without_quotes_reads_as_csv_reader_reads_it(text: str, delimiter: str) -> None:
    """Quote-free files are split at the delimiter, not fed through csv.reader: the same
    records, the same lines (a line ends at \\r\\n, \\n or \\r only)."""
    expected = [(number, tuple(map(str.strip, record))) for number, record in
                enumerate(csv.reader(io.StringIO(f"h{delimiter}h\n" + text, newline=""),
                                     delimiter=delimiter), 1)]
    expected = [(line, cells) for line, cells in expected if any(cells)]
    table = read_table((f"h{delimiter}h\n" + text).encode())
    assert table.delimiter == delimiter
    assert [(1, table.header)] + [(r.line, r.cells) for r in table.rows] == expected


def test_windows_1252_with_what_looks_like_utf8_among_its_umlauts_still_decodes() -> None:
    # "ß" and "“" are the bytes DF 93: a UTF-8 pair once the ASCII between them is left
    # out, but no line is UTF-8, so the file is Windows-1252 and not "mixed"
    data = "Nachname;Notiz\nGroß;„Zitat“\nJäger;\n".encode("cp1252")
    text, encoding = decode(data)
    assert encoding == "Windows-1252" and "„Zitat“" in text


# --------------------------------------------------------------------------- rows


def test_each_row_rule_names_its_row_and_column() -> None:
    plan = _plan("Haushalt-Nr.;Familienname;Vorname;Nachname;Geburtsdatum;Dolmetscher;"
                 "Kontaktdatum;Kontaktart;Notiz\n"
                 f"1;;Anna;{'M' * 101};;;;;\n"
                 "2;;Ben;Kaya;1899;;;;\n"
                 "3;;Cem;Kaya;2031;;;;\n"
                 "4;;Dana;Kaya;31.12.1899;;;;\n"
                 "5;;Eva;Kaya;;vielleicht;;;\n"
                 "6;;Fritz;Kaya;;;01.10.2026;Brief;\n"
                 "7;;Gül;Kaya;;;;;Notiz ohne Datum\n"
                 f"8;{'F' * 201};Hans;Kaya;;;;;\n"
                 "9;;Ida;Kaya;;;30.02.2026;;\n")
    assert [p.text() for p in plan.problems] == [
        "Zeile 2: Name: ist zu lang (höchstens 100 Zeichen).",
        "Zeile 3: Geburtsjahr: muss zwischen 1900 und 2026 liegen.",
        "Zeile 4: Geburtsjahr: muss zwischen 1900 und 2026 liegen.",
        "Zeile 5: Geburtsdatum: liegt vor 1900.",
        "Zeile 6: Dolmetscher nötig: bitte „ja“ oder „nein“.",
        "Zeile 7: Kontaktart: unbekannte Kontaktart.",
        "Zeile 8: Kontaktdatum: fehlt (Kontaktart oder Notiz ohne Datum).",
        "Zeile 9: Familienname: ist zu lang (höchstens 200 Zeichen).",
        "Zeile 10: Kontaktdatum: kein gültiges Datum.",
    ]
    assert [len(h.persons) for h in plan.households] == []


def test_a_value_refused_once_is_refused_on_every_row_that_repeats_it() -> None:
    rows = "".join(f"{n};Kind{n};Müller;31.02.2019;x\n" for n in range(1, 5))
    plan = _plan("Haushalt-Nr.;Vorname;Nachname;Geburtsdatum;Geschlecht\n" + rows)
    assert [p.text() for p in plan.problems] == [
        f"Zeile {n}: Geburtsdatum: kein gültiges Datum." for n in range(2, 6)]


def test_household_cells_agree_after_folding_and_a_later_difference_is_still_found() -> None:
    plan = _plan(HEADER + "\n"
                 "1;Anna;Müller;;;;;Gärtnerstraße 12;46236;\n"
                 "1;Lena;Müller;;;;;Gärtnerstraße 12;46236;\n"
                 "1;Emil;Mueller;;;;;Gaertnerstrasse 12;46236;Bottrop\n"
                 "1;Tim;Müller;;;;;Gärtnerstraße 12;46236;\n"
                 "1;Ida;Müller;;;;;Gärtnerstraße 12;46236;Essen\n")
    assert [p.text() for p in plan.problems] == [
        "Zeile 6: Ort: weicht von Zeile 4 desselben Haushalts ab."]
    (household,) = plan.households
    assert [p.draft.first_name for p in household.persons] == ["Anna", "Lena", "Emil", "Tim"]
    assert (household.draft.street, household.draft.city) == ("Gärtnerstraße 12", "Bottrop")


def test_a_household_without_names_on_its_first_row_takes_a_later_rows_name() -> None:
    plan = _plan("Haushalt-Nr.;Vorname;Nachname;Sprachen;Dolmetscher\n"
                 "7;;;Deutsch, Türkisch/ Arabisch;ja\n"
                 "7;Ayşe;Kaya;Deutsch, Türkisch/ Arabisch;ja\n")
    assert plan.ok
    (household,) = plan.households
    assert household.draft.name == "Kaya" and household.draft.interpreter_needed
    assert household.draft.languages == ("Deutsch", "Türkisch", "Arabisch")


def test_the_same_contact_in_two_households_belongs_to_both() -> None:
    plan = _plan("Haushalt;Nachname;Kontaktdatum;Kontaktart;Notiz\n"
                 "1;Müller;03.11.2026;Hausbesuch;Termin\n"
                 "2;Kaya;03.11.2026;haus;Termin\n"
                 "2;Kaya;2026-11-03;Hausbesuch;Termin\n")
    assert [len(h.contacts) for h in plan.households] == [1, 1]
    assert plan.households[1].contacts[0].line == 3


def test_identities_of_many_persons_are_their_identity_keys() -> None:
    people = [("Ayşe", "Müller", "1988-05-04"), ("Ayse", "Mueller", "1988-05-04"),
              (" Lena ", "SCHMIDT", "2019-03-01")]
    assert identities(people) == {identity_key("Ayşe", "Müller", date(1988, 5, 4)),
                                  identity_key("Lena", "Schmidt", date(2019, 3, 1))}


def test_progress_is_reported_every_5000_rows_and_may_stop_the_check() -> None:
    rows = "".join(f"{n};Müller;Kind{n}\n" for n in range(12_000))
    table = read_table(("Haushalt-Nr.;Nachname;Vorname\n" + rows).encode())
    seen: list[tuple[int, int]] = []
    plan = plan_import(table, default_mapping(table.header), NOW,
                       progress=lambda done, total: seen.append((done, total)))
    assert plan.ok and len(plan.households) == 12_000
    assert seen == [(0, 12_000), (5_000, 12_000), (10_000, 12_000), (12_000, 12_000)]

    class Stop(Exception):
        pass

    def stop(done: int, total: int) -> None:
        if done:
            raise Stop

    with pytest.raises(Stop):
        plan_import(table, default_mapping(table.header), NOW, progress=stop)


def test_too_large_and_too_long_files_are_refused() -> None:
    with pytest.raises(ValidationError, match="zu groß"):
        read_table(b"Nachname\n" + b"x" * (50 * 1024 * 1024))
    with pytest.raises(ValidationError, match="zu viele Zeilen"):
        read_table(b"Nachname\n" + b"Meier\n" * 200_001)


def test_a_row_without_any_name_or_household_number_is_listed() -> None:
    plan = _plan("Vorname;Nachname;Straße\n;;Gärtnerstraße 12\nAnna;Müller;\n")
    assert [p.text() for p in plan.problems] == [
        "Zeile 2: Familienname: fehlt (weder Familienname noch Nachname angegeben)."]
    assert [h.draft.name for h in plan.households] == ["Müller"]


# --------------------------------------------------------------------------- same output
# The check converts each distinct cell text once and takes short cuts for the common
# row; these compare each short cut with the plain conversion it replaces.

_CONTACT_DATES = st.sampled_from(["", "03.11.2026", "03.11.2026 09:30", "2026-11-03",
                                  "21.11.2026 10:04", "21.11.2026 10:06", "30.02.2026",
                                  "1.1.2026", "gestern", "01.01.2027"])
_CONTACT_TYPES = st.sampled_from(["", "Hausbesuch", "haus", "Telefonat", "Brief", "tel",
                                  "Sprechstunde Stadtteilbüro", "BERATUNG"])
_NOTES = st.sampled_from(["", "Erstbesuch", " Rückruf ", "Termin beim Jobcenter", " ", "ẞ 😀",
                          "Anruf"])


def _outcome(convert, cells):  # type: ignore[no-untyped-def]
    try:
        return convert(cells)
    except BadCell as bad:
        return ("BadCell", bad.label, bad.reason)
    except ValidationError as error:
        return ("ValidationError", error.field, error.reason)


@settings(max_examples=150, deadline=None)
@given(st.lists(st.tuples(_CONTACT_DATES, _CONTACT_TYPES, _NOTES), max_size=30))
def test_a_rows_contact_is_what_the_plain_conversion_gives(
        rows: list[tuple[str, str, str]]) -> None:
    remembered = Contacts(NOW)  # one per import: its state carries from row to row
    for cells in rows:
        assert _outcome(remembered.__getitem__, cells) == _outcome(
            lambda c: contact(c, NOW), cells), cells


_HOUSEHOLD_CELLS = st.tuples(
    st.sampled_from(["", "Familie Kaya", "F" * 201]),  # Familienname
    st.sampled_from(["", "Gärtnerstraße 12", " Am Markt 1 "]), st.sampled_from(["", "46236"]),
    st.sampled_from(["", "Bottrop"]), st.sampled_from(["", "Ebel"]),
    st.sampled_from(["", "Ebel-Süd"]),
    st.sampled_from(["", "Deutsch, Türkisch/ Arabisch", " ; ", "Polnisch"]),
    st.sampled_from(["", "ja", "nein"]))


@settings(max_examples=150, deadline=None)
@given(cells=_HOUSEHOLD_CELLS, blanks=st.sets(st.integers(0, 7)))
def test_a_household_is_the_same_whether_its_rows_repeat_its_cells_or_leave_some_out(
        cells: tuple[str, ...], blanks: set[int]) -> None:
    """Rows repeating the first row's household cells take a short cut; a later row
    leaving some of them empty takes the general merge. The same household either way."""
    header = ("Haushalt-Nr.", "Familienname", "Straße", "PLZ", "Ort", "Stadtteil", "Quartier",
              "Sprachen", "Dolmetscher", "Vorname", "Nachname")
    later = tuple("" if i in blanks else c for i, c in enumerate(cells))
    plans = []
    for second in (cells, later):
        table = CsvTable(header, (CsvRow(2, ("1", *cells, "Anna", "Kaya")),
                                  CsvRow(3, ("1", *second, "Ben", "Kaya"))), "UTF-8", ";")
        plans.append(plan_import(table, default_mapping(header), NOW))
    same, merged = plans
    assert [p.text() for p in same.problems] == [p.text() for p in merged.problems]
    assert [h.draft for h in same.households] == [h.draft for h in merged.households]
