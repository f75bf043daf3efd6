"""Families with the same surname are named distinguishably; duplicates are noticed."""

from __future__ import annotations

from datetime import date

from casework.models.households.household import HouseholdDraft, household_label
from casework.models.households.person import BirthInfo, Gender, HouseholdRole, PersonDraft
from casework.services.households import households
from tests.conftest import add_family


def test_label_names_adults_and_street() -> None:
    assert household_label("Müller", ("Sabine", "Thomas"), "Hauptstraße 5") == \
        "Müller (Sabine, Thomas) · Hauptstr. 5"
    assert household_label("Müller", (), "Lange Strasse 3") == "Müller · Lange Str. 3"
    assert household_label("Müller", (), "") == "Müller"


def test_same_surname_families_have_different_labels(session) -> None:
    first = add_family(session, "Müller", parent="Sabine")
    second = add_family(session, "Mueller", parent="Petra")
    labels = households.labels(session, [first, second])
    assert labels[first] == "Müller (Sabine) · Gärtnerstr. 12"
    assert labels[second] == "Mueller (Petra) · Gärtnerstr. 12"
    assert [r.label for r in households.list_rows(session, [first])] == [labels[first]]
    assert households.label(session, second) == labels[second]


def test_similar_family_and_person_are_found(session) -> None:
    existing = add_family(session, "Müller", parent="Sabine")
    (match,) = households.similar_families(session, "Mueller", "Gärtnerstrasse 12")
    assert match.household.id == existing
    assert households.similar_families(session, "Müller", "Hauptstraße 1") == []
    other, _ = households.create(session, HouseholdDraft(name="Schmidt"))
    sabine = PersonDraft("sabine", "MÜLLER", BirthInfo(), Gender.WEIBLICH,
                         HouseholdRole.ELTERNTEIL)
    (found,) = households.similar_persons(session, sabine, other)
    assert found.household.id == existing and found.why.startswith("Sabine Müller")
    by_birth = PersonDraft("Sabina", "Muller", BirthInfo(date(1988, 5, 4)), Gender.WEIBLICH,
                           HouseholdRole.ELTERNTEIL)
    assert [f.household.id for f in households.similar_persons(session, by_birth, other)] \
        == [existing]
    # Within the same household it is not a duplicate of another file.
    assert households.similar_persons(session, sabine, existing) == []
