"""Households, members, search and history through the services on a real vault."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from casework.errors import ValidationError
from casework.models.contacts import ContactDraft, ContactType, NoteEntry, NoteKind
from casework.models.households.household import HouseholdDraft, TargetGroup
from casework.models.households.person import BirthInfo, HouseholdRole, PersonDraft
from casework.services import contacts, history
from casework.services.households import households
from tests.conftest import add_family


def _count(session) -> int:
    return households.count(session)


@pytest.mark.parametrize(("draft", "field"), [
    (HouseholdDraft(name="   "), "Familienname"),
    (HouseholdDraft(name="Özdemir", plz="4623"), "PLZ"),
    (HouseholdDraft(name="Özdemir", plz="46 236"), "PLZ"),
])
def test_invalid_household_names_the_field_and_writes_nothing(session, draft, field) -> None:
    with pytest.raises(ValidationError) as info:
        households.create(session, draft)
    assert info.value.field == field
    assert _count(session) == 0


def test_person_born_in_the_future_is_refused_but_unborn_with_due_date_is_fine(
        session, family) -> None:
    today = session.clock.now().date()
    with pytest.raises(ValidationError) as info:
        households.add_person(session, family, PersonDraft(
            "Baby", "Müller", BirthInfo(birth_date=today + timedelta(days=30))))
    assert info.value.field == "Geburtsdatum"
    assert "ET" in info.value.reason
    pid, _ = households.add_person(session, family, PersonDraft(
        "", "Müller", BirthInfo(due_date=today + timedelta(days=90)), role=HouseholdRole.KIND))
    member = next(p for p in households.members(session, family) if p.id == pid)
    assert member.data.birth.age_text(today).startswith("ungeboren, ET ")


def test_due_date_too_far_ahead_is_refused(session, family) -> None:
    today = session.clock.now().date()
    with pytest.raises(ValidationError) as info:
        households.add_person(session, family, PersonDraft(
            "", "Müller", BirthInfo(due_date=today + timedelta(days=400))))
    assert info.value.field == "Errechneter Geburtstermin"


def test_empty_person_name_is_refused(session, family) -> None:
    with pytest.raises(ValidationError) as info:
        households.add_person(session, family, PersonDraft(" ", ""))
    assert info.value.field == "Name"
    assert len(households.members(session, family)) == 2


@pytest.mark.parametrize("query", ["Muller", "müller", "MUELLER", "mül", "Gartnerstrasse",
                                   "gärtnerstr", "Ayse", "Ayşe", "lena mul"])
def test_name_and_address_search_is_umlaut_and_case_insensitive(session, family, query) -> None:
    households.create(session, HouseholdDraft(name="Schmidt", street="Am Markt 1"))
    assert households.list_ids(session, search=query) == [family]


def test_note_words_find_the_household(session, family) -> None:
    other = add_family(session, "Schmidt")
    contacts.log_contact(session, family, ContactDraft(
        session.clock.now(), ContactType.HAUSBESUCH,
        notes=(NoteEntry(NoteKind.BEOBACHTUNG, "Die Waschmaschine ist kaputt, Schimmel im Bad."),)))
    assert households.list_ids(session, search="Waschmaschine") == [family]
    assert households.list_ids(session, search="schimmel bad") == [family]
    assert households.list_ids(session, search="Waschmaschine", include_notes=False) == []
    assert other not in households.list_ids(session, search="kaputt")


def test_list_sorts_in_sql_by_name_and_last_contact(session) -> None:
    a = add_family(session, "Zander")
    b = add_family(session, "Ähnlich")
    c = add_family(session, "Becker")
    assert households.list_ids(session) == [b, c, a]  # Ä sorts as A
    contacts.log_contact(session, c, ContactDraft(session.clock.now() - timedelta(days=3),
                                                  ContactType.TELEFONAT))
    contacts.log_contact(session, a, ContactDraft(session.clock.now(), ContactType.TELEFONAT))
    assert households.list_ids(session, sort="last_contact", descending=True)[:2] == [a, c]
    rows = households.list_rows(session, [a])
    assert rows[0].members == 2 and rows[0].last_contact_at is not None


def test_update_records_history_with_changed_fields_and_author(session, family) -> None:
    draft = households.get(session, family).data
    changes = households.update(session, family, HouseholdDraft(
        **{**{f: getattr(draft, f) for f in draft.__slots__}, "plz": "46238",
           "target_groups": frozenset({TargetGroup.ALLEINERZIEHEND})}))
    assert changes.ids("household") == {family}
    entries = history.for_household(session, family)
    assert entries[0].summary() == "Haushalt geändert: PLZ, Zielgruppenkriterien"
    assert entries[0].actor_name == "Lena Beispiel"
    assert entries[-1].summary() == "Haushalt angelegt: Müller"


def test_unchanged_update_writes_no_history(session, family) -> None:
    before = len(history.for_household(session, family))
    assert not households.update(session, family, households.get(session, family).data)
    assert len(history.for_household(session, family)) == before


def test_removed_person_is_a_tombstone_and_leaves_search(session, family) -> None:
    lena = next(p for p in households.members(session, family) if p.data.first_name == "Lena")
    households.remove_person(session, lena.id)
    assert [p.data.first_name for p in households.members(session, family)] == ["Ayşe"]
    assert households.list_ids(session, search="Lena") == []
    assert history.for_household(session, family)[0].summary() == "Person gelöscht"


def test_ages_are_computed_from_birth_dates(session, family) -> None:
    today = date(2026, 11, 21)
    ages = {p.data.first_name: p.data.birth.age_text(today)
            for p in households.members(session, family)}
    assert ages == {"Ayşe": "38 J.", "Lena": "7 J."}


@pytest.mark.parametrize("query", ["Yilmaz", "yılmaz", "YILMAZ"])
def test_turkish_dotless_i_is_found_without_the_special_letter(session, query) -> None:
    hid, _ = households.create(session, HouseholdDraft(name="Yılmaz"))
    assert households.list_ids(session, search=query) == [hid]


def test_restricted_file_is_hidden_from_daily_work_but_not_from_leitung(session, family) -> None:
    from casework.errors import PermissionDenied
    from casework.models.persons.worker import WorkerDraft, WorkerRole
    from casework.services.persons import workers
    from casework.services.privacy import retention

    # an ordinary worker (the owner is also the vault's Admin)
    fachkraft, _ = workers.create(session, WorkerDraft("Tom Fachkraft", WorkerRole.FACHKRAFT))
    leitung, _ = workers.create(session, WorkerDraft("Dr. Petra Probe", WorkerRole.LEITUNG))
    session.act_as(fachkraft)
    households.record_view(session, family)
    session.act_as(leitung)
    retention.restrict(session, family, "Aufbewahrungspflicht § 9b, keine laufende Hilfe")
    assert households.list_ids(session) == [family]
    session.act_as(fachkraft)
    assert households.list_ids(session) == []
    assert households.list_ids(session, search="Müller") == []
    assert households.recently_opened(session) == []
    with pytest.raises(PermissionDenied):
        households.record_view(session, family)
